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
