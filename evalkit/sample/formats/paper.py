"""Write evaluation sheets typed up from paper: one row per sheet handed in.

A CSV as Excel saves it ("CSV (Comma delimited)": Windows-1252 when every character fits,
otherwise "CSV UTF-8" with a byte-order mark; CRLF; quotes only where needed) or, for a
``.xlsx`` path, a workbook. Headers are the printed questions; answers the words ticked, as
given in the truth (``Strongly agree``, ``SA``, ``4 - Agree``, ``N/A``, blank); comments
keep their stray quotes. Realism added with ``rng``: a title row, a sheet typed twice (a
named one, so the reader can tell), a blank line inside the table, a "Typed up by" note.

>>> import numpy as np, pandas as pd, tempfile
>>> from pathlib import Path
>>> answers = pd.DataFrame({
...     "record": [1, 1, 2, 2], "person_key": ["K-01", "K-01", None, None], "respondent_id": None,
...     "source_name": ["Cllr Ann Hill", "Cllr Ann Hill", None, None], "source_email": None,
...     "submitted_at": None, "question": ["Was the session useful?", "Any other comments"] * 2,
...     "raw": ["SA", 'the "tablet" demo', "agree", None], "kind": ["response", "comment"] * 2,
...     "item_id": ["useful", "comments"] * 2, "value": [5.0, None, 4.0, None],
...     "label": ["Strongly agree", None, "Agree", None], "scale": ["agreement", "text"] * 2,
...     "wave": "feedback", "session_id": "awareness", "quarantine": False})
>>> with tempfile.TemporaryDirectory() as folder:
...     written = write_paper_feedback(Path(folder) / "feedback.csv", source_file="k/surveys/feedback.csv",
...                                    answers=answers, rng=np.random.default_rng(0))
>>> written.tables["responses"]["value"].tolist(), written.tables["comments"]["text"].tolist()
([5.0, 4.0], ['the "tablet" demo'])
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from . import Written
from .register import csv_lines

__all__ = ["write_paper_feedback"]

FORMAT = "paper-evaluation"
NAME_HEADER = "Name (optional)"
EMAIL_HEADER = "Email (optional)"
SESSION_HEADER = "Which session"
_REQUIRED = ["record", "person_key", "respondent_id", "source_name", "source_email", "submitted_at",
             "question", "raw", "kind", "item_id", "value", "label", "scale", "wave", "session_id",
             "quarantine"]
_STRUCTURE = {"title": "title row", "header": "header row", "blank": "blank line", "note": "note under the table"}
_RESPONSE_COLUMNS = ["source_file", "source_row", "respondent_id", "source_name", "source_email", "wave",
                     "session_id", "item_id", "question", "value", "label", "scale", "submitted_at", "person_key"]
_COMMENT_COLUMNS = ["source_file", "source_row", "respondent_id", "source_name", "source_email", "wave",
                    "session_id", "item_id", "question", "text", "submitted_at", "person_key"]


def _text(value) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value)


def _none(value):
    text = _text(value).strip()
    return text or None


def write_paper_feedback(path: Path, *, source_file: str, answers: pd.DataFrame,
                         rng: np.random.Generator) -> Written:
    """Write typed-up evaluation sheets and return what a reader must get back.

    Parameters
    ----------
    path
        ``.csv`` (or ``.xlsx``) file to write.
    source_file
        Its path relative to the programme folder.
    answers
        The long-form survey truth: ``record``, ``person_key``, ``respondent_id`` (None for
        paper), ``source_name`` (None for an anonymous sheet), ``source_email``,
        ``submitted_at`` (None for paper), ``question`` (the printed question, as typed in
        the header), ``raw`` (the answer as written; None = blank), ``kind`` (response or
        comment), ``item_id``, ``value``, ``label``, ``scale``, ``wave``, ``session_id``,
        ``quarantine`` (raw is unreadable: the reader must quarantine the sheet's row).
        Sheets of several sessions get a "Which session" column holding the session id.
    rng
        Source of the realism.

    Returns
    -------
    Written
        ``responses`` (kind response, raw not blank, not quarantined) and ``comments``
        (kind comment, not blank), and the fate of every row of the file (a sheet with an
        unreadable answer quarantined, the sheet typed twice merged, an empty sheet's row a
        blank line).
    """
    missing = [c for c in _REQUIRED if c not in answers.columns]
    if missing:
        raise ValueError(f"answers needs the column(s) {', '.join(missing)}")
    answers = answers.reset_index(drop=True)
    questions = list(dict.fromkeys(answers["question"]))
    records = list(dict.fromkeys(answers["record"]))
    by_record = {r: group for r, group in answers.groupby("record", sort=False)}
    sessions = answers["session_id"].dropna().unique()
    with_session = len(sessions) > 1
    first = answers.drop_duplicates("record").set_index("record")
    with_name = first["source_name"].map(lambda v: _none(v) is not None).any()
    with_email = first["source_email"].map(lambda v: _none(v) is not None).any()
    header = ([SESSION_HEADER] if with_session else []) + questions + ([NAME_HEADER] if with_name else []) \
        + ([EMAIL_HEADER] if with_email else [])
    width = len(header)
    quirks = ["free-form headers (the printed questions)", "answers as the words ticked"]

    def cells_of(record) -> list[str]:
        group = by_record[record]
        raw = dict(zip(group["question"], group["raw"]))
        row = [_text(first.at[record, "session_id"])] if with_session else []
        row += [_text(raw.get(q)) for q in questions]
        row += [_text(first.at[record, "source_name"])] if with_name else []
        row += [_text(first.at[record, "source_email"])] if with_email else []
        return row

    # (cells, role, record, duplicate_of)
    rows: list[tuple[list[str], str, object, object]] = []
    if rng.random() < 0.6:
        rows.append((["Evaluation sheets - typed up"] + [""] * (width - 1), "title", None, None))
        quirks.append("a title row above the header")
    rows.append((header, "header", None, None))
    for record in records:
        rows.append((cells_of(record), "data", record, None))
    named = [r for r in records if _none(first.at[r, "source_name"]) or _none(first.at[r, "source_email"])]
    if named and rng.random() < 0.8:
        record = named[int(rng.integers(len(named)))]
        at = next(i for i, row in enumerate(rows) if row[2] == record)
        place = at + 1 if rng.random() < 0.5 else len(rows)
        rows.insert(place, (cells_of(record), "data", record, record))
        quirks.append("a sheet typed twice")
    data_at = [i for i, row in enumerate(rows) if row[1] == "data"]
    if len(data_at) >= 3 and rng.random() < 0.5:
        rows.insert(data_at[int(rng.integers(1, len(data_at)))], ([""] * width, "blank", None, None))
        quirks.append("a blank line inside the table")
    if rng.random() < 0.6:
        rows.append(([""] * width, "blank", None, None))
        rows.append((["Typed up by Democratic Services"] + [""] * (width - 1), "note", None, None))
        quirks.append("a note under the table")

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".xlsx":
        starts = _write_xlsx(path, [cells for cells, *_ in rows])
    else:
        text, starts = csv_lines([cells for cells, *_ in rows])
        try:
            data = text.encode("cp1252")
        except UnicodeEncodeError:
            data = b"\xef\xbb\xbf" + text.encode("utf-8")
        path.write_bytes(data)

    # a sheet is "typed twice" when every cell repeats an earlier named sheet (the reader's rule)
    who_at = [c for c, h in enumerate(header) if h in (NAME_HEADER, EMAIL_HEADER)]
    line_of, seen, merged_records = {}, {}, set()
    fates = []
    for (cells, role, record, duplicate_of), line in zip(rows, starts):
        same = tuple(c.strip() for c in cells)
        if role != "data":
            fates.append((line, "skipped-structure", None, _STRUCTURE[role]))
        elif not any(same):
            fates.append((line, "skipped-structure", None, "blank line (an empty sheet)"))
        elif same in seen:
            fates.append((line, "merged", "responses", f"typed twice: the same sheet as row {seen[same]}"))
            if duplicate_of is None:
                merged_records.add(record)
        else:
            if any(same[c] for c in who_at):
                seen[same] = line
            line_of[record] = line
            sheet = by_record[record]
            bad = sheet["quarantine"].astype(bool) & sheet["raw"].map(lambda v: _none(v) is not None)
            if bad.any():
                shown = ", ".join(f"{q!r}: {r!r}" for q, r in zip(by_record[record]["question"][bad],
                                                                    by_record[record]["raw"][bad]))
                fates.append((line, "quarantined", "responses", f"unreadable answer ({shown})"))
            else:
                fates.append((line, "kept", "responses", None))
    fates = pd.DataFrame(fates, columns=["source_row", "fate", "table", "reason"])

    truth = answers[~answers["record"].isin(merged_records)].copy()
    if merged_records:
        quirks.append("two sheets typed the same, with the same name (merged)")
    truth["source_row"] = truth["record"].map(line_of)
    truth["text"] = truth["raw"].map(_none)
    present = truth["text"].notna()
    meta = {"source_file": source_file, "respondent_id": None, "submitted_at": None}
    responses = truth[truth["kind"].eq("response") & present & ~truth["quarantine"].astype(bool)].assign(**meta)
    responses["source_name"] = responses["source_name"].map(_none)
    responses["source_email"] = responses["source_email"].map(_none)
    comments = truth[truth["kind"].eq("comment") & present].assign(**meta)
    comments["source_name"] = comments["source_name"].map(_none)
    comments["source_email"] = comments["source_email"].map(_none)
    if with_session is False and len(sessions) == 1:
        quirks.append("one session: the file must be pinned to it")
    return Written(source_file=source_file, format=FORMAT,
                   tables={"responses": responses[_RESPONSE_COLUMNS].reset_index(drop=True),
                           "comments": comments[_COMMENT_COLUMNS].reset_index(drop=True)},
                   fates=fates, quirks=quirks)


def _write_xlsx(path: Path, rows: list[list[str]]) -> list[int]:
    import openpyxl
    from openpyxl.styles import Font

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Feedback"
    for number, cells in enumerate(rows, start=1):
        for column, value in enumerate(cells, start=1):
            if value != "":
                sheet.cell(row=number, column=column, value=value)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    book.save(path)
    return list(range(1, len(rows) + 1))
