"""Facebook Page Insights legacy export, written as the old Insights page wrote it.

``Facebook Insights Data Export - <Page> - <from> - <to>.csv``: a row of metric names, a
row of descriptions (first cell empty), then one row per day, oldest first, dates
``M/D/YYYY``. Around a hundred columns here (real files have up to thousands): totals,
organic/paid/viral splits, weekly and 28-day versions, and breakdowns named ``<metric> -
<part>`` whose zero cells are left empty. ``Daily Logged-in Page Views`` appears twice
(total count, unique users). On the newest day most daily metrics are not computed yet
and their cells are empty. With ``encoding="cp1252"`` the file looks re-saved by Excel in
the UK: Windows-1252, CRLF line ends, day-first dates where they cannot be mistaken.

>>> import numpy as np, pandas as pd, tempfile, pathlib
>>> daily = pd.DataFrame({"person_key": ["SUF-02"] * 2, "date": pd.to_datetime(["2022-09-01", "2022-09-02"]),
...     "page_likes": [1180, 1183], "new_follows": [4, 3], "unfollows": [1, 0], "engagements": [37, 12],
...     "reach": [512, 240], "impressions": [1290, 388], "views": [21, 8]})
>>> path = pathlib.Path(tempfile.mkdtemp()) / "Facebook Insights Data Export - Cllr Jane Smith - 2022-09-01 - 2022-09-02.csv"
>>> written = write_facebook_insights(path, source_file="suffolk/metrics/" + path.name, page="Cllr Jane Smith",
...                                   daily=daily, rng=np.random.default_rng(1))
>>> path.read_text().splitlines()[0][:60]
'Date,Lifetime Total Likes,Daily New Likes,Daily Unlikes,Dail'
>>> path.read_text().splitlines()[2][:24]
'9/1/2022,1180,4,1,37,...'
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ...clean.metrics import fold_name
from . import Written
from .x_classic import _fates, _metric_rows

__all__ = ["write_facebook_insights"]

_UNIQUE = "(Unique Users)"
_TOTAL = "(Total Count)"
_CITIES = [
    "Ipswich, England, United Kingdom", "Bury St Edmunds, England, United Kingdom",
    "Lowestoft, England, United Kingdom", "Felixstowe, England, United Kingdom",
    "Stowmarket, England, United Kingdom", "Sudbury, England, United Kingdom",
    "Haverhill, England, United Kingdom", "Woodbridge, England, United Kingdom",
    "Beccles, England, United Kingdom", "Newmarket, England, United Kingdom",
    "Norwich, England, United Kingdom", "Colchester, England, United Kingdom",
    "London, England, United Kingdom",
]
_LANGUAGES = ["en_GB", "en_US", "pl_PL", "pt_PT", "lt_LT", "ro_RO"]
_AGES = ["13-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65+"]
_FREQUENCY = ["1", "2", "3", "4", "5", "6-10", "11-20", "21+"]
_STORIES = ["checkin", "coupon", "event", "fan", "mention", "page post", "question", "user post", "other"]
_CONSUMPTIONS = ["link clicks", "other clicks", "photo view", "video play"]


def _columns(daily: pd.DataFrame, rng: np.random.Generator) -> list[tuple[str, str, str | None, np.ndarray, bool]]:
    """Every column of the export: ``(name, description, metric or None, values, breakdown)``.
    ``metric`` None means the folded name; ``values`` are whole numbers."""
    n = len(daily)

    def given(column: str) -> np.ndarray:
        return daily[column].astype(float).to_numpy()

    def share(total: np.ndarray, p: float) -> np.ndarray:
        return rng.binomial(np.nan_to_num(total).astype(np.int64), p).astype(float)

    def split(total: np.ndarray, parts: int, alpha: float = 1.0) -> np.ndarray:
        weights = rng.dirichlet(np.full(parts, alpha))
        # one draw per day, in day order (a day with nothing to split draws nothing)
        counts = np.nan_to_num(total)
        return rng.multinomial(np.where(counts > 0, counts, 0).astype(np.int64), weights).reshape(-1, parts) \
            .astype(float)

    def rolling(values: np.ndarray, days: int, p: float) -> np.ndarray:
        summed = pd.Series(np.nan_to_num(values)).rolling(days, min_periods=1).sum().to_numpy()
        return share(summed, p)

    likes, new, gone = given("page_likes"), given("new_follows"), given("unfollows")
    engaged, reach, impressions, views = given("engagements"), given("reach"), given("impressions"), given("views")
    viral_reach = share(reach, 0.1)
    viral_impressions = share(impressions, 0.1)
    consumptions = split(share(engaged, 0.9), len(_CONSUMPTIONS), 0.8)
    frequency = split(reach, len(_FREQUENCY), 0.6)
    stories = split(share(engaged, 0.4), len(_STORIES), 0.3)
    cities = split(share(likes, 0.9), len(_CITIES), 0.7)
    languages = split(likes, len(_LANGUAGES), 0.2)
    ages = split(likes, 2 * len(_AGES), 1.5)
    talking = split(share(engaged, 0.5), 2 * len(_AGES), 1.0)

    cols: list[tuple[str, str, str | None, np.ndarray, bool]] = [
        ("Lifetime Total Likes", f"Lifetime: The total number of people who have liked your Page. {_UNIQUE}",
         "page_likes", likes, False),
        ("Daily New Likes", f"Daily: The number of new people who have liked your Page {_UNIQUE}",
         "new_follows", new, False),
        ("Daily Unlikes", f"Daily: The number of Unlikes of your Page {_UNIQUE}", "unfollows", gone, False),
        ("Daily Page Engaged Users", "Daily: The number of people who engaged with your Page. Engagement includes "
         f"any click or story created. {_UNIQUE}", "engagements", engaged, False),
        ("Weekly Page Engaged Users", "Weekly: The number of people who engaged with your Page. Engagement "
         f"includes any click or story created. {_UNIQUE}", None, rolling(engaged, 7, 0.8), False),
        ("28 Days Page Engaged Users", "28 Days: The number of people who engaged with your Page. Engagement "
         f"includes any click or story created. {_UNIQUE}", None, rolling(engaged, 28, 0.7), False),
        ("Daily Total Reach", "Daily: The number of people who had any content from your Page or about your Page "
         "enter their screen. This includes posts, check-ins, ads, social information from people who interact "
         f"with your Page and more. {_UNIQUE}", "reach", reach, False),
        ("Weekly Total Reach", "Weekly: The number of people who had any content from your Page or about your "
         f"Page enter their screen. {_UNIQUE}", None, rolling(reach, 7, 0.7), False),
        ("28 Days Total Reach", "28 Days: The number of people who had any content from your Page or about your "
         f"Page enter their screen. {_UNIQUE}", None, rolling(reach, 28, 0.5), False),
        ("Daily Organic Reach", "Daily: The number of people who had any content from your Page or about your Page "
         f"enter their screen through unpaid distribution. {_UNIQUE}", None, reach, False),
        ("Daily Paid Reach", "Daily: The number of people who had any content from your Page or about your Page "
         f"enter their screen through paid distribution such as an ad. {_UNIQUE}", None, np.zeros(n), False),
        ("Daily Viral Reach", "Daily: The number of people who had your Page's post enter their screen with social "
         f"information attached. {_UNIQUE}", None, viral_reach, False),
        ("Daily Total Impressions", "Daily: The number of times any content from your Page or about your Page "
         f"entered a person's screen. {_TOTAL}", "impressions", impressions, False),
        ("Daily Organic impressions", "Daily: The number of times any content from your Page or about your Page "
         f"entered a person's screen through unpaid distribution. {_TOTAL}", None, impressions, False),
        ("Daily Paid Impressions", "Daily: The number of times any content from your Page or about your Page "
         f"entered a person's screen through paid distribution such as an ad. {_TOTAL}", None, np.zeros(n), False),
        ("Daily Viral impressions", "Daily: The number of impressions of a story published by a friend about your "
         f"Page. {_TOTAL}", None, viral_impressions, False),
        ("Daily Logged-in Page Views", f"Daily: Page views from users logged into Facebook {_TOTAL}",
         "views", views, False),
        ("Daily Logged-in Page Views", f"Daily: Page views from users logged into Facebook {_UNIQUE}",
         None, share(views, 0.7), False),
        ("Daily Negative Feedback", "Daily: The number of times people have given negative feedback to your Page. "
         f"{_TOTAL}", None, rng.binomial(1, 0.05, n).astype(float), False),
        ("Daily Page Consumptions", "Daily: The number of clicks on any of your content. Stories generated without "
         f"clicks on page content (e.g., liking the page in Timeline) are not included. {_TOTAL}",
         None, consumptions.sum(axis=1), False),
    ]
    for i, part in enumerate(_CONSUMPTIONS):
        cols.append((f"Daily Page Consumptions By Type - {part}", "Daily: The number of clicks on any of your "
                     "content, by type. Stories generated without clicks on page content (e.g., liking the page "
                     f"in Timeline) are not included. {_TOTAL}",
                     "link_clicks" if part == "link clicks" else None, consumptions[:, i], True))
    for i, part in enumerate(_FREQUENCY):
        cols.append((f"Daily Total Frequency Distribution - {part}", "Daily: The number of people your Page "
                     "reached broken down by how many times people saw any content about your Page. "
                     f"{_UNIQUE}", None, frequency[:, i], True))
    for i, part in enumerate(_STORIES):
        cols.append((f"Daily Page Stories By Story Type - {part}", "Daily: The number of stories about your "
                     f"Page by story type. {_TOTAL}", None, stories[:, i], True))
    for i, part in enumerate(f"{g}.{a}" for g in "FM" for a in _AGES):
        cols.append((f"Lifetime Likes by Gender and Age - {part}", "Lifetime: Aggregated demographic data about "
                     "the people who like your Page based on the age and gender information they provide in "
                     f"their user profiles. {_UNIQUE}", None, ages[:, i], True))
    for i, part in enumerate(_CITIES):
        cols.append((f"Lifetime Likes by City - {part}", "Lifetime: Aggregated Facebook location data, sorted "
                     f"by city, about the people who like your Page. {_UNIQUE}", None, cities[:, i], True))
    for i, part in enumerate(_LANGUAGES):
        cols.append((f"Lifetime Likes by Language - {part}", "Lifetime: Aggregated language data about the "
                     "people who like your Page based on the default language setting selected when accessing "
                     f"Facebook. {_UNIQUE}", None, languages[:, i], True))
    for i, part in enumerate(f"{g}.{a}" for g in "FM" for a in _AGES):
        cols.append((f"Daily Demographics: People Talking About This - {part}", "Daily: The number of People "
                     f"Talking About the Page by user age and gender {_UNIQUE}", None, talking[:, i], True))
    return cols


def _cell(text: str, delimiter: str = ",") -> str:
    if any(ch in text for ch in (delimiter, '"', "\n", "\r")):
        return '"' + text.replace('"', '""') + '"'
    return text


def write_facebook_insights(path: Path, *, source_file: str, page: str, daily: pd.DataFrame,
                            encoding: str = "utf-8", rng: np.random.Generator) -> Written:
    """Write a Page Insights legacy export; return the metrics a perfect reader gets back.

    ``daily``: ``person_key, date, page_likes, new_follows, unfollows, engagements, reach,
    impressions, views``. The other columns (splits, weekly and 28-day totals, breakdowns,
    the second ``Daily Logged-in Page Views``) are drawn with ``rng`` around these. Zero
    breakdown cells are written empty (read back as 0). On the newest day only the page
    likes, new likes and unlikes and the lifetime breakdowns are filled in; the other cells
    are empty and give no rows (so does an empty zero breakdown that day: a reader cannot
    tell it from "not yet computed"). ``encoding`` is ``utf-8`` (as exported) or ``cp1252``
    (re-saved in Excel: CRLF, a curly apostrophe in descriptions, day-first dates when the
    file's days make the order clear).
    """
    if encoding not in ("utf-8", "cp1252"):
        raise ValueError("encoding must be utf-8 or cp1252")
    frame = daily.copy()
    frame["date"] = pd.to_datetime(pd.Series(list(frame["date"]), dtype="object")).dt.date
    if frame["date"].duplicated().any():
        raise ValueError("daily has a date twice")
    frame = frame.sort_values("date", kind="stable").reset_index(drop=True)
    n = len(frame)
    columns = _columns(frame, rng)
    resaved = encoding == "cp1252"
    day_first = resaved and any(d.day > 12 for d in frame["date"])
    newline = "\r\n" if resaved else "\n"

    names = ["Date"] + [c[0] for c in columns]
    descriptions = [""] + [c[1].replace("'", "\u2019") if resaved else c[1] for c in columns]
    lines = [",".join(_cell(x) for x in names), ",".join(_cell(x) for x in descriptions)]
    metric_names = []
    for name, description, metric, _, _ in columns:
        if metric is None:
            qualifier = description[description.rindex("(") + 1:-1]
            label = f"{name} ({qualifier})" if names.count(name) > 1 else name
            metric = fold_name(label)
        metric_names.append(metric)
    stamps = pd.DatetimeIndex(pd.to_datetime(pd.Series(list(frame["date"]), dtype="object")))
    day, month = stamps.day.to_numpy().astype(str), stamps.month.to_numpy().astype(str)
    year = stamps.year.to_numpy().astype(str).astype(object)
    if day_first:
        dates = np.char.zfill(day, 2).astype(object) + "/" + np.char.zfill(month, 2).astype(object) + "/" + year
    else:
        dates = month.astype(object) + "/" + day.astype(object) + "/" + year
    newest = np.arange(n) == n - 1
    numbers = np.empty((n, len(columns)))
    keep = np.zeros((n, len(columns)), dtype=bool)
    cells = [pd.Series(dates, dtype=object)]
    for j, ((name, _, _, values, breakdown), metric) in enumerate(zip(columns, metric_names)):  # by column
        values = np.asarray(values, dtype=float)
        not_yet = newest & (n > 1) & (not (name.startswith("Lifetime") or metric in ("new_follows", "unfollows")))
        blank = np.isnan(values) | not_yet
        numbers[:, j] = np.round(np.where(blank, 0.0, values)) + 0.0
        text = numbers[:, j].astype(np.int64).astype(str).astype(object)
        if resaved and metric == "page_likes":
            large = numbers[:, j] >= 1000
            distinct, position = np.unique(numbers[large, j].astype(np.int64), return_inverse=True)
            text[large] = np.array([_cell(f"{number:,}") for number in distinct.tolist()], dtype=object)[position]
        empty = blank | (breakdown & (numbers[:, j] == 0))  # Facebook leaves zero breakdown cells empty ...
        text[empty] = ""
        # ... which on the newest day reads as "not yet computed"
        keep[:, j] = ~blank & ~(breakdown & (numbers[:, j] == 0) & newest & (n > 1))
        cells.append(pd.Series(text))
    if n:
        lines += cells[0].str.cat(cells[1:], sep=",").tolist()
    Path(path).write_bytes((newline.join(lines) + newline).encode(encoding))
    fates = _fates([(1, "skipped-structure", None, "header row (metric names)"),
                    (2, "skipped-structure", None, "second header row (metric descriptions)")]
                   + [(k + 3, "kept", "metrics", None) for k in range(n)])
    quirks = ["two header rows (names, then descriptions)", "M/D/YYYY dates" if not day_first else
              "dates re-saved day-first (DD/MM/YYYY) by Excel", f"{len(names)} columns with breakdowns",
              "'Daily Logged-in Page Views' twice (total count, unique users)",
              "empty breakdown cells mean 0", "newest day not yet computed (empty cells)"]
    if resaved:
        quirks += ["Windows-1252 encoding (re-saved in Excel)", "CRLF line ends", "thousands separators in page likes"]
    expected = _metric_rows(numbers, keep, np.arange(3, n + 3), frame["date"], metric_names, frame["person_key"],
                            source_file, "facebook", page)
    return Written(source_file, "facebook-insights", {"metrics": expected}, fates, quirks)
