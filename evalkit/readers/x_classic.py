"""X/Twitter classic analytics exports (to about 2023): per tweet and per day.

Per tweet, ``tweet_activity_metrics_<handle>_<start>_<end>_en.csv``: every field quoted;
``Tweet id, Tweet permalink, Tweet text, time, impressions, engagements, engagement rate,
retweets, replies, likes`` (``favorites`` in older files), then more counts and
``promoted …`` columns holding ``-``; newest first; times like ``2021-08-31 19:53 +0000``
(UTC); counts like ``89.0``; rates possibly in E-notation; tweet texts with raw line breaks
and HTML entities. Tweet ids are 64-bit integers and are kept as text throughout.

Per day, ``daily_tweet_activity_metrics_<handle>_<start>_<end>_en.csv``: ``Date, Tweets
published, impressions, engagements, engagement rate, …``; ``YYYY-MM-DD``; oldest first.

The account is the handle in the tweet permalinks, else in the file name, else
``Context.account``.

>>> from evalkit.readers.base import sniff
>>> detect(sniff("tests/data/formats/x_classic/tweet_activity_metrics_CllrJaneSmith_20220901_20221001_en.csv"))
'x-tweet-activity'
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..clean import fastlane
from ..clean.metrics import (
    METRIC_MAPS,
    daily_metrics,
    extract_handle,
    first_reason,
    fold_name,
    header_labels,
    header_labels_of,
    metric_names,
    most_common,
    post_counts,
    posts_frame,
    settle_repeated_posts,
    strip_handle,
    table_records,
    unescape_entities,
)
from .base import (
    Context,
    InputError,
    Reading,
    Sniff,
    arrow_csv,
    decode,
    fates_frame,
    read_csv_frame,
    sorted_fates,
)
from .grouped import (
    Body,
    Group,
    blank_notes,
    day_numbers,
    fast_reading,
    metrics_tables,
    most_common_by_file,
    one_word,
    read_together,
)

FORMATS = {
    "x-tweet-activity": "X/Twitter classic analytics, one row per tweet (tweet_activity_metrics_<handle>_…_en.csv)",
    "x-daily-activity": "X/Twitter classic analytics, one row per day (daily_tweet_activity_metrics_<handle>_…_en.csv)",
}

_FILE_NAME = re.compile(
    r"^(?:daily_)?tweet_activity_metrics_(?P<handle>[A-Za-z0-9_]+?)_(?P<start>\d{8})_(?P<end>\d{8})"
    r"(?:_[A-Za-z]{2}(?:-[A-Za-z]{2})?)?(?:\s*\(\d+\))?\.csv$",
    re.IGNORECASE,
)
_PERMALINK = r"^https?://(?:www\.|mobile\.)?(?:twitter|x)\.com/(?P<handle>[A-Za-z0-9_]+)/status"
_TIME_FORMAT = "%Y-%m-%d %H:%M %z"
#: the post columns every per-tweet file has (folded labels)
_POST_KEYS = ("tweet_id", "tweet_permalink", "tweet_text", "time")


def detect(sniff: Sniff) -> str | None:
    header = _header_words(sniff)
    if header[:2] == ["tweet id", "tweet permalink"]:
        return "x-tweet-activity"
    if header[:2] == ["date", "tweets published"]:
        return "x-daily-activity"
    return None


def read(path: Path, context: Context, format: str) -> Reading:
    path = Path(path)
    if format not in FORMATS:
        raise ValueError(f"x_classic cannot read format {format!r}")
    fast = _read_fast(path, context, format)
    if fast is not None:
        return fast
    source_file = context.source_file or path.name
    text, encoding = decode(path)
    head, lines = read_csv_frame(text, max_records=1, path=path)
    if len(head) == 0:
        raise InputError(path, "the file has no header row")
    header = header_labels(head.iloc[0])
    # counts parsed as numbers; ids, permalinks, texts and times kept as text
    keep_text = [i for i, c in enumerate(header) if fold_name(c) in _POST_KEYS] if format == "x-tweet-activity" else []
    body, body_lines = read_csv_frame(text, skip_records=1, numbers=True, text_columns=keep_text, path=path)
    records, blank = table_records(body, body_lines, header, path)
    structure = [
        fates_frame(source_file, lines[:1], "skipped-structure", None, "header row", context.pilot_id),
        fates_frame(source_file, body_lines[blank], "skipped-structure", None, "blank line", context.pilot_id),
    ]
    notes = [f"encoding: {encoding}"]
    if format == "x-tweet-activity":
        tables, fates, more, meta = _read_tweets(path, records, header, source_file, context)
    elif format == "x-daily-activity":
        tables, fates, more, meta = _read_days(path, records, header, source_file, context)
    else:
        raise ValueError(f"x_classic cannot read format {format!r}")
    return Reading(path, format, tables, sorted_fates([*structure, fates]), notes + more,
                   meta | {"encoding": encoding})


# --------------------------------------------------------------------------- fast lane

def _read_fast(path: Path, context: Context, format: str) -> Reading | None:
    """The file read in the fast lane (:mod:`evalkit.clean.fastlane`), or ``None`` when it
    is not plainly regular (the general lane then reads it)."""
    found = arrow_csv(path, head=1, min_body=0, keep_text=lambda head: fastlane.text_columns(head[0], {*_POST_KEYS, "date"}))
    if found is None:
        return None
    header = header_labels_of(found.head[0])
    columns = fastlane.labelled_columns(found.body, header)
    if columns is None:
        return None  # ragged, or blank records
    source_file = context.source_file or path.name
    if format == "x-daily-activity":
        done = _fast_days(path, context, header, columns, found.body_lines, source_file)
    else:
        done = _fast_tweets(path, context, header, columns, found.body_lines, source_file)
    return fast_reading(path, context, format, found.encoding, int(found.head_lines[0]), found.body_lines, done)


def _fast_days(path, context, header, columns, lines, source_file):
    date_column = _find(path, header, "date")
    account, how = _account(path, context, permalinks=None)
    value_columns = [c for c in header if c != date_column]
    found = fastlane.daily_table(columns, date_column=date_column, date_format="%Y-%m-%d",
                                 value_columns=value_columns, names=metric_names(value_columns, METRIC_MAPS["x-classic"]),
                                 source_rows=lines, source_file=source_file, pilot_id=context.pilot_id, platform="x",
                                 account=account)
    if found is None:
        return None
    table, notes = found
    return "metrics", table, [f"account {account}: {how}", *notes], {"account": account, "platform": "x"}


def _fast_tweets(path, context, header, columns, lines, source_file):
    id_col, link_col, text_col, time_col = (_find(path, header, k.replace("_", " ")) for k in _POST_KEYS)
    ids = fastlane.trimmed(columns[id_col])
    if not fastlane._all(pc.match_substring_regex(ids, r"^\d{1,20}$")) \
            or pc.count_distinct(ids).as_py() != len(ids):
        return None
    times = _times_strict(fastlane.trimmed(columns[time_col]))
    if times is None:
        return None
    count_columns = [c for c in header if c not in (id_col, link_col, text_col, time_col)]
    found = fastlane.number_matrix([columns[c] for c in count_columns])
    if found is None:
        return None
    values = found[0]
    counts = {name: values[:, j] for j, name in enumerate(metric_names(count_columns, METRIC_MAPS["x-classic"]))
              if not (name.startswith("promoted_") and np.isnan(values[:, j]).all())}
    link = fastlane.trimmed(columns[link_col])
    from_link = pc.struct_field(pc.extract_regex(link, _PERMALINK), [0])
    file_account, how = _account(path, context, permalinks=from_link)
    texts = columns[text_col]
    texts = pc.fill_null(texts, "") if texts.null_count else texts
    table = fastlane.posts_table(
        source_file=source_file, pilot_id=context.pilot_id, platform="x", source_rows=lines,
        account=pc.fill_null(from_link, file_account), post_id=ids,
        timestamp=pc.cast(times, pa.timestamp("us", tz=context.timezone)),
        text=fastlane.unescape(texts), counts=counts, url=link,
    )
    notes = [f"account {file_account}: {how}",
             "is_reply: a tweet whose text starts with an @handle is counted as a reply"]
    return "posts", table, notes, {"account": file_account, "platform": "x"}


# --------------------------------------------------------------------------- many files at once

class _ClassicGroup(Group):
    """X classic exports of one header read together."""

    steps = {"x-daily-activity": _fast_days, "x-tweet-activity": _fast_tweets}


def read_batch(paths: list[Path], contexts: list[Context], format: str) -> list[Reading | None]:
    """Many exports of one ``format`` read together: for each file the Reading
    :func:`read` gives when the fast lane takes the file, or ``None`` where the file is to
    be read on its own with :func:`read` (a file the fast lane refuses or that fails, a
    header-only file, a header no other file of the group shares, anything unusual).

    A pilot's exports of one kind share their header. The bodies of all files of one
    header (and the same columns of plain numbers on their first record) are parsed by
    one Arrow CSV read, with a marker record between two files that shows each file's
    records were read as its own; dates, times, ids and counts are then read once over
    the group, and the checks the fast lane makes per file (days and ids unique within a
    file, blank cells, the account) are made per file on the stacked records with a file
    index. Every table, fate, note and meta is what the fast lane gives the file alone.

    >>> from evalkit.readers.base import Context
    >>> folder = Path("tests/data/formats/x_classic")
    >>> paths = sorted(folder.glob("daily_*.csv"))
    >>> found = read_batch(paths, [Context()] * len(paths), "x-daily-activity")
    >>> [r is None for r in found]  # one file repeats a day: the general lane settles it
    [True, True]
    """
    if format not in FORMATS:
        raise ValueError(f"x_classic cannot read format {format!r}")
    return read_together(paths, contexts, format, text_keys={*_POST_KEYS, "date"}, step=_ClassicGroup.steps[format],
                         read_group=_group_days if format == "x-daily-activity" else _group_tweets)


def _group_days(members: list[Body], table: pa.Table, format: str) -> list[Reading | None]:
    """Per-day exports of one header read together (see :func:`read_batch`)."""
    group = _ClassicGroup(members, table)
    m = len(members)
    try:
        date_column = _find(members[0].path, group.header, "date")
    except InputError:
        return [None] * m
    accounts = []
    for k, body in enumerate(members):
        try:
            accounts.append(_account(body.path, body.context, permalinks=None))
        except InputError:
            accounts.append(None)
            group.taken[k] = False
    text = fastlane.trimmed(group.columns[date_column])
    shaped = fastlane._mask(pc.match_substring_regex(text, r"^\d{4}-\d{2}-\d{2}$"))
    group.taken &= fastlane.file_all(shaped, group.starts)
    try:
        days = pc.cast(pc.if_else(pa.array(shaped), text, "2000-01-01"), pa.date32())
    except pa.ArrowInvalid:  # an impossible day: each file alone
        return [group.alone(k, format) if group.taken[k] else None for k in range(m)]
    group.repeated(day_numbers(days))
    value_columns = [c for c in group.header if c != date_column]
    names = metric_names(value_columns, METRIC_MAPS["x-classic"])
    values, blank = group.read_numbers(value_columns)
    day_values = days.to_numpy(zero_copy_only=False)
    notes = blank_notes(values, blank, day_values, value_columns, group.starts, group.counts, group.taken)
    tables = metrics_tables(members, group.taken, group.starts, group.lines, days, values, names, "x",
                            [None if a is None else a[0] for a in accounts])
    file_notes, metas = [None] * m, [None] * m
    for k in np.flatnonzero(group.taken):
        account, how = accounts[k]
        file_notes[k] = [f"account {account}: {how}", *notes[k]]
        metas[k] = {"account": account, "platform": "x"}
    return group.readings(format, tables, file_notes, metas, "metrics")


def _group_tweets(members: list[Body], table: pa.Table, format: str) -> list[Reading | None]:
    """Per-tweet exports of one header read together (see :func:`read_batch`)."""
    group = _ClassicGroup(members, table)
    m = len(members)
    try:
        id_col, link_col, text_col, time_col = (_find(members[0].path, group.header, k.replace("_", " "))
                                                for k in _POST_KEYS)
    except InputError:
        return [None] * m
    ids = fastlane.trimmed(group.columns[id_col])
    group.taken &= fastlane.file_all(fastlane._mask(pc.match_substring_regex(ids, r"^\d{1,20}$")), group.starts)
    id_codes = pc.dictionary_encode(ids).indices.to_numpy(zero_copy_only=False)
    group.repeated(id_codes)
    texts_of_time = fastlane.trimmed(group.columns[time_col])
    shaped = fastlane._mask(pc.match_substring_regex(texts_of_time, _TIME_SHAPE))
    group.taken &= fastlane.file_all(shaped, group.starts)
    try:
        times = _times_shaped(pc.if_else(pa.array(shaped), texts_of_time, "2000-01-01 00:00 +0000"))
    except pa.ArrowInvalid:  # an impossible time: each file alone
        return [group.alone(k, format) if group.taken[k] else None for k in range(m)]
    count_columns = [c for c in group.header if c not in (id_col, link_col, text_col, time_col)]
    names = metric_names(count_columns, METRIC_MAPS["x-classic"])
    values, _ = group.read_numbers(count_columns)
    promoted = np.array([name.startswith("promoted_") for name in names], dtype=bool)
    empty = fastlane.file_all(np.isnan(values).T, group.starts) & promoted[:, None]  # columns × files
    link = fastlane.trimmed(group.columns[link_col])
    from_link = pc.struct_field(pc.extract_regex(link, _PERMALINK), [0])
    handles = most_common_by_file(from_link, group.files, m)
    accounts = []
    for k, body in enumerate(members):
        try:
            accounts.append(_account(body.path, body.context, permalinks=None) if handles[k] is None
                            else (handles[k], "the handle in the tweet permalinks"))
        except InputError:
            accounts.append(None)
            group.taken[k] = False
    account = from_link
    if from_link.null_count:
        fill = pa.array([a[0] if a else "" for a in accounts], type=pa.string()).take(pa.array(group.files))
        account = pc.coalesce(from_link, fill)
    texts = group.columns[text_col]
    texts = pc.fill_null(texts, "") if texts.null_count else texts
    posts = fastlane.posts_table(
        source_file="", pilot_id=members[0].context.pilot_id, platform="x", source_rows=group.lines,
        account=account, post_id=ids, timestamp=pc.cast(times, pa.timestamp("us", tz=members[0].context.timezone)),
        text=fastlane.unescape(texts), counts={name: values[:, j] for j, name in enumerate(names)}, url=link,
    )
    where = {name: posts.schema.get_field_index(name) for name in ("pilot_id", "source_file")}
    tables, notes, metas = [None] * m, [None] * m, [None] * m
    for k, body in enumerate(members):
        if not group.taken[k]:
            continue
        n = int(group.counts[k])
        part = posts.slice(group.starts[k], n)
        part = part.set_column(where["source_file"], "source_file", one_word(body.source_file, n))
        if body.context.pilot_id != members[0].context.pilot_id:
            part = part.set_column(where["pilot_id"], "pilot_id", one_word(body.context.pilot_id, n))
        dropped = [name for name, gone in zip(names, empty[:, k]) if gone]
        tables[k] = part.drop_columns(dropped) if dropped else part
        file_account, how = accounts[k]
        notes[k] = [f"account {file_account}: {how}",
                    "is_reply: a tweet whose text starts with an @handle is counted as a reply"]
        metas[k] = {"account": file_account, "platform": "x"}
    return group.readings(format, tables, notes, metas, "posts")


# --------------------------------------------------------------------------- per day

def _read_days(path: Path, records: pd.DataFrame, header: list[str], source_file: str,
               context: Context):
    date_column = _find(path, header, "date")
    account, how = _account(path, context, permalinks=None)
    metrics, fates, notes = daily_metrics(
        records,
        date_column=date_column,
        date_format="%Y-%m-%d",
        metric_map=METRIC_MAPS["x-classic"],
        source_file=source_file,
        platform="x",
        account=account,
        pilot_id=context.pilot_id,
    )
    return {"metrics": metrics}, fates, [f"account {account}: {how}", *notes], {"account": account, "platform": "x"}


# --------------------------------------------------------------------------- per tweet

def _read_tweets(path: Path, records: pd.DataFrame, header: list[str], source_file: str,
                 context: Context):
    id_col, link_col, text_col, time_col = (_find(path, header, k.replace("_", " ")) for k in _POST_KEYS)
    source_row = records["source_row"].to_numpy(dtype=np.int64)

    ids = records[id_col].fillna("").astype(str).str.strip().reset_index(drop=True)
    link = records[link_col].fillna("").astype(str).str.strip().reset_index(drop=True)
    ids, recovered, e_notation = _recover_ids(ids, link)
    not_an_id = ~ids.str.fullmatch(r"\d{1,20}").to_numpy(dtype=bool)
    id_problem = np.full(len(ids), None, dtype=object)
    for k in np.flatnonzero(e_notation | not_an_id):  # unreadable ids only
        id_problem[k] = (
            f"{source_file}, row {source_row[k]}, column '{id_col}': the tweet id was rounded to E-notation "
            f"(the file was re-saved by a spreadsheet) and the permalink does not hold it: {ids.iloc[k]!r}"
            if e_notation[k] else f"{source_file}, row {source_row[k]}, column '{id_col}': not a tweet id: {ids.iloc[k]!r}")

    times = records[time_col].fillna("").astype(str).str.strip().reset_index(drop=True)
    parsed = _parse_times(times)
    time_problem = np.full(len(times), None, dtype=object)
    for k in np.flatnonzero(parsed.isna().to_numpy()):  # unreadable times only
        time_problem[k] = (f"{source_file}, row {source_row[k]}, column '{time_col}': not a time like "
                           f"'2021-08-31 19:53 +0000': {times.iloc[k]!r}")

    count_columns = [c for c in header if c not in (id_col, link_col, text_col, time_col)]
    counts, count_problem = post_counts(records, count_columns, METRIC_MAPS["x-classic"], source_file=source_file)
    texts = records[text_col].fillna("").astype(str).reset_index(drop=True)
    # what two records of one post are compared on (only needed when a post repeats)
    compare = pd.DataFrame({"text": texts.to_numpy(), "time": times.to_numpy(),
                            **{k: v.fillna(-1.0).to_numpy() for k, v in counts.items()}}) \
        if ids.duplicated().any() else pd.DataFrame(index=ids.index)
    fate, reasons = settle_repeated_posts(ids, compare, first_reason(id_problem, time_problem, count_problem),
                                          source_row, id_column=id_col, source_file=source_file)
    keep = fate == "kept"

    from_link = extract_handle(link, _PERMALINK)
    file_account, how = _account(path, context, permalinks=from_link[keep])
    posts = posts_frame(
        source_file=source_file,
        source_row=source_row[keep],
        platform="x",
        account=from_link.where(from_link.notna(), file_account)[keep],
        post_id=ids[keep],
        timestamp=parsed.dt.tz_convert(context.timezone)[keep],
        text=unescape_entities(texts[keep]),
        counts={k: v[keep] for k, v in counts.items()},
        url=link[keep],
        pilot_id=context.pilot_id,
    )
    fates = fates_frame(source_file, source_row, fate, "posts", reasons, context.pilot_id)
    notes = [f"account {file_account}: {how}",
             "is_reply: a tweet whose text starts with an @handle is counted as a reply"]
    if recovered.any():
        notes.append(f"{int(recovered.sum())} tweet id(s) rounded to E-notation by a spreadsheet were "
                     "taken from the tweet permalink instead")
    return {"posts": posts}, fates, notes, {"account": file_account, "platform": "x"}


#: a time as the classic exports write it (anything else is parsed the slow, general way)
_TIME_SHAPE = r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2} [+-]\d{4}$"


def _parse_times(times: pd.Series) -> pd.Series:
    """Tweet times (``2021-08-31 19:53 +0000``) as UTC timestamps, NaT where unreadable.

    Times of the usual shape are parsed by Arrow (see :func:`_times_arrow`); the others by
    :func:`pandas.to_datetime` with the strict format.

    >>> _parse_times(pd.Series(["2021-08-31 19:53 +0100", "2021-02-30 10:00 +0000", "soon"])).tolist()
    [Timestamp('2021-08-31 18:53:00+0000', tz='UTC'), NaT, NaT]
    """
    values = pd.Series(times, dtype="object").reset_index(drop=True)
    try:
        texts = pa.array(values.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pd.to_datetime(values, format=_TIME_FORMAT, errors="coerce", utc=True)
    stamps, fast = _times_arrow(texts)
    parsed = pd.Series(pd.DatetimeIndex(stamps.to_numpy(zero_copy_only=False)).tz_localize("UTC"))
    if not fast.all():
        slow = pd.to_datetime(values[~fast], format=_TIME_FORMAT, errors="coerce", utc=True)
        parsed[~fast] = slow.astype(parsed.dtype).to_numpy()
    return parsed


def _times_strict(texts: pa.Array) -> pa.Array | None:
    """Tweet times as UTC timestamps when every one is of the usual shape and a real time
    (Arrow's ISO reading refuses an impossible day or hour), else ``None``."""
    if not fastlane._all(pc.match_substring_regex(texts, _TIME_SHAPE)):
        return None
    try:
        return _times_shaped(texts)
    except pa.ArrowInvalid:
        return None


def _times_shaped(texts: pa.Array) -> pa.Array:
    """Tweet times of the usual shape as UTC timestamps; :class:`pyarrow.ArrowInvalid`
    when one is not a real time."""
    local = pc.cast(pc.utf8_slice_codeunits(texts, 0, 16), pa.timestamp("us"))
    sign = np.where(pc.equal(pc.utf8_slice_codeunits(texts, 17, 18), "-").to_numpy(zero_copy_only=False), -1, 1)
    hours = pc.cast(pc.utf8_slice_codeunits(texts, 18, 20), pa.int64()).to_numpy(zero_copy_only=False)
    minutes = pc.cast(pc.utf8_slice_codeunits(texts, 20, 22), pa.int64()).to_numpy(zero_copy_only=False)
    utc = local.to_numpy(zero_copy_only=False) - (sign * (hours * 60 + minutes)).astype("timedelta64[m]")
    return pa.array(utc.astype("datetime64[us]"), type=pa.timestamp("us", tz="UTC"))


def _times_arrow(texts: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """Times of the usual shape (``2021-08-31 19:53 +0000``) as UTC timestamps (null
    elsewhere), and which were of it: the local part parsed and checked by writing it back
    (no impossible day slips through), the offset read off the text."""
    shaped = pc.fill_null(pc.match_substring_regex(texts, _TIME_SHAPE), False)
    local_text = pc.utf8_slice_codeunits(texts, 0, 16)
    local = pc.strptime(local_text, format="%Y-%m-%d %H:%M", unit="us", error_is_null=True)
    written_back = pc.strftime(local, format="%Y-%m-%d %H:%M")
    fast = pc.and_kleene(shaped, pc.fill_null(pc.equal(written_back, local_text), False))
    sign = pc.if_else(pc.equal(pc.utf8_slice_codeunits(texts, 17, 18), "-"), -1, 1)
    hours = pc.cast(pc.if_else(fast, pc.utf8_slice_codeunits(texts, 18, 20), "0"), pa.int64())
    minutes = pc.cast(pc.if_else(fast, pc.utf8_slice_codeunits(texts, 20, 22), "0"), pa.int64())
    offset = pc.multiply(sign, pc.add(pc.multiply(hours, 60), minutes)).to_numpy(zero_copy_only=False)
    fast = fast.to_numpy(zero_copy_only=False)
    stamps = local.to_numpy(zero_copy_only=False).astype("datetime64[us]")
    utc = stamps - offset.astype("timedelta64[m]")
    utc[~fast] = np.datetime64("NaT")
    return pa.array(utc, type=pa.timestamp("us", tz="UTC"), from_pandas=True), fast


# --------------------------------------------------------------------------- helpers

def _recover_ids(ids: pd.Series, link: pd.Series) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """Tweet ids with E-notation ones (``1.42988E+18``, from a spreadsheet re-save) replaced
    by the id in the permalink when that id rounds to the same number. Returns the ids,
    which were recovered, and which E-notation ids could not be."""
    e_notation = ids.str.fullmatch(r"\d(?:\.\d+)?[eE]\+?\d+").to_numpy()
    recovered = np.zeros(len(ids), dtype=bool)
    if e_notation.any():
        in_link = link.str.extract(r"/status(?:es)?/(\d{1,20})(?:\D|$)")[0]
        rounded = pd.to_numeric(ids.where(e_notation), errors="coerce")
        exact = pd.to_numeric(in_link.where(e_notation), errors="coerce")
        digits = ids.str.extract(r"^(\d(?:\.\d+)?)")[0].str.replace(".", "", regex=False).str.len()
        tolerance = 10.0 ** (np.log10(rounded.where(rounded > 0, 1.0)).round() - digits + 1)
        recovered = (e_notation & in_link.notna() & ((exact - rounded).abs() <= tolerance)).to_numpy()
        ids = ids.where(~recovered, in_link)
    return ids, recovered, e_notation & ~recovered


def _header_words(sniff: Sniff) -> list[str]:
    if sniff.is_xlsx or not sniff.text:
        return []
    line = sniff.first_line.lstrip("\ufeff")
    try:
        first = next(csv.reader([line]))
    except (csv.Error, StopIteration):
        return []
    return [cell.strip().lower() for cell in first]


def _find(path: Path, header: list[str], label: str) -> str:
    for column in header:
        if fold_name(column) == fold_name(label):
            return column
    raise InputError(path, f"the header has no '{label}' column", row=1)


def _account(path: Path, context: Context, permalinks) -> tuple[str, str]:
    handle = most_common(permalinks) if permalinks is not None else None
    if handle is not None:
        return handle, "the handle in the tweet permalinks"
    match = _FILE_NAME.match(path.name)
    if match:
        return match.group("handle"), f"the handle in the file name '{path.name}'"
    if context.account:
        return strip_handle(context.account), "pinned with account: in programme.yml"
    raise InputError(
        path,
        "the file name does not hold the account handle (tweet_activity_metrics_<handle>_…): "
        "pin it with `account:` under the pilot's files in programme.yml",
    )
