"""The sample generator's model of confidence answers, worked out exactly, and draws from it.

A helper (not a test module) for ``test_learning_coverage.py``, ``test_sample_truth.py`` and
``benchmarks/coverage.py``. Nothing here restates the model: the constants and the drawing
code are the generator's own (:mod:`evalkit.sample.surveys`, :mod:`evalkit.sample.world`).

The model (``evalkit.sample.surveys.latent_confidence``): a cohort member's baseline skill
score ``s`` (``SKILLS``, drawn with the shares ``_SKILL_SHARES``), an item offset ``o``
(``ITEMS[item].offset``), and

* pre latent ``X = s + o + N(0, item_noise_sd)``,
* post latent ``X + confidence_shift + N(0, confidence_noise_sd)``,
* "then" (look-back) latent ``X − response_shift + N(0, then_noise_sd)``,

each answered as ``clip(floor(latent + 0.5), 1, 5)``. Given ``s`` each latent score is normal,
so the expected answer is exact: for ``X ~ N(μ, σ)``,
``E[clip(floor(X + 0.5), 1, 5)] = 1 + Σ_{k=1..4} P(X ≥ k + 0.5)`` (the answer is 1 plus the
number of cut points ``1.5, 2.5, 3.5, 4.5`` that ``X`` reaches). The expected change of the
answers between two waves is the difference of the expected answers (the mean is linear,
whatever the correlation between the waves).

**The true learning effect** of a comparison is this expected change of the *answers* (not of
the latent scores: rounding and the ceiling at 5 make it smaller than ``confidence_shift``):
over the skill mixture for the coverage test, or averaged over the members who answered both
surveys, given their baseline skills, for a pilot of the bundled sample.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
from scipy import special

from evalkit.sample.surveys import EFFECTS, ITEMS, latent_confidence
from evalkit.sample.world import _SKILL_SHARES, SKILLS, _skills

#: the confidence items of the sample and their latent offsets
CONFIDENCE_OFFSETS = {item_id: spec.offset for item_id, spec in ITEMS.items() if spec.scale == "confidence"}

#: the answer scale: 1 to 5, cut at the half points
_CUTS = np.arange(1, 5) + 0.5


def latent_shift_and_sd(wave: str) -> tuple[float, float]:
    """How far a wave's latent score sits from ``s + o`` and its standard deviation given ``s``."""
    pre_sd = EFFECTS["item_noise_sd"]
    if wave == "pre":
        return 0.0, pre_sd
    if wave == "post":
        return EFFECTS["confidence_shift"], float(np.hypot(pre_sd, EFFECTS["confidence_noise_sd"]))
    if wave == "then":
        return -EFFECTS["response_shift"], float(np.hypot(pre_sd, EFFECTS["then_noise_sd"]))
    raise ValueError(f"unknown wave {wave!r}")


def expected_answer(mean, sd: float) -> np.ndarray:
    """``E[clip(floor(X + 0.5), 1, 5)]`` for ``X ~ N(mean, sd)``: ``1 + Σ P(X ≥ k + 0.5)``."""
    mean = np.asarray(mean, dtype=float)
    return 1.0 + special.ndtr((mean[..., None] - _CUTS) / sd).sum(axis=-1)


def expected_change(offset: float, before: str = "pre", after: str = "post", skills=None) -> float:
    """The true mean change of the answers ``after − before`` for an item with ``offset``.

    ``skills`` None: over the generator's skill mixture (``SKILLS`` with ``_SKILL_SHARES``);
    else the baseline skill names of the people concerned (their mean is returned).
    """
    if skills is None:
        scores = np.array(list(SKILLS.values()))
        weights = np.asarray(_SKILL_SHARES, dtype=float)
    else:
        scores = pd.Series(list(skills)).map(SKILLS).to_numpy(float)
        weights = np.full(scores.size, 1.0 / scores.size)
    answers = {}
    for wave in (before, after):
        shift, sd = latent_shift_and_sd(wave)
        answers[wave] = expected_answer(scores + offset + shift, sd)
    return float((weights * (answers[after] - answers[before])).sum())


def draw_answers(rng: np.random.Generator, replications: int, n: int) -> pd.DataFrame:
    """``replications`` cohorts of ``n`` members, their answers drawn by the generator's own
    code: skills by ``evalkit.sample.world._skills``, answers by ``latent_confidence``.

    Returns ``latent_confidence``'s frame (one row per member × confidence item, answers in
    ``pre``, ``post``, ``then``) with ``replication`` (0 … replications − 1).
    """
    size = replications * n
    people = pd.DataFrame({"person_key": np.arange(size), "in_cohort": True})
    people["skill_score"] = pd.Series(_skills(rng, size)).map(SKILLS).to_numpy(float)
    answers = latent_confidence(SimpleNamespace(people=people), rng)
    answers["replication"] = answers["person_key"].to_numpy() // n
    return answers


def differences(answers: pd.DataFrame, item_id: str, before: str, after: str) -> np.ndarray:
    """``after − before`` answers of one item from :func:`draw_answers`, one row per cohort."""
    part = answers[answers["item_id"] == item_id].sort_values("person_key")
    replications = int(part["replication"].max()) + 1
    return (part[after] - part[before]).to_numpy(float).reshape(replications, -1)
