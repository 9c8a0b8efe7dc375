"""Tests of evalkit.stats: reference values from published sources, brute force, simulation.

Every expected number is either quoted from the cited source or worked by hand in the comment
next to it; brute-force checks enumerate the permutation distribution independently of the
module's dynamic programmes.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
import scipy.stats as sps
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evalkit.stats import (
    COMPARISON_COLUMNS,
    PAIRED_CHANGE_COLUMNS,
    adjust_p,
    compare_proportions,
    compare_scores,
    hodges_lehmann,
    mean_change,
    paired_change,
    proportion,
)

# ---------------------------------------------------------------------------------------
# independent brute-force helpers (no code shared with evalkit.stats)
# ---------------------------------------------------------------------------------------


def brute_mid_ranks(values: np.ndarray) -> np.ndarray:
    """Mid-rank of each value: (number below) + (number equal + 1) / 2."""
    values = np.asarray(values, dtype=float)
    below = (values[:, None] > values[None, :]).sum(axis=1)
    equal = (values[:, None] == values[None, :]).sum(axis=1)
    return below + (equal + 1) / 2.0


def all_sign_sums(ranks: np.ndarray) -> np.ndarray:
    """T+ for every one of the 2^m assignments of signs to the ranks."""
    m = ranks.size
    bits = (np.arange(2**m)[:, None] >> np.arange(m)[None, :]) & 1
    return bits @ ranks


def brute_signed_rank_p(differences: np.ndarray) -> tuple[float, float]:
    """(T+, two-sided p) by enumerating all sign assignments; zeros dropped first."""
    nonzero = differences[differences != 0]
    ranks = brute_mid_ranks(np.abs(nonzero))
    observed = ranks[nonzero > 0].sum()
    null = all_sign_sums(ranks)
    upper = np.mean(null >= observed - 1e-9)
    lower = np.mean(null <= observed + 1e-9)
    return observed, min(1.0, 2 * min(upper, lower))


def walsh(differences) -> np.ndarray:
    d = np.asarray(differences, dtype=float)
    return np.sort([(d[i] + d[j]) / 2 for i in range(d.size) for j in range(i, d.size)])


# ---------------------------------------------------------------------------------------
# paired_change: published references
# ---------------------------------------------------------------------------------------

# Hollander & Wolfe, Nonparametric Statistical Methods, 2nd ed. (1999), Example 3.1 /
# Table 3.1 (Hamilton depression scale factor IV, first visit x, second visit y); the same
# data are the example of R's wilcox.test: wilcox.test(x, y, paired = TRUE) gives V = 40,
# p-value = 0.03906 (one-sided "greater": 0.01953), (pseudo)median 0.46.
HW_X = [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30]
HW_Y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29]


def test_hollander_wolfe_example_3_1():
    # differences x - y, so y is "before" and x is "after"
    result = paired_change(HW_Y, HW_X)
    row = result.iloc[0]
    assert list(result.columns) == PAIRED_CHANGE_COLUMNS
    assert len(result) == 1
    assert row["n"] == 9 and row["n_zero"] == 0 and row["n_missing"] == 0
    assert row["statistic"] == 40.0
    # one-sided P(T+ >= 40) = P(T- <= 5) = #{subsets of 1..9 with sum <= 5} / 2^9
    #   = (1 + 1 + 1 + 2 + 2 + 3) / 512 = 10/512 = 0.01953; two-sided = 20/512 = 0.03906
    assert row["p_value"] == pytest.approx(20 / 512, rel=1e-12)
    assert round(row["p_value"] / 2, 5) == 0.01953
    assert row["hl_estimate"] == pytest.approx(0.46, abs=1e-12)
    # n = 9: P(T+ <= 5) = 10/512 <= 0.025 < P(T+ <= 6) = 14/512, so k = 6; the sorted
    # differences are -0.147 -0.08 0.01 0.43 0.49 0.59 0.62 0.952 1.022, the six smallest
    # Walsh averages -0.147 -0.1135 -0.08 -0.0685 -0.035 0.01 and the six largest 1.022
    # 0.987 0.952 0.821 0.806 0.786; level 1 - 2*10/512
    assert row["hl_ci_low"] == pytest.approx(0.01, abs=1e-12)
    assert row["hl_ci_high"] == pytest.approx(0.786, abs=1e-12)
    assert row["hl_ci_level"] == pytest.approx(1 - 20 / 512, rel=1e-12)
    # 7 of 9 went up; rank-biserial (T+ - T-)/(T+ + T-) = (40 - 5)/45
    assert row["share_improved"] == pytest.approx(7 / 9)
    assert row["effect"] == pytest.approx(35 / 45)


def test_r_wilcox_test_output_quoted_by_statease():
    # R wilcox.test(x, y, paired = TRUE, conf.int = TRUE) output shown in the reference page
    # of the statease R package (devwebwacky.github.io/statease/reference/
    # wilcoxon_interpret.html): V = 24, p-value = 0.1094, 95% CI [-2.500, 15.000].
    x = [23, 45, 12, 67, 34, 89, 56]
    y = [19, 38, 22, 51, 29, 74, 44]
    row = paired_change(y, x).iloc[0]
    # d = 4 7 -10 16 5 15 12; ranks of |d| 1 3 4 7 2 6 5; T+ = 24
    assert row["statistic"] == 24.0
    # P(T+ <= 4) for n = 7 = (1 + 1 + 1 + 2 + 2)/128; two-sided 14/128 = 0.109375
    assert row["p_value"] == pytest.approx(14 / 128, rel=1e-12)
    assert (row["hl_ci_low"], row["hl_ci_high"]) == (-2.5, 15.0)
    assert row["hl_estimate"] == np.median(walsh([4, 7, -10, 16, 5, 15, 12]))


def test_hodges_lehmann_membrane_example_from_table():
    # Iowa State Stat 403 "membrane" example (www.public.iastate.edu/~wrstephe/stat403/
    # membrane/membrane.html), using the Hollander-Wolfe table: the 28th of 55 Walsh
    # averages is 1.385; the 9th to 47th Walsh averages, 1.13 to 1.67, are a 95% interval.
    permeability = [0.90, 1.13, 1.89, 1.14, 1.45, 1.38, 1.91, 1.64, 0.83, 1.46]
    row = hodges_lehmann(permeability).iloc[0]
    assert row["n"] == 10
    assert row["estimate"] == pytest.approx(1.385)
    assert row["ci_low"] == pytest.approx(1.13)
    assert row["ci_high"] == pytest.approx(1.67)
    # P(T+ <= 8) for n = 10: subsets of 1..10 with sum <= 8 number 1+1+1+2+2+3+4+5+6 = 25
    assert row["ci_level"] == pytest.approx(1 - 2 * 25 / 1024, rel=1e-12)


# ---------------------------------------------------------------------------------------
# mean change and its Student t interval (the headline of a learning change)
# ---------------------------------------------------------------------------------------

# R's `sleep` data (datasets package; Student 1908, from Cushny and Peebles): extra hours of
# sleep of 10 patients on two soporific drugs. The R documentation of t.test runs the paired
# t-test on it; R prints t = -4.0621, df = 9, p-value = 0.002833, 95 percent confidence
# interval -2.4598858 -0.7001142, mean of the differences -1.58 (group 1 - group 2). Checked
# against scipy.stats.ttest_rel(GROUP_2, GROUP_1).confidence_interval(): 0.7001142367 to
# 2.4598857633.
SLEEP_GROUP_1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
SLEEP_GROUP_2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]


def test_mean_change_matches_r_t_test_on_the_sleep_data():
    row = paired_change(SLEEP_GROUP_1, SLEEP_GROUP_2).iloc[0]
    assert row["mean_change"] == pytest.approx(1.58, abs=1e-12)
    assert row["mean_ci_low"] == pytest.approx(0.7001142, abs=5e-8)
    assert row["mean_ci_high"] == pytest.approx(2.4598858, abs=5e-8)
    assert "mean change with Student t interval" in row["method"]
    # the other way round, as R prints it
    found = mean_change(np.subtract(SLEEP_GROUP_1, SLEEP_GROUP_2))
    assert found.estimate == pytest.approx(-1.58, abs=1e-12)
    assert (found.ci_low, found.ci_high) == (pytest.approx(-2.4598858, abs=5e-8),
                                             pytest.approx(-0.7001142, abs=5e-8))
    reference = sps.ttest_rel(SLEEP_GROUP_2, SLEEP_GROUP_1).confidence_interval(0.95)
    assert row["mean_ci_low"] == pytest.approx(reference.low, rel=1e-12)
    assert row["mean_ci_high"] == pytest.approx(reference.high, rel=1e-12)


def test_mean_change_hand_worked():
    # differences 1, 2, 0, 1, 1: mean 1; deviations 0, 1, -1, 0, 0 -> s^2 = 2/4, s = 0.707107;
    # se = s / sqrt(5) = 0.316228; t(0.975, 4) = 2.776445 (tables) -> half-width 0.877989
    found = mean_change([1, 2, 0, 1, 1])
    assert found.estimate == 1.0
    assert (found.ci_low, found.ci_high) == (pytest.approx(1 - 0.877989, abs=1e-6),
                                             pytest.approx(1 + 0.877989, abs=1e-6))
    # t(0.95, 4) = 2.131847 at 90%: half-width 0.674150; missing values are dropped
    narrower = mean_change([1, 2, None, 0, 1, 1], confidence=0.90)
    assert (narrower.ci_low, narrower.ci_high) == (pytest.approx(1 - 0.674150, abs=1e-6),
                                                   pytest.approx(1 + 0.674150, abs=1e-6))
    # the Likert example below: differences 2, 0, 1, -1, 1, 0, 2 -> mean 5/7; s^2 = 52/42
    # (sum of squares 11 - 7 * (5/7)^2 = 52/7, over 6); t(0.975, 6) = 2.446912
    row = paired_change(LIKERT_PRE, LIKERT_POST).iloc[0]
    half = 2.446912 * math.sqrt(52 / 42 / 7)
    assert row["mean_change"] == pytest.approx(5 / 7)
    assert (row["mean_ci_low"], row["mean_ci_high"]) == (pytest.approx(5 / 7 - half, abs=1e-6),
                                                         pytest.approx(5 / 7 + half, abs=1e-6))


@pytest.mark.parametrize("differences, estimate", [([], math.nan), ([2.0], 2.0), ([None, 1.0], 1.0)])
def test_mean_change_fewer_than_two_differences_has_no_interval(differences, estimate):
    found = mean_change(differences)
    assert found.estimate == pytest.approx(estimate, nan_ok=True)
    assert math.isnan(found.ci_low) and math.isnan(found.ci_high)


def test_mean_change_without_spread_has_no_interval():
    # everybody changed by the same amount: s = 0, and a zero-width interval would claim the
    # change is known exactly; there is none
    found = mean_change([1, 1, 1, 1])
    assert found.estimate == 1.0 and math.isnan(found.ci_low) and math.isnan(found.ci_high)
    # floating-point noise does not count as spread (0.3 - 0.1 != 0.2 in binary)
    noisy = mean_change([0.3 - 0.1, 0.2, 0.2])
    assert math.isnan(noisy.ci_low)
    row = paired_change([1, 2, 3, 4], [2, 3, 4, 5]).iloc[0]
    assert row["mean_change"] == 1.0
    assert math.isnan(row["mean_ci_low"]) and math.isnan(row["mean_ci_high"])
    assert "every pair changed by the same amount: no interval for the mean change" in row["method"]
    # nobody changed at all: mean 0, no interval, and both notes
    row = paired_change([3, 4, 2], [3, 4, 2]).iloc[0]
    assert row["mean_change"] == 0.0 and math.isnan(row["mean_ci_low"])
    assert "no answer changed" in row["method"] and "no interval for the mean change" in row["method"]
    # answers that differ only by floating-point noise are the same answers
    row = paired_change([0.1, 0.2, 0.3], [0.1 + 0.2, 0.3 + 0.1, 0.5]).iloc[0]
    assert math.isnan(row["mean_ci_low"]) and row["mean_change"] == pytest.approx(0.2)


def test_mean_change_rejects_bad_input():
    with pytest.raises(ValueError, match="confidence"):
        mean_change([1, 2, 3], confidence=95)
    with pytest.raises(ValueError, match=r"differences: value 'up' at position 1"):
        mean_change([1, "up", 3])


# ---------------------------------------------------------------------------------------
# paired_change: hand-worked Likert example (ties and zeros)
# ---------------------------------------------------------------------------------------

LIKERT_PRE = [2, 3, 3, 4, 2, 5, 3]
LIKERT_POST = [4, 3, 4, 3, 3, 5, 5]


def test_rank_biserial_and_exact_p_hand_worked():
    row = paired_change(LIKERT_PRE, LIKERT_POST).iloc[0]
    # d = 2 0 1 -1 1 0 2: two zeros dropped; |d| of the rest = 2 1 1 1 2, mid-ranks: the
    # three 1s share ranks 1-3 -> 2, the two 2s share 4-5 -> 4.5
    assert (row["n"], row["n_zero"], row["n_improved"], row["n_worse"]) == (7, 2, 4, 1)
    # T+ = 4.5 + 2 + 2 + 4.5 = 13, T- = 2, effect = (13 - 2)/15
    assert row["statistic"] == 13.0
    assert row["effect"] == pytest.approx(11 / 15)
    # doubled ranks 9 9 4 4 4: 2T+ = 9A + 4B, A ~ Bin(2, 1/2), B ~ Bin(3, 1/2);
    # 2T+ >= 26 only when A = 2 and B >= 2: 1/4 * 1/2 = 1/8; p = 2/8
    assert row["p_value"] == 0.25
    # Walsh averages of -1 0 0 1 1 2 2 tallied: -1:1 -0.5:2 0:5 0.5:6 1:7 1.5:4 2:3 (28);
    # the 14th is 0.5 and the 15th is 1 -> 0.75; n = 7: k = 3 (P(T+ <= 2) = 3/128), so
    # the interval is the 3rd (-0.5) to the 26th (2) Walsh average, level 1 - 6/128
    assert row["hl_estimate"] == 0.75
    assert (row["hl_ci_low"], row["hl_ci_high"]) == (-0.5, 2.0)
    assert row["hl_ci_level"] == pytest.approx(1 - 6 / 128)
    assert row["median_before"] == 3.0 and row["median_after"] == 4.0
    # Wilson, 4 of 7: centre (4/7 + z²/14)/(1 + z²/7), z = 1.959964
    z = 1.959963984540054
    centre = (4 / 7 + z * z / 14) / (1 + z * z / 7)
    half = z / (1 + z * z / 7) * math.sqrt((4 / 7) * (3 / 7) / 7 + z * z / (4 * 49))
    assert row["share_improved"] == pytest.approx(4 / 7)
    assert row["share_improved_ci_low"] == pytest.approx(centre - half)
    assert row["share_improved_ci_high"] == pytest.approx(centre + half)
    assert row["effect_ci_low"] <= row["effect"] <= row["effect_ci_high"]
    assert "exact permutation p" in row["method"] and "zeros dropped" in row["method"]


def test_rank_biserial_negative_when_answers_fall():
    # d = -2 -1 +1: ranks 3, 1.5, 1.5 -> T+ = 1.5, T- = 4.5, effect = -3/6
    row = paired_change([4, 4, 2], [2, 3, 3]).iloc[0]
    assert row["statistic"] == 1.5
    assert row["effect"] == pytest.approx(-0.5)


def test_bootstrap_is_seeded_and_repeats():
    rng = np.random.default_rng(3)
    pre = rng.integers(1, 6, 18)
    post = np.clip(pre + rng.integers(-1, 3, 18), 1, 5)
    first = paired_change(pre, post, seed=7)
    again = paired_change(pre, post, seed=7)
    pd.testing.assert_frame_equal(first, again)
    other = paired_change(pre, post, seed=8)
    # only the bootstrap columns may depend on the seed
    fixed = [c for c in PAIRED_CHANGE_COLUMNS if not c.startswith("effect_ci") and c != "method"]
    pd.testing.assert_frame_equal(first[fixed], other[fixed])
    assert "seed 7" in first["method"].iloc[0]


def test_everyone_improved_bootstrap_interval_is_flagged():
    row = paired_change([1, 2, 2, 3, 1], [2, 3, 4, 4, 3]).iloc[0]
    assert row["effect"] == 1.0
    assert row["effect_ci_low"] == row["effect_ci_high"] == 1.0
    assert "degenerate" in row["method"]
    # 5 of 5 improved: Wilson upper limit exactly 1
    assert row["share_improved_ci_high"] == 1.0
    # n = 5 cannot reach 95%: widest interval, level 1 - 2/32
    assert row["hl_ci_level"] == pytest.approx(1 - 2 / 32)
    assert "widest" in row["method"]


# ---------------------------------------------------------------------------------------
# exact p-value equals brute force, with ties and zeros
# ---------------------------------------------------------------------------------------

likert_pairs = st.lists(
    st.tuples(st.integers(1, 5), st.integers(1, 5)), min_size=1, max_size=16
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(likert_pairs)
def test_exact_p_equals_brute_force_enumeration(pairs):
    before = np.array([b for b, _ in pairs], dtype=float)
    after = np.array([a for _, a in pairs], dtype=float)
    row = paired_change(before, after, n_resamples=50).iloc[0]
    differences = after - before
    if (differences == 0).all() or len(pairs) < 2:
        assert math.isnan(row["p_value"]) and math.isnan(row["statistic"])
        return
    statistic, p_value = brute_signed_rank_p(differences)
    assert row["statistic"] == pytest.approx(statistic)
    assert row["p_value"] == pytest.approx(p_value, rel=1e-12, abs=1e-15)
    assert row["n_zero"] == int((differences == 0).sum())


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from([-3, -1.5, -1, -0.5, 0, 0.5, 1, 2, 2.5]), min_size=2,
                max_size=16))
def test_exact_p_equals_brute_force_half_point_scales(differences):
    # half-point differences (averaged items) give mid-ranks with .5 and many ties
    differences = np.array(differences)
    row = paired_change(np.zeros(differences.size), differences, n_resamples=20).iloc[0]
    if (differences == 0).all():
        assert math.isnan(row["p_value"])
        return
    _, p_value = brute_signed_rank_p(differences)
    assert row["p_value"] == pytest.approx(p_value, rel=1e-12, abs=1e-15)


def test_exact_p_matches_scipy_exact_without_ties_up_to_n_200():
    # without ties or zeros scipy's method="exact" is the classical exact distribution
    rng = np.random.default_rng(12)
    for n in (25, 60, 200):
        differences = rng.normal(0.15, 1.0, n)
        expected = sps.wilcoxon(differences, method="exact").pvalue
        row = paired_change(np.zeros(n), differences, n_resamples=100).iloc[0]
        assert row["p_value"] == pytest.approx(expected, rel=1e-9)
        assert row["statistic"] == pytest.approx(np.arange(1, n + 1)[
            np.argsort(np.argsort(np.abs(differences)))][differences > 0].sum())


def test_floating_point_noise_does_not_break_ties_or_zeros():
    # 0.3 - 0.1 != 0.2 in binary floating point; both pairs changed by 0.2 and must tie,
    # and 0.1 + 0.2 vs 0.3 is no change
    before = [0.1, 0.3, 0.1 + 0.2, 0.5]
    after = [0.3, 0.5, 0.3, 0.1]
    row = paired_change(before, after).iloc[0]
    assert row["n_zero"] == 1
    # non-zero d = +0.2 +0.2 -0.4: ranks 1.5 1.5 3 -> T+ = 3
    assert row["statistic"] == 3.0


# ---------------------------------------------------------------------------------------
# Hodges–Lehmann interval equals the brute-force inversion of the exact test
# ---------------------------------------------------------------------------------------


def test_hodges_lehmann_interval_inverts_the_brute_force_test():
    d = np.array([0.31, -1.17, 2.53, 1.08, 0.74, -0.42, 1.96, 3.29, 0.06, 1.45])
    averages = walsh(d)
    assert np.unique(averages).size == averages.size  # no ties: the classical setting
    null = all_sign_sums(np.arange(1.0, d.size + 1))
    # test theta at every midpoint between consecutive Walsh averages
    accepted = []
    for theta in (averages[:-1] + averages[1:]) / 2:
        shifted = d - theta
        ranks = brute_mid_ranks(np.abs(shifted))
        t_plus = ranks[shifted > 0].sum()
        p = min(1.0, 2 * min(np.mean(null >= t_plus), np.mean(null <= t_plus)))
        if p > 0.05:
            accepted.append(theta)
    low = averages[averages < min(accepted)].max()
    high = averages[averages > max(accepted)].min()
    # just above `high` the statistic is the number of Walsh averages above it
    level = 1 - 2 * np.mean(null <= (averages > high).sum())
    row = hodges_lehmann(d).iloc[0]
    assert row["ci_low"] == pytest.approx(low)
    assert row["ci_high"] == pytest.approx(high)
    assert row["ci_level"] == pytest.approx(level)
    assert row["estimate"] == pytest.approx(np.median(averages))


def test_paired_change_location_columns_match_hodges_lehmann():
    pre = [3, 2, 4, 1, 2, 3, None, 2, 5, 3, 2]
    post = [4, 4, 4, 3, 2, 5, 4, 3, 5, None, 3]
    change = paired_change(pre, post).iloc[0]
    differences = [b - a for a, b in zip(pre, post) if a is not None and b is not None]
    location = hodges_lehmann(differences).iloc[0]
    assert change["n_missing"] == 2
    assert (change["hl_estimate"], change["hl_ci_low"], change["hl_ci_high"],
            change["hl_ci_level"]) == (location["estimate"], location["ci_low"],
                                       location["ci_high"], location["ci_level"])


# ---------------------------------------------------------------------------------------
# coverage of the Hodges–Lehmann interval by simulation (kept alongside the headline)
# ---------------------------------------------------------------------------------------
# The headline interval of a learning change is the t interval of the mean change; its
# coverage acceptance test over the sample generator's own model is in
# tests/analysis/test_learning_coverage.py. These two tests document the Hodges–Lehmann
# interval reported alongside it: exact for continuous changes, conservative on 1-5 answers.


def coverage(draw_differences, true_location, n, replications, seed):
    rng = np.random.default_rng(seed)
    covered = 0
    for _ in range(replications):
        row = hodges_lehmann(draw_differences(rng, n)).iloc[0]
        covered += row["ci_low"] <= true_location <= row["ci_high"]
    return covered / replications


def test_hodges_lehmann_coverage_is_nominal_for_continuous_changes():
    # Latent (continuous) self-assessment change: skewed, mean 1.0 point,
    # D = Gamma(shape 3, scale 0.4) - 0.2. The target of the interval is the pseudo-median
    # (the median of (D1 + D2)/2), not the mean: D1 + D2 + 0.4 ~ Gamma(6, 0.4), so the
    # pseudo-median is (median of Gamma(6, 0.4) - 0.4) / 2 = 0.934.
    true_location = (sps.gamma.ppf(0.5, 6, scale=0.4) - 0.4) / 2
    assert true_location == pytest.approx(0.934, abs=5e-4)

    def draw(rng, n):
        return rng.gamma(3.0, 0.4, n) - 0.2

    for n in (15, 20):
        # 3000 replications: standard error about 0.004 around 0.95, so the 93-97% window
        # is five standard errors either side
        observed = coverage(draw, true_location, n, replications=3000, seed=n)
        assert 0.93 <= observed <= 0.97, (n, observed)


def test_hodges_lehmann_over_covers_discrete_likert_changes_so_it_is_not_the_headline():
    # Paired 1-5 Likert model like the sample's: before ~ (0.15, 0.30, 0.30, 0.15, 0.10) on
    # 1..5, step -1/0/+1/+2 with probabilities 0.05/0.20/0.50/0.25, after = clip(before +
    # step, 1, 5). Differences: P(-1) = 0.05*0.85 = 0.0425, P(+2) = 0.25*0.75 = 0.1875,
    # P(+1) = 0.5*0.9 + 0.25*0.15 = 0.4875, P(0) = 0.2825 (mean change 0.82 points).
    before_p = np.array([0.15, 0.30, 0.30, 0.15, 0.10])
    steps, step_p = np.array([-1, 0, 1, 2]), np.array([0.05, 0.20, 0.50, 0.25])
    pmf: dict[int, float] = {}
    for level, p_level in zip(range(1, 6), before_p):
        for step, p_step in zip(steps, step_p):
            change = int(np.clip(level + step, 1, 5)) - level
            pmf[change] = pmf.get(change, 0.0) + p_level * p_step
    assert pmf[-1] == pytest.approx(0.0425) and pmf[2] == pytest.approx(0.1875)
    # population pseudo-median from the model: distribution of the Walsh average (D1+D2)/2
    walsh_pmf: dict[float, float] = {}
    for (d1, p1), (d2, p2) in itertools.product(pmf.items(), repeat=2):
        walsh_pmf[(d1 + d2) / 2] = walsh_pmf.get((d1 + d2) / 2, 0.0) + p1 * p2
    values = np.array(sorted(walsh_pmf))
    cumulative = np.cumsum([walsh_pmf[v] for v in values])
    true_location = values[np.searchsorted(cumulative, 0.5)]
    # P(W < 1) = 0.4384 < 1/2 <= P(W <= 1) = 0.7820: the pseudo-median is exactly 1 point,
    # an atom holding 34% of the Walsh-average distribution
    assert true_location == 1.0
    assert cumulative[values < 1][-1] == pytest.approx(0.4384375)

    def draw(rng, n):
        before = rng.choice(np.arange(1, 6), n, p=before_p)
        return (np.clip(before + rng.choice(steps, n, p=step_p), 1, 5) - before).astype(float)

    observed = coverage(draw, true_location, 18, replications=2000, seed=18)
    # Discrete answers: interval ends fall on the half-point grid and the true location sits
    # on it, so the closed interval covers more often than its nominal 95.2% (about 98-99%
    # in this model): conservative, never below the nominal level.
    assert observed >= 0.952, observed
    assert observed > 0.97, observed  # documents that the 93-97% window is not reachable
    # the mean-change t interval on the same draws, against the model's mean change
    # (sum of d * P(d) = -0.0425 + 0.4875 + 2 * 0.1875 = 0.82), is within the window
    true_mean = sum(change * p for change, p in pmf.items())
    assert true_mean == pytest.approx(0.82)
    rng = np.random.default_rng(18)
    covered = 0
    for _ in range(2000):
        found = mean_change(draw(rng, 18))
        covered += found.ci_low <= true_mean <= found.ci_high  # no interval counts as a miss
    assert 0.93 <= covered / 2000 <= 0.97, covered / 2000


# ---------------------------------------------------------------------------------------
# degenerate and bad input
# ---------------------------------------------------------------------------------------


def test_no_change_at_all_gives_nan_test_and_a_note():
    row = paired_change([3, 4, 2, 5], [3, 4, 2, 5]).iloc[0]
    assert row["n"] == 4 and row["n_zero"] == 4
    for column in ("statistic", "p_value", "effect", "effect_ci_low", "effect_ci_high"):
        assert math.isnan(row[column]), column
    assert row["hl_estimate"] == 0.0
    assert row["share_improved"] == 0.0
    assert "no answer changed" in row["method"]


@pytest.mark.parametrize("pre, post, n", [([], [], 0), ([2], [4], 1), ([None, 3], [4, None], 0)])
def test_fewer_than_two_pairs_never_crashes(pre, post, n):
    row = paired_change(pre, post).iloc[0]
    assert row["n"] == n
    for column in ("statistic", "p_value", "hl_ci_low", "mean_ci_low", "mean_ci_high", "effect",
                   "effect_ci_high"):
        assert math.isnan(row[column]), column
    assert f"only {n} complete pair" in row["method"]


def test_series_are_aligned_by_respondent():
    pre = pd.Series([2, 3, 4], index=["r1", "r2", "r3"])
    post = pd.Series([4, 5, 3, 5], index=["r2", "r1", "r3", "r9"])
    row = paired_change(pre, post).iloc[0]
    # r1: 2 -> 5, r2: 3 -> 4, r3: 4 -> 3, r9 has no pre answer
    assert (row["n"], row["n_missing"], row["n_improved"], row["n_worse"]) == (3, 1, 2, 1)
    # d = 3, 1, -1: ranks 3, 1.5, 1.5 -> T+ = 4.5
    assert row["statistic"] == 4.5


def test_bad_input_names_the_value():
    with pytest.raises(ValueError, match=r"after: value 'Agree' at position 1"):
        paired_change([1, 2, 3], [2, "Agree", 4])
    with pytest.raises(ValueError, match="3 before values and 2 after values"):
        paired_change([1, 2, 3], [2, 3])
    with pytest.raises(ValueError, match="confidence"):
        paired_change([1, 2, 3], [2, 3, 4], confidence=95)


# ---------------------------------------------------------------------------------------
# proportion (Wilson)
# ---------------------------------------------------------------------------------------


def test_wilson_3_of_15():
    # Wilson 95% interval for 3/15: 0.0705 to 0.4519 (brief; e.g. Newcombe 1998 method 3)
    row = proportion(3, 15).iloc[0]
    assert row["estimate"] == 0.2
    assert round(row["ci_low"], 4) == 0.0705
    assert round(row["ci_high"], 4) == 0.4519
    assert row["method"] == "Wilson score"


def test_wilson_edges_and_vectors():
    result = proportion([0, 17, 0], [17, 17, 0])
    z2 = 1.959963984540054**2
    # k = 0: lower 0, upper z²/(n + z²); k = n: upper 1, lower n/(n + z²); n = 0: NaN
    assert result.loc[0, "ci_low"] == 0.0
    assert result.loc[0, "ci_high"] == pytest.approx(z2 / (17 + z2))
    assert result.loc[1, "ci_high"] == 1.0
    assert result.loc[1, "ci_low"] == pytest.approx(17 / (17 + z2))
    assert result.loc[2, ["estimate", "ci_low", "ci_high"]].isna().all()
    with pytest.raises(ValueError, match="k must not exceed n"):
        proportion(5, 4)
    with pytest.raises(ValueError, match="whole numbers"):
        proportion(2.5, 4)


# ---------------------------------------------------------------------------------------
# adjust_p
# ---------------------------------------------------------------------------------------


def test_adjust_p_hand_worked():
    p = [0.01, 0.04, 0.03, 0.005]
    # Holm: sorted 0.005*4 = 0.02, 0.01*3 = 0.03, 0.03*2 = 0.06, 0.04*1 -> max so far 0.06
    holm = adjust_p(p)
    assert holm["p_adjusted"].tolist() == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert (holm["adjustment"] == "Holm (4 tests)").all()
    # Bonferroni: p*4, capped at 1
    assert adjust_p(p, "bonferroni")["p_adjusted"].tolist() == pytest.approx(
        [0.04, 0.16, 0.12, 0.02])
    # BH: p(i)*4/i = 0.02, 0.02, 0.04, 0.04; running minimum from the top
    bh = adjust_p(p, "fdr_bh")
    assert bh["p_adjusted"].tolist() == pytest.approx([0.02, 0.04, 0.04, 0.02])
    assert bh["adjustment"].iloc[0].startswith("Benjamini–Hochberg")


def test_adjust_p_frame_with_missing_p_values():
    frame = pd.DataFrame({"measure": ["a", "b", "c"], "p_value": [0.02, np.nan, 0.5]},
                         index=[10, 11, 12])
    result = adjust_p(frame, method="bonferroni")
    assert frame.columns.tolist() == ["measure", "p_value"]  # input untouched
    assert result.index.tolist() == [10, 11, 12]
    assert result["p_adjusted"].tolist()[0] == pytest.approx(0.04)  # 2 tests, not 3
    assert math.isnan(result["p_adjusted"].tolist()[1])
    assert result["p_adjusted"].tolist()[2] == 1.0
    assert result["adjustment"].iloc[0] == "Bonferroni (2 tests)"
    with pytest.raises(ValueError, match="method must be one of"):
        adjust_p([0.1], method="sidak")
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        adjust_p([1.2])


# ---------------------------------------------------------------------------------------
# compare_proportions (Fisher r×c)
# ---------------------------------------------------------------------------------------


def test_fisher_2x3_hand_worked():
    # margins rows 3, 3 and columns 2, 2, 2 (N = 6): P(table) = 3!3!2!2!2!/(6! Π x!) = 0.4/Π x!.
    # The 7 tables: first row (1,1,1) has P = 0.4; the six with a 2 in the first row have
    # Π x! = 4 and P = 0.1. Observed [[2,0,1],[0,2,1]] has P = 0.1; p = 6 * 0.1 = 0.6.
    result = compare_proportions(pd.DataFrame([[2, 0, 1], [0, 2, 1]], index=["north", "vale"]))
    row = result.iloc[0]
    assert list(result.columns) == COMPARISON_COLUMNS
    assert row["group"] == "north vs vale" and row["n"] == 6 and row["n_groups"] == 2
    assert row["statistic"] == pytest.approx(0.1)
    assert row["p_value"] == pytest.approx(0.6)
    assert row["p_adjusted"] == row["p_value"]
    assert "all 7 tables" in row["method"]


def test_fisher_2x2_tea_tasting():
    # R documentation of fisher.test, "Tea tasting" (Agresti 1990): TeaTasting =
    # [[3, 1], [1, 3]], two-sided p-value = 0.4857. By hand: P(x) = C(4,x)C(4,4-x)/70 =
    # 1, 16, 36, 16, 1 (/70); tables no more probable than x = 3: (1+16+16+1)/70 = 34/70.
    row = compare_proportions([[3, 1], [1, 3]]).iloc[0]
    assert row["p_value"] == pytest.approx(34 / 70)
    assert row["statistic"] == pytest.approx(16 / 70)
    assert row["p_value"] == pytest.approx(sps.fisher_exact([[3, 1], [1, 3]]).pvalue)
    # chi-square = 4 * (1²/2) = 2, Cramér's V = sqrt(2 / 8)
    assert row["effect"] == pytest.approx(0.5)


def test_fisher_3x3_exact_equals_brute_force():
    table = np.array([[3, 0, 2], [1, 4, 0], [0, 1, 3]])
    rows, cols, total = table.sum(1), table.sum(0), table.sum()

    def probability(t):
        numerator = np.prod([math.factorial(v) for v in rows]) * np.prod(
            [math.factorial(v) for v in cols])
        return numerator / math.factorial(total) / np.prod([math.factorial(v) for v in t.ravel()])

    observed = probability(table)
    p_value = 0.0
    for a, b, d, e in itertools.product(range(6), repeat=4):
        c, f = rows[0] - a - b, rows[1] - d - e
        g, h, i = cols[0] - a - d, cols[1] - b - e, cols[2] - c - f
        candidate = np.array([[a, b, c], [d, e, f], [g, h, i]])
        if (candidate < 0).any() or candidate[2].sum() != rows[2]:
            continue
        if probability(candidate) <= observed * (1 + 1e-7):
            p_value += probability(candidate)
    row = compare_proportions(table).iloc[0]
    assert row["p_value"] == pytest.approx(p_value, rel=1e-9)
    assert row["statistic"] == pytest.approx(observed, rel=1e-9)


def test_fisher_monte_carlo_job_satisfaction():
    # R documentation of fisher.test, "Job satisfaction" (Agresti 2002, p. 57): 4×4 table,
    # fisher.test(Job) p-value = 0.7827. Too many tables for enumeration under a small
    # limit, so the seeded Monte Carlo path is used; its standard error with 100,000 draws is
    # sqrt(0.78 * 0.22 / 1e5) = 0.0013.
    job = np.array([[1, 2, 1, 0], [3, 3, 6, 1], [10, 10, 14, 9], [6, 7, 12, 11]]).T
    row = compare_proportions(job, max_tables=10_000).iloc[0]
    assert abs(row["p_value"] - 0.7827) < 4 * 0.0013
    assert "Monte Carlo p from 100,000 random tables" in row["method"]
    again = compare_proportions(job, max_tables=10_000).iloc[0]
    assert again["p_value"] == row["p_value"]


def test_fisher_monte_carlo_draws_in_chunks_are_the_draws_at_once():
    # the tables are drawn a chunk at a time and log factorials looked up: the count of tables at
    # least as extreme must be exactly that of drawing them all at once and computing each
    from scipy import special

    from evalkit.stats import _count_extreme_tables

    job = np.array([[1, 2, 1, 0], [3, 3, 6, 1], [10, 10, 14, 9], [6, 7, 12, 11]]).T
    rows, cols = job.sum(axis=1), job.sum(axis=0)
    threshold = float(special.gammaln(job + 1).sum()) - 1e-7
    draws = sps.random_table(rows, cols).rvs(size=2_000, random_state=np.random.default_rng(11))
    expected = int(np.count_nonzero(special.gammaln(draws + 1).sum(axis=(1, 2)) >= threshold))
    assert 0 < expected < 2_000
    assert _count_extreme_tables(rows, cols, threshold, 2_000, 11, chunk=333) == expected
    assert _count_extreme_tables(rows, cols, threshold, 2_000, 11) == expected


def test_fisher_from_k_and_n_and_empty_groups():
    wants_more = pd.DataFrame({"k": [3, 1, 0], "n": [4, 4, 0]}, index=["north", "vale", "coast"])
    row = compare_proportions(wants_more, measure="find_out_more").iloc[0]
    # table [[3, 1], [1, 3]] once the empty coast group is dropped: the tea-tasting table
    assert row["measure"] == "find_out_more"
    assert row["group"] == "north vs vale"
    assert row["p_value"] == pytest.approx(34 / 70)
    assert "groups without answers dropped: coast" in row["method"]
    everyone = compare_proportions(pd.DataFrame({"k": [4, 5], "n": [4, 5]})).iloc[0]
    assert math.isnan(everyone["p_value"]) and "no test" in everyone["method"]
    with pytest.raises(ValueError, match="whole numbers"):
        compare_proportions([[1, -2], [3, 4]])


# ---------------------------------------------------------------------------------------
# compare_scores (permutation Kruskal–Wallis)
# ---------------------------------------------------------------------------------------


def test_kruskal_wallis_three_groups_hand_worked():
    # ranks 1-2 | 3-4 | 5-6: rank sums 3, 7, 11; H = 12/42 * (9 + 49 + 121)/2 - 21 = 4.5714.
    # Of the 6!/(2!2!2!) = 90 assignments only the 3! orderings of these pairs reach
    # Σ R² = 179 (the next best is 173), so p = 6/90.
    result = compare_scores({"a": [1, 2], "b": [3, 4], "c": [5, 6]}, measure="skill")
    row = result.iloc[0]
    assert list(result.columns) == COMPARISON_COLUMNS
    assert row["statistic"] == pytest.approx(12 / 42 * 179 / 2 - 21)
    assert row["p_value"] == pytest.approx(6 / 90)
    assert row["effect"] == pytest.approx(row["statistic"] / 5)
    assert "exact permutation p over all 90 assignments" in row["method"]


def test_kruskal_wallis_two_groups_hand_worked():
    # ranks 1,2,3 vs 4..7: rank sum 6, mean 12; |R - 12| >= 6 only for {1,2,3} and {5,6,7}
    # among C(7,3) = 35 subsets: p = 2/35
    row = compare_scores({"a": [1.0, 2.0, 3.0], "b": [4.0, 5.0, 6.0, 7.0]}).iloc[0]
    assert row["p_value"] == pytest.approx(2 / 35)
    assert row["p_value"] == pytest.approx(
        sps.mannwhitneyu([1, 2, 3], [4, 5, 6, 7], method="exact").pvalue)
    assert "35 assignments" in row["method"]


def brute_kruskal_p(groups: list[list[float]]) -> float:
    pooled = np.concatenate(groups)
    ranks = brute_mid_ranks(pooled)
    sizes = [len(g) for g in groups]

    def score(assignment_ranks):
        total, start = 0.0, 0
        for size in sizes:
            total += assignment_ranks[start:start + size].sum() ** 2 / size
            start += size
        return total

    observed = score(ranks)
    hits = count = 0
    for permutation in itertools.permutations(range(pooled.size)):
        count += 1
        hits += score(ranks[list(permutation)]) >= observed - 1e-9
    return hits / count


def test_kruskal_wallis_exact_with_ties_equals_brute_force():
    groups = {"north": [2, 3, 3], "coast": [4, 3, 5], "vale": [2, 4]}
    row = compare_scores(groups).iloc[0]
    # all 8! orderings of the pooled scores, each equally likely
    assert row["p_value"] == pytest.approx(brute_kruskal_p(list(groups.values())), rel=1e-12)
    assert row["statistic"] == pytest.approx(sps.kruskal(*groups.values()).statistic)
    two = {"north": [2, 3, 3], "coast": [4, 3, 5, 2]}
    assert compare_scores(two).iloc[0]["p_value"] == pytest.approx(
        brute_kruskal_p(list(two.values())), rel=1e-12)


def test_kruskal_wallis_monte_carlo_is_seeded_and_close_to_exact():
    groups = {"north": [2, 3, 3, 1, 2], "coast": [4, 3, 5, 4], "vale": [2, 4, 3, 3]}
    exact = compare_scores(groups).iloc[0]["p_value"]
    sampled = compare_scores(groups, max_exact=10, n_resamples=20_000).iloc[0]
    # standard error sqrt(0.03 * 0.97 / 20000) = 0.0012
    assert abs(sampled["p_value"] - exact) < 4 * 0.0012
    assert "Monte Carlo permutation p from 20,000 random permutations" in sampled["method"]
    repeat = compare_scores(groups, max_exact=10, n_resamples=20_000).iloc[0]
    assert repeat["p_value"] == sampled["p_value"]


def test_kruskal_wallis_long_frame_missing_and_degenerate():
    long = pd.DataFrame({
        "pilot": ["north", "north", "vale", "vale", None, "vale", "coast"],
        "score": [1.0, 2.0, 3.0, None, 4.0, 4.0, None],
    })
    row = compare_scores(long, by="pilot", value="score").iloc[0]
    # coast has no score left; one score without a pilot and two missing scores
    assert row["group"] == "north vs vale"
    assert row["n"] == 4 and row["n_missing"] == 3
    assert "groups without scores dropped: coast" in row["method"]
    # ranks 1,2 | 3,4: |3 - 5| = 2 is the extreme; 2 of C(4,2) = 6 subsets -> p = 1/3
    assert row["p_value"] == pytest.approx(1 / 3)
    same = compare_scores({"a": [3, 3], "b": [3, 3, 3]}).iloc[0]
    assert math.isnan(same["p_value"]) and "every score is the same" in same["method"]
    single = compare_scores({"a": [1, 2]}).iloc[0]
    assert math.isnan(single["p_value"]) and "fewer than two groups" in single["method"]


def test_comparisons_stack_and_adjust():
    results = pd.concat(
        [
            compare_scores({"a": [1, 2], "b": [3, 4], "c": [5, 6]}, measure="skill"),
            compare_proportions([[3, 1], [1, 3]], measure="find_out_more"),
        ],
        ignore_index=True,
    )
    adjusted = adjust_p(results)
    # Holm over 2: sorted 6/90 * 2 = 0.1333, then max(0.1333, 34/70) = 0.4857
    assert adjusted["p_adjusted"].tolist() == pytest.approx([12 / 90, 34 / 70])
    assert (adjusted["adjustment"] == "Holm (2 tests)").all()
    assert adjusted["measure"].tolist() == ["skill", "find_out_more"]
