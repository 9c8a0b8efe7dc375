"""Facebook Page Insights legacy export: one row per day, a column per metric.

``Facebook Insights Data Export - <Page> - <from> - <to>.csv``: two header rows (metric
names, then descriptions with an empty first cell); dates ``M/D/YYYY``; hundreds to
thousands of columns, breakdowns named ``<metric> - <part>``; duplicate column names (two
``Daily Logged-in Page Views``: total count and unique users), told apart here by the
``(Total Count)`` / ``(Unique Users)`` at the end of their descriptions. Empty cells mean
0 in breakdown columns, but on the newest day an empty cell means "not yet computed" and
gives no row. UTF-8 as exported, cp1252 when re-saved in Excel: the encoding used is
noted.

The canonical metrics it gives (see :data:`evalkit.clean.metrics.METRIC_MAPS`):
``page_likes``, ``new_follows``, ``unfollows``, ``engagements``, ``reach``,
``impressions``, ``views``, ``link_clicks``, ``video_views``; every other column keeps
its folded name (``daily_organic_reach``, ``lifetime_likes_by_city_ipswich_england_united_kingdom``).

The account is the page name in the file name, else ``Context.account``.

>>> from evalkit.readers.base import sniff
>>> detect(sniff("tests/data/formats/facebook/Facebook Insights Data Export - Cllr Jane Smith - 2022-09-01 - 2022-09-05.csv"))
'facebook-insights'
"""

from __future__ import annotations

import csv
import functools
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..clean import fastlane
from ..clean.dates import AmbiguousDateOrder, decide_date_order
from ..clean.metrics import (
    METRIC_MAPS,
    daily_metrics,
    header_labels,
    header_labels_of,
    metric_names,
    strip_handle,
    table_records,
)
from .base import (
    ArrowReading,
    ArrowTables,
    Context,
    InputError,
    Reading,
    Sniff,
    arrow_csv,
    _head_records,
    _record_bounds,
    arrow_text_table,
    decode,
    decode_utf8,
    fates_frame,
    read_csv_frame,
    sorted_fates,
)
from .grouped import blank_notes, joined, metrics_tables, one_word, unmarked

FORMATS = {
    "facebook-insights": "Facebook Page Insights legacy export (Facebook Insights Data Export - <Page> - <from> - <to>.csv)",
}

_FILE_NAME = re.compile(
    r"^Facebook Insights Data Export - (?P<page>.+?) - (?P<start>\d{4}-\d{2}-\d{2})"
    r"(?: - (?P<end>\d{4}-\d{2}-\d{2}))?(?:\s*\(\d+\))?\.csv$",
    re.IGNORECASE,
)
_ORDER_WORDS = {"%m/%d": "month/day/year", "%d/%m": "day/month/year"}
_PERIOD = re.compile(r"^(Lifetime|Daily|Weekly|28 Days) \S", re.IGNORECASE)
#: extra facts the legacy export's own metric names map to (the plain name when the file
#: has only one "Daily Logged-in Page Views")
_MAP = {**METRIC_MAPS["facebook-insights"], "daily_logged_in_page_views": "views"}


def detect(sniff: Sniff) -> str | None:
    if sniff.is_xlsx or not sniff.text:
        return None
    line = sniff.first_line.lstrip("\ufeff")
    try:
        header = next(csv.reader([line]))
    except (csv.Error, StopIteration):
        return None
    if len(header) < 2 or header[0].strip().lower() != "date":
        return None
    if any(_PERIOD.match(cell.strip()) for cell in header[1:]):
        return "facebook-insights"
    return None


def read(path: Path, context: Context, format: str) -> Reading:
    path = Path(path)
    fast = _read_fast(path, context, format)
    if fast is not None:
        return fast
    source_file = context.source_file or path.name
    text, encoding = decode(path)
    head, lines = read_csv_frame(text, max_records=2, path=path)
    if len(head) == 0:
        raise InputError(path, "the file has no header row")
    names = head.iloc[0]
    descriptions = head.iloc[1] if len(head) > 1 else None
    has_descriptions = (
        descriptions is not None
        and str(descriptions.iloc[0]).strip() == ""
        and (descriptions.iloc[1:].astype(str).str.strip() != "").any()
    )
    header = header_labels(names, descriptions if has_descriptions else None)
    start = 2 if has_descriptions else 1
    # thousands of columns: the C parser reads the counts (a column with odd cells stays text)
    body, body_lines = read_csv_frame(text, skip_records=start, numbers=True, path=path)
    records, blank = table_records(body, body_lines, header, path)
    structure = [fates_frame(source_file, lines[:1], "skipped-structure", None, "header row (metric names)",
                             context.pilot_id)]
    if has_descriptions:
        structure.append(fates_frame(source_file, lines[1:2], "skipped-structure", None,
                                     "second header row (metric descriptions)", context.pilot_id))
    structure.append(fates_frame(source_file, body_lines[blank], "skipped-structure", None, "blank line",
                                 context.pilot_id))

    page, how = _page(path, context)
    date_column = header[0]
    date_format, how_dates = _date_format(records[date_column])
    notes = _notes(encoding, page, how, date_format, how_dates)
    breakdowns = [c for c, name in zip(header, names) if " - " in str(name)]
    metrics, fates, more = daily_metrics(
        records,
        date_column=date_column,
        date_format=date_format,
        metric_map=_MAP,
        source_file=source_file,
        platform="facebook",
        account=page,
        pilot_id=context.pilot_id,
        blank_is_zero=breakdowns,
        newest_day_incomplete=True,
    )
    if breakdowns:
        notes.append(_breakdown_note(breakdowns))
    return Reading(path, format, {"metrics": metrics}, sorted_fates([*structure, fates]), notes + more,
                   {"account": page, "platform": "facebook", "encoding": encoding, "columns": len(header)})


def _notes(encoding: str, page: str, how: str, date_format: str, how_dates: str) -> list[str]:
    return [f"encoding: {encoding}" + (" (the file was re-saved, probably in Excel)" if encoding == "cp1252" else ""),
            f"page {page}: {how}",
            f"dates read as {_ORDER_WORDS.get(date_format[:5], 'year-month-day')}: {how_dates}"]


def _breakdown_note(breakdowns: list[str]) -> str:
    return f"empty cells in the {len(breakdowns)} breakdown column(s) count as 0 (except on the newest day)"


def _read_fast(path: Path, context: Context, format: str) -> Reading | None:
    """The file read in the fast lane (:mod:`evalkit.clean.fastlane`): a file with its
    description row, every record as wide as the header and no blank line; ``None`` for
    any other (the general lane then reads it)."""
    found = arrow_csv(path, head=2, min_body=0, keep_text=lambda head: [0])  # the dates; the counts as floats
    if found is None:
        return None
    width = max(len(r) for r in found.head)
    names, descriptions = (r + [""] * (width - len(r)) for r in found.head)
    if not (descriptions[0].strip() == "" and any(d.strip() != "" for d in descriptions[1:])):
        return None  # no description row: the general lane reads the second record as data
    header = header_labels_of(names, descriptions)
    columns = fastlane.labelled_columns(found.body, header)
    if columns is None:
        return None
    source_file = context.source_file or path.name
    page, how = _page(path, context)
    date_column = header[0]
    decided = _date_format_arrow(columns[date_column])
    if decided is None:
        return None
    date_format, how_dates = decided
    breakdowns = [c for c, name in zip(header, names) if " - " in str(name)]
    value_columns = header[1:]
    made = fastlane.daily_table(columns, date_column=date_column, date_format=date_format,
                                value_columns=value_columns, names=metric_names(value_columns, _MAP),
                                source_rows=found.body_lines, source_file=source_file, pilot_id=context.pilot_id,
                                platform="facebook", account=page, blank_is_zero=breakdowns,
                                newest_day_incomplete=True)
    if made is None:
        return None
    table, more = made
    notes = _notes(found.encoding, page, how, date_format, how_dates)
    if breakdowns:
        notes.append(_breakdown_note(breakdowns))
    structure = [(int(found.head_lines[0]), "header row (metric names)"),
                 (int(found.head_lines[1]), "second header row (metric descriptions)")]
    arrow_fates = fastlane.fates(source_file, context.pilot_id, structure, found.body_lines, "metrics")
    arrow = {"metrics": table, "row_fates": arrow_fates}
    return ArrowReading(path, format, ArrowTables(arrow), None, notes + more,
                        {"account": page, "platform": "facebook", "encoding": found.encoding,
                         "columns": len(header)}, arrow=arrow)


# --------------------------------------------------------------------------- many files at once

def read_batch(paths: list[Path], contexts: list[Context], format: str) -> list[Reading | None]:
    """Many Page Insights exports read together: for each file the Reading the fast lane
    gives it alone (see :func:`read`), or ``None`` where the file is to be read on its own
    with :func:`read` (a file the fast lane refuses or that fails, one that is not plainly
    regular, one whose page is not known).

    A pilot's exports share their two header rows. The bodies of all files of one head
    are parsed by one Arrow CSV read as text, with a marker record between two files that
    shows each file's records were read as its own; the dates and counts are then read
    once over the group, and what the fast lane decides per file (the order of the dates
    and why, days unique within a file, which empty cells count as 0) is decided per file
    on the stacked records with a file index. A file of the group whose dates or counts
    are not of the plain kind (``1,204``, a ``-`` among numbers, an impossible day), and
    a file of its head alone, is read by the fast lane alone.

    >>> from evalkit.readers.base import Context
    >>> folder = Path("tests/data/formats/facebook")
    >>> paths = sorted(folder.glob("*.csv"))
    >>> found = read_batch(paths, [Context()] * len(paths), "facebook-insights")
    >>> [len(r.arrow["metrics"]) for r in found]  # the second has "1,204": read by the fast lane alone
    [70, 17]
    """
    if format not in FORMATS:
        raise ValueError(f"facebook cannot read format {format!r}")
    found: list[Reading | None] = [None] * len(paths)
    groups: dict[tuple[bytes, bool], list[_Body]] = {}
    for i, (path, context) in enumerate(zip(paths, contexts)):
        body = _body_of(i, Path(path), context)
        if body is None:
            continue
        if body.records == 0:
            found[i] = _alone(body, format)
        else:
            groups.setdefault((body.head, body.numeric), []).append(body)
    for (_, numeric), members in groups.items():
        for part, table in _stacked(members, typed=numeric):
            for body, reading in zip(part, _group_days(part, table, format)):
                found[body.index] = reading
    return found


@dataclass
class _Body:
    """One file of a group read together: its head, its body records and their lines."""

    index: int
    path: Path
    context: Context
    encoding: str
    #: the two header records' bytes (with their line ends)
    head: bytes
    #: the line where each record starts, the two header records' first
    lines: np.ndarray
    #: the body records' bytes, ending with a line end
    body: bytes
    #: the page and how it was found
    page: tuple[str, str]
    #: whether the body holds only the bytes of plain dates and counts (:data:`_NUMBER_BYTES`)
    numeric: bool = False

    @property
    def records(self) -> int:
        return len(self.lines) - 2

    @property
    def source_file(self) -> str:
        return self.context.source_file or self.path.name


#: the bytes of a body of plain dates and counts: no space, letter or quote, so a count
#: cell Arrow's CSV reader reads as a float is read by Arrow's cast of the text alike
#: (whatever column types the fast lane gives the file alone)
_NUMBER_BYTES = b"0123456789,-./\n"


def _body_of(index: int, path: Path, context: Context) -> _Body | None:
    """A file's head and body as the fast lane finds them (:func:`arrow_csv`), or ``None``
    when the fast lane would not read it as a regular file of two header records (names,
    then descriptions) and records, or its page is not known."""
    try:
        page = _page(path, context)
        data, encoding = decode_utf8(path)
    except (InputError, OSError):
        return None
    lines, empty, starts = _record_bounds(data, '"', offsets=True)
    if len(lines) < 2 or empty.any():
        return None
    head = data[:starts[2]] if len(lines) > 2 else data
    if _head_of(head) is None:
        return None
    if len(lines) == 2:  # the head alone
        return _Body(index, path, context, encoding, head, lines, b"", page)
    body = data[starts[2]:]
    if body.count(b'"') % 2:
        return None  # a quote left open at the end: the next file's records would run on from it
    if not body.endswith(b"\n"):
        body += b"\n"
    numeric = not body.translate(None, _NUMBER_BYTES)
    return _Body(index, path, context, encoding, head, lines, body, page, numeric)


@functools.lru_cache(maxsize=256)
def _head_of(head: bytes) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """The metric names (padded to the head's width) and header labels of a file's two
    header records, as the fast lane works them out; ``None`` when the second record is
    not a description row (the general lane then reads the file)."""
    records = _head_records(head, ",", '"')
    if len(records) != 2:
        return None
    width = max(len(r) for r in records)
    names, descriptions = (r + [""] * (width - len(r)) for r in records)
    if not (descriptions[0].strip() == "" and any(d.strip() != "" for d in descriptions[1:])):
        return None
    return tuple(names), tuple(header_labels_of(names, descriptions))


def _alone(body: _Body, format: str) -> Reading | None:
    """The file read by the fast lane alone (``None`` when it refuses the file or reading
    it fails: :func:`read` then reads it, and says why)."""
    try:
        return _read_fast(body.path, body.context, format)
    except InputError:
        return None


def _stacked(members: list[_Body], typed: bool) -> list[tuple[list[_Body], pa.Table]]:
    """The bodies of ``members`` parsed by one Arrow CSV read
    (:func:`~evalkit.readers.grouped.joined`, :func:`~evalkit.readers.grouped.unmarked`), as
    (files, their stacked records): with ``typed``, the counts read as floats
    (see :data:`_NUMBER_BYTES`), else every cell as text. A typed read that fails is split
    in two and each half read again (a file whose typed read fails is read as text); a
    group whose read fails, is not as wide as the header, or whose marker records are not
    where each file's records end, is split in two and each half read again; a file that
    does not read alone is left out (read on its own)."""
    width = len(_head_of(members[0].head)[1])
    counts = np.array([b.records for b in members], dtype=np.int64)
    table = arrow_text_table(joined([b.body for b in members], width), width=width,
                             numbers=range(1, width) if typed else ())
    if table is None and typed:  # a cell that is not a float: the file holding it is read as text
        if len(members) == 1:
            return _stacked(members, typed=False)
        half = len(members) // 2
        return _stacked(members[:half], typed) + _stacked(members[half:], typed)
    table = None if table is None else unmarked(table, counts, width)
    if table is not None:
        return [(members, table)]
    if len(members) == 1:
        return []
    half = len(members) // 2
    return _stacked(members[:half], typed) + _stacked(members[half:], typed)


#: a date as the export writes it (either order), with a four-digit year
_PLAIN_DATE = r"^(?P<a>\d{1,2})/(?P<b>\d{1,2})/(?P<year>[1-9]\d{3})$"
_BOTH_ORDERS = "the dates fit both orders; month/day/year is the export's own order"
_FATE_REASONS = pa.array(["header row (metric names)", "second header row (metric descriptions)", None],
                         type=pa.string())


def _group_days(members: list[_Body], table: pa.Table, format: str) -> list[Reading | None]:
    """Exports of one head read together (see :func:`read_batch`)."""
    m = len(members)
    names, header = (list(x) for x in _head_of(members[0].head))
    columns = [c.combine_chunks() for c in table.itercolumns()]
    counts = np.array([b.records for b in members], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    n = int(counts.sum())
    files = fastlane.file_index(starts, n)
    text = fastlane.trimmed(columns[0])
    # a blank date is a blank record: the fast lane leaves the file to the general lane
    taken = fastlane.file_all(fastlane._mask(pc.not_equal(text, "")), starts)
    alone = np.zeros(m, dtype=bool)  # read by the fast lane alone

    days, date_formats, reasons, plain = _dates(text, starts, files, m)
    alone |= taken & ~plain
    taken &= plain
    day_numbers = days.astype(np.int64)
    taken &= ~fastlane.repeated_within(day_numbers, files, m)  # a day twice: the general lane settles it

    value_columns = header[1:]
    values, blank, unsettled = fastlane.group_number_matrix(columns[1:], starts)
    alone |= taken & unsettled
    taken &= ~unsettled
    breakdowns = [c for c, name in zip(header, names) if " - " in str(name)]
    more = blank_notes(values, blank, days, value_columns, starts, counts, taken, blank_is_zero=breakdowns,
                       newest_day_incomplete=True)
    lines = np.concatenate([body.lines[2:] for body in members])
    tables = metrics_tables(members, taken, starts, lines, pa.array(days, type=pa.date32()), values,
                            metric_names(value_columns, _MAP), "facebook", [body.page[0] for body in members])
    fates, at = _group_fates(members, counts)

    found: list[Reading | None] = [None] * m
    for k, body in enumerate(members):
        if alone[k]:
            found[k] = _alone(body, format)
        if not taken[k]:
            continue
        page, how = body.page
        metrics = tables[k]
        f = int(counts[k]) + 2
        part = fates.slice(at[k], f)
        file_fates = pa.table({"pilot_id": one_word(body.context.pilot_id, f),
                               "source_file": one_word(body.source_file, f),
                               **{name: part.column(name).chunk(0) for name in part.column_names}})
        notes = _notes(body.encoding, page, how, date_formats[k], reasons[k])
        if breakdowns:
            notes.append(_breakdown_note(breakdowns))
        arrow = {"metrics": metrics, "row_fates": file_fates}
        found[k] = ArrowReading(body.path, format, ArrowTables(arrow), None, notes + more[k],
                                {"account": page, "platform": "facebook", "encoding": body.encoding,
                                 "columns": len(header)}, arrow=arrow)
    return found


def _dates(text: pa.Array, starts: np.ndarray, files: np.ndarray, m: int
           ) -> tuple[np.ndarray, list, list, np.ndarray]:
    """The stacked trimmed date cells of ``m`` files as days (``datetime64[D]``), each
    file's date format and how its order was decided (as :func:`_date_format_arrow`
    decides them), and which files were settled here: those whose every date is a real
    day written ``D/M/YYYY`` or ``M/D/YYYY`` (numbers 1 to 31) in an order the values
    allow. Any other file is left to the fast lane alone."""
    n = len(text)
    parts = pc.extract_regex(text, _PLAIN_DATE)  # null where a cell is not of the shape
    shaped = ~fastlane._mask(pc.is_null(parts))
    a, b, year = (pc.fill_null(pc.cast(pc.struct_field(parts, [k]), pa.int64()), 0).to_numpy(zero_copy_only=False)
                  for k in range(3))
    in_range = shaped & (a >= 1) & (a <= 31) & (b >= 1) & (b <= 31)
    plain = fastlane.file_all(in_range, starts)
    month_ok = fastlane.file_all(a <= 12, starts)  # month-first possible
    day_ok = fastlane.file_all(b <= 12, starts)  # day-first possible
    plain &= month_ok | day_ok  # neither: the fast lane refuses the file's dates
    day_first = day_ok & ~month_ok
    first_row = day_first[files] if n else np.zeros(0, dtype=bool)
    month = np.where(first_row, b, a)
    day = np.where(first_row, a, b)
    # the day the cells name, and whether there is such a day
    month_start = ((year - 1970) * 12 + month - 1).astype("datetime64[M]")
    first_day = month_start.astype("datetime64[D]")
    length = ((month_start + 1).astype("datetime64[D]") - first_day).astype(np.int64)
    real = in_range & (month >= 1) & (month <= 12) & (day <= length)
    plain &= fastlane.file_all(real, starts)
    days = np.where(real, first_day + (day - 1), np.datetime64("1970-01-01", "D")).astype("datetime64[D]")
    formats, reasons = [], []
    cells = None
    for k in range(m):
        if not plain[k]:
            formats.append(None)
            reasons.append(None)
        elif month_ok[k] and day_ok[k]:
            formats.append("%m/%d/%Y")
            reasons.append(_BOTH_ORDERS)
        else:  # the first value that decides: a number over 12 where the month would be
            over = a > 12 if day_first[k] else b > 12
            row = int(starts[k] + np.argmax(over[starts[k]:]))
            cells = text if cells is None else cells
            example = cells[row].as_py()
            if day_first[k]:
                formats.append("%d/%m/%Y")
                reasons.append(f"a value has {a[row]} in the first position ('{example}'), so it must be the day")
            else:
                formats.append("%m/%d/%Y")
                reasons.append(f"a value has {b[row]} in the second position ('{example}'), so it must be the day")
    return days, formats, reasons, plain


def _group_fates(members: list[_Body], counts: np.ndarray) -> tuple[pa.Table, np.ndarray]:
    """The stacked ``row_fates`` of the files (each file's two header rows, then its
    records kept in ``metrics``) and where each file's start."""
    at = np.concatenate([[0], np.cumsum(counts + 2)[:-1]]).astype(np.int64)
    lines = np.concatenate([b.lines for b in members]).astype(np.int64)
    total = len(lines)
    code = np.full(total, 2, dtype=np.int64)
    code[at], code[at + 1] = 0, 1
    structural = code < 2
    fates = pa.table({
        "source_row": pa.array(lines),
        "fate": fastlane._chosen(["skipped-structure", "kept"], ~structural),
        "table": pa.DictionaryArray.from_arrays(pa.array(np.zeros(total, dtype=np.int32), mask=structural),
                                                pa.array(["metrics"], type=pa.string())),
        "reason": _FATE_REASONS.take(pa.array(code)),
    })
    return fates, at


def _page(path: Path, context: Context) -> tuple[str, str]:
    match = _FILE_NAME.match(path.name)
    if match:
        return match.group("page").strip(), f"the page name in the file name '{path.name}'"
    if context.account:
        return strip_handle(context.account), "pinned with account: in programme.yml"
    raise InputError(
        path,
        "the file name does not hold the page name (Facebook Insights Data Export - <Page> - <from> - <to>.csv): "
        "pin it with `account:` under the pilot's files in programme.yml",
    )


def _date_format_arrow(column) -> tuple[str, str] | None:
    """:func:`_date_format` of an Arrow text column, for the fast lane: the same format
    and reason, decided with Arrow compute functions (``None`` for a column with an
    empty cell or a cell that is not ASCII: the general lane decides that one).

    >>> import pyarrow as pa
    >>> _date_format_arrow(pa.array(["7/1/2024", " 7/13/2024 "]))
    ('%m/%d/%Y', "a value has 13 in the second position ('7/13/2024'), so it must be the day")
    """
    if column.null_count:  # an empty date: the general lane reads the file
        return None
    text = fastlane.trimmed(column)
    if not fastlane._all(pc.string_is_ascii(text)):
        return None
    sample = text.filter(pc.not_equal(text, ""))
    if len(sample) == 0:
        return "%m/%d/%Y", "no dates in the file"
    if fastlane._all(pc.match_substring_regex(sample, r"^\d{4}-\d{2}-\d{2}$")):
        return "%Y-%m-%d", "year-month-day"
    four = fastlane._mask(pc.match_substring_regex(sample, r"^\d{1,2}/\d{1,2}/\d{4}$")).mean()
    return _decided_format(pc.unique(sample).to_pylist(), four)


def _date_format(values: pd.Series) -> tuple[str, str]:
    """strftime format of the date column: ISO, or numeric with the order decided from the
    values (month-first, the export's own order, when they fit both)."""
    sample = values.astype(str).str.strip()
    sample = sample[sample != ""]
    if sample.empty:
        return "%m/%d/%Y", "no dates in the file"
    if sample.str.match(r"^\d{4}-\d{2}-\d{2}$").all():
        return "%Y-%m-%d", "year-month-day"
    return _decided_format(sample.drop_duplicates(), sample.str.match(r"^\d{1,2}/\d{1,2}/\d{4}$").mean())


def _decided_format(distinct, four_digit_years: float) -> tuple[str, str]:
    """The numeric date format of a file's ``distinct`` date texts (first appearance
    first), and how the order was decided; ``four_digit_years`` is the share of its dates
    written ``D/M/YYYY``."""
    try:
        order, how = decide_date_order(distinct, setting="month-first")
    except AmbiguousDateOrder:  # cannot happen with a setting; kept for safety
        order, how = "month-first", "the export's own order"
    if how.startswith("the file's dates fit both orders"):
        how = "the dates fit both orders; month/day/year is the export's own order"
    year = "%Y" if four_digit_years >= 0.5 else "%y"
    return ("%m/%d/" if order == "month-first" else "%d/%m/") + year, how
