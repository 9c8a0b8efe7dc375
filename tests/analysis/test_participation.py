"""Participation: turnout, who came, representation, consistency, retention, minutes present.

Two hand-written pilots. Every expected number below is worked out by hand from the tables
in the comments; intervals are checked against evalkit.stats.proportion for the same k, n.

"north" — a multi-workshop pilot (eligible: the cohort N1..N6)
    sessions   m1 master class 10 Sep (hybrid, starts 10:00), w1 8 Oct (online),
               w2 12 Nov (in person), w3 10 Dec (online)
    N1 Lab  Alpha   m1 (register + Teams 80 min), w1 90 min, w2, w3 60 min     -> 4 sessions
    N2 Lab  Alpha   m1, w1 45 min, w2 apologies, w3 absent                      -> 2
    N3 Lab  Beta    m1, w1 85 min, w2, w3 20 min                                -> 4
    N4 Con  Alpha   m1, w1 two Teams records 30 and 70 min (longest: 70)        -> 2
    N5 Con  Beta    m1, w2                                                      -> 2
    N6 (none) Beta  m1 absent                                                   -> 0
    N7 officer (not cohort) at m1; N8 comparison councillor (not cohort) at w2 (not eligible)
    unlinked: "Cllr  Zed" (register, m1) and zed@example.gov.uk (Teams, w1)

"town" — an awareness session (eligible: every councillor T1..T8)
    T1, T2, T3 present; T4 absent; officers T9, T10 present; an unlinked guest.
"""

import datetime as dt

import pandas as pd
import pytest

from evalkit.analysis import participation as part
from evalkit.stats import proportion

ZONE = "Europe/London"


def stamp(text):
    return pd.Timestamp(text).tz_localize(ZONE)


@pytest.fixture
def sessions():
    return pd.DataFrame({
        "pilot_id": ["north"] * 4 + ["town"],
        "session_id": ["w2", "m1", "w3", "w1", "aw"],          # not in date order on purpose
        "kind": ["workshop", "masterclass", "workshop", "workshop", "awareness"],
        "theme": [None] * 5,
        "date": [dt.date(2024, 11, 12), dt.date(2024, 9, 10), dt.date(2024, 12, 10),
                 dt.date(2024, 10, 8), dt.date(2010, 10, 13)],
        "start": [stamp("2024-11-12 10:00"), stamp("2024-09-10 10:00"), stamp("2024-12-10 10:00"),
                  stamp("2024-10-08 10:00"), stamp("2010-10-13 17:00")],
        "mode": ["in-person", "hybrid", "online", "online", "in-person"],
        "label": ["Workshop 2", "Master class", "Workshop 3", "Workshop 1", None],
    })


@pytest.fixture
def participants():
    north = pd.DataFrame({
        "participant_id": [f"N{i}" for i in range(1, 9)],
        "display_name": ["Nia One", "Ned Two", "Nell Three", "Nat Four", "Noor Five", "Nick Six",
                         "Nora Officer", "Neil Compare"],
        "role": ["councillor"] * 6 + ["officer", "councillor"],
        "authority": ["Alpha Council", "Alpha Council", "Beta Council", "Alpha Council", "Beta Council",
                      "Beta Council", "Alpha Council", "Alpha Council"],
        "party": ["Labour", "Labour", "Labour", "Conservative", "Conservative", None, None, "Labour"],
        # messy flags, as a hand-made roster might give them
        "in_cohort": [True, "yes", 1, "TRUE", "Y", True, False, None],
        "comparison": [False] * 7 + [True],
    })
    north.insert(0, "pilot_id", "north")
    town = pd.DataFrame({
        "participant_id": [f"T{i}" for i in range(1, 11)],
        "display_name": [f"Town Person {i}" for i in range(1, 11)],
        "role": ["councillor"] * 8 + ["officer"] * 2,
        "authority": ["Town Council"] * 10,
        "party": ["Red", "Red", "Blue", "Blue", "Red", "Blue", "Green", "Green", None, None],
        "in_cohort": [False] * 10,
        "comparison": [False] * 10,
    })
    town.insert(0, "pilot_id", "town")
    return pd.concat([north, town], ignore_index=True)


@pytest.fixture
def attendance():
    rows = [
        # pilot, session, participant, name, email, status, minutes, joined, left, source
        ("north", "m1", "N1", "Cllr N One", None, "present", None, None, None, "register"),
        ("north", "m1", "N1", "One, Nia", "nia.one@alpha.gov.uk", "present", 80.0,
         stamp("2024-09-10 10:05"), stamp("2024-09-10 11:25"), "teams"),
        ("north", "m1", "N2", "Cllr N Two", None, "present", None, None, None, "register"),
        ("north", "m1", "N3", "Nell Three", None, "present", None, None, None, "register"),
        ("north", "m1", "N4", "N. Four", None, "present", None, None, None, "register"),
        ("north", "m1", "N5", "Noor Five", None, "present", None, None, None, "register"),
        ("north", "m1", "N6", "Nick Six", None, "absent", None, None, None, "register"),
        ("north", "m1", "N7", "Nora (officer)", None, "present", None, None, None, "register"),
        ("north", "m1", None, "Cllr  Zed", None, "present", None, None, None, "register"),
        ("north", "w1", "N1", "Nia One", "nia.one@alpha.gov.uk", "present", 90.0, None, None, "teams"),
        ("north", "w1", "N2", "Ned Two", None, "present", 45.0, None, None, "teams"),
        ("north", "w1", "N3", "Nell Three", None, "present", 85.0, None, None, "teams"),
        ("north", "w1", "N4", "Nat Four (iPad)", None, "present", 30.0, None, None, "teams"),
        ("north", "w1", "N4", "Nat Four", None, "present", 70.0, None, None, "teams"),
        ("north", "w1", None, "Zed", "Zed@Example.gov.uk ", "present", 60.0, None, None, "teams"),
        ("north", "w2", "N1", "Nia One", None, "present", None, None, None, "register"),
        ("north", "w2", "N2", "Ned Two", None, "apologies", None, None, None, "register"),
        ("north", "w2", "N3", "Nell Three", None, "present", None, None, None, "register"),
        ("north", "w2", "N5", "Noor Five", None, "present", None, None, None, "register"),
        ("north", "w2", "N8", "Neil Compare", None, "present", None, None, None, "register"),
        ("north", "w3", "N1", "Nia One", None, "present", 60.0, None, None, "teams"),
        ("north", "w3", "N2", "Ned Two", None, "absent", None, None, None, "register"),
        ("north", "w3", "N3", "Nell Three", None, "present", 20.0, None, None, "teams"),
        ("north", None, "N1", "Nia One", None, "present", 15.0, None, None, "teams"),  # meeting not matched
        ("town", "aw", "T1", "Cllr T1", None, "present", None, None, None, "register"),
        ("town", "aw", "T2", "Cllr T2", None, "present", None, None, None, "register"),
        ("town", "aw", "T3", "Cllr T3", None, "present", None, None, None, "register"),
        ("town", "aw", "T4", "Cllr T4", None, "absent", None, None, None, "register"),
        ("town", "aw", "T9", "T9 (officer)", None, "present", None, None, None, "register"),
        ("town", "aw", "T10", "T10 (officer)", None, "present", None, None, None, "register"),
        ("town", "aw", None, "A Guest", None, "present", None, None, None, "register"),
    ]
    frame = pd.DataFrame(rows, columns=["pilot_id", "session_id", "participant_id", "source_name",
                                        "source_email", "status", "minutes_present", "joined_at",
                                        "left_at", "source"])
    frame["joined_at"] = pd.to_datetime(frame["joined_at"])
    frame["left_at"] = pd.to_datetime(frame["left_at"])
    frame["minutes_present"] = frame["minutes_present"].astype(float)
    return frame


def by(frame, **where):
    mask = pd.Series(True, index=frame.index)
    for column, value in where.items():
        mask &= frame[column].isna() if value is None else frame[column] == value
    found = frame[mask]
    assert len(found) == 1, f"expected one row for {where}, found {len(found)}"
    return found.iloc[0]


def assert_wilson(row, k, n):
    assert (row["k"], row["n"]) == (k, n)
    expected = proportion(k, n).iloc[0]
    assert row["estimate"] == pytest.approx(k / n)
    assert row["ci_low"] == pytest.approx(expected["ci_low"])
    assert row["ci_high"] == pytest.approx(expected["ci_high"])


def test_attendance_by_person_counts_once_with_the_strongest_status(attendance):
    people = part.attendance_by_person(attendance)
    n1_m1 = by(people, pilot_id="north", session_id="m1", participant_id="N1")
    assert n1_m1["status"] == "present" and n1_m1["records"] == 2 and n1_m1["minutes_present"] == 80
    # two Teams records of N4 at w1 overlap: the longest counts, they are not added
    assert by(people, session_id="w1", participant_id="N4")["minutes_present"] == 70
    assert by(people, session_id="w2", participant_id="N2")["status"] == "apologies"
    # unlinked rows and the row without a session are left out
    assert people["participant_id"].notna().all() and people["session_id"].notna().all()
    # 31 rows - 3 unlinked - 1 without a session = 27 rows; N1 at m1 and N4 at w1 have two
    # rows each -> 25 person-sessions
    assert len(people) == 25


def test_turnout_per_session_and_overall(sessions, attendance, participants):
    found = part.turnout(sessions, attendance, participants)
    north = found[found["pilot_id"] == "north"]
    # sessions in date order, then the overall row
    assert north["session_id"].tolist() == ["m1", "w1", "w2", "w3", None]
    assert north["session_label"].tolist() == ["Master class", "Workshop 1", "Workshop 2", "Workshop 3",
                                              "any session"]
    # cohort N1..N6 (messy in_cohort flags all read as true); N7 officer, N8 comparison are not
    assert_wilson(by(found, pilot_id="north", session_id="m1"), 5, 6)      # N1-N5
    assert_wilson(by(found, pilot_id="north", session_id="w1"), 4, 6)      # N1-N4
    assert_wilson(by(found, pilot_id="north", session_id="w2"), 3, 6)      # N1, N3, N5 (N8 not eligible)
    assert_wilson(by(found, pilot_id="north", session_id="w3"), 2, 6)      # N1, N3
    assert_wilson(by(found, pilot_id="north", session_id=None), 5, 6)      # everyone but N6
    assert set(north["eligible_rule"]) == {"cohort"}
    # the awareness session: every councillor of the town is eligible (8), 3 came
    town = by(found, pilot_id="town", session_id="aw")
    assert_wilson(town, 3, 8)
    assert town["eligible_rule"] == "councillors" and town["group"] == "councillors"
    assert list(found.columns[:10]) == ["level", "measure", "pilot_id", "group", "n", "estimate",
                                        "ci_low", "ci_high", "p_value", "method"]
    assert (found["level"] == "participation").all() and found["p_value"].isna().all()


def test_turnout_eligibility_rule_is_an_argument(sessions, attendance, participants):
    found = part.turnout(sessions, attendance, participants, eligible={"town": "roster", "north": "cohort"})
    assert_wilson(by(found, pilot_id="town", session_id="aw"), 5, 10)     # T1-T3 and the two officers
    found = part.turnout(sessions, attendance, participants, eligible="councillors")
    # north councillors: N1-N6 and N8 (7); at w2: N1, N3, N5, N8
    assert_wilson(by(found, pilot_id="north", session_id="w2"), 4, 7)
    with pytest.raises(ValueError, match="unknown eligibility rule 'everyone'"):
        part.turnout(sessions, attendance, participants, eligible="everyone")


def test_attendees_by_role(sessions, attendance, participants):
    found = part.attendees_by_role(sessions, attendance, participants)
    # m1: councillors N1-N5, officer N7, unlinked "Cllr  Zed" -> 7 people
    assert_wilson(by(found, pilot_id="north", session_id="m1", group="councillor"), 5, 7)
    assert_wilson(by(found, pilot_id="north", session_id="m1", group="officer"), 1, 7)
    assert_wilson(by(found, pilot_id="north", session_id="m1", group="unlinked"), 1, 7)
    # w2: N1, N3, N5 and the comparison councillor N8 all came (everyone present counts)
    assert_wilson(by(found, pilot_id="north", session_id="w2", group="councillor"), 4, 4)
    # overall: councillors N1-N5 and N8 = 6, officer 1, and the unlinked person twice
    # (a name at m1, an email at w1: they cannot be told to be one person) -> 9
    assert_wilson(by(found, pilot_id="north", session_id=None, group="councillor"), 6, 9)
    assert_wilson(by(found, pilot_id="north", session_id=None, group="unlinked"), 2, 9)
    # the awareness session: 3 councillors, 2 officers, 1 guest
    assert_wilson(by(found, pilot_id="town", session_id=None, group="councillor"), 3, 6)
    assert_wilson(by(found, pilot_id="town", session_id=None, group="officer"), 2, 6)


def test_representation_by_party_and_authority(sessions, attendance, participants):
    found = part.representation(sessions, attendance, participants)
    north = found[found["pilot_id"] == "north"]
    # cohort: Labour N1 N2 N3 all came; Conservative N4 N5 came; N6 (no party) did not
    assert_wilson(by(north, measure="turnout by party", group="Labour"), 3, 3)
    assert_wilson(by(north, measure="turnout by party", group="Conservative"), 2, 2)
    assert_wilson(by(north, measure="turnout by party", group="not recorded"), 0, 1)
    # share of the 5 eligible attendees
    assert by(north, measure="turnout by party", group="Labour")["share_of_attendees"] == pytest.approx(0.6)
    # Alpha: N1 N2 N4 came (3/3); Beta: N3 N5 came, N6 did not (2/3)
    assert_wilson(by(north, measure="turnout by authority", group="Alpha Council"), 3, 3)
    assert_wilson(by(north, measure="turnout by authority", group="Beta Council"), 2, 3)
    town = found[(found["pilot_id"] == "town") & (found["measure"] == "turnout by party")]
    # Red T1 T2 T5 -> T1 T2 came; Blue T3 T4 T6 -> T3; Green T7 T8 -> none
    assert_wilson(by(town, group="Red"), 2, 3)
    assert_wilson(by(town, group="Blue"), 1, 3)
    assert_wilson(by(town, group="Green"), 0, 2)


def test_sessions_attended_distribution_and_median(sessions, attendance, participants):
    found = part.sessions_attended(sessions, attendance, participants)
    north = found[found["pilot_id"] == "north"]
    dist = north[north["measure"] == "sessions attended"]
    # N6: 0; N2, N4, N5: 2; N1, N3: 4 (of 4 sessions)
    assert dist["group"].tolist() == ["0 of 4", "1 of 4", "2 of 4", "3 of 4", "4 of 4"]
    assert dist["k"].tolist() == [1, 0, 3, 0, 2]
    assert (dist["n"] == 6).all()
    median = by(north, measure="sessions attended (median)")
    assert median["estimate"] == 2.0                 # 0, 2, 2, 2, 4, 4
    assert (median["q1"], median["q3"]) == (2.0, 3.5)  # numpy linear quartiles
    # n = 6 cannot reach 95%: the distribution-free interval is the full range, level 1 - 2/64
    assert (median["ci_low"], median["ci_high"]) == (0.0, 4.0)
    assert median["ci_level"] == pytest.approx(1 - 2 / 64)
    assert by(north, measure="attendance consistency")["estimate"] == 0.5
    # limiting to workshops: N1 3, N2 1, N3 3, N4 1, N5 1, N6 0 of 3 -> median 1
    workshops = part.sessions_attended(sessions, attendance, participants, kinds=["workshop"])
    assert by(workshops[workshops["pilot_id"] == "north"], measure="sessions attended (median)")["estimate"] == 1.0


def test_retention_from_first_to_last_session(sessions, attendance, participants):
    found = part.retention(sessions, attendance, participants)
    # only north has two or more programme sessions; m1 had N1-N5, w3 had N1 and N3
    assert found["pilot_id"].tolist() == ["north"]
    row = found.iloc[0]
    assert (row["from_session"], row["to_session"]) == ("m1", "w3")
    assert_wilson(row, 2, 5)
    # from the first to the last workshop only: w1 had N1-N4, w3 N1 N3
    only_workshops = part.retention(sessions, attendance, participants, kinds=["workshop"]).iloc[0]
    assert (only_workshops["from_session"], only_workshops["k"], only_workshops["n"]) == ("w1", 2, 4)


def test_minutes_present_online(sessions, attendance, participants):
    found = part.minutes_present(sessions, attendance, participants, session_minutes={"w1": 90, "w3": 60})
    w1 = by(found, session_id="w1", measure="minutes present")
    # N1 90, N2 45, N3 85, N4 70 (longest of 30 and 70): median (70 + 85) / 2
    assert w1["n"] == 4 and w1["estimate"] == 77.5
    assert (w1["q1"], w1["q3"]) == (63.75, 86.25)
    # at least 75% of 90 minutes = 67.5: N1, N3, N4
    assert_wilson(by(found, session_id="w1", measure="present for most of the session"), 3, 4)
    # w3: N1 60, N3 20; 45 minutes needed -> N1 only
    assert by(found, session_id="w3", measure="minutes present")["estimate"] == 40.0
    assert_wilson(by(found, session_id="w3", measure="present for most of the session"), 1, 2)
    # m1 is hybrid: only N1 has minutes (80); no length given, so it is found from the
    # session start (10:00) to the last recorded leave (11:25) = 85 minutes; 80 >= 63.75
    m1 = by(found, session_id="m1", measure="present for most of the session")
    assert m1["session_minutes"] == 85.0 and m1["length_from"] == "recorded start to last leave"
    assert_wilson(m1, 1, 1)
    # in-person sessions are not reported
    assert set(found["session_id"]) == {"m1", "w1", "w3"}


def test_participation_stacks_everything(sessions, attendance, participants):
    found = part.participation_summary(sessions, attendance, participants, session_minutes=90)
    assert {"turnout", "attendees", "turnout by party", "turnout by authority", "sessions attended",
            "sessions attended (median)", "attendance consistency", "retention", "minutes present",
            "present for most of the session"} == set(found["measure"])
    assert (found["level"] == "participation").all()


def test_inputs_are_not_changed(sessions, attendance, participants):
    before = [f.copy(deep=True) for f in (sessions, attendance, participants)]
    part.participation_summary(sessions, attendance, participants)
    for original, now in zip(before, (sessions, attendance, participants)):
        pd.testing.assert_frame_equal(original, now)


def test_str_dtype_ids_and_missing_values(sessions, attendance, participants):
    """pandas 3 text columns (str dtype, NaN for missing) give the same answer as object."""
    as_str = attendance.astype({"participant_id": "str", "session_id": "str", "source_name": "str"})
    found = part.turnout(sessions, as_str, participants.astype({"participant_id": "str"}))
    assert by(found, pilot_id="north", session_id="w1")["k"] == 4
    assert by(found, pilot_id="north", session_id=None)["k"] == 5


@pytest.mark.parametrize("eligible", ["auto", "cohort"])
def test_summary_shares_its_work_and_gives_what_each_measure_gives(sessions, attendance, participants, eligible):
    # the summary works out who came and who was eligible once for all its measures; each
    # measure called on its own (and again after the summary) gives the same rows
    found = part.participation_summary(sessions, attendance, participants, eligible=eligible, session_minutes=90)
    alone = pd.concat([
        part.turnout(sessions, attendance, participants, eligible=eligible),
        part.attendees_by_role(sessions, attendance, participants),
        part.representation(sessions, attendance, participants, eligible=eligible),
        part.sessions_attended(sessions, attendance, participants, eligible=eligible),
        part.retention(sessions, attendance, participants, eligible=eligible),
        part.minutes_present(sessions, attendance, participants, eligible=eligible, session_minutes=90),
    ], ignore_index=True)
    pd.testing.assert_frame_equal(found, alone)
    assert part._SHARED.get() is None  # nothing is shared outside the summary
