"""Writers of typed-up formats (sign-in sheets, Eventbrite, paper evaluation sheets): the
files look as the real ones do, and reading them back gives exactly the expected rows and
fates the writers return."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evalkit.programme import Session
from evalkit.readers import detect, read
from evalkit.readers.base import Context
from evalkit.sample.formats import Written
from evalkit.sample.formats.eventbrite import COLUMNS, write_eventbrite
from evalkit.sample.formats.paper import write_paper_feedback
from evalkit.sample.formats.register import write_register_csv, write_register_xlsx

SEEDS = [1, 3, 7, 11]  # between them every quirk the writers add, and its absence


def _plain(value):
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer, int)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return float(value)
    return value


def _records(frame: pd.DataFrame, columns: list[str], order: list[str]) -> list[dict]:
    rows = [{c: _plain(v) for c, v in zip(columns, values)} for values in frame[columns].itertuples(index=False)]
    return sorted(rows, key=lambda r: tuple("" if r[k] is None else str(r[k]) for k in order))


def assert_round_trip(written: Written, reading, order: dict[str, list[str]]) -> None:
    """The reader's tables and fates equal the writer's expectations, column for column."""
    assert reading.format == written.format
    for table, expected in written.tables.items():
        columns = [c for c in expected.columns if c != "person_key"]
        got = reading.tables[table]
        assert _records(got, columns, order[table]) == _records(expected, columns, order[table]), table
    fates = written.fates
    if "source_file" not in fates.columns:
        fates = fates.assign(source_file=written.source_file)
    want = _records(fates, ["source_file", "source_row", "fate", "table"], ["source_file", "source_row"])
    got = _records(reading.fates.assign(source_row=reading.fates["source_row"].astype(int)),
                   ["source_file", "source_row", "fate", "table"], ["source_file", "source_row"])
    assert got == want
    quarantined = reading.fates[reading.fates["fate"] == "quarantined"]
    assert quarantined["reason"].notna().all()
    assert written.fates.loc[written.fates["fate"] == "quarantined", "reason"].notna().all()


# --------------------------------------------------------------------------- registers

SESSIONS = [
    {"session_id": "masterclass", "header": "Skills master class (4 Oct)", "date": "2022-10-04"},
    {"session_id": "ws1", "header": "Workshop 1 (1 Nov)", "date": "2022-11-01"},
    {"session_id": "ws2", "header": "Workshop 2 (22 Nov)", "date": "2022-11-22"},
    {"session_id": "ws3", "header": "Workshop 3 (10 Jan)", "date": "2023-01-10"},
]
PROGRAMME_SESSIONS = tuple(
    Session(id=s["session_id"], kind="masterclass" if s["session_id"] == "masterclass" else "workshop",
            date=s["date"], aliases=(s["header"],))
    for s in SESSIONS
)
PEOPLE = pd.DataFrame({
    "person_key": ["SUF-01", "SUF-02", "SUF-03", "SUF-04", "SUF-05", "SUF-06", "guest-1", "stranger-1"],
    "name": ["Cllr J. Smith (Lab)", "Smith, Jane (External)", "Cllr Siân O'Neill", "Councillor Tom Smith-Jones",
             "Cllr Priya Patel (LD)", "Cllr Amy Chen", "Sarah Bloggs", "Cllr Ray Dunn"],
    "organisation": ["Suffolk CC", "Suffolk CC", "Ipswich BC", "", "Mid Suffolk DC", "Babergh DC",
                     "SCC Democratic Services", ""],
})
MARKS = pd.DataFrame({
    "masterclass": ["✓", "", "Y", "apols", "✓", "x", "Present", ""],
    "ws1": ["✓", "✓", "yes", "", "A", "1", "✓", ""],
    "ws2": ["Y", "", "?", "", "✓", "", "✓", "✓"],
    "ws3": ["", "", "x", "Apologies", "✓", "", "", ""],
})


@pytest.mark.parametrize("seed", SEEDS)
def test_register_xlsx_sheet_per_session_round_trip(tmp_path, seed):
    path = tmp_path / "sign-in.xlsx"
    written = write_register_xlsx(path, source_file="suffolk/attendance/sign-in.xlsx",
                                  title="Suffolk Councillors' Social Media Pilot", sessions=SESSIONS,
                                  people=PEOPLE, marks=MARKS, notes=["Apologies received from Cllr R. Patel"],
                                  rng=np.random.default_rng(seed))
    assert detect(path) == "sign-in-sheet"
    reading = read(path, Context(sessions=PROGRAMME_SESSIONS, source_file="suffolk/attendance/sign-in.xlsx"))
    assert_round_trip(written, reading, {"attendance": ["source_file", "source_row", "session_id"]})
    attendance = written.tables["attendance"]
    # a sheet lists who signed: 6 people with a mark at the master class, 6 at workshop 1, 5 at 2, 3 at 3,
    # less Cllr O'Neill's unreadable "?" at workshop 2
    assert attendance.groupby("session_id").size().to_dict() == {"masterclass": 6, "ws1": 6, "ws2": 4, "ws3": 3}
    smith = attendance[attendance["person_key"] == "SUF-01"].set_index("session_id")["status"].to_dict()
    assert smith == {"masterclass": "present", "ws1": "present", "ws2": "present"}
    assert set(attendance["source_file"].str.split("#").str[1]) == {s["header"] for s in SESSIONS}


@pytest.mark.parametrize("seed", SEEDS)
def test_register_xlsx_columns_round_trip(tmp_path, seed):
    path = tmp_path / "register.xlsx"
    written = write_register_xlsx(path, source_file="solihull/attendance/register.xlsx", title="Attendance",
                                  sessions=SESSIONS, people=PEOPLE, marks=MARKS, layout="columns",
                                  rng=np.random.default_rng(seed))
    reading = read(path, Context(sessions=PROGRAMME_SESSIONS, source_file="solihull/attendance/register.xlsx"))
    assert_round_trip(written, reading, {"attendance": ["source_file", "source_row", "session_id"]})
    attendance = written.tables["attendance"]
    # everyone is listed: 8 people x 4 sessions, less the one unreadable mark; present 5 + 5 + 4 + 2,
    # apologies "apols", "A", "Apologies", absent (blank) 2 + 2 + 3 + 5
    assert len(attendance) == 31
    assert attendance["status"].value_counts().to_dict() == {"present": 16, "absent": 12, "apologies": 3}
    assert set(attendance["source_file"]) == {"solihull/attendance/register.xlsx"}


@pytest.mark.parametrize("seed", SEEDS)
def test_register_csv_round_trip(tmp_path, seed):
    path = tmp_path / "sign-in.csv"
    written = write_register_csv(path, source_file="solihull/attendance/sign-in.csv",
                                 title="Solihull councillors' workshops", sessions=SESSIONS, people=PEOPLE,
                                 marks=MARKS, notes=["Cllr Dunn is not on the list of members"],
                                 rng=np.random.default_rng(seed))
    assert detect(path) == "sign-in-sheet"
    reading = read(path, Context(sessions=PROGRAMME_SESSIONS, source_file="solihull/attendance/sign-in.csv"))
    assert_round_trip(written, reading, {"attendance": ["source_file", "source_row", "session_id"]})
    fates = written.fates.set_index("source_row")["fate"]
    assert (fates == "quarantined").sum() == 1  # Cllr O'Neill's "?"


def test_register_csv_bytes_are_excel_csv_utf8(tmp_path):
    path = tmp_path / "sign-in.csv"
    write_register_csv(path, source_file="x.csv", title="Workshops", sessions=SESSIONS, people=PEOPLE,
                       marks=MARKS, notes=["Cllr Dunn came late"], rng=np.random.default_rng(5))
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    text = data[3:].decode("utf-8")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")
    lines = text.split("\r\n")[:-1]
    assert lines[0] == "Workshops" + "," * 5  # the title padded to the table's width
    assert any(line.startswith("Name,Organisation,Skills master class (4 Oct),Workshop 1 (1 Nov)") for line in lines)
    assert '"Smith, Jane (External)"' in text
    assert lines[-1].startswith("Note: Cllr Dunn came late")  # made to read as a note
    assert lines[-2] == ",,,,,"
    assert "✓" in text and "apols" in text


def test_register_xlsx_has_merged_titles_and_notes_below(tmp_path):
    import openpyxl

    path = tmp_path / "sign-in.xlsx"
    written = write_register_xlsx(path, source_file="x.xlsx", title="Pilot sign-in", sessions=SESSIONS,
                                  people=PEOPLE, marks=MARKS, rng=np.random.default_rng(2))
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == [s["header"] for s in SESSIONS]
    for sheet in book.worksheets:
        merged = {str(r) for r in sheet.merged_cells.ranges}
        width = sheet.max_column
        assert f"A1:{openpyxl.utils.get_column_letter(width)}1" in merged
        assert sheet["A1"].value == "Pilot sign-in"
        last = sheet.max_row
        assert str(sheet.cell(row=last, column=1).value).startswith("Typed up by")
        assert f"A{last}:{openpyxl.utils.get_column_letter(width)}{last}" in merged
        assert sheet.cell(row=last - 1, column=1).value is None
    assert "merged title row" in " ".join(written.quirks) and "notes under the table" in written.quirks


def test_register_two_people_with_one_name_and_organisation_cannot_be_told_apart(tmp_path):
    people = pd.DataFrame({"person_key": ["A", "B"], "name": ["Cllr J. Smith", "Cllr J. Smith"],
                           "organisation": ["Suffolk CC", "Suffolk CC"]})
    marks = pd.DataFrame({"ws1": ["", "✓"]})
    sessions = SESSIONS[1:2]
    path = tmp_path / "s.csv"
    written = write_register_csv(path, source_file="s.csv", title="T", sessions=sessions, people=people,
                                 marks=marks, rng=np.random.default_rng(0))
    reading = read(path, Context(sessions=PROGRAMME_SESSIONS, source_file="s.csv"))
    assert_round_trip(written, reading, {"attendance": ["source_file", "source_row", "session_id"]})
    assert written.tables["attendance"][["person_key", "status"]].values.tolist() == [["A", "present"]]


def test_register_writer_checks_its_input(tmp_path):
    with pytest.raises(ValueError, match="no column for session"):
        write_register_csv(tmp_path / "x.csv", source_file="x.csv", title="T", sessions=SESSIONS, people=PEOPLE,
                           marks=MARKS.drop(columns="ws3"), rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="layout"):
        write_register_xlsx(tmp_path / "x.xlsx", source_file="x.xlsx", title="T", sessions=SESSIONS,
                            people=PEOPLE, marks=MARKS, layout="diagonal", rng=np.random.default_rng(0))


# --------------------------------------------------------------------------- Eventbrite

ATTENDEES = pd.DataFrame({
    "person_key": ["YH-01", "YH-02", "YH-03", "YH-04", "YH-05", "guest-1"],
    "first_name": ["Cllr Jane", "Siân", "Tom", "Priya", "Omar", "Ruth"],
    "last_name": ["Smith", "O'Neill", "Baker", "Patel", "Farouk", "Hall  "],
    "email": ["jane.smith@leeds.gov.uk", "Sian.ONeill@hullcc.gov.uk", "tom.baker@northyorks.gov.uk",
              "priya.patel@calderdale.gov.uk", "omar.farouk@hullcc.gov.uk", "ruth.hall@lga.gov.uk"],
    "ticket_type": ["Councillor place"] * 5 + ["Officer place"],
    "order_date": pd.to_datetime(["2025-01-06 09:14:00", "2025-01-06 10:02:37", "2025-01-13 16:45:00",
                                  "2025-01-14 08:30:00", "2025-03-30 00:30:00", "2025-01-20 19:05:00"]),
    "attendee_status": ["Checked In", "Attending", "Not Attending", "Checked In", "Attending", "Checked In"],
    "Which council do you represent?": ["Leeds", "Hull, East Riding", "North Yorkshire", "Calderdale", "Hull",
                                        'the "LGA"'],
})


@pytest.mark.parametrize("seed", SEEDS)
def test_eventbrite_round_trip(tmp_path, seed):
    path = tmp_path / "invitations.csv"
    written = write_eventbrite(path, source_file="yorkshire-humber/attendance/invitations.csv",
                               event="Leading online: Yorkshire and the Humber", attendees=ATTENDEES,
                               rng=np.random.default_rng(seed))
    assert detect(path) == "eventbrite-attendees"
    reading = read(path, Context(source_file="yorkshire-humber/attendance/invitations.csv"))
    assert_round_trip(written, reading, {"attendance": ["source_row"], "comments": ["source_row", "question"]})
    attendance = written.tables["attendance"].set_index("person_key")
    assert attendance["status"].to_dict() == {"YH-01": "present", "YH-02": "absent", "YH-03": "absent",
                                              "YH-04": "present", "YH-05": "absent", "guest-1": "present"}
    assert attendance["registered"].to_dict()["YH-03"] is False or not attendance["registered"]["YH-03"]
    assert attendance.loc["guest-1", "source_name"] == "Ruth Hall"
    # 00:30 on 30 March 2025 is before the clocks go forward at 01:00 GMT
    assert attendance.loc["YH-05", "ordered_at"] == pd.Timestamp("2025-03-30 00:30", tz="Europe/London")
    council = written.tables["comments"].query("question == 'Which council do you represent?'")
    assert len(council) == 6


def test_eventbrite_bytes(tmp_path):
    path = tmp_path / "invitations.csv"
    write_eventbrite(path, source_file="x.csv", event="E", attendees=ATTENDEES, rng=np.random.default_rng(4))
    text = path.read_bytes().decode("utf-8")
    header = text.split("\r\n", 1)[0]
    assert header == ",".join(COLUMNS + ["Which council do you represent?",
                                         "Do you have any access or dietary requirements?"])
    assert ",Free Order,GBP,0.00," in text
    assert "06/01/25 09:14" in text and "06/01/25 10:02," in text  # DD/MM/YY HH:MM, seconds dropped
    assert '"Hull, East Riding"' in text and '"the ""LGA"""' in text


# --------------------------------------------------------------------------- paper sheets

USEFUL = "Was the session useful?"
MORE = "Would you like to find out more about using social media?"
COMMENTS = "Any other comments?"
ITEMS = {USEFUL: ("useful", "agreement", None, {}), MORE: ("more", "yes_no", None, {}),
         COMMENTS: ("comments", "text", None, {})}
SHEETS = [
    # record, person_key, name, useful raw, more raw, comment raw, quarantine useful
    (1, "KIR-003", "Cllr A. Khan", "Strongly agree", "Yes", 'Really "useful"', False),
    (2, None, None, "SA", "yes please", None, False),
    (3, "KIR-010", None, "4 - Agree", "Y", "Shorter slides,\nmore examples", False),
    (4, None, None, "N/A", "No", "", False),
    (5, "KIR-021", "Cllr B. Wood (Con)", "Stongly agre", "Yes", "the 6\" screen was too small", True),
    (6, None, None, None, None, None, False),  # a blank sheet handed in
    (7, "KIR-033", "Cllr C. Firth", "agree", None, "\u201cBrilliant\u201d \u2013 thanks", False),
    (8, None, None, "Disagree", "no", None, False),
]
VALUES = {"Strongly agree": (5.0, "Strongly agree"), "SA": (5.0, "Strongly agree"), "4 - Agree": (4.0, "Agree"),
          "N/A": (None, "Not applicable"), "agree": (4.0, "Agree"), "Disagree": (2.0, "Disagree"),
          "Yes": (1.0, "Yes"), "yes please": (1.0, "Yes"), "Y": (1.0, "Yes"), "No": (0.0, "No"), "no": (0.0, "No")}


def paper_answers(sessions: dict[int, str] | None = None, wave: str = "feedback") -> pd.DataFrame:
    rows = []
    for record, person, name, useful, more, comment, bad in SHEETS:
        for question, raw, kind, item, scale in ((USEFUL, useful, "response", "useful", "agreement"),
                                                  (MORE, more, "response", "more", "yes_no"),
                                                  (COMMENTS, comment, "comment", "comments", "text")):
            value, label = VALUES.get(raw, (None, None)) if kind == "response" else (None, None)
            rows.append({"record": record, "person_key": person, "respondent_id": None, "source_name": name,
                         "source_email": None, "submitted_at": None, "question": question, "raw": raw,
                         "kind": kind, "item_id": item, "value": value, "label": label, "scale": scale,
                         "wave": wave, "session_id": (sessions or {}).get(record, "awareness"),
                         "quarantine": bad and question == USEFUL})
    return pd.DataFrame(rows)


PAPER_ORDER = {"responses": ["source_row", "question"], "comments": ["source_row", "question"]}


@pytest.mark.parametrize("seed", SEEDS)
def test_paper_csv_round_trip(tmp_path, seed):
    path = tmp_path / "feedback.csv"
    written = write_paper_feedback(path, source_file="kirklees-2010/surveys/feedback.csv", answers=paper_answers(),
                                   rng=np.random.default_rng(seed))
    assert detect(path) == "paper-evaluation"
    reading = read(path, Context(item_for_question=ITEMS.get, session_id="awareness", wave="feedback",
                                 source_file="kirklees-2010/surveys/feedback.csv"))
    assert_round_trip(written, reading, PAPER_ORDER)
    responses = written.tables["responses"]
    # 7 useful answers written, one unreadable; 6 find-out-more answers
    assert (responses["item_id"] == "useful").sum() == 6
    assert responses.query("item_id == 'more'")["value"].tolist() == [1.0, 1.0, 1.0, 0.0, 1.0, 0.0]
    assert written.tables["comments"]["text"].tolist() == [
        'Really "useful"', "Shorter slides,\nmore examples", 'the 6" screen was too small',
        "\u201cBrilliant\u201d \u2013 thanks"]
    fates = written.fates
    assert (fates["fate"] == "quarantined").sum() == 1


def test_paper_bytes_are_excel_csv(tmp_path):
    path = tmp_path / "feedback.csv"
    write_paper_feedback(path, source_file="f.csv", answers=paper_answers(), rng=np.random.default_rng(1))
    data = path.read_bytes()
    text = data.decode("cp1252")  # every character fits Windows-1252, as Excel saves it
    assert "\r\n" in text and '"Really ""useful"""' in text and '"Shorter slides,\r\nmore examples"' not in text
    assert '"Shorter slides,\nmore examples"' in text  # a line break typed inside a cell
    assert "\u201cBrilliant\u201d" in text


def test_paper_xlsx_round_trip(tmp_path):
    path = tmp_path / "feedback.xlsx"
    written = write_paper_feedback(path, source_file="f.xlsx", answers=paper_answers(), rng=np.random.default_rng(3))
    assert detect(path) == "paper-evaluation"
    reading = read(path, Context(item_for_question=ITEMS.get, session_id="awareness", source_file="f.xlsx"))
    assert_round_trip(written, reading, PAPER_ORDER)


@pytest.mark.parametrize("seed", SEEDS[:3])
def test_paper_sheets_of_several_sessions_say_which(tmp_path, seed):
    sessions = {1: "ws1", 2: "ws1", 3: "ws2", 4: "ws2", 5: "ws1", 6: "ws2", 7: "ws2", 8: "ws1"}
    path = tmp_path / "feedback.csv"
    written = write_paper_feedback(path, source_file="f.csv", answers=paper_answers(sessions),
                                   rng=np.random.default_rng(seed))
    programme = (Session(id="ws1", kind="workshop", date="2024-09-18"),
                 Session(id="ws2", kind="workshop", date="2024-10-09"))
    reading = read(path, Context(item_for_question=ITEMS.get, sessions=programme, source_file="f.csv"))
    assert_round_trip(written, reading, PAPER_ORDER)
    assert path.read_bytes().decode("cp1252").count("Which session") == 1


# --------------------------------------------------------------------------- generated cases

NAMES = ["Cllr J. Smith (Lab)", "Smith, Jane", "Councillor Siân O'Neill", "Cllr Tom Smith-Jones", "A. Khan",
         "Cllr Priya Patel (LD)", "Mr R. O'Brien"]
TYPED_MARKS = ["✓", "Y", "x", "yes", "1", "Present", "apols", "Apologies", "A", "", "", "", "?", "late?"]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(people=st.lists(st.tuples(st.sampled_from(NAMES), st.sampled_from(["", "Suffolk CC", "Ipswich BC"]),
                                 st.lists(st.sampled_from(TYPED_MARKS), min_size=4, max_size=4)),
                       min_size=1, max_size=9),
       seed=st.integers(0, 2**16))
def test_register_csv_round_trip_on_generated_marks(tmp_path_factory, people, seed):
    path = tmp_path_factory.mktemp("reg") / "sign-in.csv"
    table = pd.DataFrame({"person_key": [f"P{i}" for i in range(len(people))],
                          "name": [p[0] for p in people], "organisation": [p[1] for p in people]})
    marks = pd.DataFrame([p[2] for p in people], columns=[s["session_id"] for s in SESSIONS])
    written = write_register_csv(path, source_file="s.csv", title="Sign-in", sessions=SESSIONS, people=table,
                                 marks=marks, rng=np.random.default_rng(seed))
    reading = read(path, Context(sessions=PROGRAMME_SESSIONS, source_file="s.csv"), format="sign-in-sheet")
    assert_round_trip(written, reading, {"attendance": ["source_file", "source_row", "session_id"]})


COMMENT_TEXTS = ['He said "brilliant"', "Good, thanks", "two\nlines", "the 6\" screen", "\u201cGreat\u201d", None, ""]
USEFUL_RAWS = ["Strongly agree", "SA", "agree", "4 - Agree", "N/A", "Disagree", None, "Agre"]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sheets=st.lists(st.tuples(st.sampled_from(USEFUL_RAWS), st.sampled_from(["Yes", "no", "Y", None]),
                                 st.sampled_from(COMMENT_TEXTS), st.sampled_from([None, "Cllr A. Khan", "B. Wood"])),
                       min_size=1, max_size=8),
       seed=st.integers(0, 2**16))
def test_paper_round_trip_on_generated_sheets(tmp_path_factory, sheets, seed):
    rows = []
    for record, (useful, more, comment, name) in enumerate(sheets, start=1):
        for question, raw, kind in ((USEFUL, useful, "response"), (MORE, more, "response"),
                                    (COMMENTS, comment, "comment")):
            value, label = VALUES.get(raw, (None, None)) if kind == "response" else (None, None)
            rows.append({"record": record, "person_key": f"P{record}", "respondent_id": None, "source_name": name,
                         "source_email": None, "submitted_at": None, "question": question, "raw": raw, "kind": kind,
                         "item_id": ITEMS[question][0], "value": value, "label": label, "scale": ITEMS[question][1],
                         "wave": "feedback", "session_id": "awareness", "quarantine": raw == "Agre"})
    path = tmp_path_factory.mktemp("paper") / "feedback.csv"
    written = write_paper_feedback(path, source_file="f.csv", answers=pd.DataFrame(rows),
                                   rng=np.random.default_rng(seed))
    reading = read(path, Context(item_for_question=ITEMS.get, session_id="awareness", source_file="f.csv"),
                   format="paper-evaluation")
    assert_round_trip(written, reading, PAPER_ORDER)
