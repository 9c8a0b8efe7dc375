"""Cross-pilot: the same measures side by side per area, what sets the areas apart, and
whether they differ.

* :func:`side_by_side` — the headline rows of the level results (participation, reaction,
  learning, behaviour) as one frame with a row per pilot × headline measure, estimates with
  intervals, ready for a forest plot;
* :func:`pilot_characteristics` — what may explain differences: single vs multi-authority,
  tier, geography, the spread of baseline skill, attendance consistency;
* :func:`compare_pilots` — do pilots differ? Proportions with Fisher's exact r×c test
  (:func:`evalkit.stats.compare_proportions`), per-person scores with the permutation
  Kruskal–Wallis test (:func:`evalkit.stats.compare_scores`), all p-values of the family
  adjusted together (Holm by default, :func:`evalkit.stats.adjust_p`), the adjustment named
  in every row;
* :func:`pilot_facts` — the pilots of a loaded programme (tier, geography, region, number of
  authorities) as a frame, for :func:`pilot_characteristics`.

>>> from evalkit.analysis.examples import example_tables
>>> from evalkit.analysis.participation import participation_summary
>>> t = example_tables()
>>> found = side_by_side(participation_summary(t["sessions"], t["attendance"], t["participants"]))
>>> found[["headline", "pilot_id", "k", "n", "estimate"]]
                 headline pilot_id     k  n  estimate
0   turnout (any session)     demo     5  6  0.833333
1  attendance consistency     demo  <NA>  6  0.833333
2               retention     demo     3  5  0.600000
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..stats import DEFAULT_SEED, adjust_p, compare_proportions, compare_scores
from ._common import eligible_people, result_frame
from .learning import attrition, baseline_scores, baseline_spread, wave_answers
from .participation import Eligible, _attended_counts, retention, sessions_attended, turnout
from .reaction import feedback_ratings, yes_no_answers

__all__ = ["compare_pilots", "pilot_characteristics", "pilot_facts", "side_by_side"]

LEVEL = "cross-pilot"

_LEVEL_ORDER = {"participation": 0, "reaction": 1, "learning": 2, "behaviour": 3}


def _headline_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of a stacked result frame that are headlines, with a ``headline`` name."""
    def column(name: str) -> pd.Series:
        if name in frame.columns:
            return frame[name].astype("object")
        return pd.Series(None, index=frame.index, dtype="object")

    measure, group, session = column("measure"), column("group"), column("session_id")
    item, platform = column("item_id"), column("platform")
    pooled = session.isna()
    picks = {
        "turnout": (measure == "turnout") & pooled,
        "retention": measure == "retention",
        "attendance consistency": measure == "attendance consistency",
        "share yes": (measure == "share yes") & pooled,
        "share agree": (measure == "share agree") & pooled,
        "change pre to post": measure == "change pre to post",
        "response shift": measure == "response shift",
        "missing at post": measure == "missing at post",
        "behaviour cohort": (column("level") == "behaviour") & (group == "cohort") & column("comparison").notna(),
        "behaviour comparison": (column("level") == "behaviour") & (group == "cohort minus comparison")
        & ~measure.fillna("").str.startswith("pre-period trend"),
    }
    chosen = pd.Series(False, index=frame.index)
    for mask in picks.values():
        chosen |= mask.fillna(False).astype(bool)
    rows = frame[chosen].copy()
    name = measure[chosen].copy()
    name[picks["turnout"][chosen]] = "turnout (any session)"
    with_item = item[chosen].notna()
    name[with_item] = name[with_item] + ": " + item[chosen][with_item]
    with_platform = platform[chosen].notna()
    name[with_platform] = (name[with_platform] + " on " + platform[chosen][with_platform]
                           + " (" + group[chosen][with_platform] + ")")
    rows["headline"] = name
    return rows


def side_by_side(*results: pd.DataFrame) -> pd.DataFrame:
    """The headline measures of every pilot side by side (one row per pilot × headline).

    Headlines: turnout at any session, retention, attendance consistency (participation);
    the pooled share agreeing and saying yes per item (reaction); the pre → post change per
    item, the response shift and the share missing at post (learning); the cohort change
    and the difference against the comparison set per behaviour measure and platform
    (behaviour).

    Parameters
    ----------
    *results : pandas.DataFrame
        Result frames of the level functions (e.g. :func:`~evalkit.analysis.participation.
        participation_summary`, :func:`~evalkit.analysis.learning.pre_post`), for one or many pilots.

    Returns
    -------
    pandas.DataFrame
        ``level, measure, headline`` (the measure with its item or platform), ``pilot_id,
        group, n, k, estimate, ci_low, ci_high, p_value, method``, sorted by level, then
        headlines in the order they first appear, then pilot.
    """
    frames = [f for f in results if f is not None and len(f)]
    if not frames:
        return result_frame([], ["headline", "k"])
    stacked = pd.concat(frames, ignore_index=True)
    stacked = stacked[stacked["level"].isin(list(_LEVEL_ORDER))]
    rows = _headline_rows(stacked)
    rows["_level"] = rows["level"].map(_LEVEL_ORDER).fillna(9)
    rows["_first"] = np.arange(len(rows))
    first_seen = rows.groupby("headline")["_first"].transform("min")
    rows = rows.assign(_first=first_seen).sort_values(["_level", "_first", "pilot_id"], kind="stable")
    out = result_frame(rows, ["headline", "k"])
    return out[["level", "measure", "headline", "pilot_id", "group", "n", "k", "estimate", "ci_low",
                "ci_high", "p_value", "method"]]


def pilot_facts(programme) -> pd.DataFrame:
    """The pilots of a loaded :class:`evalkit.programme.Programme` as a frame.

    Returns
    -------
    pandas.DataFrame
        ``pilot_id, name, tier, geography, region, authorities`` (how many councils).

    Examples
    --------
    >>> from evalkit.programme import Programme
    >>> programme = Programme.model_validate({"name": "Demo", "pilots": [{
    ...     "id": "demo", "name": "Demo pilot", "authorities": ["Solihull Council"],
    ...     "geography": "compact", "sessions": [{"id": "w1", "kind": "workshop", "date": "2024-09-03"}]}]})
    >>> pilot_facts(programme)
      pilot_id        name    tier geography region  authorities
    0     demo  Demo pilot  single   compact   None            1
    """
    return pd.DataFrame({
        "pilot_id": [p.id for p in programme.pilots],
        "name": [p.name for p in programme.pilots],
        "tier": [p.tier for p in programme.pilots],
        "geography": [p.geography for p in programme.pilots],
        "region": [p.region for p in programme.pilots],
        "authorities": [len(p.authorities) for p in programme.pilots],
    }).astype({"pilot_id": "object", "name": "object", "tier": "object", "geography": "object",
               "region": "object"})


def pilot_characteristics(
    sessions: pd.DataFrame,
    attendance: pd.DataFrame,
    participants: pd.DataFrame,
    responses: pd.DataFrame,
    *,
    pilots: pd.DataFrame | None = None,
    eligible: Eligible = "auto",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Characteristics of each pilot that may explain why results differ.

    * ``authorities`` — councils among the eligible people (``estimate`` the count,
      ``value`` "single-authority" or "multi-authority"); with ``pilots`` (see
      :func:`pilot_facts`) the programme's own count and ``tier`` are used;
    * ``geography`` and ``region`` — from ``pilots`` only (``value``; "not recorded"
      without);
    * ``sessions`` and ``eligible people`` — counts;
    * ``baseline beginners`` / ``baseline fluent`` — shares at pre with Wilson intervals
      (:func:`~evalkit.analysis.learning.baseline_spread`), ``baseline spread`` — the
      interquartile range of baseline scores;
    * ``attendance consistency`` — the median share of the pilot's sessions an eligible
      person attended, with its distribution-free interval.

    Returns
    -------
    pandas.DataFrame
        ``level`` "cross-pilot", ``measure`` the characteristic, ``pilot_id, n, estimate,
        ci_low, ci_high, method`` and ``value`` (text for categorical characteristics).

    Examples
    --------
    >>> from evalkit.analysis.examples import example_tables
    >>> t = example_tables()
    >>> found = pilot_characteristics(t["sessions"], t["attendance"], t["participants"], t["responses"])
    >>> found[["measure", "value", "n", "estimate"]]
                      measure             value     n  estimate
    0             authorities  single-authority     6  1.000000
    1               geography      not recorded  <NA>       NaN
    2                  region      not recorded  <NA>       NaN
    3                sessions              None  <NA>  3.000000
    4         eligible people              None  <NA>  6.000000
    5      baseline beginners              None     6  0.500000
    6         baseline fluent              None     6  0.166667
    7         baseline spread              None     6  1.375000
    8  attendance consistency              None     6  0.833333
    """
    attended = sessions_attended(sessions, attendance, participants, eligible=eligible,
                                 confidence=confidence)
    spread = baseline_spread(responses, confidence=confidence)
    people = eligible_people(participants, sessions, eligible)
    facts = pilots.set_index("pilot_id") if pilots is not None else None
    pilot_list = sorted(set(sessions["pilot_id"].dropna()) | set(people["pilot_id"].dropna()))
    rows = []
    for pilot_id in pilot_list:  # a loop over pilots
        mine = people[people["pilot_id"] == pilot_id]
        councils = mine["authority"].dropna().nunique() if "authority" in mine.columns else 0
        fact = facts.loc[pilot_id] if facts is not None and pilot_id in facts.index else None
        if fact is not None and pd.notna(fact.get("authorities")):
            councils = int(fact["authorities"])
        kind = "single-authority" if councils == 1 else "multi-authority" if councils > 1 else "not recorded"
        tier = fact.get("tier") if fact is not None else None
        plain = tier is None or pd.isna(tier) or tier in ("single", "multi-authority")
        rows.append({"pilot_id": pilot_id, "measure": "authorities", "n": len(mine),
                     "estimate": float(councils), "value": kind if plain else f"{kind} ({tier})",
                     "method": "councils in the programme" if fact is not None
                     else "distinct authorities of the eligible people"})
        for key in ("geography", "region"):
            value = fact.get(key) if fact is not None else None
            rows.append({"pilot_id": pilot_id, "measure": key,
                         "value": value if value is not None and not pd.isna(value) else "not recorded",
                         "method": "from programme.yml"})
        rows.append({"pilot_id": pilot_id, "measure": "sessions",
                     "estimate": float((sessions["pilot_id"] == pilot_id).sum()), "method": "sessions held"})
        rows.append({"pilot_id": pilot_id, "measure": "eligible people", "estimate": float(len(mine)),
                     "method": f"eligible people ({mine['eligible_rule'].iloc[0] if len(mine) else 'none'})"})
        base = spread[spread["pilot_id"] == pilot_id]
        for band, name in (("beginner", "baseline beginners"), ("fluent", "baseline fluent")):
            row = base[(base["measure"] == "baseline skill") & (base["group"] == band)]
            if len(row):
                r = row.iloc[0]
                rows.append({"pilot_id": pilot_id, "measure": name, "n": r["n"], "estimate": r["estimate"],
                             "ci_low": r["ci_low"], "ci_high": r["ci_high"], "method": r["method"]})
        score = base[base["measure"] == "baseline score"]
        if len(score):
            r = score.iloc[0]
            rows.append({"pilot_id": pilot_id, "measure": "baseline spread", "n": r["n"],
                         "estimate": r["q3"] - r["q1"],
                         "method": "interquartile range of the respondents' mean pre confidence"})
        consistency = attended[(attended["pilot_id"] == pilot_id)
                               & (attended["measure"] == "attendance consistency")]
        if len(consistency):
            r = consistency.iloc[0]
            rows.append({"pilot_id": pilot_id, "measure": "attendance consistency", "n": r["n"],
                         "estimate": r["estimate"], "ci_low": r["ci_low"], "ci_high": r["ci_high"],
                         "method": r["method"]})
    frame = result_frame(rows, ["value"])
    frame["level"] = LEVEL
    return frame


def _proportion_table(rows: pd.DataFrame) -> pd.DataFrame:
    """k and n per pilot (index) from result rows."""
    table = rows.groupby("pilot_id")[["k", "n"]].sum()
    table = table[table["n"] > 0]
    return table.astype(int)


def compare_pilots(
    sessions: pd.DataFrame,
    attendance: pd.DataFrame,
    participants: pd.DataFrame,
    responses: pd.DataFrame,
    *,
    eligible: Eligible = "auto",
    adjustment: str = "holm",
    seed: int = DEFAULT_SEED,
) -> pd.DataFrame:
    """Do the pilots differ? Group comparisons across pilots, adjusted together.

    Proportions (Fisher's exact test of the pilots × answers table, exact or seeded Monte
    Carlo, :func:`evalkit.stats.compare_proportions`): turnout at any session (among pilots
    whose eligible people are counted by the same rule), retention,
    missing at post, the baseline-skill bands (beginner / intermediate / fluent), and per
    feedback item present in two or more pilots the share agreeing or saying yes.
    Per-person scores (permutation Kruskal–Wallis, :func:`evalkit.stats.compare_scores`):
    baseline score, change in confidence (a person's mean over the confidence items at post
    minus at pre, for those with both), and the share of sessions attended (pilots with two
    or more sessions and the same eligibility rule).

    All p-values are adjusted as one family with ``adjustment`` (``holm`` default,
    ``bonferroni``, ``fdr_bh``); ``p_adjusted`` and ``adjustment`` (e.g. "Holm (6 tests)")
    say so. A measure is compared only where two or more pilots have it.

    An awareness session open to every councillor and a cohort pilot count turnout against
    different people, so turnout and attendance are compared only among pilots that use the
    same eligibility rule (the rule is named in ``measure``).

    Returns
    -------
    pandas.DataFrame
        ``level`` "cross-pilot", ``measure``, ``group`` (the pilots, "a vs b"), ``n``,
        ``estimate`` (the effect size: Cramér's V for proportions, epsilon-squared for
        scores), ``p_value``, ``method``; extra columns ``test, n_groups, statistic,
        p_adjusted, adjustment, effect``.

    Examples
    --------
    Two copies of the example pilot, where nobody in the second asked to find out more:

    >>> from evalkit.analysis.examples import example_tables
    >>> first = example_tables()
    >>> second = {name: table.assign(pilot_id="demo-2") for name, table in example_tables().items()}
    >>> more = second["responses"]["item_id"] == "find_out_more"
    >>> second["responses"].loc[more, "value"] = 0.0
    >>> t = {name: pd.concat([first[name], second[name]], ignore_index=True) for name in first}
    >>> found = compare_pilots(t["sessions"], t["attendance"], t["participants"], t["responses"])
    >>> found.loc[found["measure"] == "share yes: find_out_more", ["n", "p_value", "p_adjusted", "adjustment"]].round(4)
        n  p_value  p_adjusted      adjustment
    5  15    0.007      0.0629  Holm (9 tests)
    """
    rows = []

    def add(result: pd.DataFrame, test: str, note: str = "") -> None:
        row = result.iloc[0].to_dict()
        row["test"] = test
        if note:
            row["method"] = f"{row['method']}; {note}"
        rows.append(row)

    found = turnout(sessions, attendance, participants, eligible=eligible)
    overall = found[found["session_id"].isna()]
    for rule, same_rule in overall.groupby("eligible_rule", sort=True):  # pilots counted alike
        if same_rule["pilot_id"].nunique() >= 2:
            add(compare_proportions(_proportion_table(same_rule), measure=f"turnout (any session; eligible: {rule})",
                                    seed=seed), "proportions")
    kept = retention(sessions, attendance, participants, eligible=eligible)
    if kept["pilot_id"].nunique() >= 2:
        add(compare_proportions(_proportion_table(kept), measure="retention", seed=seed), "proportions")

    missing = attrition(responses, seed=seed)
    missing = missing[missing["measure"] == "missing at post"]
    if missing["pilot_id"].nunique() >= 2:
        add(compare_proportions(_proportion_table(missing), measure="missing at post", seed=seed),
            "proportions")
    bands = baseline_spread(responses)
    bands = bands[bands["measure"] == "baseline skill"]
    if bands["pilot_id"].nunique() >= 2:
        table = bands.pivot_table(index="pilot_id", columns="group", values="k", aggfunc="sum")
        table = table.reindex(columns=["beginner", "intermediate", "fluent"]).fillna(0).astype(int)
        add(compare_proportions(table, measure="baseline skill (beginner / intermediate / fluent)", seed=seed),
            "proportions")
    for found_items, measure in ((feedback_ratings(responses), "share agree"),
                                 (yes_no_answers(responses, wave="feedback"), "share yes")):
        pooled = found_items[found_items["session_id"].isna()]
        for item_id, item_rows in pooled.groupby("item_id", sort=True):  # a loop over items
            if item_rows["pilot_id"].nunique() >= 2:
                add(compare_proportions(_proportion_table(item_rows), measure=f"{measure}: {item_id}",
                                        seed=seed), "proportions")

    scores = baseline_scores(responses)
    scores = scores.rename(columns={"pilot_id": "group", "score": "value"})
    if scores["group"].nunique() >= 2:
        add(compare_scores(scores, measure="baseline score", seed=seed), "scores")
    answers = wave_answers(responses, composite=False)
    confidence_answers = answers[(answers["scale"] == "confidence") & answers["wave"].isin(["pre", "post"])]
    means = confidence_answers.groupby(["pilot_id", "person", "wave"])["value"].mean().unstack("wave")
    if {"pre", "post"} <= set(means.columns):
        change = (means["post"] - means["pre"]).dropna().rename("value").reset_index()
        change = change.rename(columns={"pilot_id": "group"})
        if change["group"].nunique() >= 2:
            add(compare_scores(change, measure="change in confidence (post − pre)", seed=seed), "scores")
    counts = _attended_counts(sessions, attendance, participants, eligible, None)
    counts = counts[counts["sessions_total"] >= 2]  # a single session has no consistency to compare
    counts = counts.assign(value=counts["attended"] / counts["sessions_total"])
    counts = counts.rename(columns={"pilot_id": "group"})
    for rule, same_rule in counts.groupby("eligible_rule", sort=True):
        if same_rule["group"].nunique() >= 2:
            add(compare_scores(same_rule[["group", "value"]],
                               measure=f"share of sessions attended (eligible: {rule})", seed=seed), "scores")

    if not rows:
        return result_frame([], ["test", "n_groups", "statistic", "p_adjusted", "adjustment", "effect"])
    frame = adjust_p(pd.DataFrame(rows), method=adjustment)
    frame["estimate"] = frame["effect"]
    frame["level"] = LEVEL
    frame["pilot_id"] = None
    return result_frame(frame, ["test", "n_groups", "statistic", "p_adjusted", "adjustment", "effect"])
