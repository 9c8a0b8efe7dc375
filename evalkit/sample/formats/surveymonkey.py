"""Write survey truth as a SurveyMonkey "all individual responses" expanded CSV.

Two header rows. Row 1: ``Respondent ID, Collector ID, Start Date, End Date, IP Address,
Email Address, First Name, Last Name, Custom Data 1``, then each question's text in the
first of its columns only. Row 2: blank under those, then per column ``Response`` (a
single-answer question), ``Open-Ended Response`` (a text box), a matrix-row label, a choice
label (multi-select: a ticked cell holds the choice), or ``Other (please specify)``.
Minimal quoting (question texts with commas or line breaks are quoted), CRLF record ends,
UTF-8 with a BOM (inferred: the tool's files open in Excel with accents intact). Dates
``MM/DD/YYYY hh:mm:ss AM/PM``, month-first for every account. Respondent IDs are 11-digit
numbers rising in submission order; the collector is one 9-digit number.

How the truth's question texts are laid out: ``Question [Row]`` texts sharing a
``Question`` become one matrix; a question whose answers are lists of choices becomes one
column per choice (the choices in the order first ticked); ``Question [Other]`` next to a
``Question`` becomes its ``Other (please specify)`` column.

Realism added with ``rng``: a person who takes the survey twice through the same email
invitation (same answers, a new Respondent ID; merged by the reader).
"""

from __future__ import annotations

import csv
import re
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
    is_blank_raw,
    truth_cells,
    truth_questions,
    truth_records,
)

__all__ = ["write_surveymonkey"]

FORMAT = "surveymonkey-expanded"
OWN = ["Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address", "Email Address",
       "First Name", "Last Name", "Custom Data 1"]
RESPONSE, OPEN_ENDED, OTHER = "Response", "Open-Ended Response", "Other (please specify)"
_SUB = re.compile(r"^(?P<base>.*\S)\s*\[(?P<sub>[^\[\]]+)\]$", re.DOTALL)


def _name_parts(name: object) -> tuple[str, str]:
    """First and last name cells from a full name (split at the first space)."""
    if not isinstance(name, str) or not name.strip():
        return "", ""
    first, _, last = name.strip().partition(" ")
    return first, last.strip()


def _layout(answers: pd.DataFrame, cells: pd.DataFrame) -> list[dict]:
    """Question groups in file order. Each column: ``question`` (truth text or ``None``
    for a choice of a multi-select), ``label`` (row 2) and ``choice``."""
    questions = truth_questions(answers)
    multi = {q for q in questions if cells[q].map(lambda v: isinstance(v, (list, tuple))).any()}
    groups: dict[str, dict] = {}
    for question in questions:
        match = _SUB.match(question)
        base, sub = (match.group("base"), match.group("sub")) if match else (question, None)
        group = groups.setdefault(base, {"title": base, "main": [], "choices": [], "rows": [], "other": []})
        if sub is None:
            if question in multi:
                seen = []
                for raw in cells[question]:
                    if isinstance(raw, (list, tuple)):
                        seen += [str(c).strip() for c in raw if str(c).strip() and str(c).strip() not in seen]
                group["choices"] = [{"question": question, "label": c, "choice": c} for c in seen]
                if not seen:
                    group["main"].append({"question": question, "label": OPEN_ENDED, "choice": None})
            else:
                kinds = set(answers.loc[answers["question"] == question, "kind"])
                label = OPEN_ENDED if kinds == {"comment"} else RESPONSE
                group["main"].append({"question": question, "label": label, "choice": None})
        elif sub == "Other" and base in questions:
            group["other"].append({"question": question, "label": OTHER, "choice": None})
        else:
            group["rows"].append({"question": question, "label": sub, "choice": None})
    layout = []
    for group in groups.values():
        columns = group["main"] + group["choices"] + group["rows"] + group["other"]
        layout.append({"title": group["title"], "columns": columns})
    return layout


def _cell(raw: object, column: dict) -> str:
    if column["choice"] is not None:
        chosen = [str(c).strip() for c in raw] if isinstance(raw, (list, tuple)) else []
        return column["choice"] if column["choice"] in chosen else ""
    if is_blank_raw(raw):
        return ""
    return str(raw).replace("\r\n", "\n")


def write_surveymonkey(path: Path, *, source_file: str, answers: pd.DataFrame,
                       rng: np.random.Generator) -> Written:
    """Write ``answers`` (the long-form survey truth) as a SurveyMonkey expanded CSV.

    Returns
    -------
    Written
        Expected ``responses`` and ``comments`` (as the ``surveymonkey-expanded`` reader
        gives them) and the fate of every record of the file (both header rows are
        structure).
    """
    path = Path(path)
    records = truth_records(answers)
    cells = truth_cells(answers)
    layout = _layout(answers, cells)
    quirks = []

    identified = records["source_email"].notna() | records["source_name"].notna()
    repeat = choose_repeat(records, answers, rng, identified)
    records["repeat_of"] = None
    if repeat is not None:
        copy = records[records["record"] == repeat].copy()
        copy["submitted_at"] = copy["submitted_at"] + pd.Timedelta(minutes=int(rng.integers(10, 180)))
        copy["repeat_of"] = repeat
        copy["respondent_id"] = None
        records = pd.concat([records, copy], ignore_index=True)
        records = records.sort_values("submitted_at", kind="stable").reset_index(drop=True)
        quirks.append("a person took the survey twice through the same invitation (merged)")

    first_id = int(rng.integers(10**10, 9 * 10**10))
    steps = rng.integers(1_000, 90_000, size=len(records))
    tool_ids = [str(first_id + int(s)) for s in np.cumsum(steps)]
    records["written_id"] = [str(g) if g is not None else t for g, t in zip(records["respondent_id"], tool_ids)]
    collector = str(int(rng.integers(10**8, 10**9)))
    durations = pd.to_timedelta(rng.integers(120, 900, size=len(records)), unit="s")
    ips = [f"{int(a)}.{int(b)}.{int(c)}.{int(d)}" for a, b, c, d in rng.integers(1, 255, size=(len(records), 4))]

    columns = [c for group in layout for c in group["columns"]]
    row1 = list(OWN)
    row2 = [""] * len(OWN)
    for group in layout:
        for n, column in enumerate(group["columns"]):
            row1.append(group["title"] if n == 0 else "")
            row2.append(column["label"])
    rows = []
    for n, record in records.iterrows():
        end = record["submitted_at"]
        start = end - durations[n]
        first, last = _name_parts(record["source_name"])
        row = [record["written_id"], collector, f"{start:%m/%d/%Y %I:%M:%S %p}", f"{end:%m/%d/%Y %I:%M:%S %p}",
               ips[n], record["source_email"] or "", first, last, ""]
        row += [_cell(cells.at[record["record"], c["question"]], c) for c in columns]
        rows.append(row)
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
        writer.writerow(row1)
        writer.writerow(row2)
        writer.writerows(rows)

    spans = [1 + sum(field.count("\n") for field in row) for row in [row1, row2] + rows]
    starts = np.concatenate([[1], 1 + np.cumsum(spans)[:-1]])
    records["source_row"] = starts[2:]
    if any(group["columns"] and any(c["choice"] for c in group["columns"]) for group in layout):
        quirks.append("multi-select question spread over one column per choice")
    if any("\n" in group["title"] or "," in group["title"] for group in layout):
        quirks.append("question texts with commas or line breaks (quoted)")

    firsts = records[records["repeat_of"].isna()].reset_index(drop=True)
    names = firsts["source_name"].map(lambda v: " ".join(p for p in _name_parts(v) if p) or None)
    placed = pd.DataFrame({
        "record": firsts["record"],
        "source_row": firsts["source_row"],
        "respondent_id": firsts["written_id"],
        "source_name": names.astype("object").where(names.notna(), None),
        "source_email": firsts["source_email"],
        "submitted_at": aware(firsts["submitted_at"]),
    })
    order = list(dict.fromkeys(c["question"] for c in columns))
    choice_order = {c["question"]: [] for c in columns if c["choice"] is not None}
    for c in columns:
        if c["choice"] is not None:
            choice_order[c["question"]].append(c["choice"])

    def joined(part: pd.DataFrame) -> pd.Series:
        ordered = [
            [c for c in choice_order[q] if c in {str(x).strip() for x in raw}]
            if q in choice_order and isinstance(raw, (list, tuple)) else raw
            for q, raw in zip(part["question"], part["raw"])
        ]
        return comment_texts(part.assign(raw=pd.Series(ordered, index=part.index, dtype="object")),
                             lambda chosen: "; ".join(chosen))

    texts = joined(answers)
    tables = expected_tables(answers, placed, order, source_file, texts)
    first_row = dict(zip(firsts["record"], firsts["source_row"]))
    records["repeat_of"] = records["repeat_of"].map(lambda r: first_row[r] if pd.notna(r) else None)
    fates = expected_fates([(int(starts[0]), "header row (question texts)"),
                            (int(starts[1]), "second header row (answer labels)")], records, answers)
    if answers["quarantine"].astype(bool).any():
        quirks.append("an unreadable answer label (quarantined)")
    return Written(source_file=source_file, format=FORMAT, tables=tables, fates=fates, quirks=quirks)
