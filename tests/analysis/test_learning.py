"""Learning: paired pre/post change, retrospective "then", baseline spread, attrition.

Hand-written survey answers (pilot "north"; confidence scale 1-5):

            conf_post               conf_debate
person   pre  post  then         pre  post  then
A        2*   4     1            1    3     1        * A answered pre twice: 5 at 09:00, 2 at 10:00
B        1    3     1            2    3     1
C        3    4     3            3    3     2
D        4    4     3            4    5     4
E        2    -     -            1    -     -        E and G did not answer the post survey
F        3    4     2            2    3     2
G        5    -     -            4    -     -
h@x      1    3 (as "H@x.gov.uk ")  -               not linked to the roster (respondent r9 / r19)

post_freq (frequency) was asked at pre only; find_out_more (yes/no) is not a rating.
"""

import itertools

import pandas as pd
import pytest

from evalkit.analysis import learning
from evalkit.stats import paired_change, proportion

ZONE = "Europe/London"


@pytest.fixture
def responses():
    table = {
        # person: {(item, wave): value}
        "A": {("conf_post", "pre"): 2, ("conf_post", "post"): 4, ("conf_post", "then"): 1,
              ("conf_debate", "pre"): 1, ("conf_debate", "post"): 3, ("conf_debate", "then"): 1},
        "B": {("conf_post", "pre"): 1, ("conf_post", "post"): 3, ("conf_post", "then"): 1,
              ("conf_debate", "pre"): 2, ("conf_debate", "post"): 3, ("conf_debate", "then"): 1},
        "C": {("conf_post", "pre"): 3, ("conf_post", "post"): 4, ("conf_post", "then"): 3,
              ("conf_debate", "pre"): 3, ("conf_debate", "post"): 3, ("conf_debate", "then"): 2},
        "D": {("conf_post", "pre"): 4, ("conf_post", "post"): 4, ("conf_post", "then"): 3,
              ("conf_debate", "pre"): 4, ("conf_debate", "post"): 5, ("conf_debate", "then"): 4},
        "E": {("conf_post", "pre"): 2, ("conf_debate", "pre"): 1},
        "F": {("conf_post", "pre"): 3, ("conf_post", "post"): 4, ("conf_post", "then"): 2,
              ("conf_debate", "pre"): 2, ("conf_debate", "post"): 3, ("conf_debate", "then"): 2},
        "G": {("conf_post", "pre"): 5, ("conf_debate", "pre"): 4},
    }
    data = []
    for person, answers in table.items():
        for (item, wave), value in answers.items():
            day = "2024-09-01 10:00" if wave == "pre" else "2024-12-01 10:00"
            data.append({"participant_id": person, "respondent_id": f"{wave}-{person}", "source_email": None,
                         "wave": wave, "item_id": item, "value": float(value), "scale": "confidence",
                         "submitted_at": pd.Timestamp(day).tz_localize(ZONE)})
    data += [
        # A's first, earlier pre submission (superseded)
        {"participant_id": "A", "respondent_id": "pre-A-first", "source_email": None, "wave": "pre",
         "item_id": "conf_post", "value": 5.0, "scale": "confidence",
         "submitted_at": pd.Timestamp("2024-09-01 09:00").tz_localize(ZONE)},
        # an unlinked respondent who gave an email both times
        {"participant_id": None, "respondent_id": "r9", "source_email": "h@x.gov.uk", "wave": "pre",
         "item_id": "conf_post", "value": 1.0, "scale": "confidence",
         "submitted_at": pd.Timestamp("2024-09-02 10:00").tz_localize(ZONE)},
        {"participant_id": None, "respondent_id": "r19", "source_email": "H@x.gov.uk ", "wave": "post",
         "item_id": "conf_post", "value": 3.0, "scale": "confidence",
         "submitted_at": pd.Timestamp("2024-12-02 10:00").tz_localize(ZONE)},
        # a frequency item asked only at pre, a yes/no and a non-answer
        {"participant_id": "A", "respondent_id": "pre-A", "source_email": None, "wave": "pre",
         "item_id": "post_freq", "value": 2.0, "scale": "frequency", "submitted_at": pd.NaT},
        {"participant_id": "A", "respondent_id": "post-A", "source_email": None, "wave": "post",
         "item_id": "find_out_more", "value": 1.0, "scale": "yes_no", "submitted_at": pd.NaT},
        {"participant_id": "B", "respondent_id": "post-B", "source_email": None, "wave": "post",
         "item_id": "conf_debate", "value": None, "scale": "confidence", "submitted_at": pd.NaT},
    ]
    frame = pd.DataFrame(data)
    frame.insert(0, "pilot_id", "north")
    frame["value"] = frame["value"].astype(float)
    frame["submitted_at"] = pd.to_datetime(frame["submitted_at"])
    return frame


def one(frame, **where):
    mask = pd.Series(True, index=frame.index)
    for column, value in where.items():
        mask &= frame[column] == value
    found = frame[mask]
    assert len(found) == 1, where
    return found.iloc[0]


def test_pre_post_pairs_by_participant(responses):
    found = learning.pre_post(responses)
    row = one(found, item_id="conf_post", measure="change pre to post")
    # pairs A 2->4, B 1->3, C 3->4, D 4->4, F 3->4; E and G answered pre only
    assert (row["n"], row["n_missing"], row["n_zero"], row["n_improved"], row["n_worse"]) == (5, 2, 1, 4, 0)
    assert (row["median_before"], row["median_after"]) == (3.0, 4.0)
    # the headline is the mean change: differences 2, 2, 1, 0, 1 -> mean 6/5 = 1.2; deviations
    # .8, .8, -.2, -1.2, -.2 -> s^2 = 2.8/4 = 0.7, se = sqrt(0.7/5) = 0.374166; t(0.975, 4) =
    # 2.776445 -> half-width 2.776445 * 0.374166 = 1.038851
    assert row["estimate"] == pytest.approx(1.2)
    assert (row["ci_low"], row["ci_high"]) == (pytest.approx(0.161149, abs=1e-6),
                                               pytest.approx(2.238851, abs=1e-6))
    assert row["ci_level"] == 0.95
    # Hodges-Lehmann alongside: Walsh averages of 2, 2, 1, 0, 1: 0, .5, .5, 1 x5, 1.5 x4, 2 x3
    # -> median 1
    assert row["hl_estimate"] == 1.0
    # non-zero differences 2, 2, 1, 1 (mid-ranks 3.5, 3.5, 1.5, 1.5), all up: T+ = 10,
    # P(T+ >= 10) = 1/16 over the 16 sign patterns -> two-sided p = 0.125
    assert row["statistic"] == 10.0 and row["p_value"] == pytest.approx(0.125)
    # the intervals are exactly the ones paired_change gives for these pairs
    direct = paired_change([2, 1, 3, 4, 3], [4, 3, 4, 4, 4]).iloc[0]
    assert (row["estimate"], row["ci_low"], row["ci_high"]) == (direct["mean_change"], direct["mean_ci_low"],
                                                                direct["mean_ci_high"])
    assert (row["hl_ci_low"], row["hl_ci_high"], row["hl_ci_level"], row["effect"]) == (
        direct["hl_ci_low"], direct["hl_ci_high"], direct["hl_ci_level"], direct["effect"])
    assert row["comparison"] == "pre→post" and row["group"] == "answered both" and row["scale"] == "confidence"
    # an item asked at one wave only, and yes/no items, get no change row
    assert not {"post_freq", "find_out_more"} & set(found["item_id"])


def test_then_and_response_shift(responses):
    found = learning.pre_post(responses)
    then_post = one(found, item_id="conf_post", measure="change then to post")
    # then -> post: A 1->4, B 1->3, C 3->4, D 3->4, F 2->4: differences 3, 2, 1, 1, 2
    assert (then_post["n"], then_post["n_improved"], then_post["median_before"]) == (5, 5, 2.0)
    shift = one(found, item_id="conf_post", measure="response shift")
    # pre -> then: A 2->1, B 1->1, C 3->3, D 4->3, F 3->2: -1, 0, 0, -1, -1
    assert (shift["n"], shift["n_worse"], shift["n_zero"]) == (5, 3, 2)
    assert shift["comparison"] == "pre→then"
    # mean -3/5 = -0.6; Walsh averages of -1, 0, 0, -1, -1: -1 x6, -0.5 x6, 0 x3 -> median -0.5
    assert shift["estimate"] == pytest.approx(-0.6)
    assert shift["hl_estimate"] == -0.5
    assert shift["ci_low"] < -0.6 < shift["ci_high"]
    # then -> post: mean (3 + 2 + 1 + 1 + 2) / 5 = 1.8
    assert then_post["estimate"] == pytest.approx(1.8)


def test_composite_confidence(responses):
    found = learning.pre_post(responses)
    row = one(found, item_id=learning.COMPOSITE_ITEM, measure="change pre to post")
    # means of the two items: pre A 1.5 B 1.5 C 3 D 4 F 2.5; post A 3.5 B 3 C 3.5 D 4.5 F 3.5
    assert row["n"] == 5 and row["median_before"] == 2.5 and row["median_after"] == 3.5
    direct = paired_change([1.5, 1.5, 3, 4, 2.5], [3.5, 3, 3.5, 4.5, 3.5]).iloc[0]
    # differences 2, 1.5, 0.5, 0.5, 1: mean 1.1
    assert row["estimate"] == pytest.approx(1.1) == direct["mean_change"]
    assert row["hl_estimate"] == direct["hl_estimate"] and row["p_value"] == direct["p_value"]


def test_no_interval_when_everybody_changed_alike():
    # four members each rose by exactly one point: the mean change is 1 but there is no
    # spread, so no interval (never a zero-width one) and the method says why
    pre, post = [1.0, 2.0, 3.0, 2.0], [2.0, 3.0, 4.0, 3.0]
    same = pd.DataFrame({"pilot_id": "north", "participant_id": list("ABCD") * 2,
                         "respondent_id": [f"r{i}" for i in range(8)], "wave": ["pre"] * 4 + ["post"] * 4,
                         "item_id": "conf_post", "value": pre + post, "scale": "confidence"})
    row = one(learning.pre_post(same), measure="change pre to post")
    assert row["n"] == 4 and row["estimate"] == 1.0
    assert pd.isna(row["ci_low"]) and pd.isna(row["ci_high"]) and pd.isna(row["ci_level"])
    assert "every pair changed by the same amount: no interval for the mean change" in row["method"]
    # the Hodges-Lehmann interval collapses to a point there, which is why it is not the headline
    assert row["hl_ci_low"] == row["hl_ci_high"] == 1.0


def test_latest_submission_counts(responses):
    answers = learning.wave_answers(responses)
    a_pre = answers[(answers["person"] == "A") & (answers["wave"] == "pre") & (answers["item_id"] == "conf_post")]
    assert a_pre["value"].tolist() == [2.0]  # not the earlier 5


def test_email_fallback_only_when_asked(responses):
    without = one(learning.pre_post(responses), item_id="conf_post", measure="change pre to post")
    with_email = one(learning.pre_post(responses, email_fallback=True), item_id="conf_post",
                     measure="change pre to post")
    # "h@x.gov.uk" and "H@x.gov.uk " are one respondent once emails may pair: 1 -> 3
    assert (without["n"], with_email["n"]) == (5, 6)
    assert with_email["n_improved"] == 5


def test_baseline_spread(responses):
    found = learning.baseline_spread(responses)
    # baseline = mean of the confidence items at pre: A 1.5, B 1.5, C 3, D 4, E 1.5, F 2.5,
    # G 4.5, and the unlinked respondent r9 1.0 (kept for the spread): n = 8
    beginners = one(found, group="beginner")
    assert (beginners["k"], beginners["n"]) == (4, 8)          # A, B, E, r9 (<= 2)
    assert one(found, group="intermediate")["k"] == 2           # C, F
    fluent = one(found, group="fluent")
    assert fluent["k"] == 2                                     # D, G (>= 4)
    expected = proportion(2, 8).iloc[0]
    assert (fluent["ci_low"], fluent["ci_high"]) == (expected["ci_low"], expected["ci_high"])
    score = one(found, measure="baseline score")
    assert score["estimate"] == 2.0                             # 1 1.5 1.5 1.5 | 2.5 3 4 4.5
    # other thresholds: beginner <= 1.5, fluent >= 4.5
    strict = learning.baseline_spread(responses, beginner_at=1.5, fluent_at=4.5)
    assert (one(strict, group="beginner")["k"], one(strict, group="fluent")["k"]) == (4, 1)


def test_attrition_and_completers_at_baseline(responses):
    found = learning.attrition(responses)
    missing = one(found, measure="missing at post")
    # linked pre respondents A-G = 7; E and G gave no post answer; r9 cannot be followed
    assert (missing["k"], missing["n"], missing["n_unlinked"]) == (2, 7, 1)
    compare = one(found, measure="baseline: completers vs non-completers")
    # completers A 1.5 B 1.5 C 3 D 4 F 2.5 (median 2.5); non-completers E 1.5 G 4.5 (median 3)
    assert (compare["median_completers"], compare["median_non_completers"]) == (2.5, 3.0)
    assert compare["estimate"] == -0.5
    # exact two-sided rank-sum test by enumeration: pooled mid-ranks 2 2 2 4 5 6 7; E + G have
    # rank sum 2 + 7 = 9, expected 8; of the 21 pairs only (2, 6) x 3 sum to exactly 8
    ranks = [2, 2, 2, 4, 5, 6, 7]
    sums = [a + b for a, b in itertools.combinations(ranks, 2)]
    assert compare["p_value"] == pytest.approx(sum(abs(s - 8) >= 1 for s in sums) / len(sums))
    assert compare["p_value"] == pytest.approx(18 / 21)
    assert compare["ci_low"] <= compare["estimate"] <= compare["ci_high"]
    assert "Wilcoxon rank-sum" in compare["method"] or "rank-sum" in compare["method"]
    # with email pairing r9 is followed, and completed
    emailed = one(learning.attrition(responses, email_fallback=True), measure="missing at post")
    assert (emailed["k"], emailed["n"], emailed["n_unlinked"]) == (2, 8, 0)


def test_results_repeat_and_seed_is_used(responses):
    first = learning.learning_summary(responses)
    again = learning.learning_summary(responses)
    pd.testing.assert_frame_equal(first, again)
    other = learning.attrition(responses, seed=7)
    default = learning.attrition(responses)
    assert "seed 7" in one(other, measure="baseline: completers vs non-completers")["method"]
    assert one(other, measure="missing at post")["k"] == one(default, measure="missing at post")["k"]


def test_no_mutation(responses):
    before = responses.copy(deep=True)
    learning.learning_summary(responses, email_fallback=True)
    pd.testing.assert_frame_equal(before, responses)


def test_new_interval_columns_are_withheld_with_too_few_people(responses):
    # five pairs under a disclosure threshold of 6: the mean-change interval, its level and
    # the Hodges-Lehmann columns go with every other statistic of the row
    from evalkit.disclosure import suppression_mask
    from evalkit.report.pilot import withheld_cells

    found = learning.pre_post(responses)
    columns = ["estimate", "ci_low", "ci_high", "ci_level", "hl_estimate", "hl_ci_low", "hl_ci_high",
               "hl_ci_level"]
    small = found["n"] < 6
    assert small.any()
    for mask in (suppression_mask(found, threshold=6), withheld_cells(found, 6, "commissioner")):
        shown = found[columns].notna()
        assert (mask.loc[small, columns] == shown.loc[small]).all().all()
    # at or above the threshold nothing is withheld from these columns
    assert not withheld_cells(found, 5, "commissioner")[columns].any().any()
