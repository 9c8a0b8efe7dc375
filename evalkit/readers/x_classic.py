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

from ..clean.metrics import (
    METRIC_MAPS,
    blank_records,
    daily_metrics,
    first_reason,
    fold_name,
    header_labels,
    post_counts,
    posts_frame,
    settle_repeated_posts,
    strip_handle,
    unescape_entities,
    with_header,
)
from .base import Context, InputError, Reading, Sniff, decode, fates_frame, read_csv_frame

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
    source_file = context.source_file or path.name
    text, encoding = decode(path)
    head, lines = read_csv_frame(text, max_records=1, path=path)
    if len(head) == 0:
        raise InputError(path, "the file has no header row")
    header = header_labels(head.iloc[0])
    # counts parsed by the C parser; ids, permalinks, texts and times kept as text
    keep_text = [i for i, c in enumerate(header) if fold_name(c) in _POST_KEYS] if format == "x-tweet-activity" else []
    body, body_lines = read_csv_frame(text, skip_records=1, numbers=True, text_columns=keep_text, path=path)
    body = with_header(body, header, path)
    blank = blank_records(body)
    structure = pd.concat(
        [
            fates_frame(source_file, lines[:1], "skipped-structure", None, "header row", context.pilot_id),
            fates_frame(source_file, body_lines[blank], "skipped-structure", None, "blank line", context.pilot_id),
        ]
    )
    records = pd.concat([pd.DataFrame({"source_row": body_lines[~blank]}),
                         body[~blank].reset_index(drop=True)], axis=1)
    notes = [f"encoding: {encoding}"]
    if format == "x-tweet-activity":
        tables, fates, more, meta = _read_tweets(path, records, header, source_file, context)
    elif format == "x-daily-activity":
        tables, fates, more, meta = _read_days(path, records, header, source_file, context)
    else:
        raise ValueError(f"x_classic cannot read format {format!r}")
    fates = pd.concat([structure, fates]).sort_values("source_row", kind="stable").reset_index(drop=True)
    return Reading(path, format, tables, fates, notes + more, meta | {"encoding": encoding})


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
    id_problem = pd.Series(
        [f"{source_file}, row {r}, column '{id_col}': the tweet id was rounded to E-notation (the file was "
         f"re-saved by a spreadsheet) and the permalink does not hold it: {v!r}" if e
         else f"{source_file}, row {r}, column '{id_col}': not a tweet id: {v!r}" if not ok else None
         for r, v, e, ok in zip(source_row, ids, e_notation, ids.str.fullmatch(r"\d{1,20}"))],
        dtype="object")

    times = records[time_col].fillna("").astype(str).str.strip().reset_index(drop=True)
    parsed = pd.to_datetime(times, format=_TIME_FORMAT, errors="coerce", utc=True)
    time_problem = pd.Series(
        [f"{source_file}, row {r}, column '{time_col}': not a time like '2021-08-31 19:53 +0000': {v!r}"
         if bad else None for r, v, bad in zip(source_row, times, parsed.isna())], dtype="object")

    count_columns = [c for c in header if c not in (id_col, link_col, text_col, time_col)]
    counts, count_problem = post_counts(records, count_columns, METRIC_MAPS["x-classic"], source_file=source_file)
    texts = records[text_col].fillna("").astype(str).reset_index(drop=True)
    compare = pd.DataFrame({"text": texts.to_numpy(), "time": times.to_numpy(),
                            **{k: v.fillna(-1.0).to_numpy() for k, v in counts.items()}})
    fate, reasons = settle_repeated_posts(ids, compare, first_reason(id_problem, time_problem, count_problem),
                                          source_row, id_column=id_col, source_file=source_file)
    keep = fate == "kept"

    from_link = link.str.extract(_PERMALINK)["handle"]
    file_account, how = _account(path, context, permalinks=from_link[keep])
    posts = posts_frame(
        source_file=source_file,
        source_row=source_row[keep],
        platform="x",
        account=from_link.where(from_link.notna(), file_account)[keep],
        post_id=ids[keep],
        timestamp=parsed.dt.tz_convert(context.timezone)[keep],
        text=unescape_entities(texts)[keep],
        counts={k: v[keep] for k, v in counts.items()},
        url=link[keep],
        pilot_id=context.pilot_id,
    )
    fates = fates_frame(source_file, source_row, list(fate), "posts", list(reasons), context.pilot_id)
    notes = [f"account {file_account}: {how}",
             "is_reply: a tweet whose text starts with an @handle is counted as a reply"]
    if recovered.any():
        notes.append(f"{int(recovered.sum())} tweet id(s) rounded to E-notation by a spreadsheet were "
                     "taken from the tweet permalink instead")
    return {"posts": posts}, fates, notes, {"account": file_account, "platform": "x"}


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


def _account(path: Path, context: Context, permalinks: pd.Series | None) -> tuple[str, str]:
    if permalinks is not None and permalinks.notna().any():
        handle = permalinks.dropna().mode().iloc[0]
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
