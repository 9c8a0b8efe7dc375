"""Learning: did self-assessed skills and confidence change? (the third level of evaluation)

Self-assessment surveys are the ``responses`` rows of waves ``pre`` (before the programme),
``post`` (after it) and ``then`` (the retrospective-pre questions asked in the post survey:
"looking back, how confident were you before the programme?"). Only rating items count
(scales agreement, confidence, frequency and 0–10; yes/no and free text do not).

Rules used throughout:

* **Pairing.** Answers are paired by ``participant_id``: a person's pre answer with the same
  person's post answer to the same item. Respondents not linked to the roster cannot be
  paired; with ``email_fallback=True`` the caller allows pairing them by the email they gave
  (folded to lower case) instead. If a person answered a wave twice, the latest submission
  counts.
* **Composite.** When a pilot asks two or more confidence items, each person also gets their
  mean over the confidence items they answered in a wave (item ``"confidence (mean of
  items)"``, :data:`COMPOSITE_ITEM`).
* **Baseline skill** (:func:`baseline_spread`): a person's mean over the confidence items at
  pre; *beginner* when it is at most 2 ("slightly confident" or less), *fluent* when it is at
  least 4 ("confident" or more), *intermediate* between. Thresholds are arguments.
* **Attrition** (:func:`attrition`): a person is *missing at post* when they answered the pre
  survey but gave no post (or retrospective "then") answer.

Changes use :func:`evalkit.stats.paired_change`. The headline (``estimate``, ``ci_low``,
``ci_high``) is the **mean change** with its Student t interval: on 1–5 answers it covers the
true mean change about as often as it says (93.6–96.2% for 95% on the sample generator's
model at n = 12 to 25), where the exact Hodges–Lehmann interval covers its own target 99% of
the time or more and often misses the mean change. The Hodges–Lehmann estimate and
its exact interval are kept alongside (``hl_estimate``, ``hl_ci_low``, ``hl_ci_high``,
``hl_ci_level``), with the exact Wilcoxon signed-rank p-value, the rank-biserial effect with a
seeded bootstrap interval, and the share who improved (Wilson).

>>> import pandas as pd
>>> responses = pd.DataFrame({
...     "pilot_id": ["p"] * 8, "participant_id": ["A", "B", "C", "D"] * 2,
...     "respondent_id": ["1", "2", "3", "4", "11", "12", "13", "14"],
...     "wave": ["pre"] * 4 + ["post"] * 4, "item_id": ["confidence_posting"] * 8,
...     "value": [2.0, 1.0, 3.0, 4.0, 4.0, 3.0, 4.0, 4.0], "scale": ["confidence"] * 8})
>>> found = pre_post(responses)
>>> found[["measure", "n", "median_before", "median_after", "n_improved", "estimate"]]
              measure  n  median_before  median_after  n_improved  estimate
0  change pre to post  4            2.5           4.0           3      1.25
"""

from __future__ import annotations

from typing import Iterable

import numpy as np
import pandas as pd

from ..stats import DEFAULT_SEED, compare_scores, paired_change
from ._common import median_interval, prefixed, result_frame, wilson_rows

__all__ = [
    "COMPARISONS",
    "COMPOSITE_ITEM",
    "attrition",
    "baseline_scores",
    "baseline_spread",
    "learning_summary",
    "pre_post",
    "wave_answers",
]

LEVEL = "learning"

#: scales whose answers are ratings
RATING_SCALES = ("agreement", "confidence", "frequency", "zero_ten")

#: the item id of a person's mean over the confidence items of a wave
COMPOSITE_ITEM = "confidence (mean of items)"

#: (measure, wave before, wave after): the paired comparisons made where both waves exist
COMPARISONS = (
    ("change pre to post", "pre", "post"),
    ("change then to post", "then", "post"),
    ("response shift", "pre", "then"),
)

_CHANGE_EXTRAS = [
    "item_id", "scale", "comparison", "n_missing", "n_zero", "n_improved", "n_worse",
    "median_before", "median_after", "ci_level", "statistic", "hl_estimate", "hl_ci_low",
    "hl_ci_high", "hl_ci_level", "effect", "effect_ci_low", "effect_ci_high", "share_improved",
    "share_improved_ci_low", "share_improved_ci_high",
]


def _person_key(responses: pd.DataFrame, email_fallback: bool, respondent_fallback: bool) -> pd.Series:
    """Who answered: participant_id; else (if allowed) ``email:<lower email>``; else (if
    allowed) ``respondent:<respondent_id>``; else None."""
    key = responses["participant_id"].astype("object")
    if email_fallback and "source_email" in responses.columns:
        key = key.where(key.notna(), prefixed(responses["source_email"], "email:", lower=True))
    if respondent_fallback and "respondent_id" in responses.columns:
        key = key.where(key.notna(), prefixed(responses["respondent_id"], "respondent:"))
    return key.where(key.notna(), None)


def wave_answers(
    responses: pd.DataFrame,
    *,
    items: Iterable[str] | None = None,
    email_fallback: bool = False,
    respondent_fallback: bool = False,
    composite: bool = True,
) -> pd.DataFrame:
    """One rating per pilot × person × wave × item (the latest submission).

    Parameters
    ----------
    items : iterable of str, optional
        Item ids to keep (default: every rating item).
    email_fallback : bool, default False
        Identify respondents not linked to the roster by their email.
    respondent_fallback : bool, default False
        Identify the remaining respondents by ``respondent_id`` (they cannot be paired across
        waves, but count for a single wave).
    composite : bool, default True
        Add each person's mean over the confidence items (:data:`COMPOSITE_ITEM`) when the
        pilot asks two or more of them.

    Returns
    -------
    pandas.DataFrame
        ``pilot_id, person, wave, item_id, scale, value``; answers without a person key
        are left out.

    Examples
    --------
    >>> responses = pd.DataFrame({"pilot_id": ["p"] * 3, "participant_id": ["A", "A", None],
    ...     "respondent_id": ["1", "2", "3"], "source_email": [None, None, "b@x.gov.uk"],
    ...     "wave": ["pre"] * 3, "item_id": ["confidence_posting"] * 3,
    ...     "value": [2.0, 3.0, 4.0], "scale": ["confidence"] * 3,
    ...     "submitted_at": pd.to_datetime(["2024-09-01 10:00", "2024-09-02 10:00",
    ...                                     "2024-09-01 11:00"]).tz_localize("Europe/London")})
    >>> wave_answers(responses, email_fallback=True)[["person", "value"]]
              person  value
    0              A    3.0
    1  email:b@x.gov.uk    4.0
    """
    rows = responses[responses["scale"].isin(RATING_SCALES) & responses["wave"].isin(["pre", "post", "then"])]
    if items is not None:
        rows = rows[rows["item_id"].isin(list(items))]
    out = pd.DataFrame({
        "pilot_id": rows["pilot_id"].astype("object"),
        "person": _person_key(rows, email_fallback, respondent_fallback),
        "wave": rows["wave"].astype("object"),
        "item_id": rows["item_id"].astype("object"),
        "scale": rows["scale"].astype("object"),
        "value": pd.to_numeric(rows["value"], errors="coerce").astype(float),
        "_when": (pd.to_datetime(rows["submitted_at"], utc=True, errors="coerce")
                  if "submitted_at" in rows.columns else pd.NaT),
        "_order": np.arange(len(rows)),
    })
    out = out[out["person"].notna() & out["value"].notna() & out["item_id"].notna()]
    keys = ["pilot_id", "person", "wave", "item_id"]
    out = out.sort_values(["_when", "_order"], na_position="first", kind="stable")
    out = out.drop_duplicates(keys, keep="last")
    out = out.drop(columns=["_when", "_order"])
    if composite:
        confidence_items = out[out["scale"] == "confidence"]
        asked = confidence_items.groupby("pilot_id")["item_id"].nunique()
        several = asked[asked >= 2].index
        chosen = confidence_items[confidence_items["pilot_id"].isin(several)]
        if len(chosen):
            means = chosen.groupby(["pilot_id", "person", "wave"])["value"].mean().reset_index()
            means["item_id"] = COMPOSITE_ITEM
            means["scale"] = "confidence"
            out = pd.concat([out, means[out.columns]], ignore_index=True)
    return out.sort_values(["pilot_id", "item_id", "wave", "person"], kind="stable").reset_index(drop=True)


def pre_post(
    responses: pd.DataFrame,
    *,
    items: Iterable[str] | None = None,
    email_fallback: bool = False,
    comparisons=COMPARISONS,
    confidence: float = 0.95,
    seed: int = DEFAULT_SEED,
    n_resamples: int = 4000,
) -> pd.DataFrame:
    """Paired change per pilot and item: pre → post, then → post, and pre → then.

    ``change pre to post`` is the change the programme set out to make; ``change then to
    post`` compares the post answer with the person's own retrospective rating of where they
    started; ``response shift`` is ``then − pre``: negative when, looking back, people rate
    their starting point lower than they did at the start (they learnt how much they did not
    know). Each comparison is made where both waves were collected.

    Parameters
    ----------
    items : iterable of str, optional
        Item ids to analyse (default: every rating item asked in both waves).
    email_fallback : bool, default False
        Pair respondents not linked to the roster by their email (see module notes).
    comparisons : sequence of (measure, wave before, wave after), default :data:`COMPARISONS`
    confidence, seed, n_resamples
        Passed to :func:`evalkit.stats.paired_change` (the seed makes the bootstrap of the
        effect-size interval repeat exactly).

    The headline of every comparison is the mean change: ``estimate`` is the mean of the
    people's ``after − before`` and ``ci_low``, ``ci_high`` its Student t interval
    (:func:`evalkit.stats.mean_change`), which keeps its stated coverage on 1–5 answers. With
    fewer than two pairs, or when everybody changed by the same amount, there is no interval
    (NaN) and ``method`` says why. The Hodges–Lehmann estimate (the median of the Walsh
    averages) and its exact interval follow in the ``hl_`` columns; its interval covers more
    often than it says on 5-point answers, so it is not the headline.

    Returns
    -------
    pandas.DataFrame
        One row per pilot × item × comparison: ``measure`` (the comparison), ``group``
        "answered both", ``n`` complete pairs, ``estimate`` the mean change (``after −
        before``) with its t interval ``ci_low, ci_high``, ``p_value`` exact Wilcoxon
        signed-rank; extra columns ``item_id, scale, comparison`` ("pre→post"),
        ``n_missing`` (people who answered only one of the two waves), ``n_zero, n_improved,
        n_worse, median_before, median_after``, ``ci_level`` (the level of the headline
        interval: ``confidence``; NaN without an interval), ``statistic`` (T+),
        ``hl_estimate, hl_ci_low, hl_ci_high`` (Hodges–Lehmann estimate and exact Tukey
        interval), ``hl_ci_level`` (the level that interval reaches: below ``confidence``
        with five pairs or fewer), ``effect`` (rank-biserial) ``, effect_ci_low,
        effect_ci_high, share_improved, share_improved_ci_low, share_improved_ci_high``.

    Examples
    --------
    In the example pilot five members answered both surveys (P-E did not answer the post
    survey): posting confidence went 2→4, 1→3, 3→4, 4→4, 3→4.

    >>> from evalkit.analysis.examples import example_tables
    >>> found = pre_post(example_tables()["responses"], items=["confidence_posting"])
    >>> found[["measure", "n", "n_missing", "estimate", "p_value"]]
                   measure  n  n_missing  estimate  p_value
    0   change pre to post  5          1       1.2   0.1250
    1  change then to post  5          0       1.8   0.0625
    2       response shift  5          1      -0.6   0.2500
    >>> found[["ci_low", "ci_high", "hl_estimate", "hl_ci_low", "hl_ci_high", "hl_ci_level"]].round(4)
       ci_low  ci_high  hl_estimate  hl_ci_low  hl_ci_high  hl_ci_level
    0  0.1611   2.2389          1.0        0.0         2.0       0.9375
    1  0.7611   2.8389          2.0        1.0         3.0       0.9375
    2 -1.2801   0.0801         -0.5       -1.0         0.0       0.9375

    The mean changes are 1.2, 1.8 and −0.6 points with 95% t intervals; with five pairs the
    exact Hodges–Lehmann interval reaches only 93.75%.
    """
    answers = wave_answers(responses, items=items, email_fallback=email_fallback)
    rows = []
    for (pilot_id, item_id), item_answers in answers.groupby(["pilot_id", "item_id"], sort=True):
        wide = item_answers.pivot_table(index="person", columns="wave", values="value", aggfunc="first")
        scale = item_answers["scale"].iloc[0]
        for measure, before, after in comparisons:  # a loop over the three comparisons
            if before not in wide.columns or after not in wide.columns:
                continue
            both = wide[[before, after]].dropna(how="all")
            change = paired_change(both[before], both[after], confidence=confidence, seed=seed,
                                   measure=item_id, n_resamples=n_resamples)
            row = change.iloc[0].to_dict()
            has_interval = not np.isnan(row["mean_ci_low"])
            row.update(pilot_id=pilot_id, item_id=item_id, scale=scale, measure=measure,
                       comparison=f"{before}→{after}", estimate=row["mean_change"],
                       ci_low=row["mean_ci_low"], ci_high=row["mean_ci_high"],
                       ci_level=confidence if has_interval else np.nan)
            rows.append(row)
    frame = result_frame(rows, _CHANGE_EXTRAS)
    frame["level"] = LEVEL
    frame["group"] = "answered both"
    return frame


def baseline_scores(
    responses: pd.DataFrame,
    *,
    skill_items: Iterable[str] | None = None,
    wave: str = "pre",
    email_fallback: bool = False,
) -> pd.DataFrame:
    """Each respondent's baseline skill score: the mean of their answers to the skill items.

    Parameters
    ----------
    skill_items : iterable of str, optional
        Items that measure skill (default: every item on the confidence scale).
    wave : str, default "pre"

    Returns
    -------
    pandas.DataFrame
        ``pilot_id, person, score, items`` (how many items the score averages). Respondents
        not linked to the roster are kept under ``respondent:<id>`` (they count for the
        spread, not for pairing).

    Examples
    --------
    >>> responses = pd.DataFrame({"pilot_id": ["p"] * 4, "participant_id": ["A", "A", "B", None],
    ...     "respondent_id": ["1", "1", "2", "3"], "wave": ["pre"] * 4,
    ...     "item_id": ["posting", "debate", "posting", "posting"],
    ...     "value": [2.0, 3.0, 5.0, 1.0], "scale": ["confidence"] * 4})
    >>> baseline_scores(responses)
      pilot_id        person  score  items
    0        p             A    2.5      2
    1        p             B    5.0      1
    2        p  respondent:3    1.0      1
    """
    answers = wave_answers(responses, items=skill_items, email_fallback=email_fallback,
                           respondent_fallback=True, composite=False)
    answers = answers[answers["wave"] == wave]
    if skill_items is None:
        answers = answers[answers["scale"] == "confidence"]
    scores = answers.groupby(["pilot_id", "person"], sort=True).agg(
        score=("value", "mean"), items=("value", "size")).reset_index()
    scores["items"] = scores["items"].astype(int)
    return scores


def baseline_spread(
    responses: pd.DataFrame,
    *,
    skill_items: Iterable[str] | None = None,
    beginner_at: float = 2.0,
    fluent_at: float = 4.0,
    email_fallback: bool = False,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """How far apart delegates started: beginners, intermediates and fluent users at pre.

    A respondent's baseline score is the mean of their pre answers to the skill items
    (:func:`baseline_scores`): *beginner* at or below ``beginner_at``, *fluent* at or above
    ``fluent_at``, *intermediate* between.

    Returns
    -------
    pandas.DataFrame
        Per pilot: rows ``measure`` "baseline skill" with ``group`` beginner / intermediate /
        fluent (``k`` of the ``n`` who answered, Wilson); and a row "baseline score"
        (``estimate`` the median score with its distribution-free interval, ``q1``, ``q3``).
        Extra columns ``k, q1, q3, ci_level, band_rule`` (e.g. "<= 2").

    Examples
    --------
    >>> responses = pd.DataFrame({"pilot_id": ["p"] * 5, "participant_id": list("ABCDE"),
    ...     "respondent_id": list("12345"), "wave": ["pre"] * 5, "item_id": ["posting"] * 5,
    ...     "value": [1.0, 2.0, 3.0, 4.0, 5.0], "scale": ["confidence"] * 5})
    >>> baseline_spread(responses)[["measure", "group", "k", "n", "estimate"]]
              measure              group     k  n  estimate
    0  baseline skill           beginner     2  5       0.4
    1  baseline skill       intermediate     1  5       0.2
    2  baseline skill             fluent     2  5       0.4
    3  baseline score  those who answered  <NA>  5       3.0
    """
    scores = baseline_scores(responses, skill_items=skill_items, email_fallback=email_fallback)
    scores["band"] = np.select([scores["score"] <= beginner_at, scores["score"] >= fluent_at],
                               ["beginner", "fluent"], "intermediate")
    rows = []
    for pilot_id, people in scores.groupby("pilot_id", sort=True):  # a loop over pilots
        n = len(people)
        counts = people["band"].value_counts().reindex(["beginner", "intermediate", "fluent"], fill_value=0)
        found = wilson_rows(counts.to_numpy(), np.full(3, n), confidence)
        thresholds = {"beginner": f"<= {beginner_at:g}", "intermediate": f"between {beginner_at:g} and {fluent_at:g}",
                      "fluent": f">= {fluent_at:g}"}
        for i, band in enumerate(counts.index):
            rows.append({"measure": "baseline skill", "pilot_id": pilot_id, "group": band,
                         "k": int(counts.iloc[i]), "n": n, "estimate": found["estimate"].iloc[i],
                         "ci_low": found["ci_low"].iloc[i], "ci_high": found["ci_high"].iloc[i],
                         "band_rule": thresholds[band],
                         "method": f"respondents whose mean pre confidence is {thresholds[band]} "
                                   "/ respondents; Wilson score interval"})
        median, low, high, level = median_interval(people["score"], confidence)
        q1, q3 = np.quantile(people["score"], [0.25, 0.75])
        rows.append({"measure": "baseline score", "pilot_id": pilot_id, "group": "those who answered",
                     "n": n, "estimate": median, "ci_low": low, "ci_high": high, "q1": q1, "q3": q3,
                     "ci_level": level,
                     "method": "median of the respondents' mean pre confidence; distribution-free "
                               "order-statistic interval"})
    frame = result_frame(rows, ["k", "q1", "q3", "ci_level", "band_rule"])
    frame["level"] = LEVEL
    return frame


def _bootstrap_median_difference(first: np.ndarray, second: np.ndarray, confidence: float,
                                 n_resamples: int, seed: int) -> tuple[float, float]:
    """Percentile bootstrap interval of median(first) − median(second), resampling each
    group within itself."""
    rng = np.random.default_rng(seed)
    a = first[rng.integers(0, first.size, size=(n_resamples, first.size))]
    b = second[rng.integers(0, second.size, size=(n_resamples, second.size))]
    differences = np.median(a, axis=1) - np.median(b, axis=1)
    alpha = 1.0 - confidence
    low, high = np.quantile(differences, [alpha / 2.0, 1.0 - alpha / 2.0])
    return float(low), float(high)


def attrition(
    responses: pd.DataFrame,
    *,
    skill_items: Iterable[str] | None = None,
    email_fallback: bool = False,
    confidence: float = 0.95,
    seed: int = DEFAULT_SEED,
    n_resamples: int = 4000,
) -> pd.DataFrame:
    """Who is missing at post, and did they start differently from those who stayed?

    People are those who answered the pre survey and can be followed (linked to the roster,
    or by email with ``email_fallback``); pre answers from respondents who cannot be followed
    are counted in ``n_unlinked`` and left out.

    Returns
    -------
    pandas.DataFrame
        Per pilot, a row ``measure`` "missing at post" (``k`` people with no post answer of
        the ``n`` who answered pre, Wilson), and a row "baseline: completers vs
        non-completers": ``estimate`` the median baseline score of completers minus that of
        non-completers with a seeded percentile bootstrap interval (resampling people within
        each group), ``p_value`` the exact two-sided Wilcoxon rank-sum test
        (:func:`evalkit.stats.compare_scores` with two groups), ``effect`` its
        epsilon-squared. Extra columns ``k, n_unlinked, n_completers, n_non_completers,
        median_completers, median_non_completers, statistic, effect``.

    Examples
    --------
    >>> responses = pd.DataFrame({"pilot_id": ["p"] * 7,
    ...     "participant_id": ["A", "B", "C", "D", "A", "B", None],
    ...     "respondent_id": list("1234567"), "wave": ["pre"] * 4 + ["post"] * 2 + ["pre"],
    ...     "item_id": ["posting"] * 7, "value": [2.0, 3.0, 1.0, 1.0, 4.0, 4.0, 5.0],
    ...     "scale": ["confidence"] * 7})
    >>> found = attrition(responses)
    >>> found[["measure", "k", "n", "estimate", "n_unlinked"]]
                                   measure     k  n  estimate  n_unlinked
    0                      missing at post     2  4       0.5           1
    1  baseline: completers vs non-completers  <NA>  4       1.5           1
    """
    scores = baseline_scores(responses, skill_items=skill_items, email_fallback=email_fallback)
    unlinked = scores["person"].str.startswith("respondent:")
    n_unlinked = scores[unlinked].groupby("pilot_id").size()
    scores = scores[~unlinked]
    later = responses[responses["wave"].isin(["post", "then"])]
    later_people = pd.DataFrame({"pilot_id": later["pilot_id"].astype("object"),
                                 "person": _person_key(later, email_fallback, False)}).dropna()
    completed = pd.MultiIndex.from_frame(later_people[["pilot_id", "person"]].astype("object"))
    scores = scores.assign(completed=pd.MultiIndex.from_frame(
        scores[["pilot_id", "person"]].astype("object")).isin(completed))
    rows = []
    for pilot_id, people in scores.groupby("pilot_id", sort=True):  # a loop over pilots
        n = len(people)
        missing = int((~people["completed"]).sum())
        found = wilson_rows([missing], [n], confidence)
        common = {"pilot_id": pilot_id, "n": n, "n_unlinked": int(n_unlinked.get(pilot_id, 0)),
                  "n_completers": n - missing, "n_non_completers": missing}
        rows.append({**common, "measure": "missing at post", "group": "answered pre", "k": missing,
                     "estimate": found["estimate"].iloc[0], "ci_low": found["ci_low"].iloc[0],
                     "ci_high": found["ci_high"].iloc[0],
                     "method": "people who answered pre and gave no post answer / people who "
                               "answered pre; Wilson score interval"})
        stayed = people.loc[people["completed"], "score"].to_numpy(float)
        left = people.loc[~people["completed"], "score"].to_numpy(float)
        row = {**common, "measure": "baseline: completers vs non-completers",
               "group": "completers minus non-completers"}
        if stayed.size and left.size:
            test = compare_scores({"completers": stayed, "non-completers": left},
                                  measure="baseline score", seed=seed)
            low, high = _bootstrap_median_difference(stayed, left, confidence, n_resamples, seed)
            row.update(estimate=float(np.median(stayed) - np.median(left)), ci_low=low, ci_high=high,
                       p_value=test["p_value"].iloc[0], statistic=test["statistic"].iloc[0],
                       effect=test["effect"].iloc[0],
                       median_completers=float(np.median(stayed)),
                       median_non_completers=float(np.median(left)),
                       method="difference in median baseline score (completers − non-completers), "
                              f"percentile bootstrap interval ({n_resamples} resamples within "
                              f"groups, seed {seed}); test: exact two-sided Wilcoxon rank-sum (two-group "
                              f"permutation Kruskal–Wallis: {test['method'].iloc[0]})")
        else:
            row.update(method="difference in median baseline score: needs both completers and "
                              "non-completers; not computed")
        rows.append(row)
    frame = result_frame(rows, ["k", "n_unlinked", "n_completers", "n_non_completers",
                                "median_completers", "median_non_completers", "statistic", "effect"])
    frame["level"] = LEVEL
    return frame


def learning_summary(
    responses: pd.DataFrame,
    *,
    email_fallback: bool = False,
    confidence: float = 0.95,
    seed: int = DEFAULT_SEED,
) -> pd.DataFrame:
    """:func:`pre_post`, :func:`baseline_spread` and :func:`attrition` stacked.

    Examples
    --------
    >>> from evalkit.analysis.examples import example_tables
    >>> found = learning_summary(example_tables()["responses"])
    >>> found.groupby("measure", sort=False).size()
    measure
    change pre to post                        3
    change then to post                       3
    response shift                            3
    baseline skill                            3
    baseline score                            1
    missing at post                           1
    baseline: completers vs non-completers    1
    dtype: int64
    """
    parts = [pre_post(responses, email_fallback=email_fallback, confidence=confidence, seed=seed),
             baseline_spread(responses, email_fallback=email_fallback, confidence=confidence),
             attrition(responses, email_fallback=email_fallback, confidence=confidence, seed=seed)]
    parts = [p for p in parts if len(p)]
    if not parts:
        return result_frame([], _CHANGE_EXTRAS)
    return pd.concat(parts, ignore_index=True)
