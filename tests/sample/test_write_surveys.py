"""Survey writers (Microsoft Forms, Google Forms, SurveyMonkey): the bytes they write, and
round trips writer → reader that must give back exactly the expected tables and fates.

The truth is a small feedback survey for a Solihull workshop, submitted across the night
the clocks went back (27 Oct 2024). Per record (submitted_at, naive local):

1 Jane Smith   26 Oct 23:58:03.7 (BST)  — multi-select Facebook + X
2 Amir Patel   27 Oct 01:30:00 (the repeated hour: taken as BST) — "Other": TikTok
3 anonymous    27 Oct 10:00:00 (GMT)   — a comment with quotes, a comma and a line break
4 Siân O'Neill 28 Oct 09:05:41         — "Stronly agree": unreadable, quarantined
5 Bola Okafor  28 Oct 12:40:00         — "N/A", two blanks

Hand count of what a reader must return: responses — useful 4 (record 4 quarantined),
confidence now 4 and then 4 (record 5 blank), pace 5, examples 5, find out more 5 = 27;
comments — platforms 4 (record 3 ticked none), other 1, comments 3 = 8.
"""

from __future__ import annotations

import csv
import io
import re

import numpy as np
import openpyxl
import pandas as pd
import pytest

from evalkit.programme import question_key
from evalkit.readers import read
from evalkit.readers.base import Context
from evalkit.sample.formats import Written
from evalkit.sample.formats.google_forms import write_google_forms
from evalkit.sample.formats.ms_forms import write_ms_forms
from evalkit.sample.formats.survey_truth import truth_records
from evalkit.sample.formats.surveymonkey import write_surveymonkey

QUESTIONS = {
    "useful": ("The workshop was useful for my role as a councillor", "agreement", None),
    "conf_now": ("How confident do you feel posting on X, after today?", "confidence", None),
    "conf_then": ("Looking back, how confident were you before the workshop?", "confidence", "then"),
    "pace": ("Please say how far you agree [The pace was right]", "agreement", None),
    "examples": ("Please say how far you agree [The examples were relevant]", "agreement", None),
    "platforms": ("Which platforms do you use?\nTick all that apply", "text", None),
    "platforms_other": ("Which platforms do you use?\nTick all that apply [Other]", "text", None),
    "more": ("Would you like to find out more?", "yes_no", None),
    "comments": ('Any other comments, ideas or "complaints"?', "text", None),
}
PEOPLE = [
    (1, "SOL-01", "Jane Smith", "jane.smith@solihull.gov.uk", "2024-10-26 23:58:03.7"),
    (2, "SOL-02", "Amir Patel", "a.patel@solihull.gov.uk", "2024-10-27 01:30:00"),
    (3, "SOL-03", None, None, "2024-10-27 10:00:00"),
    (4, "SOL-04", "Siân O'Neill", "s.oneill@solihull.gov.uk", "2024-10-28 09:05:41"),
    (5, "SOL-05", "Bola Okafor", "b.okafor@solihull.gov.uk", "2024-10-28 12:40:00"),
]
BLANK = (None, None, None)
ANSWERS = {  # item → (raw, value, label[, quarantine])
    1: {"useful": ("Strongly agree", 5, "Strongly agree"), "conf_now": ("Very confident", 5, "Very confident"),
        "conf_then": ("Slightly confident", 2, "Slightly confident"), "pace": ("Agree", 4, "Agree"),
        "examples": ("SA", 5, "Strongly agree"), "platforms": (["Facebook", "X"], None, None),
        "platforms_other": BLANK, "more": ("Yes", 1, "Yes"), "comments": ("Really useful, thanks", None, None)},
    2: {"useful": ("agree", 4, "Agree"), "conf_now": ("Moderately confident", 3, "Moderately confident"),
        "conf_then": ("Not at all confident", 1, "Not at all confident"), "pace": ("Agree", 4, "Agree"),
        "examples": ("Agree", 4, "Agree"), "platforms": (["X"], None, None),
        "platforms_other": ("TikTok", None, None), "more": ("y", 1, "Yes"), "comments": BLANK},
    3: {"useful": ("4 - Agree", 4, "Agree"), "conf_now": ("Confident", 4, "Confident"),
        "conf_then": ("Confident", 4, "Confident"),
        "pace": ("Neither agree nor disagree", 3, "Neither agree nor disagree"),
        "examples": ("Agree", 4, "Agree"), "platforms": BLANK, "platforms_other": BLANK,
        "more": ("No", 0, "No"),
        "comments": ('Two things: "slides" were small,\nand the room was cold', None, None)},
    4: {"useful": ("Stronly agree", None, None, True), "conf_now": ("Confident", 4, "Confident"),
        "conf_then": ("Slightly confident", 2, "Slightly confident"), "pace": ("Disagree", 2, "Disagree"),
        "examples": ("Agree", 4, "Agree"), "platforms": (["Instagram", "Facebook"], None, None),
        "platforms_other": BLANK, "more": ("Yes", 1, "Yes"), "comments": BLANK},
    5: {"useful": ("N/A", None, "Not applicable"), "conf_now": BLANK, "conf_then": BLANK,
        "pace": ("SA", 5, "Strongly agree"), "examples": ("Disagree", 2, "Disagree"),
        "platforms": (["X", "Facebook", "LinkedIn"], None, None), "platforms_other": BLANK,
        "more": ("Yes", 1, "Yes"), "comments": ("Could we have a session on abuse; trolling?", None, None)},
}
SOURCE = "solihull/surveys/workshop3"


def survey_truth(people=PEOPLE) -> pd.DataFrame:
    rows = []
    for record, person, name, email, at in people:
        for item, (question, scale, wave) in QUESTIONS.items():
            raw, value, label, *spoilt = ANSWERS[record][item]
            rows.append({
                "record": record, "person_key": person, "respondent_id": None, "source_name": name,
                "source_email": email, "submitted_at": pd.Timestamp(at), "question": question, "raw": raw,
                "kind": "comment" if scale == "text" else "response", "item_id": item, "value": value,
                "label": label, "scale": None if scale == "text" else scale, "wave": wave or "feedback",
                "session_id": "w3", "quarantine": bool(spoilt and spoilt[0]),
            })
    return pd.DataFrame(rows)


ITEMS = {question_key(q): (item, scale, wave, {}) for item, (q, scale, wave) in QUESTIONS.items()}
CONTEXT = Context(wave="feedback", session_id="w3", item_for_question=lambda q: ITEMS.get(question_key(q)),
                  source_file=SOURCE)
WRITERS = {
    "ms_forms": (write_ms_forms, "workshop3.xlsx"),
    "google_forms": (write_google_forms, "workshop3.csv"),
    "surveymonkey": (write_surveymonkey, "workshop3.csv"),
}


def write(tmp_path, tool: str, seed: int = 1, truth: pd.DataFrame | None = None) -> tuple[Written, object]:
    writer, name = WRITERS[tool]
    path = tmp_path / name
    written = writer(path, source_file=SOURCE, answers=survey_truth() if truth is None else truth,
                     rng=np.random.default_rng(seed))
    return written, path


# ------------------------------------------------------------------ round trips


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("tool", list(WRITERS))
def test_reader_gives_back_exactly_what_was_written(tmp_path, tool, seed):
    written, path = write(tmp_path, tool, seed)
    reading = read(path, CONTEXT)
    assert reading.format == written.format
    for table in ("responses", "comments"):
        got = reading.tables[table].drop(columns=["pilot_id", "participant_id"])
        expected = written.tables[table].drop(columns=["person_key"])
        pd.testing.assert_frame_equal(got, expected)
    pd.testing.assert_frame_equal(
        reading.fates[["source_row", "fate", "table"]],
        written.fates[["source_row", "fate", "table"]],
    )
    quarantined = written.fates["fate"] == "quarantined"
    assert written.fates.loc[quarantined, "reason"].str.contains("Stronly agree").all()


@pytest.mark.parametrize("tool", list(WRITERS))
def test_expected_tables_match_the_hand_count(tmp_path, tool):
    written, _ = write(tmp_path, tool)
    responses, comments = written.tables["responses"], written.tables["comments"]
    assert len(responses) == 27 and len(comments) == 8
    assert responses.groupby("item_id").size().to_dict() == {
        "conf_now": 4, "conf_then": 4, "examples": 5, "more": 5, "pace": 5, "useful": 4}
    assert set(responses.loc[responses["item_id"] == "conf_then", "wave"]) == {"then"}
    # the person behind each row travels with it; the anonymous reply is SOL-03
    assert set(comments.loc[comments["source_name"].isna(), "person_key"]) == {"SOL-03"}
    fates = written.fates
    assert fates["fate"].value_counts().to_dict() == {
        "kept": 4, "quarantined": 1, "merged": 1,
        "skipped-structure": 2 if tool == "surveymonkey" else 1}
    assert (fates["source_row"].diff().dropna() > 0).all()
    assert fates.loc[fates["fate"] == "merged", "reason"].str.startswith("repeated submission of row").all()
    # 01:30 on 27 Oct 2024 happened twice; the writers take the first (BST)
    amir = responses[responses["person_key"] == "SOL-02"]["submitted_at"].iloc[0]
    assert str(amir) == "2024-10-27 01:30:00+01:00"
    jane = responses[responses["person_key"] == "SOL-01"]["submitted_at"].iloc[0]
    assert str(jane) == "2024-10-26 23:58:03+01:00"  # cut to whole seconds


def test_multi_select_text_follows_each_tool(tmp_path):
    texts = {}
    for tool in WRITERS:
        written, _ = write(tmp_path, tool)
        comments = written.tables["comments"]
        texts[tool] = comments.loc[comments["person_key"] == "SOL-04", "text"].tolist()
    assert texts["ms_forms"] == ["Instagram; Facebook"]
    assert texts["google_forms"] == ["Instagram;Facebook"]
    # one column per choice, in the order the choices were first ticked: Facebook, X, Instagram
    assert texts["surveymonkey"] == ["Facebook; Instagram"]


def test_same_seed_same_files(tmp_path):
    for tool in ("google_forms", "surveymonkey"):
        first, path = write(tmp_path, tool, seed=7)
        before = path.read_bytes()
        second, _ = write(tmp_path, tool, seed=7)
        assert path.read_bytes() == before
        pd.testing.assert_frame_equal(first.tables["responses"], second.tables["responses"])


def test_given_ids_and_no_one_to_repeat(tmp_path):
    anonymous = [(r, p, None, None, at) for r, p, _, _, at in PEOPLE]
    truth = survey_truth(anonymous)
    truth["respondent_id"] = truth["record"].map(lambda r: str(100 + r))
    written, path = write(tmp_path, "ms_forms", truth=truth)
    assert "merged" not in set(written.fates["fate"])
    assert sorted(set(written.tables["responses"]["respondent_id"])) == ["101", "102", "103", "104", "105"]
    reading = read(path, CONTEXT)
    pd.testing.assert_frame_equal(reading.tables["responses"].drop(columns=["pilot_id", "participant_id"]),
                                  written.tables["responses"].drop(columns=["person_key"]))


def test_truth_must_be_consistent():
    truth = survey_truth()
    truth.loc[0, "source_email"] = "someone.else@solihull.gov.uk"
    with pytest.raises(ValueError, match="record 1 has more than one source_email"):
        truth_records(truth)
    with pytest.raises(ValueError, match="lacks column"):
        truth_records(survey_truth().drop(columns=["quarantine"]))


# ------------------------------------------------------------------ bytes


def records_of(text: str) -> list[str]:
    """Split CSV text into records at line ends outside quotes (keeping the quoted breaks)."""
    out, start, quoted = [], 0, False
    for n, ch in enumerate(text):
        if ch == '"':
            quoted = not quoted
        elif ch == "\n" and not quoted:
            out.append(text[start:n])
            start = n + 1
    return out


def test_google_forms_bytes(tmp_path):
    written, path = write(tmp_path, "google_forms")
    data = path.read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8")
    records = records_of(text)
    assert all(r.endswith("\r") for r in records)  # CRLF record ends
    every_field_quoted = re.compile(r'"(?:[^"]|"")*"(?:,"(?:[^"]|"")*")*')
    assert all(every_field_quoted.fullmatch(r[:-1]) for r in records)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["Timestamp", "Email address", "Your name"]
    stamps = [row[0] for row in rows[1:]]
    assert all(re.fullmatch(r"\d{4}/\d{2}/\d{2} \d{1,2}:\d{2}:\d{2} (AM|PM) GMT(\+1)?", s) for s in stamps)
    first_stamp = {}
    for row in rows[1:]:
        first_stamp.setdefault(row[2], row[0])
    assert first_stamp["Jane Smith"] == "2024/10/26 11:58:03 PM GMT+1"
    assert first_stamp["Amir Patel"] == "2024/10/27 1:30:00 AM GMT+1"
    assert first_stamp[""] == "2024/10/27 10:00:00 AM GMT"
    assert first_stamp["Bola Okafor"] == "2024/10/28 12:40:00 PM GMT"
    by_person = {row[2]: row for row in rows[1:]}
    assert by_person["Jane Smith"][rows[0].index("Which platforms do you use?\nTick all that apply")] == "Facebook;X"
    assert written.format == "google-forms"


def test_surveymonkey_bytes(tmp_path):
    written, path = write(tmp_path, "surveymonkey")
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfRespondent ID,Collector ID,Start Date,End Date,IP Address,"
                           b"Email Address,First Name,Last Name,Custom Data 1,")
    text = data.decode("utf-8-sig")
    assert all(r.endswith("\r") for r in records_of(text))
    rows = list(csv.reader(io.StringIO(text)))
    row1, row2 = rows[0], rows[1]
    assert row2[:9] == [""] * 9
    assert row2[9:] == ["Response", "Response", "Response", "The pace was right", "The examples were relevant",
                        "Facebook", "X", "Instagram", "LinkedIn", "Other (please specify)", "Response",
                        "Open-Ended Response"]
    # each question's text only in its first column
    assert row1[12:14] == ["Please say how far you agree", ""]
    assert row1[14:19] == ["Which platforms do you use?\nTick all that apply", "", "", "", ""]
    assert '"Which platforms do you use?\r\n' not in text and '"Which platforms do you use?\nTick' in text
    data_rows = rows[2:]
    assert all(re.fullmatch(r"\d{11}", row[0]) for row in data_rows)
    assert len({row[1] for row in data_rows}) == 1
    assert all(re.fullmatch(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2} (AM|PM)", row[3]) for row in data_rows)
    siân = next(row for row in data_rows if row[6] == "Siân")
    assert (siân[3], siân[7]) == ("10/28/2024 09:05:41 AM", "O'Neill")
    jane = next(row for row in data_rows if row[6] == "Jane")
    assert jane[14:18] == ["Facebook", "X", "", ""]


def test_ms_forms_cells(tmp_path):
    written, path = write(tmp_path, "ms_forms")
    sheet = openpyxl.load_workbook(path).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("ID", "Start time", "Completion time", "Email", "Name")
    ids = [row[0] for row in rows[1:]]
    assert ids == list(range(1, len(rows)))
    assert sheet.cell(row=2, column=3).is_date
    records = {row[3]: row for row in rows[1:]}
    assert records["anonymous"][4] is None
    jane = records["jane.smith@solihull.gov.uk"]
    assert jane[2] == pd.Timestamp("2024-10-26 23:58:03").to_pydatetime()
    assert "Facebook;X;" in jane
    assert written.format == "microsoft-forms"
