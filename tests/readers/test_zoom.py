"""Zoom participant reports (evalkit.readers.zoom), on hand-written fixtures.

tests/data/formats/zoom/ (UTF-8 with BOM, CRLF):

* participants_84512345678.csv — with meeting data: a waiting-room row, reconnects on
  rows that are not adjacent, overlapping connections, a display name with its own
  parentheses plus an original name, a dial-in caller, a visitor never let in, a leave
  time that is not a date, and a participant count (7) that disagrees with the people (6).
* participants_84598765432_unique.csv — unique users: Total Duration per person, one
  unreadable total.
"""

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from evalkit import schemas
from evalkit.programme import Session
from evalkit.readers import detect, read
from evalkit.readers import zoom
from evalkit.readers.base import Context, sniff

DATA = Path(__file__).resolve().parents[1] / "data" / "formats"
PARTICIPANTS = DATA / "zoom" / "participants_84512345678.csv"
UNIQUE = DATA / "zoom" / "participants_84598765432_unique.csv"
SESSIONS = (
    Session(id="yh-w1", kind="workshop", date=dt.date(2025, 1, 21), mode="online"),
    Session(id="yh-w2", kind="workshop", date=dt.date(2025, 2, 18), mode="online"),
)
CONTEXT = Context(pilot_id="yorkshire-humber", sessions=SESSIONS)


def at(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="Europe/London")


def people(reading) -> pd.DataFrame:
    return reading.tables["attendance"].set_index("source_name")


def test_both_variants_are_detected_and_neither_is_taken_for_teams():
    assert detect(PARTICIPANTS) == "zoom-participants"
    assert detect(UNIQUE) == "zoom-unique-users"
    assert zoom.detect(sniff(DATA / "teams" / "workshop2_2022_dayfirst.csv")) is None
    raw = PARTICIPANTS.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    assert raw.split(b"\r\n")[0].endswith(b"Participants,")


def test_minutes_from_join_and_leave_times_worked_by_hand():
    found = people(read(PARTICIPANTS, CONTEXT))
    # host: 5:55:12 PM → 7:32:40 PM
    assert found.loc["Hub Team Leeds", "minutes_present"] == pytest.approx(5848 / 60)
    # Jane: the waiting room 5:58:30-6:00:10 is not attendance; 6:00:10-6:40:05 (39m55s)
    # + 6:52:00-7:32:40 (40m40s) = 80m35s (Zoom's rounded durations would give 2+40+41)
    jane = found.loc["Jane Smith (Jane's iPad)"]
    assert jane["minutes_present"] == pytest.approx(80 + 35 / 60)
    assert jane["joined_at"] == at("2025-01-21 18:00:10")
    assert jane["left_at"] == at("2025-01-21 19:32:40")
    assert jane["source_original_name"] == "Jane Smith"
    assert jane["source_row"] == 6  # her first row (the waiting room) is the kept one
    # Amir: 6:00-6:45 and 6:44-7:30 overlap: 6:00-7:30 = 90 minutes, not 45 + 46
    assert found.loc["Cllr Amir Khan", "minutes_present"] == pytest.approx(90.0)
    # Ruth's first row has a leave time that is not a date; the other row still counts
    assert found.loc["Ruth Ng", "minutes_present"] == pytest.approx(25.0)


def test_dial_in_caller_and_visitor_never_admitted():
    found = people(read(PARTICIPANTS, CONTEXT))
    caller = found.loc["07700 900123"]
    assert caller["dial_in"] is True and caller["guest"] is True
    assert caller["source_email"] is None and caller["source_original_name"] is None
    assert caller["minutes_present"] == pytest.approx(55.5)
    visitor = found.loc["Visitor"]
    assert visitor["status"] == "absent"
    assert visitor["minutes_present"] == 0.0
    assert pd.isna(visitor["joined_at"]) and pd.isna(visitor["left_at"])
    assert found.loc["Hub Team Leeds", "dial_in"] is False
    assert found.loc["Hub Team Leeds", "source_original_name"] is None


def test_fates_and_quarantine_reason():
    fates = read(PARTICIPANTS, CONTEXT).fates
    assert fates["source_row"].tolist() == list(range(1, 15))
    assert fates["fate"].tolist() == ["skipped-structure"] * 4 + [
        "kept", "kept", "kept", "merged", "kept", "merged", "merged", "kept", "quarantined", "kept"]
    assert fates.loc[12, "reason"] == ("participants_84512345678.csv, row 13, column 'Leave Time': "
                                       "'13/21/2025 06:50:00 PM' is not a date-time (read month-first)")
    assert fates.loc[7, "reason"] == "same person as row 6 (merged into that row)"


def test_meeting_block_meta_keeps_the_meeting_id_as_text():
    reading = read(PARTICIPANTS, CONTEXT)
    assert reading.meta["meeting_id"] == "84512345678"
    assert isinstance(reading.meta["meeting_id"], str)
    assert reading.meta["title"] == "Yorkshire & Humber pilot, Workshop 1"
    assert reading.meta["start"] == at("2025-01-21 17:55:12")
    assert reading.meta["declared_participants"] == 7
    assert "the meeting block says 7 participants, 6 people are listed (the listed rows are used)" in reading.notes
    assert any("waiting-room row(s)" in n for n in reading.notes)
    assert set(reading.tables["attendance"]["session_id"]) == {"yh-w1"}
    schemas.validate("attendance", reading.tables["attendance"])
    schemas.validate("row_fates", reading.fates)


def test_unique_users_use_total_duration_and_say_so():
    reading = read(UNIQUE, CONTEXT)
    found = people(reading)
    assert found["minutes_present"].to_dict() == {
        "Hub Team Leeds": 90.0, "Jane Smith (Jane's iPad)": 71.0, "Cllr Amir Khan": 88.0, "01632 960555": 42.0}
    assert found["joined_at"].isna().all() and found["left_at"].isna().all()
    assert found.loc["01632 960555", "dial_in"] is True
    assert any("Total Duration (Minutes)" in n for n in reading.notes)
    fates = reading.fates
    assert fates["fate"].tolist() == ["skipped-structure"] * 4 + ["kept"] * 4 + ["quarantined"]
    assert fates.loc[8, "reason"] == ("participants_84598765432_unique.csv, row 9, column 'Total Duration "
                                      "(Minutes)': 'n/a' is not a number of minutes")
    assert set(reading.tables["attendance"]["session_id"]) == {"yh-w2"}
    assert reading.meta["meeting_id"] == "84598765432"


def test_report_without_meeting_block_and_with_lf(tmp_path):
    path = tmp_path / "participants.csv"
    path.write_bytes(b"\xef\xbb\xbf" + (
        "Name (original name),Email,Join time,Leave time,Duration (minutes),Guest\n"
        "Ann Price (Ann P),ann.price@leeds.gov.uk,03/02/2025 10:00:00 AM,03/02/2025 11:00:00 AM,60,No\n"
        "Ann Price (Ann P),ann.price@leeds.gov.uk,03/02/2025 11:10:00 AM,,1,No\n"
    ).encode("utf-8"))
    assert detect(path) == "zoom-participants"
    reading = read(path, Context())
    row = reading.tables["attendance"].iloc[0]
    assert row["source_name"] == "Ann Price" and row["source_original_name"] == "Ann P"
    # 03/02 fits both orders and nothing else decides: Zoom's own order, month-first (2 March)
    assert row["joined_at"] == at("2025-03-02 10:00:00")
    assert any("Zoom writes MM/DD/YYYY" in n for n in reading.notes)
    # the open second connection lasts to the file's last time: no extra minutes
    assert row["minutes_present"] == pytest.approx(60.0)
    assert reading.fates["fate"].tolist() == ["skipped-structure", "kept", "merged"]
    # with the session dates, 3 February (day-first) would be chosen if it were a session day
    feb = Context(sessions=(Session(id="s", kind="workshop", date=dt.date(2025, 2, 3)),))
    assert read(path, feb).tables["attendance"].iloc[0]["joined_at"] == at("2025-02-03 10:00:00")


def test_split_original_name_takes_the_last_bracket():
    split = zoom.split_original_name(pd.Series([
        "Cllr Jo Bloggs (Lab) (Jo Bloggs)", "iPad", "+44 (0)113 496 0000", "Jo (she/her)"]))
    assert split["display"].tolist() == ["Cllr Jo Bloggs (Lab)", "iPad", "+44 (0)113 496 0000", "Jo"]
    assert split["original"].tolist() == ["Jo Bloggs", None, None, "she/her"]
    assert split["dial_in"].tolist() == [False, False, True, False]


def test_rows_that_cannot_be_read_leave_no_person_behind(tmp_path):
    path = tmp_path / "participants.csv"
    path.write_bytes(b"\xef\xbb\xbfName (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest\r\n"
                     b"Ann Price,,soon,later,1,No\r\n")
    reading = read(path, Context())
    assert reading.tables["attendance"].empty
    assert reading.fates["fate"].tolist() == ["skipped-structure", "quarantined"]
    reason = reading.fates.loc[1, "reason"]
    assert "row 2, column 'Join Time': 'soon'" in reason and "column 'Leave Time': 'later'" in reason
    # no dates at all: Zoom's own month-first order, and said so
    assert any(n.startswith("dates read month-first: the file has no numeric dates") for n in reading.notes)


@pytest.mark.parametrize("header, expected", [
    ('"Name (Original Name)","User Email","Join Time","Leave Time","Duration (Minutes)"', "zoom-participants"),
    ('"NA""ME","Total Duration (Minutes)"', None),  # a quote inside the word: not a name
    ('"Na"me,"Total   Duration (Minutes)"', "zoom-unique-users"),  # quotes the CSV reader takes out
    ("Date,Impressions,Engagements", None),  # no name, participant or meeting: not looked at further
])
def test_detection_looks_past_quotes_and_case(tmp_path, header, expected):
    path = tmp_path / "report.csv"
    path.write_text(header + "\nAnn Khan,ann@x.gov.uk,10/1/2024 9:00,10/1/2024 10:00,60\n", encoding="utf-8")
    assert zoom.detect(sniff(path)) == expected


def test_split_original_name_answers_repeated_cells_in_place():
    # reconnects repeat a name: each distinct cell is split once, every row gets its answer
    cells = pd.Series(["JS (Jane Smith)", None, " JS (Jane Smith) ", "07700 900123", "(x)"], index=[3, 4, 5, 6, 7])
    split = zoom.split_original_name(cells)
    assert split.index.tolist() == [3, 4, 5, 6, 7]
    assert split["display"].tolist() == ["JS", "", "JS", "07700 900123", "(x)"]
    assert split["original"].tolist() == ["Jane Smith", None, "Jane Smith", None, None]
    assert split["dial_in"].tolist() == [False, False, False, True, False]


def test_messy_rows_each_reason_names_row_column_and_value(tmp_path):
    # lines: 1 meeting header, 2 its values, 3 blank, 4 header, 5 Jane, 6 no name and a
    # join time that is not one, 7 a leave before the join, 8-9 a name broken over two
    # lines and no leave time (taken to the meeting's end, 20:00)
    text = ("Meeting ID,Topic,Start Time,End Time,User Email,Duration (Minutes),Participants,\r\n"
            "81234567890,Workshop 1,01/21/2025 06:00:00 PM,01/21/2025 08:00:00 PM,host@x.gov.uk,120,3,\r\n"
            "\r\n"
            "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest\r\n"
            "Jane Smith (Jane's iPad) (Jane Smith),jane@x.gov.uk,01/21/2025 06:00:00 PM,01/21/2025 07:00:00 PM,60,No\r\n"
            " ,anon@x.gov.uk,01/21/2025 13:99:00 PM,01/21/2025 07:00:00 PM,60,Yes\r\n"
            "Bob Jones,bob@x.gov.uk,01/21/2025 07:00:00 PM,01/21/2025 06:30:00 PM,1,No\r\n"
            '"Ann\r\nLee ",,01/21/2025 06:10:00 PM,,1,Yes\r\n')
    path = tmp_path / "participants_81234567890.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    reading = zoom.read(path, Context(pilot_id="p", source_file="x.csv", sessions=SESSIONS), "zoom-participants")
    fates = reading.fates
    assert fates["source_row"].tolist() == [1, 2, 3, 4, 5, 6, 7, 8]
    assert fates["fate"].tolist() == ["skipped-structure"] * 4 + ["kept", "quarantined", "quarantined", "kept"]
    assert fates["reason"].tolist()[:4] == ["meeting block header", "meeting block (summary of the meeting)",
                                            "blank line", "header row"]
    assert fates["reason"].iloc[5] == (
        "x.csv, row 6, column 'Name (Original Name)': no name; x.csv, row 6, column 'Join Time': "
        "'01/21/2025 13:99:00 PM' is not a date-time (read month-first)")
    assert fates["reason"].iloc[6] == (
        "x.csv, row 7, column 'Leave Time': '01/21/2025 06:30:00 PM' is before the join time")
    table = people(reading)
    assert table.index.tolist() == ["Jane Smith (Jane's iPad)", "Ann\nLee"]  # the quoted line break read as a newline
    assert table["source_row"].tolist() == [5, 8]
    assert table["minutes_present"].tolist() == [60.0, 110.0]  # 18:10 to the end at 20:00
    assert table["left_at"].tolist() == [at("2025-01-21 19:00"), at("2025-01-21 20:00")]
    assert table["source_original_name"].tolist() == ["Jane Smith", None]
    assert table["guest"].tolist() == [False, True]
    assert table["session_id"].tolist() == ["yh-w1", "yh-w1"]
    assert "1 row(s) have no leave time; they are taken to last until the end of the meeting " \
           "(2025-01-21 20:00:00+00:00)" in reading.notes
    assert "the meeting block says 3 participants, 2 people are listed (the listed rows are used)" in reading.notes
