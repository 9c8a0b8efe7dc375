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
import pyarrow as pa
import pyarrow.compute as pc

from ..clean import fastlane
from ..clean.dates import localise
from ..clean.metrics import (
    METRIC_MAPS,
    account_from_folder,
    daily_metrics,
    extract_handle,
    first_reason,
    fold_name,
    header_labels,
    header_labels_of,
    metric_names,
    most_common,
    parse_dates,
    post_counts,
    posts_frame,
    settle_repeated_posts,
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
# the group reading the X exports share (stacking files of one header, their fates)
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
    "x-account-overview": "X Premium analytics, account overview per day (account_overview_analytics.csv)",
    "x-account-content": "X Premium analytics, one row per post (account_analytics_content_<from>_<to>.csv)",
}

_DATE_FORMAT = "%a, %b %d, %Y"
#: the columns kept as text (folded labels); the others are counts
_TEXT_KEYS = frozenset({"post_id", "date", "post_text", "post_link"})
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
    if format not in FORMATS:
        raise ValueError(f"x_premium cannot read format {format!r}")
    fast = _read_fast(path, context, format)
    if fast is not None:
        return fast
    source_file = context.source_file or path.name
    text, encoding = decode(path)
    head, lines = read_csv_frame(text, max_records=1, path=path)
    if len(head) == 0:
        raise InputError(path, "the file has no header row")
    header = header_labels(head.iloc[0])
    # counts parsed as numbers; ids, dates, texts and links kept as text
    keep_text = [i for i, c in enumerate(header) if fold_name(c) in ("post_id", "date", "post_text", "post_link")]
    body, body_lines = read_csv_frame(text, skip_records=1, numbers=True, text_columns=keep_text, path=path)
    records, blank = table_records(body, body_lines, header, path)
    structure = [
        fates_frame(source_file, lines[:1], "skipped-structure", None, "header row", context.pilot_id),
        fates_frame(source_file, body_lines[blank], "skipped-structure", None, "blank line", context.pilot_id),
    ]
    if format == "x-account-overview":
        tables, fates, notes, meta = _read_overview(path, records, header, source_file, context)
    else:
        tables, fates, notes, meta = _read_content(path, records, header, source_file, context)
    return Reading(path, format, tables, sorted_fates([*structure, fates]), [f"encoding: {encoding}", *notes],
                   meta | {"encoding": encoding})


# --------------------------------------------------------------------------- fast lane

def _read_fast(path: Path, context: Context, format: str) -> Reading | None:
    """The file read in the fast lane (:mod:`evalkit.clean.fastlane`), or ``None`` when it
    is not plainly regular (the general lane then reads it)."""
    found = arrow_csv(path, head=1, min_body=0, keep_text=lambda head: fastlane.text_columns(head[0], _TEXT_KEYS))
    if found is None:
        return None
    header = header_labels_of(found.head[0])
    columns = fastlane.labelled_columns(found.body, header)
    if columns is None:
        return None  # ragged, or blank records
    source_file = context.source_file or path.name
    done = _FAST_STEPS[format](path, context, header, columns, found.body_lines, source_file)
    return fast_reading(path, context, format, found.encoding, int(found.head_lines[0]), found.body_lines, done)


def _fast_overview(path, context, header, columns, lines, source_file):
    date_column = _find(path, header, "Date")
    account, how = account_from_folder(path, context)
    value_columns = [c for c in header if c != date_column]
    found = fastlane.daily_table(columns, date_column=date_column, date_format=_DATE_FORMAT,
                                 value_columns=value_columns, names=metric_names(value_columns, METRIC_MAPS["x-premium"]),
                                 source_rows=lines, source_file=source_file, pilot_id=context.pilot_id, platform="x",
                                 account=account)
    if found is None:
        return None
    table, notes = found
    notes = [f"account {account}: {how}", *notes,
             "no follower totals in this export: see follower_totals() with a known count"]
    return "metrics", table, notes, {"account": account, "platform": "x"}


def _fast_content(path, context, header, columns, lines, source_file):
    id_col, date_col, text_col, link_col = (_find(path, header, k) for k in ("Post id", "Date", "Post text", "Post Link"))
    ids = fastlane.trimmed(columns[id_col])
    if not fastlane._all(pc.match_substring_regex(ids, r"^\d{1,20}$")) \
            or pc.count_distinct(ids).as_py() != len(ids):
        return None
    days = fastlane.dates(columns[date_col], _DATE_FORMAT)
    if days is None:
        return None
    count_columns = [c for c in header if c not in (id_col, date_col, text_col, link_col)]
    found = fastlane.number_matrix([columns[c] for c in count_columns])
    if found is None:
        return None
    counts = {name: found[0][:, j] for j, name in enumerate(metric_names(count_columns, METRIC_MAPS["x-premium"]))}
    link = fastlane.trimmed(columns[link_col])
    from_link = pc.struct_field(pc.extract_regex(link, _POST_LINK), [0])
    account, how, notes = _content_account(path, context, from_link)
    stamps = fastlane.local_midnights(days, context.timezone)  # as the general lane localises them
    texts = columns[text_col]
    texts = pc.fill_null(texts, "") if texts.null_count else texts
    table = fastlane.posts_table(
        source_file=source_file, pilot_id=context.pilot_id, platform="x", source_rows=lines,
        account=pc.fill_null(from_link, account), post_id=ids, timestamp=stamps, text=fastlane.unescape(texts),
        counts=counts, url=link, extra={"date_only": pa.repeat(pa.scalar(True), len(ids))},
    )
    return "posts", table, [f"account {account}: {how}", *notes, *_CONTENT_NOTES], {"account": account, "platform": "x"}


_FAST_STEPS = {"x-account-overview": _fast_overview, "x-account-content": _fast_content}

_CONTENT_NOTES = ["posts have a date but no time: timestamp is local midnight and date_only is true",
                  "is_reply: a post whose text starts with an @handle is counted as a reply"]


def _content_account(path: Path, context: Context, from_link) -> tuple[str, str, list[str]]:
    """The account of a content file: the handle its post links hold most (``from_link``:
    a Series or an Arrow array), else the pin or the folder; and a note when a pin
    disagrees with the links."""
    notes = []
    account = most_common(from_link)
    if account is not None:
        how = "the handle in the post links"
        if context.account and context.account.lstrip("@").casefold() != account.casefold():
            notes.append(f"the account pin '{context.account}' differs from the handle in the post links; "
                         "the post links are used")
        return account, how, notes
    account, how = account_from_folder(path, context)
    return account, how, notes


# --------------------------------------------------------------------------- many files at once

def read_batch(paths: list[Path], contexts: list[Context], format: str) -> list[Reading | None]:
    """Many exports of one ``format`` read together: for each file the Reading
    :func:`read` gives when the fast lane takes the file, or ``None`` where the file is to
    be read on its own with :func:`read` (a file the fast lane refuses or that fails, a
    header-only file the fast lane does not take, a header no other file of the group
    shares, anything unusual).

    A pilot's exports of one kind (one overview and one content file per account) share
    their header. The bodies of all files of one header are parsed by one Arrow CSV read
    (see :func:`evalkit.readers.x_classic.read_batch`); dates, ids, counts and links are
    then read once over the group, and the checks the fast lane makes per file (days and
    post ids unique within a file, blank cells, the account) are made per file on the
    stacked records with a file index. Every table, fate, note and meta is what the fast
    lane gives the file alone.

    >>> from evalkit.readers.base import Context
    >>> folder = Path("tests/data/formats/x_premium")
    >>> paths = sorted(folder.rglob("account_overview_analytics.csv"))
    >>> found = read_batch(paths, [Context()] * len(paths), "x-account-overview")
    >>> [r.meta["account"] if r else None for r in found]  # a file in metrics/ itself names no account
    ['CllrAmyPatel', None]
    """
    if format not in FORMATS:
        raise ValueError(f"x_premium cannot read format {format!r}")
    return read_together(paths, contexts, format, text_keys=_TEXT_KEYS, step=_FAST_STEPS[format],
                         read_group=_group_overview if format == "x-account-overview" else _group_content)


class _PremiumGroup(Group):
    """X Premium exports of one header read together."""

    steps = _FAST_STEPS

    def days(self, column: str) -> pa.Array | None:
        """The dates of ``column`` over the group (a placeholder day where a file's are not
        all of the plain shape: that file is no longer taken, the fast lane reading its
        dates the general way), or ``None`` when one is not a real day (each file is then
        read alone). Each distinct date is read once: a pilot's exports share their days."""
        encoded = pc.dictionary_encode(fastlane.trimmed(self.columns[column]))
        words = encoded.dictionary
        shaped = ~pc.extract_regex(words, fastlane._SHAPES[_DATE_FORMAT]).is_null().to_numpy(zero_copy_only=False)
        codes = encoded.indices.to_numpy(zero_copy_only=False)
        self.taken &= fastlane.file_all(shaped[codes], self.starts)
        if not shaped.all():
            words = pc.if_else(pa.array(shaped), words, "Sat, Jan 1, 2000")  # a placeholder
        days = fastlane.shaped_dates(words, _DATE_FORMAT)
        return None if days is None else days.take(encoded.indices)


def _group_overview(members: list[Body], table: pa.Table, format: str) -> list[Reading | None]:
    """Account overviews of one header read together (see :func:`read_batch`)."""
    group = _PremiumGroup(members, table)
    m = len(members)
    try:
        date_column = _find(members[0].path, group.header, "Date")
    except InputError:
        return [None] * m
    accounts = _folder_accounts(group)
    days = group.days(date_column)
    if days is None:  # an impossible day: each file alone
        return [group.alone(k, format) if group.taken[k] else None for k in range(m)]
    group.repeated(day_numbers(days))
    value_columns = [c for c in group.header if c != date_column]
    names = metric_names(value_columns, METRIC_MAPS["x-premium"])
    values, blank = group.read_numbers(value_columns)
    day_values = days.to_numpy(zero_copy_only=False)
    notes = blank_notes(values, blank, day_values, value_columns, group.starts, group.counts, group.taken)
    tables = metrics_tables(members, group.taken, group.starts, group.lines, days, values, names, "x",
                            [None if a is None else a[0] for a in accounts])
    file_notes, metas = [None] * m, [None] * m
    for k in np.flatnonzero(group.taken):
        account, how = accounts[k]
        file_notes[k] = [f"account {account}: {how}", *notes[k],
                         "no follower totals in this export: see follower_totals() with a known count"]
        metas[k] = {"account": account, "platform": "x"}
    return group.readings(format, tables, file_notes, metas, "metrics")


def _folder_accounts(group: _PremiumGroup, which=None) -> list[tuple[str, str] | None]:
    """Each file's account from its pin or folder (:func:`account_from_folder`), for the
    files ``which`` says (all by default); a file whose account is not known is no
    longer taken (read alone, reading it fails)."""
    accounts: list[tuple[str, str] | None] = []
    for k, body in enumerate(group.members):
        if which is not None and not which[k]:
            accounts.append(None)
            continue
        try:
            accounts.append(account_from_folder(body.path, body.context))
        except InputError:
            accounts.append(None)
            group.taken[k] = False
    return accounts


def _group_content(members: list[Body], table: pa.Table, format: str) -> list[Reading | None]:
    """Content exports of one header read together (see :func:`read_batch`)."""
    group = _PremiumGroup(members, table)
    m = len(members)
    try:
        id_col, date_col, text_col, link_col = (_find(members[0].path, group.header, k)
                                                for k in ("Post id", "Date", "Post text", "Post Link"))
    except InputError:
        return [None] * m
    ids = fastlane.trimmed(group.columns[id_col])
    group.taken &= fastlane.file_all(fastlane._mask(pc.match_substring_regex(ids, r"^\d{1,20}$")), group.starts)
    group.repeated(pc.dictionary_encode(ids).indices.to_numpy(zero_copy_only=False))
    days = group.days(date_col)
    if days is None:  # an impossible day: each file alone
        return [group.alone(k, format) if group.taken[k] else None for k in range(m)]
    count_columns = [c for c in group.header if c not in (id_col, date_col, text_col, link_col)]
    names = metric_names(count_columns, METRIC_MAPS["x-premium"])
    values, _ = group.read_numbers(count_columns)
    link = fastlane.trimmed(group.columns[link_col])
    from_link = pc.struct_field(pc.extract_regex(link, _POST_LINK), [0])
    handles = most_common_by_file(from_link, group.files, m)
    in_folder = _folder_accounts(group, which=[h is None for h in handles])
    accounts, pin_notes = [], []
    for k, body in enumerate(members):
        pin = body.context.account
        if handles[k] is not None:
            accounts.append((handles[k], "the handle in the post links"))
            pin_notes.append([f"the account pin '{pin}' differs from the handle in the post links; "
                              "the post links are used"]
                             if pin and pin.lstrip("@").casefold() != handles[k].casefold() else [])
        else:
            accounts.append(in_folder[k])
            pin_notes.append([])
    account = from_link
    if from_link.null_count:
        fill = pa.array([a[0] if a else "" for a in accounts], type=pa.string()).take(pa.array(group.files))
        account = pc.coalesce(from_link, fill)
    texts = group.columns[text_col]
    texts = pc.fill_null(texts, "") if texts.null_count else texts
    timezone = members[0].context.timezone
    posts = fastlane.posts_table(
        source_file="", pilot_id=members[0].context.pilot_id, platform="x", source_rows=group.lines,
        account=account, post_id=ids, timestamp=_midnights(days, timezone, group),
        text=fastlane.unescape(texts), counts={name: values[:, j] for j, name in enumerate(names)}, url=link,
        extra={"date_only": pa.repeat(pa.scalar(True), group.n)},
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
        tables[k] = part
        account_k, how = accounts[k]
        notes[k] = [f"account {account_k}: {how}", *pin_notes[k], *_CONTENT_NOTES]
        metas[k] = {"account": account_k, "platform": "x"}
    return group.readings(format, tables, notes, metas, "posts")


def _midnights(days: pa.Array, timezone: str, group: _PremiumGroup) -> pa.Array:
    """:func:`fastlane.local_midnights` of the group's days, as it places each file's: by
    Arrow over the group, file by file where a midnight the clocks skip falls among them."""
    encoded = pc.dictionary_encode(days)
    try:
        placed = pc.assume_timezone(pc.cast(encoded.dictionary, pa.timestamp("s")), timezone,
                                    ambiguous="earliest", nonexistent="raise")
    except pa.ArrowInvalid:
        return pa.concat_arrays([fastlane.local_midnights(days.slice(a, n), timezone)
                                 for a, n in zip(group.starts, group.counts)])
    return placed.take(encoded.indices)


# --------------------------------------------------------------------------- general lane


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
    id_problem = np.full(len(ids), None, dtype=object)
    for k in np.flatnonzero(~ids.str.fullmatch(r"\d{1,20}").to_numpy(dtype=bool)):  # unreadable ids only
        id_problem[k] = f"{source_file}, row {source_row[k]}, column '{id_col}': not a post id: {ids.iloc[k]!r}"
    dates, bad_date = parse_dates(records[date_col], _DATE_FORMAT)
    date_problem = np.full(len(ids), None, dtype=object)
    written = records[date_col].to_numpy(dtype=object)
    for k in np.flatnonzero(bad_date.to_numpy()):  # unreadable dates only
        date_problem[k] = (f"{source_file}, row {source_row[k]}, column '{date_col}': not a date like "
                           f"'Fri, Mar 21, 2025': {written[k]!r}")
    count_columns = [c for c in header if c not in (id_col, date_col, text_col, link_col)]
    counts, count_problem = post_counts(records, count_columns, METRIC_MAPS["x-premium"], source_file=source_file,
                                        skip_empty_prefix=None)
    texts = records[text_col].fillna("").astype(str)
    compare = pd.DataFrame({"text": texts.to_numpy(), "date": records[date_col].to_numpy(),
                            **{k: v.fillna(-1.0).to_numpy() for k, v in counts.items()}}) \
        if ids.duplicated().any() else pd.DataFrame(index=ids.index)
    fate, reasons = settle_repeated_posts(ids, compare, first_reason(id_problem, date_problem, count_problem),
                                          source_row, id_column=id_col, source_file=source_file)
    keep = fate == "kept"

    link = records[link_col].fillna("").astype(str).str.strip()
    from_link = extract_handle(link, _POST_LINK)
    account, how, notes = _content_account(path, context, from_link[keep])
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
        text=unescape_entities(texts[keep]),
        counts={k: v[keep] for k, v in counts.items()},
        url=link[keep],
        extra={"date_only": np.ones(kept, dtype=bool)},
        pilot_id=context.pilot_id,
    )
    fates = fates_frame(source_file, source_row, fate, "posts", reasons, context.pilot_id)
    notes = [f"account {account}: {how}", *notes, *_CONTENT_NOTES]
    return {"posts": posts}, fates, notes, {"account": account, "platform": "x"}


def _find(path: Path, header: list[str], label: str) -> str:
    for column in header:
        if fold_name(column) == fold_name(label):
            return column
    raise InputError(path, f"the header has no '{label}' column", row=1)
