"""The long-form survey truth every survey writer takes, and what a perfect reader gets back.

``answers`` has one row per (record, question): ``record`` (int, one per submission),
``person_key``, ``respondent_id`` (``None``: the writer assigns tool-style ids),
``source_name``, ``source_email`` (``None`` = anonymous), ``submitted_at`` (naive local time
in Europe/London), ``question`` (the exported question text; grid rows as
``Question [Row]``), ``raw`` (the answer as written; ``None`` = blank; a list of choices for
a multi-select answer), ``kind`` (``response`` or ``comment``), ``item_id``, ``value``,
``label``, ``scale``, ``wave``, ``session_id``, ``quarantine`` (the raw answer is unreadable
and cleaning must quarantine that cell).

The writers lay the truth out as their tool does; these helpers then build the expected
``responses`` / ``comments`` rows (the answers a reader must return, in the reader's order:
question column by question column, then by file row) and the fate of every record.

>>> import pandas as pd
>>> truth = pd.DataFrame({
...     "record": [1, 1], "person_key": ["SOL-01"] * 2, "respondent_id": [None] * 2,
...     "source_name": ["Jane Smith"] * 2, "source_email": [None] * 2,
...     "submitted_at": [pd.Timestamp("2024-10-27 01:30:12.5")] * 2,
...     "question": ["Useful?", "Comments"], "raw": ["Agree", " Great "],
...     "kind": ["response", "comment"], "item_id": ["useful", "comments"],
...     "value": [4.0, None], "label": ["Agree", None], "scale": ["agreement", None],
...     "wave": ["feedback"] * 2, "session_id": ["w1"] * 2, "quarantine": [False, False]})
>>> records = truth_records(truth)
>>> records["submitted_at"].tolist()
[Timestamp('2024-10-27 01:30:12')]
>>> comment_texts(truth, "; ".join).tolist()
['Agree', 'Great']
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd

from ... import schemas

__all__ = [
    "TIMEZONE",
    "TRUTH_COLUMNS",
    "aware",
    "choose_repeat",
    "comment_texts",
    "expected_fates",
    "expected_tables",
    "is_blank_raw",
    "truth_cells",
    "truth_questions",
    "truth_records",
]

#: the sample programme's time zone (naive times given to writers are local times here)
TIMEZONE = "Europe/London"

TRUTH_COLUMNS = [
    "record", "person_key", "respondent_id", "source_name", "source_email", "submitted_at",
    "question", "raw", "kind", "item_id", "value", "label", "scale", "wave", "session_id",
    "quarantine",
]
_RECORD_COLUMNS = ["person_key", "respondent_id", "source_name", "source_email", "submitted_at"]


def is_blank_raw(raw: object) -> bool:
    """A raw answer that writes nothing: ``None``, NaN, spaces, or no choice ticked."""
    if raw is None:
        return True
    if isinstance(raw, float) and np.isnan(raw):
        return True
    if isinstance(raw, (list, tuple)):
        return not any(str(choice).strip() for choice in raw)
    return str(raw).strip() == ""


def _check(answers: pd.DataFrame) -> None:
    missing = [c for c in TRUTH_COLUMNS if c not in answers.columns]
    if missing:
        raise ValueError(f"survey truth lacks column(s): {', '.join(missing)}")
    repeated = answers.duplicated(["record", "question"])
    if repeated.any():
        first = answers[repeated].iloc[0]
        raise ValueError(f"survey truth has record {first['record']} answering "
                         f"'{first['question']}' twice")
    bad_kind = ~answers["kind"].isin(["response", "comment"])
    if bad_kind.any():
        raise ValueError(f"kind must be 'response' or 'comment', not {answers.loc[bad_kind, 'kind'].iloc[0]!r}")


def truth_records(answers: pd.DataFrame) -> pd.DataFrame:
    """One row per record, in submission order: ``record`` and the record's own facts
    (``submitted_at`` cut to whole seconds, as the tools write it).

    Raises
    ------
    ValueError
        When a record's facts differ between its rows, or columns are missing.
    """
    _check(answers)
    facts = answers[["record", *_RECORD_COLUMNS]].astype("object")
    facts = facts.where(facts.notna(), None)
    for column in _RECORD_COLUMNS:
        varying = facts.groupby("record")[column].nunique(dropna=False) > 1
        if varying.any():
            raise ValueError(f"record {varying.index[varying][0]} has more than one {column}")
    records = facts.drop_duplicates("record").reset_index(drop=True)
    records["submitted_at"] = pd.to_datetime(records["submitted_at"]).dt.floor("s")
    records = records.sort_values(["submitted_at", "record"], kind="stable").reset_index(drop=True)
    for column in ("person_key", "respondent_id", "source_name", "source_email"):
        records[column] = records[column].astype("object").where(records[column].notna(), None)
    return records


def truth_questions(answers: pd.DataFrame) -> list[str]:
    """Question texts in the order they first appear."""
    return list(dict.fromkeys(answers["question"]))


def truth_cells(answers: pd.DataFrame) -> pd.DataFrame:
    """Raw answers as a record × question table (``None`` where a record has no row)."""
    cells = pd.DataFrame(index=pd.unique(answers["record"]), columns=truth_questions(answers), dtype="object")
    for question, part in answers.groupby("question", sort=False):
        cells.loc[part["record"].to_numpy(), question] = pd.Series(list(part["raw"]), dtype="object").to_numpy()
    return cells.where(cells.notna(), None)


def aware(naive: pd.Series) -> pd.Series:
    """Naive local times as Europe/London times, the way readers localise them (the
    repeated autumn hour is taken as summer time; spring's missing hour moves forward)."""
    values = pd.to_datetime(naive)
    return values.dt.tz_localize(TIMEZONE, ambiguous=np.ones(len(values), dtype=bool),
                                 nonexistent="shift_forward").astype(f"datetime64[ns, {TIMEZONE}]")


def choose_repeat(records: pd.DataFrame, answers: pd.DataFrame, rng: np.random.Generator,
                  identified: pd.Series) -> object | None:
    """The record a person submits twice (the writer adds the copy), or ``None``.

    Only records whose sender the tool shows (``identified``) and that have no
    unreadable cell are candidates, so the copy is certainly the same person's.
    """
    spoilt = set(answers.loc[answers["quarantine"].astype(bool), "record"])
    candidates = records.loc[identified.to_numpy(dtype=bool) & ~records["record"].isin(spoilt), "record"]
    if candidates.empty:
        return None
    return candidates.iloc[int(rng.integers(len(candidates)))]


def comment_texts(answers: pd.DataFrame, join: Callable[[list], str]) -> pd.Series:
    """The text a reader gives for each truth row (used for the comments): the answer with
    spacing at the ends removed, a multi-select answer joined the way the tool's reader joins it
    (``join``), ``None`` for blank answers."""
    def one(raw):
        if is_blank_raw(raw):
            return None
        if isinstance(raw, (list, tuple)):
            return join([str(c).strip() for c in raw if str(c).strip()])
        return str(raw).replace("\r\n", "\n").strip()

    return pd.Series([one(r) for r in answers["raw"]], index=answers.index, dtype="object")


def expected_tables(answers: pd.DataFrame, placed: pd.DataFrame, column_order: list[str],
                    source_file: str, texts: pd.Series) -> dict[str, pd.DataFrame]:
    """Expected ``responses`` and ``comments`` rows.

    Parameters
    ----------
    placed
        One row per record written once (repeats excluded): ``record``, ``source_row``,
        ``respondent_id``, ``source_name``, ``source_email`` (as the reader will give them),
        ``submitted_at`` (aware, Europe/London).
    column_order
        Question texts in the order the reader yields their columns.
    texts
        Comment text per truth row (see :func:`comment_texts`).
    """
    rows = answers.assign(_text=texts, _order=answers["question"].map({q: n for n, q in enumerate(column_order)}))
    rows = rows.drop(columns=["respondent_id", "source_name", "source_email", "submitted_at"])
    rows = rows.merge(placed, on="record", how="inner", validate="many_to_one")
    rows = rows.sort_values(["_order", "source_row"], kind="stable").reset_index(drop=True)
    blank = rows["raw"].map(is_blank_raw).astype(bool)
    quarantine = rows["quarantine"].astype(bool)

    def shape(frame: pd.DataFrame, table: str) -> pd.DataFrame:
        out = pd.DataFrame(index=frame.index)
        for column in schemas.columns(table):
            if column in ("pilot_id", "participant_id"):
                continue
            if column == "source_file":
                out[column] = pd.Series([source_file] * len(frame), index=frame.index, dtype="object")
            elif column == "source_row":
                out[column] = frame[column].astype("Int64")
            elif column == "value":
                out[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
            elif column == "submitted_at":
                out[column] = frame[column].astype(f"datetime64[ns, {TIMEZONE}]")
            elif column == "text":
                out[column] = frame["_text"].astype("object")
            else:
                values = frame[column].astype("object")
                out[column] = values.where(values.notna(), None)
        out["person_key"] = frame["person_key"].astype("object")
        return out.reset_index(drop=True)

    responses = rows[(rows["kind"] == "response") & ~blank & ~quarantine]
    comments = rows[(rows["kind"] == "comment") & ~blank]
    return {"responses": shape(responses, "responses"), "comments": shape(comments, "comments")}


def expected_fates(structure: list[tuple[int, str]], records: pd.DataFrame,
                   answers: pd.DataFrame) -> pd.DataFrame:
    """Fates of every physical record of the file.

    Parameters
    ----------
    structure
        ``(source_row, reason)`` of each structural record (header rows).
    records
        Every written record: ``record``, ``source_row``, ``repeat_of`` (source row of the
        first copy for a repeated submission, else missing).
    """
    spoilt = answers[answers["quarantine"].astype(bool)]
    cells = [f"{q!r}: {r!r}" for q, r in zip(spoilt["question"], spoilt["raw"])]
    why = pd.Series(cells, index=spoilt["record"].to_numpy(), dtype="object").groupby(level=0).agg(
        lambda found: "unreadable answer(s): " + "; ".join(found))
    fate = np.where(records["repeat_of"].notna(), "merged",
                    np.where(records["record"].isin(why.index), "quarantined", "kept"))
    reason = [
        f"repeated submission of row {int(first)}" if f == "merged"
        else why[record] if f == "quarantined" else None
        for f, first, record in zip(fate, records["repeat_of"], records["record"])
    ]
    out = pd.concat(
        [
            pd.DataFrame({"source_row": [r for r, _ in structure], "fate": "skipped-structure",
                          "table": None, "reason": [s for _, s in structure]}),
            pd.DataFrame({"source_row": records["source_row"].to_numpy(), "fate": fate,
                          "table": "responses", "reason": reason}),
        ],
        ignore_index=True,
    )
    out["source_row"] = out["source_row"].astype("Int64")
    for column in ("fate", "table", "reason"):
        out[column] = out[column].astype("object").where(out[column].notna(), None)
    return out.sort_values("source_row", kind="stable").reset_index(drop=True)
