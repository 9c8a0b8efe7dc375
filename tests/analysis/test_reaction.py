"""Reaction: feedback ratings and yes/no items, per session and pooled.

Hand-written evaluation sheets (values already on the canonical scales; None = "N/A" or blank):

north, w1   useful (agreement):      5, 4, 4, 2, None, 3   -> answered 5: agree (>= 4) 3; median 4; mean 18/5
            recommend (0-10):        10, 9, 8, 6            -> 9 or 10: 2 of 4; median 8.5; mean 8.25
            find_out_more (yes/no):  1, 1, 0, None, 1       -> yes 3 of 4
north, w2   useful:                  5, 5, 1                -> agree 2 of 3; median 5; mean 11/3
            find_out_more:           0, 1                   -> yes 1 of 2
north, all  useful: 5 4 4 2 3 5 5 1  -> agree 5 of 8; median 4; mean 29/8
            find_out_more            -> yes 4 of 6
town, aw    find_out_more: 12 yes, 5 no -> 12 of 17 (the awareness session: "most asked for more")
A post-survey answer to "useful" and a feedback row without an item are ignored.
"""

import pandas as pd
import pytest

from evalkit.analysis import reaction
from evalkit.stats import proportion


def rows(pilot, session, item, scale, values, wave="feedback"):
    return [{"pilot_id": pilot, "session_id": session, "item_id": item, "scale": scale, "wave": wave,
             "value": None if v is None else float(v), "respondent_id": f"{session}-{i}"}
            for i, v in enumerate(values)]


@pytest.fixture
def responses():
    data = (
        rows("north", "w1", "useful", "agreement", [5, 4, 4, 2, None, 3])
        + rows("north", "w1", "recommend", "zero_ten", [10, 9, 8, 6])
        + rows("north", "w1", "find_out_more", "yes_no", [1, 1, 0, None, 1])
        + rows("north", "w2", "useful", "agreement", [5, 5, 1])
        + rows("north", "w2", "find_out_more", "yes_no", [0, 1])
        + rows("north", None, "useful", "agreement", [1, 1], wave="post")
        + rows("north", "w1", None, "agreement", [5])
        + rows("north", "w1", "what_next", "text", [None])
        + rows("town", "aw", "find_out_more", "yes_no", [1] * 12 + [0] * 5)
    )
    frame = pd.DataFrame(data)
    frame["value"] = frame["value"].astype(float)
    return frame


def one(frame, **where):
    mask = pd.Series(True, index=frame.index)
    for column, value in where.items():
        mask &= frame[column].isna() if value is None else frame[column] == value
    found = frame[mask]
    assert len(found) == 1, where
    return found.iloc[0]


def check(row, k, n):
    expected = proportion(k, n).iloc[0]
    assert (row["k"], row["n"]) == (k, n)
    assert row["estimate"] == pytest.approx(k / n)
    assert (row["ci_low"], row["ci_high"]) == (pytest.approx(expected["ci_low"]), pytest.approx(expected["ci_high"]))


def test_feedback_ratings_per_session_and_pooled(responses):
    found = reaction.feedback_ratings(responses)
    useful_w1 = one(found, pilot_id="north", session_id="w1", item_id="useful")
    check(useful_w1, 3, 5)
    assert useful_w1["median"] == 4.0 and useful_w1["mean"] == pytest.approx(18 / 5)
    useful_w2 = one(found, pilot_id="north", session_id="w2", item_id="useful")
    check(useful_w2, 2, 3)
    assert useful_w2["median"] == 5.0 and useful_w2["mean"] == pytest.approx(11 / 3)
    pooled = one(found, pilot_id="north", session_id=None, item_id="useful")
    check(pooled, 5, 8)
    assert pooled["median"] == 4.0 and pooled["mean"] == pytest.approx(29 / 8)
    recommend = one(found, pilot_id="north", session_id="w1", item_id="recommend")
    check(recommend, 2, 4)
    assert recommend["threshold"] == 9.0 and recommend["median"] == 8.5 and recommend["mean"] == 8.25
    # only feedback-wave rating items with an item id; yes/no and text are not ratings
    assert set(found["item_id"]) == {"useful", "recommend"}
    assert (found["measure"] == "share agree").all() and (found["level"] == "reaction").all()
    assert (found["group"] == "those who answered").all()


def test_agree_threshold_is_an_argument(responses):
    found = reaction.feedback_ratings(responses, agree_at={"agreement": 5})
    check(one(found, pilot_id="north", session_id="w1", item_id="useful"), 1, 5)


def test_yes_no_answers(responses):
    found = reaction.yes_no_answers(responses)
    check(one(found, pilot_id="north", session_id="w1"), 3, 4)
    check(one(found, pilot_id="north", session_id="w2"), 1, 2)
    check(one(found, pilot_id="north", session_id=None), 4, 6)
    town = one(found, pilot_id="town", session_id="aw")
    check(town, 12, 17)
    # Wilson 95% for 12 of 17, worked by hand: centre 0.66794, half-width 0.19927
    assert town["ci_low"] == pytest.approx(0.46866, abs=1e-4)
    assert town["ci_high"] == pytest.approx(0.86721, abs=1e-4)
    assert (found["measure"] == "share yes").all()


def test_reaction_summary_is_both(responses):
    found = reaction.reaction_summary(responses)
    assert found["measure"].value_counts().to_dict() == {"share agree": 5, "share yes": 5}  # north w1, w2, all; town aw, all


def test_no_mutation_and_no_answers(responses):
    before = responses.copy(deep=True)
    reaction.reaction_summary(responses)
    pd.testing.assert_frame_equal(before, responses)
    empty = reaction.reaction_summary(responses[responses["wave"] == "pre"])
    assert empty.empty and list(empty.columns[:3]) == ["level", "measure", "pilot_id"]
