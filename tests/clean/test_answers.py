"""Survey answers to responses and comments (evalkit.clean.answers), one long pass."""

from __future__ import annotations

import numpy as np
import pandas as pd

from evalkit.clean.answers import SurveyRecords, distinct_cells, survey_tables
from evalkit.readers.base import Context

ITEMS = {
    "The session was useful": ("useful", "agreement", "feedback", {}),
    "I feel confident posting": ("confident", "agreement", "after", {"kind of": "Agree"}),
    "How often do you post?": ("often", "frequency", None, {}),
}


def test_distinct_cells_keep_numbers_and_text_apart():
    cells = np.array(["4", 4, 4.0, "4", None, float("nan"), " ", True, 1], dtype=object)
    codes, distinct = distinct_cells(cells)
    # "4" twice is one text; 4, 4.0, True and 1 are four cells of their own; None and NaN are missing
    assert codes.tolist() == [0, 2, 3, 0, -1, -1, 1, 4, 5]
    assert [repr(v) for v in distinct] == ["'4'", "' '", "4", "4.0", "True", "1"]


def test_answers_question_by_question_with_quarantine_settled_rows_and_waves():
    answers = pd.DataFrame(
        {
            "The session was useful": ["Agree", " SA", "Agre", "Agree", None],
            "I feel confident posting": ["kind of", "Agre", "", "Disagree", "Agree"],
            "Q9 colour": ["Blue", None, "Green ", "Blue", "Red"],
        },
        index=[10, 11, 12, 13, 14],
    )
    records = SurveyRecords(
        answers=answers,
        source_row=pd.Series([4, 5, 7, 8, 9]),
        respondent_id=pd.Series(["r1", "r2", "r3", "r4", "r5"]),
        settled={13: ("merged", "row 8: the same submission as row 4 (same answers from the same respondent)")},
    )
    context = Context(item_for_question=ITEMS.get, pilot_id="p1", wave="before")
    notes: list[str] = []
    responses, comments, fates = survey_tables(records, context, "s.xlsx", notes)

    # column by column, records in file order; the settled record (row 8) gives nothing
    assert responses[["source_row", "item_id", "label", "value", "wave"]].values.tolist() == [
        [4, "useful", "Agree", 4.0, "feedback"],
        [5, "useful", "Strongly agree", 5.0, "feedback"],
        [4, "confident", "Agree", 4.0, "after"],        # alias "kind of" → Agree
        [9, "confident", "Agree", 4.0, "after"],
    ]
    assert responses["respondent_id"].tolist() == ["r1", "r2", "r1", "r5"]
    # the unmapped question is kept as comments, stripped, with a note
    assert comments[["source_row", "question", "text", "wave", "item_id"]].values.tolist() == [
        [4, "Q9 colour", "Blue", "before", None],
        [7, "Q9 colour", "Green", "before", None],
        [9, "Q9 colour", "Red", "before", None],
    ]
    assert notes == ["question 'Q9 colour' is not in the item map; its answers are kept as comments with no item_id"]
    # "Agre" on the agreement scale twice: both records quarantined, each naming its column and value
    assert fates["fate"].tolist() == ["kept", "quarantined", "quarantined", "merged", "kept"]
    assert fates["reason"].tolist()[1:3] == [
        "row 5: column 'I feel confident posting': 'Agre' is not an answer on the agreement scale",
        "row 7: column 'The session was useful': 'Agre' is not an answer on the agreement scale",
    ]
    for table in (responses, comments):
        text = [c for c in table.columns if c not in ("source_row", "value")]
        assert all(table[c].dtype == object for c in text)
    assert responses["source_row"].dtype == "Int64"


def test_the_same_label_on_two_questions_with_different_aliases():
    # "kind of" is an answer only where the item says so: the other question quarantines it
    answers = pd.DataFrame({"The session was useful": ["kind of"], "I feel confident posting": ["kind of"]})
    records = SurveyRecords(answers=answers, source_row=pd.Series([2]))
    responses, _, fates = survey_tables(records, Context(item_for_question=ITEMS.get), "s.csv")
    assert responses[["item_id", "label"]].values.tolist() == [["confident", "Agree"]]
    assert fates["reason"].iloc[0] == "row 2: column 'The session was useful': 'kind of' is not an answer on the agreement scale"


def test_numbers_written_differently_stay_as_written_in_comments():
    answers = pd.DataFrame({"Favourite number": pd.Series([4, 4.0, "4", None], dtype=object)})
    records = SurveyRecords(answers=answers, source_row=pd.Series([2, 3, 4, 5]))
    _, comments, fates = survey_tables(records, Context(), "s.csv")
    assert comments["text"].tolist() == ["4", "4.0", "4"]
    assert fates["fate"].tolist() == ["kept"] * 4


def test_no_answers_gives_empty_tables_and_one_fate_per_record():
    answers = pd.DataFrame({"The session was useful": [None, "  "]})
    records = SurveyRecords(answers=answers, source_row=pd.Series([2, 3]))
    responses, comments, fates = survey_tables(records, Context(item_for_question=ITEMS.get), "s.csv")
    assert responses.empty and comments.empty
    assert fates["source_row"].tolist() == [2, 3] and fates["fate"].tolist() == ["kept", "kept"]
