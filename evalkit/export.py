"""Spreadsheets that cannot be turned into formulas: safe CSV and XLSX exports.

Text from input files (names, comments, question wordings) ends up in the tables evalkit
exports. A spreadsheet program reads a cell that starts with ``=``, ``+``, ``-`` or ``@``
as a formula, which can fetch web addresses or run commands on the reader's computer ("CSV
injection" or "formula injection"). Following the OWASP guidance
(https://owasp.org/www-community/attacks/CSV_Injection: no cell may begin with ``=``,
``+``, ``-``, ``@``, tab or carriage return; prefix such cells with a single quote) and
OWASP ASVS 5.0 requirement 1.2.10 (which adds the null character), :func:`safe_cell`
prefixes such text with ``'``. We also treat a leading line feed and the full-width forms
``＝ ＋ － ＠`` (which some spreadsheet locales read as their ASCII twins) the same way.

Numbers stay numbers: ``-3`` (the number) is written as a number, and text that is nothing
but a plain number (``"-0.5"``, ``"+3"``, ``"-12%"``) is left as it is, because a
spreadsheet can only read it as that number, never as a formula.

:func:`write_csv` writes UTF-8 with a byte-order mark (so that spreadsheet programs read
accents correctly) and RFC 4180 quoting with CRLF line ends. :func:`write_xlsx` writes
values as values — never formulas — with a bold header row, column widths, an optional first
"About" sheet, and document properties that name evalkit, not a person.

>>> safe_cell("=HYPERLINK(\\"http://example.org\\")")
'\\'=HYPERLINK("http://example.org")'
>>> safe_cell(-3), safe_cell("-3"), safe_cell("- a dash"), safe_cell(None)
(-3, '-3', "'- a dash", None)
"""

from __future__ import annotations

import datetime as dt
import decimal
import io
import math
import re
import zipfile
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd

__all__ = ["DANGEROUS_STARTS", "safe_cell", "safe_frame", "write_csv", "write_xlsx"]

#: first characters that make a spreadsheet cell a formula (or can lead to one)
DANGEROUS_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\x00", "＝", "＋", "－", "＠")

_DANGEROUS = re.compile("^[" + re.escape("".join(DANGEROUS_STARTS)) + "]")
#: text that is only a plain number (a spreadsheet reads it as that number, not a formula)
_PLAIN_NUMBER = re.compile(r"^[+-]?(?:[0-9]+(?:,[0-9]{3})*(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?%?$")
#: characters an XLSX file cannot hold (XML 1.0 forbids them)
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_MAX_CELL = 32767          # Excel's limit on the characters in one cell
_MAX_WIDTH = 60
_MIN_WIDTH = 8


def _needs_quote(text: str) -> bool:
    return bool(_DANGEROUS.match(text)) and not _PLAIN_NUMBER.match(text)


def safe_cell(value):
    """A value that no spreadsheet will read as a formula.

    Text starting with ``=``, ``+``, ``-``, ``@``, tab, carriage return, line feed, a null
    character or a full-width ``＝ ＋ － ＠`` gets a leading single quote ``'``, unless it is a
    plain number written as text (``"-0.5"``). Everything else — numbers (negative ones
    too), dates, booleans, ``None`` — is returned unchanged.

    Examples
    --------
    >>> [safe_cell(v) for v in ["+44 7700 900123", "@CllrJaneSmith", "\\tx", "[c]", 12, -0.5]]
    ["'+44 7700 900123", "'@CllrJaneSmith", "'\\tx", '[c]', 12, -0.5]
    """
    if isinstance(value, str) and _needs_quote(value):
        return "'" + value
    return value


def _safe_column(column: pd.Series) -> pd.Series:
    """One column with dangerous text prefixed (vectorised with pandas string methods)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        column = column.astype("object")
    if not (pd.api.types.is_object_dtype(column) or pd.api.types.is_string_dtype(column)):
        return column
    try:
        text = column.str
    except AttributeError:  # an object column holding no text at all
        return column
    dangerous = text.match(_DANGEROUS, na=False) & ~text.match(_PLAIN_NUMBER, na=False)
    dangerous = dangerous.fillna(False).astype(bool)
    if not dangerous.any():
        return column
    out = column.astype("object").where(column.notna(), None)
    out[dangerous] = "'" + column[dangerous].astype(str)
    return out


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` in which no text cell and no column name can start a formula.

    Text columns are neutralised with :func:`safe_cell`'s rule, vectorised; numeric, date
    and boolean columns are left as they are. The input is not changed.

    Examples
    --------
    >>> frame = pd.DataFrame({"comment": ["=1+1", "fine", None, "-0.5"], "change": [-1, 2, 3, 4]})
    >>> safe_frame(frame)
      comment  change
    0   '=1+1      -1
    1    fine       2
    2    None       3
    3    -0.5       4
    """
    out = frame.copy()
    for name in out.columns:  # a loop over columns
        out[name] = _safe_column(out[name])
    out.columns = [safe_cell(_flat_name(c)) for c in out.columns]
    return out


def _flat_name(name) -> str | object:
    if isinstance(name, tuple):
        return " / ".join(str(p) for p in name if str(p) != "")
    return name if isinstance(name, str) else str(name)


def _with_index(frame: pd.DataFrame) -> pd.DataFrame:
    """The index becomes columns when it carries labels (not a plain 0, 1, 2, … range)."""
    if isinstance(frame.index, pd.RangeIndex) and frame.index.name is None:
        return frame
    if isinstance(frame.columns, pd.MultiIndex):
        frame = frame.copy()
        frame.columns = [_flat_name(c) for c in frame.columns]
    return frame.reset_index()


def write_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` as a CSV file that spreadsheet programs open safely.

    Cells and column names go through :func:`safe_frame`; a labelled index becomes the first
    column(s). UTF-8 with a byte-order mark, RFC 4180 quoting (fields holding commas, quotes
    or line breaks are quoted), CRLF line ends, missing values empty.

    Returns
    -------
    pathlib.Path
        The file written.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> path = write_csv(pd.DataFrame({"who": ["@handle", "Ann, Lee"], "n": [-2, 5]}), folder / "t.csv")
    >>> path.read_bytes()
    b'\\xef\\xbb\\xbfwho,n\\r\\n\\'@handle,-2\\r\\n"Ann, Lee",5\\r\\n'
    """
    path = Path(path)
    safe = safe_frame(_with_index(frame))
    safe.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\r\n")
    return path


# --------------------------------------------------------------------------- XLSX

def _utc_naive(when) -> dt.datetime:
    if isinstance(when, pd.Timestamp):
        when = when.to_pydatetime()
    if isinstance(when, dt.datetime):
        if when.tzinfo is not None:
            when = when.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return when.replace(microsecond=0)
    if isinstance(when, dt.date):
        return dt.datetime(when.year, when.month, when.day)
    raise TypeError(f"when must be a date or datetime, not {type(when).__name__}")


def _xlsx_value(value):
    """A value openpyxl can write as a value (never a formula)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if math.isinf(value):
            return safe_cell("inf" if value > 0 else "-inf")
        return value
    if isinstance(value, (int, decimal.Decimal)):
        return value
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:  # spreadsheets have no time zones: keep the offset as text
            return value.isoformat()
        return value
    if isinstance(value, (dt.date, dt.time)):
        return value
    if isinstance(value, (pd.Timedelta, dt.timedelta)):
        return str(value)
    text = value if isinstance(value, str) else str(value)
    text = _ILLEGAL_XML.sub("", text)
    if len(text) > _MAX_CELL:
        text = text[:_MAX_CELL - 1] + "…"
    return safe_cell(text)


_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")


def _sheet_names(names, reserved: set[str]) -> list[str]:
    """Sheet names Excel accepts: no ``[]:*?/\\``, at most 31 characters, unique."""
    taken = {r.lower() for r in reserved}
    out = []
    for name in names:  # a loop over sheets
        base = _SHEET_NAME_BAD.sub(" ", str(name)).strip().strip("'") or "Sheet"
        base = base[:31]
        candidate, k = base, 2
        while candidate.lower() in taken:
            suffix = f" ({k})"
            candidate = base[:31 - len(suffix)] + suffix
            k += 1
        taken.add(candidate.lower())
        out.append(candidate)
    return out


def _column_widths(frame: pd.DataFrame) -> list[float]:
    widths = []
    for name in frame.columns:  # a loop over columns
        text = frame[name].astype("object").where(frame[name].notna(), "").astype(str)
        longest = int(text.str.split("\n").map(lambda parts: max((len(p) for p in parts), default=0)).max()) \
            if len(text) else 0
        widths.append(float(min(max(longest, len(str(name)), _MIN_WIDTH - 2) + 2, _MAX_WIDTH)))
    return widths


def _fill_sheet(sheet, frame: pd.DataFrame) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    for j, name in enumerate(frame.columns, start=1):
        cell = sheet.cell(row=1, column=j, value=_xlsx_value(name))
        cell.font = bold
        if isinstance(cell.value, str):
            cell.data_type = "s"
    columns = [frame[name].astype("object").to_numpy() for name in frame.columns]
    for i in range(len(frame)):  # openpyxl writes cell by cell
        for j, column in enumerate(columns, start=1):
            value = _xlsx_value(column[i])
            cell = sheet.cell(row=i + 2, column=j, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # text, never a formula
            elif isinstance(value, dt.datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(value, dt.date):
                cell.number_format = "yyyy-mm-dd"
    for j, width in enumerate(_column_widths(frame), start=1):
        sheet.column_dimensions[get_column_letter(j)].width = width
    sheet.freeze_panes = "A2"


def _about_sheet(sheet, title: str | None, note: str | None, sheet_names: list[str]) -> None:
    from openpyxl.styles import Alignment, Font

    from . import __version__

    rows: list[tuple[str | None, Font | None]] = []
    if title:
        rows.append((title, Font(bold=True, size=14)))
    if note:
        rows.append((None, None))
        rows.extend((line, None) for line in str(note).splitlines())
    rows.append((None, None))
    rows.append(("Sheets in this workbook", Font(bold=True)))
    rows.extend((name, None) for name in sheet_names)
    rows.append((None, None))
    rows.append((f"Made with evalkit {__version__}.", None))
    for i, (text, font) in enumerate(rows, start=1):
        if text is None:
            continue
        cell = sheet.cell(row=i, column=1, value=_xlsx_value(text))
        cell.data_type = "s"
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if font is not None:
            cell.font = font
    sheet.column_dimensions["A"].width = 100


def _repack(data: bytes, when: dt.datetime) -> bytes:
    """The same workbook with every zip entry stamped ``when`` (byte-for-byte reproducible)."""
    stamp = (max(when.year, 1980),) + when.timetuple()[1:6]
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():  # a loop over the workbook's parts
            info = zipfile.ZipInfo(item.filename, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            target.writestr(info, source.read(item.filename))
    return out.getvalue()


def write_xlsx(
    sheets: Mapping[str, pd.DataFrame],
    path: str | Path,
    *,
    title: str | None = None,
    note: str | None = None,
    when: dt.datetime | dt.date | pd.Timestamp | None = None,
) -> Path:
    """Write tables to an Excel workbook in which no cell is a formula.

    Parameters
    ----------
    sheets : mapping of str to pandas.DataFrame
        Sheet name → table, in order. Names are made acceptable to Excel (no ``[]:*?/\\``,
        at most 31 characters, unique). A labelled index becomes the first column(s).
    path : str or Path
        The ``.xlsx`` file to write.
    title, note : str, optional
        When either is given, a first sheet "About" holds the title (bold), the note, the
        list of sheets and the evalkit version. The title is also the workbook's title.
    when : datetime or date, optional
        The created/modified time in the document properties (UTC; a naive time is taken as
        UTC) and the time stamp of every part of the file, so that the same tables written
        with the same ``when`` give the same bytes. Without it the current time is used.

    Every cell holds a value: text through :func:`safe_cell` and marked as text (never a
    formula), numbers as numbers, dates as dates (a time-zone-aware time, which Excel cannot
    hold, as ISO text), missing values empty. Characters XML cannot carry are dropped and
    text longer than Excel's 32,767 characters is cut. The header row is bold and frozen,
    columns are as wide as their contents (up to 60). The document's creator and last editor
    are "evalkit": no person's name is stored.

    Returns
    -------
    pathlib.Path
        The file written.

    Examples
    --------
    >>> import tempfile, datetime as dt
    >>> from openpyxl import load_workbook
    >>> path = Path(tempfile.mkdtemp()) / "results.xlsx"
    >>> _ = write_xlsx({"Turnout": pd.DataFrame({"session": ["=w1"], "k": [12]})}, path,
    ...                title="Suffolk pilot: results", when=dt.datetime(2024, 11, 30, 12, 0))
    >>> book = load_workbook(path)
    >>> book.sheetnames, book["Turnout"]["A2"].value, book["Turnout"]["A2"].data_type
    (['About', 'Turnout'], "'=w1", 's')
    >>> book.properties.creator, book.properties.lastModifiedBy, book.properties.modified
    ('evalkit', 'evalkit', datetime.datetime(2024, 11, 30, 12, 0))
    """
    from openpyxl import Workbook
    from openpyxl.writer.excel import ExcelWriter

    path = Path(path)
    frames = {name: _with_index(frame) for name, frame in sheets.items()}
    about = title is not None or note is not None
    if not frames and not about:
        raise ValueError("write_xlsx needs at least one sheet, or a title or note for the About sheet")
    names = _sheet_names(frames.keys(), {"About"} if about else set())

    book = Workbook()
    first = book.active
    if about:
        first.title = "About"
        _about_sheet(first, title, note, names)
    else:
        book.remove(first)
    for name, frame in zip(names, frames.values()):  # a loop over sheets
        _fill_sheet(book.create_sheet(title=name), frame)

    props = book.properties
    props.creator = "evalkit"
    props.lastModifiedBy = "evalkit"
    props.title = _ILLEGAL_XML.sub("", title) if title else None
    stamp = _utc_naive(when) if when is not None else \
        dt.datetime.now(dt.timezone.utc).replace(tzinfo=None, microsecond=0)
    props.created = stamp
    props.modified = stamp

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(book, archive).save()  # unlike Workbook.save, keeps the modified time given
    data = buffer.getvalue()
    if when is not None:
        data = _repack(data, stamp)
    path.write_bytes(data)
    return path
