"""Participation: who came, how often, and for how long (the first level of evaluation).

Every function takes canonical tables (``sessions``, ``attendance``, ``participants``) and
returns a new tidy frame with the columns ``level, measure, pilot_id, group, n, estimate,
ci_low, ci_high, p_value, method`` and the extra columns each function lists. Proportions
carry Wilson intervals (:func:`evalkit.stats.proportion`); nothing is rounded.

Counting rules, used throughout:

* **One person, one session, one count.** Several sources can record the same person at the
  same session (a paper register and a Teams report): a person counts once per session, as
  present if any source says present, else apologies, else absent
  (:func:`attendance_by_person`). Only linked rows (with a ``participant_id``) count towards
  turnout; unlinked attendees appear in :func:`attendees_by_role` as ``unlinked``.
* **Who is eligible** (the denominator of turnout) is a rule, chosen per pilot with the
  ``eligible`` argument: ``cohort`` (roster people with ``in_cohort`` — the delegates of a
  multi-workshop pilot), ``councillors`` (every councillor on the roster — an awareness
  session before full council is open to the whole council), or ``roster`` (everyone on
  it). The default ``auto`` uses ``councillors`` for a pilot whose sessions are all
  awareness sessions and ``cohort`` otherwise. The rule used is in the column
  ``eligible_rule``.

>>> import datetime as dt
>>> import pandas as pd
>>> sessions = pd.DataFrame({"pilot_id": ["p", "p"], "session_id": ["w1", "w2"],
...     "kind": ["workshop", "workshop"], "date": [dt.date(2024, 9, 3), dt.date(2024, 10, 1)],
...     "mode": ["in-person", "in-person"]})
>>> participants = pd.DataFrame({"pilot_id": ["p"] * 4, "participant_id": ["A", "B", "C", "D"],
...     "role": ["councillor"] * 4, "party": ["Labour", "Labour", "Green", None],
...     "authority": ["Solihull"] * 4, "in_cohort": [True, True, True, False]})
>>> attendance = pd.DataFrame({"pilot_id": ["p"] * 4, "session_id": ["w1", "w1", "w2", "w2"],
...     "participant_id": ["A", "B", "A", "D"], "status": ["present"] * 4,
...     "source": ["register"] * 4})
>>> found = turnout(sessions, attendance, participants)
>>> found[["session_id", "k", "n", "estimate"]]
  session_id  k  n  estimate
0         w1  2  3  0.666667
1         w2  1  3  0.333333
2       None  2  3  0.666667
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

from ._common import (
    ELIGIBILITY_RULES,
    attendance_by_person,
    eligible_people,
    median_interval,
    ordered_sessions,
    prefixed,
    result_frame,
    wilson_rows,
)

__all__ = [
    "ELIGIBILITY_RULES",
    "attendance_by_person",
    "attendees_by_role",
    "eligible_people",
    "minutes_present",
    "participation_summary",
    "representation",
    "retention",
    "sessions_attended",
    "turnout",
]

LEVEL = "participation"

#: sessions that make up a multi-workshop programme (for retention and consistency)
PROGRAMME_KINDS = ("masterclass", "workshop")

Eligible = str | Mapping[str, str]


#: while :func:`participation_summary` runs, what its measures share, made once: ``(what,
#: ids of the inputs) → (the inputs, kept so their ids stay theirs, the result)``
_SHARED: ContextVar[dict | None] = ContextVar("evalkit_participation_shared", default=None)


def _once(what: str, inputs: tuple, compute) -> pd.DataFrame:
    """``compute()``, or, inside :func:`participation_summary`, a copy of what it gave for the
    same input objects earlier in the same summary."""
    shared = _SHARED.get()
    if shared is None:
        return compute()
    key = (what, *map(id, inputs))
    if key not in shared:
        shared[key] = (inputs, compute())
    return shared[key][1].copy()


def _present(attendance: pd.DataFrame) -> pd.DataFrame:
    """Linked people present, one row per pilot × session × person."""
    people = _once("by person", (attendance,), lambda: attendance_by_person(attendance))
    return people[people["status"] == "present"]


def _eligible_present(sessions, attendance, participants, eligible) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(eligible people, their present rows at the pilot's sessions)."""
    people = _once("eligible", (participants, sessions, eligible),
                   lambda: eligible_people(participants, sessions, eligible))
    present = _present(attendance).merge(
        people[["pilot_id", "participant_id", "eligible_rule"]], on=["pilot_id", "participant_id"]
    )
    present = present.merge(sessions[["pilot_id", "session_id"]], on=["pilot_id", "session_id"])
    return people, present


def turnout(
    sessions: pd.DataFrame,
    attendance: pd.DataFrame,
    participants: pd.DataFrame,
    *,
    eligible: Eligible = "auto",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Turnout against the eligible people: per session, and overall (at least one session).

    Parameters
    ----------
    sessions, attendance, participants : pandas.DataFrame
        Canonical tables (``sessions`` may carry ``label``).
    eligible : str or mapping, default "auto"
        Who counts as eligible (see the module notes): ``auto``, ``cohort``, ``councillors``
        or ``roster``, or a mapping pilot id → rule.
    confidence : float, default 0.95

    Returns
    -------
    pandas.DataFrame
        One row per session and one overall row (``session_id`` None) per pilot:
        ``measure`` "turnout", ``group`` the eligibility rule, ``k`` eligible people present,
        ``n`` eligible people, ``estimate`` k/n with its Wilson interval; extra columns
        ``session_id, session_label, date, k, eligible_rule``.

    Examples
    --------
    In the example pilot five of the six cohort members came to Workshop 1, four to
    Workshop 2 and three to Workshop 3; five came to at least one:

    >>> from evalkit.analysis.examples import example_tables
    >>> t = example_tables()
    >>> found = turnout(t["sessions"], t["attendance"], t["participants"])
    >>> found[["session_id", "k", "n", "ci_low", "ci_high"]].round(3)
      session_id  k  n  ci_low  ci_high
    0         w1  5  6   0.436    0.970
    1         w2  4  6   0.300    0.903
    2         w3  3  6   0.188    0.812
    3       None  5  6   0.436    0.970
    """
    people, present = _eligible_present(sessions, attendance, participants, eligible)
    ordered = ordered_sessions(sessions)
    eligible_n = people.groupby("pilot_id").size().rename("n").reset_index()
    rule = people.groupby("pilot_id")["eligible_rule"].first().reset_index()

    per_session = present.groupby(["pilot_id", "session_id"]).size().rename("k").reset_index()
    per_session = ordered[["pilot_id", "session_id", "session_label", "date", "order"]].merge(
        per_session, on=["pilot_id", "session_id"], how="left"
    )
    overall = present.groupby("pilot_id")["participant_id"].nunique().rename("k").reset_index()
    overall = eligible_n[["pilot_id"]].merge(overall, on="pilot_id", how="left")
    overall["session_id"] = None
    overall["session_label"] = "any session"
    overall["date"] = None
    overall["order"] = np.inf
    rows = pd.concat([per_session, overall], ignore_index=True)
    rows = rows.merge(eligible_n, on="pilot_id").merge(rule, on="pilot_id")
    rows["k"] = rows["k"].fillna(0).astype(int)
    rows = rows.sort_values(["pilot_id", "order"], kind="stable").reset_index(drop=True)
    rows[["k", "n", "estimate", "ci_low", "ci_high"]] = wilson_rows(rows["k"], rows["n"], confidence)
    rows["level"] = LEVEL
    rows["measure"] = "turnout"
    rows["group"] = rows["eligible_rule"]
    rows["method"] = (
        "eligible people present / eligible people (" + rows["eligible_rule"].map(ELIGIBILITY_RULES)
        + "); a person counts once per session whatever the sources; Wilson score interval"
    )
    return result_frame(rows, ["session_id", "session_label", "date", "k", "eligible_rule"])


def attendees_by_role(
    sessions: pd.DataFrame,
    attendance: pd.DataFrame,
    participants: pd.DataFrame,
    *,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Who came, by role (councillors, officers, others), per session and overall.

    Everyone present counts, eligible or not. People not linked to the roster are counted as
    ``unlinked`` by distinct email (or, without one, distinct name folded to lower case) — so
    one unlinked person recorded under two different names by two sources counts twice; the
    method says so.

    Returns
    -------
    pandas.DataFrame
        ``measure`` "attendees", ``group`` the role (or ``unlinked``), ``k`` people of that
        role present, ``n`` everyone present, ``estimate`` their share (Wilson); extra
        columns ``session_id`` (None overall), ``session_label``, ``k``.

    Examples
    --------
    >>> import datetime as dt
    >>> sessions = pd.DataFrame({"pilot_id": ["k"], "session_id": ["s"], "kind": ["awareness"],
    ...     "date": [dt.date(2010, 10, 13)], "mode": ["in-person"]})
    >>> participants = pd.DataFrame({"pilot_id": ["k"] * 3, "participant_id": ["A", "B", "C"],
    ...     "role": ["councillor", "councillor", "officer"], "in_cohort": [False] * 3})
    >>> attendance = pd.DataFrame({"pilot_id": ["k"] * 4, "session_id": ["s"] * 4,
    ...     "participant_id": ["A", "C", None, None], "status": ["present"] * 4,
    ...     "source_name": [None, None, "Cllr New", "cllr new"], "source_email": [None] * 4,
    ...     "source": ["register"] * 4})
    >>> attendees_by_role(sessions, attendance, participants)[["session_id", "group", "k", "n"]]
      session_id       group  k  n
    0          s  councillor  1  3
    1          s     officer  1  3
    2          s    unlinked  1  3
    3       None  councillor  1  3
    4       None     officer  1  3
    5       None    unlinked  1  3
    """
    present = _present(attendance).merge(
        participants[["pilot_id", "participant_id", "role"]], on=["pilot_id", "participant_id"],
        how="left",
    )
    present["role"] = present["role"].astype("object").where(present["role"].notna(), "not on roster")
    present["who"] = present["participant_id"]

    unlinked = attendance[attendance["participant_id"].isna() & attendance["session_id"].notna()
                          & (attendance["status"] == "present")]
    who = pd.Series(None, index=unlinked.index, dtype="object")
    if "source_name" in unlinked.columns:
        names = unlinked["source_name"].astype("string").str.split().str.join(" ")
        who = prefixed(names, "name:", lower=True)
    if "source_email" in unlinked.columns:
        by_email = prefixed(unlinked["source_email"], "email:", lower=True)
        who = by_email.where(by_email.notna(), who)
    unlinked = pd.DataFrame({"pilot_id": unlinked["pilot_id"].astype("object"),
                             "session_id": unlinked["session_id"].astype("object"),
                             "who": who.astype("object"), "role": "unlinked"}).dropna(subset=["who"])
    everyone = pd.concat([present[["pilot_id", "session_id", "who", "role"]], unlinked],
                         ignore_index=True).drop_duplicates()
    everyone = everyone.merge(sessions[["pilot_id", "session_id"]], on=["pilot_id", "session_id"])

    per_session = everyone.groupby(["pilot_id", "session_id", "role"]).size().rename("k").reset_index()
    totals = everyone.groupby(["pilot_id", "session_id"]).size().rename("n").reset_index()
    per_session = per_session.merge(totals, on=["pilot_id", "session_id"])
    anyone = everyone.drop(columns="session_id").drop_duplicates()
    overall = anyone.groupby(["pilot_id", "role"]).size().rename("k").reset_index()
    overall = overall.merge(anyone.groupby("pilot_id").size().rename("n").reset_index(), on="pilot_id")
    overall["session_id"] = None
    labels = ordered_sessions(sessions)[["pilot_id", "session_id", "session_label", "order"]]
    per_session = per_session.merge(labels, on=["pilot_id", "session_id"])
    overall["session_label"] = "any session"
    overall["order"] = np.inf
    rows = pd.concat([per_session, overall], ignore_index=True)
    rows = rows.sort_values(["pilot_id", "order", "role"], kind="stable").reset_index(drop=True)
    rows[["k", "n", "estimate", "ci_low", "ci_high"]] = wilson_rows(rows["k"], rows["n"], confidence)
    rows["level"] = LEVEL
    rows["measure"] = "attendees"
    rows["group"] = rows["role"]
    rows["method"] = (
        "people present with this role / everyone present; unlinked attendees counted by "
        "distinct email or name (one person under two names counts twice); Wilson score interval"
    )
    return result_frame(rows, ["session_id", "session_label", "k"])


def representation(
    sessions: pd.DataFrame,
    attendance: pd.DataFrame,
    participants: pd.DataFrame,
    *,
    by: Iterable[str] = ("party", "authority"),
    eligible: Eligible = "auto",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Share of each group's eligible members who came to at least one session.

    Parameters
    ----------
    by : columns of ``participants`` to group by, default ("party", "authority")
        A missing value becomes the group "not recorded".

    Returns
    -------
    pandas.DataFrame
        ``measure`` "turnout by party" (or by the column named), ``group`` the party,
        ``k`` of the group's eligible members came, ``n`` eligible members of the group,
        ``estimate`` k/n (Wilson); extra columns ``k``, ``share_of_attendees`` (the group's
        part of everyone eligible who came), ``eligible_rule``.

    Examples
    --------
    In the example pilot (:func:`evalkit.analysis.examples.example_tables`) five of the six
    cohort members came; only the Independent member (P-F) never did:

    >>> from evalkit.analysis.examples import example_tables
    >>> t = example_tables()
    >>> found = representation(t["sessions"], t["attendance"], t["participants"], by=["party"])
    >>> found[["group", "k", "n", "estimate", "share_of_attendees"]]
              group  k  n  estimate  share_of_attendees
    0  Conservative  2  2       1.0                 0.4
    1         Green  1  1       1.0                 0.2
    2   Independent  0  1       0.0                 0.0
    3        Labour  2  2       1.0                 0.4
    """
    people, present = _eligible_present(sessions, attendance, participants, eligible)
    came = pd.MultiIndex.from_frame(present[["pilot_id", "participant_id"]].astype("object"))
    people = people.copy()
    people["came"] = pd.MultiIndex.from_frame(
        people[["pilot_id", "participant_id"]].astype("object")).isin(came)
    parts = []
    for column in by:  # a loop over a few grouping columns
        values = people[column] if column in people.columns else pd.Series(None, index=people.index)
        values = values.astype("object")
        people["_group"] = values.where(values.notna(), "not recorded")
        counts = people.groupby(["pilot_id", "_group"]).agg(k=("came", "sum"), n=("came", "size"))
        counts = counts.reset_index()
        attendees = people.groupby("pilot_id")["came"].sum().rename("attendees").reset_index()
        counts = counts.merge(attendees, on="pilot_id")
        counts["share_of_attendees"] = np.where(counts["attendees"] > 0,
                                                counts["k"] / counts["attendees"].where(counts["attendees"] > 0, 1),
                                                np.nan)
        counts["measure"] = f"turnout by {column}"
        parts.append(counts)
    if not parts:
        return result_frame([], ["k", "share_of_attendees", "eligible_rule"])
    rows = pd.concat(parts, ignore_index=True)
    rows = rows.merge(people.groupby("pilot_id")["eligible_rule"].first().reset_index(), on="pilot_id")
    rows[["k", "n", "estimate", "ci_low", "ci_high"]] = wilson_rows(rows["k"], rows["n"], confidence)
    rows["level"] = LEVEL
    rows["group"] = rows["_group"]
    rows["method"] = ("eligible members of the group who came to at least one session / eligible "
                      "members of the group; Wilson score interval")
    rows = rows.sort_values(["pilot_id", "measure", "group"], kind="stable")
    return result_frame(rows, ["k", "share_of_attendees", "eligible_rule"])


def _attended_counts(sessions, attendance, participants, eligible, kinds) -> pd.DataFrame:
    """Per eligible person: sessions attended (of the pilot's sessions of ``kinds``) and the
    number of such sessions."""
    chosen = ordered_sessions(sessions, kinds)
    people, present = _eligible_present(chosen, attendance, participants, eligible)
    counts = present.groupby(["pilot_id", "participant_id"]).size().rename("attended").reset_index()
    out = people[["pilot_id", "participant_id", "eligible_rule"]].merge(
        counts, on=["pilot_id", "participant_id"], how="left")
    out["attended"] = out["attended"].fillna(0).astype(int)
    totals = chosen.groupby("pilot_id").size().rename("sessions_total").reset_index()
    out = out.merge(totals, on="pilot_id")
    return out


def sessions_attended(
    sessions: pd.DataFrame,
    attendance: pd.DataFrame,
    participants: pd.DataFrame,
    *,
    eligible: Eligible = "auto",
    kinds: Iterable[str] | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """How many sessions each eligible person attended: the distribution and its median.

    Parameters
    ----------
    kinds : iterable of str, optional
        Session kinds that count (default: every session of the pilot).

    Returns
    -------
    pandas.DataFrame
        Per pilot: rows ``measure`` "sessions attended" with ``group`` "j of S" (``k``
        eligible people attended exactly j of the S sessions, ``n`` eligible people,
        ``estimate`` their share, Wilson); a row "sessions attended (median)" (``estimate``
        the median number of sessions, with the distribution-free order-statistic interval;
        ``q1``, ``q3``); and a row "attendance consistency" (the median share of the S
        sessions a person attended, with its interval). Extra columns ``sessions``,
        ``sessions_total``, ``k``, ``q1``, ``q3``, ``ci_level``, ``eligible_rule``.

    Examples
    --------
    In the example pilot P-A, P-B and P-C came to all three workshops, P-D to two (and sent
    apologies to the third), P-E to one, P-F to none: the median is 2.5 of 3.

    >>> from evalkit.analysis.examples import example_tables
    >>> t = example_tables()
    >>> found = sessions_attended(t["sessions"], t["attendance"], t["participants"])
    >>> found[["measure", "group", "k", "n", "estimate"]]
                          measure         group     k  n  estimate
    0           sessions attended        0 of 3     1  6  0.166667
    1           sessions attended        1 of 3     1  6  0.166667
    2           sessions attended        2 of 3     1  6  0.166667
    3           sessions attended        3 of 3     3  6  0.500000
    4  sessions attended (median)  all eligible  <NA>  6  2.500000
    5      attendance consistency  all eligible  <NA>  6  0.833333
    """
    counts = _attended_counts(sessions, attendance, participants, eligible, kinds)
    rows = []
    for pilot_id, people in counts.groupby("pilot_id", sort=True):  # a loop over pilots
        total = int(people["sessions_total"].iloc[0])
        n = len(people)
        rule = people["eligible_rule"].iloc[0]
        dist = people["attended"].value_counts().reindex(range(total + 1), fill_value=0)
        found = wilson_rows(dist.to_numpy(), np.full(total + 1, n), confidence)
        for j in range(total + 1):
            rows.append({
                "measure": "sessions attended", "pilot_id": pilot_id, "group": f"{j} of {total}",
                "sessions": j, "sessions_total": total, "k": int(dist.iloc[j]), "n": n,
                "estimate": found["estimate"].iloc[j], "ci_low": found["ci_low"].iloc[j],
                "ci_high": found["ci_high"].iloc[j], "eligible_rule": rule,
                "method": "eligible people who attended exactly this many sessions; Wilson score interval",
            })
        for measure, values, how in (
            ("sessions attended (median)", people["attended"].to_numpy(float), "sessions attended"),
            ("attendance consistency", people["attended"].to_numpy(float) / max(total, 1),
             "share of the pilot's sessions attended"),
        ):
            median, low, high, level = median_interval(values, confidence)
            q1, q3 = (np.quantile(values, [0.25, 0.75]) if values.size else (np.nan, np.nan))
            rows.append({
                "measure": measure, "pilot_id": pilot_id, "group": "all eligible",
                "sessions_total": total, "n": n, "estimate": median, "ci_low": low, "ci_high": high,
                "q1": q1, "q3": q3, "ci_level": level, "eligible_rule": rule,
                "method": f"median {how} per eligible person (absent people count as 0); "
                          "distribution-free order-statistic interval",
            })
    frame = result_frame(rows, ["sessions", "sessions_total", "k", "q1", "q3", "ci_level",
                                "eligible_rule"])
    frame["level"] = LEVEL
    return frame


def retention(
    sessions: pd.DataFrame,
    attendance: pd.DataFrame,
    participants: pd.DataFrame,
    *,
    eligible: Eligible = "auto",
    kinds: Iterable[str] = PROGRAMME_KINDS,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Retention from the first to the last session of the programme.

    Of the eligible people present at the first session of ``kinds`` (default master class
    and workshops, in date order), the share also present at the last one. Pilots with fewer
    than two such sessions get no row.

    Returns
    -------
    pandas.DataFrame
        ``measure`` "retention", ``group`` "present at the first session", ``k`` of them
        present at the last, ``n`` present at the first, ``estimate`` k/n (Wilson); extra
        columns ``from_session``, ``to_session``, ``k``, ``eligible_rule``.

    Examples
    --------
    In the example pilot five cohort members came to Workshop 1 and three of them to
    Workshop 3:

    >>> from evalkit.analysis.examples import example_tables
    >>> t = example_tables()
    >>> found = retention(t["sessions"], t["attendance"], t["participants"])
    >>> found[["from_session", "to_session", "k", "n", "estimate"]]
      from_session to_session  k  n  estimate
    0           w1         w3  3  5       0.6
    """
    chosen = ordered_sessions(sessions, kinds)
    people, present = _eligible_present(chosen, attendance, participants, eligible)
    rows = []
    for pilot_id, pilot_sessions in chosen.groupby("pilot_id", sort=True):  # a loop over pilots
        if len(pilot_sessions) < 2:
            continue
        first = pilot_sessions["session_id"].iloc[0]
        last = pilot_sessions["session_id"].iloc[-1]
        mine = present[present["pilot_id"] == pilot_id]
        at_first = set(mine.loc[mine["session_id"] == first, "participant_id"])
        at_last = set(mine.loc[mine["session_id"] == last, "participant_id"])
        rule = people.loc[people["pilot_id"] == pilot_id, "eligible_rule"]
        rows.append({"pilot_id": pilot_id, "from_session": first, "to_session": last,
                     "k": len(at_first & at_last), "n": len(at_first),
                     "eligible_rule": rule.iloc[0] if len(rule) else None})
    rows = pd.DataFrame(rows, columns=["pilot_id", "from_session", "to_session", "k", "n",
                                       "eligible_rule"])
    rows[["k", "n", "estimate", "ci_low", "ci_high"]] = wilson_rows(rows["k"], rows["n"], confidence)
    rows["level"] = LEVEL
    rows["measure"] = "retention"
    rows["group"] = "present at the first session"
    rows["method"] = ("eligible people present at the first and the last session / eligible people "
                      "present at the first; Wilson score interval")
    return result_frame(rows, ["from_session", "to_session", "k", "eligible_rule"])


def _session_minutes(sessions: pd.DataFrame, attendance: pd.DataFrame,
                     session_minutes: float | Mapping[str, float] | None) -> pd.DataFrame:
    """Length of each session in minutes and how it was found (``length_from``)."""
    out = sessions[["pilot_id", "session_id"]].copy()
    out["session_minutes"] = np.nan
    out["length_from"] = None
    if isinstance(session_minutes, Mapping):
        given = out["session_id"].map(session_minutes)
        out["session_minutes"] = pd.to_numeric(given, errors="coerce")
        out.loc[out["session_minutes"].notna(), "length_from"] = "given"
    elif session_minutes is not None:
        out["session_minutes"] = float(session_minutes)
        out["length_from"] = "given"
    if "minutes" in sessions.columns:
        stated = pd.to_numeric(sessions["minutes"], errors="coerce").to_numpy()
        fill = out["session_minutes"].isna() & ~np.isnan(stated)
        out.loc[fill, "session_minutes"] = stated[fill.to_numpy()]
        out.loc[fill, "length_from"] = "sessions table"
    missing = out["session_minutes"].isna()
    if missing.any() and {"joined_at", "left_at"} <= set(attendance.columns):
        timed = attendance[attendance["session_id"].notna()].copy()
        timed["joined_at"] = pd.to_datetime(timed["joined_at"], utc=True, errors="coerce")
        timed["left_at"] = pd.to_datetime(timed["left_at"], utc=True, errors="coerce")
        span = timed.groupby(["pilot_id", "session_id"]).agg(first_join=("joined_at", "min"),
                                                            last_leave=("left_at", "max"))
        span = span.reset_index()
        start = sessions[["pilot_id", "session_id"]].copy()
        start["start"] = (pd.to_datetime(sessions["start"], utc=True, errors="coerce")
                          if "start" in sessions.columns else pd.NaT)
        span = out[["pilot_id", "session_id"]].merge(span, on=["pilot_id", "session_id"], how="left")
        span = span.merge(start, on=["pilot_id", "session_id"], how="left")
        begin = span["start"].where(span["start"].notna(), span["first_join"])
        length = (span["last_leave"] - begin).dt.total_seconds() / 60.0
        fill = missing.to_numpy() & length.notna().to_numpy() & (length.to_numpy() > 0)
        out.loc[fill, "session_minutes"] = length.to_numpy()[fill]
        out.loc[fill, "length_from"] = "recorded start to last leave"
    return out


def minutes_present(
    sessions: pd.DataFrame,
    attendance: pd.DataFrame,
    participants: pd.DataFrame,
    *,
    eligible: Eligible = "auto",
    session_minutes: float | Mapping[str, float] | None = None,
    share_of_session: float = 0.75,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Minutes present at online and hybrid sessions: median, IQR, and who stayed most of it.

    Only eligible people present with a recorded ``minutes_present`` count (a person with
    several online records for one session gets the longest, see
    :func:`attendance_by_person`).

    Parameters
    ----------
    session_minutes : number or mapping session_id → minutes, optional
        Length of the sessions. Without it, a ``minutes`` column of ``sessions`` is used,
        else the time from the session's start (or the first join) to the last leave
        recorded; ``length_from`` says which.
    share_of_session : float, default 0.75
        "Stayed" means present for at least this share of the session.

    Returns
    -------
    pandas.DataFrame
        Per online/hybrid session with minutes: a row ``measure`` "minutes present"
        (``estimate`` median minutes with its distribution-free interval, ``q1``, ``q3``)
        and a row "present for most of the session" (``k`` of ``n`` present at least
        ``share_of_session`` of ``session_minutes``, Wilson). Extra columns ``session_id``,
        ``session_label``, ``k``, ``q1``, ``q3``, ``ci_level``, ``session_minutes``,
        ``share_of_session``, ``length_from``.

    Examples
    --------
    >>> import datetime as dt
    >>> sessions = pd.DataFrame({"pilot_id": ["p"], "session_id": ["w1"], "kind": ["workshop"],
    ...     "date": [dt.date(2025, 1, 20)], "mode": ["online"]})
    >>> participants = pd.DataFrame({"pilot_id": ["p"] * 3, "participant_id": ["A", "B", "C"],
    ...     "role": ["councillor"] * 3, "in_cohort": [True] * 3})
    >>> attendance = pd.DataFrame({"pilot_id": ["p"] * 3, "session_id": ["w1"] * 3,
    ...     "participant_id": ["A", "B", "C"], "status": ["present"] * 3,
    ...     "minutes_present": [90.0, 60.0, 85.0], "source": ["zoom"] * 3})
    >>> found = minutes_present(sessions, attendance, participants, session_minutes=90)
    >>> found[["measure", "k", "n", "estimate", "q1", "q3"]]
                                 measure     k  n   estimate    q1    q3
    0                    minutes present  <NA>  3  85.000000  72.5  87.5
    1  present for most of the session     2  3   0.666667   NaN   NaN
    """
    online = sessions[sessions["mode"].isin(["online", "hybrid"])]
    people, present = _eligible_present(online, attendance, participants, eligible)
    present = present[present["minutes_present"].notna()]
    lengths = _session_minutes(online, attendance, session_minutes)
    labels = ordered_sessions(online)[["pilot_id", "session_id", "session_label", "order"]]
    rows = []
    for (pilot_id, session_id), people_here in present.groupby(["pilot_id", "session_id"], sort=True):
        minutes = people_here["minutes_present"].to_numpy(float)
        length = lengths.loc[(lengths["pilot_id"] == pilot_id) & (lengths["session_id"] == session_id)]
        session_length = float(length["session_minutes"].iloc[0]) if len(length) else np.nan
        length_from = length["length_from"].iloc[0] if len(length) else None
        median, low, high, level = median_interval(minutes, confidence)
        q1, q3 = np.quantile(minutes, [0.25, 0.75])
        common = {"pilot_id": pilot_id, "session_id": session_id, "n": minutes.size,
                  "session_minutes": session_length, "length_from": length_from,
                  "share_of_session": share_of_session}
        rows.append({**common, "measure": "minutes present", "group": "present online",
                     "estimate": median, "ci_low": low, "ci_high": high, "q1": q1, "q3": q3,
                     "ci_level": level,
                     "method": "median minutes present per eligible person (longest record); "
                               "distribution-free order-statistic interval"})
        stayed = int((minutes >= share_of_session * session_length).sum()) if session_length == session_length else None
        if stayed is not None:
            found = wilson_rows([stayed], [minutes.size], confidence)
            rows.append({**common, "measure": "present for most of the session",
                         "group": f"at least {share_of_session:.0%} of {session_length:.0f} minutes",
                         "k": stayed, "estimate": found["estimate"].iloc[0],
                         "ci_low": found["ci_low"].iloc[0], "ci_high": found["ci_high"].iloc[0],
                         "method": f"eligible people present for at least {share_of_session:.0%} "
                                   f"of the session ({length_from}) / eligible people present "
                                   "online; Wilson score interval"})
    frame = pd.DataFrame(rows)
    if len(frame):
        frame = frame.merge(labels, on=["pilot_id", "session_id"], how="left")
        frame = frame.sort_values(["pilot_id", "order"], kind="stable")
    frame = result_frame(frame, ["session_id", "session_label", "k", "q1", "q3", "ci_level",
                                 "session_minutes", "share_of_session", "length_from"])
    frame["level"] = LEVEL
    return frame


def participation_summary(
    sessions: pd.DataFrame,
    attendance: pd.DataFrame,
    participants: pd.DataFrame,
    *,
    eligible: Eligible = "auto",
    session_minutes: float | Mapping[str, float] | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Every participation measure of this module stacked in one frame (columns: the union).

    Examples
    --------
    >>> from evalkit.analysis.examples import example_tables
    >>> t = example_tables()
    >>> found = participation_summary(t["sessions"], t["attendance"], t["participants"], session_minutes=60)
    >>> found.groupby("measure", sort=False).size()
    measure
    turnout                            4
    attendees                          8
    turnout by authority               1
    turnout by party                   4
    sessions attended                  4
    sessions attended (median)         1
    attendance consistency             1
    retention                          1
    minutes present                    1
    present for most of the session    1
    dtype: int64
    """
    token = _SHARED.set({})  # who came and who was eligible, worked out once for every measure
    try:
        parts = [
            turnout(sessions, attendance, participants, eligible=eligible, confidence=confidence),
            attendees_by_role(sessions, attendance, participants, confidence=confidence),
            representation(sessions, attendance, participants, eligible=eligible, confidence=confidence),
            sessions_attended(sessions, attendance, participants, eligible=eligible, confidence=confidence),
            retention(sessions, attendance, participants, eligible=eligible, confidence=confidence),
            minutes_present(sessions, attendance, participants, eligible=eligible,
                            session_minutes=session_minutes, confidence=confidence),
        ]
    finally:
        _SHARED.reset(token)
    parts = [p for p in parts if len(p)]
    if not parts:
        return result_frame([])
    return pd.concat(parts, ignore_index=True)
