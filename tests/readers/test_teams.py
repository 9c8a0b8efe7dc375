"""Microsoft Teams attendance reports (evalkit.readers.teams), on hand-written fixtures.

Fixtures (tests/data/formats/teams/, UTF-16 LE with BOM, tab-separated):

* workshop2_2022_dayfirst.csv — 2022+ layout, CRLF, day-first dates (18/10/22, BST), a
  meeting title quoted over two lines, reconnects, overlapping devices, a repeated line,
  an unparseable join time, an email in another case, a section the reader does not use,
  and a summary count (6) that disagrees with the people listed (5).
* workshop3_2021_monthfirst.txt — 2021 layout, LF, month-first 12-hour dates that fit both
  orders (12/6/2022 = 6 December), a dial-in caller; renamed .txt.
"""

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from evalkit import schemas
from evalkit.programme import Session
from evalkit.readers import InputError, detect, read
from evalkit.readers import teams
from evalkit.readers.base import Context, decode, record_start_lines, sniff

DATA = Path(__file__).resolve().parents[1] / "data" / "formats"
REPORT_2022 = DATA / "teams" / "workshop2_2022_dayfirst.csv"
REPORT_2021 = DATA / "teams" / "workshop3_2021_monthfirst.txt"
ZOOM = DATA / "zoom" / "participants_84512345678.csv"
SESSIONS = (
    Session(id="suf-w2", kind="workshop", date=dt.date(2022, 10, 18)),
    Session(id="suf-w3", kind="workshop", date=dt.date(2022, 12, 6)),
)
CONTEXT = Context(pilot_id="suffolk", sessions=SESSIONS)


def at(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="Europe/London")


def by_name(reading) -> pd.DataFrame:
    return reading.tables["attendance"].set_index("source_name")


# --------------------------------------------------------------------------- detection

def test_current_and_2021_layouts_are_detected_from_content():
    assert detect(REPORT_2022) == "teams-attendance-report"
    # the 2021 report was renamed .txt: detection looks at the content only
    assert detect(REPORT_2021) == "teams-attendance-report"


def test_a_zoom_report_is_not_taken_for_teams():
    assert teams.detect(sniff(ZOOM)) is None
    assert detect(ZOOM) == "zoom-participants"


def test_fixture_bytes_are_utf16_with_bom_and_tabs():
    raw = REPORT_2022.read_bytes()
    assert raw[:2] == b"\xff\xfe"
    text = raw[2:].decode("utf-16-le")
    assert "\r\n" in text and "\t" in text


# --------------------------------------------------------------------------- 2022+ layout

def test_2022_one_row_per_person_with_hand_worked_minutes():
    reading = read(REPORT_2022, CONTEXT)
    table = reading.tables["attendance"]
    assert table["source_name"].tolist() == [
        "Dawson, Claire", "Smith, Jane (External)", "O'Neill, Patrick", "Siân Hughes (Guest)", "Clarke, Tom"]
    people = by_name(reading)
    # Claire: 09:28:41 → 11:02:10 = 1 h 33 m 29 s
    assert people.loc["Dawson, Claire", "minutes_present"] == pytest.approx(5609 / 60)
    # Jane reconnected: 09:31:05-10:05:00 (33m55s) + 10:15:00-10:58:00 (43m) = 4615 s
    assert people.loc["Smith, Jane (External)", "minutes_present"] == pytest.approx(4615 / 60)
    assert people.loc["Smith, Jane (External)", "joined_at"] == at("2022-10-18 09:31:05")
    assert people.loc["Smith, Jane (External)", "left_at"] == at("2022-10-18 10:58:00")
    # Patrick on two devices, 09:45-10:20 and 10:10-10:40:30: the overlap counts once (55.5 min),
    # although Teams' own In-Meeting Duration adds them up to 1h 5m 30s
    assert people.loc["O'Neill, Patrick", "minutes_present"] == pytest.approx(55.5)
    # Siân's line is repeated: still 40 minutes
    assert people.loc["Siân Hughes (Guest)", "minutes_present"] == pytest.approx(40.0)
    # Tom's first row has an impossible time; his other row (10:00-10:30) still counts
    assert people.loc["Clarke, Tom", "minutes_present"] == pytest.approx(30.0)
    assert people.loc["Clarke, Tom", "source_row"] == 27


def test_2022_times_are_local_and_tz_aware():
    table = read(REPORT_2022, CONTEXT).tables["attendance"]
    assert str(table["joined_at"].dt.tz) == "Europe/London"
    # 18 October is summer time: 09:28:41 local is 08:28:41 UTC
    assert table.loc[0, "joined_at"].tz_convert("UTC") == pd.Timestamp("2022-10-18 08:28:41", tz="UTC")


def test_2022_identity_columns():
    reading = read(REPORT_2022, CONTEXT)
    people = by_name(reading)
    assert people.loc["Smith, Jane (External)", "source_email"] == "jane.smith@babergh.gov.uk"
    assert people.loc["Smith, Jane (External)", "upn"] == "jsmith_babergh.gov.uk#EXT#@suffolkcc.onmicrosoft.com"
    assert people.loc["Dawson, Claire", "role"] == "Organizer"
    # blank (spaces only) email is missing, not ""
    assert people.loc["Siân Hughes (Guest)", "source_email"] is None
    # the email is written in another case on Tom's second row: same person
    assert people.loc["Clarke, Tom", "source_email"] == "T.Clarke@ipswich.gov.uk"
    table = reading.tables["attendance"]
    assert set(table["status"]) == {"present"}
    assert set(table["source"]) == {"teams"}
    assert table["participant_id"].isna().all()
    assert set(table["pilot_id"]) == {"suffolk"}
    assert set(table["session_id"]) == {"suf-w2"}
    assert set(table["source_file"]) == {"workshop2_2022_dayfirst.csv"}


def test_2022_every_record_has_one_fate():
    reading = read(REPORT_2022, CONTEXT)
    fates = reading.fates
    text, _ = decode(REPORT_2022)
    assert fates["source_row"].tolist() == record_start_lines(text).tolist()
    expected = {
        1: "skipped-structure", 2: "skipped-structure",  # heading; title over lines 2-3
        4: "skipped-structure", 5: "skipped-structure", 6: "skipped-structure", 7: "skipped-structure",
        8: "skipped-structure", 9: "skipped-structure", 10: "skipped-structure", 11: "skipped-structure",
        12: "kept", 13: "kept", 14: "kept", 15: "kept",
        16: "skipped-structure", 17: "skipped-structure", 18: "skipped-structure",
        19: "merged", 20: "merged", 21: "merged", 22: "merged", 23: "merged", 24: "merged", 25: "merged",
        26: "quarantined", 27: "kept",
        28: "skipped-structure", 29: "skipped-structure", 30: "skipped-structure", 31: "skipped-structure",
    }
    assert dict(zip(fates["source_row"], fates["fate"])) == expected
    reasons = dict(zip(fates["source_row"], fates["reason"]))
    assert reasons[20] == "same person as row 13 (merged into that row)"
    assert "4. Meeting Engagement" in reasons[31]


def test_2022_unparseable_time_is_quarantined_naming_file_row_column_value():
    fates = read(REPORT_2022, CONTEXT).fates
    reason = fates.loc[fates["fate"] == "quarantined", "reason"].item()
    assert reason == ("workshop2_2022_dayfirst.csv, row 26, column 'Join time': '18/10/22, 25:61:00' "
                      "is not a date-time (read day-first)")


def test_2022_summary_meta_and_notes():
    reading = read(REPORT_2022, CONTEXT)
    assert reading.meta["title"] == "Suffolk pilot – Workshop 2: Shape your network and manage debates online"
    assert reading.meta["declared_participants"] == 6
    assert reading.meta["start"] == at("2022-10-18 09:28:41")
    assert reading.meta["end"] == at("2022-10-18 11:02:10")
    assert "encoding: utf-16 with BOM" in reading.notes
    assert "the summary says 6 participants, 5 are listed (the listed rows are used)" in reading.notes
    assert any(n.startswith("dates read day-first: a value has 18 in the first position") for n in reading.notes)


def test_2022_tables_meet_the_schemas():
    reading = read(REPORT_2022, CONTEXT)
    schemas.validate("attendance", reading.tables["attendance"])
    schemas.validate("row_fates", reading.fates)


# --------------------------------------------------------------------------- 2021 layout

def test_2021_month_first_decided_by_the_session_dates():
    reading = read(REPORT_2021, CONTEXT)
    assert "dates read month-first: read month-first, the file's dates fall on the programme's session dates" \
        in reading.notes
    people = by_name(reading)
    # Jane: 6:01:10-6:40:10 PM (39 min) + 6:45-7:31 PM (46 min); December: GMT
    assert people.loc["Smith, Jane (External)", "minutes_present"] == pytest.approx(85.0)
    assert people.loc["Smith, Jane (External)", "joined_at"] == at("2022-12-06 18:01:10")
    assert people.loc["Smith, Jane (External)", "left_at"] == at("2022-12-06 19:31:00")
    assert people.loc["Dawson, Claire", "minutes_present"] == pytest.approx(5618 / 60)
    assert people.loc["Cllr Mark Ellis", "minutes_present"] == pytest.approx(88.0)
    assert people.loc["Cllr Mark Ellis", "role"] == "Presenter"
    # the dial-in caller: a phone number, no email
    dial_in = people.loc["+44 1473 555010 (Unverified)"]
    assert dial_in["minutes_present"] == pytest.approx(45.5)
    assert dial_in["source_email"] is None and dial_in["upn"] is None
    assert set(reading.tables["attendance"]["session_id"]) == {"suf-w3"}
    assert reading.meta["declared_participants"] == 4
    assert not any("participants," in n for n in reading.notes)  # 4 declared, 4 listed


def test_2021_fates():
    fates = read(REPORT_2021, CONTEXT).fates
    assert fates["fate"].tolist() == ["skipped-structure"] * 7 + ["kept", "kept", "kept", "merged", "kept"]
    assert fates["reason"].tolist()[:7] == ["section heading"] + ["summary line"] * 4 + ["blank line", "header row"]


def test_ambiguous_dates_without_sessions_raise_naming_the_file():
    with pytest.raises(InputError) as caught:
        read(REPORT_2021, Context())
    message = str(caught.value)
    assert "workshop3_2021_monthfirst.txt" in message
    assert "could be day-first or month-first" in message


def test_the_programme_setting_decides_an_ambiguous_file():
    reading = read(REPORT_2021, Context(date_order="month-first"))
    assert reading.tables["attendance"].loc[0, "joined_at"] == at("2022-12-06 17:58:02")
    assert "dates read month-first: the file's dates fit both orders; settings.date_order is month-first" \
        in reading.notes
    # read day-first, the same text means 12 June (summer time)
    day_first = read(REPORT_2021, Context(date_order="day-first"))
    assert day_first.tables["attendance"].loc[0, "joined_at"] == at("2022-06-12 17:58:02")


def test_session_pin_wins_and_unknown_dates_are_noted():
    pinned = read(REPORT_2021, Context(date_order="month-first", session_id="suf-w9", sessions=SESSIONS))
    assert set(pinned.tables["attendance"]["session_id"]) == {"suf-w9"}
    other_day = (Session(id="suf-w1", kind="workshop", date=dt.date(2022, 12, 7)),)
    unmatched = read(REPORT_2021, Context(date_order="month-first", sessions=other_day))
    assert unmatched.tables["attendance"]["session_id"].isna().all()
    assert any("no session of the pilot is on 2022-12-06" in n for n in unmatched.notes)


# --------------------------------------------------------------------------- line ends, variants

def rewrite(source: Path, target: Path, newline: str) -> Path:
    text = source.read_bytes()[2:].decode("utf-16-le").replace("\r\n", "\n")
    target.write_bytes(b"\xff\xfe" + text.replace("\n", newline).encode("utf-16-le"))
    return target


@pytest.mark.parametrize("source, newline", [(REPORT_2022, "\n"), (REPORT_2021, "\r\n")])
def test_lf_and_crlf_read_the_same(tmp_path, source, newline):
    original = read(source, CONTEXT)
    other = read(rewrite(source, tmp_path / source.name, newline), CONTEXT)
    pd.testing.assert_frame_equal(original.tables["attendance"], other.tables["attendance"])
    pd.testing.assert_frame_equal(original.fates, other.fates)


def write_report(path: Path, lines: list[str]) -> Path:
    path.write_bytes(b"\xff\xfe" + ("\r\n".join(lines) + "\r\n").encode("utf-16-le"))
    return path


def test_without_activities_the_participants_row_gives_times_and_duration(tmp_path):
    path = write_report(tmp_path / "report.csv", [
        "1. Summary", "Meeting title\tSurgery", "Attended participants\t2",
        "Start time\t21/11/22, 14:00:00", "End time\t21/11/22, 15:00:00", "",
        "2. Participants",
        "NAME\tFIRST JOIN\tLAST LEAVE\tIN-MEETING DURATION\tEMAIL\tROLE",
        "Ann Price\t21/11/22, 14:00:00\t21/11/22, 15:00:00\t47m 10s\tann.price@ipswich.gov.uk\tOrganizer",
        "Bo Lee\t21/11/22, 14:05:00\t21/11/22, 14:35:00\t30m\t\tAttendee",
    ])
    reading = read(path, Context())
    people = by_name(reading)
    # a person's duration is the sum of their sessions, not last leave minus first join
    assert people.loc["Ann Price", "minutes_present"] == pytest.approx(47 + 10 / 60)
    assert people.loc["Ann Price", "joined_at"] == at("2022-11-21 14:00:00")
    assert people.loc["Bo Lee", "left_at"] == at("2022-11-21 14:35:00")
    assert any("no In-Meeting Activities section" in n for n in reading.notes)
    assert reading.tables["attendance"]["session_id"].isna().all()


def test_a_join_without_leave_lasts_to_the_meeting_end(tmp_path):
    path = write_report(tmp_path / "report.csv", [
        "1. Summary", "Start time\t21/11/22, 14:00:00", "End time\t21/11/22, 15:00:00", "",
        "2. Participants", "Name\tFirst Join\tLast Leave\tIn-Meeting Duration\tEmail\tRole",
        "Ann Price\t21/11/22, 14:20:00\t\t\tann.price@ipswich.gov.uk\tAttendee", "",
        "3. In-Meeting Activities", "Name\tJoin Time\tLeave Time\tDuration\tEmail\tRole",
        "Ann Price\t21/11/22, 14:20:00\t\t\tann.price@ipswich.gov.uk\tAttendee",
    ])
    reading = read(path, Context())
    row = reading.tables["attendance"].iloc[0]
    assert row["minutes_present"] == pytest.approx(40.0)
    assert row["left_at"] == at("2022-11-21 15:00:00")
    assert any("1 join(s) have no leave time" in n for n in reading.notes)


def test_times_marked_utc_are_converted_to_local_time(tmp_path):
    path = write_report(tmp_path / "report.csv", [
        "1. Summary", "Meeting title\tWorkshop", "",
        "2. Participants", "Name\tFirst Join (UTC)\tLast Leave (UTC)\tEmail",
        "Ann Price\t7/14/23, 5:00:00 PM\t7/14/23, 6:00:00 PM\tann.price@ipswich.gov.uk",
    ])
    row = read(path, Context()).tables["attendance"].iloc[0]
    assert row["joined_at"] == at("2023-07-14 18:00:00")  # 17:00 UTC is 18:00 BST


def test_the_source_file_comes_from_the_context():
    reading = read(REPORT_2022, Context(sessions=SESSIONS, source_file="suffolk/attendance/w2.csv"))
    assert set(reading.tables["attendance"]["source_file"]) == {"suffolk/attendance/w2.csv"}
    assert set(reading.fates["source_file"]) == {"suffolk/attendance/w2.csv"}
    assert reading.fates["reason"].str.startswith("suffolk/attendance/w2.csv, row 26").any()


def test_a_file_without_a_participant_table_is_an_input_error(tmp_path):
    path = write_report(tmp_path / "report.csv", ["Meeting Summary", "Meeting Title\tWorkshop"])
    with pytest.raises(InputError, match="no participant table"):
        teams.read(path, Context(), "teams-attendance-report")


def test_a_report_with_no_one_listed_gives_an_empty_table(tmp_path):
    path = write_report(tmp_path / "report.csv", [
        "1. Summary", "Meeting title\tCancelled surgery", "", "2. Participants",
        "Name\tFirst Join\tLast Leave\tIn-Meeting Duration\tEmail\tRole"])
    reading = read(path, Context())
    assert reading.tables["attendance"].empty
    schemas.validate("attendance", reading.tables["attendance"])
    assert reading.fates["fate"].tolist() == ["skipped-structure"] * 5


# --------------------------------------------------------------------------- read_cells against the column-by-column strip

def _reference_read_cells(text, delimiter, path):
    import io
    import re

    starts = record_start_lines(text)
    if len(starts) == 0:
        return pd.DataFrame({0: pd.Series(dtype="object"), "line": pd.Series(dtype="int64")})
    lines = text.split("\n")  # a record's delimiters counted over every line it spans
    bounds = [*(int(k) - 1 for k in starts), len(lines)]
    width = max(len(re.findall(re.escape(delimiter), "\n".join(lines[a:b]))) for a, b in zip(bounds, bounds[1:])) + 1
    try:
        cells = pd.read_csv(io.StringIO(text), sep=delimiter, header=None, names=range(width), dtype=str,
                            na_filter=False, skip_blank_lines=False, engine="c")
    except (pd.errors.ParserError, ValueError) as exc:
        raise InputError(path, f"the file's rows cannot be split into cells ({exc})") from None
    if len(cells) != len(starts):
        raise InputError(path, f"the file's structure is broken: {len(cells)} records found where its "
                         f"{len(starts)} lines imply otherwise (an unclosed quote?)")
    cells = cells.apply(lambda column: column.str.strip()).astype("object")
    cells["line"] = starts
    return cells


_CELLS = ["Name", " Jane  Smith ", "", "  ", "\u00a0x\u00a0", "a\x1cb\x1c", '"q\tuoted"', '"two\nlines"', '"say ""hi"""',
          "10/3/23, 5:45:01 PM", "Ünïcode"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_CELLS), min_size=0, max_size=5), min_size=1, max_size=8),
       st.sampled_from(["\t", ","]), st.booleans())
@example(rows=[["Name", '"two\nlines"', "Name"]], delimiter="\t", final_newline=False)  # more cells than any line
def test_read_cells_matches_the_column_by_column_strip(rows, delimiter, final_newline):
    text = "\n".join(delimiter.join(row) for row in rows) + ("\n" if final_newline else "")
    try:
        want = _reference_read_cells(text, delimiter, "f.csv")
    except InputError as exc:  # a file that cannot be split: the same error
        with pytest.raises(InputError) as caught:
            teams.read_cells(text, delimiter, "f.csv")
        assert str(caught.value) == str(exc)
        return
    pd.testing.assert_frame_equal(teams.read_cells(text, delimiter, "f.csv"), want)


def test_read_cells_pads_short_rows_and_trims_every_cell():
    cells = teams.read_cells(' a \t\u00a0b\u00a0\t"c\td" \n\nlast\n', "\t", "f.csv")
    # three tabs on the first line (one inside quotes): room for four cells
    assert cells[[0, 1, 2, 3]].values.tolist() == [["a", "b", "c\td", ""], ["", "", "", ""], ["last", "", "", ""]]
    assert cells["line"].tolist() == [1, 2, 3]
    assert cells.dtypes.astype(str).tolist() == ["object"] * 4 + ["int64"]


def test_every_kind_of_awkward_row_in_one_report(tmp_path):
    path = write_report(tmp_path / "report.csv", [
        "Attendance report",                                                                   # 1
        "1. Summary", "Meeting title\tBudget workshop",                                        # 2, 3
        "Start time\t15/11/22, 09:00:00", "End time\t15/11/22, 10:00:00", "",                  # 4, 5, 6
        "2. Participants", "Name\tFirst Join\tLast Leave\tIn-Meeting Duration\tEmail\tRole",   # 7, 8
        "Jane Smith\t15/11/22, 09:00:00\t15/11/22, 09:50:00\t50m\tjane@x.gov.uk\tOrganiser",   # 9
        "Amir Khan\t15/11/22, 09:05:00\t15/11/22, 09:35:00\t30m\t\tAttendee", "",              # 10, 11
        "3. In-Meeting Activities", "Name\tJoin Time\tLeave Time\tDuration\tEmail\tRole",      # 12, 13
        "Jane Smith\t15/11/22, 09:00:00\t15/11/22, 09:30:00\t30m\tjane@x.gov.uk\tOrganiser",   # 14
        "Jane Smith\t15/11/22, 09:20:00\t15/11/22, 09:50:00\t30m\tJANE@x.gov.uk\tOrganiser",   # 15
        "\t15/11/22, 09:10:00\t15/11/22, 09:20:00\t10m\t\tAttendee",                           # 16
        "Amir Khan\tsoon\tlater\t\t\tAttendee",                                                # 17
        "Amir Khan\t15/11/22, 09:40:00\t15/11/22, 09:35:00\t\t\tAttendee", "",                 # 18, 19
        "4. Meeting Engagement", "Reactions\t3",                                               # 20, 21
    ])
    reading = teams.read(path, Context(pilot_id="p", source_file="p/w1.csv"))
    people = by_name(reading)
    # Jane: 09:00-09:30 and 09:20-09:50 overlap, so 50 minutes; Amir's activity rows are all
    # quarantined, so his participants row gives his times and its 30m
    assert people["minutes_present"].to_dict() == {"Jane Smith": 50.0, "Amir Khan": 30.0}
    assert people.loc["Amir Khan", "joined_at"] == at("2022-11-15 09:05:00")
    assert people.loc["Jane Smith", "left_at"] == at("2022-11-15 09:50:00")
    assert people["source_row"].tolist() == [9, 10]
    assert people.loc["Jane Smith", "role"] == "Organiser" and pd.isna(people.loc["Amir Khan", "source_email"])
    fates = reading.fates.set_index("source_row")
    assert fates.index.tolist() == list(range(1, 22))
    assert fates["fate"].value_counts().to_dict() == {"skipped-structure": 14, "quarantined": 3, "kept": 2,
                                                      "merged": 2}
    reason = fates["reason"].to_dict()
    assert reason[1] == "a line before the first section"
    assert [reason[r] for r in (2, 3, 6, 8)] == ["section heading", "summary line", "blank line", "header row"]
    assert reason[21] == "a row of section '4. Meeting Engagement', which evalkit does not read"
    assert reason[15] == "same person as row 9 (merged into that row)"
    assert reason[16] == "p/w1.csv, row 16, column 'Name': no name"
    assert reason[17] == ("p/w1.csv, row 17, column 'Join Time': 'soon' is not a date-time (read day-first); "
                          "p/w1.csv, row 17, column 'Leave Time': 'later' is not a date-time (read day-first)")
    assert reason[18] == ("p/w1.csv, row 18, column 'Leave Time': '15/11/22, 09:35:00' is before the join "
                          "time '15/11/22, 09:40:00'")
    assert reading.meta["start"] == at("2022-11-15 09:00:00") and reading.meta["end"] == at("2022-11-15 10:00:00")
    assert reading.meta["declared_participants"] is None


def test_read_grid_gives_the_cells_and_lines_of_read_cells():
    text = 'Name\tJoin\n\n" Ann\n Lee "\t 1/2/23 \nBo\n'
    grid, lines = teams.read_grid(text, "\t", "f.csv")
    cells = teams.read_cells(text, "\t", "f.csv")
    assert grid.tolist() == cells[[0, 1]].values.tolist() == [["Name", "Join"], ["", ""], ["Ann\n Lee", "1/2/23"],
                                                              ["Bo", ""]]
    assert lines.tolist() == cells["line"].tolist() == [1, 2, 3, 5]
    assert teams.read_grid("", "\t", "f.csv")[0].shape == (0, 1)


def test_a_record_spread_over_lines_keeps_every_cell():
    """A quoted cell holding a line break spreads a record over two lines, each with fewer
    tabs than the record has: the record is still read whole (its cells not shifted into
    the row labels, the file not refused)."""
    text = 'Name\tRole\n"Cllr Ann\nJones"\t"Attendee\nguest"\tann@example.org\nBob Smith\tPresenter\n'
    cells = teams.read_cells(text, "\t", "report.csv")
    assert cells[[0, 1, 2]].values.tolist() == [["Name", "Role", ""], ["Cllr Ann\nJones", "Attendee\nguest",
                                                 "ann@example.org"], ["Bob Smith", "Presenter", ""]]
    assert cells["line"].tolist() == [1, 2, 5]
    grid, lines = teams.read_grid(text, "\t", "report.csv")
    assert grid.tolist() == cells[[0, 1, 2]].values.tolist() and lines.tolist() == [1, 2, 5]
