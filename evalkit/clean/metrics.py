"""Social-media metrics: from the wide daily tables the tools export to one row per
account × day × metric, plus the small rules that posts need (ids, replies, entities).

The daily readers (X classic and X Premium daily files, Facebook Page Insights, Meta
Business Suite) all parse their layout into a frame of *day records* — a ``source_row``
column, the date column and one column per exported metric, as text or already parsed as
numbers by the CSV parser — and hand it to :func:`daily_metrics`, which chains the small
steps below:

1. :func:`metric_names` — exported column label → canonical metric name (a per-format
   map, :data:`METRIC_MAPS`); a column the map does not know keeps a folded name
   (``"detail expands"`` → ``detail_expands``) instead of being dropped;
2. :func:`split_duplicate_days` — a day exported twice is ``merged`` when the records
   agree and ``quarantined`` when they do not;
3. :func:`cell_numbers` — the cells as a day × metric matrix of numbers (text cells
   through :func:`to_number`: ``89.0``, ``1,234``, ``7.87E-4``, ``12.5%``), blank cells
   to 0 or to no row;
4. :func:`melt_days` — wide → long, one row per record × column that holds a number
   (no loop over rows).

:func:`follower_totals` turns daily new follows and unfollows into follower totals from
one known count per account.

>>> import pandas as pd
>>> days = pd.DataFrame({
...     "source_row": [2, 3],
...     "Date": ["2022-10-01", "2022-10-02"],
...     "impressions": ["120.0", "1,204"],
...     "detail expands": ["3", ""],
... })
>>> metrics, fates, notes = daily_metrics(
...     days, date_column="Date", date_format="%Y-%m-%d", metric_map=METRIC_MAPS["x-classic"],
...     source_file="daily.csv", platform="x", account="CllrJaneSmith")
>>> metrics[["date", "metric", "value"]].astype(str).values.tolist()
[['2022-10-01', 'impressions', '120.0'], ['2022-10-01', 'detail_expands', '3.0'], ['2022-10-02', 'impressions', '1204.0']]
>>> fates["fate"].tolist()
['kept', 'kept']
"""

from __future__ import annotations

import functools
import html
import re
from collections import Counter
from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd

from ..readers.base import Context, InputError, fates_frame

__all__ = [
    "METRIC_MAPS",
    "account_from_folder",
    "blank_records",
    "table_records",
    "with_header",
    "header_labels",
    "header_labels_of",
    "cell_numbers",
    "daily_metrics",
    "extract_handle",
    "fill_blank_cells",
    "fold_name",
    "follower_totals",
    "melt_days",
    "metric_names",
    "most_common",
    "parse_dates",
    "post_counts",
    "posts_frame",
    "settle_repeated_posts",
    "first_reason",
    "reply_flag",
    "split_duplicate_days",
    "strip_handle",
    "to_number",
    "unescape_entities",
]

#: Exported column label (folded with :func:`fold_name`) → canonical metric, per format family.
#:
#: Choices worth knowing:
#:
#: * X classic ``follows`` (people who followed from a tweet or on the day) → ``new_follows``;
#:   the classic exports have no unfollows and no follower total.
#: * ``user profile clicks`` → ``profile_visits``; ``url clicks`` → ``link_clicks``;
#:   ``retweets`` → ``reposts``; older files say ``favorites`` for ``likes``.
#: * X Premium ``Create Post`` → ``posts``.
#: * Facebook: ``Lifetime Total Likes`` → ``page_likes`` (the page's audience total);
#:   ``Daily New Likes`` → ``new_follows`` and ``Daily Unlikes`` → ``unfollows`` (page likes
#:   are the legacy page's follows); ``Daily Page Engaged Users`` → ``engagements`` (people,
#:   not actions); ``Daily Total Reach`` → ``reach``; ``Daily Total Impressions`` →
#:   ``impressions``; ``Daily Logged-in Page Views (Total Count)`` → ``views``. For
#:   ``link_clicks`` the breakdown ``Daily Page Consumptions By Type - link clicks`` is
#:   used: ``Daily Page Consumptions`` itself also counts photo views, video plays and
#:   other clicks, so it keeps its folded name ``daily_page_consumptions``.
#: * Meta Business Suite names the metric in the file's title line; ``Viewers`` (Meta's
#:   newer name for the people reached) → ``reach``; ``Content interactions`` →
#:   ``engagements``; ``Visits`` → ``profile_visits``.
METRIC_MAPS: dict[str, dict[str, str]] = {
    "x-classic": {
        "tweets_published": "posts",
        "impressions": "impressions",
        "engagements": "engagements",
        "engagement_rate": "engagement_rate",
        "retweets": "reposts",
        "replies": "replies",
        "likes": "likes",
        "favorites": "likes",
        "user_profile_clicks": "profile_visits",
        "url_clicks": "link_clicks",
        "follows": "new_follows",
        "media_views": "media_views",
    },
    "x-premium": {
        "impressions": "impressions",
        "likes": "likes",
        "engagements": "engagements",
        "bookmarks": "bookmarks",
        "shares": "shares",
        "new_follows": "new_follows",
        "unfollows": "unfollows",
        "replies": "replies",
        "reposts": "reposts",
        "profile_visits": "profile_visits",
        "create_post": "posts",
        "video_views": "video_views",
        "media_views": "media_views",
        "url_clicks": "link_clicks",
    },
    "facebook-insights": {
        "lifetime_total_likes": "page_likes",
        "daily_new_likes": "new_follows",
        "daily_unlikes": "unfollows",
        "daily_page_engaged_users": "engagements",
        "daily_total_reach": "reach",
        "daily_total_impressions": "impressions",
        "daily_logged_in_page_views_total_count": "views",
        "daily_page_consumptions_by_type_link_clicks": "link_clicks",
        "daily_total_video_views": "video_views",
    },
    "meta-business-suite": {
        "views": "views",
        "follows": "new_follows",
        "unfollows": "unfollows",
        "reach": "reach",
        "viewers": "reach",
        "content_interactions": "engagements",
        "interactions": "engagements",
        "link_clicks": "link_clicks",
        "visits": "profile_visits",
    },
}

#: cell texts that mean "no value here" rather than an unreadable value
_NOT_APPLICABLE = {"", "-", "\u2013", "n/a", "na", "none", "null"}
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_REPLY = re.compile(r"^@[A-Za-z0-9_]+")


# --------------------------------------------------------------------------- names

def fold_name(label: str) -> str:
    """A column label as a metric name: lower case, words joined by ``_``.

    >>> fold_name("detail expands")
    'detail_expands'
    >>> fold_name("Daily Logged-in Page Views (Unique Users)")
    'daily_logged_in_page_views_unique_users'
    """
    return _folded(str(label))


@functools.lru_cache(maxsize=16384)
def _folded(label: str) -> str:
    """:func:`fold_name` of a text label (exports repeat a few thousand labels: each is
    folded once)."""
    return _NOT_NAME.sub("_", label.strip().lower()).strip("_")


_NOT_NAME = re.compile(r"[^0-9a-z]+")


def metric_names(columns: Iterable[str], metric_map: dict[str, str]) -> list[str]:
    """The metric name for each exported column: canonical where ``metric_map`` knows the
    (folded) label, else the folded label. Two columns never get the same name: the
    first column to claim a name keeps it, a later one keeps its folded label (and a
    number if even that is taken).

    >>> metric_names(["retweets", "favorites", "app opens", "App opens"], METRIC_MAPS["x-classic"])
    ['reposts', 'likes', 'app_opens', 'app_opens_2']
    """
    columns = tuple(columns)
    key = (columns, frozenset(metric_map.items()))
    known = _NAMES_OF.get(key)
    if known is None:  # a pilot's files of one format share their headers: each is named once
        if len(_NAMES_OF) >= 1024:
            _NAMES_OF.clear()
        known = _NAMES_OF[key] = tuple(_metric_names(columns, metric_map))
    return list(known)


#: metric names already worked out, by (columns, metric map)
_NAMES_OF: dict[tuple, tuple[str, ...]] = {}


def _metric_names(columns: tuple[str, ...], metric_map: dict[str, str]) -> list[str]:
    names: list[str] = []
    taken: set[str] = set()
    for column in columns:
        folded = fold_name(column)
        name = metric_map.get(folded, folded)
        if name in taken:
            name = folded
        base, n = name, 1
        while name in taken:
            n += 1
            name = f"{base}_{n}"
        taken.add(name)
        names.append(name)
    return names


def strip_handle(text: str | None) -> str | None:
    """An account handle without ``@`` or surrounding space.

    >>> strip_handle(" @CllrJaneSmith ")
    'CllrJaneSmith'
    """
    if text is None:
        return None
    return str(text).strip().lstrip("@").strip() or None


def account_from_folder(path: Path | str, context: Context) -> tuple[str, str]:
    """The account of a metrics file that does not name it, and how it was found.

    In order: ``context.account`` (an ``account:`` pin in ``programme.yml``); the name of
    the folder holding the file, unless that folder is ``metrics`` itself (the sample
    keeps such files in ``metrics/<account>/``).

    >>> account_from_folder("suffolk/metrics/@CllrJaneSmith/account_overview_analytics.csv", Context())
    ('CllrJaneSmith', "the folder name '@CllrJaneSmith'")

    Raises
    ------
    InputError
        When neither gives an account; the message asks for an ``account:`` pin.
    """
    if context.account:
        return strip_handle(context.account), "pinned with account: in programme.yml"
    folder = Path(path).parent.name
    if folder and folder.lower() != "metrics" and strip_handle(folder):
        return strip_handle(folder), f"the folder name '{folder}'"
    raise InputError(
        path,
        "the file does not say whose account it is: put it in a folder named after the "
        "account (metrics/<account>/) or pin it with `account:` under the pilot's files "
        "in programme.yml",
    )


def header_labels(cells: pd.Series, qualifiers: pd.Series | None = None) -> list[str]:
    """Unique column labels from a header record.

    Labels are stripped of space. A label that occurs more than once is told apart by its
    qualifier (e.g. the ``(Unique Users)`` / ``(Total Count)`` at the end of Facebook's
    description row) and, failing that, by a number.

    >>> header_labels(pd.Series(["Date", "Daily Logged-in Page Views", "Daily Logged-in Page Views"]),
    ...               pd.Series(["", "Daily: Page views (Total Count)", "Daily: Page views (Unique Users)"]))
    ['Date', 'Daily Logged-in Page Views (Total Count)', 'Daily Logged-in Page Views (Unique Users)']
    """
    labels = [str(c).strip() for c in cells]
    counts = Counter(labels)
    out: list[str] = []
    for i, label in enumerate(labels):
        if counts[label] > 1 and qualifiers is not None:
            text = str(qualifiers.iloc[i]).strip()
            found = re.findall(r"\(([^()]+)\)\s*$", text)
            label = f"{label} ({found[-1] if found else text})" if text else label
        out.append(label)
    seen: dict[str, int] = {}
    unique = []
    for label in out:
        seen[label] = seen.get(label, 0) + 1
        unique.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return unique


def header_labels_of(names: Iterable[str], qualifiers: Iterable[str] | None = None) -> list[str]:
    """:func:`header_labels` of a header record given as text cells (and its qualifiers),
    worked out once per distinct header (a pilot's files of one format share theirs).

    >>> header_labels_of(["Date", " Likes", "Likes"])
    ['Date', 'Likes', 'Likes (2)']
    """
    return list(_labels_of(tuple(names), None if qualifiers is None else tuple(qualifiers)))


@functools.lru_cache(maxsize=1024)
def _labels_of(names: tuple[str, ...], qualifiers: tuple[str, ...] | None) -> tuple[str, ...]:
    return tuple(header_labels(pd.Series(names, dtype="object"),
                               None if qualifiers is None else pd.Series(qualifiers, dtype="object")))


def with_header(body: pd.DataFrame, header: list[str], path: Path | str) -> pd.DataFrame:
    """Body records (read apart from their header) labelled with the header's columns.
    Records shorter than the header were padded by the parser; a longer one is an error.

    >>> with_header(pd.DataFrame([[1.0, 2.0]]), ["Date", "Likes", "Reach"], "f.csv").columns.tolist()
    ['Date', 'Likes', 'Reach']
    """
    if body.shape[1] > len(header):
        raise InputError(path, f"records have {body.shape[1]} fields but the header names {len(header)}")
    for extra in range(body.shape[1], len(header)):
        body = body.assign(**{f"__pad{extra}": np.nan})
    return body.set_axis(header, axis=1).reset_index(drop=True)


def table_records(body: pd.DataFrame, lines: np.ndarray, header: list[str],
                  path: Path | str) -> tuple[pd.DataFrame, np.ndarray]:
    """The data records of a table read apart from its header: labelled with the header's
    columns (:func:`with_header`), blank lines taken out (:func:`blank_records`), and a
    first column ``source_row`` (the record's line). Returns the records and which body
    records were blank.

    >>> records, blank = table_records(pd.DataFrame([["1", "a"], ["", ""]]), np.array([2, 3]), ["id", "name"], "f.csv")
    >>> records.values.tolist(), blank.tolist()
    ([[2, '1', 'a']], [False, True])
    """
    body = with_header(body, header, path)
    blank = blank_records(body)
    records = body[~blank].reset_index(drop=True) if blank.any() else body.copy(deep=False)
    records.insert(0, "source_row", np.asarray(lines, dtype=np.int64)[~blank])
    return records, blank


def blank_records(cells: pd.DataFrame) -> np.ndarray:
    """Which records are blank lines (every cell empty or space). Vectorised.

    >>> blank_records(pd.DataFrame([["a", "1"], ["", ""], ["  ", ""], [np.nan, np.nan]])).tolist()
    [False, True, True, True]
    """
    if cells.shape[1] == 0:
        return np.ones(len(cells), dtype=bool)
    first = cells.iloc[:, 0]
    if pd.api.types.is_float_dtype(first.dtype):
        empty = np.isnan(first.to_numpy(dtype=float, copy=True))
    else:
        empty = pd.Series(first.to_numpy(dtype=object), dtype="object").fillna("").astype(str).str.strip().eq(
            "").to_numpy(dtype=bool, copy=True)
    for j in range(1, cells.shape[1]):  # columns, while any record may still be blank
        if not empty.any():
            break
        column = cells.iloc[:, j]
        if pd.api.types.is_float_dtype(column.dtype):
            empty &= np.isnan(column.to_numpy(dtype=float))
        else:
            rest = column.to_numpy(dtype=object)
            empty &= (rest == "") | pd.isna(rest)
    return empty


# --------------------------------------------------------------------------- values

def to_number(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Exported counts and rates as floats, and which present values could not be read.

    Understood: ``89.0``, ``1,234`` (thousands separators), ``7.874015748031496E-4``,
    ``12.5%`` (a share: 0.125). Blank cells, ``-`` and ``n/a`` are missing (NaN) but not
    unreadable. Vectorised: each distinct value is read once (a column of ``-`` costs one
    reading), the numeric parser runs once over the distinct values, the rarer spellings
    are fixed only where it failed.

    >>> numbers, unreadable = to_number(pd.Series(["89.0", "1,234", "7.8E-4", "12.5%", "-", "lots"]))
    >>> numbers.tolist()[:4]
    [89.0, 1234.0, 0.00078, 0.125]
    >>> unreadable.tolist()
    [False, False, False, False, False, True]
    """
    series = pd.Series(values, dtype="object")
    numbers, unreadable, _ = _read_numbers(series)
    return (pd.Series(numbers, index=series.index, dtype=float),
            pd.Series(unreadable, index=series.index, dtype=bool))


def _read_numbers(cells: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Floats, unreadable and blank masks of text cells, each distinct value read once."""
    cells = np.asarray(cells, dtype=object)
    n = len(cells)
    if n and isinstance(cells[0], str) and (cells == cells[0]).all():  # one value in every row
        numbers, unreadable, blank = _read_distinct_numbers(pd.Series(cells[:1], dtype="object"))
        return np.full(n, numbers[0]), np.full(n, unreadable[0]), np.full(n, blank[0])
    codes, distinct = pd.factorize(cells, use_na_sentinel=True)
    numbers, unreadable, blank = _read_distinct_numbers(pd.Series(np.asarray(distinct, dtype=object),
                                                                  dtype="object"))
    present = codes >= 0
    safe = np.where(present, codes, 0)
    if len(distinct) == 0:
        n = len(codes)
        return np.full(n, np.nan), np.zeros(n, dtype=bool), np.ones(n, dtype=bool)
    return (np.where(present, numbers[safe], np.nan), np.where(present, unreadable[safe], False),
            np.where(present, blank[safe], True))


def _read_distinct_numbers(values: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if len(values) <= 8:  # a column of "-" (promoted counts of an account that never paid)
        stripped = [str(v).strip() for v in values]
        if all(v.lower() in _NOT_APPLICABLE for v in stripped):
            n = len(values)
            return np.full(n, np.nan), np.zeros(n, dtype=bool), np.array([v == "" for v in stripped], dtype=bool)
    text = values.astype(str).str.strip()
    numbers = pd.to_numeric(text, errors="coerce")
    missing = text.str.lower().isin(_NOT_APPLICABLE)
    retry = numbers.isna() & ~missing
    if retry.any():
        rest = text[retry]
        percent = rest.str.endswith("%")
        body = rest.str.rstrip("%").str.strip()
        body = body.where(~body.str.match(_THOUSANDS), body.str.replace(",", "", regex=False))
        fixed = pd.to_numeric(body, errors="coerce")
        fixed = fixed.where(~percent, fixed / 100)
        numbers = numbers.astype(float)
        numbers[retry] = fixed
    numbers = numbers.to_numpy(dtype=float)
    unreadable = np.isnan(numbers) & ~missing.to_numpy(dtype=bool)
    return numbers, unreadable, text.eq("").to_numpy(dtype=bool)


def parse_dates(values: pd.Series, date_format: str) -> tuple[pd.Series, pd.Series]:
    """Dates (``datetime.date`` objects) from text with a strftime format, and a mask of
    values that did not parse.

    >>> dates, bad = parse_dates(pd.Series(["Fri, Mar 21, 2025", "Sat, Mar 1, 2025", "soon"]), "%a, %b %d, %Y")
    >>> [str(d) for d in dates], bad.tolist()
    (['2025-03-21', '2025-03-01', 'None'], [False, False, True])
    """
    text = pd.Series(values, dtype="object").fillna("").astype(str).str.strip()
    parsed = pd.to_datetime(text, format=date_format, errors="coerce")
    bad = parsed.isna()
    dates = pd.Series(np.asarray(parsed.dt.date, dtype=object), index=text.index, dtype="object")
    dates[bad] = None
    return dates, bad


# --------------------------------------------------------------------------- day records

def split_duplicate_days(days: pd.DataFrame, value_columns: list[str], *,
                         source_file: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Keep the first record of each date; settle the others.

    ``days`` has ``source_row``, ``date`` and the value columns (text or numbers). A later
    record of the same date is ``merged`` when every value agrees with the first (empty
    agrees with empty), and ``quarantined`` (reason naming both rows and the first
    differing column) when not. Returns the records kept and the settled records
    (``source_row, fate, reason``).

    >>> days = pd.DataFrame({"source_row": [2, 3, 4], "date": ["d1", "d1", "d1"], "likes": ["1", "1", "2"]})
    >>> kept, settled = split_duplicate_days(days, ["likes"], source_file="f.csv")
    >>> kept["source_row"].tolist(), settled["fate"].tolist()
    ([2], ['merged', 'quarantined'])
    """
    repeated = days.duplicated(subset=["date"], keep="first").to_numpy()
    settled = pd.DataFrame({"source_row": pd.Series(dtype="int64"), "fate": pd.Series(dtype="object"),
                            "reason": pd.Series(dtype="object")})
    if not repeated.any():
        return days, settled
    first = days[~repeated].set_index("date")
    later = days[repeated]
    original = first.loc[later["date"].tolist()]
    a = later[value_columns].to_numpy(dtype=object)
    b = original[value_columns].to_numpy(dtype=object)
    differs = ~((a == b) | (pd.isna(a) & pd.isna(b)))
    same = ~differs.any(axis=1)
    which = differs.argmax(axis=1)
    reasons = []
    for k, (row, first_row) in enumerate(zip(later["source_row"], original["source_row"])):  # repeats only
        if same[k]:
            reasons.append(f"the same day as row {first_row}, with the same values")
            continue
        column = value_columns[which[k]]
        reasons.append(
            f"{source_file}, row {row}, column '{column}': {_shown(a[k, which[k]])!r} differs from "
            f"{_shown(b[k, which[k]])!r} for the same day in row {first_row}"
        )
    settled = pd.DataFrame({
        "source_row": later["source_row"].to_numpy(dtype=np.int64),
        "fate": np.where(same, "merged", "quarantined").astype(object),
        "reason": reasons,
    })
    return days[~repeated], settled


def _same(value, n: int) -> pd.Series:
    """An object column holding ``value`` n times (filled by slice: fast for long tables)."""
    cells = np.empty(n, dtype=object)
    cells[:] = value
    return pd.Series(cells, dtype="object")


def _shown(value) -> str:
    """A cell as the file wrote it (numbers parsed on reading are shown without ``.0``)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


def cell_numbers(days: pd.DataFrame, value_columns: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The value cells of day records as a float matrix, with which were blank and which
    could not be read (both NaN in the matrix).

    Columns already parsed as numbers (see ``read_csv_frame(numbers=True)``) are taken as
    they are, NaN meaning an empty cell; text columns go through :func:`to_number`. Loops
    over columns only.

    >>> days = pd.DataFrame({"likes": [3.0, np.nan], "reach": ["1,204", "lots"]})
    >>> values, blank, unreadable = cell_numbers(days, ["likes", "reach"])
    >>> values.tolist(), blank.tolist(), unreadable.tolist()
    ([[3.0, 1204.0], [nan, nan]], [[False, False], [True, False]], [[False, False], [False, True]])
    """
    n, m = len(days), len(value_columns)
    values = np.full((n, m), np.nan)
    blank = np.zeros((n, m), dtype=bool)
    unreadable = np.zeros((n, m), dtype=bool)
    if m == 0:
        return values, blank, unreadable
    chosen = days[value_columns]
    kinds = chosen.dtypes.to_numpy()
    parsed = np.array([pd.api.types.is_numeric_dtype(k) and not pd.api.types.is_bool_dtype(k) for k in kinds])
    if parsed.any():  # columns the CSV parser read as numbers: one conversion for them all
        values[:, parsed] = chosen.iloc[:, np.flatnonzero(parsed)].to_numpy(dtype=float)
        blank[:, parsed] = np.isnan(values[:, parsed])
    for j in np.flatnonzero(~parsed):  # text columns, each distinct value read once
        values[:, j], unreadable[:, j], blank[:, j] = _read_numbers(chosen.iloc[:, j])
    return values, blank, unreadable


def melt_days(days: pd.DataFrame, values: np.ndarray, metrics: list[str]) -> pd.DataFrame:
    """The cells of a day × metric matrix that hold a number, as one row each, in file
    order (record by record, column by column). No loop: the positions come from
    :func:`numpy.nonzero`.

    Returns ``source_row, date, metric, value``.

    >>> days = pd.DataFrame({"source_row": [2, 3], "date": ["d1", "d2"]})
    >>> melt_days(days, np.array([[1.0, 3.0], [2.0, np.nan]]), ["likes", "reposts"]).values.tolist()
    [[2, 'd1', 'likes', 1.0], [2, 'd1', 'reposts', 3.0], [3, 'd2', 'likes', 2.0]]
    """
    rows, columns = np.nonzero(~np.isnan(values))
    return pd.DataFrame({
        "source_row": days["source_row"].to_numpy(dtype=np.int64)[rows],
        "date": pd.Series(days["date"].to_numpy(dtype=object)[rows], dtype="object"),
        "metric": pd.Series(np.asarray(metrics, dtype=object)[columns], dtype="object"),
        "value": values[rows, columns],
    })


def fill_blank_cells(values: np.ndarray, blank: np.ndarray, days: np.ndarray, value_columns: list[str], *,
                     blank_is_zero: Iterable[str] = (), newest_day_incomplete: bool = False) -> list[str]:
    """Settle the blank cells of a day × metric matrix, in place: 0 in ``blank_is_zero``
    columns (except, with ``newest_day_incomplete``, on the newest of ``days`` — date
    objects or ``datetime64`` days — where nothing is computed yet), no value elsewhere.
    Returns the notes saying how many.

    >>> values = np.array([[np.nan, 2.0], [np.nan, np.nan]])
    >>> fill_blank_cells(values, np.isnan(values), np.array(["d1", "d2"], dtype=object), ["a", "b"],
    ...                  blank_is_zero=["a"], newest_day_incomplete=True)
    ['2 empty cell(s) on the newest day (d2) left out: not yet computed when the file was exported']
    >>> values.tolist()
    [[0.0, 2.0], [nan, nan]]
    """
    notes = []
    zero_columns = set(blank_is_zero)
    zero = blank & np.array([c in zero_columns for c in value_columns], dtype=bool)[None, :]
    not_yet = np.zeros_like(blank)
    if newest_day_incomplete and len(days):
        newest = days.max() if days.dtype.kind == "M" else max(days)  # datetime64 days, or date objects
        not_yet = blank & (days == newest)[:, None]
        zero &= ~not_yet
        if not_yet.any():
            notes.append(f"{int(not_yet.sum())} empty cell(s) on the newest day ({newest}) left out: "
                         "not yet computed when the file was exported")
    values[zero] = 0.0
    no_value = int((blank & ~zero & ~not_yet).sum())
    if no_value:
        notes.append(f"{no_value} empty cell(s) gave no metric row (no value exported)")
    return notes


def daily_metrics(days: pd.DataFrame, *, date_column: str, date_format: str,
                  metric_map: dict[str, str], source_file: str, platform: str, account: str,
                  pilot_id: str | None = None, blank_is_zero: Iterable[str] = (),
                  newest_day_incomplete: bool = False,
                  metric_names_of: dict[str, str] | None = None,
                  ) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """The ``metrics`` rows and record fates of one file's day records.

    Parameters
    ----------
    days
        One row per data record: ``source_row``, ``date_column`` and one column per
        exported metric, as text or already parsed as numbers (column labels unique; blank
        records already taken out).
    date_format
        strftime format of the date column (or ``"ISO8601"``).
    metric_map
        Folded column label → canonical metric (see :data:`METRIC_MAPS`).
    blank_is_zero
        Columns whose blank cells mean 0 (Facebook breakdowns); elsewhere a blank cell
        gives no row.
    newest_day_incomplete
        The newest day's blank cells mean "not yet computed": no row, even in
        ``blank_is_zero`` columns, and a note says how many.
    metric_names_of
        Column → metric name, overriding ``metric_map`` (a file whose title names it).

    Returns
    -------
    metrics, fates, notes
        ``metrics`` with the canonical columns; ``fates`` one row per record of ``days``
        (kept, merged, quarantined); ``notes`` sentences for the summary.

    A record whose date does not parse is quarantined whole. A record with an unreadable
    cell is quarantined (the reason names row, column and value) and its readable cells
    are still kept, as the survey readers do with an unreadable answer.
    """
    notes: list[str] = []
    value_columns = [c for c in days.columns if c not in ("source_row", date_column)]
    names = metric_names(value_columns, metric_map)
    if metric_names_of:
        names = [metric_names_of.get(c, n) for c, n in zip(value_columns, names)]
    source_rows = days["source_row"].to_numpy(dtype=np.int64)
    fate = np.full(len(days), "kept", dtype=object)
    reason = np.full(len(days), None, dtype=object)

    dates, bad_date = parse_dates(days[date_column], date_format)
    bad = bad_date.to_numpy()
    if bad.any():
        shown = "an ISO date" if date_format == "ISO8601" else f"a date ({date_format})"
        fate[bad] = "quarantined"
        reason[bad] = [f"{source_file}, row {r}, column '{date_column}': not {shown}: {_shown(v)!r}"
                       for r, v in zip(source_rows[bad], days[date_column].to_numpy(dtype=object)[bad])]
    day_of = dates.to_numpy(dtype=object)
    use = ~bad
    repeats = np.zeros(len(days), dtype=bool)
    repeats[use] = pd.Series(day_of[use]).duplicated(keep=False).to_numpy()
    if repeats.any():  # only the records of repeated days are compared
        subset = days.loc[repeats, ["source_row", *value_columns]].assign(date=day_of[repeats])
        _, settled = split_duplicate_days(subset, value_columns, source_file=source_file)
        where = np.isin(source_rows, settled["source_row"].to_numpy())
        lookup = settled.set_index("source_row")
        fate[where] = lookup.loc[source_rows[where], "fate"].to_numpy()
        reason[where] = lookup.loc[source_rows[where], "reason"].to_numpy()
        use &= ~where

    values, blank, unreadable = cell_numbers(days, value_columns)
    values, blank, unreadable = values[use], blank[use], unreadable[use]
    good = pd.DataFrame({"source_row": source_rows[use], "date": pd.Series(day_of[use], dtype="object")})
    notes += fill_blank_cells(values, blank, good["date"].to_numpy(dtype=object), value_columns,
                              blank_is_zero=blank_is_zero, newest_day_incomplete=newest_day_incomplete)
    if unreadable.any():
        positions = np.flatnonzero(use)
        rows, columns = np.nonzero(unreadable)
        problems: dict[int, list[str]] = {}
        for r, c in zip(rows, columns):  # unreadable cells: rare
            k = positions[r]
            raw = days[value_columns[c]].iloc[k]
            problems.setdefault(k, []).append(
                f"{source_file}, row {source_rows[k]}, column '{value_columns[c]}': not a number: {raw!r}")
        for k, found in problems.items():
            fate[k] = "quarantined"
            reason[k] = "; ".join(found)

    long = melt_days(good, values, names)
    n = len(long)
    metrics = pd.DataFrame(
        {
            "pilot_id": _same(pilot_id, n),
            "source_file": _same(source_file, n),
            "source_row": pd.array(long["source_row"].to_numpy(), dtype="Int64"),
            "participant_id": _same(None, n),
            "platform": _same(platform, n),
            "account": _same(account, n),
            "date": long["date"],
            "metric": long["metric"],
            "value": long["value"].to_numpy(dtype=float),
        }
    )
    fates = fates_frame(source_file, source_rows, list(fate), "metrics", list(reason), pilot_id=pilot_id)
    return metrics, fates, notes


# --------------------------------------------------------------------------- posts

#: the count columns of the ``posts`` contract, in order
POST_COUNTS = ["impressions", "engagements", "likes", "reposts", "replies"]


def first_reason(*reasons: pd.Series) -> pd.Series:
    """Element-wise the first reason that is not missing (records may fail several checks;
    the fate names the first).

    >>> first_reason(pd.Series([None, "bad id", None]), pd.Series(["bad time", "bad time", None])).tolist()
    ['bad time', 'bad id', None]
    """
    out = np.full(len(reasons[0]), None, dtype=object)
    for reason in reasons:
        values = np.asarray(reason, dtype=object)
        fill = pd.isna(out) & ~pd.isna(values)
        out[fill] = values[fill]
    return pd.Series(out, dtype="object")


def post_counts(records: pd.DataFrame, columns: list[str], metric_map: dict[str, str], *,
                source_file: str, skip_empty_prefix: str | None = "promoted_"
                ) -> tuple[dict[str, pd.Series], pd.Series]:
    """The count columns of a per-post export as floats, named like metrics.

    Columns may be text or already parsed as numbers. Returns ``{name: values}`` (file
    order) and, per record, the reason it cannot be used (the first unreadable count,
    naming row, column and value) or None. Columns whose name starts with
    ``skip_empty_prefix`` and hold nothing (the ``promoted …`` columns of an account that
    never paid hold only ``-``) are left out.

    >>> records = pd.DataFrame({"source_row": [2, 3], "retweets": ["1.0", "x"], "promoted likes": ["-", "-"]})
    >>> counts, problems = post_counts(records, ["retweets", "promoted likes"], METRIC_MAPS["x-classic"], source_file="f.csv")
    >>> list(counts), problems.tolist()
    (['reposts'], [None, "f.csv, row 3, column 'retweets': not a number: 'x'"])
    """
    rows = records["source_row"].to_numpy()
    values, _, unreadable = cell_numbers(records, columns)
    counts: dict[str, pd.Series] = {}
    for j, (column, name) in enumerate(zip(columns, metric_names(columns, metric_map))):
        if skip_empty_prefix and name.startswith(skip_empty_prefix) and np.isnan(values[:, j]).all() \
                and not unreadable[:, j].any():
            continue
        counts[name] = pd.Series(values[:, j])
    problems = np.full(len(records), None, dtype=object)
    if unreadable.any():
        for r, j in zip(*np.nonzero(unreadable)):  # unreadable cells: rare
            if problems[r] is None:
                problems[r] = (f"{source_file}, row {rows[r]}, column '{columns[j]}': not a number: "
                               f"{records[columns[j]].iloc[r]!r}")
    return counts, pd.Series(problems, dtype="object")


def settle_repeated_posts(ids: pd.Series, compare: pd.DataFrame, problems: pd.Series,
                          source_row: np.ndarray, *, id_column: str, source_file: str
                          ) -> tuple[np.ndarray, np.ndarray]:
    """Fate and reason of every post record.

    Records with a problem are ``quarantined``. Of the others, the first record of each
    post id is ``kept``; a later one is ``merged`` when ``compare`` (the record's other
    values) agrees, else ``quarantined`` naming both rows.

    >>> fate, reason = settle_repeated_posts(pd.Series(["1", "1", "1", "2"]),
    ...     pd.DataFrame({"likes": [3, 3, 4, 1]}), pd.Series([None] * 4), np.array([2, 3, 4, 5]),
    ...     id_column="Tweet id", source_file="f.csv")
    >>> fate.tolist()
    ['kept', 'merged', 'quarantined', 'kept']
    """
    problems = pd.Series(np.asarray(problems, dtype=object), dtype="object")
    fate = np.where(problems.notna(), "quarantined", "kept").astype(object)
    reasons = problems.to_numpy(dtype=object).copy()
    readable = np.flatnonzero(problems.isna().to_numpy())
    usable_ids = ids.iloc[readable].reset_index(drop=True)
    repeated = usable_ids.duplicated(keep="first").to_numpy()
    if repeated.any():
        same = compare.reset_index(drop=True).iloc[readable].assign(_id=usable_ids.to_numpy()).duplicated(
            keep="first").to_numpy()
        first_row = pd.Series(source_row[readable]).groupby(usable_ids.to_numpy()).transform("first").to_numpy()
        for j in np.flatnonzero(repeated):  # repeated posts only
            k = readable[j]
            if same[j]:
                fate[k] = "merged"
                reasons[k] = f"post {ids.iloc[k]} again, the same as row {first_row[j]}"
            else:
                fate[k] = "quarantined"
                reasons[k] = (f"{source_file}, row {source_row[k]}, column '{id_column}': post "
                              f"{ids.iloc[k]!r} already read from row {first_row[j]} with different values")
    return fate, reasons


def posts_frame(*, source_file: str, source_row: np.ndarray, platform: str, account, post_id: pd.Series,
                timestamp: pd.Series, text: pd.Series, counts: dict[str, pd.Series],
                url: pd.Series | None = None, extra: dict[str, object] | None = None,
                pilot_id: str | None = None) -> pd.DataFrame:
    """A ``posts`` table: the contract columns, then ``url``, the other counts (file order)
    and ``extra`` columns. ``is_reply`` comes from the text (see :func:`reply_flag`).

    >>> posts = posts_frame(source_file="f.csv", source_row=np.array([2]), platform="x", account="Bob",
    ...     post_id=pd.Series(["1573372036854775807"]), timestamp=pd.Series([pd.NaT]),
    ...     text=pd.Series(["@Ann yes"]), counts={"likes": pd.Series([3.0]), "bookmarks": pd.Series([1.0])})
    >>> posts[["post_id", "is_reply", "likes", "impressions", "bookmarks"]].values.tolist()
    [['1573372036854775807', True, 3.0, nan, 1.0]]
    """
    n = len(post_id)

    def column(values) -> pd.Series:
        if values is None:
            return _same(None, n)
        cells = values.to_numpy(dtype=object) if isinstance(values, pd.Series) else np.asarray(values, dtype=object)
        return pd.Series(cells, dtype="object")

    def numbers(values) -> np.ndarray:
        return np.full(n, np.nan) if values is None else np.asarray(values, dtype=float)

    texts = column(text)
    frame = {
        "pilot_id": _same(pilot_id, n),
        "source_file": _same(source_file, n),
        "source_row": pd.array(np.asarray(source_row, dtype=np.int64), dtype="Int64"),
        "participant_id": _same(None, n),
        "platform": _same(platform, n),
        "account": column(account) if isinstance(account, (pd.Series, np.ndarray, list)) else _same(account, n),
        "post_id": column(post_id),
        "timestamp": timestamp.reset_index(drop=True),
        "text": texts,
        "is_reply": reply_flag(texts),
        **{k: numbers(counts.get(k)) for k in POST_COUNTS},
    }
    if url is not None:
        links = column(url)
        frame["url"] = links.where(links.ne("").to_numpy(dtype=bool), None)
    for name, values in counts.items():
        if name not in POST_COUNTS:
            frame[name] = numbers(values)
    for name, values in (extra or {}).items():
        frame[name] = values
    return pd.DataFrame(frame, copy=False)


def reply_flag(text: pd.Series) -> pd.Series:
    """Whether each post is a reply, by the rule the exports allow: the text starts with an
    ``@handle``. Neither X classic nor X Premium exports a reply flag; a reply's text starts
    with the handle it answers, while a post that only mentions someone at the start is
    written ``.@handle`` by convention and counts as a post. (A reply written without the
    leading handle is counted as a post: the rule can undercount replies.)

    >>> reply_flag(pd.Series(["@CllrBob thanks!", ".@CllrBob has a point", "Hello @CllrBob", None])).tolist()
    [True, False, False, False]
    """
    import pyarrow.compute as pc

    values = pd.Series(text, dtype="object")
    texts = _arrow_text(values)
    if texts is None:  # not all text: the slower, general route
        return values.fillna("").astype(str).str.match(_REPLY).astype(bool)
    found = pc.fill_null(pc.match_substring_regex(texts, _REPLY.pattern), False)
    return pd.Series(found.to_numpy(zero_copy_only=False), index=values.index, dtype=bool)


#: the entities X's exports write, which :func:`unescape_entities` turns back without a loop
_SIMPLE_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&#39;", "'"), ("&apos;", "'"),
                    ("&amp;", "&"))


def unescape_entities(text: pd.Series) -> pd.Series:
    """Post texts with HTML entities (``&amp;``, ``&lt;``, ``&#39;``) turned back into
    characters (as :func:`html.unescape` does). Texts whose every ``&`` starts one of the
    entities the exports write are unescaped by vectorised replacements (``&amp;`` last, so
    ``&amp;lt;`` gives ``&lt;``); any other ``&`` sends its text through
    :func:`html.unescape`, each distinct one once.

    >>> unescape_entities(pd.Series(["Q&amp;A at 7 &lt;3", "plain", "&amp;lt;", "caf&eacute;", None], dtype=object)).tolist()
    ['Q&A at 7 <3', 'plain', '&lt;', 'café', None]
    """
    import pyarrow.compute as pc

    values = pd.Series(text, dtype="object")
    cells = values.to_numpy(dtype=object).copy()
    texts = _arrow_text(values)
    if texts is None:  # not all text: each distinct text holding "&" once
        has = values.fillna("").astype(str).str.contains("&", regex=False).to_numpy()
        if has.any():
            mapping = {v: html.unescape(v) for v in pd.unique(cells[has])}
            cells[has] = [mapping[v] for v in cells[has]]
        return pd.Series(cells, index=values.index, dtype="object")
    ampersands = pc.fill_null(pc.count_substring(texts, "&"), 0)
    has = ampersands.to_numpy(zero_copy_only=False) > 0
    if not has.any():
        return pd.Series(cells, index=values.index, dtype="object")
    simple = pc.fill_null(pc.count_substring(texts, _SIMPLE_ENTITIES[0][0]), 0)
    for entity, _ in _SIMPLE_ENTITIES[1:]:
        simple = pc.add(simple, pc.fill_null(pc.count_substring(texts, entity), 0))
    plain = has & pc.equal(simple, ampersands).to_numpy(zero_copy_only=False)
    if plain.any():
        chosen = texts.filter(plain)
        for entity, character in _SIMPLE_ENTITIES:
            chosen = pc.replace_substring(chosen, entity, character)
        cells[plain] = chosen.to_numpy(zero_copy_only=False)
    other = has & ~plain
    if other.any():  # an entity the exports do not usually write
        mapping = {v: html.unescape(v) for v in pd.unique(cells[other])}
        cells[other] = [mapping[v] for v in cells[other]]
    return pd.Series(cells, index=values.index, dtype="object")


def _arrow_text(values: pd.Series):
    """``values`` as an Arrow text array (missing as null), or ``None`` when some value is
    not text (the callers then take a slower, general route)."""
    import pyarrow as pa

    try:
        return pa.array(values.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None


def extract_handle(values: pd.Series, pattern: str) -> pd.Series:
    """The ``handle`` group of ``pattern`` in each value (an object column, ``None`` where
    it does not match). Vectorised with Arrow's regular expressions.

    >>> extract_handle(pd.Series(["https://x.com/CllrBob/status/1", "", None]),
    ...                r"^https?://(?:twitter|x)[.]com/(?P<handle>[A-Za-z0-9_]+)/status").tolist()
    ['CllrBob', None, None]
    """
    import pyarrow.compute as pc

    series = pd.Series(values, dtype="object")
    texts = _arrow_text(series)
    if texts is None:
        found = series.fillna("").astype(str).str.extract(pattern)["handle"]
        return found.astype("object").where(found.notna(), None)
    found = pc.struct_field(pc.extract_regex(texts, pattern), [0])
    return pd.Series(found.to_numpy(zero_copy_only=False), index=series.index, dtype="object")


def most_common(values) -> object:
    """The most frequent value (the smallest on a tie, as :meth:`pandas.Series.mode`
    orders them), ``None`` when there is none. ``values``: a Series or an Arrow array.

    >>> most_common(pd.Series(["b", "a", "b", "a", None]))
    'a'
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(values, (pa.Array, pa.ChunkedArray)):  # counted by Arrow
        counted = pc.value_counts(values.drop_null())
        if len(counted) == 0:
            return None
        words, counts = counted.field("values").to_pylist(), counted.field("counts").to_numpy()
        return min(w for w, c in zip(words, counts) if c == counts.max())
    present = pd.Series(values, dtype="object").dropna()
    if present.empty:
        return None
    distinct, counts = np.unique(present.to_numpy(dtype=object), return_counts=True)
    return distinct[int(np.argmax(counts))]


# --------------------------------------------------------------------------- followers

def follower_totals(metrics: pd.DataFrame, anchors: pd.DataFrame, *,
                    require_unfollows: bool = True) -> pd.DataFrame:
    """Add daily ``followers`` rows built from new follows and unfollows and one known count.

    For each account with ``new_follows`` (and, unless ``require_unfollows`` is false,
    ``unfollows``) rows and an anchor, the day's net change is ``new_follows -
    unfollows`` (a day with no row counts as no change) and

        followers(d) = anchor + net(anchor date + 1 … d)         for d after the anchor date
        followers(d) = anchor − net(d + 1 … anchor date)         for d before it

    i.e. the anchor is the count at the *end* of its date. One row per calendar day from
    the account's first to its last day with follow data. Accounts without an anchor, or
    without unfollows when they are required (the classic X exports count new follows
    only, so a total would only ever grow), get no totals. Existing ``followers`` rows are
    kept; a computed row is added only for days that have none. Added rows have no
    ``source_file``/``source_row`` (they come from many rows).

    Parameters
    ----------
    metrics
        A ``metrics`` table.
    anchors
        ``account``, ``date``, ``followers`` (and optionally ``platform``); accounts are
        matched without ``@`` and case (X handles are case-blind).

    Examples
    --------
    >>> import datetime as dt
    >>> day = [dt.date(2024, 9, d) for d in (1, 2, 3, 4)]
    >>> flows = pd.DataFrame({
    ...     "platform": "x", "account": "CllrJaneSmith", "date": day * 2,
    ...     "metric": ["new_follows"] * 4 + ["unfollows"] * 4,
    ...     "value": [3.0, 0.0, 5.0, 1.0, 1.0, 2.0, 0.0, 0.0]})
    >>> anchors = pd.DataFrame({"account": ["@cllrjanesmith"], "date": [day[1]], "followers": [100]})
    >>> out = follower_totals(flows, anchors)
    >>> out[out["metric"] == "followers"]["value"].tolist()
    [102.0, 100.0, 105.0, 106.0]
    """
    out = metrics.copy()
    if anchors is None or len(anchors) == 0 or len(metrics) == 0:
        return out
    for column in ("pilot_id", "source_file", "source_row", "participant_id"):
        if column not in out.columns:
            out[column] = None
    flows = out[out["metric"].isin(["new_follows", "unfollows"])]
    if flows.empty:
        return out
    sign = np.where(flows["metric"].eq("unfollows"), -1.0, 1.0)
    flows = flows.assign(net=flows["value"].astype(float) * sign,
                         key=flows["account"].map(_account_key))
    anchor_rows = anchors.assign(key=anchors["account"].map(_account_key))
    added = []
    groups = flows.groupby(["pilot_id", "platform", "key"], dropna=False, sort=False)
    for (pilot_id, platform, key), group in groups:  # one loop per account
        if require_unfollows and not group["metric"].eq("unfollows").any():
            continue
        match = anchor_rows[anchor_rows["key"].eq(key)]
        if "platform" in match.columns:
            match = match[match["platform"].isna() | match["platform"].eq(platform)]
        if match.empty:
            continue
        anchor = match.iloc[0]
        anchor_date = pd.Timestamp(anchor["date"]).date()
        net = group.groupby("date")["net"].sum()
        days = pd.date_range(min(net.index), max(net.index), freq="D").date
        net = net.reindex(days, fill_value=0.0)
        cumulative = net.cumsum()
        if anchor_date < days[0]:
            at_anchor = 0.0
        elif anchor_date >= days[-1]:
            at_anchor = float(cumulative.iloc[-1])
        else:
            at_anchor = float(cumulative.loc[anchor_date])
        totals = float(anchor["followers"]) + cumulative.to_numpy() - at_anchor
        participants = group["participant_id"].dropna()
        added.append(pd.DataFrame({
            "pilot_id": pilot_id if isinstance(pilot_id, str) else None,
            "source_file": None,
            "source_row": pd.array([pd.NA] * len(days), dtype="Int64"),
            "participant_id": participants.iloc[0] if len(participants) else None,
            "platform": platform,
            "account": group["account"].iloc[0],
            "date": pd.Series(list(days), dtype="object"),
            "metric": "followers",
            "value": totals,
        }))
    if not added:
        return out
    computed = pd.concat(added, ignore_index=True)
    existing = out[out["metric"].eq("followers")]
    if len(existing):
        have = set(zip(existing["platform"], existing["account"].map(_account_key), existing["date"]))
        keep = [k not in have for k in zip(computed["platform"], computed["account"].map(_account_key), computed["date"])]
        computed = computed[keep]
    computed = computed.astype({c: "object" for c in ("pilot_id", "source_file", "participant_id", "platform",
                                                        "account", "metric")})
    return pd.concat([out, computed[[c for c in computed.columns if c in out.columns]]], ignore_index=True)


def _account_key(account) -> str | None:
    handle = strip_handle(account) if isinstance(account, str) else None
    return handle.casefold() if handle else None
