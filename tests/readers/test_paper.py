"""Typed-up paper evaluation sheets (evalkit.readers.paper). Expected values are worked by
hand from tests/data/formats/paper/kirklees-feedback.csv (line numbers in comments) and from
the rows written out in the tests."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from evalkit import schemas
from evalkit.programme import Session
from evalkit.readers import InputError, detect, paper, read
from evalkit.readers.base import Context, sniff

DATA = Path(__file__).resolve().parents[1] / "data" / "formats"
KIRKLEES = DATA / "paper" / "kirklees-feedback.csv"
USEFUL = "Was the session useful?"
LEARNT = "Did you learn something new?"
MORE = "Would you like to find out more?"
COMMENTS = "Any other comments"
ITEMS = {
    USEFUL: ("useful", "agreement", None, {}),
    LEARNT: ("learnt", "agreement", None, {}),
    MORE: ("more", "yes_no", None, {}),
    COMMENTS: ("comments", "text", None, {}),
}


def kirklees(**context) -> object:
    return read(KIRKLEES, Context(item_for_question=ITEMS.get, **context))


def answer(responses: pd.DataFrame, row: int, item: str) -> tuple:
    found = responses[(responses["source_row"] == row) & (responses["item_id"] == item)]
    assert len(found) == 1, (row, item)
    value = found["value"].iloc[0]
    return (None if math.isnan(value) else value), found["label"].iloc[0]


def test_detected_from_content(tmp_path):
    assert detect(KIRKLEES) == "paper-evaluation"
    renamed = tmp_path / "sheets.txt"
    renamed.write_bytes(KIRKLEES.read_bytes())
    assert detect(renamed) == "paper-evaluation"


def test_hand_worked_answers():
    responses = kirklees(session_id="awareness").tables["responses"]
    assert answer(responses, 3, "useful") == (5.0, "Strongly agree")      # "Strongly agree"
    assert answer(responses, 4, "useful") == (5.0, "Strongly agree")      # "SA"
    assert answer(responses, 5, "useful") == (4.0, "Agree")               # "4 - Agree"
    assert answer(responses, 5, "learnt") == (None, "Not applicable")     # "N/A"
    assert answer(responses, 4, "more") == (1.0, "Yes")                   # "Yes please"
    assert answer(responses, 11, "more") == (1.0, "Yes")                  # "Y"
    assert answer(responses, 10, "learnt") == (3.0, "Neither agree nor disagree")
    assert answer(responses, 13, "useful") == (4.0, "Agree")              # "A"
    useful = responses[responses["item_id"] == "useful"]
    # rows 3,4,5,6,10,11,13 (row 7 misspelt, row 8 blank, row 12 typed twice): 5,5,4,4,2,5,4
    assert useful["value"].tolist() == [5.0, 5.0, 4.0, 4.0, 2.0, 5.0, 4.0]
    more = responses[responses["item_id"] == "more"]
    assert len(more) == 8 and more["value"].sum() == 6  # most want to find out more
    assert set(responses["session_id"]) == {"awareness"}
    assert set(responses["wave"]) == {"feedback"}


def test_comments_keep_their_stray_quotes():
    comments = kirklees().tables["comments"]
    assert dict(zip(comments["source_row"], comments["text"])) == {
        4: "Very useful, thank you",
        5: 'He said "brilliant" - I agree',
        7: "Want more on Twitter",
        10: 'Too short - 1 hour isn\'t enough, "need a full day"',
        11: 'the 6" tablet demo was great',
        13: "\u201cExcellent\u201d \u2013 more please",
    }
    assert set(comments["item_id"]) == {"comments"}
    assert set(comments["wave"]) == {"feedback"}


def test_name_and_sheet_number_describe_the_sheet():
    reading = kirklees()
    responses = reading.tables["responses"]
    named = responses[responses["source_name"].notna()]
    assert set(zip(named["source_row"], named["source_name"])) == {(4, "Cllr M. Ahmed"), (7, "Cllr Pat Lee (Lib Dem)")}
    assert responses.set_index("source_row")["respondent_id"].groupby(level=0).first().to_dict() == {
        3: "1", 4: "2", 5: "3", 6: "4", 7: "5", 10: "7", 11: "8", 13: "9"}
    assert USEFUL in set(responses["question"])
    assert "Sheet no." not in set(responses["question"]) | set(reading.tables["comments"]["question"])


def test_every_line_has_one_fate():
    reading = kirklees()
    fates = reading.fates.set_index("source_row")
    assert fates["fate"].to_dict() == {
        1: "skipped-structure", 2: "skipped-structure", 3: "kept", 4: "kept", 5: "kept", 6: "kept",
        7: "quarantined", 8: "kept", 9: "skipped-structure", 10: "kept", 11: "kept", 12: "merged",
        13: "kept", 14: "skipped-structure", 15: "skipped-structure"}
    assert len(KIRKLEES.read_bytes().decode("cp1252").splitlines()) == 15
    reason = fates.loc[7, "reason"]
    assert "row 7" in reason and USEFUL in reason and "'Stronlgy agree'" in reason
    assert fates.loc[12, "reason"] == "typed twice: the same sheet as row 4"
    assert fates.loc[15, "reason"] == "note under the table"
    # the quarantined sheet's other answers are kept
    responses = reading.tables["responses"]
    assert answer(responses, 7, "learnt") == (4.0, "Agree") and answer(responses, 7, "more") == (1.0, "Yes")
    schemas.validate("row_fates", reading.fates)
    schemas.validate("responses", responses)
    schemas.validate("comments", reading.tables["comments"])


def test_a_pinned_wave_wins_over_the_feedback_default():
    responses = kirklees(wave="post").tables["responses"]
    assert set(responses["wave"]) == {"post"}


def test_canonical_columns_and_text_types():
    reading = kirklees(pilot_id="kirklees-2010")
    responses = reading.tables["responses"]
    assert list(responses.columns[: len(schemas.columns("responses"))]) == schemas.columns("responses")
    assert set(responses["pilot_id"]) == {"kirklees-2010"}
    for column in ("respondent_id", "source_name", "question", "label"):
        assert responses[column].dtype == object
    assert responses["submitted_at"].isna().all()
    assert reading.notes[0] == "encoding: cp1252"


# --------------------------------------------------------------------------- a workbook

@pytest.fixture
def workshop_book(tmp_path) -> Path:
    import openpyxl

    rows = [
        ["Feedback - workshops typed up by the support officer"],                  # 1 title (merged)
        ["Which session", "Date", USEFUL, "How confident do you feel about posting now?", "Comments", "Name"],  # 2
        ["Workshop 1", None, "Agree", "Confident", None, "Cllr R. Patel"],       # 3
        ["WS2", "22/11/2022", "strongly agree", "very", "Good pace: more please", None],  # 4
        [None, "22 Nov", "SA", 4, None, None],                                   # 5 a number typed as a number
        [None, "next week", "Disagree", "Not at all", None, None],               # 6 a date that is not one
        [None, None, None, None, "Loved it: thank you", None],                   # 7 a lone comment, not a note
        [],                                                                      # 8 blank
        ["NB: sheets from workshop 3 are still to come"],                        # 9 note (merged)
    ]
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Feedback"
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            if value is not None:
                sheet.cell(row=r, column=c, value=value)
    sheet.merge_cells("A1:F1")
    sheet.merge_cells("A9:F9")
    path = tmp_path / "workshop-feedback.xlsx"
    book.save(path)
    return path


SESSIONS = (
    Session(id="ws1", kind="workshop", date="2022-11-01", label="Workshop 1", aliases=("WS1",)),
    Session(id="ws2", kind="workshop", date="2022-11-22", label="Workshop 2", aliases=("WS2",)),
)
CONFIDENCE = "How confident do you feel about posting now?"
WORKSHOP_ITEMS = {USEFUL: ("useful", "agreement", None, {}), CONFIDENCE: ("confidence", "confidence", None, {}),
                  "Comments": ("comments", "text", None, {})}


def test_workbook_sessions_from_the_session_and_date_columns(workshop_book):
    assert detect(workshop_book) == "paper-evaluation"
    reading = read(workshop_book, Context(sessions=SESSIONS, item_for_question=WORKSHOP_ITEMS.get))
    responses = reading.tables["responses"]
    sessions = responses.groupby("source_row")["session_id"].first().to_dict()
    assert sessions == {3: "ws1", 4: "ws2", 5: "ws2", 6: None}
    confidence = responses[responses["item_id"] == "confidence"].set_index("source_row")
    assert confidence["value"].to_dict() == {3: 4.0, 4: 5.0, 5: 4.0, 6: 1.0}
    assert confidence.loc[4, "label"] == "Very confident"
    comments = reading.tables["comments"]
    assert dict(zip(comments["source_row"], comments["text"])) == {4: "Good pace: more please", 7: "Loved it: thank you"}


def test_workbook_fates_a_bad_date_is_quarantined_and_notes_are_structure(workshop_book):
    reading = read(workshop_book, Context(sessions=SESSIONS, item_for_question=WORKSHOP_ITEMS.get))
    fates = reading.fates.set_index("source_row")
    assert fates["fate"].to_dict() == {1: "skipped-structure", 2: "skipped-structure", 3: "kept", 4: "kept",
                                       5: "kept", 6: "quarantined", 7: "kept", 8: "skipped-structure",
                                       9: "skipped-structure"}
    assert "row 6" in fates.loc[6, "reason"] and "'Date'" in fates.loc[6, "reason"] and "'next week'" in fates.loc[6, "reason"]
    # the sheet's answers are still kept
    assert len(reading.tables["responses"].query("source_row == 6")) == 2


def test_a_pinned_session_wins_over_the_session_column(workshop_book):
    reading = read(workshop_book, Context(sessions=SESSIONS, session_id="ws1", item_for_question=WORKSHOP_ITEMS.get))
    assert set(reading.tables["responses"]["session_id"]) == {"ws1"}
    assert any("the pin wins" in n for n in reading.notes)


def test_read_alone_the_session_is_as_written(workshop_book):
    responses = read(workshop_book).tables["responses"]
    assert responses.groupby("source_row")["session_id"].first().to_dict()[3] == "Workshop 1"


# --------------------------------------------------------------------------- detection and errors

@pytest.mark.parametrize("text", [
    # Google Forms
    '"Timestamp","Was the session useful?","Would you like to find out more?"\n'
    '"2024/09/18 8:24:52 PM GMT+1","Agree","Yes"\n"2024/09/18 8:30:00 PM GMT+1","Agree","No"\n',
    # a sign-in sheet
    "Name,Workshop 1 (18 Sep),Workshop 2 (9 Oct)\nAnn,Y,Y\nBob,Y,apols\n",
    # an Eventbrite list
    "Order #,Order Date,First Name,Last Name,Email,Attendee Status,Will you attend in person?\n"
    "1,06/01/25 09:14,Ann,Khan,a@x.gov.uk,Attending,Yes\n2,06/01/25 09:15,Bob,Lee,b@x.gov.uk,Attending,No\n",
])
def test_other_tables_are_not_taken_for_evaluation_sheets(tmp_path, text):
    path = tmp_path / "file.csv"
    path.write_text(text, encoding="utf-8")
    assert paper.detect(sniff(path)) is None


def test_no_other_formats_fixture_is_taken_for_evaluation_sheets():
    for path in sorted(DATA.rglob("*")):
        if path.is_file() and path.parent.name != "paper" and path.suffix in (".csv", ".txt", ".xlsx", ".tsv"):
            assert paper.detect(sniff(path)) is None, path


def test_a_table_without_questions_is_an_input_error(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("Name,Score\nAnn,4\n", encoding="utf-8")
    with pytest.raises(InputError, match="no evaluation table found"):
        paper.read(path, Context())
