"""Honest small-sample statistics: exact where it matters, seeded where it resamples.

Pilot cohorts are small (10–25 councillors), Likert answers tie a lot and people drop out
between the pre and post survey. Every function here returns a tidy DataFrame with fixed,
documented columns, so results for several items or pilots stack with :func:`pandas.concat`.

* :func:`paired_change` — pre/post change: mean change with its Student t interval, exact
  Wilcoxon signed-rank p-value (mid-ranks, zero differences dropped), Hodges–Lehmann estimate
  with its exact interval, rank-biserial effect with a seeded bootstrap interval, share
  improved with a Wilson interval;
* :func:`mean_change` — the mean change and its t interval on their own;
* :func:`hodges_lehmann` — the location estimate and interval on their own;
* :func:`proportion` — a proportion with its Wilson score interval;
* :func:`compare_proportions` — Fisher's exact test of an r×c table (groups × outcomes);
* :func:`compare_scores` — permutation Kruskal–Wallis test across groups;
* :func:`adjust_p` — Holm, Bonferroni or Benjamini–Hochberg adjustment of several p-values.

Numbers are never rounded here; rounding is presentation.

>>> from evalkit.stats import paired_change, proportion
>>> change = paired_change([2, 3, 3, 4, 2, 5, 3], [4, 3, 4, 3, 3, 5, 5])
>>> change[["n", "n_zero", "mean_change", "p_value", "hl_estimate", "effect"]].round(4)
   n  n_zero  mean_change  p_value  hl_estimate  effect
0  7       2       0.7143     0.25         0.75  0.7333
>>> proportion(3, 15)[["estimate", "ci_low", "ci_high"]].round(4)
   estimate  ci_low  ci_high
0       0.2  0.0705   0.4519
"""

from __future__ import annotations

import itertools
import math
from functools import lru_cache
from typing import Iterable, Mapping, NamedTuple

import numpy as np
import pandas as pd
from scipy import special
from scipy import stats as sps

__all__ = [
    "MeanChange",
    "adjust_p",
    "compare_proportions",
    "compare_scores",
    "hodges_lehmann",
    "mean_change",
    "paired_change",
    "proportion",
]

#: seed used by every resampling function unless the caller passes another one
DEFAULT_SEED = 20240601

#: differences smaller than this share of the largest absolute value are treated as zero,
#: and absolute differences closer than it as tied (guards against floating-point noise
#: such as ``0.3 - 0.1 != 0.2``)
RELATIVE_TOLERANCE = 1e-12

_ADJUSTMENTS = {"holm": "Holm", "bonferroni": "Bonferroni", "fdr_bh": "Benjamini–Hochberg (FDR)"}

PAIRED_CHANGE_COLUMNS = [
    "measure", "n", "n_missing", "n_zero", "n_improved", "n_worse",
    "median_before", "median_after",
    "mean_change", "mean_ci_low", "mean_ci_high",
    "statistic", "p_value",
    "hl_estimate", "hl_ci_low", "hl_ci_high", "hl_ci_level",
    "effect", "effect_ci_low", "effect_ci_high",
    "share_improved", "share_improved_ci_low", "share_improved_ci_high",
    "confidence", "method",
]

COMPARISON_COLUMNS = [
    "measure", "group", "n_groups", "n", "n_missing", "statistic", "p_value",
    "p_adjusted", "adjustment", "effect", "method",
]


# ---------------------------------------------------------------------------------------
# input checks
# ---------------------------------------------------------------------------------------

def _check_confidence(confidence: float) -> float:
    confidence = float(confidence)
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be between 0 and 1 (exclusive), got {confidence!r}")
    return confidence


def _numeric(values, what: str) -> np.ndarray:
    """Convert to float, keeping NaN for missing; raise naming the first non-number."""
    if isinstance(values, np.ndarray) and values.dtype.kind in "biuf":
        numbers = values.astype(float).ravel()
        infinite = np.isinf(numbers)
        if infinite.any():
            position = int(np.flatnonzero(infinite)[0])
            raise ValueError(f"{what}: value {numbers[position]!r} at position {position} "
                             "is not a finite number")
        return numbers
    if isinstance(values, pd.Series):
        series = values
    else:
        items = list(np.ravel(values)) if np.ndim(values) else [values]
        series = pd.Series(items, dtype=object)
    converted = pd.to_numeric(series, errors="coerce").astype(float)
    bad = converted.isna() & series.notna()
    bad |= np.isinf(converted.to_numpy())
    if bad.any():
        position = int(np.flatnonzero(bad.to_numpy())[0])
        label = series.index[position]
        raise ValueError(
            f"{what}: value {str(series.iloc[position])!r} at position {position} "
            f"(index {label!r}) is not a finite number"
        )
    return converted.to_numpy()


def _pairs(before, after) -> tuple[np.ndarray, np.ndarray, int]:
    """Complete pairs (before, after) and how many pairs had a missing side."""
    if isinstance(before, pd.Series) and isinstance(after, pd.Series):
        before, after = before.align(after, join="outer")
    b = _numeric(before, "before")
    a = _numeric(after, "after")
    if b.shape != a.shape:
        raise ValueError(
            f"before and after must be paired: got {b.size} before values and {a.size} after values"
        )
    complete = ~(np.isnan(b) | np.isnan(a))
    return b[complete], a[complete], int((~complete).sum())


def _difference_keys(differences: np.ndarray, scale: float) -> np.ndarray:
    """Integer-valued keys of the differences on a grid of ``RELATIVE_TOLERANCE * scale``.

    Equal keys mean equal differences; a key of 0 means no change.
    """
    if scale <= 0 or differences.size == 0:
        return np.zeros(differences.size)
    return np.rint(differences / (scale * RELATIVE_TOLERANCE))


def _mid_ranks(values: np.ndarray) -> np.ndarray:
    """Mid-ranks (average ranks for ties), 1-based."""
    return sps.rankdata(values, method="average")


# ---------------------------------------------------------------------------------------
# the exact signed-rank distribution
# ---------------------------------------------------------------------------------------

def _signed_rank_pmf(doubled_ranks: np.ndarray) -> np.ndarray:
    """Exact null distribution of twice the signed-rank statistic.

    Under the permutation (sign-flip) null each non-zero difference is positive or negative
    with probability 1/2, independently, given the observed absolute ranks. With mid-ranks
    doubled to integers ``w_i``, ``2·T+ = Σ w_i·B_i`` with ``B_i ~ Bernoulli(1/2)``; its
    generating function ``Π (1 + z^w_i) / 2`` is expanded one factor at a time (a shift-and-add
    dynamic programme over the integer support ``0 .. Σ w_i``). Returns ``pmf`` with
    ``pmf[s] = P(2·T+ = s)``.

    Every probability is a multiple of ``2^-m``; for ``m <= 53`` non-zero differences the
    arithmetic is exact in binary floating point, beyond that the relative rounding error
    stays near machine precision (no sampling, no normal approximation).
    """
    weights = np.sort(np.asarray(doubled_ranks, dtype=np.int64))
    total = int(weights.sum())
    pmf = np.zeros(total + 1)
    pmf[0] = 1.0
    top = 0
    for weight in weights:  # one factor per rank: m vector operations, m = number of pairs
        old = pmf[: top + 1].copy()
        pmf[: top + 1] *= 0.5
        pmf[weight : weight + top + 1] += 0.5 * old
        top += int(weight)
    return pmf


@lru_cache(maxsize=256)
def _untied_cdf(n: int) -> np.ndarray:
    """CDF of the signed-rank statistic for n untied, non-zero observations (ranks 1..n)."""
    pmf_doubled = _signed_rank_pmf(2 * np.arange(1, n + 1))
    cdf = np.cumsum(pmf_doubled[::2])  # 2·T+ is even without ties
    cdf.setflags(write=False)
    return cdf


def _signed_rank_test(keys: np.ndarray) -> tuple[float, float, int]:
    """(T+, exact two-sided p, number of non-zero differences) from difference keys."""
    nonzero = keys[keys != 0]
    m = nonzero.size
    if m == 0:
        return math.nan, math.nan, 0
    doubled = np.rint(2 * _mid_ranks(np.abs(nonzero))).astype(np.int64)
    t_doubled = int(doubled[nonzero > 0].sum())
    pmf = _signed_rank_pmf(doubled)
    lower = pmf[: t_doubled + 1].sum()
    upper = pmf[t_doubled:].sum()
    p_value = min(1.0, 2.0 * min(lower, upper))
    return t_doubled / 2.0, float(p_value), m


# ---------------------------------------------------------------------------------------
# mean change and its Student t interval
# ---------------------------------------------------------------------------------------

class MeanChange(NamedTuple):
    """The mean of paired differences with its interval (see :func:`mean_change`)."""

    estimate: float
    ci_low: float
    ci_high: float


@lru_cache(maxsize=512)
def _t_quantile(degrees_of_freedom: int, confidence: float) -> float:
    """The two-sided Student t critical value ``t_{1 − (1 − confidence)/2, df}``."""
    return float(special.stdtrit(degrees_of_freedom, 1.0 - (1.0 - confidence) / 2.0))


def _mean_interval(values: np.ndarray, confidence: float, no_spread: bool) -> MeanChange:
    """Mean and Student t interval of ``values`` (no missing values); no interval when there
    are fewer than two values or ``no_spread`` (every value the same)."""
    n = values.size
    if n == 0:
        return MeanChange(math.nan, math.nan, math.nan)
    estimate = float(values.mean())
    if n < 2 or no_spread:
        return MeanChange(estimate, math.nan, math.nan)
    half = _t_quantile(n - 1, confidence) * float(values.std(ddof=1)) / math.sqrt(n)
    return MeanChange(estimate, estimate - half, estimate + half)


def _no_spread(values: np.ndarray) -> bool:
    """True when every value is the same, up to floating-point noise
    (``RELATIVE_TOLERANCE`` of the largest absolute value)."""
    if values.size == 0:
        return True
    return float(np.ptp(values)) <= RELATIVE_TOLERANCE * float(np.abs(values).max())


def mean_change(differences, confidence: float = 0.95) -> MeanChange:
    """Mean of paired differences with its Student t interval.

    The interval is ``mean ± t_{1−α/2, n−1} · s / √n`` with ``s`` the sample standard
    deviation of the ``n`` differences (``α = 1 − confidence``): the interval of R's
    ``t.test(after, before, paired = TRUE)``. Its target is the population mean change.

    Why the mean is the headline change for 1–5 answers: the differences of 5-point answers
    take a handful of whole values, so the Hodges–Lehmann interval (:func:`hodges_lehmann`)
    has its ends and its target (the pseudo-median) on the same half-point grid and covers
    it far more often than it says (99–100% for a nominal 95%), while missing the mean
    change, which lies between the grid points, much of the time. The t interval for the
    mean has no such atom: on the sample generator's own model of self-assessment answers it
    covers the true mean change 93.6–96.2% of the time at n = 12 to 25
    (``tests/analysis/test_learning_coverage.py``; ``benchmarks/coverage.py`` prints the full
    table). It leans on the central limit theorem, not on exact symmetry; with bounded 1–5
    answers that is close from about a dozen pairs, and it falls short below that (about
    91% at 8 pairs, mostly through samples without spread).

    Degenerate data never raise. With fewer than 2 differences, or when every difference is
    the same (no spread: ``s = 0``), the interval is NaN — never a zero-width interval that
    would claim the change is known exactly. The estimate is still given when there is at
    least one difference.

    Parameters
    ----------
    differences : array-like of float
        Paired differences (after − before). Missing values are dropped.
    confidence : float, default 0.95
        Confidence level of the interval.

    Returns
    -------
    MeanChange
        A named tuple ``(estimate, ci_low, ci_high)`` of floats.

    Examples
    --------
    Five members changed by 1, 2, 0, 1 and 1 points. Worked by hand: the mean is 1; the
    deviations 0, 1, −1, 0, 0 give ``s² = 2/4``, so ``s = 0.7071`` and the standard error is
    ``0.7071 / √5 = 0.3162``; with ``t_{0.975, 4} = 2.7764`` the half-width is ``0.8780``.

    >>> found = mean_change([1, 2, 0, 1, 1])
    >>> [round(value, 4) for value in found]
    [1.0, 0.122, 1.878]
    >>> mean_change([1, 1, 1])  # everybody changed by one point: no spread, no interval
    MeanChange(estimate=1.0, ci_low=nan, ci_high=nan)
    """
    confidence = _check_confidence(confidence)
    values = _numeric(differences, "differences")
    values = values[~np.isnan(values)]
    return _mean_interval(values, confidence, _no_spread(values))


# ---------------------------------------------------------------------------------------
# Hodges–Lehmann
# ---------------------------------------------------------------------------------------

def _walsh_averages(differences: np.ndarray) -> np.ndarray:
    i, j = np.triu_indices(differences.size)
    return np.sort((differences[i] + differences[j]) / 2.0)


def _hodges_lehmann(
    differences: np.ndarray, confidence: float
) -> tuple[float, float, float, float]:
    """(estimate, ci_low, ci_high, achieved level) for the location of the differences."""
    n = differences.size
    if n == 0:
        return math.nan, math.nan, math.nan, math.nan
    walsh = _walsh_averages(differences)
    estimate = float(np.median(walsh))
    if n < 2:
        return estimate, math.nan, math.nan, math.nan
    cdf = _untied_cdf(n)
    alpha = 1.0 - confidence
    # k = the largest order with P(T+ <= k-1) <= alpha/2; at least 1 (then the interval is the
    # full range of Walsh averages and its level is below the one asked for)
    k = max(1, int(np.searchsorted(cdf, alpha / 2.0, side="right")))
    level = 1.0 - 2.0 * float(cdf[k - 1])
    return estimate, float(walsh[k - 1]), float(walsh[walsh.size - k]), level


def hodges_lehmann(differences, confidence: float = 0.95) -> pd.DataFrame:
    """Hodges–Lehmann location estimate of paired differences with its exact interval.

    The estimate is the median of the Walsh averages ``(d_i + d_j) / 2, i <= j`` of all
    differences, zero differences included (they are observed "no change", and dropping them
    would push the estimate away from zero). The interval is Tukey's: the order statistics
    ``W_(k)`` and ``W_(M+1-k)`` of the ``M = n(n+1)/2`` Walsh averages, where ``k`` is the
    largest integer with ``P(T+ <= k-1) <= (1 - confidence)/2`` under the exact null
    distribution of the signed-rank statistic for ``n`` untied observations. For continuous
    differences symmetric about their centre this interval covers the centre with probability
    exactly ``ci_level`` (the achieved level, at least ``confidence`` because T+ is
    discrete). When ``n`` is too small to reach ``confidence`` (n <= 5 at 95%) the full range
    of Walsh averages is returned and ``ci_level`` says how confident it really is.

    Ties and zeros: with discrete answers (Likert) the differences tie and many Walsh averages
    coincide; the same order statistics are used. The population pseudo-median (the target)
    then sits on the same half-point grid as the interval's ends, often exactly on an end, so
    the closed interval covers more often than ``ci_level``: in simulations of 1–5 Likert
    changes of about one point (``tests/test_stats.py``) it covered 99.0–99.7% of the time
    at n = 12–25 for a nominal 95%. It is conservative, not exact, for such data, which is
    why the change in self-assessed confidence is reported as the mean change with its t
    interval (:func:`mean_change`) and this estimate is given alongside it. Unlike the
    p-value of :func:`paired_change` (which drops zeros and uses mid-ranks) the interval
    keeps every pair, so near the 5% boundary the two can disagree.

    Parameters
    ----------
    differences : array-like of float
        Paired differences (after − before). Missing values are dropped.
    confidence : float, default 0.95
        Confidence level asked for.

    Returns
    -------
    pandas.DataFrame
        One row: ``n`` (differences used), ``estimate``, ``ci_low``, ``ci_high``,
        ``ci_level`` (achieved confidence), ``method``.

    Examples
    --------
    >>> hodges_lehmann([4, 7, -10, 16, 5, 15, 12]).drop(columns="method")
       n  estimate  ci_low  ci_high  ci_level
    0  7      8.25    -2.5     15.0  0.953125
    """
    confidence = _check_confidence(confidence)
    values = _numeric(differences, "differences")
    values = values[~np.isnan(values)]
    estimate, low, high, level = _hodges_lehmann(values, confidence)
    method = "Hodges–Lehmann; exact Tukey interval (Walsh averages of all differences)"
    if values.size < 2:
        method += "; fewer than 2 differences: no interval"
    elif level < confidence:
        method += f"; only {values.size} differences: the widest interval reaches {level:.1%}"
    return pd.DataFrame(
        {
            "n": [values.size],
            "estimate": [estimate],
            "ci_low": [low],
            "ci_high": [high],
            "ci_level": [level],
            "method": [method],
        }
    )


# ---------------------------------------------------------------------------------------
# rank-biserial effect and its bootstrap interval
# ---------------------------------------------------------------------------------------

def _rank_biserial(keys: np.ndarray) -> np.ndarray:
    """Matched-pairs rank-biserial for each row of ``keys`` (2-D), zeros dropped per row.

    ``(T+ - T-) / (T+ + T-)`` with mid-ranks of the non-zero absolute differences. A row with
    no non-zero difference has no change in either direction and gets 0.
    """
    keys = np.atleast_2d(keys)
    absolute = np.abs(keys)
    zeros = (keys == 0).sum(axis=1, keepdims=True)
    # zeros rank below every non-zero value, so subtracting their count gives the mid-rank
    # among the non-zero differences alone
    ranks = sps.rankdata(absolute, method="average", axis=1) - zeros
    t_plus = np.where(keys > 0, ranks, 0.0).sum(axis=1)
    t_minus = np.where(keys < 0, ranks, 0.0).sum(axis=1)
    total = t_plus + t_minus
    with np.errstate(invalid="ignore", divide="ignore"):
        effect = np.where(total > 0, (t_plus - t_minus) / np.where(total > 0, total, 1.0), 0.0)
    return effect


def _bootstrap_rank_biserial(
    keys: np.ndarray, confidence: float, n_resamples: int, seed: int
) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    n = keys.size
    batch = max(1, 2_000_000 // max(n, 1))
    effects = []
    for start in range(0, n_resamples, batch):  # batches bound memory; not a per-row loop
        size = min(batch, n_resamples - start)
        effects.append(_rank_biserial(keys[rng.integers(0, n, size=(size, n))]))
    effects = np.concatenate(effects)
    alpha = 1.0 - confidence
    low, high = np.quantile(effects, [alpha / 2.0, 1.0 - alpha / 2.0])
    return float(low), float(high)


# ---------------------------------------------------------------------------------------
# Wilson
# ---------------------------------------------------------------------------------------

def _wilson(
    k: np.ndarray, n: np.ndarray, confidence: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    z = special.ndtri(1.0 - (1.0 - confidence) / 2.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        estimate = k / n
        denominator = 1.0 + z * z / n
        centre = (estimate + z * z / (2.0 * n)) / denominator
        half = z / denominator * np.sqrt(estimate * (1.0 - estimate) / n + z * z / (4.0 * n * n))
        low = np.where(k == 0, 0.0, np.clip(centre - half, 0.0, 1.0))
        high = np.where(k == n, 1.0, np.clip(centre + half, 0.0, 1.0))
    empty = n == 0
    return (np.where(empty, np.nan, estimate), np.where(empty, np.nan, low),
            np.where(empty, np.nan, high))


def proportion(k, n, confidence: float = 0.95) -> pd.DataFrame:
    """A proportion ``k / n`` with its Wilson score interval.

    The Wilson interval keeps close to its nominal coverage at the small counts of a pilot
    (unlike the Wald interval ``p ± z·se``, which collapses at 0 and n). ``k = 0`` gives a
    lower limit of exactly 0, ``k = n`` an upper limit of exactly 1. ``n = 0`` gives NaN.

    Parameters
    ----------
    k : int or array-like of int
        Number of "yes" (e.g. evaluation sheets asking to find out more).
    n : int or array-like of int
        Number asked (same shape as ``k``, or a scalar).
    confidence : float, default 0.95

    Returns
    -------
    pandas.DataFrame
        One row per ``k``: ``k``, ``n``, ``estimate``, ``ci_low``, ``ci_high``,
        ``confidence``, ``method``.

    Examples
    --------
    >>> proportion(3, 15).round(4)
       k   n  estimate  ci_low  ci_high  confidence        method
    0  3  15       0.2  0.0705   0.4519        0.95  Wilson score
    >>> proportion([0, 12], [17, 17])[["k", "ci_low", "ci_high"]].round(4)
        k  ci_low  ci_high
    0   0  0.0000   0.1843
    1  12  0.4687   0.8672
    """
    confidence = _check_confidence(confidence)
    k_values = np.atleast_1d(np.asarray(k))
    n_values = np.atleast_1d(np.asarray(n))
    k_values, n_values = np.broadcast_arrays(k_values, n_values)
    for name, values in (("k", k_values), ("n", n_values)):
        numbers = _numeric(values, name)
        if np.isnan(numbers).any() or (numbers != np.rint(numbers)).any() or (numbers < 0).any():
            raise ValueError(f"{name} must be whole numbers >= 0, got {values.tolist()!r}")
    k_int = k_values.astype(float).astype(np.int64)
    n_int = n_values.astype(float).astype(np.int64)
    if (k_int > n_int).any():
        position = int(np.flatnonzero(k_int > n_int)[0])
        raise ValueError(f"k must not exceed n: k={k_int[position]} > n={n_int[position]}")
    estimate, low, high = _wilson(k_int, n_int, confidence)
    return pd.DataFrame(
        {
            "k": k_int,
            "n": n_int,
            "estimate": estimate,
            "ci_low": low,
            "ci_high": high,
            "confidence": confidence,
            "method": "Wilson score",
        }
    )


# ---------------------------------------------------------------------------------------
# paired change
# ---------------------------------------------------------------------------------------

def paired_change(
    before,
    after,
    confidence: float = 0.95,
    seed: int = DEFAULT_SEED,
    *,
    measure: str | None = None,
    n_resamples: int = 4000,
) -> pd.DataFrame:
    """Change between paired answers (e.g. pre and post self-assessment of one item).

    Differences are ``after − before``, so a positive statistic, estimate and effect mean the
    answers went up. Pairs with a missing side are dropped and counted (``n_missing``); when
    both inputs are Series they are first aligned on their index (so a respondent missing
    from one wave counts as missing).

    * **Mean change** — the mean of the differences with its Student t interval
      (:func:`mean_change`; R's ``t.test(after, before, paired = TRUE)``). On 1–5 answers this
      is the interval that keeps its promised coverage (see :func:`mean_change`).
    * **Test** — Wilcoxon signed-rank, Wilcoxon's method: zero differences are dropped, the
      remaining absolute differences are ranked with mid-ranks for ties, and ``statistic`` is
      ``T+``, the sum of the ranks of the positive differences. ``p_value`` is two-sided and
      exact: the permutation distribution of ``T+`` over all ``2^m`` sign assignments of the
      ``m`` non-zero differences, given their observed mid-ranks, is computed exactly by a
      dynamic programme over the doubled (integer) ranks — no sampling, no normal
      approximation. ``p = min(1, 2·min(P(T+ >= t), P(T+ <= t)))``.
    * **Location** — Hodges–Lehmann estimate and exact Tukey interval over all differences;
      see :func:`hodges_lehmann` for how ties and zeros are handled and what ``hl_ci_level``
      (the achieved confidence) means.
    * **Effect size** — matched-pairs rank-biserial correlation
      ``(T+ − T−) / (T+ + T−)`` on the non-zero differences (−1: everyone who changed went
      down; +1: everyone who changed went up). Its interval is a percentile bootstrap over
      pairs (``n_resamples`` resamples of the complete pairs, zero differences included, with
      ``seed``; a resample without any change counts as 0). When every resample gives the
      same value (e.g. everybody improved) the interval collapses to a point and ``method``
      says so: read it with the share-improved interval.
    * **Share improved** — ``n_improved / n`` with a Wilson interval.

    Degenerate data never raise: with fewer than 2 complete pairs, or when no answer
    changed, the test and effect columns are NaN and ``method`` says why. With fewer than 2
    pairs, or when every pair changed by the same amount (no spread), the mean-change
    interval is NaN (never a zero-width interval) and ``method`` says why.

    Parameters
    ----------
    before, after : array-like or pandas.Series of float
        Paired answers on the same scale (NaN/None for missing).
    confidence : float, default 0.95
        Level of every interval.
    seed : int, default ``DEFAULT_SEED``
        Seed of the bootstrap, so a report renders the same numbers twice.
    measure : str, optional
        Name of what was measured (e.g. an item id), copied to the ``measure`` column.
    n_resamples : int, default 4000
        Bootstrap resamples for the effect-size interval.

    Returns
    -------
    pandas.DataFrame
        One row with columns ``measure``, ``n`` (complete pairs), ``n_missing``, ``n_zero``
        (pairs with no change), ``n_improved``, ``n_worse``, ``median_before``,
        ``median_after`` (medians over the complete pairs), ``mean_change``,
        ``mean_ci_low``, ``mean_ci_high`` (mean of the differences, Student t interval),
        ``statistic`` (T+), ``p_value``, ``hl_estimate``, ``hl_ci_low``, ``hl_ci_high``,
        ``hl_ci_level``,
        ``effect`` (rank-biserial), ``effect_ci_low``, ``effect_ci_high``,
        ``share_improved``, ``share_improved_ci_low``, ``share_improved_ci_high``,
        ``confidence``, ``method``.

    Examples
    --------
    >>> pre = [2, 3, 3, 4, 2, 5, 3, None]
    >>> post = [4, 3, 4, 3, 3, 5, 5, 4]
    >>> result = paired_change(pre, post, measure="confidence_posting")
    >>> result[["measure", "n", "n_missing", "n_zero", "statistic", "p_value"]]
                  measure  n  n_missing  n_zero  statistic  p_value
    0  confidence_posting  7          1       2       13.0     0.25
    >>> result[["mean_change", "mean_ci_low", "mean_ci_high"]].round(4)
       mean_change  mean_ci_low  mean_ci_high
    0       0.7143      -0.3148        1.7434
    >>> result[["hl_estimate", "hl_ci_low", "hl_ci_high", "hl_ci_level"]].round(4)
       hl_estimate  hl_ci_low  hl_ci_high  hl_ci_level
    0         0.75       -0.5         2.0       0.9531
    >>> result[["effect", "share_improved", "share_improved_ci_low"]].round(4)
       effect  share_improved  share_improved_ci_low
    0  0.7333          0.5714                 0.2505
    """
    confidence = _check_confidence(confidence)
    if int(n_resamples) < 1:
        raise ValueError(f"n_resamples must be at least 1, got {n_resamples!r}")
    b, a, n_missing = _pairs(before, after)
    n = b.size
    differences = a - b
    scale = float(max(np.abs(a).max(initial=0.0), np.abs(b).max(initial=0.0)))
    keys = _difference_keys(differences, scale)
    differences = np.where(keys == 0, 0.0, differences)
    n_zero = int((keys == 0).sum())
    n_improved = int((keys > 0).sum())
    n_worse = int((keys < 0).sum())

    row = dict.fromkeys(PAIRED_CHANGE_COLUMNS, math.nan)
    row.update(
        measure=measure, n=n, n_missing=n_missing, n_zero=n_zero, n_improved=n_improved,
        n_worse=n_worse, confidence=confidence,
        median_before=float(np.median(b)) if n else math.nan,
        median_after=float(np.median(a)) if n else math.nan,
    )
    share, share_low, share_high = _wilson(n_improved, n, confidence)
    row.update(share_improved=float(share), share_improved_ci_low=float(share_low),
               share_improved_ci_high=float(share_high))

    method = ["mean change with Student t interval",
              "Wilcoxon signed-rank, exact permutation p (mid-ranks, zeros dropped)",
              "Hodges–Lehmann with exact Tukey interval",
              f"rank-biserial with percentile bootstrap CI ({int(n_resamples)} resamples, "
              f"seed {seed})",
              "Wilson interval for share improved"]
    notes = []
    no_spread = np.unique(keys).size <= 1
    mean = _mean_interval(differences, confidence, no_spread)
    row.update(mean_change=mean.estimate, mean_ci_low=mean.ci_low, mean_ci_high=mean.ci_high)
    if n < 2:
        notes.append(f"only {n} complete pair{'s' if n != 1 else ''}: no test, interval or "
                     "effect size")
    else:
        if no_spread:
            notes.append("every pair changed by the same amount: no interval for the mean "
                         "change")
        estimate, low, high, level = _hodges_lehmann(differences, confidence)
        row.update(hl_estimate=estimate, hl_ci_low=low, hl_ci_high=high, hl_ci_level=level)
        if level < confidence:
            notes.append(f"only {n} pairs: the widest Hodges–Lehmann interval reaches "
                         f"{level:.1%}, not {confidence:.0%}")
        statistic, p_value, m = _signed_rank_test(keys)
        if m == 0:
            notes.append("no answer changed: the signed-rank test and rank-biserial effect are "
                         "undefined")
        else:
            row.update(statistic=statistic, p_value=p_value)
            row["effect"] = float(_rank_biserial(keys)[0])
            low_e, high_e = _bootstrap_rank_biserial(keys, confidence, int(n_resamples), seed)
            row.update(effect_ci_low=low_e, effect_ci_high=high_e)
            if low_e == high_e:
                notes.append("every bootstrap resample gave the same effect: its interval is "
                             "degenerate")
    row["method"] = "; ".join(method + notes)
    frame = pd.DataFrame([row], columns=PAIRED_CHANGE_COLUMNS)
    frame["measure"] = frame["measure"].astype(object)
    return frame


# ---------------------------------------------------------------------------------------
# multiple comparisons
# ---------------------------------------------------------------------------------------

def _adjusted(p: np.ndarray, method: str) -> np.ndarray:
    result = np.full(p.shape, np.nan)
    present = ~np.isnan(p)
    values = p[present]
    m = values.size
    if m == 0:
        return result
    order = np.argsort(values, kind="stable")
    ranked = values[order]
    if method == "bonferroni":
        adjusted_sorted = np.minimum(1.0, ranked * m)
    elif method == "holm":
        adjusted_sorted = np.minimum(1.0, np.maximum.accumulate(ranked * (m - np.arange(m))))
    else:  # fdr_bh
        scaled = ranked * m / np.arange(1, m + 1)
        adjusted_sorted = np.minimum(1.0, np.minimum.accumulate(scaled[::-1])[::-1])
    adjusted = np.empty(m)
    adjusted[order] = adjusted_sorted
    result[present] = adjusted
    return result


def adjust_p(p_values, method: str = "holm") -> pd.DataFrame:
    """Adjust several p-values for multiple comparisons.

    Missing p-values stay missing and do not count as tests (as R's ``p.adjust``).

    Parameters
    ----------
    p_values : pandas.DataFrame with a ``p_value`` column, or array-like of float
        Stacked results (e.g. ``pd.concat`` of :func:`compare_scores` rows, one per item), or
        the p-values themselves.
    method : {"holm", "bonferroni", "fdr_bh"}, default "holm"
        Holm's step-down (controls the family-wise error rate, never less powerful than
        Bonferroni), Bonferroni, or Benjamini–Hochberg (controls the false discovery rate).

    Returns
    -------
    pandas.DataFrame
        A copy of the frame (or a new frame with ``p_value``) with ``p_adjusted`` and
        ``adjustment`` (the method and the number of tests, e.g. ``"Holm (4 tests)"``).

    Examples
    --------
    >>> adjust_p([0.01, 0.04, 0.03, 0.005])
       p_value  p_adjusted      adjustment
    0    0.010        0.03  Holm (4 tests)
    1    0.040        0.06  Holm (4 tests)
    2    0.030        0.06  Holm (4 tests)
    3    0.005        0.02  Holm (4 tests)
    """
    if method not in _ADJUSTMENTS:
        raise ValueError(f"method must be one of {sorted(_ADJUSTMENTS)}, got {method!r}")
    if isinstance(p_values, pd.DataFrame):
        if "p_value" not in p_values.columns:
            raise ValueError("adjust_p needs a 'p_value' column in the frame it is given")
        result = p_values.copy()
        p = _numeric(result["p_value"].reset_index(drop=True), "p_value")
    else:
        p = _numeric(p_values, "p_value")
        index = p_values.index if isinstance(p_values, pd.Series) else None
        result = pd.DataFrame({"p_value": p}, index=index)
    if ((p < 0) | (p > 1)).any():
        raise ValueError(f"p-values must lie in [0, 1], got {p[(p < 0) | (p > 1)].tolist()!r}")
    m = int((~np.isnan(p)).sum())
    result["p_adjusted"] = _adjusted(p, method)
    result["adjustment"] = f"{_ADJUSTMENTS[method]} ({m} test{'s' if m != 1 else ''})"
    return result


# ---------------------------------------------------------------------------------------
# comparing groups: proportions (Fisher r×c)
# ---------------------------------------------------------------------------------------

def _log_factorial_sums_of_tables(
    rows: np.ndarray, cols: np.ndarray, limit: int
) -> np.ndarray | None:
    """``Σ log(x_ij!)`` for every table with the given margins, or None if more than ``limit``.

    Tables are built column by column, each column's total split among the rows within the
    rows' remaining capacity; partial tables are vectorised, and every partial table extends
    to at least one complete table, so the work is bounded by the number of tables.
    """
    r = rows.size
    remaining = rows[None, :].astype(np.int64)
    accumulated = np.zeros(1)
    for total in cols[:-1]:
        need = np.full(remaining.shape[0], total, dtype=np.int64)
        for i in range(r - 1):
            capacity_after = remaining[:, i + 1 :].sum(axis=1)
            low = np.maximum(0, need - capacity_after)
            high = np.minimum(remaining[:, i], need)
            lengths = high - low + 1
            count = int(lengths.sum())
            if count > limit:
                return None
            parent = np.repeat(np.arange(lengths.size), lengths)
            offset = np.arange(count) - np.repeat(np.cumsum(lengths) - lengths, lengths)
            cell = low[parent] + offset
            remaining = remaining[parent]
            remaining[:, i] -= cell
            need = need[parent] - cell
            accumulated = accumulated[parent] + special.gammaln(cell + 1)
        remaining[:, r - 1] -= need
        accumulated = accumulated + special.gammaln(need + 1)
    return accumulated + special.gammaln(remaining + 1).sum(axis=1)


def _contingency(table) -> tuple[np.ndarray, list[str]]:
    if isinstance(table, pd.DataFrame):
        frame = table
        if set(frame.columns) == {"k", "n"}:
            k = _numeric(frame["k"], "k")
            n = _numeric(frame["n"], "n")
            if (k > n).any():
                raise ValueError("compare_proportions: a group has k greater than n")
            frame = pd.DataFrame({"yes": k, "no": n - k}, index=frame.index)
        labels = [str(label) for label in frame.index]
        values = np.column_stack([_numeric(frame[c], f"table column {c!r}") for c in frame.columns])
    else:
        values = np.asarray(table, dtype=float)
        if values.ndim != 2:
            raise ValueError(
                f"compare_proportions needs a 2-D table of counts, got shape {values.shape}"
            )
        labels = [str(i + 1) for i in range(values.shape[0])]
        values = np.column_stack([_numeric(values[:, j], f"table column {j}")
                                  for j in range(values.shape[1])]) if values.size else values
    if values.size and (np.isnan(values).any() or (values < 0).any()
                        or (values != np.rint(values)).any()):
        raise ValueError("compare_proportions: counts must be whole numbers >= 0")
    return values.astype(np.int64), labels


def _comparison_row(
    measure, labels, n, n_missing, statistic, p_value, effect, method
) -> pd.DataFrame:
    frame = pd.DataFrame(
        [{
            "measure": measure,
            "group": " vs ".join(labels),
            "n_groups": len(labels),
            "n": n,
            "n_missing": n_missing,
            "statistic": statistic,
            "p_value": p_value,
            "p_adjusted": p_value,
            "adjustment": "none (single test)",
            "effect": effect,
            "method": method,
        }],
        columns=COMPARISON_COLUMNS,
    )
    frame["measure"] = frame["measure"].astype(object)
    return frame


def _count_extreme_tables(rows: np.ndarray, cols: np.ndarray, threshold: float, n_resamples: int,
                          seed: int, chunk: int = 10_000) -> int:
    """How many of ``n_resamples`` random tables with margins ``rows`` × ``cols`` (drawn by
    ``scipy.stats.random_table``, seeded) have a sum of log factorials of at least
    ``threshold`` (are no more probable than the observed table).

    Tables are drawn ``chunk`` at a time from one generator (the same tables as one draw of
    them all: memory stays at one chunk whatever the number of groups), and each cell's log
    factorial is looked up in a table of ``log(k!)`` for ``k = 0 … N`` rather than computed.
    """
    rng = np.random.default_rng(seed)
    distribution = sps.random_table(rows, cols)
    log_factorials = special.gammaln(np.arange(1, int(cols.sum()) + 2))  # log(k!) at k = 0 … N
    count = 0
    for start in range(0, n_resamples, chunk):
        draws = distribution.rvs(size=min(chunk, n_resamples - start), random_state=rng)
        count += int(np.count_nonzero(log_factorials[draws].sum(axis=(1, 2)) >= threshold))
    return count


def compare_proportions(
    table,
    *,
    measure: str | None = None,
    max_tables: int = 1_000_000,
    n_resamples: int = 100_000,
    seed: int = DEFAULT_SEED,
) -> pd.DataFrame:
    """Do groups (pilots) differ in how their answers split? Fisher's exact test, r×c.

    The null hypothesis is that group and answer are independent given the margins. The
    statistic is the probability of the observed table under that null (the multivariate
    hypergeometric distribution of tables with the observed margins) and the p-value is the
    total probability of all tables no more probable than the observed one (relative
    tolerance 1e-7, as R's ``fisher.test``). When there are at most ``max_tables`` such tables
    they are all enumerated (exact); otherwise ``n_resamples`` tables are drawn with
    ``scipy.stats.random_table`` (seeded) and ``p = (1 + #{at least as extreme}) / (1 +
    n_resamples)``. ``method`` says which was used and how many tables or draws.

    Rows or columns that are all zero carry no information and are dropped (named in
    ``method``). ``effect`` is Cramér's V, ``sqrt(χ² / (N·(min(r, c) − 1)))``, from 0 (no
    association) to 1.

    Parameters
    ----------
    table : pandas.DataFrame or 2-D array-like of int
        Counts with one row per group and one column per answer; or a DataFrame with exactly
        the columns ``k`` and ``n`` (successes out of totals per group, groups in the index).
    measure : str, optional
        Name of what is compared, copied to the ``measure`` column.
    max_tables : int, default 1,000,000
        Largest number of tables enumerated exactly.
    n_resamples : int, default 100,000
        Monte Carlo draws when enumeration is too large.
    seed : int, default ``DEFAULT_SEED``

    Returns
    -------
    pandas.DataFrame
        One row: ``measure``, ``group`` (the groups, ``"A vs B vs C"``), ``n_groups``, ``n``
        (total count), ``n_missing`` (0), ``statistic``, ``p_value``, ``p_adjusted`` (equal
        to ``p_value`` until :func:`adjust_p` is applied to stacked results),
        ``adjustment``, ``effect`` (Cramér's V), ``method``.

    Examples
    --------
    >>> wants_more = pd.DataFrame({"k": [12, 5, 9], "n": [17, 15, 16]},
    ...                           index=["north", "coast", "vale"])
    >>> result = compare_proportions(wants_more, measure="find_out_more")
    >>> result[["group", "n", "p_value", "effect"]].round(4)
                        group   n  p_value  effect
    0  north vs coast vs vale  48    0.105  0.3061
    >>> result["method"].iloc[0]
    "Fisher's exact test (3×2), exact over all 212 tables with the observed margins; effect: Cramér's V"
    """
    counts, labels = _contingency(table)
    if counts.ndim != 2 or counts.size == 0:
        return _comparison_row(measure, labels, 0, 0, math.nan, math.nan, math.nan,
                               "Fisher's exact test; empty table: no test")
    keep_rows = counts.sum(axis=1) > 0
    keep_cols = counts.sum(axis=0) > 0
    dropped = [label for label, keep in zip(labels, keep_rows) if not keep]
    counts = counts[keep_rows][:, keep_cols]
    labels = [label for label, keep in zip(labels, keep_rows) if keep]
    n_total = int(counts.sum())
    notes = []
    if dropped:
        notes.append(f"groups without answers dropped: {', '.join(dropped)}")
    if (~keep_cols).any():
        notes.append(f"{int((~keep_cols).sum())} answer column(s) with no count dropped")
    if counts.shape[0] < 2 or counts.shape[1] < 2:
        notes.insert(0, "Fisher's exact test; fewer than two groups or answers with counts: "
                        "no test")
        return _comparison_row(measure, labels, n_total, 0, math.nan, math.nan, math.nan,
                               "; ".join(notes))

    rows = counts.sum(axis=1)
    cols = counts.sum(axis=0)
    log_constant = (special.gammaln(rows + 1).sum() + special.gammaln(cols + 1).sum()
                    - special.gammaln(n_total + 1))
    observed = float(special.gammaln(counts + 1).sum())
    statistic = math.exp(log_constant - observed)
    expected = np.outer(rows, cols) / n_total
    chi_square = float(((counts - expected) ** 2 / expected).sum())
    cramers_v = math.sqrt(chi_square / (n_total * (min(counts.shape) - 1)))

    # orient the table so the enumeration runs over the shorter side
    if counts.shape[1] < counts.shape[0]:
        sums = _log_factorial_sums_of_tables(cols, rows, int(max_tables))
    else:
        sums = _log_factorial_sums_of_tables(rows, cols, int(max_tables))
    if sums is not None:
        extreme = sums >= observed - 1e-7
        p_value = float(np.exp(log_constant - sums[extreme]).sum())
        method = (f"Fisher's exact test ({counts.shape[0]}×{counts.shape[1]}), exact over all "
                  f"{sums.size:,} tables with the observed margins; effect: Cramér's V")
    else:
        extreme_count = _count_extreme_tables(rows, cols, observed - 1e-7, int(n_resamples), seed)
        p_value = float((1 + extreme_count) / (1 + int(n_resamples)))
        method = (f"Fisher's exact test ({counts.shape[0]}×{counts.shape[1]}), Monte Carlo p from "
                  f"{int(n_resamples):,} random tables with the observed margins (seed {seed}); "
                  "effect: Cramér's V")
    return _comparison_row(measure, labels, n_total, 0, statistic, min(1.0, p_value),
                           cramers_v, "; ".join([method] + notes))


# ---------------------------------------------------------------------------------------
# comparing groups: scores (permutation Kruskal–Wallis)
# ---------------------------------------------------------------------------------------

def _score_groups(groups, by: str, value: str) -> tuple[list[str], list[np.ndarray], int]:
    n_missing = 0
    if isinstance(groups, pd.DataFrame):
        missing = [c for c in (by, value) if c not in groups.columns]
        if missing:
            raise ValueError(f"compare_scores: the frame has no column(s) {missing}")
        without_group = groups[by].isna()
        n_missing += int(without_group.sum())
        # one item per distinct group, not per row
        items: Iterable = ((label, part[value]) for label, part in
                           groups.loc[~without_group].groupby(by, sort=False)[[value]])
    elif isinstance(groups, Mapping):
        items = groups.items()
    else:
        raise TypeError("compare_scores needs a mapping {group: scores} or a DataFrame")
    labels, samples = [], []
    for label, scores in items:
        numbers = _numeric(scores, f"scores of group {label!r}")
        n_missing += int(np.isnan(numbers).sum())
        labels.append(str(label))
        samples.append(numbers[~np.isnan(numbers)])
    return labels, samples, n_missing


def _kw_exact_two_groups(
    doubled: np.ndarray, size_first: int, observed_distance: float
) -> tuple[float, int]:
    """Exact P(|2R1 − n1(N+1)| >= observed) over all subsets of size n1 (rank-sum DP)."""
    n_total = doubled.size
    top = int(doubled.sum())
    counts = np.zeros((size_first + 1, top + 1))
    counts[0, 0] = 1.0
    for weight in doubled:  # one step per observation: the DP over the ranks
        counts[1:, weight:] += counts[:-1, : top + 1 - weight].copy()
    distribution = counts[size_first] / counts[size_first].sum()
    sums = np.arange(top + 1)
    distance = np.abs(sums - size_first * (n_total + 1))
    p_value = float(distribution[distance >= observed_distance - 1e-9].sum())
    return p_value, math.comb(n_total, size_first)


def _kw_exact_enumerate(doubled: np.ndarray, sizes: list[int]) -> np.ndarray:
    """``Σ (2R_g)² / n_g`` over every assignment of the ranks to groups of the given sizes."""
    remaining = doubled[None, :].astype(float)
    accumulated = np.zeros(1)
    for size in sizes[:-1]:
        m = remaining.shape[1]
        chosen = np.array(list(itertools.combinations(range(m), size)), dtype=np.int64)
        mask = np.ones((chosen.shape[0], m), dtype=bool)
        mask[np.arange(chosen.shape[0])[:, None], chosen] = False
        rest = np.nonzero(mask)[1].reshape(chosen.shape[0], m - size)
        group_sums = remaining[:, chosen].sum(axis=2)
        accumulated = (accumulated[:, None] + group_sums**2 / size).ravel()
        remaining = remaining[:, rest].reshape(-1, m - size)
    return accumulated + remaining.sum(axis=1) ** 2 / sizes[-1]


def compare_scores(
    groups,
    *,
    measure: str | None = None,
    by: str = "group",
    value: str = "value",
    max_exact: int = 200_000,
    n_resamples: int = 20_000,
    seed: int = DEFAULT_SEED,
) -> pd.DataFrame:
    """Do groups (pilots) differ in their scores? Permutation Kruskal–Wallis test.

    ``statistic`` is Kruskal–Wallis H with mid-ranks and the tie correction. The p-value is
    the permutation probability ``P(H* >= H)`` over all ways of reassigning the pooled
    scores to groups of the observed sizes — exact when feasible, never the chi-square
    approximation:

    * two groups: exact by a dynamic programme over the rank sum of the smaller group (the
      two-sided Wilcoxon rank-sum test with mid-ranks), up to about 120 scores in all;
    * three or more groups: exact by enumerating every assignment when there are at most
      ``max_exact`` of them; otherwise (and for larger two-group comparisons)
      ``n_resamples`` seeded random permutations with
      ``p = (1 + #{H* >= H}) / (1 + n_resamples)``.

    ``method`` states which was used. ``effect`` is epsilon-squared ``H / (N − 1)``, the
    share of rank variance explained by group (0 to 1). Missing scores are dropped and
    counted; groups left empty are dropped.

    Parameters
    ----------
    groups : mapping {group: array-like of float} or pandas.DataFrame
        Scores per group, or a long frame with one row per score.
    measure : str, optional
        Name of what is compared, copied to the ``measure`` column.
    by, value : str
        Column names of the group and the score when ``groups`` is a DataFrame.
    max_exact : int, default 200,000
        Largest number of assignments enumerated exactly (three or more groups).
    n_resamples : int, default 20,000
        Random permutations otherwise.
    seed : int, default ``DEFAULT_SEED``

    Returns
    -------
    pandas.DataFrame
        One row: ``measure``, ``group`` (``"A vs B"``), ``n_groups``, ``n``, ``n_missing``,
        ``statistic`` (H), ``p_value``, ``p_adjusted``, ``adjustment``, ``effect``
        (epsilon-squared), ``method``.

    Examples
    --------
    >>> baseline = {"north": [2, 3, 3, 1, 2], "coast": [4, 3, 5, 4], "vale": [2, 4, 3, 3]}
    >>> result = compare_scores(baseline, measure="baseline_skill")
    >>> result[["group", "n", "statistic", "p_value"]].round(4)
                        group   n  statistic  p_value
    0  north vs coast vs vale  13        6.3   0.0298
    >>> result["method"].iloc[0]
    'Kruskal–Wallis H (mid-ranks, tie-corrected), exact permutation p over all 90,090 assignments; effect: epsilon-squared'
    """
    labels, samples, n_missing = _score_groups(groups, by, value)
    empty = [label for label, sample in zip(labels, samples) if sample.size == 0]
    labels = [label for label, sample in zip(labels, samples) if sample.size > 0]
    samples = [sample for sample in samples if sample.size > 0]
    n_total = int(sum(sample.size for sample in samples))
    notes = [f"groups without scores dropped: {', '.join(empty)}"] if empty else []
    name = "Kruskal–Wallis H (mid-ranks, tie-corrected)"
    if len(samples) < 2:
        return _comparison_row(measure, labels, n_total, n_missing, math.nan, math.nan, math.nan,
                               "; ".join([f"{name}; fewer than two groups with scores: no test"]
                                         + notes))
    pooled = np.concatenate(samples)
    scale = float(np.abs(pooled).max())
    keys = _difference_keys(pooled, scale) if scale > 0 else np.zeros(pooled.size)
    ranks = _mid_ranks(keys)
    _, tie_sizes = np.unique(keys, return_counts=True)
    tie_correction = 1.0 - float((tie_sizes**3 - tie_sizes).sum()) / (n_total**3 - n_total)
    if tie_correction <= 0:
        return _comparison_row(measure, labels, n_total, n_missing, math.nan, math.nan, math.nan,
                               "; ".join([f"{name}; every score is the same: no test"] + notes))
    sizes = [sample.size for sample in samples]
    bounds = np.cumsum([0] + sizes)
    doubled = np.rint(2 * ranks).astype(np.int64)
    observed_sums = np.array([doubled[bounds[g]:bounds[g + 1]].sum() for g in range(len(sizes))])
    h = ((12.0 / (n_total * (n_total + 1)))
         * float(((observed_sums / 2.0) ** 2 / np.array(sizes)).sum())
         - 3.0 * (n_total + 1)) / tie_correction
    observed_stat = float((observed_sums.astype(float) ** 2 / np.array(sizes)).sum())
    tolerance = 1e-9 * observed_stat

    multinomial = math.factorial(n_total)
    for size in sizes:
        multinomial //= math.factorial(size)
    smaller = int(np.argmin(sizes))
    if len(sizes) == 2 and n_total * (sizes[smaller] + 1) * (int(doubled.sum()) + 1) <= 100_000_000:
        distance = abs(float(observed_sums[smaller]) - sizes[smaller] * (n_total + 1))
        p_value, count = _kw_exact_two_groups(doubled, sizes[smaller], distance)
        how = f"exact permutation p over all {count:,} assignments (rank-sum distribution)"
    elif multinomial <= max_exact:
        order = np.argsort(sizes, kind="stable")  # the largest group last: it is determined
        stats_all = _kw_exact_enumerate(doubled, [sizes[g] for g in order])
        p_value = float(np.count_nonzero(stats_all >= observed_stat - tolerance) / stats_all.size)
        how = f"exact permutation p over all {multinomial:,} assignments"
    else:
        rng = np.random.default_rng(seed)
        exceed = 0
        batch = max(1, 5_000_000 // n_total)
        for start in range(0, int(n_resamples), batch):  # batches of permutations, bounded memory
            size = min(batch, int(n_resamples) - start)
            permuted = rng.permuted(np.tile(doubled.astype(float), (size, 1)), axis=1)
            sums = np.add.reduceat(permuted, bounds[:-1], axis=1)
            exceed += int(np.count_nonzero((sums**2 / np.array(sizes)).sum(axis=1)
                                           >= observed_stat - tolerance))
        p_value = (1 + exceed) / (1 + int(n_resamples))
        how = (f"Monte Carlo permutation p from {int(n_resamples):,} random permutations "
               f"(seed {seed})")
    method = f"{name}, {how}; effect: epsilon-squared"
    return _comparison_row(measure, labels, n_total, n_missing, h, min(1.0, p_value),
                           h / (n_total - 1), "; ".join([method] + notes))
