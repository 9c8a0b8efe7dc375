"""X Premium analytics exports (2024 onwards): account overview per day, content per post.

``account_overview_analytics.csv``: ``Date,Impressions,Likes,Engagements,Bookmarks,Shares,
New follows,Unfollows,Replies,Reposts,Profile visits,Create Post,Video views,Media views``;
dates like ``"Fri, Mar 21, 2025"`` (day not zero-padded); newest first; no final newline.

``account_analytics_content_<from>_<to>.csv``: ``Post id,Date,Post text,Post Link,
Impressions,Likes,Engagements,Bookmarks,Shares,New follows,Replies,Reposts,Profile visits,
Detail Expands,URL Clicks,Hashtag Clicks,Permalink Clicks``; a date but no time (the
post's ``timestamp`` is local midnight and ``date_only`` is true); minimal quoting.

Neither file has follower totals (see :func:`evalkit.clean.metrics.follower_totals`), and
the overview does not name its account: it is ``Context.account`` (an ``account:`` pin),
else the folder holding the file (``metrics/<account>/``). Content files name it in
their post links, which win.

>>> from evalkit.readers.base import sniff
>>> detect(sniff("tests/data/formats/x_premium/CllrAmyPatel/account_overview_analytics.csv"))
'x-account-overview'
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd

from ..clean.metrics import (
    METRIC_MAPS,
    account_from_folder,
    blank_records,
    daily_metrics,
    first_reason,
    fold_name,
    header_labels,
    parse_dates,
    post_counts,
    posts_frame,
    settle_repeated_posts,
    unescape_entities,
    with_header,
)
from ..clean.dates import localise
from .base import Context, InputError, Reading, Sniff, decode, fates_frame, read_csv_frame

FORMATS = {
    "x-account-overview": "X Premium analytics, account overview per day (account_overview_analytics.csv)",
    "x-account-content": "X Premium analytics, one row per post (account_analytics_content_<from>_<to>.csv)",
}

_DATE_FORMAT = "%a, %b %d, %Y"
_POST_LINK = r"^https?://(?:www\.|mobile\.)?(?:twitter|x)\.com/(?P<handle>[A-Za-z0-9_]+)/status"


def detect(sniff: Sniff) -> str | None:
    if sniff.is_xlsx or not sniff.text:
        return None
    try:
        header = [c.strip().lower() for c in next(csv.reader([sniff.first_line.lstrip("\ufeff")]))]
    except (csv.Error, StopIteration):
        return None
    if header[:1] == ["post id"] and "post text" in header and "impressions" in header:
        return "x-account-content"
    if header[:1] == ["date"] and "impressions" in header and (
        "new follows" in header or "unfollows" in header or "create post" in header
    ):
        return "x-account-overview"
    return None


def read(path: Path, context: Context, format: str) -> Reading:
    path = Path(path)
    source_file = context.source_file or path.name
    text, encoding = decode(path)
    head, lines = read_csv_frame(text, max_records=1, path=path)
    if len(head) == 0:
        raise InputError(path, "the file has no header row")
    header = header_labels(head.iloc[0])
    # counts parsed by the C parser; ids, dates, texts and links kept as text
    keep_text = [i for i, c in enumerate(header) if fold_name(c) in ("post_id", "date", "post_text", "post_link")]
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
    if format == "x-account-overview":
        tables, fates, notes, meta = _read_overview(path, records, header, source_file, context)
    elif format == "x-account-content":
        tables, fates, notes, meta = _read_content(path, records, header, source_file, context)
    else:
        raise ValueError(f"x_premium cannot read format {format!r}")
    fates = pd.concat([structure, fates]).sort_values("source_row", kind="stable").reset_index(drop=True)
    return Reading(path, format, tables, fates, [f"encoding: {encoding}", *notes], meta | {"encoding": encoding})


def _read_overview(path: Path, records: pd.DataFrame, header: list[str], source_file: str, context: Context):
    date_column = _find(path, header, "Date")
    account, how = account_from_folder(path, context)
    metrics, fates, notes = daily_metrics(
        records,
        date_column=date_column,
        date_format=_DATE_FORMAT,
        metric_map=METRIC_MAPS["x-premium"],
        source_file=source_file,
        platform="x",
        account=account,
        pilot_id=context.pilot_id,
    )
    notes = [f"account {account}: {how}", *notes,
             "no follower totals in this export: see follower_totals() with a known count"]
    return {"metrics": metrics}, fates, notes, {"account": account, "platform": "x"}


def _read_content(path: Path, records: pd.DataFrame, header: list[str], source_file: str, context: Context):
    id_col, date_col, text_col, link_col = (_find(path, header, k) for k in ("Post id", "Date", "Post text", "Post Link"))
    source_row = records["source_row"].to_numpy(dtype=np.int64)
    ids = records[id_col].fillna("").astype(str).str.strip()
    id_problem = pd.Series(
        [None if ok else f"{source_file}, row {r}, column '{id_col}': not a post id: {v!r}"
         for r, v, ok in zip(source_row, ids, ids.str.fullmatch(r"\d{1,20}"))], dtype="object")
    dates, bad_date = parse_dates(records[date_col], _DATE_FORMAT)
    date_problem = pd.Series(
        [f"{source_file}, row {r}, column '{date_col}': not a date like 'Fri, Mar 21, 2025': {v!r}" if bad else None
         for r, v, bad in zip(source_row, records[date_col], bad_date)], dtype="object")
    count_columns = [c for c in header if c not in (id_col, date_col, text_col, link_col)]
    counts, count_problem = post_counts(records, count_columns, METRIC_MAPS["x-premium"], source_file=source_file,
                                        skip_empty_prefix=None)
    texts = records[text_col].fillna("").astype(str)
    compare = pd.DataFrame({"text": texts.to_numpy(), "date": records[date_col].to_numpy(),
                            **{k: v.fillna(-1.0).to_numpy() for k, v in counts.items()}})
    fate, reasons = settle_repeated_posts(ids, compare, first_reason(id_problem, date_problem, count_problem),
                                          source_row, id_column=id_col, source_file=source_file)
    keep = fate == "kept"

    link = records[link_col].fillna("").astype(str).str.strip()
    from_link = link.str.extract(_POST_LINK)["handle"]
    notes = []
    if from_link[keep].notna().any():
        account = from_link[keep].dropna().mode().iloc[0]
        how = "the handle in the post links"
        if context.account and context.account.lstrip("@").casefold() != account.casefold():
            notes.append(f"the account pin '{context.account}' differs from the handle in the post links; "
                         "the post links are used")
    else:
        account, how = account_from_folder(path, context)
    midnight = pd.Series(pd.to_datetime(pd.Series(dates.where(~bad_date, None).tolist(), dtype="object")))
    timestamps = localise(midnight, context.timezone)
    kept = int(keep.sum())
    posts = posts_frame(
        source_file=source_file,
        source_row=source_row[keep],
        platform="x",
        account=from_link.where(from_link.notna(), account)[keep],
        post_id=ids[keep],
        timestamp=timestamps[keep],
        text=unescape_entities(texts)[keep],
        counts={k: v[keep] for k, v in counts.items()},
        url=link[keep],
        extra={"date_only": np.ones(kept, dtype=bool)},
        pilot_id=context.pilot_id,
    )
    fates = fates_frame(source_file, source_row, list(fate), "posts", list(reasons), context.pilot_id)
    notes = [f"account {account}: {how}", *notes,
             "posts have a date but no time: timestamp is local midnight and date_only is true",
             "is_reply: a post whose text starts with an @handle is counted as a reply"]
    return {"posts": posts}, fates, notes, {"account": account, "platform": "x"}


def _find(path: Path, header: list[str], label: str) -> str:
    for column in header:
        if fold_name(column) == fold_name(label):
            return column
    raise InputError(path, f"the header has no '{label}' column", row=1)
