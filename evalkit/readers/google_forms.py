"""Google Forms responses as CSV: the form's own download, or its linked Sheet saved as CSV.

The download quotes every field. ``Timestamp`` comes first, written like
``2013/10/16 8:24:52 PM GMT`` or ``… GMT+1``: the zone is read here with
:func:`evalkit.clean.dates.split_gmt_offset`, because dateutil and pandas take ``GMT+1``
for UTC−1. An ``Email address`` (or ``Email Address``) column follows when the form
collects emails; quizzes add a ``Score`` column (derived: left out). Grid questions become
``Question [Row]`` columns; checkbox answers are joined with ``;``.

The linked Sheet saved as CSV quotes only where needed and writes the time stamp in the
sheet's locale, without a zone (``16/10/2013 20:24:52``): those are local times in the
programme's time zone, and day-first or month-first is decided from the file's values with
:func:`evalkit.clean.dates.decide_date_order` (the notes say how). Its checkbox answers are
joined with ``, ``.

Checkbox answers stay as the tool joined them: the file does not say which columns are
checkboxes, and typed answers may hold ``;`` or ``,`` too. A question asking the
respondent's name (``Name``, ``Your name``, …) gives ``source_name``, not an answer. There
is no response id: ``respondent_id`` is ``row-<line>``.

>>> from evalkit.readers import google_forms
>>> sorted(google_forms.FORMATS)
['google-forms']
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd

from ..clean.answers import SurveyRecords
from ..clean.dates import AmbiguousDateOrder, decide_date_order, split_gmt_offset
from ..clean.surveys import (
    blank,
    duplicate_submissions,
    find_columns,
    local_times,
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

FORMATS = {"google-forms": "Google Forms responses (.csv download, or the linked Sheet saved as CSV)"}

OWN_COLUMNS = {
    "timestamp": ("Timestamp",),
    "email": ("Email address",),
    "score": ("Score",),
}
#: question titles that ask for the respondent's name
NAME_QUESTIONS = ("Name", "Your name", "Full name", "Name (optional)", "Your name (optional)",
                  "What is your name", "Councillor name")

_ZONE = re.compile(r"^(?P<time>.*?)\s*(?P<zone>(?:GMT|UTC)(?:\s*[+-]\d{1,2}(?::?\d{2})?)?)\s*$")
#: time stamps that give the year first cannot be read two ways
_YEAR_FIRST = ["%Y/%m/%d %I:%M:%S %p", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %I:%M %p", "%Y/%m/%d %H:%M",
               "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"]
_NUMERIC = {
    "day-first": ["%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y %I:%M:%S %p", "%d.%m.%Y %H:%M:%S"],
    "month-first": ["%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y %I:%M:%S %p"],
}


def detect(sniff: Sniff) -> str | None:
    """``google-forms`` for CSV text whose first field is ``Timestamp`` and whose first
    record has question columns after it."""
    if sniff.is_xlsx or not sniff.text:
        return None
    try:
        first = next(csv.reader(io.StringIO(sniff.text.lstrip("\ufeff"))), [])
    except csv.Error:
        return None
    if len(first) >= 2 and key(first[0]) == "timestamp":
        return "google-forms"
    return None


def read(path: Path, context: Context, format: str = "google-forms") -> Reading:
    """Read a Google Forms CSV into ``responses`` and ``comments``.

    Raises
    ------
    InputError
        When the file is not text, its CSV structure is broken, or nothing decides whether
        zone-less dates are day-first or month-first.
    """
    path = Path(path)
    text, encoding = decode(path)
    try:
        fields, lines = read_csv_records(text)
    except InputError as exc:
        raise InputError(path, exc.problem) from None
    filled = [any(f.strip() for f in record) for record in fields]
    if not any(filled):
        raise InputError(path, "the file has no header row")
    header_at = filled.index(True)
    header = [h.strip() for h in fields[header_at]]
    if key(header[0]) != "timestamp":
        raise InputError(path, "the first column is not 'Timestamp' (not a Google Forms CSV?)",
                         row=int(lines[header_at]), column=header[0] or None)
    width = len(header)
    grid, record_rows, overlong, blanks = record_grid(fields, lines, header_at + 1, width)
    structure_at = [i for i in range(header_at) if not filled[i]] + [header_at] + blanks
    structure = pd.DataFrame({
        "source_row": [int(lines[i]) for i in structure_at],
        "reason": ["header row" if i == header_at else "blank line" for i in structure_at],
    }).sort_values("source_row")

    notes = [f"read as {encoding}"]
    own = find_columns(header, OWN_COLUMNS)
    name_at = find_columns(header, {"name": NAME_QUESTIONS}).get("name")
    if "score" in own:
        notes.append("the 'Score' column is the quiz score the tool derived, not an answer: left out")
    skip = set(own.values()) | ({name_at} if name_at is not None else set())
    question_columns = [(c, h) for c, h in enumerate(header) if c not in skip
                        and (h or not blank(grid[c]).all())]
    answers = pd.DataFrame({f"q{n}": grid[c] for n, (c, _) in enumerate(question_columns)}, index=grid.index)
    question_text = {f"q{n}": (h or f"Column {c + 1}") for n, (c, h) in enumerate(question_columns)}

    source_email = stripped_text(grid[own["email"]]) if "email" in own else None
    source_name = stripped_text(grid[name_at]) if name_at is not None else None
    if name_at is not None:
        notes.append(f"question '{header[name_at]}' asks the respondent's name: read as source_name")
    stamps = grid[0] if len(grid) else pd.Series([], dtype="object")
    try:
        submitted, failed, how = _timestamps(stamps, context)
    except AmbiguousDateOrder as exc:
        raise InputError(path, str(exc), column=header[0]) from None
    notes.append(how)

    settled = duplicate_submissions(answers, submitter(source_email, source_name), stamps, record_rows)
    settled.update(unreadable_times(failed, stamps, header[0], record_rows, "a Google Forms time stamp"))
    for label in stamps.index[blank(stamps).to_numpy(dtype=bool)]:
        settled[label] = ("quarantined", f"row {int(record_rows[label])}: column '{header[0]}' is blank: "
                          "the response has no time stamp")
    settled.update(overlong)

    records = SurveyRecords(
        answers=answers,
        source_row=record_rows,
        respondent_id=pd.Series([f"row-{r}" for r in record_rows], dtype="object"),
        source_name=source_name,
        source_email=source_email,
        submitted_at=submitted,
        settled=settled,
        question_text=question_text,
    )
    meta = {"questions": list(question_text.values()), "encoding": encoding}
    return survey_reading(path, context, format, records, structure, notes, meta)


def _timestamps(stamps: pd.Series, context: Context) -> tuple[pd.Series, pd.Series, str]:
    """Submission times (aware, in the context's zone), a mask of unreadable ones, and a
    sentence saying how they were read.

    Stamps with a ``GMT``/``GMT+1`` zone are exact instants. Zone-less stamps are local
    times: year-first ones read directly, numeric day/month ones in the order the file's
    values (or the context) decide.
    """
    tz = context.timezone
    text = stamps.astype("object").map(lambda v: v.strip() if isinstance(v, str) else None)
    out = pd.Series(pd.NaT, index=stamps.index, dtype=f"datetime64[ns, {tz}]")
    failed = pd.Series(False, index=stamps.index)
    if len(text) == 0:
        return out, failed, "no responses"
    parts = text.fillna("").astype(str).str.extract(_ZONE)
    zoned = parts["zone"].notna() & text.notna()
    how = []
    if zoned.any():
        offsets = {z: split_gmt_offset(z)[1] for z in pd.unique(parts.loc[zoned, "zone"])}
        naive, bad = parse_naive(parts.loc[zoned, "time"], _YEAR_FIRST)
        offset = parts.loc[zoned, "zone"].map(offsets).astype("timedelta64[s]")
        utc = (naive - offset).dt.tz_localize("UTC")
        out[zoned] = utc.dt.tz_convert(tz)
        failed[zoned] = bad
        zones = ", ".join(sorted(offsets))
        how.append(f"time stamps carry their zone ({zones}; GMT+1 is one hour ahead of UTC) "
                   f"and were converted to {tz}")
    plain = ~zoned & text.notna()
    if plain.any():
        naive, bad = parse_naive(text[plain], _YEAR_FIRST)
        numeric = bad.copy()
        if numeric.any():
            order, decided = decide_date_order(
                text[plain][numeric], setting=context.date_order,
                known_dates=[s.date for s in context.sessions],
            )
            second, bad2 = parse_naive(text[plain][numeric], _NUMERIC[order])
            naive[numeric] = second
            bad[numeric] = bad2
            how.append(f"time stamps without a zone (a linked Sheet saved as CSV) read {order} "
                       f"({decided}) as local times in {tz}")
        else:
            how.append(f"time stamps without a zone read as local times in {tz}")
        out[plain] = local_times(naive, tz)
        failed[plain] = bad
    return out, failed, "; ".join(how)
