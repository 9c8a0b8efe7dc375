"""Meta Business Suite insights (evalkit.readers.meta_suite), on hand-written fixtures.

tests/data/formats/meta_suite/ (UTF-16 LE with BOM, ``sep=,``, a title line):

* Cllr Amy Patel/Views.csv — "Views", four days, LF line ends.
* Cllr Amy Patel/Follows.csv — "Facebook follows", CRLF, days with no follows left out.
* Cllr Amy Patel/Interactions.csv — "Content interactions": ``lots``, a blank line, a day
  exported twice, no final newline.
* metrics/Reach.csv — straight in ``metrics/``: no account.
"""

import datetime as dt
from pathlib import Path

import pytest

from evalkit import schemas
from evalkit.readers import detect, read
from evalkit.readers import meta_suite
from evalkit.readers.base import Context, InputError, sniff

DATA = Path(__file__).resolve().parents[1] / "data" / "formats"
AMY = DATA / "meta_suite" / "Cllr Amy Patel"
D = dt.date


def test_detected_from_content_and_not_taken_for_others():
    for name in ("Views.csv", "Follows.csv", "Interactions.csv"):
        assert detect(AMY / name) == "meta-business-suite"
        raw = (AMY / name).read_bytes()
        assert raw.startswith(b"\xff\xfe" + "sep=,".encode("utf-16-le"))
    for other in (DATA / "x_premium" / "CllrAmyPatel" / "account_overview_analytics.csv",
                  next((DATA / "facebook").glob("*Jane Smith*"))):
        assert meta_suite.detect(sniff(other)) is None


def test_views_worked_by_hand():
    reading = read(AMY / "Views.csv", Context(pilot_id="yorkshire-humber", source_file="yh/metrics/Cllr Amy Patel/Views.csv"))
    metrics = reading.tables["metrics"]
    assert schemas.validate("metrics", metrics) is metrics
    assert metrics[["date", "metric", "value"]].values.tolist() == [
        [D(2025, 1, 13), "views", 20.0], [D(2025, 1, 14), "views", 0.0],
        [D(2025, 1, 15), "views", 134.0], [D(2025, 1, 16), "views", 57.0]]
    assert metrics["source_row"].tolist() == [4, 5, 6, 7]
    assert metrics["platform"].unique().tolist() == ["facebook"]
    assert metrics["account"].unique().tolist() == ["Cllr Amy Patel"]  # the folder
    assert reading.fates["fate"].tolist() == ["skipped-structure"] * 3 + ["kept"] * 4
    assert reading.fates["source_row"].tolist() == [1, 2, 3, 4, 5, 6, 7]
    assert any("utf-16" in n for n in reading.notes)


def test_days_left_out_are_not_invented():
    reading = read(AMY / "Follows.csv")
    metrics = reading.tables["metrics"]
    assert metrics[["date", "metric", "value"]].values.tolist() == [
        [D(2025, 1, 13), "new_follows", 2.0], [D(2025, 1, 16), "new_follows", 1.0], [D(2025, 1, 20), "new_follows", 3.0]]
    assert any("5 day(s) between the first and last day have no row" in n for n in reading.notes)


def test_problems_blank_lines_and_repeated_days():
    reading = read(AMY / "Interactions.csv", Context(source_file="i.csv"))
    fates = reading.fates.set_index("source_row")
    assert fates["fate"].to_dict() == {1: "skipped-structure", 2: "skipped-structure", 3: "skipped-structure",
                                       4: "kept", 5: "quarantined", 6: "kept", 7: "skipped-structure", 8: "merged"}
    assert fates.loc[5, "reason"] == "i.csv, row 5, column 'Primary': not a number: 'lots'"
    assert reading.tables["metrics"][["date", "metric", "value"]].values.tolist() == [
        [D(2025, 1, 13), "engagements", 7.0], [D(2025, 1, 15), "engagements", 4.0]]


def test_the_account_comes_from_a_pin_or_the_folder():
    with pytest.raises(InputError, match="account:"):
        read(DATA / "meta_suite" / "metrics" / "Reach.csv")
    metrics = read(DATA / "meta_suite" / "metrics" / "Reach.csv", Context(account="Cllr Bob Jones")).tables["metrics"]
    assert metrics[["account", "metric", "value"]].values.tolist() == [["Cllr Bob Jones", "reach", 88.0]]


def test_titles_name_the_metric_and_platform(tmp_path):
    assert meta_suite.metric_of_title("Facebook visits") == ("facebook", "profile_visits")
    assert meta_suite.metric_of_title("Viewers") == ("facebook", "reach")
    assert meta_suite.metric_of_title("Facebook link clicks") == ("facebook", "link_clicks")
    assert meta_suite.metric_of_title("Instagram follows") == ("instagram", "new_follows")
    assert meta_suite.metric_of_title("Saves") == ("facebook", "saves")
    folder = tmp_path / "Cllr Amy Patel"
    folder.mkdir()
    untitled = folder / "Reach.csv"
    untitled.write_bytes(b"\xff\xfe" + 'sep=,\n"Date","Primary"\n"2025-01-13T00:00:00","88"\n'.encode("utf-16-le"))
    reading = read(untitled)
    assert reading.tables["metrics"]["metric"].tolist() == ["reach"]  # from the file name
    assert reading.fates["fate"].tolist() == ["skipped-structure", "skipped-structure", "kept"]
