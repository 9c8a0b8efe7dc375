"""Shared pieces of the analysis modules: result columns, people, sessions, attendance.

Not public: the analysis modules re-export what evaluators need. Everything here is frame in
→ new frame out and never changes its input.
"""

from __future__ import annotations

import math
from typing import Iterable, Mapping

import numpy as np
import pandas as pd
from scipy import stats as sps

from ..stats import DEFAULT_SEED, proportion

__all__ = [
    "DEFAULT_SEED",
    "ELIGIBILITY_RULES",
    "RESULT_COLUMNS",
    "STATUS_ORDER",
    "attendance_by_person",
    "eligible_people",
    "flag",
    "calendar_days",
    "median_interval",
    "ordered_sessions",
    "prefixed",
    "result_frame",
    "wilson_rows",
]

#: the columns every result frame starts with (extra columns follow)
RESULT_COLUMNS = [
    "level", "measure", "pilot_id", "group", "n", "estimate", "ci_low", "ci_high", "p_value",
    "method",
]

#: a person recorded by several sources at one session counts once, with the strongest status
STATUS_ORDER = {"present": 3, "apologies": 2, "absent": 1}

#: who is eligible to come (the denominator of turnout)
ELIGIBILITY_RULES = {
    "cohort": "the pilot's cohort (roster people with in_cohort)",
    "councillors": "every councillor on the roster",
    "roster": "everyone on the roster",
}

_TEXT_EXTRAS = {
    "session_id", "session_label", "item_id", "item_label", "scale", "platform", "comparison",
    "eligible_rule", "from_session", "to_session", "test", "adjustment", "period", "role",
    "characteristic", "value", "detail", "question", "outcome", "length_from", "band_rule",
    "headline",
}


def result_frame(rows: Iterable[Mapping] | pd.DataFrame, extras: Iterable[str] = ()) -> pd.DataFrame:
    """A tidy result frame: :data:`RESULT_COLUMNS` first, then ``extras`` (in that order).

    Missing columns are added as nulls; numbers are floats (``n`` and ``k`` whole numbers),
    text columns use the object dtype with ``None`` for missing.
    """
    frame = rows.copy() if isinstance(rows, pd.DataFrame) else pd.DataFrame(list(rows))
    columns = RESULT_COLUMNS + [c for c in extras if c not in RESULT_COLUMNS]
    for name in columns:
        if name not in frame.columns:
            frame[name] = None
    frame = frame[columns].reset_index(drop=True)
    for name in columns:
        if name in ("level", "measure", "pilot_id", "group", "method") or name in _TEXT_EXTRAS:
            values = frame[name].astype("object")
            frame[name] = values.where(values.notna(), None)
        elif name in ("n", "k", "sessions", "sessions_total", "records") or name.startswith("n_"):
            frame[name] = pd.to_numeric(frame[name], errors="coerce").astype("Int64")
        elif name not in ("date",):
            converted = pd.to_numeric(frame[name], errors="coerce")
            if converted.notna().sum() == frame[name].notna().sum():
                frame[name] = converted.astype(float)
    return frame


def wilson_rows(k, n, confidence: float) -> pd.DataFrame:
    """``estimate, ci_low, ci_high`` (Wilson) for arrays of counts; empty n gives NaN."""
    k = np.asarray(k, dtype=np.int64)
    n = np.asarray(n, dtype=np.int64)
    if k.size == 0:
        return pd.DataFrame({"k": [], "n": [], "estimate": [], "ci_low": [], "ci_high": []})
    found = proportion(k, n, confidence=confidence)
    return found[["k", "n", "estimate", "ci_low", "ci_high"]]


def median_interval(values, confidence: float = 0.95) -> tuple[float, float, float, float]:
    """(median, ci_low, ci_high, achieved level) with the distribution-free interval.

    The interval is ``[x_(l), x_(n+1-l)]`` for the sorted values, with ``l`` the largest
    order such that ``P(B <= l-1) <= (1-confidence)/2`` for ``B ~ Binomial(n, 1/2)``; it
    needs no assumption about the shape of the distribution. When ``n`` is too small to reach
    ``confidence`` (n <= 5 at 95%) the full range is returned with the level it reaches.
    """
    x = np.sort(np.asarray(values, dtype=float))
    x = x[~np.isnan(x)]
    n = x.size
    if n == 0:
        return math.nan, math.nan, math.nan, math.nan
    median = float(np.median(x))
    cdf = sps.binom.cdf(np.arange(n + 1), n, 0.5)
    alpha = 1.0 - confidence
    l = max(1, int(np.searchsorted(cdf, alpha / 2.0, side="right")))
    l = min(l, (n + 1) // 2)
    level = 1.0 - 2.0 * float(cdf[l - 1])
    return median, float(x[l - 1]), float(x[n - l]), level


def flag(frame: pd.DataFrame, column: str) -> pd.Series:
    """A true/false column of ``frame`` (missing column or value → False).

    True, 1, "true", "yes", "y" and "1" (any case) count as true; vectorised, so it suits
    large tables such as ``posts.is_reply``.
    """
    if column not in frame.columns:
        return pd.Series(False, index=frame.index)
    values = frame[column]
    if values.dtype == bool:
        return values
    text = values.astype("string").str.strip().str.lower()
    return text.isin(["true", "1", "1.0", "yes", "y"]).fillna(False).astype(bool)


def prefixed(values: pd.Series, prefix: str, lower: bool = False) -> pd.Series:
    """``prefix + value`` for present values (folded to lower case if asked), None for
    missing ones (vectorised)."""
    text = values.astype("string").str.strip()
    if lower:
        text = text.str.lower()
    text = text.where(text.notna() & (text != ""))
    out = (prefix + text).astype("object")
    return out.where(out.notna(), None)


def calendar_days(values: pd.Series) -> pd.Series:
    """Dates (``datetime.date``, text or timestamps) as midnight ``datetime64[ns]`` days."""
    days = pd.to_datetime(values, errors="coerce")
    if getattr(days.dt, "tz", None) is not None:
        days = days.dt.tz_localize(None)
    return days.dt.normalize().astype("datetime64[ns]")


def ordered_sessions(sessions: pd.DataFrame, kinds: Iterable[str] | None = None) -> pd.DataFrame:
    """Sessions sorted by pilot, date and start, with ``order`` (1, 2, ... within a pilot),
    ``session_label`` (the ``label`` column when present, else the id) and, when ``kinds`` is
    given, only sessions of those kinds."""
    out = sessions.copy()
    if kinds is not None:
        out = out[out["kind"].isin(list(kinds))]
    out["_date"] = calendar_days(out["date"])
    if "start" in out.columns:
        start = pd.to_datetime(out["start"], errors="coerce", utc=True)
    else:
        start = pd.Series(pd.NaT, index=out.index, dtype="datetime64[ns, UTC]")
    out["_start"] = start
    out = out.sort_values(["pilot_id", "_date", "_start", "session_id"], na_position="last")
    out["order"] = out.groupby("pilot_id").cumcount() + 1
    if "label" in out.columns:
        label = out["label"].astype("object")
        out["session_label"] = label.where(label.notna(), out["session_id"].astype("object"))
    else:
        out["session_label"] = out["session_id"].astype("object")
    return out.drop(columns=["_date", "_start"]).reset_index(drop=True)


def attendance_by_person(attendance: pd.DataFrame) -> pd.DataFrame:
    """One row per pilot × session × linked person, however many sources recorded them.

    A paper register and a Teams report can both record a person at one session: the person
    counts once, with the strongest status (present over apologies over absent), the longest
    ``minutes_present`` of any of their records (records of one person can overlap, so they
    are not added up) and the number of records that named them (``records``). Rows without a
    ``participant_id`` (not linked to the roster) or without a ``session_id`` are left out.

    Returns
    -------
    pandas.DataFrame
        ``pilot_id, session_id, participant_id, status, minutes_present, records``.

    Examples
    --------
    >>> attendance = pd.DataFrame({
    ...     "pilot_id": ["p"] * 3, "session_id": ["w1"] * 3,
    ...     "participant_id": ["P-1", "P-1", None], "status": ["absent", "present", "present"],
    ...     "minutes_present": [None, 52.0, 60.0], "source": ["register", "teams", "teams"]})
    >>> attendance_by_person(attendance)
      pilot_id session_id participant_id   status  minutes_present  records
    0        p         w1            P-1  present             52.0        2
    """
    keys = ["pilot_id", "session_id", "participant_id"]
    linked = attendance[attendance["participant_id"].notna() & attendance["session_id"].notna()]
    frame = pd.DataFrame(
        {
            "pilot_id": linked["pilot_id"].astype("object"),
            "session_id": linked["session_id"].astype("object"),
            "participant_id": linked["participant_id"].astype("object"),
            "rank": linked["status"].map(STATUS_ORDER).fillna(0).astype(int),
            "minutes_present": (
                pd.to_numeric(linked["minutes_present"], errors="coerce").astype(float)
                if "minutes_present" in linked.columns else np.nan
            ),
        }
    )
    grouped = frame.groupby(keys, sort=True)
    out = grouped.agg(rank=("rank", "max"), minutes_present=("minutes_present", "max"),
                      records=("rank", "size")).reset_index()
    status_of = {rank: status for status, rank in STATUS_ORDER.items()}
    out["status"] = out["rank"].map(status_of).astype("object")
    out["records"] = out["records"].astype(int)
    return out[keys + ["status", "minutes_present", "records"]].astype(
        {k: "object" for k in keys}
    )


def eligible_people(
    participants: pd.DataFrame,
    sessions: pd.DataFrame,
    eligible: str | Mapping[str, str] = "auto",
) -> pd.DataFrame:
    """The people eligible to come, per pilot, with the rule used (``eligible_rule``).

    Rules (:data:`ELIGIBILITY_RULES`): ``cohort`` — roster people with ``in_cohort`` (the
    delegates of a multi-workshop pilot); ``councillors`` — every councillor on the roster
    (an awareness session is open to the whole council); ``roster`` — everyone on the roster.
    ``auto`` (default) picks ``councillors`` for a pilot whose sessions are all awareness
    sessions and ``cohort`` otherwise. ``eligible`` may also map pilot ids to rules.

    Examples
    --------
    >>> participants = pd.DataFrame({"pilot_id": ["a", "a", "k", "k"],
    ...     "participant_id": ["1", "2", "3", "4"], "role": ["councillor", "officer"] * 2,
    ...     "in_cohort": [True, False, False, False]})
    >>> sessions = pd.DataFrame({"pilot_id": ["a", "k"], "session_id": ["w1", "s"],
    ...     "kind": ["workshop", "awareness"]})
    >>> eligible_people(participants, sessions)[["pilot_id", "participant_id", "eligible_rule"]]
      pilot_id participant_id eligible_rule
    0        a              1        cohort
    1        k              3   councillors
    """
    kinds = sessions.groupby("pilot_id")["kind"].agg(lambda k: set(k.dropna()))
    parts = []
    for pilot_id, people in participants.groupby("pilot_id", sort=True):
        rule = eligible.get(pilot_id, "auto") if isinstance(eligible, Mapping) else eligible
        if rule == "auto":
            pilot_kinds = kinds.get(pilot_id, set())
            rule = "councillors" if pilot_kinds and pilot_kinds <= {"awareness"} else "cohort"
        if rule not in ELIGIBILITY_RULES:
            raise ValueError(
                f"unknown eligibility rule '{rule}' for pilot '{pilot_id}'; rules are: auto, "
                + ", ".join(ELIGIBILITY_RULES)
            )
        if rule == "cohort":
            chosen = people[flag(people, "in_cohort")]
        elif rule == "councillors":
            chosen = people[people["role"] == "councillor"]
        else:
            chosen = people
        chosen = chosen.copy()
        chosen["eligible_rule"] = rule
        parts.append(chosen)
    if not parts:
        out = participants.iloc[0:0].copy()
        out["eligible_rule"] = pd.Series(dtype="object")
        return out
    return pd.concat(parts, ignore_index=True)


def pilot_ids(*frames: pd.DataFrame) -> list[str]:
    """Every pilot id found in the frames, sorted."""
    found: set[str] = set()
    for frame in frames:
        if frame is not None and "pilot_id" in frame.columns:
            found |= set(frame["pilot_id"].dropna().astype(str))
    return sorted(found)
