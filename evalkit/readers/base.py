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
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import numpy as np
import pandas as pd

from .. import schemas

__all__ = [
    "Context",
    "InputError",
    "Reading",
    "Sniff",
    "UnsupportedFormat",
    "decode",
    "fates_frame",
    "read_csv_records",
    "record_start_lines",
    "sniff",
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

    @property
    def lines(self) -> list[str]:
        return self.text.splitlines()

    @property
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
        return {
            sheet.title: [tuple(r) for r in sheet.iter_rows(max_row=rows, values_only=True)]
            for sheet in book.worksheets
        }
    finally:
        book.close()


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


# --------------------------------------------------------------------------- records

def record_start_lines(text: str, quotechar: str = '"') -> np.ndarray:
    """1-based physical line where each CSV record of ``text`` starts.

    A record ends at a newline outside quotes; quoted fields may hold newlines. Blank lines
    are records of their own. Vectorised: the parity of quote characters before each newline
    decides whether it ends a record. ``text`` must use ``\\n`` line ends (see :func:`decode`).
    """
    if not text:
        return np.array([], dtype=np.int64)
    buf = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    newline = buf == ord("\n")
    quotes = np.cumsum(buf == ord(quotechar))
    ends = np.flatnonzero(newline & (quotes % 2 == 0))
    line_of = np.cumsum(newline)  # physical line index (0-based) after each char
    starts_at_char = np.concatenate([[0], ends + 1])
    if starts_at_char[-1] >= len(buf):  # text ends with a newline: no record after it
        starts_at_char = starts_at_char[:-1]
    # line number of the character at each record start = newlines before it + 1
    before = np.where(starts_at_char > 0, line_of[np.maximum(starts_at_char - 1, 0)], 0)
    return before.astype(np.int64) + 1


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
    """Build ``row_fates`` rows for one file (scalars broadcast over ``rows``)."""
    rows = np.asarray(list(rows) if not isinstance(rows, np.ndarray) else rows, dtype=np.int64)
    n = len(rows)

    def spread(value):
        if value is None or isinstance(value, str):
            return [value] * n
        values = list(value)
        if len(values) != n:
            raise ValueError("fate columns must match the number of rows")
        return values

    return pd.DataFrame(
        {
            "pilot_id": pd.Series([pilot_id] * n, dtype="object"),
            "source_file": pd.Series([source_file] * n, dtype="object"),
            "source_row": pd.array(rows, dtype="Int64"),
            "fate": pd.Series(spread(fate), dtype="object"),
            "table": pd.Series(spread(table), dtype="object"),
            "reason": pd.Series(spread(reason), dtype="object"),
        }
    )


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
    lines = record_start_lines(text, quotechar)
    body = text
    if skip_records:
        if skip_records < len(lines):
            offset = 0
            for _ in range(int(lines[skip_records] - 1)):
                offset = text.find("\n", offset) + 1
            body = text[offset:]
        else:
            body = ""
        lines = lines[skip_records:]
    if max_records is not None:
        lines = lines[:max_records]
    if not body.strip("\n") or len(lines) == 0:
        return pd.DataFrame(index=range(len(lines))).astype(object), lines

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
