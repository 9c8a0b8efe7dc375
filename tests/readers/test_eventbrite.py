"""Eventbrite attendee summary (evalkit.readers.eventbrite). Expected values are worked by
hand from tests/data/formats/eventbrite/yorkshire-invitations.csv: line 1 the header, one
attendee per line, except the record starting on line 5, whose last answer runs onto line 6."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest

from evalkit import schemas
from evalkit.readers import detect, eventbrite, read
from evalkit.readers.base import Context, InputError, sniff

DATA = Path(__file__).resolve().parents[1] / "data" / "formats"
YORKSHIRE = DATA / "eventbrite" / "yorkshire-invitations.csv"
ACCESS = "Do you have any access or dietary requirements?"
COUNCIL = "Which council do you represent?"


@pytest.fixture(scope="module")
def reading():
    return read(YORKSHIRE, Context(pilot_id="yorkshire-humber"))


def by_name(attendance: pd.DataFrame) -> dict[str, dict]:
    return {row["source_name"]: row for row in attendance.to_dict("records")}


def test_detected_from_content(tmp_path):
    assert detect(YORKSHIRE) == "eventbrite-attendees"
    renamed = tmp_path / "report.txt"
    renamed.write_bytes(YORKSHIRE.read_bytes())
    assert detect(renamed) == "eventbrite-attendees"


def test_registration_is_not_attendance(reading):
    people = by_name(reading.tables["attendance"])
    assert sorted(people) == ["Cllr Jane Smith", "Gareth Evans", "Mark O'Brien", "Priya Patel",
                              "Ruth Hall", "Siân O'Neill", "Tom Baker"]
    assert {n: (p["status"], p["registered"], p["attendee_status"]) for n, p in people.items()} == {
        "Cllr Jane Smith": ("present", True, "Checked In"),
        "Siân O'Neill": ("absent", True, "Attending"),
        "Tom Baker": ("absent", False, "Not Attending"),
        "Priya Patel": ("present", True, "Checked In"),   # registered twice; checked in the second time
        "Mark O'Brien": ("present", True, "Checked In"),
        "Gareth Evans": ("present", True, "Checked In"),
        "Ruth Hall": ("absent", True, "Attending"),
    }
    assert people["Priya Patel"]["source_row"] == 5
    assert people["Siân O'Neill"]["source_email"] == "Sian.ONeill@hullcc.gov.uk"
    assert people["Mark O'Brien"]["source_role"] == "Democratic Services Officer"
    assert people["Cllr Jane Smith"]["source_organisation"] == "Leeds City Council"
    assert people["Cllr Jane Smith"]["attendee_id"] == "10234567801"


def test_order_dates_are_local_times_read_day_first(reading):
    people = by_name(reading.tables["attendance"])
    assert people["Cllr Jane Smith"]["ordered_at"] == pd.Timestamp("2025-01-06 09:14", tz="Europe/London")
    assert people["Tom Baker"]["ordered_at"] == pd.Timestamp("2025-01-13 16:45", tz="Europe/London")
    assert people["Gareth Evans"]["ordered_at"] == pd.Timestamp("2025-01-21 07:55:10", tz="Europe/London")
    assert pd.isna(people["Ruth Hall"]["ordered_at"])
    assert any("order dates read day-first" in n and "13" in n for n in reading.notes)


def test_every_record_has_one_fate(reading):
    fates = reading.fates.set_index("source_row")
    assert fates["fate"].to_dict() == {1: "skipped-structure", 2: "kept", 3: "kept", 4: "kept", 5: "kept",
                                       7: "kept", 8: "quarantined", 9: "merged", 10: "kept", 11: "quarantined"}
    text = YORKSHIRE.read_text(encoding="utf-8")
    assert len(list(csv.reader(io.StringIO(text)))) == len(fates)
    assert "row 8" in fates.loc[8, "reason"] and "'Waitlisted'" in fates.loc[8, "reason"]
    assert "Attendee Status" in fates.loc[8, "reason"]
    assert "row 11" in fates.loc[11, "reason"] and "'soon'" in fates.loc[11, "reason"]
    assert "row 5" in fates.loc[9, "reason"]
    schemas.validate("row_fates", reading.fates)
    schemas.validate("attendance", reading.tables["attendance"])
    schemas.validate("comments", reading.tables["comments"])


def test_custom_questions_become_comments(reading):
    comments = reading.tables["comments"]
    assert len(comments) == 11
    assert set(comments["question"]) == {COUNCIL, ACCESS}
    access = comments[comments["question"] == ACCESS].set_index("source_row")
    assert access["text"].to_dict() == {
        2: "Vegetarian",
        5: 'Step-free access please, and a "quiet" seat\nnear the door',
        10: "None",
    }
    council = comments[comments["question"] == COUNCIL]
    assert council["source_row"].tolist() == [2, 3, 4, 5, 7, 8, 10, 11]  # Priya's repeat on row 9 is the same answer
    assert comments["wave"].isna().all() and comments["session_id"].isna().all()
    assert set(access["respondent_id"]) == {"10234567801", "10234567804", "10234567810"}
    assert access.loc[2, "submitted_at"] == pd.Timestamp("2025-01-06 09:14", tz="Europe/London")
    assert not any(q.startswith(("Home", "Cell")) for q in comments["question"])
    assert any("contact details not read" in n for n in reading.notes)


def test_a_pinned_session_is_given_to_every_row():
    attendance = read(YORKSHIRE, Context(session_id="launch")).tables["attendance"]
    assert set(attendance["session_id"]) == {"launch"}


def _ambiguous(tmp_path, currency: str) -> Path:
    path = tmp_path / f"{currency}.csv"
    path.write_text(
        "Order #,Order Date,First Name,Last Name,Email,Currency,Attendee Status\n"
        f"1,03/04/25 10:00,Ann,Khan,ann@x.gov.uk,{currency},Attending\n"
        f"2,05/04/25 11:30,Bob,Lee,bob@x.gov.uk,{currency},Checked In\n", encoding="utf-8")
    return path


def test_dates_that_fit_both_orders_follow_the_currency(tmp_path):
    gbp = read(_ambiguous(tmp_path, "GBP")).tables["attendance"]
    usd = read(_ambiguous(tmp_path, "USD")).tables["attendance"]
    assert gbp["ordered_at"].iloc[0] == pd.Timestamp("2025-04-03 10:00", tz="Europe/London")
    assert usd["ordered_at"].iloc[0] == pd.Timestamp("2025-03-04 10:00", tz="Europe/London")


def test_an_xlsx_copy_reads_the_same(tmp_path, reading):
    import openpyxl

    rows = list(csv.reader(io.StringIO(YORKSHIRE.read_text(encoding="utf-8"))))
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append([v if v != "" else None for v in row])
    path = tmp_path / "report.xlsx"
    book.save(path)
    assert detect(path) == "eventbrite-attendees"
    other = read(path).tables["attendance"]
    # sheet rows count records, not lines: row 5's answer spanned lines 5-6 of the CSV
    assert other["status"].tolist() == reading.tables["attendance"]["status"].tolist()
    assert other["source_row"].tolist() == [2, 3, 4, 5, 6, 9, 10]


def test_other_fixtures_are_not_taken_for_eventbrite():
    for path in sorted(DATA.rglob("*")):
        if path.is_file() and path.parent.name != "eventbrite" and path.suffix in (".csv", ".txt", ".xlsx", ".tsv"):
            assert eventbrite.detect(sniff(path)) is None, path


def test_a_header_without_attendee_status_is_an_input_error(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("Order #,First Name,Last Name\n1,Ann,Khan\n", encoding="utf-8")
    with pytest.raises(InputError, match="not an Eventbrite attendee summary"):
        eventbrite.read(path, Context())


@pytest.mark.parametrize("header, expected", [
    ('"Order #","First Name","Last Name","ATTENDEE STATUS"', "eventbrite-attendees"),
    ('"Order #","First Name","Last Name","Atten"dee Status', "eventbrite-attendees"),  # quotes taken out
    ("Order #,First Name,Last Name,Status", None),  # no Attendee Status: not looked at further
])
def test_detection_looks_past_quotes_and_case(tmp_path, header, expected):
    path = tmp_path / "attendees.csv"
    path.write_text(header + "\n1,Ann,Khan,Checked In\n", encoding="utf-8")
    assert eventbrite.detect(sniff(path)) == expected
