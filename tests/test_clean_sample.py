"""`evalkit clean data/sample` reproduces the sample's truth value for value.

The truth (data/sample/truth/) is what the generator wrote into the raw files; cleaning must
get it back from the files alone: every table row and every raw row's fate. participant_id is
compared separately (tests/test_linking_sample.py), since linking fills it.
"""

import pandas as pd
import pytest

from conftest import SAMPLE

TRUTH = SAMPLE / "truth"
TABLE_KEYS = {
    "attendance": ["source_file", "source_row", "session_id", "source_name"],
    "responses": ["source_file", "source_row", "question"],
    "comments": ["source_file", "source_row", "question"],
    "metrics": ["source_file", "source_row", "platform", "account", "date", "metric"],
    "posts": ["source_file", "source_row", "post_id"],
}


def _comparable(frame: pd.DataFrame, columns: list[str], keys: list[str]) -> pd.DataFrame:
    out = frame[columns].copy()
    for column in columns:
        values = out[column]
        if isinstance(values.dtype, pd.DatetimeTZDtype) or column in ("joined_at", "left_at", "submitted_at", "timestamp"):
            out[column] = pd.to_datetime(values, utc=True).astype("object")
        elif values.dtype == object or str(values.dtype) in ("str", "string"):
            out[column] = values.astype("object").where(values.notna(), None)
    out = out.sort_values(keys, kind="stable").reset_index(drop=True)
    return out


@pytest.mark.parametrize("table", list(TABLE_KEYS))
def test_clean_tables_equal_the_truth(sample_clean, table):
    result, _ = sample_clean
    truth = pd.read_parquet(TRUTH / f"{table}.parquet")
    got = result.tables[table]
    columns = [c for c in truth.columns if c not in ("person_key", "participant_id")]
    missing = [c for c in columns if c not in got.columns]
    assert not missing, f"{table}: cleaning does not produce {missing}"
    keys = TABLE_KEYS[table]
    expected = _comparable(truth, columns, keys)
    actual = _comparable(got, columns, keys)
    assert len(actual) == len(expected), f"{table}: {len(actual)} rows, truth has {len(expected)}"
    pd.testing.assert_frame_equal(actual, expected, check_dtype=False, check_exact=False, rtol=1e-9)


def test_every_raw_row_has_the_true_fate(sample_clean):
    result, _ = sample_clean
    truth = pd.read_parquet(TRUTH / "row_fates.parquet")
    got = result.tables["row_fates"]
    cols = ["source_file", "source_row", "fate"]
    expected = truth[cols].astype({"source_row": "int64"}).sort_values(cols[:2]).reset_index(drop=True)
    actual = got[cols].astype({"source_row": "int64"}).sort_values(cols[:2]).reset_index(drop=True)
    pd.testing.assert_frame_equal(actual.astype(object), expected.astype(object))
    quarantined = got[got["fate"] == "quarantined"]
    assert quarantined["reason"].notna().all()


def test_every_file_is_read_and_the_run_reports_the_planted_quarantine(sample_clean):
    result, out = sample_clean
    assert [f.error for f in result.files if f.status != "read"] == []
    files = pd.read_csv(TRUTH / "files.csv")
    formats = {f.source_file: f.format for f in result.files}
    assert {row.source_file: formats.get(row.source_file) for row in files.itertuples()} == dict(
        zip(files["source_file"], files["format"])
    )
    assert result.exit_code == 1  # the sample plants a few unreadable answers
    for name in ("participants", "sessions", "attendance", "responses", "comments", "metrics",
                 "posts", "links", "row_fates"):
        assert (out / f"{name}.parquet").exists()
    summary = (out / "summary.md").read_text()
    assert "quarantined" in summary and "Agree?? not sure" in summary
    assert (out / "review.csv").exists()
