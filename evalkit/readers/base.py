"""What every reader shares: the reading context, the result, decoding, and row accounting.

A reader module (one per real export format) exposes::

    FORMATS = {"teams-attendance-report": "Microsoft Teams attendance report (2021 onwards)"}
    def detect(sniff: Sniff) -> str | None   # format name, from content (never the file name alone)
    def read(path: Path, context: Context, format: str) -> Reading

``read`` parses the file and runs the small cleaning steps from :mod:`evalkit.clean` that
its format needs, and returns canonical tables (see :mod:`evalkit.schemas`) plus one
``row_fates`` row for every physical record of the file.
"""

from __future__ import annotations

import codecs
import csv
import functools
import io
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Callable, Iterable

import numpy as np
import pandas as pd

from .. import schemas

__all__ = [
    "ArrowCsv",
    "ArrowReading",
    "ArrowTables",
    "Context",
    "InputError",
    "Reading",
    "Sniff",
    "UnsupportedFormat",
    "arrow_csv",
    "decode",
    "decode_utf8",
    "fates_frame",
    "read_csv_records",
    "sorted_fates",
    "record_start_lines",
    "sniff",
    "sniffed_sheets",
]


class UnsupportedFormat(ValueError):
    """The file is not one of the supported export formats."""

    def __init__(self, path: Path | str, tried: Iterable[str], detail: str = ""):
        self.path = Path(path)
        self.tried = list(tried)
        extra = f" ({detail})" if detail else ""
        super().__init__(
            f"{self.path}: not a supported export format{extra}. Expected one of: "
            + ", ".join(self.tried)
        )


class InputError(ValueError):
    """A file, or a value in it, cannot be used. The message names file, row, column, value."""

    def __init__(self, path: Path | str, problem: str, *, row: int | None = None,
                 column: str | None = None, value: object = None):
        self.path = Path(path)
        self.problem = problem
        self.row = row
        self.column = column
        self.value = value
        where = [str(path)]
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column '{column}'")
        shown = f": {value!r}" if value is not None else ""
        super().__init__(f"{', '.join(where)}: {problem}{shown}")


@dataclass(frozen=True)
class Context:
    """What a reader may know beyond the file itself. Every field has a default, so a file
    can be read alone (``evalkit read FILE``)."""

    #: the programme's time zone for naive times
    timezone: str = "Europe/London"
    #: auto, day-first or month-first (a pin for the file overrides the programme setting)
    date_order: str = "auto"
    pilot_id: str | None = None
    #: session the file belongs to, when pinned or known
    session_id: str | None = None
    #: survey wave, when pinned
    wave: str | None = None
    #: the pilot's sessions (evalkit.programme.Session) for matching dates and column headers
    sessions: tuple = ()
    #: maps an exported question text to (item_id, scale, wave or None, aliases) or None
    item_for_question: Callable[[str], tuple[str, str, str | None, dict] | None] | None = None
    #: account name for metric files that do not state it
    account: str | None = None
    #: the path shown in source_file (relative to the programme folder); defaults to the name
    source_file: str | None = None


@dataclass
class Reading:
    """What reading one file gives: its format, canonical tables and the fate of every row."""

    path: Path
    format: str
    tables: dict[str, pd.DataFrame]
    fates: pd.DataFrame
    #: decisions a person should be able to check (date order and why, encoding, ...)
    notes: list[str] = field(default_factory=list)
    #: format-specific facts (meeting title, declared participant count, account, ...)
    meta: dict = field(default_factory=dict)
    #: the same tables (and ``row_fates``) as Arrow tables with the clean store's types,
    #: when the reader made them so (see :class:`ArrowTables`); cleaning a programme takes
    #: these as they are
    arrow: dict = field(default_factory=dict)

    def summary(self) -> str:
        """A few lines for a person: format, tables, fates and notes."""
        lines = [f"{self.path}: {self.format}"]
        for name, table in self.tables.items():
            lines.append(f"  {name}: {len(table)} row(s)")
        counts = self.fates["fate"].value_counts()
        lines.append(
            "  rows: " + ", ".join(f"{counts.get(f, 0)} {f}" for f in schemas.FATES)
        )
        quarantined = self.fates[self.fates["fate"] == "quarantined"]
        for _, row in quarantined.head(20).iterrows():
            lines.append(f"    row {row['source_row']}: {row['reason']}")
        if len(quarantined) > 20:
            lines.append(f"    … and {len(quarantined) - 20} more quarantined row(s)")
        lines.extend(f"  note: {n}" for n in self.notes)
        return "\n".join(lines)


class ArrowReading(Reading):
    """A :class:`Reading` made by a reader's fast lane: its tables and fates are held as
    Arrow tables (:attr:`Reading.arrow`, with ``row_fates``) and made pandas frames, as
    :mod:`evalkit.store` gives them, only when first used."""

    @property
    def fates(self) -> pd.DataFrame:
        if self._fates is None:
            from ..store import to_pandas

            self._fates = to_pandas(self.arrow["row_fates"], "row_fates")
        return self._fates

    @fates.setter
    def fates(self, value) -> None:
        self._fates = value


class ArrowTables(Mapping):
    """Canonical tables held as Arrow tables (a reader's fast lane), each made a pandas
    frame, as :mod:`evalkit.store` gives them, when first asked for.

    >>> import pyarrow as pa
    >>> tables = ArrowTables({"metrics": pa.table({"metric": ["likes"], "value": [3.0]})})
    >>> list(tables), tables["metrics"]["metric"].tolist()
    (['metrics'], ['likes'])
    """

    def __init__(self, arrow: dict):
        self._arrow = {name: table for name, table in arrow.items() if name != "row_fates"}
        self._made: dict[str, pd.DataFrame] = {}

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self._made:
            from ..store import to_pandas

            self._made[name] = to_pandas(self._arrow[name], name if name in schemas.TABLES else None)
        return self._made[name]

    def __iter__(self):
        return iter(self._arrow)

    def __len__(self) -> int:
        return len(self._arrow)


# --------------------------------------------------------------------------- sniffing

@dataclass(frozen=True)
class Sniff:
    """The first part of a file, decoded, for format detection."""

    path: Path
    head: bytes
    #: decoded start of a text file ("" for a spreadsheet or undecodable bytes)
    text: str
    encoding: str | None
    is_xlsx: bool
    #: first rows of each sheet of a workbook (values as read by openpyxl)
    sheets: dict[str, list[tuple]] = field(default_factory=dict)

    @cached_property
    def lines(self) -> list[str]:
        return self.text.splitlines()

    @cached_property
    def first_line(self) -> str:
        for line in self.lines:
            if line.strip():
                return line
        return ""


def sniff(path: Path | str, size: int = 65536) -> Sniff:
    path = Path(path)
    with open(path, "rb") as handle:
        head = handle.read(size)
    if head[:4] == b"PK\x03\x04":
        sheets = _sheet_heads(path)
        return Sniff(path, head, "", None, True, sheets)
    try:
        text, encoding = decode_bytes(head, partial=True)
    except UnicodeDecodeError:
        text, encoding = "", None
    return Sniff(path, head, text, encoding, False)


def _sheet_heads(path: Path, rows: int = 30) -> dict[str, list[tuple]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InputError(path, f"the workbook cannot be opened (damaged or truncated: {exc})") from None
    try:
        heads, whole = {}, {}
        for sheet in book.worksheets:
            head = [tuple(r) for r in sheet.iter_rows(max_row=rows, values_only=True)]
            heads[sheet.title] = head
            # the head is the whole sheet, exactly as ``iter_rows(values_only=True)`` gives it,
            # when no row lies past it: the sheet's stated last row is within the head (or it
            # states none and the head stopped short of ``rows``)
            last = sheet.max_row
            if (len(head) < rows) if last is None else (len(head) <= last <= rows):
                whole[sheet.title] = head
        _remember_sheets(path, list(heads), whole)
        return heads
    finally:
        book.close()


#: what the latest sniffs of workbooks read: (path, size, modification time) → (sheet
#: titles in order, every row of each sheet the sniff read whole)
_SNIFFED_SHEETS: dict[tuple, tuple[list[str], dict[str, list[tuple]]]] = {}
_SNIFFED_KEEP = 64


def _workbook_key(path: Path) -> tuple | None:
    try:
        stat = Path(path).stat()
    except OSError:
        return None
    return (str(Path(path).resolve()), stat.st_size, stat.st_mtime_ns)


def _remember_sheets(path: Path, titles: list[str], whole: dict[str, list[tuple]]) -> None:
    key = _workbook_key(path)
    if key is None:
        return
    _SNIFFED_SHEETS.pop(key, None)
    _SNIFFED_SHEETS[key] = (titles, whole)
    while len(_SNIFFED_SHEETS) > _SNIFFED_KEEP:  # the oldest go first
        try:
            _SNIFFED_SHEETS.pop(next(iter(_SNIFFED_SHEETS)), None)
        except (RuntimeError, StopIteration):  # another thread changed it meanwhile
            break


def sniffed_sheets(path: Path | str) -> tuple[list[str], dict[str, list[tuple]]] | None:
    """What the latest :func:`sniff` of this workbook read, when the file has not changed
    since (same size and modification time): its sheet titles in order, and every row
    (values, as openpyxl's read-only ``iter_rows(values_only=True)`` gives them) of each
    sheet short enough to have been read whole. None when this process has not sniffed it.

    A reader that needs no more than this can skip opening the workbook again.

    >>> import tempfile, openpyxl
    >>> book = openpyxl.Workbook(); book.active.title = "Form1"; book.active.append(["ID", "Name"])
    >>> path = Path(tempfile.mkdtemp()) / "f.xlsx"; book.save(path)
    >>> _ = sniff(path)
    >>> sniffed_sheets(path)
    (['Form1'], {'Form1': [('ID', 'Name')]})
    """
    key = _workbook_key(Path(path))
    return None if key is None else _SNIFFED_SHEETS.get(key)


# --------------------------------------------------------------------------- decoding

_BOMS = [
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]


def decode_bytes(data: bytes, partial: bool = False) -> tuple[str, str]:
    """Decode export bytes: BOMs first, then UTF-16 without BOM, UTF-8, then Windows-1252.

    Returns the text and the encoding used (so the summary can say which). A NUL byte in
    text that is not UTF-16 means binary data: :class:`UnicodeDecodeError` is raised.
    """
    for bom, name in _BOMS:
        if data.startswith(bom):
            return _decode(data, name, partial), name + " with BOM"
    if len(data) >= 4 and data[1:2] == b"\x00" and data[3:4] == b"\x00" and data[0:1] != b"\x00":
        return _decode(data, "utf-16-le", partial), "utf-16-le without BOM"
    if len(data) >= 4 and data[0:1] == b"\x00" and data[2:3] == b"\x00" and data[1:2] != b"\x00":
        return _decode(data, "utf-16-be", partial), "utf-16-be without BOM"
    if b"\x00" in data:
        raise UnicodeDecodeError("binary", data, data.index(b"\x00"), data.index(b"\x00") + 1,
                                 "NUL byte: binary data, not text")
    try:
        return _decode(data, "utf-8", partial), "utf-8"
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="strict") if _cp1252_ok(data) else None
        if text is None:
            raise
        return text, "cp1252"


def _cp1252_ok(data: bytes) -> bool:
    try:
        data.decode("cp1252")
    except UnicodeDecodeError:
        return False
    return True


def _decode(data: bytes, encoding: str, partial: bool) -> str:
    if partial:
        decoder = codecs.getincrementaldecoder(encoding)()
        return decoder.decode(data, final=False)
    return data.decode(encoding)


def decode(path: Path | str) -> tuple[str, str]:
    """The whole text of a file and its encoding; :class:`InputError` if it is not text."""
    path = Path(path)
    data = path.read_bytes()
    try:
        text, encoding = decode_bytes(data)
    except UnicodeDecodeError as exc:
        raise InputError(path, f"not text in any supported encoding ({exc.reason} at byte {exc.start})") from None
    return text.replace("\r\n", "\n").replace("\r", "\n"), encoding


def decode_utf8(path: Path | str) -> tuple[bytes, str]:
    """The text of a file as UTF-8 bytes with ``\\n`` line ends, and the encoding it was
    written in, as :func:`decode` names it. A plain ASCII or UTF-8 file is not decoded at
    all (its bytes are the text); any other is decoded by :func:`decode` and re-encoded.

    Raises
    ------
    InputError
        When the file is not text in any supported encoding.
    """
    path = Path(path)
    data = path.read_bytes()
    plain = (
        not data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
        and not (len(data) >= 4 and data[1:2] == b"\x00" and data[3:4] == b"\x00")
        and not (len(data) >= 4 and data[0:1] == b"\x00" and data[2:3] == b"\x00")
        and b"\x00" not in data
    )
    if plain and not data.isascii():
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            plain = False
    if plain:
        encoding = "utf-8"
    else:
        text, encoding = decode(path)
        return text.encode("utf-8", "surrogatepass"), encoding
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return data, encoding


@dataclass
class ArrowCsv:
    """A CSV export read for a reader's fast lane: its first records as text cells (the
    header), the rest as an Arrow table of text columns (``f0``, ``f1``, …; empty cells
    null), and the line where every record starts."""

    encoding: str
    #: the records before the body (preamble and header rows), as lists of cells
    head: list[list[str]]
    #: start line of each head record
    head_lines: np.ndarray
    body: object  # pyarrow.Table
    #: start line of each body record
    body_lines: np.ndarray


def arrow_csv(path: Path | str, *, head: int = 1, delimiter: str = ",", quotechar: str = '"',
              min_body: int = 1, text: tuple[bytes, str] | None = None,
              keep_text: Callable[[list[list[str]]], Iterable[int]] | None = None) -> ArrowCsv | None:
    """Read a CSV export whose records all have one width, with no blank lines, for a fast
    lane: the first ``head`` records as text, the rest with Arrow's CSV reader. ``None``
    when the file is not that regular (blank lines, ragged records, fewer than
    ``min_body`` body records): the reader's general lane then reads it. With
    ``min_body=0`` a file of its head alone gives a body of no records (text columns, as
    many as the last head record has cells).

    With ``keep_text`` (given the head records, the columns that must stay text: ids,
    dates, texts), every other column whose first body cell is a plain number is read
    straight as floats (``float64``, empty cells null); a column holding anything else is
    read as text, and if a typed column later holds a non-number the whole body is read
    again as text. Without it every column is text.

    ``text`` is the file as :func:`decode_utf8` gives it, when the caller has it already.

    Raises
    ------
    InputError
        When the file is not text in any supported encoding.
    """
    data, encoding = text if text is not None else decode_utf8(path)
    lines, empty, starts = _record_bounds(data, quotechar, offsets=True)
    if len(lines) < head + min_body or empty.any():
        return None
    if len(lines) == head:  # the head alone (min_body=0): a body of no records, as wide as the last head record
        records = _head_records(data, delimiter, quotechar)
        if len(records) != head or head == 0:
            return None
        import pyarrow as pa

        table = pa.table({f"f{i}": pa.array([], pa.string()) for i in range(len(records[-1]))})
        return ArrowCsv(encoding, records, lines, table, lines[head:])
    records = _head_records(data[:starts[head]], delimiter, quotechar)
    if len(records) != head:
        return None
    body = data[starts[head]:]
    first = data[starts[head]:starts[head + 1] if len(starts) > head + 1 else len(data)]
    first = first.decode("utf-8", "surrogatepass")
    cells = next(csv.reader(io.StringIO(first), delimiter=delimiter, quotechar=quotechar), [""])
    numbers = ()
    if keep_text is not None:
        text_columns = set(keep_text(records))
        numbers = [j for j, cell in enumerate(cells) if j not in text_columns and _PLAIN_NUMBER.match(cell)]
    table = arrow_text_table(body, delimiter=delimiter, quotechar=quotechar, width=len(cells), numbers=numbers)
    if table is None and numbers:  # a typed column held a non-number: all text, then
        table = arrow_text_table(body, delimiter=delimiter, quotechar=quotechar, width=len(cells))
    if table is None or table.num_rows != len(lines) - head:
        return None
    return ArrowCsv(encoding, records, lines[:head], table, lines[head:])


def _head_records(data: bytes, delimiter: str, quotechar: str) -> list[list[str]]:
    """The CSV records of a file's head (UTF-8 bytes), each distinct head parsed once (a
    pilot's files of one format share theirs); a fresh list for every caller."""
    key = (data, delimiter, quotechar)
    records = _HEADS.get(key)
    if records is None:
        if len(_HEADS) >= 1024:
            _HEADS.clear()
        text = data.decode("utf-8", "surrogatepass")
        records = _HEADS[key] = tuple(
            tuple(r) for r in csv.reader(io.StringIO(text), delimiter=delimiter, quotechar=quotechar))
    return [list(r) for r in records]


#: the records of the heads already parsed, by (head bytes, delimiter, quote character)
_HEADS: dict[tuple, tuple] = {}


#: a cell worth reading as a float straight away
_PLAIN_NUMBER = re.compile(r"^-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$")


# --------------------------------------------------------------------------- records

def record_start_lines(text: str | bytes, quotechar: str = '"') -> np.ndarray:
    """1-based physical line where each CSV record of ``text`` starts.

    A record ends at a newline outside quotes; quoted fields may hold newlines. Blank lines
    are records of their own. Vectorised: the parity of quote characters before each newline
    decides whether it ends a record. ``text`` must use ``\\n`` line ends (see :func:`decode`);
    it may also be given as UTF-8 bytes.

    >>> record_start_lines('a,b\\n"two\\nlines",c\\n\\nd,e\\n').tolist()
    [1, 2, 4, 5]
    """
    return _record_bounds(text, quotechar)[0]


def _record_bounds(text: str | bytes, quotechar: str = '"', offsets: bool = False) -> tuple[np.ndarray, ...]:
    """Start lines of the CSV records of ``text`` and which records are empty (blank lines)
    (and, with ``offsets``, the byte where each record starts in the UTF-8 text).

    Works on the UTF-8 bytes: newlines and quotes are single bytes there, so the positions of
    the newlines that end records (an even number of quotes before them) are found with two
    ``flatnonzero`` calls and a ``searchsorted``, never a loop.
    """
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else bytes(text)
    if not data:
        found = np.array([], dtype=np.int64), np.array([], dtype=bool)
        return (*found, np.array([], dtype=np.int64)) if offsets else found
    buf = np.frombuffer(data, dtype=np.uint8)
    newlines = np.flatnonzero(buf == 10)
    quotes = np.flatnonzero(buf == ord(quotechar))
    ending = np.flatnonzero(np.searchsorted(quotes, newlines) % 2 == 0)  # indices into newlines
    ends = newlines[ending]
    # record k >= 1 starts just after the newline ending record k - 1
    lines = np.concatenate([[1], ending + 2]).astype(np.int64)
    starts_at = np.concatenate([[0], ends + 1])
    stops_at = np.concatenate([ends, [len(buf)]])
    if starts_at[-1] >= len(buf):  # text ends with a newline: no record after it
        lines, starts_at, stops_at = lines[:-1], starts_at[:-1], stops_at[:-1]
    return (lines, stops_at == starts_at, starts_at.astype(np.int64)) if offsets else (lines, stops_at == starts_at)


def read_csv_records(text: str, *, delimiter: str = ",", quotechar: str = '"') -> tuple[list[list[str]], np.ndarray]:
    """Split CSV ``text`` into records (lists of fields, blank lines as ``[]``) and their
    start lines. For small files; large exports use :func:`pandas.read_csv` with
    :func:`record_start_lines`."""
    lines = record_start_lines(text, quotechar)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, quotechar=quotechar)
    records = [row for row in reader]
    if len(records) != len(lines):
        # csv drops nothing, but a final unterminated quote can merge records: report it
        raise InputError("<text>", f"CSV structure is broken: {len(records)} records parsed, "
                         f"{len(lines)} expected (an unclosed quote?)")
    return records, lines


def fates_frame(source_file: str, rows, fate: str | Iterable[str], table: str | Iterable | None = None,
                reason: str | Iterable | None = None, pilot_id: str | None = None) -> pd.DataFrame:
    """Build ``row_fates`` rows for one file (scalars broadcast over ``rows``).

    >>> fates_frame("f.csv", [1, 2], "skipped-structure", None, ["header row", "blank line"])[["source_row", "reason"]].values.tolist()
    [[1, 'header row'], [2, 'blank line']]
    """
    rows = np.asarray(rows if isinstance(rows, np.ndarray) else list(rows), dtype=np.int64)
    n = len(rows)

    def spread(value) -> pd.Series:
        if value is None or isinstance(value, str):
            cells = np.empty(n, dtype=object)
            cells[:] = value
        else:
            cells = value.to_numpy(dtype=object, copy=True) if isinstance(value, pd.Series) else np.array(
                value if isinstance(value, np.ndarray) else list(value), dtype=object)
            if cells.shape != (n,):
                raise ValueError("fate columns must match the number of rows")
        return pd.Series(cells, dtype="object", copy=False)

    return pd.DataFrame(
        {
            "pilot_id": spread(pilot_id),
            "source_file": spread(source_file),
            "source_row": pd.array(rows, dtype="Int64"),
            "fate": spread(fate),
            "table": spread(table),
            "reason": spread(reason),
        },
        copy=False,
    )


def sorted_fates(parts: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """One file's ``row_fates`` parts (structure, data records, …) as one frame in line
    order (stable: parts given first come first on a tie).

    >>> a = fates_frame("f.csv", [1, 4], "skipped-structure")
    >>> b = fates_frame("f.csv", [2, 3], "kept", "posts")
    >>> sorted_fates([a, b])["source_row"].tolist()
    [1, 2, 3, 4]
    """
    given = list(parts)
    parts = [p for p in given if len(p)] or given[:1]
    if not parts:
        return fates_frame("", [], "kept")
    columns = list(parts[0].columns)
    rows = np.concatenate([p["source_row"].to_numpy(dtype=np.int64) for p in parts])
    order = np.argsort(rows, kind="stable")
    out = {}
    for name in columns:
        if name == "source_row":
            out[name] = pd.array(rows[order], dtype="Int64")
            continue
        cells = np.concatenate([p[name].to_numpy(dtype=object) for p in parts])
        out[name] = pd.Series(cells[order], dtype="object", copy=False)
    return pd.DataFrame(out, copy=False)


def conform(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Give ``frame`` every contract column of ``table`` (missing ones as nulls), contract
    columns first, extra columns after."""
    out = frame.copy()
    for name in schemas.columns(table):
        if name not in out.columns:
            out[name] = pd.Series([None] * len(out), index=out.index, dtype="object")
    extra = [c for c in out.columns if c not in schemas.columns(table)]
    return out[schemas.columns(table) + extra].reset_index(drop=True)


def read_csv_frame(text: str, *, skip_records: int = 0, max_records: int | None = None,
                   numbers: bool = False, text_columns: Iterable[int] = (),
                   delimiter: str = ",", quotechar: str = '"',
                   path: Path | str = "<text>") -> tuple[pd.DataFrame, np.ndarray]:
    """Every CSV record of ``text`` as a row of text cells, with the 1-based physical line
    where each record starts. For large exports (vectorised: the pandas C parser).

    No row is taken as the header and nothing is dropped: blank lines come back as rows of
    empty cells, short records are padded with ``""``. The first ``skip_records`` records
    (a ``sep=,`` line, a title) are left out and at most ``max_records`` are read; line
    numbers stay those of the whole text. ``text`` must use ``\\n`` line ends (see
    :func:`decode`).

    With ``numbers=True`` (wide tables of counts, after their header), a column whose
    cells all read as numbers comes back as floats, empty cells as NaN, converted by the
    C parser; other columns stay text (empty cells as NaN too). ``text_columns`` (by
    position) are never converted: ids such as 19-digit tweet ids must not pass through a
    float.

    >>> cells, lines = read_csv_frame('sep=,\\n"Date","Note"\\n"1/2/2024","two\\nlines"\\n\\n"1/3/2024",""', skip_records=1)
    >>> cells.values.tolist()
    [['Date', 'Note'], ['1/2/2024', 'two\\nlines'], ['', ''], ['1/3/2024', '']]
    >>> lines.tolist()
    [2, 3, 5, 6]
    >>> counts, lines = read_csv_frame('Date,Likes\\n2024-01-02,7\\n2024-01-03,', skip_records=1, numbers=True)
    >>> counts[1].tolist(), lines.tolist()
    ([7.0, nan], [2, 3])

    Raises
    ------
    InputError
        When the quoting is broken (an unclosed quote).
    """
    import pandas.errors

    if max_records is not None and not skip_records:
        # only the first records are wanted: find them in a prefix, grown until it holds them
        end = 0
        for _ in range(max_records + 1):
            end = text.find("\n", end) + 1
            if end == 0:
                break
        while end and end < len(text):
            found = record_start_lines(text[:end], quotechar)
            if len(found) > max_records:
                break
            end = text.find("\n", min(len(text), 2 * end)) + 1
        if end and end < len(text):
            text = text[:end]
    data = text.encode("utf-8", "surrogatepass")
    lines, empty, starts = _record_bounds(data, quotechar, offsets=True)
    body_data = data
    if skip_records:
        body_data = data[starts[skip_records]:] if skip_records < len(lines) else b""
        lines, empty, starts = lines[skip_records:], empty[skip_records:], starts[skip_records:]
    if max_records is not None:
        lines, empty = lines[:max_records], empty[:max_records]
    if not body_data.strip(b"\n") or len(lines) == 0:
        return pd.DataFrame(index=range(len(lines))).astype(object), lines
    if max_records is None and len(lines) > 10 and not empty[0]:
        first = data[starts[0]:starts[1]].decode("utf-8", "surrogatepass")
        fast = _arrow_cells(body_data, empty, first_record=first, numbers=numbers, text_columns=text_columns,
                            delimiter=delimiter, quotechar=quotechar)
        if fast is not None:
            return fast, lines
    body = body_data.decode("utf-8", "surrogatepass")

    def by_csv_module() -> pd.DataFrame:
        reader = csv.reader(io.StringIO(body), delimiter=delimiter, quotechar=quotechar)
        rows = [row for row, _ in zip(reader, range(len(lines)))]
        width = max((len(r) for r in rows), default=0)
        return pd.DataFrame([r + [""] * (width - len(r)) for r in rows], dtype=object)

    if max_records is not None and max_records <= 10 and not numbers:
        # a few header records (perhaps thousands of fields wide): the csv module is quicker
        return by_csv_module(), lines
    options = dict(na_filter=True, na_values=[""], keep_default_na=False,
                   dtype={int(c): object for c in text_columns} or None) if numbers else \
        dict(dtype=object, na_filter=False)
    try:
        cells = pd.read_csv(io.StringIO(body), header=None, skip_blank_lines=False, sep=delimiter,
                            quotechar=quotechar, engine="c", nrows=max_records, **options)
    except (pandas.errors.ParserError, pandas.errors.EmptyDataError):
        # the C parser takes the width from the first record: a blank first line or a
        # record wider than the first needs the csv module (text cells, slower, rare)
        cells = by_csv_module()
    if len(cells) != len(lines):
        raise InputError(path, f"CSV structure is broken: {len(cells)} records parsed, "
                         f"{len(lines)} expected (an unclosed quote?)")
    if numbers:
        texts = [c for c in cells.columns if not pd.api.types.is_numeric_dtype(cells[c].dtype)
                 or pd.api.types.is_bool_dtype(cells[c].dtype)]
        if texts:
            cells = cells.astype({c: object for c in texts})
        whole = [c for c in cells.columns if c not in texts and cells[c].dtype != np.float64]
        return (cells.astype({c: float for c in whole}) if whole else cells), lines
    return cells, lines


def _arrow_cells(body: bytes, empty: np.ndarray, *, first_record: str, numbers: bool,
                 text_columns: Iterable[int], delimiter: str, quotechar: str) -> pd.DataFrame | None:
    """The cells of ``body`` parsed by Arrow's CSV reader, as :func:`read_csv_frame` gives
    them; ``None`` when the records are not all of one width (the pandas parser pads short
    records and the csv module takes wider ones: the caller falls back to them).

    Every cell is read as text (no type guessing), blank lines are put back where the byte
    scan found them, and with ``numbers`` each column not in ``text_columns`` whose
    non-empty cells all cast to floats (``NaN`` not spelled out) becomes a float column, the
    way the pandas C parser would have typed it.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    table = arrow_text_table(body, delimiter=delimiter, quotechar=quotechar, first_record=first_record)
    full = ~empty
    if table is None or table.num_rows != int(full.sum()):
        return None
    n = len(empty)
    keep_text = {int(c) for c in text_columns}
    columns = {}
    for j, column in enumerate(table.itercolumns()):
        column = column.combine_chunks()
        if numbers and j not in keep_text and _may_be_numbers(column):
            try:
                values = pc.cast(column, pa.float64())
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                values = None
            if values is not None and not pc.any(pc.is_nan(values)).as_py():
                floats = values.to_numpy(zero_copy_only=False)
                if len(floats) != n:
                    floats, cells = np.full(n, np.nan), floats
                    floats[full] = cells
                columns[j] = floats
                continue
        texts = text_cells(column, missing=np.nan if numbers else "")
        if len(texts) != n:
            cells = np.empty(n, dtype=object)
            cells[:] = np.nan if numbers else ""
            cells[full] = texts
            texts = cells
        columns[j] = texts
    # one block per kind (text cells stay Python objects), then the file's column order
    floats = [j for j, v in columns.items() if v.dtype != object]
    texts = [j for j, v in columns.items() if v.dtype == object]
    blocks = []
    if texts:
        blocks.append(pd.DataFrame(np.column_stack([columns[j] for j in texts]), columns=texts, dtype=object))
    if floats:
        blocks.append(pd.DataFrame(np.column_stack([columns[j] for j in floats]), columns=floats, dtype=float))
    frame = blocks[0] if len(blocks) == 1 else pd.concat(blocks, axis=1)
    return frame[list(columns)] if floats and texts else frame


def arrow_text_table(data: bytes, *, delimiter: str = ",", quotechar: str = '"', first_record: str | None = None,
                     numbers: Iterable[int] = (), width: int | None = None):
    """Every non-empty CSV record of the UTF-8 ``data`` as a row of an Arrow table of text
    columns (``f0``, ``f1``, …; empty cells null), or ``None`` when the records are not all
    as wide as the first (Arrow's reader wants one width; the callers then use the pandas
    or csv-module readers, which pad or widen) or a ``numbers`` column (read as floats)
    holds something else. Blank lines are left out. ``width`` is the number of cells of
    the first record, when the caller has counted them (else ``first_record``, or the
    start of ``data``, is parsed for it).

    >>> arrow_text_table(b'a,b\\n"1,5",\\n\\nc,d\\n').to_pydict()
    {'f0': ['a', '1,5', 'c'], 'f1': ['b', None, 'd']}
    >>> arrow_text_table(b'a,b\\nc\\n') is None
    True
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    if width is None:
        if first_record is None:
            first_record = data[:65536].decode("utf-8", "replace")
        # the first record's width names the columns to read as text (a wider record
        # later makes Arrow fail, and the caller falls back)
        width = len(next(csv.reader(io.StringIO(first_record), delimiter=delimiter, quotechar=quotechar), [""]))
    parse, convert, types = _arrow_options(delimiter, quotechar, width, tuple(sorted(set(numbers))))
    try:
        table = pacsv.read_csv(
            pa.BufferReader(pa.py_buffer(data)),  # read in C: no Python file object
            read_options=pacsv.ReadOptions(autogenerate_column_names=True,
                                           use_threads=len(data) > (8 << 20),
                                           block_size=max(1 << 20, min(len(data) + 1, 64 << 20))),
            parse_options=parse,
            convert_options=convert,
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    if table.schema.types != types[:table.num_columns]:
        return None
    return table


@functools.lru_cache(maxsize=256)
def _arrow_options(delimiter: str, quotechar: str, width: int, floats: tuple[int, ...]):
    """Arrow's parse and convert options for :func:`arrow_text_table`, and the column
    types it expects, made once per kind of file."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    types = [pa.float64() if i in floats else pa.string() for i in range(width + 1)]
    parse = pacsv.ParseOptions(delimiter=delimiter, quote_char=quotechar, newlines_in_values=True,
                               ignore_empty_lines=True)
    convert = pacsv.ConvertOptions(column_types={f"f{i}": t for i, t in enumerate(types)}, null_values=[""],
                                   strings_can_be_null=True, quoted_strings_can_be_null=True)
    return parse, convert, types


def text_cells(column, missing=None) -> np.ndarray:
    """An Arrow text column as an object array of Python strings, nulls as ``missing``.
    A column holding one value in every row (``-``) makes that string once.

    >>> import pyarrow as pa
    >>> text_cells(pa.array(["-", None, "-"]), missing="").tolist()
    ['-', '', '-']
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    n = len(column)
    if n > 64 and column.null_count == 0:
        bounds = pc.min_max(column)
        if bounds["min"] == bounds["max"]:  # one value in every row
            cells = np.empty(n, dtype=object)
            cells[:] = bounds["min"].as_py()
            return cells
    cells = column.to_numpy(zero_copy_only=False)
    if column.null_count:
        cells[column.is_null().to_numpy(zero_copy_only=False)] = missing
    return cells


def _may_be_numbers(column) -> bool:
    """Whether a text column is worth casting to floats: its first non-empty cell reads as a
    number (a column of ``-`` or of names is not; the cast, not this, decides)."""
    import pyarrow.compute as pc

    first = column[0].as_py() if len(column) else None
    if first is None:
        filled = column.drop_null()
        if len(filled) == 0:
            return True
        first = filled[0].as_py()
    try:
        float(first)
    except ValueError:
        return False
    return True
