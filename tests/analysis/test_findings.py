"""Findings: the wording rules, each with a test.

1. always give n;  2. "rose"/"fell" only when the interval excludes zero, otherwise "changed
little; the data are consistent with no change";  3. no causal claims ("alongside", never
"because of");  4. surveys speak of "those who answered";  5. never name a person;
plus the disclosure threshold and the ``supported`` flag.
"""

import re

import numpy as np
import pandas as pd
import pytest

from evalkit.analysis import (
    behaviour_summary,
    example_tables,
    learning_summary,
    parallel_trends,
    participation_summary,
    period_values,
    reaction_summary,
)
from evalkit.analysis.findings import FINDING_COLUMNS, findings

CAUSAL = re.compile(r"\b(because|caus\w*|due to|led to|leads? to|result(ed|s)? (of|from|in)|thanks to|"
                    r"impact\w*|effect of the programme|made (them|members))\b", re.IGNORECASE)


def change_row(estimate, low, high, *, n=15, improved=12, worse=0, measure="change pre to post",
               item="confidence_social_media"):
    """A learning result row, as pre_post gives it: the mean change with its t interval, the
    Hodges-Lehmann columns alongside."""
    return {"level": "learning", "measure": measure, "pilot_id": "north", "group": "answered both",
            "n": n, "estimate": estimate, "ci_low": low, "ci_high": high, "p_value": 0.01,
            "method": "mean change with Student t interval; Wilcoxon", "item_id": item, "scale": "confidence",
            "comparison": "pre→post", "n_improved": improved, "n_worse": worse, "n_zero": n - improved - worse,
            "median_before": 2.0, "median_after": 4.0, "ci_level": 0.95,
            "hl_estimate": estimate, "hl_ci_low": low, "hl_ci_high": high, "hl_ci_level": 0.95,
            "confidence": 0.95}


def behaviour_row(estimate, low, high, *, n=12, measure="posts a week", group="cohort", **extra):
    row = {"level": "behaviour", "measure": measure, "pilot_id": "north", "group": group, "n": n,
           "estimate": estimate, "ci_low": low, "ci_high": high, "p_value": np.nan, "method": "m",
           "platform": "x", "comparison": "before→after", "median_before": 1.0, "median_after": 2.5}
    row.update(extra)
    return row


@pytest.fixture(scope="module")
def tables():
    return example_tables()


@pytest.fixture(scope="module")
def every_sentence(tables):
    t = tables
    results = [
        participation_summary(t["sessions"], t["attendance"], t["participants"], session_minutes=60),
        reaction_summary(t["responses"]),
        learning_summary(t["responses"]),
        behaviour_summary(t["metrics"], t["posts"], t["sessions"], t["participants"], t["attendance"]),
        parallel_trends(t["metrics"], t["posts"], t["sessions"], t["participants"]),
        pd.DataFrame([change_row(1.5, 1.0, 2.0), change_row(0.5, -0.5, 1.5), change_row(-1.0, -2.0, -0.5)]),
        pd.DataFrame([behaviour_row(1.0, 0.2, 2.0), behaviour_row(0.3, -0.4, 1.0),
                      behaviour_row(0.6, 0.1, 1.1, group="cohort minus comparison", n_cohort=12,
                                    n_comparison=8),
                      behaviour_row(0.4, 0.1, 0.9, group="slope per session attended")]),
    ]
    # a low threshold so that most rows of the small example make sentences
    return findings(*results, threshold=2)


def test_columns_and_types(every_sentence):
    assert list(every_sentence.columns) == FINDING_COLUMNS
    assert every_sentence["supported"].dtype == bool
    assert len(every_sentence) > 40
    assert set(every_sentence["level"]) == {"participation", "reaction", "learning", "behaviour"}


def test_the_brief_example():
    found = findings(pd.DataFrame([change_row(0.9, 0.6, 1.2)]),
                     labels={"confidence_social_media": "confidence in using social media"})
    assert found["sentence"].iloc[0] == (
        "Of those who answered both surveys, confidence in using social media rose alongside the "
        "programme for 12 of 15 members (median 2 → 4 on a 5-point scale; on average up 0.9 points, "
        "95% CI 0.6 to 1.2).")
    assert found["supported"].iloc[0]


def test_mean_change_wording_falls_shifts_and_no_change():
    fell = findings(pd.DataFrame([change_row(-0.4, -0.7, -0.1, improved=1, worse=9)]))["sentence"].iloc[0]
    assert "fell alongside the programme for 9 of 15 members" in fell
    assert "on average down 0.4 points, 95% CI −0.7 to −0.1" in fell
    little = findings(pd.DataFrame([change_row(1.0, -0.2, 2.2)]))["sentence"].iloc[0]
    assert "changed little" in little and "on average up 1 point, 95% CI −0.2 to 2.2" in little
    shift = findings(pd.DataFrame([change_row(-0.3, -0.6, -0.1, measure="response shift")]))
    assert "rated their starting confidence social media lower" in shift["sentence"].iloc[0]
    assert "on average 0.3 points lower, 95% CI −0.6 to −0.1" in shift["sentence"].iloc[0]
    assert shift["supported"].iloc[0]


def test_no_spread_gives_no_interval_and_no_claim():
    # everybody rose by exactly one point: no interval can be built, so no change is claimed
    row = change_row(1.0, np.nan, np.nan, improved=15)
    row["ci_level"] = np.nan
    found = findings(pd.DataFrame([row, {**row, "measure": "response shift", "estimate": -1.0}]))
    first, shift = found["sentence"]
    assert first == ("Of those who answered both surveys (15 members), everyone's confidence social media "
                     "changed by exactly the same amount (median 2 → 4 on a 5-point scale; each up 1 point); "
                     "with no spread, no interval can be given.")
    assert "each 1 point lower" in shift and "no interval can be given" in shift
    assert not found["supported"].any()
    assert not found["sentence"].str.contains(r"\b(?:rose|fell)\b").any()
    # one pair: nothing to judge
    alone = findings(pd.DataFrame([{**row, "n": 1, "n_improved": 1, "n_zero": 0}]), threshold=1)
    assert "cannot be judged: only 1 members answered both" in alone["sentence"].iloc[0]


def test_rule_1_always_give_n(every_sentence):
    for row in every_sentence.itertuples():
        numbers = [int(x) for x in re.findall(r"\b\d+\b", row.sentence)]
        # n itself, or the sizes of the two groups compared (which add up to n)
        shown = (row.n in numbers or "fewer than" in row.sentence
                 or any(a + b == row.n for a in numbers for b in numbers))
        assert shown, row.sentence


def test_rule_2_no_change_claimed_without_support():
    rows = [change_row(1.5, 1.0, 2.0), change_row(0.5, -0.5, 1.5), change_row(-1.0, -2.0, -0.5, improved=1, worse=11),
            change_row(0.5, 0.0, 1.0)]  # an interval that touches zero does not exclude it
    found = findings(pd.DataFrame(rows))
    rose, little, fell, touching = found["sentence"]
    assert " rose " in rose and found["supported"].iloc[0]
    for sentence, supported in ((little, found["supported"].iloc[1]), (touching, found["supported"].iloc[3])):
        assert "changed little; the data are consistent with no change" in sentence
        assert " rose " not in sentence and " fell " not in sentence and not supported
    assert " fell " in fell and "for 11 of 15" in fell
    behaviour = findings(pd.DataFrame([behaviour_row(1.0, 0.2, 2.0), behaviour_row(0.3, -0.4, 1.0),
                                       behaviour_row(-0.5, -0.9, -0.1)]))
    assert " rose " in behaviour["sentence"].iloc[0]
    assert "consistent with no change" in behaviour["sentence"].iloc[1] and " rose " not in behaviour["sentence"].iloc[1]
    assert " fell " in behaviour["sentence"].iloc[2]
    assert behaviour["supported"].tolist() == [True, False, True]
    # the same rule for differences against a comparison group and for dose-response
    did = findings(pd.DataFrame([behaviour_row(0.6, -0.1, 1.1, group="cohort minus comparison", n_cohort=12,
                                               n_comparison=8)]))
    assert "consistent with no difference" in did["sentence"].iloc[0] and not did["supported"].iloc[0]
    dose = findings(pd.DataFrame([behaviour_row(0.4, -0.1, 0.9, group="slope per session attended")]))
    assert "consistent with no link" in dose["sentence"].iloc[0] and not dose["supported"].iloc[0]


def test_rule_2_holds_for_every_generated_sentence(every_sentence):
    claims = every_sentence["sentence"].str.contains(r"\b(?:rose|fell)\b")
    # every "rose"/"fell" comes from a row whose interval excludes zero: those are supported
    assert every_sentence.loc[claims, "supported"].all()
    assert not every_sentence.loc[every_sentence["sentence"].str.contains("consistent with no"),
                                  "supported"].any()


def test_rule_3_no_causal_claims(every_sentence):
    for sentence in every_sentence["sentence"]:
        assert not CAUSAL.search(sentence), sentence
    changes = every_sentence[every_sentence["sentence"].str.contains(r"\b(?:rose|fell)\b")
                             & every_sentence["measure"].isin(["change pre to post", "posts a week"])
                             & ~every_sentence["sentence"].str.contains("comparison|sessions attended|attended more")]
    assert len(changes) and changes["sentence"].str.contains("alongside").all()


def test_rule_4_surveys_speak_of_those_who_answered(every_sentence):
    surveys = every_sentence[every_sentence["level"].isin(["reaction", "learning"])
                             & ~every_sentence["sentence"].str.startswith("Not reported")]
    assert len(surveys) > 10
    for sentence in surveys["sentence"]:
        assert "of those who answered" in sentence.lower(), sentence


def test_rule_5_never_name_a_person(tables, every_sentence):
    names = tables["participants"]["display_name"].tolist()
    ids = tables["participants"]["participant_id"].tolist()
    for sentence in every_sentence["sentence"]:
        for name in names:
            assert name not in sentence and name.split()[0] not in sentence, sentence
        for pid in ids:
            assert pid not in sentence
    # per-person frames never become sentences
    t = tables
    assert findings(period_values(t["metrics"], t["posts"], t["sessions"])).empty


def test_threshold_withholds_small_groups_and_counts():
    rows = pd.DataFrame([
        {"level": "participation", "measure": "turnout", "pilot_id": "town", "group": "councillors",
         "n": 69, "k": 17, "estimate": 17 / 69, "ci_low": 0.16, "ci_high": 0.36, "session_id": None,
         "eligible_rule": "councillors"},
        {"level": "participation", "measure": "turnout", "pilot_id": "town", "group": "councillors",
         "n": 69, "k": 3, "estimate": 3 / 69, "ci_low": 0.01, "ci_high": 0.12, "session_id": "s2",
         "session_label": "the second session", "eligible_rule": "councillors"},
        {"level": "participation", "measure": "retention", "pilot_id": "town", "group": "present at first",
         "n": 4, "k": 2, "estimate": 0.5, "ci_low": 0.15, "ci_high": 0.85, "eligible_rule": "cohort"},
    ])
    found = findings(rows)
    assert found["sentence"].iloc[0] == ("17 of the 69 eligible councillors came to at least one session "
                                         "(25%; 95% CI 16% to 36%).")
    # a count of 3 is shown as "fewer than 5", without a percentage that would give it away
    assert found["sentence"].iloc[1] == "Fewer than 5 of the 69 eligible councillors came to the second session."
    # a figure resting on 4 people is withheld
    assert found["sentence"].iloc[2].startswith("Not reported") and "fewer than 5 people" in found["sentence"].iloc[2]
    assert found["supported"].tolist() == [True, True, False]
    assert findings(rows, threshold=3)["sentence"].iloc[1].startswith("3 of the 69")


def test_achieved_interval_level_is_stated():
    # a behaviour change reports the Hodges-Lehmann interval: with 5 people it reaches 93.8%
    row = behaviour_row(1.0, 0.5, 2.0, n=5, hl_ci_level=0.9375, confidence=0.95)
    sentence = findings(pd.DataFrame([row]), threshold=5)["sentence"].iloc[0]
    assert "93.8% CI" in sentence and "95% CI" not in sentence
    # a learning change reports the t interval of the mean change, at the level asked for,
    # whatever level the Hodges-Lehmann interval alongside it reaches
    learning_row = change_row(1.0, 0.5, 2.0, n=5, improved=5)
    learning_row["hl_ci_level"] = 0.9375
    sentence = findings(pd.DataFrame([learning_row]), threshold=5)["sentence"].iloc[0]
    assert "95% CI" in sentence and "93.8%" not in sentence


def test_findings_repeat(tables):
    t = tables
    result = reaction_summary(t["responses"])
    pd.testing.assert_frame_equal(findings(result), findings(result))
    before = result.copy(deep=True)
    findings(result)
    pd.testing.assert_frame_equal(before, result)
