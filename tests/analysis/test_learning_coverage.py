"""Acceptance: the 95% interval of a learning change covers the true effect 93–97% of the time.

The headline of a learning change (``pre_post``'s ``estimate, ci_low, ci_high``) is the mean
change of the answers with its Student t interval (:func:`evalkit.stats.mean_change`). Here
cohorts are drawn with the sample generator's own code (``sample_model.draw_answers``: the
generator's skill draw and ``latent_confidence``), and the true effect — the population mean
change of the 1–5 answers — is worked out exactly from the generator's constants
(``sample_model.expected_change``: normal CDFs over the skill mixture).

4,000 cohorts per case: the standard error of a coverage near 95% is
``sqrt(0.95 · 0.05 / 4000) = 0.0034``, so the 93–97% window is about six standard errors wide
(three either side of 95%). A cohort whose changes have no spread at all gets no interval; it
counts as a miss. ``benchmarks/coverage.py`` runs more cohorts, more sizes and the response
shift, and sets the Hodges–Lehmann interval beside it.
"""

import numpy as np
import pytest

from evalkit.stats import mean_change
from sample_model import CONFIDENCE_OFFSETS, differences, draw_answers, expected_answer, expected_change

REPLICATIONS = 4000

#: two items far apart in offset: "using social media in the role" (0) and "handling debates
#: online" (−0.45)
ITEMS = ("conf_role", "conf_debate")


def test_the_true_effect_is_exact():
    # a latent mean on the cut point 2.5: P(X >= 1.5) + P(X >= 3.5) = 1 by symmetry, P(X >= 2.5)
    # = 1/2 and P(X >= 4.5) = 4e-6, so the mean answer is 2.5
    assert expected_answer(2.5, 0.45) == pytest.approx(2.5, abs=1e-5)
    # far inside the scale the answer's mean is the latent mean (no clipping bites)
    assert expected_answer(3.0, 0.45) == pytest.approx(3.0, abs=1e-3)
    role = expected_change(CONFIDENCE_OFFSETS["conf_role"])
    debate = expected_change(CONFIDENCE_OFFSETS["conf_debate"])
    # less than the latent shift of 1 point: the ceiling at 5 holds fluent members back
    assert 0.9 < role < debate < 1.0
    assert CONFIDENCE_OFFSETS["conf_role"] == 0.0 and CONFIDENCE_OFFSETS["conf_debate"] == -0.45


def test_the_exact_truth_agrees_with_the_generator():
    # 200,000 members drawn by the generator: their mean change is within 4 standard errors
    # of the exact value, for every item and comparison
    answers = draw_answers(np.random.default_rng(2010), 1, 200_000)
    for item_id, offset in CONFIDENCE_OFFSETS.items():
        for before, after in (("pre", "post"), ("then", "post"), ("pre", "then")):
            changes = differences(answers, item_id, before, after)[0]
            standard_error = changes.std() / np.sqrt(changes.size)
            truth = expected_change(offset, before, after)
            assert abs(changes.mean() - truth) < 4 * standard_error, (item_id, before, after)


@pytest.mark.parametrize("n", [12, 15, 20, 25])
def test_mean_change_interval_covers_the_true_effect_93_to_97_percent(n):
    answers = draw_answers(np.random.default_rng(n), REPLICATIONS, n)
    found = {}
    for item_id in ITEMS:
        for before, after in (("pre", "post"), ("then", "post")):
            truth = expected_change(CONFIDENCE_OFFSETS[item_id], before, after)
            covered = 0
            for cohort in differences(answers, item_id, before, after):  # the cheap function per cohort
                interval = mean_change(cohort)
                covered += interval.ci_low <= truth <= interval.ci_high  # no interval: a miss
            found[(item_id, f"{before}→{after}")] = covered / REPLICATIONS
    outside = {case: share for case, share in found.items() if not 0.93 <= share <= 0.97}
    assert not outside, (n, found)
