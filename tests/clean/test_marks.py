"""Cell text of typed-up sheets (evalkit.clean.marks): the column-at-once forms give what
:func:`cell_text` gives cell by cell, on messy hand-written cells."""

import datetime as dt

import numpy as np
import pandas as pd

from evalkit.clean import marks as mk

# cells as openpyxl and the CSV reader hand them over: text with spaces, whole and
# fractional numbers, booleans that are equal to 1 and 0, dates with and without a time,
# missing values of several kinds
MESSY = [" Y ", 1, 1.0, True, False, 0, 0.0, -0.0, 2.5, None, float("nan"), np.float64(3.0),
         np.int64(4), dt.datetime(2024, 1, 16), dt.datetime(2024, 1, 16, 17, 45), dt.date(2024, 1, 17),
         dt.time(9, 30), "", "  ", "✓", " Y ", "apols ", 1, True]


def test_cells_text_matches_cell_text_cell_by_cell():
    cells = np.array(MESSY, dtype=object)
    assert mk.cells_text(cells).tolist() == [mk.cell_text(v) for v in MESSY]


def test_cells_text_keeps_one_and_true_apart():
    out = mk.cells_text(np.array([1, True, 1.0, "1", 0, False], dtype=object)).tolist()
    assert out == ["1", "true", "1", "1", "0", "false"]


def test_mark_text_keeps_index_and_name():
    values = pd.Series([" x", None, 2.0], index=[7, 9, 11], name="WS1", dtype="object")
    out = mk.mark_text(values)
    assert out.tolist() == ["x", "", "2"]
    assert out.index.tolist() == [7, 9, 11] and out.name == "WS1" and out.dtype == object


def test_text_grid_pads_ragged_rows_and_numbers_the_rows():
    grid = mk.text_grid([["Name", " Signed "], ["Jo Bloggs"], [], ["A. N. Other", True, 1.0]],
                        source_rows=[3, 4, 6, 7])
    assert grid.index.tolist() == [3, 4, 6, 7] and grid.index.name == "source_row"
    assert list(grid.columns) == [0, 1, 2]
    assert grid.values.tolist() == [["Name", "Signed", ""], ["Jo Bloggs", "", ""], ["", "", ""],
                                    ["A. N. Other", "true", "1"]]
    assert (grid.dtypes == object).all()


def test_text_grid_of_no_rows():
    grid = mk.text_grid([])
    assert grid.shape == (0, 0) and grid.index.name == "source_row"


def test_as_object_text_turns_text_to_objects_and_leaves_other_columns():
    frame = pd.DataFrame({
        "name": pd.Series(["A", None, "C"], dtype="str"),
        "note": pd.Series([None, float("nan"), "x"], dtype="object"),
        "row": pd.array([1, None, 3], dtype="Int64"),
        "minutes": [1.5, np.nan, 2.0],
        "at": pd.Series([pd.Timestamp("2024-01-16 17:45", tz="Europe/London"), pd.NaT,
                         pd.Timestamp("2024-01-17", tz="Europe/London")]),
    })
    out = mk.as_object_text(frame)
    assert list(out.columns) == list(frame.columns)
    assert out["name"].dtype == object and out["name"].tolist() == ["A", None, "C"]
    assert out["note"].tolist() == [None, None, "x"]
    assert str(out["row"].dtype) == "Int64" and out["row"].tolist()[0] == 1 and out["row"].isna().tolist()[1]
    assert out["minutes"].dtype == "float64"
    assert out["at"].dtype == frame["at"].dtype and out["at"].isna().tolist() == [False, True, False]
    assert frame["name"].dtype != object  # the frame given is not changed
