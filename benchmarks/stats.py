"""Benchmark of evalkit.stats.paired_change against scipy's exhaustive permutation test.

Run: ``python benchmarks/stats.py`` (``--scipy-n 16`` for a quicker comparison; scipy's
exhaustive enumeration of 2^n sign vectors takes one to several minutes at n = 20).

Prints one table: for each case the p-value from evalkit and, where scipy runs, from
``scipy.stats.wilcoxon(after, before, method=scipy.stats.PermutationMethod(n_resamples=np.inf))``
(exhaustive permutation over all 2^n sign assignments, Wilcoxon's zero handling), the times
and the ratio scipy / evalkit. The two p-values must be equal; the script exits with status
1 if they are not.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
import scipy
import scipy.stats as sps

from evalkit.stats import _difference_keys, _signed_rank_test, paired_change


def likert_pairs(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Paired 1-5 answers with many ties and some zero differences."""
    rng = np.random.default_rng(seed)
    before = rng.choice(np.arange(1, 6), n, p=[0.15, 0.30, 0.30, 0.15, 0.10])
    step = rng.choice([-1, 0, 1, 2], n, p=[0.10, 0.25, 0.45, 0.20])
    return before.astype(float), np.clip(before + step, 1, 5).astype(float)


def best_time(function, repeats: int) -> tuple[float, object]:
    """Smallest wall time over ``repeats`` calls (seconds) and the last result."""
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def scipy_comparison(n: int = 20, repeats: int = 20) -> dict:
    """evalkit's exact p-value and scipy's exhaustive permutation p-value for ``n`` tied
    Likert pairs, with both times (seconds) and the speed-up (scipy / evalkit)."""
    before, after = likert_pairs(n, seed=n)
    ours_s, ours = best_time(lambda: paired_change(before, after), repeats)
    scipy_s, reference = best_time(
        lambda: sps.wilcoxon(after, before, method=sps.PermutationMethod(n_resamples=np.inf)), 1)
    return {"n": n, "p_evalkit": float(ours["p_value"].iloc[0]), "p_scipy": float(reference.pvalue),
            "evalkit_seconds": ours_s, "scipy_seconds": scipy_s, "exact_test_speedup": scipy_s / ours_s}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scipy-n", type=int, default=20,
                        help="pairs in the case compared with scipy (default 20)")
    parser.add_argument("--repeats", type=int, default=20,
                        help="calls of paired_change per case; the best time is kept")
    args = parser.parse_args(argv)

    print(f"numpy {np.__version__}, scipy {scipy.__version__}")
    header = (f"{'case':<28}{'zeros':>6}{'evalkit p':>16}{'scipy p':>16}"
              f"{'p only ms':>11}{'row ms':>9}{'scipy ms':>11}{'ratio':>9}")
    print(header)
    print("-" * len(header))
    failures = 0
    cases = [(args.scipy_n, True), (25, False), (200, False)]
    for n, with_scipy in cases:
        before, after = likert_pairs(n, seed=n)
        zeros = int((after == before).sum())
        ours_s, ours = best_time(lambda: paired_change(before, after), args.repeats)
        p_ours = float(ours["p_value"].iloc[0])
        keys = _difference_keys(after - before, float(max(after.max(), before.max())))
        p_only_s, _ = best_time(lambda: _signed_rank_test(keys), args.repeats)
        p_text, scipy_text, ratio_text = "-", "-", "-"
        if with_scipy:
            method = sps.PermutationMethod(n_resamples=np.inf)
            scipy_s, reference = best_time(
                lambda: sps.wilcoxon(after, before, method=method), 1)
            p_scipy = float(reference.pvalue)
            p_text = f"{p_scipy:.10g}"
            scipy_text = f"{scipy_s * 1000:.1f}"
            ratio_text = f"{scipy_s / ours_s:.0f}x"
            if not np.isclose(p_ours, p_scipy, rtol=1e-12, atol=0):
                failures += 1
                p_text += " !"
        print(f"{'paired_change n=' + str(n) + (' vs scipy' if with_scipy else ''):<28}"
              f"{zeros:>6}{p_ours:>16.10g}{p_text:>16}{p_only_s * 1000:>11.3f}"
              f"{ours_s * 1000:>9.2f}{scipy_text:>11}{ratio_text:>9}")
    print("'p only': evalkit's exact signed-rank p-value; 'row': the whole paired_change row\n"
          "(exact p, Hodges–Lehmann interval, 4000-resample bootstrap, Wilson); 'scipy': its\n"
          "exhaustive permutation p-value; ratio = scipy / row.")
    if failures:
        print("p-values differ from scipy's exhaustive permutation test", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
