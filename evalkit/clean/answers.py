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

from .. import scales
from ..readers.base import Context, conform, fates_frame

__all__ = ["SurveyRecords", "survey_tables", "mapped_question"]


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
    """
    notes = notes if notes is not None else []
    answers = records.answers.reset_index(drop=True)
    n = len(answers)
    rows = pd.Series(np.asarray(records.source_row), dtype="Int64")

    def meta(series, default=None):
        if series is None:
            return pd.Series([default] * n, dtype="object")
        return pd.Series(list(series), dtype="object")

    base = pd.DataFrame(
        {
            "pilot_id": context.pilot_id,
            "source_file": source_file,
            "source_row": rows,
            "respondent_id": meta(records.respondent_id),
            "source_name": meta(records.source_name),
            "source_email": meta(records.source_email),
            "wave": meta(records.wave, context.wave),
            "session_id": meta(records.session_id, context.session_id),
            "submitted_at": meta(records.submitted_at),
        }
    )
    settled_positions = {records.answers.index.get_loc(k) for k in records.settled}
    active = pd.Series([i not in settled_positions for i in range(n)])

    response_parts, comment_parts = [], []
    problems: dict[int, list[str]] = {}
    for column in answers.columns:
        question = records.question_text.get(column, str(column))
        raw = answers[column].astype("object")
        present = raw.map(lambda v: v is not None and not (isinstance(v, float) and np.isnan(v))
                          and str(v).strip() != "") & active
        if not present.any():
            continue
        item_id, scale, wave, aliases = mapped_question(question, context)
        if scale is None:
            scale = scales.scale_of_labels(pd.unique(raw[present]).tolist()) or "text"  # distinct values decide
            if context.item_for_question is not None:
                kind = "comments" if scale == "text" else f"responses on the {scale} scale"
                notes.append(f"question '{question}' is not in the item map; its answers are kept as {kind} with no item_id")
        frame = base[present].copy()
        frame["item_id"] = item_id
        frame["question"] = question
        if wave:
            frame["wave"] = wave
        if scale == "text":
            frame["text"] = raw[present].map(lambda v: str(v).strip())
            comment_parts.append(frame)
            continue
        distinct = {v: scales.normalise_label(scale, v, aliases) for v in pd.unique(raw[present])}
        answer = raw[present].map(distinct)
        kinds = raw[present].map({v: a.kind for v, a in distinct.items()})
        for position in answer.index[kinds == "unknown"]:
            problems.setdefault(position, []).append(
                f"column '{question}': {raw[position]!r} is not an answer on the {scale} scale"
            )
        good = kinds != "unknown"
        frame = frame[good]
        chosen = raw[present][good]  # each distinct answer's value and label, looked up
        frame["value"] = chosen.map({v: a.value for v, a in distinct.items()}).astype("float64")
        frame["label"] = chosen.map({v: a.label for v, a in distinct.items()}).astype("object")
        frame["scale"] = scale
        response_parts.append(frame)

    responses = conform("responses", pd.concat(response_parts, ignore_index=True)) if response_parts \
        else conform("responses", pd.DataFrame())
    comments = conform("comments", pd.concat(comment_parts, ignore_index=True)) if comment_parts \
        else conform("comments", pd.DataFrame())

    fate = pd.Series(["kept"] * n, dtype="object")
    reason = pd.Series([None] * n, dtype="object")
    table = pd.Series(["responses"] * n, dtype="object")
    for position, found in problems.items():
        fate[position] = "quarantined"
        reason[position] = f"row {rows[position]}: " + "; ".join(found)
    for label, (settled_fate, settled_reason) in records.settled.items():
        position = records.answers.index.get_loc(label)
        fate[position] = settled_fate
        reason[position] = settled_reason
    fates = fates_frame(source_file, rows.to_numpy(dtype=np.int64), fate, table, reason, context.pilot_id)
    return responses, comments, fates
