"""Coverage of the 95% intervals of a learning change, on the sample generator's own model.

Run: ``python benchmarks/coverage.py`` (about a minute; ``--replications 4000`` for a quick
look, ``--sizes 12 15`` for some cohort sizes only).

For every cohort size, confidence item (its latent offset) and comparison (pre → post,
then → post, and the response shift pre → then), draws ``--replications`` cohorts with the
generator's own code (``tests/analysis/sample_model.py``: the generator's skill draw and
``evalkit.sample.surveys.latent_confidence``) and prints how often each interval covers:

* ``mean t`` — the headline: :func:`evalkit.stats.mean_change`, the Student t interval of
  the mean change, against the true mean change of the answers (worked out exactly from the
  generator's constants); a cohort whose changes have no spread gets no interval and counts
  as a miss (``no CI`` is how often that happened);
* ``HL vs mean`` — the exact Hodges–Lehmann interval (:func:`evalkit.stats.hodges_lehmann`)
  against the same true mean change;
* ``HL vs own`` — the Hodges–Lehmann interval against its own target, the pseudo-median of the
  answers' differences (the median of ``(D1 + D2) / 2``), from the exact distribution of the
  differences under the model (numerical integration over the pre latent score).

The intervals are computed for all cohorts at once with numpy, and checked to be exactly the
library's (``mean_change``, ``hodges_lehmann``) on the first 200 cohorts of every case. The
standard error of a coverage near 95% is ``sqrt(0.95 · 0.05 / replications)``: 0.0015 at the
default 20,000. The script exits with status 1 if a cross-check fails.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from scipy import special

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "analysis"))

from sample_model import (  # noqa: E402  (the model helper lives with the tests that use it)
    CONFIDENCE_OFFSETS,
    differences,
    draw_answers,
    expected_change,
)

from evalkit.sample.surveys import EFFECTS  # noqa: E402
from evalkit.sample.world import _SKILL_SHARES, SKILLS  # noqa: E402
from evalkit.stats import _untied_cdf, hodges_lehmann, mean_change  # noqa: E402

COMPARISONS = (("pre", "post"), ("then", "post"), ("pre", "then"))
CHECKED = 200  # cohorts per case compared with the library's own functions


# ----------------------------------------------------------------------------- the intervals

def mean_intervals(d: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Student t intervals of the mean of every row (NaN where a row has no spread)."""
    n = d.shape[1]
    mean = d.mean(axis=1)
    half = special.stdtrit(n - 1, 1 - (1 - confidence) / 2) * d.std(axis=1, ddof=1) / np.sqrt(n)
    spread = d.max(axis=1) > d.min(axis=1)
    return np.where(spread, mean - half, np.nan), np.where(spread, mean + half, np.nan)


def hodges_lehmann_intervals(d: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact Tukey intervals of every row: order statistics k and M + 1 − k of the Walsh
    averages, k from the exact signed-rank distribution (as ``evalkit.stats``)."""
    n = d.shape[1]
    i, j = np.triu_indices(n)
    walsh = np.sort((d[:, i] + d[:, j]) / 2.0, axis=1)
    k = max(1, int(np.searchsorted(_untied_cdf(n), (1 - confidence) / 2, side="right")))
    return walsh[:, k - 1], walsh[:, walsh.shape[1] - k]


def check_against_library(d: np.ndarray, mean_ci, hl_ci, confidence: float) -> None:
    for row in range(min(CHECKED, d.shape[0])):
        found = mean_change(d[row], confidence)
        for ours, theirs in ((mean_ci[0][row], found.ci_low), (mean_ci[1][row], found.ci_high)):
            if not (np.isnan(ours) and np.isnan(theirs)) and abs(ours - theirs) > 1e-12:
                raise AssertionError(f"mean interval differs from mean_change: {ours} vs {theirs}")
        hl = hodges_lehmann(d[row], confidence).iloc[0]
        if (hl_ci[0][row], hl_ci[1][row]) != (hl["ci_low"], hl["ci_high"]):
            raise AssertionError("Hodges–Lehmann interval differs from hodges_lehmann")


# ----------------------------------------------------------------------------- the exact targets

def difference_pmf(offset: float, before: str, after: str) -> dict[int, float]:
    """P(after answer − before answer = d) under the model, over the skill mixture.

    Given the pre latent score ``X`` the two answers are independent (each later wave adds its
    own noise to ``X``), so ``P(D = d) = E_X[Σ_i P(before = i | X) P(after = i + d | X)]``.
    The expectation is integrated by Gauss–Legendre quadrature over ``X`` within ±10 standard
    deviations, piece by piece between the cut points 1.5 … 4.5 (where the pre answer jumps).
    """
    pre_sd = EFFECTS["item_noise_sd"]
    extra = {"post": (EFFECTS["confidence_shift"], EFFECTS["confidence_noise_sd"]),
             "then": (-EFFECTS["response_shift"], EFFECTS["then_noise_sd"])}
    cuts = np.array([-np.inf, 1.5, 2.5, 3.5, 4.5, np.inf])
    nodes, node_weights = np.polynomial.legendre.leggauss(64)
    pmf: dict[int, float] = {}
    for score, share in zip(SKILLS.values(), _SKILL_SHARES):
        centre = score + offset
        edges = np.clip(cuts, centre - 10 * pre_sd, centre + 10 * pre_sd)
        pieces = [(a, b) for a, b in zip(edges[:-1], edges[1:]) if b > a]
        x = np.concatenate([(a + b) / 2 + (b - a) / 2 * nodes for a, b in pieces])
        weight = np.concatenate([(b - a) / 2 * node_weights for a, b in pieces])
        weight = weight * np.exp(-0.5 * ((x - centre) / pre_sd) ** 2) / (pre_sd * np.sqrt(2 * np.pi))

        def answer_probabilities(wave):
            if wave == "pre":  # the pre answer is X rounded: constant on each piece
                return ((x[:, None] >= cuts[:-1]) & (x[:, None] < cuts[1:])).astype(float)
            shift, sd = extra[wave]
            return np.diff(special.ndtr((cuts[None, :] - (x[:, None] + shift)) / sd), axis=1)

        first, second = answer_probabilities(before), answer_probabilities(after)
        for i in range(5):
            for j in range(5):
                pmf[j - i] = pmf.get(j - i, 0.0) + share * float((weight * first[:, i] * second[:, j]).sum())
    return pmf


def pseudo_median(pmf: dict[int, float]) -> float:
    """The median of the Walsh average (D1 + D2) / 2 of two independent differences."""
    walsh: dict[float, float] = {}
    for d1, p1 in pmf.items():
        for d2, p2 in pmf.items():
            walsh[(d1 + d2) / 2] = walsh.get((d1 + d2) / 2, 0.0) + p1 * p2
    values = np.array(sorted(walsh))
    return float(values[np.searchsorted(np.cumsum([walsh[v] for v in values]), 0.5)])


# ----------------------------------------------------------------------------- the table

def coverage_table(sizes, replications: int, seed: int, confidence: float) -> list[dict]:
    rows = []
    for n in sizes:
        answers = draw_answers(np.random.default_rng([seed, n]), replications, n)
        for before, after in COMPARISONS:
            for item_id, offset in CONFIDENCE_OFFSETS.items():
                d = differences(answers, item_id, before, after)
                truth = expected_change(offset, before, after)
                pmf = difference_pmf(offset, before, after)
                if abs(sum(change * p for change, p in pmf.items()) - truth) > 1e-6:
                    raise AssertionError("the difference distribution does not give the exact mean change")
                target = pseudo_median(pmf)
                mean_ci = mean_intervals(d, confidence)
                hl_ci = hodges_lehmann_intervals(d, confidence)
                check_against_library(d, mean_ci, hl_ci, confidence)
                rows.append({
                    "comparison": f"{before}→{after}", "item": item_id, "offset": offset, "n": n,
                    "true_mean": truth, "pseudo_median": target,
                    "mean_t": float(np.mean((mean_ci[0] <= truth) & (truth <= mean_ci[1]))),
                    "no_interval": float(np.mean(np.isnan(mean_ci[0]))),
                    "hl_vs_mean": float(np.mean((hl_ci[0] <= truth) & (truth <= hl_ci[1]))),
                    "hl_vs_own": float(np.mean((hl_ci[0] <= target) & (target <= hl_ci[1]))),
                })
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=20_000, help="cohorts per case (default 20,000)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[5, 8, 10, 12, 15, 20, 25, 30],
                        help="cohort sizes (members who answered both surveys)")
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--confidence", type=float, default=0.95)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        rows = coverage_table(args.sizes, args.replications, args.seed, args.confidence)
    except AssertionError as error:
        print(f"cross-check failed: {error}", file=sys.stderr)
        return 1
    se = np.sqrt(args.confidence * (1 - args.confidence) / args.replications)
    print(f"Coverage of {args.confidence:.0%} intervals of a learning change, {args.replications:,} cohorts "
          f"per row (standard error {se:.4f} near {args.confidence:.0%}); seed {args.seed}\n")
    header = (f"{'comparison':<11}{'item (offset)':<22}{'n':>4}{'true mean':>11}{'mean t':>9}{'no CI':>8}"
              f"{'HL vs mean':>12}{'pseudo-med':>12}{'HL vs own':>11}")
    print(header)
    print("-" * len(header))
    previous = None
    for row in rows:
        case = (row["comparison"], row["item"])
        if previous is not None and case[0] != previous[0]:
            print()
        previous = case
        item = f"{row['item']} ({row['offset']:+.2f})"
        print(f"{row['comparison']:<11}{item:<22}{row['n']:>4}{row['true_mean']:>11.4f}"
              f"{100 * row['mean_t']:>8.1f}%{100 * row['no_interval']:>7.1f}%{100 * row['hl_vs_mean']:>11.1f}%"
              f"{row['pseudo_median']:>12.1f}{100 * row['hl_vs_own']:>10.1f}%")
    def spread(chosen, key):
        return f"{100 * min(r[key] for r in chosen):.1f}–{100 * max(r[key] for r in chosen):.1f}%"

    for comparison in dict.fromkeys(r["comparison"] for r in rows):
        chosen = [r for r in rows if r["comparison"] == comparison and r["n"] >= 12]
        if chosen:
            print(f"\n{comparison}, n ≥ 12: mean t {spread(chosen, 'mean_t')}, HL vs mean "
                  f"{spread(chosen, 'hl_vs_mean')}, HL vs own {spread(chosen, 'hl_vs_own')}", end="")
    print(f"\n\n{time.perf_counter() - started:.0f} s; every interval cross-checked against evalkit.stats on the "
          f"first {CHECKED} cohorts of each row")
    return 0


if __name__ == "__main__":
    sys.exit(main())
