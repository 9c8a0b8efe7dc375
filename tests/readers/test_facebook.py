"""Facebook Page Insights legacy export (evalkit.readers.facebook), on hand-written fixtures.

tests/data/formats/facebook/:

* ``Facebook Insights Data Export - Cllr Jane Smith - 2022-09-01 - 2022-09-05.csv`` —
  UTF-8; 17 metric columns: two ``Daily Logged-in Page Views`` (total count, unique
  users), six breakdowns (one with commas in its name), a description row; empty
  breakdown cells on 9/2 and 9/3, an empty weekly total on 9/2, and a newest day (9/5)
  where only the page likes, new likes and unlikes are filled in.
* ``Facebook Insights Data Export - Cllr Siân O'Neill - 2022-10-13 - 2022-10-15.csv`` —
  re-saved in Excel: Windows-1252 (a curly apostrophe), CRLF, day-first dates
  (``13/10/2022``), ``"1,204"``.
"""

import datetime as dt
import shutil
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from evalkit import schemas
from evalkit.readers import detect, read
from evalkit.readers import facebook
from evalkit.readers.base import Context, InputError, sniff

DATA = Path(__file__).resolve().parents[1] / "data" / "formats"
JANE = DATA / "facebook" / "Facebook Insights Data Export - Cllr Jane Smith - 2022-09-01 - 2022-09-05.csv"
SIAN = DATA / "facebook" / "Facebook Insights Data Export - Cllr Si\u00e2n O'Neill - 2022-10-13 - 2022-10-15.csv"
D = dt.date


def values(reading):
    return {(r.date, r.metric): r.value for r in reading.tables["metrics"].itertuples()}


def test_detected_from_content_and_not_taken_for_others():
    assert detect(JANE) == detect(SIAN) == "facebook-insights"
    for other in (DATA / "x_classic" / "daily_tweet_activity_metrics_CllrJaneSmith_20220901_20220905_en.csv",
                  DATA / "x_premium" / "CllrAmyPatel" / "account_overview_analytics.csv",
                  DATA / "meta_suite" / "Cllr Amy Patel" / "Views.csv"):
        assert facebook.detect(sniff(other)) is None


def test_export_worked_by_hand():
    reading = read(JANE, Context(pilot_id="suffolk"))
    metrics = reading.tables["metrics"]
    assert schemas.validate("metrics", metrics) is metrics
    # 17 columns a day; 9/2 lacks the weekly total; 9/5 has 3 values
    assert len(metrics) == 17 + 16 + 17 + 17 + 3
    got = values(reading)
    assert got[(D(2022, 9, 1), "reach")] == 512.0
    assert got[(D(2022, 9, 1), "page_likes")] == 1180.0
    assert got[(D(2022, 9, 1), "new_follows")] == 4.0 and got[(D(2022, 9, 1), "unfollows")] == 1.0
    assert got[(D(2022, 9, 1), "engagements")] == 37.0 and got[(D(2022, 9, 1), "impressions")] == 1290.0
    # the two "Daily Logged-in Page Views" do not collide
    assert got[(D(2022, 9, 1), "views")] == 21.0
    assert got[(D(2022, 9, 1), "daily_logged_in_page_views_unique_users")] == 14.0
    assert got[(D(2022, 9, 1), "link_clicks")] == 9.0
    assert got[(D(2022, 9, 1), "lifetime_likes_by_city_ipswich_england_united_kingdom")] == 212.0
    # empty breakdown cells are 0 ...
    assert got[(D(2022, 9, 2), "link_clicks")] == 0.0
    assert got[(D(2022, 9, 3), "daily_total_frequency_distribution_1")] == 0.0
    # ... an empty total is not
    assert (D(2022, 9, 2), "weekly_page_engaged_users") not in got
    # the newest day: not yet computed, even in breakdowns
    assert got[(D(2022, 9, 5), "page_likes")] == 1192.0
    assert (D(2022, 9, 5), "reach") not in got and (D(2022, 9, 5), "link_clicks") not in got
    assert any("14 empty cell(s) on the newest day (2022-09-05)" in n for n in reading.notes)
    assert metrics["account"].unique().tolist() == ["Cllr Jane Smith"]
    assert reading.fates["fate"].tolist() == ["skipped-structure"] * 2 + ["kept"] * 5
    assert reading.fates["reason"].iloc[1] == "second header row (metric descriptions)"
    assert any(n == "encoding: utf-8" for n in reading.notes)


def test_excel_resaved_export():
    raw = SIAN.read_bytes()
    assert b"\x92" in raw and b"\r\n" in raw  # cp1252 curly apostrophe, CRLF
    reading = read(SIAN)
    got = values(reading)
    assert got[(D(2022, 10, 13), "page_likes")] == 1204.0  # "1,204", day-first date
    assert got[(D(2022, 10, 13), "impressions")] == 1530.0
    assert got[(D(2022, 10, 14), "link_clicks")] == 0.0
    assert got[(D(2022, 10, 15), "page_likes")] == 1209.0 and (D(2022, 10, 15), "reach") not in got
    assert len(got) == 7 + 7 + 3
    assert reading.tables["metrics"]["account"].iloc[0] == "Cllr Si\u00e2n O'Neill"
    assert any("cp1252" in n for n in reading.notes)
    assert any("day/month/year" in n and "13" in n for n in reading.notes)


def test_page_from_the_file_name_then_a_pin(tmp_path):
    renamed = tmp_path / "insights.csv"
    shutil.copy(JANE, renamed)
    with pytest.raises(InputError, match="account:"):
        read(renamed)
    assert read(renamed, Context(account="Cllr Jane Smith")).tables["metrics"]["account"].iloc[0] == "Cllr Jane Smith"


def test_an_unreadable_cell_and_a_bad_date_are_quarantined(tmp_path):
    path = tmp_path / "Facebook Insights Data Export - Page - 2022-09-01 - 2022-09-03.csv"
    path.write_text("Date,Lifetime Total Likes,Daily Total Reach\n"
                    ",Lifetime: likes (Unique Users),Daily: reach (Unique Users)\n"
                    "9/1/2022,10,5\n9/2/2022,11,five\n9/31/2022,12,6\n9/3/2022,12,7\n")
    reading = read(path, Context(source_file="fb.csv"))
    fates = reading.fates.set_index("source_row")
    assert fates["fate"].to_dict() == {1: "skipped-structure", 2: "skipped-structure", 3: "kept", 4: "quarantined",
                                       5: "quarantined", 6: "kept"}
    assert fates.loc[4, "reason"] == "fb.csv, row 4, column 'Daily Total Reach': not a number: 'five'"
    assert "row 5, column 'Date'" in fates.loc[5, "reason"] and "'9/31/2022'" in fates.loc[5, "reason"]
    assert values(reading)[(D(2022, 9, 2), "page_likes")] == 11.0  # the readable cell is kept


@pytest.mark.slow
def test_two_years_of_two_thousand_columns(tmp_path):
    rng = np.random.default_rng(4)
    days = [D(2021, 1, 1) + dt.timedelta(days=i) for i in range(730)]
    names = ["Date", "Lifetime Total Likes"] + [f"Daily Page Stories By Story Type - part {i}" for i in range(2000)]
    cells = rng.integers(0, 40, (730, 2000)).astype(str)
    cells[cells == "0"] = ""
    lines = [",".join(names), ",Lifetime: likes (Unique Users)," + ",".join(["Daily: stories (Total Count)"] * 2000)]
    lines += [f"{d.month}/{d.day}/{d.year},{1000 + i}," + ",".join(row) for i, (d, row) in enumerate(zip(days, cells))]
    path = tmp_path / "Facebook Insights Data Export - Page - 2021-01-01 - 2022-12-31.csv"
    path.write_text("\n".join(lines) + "\n")
    start = time.process_time()
    reading = read(path)
    elapsed = time.process_time() - start
    metrics = reading.tables["metrics"]
    # every cell gives a row but the newest day's empty breakdown cells
    assert len(metrics) == 730 * 2001 - int((cells[-1] == "").sum())
    assert metrics["value"].sum() == float(sum(1000 + i for i in range(730))
                                           + np.where(cells == "", "0", cells).astype(int).sum())
    assert elapsed < 4.0


def test_a_blank_line_before_the_first_day(tmp_path):
    path = tmp_path / "Facebook Insights Data Export - Page - 2022-09-01 - 2022-09-02.csv"
    path.write_text("Date,Lifetime Total Likes,Daily Total Reach\n"
                    ",Lifetime: likes (Unique Users),Daily: reach (Unique Users)\n"
                    "\n9/1/2022,10,5\n9/2/2022,11,6\n")
    reading = read(path)
    assert reading.fates["fate"].tolist() == ["skipped-structure"] * 3 + ["kept"] * 2
    assert values(reading) == {(D(2022, 9, 1), "page_likes"): 10.0, (D(2022, 9, 1), "reach"): 5.0,
                               (D(2022, 9, 2), "page_likes"): 11.0, (D(2022, 9, 2), "reach"): 6.0}


@pytest.mark.parametrize("cells", [
    ["7/1/2024", "7/13/2024"],  # 13 second: month-first
    ["13/7/2024", "1/8/2024"],  # 13 first: day-first
    ["7/1/2024", "8/1/2024"],  # either way: the export's own order
    [" 2024-07-01", "2024-07-02 "],  # ISO
    ["7/1/24", "7/2/24", "7/3/2024"],  # mostly two-digit years
    ["7/1/24", "7/2/2024"],  # half four-digit years
    ["7/1/2024", "7/1/2024", "13/1/2024"],  # a repeated date, and orders that contradict
    ["Jul 1 2024", "7/2/2024"],  # a date that is not numeric
    ["", "7/2/2024"],  # an empty cell
])
def test_the_fast_lane_decides_the_date_format_as_the_general_lane_does(cells):
    assert facebook._date_format_arrow(pa.array(cells)) == facebook._date_format(pd.Series(cells, dtype="object"))


def test_the_date_format_of_a_column_with_an_odd_character_is_left_to_the_general_lane():
    assert facebook._date_format_arrow(pa.array(["7/1/2024", "7/\u0663/2024"])) is None
    assert facebook._date_format_arrow(pa.array(["7/1/2024", None])) is None
