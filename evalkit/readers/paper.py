"""Evaluation sheets typed up from paper (csv or xlsx) → ``responses`` and ``comments``.

One row per sheet handed in; headers close to the printed questions ("Was the session
useful?", "Would you like to find out more?", "Name (optional)", "Which session",
"Comments"); answers as the words ticked (``Strongly agree``, ``agree``, ``SA``, ``4 - Agree``,
``N/A``, blank); comments with stray quotes, kept exactly. A title row above the header and
notes below the table are structure.

Columns are told apart by their header words: name, email, date, session and sheet number
columns describe the sheet; every other column is a question, handed with the rest to
:func:`evalkit.clean.answers.survey_tables` (the same scale, quarantine and comment rules as
every survey tool). Paper sheets carry no wave: ``feedback`` unless the file is pinned to
another. A sheet typed twice (every cell the same, with a name or email on it) is merged.

>>> from pathlib import Path
>>> from evalkit.readers import read
>>> reading = read(Path("tests/data/formats/paper/kirklees-feedback.csv"))
>>> reading.format
'paper-evaluation'
>>> sorted(reading.tables["responses"]["wave"].unique())
['feedback']
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from .. import scales
from ..clean import marks as mk
from ..clean.answers import SurveyRecords, survey_tables
from .base import Context, InputError, Reading, Sniff, fates_frame

__all__ = ["FORMATS", "detect", "read", "classify_columns"]

FORMATS = {
    "paper-evaluation": "Evaluation sheets typed up from paper (csv or xlsx, one row per sheet)",
}

_NAME = {"name", "names", "your name", "full name", "print name", "printed name", "name optional",
         "what is your name", "respondent name", "name if you wish", "name if you like",
         "your name if you wish", "delegate name", "councillor name"}
_EMAIL = re.compile(r"\be ?mail\b")
_DATE = {"date", "date of session", "session date", "today's date", "todays date", "date of workshop",
         "date of event", "date attended", "date of training"}
_SESSION = re.compile(r"^(?:which |what )?(?:session|workshop|event|course|module|training)s?"
                      r"(?: attended| did you attend| you attended| title| name)?$")
_SHEET = {"no", "no.", "#", "sheet", "sheet no", "sheet number", "sheet ref", "ref", "form no",
          "form number", "form", "id", "number"}
#: header words of online survey tools, Eventbrite and attendance reports
_OTHER_TOOLS = ("timestamp", "respondent id", "collector id", "completion time", "start time",
                "last modified time", "order #", "attendee status", "join time", "leave time",
                "ip address", "total points", "user action")
_SESSIONISH = re.compile(r"\b(workshop|session|master ?class|module|week)\s*\d|\(\d{1,2}\s+[a-z]{3}")


def _plain(header: str) -> str:
    folded = mk.fold(header)
    plain = re.sub(r"\(.*?\)", " ", folded)
    return re.sub(r"\s+", " ", plain).strip(" :*.?")


def classify_columns(header: list[str]) -> list[str]:
    """What each column of a typed-up evaluation table holds, from its header: ``name``,
    ``email``, ``date``, ``session``, ``sheet`` (the typist's sheet number), ``blank``
    (no header) or ``question``.

    >>> classify_columns(["Sheet no.", "Was the session useful?", "Comments", "Name (optional)", "Which session"])
    ['sheet', 'question', 'question', 'name', 'session']
    """
    kinds = []
    for text in header:
        plain = _plain(text)
        if not mk.fold(text):
            kinds.append("blank")
        elif plain in _NAME:
            kinds.append("name")
        elif _EMAIL.search(plain) and len(plain.split()) <= 4:
            kinds.append("email")
        elif plain in _DATE:
            kinds.append("date")
        elif _SESSION.match(plain):
            kinds.append("session")
        elif plain in _SHEET or mk.fold(text) in _SHEET:
            kinds.append("sheet")
        else:
            kinds.append("question")
    return kinds


def _question_like(text: str) -> bool:
    """Printed-question wording: ends with "?" or is a sentence (not a session header)."""
    folded = mk.fold(text)
    if folded.endswith("?"):
        return True
    return len(folded.split()) >= 5 and not _SESSIONISH.search(folded) and not any(mk.dates_in(text))


def _is_header(cells: list[str]) -> bool:
    folded = [mk.fold(c) for c in cells if c]
    if any(word in c for c in folded for word in _OTHER_TOOLS):
        return False
    if any("@" in c for c in folded) or sum(c.replace(".", "").isdigit() for c in folded) > 1:
        return False  # a row of data (emails, numbers), not headers
    kinds = classify_columns(cells)
    return any(k == "question" and _question_like(c) for c, k in zip(cells, kinds))


def _scaled_share(values: pd.Series) -> float:
    """The largest share of ``values`` that reads as ticked words on one canonical scale
    (a scale whose recognised answers are numbers only does not count: paper answers are
    words, and numbers alone are what metric exports hold)."""
    distinct = pd.Series(pd.unique(values))
    weights = values.value_counts()
    best = 0.0
    for scale in scales.SCALES:
        kinds = distinct.map(lambda v: scales.normalise_label(scale, v).kind)
        good = distinct[kinds.isin(["point", "non-response"]).to_numpy()]
        if not good.str.contains(r"[A-Za-z]", regex=True).any():
            continue
        share = weights.reindex(good).sum() / len(values)
        best = max(best, share)
    return best


def _looks_like_paper(grid: pd.DataFrame) -> bool:
    at = mk.find_header(grid, _is_header)
    if at is None or (grid.iloc[:at].ne("").sum(axis=1) > 1).any():
        return False  # no header, or a fuller row above it: another kind of table
    header = grid.iloc[at].tolist()
    below = grid.iloc[at + 1:]
    for c, (text, kind) in enumerate(zip(header, classify_columns(header))):
        if kind != "question" or not _question_like(text):
            continue
        values = below[c][below[c].ne("")]
        if len(values) >= 2 and _scaled_share(values) >= 0.6:
            return True
    return False


def detect(sniff: Sniff) -> str | None:
    """``paper-evaluation`` for a table headed by printed questions whose answers are mostly
    scale labels, and with none of the online survey tools' columns."""
    if sniff.is_xlsx:
        grids = [mk.text_grid(rows) for rows in sniff.sheets.values() if rows]
    elif sniff.text:
        import csv
        import io

        lines = sniff.text.replace("\r\n", "\n").replace("\r", "\n").split("\n")[:60]
        delimiter = mk.guess_delimiter("\n".join(lines))
        try:
            records = list(csv.reader(io.StringIO("\n".join(lines[:-1] or lines)), delimiter=delimiter))
        except csv.Error:
            return None
        grids = [mk.text_grid(records)]
    else:
        return None
    return "paper-evaluation" if any(len(g) and _looks_like_paper(g) for g in grids) else None


# --------------------------------------------------------------------------- reading

def read(path: Path, context: Context, format: str = "paper-evaluation") -> Reading:
    """Read typed-up evaluation sheets into ``responses`` and ``comments``.

    Raises
    ------
    InputError
        When no sheet holds a table headed by questions.
    """
    path = Path(path)
    base_name = context.source_file or path.name
    grids, notes = mk.typed_grids(path)
    several = len(grids) > 1
    responses, comments, fates, meta = [], [], [], {"titles": [], "notes": []}
    for sheet, grid in grids.items():
        source_file = f"{base_name}#{sheet}" if several else base_name
        at = mk.find_header(grid, _is_header)
        if at is None:
            if several:
                notes.append(f"sheet '{sheet}' has no evaluation table; its rows are skipped")
                fates.append(fates_frame(source_file, grid.index, "skipped-structure", None,
                                         np.where(grid.ne("").any(axis=1), f"sheet '{sheet}' holds no evaluation table",
                                                  "blank line"), context.pilot_id))
                continue
            raise InputError(path, "no evaluation table found: no row in the first 25 is headed by "
                             "printed questions (a header ending in '?' or a sentence)")
        found = _read_table(grid, at, sheet=sheet if several else None, source_file=source_file,
                            context=context, notes=notes, meta=meta)
        responses.append(found[0])
        comments.append(found[1])
        fates.append(found[2])
    if not responses:
        raise InputError(path, "no evaluation table found in any sheet")
    tables = {
        "responses": mk.as_object_text(pd.concat(responses, ignore_index=True)),
        "comments": mk.as_object_text(pd.concat(comments, ignore_index=True)),
    }
    return Reading(path=path, format=format, tables=tables, fates=pd.concat(fates, ignore_index=True),
                   notes=notes, meta=meta)


def _read_table(grid: pd.DataFrame, at: int, *, sheet: str | None, source_file: str, context: Context,
                notes: list[str], meta: dict) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    where = f"sheet '{sheet}'" if sheet is not None else "the table"
    table = mk.locate_table(grid, at, sections=False, long_notes=False, note_column=0)
    header = table.header
    kinds = classify_columns(header)
    rows = table.data
    data = grid.loc[rows]
    meta["titles"].extend(table.titles)
    meta["notes"].extend(table.notes)
    notes.extend(f"{where}: note under the table: {n}" for n in table.notes)

    def column(kind: str) -> pd.Series | None:
        if kind not in kinds:
            return None
        values = data[kinds.index(kind)]
        return values.where(values.ne(""), None).astype("object")

    # questions: every other column, labelled with its header as written
    questions = [c for c, k in enumerate(kinds) if k == "question"]
    for c, k in enumerate(kinds):
        if k == "blank" and data[c].ne("").any():
            questions.append(c)
            notes.append(f"{where}: column {c + 1} has no header but holds answers; they are kept under "
                         f"the question 'column {c + 1}'")
    labels, seen = {}, {}
    for c in sorted(questions):
        label = header[c] or f"column {c + 1}"
        seen[label] = seen.get(label, 0) + 1
        if seen[label] > 1:
            notes.append(f"{where}: the question '{label}' heads more than one column; "
                         f"column {c + 1} is read as '{label} ({seen[label]})'")
            label = f"{label} ({seen[label]})"
        labels[c] = label
    answers = pd.DataFrame({labels[c]: data[c].to_numpy(dtype=object) for c in sorted(questions)},
                           index=pd.RangeIndex(len(rows)))

    # sheets typed twice: every cell the same, and a name or email to say whose sheet it is
    who = (column("name").fillna("") if "name" in kinds else pd.Series("", index=rows)) + \
          (column("email").fillna("") if "email" in kinds else pd.Series("", index=rows))
    same = data.duplicated(keep="first") & who.ne("")
    first_of = data.reset_index().groupby(list(data.columns), sort=False)["source_row"].transform("min")
    first_of.index = rows
    settled = {}
    for position in np.flatnonzero(same.to_numpy()):
        settled[position] = ("merged", f"typed twice: the same sheet as row {first_of.iloc[position]}")

    session_id, problems = _sessions(data, kinds, header, sheet, rows, source_file, context, where, notes)
    sheet_no = column("sheet")
    records = SurveyRecords(
        answers=answers,
        source_row=pd.Series(rows.to_numpy(), dtype="int64"),
        respondent_id=None if sheet_no is None else sheet_no.reset_index(drop=True),
        source_name=None if column("name") is None else column("name").reset_index(drop=True),
        source_email=None if column("email") is None else column("email").reset_index(drop=True),
        wave=pd.Series([context.wave or "feedback"] * len(rows), dtype="object"),
        session_id=session_id,
        settled=settled,
    )
    responses, comments, data_fates = survey_tables(records, context, source_file, notes)
    for position, reason in problems.items():
        if data_fates.at[position, "fate"] == "merged":
            continue
        data_fates.at[position, "fate"] = "quarantined"
        before = data_fates.at[position, "reason"]
        data_fates.at[position, "reason"] = f"{before}; {reason}" if before else reason

    structure = table.roles[table.roles.ne("data")]
    reasons = structure.map({"title": "title row", "header": "header row", "blank": "blank line",
                             "note": "note under the table"}).fillna("structure")
    structure_fates = fates_frame(source_file, structure.index.to_numpy(), "skipped-structure", None,
                                  reasons.tolist(), context.pilot_id)
    fates = pd.concat([data_fates, structure_fates], ignore_index=True).sort_values("source_row", kind="stable")
    return responses, comments, fates.reset_index(drop=True)


def _sessions(data: pd.DataFrame, kinds: list[str], header: list[str], sheet: str | None, rows: pd.Index,
              source_file: str, context: Context, where: str, notes: list[str]) -> tuple[pd.Series, dict]:
    """The session of each sheet, and problems (unreadable dates) by record position.

    In order: the file's pin; the "Which session" column; the "Date" column; the sheet name.
    """
    n = len(rows)
    problems: dict[int, str] = {}
    found = pd.Series([None] * n, dtype="object")
    if context.session_id:
        found[:] = context.session_id
    if "session" in kinds:
        c = kinds.index("session")
        values = data[c].reset_index(drop=True)
        if context.sessions:
            matched = {}
            for value in pd.unique(values[values.ne("")]):
                session_id, how = mk.match_session(value, context.sessions)
                matched[value] = session_id
                if session_id is None:
                    notes.append(f"{where}: '{value}' in column '{header[c]}' matches no session ({how})")
            by_column = values.map(matched).astype("object")
        else:
            by_column = values.where(values.ne(""), None).astype("object")
        if context.session_id:
            differ = by_column.notna() & by_column.ne(context.session_id)
            if differ.any():
                notes.append(f"{where}: the file is pinned to session {context.session_id}, but "
                             f"{int(differ.sum())} sheet(s) name another in column '{header[c]}'; the pin wins")
        else:
            found = by_column.where(by_column.notna(), None)
    if "date" in kinds:
        c = kinds.index("date")
        values = data[c].reset_index(drop=True)
        by_date = {}
        for value in pd.unique(values[values.ne("")]):
            uk, us = mk.dates_in(value)
            if not uk and not us:
                for position in np.flatnonzero(values.eq(value).to_numpy()):
                    problems[position] = (f"{source_file} row {rows[position]}, column '{header[c]}': "
                                          f"{value!r} is not a date")
                continue
            by_date[value] = mk.match_session(value, context.sessions)[0] if context.sessions else None
        dated = values.map(by_date).astype("object")
        fill = found.isna() & dated.notna() & values.ne("")
        if not context.session_id:
            found[fill] = dated[fill]
    if sheet is not None and not context.session_id and found.isna().any() and context.sessions:
        session_id, how = mk.match_session(sheet, context.sessions)
        if session_id is not None:
            notes.append(f"{where}: the sheet name is session {session_id} ({how})")
            found[found.isna()] = session_id
    return found.where(found.notna(), None), problems
