"""Microsoft Forms reader, on the hand-written fixture tests/data/formats/ms_forms/suffolk_post.xlsx.

The fixture's rows are documented cell by cell in build_fixtures.py beside it. Sheet rows:
1 header · 2 Sam Jones · 3 anonymous (30 Oct 2022 01:15, the repeated hour) · 4 Rukhsana
Ahmed (completion time as a bare serial number) · 5 blank · 6 Kim Brown ("Confidnet") ·
7 Sam Jones again (same answers) · 8 Lee Green (completion time "not recorded").
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from evalkit.programme import question_key
from evalkit.readers import InputError, detect, read
from evalkit.readers import ms_forms
from evalkit.readers.base import Context, sniff

FIXTURES = Path(__file__).parents[1] / "data" / "formats" / "ms_forms"
POST = FIXTURES / "suffolk_post.xlsx"

NOW = "How confident are you using X (Twitter) for council work, now?"
THEN = "Looking back, how confident were you using X (Twitter) before the programme?"
ACTIONS = "Which of these have you done since the master class?"
QUIZ = "What does a 'reply' do?"
COMMENTS = "Anything else you'd like to tell us?\nAbout the master class, or the workshops"

ITEMS = {
    question_key(NOW): ("x_confidence", "confidence", None, {}),
    question_key(THEN): ("x_confidence", "confidence", "then", {}),
    question_key(ACTIONS): ("actions_since", "text", None, {}),
    question_key(QUIZ): ("quiz_reply", "text", None, {}),
    # the item map holds the wording on one line; the export breaks it
    question_key("Anything else you'd like to tell us? About the master class, or the workshops"):
        ("comments", "text", None, {}),
}


def london(text: str) -> pd.Timestamp:
    return pd.Timestamp(text).tz_convert("Europe/London")


@pytest.fixture(scope="module")
def reading():
    context = Context(wave="post", item_for_question=lambda q: ITEMS.get(question_key(q)),
                      source_file="suffolk/surveys/post.xlsx", pilot_id="suffolk")
    return read(POST, context)


def test_detected_from_content():
    assert detect(POST) == "microsoft-forms"


def test_other_workbooks_are_not_taken(tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["Name", "Workshop 1", "Workshop 2"])
    book.active.append(["Cllr Jane Smith", "✓", "apols"])
    path = tmp_path / "register.xlsx"
    book.save(path)
    assert ms_forms.detect(sniff(path)) is None


def test_every_sheet_row_has_one_fate(reading):
    fates = reading.fates
    assert fates["source_row"].tolist() == [1, 2, 3, 4, 5, 6, 7, 8]
    assert fates["fate"].tolist() == [
        "skipped-structure", "kept", "kept", "kept", "skipped-structure",
        "quarantined", "merged", "quarantined",
    ]
    assert set(fates["source_file"]) == {"suffolk/surveys/post.xlsx"}
    assert set(fates["pilot_id"]) == {"suffolk"}


def test_reasons_name_row_column_and_value(reading):
    reason = dict(zip(reading.fates["source_row"], reading.fates["reason"]))
    assert "row 6" in reason[6] and NOW in reason[6] and "'Confidnet'" in reason[6]
    assert "row 8" in reason[8] and "Completion time" in reason[8] and "'not recorded'" in reason[8]
    assert "row 7" in reason[7] and "row 2" in reason[7]
    assert reason[5] == "blank row"


def test_scaled_answers(reading):
    responses = reading.tables["responses"]
    got = responses[["source_row", "question", "wave", "item_id", "value", "label"]]
    expected = pd.DataFrame({
        "source_row": [2, 3, 4, 2, 3, 4, 6],
        "question": [NOW] * 3 + [THEN] * 4,
        "wave": ["post"] * 3 + ["then"] * 4,
        "item_id": ["x_confidence"] * 7,
        # "  very confident " → Very confident; "Not at all" → Not at all confident
        "value": [4.0, 5.0, 5.0, 2.0, 3.0, 1.0, 4.0],
        "label": ["Confident", "Very confident", "Very confident", "Slightly confident",
                  "Moderately confident", "Not at all confident", "Confident"],
    })
    pd.testing.assert_frame_equal(got.reset_index(drop=True), expected, check_dtype=False)
    assert set(responses["scale"]) == {"confidence"}


def test_people_ids_and_times(reading):
    firsts = reading.tables["responses"].drop_duplicates("source_row").set_index("source_row")
    assert firsts.loc[[2, 3, 4, 6], "respondent_id"].tolist() == ["1", "2", "3", "4"]
    assert firsts.loc[[2, 3, 4, 6], "source_name"].tolist() == ["Sam Jones", None, "Rukhsana Ahmed", "Kim Brown"]
    assert firsts.loc[[2, 3, 4, 6], "source_email"].tolist() == [
        "sam.jones@suffolk.gov.uk", None, "R.Ahmed@EastSuffolk.gov.uk", "k.brown@suffolk.gov.uk"]
    times = firsts["submitted_at"]
    assert times[2] == london("2022-11-15 09:34:41Z")
    # 01:15 on 30 Oct 2022 happened twice; the first (BST, 00:15 UTC) is taken
    assert times[3] == london("2022-10-30 00:15:00Z")
    assert str(times[3]) == "2022-10-30 01:15:00+01:00"
    # serial number 44881.5 is noon on 16 Nov 2022
    assert times[4] == london("2022-11-16 12:00:00Z")
    assert str(reading.tables["responses"]["submitted_at"].dtype) == "datetime64[ns, Europe/London]"


def test_comments_with_multi_select_and_quiz_answer(reading):
    comments = reading.tables["comments"]
    got = list(zip(comments["source_row"], comments["item_id"], comments["text"]))
    assert got == [
        (2, "actions_since", "Posted a reply to a resident; Updated my profile"),
        (3, "actions_since", "Updated my profile"),
        (6, "actions_since", "Posted a reply to a resident"),
        (2, "quiz_reply", "It answers a post publicly"),
        (3, "quiz_reply", "It sends a private message"),
        (6, "quiz_reply", "It answers a post publicly"),
        (2, "comments", "Great, thanks"),
        (6, "comments", 'The "Ask me anything" idea; could we try it?'),
    ]
    assert comments.loc[comments["item_id"] == "comments", "question"].iloc[0] == COMMENTS


def test_quiz_columns_are_left_out_and_said_so(reading):
    questions = set(reading.tables["responses"]["question"]) | set(reading.tables["comments"]["question"])
    assert not any(q.startswith(("Points - ", "Feedback - ")) or q in ("Total points", "Quiz feedback")
                   for q in questions)
    assert any("quiz column" in note and "left out" in note for note in reading.notes)
    assert any("edited" in note for note in reading.notes)


def test_tables_keep_text_as_objects(reading):
    for table in reading.tables.values():
        for column in ("respondent_id", "question", "source_name"):
            assert table[column].dtype == object


def test_a_sheet_without_the_forms_header_is_refused(tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["Respondent", "When", "Q1"])
    path = tmp_path / "other.xlsx"
    book.save(path)
    with pytest.raises(InputError, match="no header row with ID, Start time and Completion time"):
        ms_forms.read(path, Context(), "microsoft-forms")


def test_title_rows_above_the_header_are_structure(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Post-programme survey (copy)"])
    sheet.append([])
    sheet.append(["ID", "Start time", "Completion time", "Email", "Name", "Useful?"])
    sheet.append([7, 44881.4, 44881.5, "anonymous", None, "Agree"])
    path = tmp_path / "titled.xlsx"
    book.save(path)
    reading = read(path, Context())
    assert reading.fates["fate"].tolist() == ["skipped-structure"] * 3 + ["kept"]
    assert reading.fates["source_row"].tolist() == [1, 2, 3, 4]
    responses = reading.tables["responses"]
    assert responses["respondent_id"].tolist() == ["7"]
    assert responses["value"].tolist() == [4.0]


# ---------------------------------------------------------------- the workbook read once

def _forms_book(path: Path, answers: list[str], title: str = "Form1") -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(["ID", "Start time", "Completion time", "Email", "Name", "Useful?"])
    for n, answer in enumerate(answers, start=1):
        sheet.append([n, dt.datetime(2022, 11, 16, 9, 0), dt.datetime(2022, 11, 16, 9, n),
                      f"p{n}@x.gov.uk", f"Person {n}", answer])
    book.save(path)
    return path


def _same_reading(a, b) -> None:
    for name in ("responses", "comments"):
        pd.testing.assert_frame_equal(a.tables[name], b.tables[name])
    pd.testing.assert_frame_equal(a.fates, b.fates)
    assert a.notes == b.notes and a.meta == b.meta


def test_what_detection_read_is_not_read_again_and_gives_the_same_reading(monkeypatch):
    from evalkit.readers import base

    context = Context(wave="post", item_for_question=lambda q: ITEMS.get(question_key(q)), pilot_id="suffolk")
    monkeypatch.setattr(base, "_SNIFFED_SHEETS", {})
    opened_again = read(POST, context, format="microsoft-forms")  # no sniff: the workbook is opened
    sniff(POST)
    titles, whole = base.sniffed_sheets(POST)
    assert titles[0] in whole
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: pytest.fail("the workbook was opened again"))
    _same_reading(read(POST, context, format="microsoft-forms"), opened_again)


def test_a_sheet_longer_than_detection_reads_is_read_whole(tmp_path):
    from evalkit.readers import base

    path = _forms_book(tmp_path / "long.xlsx", ["Agree"] * 40)  # 41 rows: detection reads 30
    sniff(path)
    assert base.sniffed_sheets(path) == (["Form1"], {})
    reading = read(path, Context())
    assert reading.fates["fate"].tolist() == ["skipped-structure"] + ["kept"] * 40
    assert reading.tables["responses"]["respondent_id"].tolist() == [str(n) for n in range(1, 41)]


def test_a_workbook_changed_after_detection_is_read_as_it_is_now(tmp_path):
    import os

    path = _forms_book(tmp_path / "changed.xlsx", ["Agree", "Agree"])
    sniff(path)
    stat = path.stat()
    _forms_book(path, ["Disagree", "Agree", "Strongly agree"])
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))  # a later save
    reading = read(path, Context())
    assert reading.tables["responses"]["value"].tolist() == [2.0, 4.0, 5.0]
