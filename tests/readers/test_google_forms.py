"""Google Forms reader, on hand-written fixtures in tests/data/formats/google_forms/.

solihull_workshop3.csv — the Forms download (every field quoted, CRLF), across the night
the clocks went back (27 Oct 2024). Physical lines: 1 header · 2 Jane Smith (23:58:03 BST) ·
3 Amir Patel (01:30 GMT+1) · 4–5 anonymous (01:30 GMT, "Stronly agree", a comment with a
line break) · 6 Jane Smith again 2 s later · 7 blank · 8 Bola Okafor · 9 anonymous, N/A ·
10 Chris Wright (12:40 PM).

linked_sheet.csv — the linked Sheet saved as CSV (minimal quoting, LF, zone-less
day-first stamps, ", "-joined checkboxes): 1 header · 2 · 3 · 4 ("yesterday") · 5.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from evalkit.programme import Session, question_key
from evalkit.readers import InputError, detect, read
from evalkit.readers import google_forms
from evalkit.readers.base import Context, sniff

FIXTURES = Path(__file__).parents[1] / "data" / "formats" / "google_forms"
WORKSHOP = FIXTURES / "solihull_workshop3.csv"
SHEET = FIXTURES / "linked_sheet.csv"
AMBIGUOUS = FIXTURES / "linked_sheet_ambiguous.csv"

USEFUL = "The workshop was useful for my role as a councillor"
CONFIDENT = "How confident do you feel posting on X, after today?"
PLATFORMS = "Which platforms do you use for council work?"
PACE = "Please say how far you agree [The pace was right]"
EXAMPLES = "Please say how far you agree [The examples were relevant]"
MORE = "Would you like to find out more?"
COMMENTS = "Any other comments?"

ITEMS = {
    question_key(USEFUL): ("useful", "agreement", None, {}),
    question_key(CONFIDENT): ("x_confidence", "confidence", None, {}),
    question_key(PLATFORMS): ("platforms", "text", None, {}),
    question_key(PACE): ("pace", "agreement", None, {}),
    question_key(EXAMPLES): ("examples", "agreement", None, {}),
    question_key(MORE): ("find_out_more", "yes_no", None, {}),
    question_key(COMMENTS): ("comments", "text", None, {}),
}


def context(**extra) -> Context:
    return Context(wave="feedback", session_id="w3", item_for_question=lambda q: ITEMS.get(question_key(q)),
                   **extra)


@pytest.fixture(scope="module")
def workshop():
    return read(WORKSHOP, context(source_file="solihull/surveys/workshop3.csv"))


@pytest.fixture(scope="module")
def sheet():
    return read(SHEET, context())


def test_both_variants_are_detected_from_content():
    assert detect(WORKSHOP) == "google-forms"
    assert detect(SHEET) == "google-forms"
    assert WORKSHOP.read_bytes().count(b"\r\n") == 9 and SHEET.read_bytes().count(b"\r") == 0


def test_other_csv_files_are_not_taken(tmp_path):
    path = tmp_path / "register.csv"
    path.write_text("Name,Timestamp,Workshop 1\nCllr Jane Smith,2024/10/26,Y\n", encoding="utf-8")
    assert google_forms.detect(sniff(path)) is None


def test_every_record_has_one_fate(workshop):
    fates = workshop.fates
    # line 5 continues the record that starts on line 4: it has no fate of its own
    assert fates["source_row"].tolist() == [1, 2, 3, 4, 6, 7, 8, 9, 10]
    assert fates["fate"].tolist() == [
        "skipped-structure", "kept", "kept", "quarantined", "merged", "skipped-structure",
        "kept", "kept", "kept",
    ]
    reason = dict(zip(fates["source_row"], fates["reason"]))
    assert "row 4" in reason[4] and USEFUL in reason[4] and "'Stronly agree'" in reason[4]
    assert "row 6" in reason[6] and "row 2" in reason[6]
    assert reason[7] == "blank line"


def test_gmt_plus_one_is_an_hour_ahead_of_utc(workshop):
    times = workshop.tables["responses"].drop_duplicates("source_row").set_index("source_row")["submitted_at"]
    utc = {row: t.tz_convert("UTC") for row, t in times.items()}
    assert utc[2] == pd.Timestamp("2024-10-26 22:58:03Z")      # 11:58:03 PM GMT+1
    assert utc[3] == pd.Timestamp("2024-10-27 00:30:00Z")      # 1:30:00 AM GMT+1
    assert utc[4] == pd.Timestamp("2024-10-27 01:30:00Z")      # 1:30:00 AM GMT, an hour later
    assert utc[10] == pd.Timestamp("2024-10-28 12:40:00Z")     # 12:40 PM is after noon
    assert str(times[3]) == "2024-10-27 01:30:00+01:00"
    assert str(times[4]) == "2024-10-27 01:30:00+00:00"
    assert str(times.dtype) == "datetime64[ns, Europe/London]"


def test_scaled_answers(workshop):
    responses = workshop.tables["responses"]
    by_question = {q: list(zip(part["source_row"], part["value"].fillna(-1), part["label"]))
                   for q, part in responses.groupby("question", sort=False)}
    assert list(by_question) == [USEFUL, CONFIDENT, PACE, EXAMPLES, MORE]
    assert by_question[USEFUL] == [(2, 5.0, "Strongly agree"), (3, 4.0, "Agree"), (8, 4.0, "Agree"),
                                   (9, -1, "Not applicable"), (10, 4.0, "Agree")]
    assert by_question[CONFIDENT] == [(2, 5.0, "Very confident"), (3, 3.0, "Moderately confident"),
                                      (4, 4.0, "Confident"), (8, 2.0, "Slightly confident"),
                                      (10, 4.0, "Confident")]
    assert by_question[PACE] == [(2, 4.0, "Agree"), (3, 4.0, "Agree"), (4, 3.0, "Neither agree nor disagree"),
                                 (8, 5.0, "Strongly agree"), (10, 4.0, "Agree")]
    assert by_question[EXAMPLES] == [(2, 5.0, "Strongly agree"), (3, 4.0, "Agree"), (4, 4.0, "Agree"),
                                     (8, 2.0, "Disagree"), (10, 4.0, "Agree")]
    assert by_question[MORE] == [(2, 1.0, "Yes"), (3, 1.0, "Yes"), (4, 0.0, "No"), (8, 1.0, "Yes"),
                                 (10, 1.0, "Yes")]
    assert set(responses["wave"]) == {"feedback"} and set(responses["session_id"]) == {"w3"}


def test_people_and_row_ids(workshop):
    firsts = workshop.tables["responses"].drop_duplicates("source_row").set_index("source_row").sort_index()
    assert firsts["respondent_id"].tolist() == ["row-2", "row-3", "row-4", "row-8", "row-9", "row-10"]
    assert firsts["source_name"].tolist() == ["Cllr Jane Smith", "Amir Patel", None, "Bola Okafor", None,
                                              "Chris Wright"]
    assert firsts.loc[8, "source_email"] == "b.okafor@solihull.gov.uk"
    assert firsts.loc[4, "source_email"] is None
    assert any("'Your name'" in note for note in workshop.notes)


def test_comments_keep_checkbox_joins_and_line_breaks(workshop):
    comments = workshop.tables["comments"]
    assert list(zip(comments["source_row"], comments["text"])) == [
        (2, "Facebook;X"), (3, "X"), (8, "Facebook;Instagram;LinkedIn"), (10, "X"),
        (2, "Really useful, thanks"),
        (4, 'Two things: "slides" were small,\nand the room was cold'),
        (8, "Could we have a session on handling abuse; trolling?"),
    ]


def test_linked_sheet_dates_are_day_first_local_times(sheet):
    assert sheet.fates["fate"].tolist() == ["skipped-structure", "kept", "kept", "quarantined", "kept"]
    reason = sheet.fates.set_index("source_row")["reason"][4]
    assert "row 4" in reason and "Timestamp" in reason and "'yesterday'" in reason
    responses = sheet.tables["responses"]
    assert list(zip(responses["source_row"], responses["question"], responses["value"])) == [
        (2, USEFUL, 4.0), (3, USEFUL, 5.0), (5, USEFUL, 5.0), (2, MORE, 1.0), (3, MORE, 0.0),
    ]
    times = responses.drop_duplicates("source_row").set_index("source_row")["submitted_at"]
    assert times[2] == pd.Timestamp("2024-11-04 18:02:11", tz="Europe/London")
    assert times[3] == pd.Timestamp("2024-11-13 09:15:00", tz="Europe/London")
    assert any("day-first" in note and "13" in note for note in sheet.notes)
    comments = sheet.tables["comments"]
    assert comments["text"].tolist() == ["Facebook, X", "X", "Instagram"]


def test_ambiguous_sheet_dates_need_a_decision():
    with pytest.raises(InputError, match="day-first or month-first"):
        read(AMBIGUOUS, Context())
    month_first = read(AMBIGUOUS, Context(date_order="month-first"))
    assert month_first.tables["responses"]["submitted_at"].dt.date.tolist() == [dt.date(2024, 4, 11),
                                                                                 dt.date(2024, 5, 11)]
    session = Session(id="w2", kind="workshop", date=dt.date(2024, 11, 4))
    by_session = read(AMBIGUOUS, Context(sessions=(session,)))
    assert by_session.tables["responses"]["submitted_at"].dt.date.tolist() == [dt.date(2024, 11, 4),
                                                                               dt.date(2024, 11, 5)]


def test_quiz_score_is_left_out(tmp_path):
    path = tmp_path / "quiz.csv"
    path.write_text('"Timestamp","Email Address","Score","What does a reply do?"\r\n'
                    '"2024/10/16 8:24:52 PM GMT+1","jo@x.gov.uk","1 / 1","Answers in public"\r\n',
                    encoding="utf-8")
    reading = read(path, Context())
    assert reading.tables["comments"]["question"].tolist() == ["What does a reply do?"]
    assert reading.tables["comments"]["source_email"].tolist() == ["jo@x.gov.uk"]
    assert reading.tables["responses"].empty
    assert any("'Score'" in note for note in reading.notes)
    assert str(reading.tables["comments"]["submitted_at"].iloc[0]) == "2024-10-16 20:24:52+01:00"


def test_a_record_longer_than_the_header_is_quarantined(tmp_path):
    path = tmp_path / "broken.csv"
    path.write_text('"Timestamp","Useful?"\n"2024/10/16 8:24:52 PM GMT+1","Agree","stray"\n'
                    '"2024/10/16 8:30:00 PM GMT+1","Disagree"\n', encoding="utf-8")
    reading = read(path, Context())
    assert reading.fates["fate"].tolist() == ["skipped-structure", "quarantined", "kept"]
    assert "row 2: the record has 3 fields but the header has 2 columns" in reading.fates["reason"][1]
    assert reading.tables["responses"]["value"].tolist() == [2.0]
