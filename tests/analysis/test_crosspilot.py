"""Cross-pilot: headlines side by side, pilot characteristics, comparisons with Holm.

Two hand-written pilots:

east  one council (Alpha), cohort E1-E4, workshops e1 (all four came), e2 (E1, E2)
      baseline (pre conf_a) 1, 2, 2, 3; post 3, 3, 4, 4; find out more: 3 yes of 4 sheets
west  two councils (Alpha, Beta), cohort W1-W5, workshops w1 (W1, W2), w2 (W1), w3 (W1, W3)
      baseline 3, 4, 4, 5, 5; post (W1-W3 only) 4, 4, 5; find out more: 1 yes of 5 sheets
"""

import datetime as dt
import itertools
from math import comb

import pandas as pd
import pytest

from evalkit.analysis import crosspilot, learning, participation, reaction
from evalkit.stats import adjust_p


@pytest.fixture
def sessions():
    return pd.DataFrame({
        "pilot_id": ["east", "east", "west", "west", "west"],
        "session_id": ["e1", "e2", "w1", "w2", "w3"],
        "kind": ["workshop"] * 5,
        "date": [dt.date(2024, 9, 1), dt.date(2024, 10, 1), dt.date(2025, 1, 10), dt.date(2025, 2, 10),
                 dt.date(2025, 3, 10)],
        "mode": ["in-person"] * 5,
    })


@pytest.fixture
def participants():
    return pd.DataFrame({
        "pilot_id": ["east"] * 4 + ["west"] * 5,
        "participant_id": ["E1", "E2", "E3", "E4", "W1", "W2", "W3", "W4", "W5"],
        "display_name": ["Ed", "Em", "Eli", "Eve", "Wyn", "Wes", "Wil", "Wen", "Wat"],
        "role": ["councillor"] * 9,
        "authority": ["Alpha"] * 4 + ["Alpha", "Beta", "Beta", "Alpha", "Beta"],
        "party": [None] * 9,
        "in_cohort": [True] * 9,
    })


@pytest.fixture
def attendance():
    present = [("east", "e1", p) for p in ("E1", "E2", "E3", "E4")] + [("east", "e2", "E1"), ("east", "e2", "E2")]
    present += [("west", "w1", "W1"), ("west", "w1", "W2"), ("west", "w2", "W1"), ("west", "w3", "W1"),
                ("west", "w3", "W3")]
    frame = pd.DataFrame(present, columns=["pilot_id", "session_id", "participant_id"])
    frame["status"] = "present"
    frame["source"] = "register"
    return frame


@pytest.fixture
def responses():
    rows = []
    for pilot, people, pre, post in (("east", ["E1", "E2", "E3", "E4"], [1, 2, 2, 3], [3, 3, 4, 4]),
                                     ("west", ["W1", "W2", "W3", "W4", "W5"], [3, 4, 4, 5, 5], [4, 4, 5])):
        for person, value in zip(people, pre):
            rows.append((pilot, person, "pre", None, "conf_a", float(value), "confidence"))
        for person, value in zip(people, post):
            rows.append((pilot, person, "post", None, "conf_a", float(value), "confidence"))
    for pilot, session, answers in (("east", "e1", [1, 1, 1, 0]), ("west", "w1", [1, 0, 0, 0, 0])):
        for value in answers:
            rows.append((pilot, None, "feedback", session, "find_out_more", float(value), "yes_no"))
    return pd.DataFrame(rows, columns=["pilot_id", "participant_id", "wave", "session_id", "item_id",
                                       "value", "scale"])


def one(frame, **where):
    mask = pd.Series(True, index=frame.index)
    for column, wanted in where.items():
        mask &= frame[column] == wanted
    found = frame[mask]
    assert len(found) == 1, where
    return found.iloc[0]


def fisher_2x2(a, b, c, d):
    """Two-sided Fisher p by hand: sum of the probabilities of tables no more probable."""
    r1, c1, n = a + b, a + c, a + b + c + d
    prob = {x: comb(r1, x) * comb(n - r1, c1 - x) / comb(n, c1)
            for x in range(max(0, c1 - (n - r1)), min(r1, c1) + 1)}
    return sum(p for p in prob.values() if p <= prob[a] * (1 + 1e-7))


def test_side_by_side(sessions, attendance, participants, responses):
    results = [participation.participation_summary(sessions, attendance, participants),
               reaction.reaction_summary(responses), learning.learning_summary(responses),
               crosspilot.compare_pilots(sessions, attendance, participants, responses)]
    found = crosspilot.side_by_side(*results)
    assert found["pilot_id"].notna().all()          # comparisons across pilots are not headlines
    turnout = found[found["headline"] == "turnout (any session)"]
    assert turnout["pilot_id"].tolist() == ["east", "west"]
    assert turnout["k"].tolist() == [4, 3] and turnout["n"].tolist() == [4, 5]
    retention = found[found["headline"] == "retention"]
    assert retention["k"].tolist() == [2, 1] and retention["n"].tolist() == [4, 2]
    more = found[found["headline"] == "share yes: find_out_more"]
    assert more["k"].tolist() == [3, 1]
    change = found[found["headline"] == "change pre to post: conf_a"]
    assert change["n"].tolist() == [4, 3]
    assert list(found["level"].unique()) == ["participation", "reaction", "learning"]
    assert {"estimate", "ci_low", "ci_high"} <= set(found.columns)
    # per-session rows and distributions are not headlines
    assert not found["headline"].str.contains("sessions attended").any()


def test_pilot_characteristics(sessions, attendance, participants, responses):
    found = crosspilot.pilot_characteristics(sessions, attendance, participants, responses)
    assert one(found, pilot_id="east", measure="authorities")["value"] == "single-authority"
    assert one(found, pilot_id="west", measure="authorities")["value"] == "multi-authority"
    assert one(found, pilot_id="west", measure="authorities")["estimate"] == 2
    # attendance consistency: east E1 E2 2/2, E3 E4 1/2 -> median 0.75;
    # west W1 3/3, W2 1/3, W3 1/3, W4 W5 0 -> median 1/3
    assert one(found, pilot_id="east", measure="attendance consistency")["estimate"] == 0.75
    assert one(found, pilot_id="west", measure="attendance consistency")["estimate"] == pytest.approx(1 / 3)
    # baseline: east 1, 2, 2, 3 -> beginners (<= 2) 3 of 4; west 3 4 4 5 5 -> fluent (>= 4) 4 of 5
    assert one(found, pilot_id="east", measure="baseline beginners")["estimate"] == 0.75
    assert one(found, pilot_id="west", measure="baseline fluent")["estimate"] == 0.8
    # IQR of east's baseline 1, 2, 2, 3: q1 1.75, q3 2.25
    assert one(found, pilot_id="east", measure="baseline spread")["estimate"] == 0.5
    assert one(found, pilot_id="east", measure="geography")["value"] == "not recorded"
    facts = pd.DataFrame({"pilot_id": ["east", "west"], "name": ["East", "West"], "tier": ["single", "two-tier"],
                          "geography": ["compact", "wide"], "region": ["North", "South"], "authorities": [1, 6]})
    found = crosspilot.pilot_characteristics(sessions, attendance, participants, responses, pilots=facts)
    assert one(found, pilot_id="west", measure="authorities")["value"] == "multi-authority (two-tier)"
    assert one(found, pilot_id="west", measure="authorities")["estimate"] == 6
    assert one(found, pilot_id="west", measure="geography")["value"] == "wide"


def test_compare_pilots(sessions, attendance, participants, responses):
    found = crosspilot.compare_pilots(sessions, attendance, participants, responses)
    assert (found["group"] == "east vs west").all()
    # turnout at any session: east 4 of 4, west 3 of 5 -> p = (6 + 10) / 36
    turnout = one(found, measure="turnout (any session; eligible: cohort)")
    assert turnout["p_value"] == pytest.approx(fisher_2x2(4, 0, 3, 2)) == pytest.approx(16 / 36)
    assert turnout["n"] == 9 and turnout["test"] == "proportions"
    # retention: east 2 of 4, west 1 of 2 -> the observed table is the most probable: p = 1
    assert one(found, measure="retention")["p_value"] == pytest.approx(1.0)
    # find out more: 3 of 4 vs 1 of 5 -> p = (5 + 20 + 1) / 126
    assert one(found, measure="share yes: find_out_more")["p_value"] == pytest.approx(26 / 126)
    # baseline scores: east 1 2 2 3, west 3 4 4 5 5. Exact rank-sum by enumeration of the 126
    # ways to pick east's 4 ranks from the 9 pooled mid-ranks
    ranks = [1, 2.5, 2.5, 4.5, 4.5, 6.5, 6.5, 8.5, 8.5]
    observed = abs(sum(ranks[:4]) - 20)
    extreme = sum(abs(sum(c) - 20) >= observed - 1e-9 for c in itertools.combinations(ranks, 4))
    assert one(found, measure="baseline score")["p_value"] == pytest.approx(extreme / 126) == pytest.approx(3 / 126)
    assert one(found, measure="baseline score")["test"] == "scores"
    # change in confidence: east +2 +1 +2 +1; west +1 0 +1 (W4, W5 have no post)
    assert one(found, measure="change in confidence (post − pre)")["n"] == 7
    # share of sessions attended: east 1, 1, .5, .5; west 1, 1/3, 1/3, 0, 0
    assert one(found, measure="share of sessions attended (eligible: cohort)")["n"] == 9
    # Holm over the whole family, and the adjustment named in every row
    holm = adjust_p(found["p_value"].to_numpy())
    assert found["p_adjusted"].tolist() == pytest.approx(holm["p_adjusted"].tolist())
    assert (found["adjustment"] == f"Holm ({len(found)} tests)").all()
    assert (found["estimate"] == found["effect"]).all()
    bonferroni = crosspilot.compare_pilots(sessions, attendance, participants, responses, adjustment="bonferroni")
    assert bonferroni["adjustment"].iloc[0].startswith("Bonferroni")


def test_turnout_compared_only_among_pilots_counted_alike(sessions, attendance, participants, responses):
    found = crosspilot.compare_pilots(sessions, attendance, participants, responses,
                                      eligible={"east": "cohort", "west": "roster"})
    assert not found["measure"].str.startswith("turnout").any()
    assert not found["measure"].str.startswith("share of sessions attended").any()


def test_one_pilot_has_nothing_to_compare(sessions, attendance, participants, responses):
    only_east = [f[f["pilot_id"] == "east"] for f in (sessions, attendance, participants, responses)]
    assert crosspilot.compare_pilots(*only_east).empty


def test_results_repeat(sessions, attendance, participants, responses):
    frames = (sessions, attendance, participants, responses)
    pd.testing.assert_frame_equal(crosspilot.compare_pilots(*frames), crosspilot.compare_pilots(*frames))


def test_no_mutation(sessions, attendance, participants, responses):
    frames = (sessions, attendance, participants, responses)
    before = [f.copy(deep=True) for f in frames]
    crosspilot.compare_pilots(*frames)
    crosspilot.pilot_characteristics(*frames)
    for original, now in zip(before, frames):
        pd.testing.assert_frame_equal(original, now)
