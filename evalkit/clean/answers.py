"""Survey answers: from one-row-per-respondent exports to the ``responses`` and ``comments``
tables, through the programme's item map.

Every survey reader (Microsoft Forms, Google Forms, SurveyMonkey, typed-up paper sheets)
parses its layout into a :class:`SurveyRecords` and hands it to :func:`survey_tables`, so
the rules for scales, unknown labels and quarantine are the same whatever the tool.

>>> import pandas as pd
>>> from evalkit.clean.answers import SurveyRecords, survey_tables
>>> from evalkit.readers.base import Context
>>> records = SurveyRecords(
...     answers=pd.DataFrame({"Q1": ["Agree", "SA", "Agre"], "Any comments?": ["", "Great", ""]}),
...     source_row=pd.Series([2, 3, 4]),
... )
>>> item_map = {"Q1": ("useful", "agreement", "feedback", {})}
>>> context = Context(item_for_question=item_map.get)
>>> responses, comments, fates = survey_tables(records, context, "feedback.csv")
>>> responses["value"].tolist()
[4.0, 5.0]
>>> fates["fate"].tolist()
['kept', 'kept', 'quarantined']
>>> comments["text"].tolist()
['Great']
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import scales, schemas
from ..readers.base import Context, conform, fates_frame

__all__ = ["SurveyColumns", "SurveyRecords", "long_frame", "mapped_question", "survey_columns", "survey_tables"]


@dataclass
class SurveyRecords:
    """One row per respondent record, as parsed from an export.

    ``answers`` has one column per question; its column labels are the question texts as
    exported (for grids, ``Question [Row]``). The other series align with ``answers``' rows.
    """

    answers: pd.DataFrame
    source_row: pd.Series
    respondent_id: pd.Series | None = None
    source_name: pd.Series | None = None
    source_email: pd.Series | None = None
    submitted_at: pd.Series | None = None
    #: per-record wave or session (e.g. a paper sheet that says which workshop); else context's
    wave: pd.Series | None = None
    session_id: pd.Series | None = None
    #: records the reader already settled (duplicates merged, quarantined timestamps):
    #: index label → (fate, reason). They yield no rows.
    settled: dict = field(default_factory=dict)
    #: question column labels whose text should be taken from this map (e.g. SurveyMonkey
    #: two-row headers joined) — column label → question text
    question_text: dict = field(default_factory=dict)


@dataclass
class SurveyColumns:
    """What :func:`survey_columns` gives: the ``responses`` and ``comments`` rows as
    columns (contract column → numpy array, plus ``record``, each row's record position;
    ``None`` for a table with no rows) and each record's fate (``source_row``, ``fate``,
    ``reason``, records in order)."""

    responses: dict | None
    comments: dict | None
    fates: dict


def mapped_question(question: str, context: Context) -> tuple[str | None, str | None, str | None, dict]:
    """``(item_id, scale, wave, aliases)`` for an exported question, through the item map."""
    if context.item_for_question is not None:
        found = context.item_for_question(question)
        if found is not None:
            return found
    return None, None, None, {}


def survey_tables(records: SurveyRecords, context: Context, source_file: str,
                  notes: list[str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Turn parsed survey records into ``responses``, ``comments`` and record fates.

    Scaled answers are normalised with :func:`evalkit.scales.normalise_label` (each distinct
    label once, then mapped: no loop over rows). An unknown label is quarantined: the
    record's fate is ``quarantined`` with a reason naming the row, column and value, and the
    record's other answers are still kept. Questions missing from the item map keep their
    answers: on a recognisable scale they become responses with no ``item_id``, otherwise
    comments; ``notes`` gets a line for each.

    All answers are handled in one long pass (question by question over one array of
    cells, each distinct cell worked out once); text columns come back as ``object``
    with ``None`` for missing.
    """
    found = survey_columns(records, context, source_file, notes)
    fates = fates_frame(source_file, found.fates["source_row"], found.fates["fate"], "responses",
                        found.fates["reason"], context.pilot_id)
    return long_frame("responses", found.responses), long_frame("comments", found.comments), fates


def survey_columns(records: SurveyRecords, context: Context, source_file: str,
                   notes: list[str] | None = None) -> SurveyColumns:
    """:func:`survey_tables` as columns (numpy arrays), before any frame is made: the same
    rows, values, fates and notes. Readers that hand the tables on as Arrow start here.

    >>> records = SurveyRecords(answers=pd.DataFrame({"Q1": ["Agree", None]}), source_row=pd.Series([2, 3]))
    >>> found = survey_columns(records, Context(), "f.csv")
    >>> found.responses["label"].tolist(), found.responses["record"].tolist(), found.fates["fate"].tolist()
    (['Agree'], [0], ['kept', 'kept'])
    """
    notes = notes if notes is not None else []
    answers = records.answers
    n, m = answers.shape
    rows = np.asarray(records.source_row, dtype=np.int64).reshape(n)
    settled_positions = [answers.index.get_loc(k) for k in records.settled]
    active = np.ones(n, dtype=bool)
    active[settled_positions] = False

    cells = answers.to_numpy(dtype=object).T.reshape(n * m)  # question by question, records in order
    codes, distinct = distinct_cells(cells)
    stripped = [str(v).strip() for v in distinct]
    filled = np.array([t != "" for t in stripped] + [False], dtype=bool)  # code -1 (missing) last
    present = filled[codes] & np.tile(active, m)
    text_of = np.array(stripped, dtype=object)

    def meta(series, default=None) -> np.ndarray:
        out = np.empty(n, dtype=object)
        out[:] = default if series is None else list(series)
        return out

    base = {
        "respondent_id": meta(records.respondent_id),
        "source_name": meta(records.source_name),
        "source_email": meta(records.source_email),
        "wave": meta(records.wave, context.wave),
        "session_id": meta(records.session_id, context.session_id),
        "submitted_at": meta(records.submitted_at),
    }
    answered = {"responses": [], "comments": []}  # (record positions, item_id, question, wave, extra)
    problems: dict[int, list[str]] = {}
    normalised: dict = {}  # (scale, aliases) → per distinct cell: value, label, unknown, worked out
    for j, column in enumerate(answers.columns):
        at = slice(j * n, (j + 1) * n)
        here = present[at]
        if not here.any():
            continue
        question = records.question_text.get(column, str(column))
        positions = np.flatnonzero(here)
        used = codes[at][here]
        item_id, scale, wave, aliases = mapped_question(question, context)
        if scale is None:
            labels = [distinct[k] for k in pd.unique(used)]  # distinct values decide, in file order
            scale = scales.scale_of_labels(labels) or "text"
            if context.item_for_question is not None:
                kind = "comments" if scale == "text" else f"responses on the {scale} scale"
                notes.append(f"question '{question}' is not in the item map; its answers are kept as {kind} with no item_id")
        if scale == "text":
            answered["comments"].append((positions, item_id, question, wave, {"text": text_of[used]}))
            continue
        found = normalised.get((scale, _alias_key(aliases)))
        if found is None:  # each distinct cell's value, label and whether it is on the scale
            found = normalised[(scale, _alias_key(aliases))] = (
                np.full(len(distinct), np.nan), np.full(len(distinct), None, dtype=object),
                np.zeros(len(distinct), dtype=bool), np.zeros(len(distinct), dtype=bool))
        value_of, label_of, unknown_of, done = found
        for k in pd.unique(used[~done[used]]):
            answer = scales.normalise_label(scale, distinct[k], aliases)
            value_of[k] = np.nan if answer.value is None else answer.value
            label_of[k] = answer.label
            unknown_of[k] = answer.kind == "unknown"
            done[k] = True
        unknown = unknown_of[used]
        for position, k in zip(positions[unknown], used[unknown]):  # quarantined answers only
            problems.setdefault(int(position), []).append(
                f"column '{question}': {distinct[k]!r} is not an answer on the {scale} scale"
            )
        chosen = used[~unknown]
        answered["responses"].append((positions[~unknown], item_id, question, wave,
                                      {"value": value_of[chosen], "label": label_of[chosen], "scale": scale}))

    responses = _long_columns("responses", answered["responses"], base, rows, context.pilot_id, source_file)
    comments = _long_columns("comments", answered["comments"], base, rows, context.pilot_id, source_file)

    fate = np.full(n, "kept", dtype=object)
    reason = np.full(n, None, dtype=object)
    for position, found in problems.items():
        fate[position] = "quarantined"
        reason[position] = f"row {rows[position]}: " + "; ".join(found)
    for label, (settled_fate, settled_reason) in records.settled.items():
        position = answers.index.get_loc(label)
        fate[position] = settled_fate
        reason[position] = settled_reason
    return SurveyColumns(responses, comments, {"source_row": rows, "fate": fate, "reason": reason})


def distinct_cells(cells: np.ndarray) -> tuple[np.ndarray, list]:
    """Codes of answer cells and the distinct cells they stand for, exactly as written.

    Text cells are coded by value; any other filled cell (a number, a date) is a distinct
    value of its own, so ``4`` and ``4.0`` are never taken for one another. Missing cells
    (``None``, ``NaN``) get code ``-1``.

    >>> codes, distinct = distinct_cells(np.array(["Agree", None, 4, "Agree", 4.0, float("nan")], dtype=object))
    >>> codes.tolist(), distinct
    ([0, -1, 1, 0, 2, -1], ['Agree', 4, 4.0])
    """
    cells = np.asarray(cells, dtype=object)
    types = _type_of(cells) if len(cells) else np.empty(0, dtype=object)
    is_text = types == str
    missing = (types == type(None)) | ((types == float) & (cells != cells))
    codes = np.full(len(cells), -1, dtype=np.int64)
    text_codes, text_values = pd.factorize(cells[is_text])
    codes[is_text] = text_codes
    other = ~is_text & ~missing
    codes[other] = len(text_values) + np.arange(int(other.sum()))
    return codes, list(text_values) + list(cells[other])


_type_of = np.frompyfunc(type, 1, 1)


def _alias_key(aliases: dict | None) -> tuple:
    """A hashable form of an item's extra spellings (questions sharing them share work)."""
    return tuple(sorted(((str(a), repr(t)) for a, t in (aliases or {}).items())))


def _long_columns(table: str, parts: list, base: dict, rows: np.ndarray, pilot_id, source_file: str) -> dict | None:
    """The columns of ``responses`` or ``comments`` from the answered cells of each
    question, in question order, records in file order within a question (``None`` when
    no cell was answered). ``record`` holds each row's record position; ``submitted_at``
    the records' times as given."""
    if not parts:
        return None
    at = np.concatenate([p[0] for p in parts])
    k = len(at)

    def spread(value) -> np.ndarray:
        out = np.empty(k, dtype=object)
        out[:] = value
        return out

    def each(index: int) -> np.ndarray:
        return np.concatenate([np.full(len(p[0]), p[index], dtype=object) if p[index] is not None
                               else np.full(len(p[0]), None, dtype=object) for p in parts])

    wave = base["wave"][at]
    override = np.concatenate([np.full(len(p[0]), bool(p[3])) for p in parts])
    if override.any():
        wave[override] = each(3)[override]
    columns = {
        "record": at,
        "pilot_id": spread(pilot_id),
        "source_file": spread(source_file),
        "source_row": rows[at],
        "respondent_id": base["respondent_id"][at],
        "participant_id": spread(None),
        "source_name": base["source_name"][at],
        "source_email": base["source_email"][at],
        "wave": wave,
        "session_id": base["session_id"][at],
        "item_id": each(1),
        "question": each(2),
        "submitted_at": base["submitted_at"][at],
    }
    if table == "responses":
        columns["value"] = np.concatenate([p[4]["value"] for p in parts])
        columns["label"] = np.concatenate([p[4]["label"] for p in parts])
        columns["scale"] = np.concatenate([np.full(len(p[0]), p[4]["scale"], dtype=object) for p in parts])
    else:
        columns["text"] = np.concatenate([p[4]["text"] for p in parts])
    return columns


def long_frame(table: str, columns: dict | None, submitted_at=None) -> pd.DataFrame:
    """``responses`` or ``comments`` as a frame, from :func:`survey_columns`' columns of
    that table: text as ``object`` (``None`` for missing), ``source_row`` as ``Int64``.
    ``submitted_at`` replaces the records' times (e.g. once made time-zone aware).

    >>> records = SurveyRecords(answers=pd.DataFrame({"Q1": ["Agree", "SA"]}), source_row=pd.Series([2, 3]))
    >>> long_frame("responses", survey_columns(records, Context(), "f.csv").responses)["value"].tolist()
    [4.0, 5.0]
    """
    if columns is None:
        return conform(table, pd.DataFrame())
    given = dict(columns)
    if submitted_at is not None:
        given["submitted_at"] = submitted_at
    out = {}
    for c in schemas.columns(table):
        if c == "source_row":
            out[c] = pd.array(given[c], dtype="Int64")
        elif c == "value" or (c == "submitted_at" and submitted_at is not None):
            out[c] = given[c]
        else:
            out[c] = pd.Series(given[c], dtype="object", copy=False)
    return pd.DataFrame(out, copy=False)
