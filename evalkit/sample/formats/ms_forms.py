"""Write survey truth as a Microsoft Forms Excel download.

One sheet (``Sheet1``): ``ID, Start time, Completion time, Email, Name`` (and, for a newer
form, ``Last modified time``), then one column per question titled with its text. IDs run
1, 2, 3… in submission order; times are real Excel date-times (naive local); anonymous
replies have ``anonymous`` in Email and no Name; multi-select answers are joined with ``;``
and end in ``;``; answers that are whole numbers are written as numbers.

Realism added with ``rng``: a person who submits the same answers twice a few minutes apart
(merged by the reader), sometimes a question column moved out of the form's order (a
question edited after responses came in), and sometimes the newer ``Last modified time``
column.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd

from . import Written
from .survey_truth import (
    aware,
    choose_repeat,
    comment_texts,
    expected_fates,
    expected_tables,
    truth_cells,
    truth_questions,
    truth_records,
)

__all__ = ["write_ms_forms"]

FORMAT = "microsoft-forms"
DATE_FORMAT = "m/d/yy h:mm:ss"


def _cell(raw: object) -> object:
    """A raw answer as Forms puts it in a cell."""
    if raw is None or (isinstance(raw, float) and np.isnan(raw)):
        return None
    if isinstance(raw, (list, tuple)):
        chosen = [str(c).strip() for c in raw if str(c).strip()]
        return "".join(f"{c};" for c in chosen) or None
    text = str(raw).replace("\r\n", "\n")
    if text.strip().isdigit() and text == text.strip() and not text.startswith("0"):
        return int(text)
    return text if text.strip() else None


def write_ms_forms(path: Path, *, source_file: str, answers: pd.DataFrame,
                   rng: np.random.Generator) -> Written:
    """Write ``answers`` (the long-form survey truth) as a Microsoft Forms .xlsx download.

    Returns
    -------
    Written
        Expected ``responses`` and ``comments`` (as the ``microsoft-forms`` reader gives
        them) and the fate of every sheet row.
    """
    path = Path(path)
    records = truth_records(answers)
    cells = truth_cells(answers)
    questions = truth_questions(answers)
    quirks = []

    # a person submits twice, a few minutes later
    repeat = choose_repeat(records, answers, rng, records["source_email"].notna())
    records["repeat_of"] = None
    if repeat is not None:
        copy = records[records["record"] == repeat].copy()
        copy["submitted_at"] = copy["submitted_at"] + pd.Timedelta(seconds=int(rng.integers(60, 600)))
        copy["repeat_of"] = repeat
        records = pd.concat([records, copy], ignore_index=True)
        records = records.sort_values(["submitted_at"], kind="stable").reset_index(drop=True)
        quirks.append("a person submitted the same answers twice (merged)")

    # tool-style ids in submission order, unless the truth gives them
    given = records["respondent_id"].where(records["repeat_of"].isna(), None)
    ids = pd.Series(np.arange(1, len(records) + 1), dtype="int64")
    records["written_id"] = [int(g) if g is not None and str(g).isdigit() else int(i)
                             for g, i in zip(given, ids)]
    if records["written_id"].duplicated().any():
        records["written_id"] = ids
    records["source_row"] = np.arange(2, len(records) + 2)
    starts = records["submitted_at"] - pd.to_timedelta(rng.integers(60, 900, size=len(records)), unit="s")

    order = list(questions)
    if len(order) >= 3 and rng.random() < 0.5:
        moved = order.pop(int(rng.integers(len(order) - 1)))
        order.append(moved)
        quirks.append(f"question column '{moved}' out of the form's order (moved to the end)")
    modified = bool(rng.random() < 0.5)
    if modified:
        quirks.append("newer layout with a Last modified time column")
    if records["source_email"].isna().any():
        quirks.append("anonymous replies ('anonymous' in Email, empty Name)")

    header = ["ID", "Start time", "Completion time", "Email", "Name"] + (["Last modified time"] if modified else [])
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Sheet1"
    sheet.append(header + order)
    for n, record in records.iterrows():
        email = record["source_email"] if record["source_email"] is not None else "anonymous"
        name = record["source_name"] if record["source_name"] is not None else None
        row = [int(record["written_id"]), starts[n].to_pydatetime(), record["submitted_at"].to_pydatetime(),
               email, name] + ([None] if modified else [])
        row += [_cell(cells.at[record["record"], q]) for q in order]
        sheet.append(row)
    for row in sheet.iter_rows(min_row=2, min_col=2, max_col=3):
        for cell in row:
            cell.number_format = DATE_FORMAT
    book.save(path)

    firsts = records[records["repeat_of"].isna()]
    placed = pd.DataFrame({
        "record": firsts["record"].to_numpy(),
        "source_row": firsts["source_row"].to_numpy(),
        "respondent_id": firsts["written_id"].map(str).to_numpy(),
        "source_name": firsts["source_name"].to_numpy(),
        "source_email": firsts["source_email"].to_numpy(),
    })
    placed["submitted_at"] = aware(firsts["submitted_at"]).reset_index(drop=True)
    texts = comment_texts(answers, lambda choices: "; ".join(choices))
    tables = expected_tables(answers, placed, order, source_file, texts)
    first_row = dict(zip(firsts["record"], firsts["source_row"]))
    records["repeat_of"] = records["repeat_of"].map(lambda r: first_row[r] if pd.notna(r) else None)
    fates = expected_fates([(1, "header row")], records, answers)
    if (answers["quarantine"].astype(bool)).any():
        quirks.append("an unreadable answer label (quarantined)")
    return Written(source_file=source_file, format=FORMAT, tables=tables, fates=fates, quirks=quirks)
