"""Write sign-in sheets as they are typed up from paper: xlsx (a sheet per session, or a
column per session) and csv (a column per session, saved by Excel as "CSV UTF-8").

The files carry what typed-up registers carry: a merged title row (and sometimes a
second), the names as written ("Cllr J. Smith (Lab)"), the typist's marks as given, a person
typed twice, a blank line inside the table and notes under it. The expected attendance and
row fates follow the rules of :mod:`evalkit.readers.register`.

>>> import numpy as np, pandas as pd, tempfile
>>> from pathlib import Path
>>> people = pd.DataFrame({"person_key": ["SOL-01", "SOL-02"],
...                        "name": ["Cllr Ann Hill (Con)", "Cllr Raj Bains (Lab)"],
...                        "organisation": ["Solihull MBC", ""]})
>>> marks = pd.DataFrame({"ws1": ["✓", "apols"], "ws2": ["Y", ""]})
>>> sessions = [{"session_id": "ws1", "header": "Workshop 1 (18 Sep)", "date": "2024-09-18"},
...             {"session_id": "ws2", "header": "Workshop 2 (9 Oct)", "date": "2024-10-09"}]
>>> with tempfile.TemporaryDirectory() as folder:
...     written = write_register_csv(Path(folder) / "sign-in.csv", source_file="solihull/attendance/sign-in.csv",
...                                  title="Social media workshops", sessions=sessions, people=people,
...                                  marks=marks, rng=np.random.default_rng(1))
>>> written.tables["attendance"][["person_key", "session_id", "status"]].values.tolist()
[['SOL-01', 'ws1', 'present'], ['SOL-01', 'ws2', 'present'], ['SOL-02', 'ws1', 'apologies'], ['SOL-02', 'ws2', 'absent']]
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ...clean import marks as mk
from . import Written

__all__ = ["write_register_xlsx", "write_register_csv"]

FORMAT = "sign-in-sheet"
_RANK = {"present": 0, "apologies": 1, "absent": 2}


@dataclass
class _Row:
    """One row of a typed-up sheet: its cells and what the reader must make of it."""

    cells: list
    role: str  # title, header, data, blank, note
    person: int | None = None  # position in ``people``
    merged: bool = False  # a title or note cell merged across the table (xlsx)


@dataclass
class _Sheet:
    name: str | None
    rows: list[_Row] = field(default_factory=list)
    #: mark column position → (session_id, whether it is a Signature column)
    columns: dict[int, tuple[str, bool]] = field(default_factory=dict)
    quirks: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- shared helpers

def csv_lines(rows: list[list[str]], *, newline: str = "\r\n") -> tuple[str, list[int]]:
    """CSV text as Excel saves it (quotes only where needed) and the 1-based line where each
    row starts (a quoted line break makes a row span lines)."""
    starts, text = [], io.StringIO()
    line = 1
    for row in rows:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator=newline, quoting=csv.QUOTE_MINIMAL).writerow(row)
        chunk = buffer.getvalue()
        starts.append(line)
        line += chunk.count("\n")
        text.write(chunk)
    return text.getvalue(), starts


def note_text(note: str) -> str:
    """A note as a typist would write it under a table, so that it reads as a note: text that
    could be taken for a name gets a ``Note:`` in front."""
    note = str(note).strip()
    return note if mk.is_note(note) else f"Note: {note}"


def _sheet_name(header: str, taken: set[str]) -> str:
    name = re.sub(r"[\[\]:*?/\\]", "-", str(header)).strip("'")[:31] or "Sheet"
    base, n = name, 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name = base[: 31 - len(suffix)] + suffix
        n += 1
    taken.add(name.lower())
    return name


def _blank(value) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or str(value).strip() == ""


def _text(value) -> str:
    return "" if _blank(value) else str(value)


def _long_date(value) -> str:
    date = pd.Timestamp(value).date()
    return f"{date:%A} {date.day} {date:%B %Y}"


# --------------------------------------------------------------------------- building sheets

def _body(rows: list[_Row], rng: np.random.Generator, marks_of, quirks: list[str], width: int) -> list[_Row]:
    """Add a person typed twice and a blank line inside the table."""
    data = [i for i, r in enumerate(rows) if r.role == "data"]
    candidates = [i for i in data if marks_of(rows[i]) and all(s != "unknown" for s in marks_of(rows[i]).values())
                  and any(s != "absent" for s in marks_of(rows[i]).values())]
    if candidates and rng.random() < 0.8:
        i = candidates[int(rng.integers(len(candidates)))]
        copy = _Row(list(rows[i].cells), "data", rows[i].person)
        rows.insert(i + 1, copy)
        quirks.append("a person typed twice")
    data = [i for i, r in enumerate(rows) if r.role == "data"]
    if len(data) >= 3 and rng.random() < 0.8:
        i = data[int(rng.integers(1, len(data)))]
        rows.insert(i, _Row([""] * width, "blank"))
        quirks.append("a blank line inside the table")
    return rows


def _titles(title: str, subtitle: str | None, width: int) -> list[_Row]:
    rows = [_Row([title] + [""] * (width - 1), "title", merged=True)]
    if subtitle:
        rows.append(_Row([subtitle] + [""] * (width - 1), "title", merged=True))
    return rows


def _footer(notes: list[str], width: int, rng: np.random.Generator, quirks: list[str]) -> list[_Row]:
    notes = [note_text(n) for n in notes]
    if not notes:
        initials = "".join(rng.choice(list("ABCDEFGHJKLMNPRSTW"), size=2))
        notes = [f"Typed up by {initials[0]}. {initials[1]}. from the paper sheets"]
    quirks.append("notes under the table")
    return [_Row([""] * width, "blank")] + [_Row([n] + [""] * (width - 1), "note", merged=True) for n in notes]


def _column_sheet(name, title, sessions, people, marks, notes, rng) -> _Sheet:
    """One table with a column per session: everyone listed."""
    with_org = people["organisation"].map(lambda v: not _blank(v)).any()
    header = ["Name"] + (["Organisation"] if with_org else []) + [s["header"] for s in sessions]
    width = len(header)
    sheet = _Sheet(name)
    first_mark = 2 if with_org else 1
    sheet.columns = {first_mark + k: (s["session_id"], False) for k, s in enumerate(sessions)}
    subtitle = None
    if rng.random() < 0.5:
        first, last = sessions[0]["date"], sessions[-1]["date"]
        subtitle = f"Attendance, {_long_date(first)} to {_long_date(last)}" if len(sessions) > 1 else _long_date(first)
    rows = _titles(title, subtitle, width) + [_Row(header, "header")]
    for position, (person, mark) in enumerate(zip(people.to_dict("records"), marks.to_dict("records"))):
        cells = [_text(person["name"])] + ([_text(person["organisation"])] if with_org else [])
        cells += [_text(mark[s["session_id"]]) for s in sessions]
        rows.append(_Row(cells, "data", position))
    sheet.quirks.append("merged title row" + ("s" if subtitle else ""))
    rows = _body(rows, rng, lambda r: _statuses(sheet, r), sheet.quirks, width)
    sheet.rows = rows + _footer(list(notes), width, rng, sheet.quirks)
    return sheet


def _session_sheet(name, title, session, people, marks, notes, rng) -> _Sheet:
    """One sheet for one session: the people with any mark for it, as a signed sheet lists them."""
    column = marks[session["session_id"]].tolist()
    listed = [p for p, mark in enumerate(column) if not _blank(mark)]
    with_org = people["organisation"].iloc[listed].map(lambda v: not _blank(v)).any() if listed else False
    signature = bool(rng.random() < 0.5)
    mark_header = "Signature" if signature else "Present"
    header = ["Name"] + (["Organisation"] if with_org else []) + [mark_header]
    width = len(header)
    sheet = _Sheet(name)
    sheet.columns = {width - 1: (session["session_id"], signature)}
    subtitle = f"{session['header']} - {_long_date(session['date'])}" if rng.random() < 0.6 else None
    rows = _titles(title, subtitle, width) + [_Row(header, "header")]
    records = people.to_dict("records")
    for position in listed:
        person = records[position]
        cells = [_text(person["name"])] + ([_text(person["organisation"])] if with_org else [])
        cells.append(_text(column[position]))
        rows.append(_Row(cells, "data", position))
    sheet.quirks.append("merged title row" + ("s" if subtitle else ""))
    rows = _body(rows, rng, lambda r: _statuses(sheet, r), sheet.quirks, width)
    sheet.rows = rows + _footer(list(notes), width, rng, sheet.quirks)
    return sheet


def _statuses(sheet: _Sheet, row: _Row) -> dict[str, str]:
    """Session → what the reader makes of this row's mark."""
    found = {}
    for c, (session_id, signature) in sheet.columns.items():
        found[session_id] = mk.mark_status(row.cells[c], signature=signature)
    return found


# --------------------------------------------------------------------------- expectations

def _expected(sheet: _Sheet, starts: list[int], people: pd.DataFrame, source_file: str,
              name_column: int, org_column: int | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Expected attendance rows and fates of one sheet."""
    records, fates = [], []
    first_of: dict[str, int] = {}
    best: dict[tuple[str, str], tuple[int, str]] = {}
    owner: dict[str, int] = {}
    for row, line in zip(sheet.rows, starts):
        if row.role != "data":
            reason = {"title": "title row", "header": "header row", "blank": "blank line",
                      "note": "note under the table"}[row.role]
            fates.append((line, "skipped-structure", None, reason))
            continue
        org = row.cells[org_column] if org_column is not None else ""
        who = f"{mk.fold(row.cells[name_column])}|{mk.fold(org)}|"
        statuses = _statuses(sheet, row)
        unknown = [(c, row.cells[c]) for c, (sid, _) in sheet.columns.items() if statuses[sid] == "unknown"]
        if unknown:
            header = sheet.rows[_header_at(sheet)].cells
            fate, reason = "quarantined", "; ".join(f"row {line}, column '{header[c]}': {v!r} is not a register mark"
                                                    for c, v in unknown)
        elif who in first_of:
            fate, reason = "merged", f"the same person as row {first_of[who]} (typed twice)"
        else:
            fate, reason = "kept", None
        fates.append((line, fate, "attendance", reason))
        if who not in first_of:
            first_of[who] = line
            owner[who] = row.person
        for session_id, status in statuses.items():
            if status == "unknown":
                continue
            current = best.get((who, session_id))
            if current is None or _RANK[status] < _RANK[current[1]]:
                best[(who, session_id)] = (first_of[who], status)
    records_of = people.to_dict("records")
    for (who, session_id), (line, status) in best.items():
        person = records_of[owner[who]]
        organisation = _text(person["organisation"]).strip() or None
        records.append({
            "source_file": source_file,
            "source_row": line,
            "session_id": session_id,
            "source_name": _text(person["name"]).strip() or None,
            "source_email": None,
            "status": status,
            "joined_at": None,
            "left_at": None,
            "minutes_present": np.nan,
            "source": "register",
            "person_key": person["person_key"],
            "source_organisation": organisation if org_column is not None else None,
            "source_role": None,
        })
    attendance = pd.DataFrame(records, columns=_ATTENDANCE_COLUMNS)
    fates_frame = pd.DataFrame(fates, columns=["source_row", "fate", "table", "reason"])
    fates_frame.insert(0, "source_file", source_file)
    return attendance, fates_frame


_ATTENDANCE_COLUMNS = ["source_file", "source_row", "session_id", "source_name", "source_email", "status",
                       "joined_at", "left_at", "minutes_present", "source", "person_key",
                       "source_organisation", "source_role"]


def _check(sessions, people, marks) -> None:
    missing = [c for c in ("person_key", "name", "organisation") if c not in people.columns]
    if missing:
        raise ValueError(f"people needs the column(s) {', '.join(missing)}")
    if not marks.index.equals(people.index):
        raise ValueError("marks must have the same index as people")
    absent = [s["session_id"] for s in sessions if s["session_id"] not in marks.columns]
    if absent:
        raise ValueError(f"marks has no column for session(s) {', '.join(absent)}")


def _finish(source_file: str, sheets: list[_Sheet], parts: list[tuple[pd.DataFrame, pd.DataFrame]]) -> Written:
    attendance = pd.concat([a for a, _ in parts], ignore_index=True)
    fates = pd.concat([f for _, f in parts], ignore_index=True)
    quirks = sorted({q for s in sheets for q in s.quirks})
    for sheet in sheets:
        for row in sheet.rows:
            if row.role == "data" and any(s == "unknown" for s in _statuses(sheet, row).values()):
                quirks.append("a mark the reader cannot read (quarantined)")
                break
    return Written(source_file=source_file, format=FORMAT, tables={"attendance": attendance},
                   fates=fates, quirks=sorted(set(quirks)))


# --------------------------------------------------------------------------- writers

def write_register_xlsx(path: Path, *, source_file: str, title: str, sessions: list[dict],
                        people: pd.DataFrame, marks: pd.DataFrame, layout: str = "sheet-per-session",
                        notes: list[str] = (), rng: np.random.Generator) -> Written:
    """Write a typed-up register workbook.

    Parameters
    ----------
    path
        The ``.xlsx`` file to write.
    source_file
        Its path relative to the programme folder. With several sheets, expected rows name
        ``<source_file>#<sheet name>`` as the reader does.
    title
        The title typed above the table (a merged cell).
    sessions
        ``[{"session_id", "header", "date"}]``: ``header`` is the sheet name (characters
        Excel forbids become ``-``; at most 31 characters) or the column header as written.
    people
        ``person_key``, ``name`` (as written), ``organisation`` (may be blank).
    marks
        Same index as ``people``; one column per ``session_id`` holding the mark as typed
        (``"✓"``, ``"Y"``, ``"apols"``, ``""`` ...).
    layout
        ``sheet-per-session`` (a sheet lists the people with any mark for its session, under
        a Signature or Present column) or ``columns`` (one sheet, a column per session,
        everyone listed).
    notes
        Notes typed under the table; one that could pass for a name gets ``Note:`` in
        front. Without notes, a "Typed up by ..." line is added.
    rng
        Source of the realism: a person typed twice, a blank line, a second title row.
    """
    import openpyxl
    from openpyxl.styles import Alignment, Font

    _check(sessions, people, marks)
    if layout == "sheet-per-session":
        taken: set[str] = set()
        sheets = [_session_sheet(_sheet_name(s["header"], taken), title, s, people, marks, notes, rng)
                  for s in sessions]
    elif layout == "columns":
        sheets = [_column_sheet("Attendance", title, sessions, people, marks, notes, rng)]
    else:
        raise ValueError(f"layout must be 'sheet-per-session' or 'columns', not {layout!r}")

    book = openpyxl.Workbook()
    book.remove(book.active)
    parts = []
    for sheet in sheets:
        ws = book.create_sheet(sheet.name)
        width = max(len(r.cells) for r in sheet.rows)
        for number, row in enumerate(sheet.rows, start=1):
            for column, value in enumerate(row.cells, start=1):
                if value != "":
                    ws.cell(row=number, column=column, value=value)
            if row.merged and width > 1:
                ws.merge_cells(start_row=number, start_column=1, end_row=number, end_column=width)
            if row.role in ("title", "header"):
                ws.cell(row=number, column=1).font = Font(bold=True, size=14 if row.role == "title" else 11)
                for column in range(2, len(row.cells) + 1):
                    ws.cell(row=number, column=column).font = Font(bold=True)
            if row.role == "note":
                ws.cell(row=number, column=1).alignment = Alignment(wrap_text=False)
                ws.cell(row=number, column=1).font = Font(italic=True)
        ws.column_dimensions["A"].width = 34
        qualified = f"{source_file}#{sheet.name}" if len(sheets) > 1 else source_file
        org_column = 1 if sheet.rows[_header_at(sheet)].cells[1:2] == ["Organisation"] else None
        parts.append(_expected(sheet, list(range(1, len(sheet.rows) + 1)), people, qualified, 0, org_column))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return _finish(source_file, sheets, parts)


def _header_at(sheet: _Sheet) -> int:
    return next(i for i, r in enumerate(sheet.rows) if r.role == "header")


def write_register_csv(path: Path, *, source_file: str, title: str, sessions: list[dict],
                       people: pd.DataFrame, marks: pd.DataFrame, notes: list[str] = (),
                       rng: np.random.Generator) -> Written:
    """Write a typed-up register as Excel saves it in "CSV UTF-8": a byte-order mark, CRLF,
    every row padded with commas to the table's width, a column per session.

    Parameters are those of :func:`write_register_xlsx` (``header`` is the column header).
    """
    _check(sessions, people, marks)
    sheet = _column_sheet(None, title, sessions, people, marks, notes, rng)
    text, starts = csv_lines([r.cells for r in sheet.rows])
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    org_column = 1 if sheet.rows[_header_at(sheet)].cells[1:2] == ["Organisation"] else None
    part = _expected(sheet, starts, people, source_file, 0, org_column)
    return _finish(source_file, [sheet], [part])
