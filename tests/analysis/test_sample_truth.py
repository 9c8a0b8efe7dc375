"""The analysis recovers the effects built into the bundled sample programme.

The sample's ``truth/`` folder (written by ``evalkit sample``) holds the canonical tables the
files encode, with ``person_key`` (the true person) instead of ``participant_id``, and
``effects.yml`` with the effects built in. Here ``person_key`` stands in for
``participant_id`` (for people on the roster), so the tables are what a perfect cleaning and
linking would give, and the estimates are checked against the truth:

* turnout of the awareness session: 17 of the 69 councillors, with 8 officers;
* sessions attended per person equal the truth;
* learning: the 95% intervals of the pre → post change, the then → post change and the
  response shift of confidence contain the true effect, and the response shift is negative.
  The true effect is the change of the *answers* the generator's model expects for the
  members who answered both surveys, given their baseline skills (``sample_model``: normal
  CDFs of the latent scores, averaged over the members and the pilot's confidence items) —
  not the realised mean of the answers, which is the estimate itself;
* behaviour: posts a week and the share of replies rise in the cohort, more than in the flat
  comparison set, whose pre-period trend is parallel; dose-response slopes upwards.

The tests skip (saying why) when the sample has not been generated. Set
``EVALKIT_SAMPLE_DIR`` to check another generated sample.
"""

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from evalkit.analysis import (
    attendance_by_person,
    attendees_by_role,
    cohort_change,
    difference_in_differences,
    dose_response,
    eligible_people,
    parallel_trends,
    period_values,
    pre_post,
    turnout,
)
from evalkit.analysis.learning import COMPOSITE_ITEM
from sample_model import CONFIDENCE_OFFSETS, expected_change

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = Path(os.environ.get("EVALKIT_SAMPLE_DIR", ROOT / "data" / "sample"))
TRUTH = SAMPLE / "truth"
NEEDED = ["people.parquet", "attendance.parquet", "responses.parquet", "metrics.parquet", "posts.parquet",
          "effects.yml"]

pytestmark = pytest.mark.skipif(
    not all((TRUTH / name).exists() for name in NEEDED),
    reason=f"the sample truth is not there yet ({TRUTH}: run `evalkit sample data/sample --seed 2010`)",
)


@pytest.fixture(scope="module")
def sample():
    from evalkit.pipeline import sessions_table
    from evalkit.programme import load_programme

    people = pd.read_parquet(TRUTH / "people.parquet")
    roster = people[people["roster_id"].notna()]
    participants = pd.DataFrame({
        "pilot_id": roster["pilot_id"].astype("object"),
        "participant_id": roster["person_key"].astype("object"),
        "display_name": roster["name"].astype("object"),
        "role": roster["role"].astype("object"),
        "authority": roster["authority"].astype("object"),
        "party": roster["party"].astype("object"),
        "in_cohort": roster["in_cohort"].astype(bool),
        "comparison": roster["comparison"].astype(bool),
    }).reset_index(drop=True)
    on_roster = pd.MultiIndex.from_frame(participants[["pilot_id", "participant_id"]])

    def linked(name: str) -> pd.DataFrame:
        frame = pd.read_parquet(TRUTH / f"{name}.parquet")
        keys = pd.MultiIndex.from_arrays([frame["pilot_id"], frame["person_key"]])
        person = frame["person_key"].astype("object")
        frame["participant_id"] = person.where(keys.isin(on_roster) & person.notna(), None)
        return frame

    tables = {
        "people": people,
        "participants": participants,
        "sessions": sessions_table(load_programme(SAMPLE)),
        "attendance": linked("attendance"),
        "responses": linked("responses"),
        "metrics": linked("metrics"),
        "posts": linked("posts"),
        "effects": yaml.safe_load((TRUTH / "effects.yml").read_text(encoding="utf-8")),
    }
    return tables


@pytest.fixture(scope="module")
def periods(sample):
    s = sample
    return period_values(s["metrics"], s["posts"], s["sessions"])


def test_awareness_session_turnout(sample):
    s = sample
    found = turnout(s["sessions"], s["attendance"], s["participants"])
    kirklees = found[(found["pilot_id"] == "kirklees-2010") & found["session_id"].isna()].iloc[0]
    assert (kirklees["k"], kirklees["n"], kirklees["eligible_rule"]) == (17, 69, "councillors")
    roles = attendees_by_role(s["sessions"], s["attendance"], s["participants"])
    officers = roles[(roles["pilot_id"] == "kirklees-2010") & roles["session_id"].isna()
                     & (roles["group"] == "officer")]
    assert officers["k"].tolist() == [8]


def test_sessions_attended_match_the_truth(sample):
    s = sample
    present = attendance_by_person(s["attendance"])
    present = present[present["status"] == "present"]
    counted = present.groupby(["pilot_id", "participant_id"]).size()
    people = s["people"][s["people"]["roster_id"].notna()]
    truth = people.set_index(["pilot_id", "person_key"])["sessions_attended"]
    counted = counted.reindex(truth.index, fill_value=0)
    assert (counted == truth).all(), truth[counted != truth]


def test_learning_interval_contains_the_true_change(sample):
    s = sample
    found = pre_post(s["responses"])
    realised = s["effects"]["realised_confidence"]
    assert realised, "effects.yml lists no realised confidence change"
    people = s["people"]
    responses = s["responses"]
    for pilot_id, truth in realised.items():
        completers = people[(people["pilot_id"] == pilot_id) & people["completed_post"]]
        asked = sorted(set(responses.loc[(responses["pilot_id"] == pilot_id)
                                         & (responses["scale"] == "confidence"), "item_id"]))
        rows = found[(found["pilot_id"] == pilot_id) & (found["item_id"] == COMPOSITE_ITEM)].set_index("measure")
        for measure, before, after in (("change pre to post", "pre", "post"), ("change then to post", "then", "post"),
                                       ("response shift", "pre", "then")):
            # the composite is each member's mean over the items, so its true change is the
            # mean of the items' true changes for these members
            effect = float(np.mean([expected_change(CONFIDENCE_OFFSETS[item], before, after,
                                                    completers["baseline_skill"]) for item in asked]))
            row = rows.loc[measure]
            assert row["n"] == truth["completers"] == len(completers)
            assert row["ci_low"] <= effect <= row["ci_high"], (pilot_id, measure, effect, row)
        change, shift = rows.loc["change pre to post"], rows.loc["response shift"]
        # the estimate is the mean change of the answers: the realised value in effects.yml
        # (written to 3 decimals)
        assert change["estimate"] == pytest.approx(truth["mean_post_minus_pre"], abs=5.01e-4)
        assert shift["estimate"] == pytest.approx(truth["mean_then_minus_pre"], abs=5.01e-4)
        assert change["ci_low"] > 0 and change["p_value"] < 0.05
        assert shift["estimate"] < 0 and shift["ci_high"] < 0


def _pilots_with_activity(periods: pd.DataFrame) -> list[str]:
    return sorted(periods.loc[periods["platform"] == "x", "pilot_id"].unique())


def test_behaviour_changes_have_the_right_sign(sample, periods):
    s = sample
    found = cohort_change(s["metrics"], s["posts"], s["sessions"], s["participants"])
    pilots = [p for p in _pilots_with_activity(periods) if p != "kirklees-2010"]
    assert pilots, "no X activity in the sample"
    for pilot_id in pilots:
        rows = found[(found["pilot_id"] == pilot_id) & (found["platform"] == "x")].set_index("measure")
        assert rows.loc["posts a week", "estimate"] > 0, pilot_id
        assert rows.loc["posts a week", "ci_low"] > 0, pilot_id
        assert rows.loc["share of posts that are replies", "estimate"] > 0, pilot_id


def test_comparison_set_is_flat_and_the_cohort_rises_more(sample):
    s = sample
    if not s["participants"]["comparison"].any():
        pytest.skip("the sample has no comparison set")
    did = difference_in_differences(s["metrics"], s["posts"], s["sessions"], s["participants"])
    posts = did[(did["measure"] == "posts a week") & (did["platform"] == "x")]
    assert len(posts)
    for row in posts.itertuples():
        assert row.estimate > 0 and row.ci_low > 0, row
        assert abs(row.mean_change_comparison) < abs(row.mean_change_cohort)
    trends = parallel_trends(s["metrics"], s["posts"], s["sessions"], s["participants"])
    gap = trends[(trends["outcome"] == "posts a week") & (trends["platform"] == "x")
                 & (trends["group"] == "cohort minus comparison")]
    assert len(gap) and ((gap["ci_low"] <= 0) & (gap["ci_high"] >= 0)).all()


def test_dose_response_slopes_upwards(sample):
    s = sample
    found = dose_response(s["metrics"], s["posts"], s["sessions"], s["participants"], s["attendance"])
    posts = found[(found["measure"] == "posts a week") & (found["platform"] == "x")]
    assert len(posts)
    assert (posts["estimate"] > 0).all(), posts
    per_session = s["effects"]["activity"]["posts_per_week_per_session"]
    # pooled over pilots, the slope is near the built-in effect of each session
    weights = posts["n"].astype(float)
    pooled = float((posts["estimate"] * weights).sum() / weights.sum())
    assert 0 < pooled < 2 * per_session


def test_only_people_on_the_roster_are_eligible(sample):
    s = sample
    eligible = eligible_people(s["participants"], s["sessions"])
    assert set(eligible.groupby("pilot_id")["eligible_rule"].first()) == {"councillors", "cohort"}
