"""Linking people to the roster: every rule, ambiguity, the review queue, resolutions,
pseudonyms, determinism and speed."""

import hashlib
import hmac
import time

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from evalkit import schemas
from evalkit.linking import REVIEW_COLUMNS, LinkingError, link_pilot
from evalkit.programme import Resolution, Settings
from evalkit.roster import participant_ids

KEY = b"test key: not for real programmes"
PILOT = "suffolk"
SETTINGS = Settings()

# the roster as read_roster gives it (aliases already split into tuples)
ROSTER = pd.DataFrame({
    "roster_id": ["S01", "S02", "S03", "S04", "S05", "S06", "S07", "S08"],
    "name": ["Jane Smith", "John Smith", "Siân O'Neill", "Tom Smith-Jones", "Ann Lee",
             "Priya Sharma", "Jon Hartley", "Jan Hartley"],
    "role": ["councillor"] * 4 + ["officer"] + ["councillor"] * 3,
    "authority": ["Suffolk County Council"] * 8,
    "party": ["Labour", "Conservative", "Green", "Independent", None, "Labour", "Labour", "Labour"],
    "email": ["jane.smith@suffolk.gov.uk", "john.smith@midsuffolk.gov.uk", None, None,
              "ann.lee@suffolk.gov.uk", "priya.sharma@suffolk.gov.uk", None, None],
    "x_handle": ["CllrJaneSmith", "JohnSmithMidSuff", "SianONeill", None, None, None, None, None],
    "facebook_page": [None, "Cllr John Smith", None, None, None, None, None, None],
    "in_cohort": [True, False, True, True, False, True, True, True],
    "comparison": [False, True, False, False, False, False, False, False],
    "aliases": [("jane.smith@eastsuffolk.gov.uk", "Jane Smith (East Suffolk)"), (), ("07700 900456",),
                (), (), ("Cllr P Sharma", "priyasharma73@gmail.com"), (), ()],
    "followers_at_start": [1234.0, 310.0, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan],
})


def pid(roster_id, key=KEY, pilot=PILOT):
    return "P-" + hmac.new(key, f"{pilot}\x1f{roster_id}".encode(), hashlib.sha256).hexdigest()[:10]


def attendance(*identities, **extra):
    names = [i[0] for i in identities]
    emails = [i[1] if len(i) > 1 else None for i in identities]
    frame = pd.DataFrame({"pilot_id": PILOT, "session_id": "workshop-1", "participant_id": None,
                          "source_name": pd.Series(names, dtype="object"),
                          "source_email": pd.Series(emails, dtype="object"), "status": "present",
                          "source": "register"})
    for column, values in extra.items():
        frame[column] = pd.Series(values, dtype="object")
    return frame


def posts(*accounts):
    return pd.DataFrame({"pilot_id": PILOT, "participant_id": None,
                         "platform": [a[1] for a in accounts], "account": [a[0] for a in accounts],
                         "post_id": [str(1457000000000000000 + i) for i in range(len(accounts))]})


def link(tables, **kwargs):
    return link_pilot(PILOT, ROSTER, tables, key=KEY, settings=kwargs.pop("settings", SETTINGS), **kwargs)


def one(linked, **where):
    rows = linked.links
    for column, value in where.items():
        rows = rows[rows[column].isna()] if value is None else rows[rows[column] == value]
    assert len(rows) == 1, rows
    return rows.iloc[0]


# --------------------------------------------------------------------------- exact keys

def test_email_links_first():
    linked = link({"attendance": attendance(("Smith, Jane (External)", "jane.smith@suffolk.gov.uk"))})
    row = one(linked, source_name="Smith, Jane (External)")
    assert (row["participant_id"], row["rule"], row["score"], row["status"]) == (pid("S01"), "email", 100.0, "linked")


def test_email_is_compared_without_case_or_spaces():
    linked = link({"responses": attendance((None, " JANE.Smith@Suffolk.GOV.uk "))})
    assert one(linked, source_table="responses")["participant_id"] == pid("S01")


def test_teams_guest_upn_gives_the_email_inside_it():
    upn = "jane.smith_eastsuffolk.gov.uk#EXT#@suffolkcc.onmicrosoft.com"
    linked = link({"attendance": attendance(("Jane S (External)", None), upn=[upn])})
    row = linked.links.iloc[0]
    assert (row["rule"], row["participant_id"], row["source_upn"]) == ("alias", pid("S01"), upn)


def test_teams_upn_is_an_email_too():
    linked = link({"attendance": attendance(("Jane S", None), upn=["jane.smith@suffolk.gov.uk"])})
    row = one(linked, source_name="Jane S")
    assert (row["rule"], row["participant_id"]) == ("email", pid("S01"))
    assert row["source_upn"] == "jane.smith@suffolk.gov.uk"


@pytest.mark.parametrize("account, platform, roster_id", [
    ("CllrJaneSmith", "x", "S01"),
    ("@cllrjanesmith", "x", "S01"),
    ("JohnSmithMidSuff", "x", "S02"),
    ("Cllr John Smith", "facebook", "S02"),
    ("cllr john  smith", "facebook", "S02"),
])
def test_handle_or_page_links_accounts(account, platform, roster_id):
    linked = link({"posts": posts((account, platform))})
    row = one(linked, source_table="posts")
    assert (row["rule"], row["participant_id"], row["source_handle"], row["platform"]) == (
        "handle", pid(roster_id), account, platform)
    assert row["source_name"] is None and row["source_email"] is None


@pytest.mark.parametrize("name, email, roster_id", [
    (None, "jane.smith@eastsuffolk.gov.uk", "S01"),      # an alias email (her district account)
    ("Smith, Jane (External)", "jane.smith@eastsuffolk.gov.uk", "S01"),
    ("Jane Smith (East Suffolk)", None, "S01"),           # an alias name written exactly
    ("Cllr P Sharma", "priyasharma73@gmail.com", "S06"),
    ("Cllr P. Sharma (Lab)", None, "S06"),               # the alias, normalised
    ("+44 7700 900456", None, "S03"),                     # a phone number the roster lists
])
def test_roster_aliases_link(name, email, roster_id):
    linked = link({"attendance": attendance((name, email))})
    row = linked.links.iloc[0]
    assert (row["rule"], row["participant_id"], row["status"]) == ("alias", pid(roster_id), "linked")


# --------------------------------------------------------------------------- names

@pytest.mark.parametrize("name, roster_id", [
    ("Jane Smith (Jane's iPad)", "S01"),
    ("Jane Smith (Jane's iPad) (Jane Smith)", "S01"),
    ("Councillor Jane Smith (Lab)", "S01"),
    ("SMITH, Jane", "S01"),
    ("Smith, Jane (Guest)", "S01"),
    ("Smith, Jane (Unverified)", "S01"),
    ("Jane Smith iPhone", "S01"),
    ("Cllr Sian O'Neill", "S03"),
    ("O'NEILL, Siân (Green)", "S03"),
    ("Sian ONeill", "S03"),
    ("Tom Smith Jones", "S04"),
    ("Cllr Tom Smith-Jones (Ind)", "S04"),
    ("Smith-Jones Tom", "S04"),              # surname first without a comma
    ("Tom Alan Smith-Jones", "S04"),         # a middle name the roster does not have
    ("T. Smith-Jones", "S04"),               # initials, only one such person
    ("Mrs A Lee", "S05"),
])
def test_normalised_names_link(name, roster_id):
    linked = link({"attendance": attendance((name,))})
    row = one(linked, source_name=name)
    assert (row["rule"], row["score"], row["status"], row["participant_id"]) == (
        "name", 100.0, "linked", pid(roster_id))


def test_zoom_original_name_column_is_used():
    linked = link({"attendance": attendance(("JS", None), source_original_name=["Jane Smith"])})
    row = linked.links.iloc[0]
    assert (row["rule"], row["participant_id"], row["source_original_name"]) == ("name", pid("S01"), "Jane Smith")


def test_name_read_from_an_email_when_there_is_no_name():
    linked = link({"responses": attendance((None, "tom.smith-jones@gmail.com"))})
    row = linked.links.iloc[0]
    assert (row["rule"], row["participant_id"]) == ("name", pid("S04"))


def test_name_read_from_a_handle_not_on_the_roster():
    linked = link({"posts": posts(("CllrPriyaSharma", "x"))})
    row = linked.links.iloc[0]
    assert (row["rule"], row["participant_id"]) == ("name", pid("S06"))


# --------------------------------------------------------------------------- fuzzy

def test_fuzzy_link_above_the_threshold():
    # token_sort_ratio("jane smiht", "jane smith"): 9 of 10 letters in common order,
    # indel distance 2 over 20 characters -> 100 * (1 - 2/20) = 90.0
    linked = link({"attendance": attendance(("Jane Smiht",), ("Sian ONeil",))})
    jane = one(linked, source_name="Jane Smiht")
    assert (jane["rule"], jane["score"], jane["status"], jane["participant_id"]) == ("fuzzy", 90.0, "linked", pid("S01"))
    # "sian oneil" vs "sian oneill": distance 1 over 21 -> 95.238 -> 95.2
    sian = one(linked, source_name="Sian ONeil")
    assert (sian["rule"], sian["score"], sian["participant_id"]) == ("fuzzy", 95.2, pid("S03"))


def test_fuzzy_threshold_is_a_setting():
    linked = link({"attendance": attendance(("Jane Smiht",))}, settings=Settings(fuzzy_threshold=91))
    row = linked.links.iloc[0]
    assert (row["status"], row["participant_id"], row["rule"], row["score"]) == ("unmatched", None, None, 90.0)
    queued = linked.review.iloc[0]
    assert (queued["candidate_1_roster_id"], queued["candidate_1_name"], queued["candidate_1_score"]) == (
        "S01", "Jane Smith", 90.0)


def test_fuzzy_near_tie_is_ambiguous():
    # "jen hartley" scores 100 * (1 - 2/22) = 90.9 against both Jon and Jan Hartley
    linked = link({"attendance": attendance(("Jen Hartley",))})
    row = linked.links.iloc[0]
    assert (row["status"], row["rule"], row["participant_id"], row["score"]) == ("ambiguous", "fuzzy", None, 90.9)
    queued = linked.review.iloc[0]
    # equal scores: the lower roster_id first, so the queue reads the same in every run
    assert [queued["candidate_1_roster_id"], queued["candidate_2_roster_id"]] == ["S07", "S08"]
    assert [queued["candidate_1_score"], queued["candidate_2_score"]] == [90.9, 90.9]


def test_ambiguity_margin_is_a_setting():
    # "Jane Smiht" scores 90.0 with Jane Smith. The next best is Tom Smith-Jones: sorted
    # words "jane smiht" and "jones smith tom" share 9 letters in order (j n e ␣ s m i h t),
    # distance 10 + 15 - 2 * 9 = 7 over 25 -> 72.0; then John Smith: "jane smiht" and
    # "john smith" share 7 (j n ␣ s m i t), distance 6 over 20 -> 70.0.
    linked = link({"attendance": attendance(("Jane Smiht",))}, settings=Settings(ambiguity_margin=20))
    row = linked.links.iloc[0]
    assert (row["status"], row["participant_id"]) == ("ambiguous", None)
    queued = linked.review.iloc[0]
    assert [queued[f"candidate_{i}_roster_id"] for i in (1, 2, 3)] == ["S01", "S04", "S02"]
    assert [queued[f"candidate_{i}_score"] for i in (1, 2, 3)] == [90.0, 72.0, 70.0]
    # with the default margin of 3 the 18-point lead is enough
    assert link({"attendance": attendance(("Jane Smiht",))}).links.iloc[0]["status"] == "linked"


# --------------------------------------------------------------------------- never merged silently

def test_initials_shared_by_two_people_are_ambiguous():
    linked = link({"attendance": attendance(("Cllr J. Smith",), ("J Smith (Lab)",))})
    for name in ("Cllr J. Smith", "J Smith (Lab)"):
        row = one(linked, source_name=name)
        assert (row["status"], row["participant_id"], row["rule"]) == ("ambiguous", None, "name")
    assert linked.tables["attendance"]["participant_id"].isna().all()
    queued = linked.review.set_index("identity").loc["Cllr J. Smith"]
    assert (queued["candidate_1_roster_id"], queued["candidate_1_name"], queued["candidate_1_score"]) == (
        "S01", "Jane Smith", 100.0)
    assert (queued["candidate_2_roster_id"], queued["candidate_2_name"]) == ("S02", "John Smith")
    assert queued["candidate_3_roster_id"] is None


def test_email_of_one_person_with_the_name_of_another_is_ambiguous():
    linked = link({"attendance": attendance(("Ann Lee", "jane.smith@suffolk.gov.uk"))})
    row = linked.links.iloc[0]
    assert (row["status"], row["participant_id"]) == ("ambiguous", None)
    queued = linked.review.iloc[0]
    assert {queued["candidate_1_roster_id"], queued["candidate_2_roster_id"]} == {"S01", "S05"}


def test_two_roster_people_with_the_same_name_are_ambiguous():
    roster = pd.concat([ROSTER, pd.DataFrame({"roster_id": ["S09"], "name": ["Ann Lee"], "role": ["councillor"],
                                              "aliases": [()]})], ignore_index=True)
    linked = link_pilot(PILOT, roster, {"attendance": attendance(("Cllr Ann Lee",))}, key=KEY, settings=SETTINGS)
    assert linked.links.iloc[0]["status"] == "ambiguous"
    # an email tells them apart
    linked = link_pilot(PILOT, roster, {"attendance": attendance(("Ann Lee", "ann.lee@suffolk.gov.uk"))},
                        key=KEY, settings=SETTINGS)
    assert linked.links.iloc[0]["participant_id"] == pid("S05")


def test_a_stranger_is_unmatched():
    linked = link({"attendance": attendance(("Cllr Peter Walsh (Con)", "peter.walsh@westsuffolk.gov.uk"))})
    row = linked.links.iloc[0]
    assert (row["status"], row["participant_id"], row["rule"]) == ("unmatched", None, None)
    assert "no roster name scores 88 or more" in linked.review.iloc[0]["reason"]


@pytest.mark.parametrize("number", ["+44 7700 900123", "07700900123", "07700 900123"])
def test_dial_in_numbers_are_unmatched_and_never_fuzzy_matched(number):
    roster = pd.concat([ROSTER, pd.DataFrame({"roster_id": ["S10"], "name": ["07700 900123"],
                                              "role": ["other"], "aliases": [()]})], ignore_index=True)
    # even a roster "name" that is the same digits does not make a dial-in a name match
    linked = link_pilot(PILOT, roster, {"attendance": attendance((number,))}, key=KEY, settings=SETTINGS)
    row = linked.links.iloc[0]
    assert (row["status"], row["participant_id"], row["rule"]) == ("unmatched", None, None)
    assert np.isnan(row["score"])
    queued = linked.review.iloc[0]
    assert "dial-in" in queued["reason"]
    assert queued["candidate_1_roster_id"] is None


def test_anonymous_replies_are_unmatched():
    linked = link({"responses": attendance((None, "anonymous"), (None, None))})
    assert linked.links["status"].tolist() == ["unmatched", "unmatched"]
    assert set(linked.review["reason"]) == {"no name, email or handle (anonymous)"}


def test_unknown_account_is_unmatched():
    linked = link({"metrics": posts(("randomaccount99", "x"))})
    assert linked.links.iloc[0]["status"] == "unmatched"


# --------------------------------------------------------------------------- the tables

MIXED = {
    "attendance": attendance(
        ("Smith, Jane (External)", "jane.smith@eastsuffolk.gov.uk"),
        ("Cllr J. Smith", None),
        ("Cllr J. Smith", None),
        ("+44 7700 900123", None),
        ("Siân O'Neill (Siân's iPad) (Siân O'Neill)", None),
        ("Smith, Jane (External)", "jane.smith@eastsuffolk.gov.uk"),
    ),
    "responses": attendance(
        (None, "jane.smith@suffolk.gov.uk"),
        ("J Smith", None),
        (None, "anonymous"),
        ("Cllr J. Smith", None),
    ),
    "posts": posts(("CllrJaneSmith", "x"), ("CllrJaneSmith", "x"), ("Cllr John Smith", "facebook")),
    "sessions": pd.DataFrame({"pilot_id": [PILOT], "session_id": ["workshop-1"]}),
}


def test_tables_get_participant_ids_row_by_row():
    linked = link(MIXED)
    s01, s03 = pid("S01"), pid("S03")
    assert linked.tables["attendance"]["participant_id"].tolist() == [s01, None, None, None, s03, s01]
    assert linked.tables["responses"]["participant_id"].tolist() == [s01, None, None, None]
    assert linked.tables["posts"]["participant_id"].tolist() == [s01, s01, pid("S02")]
    assert linked.tables["sessions"] is MIXED["sessions"]
    assert linked.tables["attendance"]["participant_id"].dtype == object


def test_input_tables_are_not_changed():
    before = {name: frame.copy() for name, frame in MIXED.items()}
    link(MIXED)
    for name, frame in MIXED.items():
        pd.testing.assert_frame_equal(frame, before[name])


def test_links_one_row_per_identity_per_table():
    linked = link(MIXED)
    links = linked.links
    schemas.validate("links", links)
    assert links.groupby("source_table").size().to_dict() == {"attendance": 4, "posts": 2, "responses": 4}
    assert links["n_rows"].sum() == 6 + 4 + 3
    jsmith = links[(links["source_name"] == "Cllr J. Smith")]
    assert jsmith[["source_table", "n_rows"]].values.tolist() == [["attendance", 2], ["responses", 1]]
    assert set(links["pilot_id"]) == {PILOT}


def test_counts_and_review_queue():
    linked = link(MIXED)
    # attendance: Jane (alias) linked, Siân linked, Cllr J. Smith ambiguous, dial-in unmatched
    # responses: Jane (email) linked, J Smith + Cllr J. Smith ambiguous, anonymous unmatched
    # posts: two handles linked
    assert linked.counts.to_dict("records") == [
        {"pilot_id": PILOT, "linked": 5, "ambiguous": 3, "unmatched": 2, "not-a-participant": 0}]
    assert list(linked.review.columns) == REVIEW_COLUMNS
    assert linked.review[["source_table", "identity", "status"]].values.tolist() == [
        ["attendance", "Cllr J. Smith", "ambiguous"],
        ["attendance", "+44 7700 900123", "unmatched"],
        ["responses", "Cllr J. Smith", "ambiguous"],
        ["responses", "J Smith", "ambiguous"],
        ["responses", "anonymous", "unmatched"],
    ]


def test_participants_come_from_the_roster_without_roster_ids():
    linked = link(MIXED)
    assert len(linked.participants) == len(ROSTER)
    assert "roster_id" not in linked.participants.columns
    assert linked.participants["participant_id"].tolist() == [pid(r) for r in ROSTER["roster_id"]]
    assert {"comparison", "followers_at_start"} <= set(linked.participants.columns)


def test_rows_of_another_pilot_are_refused():
    other = attendance(("Jane Smith",)).assign(pilot_id="solihull")
    with pytest.raises(LinkingError, match="solihull"):
        link({"attendance": other})


def test_a_repeated_roster_id_is_refused():
    roster = pd.concat([ROSTER, ROSTER.iloc[[0]]], ignore_index=True)
    with pytest.raises(LinkingError, match="S01"):
        link_pilot(PILOT, roster, {}, key=KEY, settings=SETTINGS)


def test_no_tables_at_all():
    linked = link({})
    assert linked.links.empty and linked.review.empty
    assert linked.counts.iloc[0]["linked"] == 0
    assert len(linked.participants) == len(ROSTER)


# --------------------------------------------------------------------------- resolutions

def test_resolutions_link_and_the_queue_shrinks():
    before = link(MIXED)
    resolutions = [
        Resolution(pilot=PILOT, identity="cllr j. smith", participant="S01", note="signed in twice"),
        Resolution(pilot=PILOT, identity="+44 7700 900123", participant="not-a-participant"),
        Resolution(pilot="solihull", identity="J Smith", participant="S02"),   # another pilot: ignored
    ]
    after = link(MIXED, resolutions=resolutions)
    assert len(before.review) == 5 and len(after.review) == 2
    assert after.review["identity"].tolist() == ["J Smith", "anonymous"]
    for table in ("attendance", "responses"):
        row = one(after, source_table=table, source_name="Cllr J. Smith")
        assert (row["rule"], row["status"], row["participant_id"]) == ("manual", "linked", pid("S01"))
        assert np.isnan(row["score"]) and "signed in twice" in row["reason"]
    dial = one(after, source_name="+44 7700 900123")
    assert (dial["status"], dial["participant_id"], dial["rule"]) == ("not-a-participant", None, "manual")
    assert after.tables["attendance"]["participant_id"].tolist()[:4] == [pid("S01"), pid("S01"), pid("S01"), None]
    assert after.counts.to_dict("records") == [
        {"pilot_id": PILOT, "linked": 7, "ambiguous": 1, "unmatched": 1, "not-a-participant": 1}]


def test_a_resolution_can_be_limited_to_one_table():
    after = link(MIXED, resolutions=[
        Resolution(pilot=PILOT, identity="Cllr J. Smith", participant="S02", source_table="responses")])
    assert one(after, source_table="responses", source_name="Cllr J. Smith")["participant_id"] == pid("S02")
    assert one(after, source_table="attendance", source_name="Cllr J. Smith")["status"] == "ambiguous"


def test_a_resolution_overrides_a_linked_decision():
    after = link(MIXED, resolutions=[
        Resolution(pilot=PILOT, identity="@CllrJaneSmith", participant="not-a-participant")])
    row = one(after, source_handle="CllrJaneSmith")
    assert (row["status"], row["participant_id"]) == ("not-a-participant", None)
    assert after.tables["posts"]["participant_id"].tolist() == [None, None, pid("S02")]


def test_a_resolution_copied_from_a_spreadsheet_safe_review_file():
    # review.csv guards cells that start with + (a formula in a spreadsheet) with a quote
    after = link(MIXED, resolutions=[
        Resolution(pilot=PILOT, identity="'+44 7700 900123", participant="not-a-participant")])
    assert one(after, source_name="+44 7700 900123")["status"] == "not-a-participant"


def test_a_resolution_by_email():
    after = link(MIXED, resolutions=[Resolution(pilot=PILOT, identity="ANONYMOUS", participant="not-a-participant")])
    assert one(after, source_email="anonymous")["status"] == "not-a-participant"


def test_a_resolution_naming_an_unknown_roster_id_is_an_error():
    with pytest.raises(LinkingError, match="'S99'.*'Cllr J. Smith'"):
        link(MIXED, resolutions=[Resolution(pilot=PILOT, identity="Cllr J. Smith", participant="S99")])


def test_a_resolution_matching_nothing_is_noted():
    after = link(MIXED, resolutions=[Resolution(pilot=PILOT, identity="Nobody Here", participant="S01")])
    assert after.notes == ["resolution for 'Nobody Here' (pilot suffolk) matched no identity"]


# --------------------------------------------------------------------------- pseudonyms and determinism

IDENTITY_POOL = [
    ("Smith, Jane (External)", "jane.smith@eastsuffolk.gov.uk"), ("Cllr J. Smith", None),
    ("+44 7700 900123", None), ("Jane Smiht", None), ("Jen Hartley", None), ("Sian ONeil", None),
    (None, "anonymous"), ("Cllr P Sharma", None), ("Peter Walsh", "peter.walsh@x.gov.uk"),
    ("Tom Smith Jones", None), ("Ann Lee", "jane.smith@suffolk.gov.uk"), ("Mrs A Lee", None),
]
ACCOUNT_POOL = [("CllrJaneSmith", "x"), ("Cllr John Smith", "facebook"), ("nobody", "x"), ("SianONeill", "x")]


def _tables(picks, account_picks):
    return {
        "attendance": attendance(*[IDENTITY_POOL[i] for i in picks[0::2]] or [("Ann Lee",)]),
        "responses": attendance(*[IDENTITY_POOL[i] for i in picks[1::2]] or [("Ann Lee",)]),
        "posts": posts(*[ACCOUNT_POOL[i] for i in account_picks] or [("nobody", "x")]),
    }


def _per_row(linked):
    return {name: frame["participant_id"].tolist() for name, frame in linked.tables.items()}


@given(
    picks=st.lists(st.integers(0, len(IDENTITY_POOL) - 1), min_size=1, max_size=30),
    account_picks=st.lists(st.integers(0, len(ACCOUNT_POOL) - 1), max_size=10),
    seed=st.integers(0, 2**32 - 1),
)
@hsettings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_linking_does_not_depend_on_the_order_of_rows_tables_or_roster(picks, account_picks, seed):
    tables = _tables(picks, account_picks)
    first = link(tables)
    rng = np.random.default_rng(seed)
    shuffled_tables = {}
    orders = {}
    for name in rng.permutation(list(tables)):
        order = rng.permutation(len(tables[name]))
        orders[name] = order
        shuffled_tables[name] = tables[name].iloc[order].reset_index(drop=True)
    roster = ROSTER.iloc[rng.permutation(len(ROSTER))].reset_index(drop=True)
    second = link_pilot(PILOT, roster, shuffled_tables, key=KEY, settings=SETTINGS)
    pd.testing.assert_frame_equal(first.links, second.links)
    pd.testing.assert_frame_equal(first.review, second.review)
    pd.testing.assert_frame_equal(first.counts, second.counts)
    for name, order in orders.items():
        expected = np.asarray(first.tables[name]["participant_id"].tolist(), dtype=object)[order].tolist()
        assert second.tables[name]["participant_id"].tolist() == expected


@given(key_a=st.binary(min_size=16, max_size=64), key_b=st.binary(min_size=16, max_size=64))
@hsettings(max_examples=200, deadline=None)
def test_changing_the_key_changes_every_participant_id(key_a, key_b):
    a = participant_ids(PILOT, ROSTER["roster_id"], key_a)
    assert a.tolist() == participant_ids(PILOT, ROSTER["roster_id"], key_a).tolist()
    assert a.tolist() == [pid(r, key=key_a) for r in ROSTER["roster_id"]]
    if key_a != key_b:
        b = participant_ids(PILOT, ROSTER["roster_id"], key_b)
        assert (a != b).all()


def test_linked_rows_follow_the_key():
    tables = _tables(list(range(len(IDENTITY_POOL))), list(range(len(ACCOUNT_POOL))))
    key_b = b"another key, also long enough"
    a = link_pilot(PILOT, ROSTER, tables, key=KEY, settings=SETTINGS)
    again = link_pilot(PILOT, ROSTER, tables, key=KEY, settings=SETTINGS)
    b = link_pilot(PILOT, ROSTER, tables, key=key_b, settings=SETTINGS)
    assert _per_row(a) == _per_row(again)
    pd.testing.assert_frame_equal(a.links, again.links)
    # decisions do not depend on the key; every linked row's id changes with it
    pd.testing.assert_frame_equal(a.links.drop(columns="participant_id"), b.links.drop(columns="participant_id"))
    linked_rows = 0
    for name in tables:
        for x, y in zip(_per_row(a)[name], _per_row(b)[name]):
            assert (x is None and y is None) or x != y
            linked_rows += x is not None
    assert linked_rows >= 8
    assert set(b.links["participant_id"].dropna()) <= {pid(r, key=key_b) for r in ROSTER["roster_id"]}


def test_participant_ids_follow_the_roster_id_not_the_name():
    renamed = ROSTER.assign(name=ROSTER["name"].where(ROSTER["roster_id"] != "S01", "Jane Smith-Brown"))
    a = link(MIXED).participants.set_index("display_name")
    b = link_pilot(PILOT, renamed, MIXED, key=KEY, settings=SETTINGS).participants.set_index("display_name")
    assert a.loc["Jane Smith", "participant_id"] == b.loc["Jane Smith-Brown", "participant_id"] == pid("S01")


# --------------------------------------------------------------------------- speed

def test_a_large_table_with_few_distinct_names_links_quickly():
    firsts = ["Jane", "John", "Ann", "Tom", "Siân", "Priya", "Ravi", "Zoë", "Mark", "Ruth"]
    lasts = ["Smith", "O'Neill", "Lee", "Smith-Jones", "Patel"]
    names = [f"{f} {s}" for f in firsts for s in lasts]
    roster = pd.DataFrame({"roster_id": [f"R{i:02d}" for i in range(50)], "name": names, "role": "councillor"})
    written = [f"Cllr {n} (Lab)" if i % 2 else f"{n.split()[-1]}, {n.split()[0]} (External)"
               for i, n in enumerate(names)]
    rng = np.random.default_rng(7)
    picks = rng.integers(0, 50, 100_000)
    big = pd.DataFrame({"pilot_id": "p", "source_name": np.asarray(written, dtype=object)[picks],
                        "source_email": None})
    started = time.perf_counter()
    linked = link_pilot("p", roster, {"attendance": big}, key=KEY, settings=SETTINGS)
    elapsed = time.perf_counter() - started
    assert elapsed < 5.0, f"linking 100,000 rows took {elapsed:.1f} s"
    assert len(linked.links) == 50 and linked.links["n_rows"].sum() == 100_000
    assert (linked.links["status"] == "linked").all()
    expected = pd.Series([pid(f"R{i:02d}", pilot="p") for i in picks])
    assert linked.tables["attendance"]["participant_id"].tolist() == expected.tolist()


# --------------------------------------------------------------------------- tables and links

def test_each_table_gets_its_own_links_and_row_counts():
    # given out of name order, with a row count per row (a caller passing distinct identities)
    tables = {
        "posts": posts(("@CllrJaneSmith", "x"), ("@CllrJaneSmith", "x"), ("JohnSmithMidSuff", "x")),
        "attendance": attendance(("Jane Smith",), ("Ann Lee",), ("Jane Smith",)).assign(_rows=[2, 5, 1]),
    }
    linked = link(tables)
    links = linked.links
    assert links[["source_table", "source_name", "source_handle", "n_rows"]].values.tolist() == [
        ["attendance", "Ann Lee", None, 5],
        ["attendance", "Jane Smith", None, 3],          # 2 + 1
        ["posts", None, "@CllrJaneSmith", 2],
        ["posts", None, "JohnSmithMidSuff", 1],
    ]
    assert links["participant_id"].tolist() == [pid("S05"), pid("S01"), pid("S01"), pid("S02")]
    assert linked.tables["attendance"]["participant_id"].tolist() == [pid("S01"), pid("S05"), pid("S01")]
    assert linked.tables["posts"]["participant_id"].tolist() == [pid("S01"), pid("S01"), pid("S02")]
    assert list(linked.tables) == ["posts", "attendance"]


def test_a_links_table_that_breaks_its_schema_names_every_fault():
    from evalkit.linking import _check_links

    links = link({"attendance": attendance(("Jane Smith",), ("Ann Lee",))}).links
    _check_links(links)  # a valid table passes
    broken = links.copy()
    broken.loc[1, "score"] = 120.0
    broken.loc[0, "status"] = "maybe"
    with pytest.raises(schemas.TableValidationError) as raised:
        _check_links(broken)
    faults = raised.value.failures
    assert sorted(zip(faults["column"], faults["row"], faults["value"])) == [("score", 1, 120.0), ("status", 0, "maybe")]


# --------------------------------------------------------------------------- awkward identities

def test_identities_are_counted_per_table_and_kept_as_written():
    # one person written four ways in attendance and twice in responses: a leading space
    # makes another identity (links show exactly what the table holds), a blank name
    # leaves the email to speak, emails differing in case are two identities
    tables = {
        "responses": pd.DataFrame({"pilot_id": PILOT, "participant_id": None,
                                   "source_name": pd.Series(["Ann Lee", "  "], dtype="object"),
                                   "source_email": pd.Series([None, "ann.lee@suffolk.gov.uk"], dtype="object")}),
        "attendance": attendance(("Ann Lee",), (" Ann Lee",), ("Ann Lee",), ("   ", "ANN.LEE@suffolk.gov.uk"),
                                 (None, "ann.lee@suffolk.gov.uk")),
    }
    linked = link(tables)
    assert linked.links[["source_table", "source_name", "source_email", "rule", "n_rows"]].values.tolist() == [
        ["attendance", None, "ANN.LEE@suffolk.gov.uk", "email", 1],
        ["attendance", None, "ann.lee@suffolk.gov.uk", "email", 1],
        ["attendance", " Ann Lee", None, "name", 1],
        ["attendance", "Ann Lee", None, "name", 2],
        ["responses", None, "ann.lee@suffolk.gov.uk", "email", 1],
        ["responses", "Ann Lee", None, "name", 1],
    ]
    assert set(linked.links["participant_id"]) == {pid("S05")}
    assert linked.tables["attendance"]["participant_id"].tolist() == [pid("S05")] * 5
    assert linked.tables["responses"]["participant_id"].tolist() == [pid("S05")] * 2
    assert linked.counts[["linked", "ambiguous", "unmatched"]].values.tolist() == [[6, 0, 0]]


def test_roster_row_order_and_alias_spelling_do_not_change_links():
    # the roster upside down, its aliases typed as one ";"-separated text
    typed = ROSTER.iloc[::-1].reset_index(drop=True)
    typed["aliases"] = [" ; ".join(a) for a in typed["aliases"]]
    tables = {"attendance": attendance(("Cllr P Sharma",), ("Jon Hartley",), ("J Hartley",),
                                       ("Jane Smith (East Suffolk)",))}
    linked = link_pilot(PILOT, typed, tables, key=KEY, settings=SETTINGS)
    links = linked.links.set_index("source_name")
    assert links.loc["Cllr P Sharma", ["rule", "participant_id"]].tolist() == ["alias", pid("S06")]
    assert links.loc["Jane Smith (East Suffolk)", ["rule", "participant_id"]].tolist() == ["alias", pid("S01")]
    assert links.loc["Jon Hartley", ["rule", "participant_id"]].tolist() == ["name", pid("S07")]
    assert links.loc["J Hartley", ["rule", "status"]].tolist() == ["name", "ambiguous"]
    # candidates in roster_id order, whatever the order of the roster's rows
    queue = linked.review.set_index("identity")
    assert queue.loc["J Hartley", ["candidate_1_roster_id", "candidate_2_roster_id", "candidate_3_roster_id"]].tolist() \
        == ["S07", "S08", None]
    pd.testing.assert_frame_equal(linked.links, link(tables).links)
    pd.testing.assert_frame_equal(linked.review, link(tables).review)


def test_an_alias_that_only_repeats_the_own_name_is_not_an_alias():
    roster = ROSTER.copy()
    roster["aliases"] = [("JANE SMITH", "Cllr Jane Smith")] + list(ROSTER["aliases"][1:])
    linked = link_pilot(PILOT, roster, {"attendance": attendance(("Jane Smith",))}, key=KEY, settings=SETTINGS)
    row = one(linked, source_name="Jane Smith")
    assert (row["rule"], row["participant_id"]) == ("name", pid("S01"))
    assert row["reason"] == "the normalised name 'jane smith' is the roster name"
