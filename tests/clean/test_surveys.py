"""Small steps shared by the online survey readers (evalkit.clean.surveys)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from evalkit.clean.surveys import (
    cell_text,
    duplicate_submissions,
    excel_datetimes,
    find_columns,
    join_choices,
    local_times,
    parse_naive,
    stripped_text,
    submitter,
    tidy_choice_lists,
)


def test_find_columns_ignores_case_spacing_and_takes_the_first():
    header = ["ID", "Start time", "Completion  Time", "EMAIL", "Name", "Email"]
    found = find_columns(header, {"completion": ("Completion time",), "email": ("Email",), "score": ("Score",)})
    assert found == {"completion": 2, "email": 3}


def test_cell_text_reads_spreadsheet_cells_as_answers():
    cells = pd.Series([5, 7.0, 0.5, " Agree ", "", None, float("nan"), dt.datetime(2024, 10, 3, 9, 30)])
    assert cell_text(cells).tolist() == ["5", "7", "0.5", " Agree ", None, None, None, "2024-10-03 09:30:00"]
    assert stripped_text(cells).tolist()[3] == "Agree"


def test_excel_datetimes_from_every_cell_kind():
    cells = pd.Series([
        dt.datetime(2022, 10, 30, 1, 15),        # a real Excel date-time
        44881.5,                                  # a bare serial number: noon, 16 Nov 2022
        "11/16/2022 12:00:00",                    # text in a re-saved copy (US order, as Forms writes)
        dt.datetime(2022, 11, 15, 9, 34, 40, 999_600),  # float noise from the serial
        "not recorded",
        None,
        True,                                     # not a time
    ])
    times, failed = excel_datetimes(cells)
    assert times.tolist()[:4] == [pd.Timestamp("2022-10-30 01:15"), pd.Timestamp("2022-11-16 12:00"),
                                  pd.Timestamp("2022-11-16 12:00"), pd.Timestamp("2022-11-15 09:34:41")]
    assert failed.tolist() == [False, False, False, False, True, False, True]
    assert pd.isna(times[5])


def test_parse_naive_tries_formats_in_order():
    values = pd.Series(["01/14/2025 09:09:45 AM", "01/14/2025 21:09", "31/01/2025 10:00:00 AM", None])
    times, failed = parse_naive(values, ["%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M"])
    assert times.tolist()[:2] == [pd.Timestamp("2025-01-14 09:09:45"), pd.Timestamp("2025-01-14 21:09")]
    assert failed.tolist() == [False, False, True, False]


def test_local_times_take_the_summer_hour_when_the_clocks_go_back():
    naive = pd.Series([pd.Timestamp("2024-10-27 01:30"), pd.Timestamp("2024-10-27 02:30")])
    local = local_times(naive, "Europe/London")
    assert [t.utcoffset() for t in local] == [pd.Timedelta(hours=1), pd.Timedelta(0)]
    aware = pd.Series([pd.Timestamp("2024-10-27 01:30Z")], dtype="object")
    assert str(local_times(aware, "Europe/London").iloc[0]) == "2024-10-27 01:30:00+00:00"
    assert str(local_times(pd.Series([], dtype="object"), "Europe/London").dtype) == "datetime64[ns, Europe/London]"
    with pytest.raises(ValueError, match="mixes"):
        local_times(pd.Series([pd.Timestamp("2024-10-27 01:30Z"), pd.Timestamp("2024-10-27 01:30")],
                              dtype="object"), "Europe/London")


def test_choices_become_one_text():
    ticked = pd.DataFrame({"Facebook": ["Facebook", None, " ", None], "X": ["X", "X", None, None],
                           "Instagram": [None, "Instagram", None, None]})
    assert join_choices(ticked).tolist() == ["Facebook; X", "X; Instagram", None, None]
    assert tidy_choice_lists(pd.Series(["Facebook;X;", "X;", "Great; thanks", None])).tolist() == [
        "Facebook; X", "X", "Great; thanks", None]


def test_submitter_prefers_email_then_name():
    who = submitter(pd.Series(["Jane.Smith@Solihull.gov.uk", None, "", None]),
                    pd.Series(["Jane Smith", "Amir  Patel", "Bola Okafor", None]))
    assert who.tolist() == ["jane.smith@solihull.gov.uk", "name:amir patel", "name:bola okafor", None]


ANSWERS = pd.DataFrame({
    "q1": ["Agree", "Agree ", "Agree", "Agree", "Agree", "Disagree"],
    "q2": ["Yes", "Yes", "Yes", "Yes", "Yes", "Yes"],
    "q3": [None, "", None, None, None, None],
})


def test_the_same_person_sending_the_same_answers_is_merged():
    who = pd.Series(["jane@x.gov.uk", "jane@x.gov.uk", None, None, "bob@x.gov.uk", "jane@x.gov.uk"])
    ids = pd.Series(["1", "2", "3", "4", "5", "6"])
    settled = duplicate_submissions(ANSWERS, who, ids, pd.Series([2, 3, 4, 5, 6, 7]))
    # row 3 repeats row 2 (spacing and blank-vs-empty ignored); rows 4 and 5 are anonymous
    # with different ids (two people may answer alike); row 6 is someone else; row 7 changed an answer
    assert settled == {1: ("merged", "row 3: the same submission as row 2 (same answers from the same respondent)")}


def test_an_anonymous_response_repeated_exactly_is_merged():
    who = pd.Series([None] * 6)
    ids = pd.Series(["1", "2", "3", "3", "5", "6"])
    settled = duplicate_submissions(ANSWERS, who, ids, pd.Series([2, 3, 4, 5, 6, 7]))
    assert list(settled) == [3]
    assert settled[3] == ("merged", "row 5: the same submission as row 4 (the same response repeated)")


def test_repeats_compare_answers_as_written_ignoring_spacing_at_the_ends():
    import numpy as np

    from evalkit.clean.surveys import blank_cells

    answers = pd.DataFrame({"q1": ["Agree", " Agree", 4, 4.0, "x", "x"], "q2": [None, " ", "", None, "", None]},
                           index=[5, 6, 7, 8, 9, 10])
    who = pd.Series(["a", "a", "b", "b", None, None], index=answers.index)
    key = pd.Series([None, None, None, None, float("nan"), float("nan")], index=answers.index, dtype=object)
    settled = duplicate_submissions(answers, who, key, pd.Series([2, 3, 4, 5, 6, 7]))
    # 4 and 4.0 are different answers; blank, spaces and None are alike; a NaN key reads "nan"
    assert settled == {
        6: ("merged", "row 3: the same submission as row 2 (same answers from the same respondent)"),
        10: ("merged", "row 7: the same submission as row 6 (the same response repeated)"),
    }
    assert blank_cells(np.array([[" ", 0], [None, "a"]], dtype=object)).tolist() == [[True, False], [True, False]]


# --------------------------------------------------------------------------- awkward cells

def test_parse_naive_on_messy_cells_keeps_the_index_and_says_which_failed():
    values = pd.Series([" 10/16/2013 08:24:52 PM ", "", "  ", None, float("nan"), "13/16/2013 08:24:52 PM",
                        "\t2/3/2024 13:05\n", "soon"], index=[7, 3, 9, 1, 0, 4, 2, 8], dtype="object")
    times, failed = parse_naive(values, ["%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M"])
    assert times.index.tolist() == [7, 3, 9, 1, 0, 4, 2, 8]
    assert times.dtype == "datetime64[s]"
    assert times[7] == pd.Timestamp("2013-10-16 20:24:52")
    assert times[2] == pd.Timestamp("2024-02-03 13:05")        # the second format, after stripping
    assert times[[3, 9, 1, 0, 4, 8]].isna().all()
    # empty or spaces-only text, None and NaN are blanks, not failures; month 13 and words fail
    assert failed.tolist() == [False, False, False, False, False, True, False, True]


def test_choices_join_numbers_dates_and_spacing_as_written():
    ticked = pd.DataFrame({
        "a": [" Facebook ", 4.0, None, "  ", True],
        "b": ["X", "", dt.datetime(2024, 1, 2), float("nan"), 0],
        "c": [None, "\tLinkedIn\n", "Other", None, ""],
    }, index=[10, 11, 12, 13, 14], dtype="object")
    joined = join_choices(ticked)
    assert joined.index.tolist() == [10, 11, 12, 13, 14]
    assert joined.tolist() == ["Facebook; X", "4.0; LinkedIn", "2024-01-02 00:00:00; Other", None, "True; 0"]
    assert join_choices(ticked[[]]).tolist() == [None] * 5


def test_survey_reading_holds_the_same_tables_as_frames_and_as_arrow(tmp_path):
    from evalkit import store
    from evalkit.clean.answers import SurveyRecords
    from evalkit.clean.surveys import survey_reading
    from evalkit.readers.base import Context

    records = SurveyRecords(
        answers=pd.DataFrame({"q0": ["Agree", "SA", "Agree", "Maybe"], "q1": ["Great", None, "  ", "ok"]}),
        source_row=pd.Series([3, 4, 6, 7]),
        respondent_id=pd.Series(["a", "b", "c", "d"], dtype="object"),
        submitted_at=pd.Series(pd.to_datetime(["2024-10-27 01:30", "2024-03-31 01:30", "2024-06-01 09:00",
                                               "2024-06-01 09:05"])),
        settled={2: ("merged", "row 6: the same submission as row 3")},
        question_text={"q0": "Useful?", "q1": "Comments"},
    )
    item_map = {"Useful?": ("useful", "agreement", None, {})}
    context = Context(pilot_id="north", item_for_question=item_map.get, source_file="s/feedback.csv")
    structure = pd.DataFrame({"source_row": [1, 2, 5], "reason": ["header row", "blank line", "blank line"]})
    notes: list[str] = []
    reading = survey_reading(tmp_path / "feedback.csv", context, "google-forms", records, structure, notes)

    responses = reading.tables["responses"]
    # row 6 is merged (no rows); row 7's 'Maybe' is not on the agreement scale (quarantined answer)
    assert responses["source_row"].tolist() == [3, 4]
    assert responses["value"].tolist() == [4.0, 5.0]
    assert str(responses["submitted_at"].dtype) == "datetime64[ns, Europe/London]"
    # 01:30 on the autumn change is the first (summer) 01:30; 01:30 in the spring gap
    # moves forward to the first time that exists, 02:00 summer time
    assert responses["submitted_at"].tolist() == [pd.Timestamp("2024-10-27 01:30+01:00"),
                                                  pd.Timestamp("2024-03-31 02:00+01:00")]
    comments = reading.tables["comments"]
    assert comments["text"].tolist() == ["Great", "ok"]
    assert comments["source_row"].tolist() == [3, 7]
    assert reading.fates["source_row"].tolist() == [1, 2, 3, 4, 5, 6, 7]
    assert reading.fates["fate"].tolist() == ["skipped-structure", "skipped-structure", "kept", "kept",
                                              "skipped-structure", "merged", "quarantined"]
    assert notes[-1] == "1 repeated submission(s) merged into the first copy"
    # the Arrow tables the pipeline takes are the same rows with the store's types
    for name in ("responses", "comments"):
        arrow = reading.arrow[name]
        assert arrow.schema.equals(store.arrow_schema(name, "Europe/London"))
        back = store.to_pandas(arrow, name)
        frame = reading.tables[name]
        expected = frame.assign(submitted_at=frame["submitted_at"].astype("datetime64[us, Europe/London]"))
        pd.testing.assert_frame_equal(back, expected)
    pd.testing.assert_frame_equal(store.to_pandas(reading.arrow["row_fates"], "row_fates"), reading.fates)


def test_survey_reading_still_refuses_a_row_that_breaks_the_schema(tmp_path):
    from evalkit import schemas
    from evalkit.clean.answers import SurveyRecords
    from evalkit.clean.surveys import survey_reading
    from evalkit.readers.base import Context

    records = SurveyRecords(answers=pd.DataFrame({"Useful?": ["Agree", "Agree"]}), source_row=pd.Series([2, 3]))
    context = Context(item_for_question={"Useful?": ("useful", "agreement", "mid-way", {})}.get)
    structure = pd.DataFrame({"source_row": [1], "reason": ["header row"]})
    with pytest.raises(schemas.TableValidationError, match="wave"):
        survey_reading(tmp_path / "f.csv", context, "google-forms", records, structure, [])


def test_survey_reading_of_ids_that_are_not_text_is_refused_naming_row_and_value(tmp_path):
    from evalkit import schemas
    from evalkit.clean.answers import SurveyRecords
    from evalkit.clean.surveys import survey_reading
    from evalkit.readers.base import Context

    records = SurveyRecords(answers=pd.DataFrame({"Comments": ["Great", "ok"]}), source_row=pd.Series([2, 3]),
                            respondent_id=pd.Series(["r1", 18], dtype="object"))
    structure = pd.DataFrame({"source_row": [1], "reason": ["header row"]})
    with pytest.raises(schemas.TableValidationError) as raised:
        survey_reading(tmp_path / "f.csv", Context(), "google-forms", records, structure, [])
    faults = raised.value.failures
    assert faults[["column", "row", "value"]].values.tolist() == [["respondent_id", 1, 18]]


def test_excel_serial_times_with_fractions_of_a_microsecond():
    """A serial whose fraction of a day is not a whole number of microseconds (0.501 day
    is 12:01:26.4) reads to the second, like every other cell, rather than failing."""
    times, failed = excel_datetimes(pd.Series([44881.5, 44881.501, 44881.5000001]))
    assert [str(t) for t in times] == ["2022-11-16 12:00:00", "2022-11-16 12:01:26", "2022-11-16 12:00:00"]
    assert not failed.any()
