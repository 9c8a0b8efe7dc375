"""SurveyMonkey "all individual responses" CSV, expanded.

Two header rows. Row 1: ``Respondent ID, Collector ID, Start Date, End Date, IP Address,
Email Address, First Name, Last Name, Custom Data 1``, then each question's text in the
first of its columns only (the text may hold commas and line breaks, quoted). Row 2: blank
under the metadata, then per column ``Response``, ``Open-Ended Response``,
``Other (please specify)``, or a choice or matrix-row label. Row 2 is structure.

Columns become question texts like this:

* ``Response`` / ``Open-Ended Response`` alone → the question text;
* a matrix row (cells hold the chosen column label) → ``Question [Row]``;
* multi-select (one column per choice; a ticked cell holds the choice's own label) → one
  text answer for the question, ``a; b``;
* ``Other (please specify)`` → ``Question [Other]``, a comment; a further open-ended box
  in the same question → ``Question [Comment]``.

Dates are ``MM/DD/YYYY hh:mm:ss AM/PM`` whatever the account's country: always
month-first, naive local times. ``submitted_at`` is the End Date. Respondent IDs are long
integers, kept as text. A repeated submission (same answers from the same person, or the
same Respondent ID twice) is merged into the first.

>>> from evalkit.readers import surveymonkey
>>> sorted(surveymonkey.FORMATS)
['surveymonkey-expanded']
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

from ..clean.answers import SurveyRecords
from ..clean.surveys import (
    blank,
    duplicate_submissions,
    find_columns,
    join_choices,
    parse_naive,
    record_grid,
    stripped_text,
    submitter,
    survey_reading,
    unreadable_times,
)
from ..scales import key
from .base import Context, InputError, Reading, Sniff, decode, read_csv_records

__all__ = ["FORMATS", "detect", "read"]

FORMATS = {"surveymonkey-expanded": "SurveyMonkey all individual responses, expanded CSV (two header rows)"}

#: the tool's own columns, by role (older exports run the words together: RespondentID)
OWN_COLUMNS = {
    "respondent_id": ("Respondent ID", "RespondentID"),
    "collector_id": ("Collector ID", "CollectorID"),
    "start": ("Start Date", "StartDate"),
    "end": ("End Date", "EndDate"),
    "ip": ("IP Address", "IPAddress"),
    "email": ("Email Address",),
    "first_name": ("First Name",),
    "last_name": ("Last Name",),
}
#: row-2 labels that are not choices or matrix rows
RESPONSE = "Response"
OPEN_ENDED = "Open-Ended Response"
OTHER = "Other (please specify)"
DATE_FORMATS = ["%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %I:%M %p", "%m/%d/%Y %H:%M"]


def _is_own(title: str) -> bool:
    folded = key(title)
    return folded in {key(n) for names in OWN_COLUMNS.values() for n in names} \
        or folded.startswith("custom data")


def detect(sniff: Sniff) -> str | None:
    """``surveymonkey-expanded`` for CSV text whose first record starts with
    ``Respondent ID`` and names ``Collector ID`` or ``Start Date`` (spaces optional)."""
    if sniff.is_xlsx or not sniff.text:
        return None
    try:
        first = next(csv.reader(io.StringIO(sniff.text.lstrip("\ufeff"))), [])
    except csv.Error:
        return None
    folded = [key(f).replace(" ", "") for f in first]
    if folded and folded[0] == "respondentid" and ({"collectorid", "startdate"} & set(folded)):
        return "surveymonkey-expanded"
    return None


def read(path: Path, context: Context, format: str = "surveymonkey-expanded") -> Reading:
    """Read a SurveyMonkey expanded CSV into ``responses`` and ``comments``.

    Raises
    ------
    InputError
        When the file lacks the second header row (a condensed or one-row export), or a
        question column has no question text above it.
    """
    path = Path(path)
    text, encoding = decode(path)
    try:
        fields, lines = read_csv_records(text)
    except InputError as exc:
        raise InputError(path, exc.problem) from None
    filled = [any(f.strip() for f in record) for record in fields]
    if not any(filled):
        raise InputError(path, "the file has no header rows")
    first_at = filled.index(True)
    titles = [f.strip() for f in fields[first_at]]
    width = len(titles)
    own_count = next((c for c, t in enumerate(titles) if not _is_own(t)), width)
    own = find_columns(titles[:own_count], OWN_COLUMNS)
    if "respondent_id" not in own or "end" not in own:
        raise InputError(path, "the header lacks 'Respondent ID' or 'End Date'", row=int(lines[first_at]))

    label_at = first_at + 1
    labels_row = (fields[label_at] if label_at < len(fields) else []) + [""] * width
    if label_at >= len(fields) or any(f.strip() for f in labels_row[:own_count]) \
            or not any(f.strip() for f in labels_row[own_count:width]):
        raise InputError(path, "row 2 is not a header row of answer labels ('Response', "
                         "'Open-Ended Response', choices): only the expanded export is supported",
                         row=int(lines[label_at]) if label_at < len(lines) else None)
    labels = [f.strip() for f in labels_row[:width]]

    grid, record_rows, overlong, blanks = record_grid(fields, lines, label_at + 1, width)
    structure_at = [i for i in range(first_at) if not filled[i]] + [first_at, label_at] + blanks
    reasons = {first_at: "header row (question texts)", label_at: "second header row (answer labels)"}
    structure = pd.DataFrame({
        "source_row": [int(lines[i]) for i in structure_at],
        "reason": [reasons.get(i, "blank line") for i in structure_at],
    })

    notes = [f"read as {encoding}", "dates read month-first (MM/DD/YYYY), as SurveyMonkey writes them "
             f"for every account, as local times in {context.timezone}"]
    answers, question_text = _question_answers(titles, labels, own_count, grid, path, lines[first_at], notes)

    def text_of(role: str) -> pd.Series | None:
        return stripped_text(grid[own[role]]) if role in own else None

    first, last = text_of("first_name"), text_of("last_name")
    source_name = None
    if first is not None or last is not None:
        parts = pd.DataFrame({"first": first if first is not None else None,
                              "last": last if last is not None else None}, index=grid.index)
        source_name = join_choices(parts, separator=" ")
    source_email = text_of("email")
    respondent_id = text_of("respondent_id")

    end = grid[own["end"]]
    submitted, failed = parse_naive(end, DATE_FORMATS)
    settled = duplicate_submissions(answers, submitter(source_email, source_name), respondent_id, record_rows)
    settled.update(unreadable_times(failed, end, titles[own["end"]], record_rows,
                                    "a date-time like 10/16/2024 08:24:52 PM"))
    for label in end.index[blank(end).to_numpy(dtype=bool)]:
        settled[label] = ("quarantined", f"row {int(record_rows[label])}: column '{titles[own['end']]}' "
                          "is blank: the response has no end date")
    settled.update(overlong)

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
    meta = {"questions": list(dict.fromkeys(question_text.values())), "encoding": encoding}
    return survey_reading(path, context, format, records, structure, notes, meta)


def _question_answers(titles: list[str], labels: list[str], start: int, grid: pd.DataFrame,
                      path: Path, header_line: int, notes: list[str]) -> tuple[pd.DataFrame, dict]:
    """Answer columns (one per question text) from the two-row header; see the module
    docstring for the rules. Columns keep file order (a multi-select question sits where
    its first choice is)."""
    if start < len(titles) and not titles[start]:
        raise InputError(path, "the first question column has no question text in row 1",
                         row=int(header_line), column=f"column {start + 1}")
    groups: list[tuple[str, list[int]]] = []
    for column in range(start, len(titles)):
        if titles[column]:
            groups.append((titles[column], [column]))
        else:
            groups[-1][1].append(column)

    built: list[tuple[int, str, pd.Series]] = []
    for question, columns in groups:
        cells = {c: grid[c] for c in columns}
        kinds = {}
        for c in columns:
            label = key(labels[c])
            if label in (key(RESPONSE), key(OPEN_ENDED), ""):
                kinds[c] = "main"
            elif label == key(OTHER):
                kinds[c] = "other"
            elif cells[c].notna().any():
                present = cells[c].notna()
                same = cells[c][present].map(lambda v: key(v)) == label
                kinds[c] = "choice" if bool(same.all()) else "row"
        # a label column nobody answered is a choice unless the question is a matrix
        unanswered = "row" if "row" in kinds.values() else "choice"
        for c in columns:
            kinds.setdefault(c, unanswered)
        choices = [c for c in columns if kinds[c] == "choice"]
        mains = [c for c in columns if kinds[c] == "main"]
        if choices:
            built.append((choices[0], question, join_choices(grid[choices])))
            notes.append(f"multi-select question '{question}': {len(choices)} choice column(s) "
                         "combined into one answer")
        for n, c in enumerate(mains):
            text = question if (n == 0 and not choices) else f"{question} [Comment]"
            built.append((c, text, grid[c]))
        for c in columns:
            if kinds[c] == "other":
                built.append((c, f"{question} [Other]", grid[c]))
            elif kinds[c] == "row":
                built.append((c, f"{question} [{labels[c]}]", grid[c]))
    built.sort(key=lambda item: item[0])
    answers = pd.DataFrame({f"q{n}": values for n, (_, _, values) in enumerate(built)}, index=grid.index)
    return answers, {f"q{n}": text for n, (_, text, _) in enumerate(built)}
