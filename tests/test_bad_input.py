"""Broken inputs get one clear line each, naming file, row, column and value where they
apply; the rest of the programme is still cleaned; the command never shows a traceback.

tests/data/bad/ is a programme folder whose pilot holds the corpus: an empty file, a
header-only survey, a truncated workbook, binary junk named .csv, a UTF-16 Teams report
without its BOM, a register with a duplicated session column, a file of an unknown format,
a survey with one malformed row, and one good sign-in sheet.
"""

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from evalkit.pipeline import clean_programme

BAD = Path(__file__).resolve().parent / "data" / "bad"
KEY = b"a test key for broken inputs"


@pytest.fixture(scope="module")
def result():
    return clean_programme(BAD, key=KEY)


def _file(result, name):
    return next(f for f in result.files if f.source_file.endswith(name))


@pytest.mark.parametrize(
    "name, words",
    [
        ("empty.csv", ["p/attendance/empty.csv", "empty"]),
        ("truncated.xlsx", ["p/attendance/truncated.xlsx", "cannot be opened", "truncated"]),
        ("junk.csv", ["p/attendance/junk.csv", "binary data", "Expected one of", "sign-in-sheet"]),
        ("unknown.csv", ["p/attendance/unknown.csv", "not a supported export format", "teams-attendance-report"]),
        ("duplicate-headers.csv", ["p/attendance/duplicate-headers.csv", "row 1", "column 'Workshop 1'",
                                   "columns B and C", "ws1"]),
    ],
)
def test_unusable_files_fail_with_one_clear_line(result, name, words):
    found = _file(result, name)
    assert found.status == "failed"
    assert "\n" not in found.error
    for word in words:
        assert word in found.error


def test_utf16_without_bom_is_read_and_the_encoding_said(result):
    found = _file(result, "utf16-no-bom.csv")
    assert found.status == "read" and found.format == "teams-attendance-report"
    assert any("utf-16-le without BOM" in n for n in found.notes)
    attendance = result.tables["attendance"]
    jane = attendance[attendance["source_file"] == "p/attendance/utf16-no-bom.csv"]
    assert jane["minutes_present"].tolist() == [90.0]


def test_header_only_file_is_read_and_noted(result):
    found = _file(result, "header-only.csv")
    assert found.status == "read"
    assert found.notes[0] == "the file has no data rows (a header or titles only)"
    assert found.counts["skipped-structure"] == 1 and found.counts["kept"] == 0


def test_a_malformed_row_is_quarantined_and_the_others_kept(result):
    fates = result.tables["row_fates"]
    survey = fates[fates["source_file"] == "p/surveys/malformed-row.csv"].set_index("source_row")
    assert survey.loc[3, "fate"] == "quarantined"
    assert "row 3" in survey.loc[3, "reason"] and "4 fields" in survey.loc[3, "reason"]
    assert survey.loc[[2, 4], "fate"].tolist() == ["kept", "kept"]
    responses = result.tables["responses"]
    assert sorted(responses["value"].tolist()) == [4.0, 5.0]


def test_the_good_file_is_still_cleaned(result):
    attendance = result.tables["attendance"]
    good = attendance[attendance["source_file"] == "p/attendance/good-sign-in.csv"]
    statuses = dict(zip(zip(good["source_name"], good["session_id"]), good["status"]))
    assert statuses == {
        ("Cllr Jane Smith", "ws1"): "present", ("Cllr Jane Smith", "ws2"): "present",
        ("Cllr Omar Hussain", "ws1"): "present", ("Cllr Omar Hussain", "ws2"): "apologies",
    }
    assert result.exit_code == 2


def test_the_command_prints_no_traceback(tmp_path):
    run = subprocess.run(
        [sys.executable, "-m", "evalkit.cli", "clean", str(BAD), "--out", str(tmp_path)],
        capture_output=True, text=True, env={"EVALKIT_BAD_INPUT_KEY": KEY.decode(), "PATH": "/usr/bin:/bin"},
    )
    assert run.returncode == 2
    assert "Traceback" not in run.stdout + run.stderr
    assert "p/attendance/truncated.xlsx: the workbook cannot be opened" in run.stdout
    assert (tmp_path / "attendance.parquet").exists()
    kept = pd.read_parquet(tmp_path / "attendance.parquet")
    assert len(kept) == 5   # four from the good register, one from the UTF-16 Teams report


def test_reading_a_bad_file_alone_is_one_line(tmp_path):
    run = subprocess.run([sys.executable, "-m", "evalkit.cli", "read", str(BAD / "p/attendance/junk.csv")],
                         capture_output=True, text=True)
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1 and run.stderr.startswith("evalkit: ")
    assert "junk.csv" in run.stderr
