"""Sign-in sheets typed up from paper (evalkit.readers.register) and the typed-up table
helpers they use (evalkit.clean.marks). Every expected number is worked by hand from the
fixture rows written out below or in tests/data/formats/register/."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from evalkit import schemas
from evalkit.clean import marks as mk
from evalkit.programme import Session
from evalkit.readers import InputError, detect, read
from evalkit.readers import register
from evalkit.readers.base import Context, sniff

DATA = Path(__file__).resolve().parents[1] / "data" / "formats"
SOLIHULL = DATA / "register" / "solihull-sign-in.csv"
TWO_ROW = DATA / "register" / "two-row-header.csv"

SOLIHULL_SESSIONS = (
    Session(id="ws1", kind="workshop", date="2024-09-18", label="Workshop 1"),
    Session(id="ws2", kind="workshop", date="2024-10-09", label="Workshop 2"),
    Session(id="ws3", kind="workshop", date="2024-10-30", label="Workshop 3"),
    Session(id="ws4", kind="workshop", date="2024-11-20", label="Workshop 4"),
)
SUFFOLK_SESSIONS = (
    Session(id="masterclass", kind="masterclass", date="2022-10-04", label="Master class", aliases=("Masterclass",)),
    Session(id="ws1", kind="workshop", date="2022-11-01", label="Workshop 1", aliases=("WS1",)),
    Session(id="ws2", kind="workshop", date="2022-11-22", label="Workshop 2", aliases=("WS2",)),
    Session(id="ws3", kind="workshop", date="2023-01-10", label="Workshop 3", aliases=("WS3",)),
)


def workbook(path: Path, sheets: dict[str, list[list]], merged: dict[str, list[int]] | None = None) -> Path:
    """Write a workbook from literal rows; ``merged`` lists the rows merged across the table."""
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        width = max((len(r) for r in rows), default=1)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None and value != "":
                    ws.cell(row=r, column=c, value=value)
        for r in (merged or {}).get(name, []):
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=width)
    book.save(path)
    return path


@pytest.fixture
def suffolk_book(tmp_path) -> Path:
    """A workbook with a sheet per session, as a support officer typed the signed sheets up."""
    title = "Suffolk Councillors' Social Media Pilot - sign-in sheet"
    sheets = {
        "Masterclass 4 Oct": [
            [title, None, None],                                                  # 1 title (merged)
            ["Skills master class, Endeavour House, Tuesday 4 October 2022"],     # 2 title (merged)
            ["Name", "Council", "Signature"],                                     # 3 header
            ["Cllr Jane Smith (Lab)", "Suffolk CC", "J Smith"],                   # 4 a typed signature
            ["Cllr John Smith (Con)", "Babergh DC", "✓"],                         # 5
            ["Smith, Jane (External)", "Suffolk CC", "✓"],                        # 6 another form of a name
            [],                                                                   # 7 blank line
            ["Cllr Peter O'Neill", "Ipswich BC", "apols"],                        # 8
            ["Cllr Peter O'Neill", "Ipswich BC", "apols"],                        # 9 typed twice
            ["Sarah Bloggs (officer)", "SCC Democratic Services", "✓"],           # 10
            [],                                                                   # 11 blank
            ["Typed up by S. Bloggs 05/10/22"],                                   # 12 note (merged)
        ],
        "WS1 - 1 Nov": [
            [title, None, None],                                                  # 1 title
            ["Name", "Council", "Signature"],                                     # 2 header
            ["Cllr Jane Smith (Lab)", "Suffolk CC", "✓"],                         # 3
            ["Cllr John Smith (Con)", "Babergh DC", "?"],                         # 4 unreadable mark
            ["Cllr Amy Chen (LD)", "Mid Suffolk DC", "A"],                        # 5 apologies
            [None, None, "✓"],                                                    # 6 a tick with no name
            [],                                                                   # 7 blank
            ["Apologies received from Cllr T. Brown and Cllr R. Patel"],          # 8 note
            ["NB: Cllr Chen arrived at 11.00"],                                   # 9 note
        ],
        "Workshop 2": [
            ["Workshop 2 - Shape your network and manage debates online"],        # 1 title
            [],                                                                   # 2 blank
            ["Name", "Council", "Present"],                                       # 3 header
            ["Cllr Jane Smith (Lab)", "Suffolk CC", "Y"],                         # 4
            ["Cllr Amy Chen (LD)", "Mid Suffolk DC", None],                       # 5 listed, blank: absent
            ["Cllr Peter O'Neill", "Ipswich BC", "yes"],                          # 6
        ],
        "Notes": [
            ["Sign-in sheets typed up from the paper originals"],
            ["Originals filed in Democratic Services"],
        ],
        "Sheet5": [],
    }
    return workbook(tmp_path / "suffolk-sign-in.xlsx", sheets,
                    {"Masterclass 4 Oct": [1, 2, 12], "WS1 - 1 Nov": [1, 8, 9], "Workshop 2": [1]})


@pytest.fixture
def kirklees_book(tmp_path) -> Path:
    """One sheet, one session, a Present column; xlsx cells hold a number and a boolean."""
    rows = [
        ["Kirklees Council - Social Media Awareness Session"],           # 1 title (merged)
        ["Full Council, 13 October 2010, 5.30pm, Council Chamber"],      # 2 title (merged)
        ["Name", "Group", "Role", "Present"],                            # 3 header
        ["Cllr A. Khan (Lab)", "Labour", "Councillor", "✓"],             # 4
        ["Cllr B. Wood", "Conservative", "Councillor", "✓"],             # 5
        ["Cllr C. Firth (LD)", "Liberal Democrat", "Councillor", "Present"],  # 6
        ["Cllr D. Hirst", "Green", "Councillor", "apols"],               # 7
        ["Cllr E. Noble", "Labour", "Councillor", None],                 # 8 absent
        ["J. Parker", "Democratic Services", "Officer", 1],              # 9 a number
        ["K. Walsh", "Communications", "Officer", True],                 # 10 a boolean
        [],                                                              # 11 blank
        ["Total present: 6"],                                            # 12 note (a miscount)
        ["Typed up by K. Walsh"],                                        # 13 note
    ]
    return workbook(tmp_path / "kirklees-register.xlsx", {"Sheet1": rows}, {"Sheet1": [1, 2, 12, 13]})


def _status(attendance: pd.DataFrame) -> dict[tuple[str, object], str]:
    return {(n, s): st for n, s, st in attendance[["source_name", "session_id", "status"]].itertuples(index=False)}


def _fates(reading, source_file=None) -> dict[int, str]:
    fates = reading.fates
    if source_file is not None:
        fates = fates[fates["source_file"] == source_file]
    return dict(zip(fates["source_row"].astype(int), fates["fate"]))


# --------------------------------------------------------------------------- marks

@pytest.mark.parametrize("mark, status", [
    ("✓", "present"), ("✔", "present"), ("√", "present"), ("Y", "present"), ("y", "present"),
    ("x", "present"), ("X", "present"), ("yes", "present"), ("YES ", "present"), ("1", "present"),
    (1, "present"), (1.0, "present"), (True, "present"), ("Present", "present"), ("✓✓", "present"),
    ("late", "present"), ("apols", "apologies"), ("Apologies", "apologies"), ("A", "apologies"),
    ("apols.", "apologies"), ("(apols)", "apologies"), ("Apologies received", "apologies"),
    ("", "absent"), (None, "absent"), (float("nan"), "absent"), ("-", "absent"), ("No", "absent"),
    ("0", "absent"), (False, "absent"), ("?", "unknown"), ("late?", "unknown"), ("L", "unknown"),
    ("J Smith", "unknown"), ("2", "unknown"), ("ü", "present"), ("û", "unknown"), ("10:05", "present"),
    ("9.58am", "present"), ("arrived 10:05", "unknown"),
])
def test_marks_mean_what_typists_mean(mark, status):
    assert mk.normalise_marks(pd.Series([mark], dtype="object")).iloc[0] == status


def test_a_signature_column_takes_any_writing_as_a_signature_but_not_a_question():
    marks = pd.Series(["J Smith", "signed", "apols", "", "?", "not here"], dtype="object")
    assert mk.normalise_marks(marks, signature=True).tolist() == [
        "present", "present", "apologies", "absent", "unknown", "unknown"]


def test_marks_are_read_once_per_distinct_value(monkeypatch):
    seen = []
    original = mk._mark_status
    monkeypatch.setattr(mk, "_mark_status", lambda text, sig: seen.append(text) or original(text, sig))
    mk.normalise_marks(pd.Series(["✓"] * 500 + ["apols"] * 300 + [""] * 200))
    assert sorted(seen) == ["", "apols", "✓"]


# --------------------------------------------------------------------------- session matching

@pytest.mark.parametrize("label, expected", [
    ("Workshop 1 (18 Sep)", "ws1"),
    ("workshop-3", "ws3"),
    ("WORKSHOP 4", "ws4"),
    ("18/09/2024", "ws1"),
    ("9.10.24", "ws2"),
    ("Wed 30th October", "ws3"),
    ("November 20", "ws4"),
    ("2024-10-09", "ws2"),
    (dt.datetime(2024, 11, 20), "ws4"),
    ("ws2", "ws2"),
])
def test_session_headers_match_by_name_or_date(label, expected):
    assert mk.match_session(label, SOLIHULL_SESSIONS)[0] == expected


@pytest.mark.parametrize("label, why", [
    ("Workshop 1 (9 Oct)", "its name points to ws1 but its date to ws2"),
    ("Catch-up session", "no session has this name or date"),
    ("1 Jan", "no session falls on the date it mentions"),
])
def test_unmatched_or_contradictory_headers_give_no_session_and_say_why(label, why):
    assert mk.match_session(label, SOLIHULL_SESSIONS) == (None, why)


def test_a_month_first_date_is_tried_only_when_day_first_finds_nothing():
    # 10/30/24 cannot be day-first; month-first it is 30 October
    assert mk.match_session("10/30/24", SOLIHULL_SESSIONS)[0] == "ws3"


# --------------------------------------------------------------------------- typed-up tables

def test_csv_records_follow_the_csv_reader_so_a_stray_quote_stays_text():
    text = 'Name,Mark\n"Smith, Jane",✓\nthe 6" group,Y\n"two\nlines",A\n'
    records, lines = mk.typed_csv_records(text)
    assert lines.tolist() == [1, 2, 3, 4]
    assert records[2] == ['the 6" group', "Y"]
    assert records[3] == ["two\nlines", "A"]


def test_an_unclosed_quote_is_an_error_naming_the_line():
    with pytest.raises(InputError, match=r"row 3"):
        mk.typed_csv_records('Name,Mark\nA,Y\n"B,Y\nC,Y\n', path="x.csv")


def test_notes_are_told_from_names():
    assert mk.is_note("Apologies received from Cllr T. Brown")
    assert mk.is_note("NB: left early")
    assert mk.is_note("(typed from the paper copy)")
    assert not mk.is_note("Cllr Apollonia Reid (Con)")
    assert not mk.is_note("Smith, Jane (External)")
    assert not mk.is_note("Councillor Mary-Anne O'Neill-Smith (Lib Dem)")


# --------------------------------------------------------------------------- the Solihull CSV

def test_solihull_csv_is_detected_from_its_content(tmp_path):
    assert detect(SOLIHULL) == "sign-in-sheet"
    renamed = tmp_path / "attendance.txt"
    renamed.write_bytes(SOLIHULL.read_bytes())
    assert detect(renamed) == "sign-in-sheet"


def test_solihull_who_came_to_which_workshop():
    reading = read(SOLIHULL, Context(sessions=SOLIHULL_SESSIONS, pilot_id="solihull"))
    attendance = reading.tables["attendance"]
    status = _status(attendance)
    # row 4: Y, apols, Y, blank
    assert [status[("Cllr Jane Smith (Lab)", s)] for s in ("ws1", "ws2", "ws3", "ws4")] == [
        "present", "apologies", "present", "absent"]
    # row 5: ✓, ✓, blank, late? — the unreadable mark gives no row for workshop 4
    assert [status.get(("Smith, Jean (Cllr)", s)) for s in ("ws1", "ws2", "ws3", "ws4")] == [
        "present", "present", "absent", None]
    # row 6: x, X, x, x
    assert {status[("Councillor Siân O'Neill", s)] for s in ("ws1", "ws2", "ws3", "ws4")} == {"present"}
    # row 7: listed, every mark blank
    assert {status[("Cllr Tom Smith-Jones", s)] for s in ("ws1", "ws2", "ws3", "ws4")} == {"absent"}
    # row 9 (typed again on row 10): 1, 1, A, 1
    assert [status[("Cllr Priya Patel (LD)", s)] for s in ("ws1", "ws2", "ws3", "ws4")] == [
        "present", "present", "apologies", "present"]
    assert (attendance["source_name"] == "Cllr Priya Patel (LD)").sum() == 4
    # present per workshop, counted by hand: 7, 5, 4, 4
    present = attendance[attendance["status"] == "present"].groupby("session_id").size()
    assert present.to_dict() == {"ws1": 7, "ws2": 5, "ws3": 4, "ws4": 4}
    assert attendance["status"].value_counts().to_dict() == {"present": 20, "absent": 8, "apologies": 3}
    assert len(attendance) == 31


def test_solihull_officers_keep_their_section_and_organisation():
    attendance = read(SOLIHULL, Context(sessions=SOLIHULL_SESSIONS)).tables["attendance"]
    green = attendance[attendance["source_name"] == "Rachel Green"]
    assert set(green["source_role"]) == {"Officers"}
    assert set(green["source_organisation"]) == {"Democratic Services"}
    hodgson = attendance[attendance["source_name"] == "Cllr Andrew Hodgson (Con)"]
    assert hodgson["source_role"].tolist() == [None] * 4
    assert set(hodgson["source_row"]) == {3}


def test_solihull_every_line_has_one_fate():
    reading = read(SOLIHULL, Context(sessions=SOLIHULL_SESSIONS))
    assert _fates(reading) == {
        1: "skipped-structure", 2: "skipped-structure", 3: "kept", 4: "kept", 5: "quarantined",
        6: "kept", 7: "kept", 8: "skipped-structure", 9: "kept", 10: "merged",
        11: "skipped-structure", 12: "kept", 13: "kept", 14: "skipped-structure",
        15: "skipped-structure", 16: "skipped-structure",
    }
    lines = SOLIHULL.read_bytes().decode("utf-8-sig").splitlines()
    assert len(lines) == 16
    fates = reading.fates.set_index("source_row")
    assert fates.loc[11, "reason"] == "section header"
    assert fates.loc[15, "reason"] == "note under the table"
    assert fates.loc[10, "reason"] == "the same person as row 9 (typed twice)"
    reason = fates.loc[5, "reason"]
    assert "solihull-sign-in.csv" in reason and "row 5" in reason
    assert "Workshop 4 (20 Nov)" in reason and "'late?'" in reason
    schemas.validate("row_fates", reading.fates)
    schemas.validate("attendance", reading.tables["attendance"])


def test_solihull_canonical_columns_and_types():
    reading = read(SOLIHULL, Context(sessions=SOLIHULL_SESSIONS, pilot_id="solihull"))
    attendance = reading.tables["attendance"]
    assert list(attendance.columns[:12]) == schemas.columns("attendance")
    assert set(attendance["source"]) == {"register"}
    assert attendance[["joined_at", "left_at", "participant_id"]].isna().all().all()
    assert attendance["minutes_present"].isna().all()
    assert set(attendance["pilot_id"]) == {"solihull"}
    for column in ("source_name", "session_id", "source_email", "source_organisation"):
        assert attendance[column].dtype == object
    assert attendance["source_email"].tolist() == [None] * len(attendance)
    assert any("note under the table: Typed up by R. Green" in n for n in reading.notes)


def test_read_alone_the_session_is_the_header_as_written():
    attendance = read(SOLIHULL).tables["attendance"]
    assert sorted(attendance["session_id"].unique()) == [
        "Workshop 1 (18 Sep)", "Workshop 2 (9 Oct)", "Workshop 3 (30 Oct)", "Workshop 4 (20 Nov)"]


def test_an_unmatched_column_has_no_session_and_a_note():
    sessions = SOLIHULL_SESSIONS[:3]  # workshop 4 is not in the programme
    reading = read(SOLIHULL, Context(sessions=sessions))
    attendance = reading.tables["attendance"]
    unmatched = attendance[attendance["source_session"] == "Workshop 4 (20 Nov)"]
    assert len(unmatched) == 7 and unmatched["session_id"].isna().all()
    assert any("'Workshop 4 (20 Nov)' matches no session" in n for n in reading.notes)


def test_two_header_rows_a_spanning_header_over_session_names():
    reading = read(TWO_ROW, Context(sessions=SUFFOLK_SESSIONS))
    assert _fates(reading) == {1: "skipped-structure", 2: "skipped-structure", 3: "skipped-structure",
                               4: "kept", 5: "kept"}
    assert reading.fates.set_index("source_row").loc[3, "reason"] == "second header row"
    status = _status(reading.tables["attendance"])
    assert status == {
        ("Cllr Omar Farouk", "ws1"): "present", ("Cllr Omar Farouk", "ws2"): "present",
        ("Cllr Omar Farouk", "ws3"): "absent",
        ("Cllr Beth Moore", "ws1"): "present", ("Cllr Beth Moore", "ws2"): "absent",
        ("Cllr Beth Moore", "ws3"): "apologies",
    }
    alone = read(TWO_ROW).tables["attendance"]
    assert sorted(alone["session_id"].unique()) == ["WS1", "WS2", "WS3"]
    assert set(alone["source_organisation"]) == {"Hull", "Leeds"}


# --------------------------------------------------------------------------- a sheet per session

def test_suffolk_workbook_is_detected(suffolk_book):
    assert detect(suffolk_book) == "sign-in-sheet"


def test_suffolk_sheets_are_sessions_and_marks_are_read(suffolk_book):
    reading = read(suffolk_book, Context(sessions=SUFFOLK_SESSIONS, source_file="suffolk/attendance/sign-in.xlsx"))
    attendance = reading.tables["attendance"]
    status = _status(attendance)
    assert status == {
        ("Cllr Jane Smith (Lab)", "masterclass"): "present",    # a typed signature
        ("Cllr John Smith (Con)", "masterclass"): "present",
        ("Smith, Jane (External)", "masterclass"): "present",
        ("Cllr Peter O'Neill", "masterclass"): "apologies",
        ("Sarah Bloggs (officer)", "masterclass"): "present",
        ("Cllr Jane Smith (Lab)", "ws1"): "present",
        ("Cllr Amy Chen (LD)", "ws1"): "apologies",             # "A"
        ("Cllr Jane Smith (Lab)", "ws2"): "present",
        ("Cllr Amy Chen (LD)", "ws2"): "absent",                # listed with a blank
        ("Cllr Peter O'Neill", "ws2"): "present",
    }
    assert len(attendance) == 10
    files = set(attendance["source_file"])
    assert files == {"suffolk/attendance/sign-in.xlsx#Masterclass 4 Oct",
                     "suffolk/attendance/sign-in.xlsx#WS1 - 1 Nov",
                     "suffolk/attendance/sign-in.xlsx#Workshop 2"}
    oneill = attendance[(attendance["source_name"] == "Cllr Peter O'Neill") & (attendance["session_id"] == "masterclass")]
    assert oneill["source_row"].tolist() == [8]
    assert oneill["source_organisation"].tolist() == ["Ipswich BC"]
    assert set(attendance["sheet"]) == {"Masterclass 4 Oct", "WS1 - 1 Nov", "Workshop 2"}


def test_suffolk_every_sheet_row_has_one_fate(suffolk_book):
    reading = read(suffolk_book, Context(sessions=SUFFOLK_SESSIONS))
    base = "suffolk-sign-in.xlsx#"
    assert _fates(reading, base + "Masterclass 4 Oct") == {
        1: "skipped-structure", 2: "skipped-structure", 3: "skipped-structure", 4: "kept", 5: "kept",
        6: "kept", 7: "skipped-structure", 8: "kept", 9: "merged", 10: "kept", 11: "skipped-structure",
        12: "skipped-structure"}
    assert _fates(reading, base + "WS1 - 1 Nov") == {
        1: "skipped-structure", 2: "skipped-structure", 3: "kept", 4: "quarantined", 5: "kept",
        6: "quarantined", 7: "skipped-structure", 8: "skipped-structure", 9: "skipped-structure"}
    assert _fates(reading, base + "Workshop 2") == {
        1: "skipped-structure", 2: "skipped-structure", 3: "skipped-structure", 4: "kept", 5: "kept", 6: "kept"}
    assert _fates(reading, base + "Notes") == {1: "skipped-structure", 2: "skipped-structure"}
    assert len(reading.fates) == 12 + 9 + 6 + 2
    ws1 = reading.fates[reading.fates["source_file"] == base + "WS1 - 1 Nov"].set_index("source_row")
    assert "column 'Signature'" in ws1.loc[4, "reason"] and "'?'" in ws1.loc[4, "reason"]
    assert "no name" in ws1.loc[6, "reason"] and "row 6" in ws1.loc[6, "reason"]
    schemas.validate("row_fates", reading.fates)
    schemas.validate("attendance", reading.tables["attendance"])


def test_suffolk_notes_say_how_sheets_were_matched(suffolk_book):
    reading = read(suffolk_book, Context(sessions=SUFFOLK_SESSIONS))
    assert any("'Masterclass 4 Oct' is session masterclass" in n for n in reading.notes)
    assert any("sheet 'Notes' has no sign-in table" in n for n in reading.notes)
    assert any("Apologies received from Cllr T. Brown" in n for n in reading.notes)


def test_read_alone_a_sheet_per_session_is_named_by_its_sheet(suffolk_book):
    attendance = read(suffolk_book).tables["attendance"]
    assert sorted(attendance["session_id"].unique()) == ["Masterclass 4 Oct", "WS1 - 1 Nov", "Workshop 2"]


# --------------------------------------------------------------------------- one session, one sheet

def test_kirklees_one_sheet_matched_by_the_date_in_its_title(kirklees_book):
    sessions = (Session(id="awareness", kind="awareness", date="2010-10-13"),
                Session(id="surgery", kind="surgery", date="2010-11-10"))
    reading = read(kirklees_book, Context(sessions=sessions))
    attendance = reading.tables["attendance"]
    assert set(attendance["session_id"]) == {"awareness"}
    assert attendance["source_file"].unique().tolist() == ["kirklees-register.xlsx"]
    status = dict(zip(attendance["source_name"], attendance["status"]))
    assert status == {"Cllr A. Khan (Lab)": "present", "Cllr B. Wood": "present",
                      "Cllr C. Firth (LD)": "present", "Cllr D. Hirst": "apologies",
                      "Cllr E. Noble": "absent", "J. Parker": "present", "K. Walsh": "present"}
    roles = dict(zip(attendance["source_name"], attendance["source_role"]))
    assert roles["J. Parker"] == "Officer" and roles["Cllr B. Wood"] == "Councillor"
    assert dict(zip(attendance["source_name"], attendance["source_organisation"]))["Cllr D. Hirst"] == "Green"
    assert _fates(reading) == {1: "skipped-structure", 2: "skipped-structure", 3: "skipped-structure",
                               4: "kept", 5: "kept", 6: "kept", 7: "kept", 8: "kept", 9: "kept", 10: "kept",
                               11: "skipped-structure", 12: "skipped-structure", 13: "skipped-structure"}


def test_kirklees_a_pinned_session_wins(kirklees_book):
    sessions = (Session(id="awareness", kind="awareness", date="2010-10-13"),)
    attendance = read(kirklees_book, Context(sessions=sessions, session_id="pinned")).tables["attendance"]
    assert set(attendance["session_id"]) == {"pinned"}


def test_kirklees_without_a_match_the_session_is_none_with_a_note(kirklees_book):
    sessions = (Session(id="a", kind="surgery", date="2010-11-10"), Session(id="b", kind="surgery", date="2010-12-08"))
    reading = read(kirklees_book, Context(sessions=sessions))
    assert reading.tables["attendance"]["session_id"].isna().all()
    assert any("no session found for the sheet" in n for n in reading.notes)


def test_kirklees_read_alone_the_session_is_the_title(kirklees_book):
    attendance = read(kirklees_book).tables["attendance"]
    assert set(attendance["session_id"]) == {"Kirklees Council - Social Media Awareness Session"}


# --------------------------------------------------------------------------- detection and errors

@pytest.mark.parametrize("text", [
    # Zoom participants
    "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest\n"
    "Jane Smith,jane@x.gov.uk,10/01/2025 09:58:01 AM,10/01/2025 11:02:11 AM,65,No\n",
    # a roster
    "roster_id,name,role,authority,party,email,x_handle,in_cohort\nK001,Ann Khan,councillor,Kirklees,Labour,,,yes\n",
    # names beside numbers that are not marks
    "Name,Score\nAnn,1\nBob,0\nCat,1\n",
    # typed-up evaluation sheets
    "Name (optional),Was the session useful?,Would you like to find out more?\nA,Agree,Yes\nB,SA,Y\n",
])
def test_other_tables_are_not_taken_for_sign_in_sheets(tmp_path, text):
    path = tmp_path / "file.csv"
    path.write_text(text, encoding="utf-8")
    assert register.detect(sniff(path)) is None


def test_no_other_formats_fixture_is_taken_for_a_sign_in_sheet():
    mine = {"register"}
    for path in sorted(DATA.rglob("*")):
        if path.is_file() and path.parent.name not in mine and path.suffix in (".csv", ".txt", ".xlsx", ".tsv"):
            assert register.detect(sniff(path)) is None, path


def test_a_one_session_sheet_with_a_present_column_is_detected(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("Surgery sign-in 10 Nov\nFull name,Attended\nAnn Khan,yes\n", encoding="utf-8")
    assert register.detect(sniff(path)) == "sign-in-sheet"


def test_a_file_without_a_name_column_is_an_input_error(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("Who,Workshop 1\nAnn,Y\n", encoding="utf-8")
    with pytest.raises(InputError, match="no sign-in table found"):
        register.read(path, Context())


# --------------------------------------------------------------------------- printed forms

def test_unused_numbered_lines_of_a_printed_form_are_structure(tmp_path):
    path = tmp_path / "surgery.csv"
    path.write_text("No.,Name,Council,Signature\n"        # 1 header
                    "1,Cllr A. Khan,Kirklees,✓\n"          # 2
                    "2,Cllr B. Wood,Kirklees,ü\n"          # 3 a Wingdings tick
                    "3,,,\n"                               # 4 nobody signed this line
                    "4,Cllr C. Firth,Kirklees,10:05\n"     # 5 an arrival time in place of a tick
                    "5,,,\n", encoding="utf-8")            # 6
    assert detect(path) == "sign-in-sheet"
    reading = read(path)
    assert _fates(reading) == {1: "skipped-structure", 2: "kept", 3: "kept", 4: "skipped-structure", 5: "kept",
                               6: "skipped-structure"}
    assert reading.fates.set_index("source_row").loc[4, "reason"] == "an unused line of the form (only its number)"
    assert _status(reading.tables["attendance"]) == {("Cllr A. Khan", None): "present",
                                                     ("Cllr B. Wood", None): "present",
                                                     ("Cllr C. Firth", None): "present"}


def test_dates_typed_as_excel_dates_head_the_session_columns(tmp_path):
    path = workbook(tmp_path / "dates.xlsx", {"Attendance": [
        ["Member development: social media"],
        ["Name", "Council", dt.datetime(2022, 10, 4), dt.datetime(2022, 11, 1), dt.datetime(2022, 11, 22)],
        ["Cllr Amy Chen (LD)", "Mid Suffolk DC", "✓", "A", None],
        ["Cllr Peter O'Neill", "Ipswich BC", None, "✓", "✓"],
    ]}, {"Attendance": [1]})
    assert detect(path) == "sign-in-sheet"
    matched = read(path, Context(sessions=SUFFOLK_SESSIONS)).tables["attendance"]
    assert _status(matched) == {
        ("Cllr Amy Chen (LD)", "masterclass"): "present", ("Cllr Amy Chen (LD)", "ws1"): "apologies",
        ("Cllr Amy Chen (LD)", "ws2"): "absent", ("Cllr Peter O'Neill", "masterclass"): "absent",
        ("Cllr Peter O'Neill", "ws1"): "present", ("Cllr Peter O'Neill", "ws2"): "present"}
    alone = read(path).tables["attendance"]
    assert sorted(alone["session_id"].unique()) == ["2022-10-04", "2022-11-01", "2022-11-22"]
    assert set(alone["source_file"]) == {"dates.xlsx"}  # one sheet: no sheet name in source_file
