"""The sample world before any file is written: people, attendance, answers, activity."""

import datetime as dt
import re

import numpy as np
import pandas as pd
import pytest

from evalkit.programme import Programme
from evalkit.sample.activity import _sessions_by_day, account_activity, metrics_window, snowflake
from evalkit.sample.people import ascii_fold, draw_people, email_address, x_handle
from evalkit.sample.surveys import (
    EFFECTS,
    ITEM_ALIASES,
    build_surveys,
    frequency_of,
    latent_confidence,
    programme_items,
    question,
)
from evalkit.sample.world import DESIGNS, build_pilot, child_rng
from evalkit.scales import normalise_label

DESIGN = {d.id: d for d in DESIGNS}


@pytest.fixture(scope="module")
def worlds():
    sequence = np.random.SeedSequence(2010)
    return {d.id: build_pilot(d, child_rng(s, "world")) for d, s in zip(DESIGNS, sequence.spawn(len(DESIGNS)))}


# --------------------------------------------------------------------------- people

def test_emails_fold_accents_and_drop_apostrophes_but_keep_hyphens():
    assert email_address("Siân", "O'Neill", "kirklees.gov.uk") == "sian.oneill@kirklees.gov.uk"
    assert email_address("Zoë", "Smith-Jones", "leeds.gov.uk") == "zoe.smith-jones@leeds.gov.uk"
    assert ascii_fold("Ziółkowski") == "Ziolkowski"


def test_handles_fit_fifteen_characters_and_never_repeat():
    taken = {"CllrJaneSmith"}
    assert x_handle("Jane", "Smith", taken) == "JaneSmith"  # the first pattern is taken
    # 'CllrSiobhanDaviesJones' (22) and the shorter patterns up to 'SDaviesJonesCllr' (16) are too long
    assert x_handle("Siobhán", "Davies-Jones", set()) == "CllrDaviesJones"
    assert x_handle("Jane", "Smith", set(), style=2) == "Cllr_JaneSmith"


def test_drawn_people_have_distinct_surnames_and_avoid_blocked_initials():
    people = draw_people(np.random.default_rng(5), 60, exclude_surnames=["Patel"], exclude_initials=[("J", "Kaur")])
    assert people["last"].is_unique
    assert "Patel" not in set(people["last"])
    kaur = people[people["last"] == "Kaur"]
    assert not kaur["first"].map(lambda f: ascii_fold(f)[0] == "J").any()
    assert (kaur["gender"] == "female").all()


def test_rosters_are_well_formed(worlds):
    for world in worlds.values():
        roster = world.people[world.people["on_roster"]]
        assert roster["roster_id"].is_unique
        assert roster["roster_id"].str.fullmatch(rf"{world.design.code}-\d+").all()
        assert roster["email"].str.fullmatch(r"[a-z0-9.\-]+@[a-z.]+\.(gov|org)\.uk").all()
        handles = roster["x_handle"].dropna()
        assert handles.is_unique and handles.str.fullmatch(r"[A-Za-z0-9_]{1,15}").all()
        assert roster.loc[roster["x_handle"].notna(), "followers_at_start"].notna().all()


def test_only_the_planted_pair_share_initial_and_surname(worlds):
    for pilot_id, world in worlds.items():
        roster = world.people[world.people["on_roster"]]
        initials = roster["first"].map(lambda f: ascii_fold(f)[0]) + " " + roster["last"]
        shared = sorted(roster.loc[initials.duplicated(keep=False), "name"])
        assert shared == (["Jane Smith", "John Smith"] if pilot_id == "suffolk" else [])


# --------------------------------------------------------------------------- the design's counts

def test_kirklees_has_69_councillors_in_four_groups_and_17_plus_8_came(worlds):
    world = worlds["kirklees-2010"]
    people = world.people
    councillors = people[people["role"] == "councillor"]
    assert councillors["party"].value_counts().to_dict() == {
        "Labour": 26, "Conservative": 19, "Liberal Democrat": 19, "Green": 5}
    assert (people["role"] == "officer").sum() == 10
    present = world.present("awareness")
    assert (present["role"] == "councillor").sum() == 17
    assert (present["role"] == "officer").sum() == 8
    assert present.loc[present["role"] == "councillor", "party"].nunique() == 4


@pytest.mark.parametrize("pilot_id", ["suffolk", "solihull", "yorkshire-humber"])
def test_cohort_turnout_falls_across_the_workshops(worlds, pilot_id):
    world = worlds[pilot_id]
    cohort = set(world.people.loc[world.people["in_cohort"], "person_key"])
    counts = [len(cohort & set(world.present(s.id)["person_key"])) for s in world.sessions]
    assert counts == list(DESIGN[pilot_id].turnout)
    assert all(a > b for a, b in zip(counts, counts[1:]))


def test_suffolk_hybrid_sessions_have_people_in_the_room_and_on_teams(worlds):
    world = worlds["suffolk"]
    for session in world.sessions:
        modes = world.present(session.id)["mode"].value_counts()
        assert modes.get("online", 0) > 0 and modes.get("in-person", 0) > 0
    jane = world.people.set_index("name").loc["Jane Smith", "person_key"]
    assert world.present("masterclass", mode="in-person")["person_key"].eq(jane).any()
    assert world.present("workshop-1", mode="online")["person_key"].eq(jane).any()


def test_people_not_on_the_roster_are_planted(worlds):
    extras = {p: sorted(w.people.loc[~w.people["on_roster"], "kind"]) for p, w in worlds.items()}
    assert extras == {"kirklees-2010": [], "suffolk": ["guest", "stranger"], "solihull": ["stranger"],
                      "yorkshire-humber": ["dial-in", "guest"]}


def test_the_same_seed_builds_the_same_world_and_another_seed_another():
    a = build_pilot(DESIGNS[1], np.random.default_rng(11))
    b = build_pilot(DESIGNS[1], np.random.default_rng(11))
    c = build_pilot(DESIGNS[1], np.random.default_rng(12))
    pd.testing.assert_frame_equal(a.people, b.people)
    pd.testing.assert_frame_equal(a.attendance, b.attendance)
    assert list(a.people["name"]) != list(c.people["name"])


def test_named_parts_draw_independent_streams():
    seq = np.random.SeedSequence(2010)
    first = child_rng(seq, "surveys", "pre").integers(0, 10**9, 5)
    again = child_rng(seq, "surveys", "pre").integers(0, 10**9, 5)
    other = child_rng(seq, "surveys", "post").integers(0, 10**9, 5)
    assert list(first) == list(again)
    assert list(first) != list(other)


# --------------------------------------------------------------------------- behaviour

def test_sessions_count_from_their_own_date(worlds):
    world = worlds["solihull"]
    person = world.people.set_index("name").loc["Siân Davies-Jones"]
    days = pd.date_range("2024-09-16", periods=5, freq="D")  # the master class is on 17 September
    assert list(_sessions_by_day(world, person["person_key"], days)) == [0, 1, 1, 1, 1]
    came = world.attendance[(world.attendance["person_key"] == person["person_key"])
                            & (world.attendance["status"] == "present")]["session_id"]
    assert {"masterclass", "workshop-1", "workshop-3"} <= set(came)  # planted: she must be there
    # each session attended adds 0.5 posts a week and 4 points of reply share
    assert person["sessions_attended"] == len(came)
    assert person["posts_per_week_after"] - person["posts_per_week"] == pytest.approx(len(came) * 0.5)
    assert person["reply_share_after"] - person["reply_share"] == pytest.approx(len(came) * 0.04)


def test_comparison_councillors_attend_nothing_and_stay_flat(worlds):
    people = worlds["suffolk"].people
    comparison = people[people["comparison"]]
    assert len(comparison) == 8
    assert (comparison["sessions_attended"] == 0).all()
    assert (comparison["posts_per_week_after"] == comparison["posts_per_week"]).all()


def test_an_account_series_adds_up(worlds):
    world = worlds["suffolk"]
    person = world.people[world.people["in_cohort"] & world.people["x_handle"].notna()].iloc[0]
    account = account_activity(world, person, "x", np.random.default_rng(3))
    first, last = metrics_window(world)
    assert (first, last) == (dt.date(2022, 7, 5), dt.date(2023, 4, 18))
    assert account.daily["date"].tolist() == list(pd.date_range(first, last).date)
    assert account.daily["posts"].sum() == len(account.posts)
    local_day = account.posts["timestamp"].dt.tz_convert("Europe/London").dt.date
    per_day = local_day.value_counts().reindex(account.daily["date"], fill_value=0)
    assert per_day.tolist() == account.daily["posts"].tolist()
    assert account.posts["post_id"].str.fullmatch(r"\d{19}").all()
    assert account.posts["post_id"].map(int).is_monotonic_increasing  # snowflakes rise with time
    replies = account.posts["text"].str.startswith("@")
    assert (replies == account.posts["is_reply"]).all()
    # followers at the start of each day: yesterday's count plus yesterday's net follows
    d = account.daily
    assert d["followers"].iloc[0] == person["followers_at_start"]
    assert (d["followers"].diff().iloc[1:] == (d["new_follows"] - d["unfollows"]).shift().iloc[1:]).all()


def test_snowflake_ids_hold_their_time():
    when = dt.datetime(2022, 10, 4, 9, 30, tzinfo=dt.timezone.utc)
    post_id = int(snowflake(when, 77))
    assert (post_id >> 22) + 1288834974657 == int(when.timestamp() * 1000)
    assert post_id & 0x3FFFFF == 77


# --------------------------------------------------------------------------- answers

def test_frequency_answers_follow_posting_rates():
    assert frequency_of([0.0, 0.1, 0.5, 2.0, 10.0]).tolist() == [1, 2, 3, 4, 5]


def test_latent_confidence_carries_the_designed_effects(worlds):
    latent = pd.concat([latent_confidence(w, np.random.default_rng(n)) for n, w in enumerate(worlds.values())
                        if w.design.pre_completers])
    shift = (latent["latent_post"] - latent["latent_pre"]).mean()
    response_shift = (latent["latent_then"] - latent["latent_pre"]).mean()
    # 4 items x 53 cohort members: the sampling error of each mean is about 0.03
    assert shift == pytest.approx(EFFECTS["confidence_shift"], abs=0.1)
    assert response_shift == pytest.approx(-EFFECTS["response_shift"], abs=0.1)
    assert latent[["pre", "post", "then"]].isin([1, 2, 3, 4, 5]).all().all()


def _surveys(world):
    seq = np.random.SeedSequence(7)
    return build_surveys(world, lambda *n: child_rng(seq, *n), world.people.set_index("person_key")["posts_per_week"])


@pytest.mark.parametrize("pilot_id", [d.id for d in DESIGNS])
def test_answers_are_what_cleaning_makes_of_the_raw_text(worlds, pilot_id):
    surveys, _ = _surveys(worlds[pilot_id])
    answers = pd.concat([s.answers for s in surveys], ignore_index=True)
    scaled = answers[(answers["kind"] == "response") & answers["raw"].notna()]
    for row in scaled.itertuples():
        found = normalise_label(row.scale, row.raw, ITEM_ALIASES.get(row.scale))
        if row.quarantine:
            assert found.kind == "unknown", row.raw
        else:
            assert found.kind in ("point", "non-response"), row.raw
            assert (found.value, found.label) == ((None if pd.isna(row.value) else row.value), row.label)
    expected_quarantine = 2 if pilot_id == "kirklees-2010" else 0
    assert int(answers["quarantine"].sum()) == expected_quarantine


def test_survey_respondents_follow_the_design(worlds):
    world = worlds["suffolk"]
    surveys, _ = _surveys(world)
    by_key = {s.key: s for s in surveys}
    assert [s.key for s in surveys] == ["pre", "post", "feedback-workshop-1", "feedback-workshop-2",
                                        "feedback-workshop-3"]
    pre = set(by_key["pre"].answers["person_key"])
    post = set(by_key["post"].answers["person_key"])
    assert (len(pre), len(post)) == (18, 13)
    assert post <= pre
    attended = world.people.set_index("person_key")["sessions_attended"]
    assert (attended[list(post)] > 0).all()
    for survey in surveys[2:]:
        present = set(world.present(survey.session_id)["person_key"])
        assert set(survey.answers["person_key"]) <= present
    post_answers = by_key["post"].answers
    then = post_answers[post_answers["wave"] == "then"]
    assert set(then["question"]) == {question(i, "ms_forms", then=True) for i in
                                    ("conf_role", "conf_footprint", "conf_debate", "conf_network")}


def test_the_item_map_is_a_valid_programme_item_list():
    items = programme_items()
    programme = Programme.model_validate({
        "name": "x", "items": items,
        "pilots": [{"id": "p", "name": "P", "authorities": ["A"],
                    "sessions": [{"id": "s", "kind": "workshop", "date": "2024-01-01"}]}],
    })
    found = programme.item_for_question(question("conf_debate", "surveymonkey", then=True))
    assert (found[0].id, found[1].wave) == ("conf_debate", "then")
    assert programme.item_for_question(question("fb_more", "paper"))[0].scale == "yes_no"
    quite = next(i for i in programme.items if i.id == "conf_role").aliases["Quite confident"]
    assert quite == "Moderately confident"
    assert all(re.search(r"\S", q.text) for i in programme.items for q in i.questions)
