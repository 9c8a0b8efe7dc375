"""Microsoft Forms responses downloaded to Excel.

Layout (first sheet): ``ID, Start time, Completion time, Email, Name`` (newer forms add
``Last modified time``), then one column per question titled with its text, not always in
the form's question order. Quizzes add ``Total points``, ``Quiz feedback``, and
``Points - <question>`` / ``Feedback - <question>`` columns: these are derived, not
answers, so they are left out (and the reading's notes say so). Anonymous replies have
``anonymous`` in Email and an empty Name. Multi-select answers are joined with ``;`` and
end in ``;``; they become one text, ``a; b``. Times are real Excel date-times, naive local
times in the programme's time zone.

``respondent_id`` is the ID as text; ``submitted_at`` the completion time. A repeated
submission (same answers from the same person) is merged into the first.

>>> from evalkit.readers import ms_forms
>>> sorted(ms_forms.FORMATS)
['microsoft-forms']
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from ..clean.answers import SurveyRecords
from ..clean.surveys import (
    blank,
    blank_cells,
    cell_text,
    duplicate_submissions,
    excel_datetimes,
    find_columns,
    id_text,
    stripped_text,
    submitter,
    survey_reading,
    tidy_choice_lists,
    unreadable_times,
)
from ..scales import key
from .base import Context, InputError, Reading, Sniff, sniffed_sheets

__all__ = ["FORMATS", "detect", "read"]

FORMATS = {"microsoft-forms": "Microsoft Forms responses downloaded to Excel (.xlsx)"}

#: the tool's own columns, by role
OWN_COLUMNS = {
    "id": ("ID",),
    "start": ("Start time",),
    "completion": ("Completion time",),
    "email": ("Email",),
    "name": ("Name",),
    "modified": ("Last modified time",),
    "total_points": ("Total points",),
    "quiz_feedback": ("Quiz feedback",),
}
#: quiz columns computed by the tool, one per question
QUIZ_PREFIXES = ("points - ", "feedback - ")
_REQUIRED = ("id", "start", "completion")
_HEADER_SEARCH_ROWS = 10


def _header_position(rows: list[tuple]) -> int | None:
    """Index of the header row (the first with ID, Start time and Completion time)."""
    for position, row in enumerate(rows[:_HEADER_SEARCH_ROWS]):
        found = find_columns(list(row), {r: OWN_COLUMNS[r] for r in _REQUIRED})
        if len(found) == len(_REQUIRED):
            return position
    return None


def detect(sniff: Sniff) -> str | None:
    """``microsoft-forms`` for a workbook whose first sheet has the Forms header."""
    if not sniff.is_xlsx or not sniff.sheets:
        return None
    first = next(iter(sniff.sheets.values()))
    return "microsoft-forms" if _header_position(first) is not None else None


def _sheet_rows(path: Path) -> tuple[str, list[tuple]]:
    """The first sheet's title and rows (what detection's sniff read, when it read the whole
    sheet; else the workbook opened again)."""
    import openpyxl

    sniffed = sniffed_sheets(path)
    if sniffed is not None and sniffed[0] and sniffed[0][0] in sniffed[1]:
        title = sniffed[0][0]
        return title, list(sniffed[1][title])
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InputError(path, f"the workbook cannot be opened (damaged or truncated: {exc})") from None
    try:
        sheet = book.worksheets[0]
        return sheet.title, [tuple(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()


def _is_quiz_column(header: str) -> bool:
    folded = key(header)
    return folded in (key(OWN_COLUMNS["total_points"][0]), key(OWN_COLUMNS["quiz_feedback"][0])) \
        or folded.startswith(QUIZ_PREFIXES)


def read(path: Path, context: Context, format: str = "microsoft-forms") -> Reading:
    """Read a Microsoft Forms Excel download into ``responses`` and ``comments``.

    Raises
    ------
    InputError
        When the first sheet has no Forms header row.
    """
    path = Path(path)
    sheet_name, rows = _sheet_rows(path)
    header_at = _header_position(rows)
    if header_at is None:
        raise InputError(path, f"sheet '{sheet_name}' has no header row with ID, Start time and "
                         "Completion time in its first rows (not a Microsoft Forms download?)")
    width = max((len(r) for r in rows), default=0)
    grid = pd.DataFrame([list(r) + [None] * (width - len(r)) for r in rows], dtype="object")
    grid = grid.where(grid.notna(), None)
    empty_row = _blank_rows(grid)
    last = int(np.flatnonzero(~empty_row.to_numpy())[-1]) if (~empty_row).any() else header_at
    sheet_row = pd.Series(np.arange(1, len(grid) + 1), dtype="int64")

    header = [("" if v is None else str(v).strip()) for v in grid.iloc[header_at]]
    body = grid.iloc[header_at + 1:last + 1]
    is_record = ~empty_row.iloc[header_at + 1:last + 1]
    records_grid = body[is_record.to_numpy()].reset_index(drop=True)
    record_rows = sheet_row.iloc[header_at + 1:last + 1][is_record.to_numpy()].reset_index(drop=True)

    structure = pd.concat(
        [
            pd.DataFrame({"source_row": sheet_row.iloc[:header_at],
                          "reason": "row above the header row"}),
            pd.DataFrame({"source_row": [header_at + 1], "reason": ["header row"]}),
            pd.DataFrame({"source_row": sheet_row.iloc[header_at + 1:last + 1][(~is_record).to_numpy()],
                          "reason": "blank row"}),
        ],
        ignore_index=True,
    )

    own = find_columns(header, OWN_COLUMNS)
    notes: list[str] = []
    quiz = [c for c, h in enumerate(header) if h and _is_quiz_column(h)]
    if quiz:
        notes.append(
            f"{len(quiz)} quiz column(s) ({', '.join(repr(header[c]) for c in quiz[:4])}"
            f"{', …' if len(quiz) > 4 else ''}) are scores and feedback the tool derived, "
            "not answers: left out of responses"
        )
    question_columns = []
    for position, title in enumerate(header):
        if position in own.values() or position in quiz:
            continue
        values = records_grid[position] if position in records_grid.columns else pd.Series(dtype="object")
        if not title:
            if blank(values).all():
                continue
            title = f"Column {_letter(position)}"
            notes.append(f"column {_letter(position)} has answers but no question title; "
                         f"kept as question '{title}'")
        question_columns.append((position, title))

    answers = pd.DataFrame(
        {f"q{n}": _answer_text(records_grid[position]) for n, (position, _) in enumerate(question_columns)},
        index=records_grid.index,
    )
    question_text = {f"q{n}": title for n, (_, title) in enumerate(question_columns)}

    def own_column(role: str) -> pd.Series | None:
        return records_grid[own[role]] if role in own else None

    email = own_column("email")
    source_email = None
    if email is not None:
        text = stripped_text(email)
        anonymous = text.map(lambda v: isinstance(v, str) and key(v) == "anonymous").astype(bool)
        source_email = text.where(~anonymous, None)
        if anonymous.any():
            notes.append(f"{int(anonymous.sum())} anonymous repl(y/ies): no email or name")
    name = own_column("name")
    source_name = stripped_text(name) if name is not None else None
    respondent_id = id_text(own_column("id"))

    completion = own_column("completion")
    submitted, failed = excel_datetimes(completion)
    missing = blank(completion)
    settled = duplicate_submissions(answers, submitter(source_email, source_name), respondent_id, record_rows)
    settled.update(unreadable_times(failed, completion, header[own["completion"]], record_rows,
                                    "a date-time"))
    for label in missing.index[missing.to_numpy(dtype=bool)]:
        settled[label] = ("quarantined", f"row {int(record_rows[label])}: column "
                          f"'{header[own['completion']]}' is blank: the response has no completion time")
    if "modified" in own:
        edited = int((~blank(records_grid[own["modified"]])).sum())
        if edited:
            notes.append(f"{edited} response(s) were edited after submission (Last modified time); "
                         "submitted_at is the completion time")

    records = SurveyRecords(
        answers=answers,
        source_row=record_rows,
        respondent_id=respondent_id,
        source_name=source_name,
        source_email=source_email,
        submitted_at=submitted,
        settled=settled,
        question_text=question_text,
    )
    meta = {"sheet": sheet_name, "questions": [t for _, t in question_columns]}
    return survey_reading(path, context, format, records, structure, notes, meta)


def _blank_rows(grid: pd.DataFrame) -> pd.Series:
    """True for rows with no cell filled."""
    if grid.shape[1] == 0:
        return pd.Series([True] * len(grid), dtype=bool)
    return pd.Series(blank_cells(grid.to_numpy(dtype=object)).all(axis=1), index=grid.index, dtype=bool)


def _answer_text(values: pd.Series) -> pd.Series:
    """Cells as answer text; a column of multi-select lists (every answer ends in ``;``)
    becomes ``a; b`` text."""
    text = cell_text(values)
    present = text.notna()
    if present.any() and text[present].map(lambda v: v.rstrip().endswith(";")).all():
        return tidy_choice_lists(text)
    return text


def _letter(position: int) -> str:
    """Spreadsheet column letter of a 0-based position (0 → A, 27 → AB)."""
    letters = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
