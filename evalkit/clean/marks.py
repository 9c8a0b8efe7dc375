"""Typed-up tables: register marks, and finding the table on a sheet typed up from paper.

Sign-in sheets and evaluation sheets typed up from paper share a shape: a title row or two
above the header, the table, sometimes a blank line inside it, and notes below it
("Apologies received from ...", "Typed up by ..."). The helpers here find the header, say
what every row is (title, header, data, blank, section header, notes), read the marks a
typist used for "was here" and "sent apologies", and match a column header or sheet name
to one of the programme's sessions.

>>> import pandas as pd
>>> normalise_marks(pd.Series(["✓", "Y", "apols", "", "late?"])).tolist()
['present', 'present', 'apologies', 'absent', 'unknown']
>>> grid = text_grid([["Awareness session 13 Oct 2010", ""], ["Name", "Signed"],
...                   ["Cllr A. Khan (Lab)", "✓"], ["", ""], ["Typed up by JB", ""]])
>>> find_header(grid, lambda cells: "Name" in cells)
1
>>> locate_table(grid, 1, key_column=0).roles.tolist()
['title', 'header', 'data', 'blank', 'note']
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from typing import Callable, Iterable, Sequence

import numpy as np
import pandas as pd

from ..scales import key

__all__ = [
    "MARK_STATUSES",
    "TypedTable",
    "cell_text",
    "dates_in",
    "find_header",
    "fold",
    "is_note",
    "locate_table",
    "mark_text",
    "cells_text",
    "map_distinct",
    "mark_status",
    "match_session",
    "normalise_marks",
    "text_grid",
    "as_object_text",
    "typed_csv_records",
    "typed_grids",
    "guess_delimiter",
]

#: what a register mark can mean; ``unknown`` marks are quarantined by the reader
MARK_STATUSES = ("present", "apologies", "absent", "unknown")

_PRESENT = {
    "✓", "✔", "✔️", "☑", "☑️", "√", "✅", "y", "yes", "x", "1", "present", "p", "attended",
    "tick", "ticked", "signed", "here", "true", "late", "arrived late", "left early",
    "yes - late", "present - late", "in person", "online", "remote", "virtual",
    "ü",  # a tick typed in the Wingdings font
}
#: an arrival time written in the mark's place ("10:05", "9.58am")
_TIME_MARK = re.compile(r"^\d{1,2}[:.]\d{2}\s*(?:[ap]\.?m\.?)?$")
_APOLOGIES = {
    "a", "apols", "apol", "apologies", "apology", "aps", "apols rec'd", "apols recd",
    "apologies received", "apologies sent", "sent apologies", "sent apols", "apologised",
    "apologized",
}
_ABSENT = {
    "", "-", "–", "—", "n", "no", "0", "absent", "abs", "did not attend", "dna", "not present",
    "false",
}


# --------------------------------------------------------------------------- cells

def cell_text(value: object) -> str:
    """A spreadsheet or CSV cell as trimmed text: blanks as ``""``, whole numbers without
    ``.0``, dates as ``YYYY-MM-DD``, booleans as ``true``/``false``.

    >>> [cell_text(v) for v in [None, 1.0, " Y ", True, dt.datetime(2022, 10, 12)]]
    ['', '1', 'Y', 'true', '2022-10-12']
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if np.isnan(value):
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def text_grid(rows: Sequence[Sequence[object]], source_rows: Iterable[int] | None = None) -> pd.DataFrame:
    """Cells of a typed-up sheet as a frame of trimmed text (``""`` for blank).

    Rows are padded to the widest row; the index is the 1-based source row (physical line
    of a CSV, or sheet row of a workbook), counting from 1 when ``source_rows`` is not given.
    """
    width = max((len(r) for r in rows), default=0)
    cells = np.empty((len(rows), width), dtype=object)
    for position, row in enumerate(rows):  # rows come as Python lists: each placed once
        cells[position, :len(row)] = row
    if width and len(rows):
        cells = cells_text(cells.ravel()).reshape(cells.shape)
    index = list(source_rows) if source_rows is not None else list(range(1, len(rows) + 1))
    return pd.DataFrame(cells, columns=range(width), dtype="object", copy=False,
                        index=pd.Index(index, dtype="int64", name="source_row"))


def cells_text(values: np.ndarray) -> np.ndarray:
    """:func:`cell_text` of every cell of a 1-D object array, as an object array: text
    cells trimmed once per distinct text, other cells once per distinct value of each type
    (``1``, ``1.0`` and ``True`` read differently, so they are never taken for one value).

    >>> cells_text(np.array([" Y", 1, True, None, 1.0, " Y", float("nan")], dtype=object)).tolist()
    ['Y', '1', 'true', '', '1', 'Y', '']
    """
    values = np.asarray(values, dtype=object)
    out = np.empty(len(values), dtype=object)
    if not len(values):
        return out
    kinds, types = pd.factorize(np.frompyfunc(type, 1, 1)(values))
    for code, kind in enumerate(types):
        at = np.flatnonzero(kinds == code)
        if kind is type(None):
            out[at] = ""
            continue
        codes, distinct = pd.factorize(values[at], use_na_sentinel=True)
        text = np.empty(len(distinct) + 1, dtype=object)
        text[:-1] = [cell_text(value) for value in distinct]
        missing = values[at][codes == -1]  # NaN and the like: each turned into text itself
        text[-1] = cell_text(missing[0]) if len(missing) else ""
        if len(missing) and any(cell_text(value) != text[-1] for value in missing[1:]):
            out[at] = [cell_text(value) for value in values[at]]
            continue
        out[at] = text[codes]
    return out


def guess_delimiter(text: str) -> str:
    """The delimiter of a typed-up CSV: comma, semicolon or tab, whichever its first lines
    use most (comma when none).

    >>> guess_delimiter("Name;Workshop 1;Workshop 2\\nCllr A;Y;\\n")
    ';'
    """
    head = "\n".join(text.split("\n")[:15])
    counts = {d: head.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def typed_csv_records(text: str, delimiter: str = ",", *, path=None) -> tuple[list[list[str]], np.ndarray]:
    """Split a small typed-up CSV into records and the 1-based line where each starts.

    Unlike a quote-counting splitter, this follows the CSV reader itself, so a stray quote
    inside an unquoted field (``the 6" screen``) stays text and does not swallow the next
    lines. Blank lines are records of their own (``[]``). ``text`` must use ``\\n`` line ends.

    Raises
    ------
    InputError
        When a quoted field is never closed, naming the line where it starts.

    >>> records, lines = typed_csv_records('Name,Comment\\nA,"two\\nlines"\\n\\nB,the 6" screen\\n')
    >>> lines.tolist(), records[3]
    ([1, 2, 4, 5], ['B', 'the 6" screen'])
    """
    from ..readers.base import InputError

    reader = csv.reader(io.StringIO(text), delimiter=delimiter, strict=True)
    records: list[list[str]] = []
    starts: list[int] = []
    consumed = 0
    try:
        for record in reader:
            starts.append(consumed + 1)
            records.append(record)
            consumed = reader.line_num
    except csv.Error as exc:
        raise InputError(path or "<text>", f"the CSV cannot be split into rows ({exc}); a quote "
                         "that opens a field is never closed", row=consumed + 1) from None
    return records, np.asarray(starts, dtype=np.int64)


# --------------------------------------------------------------------------- marks

def mark_text(values: pd.Series) -> pd.Series:
    """Cells as trimmed text (see :func:`cell_text`): text is trimmed in one step; cells of
    other types (numbers, booleans, dates from a workbook) are turned into text one by one.

    >>> mark_text(pd.Series([" Y", 1, True, None, 1.0])).tolist()
    ['Y', '1', 'true', '', '1']
    """
    values = pd.Series(values, dtype="object")
    return pd.Series(cells_text(values.to_numpy(dtype=object)), index=values.index, dtype="object",
                     name=values.name, copy=False)


def _fold_mark(text: str) -> str:
    folded = key(text).strip(" ()[]")
    return re.sub(r"\s*[.]+$", "", folded)


def _mark_status(text: str, signature: bool) -> str:
    folded = _fold_mark(text)
    if folded in _ABSENT:
        return "absent"
    if folded in _PRESENT:
        return "present"
    if folded in _APOLOGIES or folded.startswith(("apologies ", "apols ")):
        return "apologies"
    if set(folded) <= set("✓✔√☑✅️ "):  # a tick typed twice
        return "present"
    if _TIME_MARK.match(folded):
        return "present"
    if signature and "?" not in folded and not folded.startswith(("not ", "no ")):
        return "present"
    return "unknown"


def mark_status(value: object, *, signature: bool = False) -> str:
    """What one register mark means (see :func:`normalise_marks`).

    >>> mark_status("apols"), mark_status(1), mark_status("J. Smith", signature=True)
    ('apologies', 'present', 'present')
    """
    return _mark_status(cell_text(value), signature)


def normalise_marks(values: pd.Series, *, signature: bool = False) -> pd.Series:
    """What each register mark means: ``present``, ``apologies``, ``absent`` or ``unknown``.

    Ticks (``✓``, ``Y``, ``x``, ``yes``, ``1``, ``Present``, Wingdings' ``ü``) and an
    arrival time (``10:05``) mean present; ``apols``, ``Apologies``, ``A`` mean apologies;
    a blank (or ``-``, ``no``, ``0``) means absent.
    In a signature column (``signature=True``) any other writing is a signature, so
    present, unless it asks a question (``?``). Anything else is ``unknown``: the reader
    quarantines it with its text. Each distinct value is looked at once.

    Parameters
    ----------
    values
        Cells as read (text, numbers, booleans or missing).
    signature
        The column is a Signature/Signed column rather than a tick column.

    >>> normalise_marks(pd.Series([1, "Apologies", None, "?"])).tolist()
    ['present', 'apologies', 'absent', 'unknown']
    >>> normalise_marks(pd.Series(["J. Smith", "late?"]), signature=True).tolist()
    ['present', 'unknown']
    """
    text = mark_text(values)
    statuses = {v: _mark_status(v, signature) for v in pd.unique(text)}
    return text.map(statuses).astype("object")


# --------------------------------------------------------------------------- tables

_NOTE_STARTS = (
    "apolog", "apols ", "apols:", "typed", "note", "nb ", "nb:", "n.b", "key:", "key -", "total",
    "source:", "also present", "also attending", "also in attendance", "in attendance",
    "signed in", "sheet ", "page ", "printed", "updated", "checked by", "please ", "number of",
    "numbers:", "present:", "absent:", "attendance:", "count:", "copied", "entered by",
)


def is_note(text: str, *, long_words: int | None = 9) -> bool:
    """True when a lone cell reads as a note under (or inside) a typed-up table rather than
    a name or an answer: "Apologies received from ...", "Typed up by ...", "Total", a
    remark in brackets, anything with a colon, or (with ``long_words``) a long sentence.

    >>> [is_note(t) for t in ["Typed up by J. Bloggs", "Cllr Apollonia Reid (Con)", "Total: 17"]]
    [True, False, True]
    """
    folded = key(text)
    if not folded:
        return False
    if folded.startswith(_NOTE_STARTS) or folded[0] in "*([#":
        return True
    if ":" in folded:
        return True
    return long_words is not None and len(folded.split()) >= long_words


@dataclass
class TypedTable:
    """Where the table of a typed-up sheet is.

    Attributes
    ----------
    header_at
        Position (0-based, in the grid) of the header row.
    roles
        One role per grid row (index = source row): ``title``, ``header``,
        ``second-header``, ``data``, ``blank``, ``section`` or ``note``.
    header
        The header texts, one per grid column; a second header row's texts are joined on.
    titles, notes
        Text of the title rows above the header and of the notes below the table.
    sections
        For each data row, the section header above it (``"Officers"``), else ``None``.
    """

    header_at: int
    roles: pd.Series
    header: list[str]
    top_header: list[str]
    second_header: list[str] | None = None
    titles: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    sections: pd.Series | None = None

    @property
    def data(self) -> pd.Index:
        """Source rows of the data rows."""
        return self.roles.index[self.roles == "data"]


def find_header(grid: pd.DataFrame, accept: Callable[[list[str]], bool], within: int = 25) -> int | None:
    """Position of the first row (among the first ``within``) whose cells ``accept`` takes
    for the table's header; ``None`` when there is none."""
    for position in range(min(within, len(grid))):
        cells = grid.iloc[position].tolist()
        if sum(1 for c in cells if c) >= 2 and accept(cells):
            return position
    return None


#: lone cells that head a block of rows inside a register (a section header, not a person)
SECTION_WORDS = {
    "councillors", "members", "elected members", "officers", "staff", "guests", "visitors",
    "others", "observers", "council officers", "officers and guests", "guests and officers",
    "members of the public", "external", "external guests", "speakers", "facilitators",
}


def _first_text(grid: pd.DataFrame) -> pd.Series:
    """The first non-blank cell of each row (``""`` for a blank row)."""
    if grid.shape[1] == 0:
        return pd.Series([""] * len(grid), index=grid.index, dtype="object")
    first = grid.where(grid.ne(""), None).bfill(axis=1).iloc[:, 0]
    return first.fillna("").astype("object")


def locate_table(grid: pd.DataFrame, header_at: int, *, key_column: int | None = None,
                 second_header: Callable[[list[str]], bool] | None = None,
                 sections: bool = True, long_notes: bool = True,
                 note_column: int | None = None) -> TypedTable:
    """Say what every row of a typed-up sheet is, given the header position.

    Rows above the header are ``title`` (or ``blank``). Below it: a ``second-header`` row
    straight under the header when ``second_header`` accepts its cells; ``blank`` rows;
    ``section`` rows (a lone cell such as "Officers" in the key column, when ``sections``);
    ``note`` rows — a lone note-like cell (see :func:`is_note`), anywhere in the key column
    and always in the footer: the notes at the bottom, read upwards until the first row that
    is not a note or blank. Everything else is ``data``.

    Parameters
    ----------
    grid
        Text cells from :func:`text_grid`.
    header_at
        Position of the header row (from :func:`find_header`).
    key_column
        Column of the name (registers); lone note-like cells there are notes anywhere.
    second_header
        Test for a second header row directly under the header.
    sections
        Recognise section header rows (registers).
    long_notes
        A long sentence alone in a row counts as a note.
    note_column
        Only a lone cell in this column can be a note (typed-up answers: a lone comment in
        another column is a sheet with one answer, never a note).
    """
    n = len(grid)
    filled = grid.ne("")
    count = filled.sum(axis=1).to_numpy()
    first_text = _first_text(grid)
    lone = count == 1
    long_words = 9 if long_notes else None
    note_like = np.zeros(n, dtype=bool)
    if lone.any():
        note_like[lone] = first_text[lone].map(lambda t: is_note(t, long_words=long_words)).to_numpy(dtype=bool)
    if note_column is not None and n:
        note_like &= grid[note_column].ne("").to_numpy()
    if key_column is not None and n:
        key_text = grid[key_column]
        totals = key_text.map(lambda t: key(t).startswith(("total", "number present", "count"))).to_numpy(dtype=bool)
        note_like |= totals

    roles = np.array(["data"] * n, dtype=object)
    roles[count == 0] = "blank"
    roles[:header_at] = np.where(count[:header_at] == 0, "blank", "title")
    roles[header_at] = "header"
    top = grid.iloc[header_at].tolist()
    header = list(top)
    second = None
    start = header_at + 1
    if second_header is not None and start < n and count[start] > 0:
        cells = grid.iloc[start].tolist()
        if second_header(cells):
            roles[start] = "second-header"
            second = cells
            header = [" ".join(p for p in (a, b) if p) for a, b in zip(top, cells)]
            start += 1

    # footer: from the bottom up, notes and blanks until the first row that is neither
    end = n
    while end > start and (count[end - 1] == 0 or note_like[end - 1]):
        end -= 1
    body = np.arange(start, n)
    in_footer = body >= end
    roles[body[in_footer & (count[body] > 0)]] = "note"
    if key_column is not None:
        inside = body[~in_footer]
        key_lone = lone[inside] & grid[key_column].iloc[inside].ne("").to_numpy()
        roles[inside[key_lone & note_like[inside]]] = "note"
        if sections:
            folded = grid[key_column].iloc[inside].map(lambda t: key(t).rstrip(":").strip())
            is_section = key_lone & folded.isin(SECTION_WORDS).to_numpy()
            roles[inside[is_section]] = "section"

    role_series = pd.Series(roles, index=grid.index, dtype="object")
    section_of = None
    if key_column is not None:
        marker = pd.Series(np.where(roles == "section", grid[key_column].to_numpy(), None),
                           index=grid.index, dtype="object")
        section_of = marker.ffill().where(role_series == "data")
        section_of = section_of.map(lambda t: t.rstrip(":").strip() if isinstance(t, str) else None)
    titles = [first_text.iloc[i] for i in range(header_at) if count[i] > 0]
    notes = [" ".join(c for c in grid.iloc[i] if c) for i in range(n) if roles[i] == "note"]
    return TypedTable(header_at=header_at, roles=role_series, header=header, top_header=top,
                      second_header=second, titles=titles, notes=notes, sections=section_of)


# --------------------------------------------------------------------------- sessions

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8,
    "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}
_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_DAY_MONTH = re.compile(r"(?<!\d)(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH + r"(?:,?\s+(\d{4}|\d{2})(?!\d))?")
_MONTH_DAY = re.compile(_MONTH + r"\s+(\d{1,2})(?:st|nd|rd|th)?(?!\d)(?:,?\s+(\d{4}))?")
_NUMERIC = re.compile(r"(?<![\d/.-])(\d{1,2})[/.](\d{1,2})(?:[/.](\d{4}|\d{2}))?(?![\d/])")
_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")


def fold(text: object) -> str:
    """Fold a session name or header for matching: :func:`evalkit.scales.key`, with
    hyphens, dashes and underscores as spaces.

    >>> fold("Workshop-2 (9 Nov)")
    'workshop 2 (9 nov)'
    """
    return re.sub(r"[\s\-–—_]+", " ", key(cell_text(text))).strip()


def _year(text: str | None) -> int | None:
    if not text:
        return None
    year = int(text)
    return year + 2000 if year < 100 else year


def dates_in(text: object) -> tuple[list[tuple[int, int, int | None]], list[tuple[int, int, int | None]]]:
    """Dates mentioned in a header, as ``(day, month, year or None)``: the UK (day-first)
    readings, and the month-first readings of numeric dates such as ``10/12``.

    >>> dates_in("Workshop 2 (9 Nov)")
    ([(9, 11, None)], [])
    >>> dates_in("12/10/2022")
    ([(12, 10, 2022)], [(10, 12, 2022)])
    """
    if isinstance(text, dt.datetime):
        return [(text.day, text.month, text.year)], []
    if isinstance(text, dt.date):
        return [(text.day, text.month, text.year)], []
    folded = key(cell_text(text))
    uk, us = [], []
    for m in _ISO.finditer(folded):
        uk.append((int(m.group(3)), int(m.group(2)), int(m.group(1))))
    rest = _ISO.sub(" ", folded)
    for m in _DAY_MONTH.finditer(rest):
        uk.append((int(m.group(1)), _MONTHS[m.group(2)], _year(m.group(3))))
    for m in _MONTH_DAY.finditer(rest):
        uk.append((int(m.group(2)), _MONTHS[m.group(1)], _year(m.group(3))))
    for m in _NUMERIC.finditer(rest):
        a, b, year = int(m.group(1)), int(m.group(2)), _year(m.group(3))
        uk.append((a, b, year))
        us.append((b, a, year))
    valid = lambda d: 1 <= d[0] <= 31 and 1 <= d[1] <= 12
    return [d for d in uk if valid(d)], [d for d in us if valid(d)]


def _on(session_date: dt.date, mention: tuple[int, int, int | None]) -> bool:
    day, month, year = mention
    return session_date.day == day and session_date.month == month and (year is None or session_date.year == year)


def match_session(label: object, sessions: Sequence) -> tuple[str | None, str]:
    """The session a sheet name, column header or answer refers to, and how that was decided.

    A session matches by name when one of its names (id, label, aliases — see
    ``Session.names()``) is the whole label or a whole-word part of it (the longest such
    name wins), and by date when the label mentions its day ("12 Oct", "12/10/2022",
    "2022-10-12"; numeric dates are read day-first, month-first only if that finds
    nothing). Name and date must agree. Returns ``(None, reason)`` when nothing or more than
    one session fits.

    >>> from evalkit.programme import Session
    >>> sessions = [Session(id="ws1", kind="workshop", date="2022-10-12", label="Workshop 1"),
    ...             Session(id="ws2", kind="workshop", date="2022-11-09", label="Workshop 2")]
    >>> match_session("Workshop 2 (9 Nov)", sessions)
    ('ws2', "name 'workshop 2' and date 9/11")
    >>> match_session("12/10/22", sessions)
    ('ws1', 'date 12/10/2022')
    >>> match_session("Catch-up", sessions)
    (None, 'no session has this name or date')
    """
    if not sessions:
        return None, "the programme lists no sessions"
    folded = fold(label)
    by_name: dict[str, tuple[int, str]] = {}
    if folded:
        for session in sessions:
            for name in session.names():
                name = fold(name)
                if not name:
                    continue
                if name == folded:
                    score = 10_000
                elif re.search(r"(?<![a-z0-9])" + re.escape(name) + r"(?![a-z0-9])", folded):
                    score = len(name)
                else:
                    continue
                if score > by_name.get(session.id, (0, ""))[0]:
                    by_name[session.id] = (score, name)
    named: set[str] = set()
    name_how = ""
    if by_name:
        best = max(score for score, _ in by_name.values())
        named = {sid for sid, (score, _) in by_name.items() if score == best}
        name_how = ", ".join(f"'{by_name[sid][1]}'" for sid in sorted(named))

    uk, us = dates_in(label)
    dated: set[str] = set()
    date_how = ""
    for readings in (uk, us):
        found = {s.id for s in sessions for d in readings if _on(s.date, d)}
        if found:
            dated = found
            hit = next(d for d in readings if any(_on(s.date, d) for s in sessions))
            date_how = f"{hit[0]}/{hit[1]}" + (f"/{hit[2]}" if hit[2] else "")
            break

    if named and dated:
        both = named & dated
        if len(both) == 1:
            return both.pop(), f"name {name_how} and date {date_how}"
        if not both:
            return None, f"its name points to {', '.join(sorted(named))} but its date to {', '.join(sorted(dated))}"
        return None, f"more than one session fits: {', '.join(sorted(both))}"
    found = named or dated
    how = f"name {name_how}" if named else f"date {date_how}"
    if len(found) == 1:
        return next(iter(found)), how
    if found:
        return None, f"more than one session fits ({how}): {', '.join(sorted(found))}"
    if (uk or us) and not named:
        return None, "no session falls on the date it mentions"
    return None, "no session has this name or date"


# --------------------------------------------------------------------------- frames

def map_distinct(values: pd.Series, func: Callable[[str], object]) -> pd.Series:
    """``func`` applied to each distinct text value once, spread back over ``values``
    (missing values stay ``None``). For name, email and status columns of long lists.

    >>> map_distinct(pd.Series(["Checked In", "Attending", "Checked In", None]), str.lower).tolist()
    ['checked in', 'attending', 'checked in', None]
    """
    codes, uniques = pd.factorize(pd.Series(values, dtype="object"))
    mapped = np.empty(len(uniques) + 1, dtype=object)
    mapped[:-1] = [func(u) for u in uniques]
    mapped[-1] = None
    return pd.Series(mapped[codes], index=values.index, dtype="object")



def as_object_text(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text columns are ``object`` dtype with ``None`` for missing
    (canonical tables keep text as Python strings, never pandas' string dtype).

    >>> frame = as_object_text(pd.DataFrame({"name": ["A", None], "n": [1, 2]}))
    >>> frame["name"].dtype, frame["name"].tolist()
    (dtype('O'), ['A', None])
    """
    columns = {}
    for position in range(frame.shape[1]):
        values = frame.iloc[:, position]
        if isinstance(values.dtype, pd.StringDtype) or values.dtype == object:
            cells = values.to_numpy(dtype=object, copy=True)
            cells[pd.isna(cells)] = None
            values = pd.Series(cells, index=frame.index, dtype="object", copy=False)
        else:
            values = values.copy()
        columns[position] = values
    out = pd.DataFrame(columns, index=frame.index, copy=False)
    out.columns = frame.columns
    out.attrs = dict(frame.attrs)
    return out


# --------------------------------------------------------------------------- files

def typed_grids(path) -> tuple[dict[str | None, pd.DataFrame], list[str]]:
    """The text grids of a typed-up file and what a person should know about reading it.

    A workbook gives one grid per worksheet (sheet name → grid, index = sheet row; blank
    rows at the bottom of a sheet and empty sheets are left out). A CSV gives one grid under
    the key ``None`` (index = the physical line where each record starts).

    Raises
    ------
    InputError
        When the file is not text or a workbook, or a quote is never closed.
    """
    from pathlib import Path

    from ..readers.base import InputError, decode

    path = Path(path)
    with open(path, "rb") as handle:
        magic = handle.read(4)
    if magic == b"PK\x03\x04":
        import zipfile

        import openpyxl

        try:
            book = openpyxl.load_workbook(path, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
            raise InputError(path, f"the workbook cannot be opened (damaged or truncated: {exc})") from None
        grids: dict[str | None, pd.DataFrame] = {}
        for sheet in book.worksheets:
            rows = [list(r) for r in sheet.iter_rows(min_row=1, max_row=sheet.max_row,
                                                     max_col=sheet.max_column, values_only=True)]
            while rows and all(cell_text(v) == "" for v in rows[-1]):
                rows.pop()
            if rows:
                grids[sheet.title] = text_grid(rows)
        return grids, []
    text, encoding = decode(path)
    delimiter = guess_delimiter(text)
    records, lines = typed_csv_records(text, delimiter, path=path)
    notes = [f"encoding: {encoding}"] + ([f"delimiter {delimiter!r}"] if delimiter != "," else [])
    return {None: text_grid(records, lines)}, notes
