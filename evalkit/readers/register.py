"""Sign-in sheets typed up from paper (xlsx or csv) → ``attendance``.

The commonest attendance record of all, and the least regular. Layouts read:

* a workbook with one sheet per session (the sheet name says which), each listing the
  people who signed, with a Signature / Present column;
* one sheet or CSV with a column per session (``Workshop 1 (12 Oct)``, ``12/10/2022``);
* either with one or two title rows above the header (merged cells in a workbook), a blank
  line inside the table, section headers ("Officers"), a second header row, and notes
  under the table ("Apologies received from ...", "Typed up by ...").

Marks: ticks (``✓``, ``Y``, ``x``, ``yes``, ``1``, ``Present``), apologies (``apols``,
``Apologies``, ``A``), blank for absent (see :func:`evalkit.clean.marks.normalise_marks`).
Names are kept as written (``Cllr J. Smith (Lab)``); linking normalises them later. An
Organisation / Council / Group column goes to ``source_organisation``, a Role column (or
the section header above the row) to ``source_role``.

Sessions: a pinned session wins for a one-session sheet; otherwise sheet names and column
headers are matched to the programme's sessions by name and date
(:func:`evalkit.clean.marks.match_session`); an unmatched column gives ``session_id``
``None`` and a note. Read alone (no sessions known), ``session_id`` is the header as written.

Rows: one attendance row per person × session; ``status`` is present, apologies or absent
(absent only for a listed person with a blank mark). A person typed twice is merged into
the first row; an unknown mark (``?``, ``late?``) quarantines its row, naming row, column and
value, while the row's other marks are kept. In a workbook where more than one sheet
holds anything, ``source_file`` is ``<file>#<sheet name>`` so that a sheet row is
unambiguous (``row_fates`` is unique on file and row); an extra column ``sheet`` names it.

>>> from pathlib import Path
>>> from evalkit.readers import read
>>> reading = read(Path("tests/data/formats/register/solihull-sign-in.csv"))
>>> reading.format
'sign-in-sheet'
>>> attendance = reading.tables["attendance"]
>>> sorted(attendance["status"].unique())
['absent', 'apologies', 'present']
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..clean import marks as mk
from ..scales import key
from .base import Context, InputError, Reading, Sniff, conform, fates_frame

__all__ = ["FORMATS", "detect", "read", "classify_columns"]

FORMATS = {
    "sign-in-sheet": "Sign-in sheet typed up from paper (xlsx or csv; a sheet or a column per session)",
}

_NAME = {
    "name", "names", "full name", "print name", "printed name", "your name", "member name",
    "member's name", "councillor name", "councillor's name", "attendee name", "delegate name",
    "participant name", "councillor", "councillors", "attendee", "attendees", "delegate",
    "delegates", "member", "members", "participant", "participants", "name of attendee",
    "name of councillor", "name of delegate", "name please print", "attendee's name",
}
_FIRST = {"first name", "forename", "forenames", "given name", "first"}
_LAST = {"last name", "surname", "family name", "last"}
_EMAIL = re.compile(r"\be ?mail\b")
_SIGNATURE = {"signature", "signatures", "signed", "sign", "sign here", "sign in", "initials",
              "signature of attendee"}
_PRESENT = {"present", "attended", "attendance", "tick", "tick if present", "here", "✓", "✔",
            "attending", "in attendance", "present?", "tick box"}
_ROLE = {"role", "position", "job title", "title", "capacity", "designation", "type",
         "councillor/officer", "councillor or officer", "member/officer", "member or officer",
         "councillor / officer", "role / organisation"}
_ORG = re.compile(r"\b(organi[sz]ations?|council|authority|group|party|political group|department|"
                  r"dept|directorate|representing|company|employer|affiliation|team)\b")
_IGNORE = {"notes", "note", "comments", "comment", "remarks", "phone", "mobile", "tel",
           "telephone", "contact number", "no", "no.", "number", "#", "ref", "id", "address",
           "ward", "postcode", "dietary requirements", "access requirements", "car registration",
           "car reg", "arrived", "left"}
_TIME = re.compile(r"\btimes?\b|\barrival\b|\bdeparture\b")
_SESSION_WORDS = re.compile(r"\b(workshop|session|master ?class|module|week|day|part|meeting|training|"
                            r"surgery|awareness|event|seminar|webinar|briefing|class|w/?s ?\d+|ws\d*)\b")
#: header words of other tools' exports: such a file is never a sign-in sheet
_OTHER_TOOLS = ("join time", "leave time", "timestamp", "respondent id", "collector id", "order #",
                "attendee status", "user action", "completion time", "start time", "participant id",
                "attendee #", "duration", "waiting room", "roster id", "x handle", "in cohort",
                "followers at start", "facebook page", "impressions", "engagements", "tweet id")
_RANK = {"present": 0, "apologies": 1, "absent": 2}
_STRUCTURE = {"title": "title row", "header": "header row", "second-header": "second header row",
              "blank": "blank line", "section": "section header", "note": "note under the table",
              "unused": "an unused line of the form (only its number)"}


def _plain(header: str) -> str:
    """A header folded, without bracketed asides and end punctuation."""
    folded = mk.fold(header)
    plain = re.sub(r"\(.*?\)", " ", folded)
    return re.sub(r"\s+", " ", plain).strip(" :*.")


def classify_columns(header: list[str], sessions=()) -> list[str]:
    """What each column of a sign-in table holds, from its header.

    One of ``name``, ``first``, ``last``, ``email``, ``organisation``, ``role``,
    ``signature`` (any writing is a signature), ``present`` (one tick column), ``session``
    (named or dated like a session, or matching one of ``sessions``), ``ignore`` (notes,
    times, phone numbers) or ``other`` (unknown: a session column if its cells are marks).

    >>> classify_columns(["Name", "Council", "Workshop 1 (12 Oct)", "Signature", "Time in", "Extra"])
    ['name', 'organisation', 'session', 'signature', 'ignore', 'other']
    """
    kinds = []
    for text in header:
        plain = _plain(text)
        folded = mk.fold(text)
        if not folded:
            kinds.append("other")
        elif plain in _NAME or folded in _NAME:
            kinds.append("name")
        elif plain in _FIRST:
            kinds.append("first")
        elif plain in _LAST:
            kinds.append("last")
        elif _EMAIL.search(plain) and len(plain.split()) <= 4:
            kinds.append("email")
        elif plain in _SIGNATURE:
            kinds.append("signature")
        elif plain in _PRESENT or folded in _PRESENT:
            kinds.append("present")
        elif plain in _ROLE:
            kinds.append("role")
        elif sessions and mk.match_session(text, sessions)[0] is not None:
            kinds.append("session")
        elif any(mk.dates_in(text)) or _SESSION_WORDS.search(folded):
            kinds.append("session")
        elif _ORG.search(plain):
            kinds.append("organisation")
        elif plain in _IGNORE or folded in _IGNORE or _TIME.search(plain):
            kinds.append("ignore")
        else:
            kinds.append("other")
    return kinds


def _is_header(cells: list[str]) -> bool:
    folded = [mk.fold(c) for c in cells if c]
    if any(word in c for c in folded for word in _OTHER_TOOLS):
        return False
    if any("@" in c for c in folded) or sum(c.replace(".", "").isdigit() for c in folded) > 1:
        return False  # a row of data (emails, numbers), not headers
    if any(c.rstrip().endswith("?") for c in folded):
        return False
    kinds = classify_columns(cells)
    return "name" in kinds or ("first" in kinds and "last" in kinds)


def _is_second_header(cells: list[str], kinds: list[str]) -> bool:
    """A row straight under the header that names or dates the session columns."""
    filled = [(c, k) for c, k in zip(cells, kinds) if c]
    if not filled or any(k in ("name", "first", "last") for _, k in filled):
        return False
    statuses = mk.normalise_marks(pd.Series([c for c, _ in filled]))
    return bool((statuses == "unknown").all())


def _mark_columns(grid: pd.DataFrame, table: mk.TypedTable, kinds: list[str]) -> tuple[list[int], bool]:
    """Columns holding marks, and whether the sheet is a one-session sheet."""
    one = [c for c, k in enumerate(kinds) if k in ("signature", "present")]
    if one:
        return one[:1], True
    columns = []
    data = grid.loc[table.data]
    for c, k in enumerate(kinds):
        if k == "session":
            columns.append(c)
        elif k == "other":
            values = data[c][data[c].ne("")]
            if len(values) and (mk.normalise_marks(values) != "unknown").mean() >= 0.6:
                columns.append(c)
    return columns, False


# --------------------------------------------------------------------------- detection

def _looks_like_register(grid: pd.DataFrame) -> bool:
    at = mk.find_header(grid, _is_header)
    if at is None or (grid.iloc[:at].ne("").sum(axis=1) > 1).any():
        return False  # no header, or a fuller row above it: another kind of table
    kinds = classify_columns(grid.iloc[at].tolist())
    if "signature" in kinds or "present" in kinds:
        return True
    if kinds.count("session") >= 2:
        return True  # a name column beside two or more columns named like sessions
    below = grid.iloc[at + 1:]
    for c, k in enumerate(kinds):
        if k not in ("session", "other"):
            continue
        values = below[c][below[c].ne("")]
        if not len(values):
            continue
        statuses = mk.normalise_marks(values)
        known = (statuses != "unknown").mean()
        ticks = statuses.isin(["present", "apologies"]).any()
        worded = values.map(lambda v: key(v) not in ("1", "0")).any()
        if known >= 0.6 and ticks and (k == "session" or worded):
            return True
    return False


def detect(sniff: Sniff) -> str | None:
    """``sign-in-sheet`` for a table with a name column and either tick-mark session
    columns or a Signature / Present column (and none of the other tools' columns)."""
    if sniff.is_xlsx:
        grids = [mk.text_grid(rows) for rows in sniff.sheets.values() if rows]
    elif sniff.text:
        import csv
        import io

        lines = sniff.text.replace("\r\n", "\n").replace("\r", "\n").split("\n")[:40]
        delimiter = mk.guess_delimiter("\n".join(lines))
        try:
            records = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter))
        except csv.Error:
            return None
        grids = [mk.text_grid(records)]
    else:
        return None
    return "sign-in-sheet" if any(len(g) and _looks_like_register(g) for g in grids) else None


# --------------------------------------------------------------------------- reading

def read(path: Path, context: Context, format: str = "sign-in-sheet") -> Reading:
    """Read a typed-up sign-in sheet into ``attendance`` (one row per person × session).

    Raises
    ------
    InputError
        When no sheet holds a table with a name column.
    """
    path = Path(path)
    base_name = context.source_file or path.name
    grids, notes = mk.typed_grids(path)
    several = None not in grids and len(grids) > 1
    parts, fates, meta = [], [], {"sheets": {}}
    found_any = False
    for sheet, grid in grids.items():
        source_file = f"{base_name}#{sheet}" if several and sheet is not None else base_name
        at = mk.find_header(grid, _is_header)
        if at is None:
            notes.append(f"sheet '{sheet}' has no sign-in table (no header with a name column); its rows are skipped")
            fates.append(fates_frame(source_file, grid.index, "skipped-structure", None,
                                     np.where(grid.ne("").any(axis=1), f"sheet '{sheet}' holds no sign-in table",
                                              "blank line"), context.pilot_id))
            continue
        found_any = True
        attendance, sheet_fates, sheet_meta = _read_table(grid, at, sheet=sheet, several=several,
                                                          source_file=source_file, context=context,
                                                          notes=notes)
        parts.append(attendance)
        fates.append(sheet_fates)
        meta["sheets"][sheet] = sheet_meta
    if not found_any:
        raise InputError(path, "no sign-in table found: no row in the first 25 has a name column "
                         "(Name, Full name, Councillor, Attendee) beside other columns")
    attendance = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    attendance = mk.as_object_text(conform("attendance", attendance))
    meta["titles"] = [t for m in meta["sheets"].values() for t in m["titles"]]
    return Reading(path=path, format=format, tables={"attendance": attendance},
                   fates=pd.concat(fates, ignore_index=True), notes=notes, meta=meta)


def _read_table(grid: pd.DataFrame, at: int, *, sheet: str | None, several: bool, source_file: str,
                context: Context, notes: list[str]) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    where = f"sheet '{sheet}'" if sheet is not None else "the table"
    kinds = classify_columns(grid.iloc[at].tolist(), context.sessions)
    table = mk.locate_table(grid, at, key_column=kinds.index("name") if "name" in kinds else kinds.index("first"),
                            second_header=lambda cells: _is_second_header(cells, kinds))
    header = _labels(table)
    if table.second_header is not None:
        recheck = classify_columns(header, context.sessions)
        kinds = [new if old == "other" else old for old, new in zip(kinds, recheck)]
    columns, one_session = _mark_columns(grid, table, kinds)
    rows = table.data

    # who each data row is
    if "name" in kinds:
        name = grid.loc[rows, kinds.index("name")]
    else:
        first, last = grid.loc[rows, kinds.index("first")], grid.loc[rows, kinds.index("last")]
        name = (first + " " + last).str.strip()
    people = pd.DataFrame({"source_row": rows, "name": name.to_numpy()}, index=rows.rename(None))
    for kind, column in (("organisation", "source_organisation"), ("role", "source_role"), ("email", "source_email")):
        people[column] = grid.loc[rows, kinds.index(kind)].to_numpy() if kind in kinds else ""
    if "role" not in kinds and table.sections is not None:
        people["source_role"] = table.sections.loc[rows].fillna("").to_numpy()
    ignored = [header[c] for c, k in enumerate(kinds)
               if c not in columns and k in ("other", "session", "present", "signature")]
    if ignored:
        shown = ", ".join(repr(h) for h in ignored)
        notes.append(f"{where}: column(s) {shown} hold no register marks and are not read")

    # which session each mark column is
    sessions = _sessions_of(columns, header, one_session, sheet=sheet, several=several, titles=table.titles,
                            context=context, where=where, notes=notes)
    _no_session_twice(sessions, source_file, int(grid.index[at]))

    # the marks, long: one row per data row × mark column
    if columns:
        long = pd.concat(
            [pd.DataFrame({
                "source_row": rows,
                "column": c,
                "session_id": pd.Series([sessions[c][0]] * len(rows), dtype="object").to_numpy(),
                "source_session": sessions[c][1],
                "mark": grid.loc[rows, c].to_numpy(),
                "status": mk.normalise_marks(grid.loc[rows, c], signature=kinds[c] == "signature").to_numpy(),
            }) for c in columns],
            ignore_index=True,
        )
    else:
        if len(rows):
            notes.append(f"{where}: no mark column; every listed person is taken as present (a signed list)")
        session_id, label = _one_session(sheet, several, table.titles, context, where, notes)
        long = pd.DataFrame({"source_row": rows, "column": -1,
                             "session_id": np.array([session_id] * len(rows), dtype=object),
                             "source_session": label, "mark": "", "status": "present"})

    # numbered lines of the printed form that nobody signed: only an ignored column is filled
    read_columns = [c for c, k in enumerate(kinds) if k != "ignore"]
    unused = grid.loc[rows, read_columns].eq("").all(axis=1)
    if unused.any():
        table.roles.loc[unused.index[unused]] = "unused"
        rows = table.data
        people = people.loc[rows]
        long = long[long["source_row"].isin(rows)]

    # rows without a name, unknown marks, people typed twice
    nameless = people["name"].eq("")
    unknown = long[long["status"].eq("unknown")]
    problems: dict[int, list[str]] = {}
    for r, c, mark in zip(unknown["source_row"], unknown["column"], unknown["mark"]):
        problems.setdefault(int(r), []).append(
            f"{source_file} row {r}, column '{header[c]}': {mark!r} is not a register mark "
            "(a tick, apologies or blank)")
    name_header = header[kinds.index("name") if "name" in kinds else kinds.index("first")]
    for r in people.index[nameless]:
        problems.setdefault(int(r), []).insert(
            0, f"{source_file} row {r}, column '{name_header}': no name, so the marks on this row belong to nobody")
    people["who"] = (mk.map_distinct(people["name"], mk.fold) + "|"
                     + mk.map_distinct(people["source_organisation"], mk.fold) + "|"
                     + mk.map_distinct(people["source_email"], mk.fold))
    named = people[~nameless]
    first_row = named.groupby("who", sort=False)["source_row"].transform("min")
    duplicate = named["source_row"].ne(first_row)

    # attendance: per person (first row) × column, the strongest known mark
    known = long[~long["status"].eq("unknown")].merge(named[["source_row", "who"]], on="source_row")
    known["rank"] = known["status"].map(_RANK)
    known = known.sort_values(["rank", "source_row"], kind="stable")
    best = known.drop_duplicates(["who", "column"], keep="first")
    firsts = named[~duplicate].set_index("who")
    firsts = firsts.astype("object")
    attendance = pd.DataFrame({
        "pilot_id": context.pilot_id,
        "source_file": source_file,
        "source_row": pd.array(best["who"].map(firsts["source_row"]).astype("int64"), dtype="Int64"),
        "session_id": _text(best["session_id"]),
        "participant_id": None,
        "source_name": _text(best["who"].map(firsts["name"])),
        "source_email": _text(best["who"].map(firsts["source_email"])),
        "status": _text(best["status"]),
        "joined_at": None,
        "left_at": None,
        "minutes_present": np.nan,
        "source": "register",
        "source_organisation": _text(best["who"].map(firsts["source_organisation"])),
        "source_role": _text(best["who"].map(firsts["source_role"])),
        "source_session": _text(best["source_session"]),
        "sheet": sheet,
    })
    attendance = attendance.sort_values(["source_row", "session_id"], kind="stable", na_position="last")

    # every row's fate
    roles = table.roles
    fate = pd.Series("skipped-structure", index=grid.index, dtype="object")
    reason = roles.map(_STRUCTURE).astype("object")
    reason = reason.where(reason.notna(), None)
    dup_rows = named.index[duplicate]
    fate.loc[rows] = "kept"
    fate.loc[dup_rows] = "merged"
    reason.loc[dup_rows] = ("the same person as row " + first_row[duplicate].astype(str) + " (typed twice)").to_numpy()
    for r, found in problems.items():
        fate.loc[r] = "quarantined"
        reason.loc[r] = "; ".join(found)
    table_name = pd.Series(np.where(roles.eq("data"), "attendance", None), index=grid.index, dtype="object")
    sheet_fates = fates_frame(source_file, grid.index.to_numpy(), fate.tolist(), table_name.tolist(),
                              reason.tolist(), context.pilot_id)
    meta = {"titles": table.titles, "notes": table.notes, "header": header,
            "sessions": {header[c] if c >= 0 else None: s for c, s in sessions.items()}}
    notes.extend(f"{where}: note under the table: {n}" for n in table.notes)
    return attendance, sheet_fates, meta


def _text(values) -> np.ndarray:
    """Text values as an object array, blanks and missing values as ``None``."""
    series = pd.Series(values, dtype="object")
    return series.where(series.notna() & series.ne(""), None).to_numpy(dtype="object")


def _labels(table: mk.TypedTable) -> list[str]:
    """Column headers as written; with a second header row, the second row's text under a
    header that spans several columns ("Sessions attended" over "WS1", "WS2"), else both."""
    top, second = table.top_header, table.second_header
    if second is None:
        return list(top)
    labels = []
    for c, (upper, lower) in enumerate(zip(top, second)):
        spans = upper and c + 1 < len(top) and not top[c + 1] and second[c + 1]
        if lower and (not upper or spans):
            labels.append(lower)
        else:
            labels.append(" ".join(p for p in (upper, lower) if p))
    return labels


def _sessions_of(columns: list[int], header: list[str], one_session: bool, *, sheet, several, titles,
                 context: Context, where: str, notes: list[str]) -> dict[int, tuple[str | None, str]]:
    """Session id and header-as-written for each mark column."""
    if one_session:
        session_id, label = _one_session(sheet, several, titles, context, where, notes)
        return {columns[0]: (session_id, label)}
    found = {}
    for c in columns:
        label = header[c]
        if not context.sessions:
            found[c] = (label, label)
            continue
        session_id, how = mk.match_session(label, context.sessions)
        if session_id is None:
            notes.append(f"{where}: column '{label}' matches no session ({how}); its rows have no session_id")
        else:
            notes.append(f"{where}: column '{label}' is session {session_id} ({how})")
        found[c] = (session_id, label)
    return found


def _no_session_twice(sessions: dict[int, tuple[str | None, str]], path, header_row: int | None) -> None:
    """Two mark columns for one session would give a person two answers for it: refuse the
    file, naming the columns, rather than pick one."""
    seen: dict[str, int] = {}
    for c, (session_id, label) in sorted(sessions.items()):
        if session_id is None:
            continue
        if session_id in seen:
            first = seen[session_id]
            raise InputError(
                path,
                f"columns {_letter(first)} and {_letter(c)} are both session '{session_id}'; "
                "rename or remove one (a duplicate header?)",
                row=header_row, column=label,
            )
        seen[session_id] = c


def _letter(index: int) -> str:
    """Spreadsheet column letter of a 0-based column index (0 → A, 27 → AB)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _one_session(sheet, several, titles, context: Context, where: str,
                 notes: list[str]) -> tuple[str | None, str | None]:
    """The session of a sheet with one Signature/Present column."""
    labels = ([sheet] if sheet is not None else []) + list(titles)
    written = (sheet if several and sheet is not None else (titles[0] if titles else sheet))
    if context.session_id:
        return context.session_id, written
    if not context.sessions:
        return written, written
    reasons = []
    for label in labels:
        session_id, how = mk.match_session(label, context.sessions)
        if session_id is not None:
            notes.append(f"{where}: '{label}' is session {session_id} ({how})")
            return session_id, label
        reasons.append(f"'{label}': {how}")
    if len(context.sessions) == 1:
        only = context.sessions[0].id
        notes.append(f"{where}: the pilot has one session, {only}; the sheet is taken to be for it")
        return only, written
    notes.append(f"{where}: no session found for the sheet ({'; '.join(reasons) or 'no sheet name or title'}); "
                 "its rows have no session_id (pin the file to a session in programme.yml)")
    return None, written
