"""Reaction: what people thought of the sessions (the second level of evaluation).

Evaluation sheets and feedback forms are the ``responses`` rows of wave ``feedback``. Counts
are of answers (evaluation sheets), not of people: a sheet is anonymous more often than not.
Blank answers and non-responses ("N/A", "Don't know") carry no value and are left out, so
every figure is "of those who answered".

* :func:`feedback_ratings` — ratings per session and item: ``n``, median, mean, and the share
  who agree (a value at or above the scale's threshold, :data:`AGREE_AT`) with a Wilson
  interval;
* :func:`yes_no_answers` — yes/no items such as "Would you like to find out more?": ``k``
  of ``n`` said yes, Wilson interval;
* :func:`reaction_summary` — both, stacked.

Each pilot also gets an "all sessions" row per item (``session_id`` None) pooling the
answers of every session.

>>> import pandas as pd
>>> responses = pd.DataFrame({
...     "pilot_id": ["k"] * 6, "wave": ["feedback"] * 6, "session_id": ["s"] * 6,
...     "respondent_id": ["1", "2", "3", "1", "2", "3"],
...     "item_id": ["useful"] * 3 + ["find_out_more"] * 3,
...     "value": [5.0, 4.0, 2.0, 1.0, 1.0, None],
...     "scale": ["agreement"] * 3 + ["yes_no"] * 3})
>>> reaction_summary(responses)[["measure", "session_id", "item_id", "k", "n", "estimate"]]
         measure session_id        item_id  k  n  estimate
0    share agree          s         useful  2  3  0.666667
1    share agree       None         useful  2  3  0.666667
2      share yes          s  find_out_more  2  2  1.000000
3      share yes       None  find_out_more  2  2  1.000000
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

from ._common import result_frame, wilson_rows

__all__ = ["AGREE_AT", "RATING_SCALES", "feedback_ratings", "reaction_summary", "yes_no_answers"]

LEVEL = "reaction"

#: the value at or above which an answer counts as agreeing, per rating scale: "Agree" or
#: "Strongly agree" (4–5 on 1–5 scales: for confidence "Confident" or better, for frequency
#: "Weekly" or more often), and 9–10 on a 0–10 "would you recommend" scale
AGREE_AT = {"agreement": 4.0, "confidence": 4.0, "frequency": 4.0, "zero_ten": 9.0}

#: rating scales (yes/no and free text are not ratings)
RATING_SCALES = tuple(AGREE_AT)


def _answers(responses: pd.DataFrame, scales, wave: str | None) -> pd.DataFrame:
    rows = responses
    if wave is not None:
        rows = rows[rows["wave"] == wave]
    rows = rows[rows["scale"].isin(list(scales))]
    out = pd.DataFrame({
        "pilot_id": rows["pilot_id"].astype("object"),
        "session_id": rows["session_id"].astype("object"),
        "item_id": rows["item_id"].astype("object"),
        "scale": rows["scale"].astype("object"),
        "value": pd.to_numeric(rows["value"], errors="coerce").astype(float),
    })
    return out[out["value"].notna() & out["item_id"].notna()]


def _with_pooled(answers: pd.DataFrame) -> pd.DataFrame:
    """The answers once per session, then once more pooled ("all sessions")."""
    per_session = answers[answers["session_id"].notna()].assign(_pooled=False)
    pooled = answers.assign(session_id=None, _pooled=True)
    return pd.concat([per_session, pooled], ignore_index=True)


def feedback_ratings(
    responses: pd.DataFrame,
    *,
    agree_at: Mapping[str, float] | None = None,
    wave: str | None = "feedback",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Feedback ratings per pilot, session and item, and pooled over a pilot's sessions.

    Parameters
    ----------
    responses : pandas.DataFrame
        Canonical ``responses``.
    agree_at : mapping scale → threshold, optional
        Overrides :data:`AGREE_AT`.
    wave : str or None, default "feedback"
        Which wave holds the ratings (None: every wave).
    confidence : float, default 0.95

    Returns
    -------
    pandas.DataFrame
        One row per pilot × session × rating item (``session_id`` None for the pooled row):
        ``measure`` "share agree", ``group`` "those who answered", ``k`` answers at or above
        the threshold, ``n`` answers, ``estimate`` k/n with its Wilson interval; extra columns
        ``session_id, item_id, scale, k, threshold, median, mean``.

    Examples
    --------
    >>> responses = pd.DataFrame({"pilot_id": ["p"] * 4, "wave": ["feedback"] * 4,
    ...     "session_id": ["w1", "w1", "w2", "w2"], "item_id": ["useful"] * 4,
    ...     "value": [5.0, 3.0, 4.0, 4.0], "scale": ["agreement"] * 4})
    >>> feedback_ratings(responses)[["session_id", "k", "n", "estimate", "median", "mean"]]
      session_id  k  n  estimate  median  mean
    0         w1  1  2      0.50     4.0   4.0
    1         w2  2  2      1.00     4.0   4.0
    2       None  3  4      0.75     4.0   4.0
    """
    thresholds = {**AGREE_AT, **(agree_at or {})}
    answers = _answers(responses, thresholds, wave)
    answers["threshold"] = answers["scale"].map(thresholds).astype(float)
    answers["agree"] = answers["value"] >= answers["threshold"]
    stacked = _with_pooled(answers)
    keys = ["pilot_id", "_pooled", "session_id", "item_id"]
    rows = stacked.groupby(keys, dropna=False, sort=True).agg(
        scale=("scale", "first"), threshold=("threshold", "first"), k=("agree", "sum"),
        n=("value", "size"), median=("value", "median"), mean=("value", "mean"),
    ).reset_index()
    rows = rows.sort_values(["pilot_id", "item_id", "_pooled", "session_id"], kind="stable")
    rows = rows.reset_index(drop=True)
    rows[["k", "n", "estimate", "ci_low", "ci_high"]] = wilson_rows(rows["k"], rows["n"], confidence)
    rows["level"] = LEVEL
    rows["measure"] = "share agree"
    rows["group"] = "those who answered"
    rows["method"] = np.where(
        rows["_pooled"], "answers at or above the threshold / answers, all sessions pooled "
        "(answers, not people); Wilson score interval",
        "answers at or above the threshold / answers; Wilson score interval")
    return result_frame(rows, ["session_id", "item_id", "scale", "k", "threshold", "median", "mean"])


def yes_no_answers(
    responses: pd.DataFrame,
    *,
    wave: str | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Yes/no items ("want to find out more?"): how many of those who answered said yes.

    Parameters
    ----------
    wave : str or None, default None
        Limit to one wave (None: every wave; yes/no items are usually on feedback sheets).

    Returns
    -------
    pandas.DataFrame
        One row per pilot × session × yes/no item, plus the pooled row (``session_id`` None):
        ``measure`` "share yes", ``group`` "those who answered", ``k`` yes, ``n`` answers,
        ``estimate`` k/n with its Wilson interval; extra columns ``session_id, item_id, scale,
        k``.

    Examples
    --------
    Twelve of seventeen evaluation sheets asked to find out more:

    >>> responses = pd.DataFrame({"pilot_id": ["k"] * 17, "wave": ["feedback"] * 17,
    ...     "session_id": ["s"] * 17, "item_id": ["find_out_more"] * 17,
    ...     "value": [1.0] * 12 + [0.0] * 5, "scale": ["yes_no"] * 17})
    >>> yes_no_answers(responses)[["session_id", "k", "n", "ci_low", "ci_high"]].round(4)
      session_id   k   n  ci_low  ci_high
    0          s  12  17  0.4687   0.8672
    1       None  12  17  0.4687   0.8672
    """
    answers = _answers(responses, ["yes_no"], wave)
    answers["yes"] = answers["value"] >= 1.0
    stacked = _with_pooled(answers)
    rows = stacked.groupby(["pilot_id", "_pooled", "session_id", "item_id"], dropna=False,
                           sort=True).agg(scale=("scale", "first"), k=("yes", "sum"),
                                          n=("value", "size")).reset_index()
    rows = rows.sort_values(["pilot_id", "item_id", "_pooled", "session_id"], kind="stable")
    rows = rows.reset_index(drop=True)
    rows[["k", "n", "estimate", "ci_low", "ci_high"]] = wilson_rows(rows["k"], rows["n"], confidence)
    rows["level"] = LEVEL
    rows["measure"] = "share yes"
    rows["group"] = "those who answered"
    rows["method"] = np.where(rows["_pooled"],
                              "yes / answers, all sessions pooled (answers, not people); Wilson score interval",
                              "yes / answers; Wilson score interval")
    return result_frame(rows, ["session_id", "item_id", "scale", "k"])


def reaction_summary(
    responses: pd.DataFrame,
    *,
    agree_at: Mapping[str, float] | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """:func:`feedback_ratings` and :func:`yes_no_answers` (feedback wave) stacked.

    Examples
    --------
    >>> from evalkit.analysis.examples import example_tables
    >>> found = reaction_summary(example_tables()["responses"])
    >>> found[["measure", "session_id", "item_id", "k", "n"]]
           measure session_id        item_id  k  n
    0  share agree         w1         useful  3  5
    1  share agree         w3         useful  3  3
    2  share agree       None         useful  6  8
    3    share yes         w1  find_out_more  3  4
    4    share yes         w3  find_out_more  2  3
    5    share yes       None  find_out_more  5  7
    """
    parts = [feedback_ratings(responses, agree_at=agree_at, confidence=confidence),
             yes_no_answers(responses, wave="feedback", confidence=confidence)]
    parts = [p for p in parts if len(p)]
    if not parts:
        return result_frame([], ["session_id", "item_id", "scale", "k"])
    return pd.concat(parts, ignore_index=True)
