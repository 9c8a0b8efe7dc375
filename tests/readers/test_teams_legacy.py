"""The legacy Teams attendance list (evalkit.readers.teams_legacy), on a hand-written fixture.

tests/data/formats/teams/meetingAttendanceList.csv: UTF-16 LE with BOM, tab, CRLF, no final
newline; dates 03/11/2020 that fit both orders (3 November by the session date); "Joined
before"; two Joined in a row for Jane; Ann never leaves; one garbled timestamp for Tom.
"""

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from evalkit import schemas
from evalkit.programme import Session
from evalkit.readers import InputError, detect, read
from evalkit.readers import teams, teams_legacy
from evalkit.readers.base import Context, sniff

DATA = Path(__file__).resolve().parents[1] / "data" / "formats"
LIST = DATA / "teams" / "meetingAttendanceList.csv"
CONTEXT = Context(pilot_id="kirklees", sessions=(Session(id="k-aw", kind="awareness", date=dt.date(2020, 11, 3)),))


def at(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="Europe/London")


def test_detected_from_the_header_and_not_taken_for_a_report():
    assert detect(LIST) == "teams-attendance-list"
    assert teams.detect(sniff(LIST)) is None
    assert teams_legacy.detect(sniff(DATA / "teams" / "workshop2_2022_dayfirst.csv")) is None
    raw = LIST.read_bytes()
    assert raw[:2] == b"\xff\xfe" and not raw.endswith("\n".encode("utf-16-le"))


def test_people_and_minutes_worked_by_hand():
    reading = read(LIST, CONTEXT)
    people = reading.tables["attendance"].set_index("source_name")
    assert list(people.index) == ["Claire Dawson", "Jane Smith", "Mark Ellis", "Ann Price", "Tom Clarke"]
    # Claire joined before the list began: 09:58:29 → 11:02:00
    assert people.loc["Claire Dawson", "minutes_present"] == pytest.approx((63 * 60 + 31) / 60)
    # Jane: Joined 10:01:02, Joined again 10:03:15 (no Left between), Left 10:30:00 → 28m58s;
    # Joined 10:40:00, Left 11:10:30 → 30m30s
    assert people.loc["Jane Smith", "minutes_present"] == pytest.approx((28 * 60 + 58 + 30 * 60 + 30) / 60)
    assert people.loc["Jane Smith", "joined_at"] == at("2020-11-03 10:01:02")
    assert people.loc["Jane Smith", "left_at"] == at("2020-11-03 11:10:30")
    assert people.loc["Mark Ellis", "minutes_present"] == pytest.approx(42.5)
    # Ann never leaves: she stays until the list's last timestamp, 11:10:30
    assert people.loc["Ann Price", "minutes_present"] == pytest.approx(50.5)
    assert people.loc["Ann Price", "left_at"] == at("2020-11-03 11:10:30")
    # Tom's garbled Left is quarantined; his later Left at 11:05 closes 10:50 → 15 minutes
    assert people.loc["Tom Clarke", "minutes_present"] == pytest.approx(15.0)
    table = reading.tables["attendance"]
    assert table["source_email"].isna().all()
    assert set(table["session_id"]) == {"k-aw"}
    assert table["source_row"].tolist() == [2, 3, 4, 6, 10]
    schemas.validate("attendance", table)
    schemas.validate("row_fates", reading.fates)


def test_fates_of_every_line():
    fates = read(LIST, CONTEXT).fates
    assert fates["source_row"].tolist() == list(range(1, 15))
    assert fates["fate"].tolist() == [
        "skipped-structure", "kept", "kept", "kept", "merged", "kept", "merged", "merged", "merged",
        "kept", "quarantined", "merged", "merged", "merged"]
    reason = fates.loc[fates["fate"] == "quarantined", "reason"].item()
    assert reason == ("meetingAttendanceList.csv, row 11, column 'Timestamp': '03/11/2020, 1O:55:00' is not a "
                      "date-time (read day-first)")


def test_notes_say_how_dates_were_read_and_who_stayed():
    notes = read(LIST, CONTEXT).notes
    assert "dates read day-first: read day-first, the file's dates fall on the programme's session dates" in notes
    assert any(n.startswith("1 person(s) have no Left at the end") for n in notes)


def test_ambiguous_dates_without_sessions_raise_naming_the_file():
    with pytest.raises(InputError, match="meetingAttendanceList.csv"):
        read(LIST, Context())


def write_list(path: Path, lines: list[str]) -> Path:
    path.write_bytes(b"\xff\xfe" + "\n".join(lines).encode("utf-16-le"))
    return path


def test_unknown_action_and_a_left_with_no_join(tmp_path):
    path = write_list(tmp_path / "meetingAttendanceList.csv", [
        "Full Name\tUser Action\tTimestamp",
        "Ann Price\tJoined\t11/24/2020, 6:00:00 PM",
        "Bo Lee\tLeft\t11/24/2020, 6:30:00 PM",
        "Ann Price\tRejoined\t11/24/2020, 6:40:00 PM",
        "Ann Price\tLeft\t11/24/2020, 7:00:00 PM",
    ])
    reading = read(path, Context())
    people = reading.tables["attendance"].set_index("source_name")
    # Bo's Left has no Joined before it: he was there from the list's first time, 6 PM
    assert people.loc["Bo Lee", "minutes_present"] == pytest.approx(30.0)
    assert people.loc["Ann Price", "minutes_present"] == pytest.approx(60.0)
    fates = reading.fates
    assert fates["fate"].tolist() == ["skipped-structure", "kept", "kept", "quarantined", "merged"]
    assert "column 'User Action': 'Rejoined' is not Joined, Left or Joined before" in fates.loc[3, "reason"]
    assert any("have no Joined before them" in n for n in reading.notes)
    # 24 in the second position: month-first, decided from the values
    assert any(n.startswith("dates read month-first: a value has 24") for n in reading.notes)
