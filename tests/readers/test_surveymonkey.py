"""SurveyMonkey expanded reader, on the hand-written fixture
tests/data/formats/surveymonkey/yorkshire_pre.csv (UTF-8 with BOM, CRLF record ends).

Physical lines: 1–3 header row 1 (two question texts hold a line break) · 4 row 2 (answer
labels) · 5 Jane Doe · 6 anonymous web-link reply ("TikTok" under Other) · 7 Mo Khan
("Not confidnet") · 8 Jane Doe again, new Respondent ID · 9 Pat Lee (End Date written
day-first: 31/01/2025) · 10–11 Siân O'Neill (a two-line answer, 12:05 PM).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from evalkit.programme import question_key
from evalkit.readers import InputError, detect, read
from evalkit.readers import surveymonkey
from evalkit.readers.base import Context, sniff

FIXTURE = Path(__file__).parents[1] / "data" / "formats" / "surveymonkey" / "yorkshire_pre.csv"

OFTEN = "How often do you post on social media, as a councillor?"
GRID = "How confident are you doing each of these?\n(Choose one per row)"
PLATFORMS = "Which platforms do you use?\nTick all that apply"
HOPES = "What do you hope to get from the programme, if anything?"

ITEMS = {
    question_key(OFTEN): ("post_frequency", "frequency", None, {}),
    question_key(f"{GRID} [Replying to residents]"): ("conf_replying", "confidence", None, {}),
    question_key(f"{GRID} [Handling abuse]"): ("conf_abuse", "confidence", None, {}),
    question_key(f"{GRID} [Scheduling posts]"): ("conf_scheduling", "confidence", None, {}),
    question_key(PLATFORMS): ("platforms", "text", None, {}),
    question_key(f"{PLATFORMS} [Other]"): ("platforms_other", "text", None, {}),
    question_key(HOPES): ("hopes", "text", None, {}),
}


@pytest.fixture(scope="module")
def reading():
    context = Context(wave="pre", item_for_question=lambda q: ITEMS.get(question_key(q)),
                      source_file="yorkshire-humber/surveys/pre.csv")
    return read(FIXTURE, context)


def test_detected_from_content():
    assert FIXTURE.read_bytes().startswith(b"\xef\xbb\xbfRespondent ID,Collector ID,")
    assert detect(FIXTURE) == "surveymonkey-expanded"


def test_other_csv_files_are_not_taken(tmp_path):
    path = tmp_path / "zoom.csv"
    path.write_text("Name (Original Name),User Email,Join Time\n", encoding="utf-8")
    assert surveymonkey.detect(sniff(path)) is None


def test_every_record_has_one_fate(reading):
    fates = reading.fates
    assert fates["source_row"].tolist() == [1, 4, 5, 6, 7, 8, 9, 10]
    assert fates["fate"].tolist() == [
        "skipped-structure", "skipped-structure", "kept", "kept", "quarantined", "merged",
        "quarantined", "kept",
    ]
    reason = dict(zip(fates["source_row"], fates["reason"]))
    assert reason[4] == "second header row (answer labels)"
    assert "row 7" in reason[7] and "[Replying to residents]" in reason[7] and "'Not confidnet'" in reason[7]
    assert "row 8" in reason[8] and "row 5" in reason[8]
    assert "row 9" in reason[9] and "End Date" in reason[9] and "'31/01/2025 10:00:00 AM'" in reason[9]


def test_single_answers_and_matrix_rows(reading):
    responses = reading.tables["responses"]
    got = list(zip(responses["source_row"], responses["item_id"], responses["value"], responses["label"]))
    assert got == [
        (5, "post_frequency", 4.0, "Weekly"),
        (6, "post_frequency", 5.0, "Daily"),
        (7, "post_frequency", 2.0, "Less than monthly"),
        (10, "post_frequency", 1.0, "Never"),
        (5, "conf_replying", 4.0, "Confident"),
        (6, "conf_replying", 5.0, "Very confident"),
        (10, "conf_replying", 1.0, "Not at all confident"),
        (5, "conf_abuse", 2.0, "Slightly confident"),
        (6, "conf_abuse", 3.0, "Moderately confident"),
        (7, "conf_abuse", 1.0, "Not at all confident"),
        (5, "conf_scheduling", 1.0, "Not at all confident"),
        (7, "conf_scheduling", 1.0, "Not at all confident"),
    ]
    assert responses.loc[responses["item_id"] == "conf_abuse", "question"].iloc[0] == f"{GRID} [Handling abuse]"
    assert set(responses["wave"]) == {"pre"}


def test_multi_select_other_and_open_ended(reading):
    comments = reading.tables["comments"]
    assert list(zip(comments["source_row"], comments["question"], comments["text"])) == [
        (5, PLATFORMS, "Facebook; X (Twitter)"),
        (6, PLATFORMS, "X (Twitter)"),
        (7, PLATFORMS, "Facebook"),
        (6, f"{PLATFORMS} [Other]", "TikTok"),
        (5, HOPES, "To reply more, and broadcast less"),
        (10, HOPES, "Line one\nline two, with a comma"),
    ]


def test_respondents_and_month_first_dates(reading):
    firsts = reading.tables["responses"].drop_duplicates("source_row").set_index("source_row").sort_index()
    assert firsts["respondent_id"].tolist() == ["114227965473", "114227988120", "114228001234", "114228099999"]
    assert firsts["source_name"].tolist() == ["Jane Doe", None, "Mo Khan", "Siân O'Neill"]
    assert firsts["source_email"].tolist() == ["jane.doe@leeds.gov.uk", None, "m.khan@hull.gov.uk",
                                               "s.oneill@barnsley.gov.uk"]
    times = firsts["submitted_at"]
    assert times[5] == pd.Timestamp("2025-01-14 09:09:45", tz="Europe/London")
    assert times[7] == pd.Timestamp("2025-01-15 14:44:10", tz="Europe/London")
    assert times[10] == pd.Timestamp("2025-01-20 12:05:09", tz="Europe/London")


def test_a_one_row_header_is_refused(tmp_path):
    path = tmp_path / "condensed.csv"
    path.write_text("Respondent ID,Collector ID,Start Date,End Date,How useful?\n"
                    "114227965473,431245678,01/14/2025 09:02:11 AM,01/14/2025 09:09:45 AM,Agree\n",
                    encoding="utf-8")
    with pytest.raises(InputError, match="only the expanded export is supported"):
        read(path, Context())


def test_a_second_open_box_is_the_questions_comment(tmp_path):
    path = tmp_path / "comment_box.csv"
    path.write_text(
        'Respondent ID,Collector ID,Start Date,End Date,Was it useful?,\r\n'
        ',,,,Response,Open-Ended Response\r\n'
        '114227965473,431245678,01/14/2025 09:02:11 AM,01/14/2025 09:09:45 AM,Agree,"Mostly, yes"\r\n',
        encoding="utf-8")
    reading = read(path, Context())
    assert reading.tables["responses"]["question"].tolist() == ["Was it useful?"]
    assert reading.tables["comments"]["question"].tolist() == ["Was it useful? [Comment]"]
    assert reading.tables["comments"]["text"].tolist() == ["Mostly, yes"]


def test_older_headers_without_spaces(tmp_path):
    path = tmp_path / "older.csv"
    path.write_text(
        "RespondentID,CollectorID,StartDate,EndDate,How useful was it?\r\n"
        ",,,,Response\r\n"
        "3292879998,12345,10/16/2013 08:20:00 PM,10/16/2013 08:24:52 PM,Very useful\r\n",
        encoding="utf-8")
    assert detect(path) == "surveymonkey-expanded"
    reading = read(path, Context())
    comments = reading.tables["comments"]
    assert comments["respondent_id"].tolist() == ["3292879998"]
    assert comments["text"].tolist() == ["Very useful"]
    # BST on 16 Oct 2013
    assert str(comments["submitted_at"].iloc[0]) == "2013-10-16 20:24:52+01:00"


def test_blank_lines_and_overlong_records(tmp_path):
    path = tmp_path / "messy.csv"
    path.write_text(
        "Respondent ID,Collector ID,Start Date,End Date,Useful?\r\n"
        ",,,,Response\r\n"
        "\r\n"
        "114227965473,431245678,01/14/2025 09:02:11 AM,01/14/2025 09:09:45 AM,Agree,stray\r\n"
        "114227965474,431245678,01/14/2025 09:12:11 AM,01/14/2025 09:19:45 AM,Disagree\r\n",
        encoding="utf-8")
    reading = read(path, Context())
    assert reading.fates["fate"].tolist() == ["skipped-structure"] * 3 + ["quarantined", "kept"]
    assert reading.fates["reason"][2] == "blank line"
    assert "row 4: the record has 6 fields but the header has 5 columns" in reading.fates["reason"][3]
    assert reading.tables["responses"]["value"].tolist() == [2.0]
