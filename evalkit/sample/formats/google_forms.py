"""Write survey truth as a Google Forms "Download responses (.csv)" file.

Every field is quoted; records end with CRLF (line breaks inside answers stay LF); UTF-8
without BOM. ``Timestamp`` first, written ``2024/10/26 11:58:03 PM GMT+1``: the form's
zone is Europe/London, so a time in British Summer Time says ``GMT+1`` and one in winter
``GMT`` (around the autumn clock change both appear). An ``Email address`` column follows
when the form collects emails, and a ``Your name`` question when respondents give their
name. Checkbox answers are joined with ``;``; grid rows are ``Question [Row]`` columns
(the truth already names them so). Responses are listed in submission order.

Realism added with ``rng``: a person who presses Submit twice (the same answers a few
seconds apart; merged by the reader).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
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

__all__ = ["write_google_forms", "forms_timestamp"]

FORMAT = "google-forms"
EMAIL = "Email address"
NAME = "Your name"


def forms_timestamp(local: pd.Timestamp) -> str:
    """A time stamp as the Google Forms download writes it (``local`` is tz-aware).

    >>> forms_timestamp(pd.Timestamp("2024-10-26 23:58:03", tz="Europe/London"))
    '2024/10/26 11:58:03 PM GMT+1'
    >>> forms_timestamp(pd.Timestamp("2024-10-28 00:05:00", tz="Europe/London"))
    '2024/10/28 12:05:00 AM GMT'
    """
    hours = int(local.utcoffset().total_seconds() // 3600)
    zone = "GMT" if hours == 0 else f"GMT{hours:+d}"
    clock = local.hour % 12 or 12
    return f"{local:%Y/%m/%d} {clock}:{local:%M:%S} {'AM' if local.hour < 12 else 'PM'} {zone}"


def _field(raw: object) -> str:
    if raw is None or (isinstance(raw, float) and np.isnan(raw)):
        return ""
    if isinstance(raw, (list, tuple)):
        return ";".join(str(c).strip() for c in raw if str(c).strip())
    return str(raw).replace("\r\n", "\n")


def write_google_forms(path: Path, *, source_file: str, answers: pd.DataFrame,
                       rng: np.random.Generator) -> Written:
    """Write ``answers`` (the long-form survey truth) as a Google Forms CSV download.

    Returns
    -------
    Written
        Expected ``responses`` and ``comments`` (as the ``google-forms`` reader gives them:
        ``respondent_id`` is ``row-<line>``) and the fate of every record of the file.
    """
    path = Path(path)
    records = truth_records(answers)
    cells = truth_cells(answers)
    questions = truth_questions(answers)
    quirks = []

    identified = records["source_email"].notna() | records["source_name"].notna()
    repeat = choose_repeat(records, answers, rng, identified)
    records["repeat_of"] = None
    if repeat is not None:
        copy = records[records["record"] == repeat].copy()
        copy["submitted_at"] = copy["submitted_at"] + pd.Timedelta(seconds=int(rng.integers(1, 5)))
        copy["repeat_of"] = repeat
        records = pd.concat([records, copy], ignore_index=True)
        records = records.sort_values("submitted_at", kind="stable").reset_index(drop=True)
        quirks.append("Submit pressed twice: the same answers seconds apart (merged)")
    records["stamp"] = aware(records["submitted_at"]).reset_index(drop=True)

    with_email = bool(records["source_email"].notna().any())
    with_name = bool(records["source_name"].notna().any())
    header = ["Timestamp"] + ([EMAIL] if with_email else []) + ([NAME] if with_name else []) + questions
    rows = []
    for _, record in records.iterrows():
        row = [forms_timestamp(record["stamp"])]
        if with_email:
            row.append(record["source_email"] or "")
        if with_name:
            row.append(record["source_name"] or "")
        row += [_field(cells.at[record["record"], q]) for q in questions]
        rows.append(row)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)

    spans = [1 + sum(field.count("\n") for field in row) for row in [header] + rows]
    starts = np.concatenate([[1], 1 + np.cumsum(spans)[:-1]])
    records["source_row"] = starts[1:]
    offsets = {forms_timestamp(t).rsplit(" ", 1)[1] for t in records["stamp"]}
    if len(offsets) > 1:
        quirks.append("time stamps in both GMT and GMT+1 (the clocks changed during the survey)")

    firsts = records[records["repeat_of"].isna()].reset_index(drop=True)
    placed = pd.DataFrame({
        "record": firsts["record"],
        "source_row": firsts["source_row"],
        "respondent_id": [f"row-{r}" for r in firsts["source_row"]],
        "source_name": firsts["source_name"].map(lambda v: v.strip() if isinstance(v, str) and v.strip() else None),
        "source_email": firsts["source_email"].map(lambda v: v.strip() if isinstance(v, str) and v.strip() else None),
        "submitted_at": firsts["stamp"],
    })
    for column in ("source_name", "source_email"):
        placed[column] = placed[column].astype("object").where(placed[column].notna(), None)
    texts = comment_texts(answers, lambda choices: ";".join(choices))
    tables = expected_tables(answers, placed, questions, source_file, texts)
    first_row = dict(zip(firsts["record"], firsts["source_row"]))
    records["repeat_of"] = records["repeat_of"].map(lambda r: first_row[r] if pd.notna(r) else None)
    fates = expected_fates([(1, "header row")], records, answers)
    if answers["quarantine"].astype(bool).any():
        quirks.append("an unreadable answer label (quarantined)")
    return Written(source_file=source_file, format=FORMAT, tables=tables, fates=fates, quirks=quirks)
