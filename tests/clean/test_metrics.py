"""Social-media metric cleaning steps (evalkit.clean.metrics), worked by hand."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from evalkit import schemas
from evalkit.clean import metrics as m
from evalkit.readers.base import Context, InputError

D = dt.date


# --------------------------------------------------------------------------- names

def test_folded_names_and_the_first_column_keeps_a_canonical_name():
    assert m.fold_name("  Daily Page Consumptions By Type - link clicks ") == \
        "daily_page_consumptions_by_type_link_clicks"
    assert m.fold_name("Create Post") == "create_post"
    names = m.metric_names(
        ["Tweets published", "retweets", "favorites", "likes", "detail expands", "Detail Expands"],
        m.METRIC_MAPS["x-classic"])
    # "likes" would collide with "favorites" (already likes): it keeps its folded name,
    # which is taken too, so it is numbered
    assert names == ["posts", "reposts", "likes", "likes_2", "detail_expands", "detail_expands_2"]


def test_duplicate_header_labels_are_told_apart_by_their_descriptions_or_a_number():
    labels = m.header_labels(
        pd.Series(["Date", " Daily Logged-in Page Views", "Daily Logged-in Page Views", "X", "X"]),
        pd.Series(["", "Daily: views (Total Count)", "Daily: views (Unique Users)", "", ""]))
    assert labels == ["Date", "Daily Logged-in Page Views (Total Count)",
                      "Daily Logged-in Page Views (Unique Users)", "X", "X (2)"]


def test_names_worked_out_once_per_header_are_the_same_each_time_and_not_shared():
    header = ["Date", " Daily Logged-in Page Views", "Daily Logged-in Page Views", "X", "X"]
    qualifiers = ["", "Daily: views (Total Count)", "Daily: views (Unique Users)", "", ""]
    first = m.header_labels_of(header, qualifiers)
    assert first == m.header_labels(pd.Series(header), pd.Series(qualifiers))
    first.append("changed by a caller")
    assert m.header_labels_of(header, qualifiers) == ["Date", "Daily Logged-in Page Views (Total Count)",
                                                       "Daily Logged-in Page Views (Unique Users)", "X", "X (2)"]
    assert m.header_labels_of(header) == ["Date", "Daily Logged-in Page Views", "Daily Logged-in Page Views (2)",
                                          "X", "X (2)"]
    # the same columns under another map are named afresh
    columns = ["retweets", "favorites"]
    names = m.metric_names(columns, m.METRIC_MAPS["x-classic"])
    names.append("changed by a caller")
    assert m.metric_names(iter(columns), m.METRIC_MAPS["x-classic"]) == ["reposts", "likes"]
    assert m.metric_names(columns, {}) == ["retweets", "favorites"]
    assert m.metric_names(columns, {"favorites": "likes"}) == ["retweets", "likes"]


def test_blank_cells_of_datetime64_days_are_settled_as_for_date_objects():
    days = [dt.date(2024, 9, 4), dt.date(2024, 9, 5)]
    notes = []
    for given in (np.array(days, dtype=object), np.array(days, dtype="datetime64[D]")):
        values = np.array([[np.nan, 1.0], [np.nan, np.nan]])
        notes.append(m.fill_blank_cells(values, np.isnan(values), given, ["a", "b"], blank_is_zero=["a"],
                                        newest_day_incomplete=True))
        assert values.tolist()[0] == [0.0, 1.0] and np.isnan(values[1]).all()
    assert notes[0] == notes[1] == [
        "2 empty cell(s) on the newest day (2024-09-05) left out: not yet computed when the file was exported"]


def test_handles_lose_their_at_sign():
    assert m.strip_handle("@CllrJaneSmith") == "CllrJaneSmith"
    assert m.strip_handle("   ") is None


def test_account_from_a_pin_or_the_folder_else_a_clear_error():
    assert m.account_from_folder("p/metrics/@CllrAmy/Views.csv", Context(account="@Pinned"))[0] == "Pinned"
    assert m.account_from_folder("p/metrics/CllrAmy/Views.csv", Context())[0] == "CllrAmy"
    with pytest.raises(InputError, match="account:"):
        m.account_from_folder("p/Metrics/Views.csv", Context())
    with pytest.raises(InputError, match="account:"):
        m.account_from_folder("Views.csv", Context())


# --------------------------------------------------------------------------- values

def test_numbers_as_the_exports_write_them():
    numbers, unreadable = m.to_number(pd.Series(
        ["89.0", "1,234", "1,204.0", "7.874015748031496E-4", "12.5%", " 3 ", "-", "", None, "n/a", "12a", "1,23",
         "0.0", "-4"]))
    assert numbers.tolist()[:6] == [89.0, 1234.0, 1204.0, 1 / 1270, 0.125, 3.0]
    assert numbers.iloc[6:10].isna().all()
    assert unreadable.tolist() == [False] * 10 + [True, True, False, False]
    assert numbers.iloc[12:].tolist() == [0.0, -4.0]


def test_dates_with_a_format_and_the_ones_that_do_not_parse():
    dates, bad = m.parse_dates(pd.Series(["9/1/2022", "12/31/2022", "31/12/2022", None]), "%m/%d/%Y")
    assert dates.tolist() == [D(2022, 9, 1), D(2022, 12, 31), None, None]
    assert bad.tolist() == [False, False, True, True]


def test_blank_records_are_lines_with_nothing_in_them():
    cells = pd.DataFrame({0: ["2022-09-01", "", "  ", np.nan], 1: [3.0, np.nan, np.nan, np.nan], 2: ["a", "", None, ""]})
    assert m.blank_records(cells).tolist() == [False, True, True, True]


def test_cell_numbers_keep_parsed_columns_and_read_text_ones():
    days = pd.DataFrame({"likes": [3.0, np.nan, 1.0], "reach": ["1,204", "", "lots"]})
    values, blank, unreadable = m.cell_numbers(days, ["likes", "reach"])
    assert np.array_equal(values, np.array([[3.0, 1204.0], [np.nan, np.nan], [1.0, np.nan]]), equal_nan=True)
    assert blank.tolist() == [[False, False], [True, True], [False, False]]
    assert unreadable.tolist() == [[False, False], [False, False], [False, True]]


def test_melt_is_record_by_record_in_file_order_and_skips_empty_cells():
    days = pd.DataFrame({"source_row": [7, 9], "date": [D(2024, 1, 2), D(2024, 1, 1)]})
    long = m.melt_days(days, np.array([[np.nan, 2.0, 0.0], [5.0, np.nan, 1.0]]), ["a", "b", "c"])
    assert long.values.tolist() == [[7, D(2024, 1, 2), "b", 2.0], [7, D(2024, 1, 2), "c", 0.0],
                                    [9, D(2024, 1, 1), "a", 5.0], [9, D(2024, 1, 1), "c", 1.0]]


def test_a_day_exported_twice_is_merged_when_equal_and_quarantined_when_not():
    days = pd.DataFrame({"source_row": [2, 3, 4, 5], "date": ["d1", "d2", "d1", "d2"],
                         "likes": [1.0, 2.0, 1.0, 2.0], "reach": [np.nan, 5.0, np.nan, 6.0]})
    kept, settled = m.split_duplicate_days(days, ["likes", "reach"], source_file="f.csv")
    assert kept["source_row"].tolist() == [2, 3]
    assert settled["fate"].tolist() == ["merged", "quarantined"]
    # names file, row, column and both values
    assert settled["reason"].iloc[1] == "f.csv, row 5, column 'reach': '6' differs from '5' for the same day in row 3"


# --------------------------------------------------------------------------- daily_metrics

def _days():
    # a hand-made Facebook-like table: a total, a daily count and a breakdown
    return pd.DataFrame({
        "source_row": [3, 4, 5, 6, 7],
        "Date": ["9/1/2022", "9/2/2022", "9/3/2022", "not a day", "9/4/2022"],
        "Lifetime Total Likes": [100.0, np.nan, 103.0, 1.0, 104.0],
        "Daily New Likes": ["2", "1", "oops", "1", ""],
        "Daily Page Consumptions By Type - link clicks": [4.0, np.nan, 1.0, 1.0, np.nan],
    })


def test_daily_metrics_worked_by_hand():
    metrics, fates, notes = m.daily_metrics(
        _days(), date_column="Date", date_format="%m/%d/%Y", metric_map=m.METRIC_MAPS["facebook-insights"],
        source_file="fb.csv", platform="facebook", account="Page", pilot_id="suffolk",
        blank_is_zero=["Daily Page Consumptions By Type - link clicks"], newest_day_incomplete=True)
    got = {(r.date, r.metric): r.value for r in metrics.itertuples()}
    assert got == {
        (D(2022, 9, 1), "page_likes"): 100.0, (D(2022, 9, 1), "new_follows"): 2.0, (D(2022, 9, 1), "link_clicks"): 4.0,
        # 9/2: the total is blank (no row); the breakdown blank is 0
        (D(2022, 9, 2), "new_follows"): 1.0, (D(2022, 9, 2), "link_clicks"): 0.0,
        # 9/3: "oops" gives no row, the rest of the record is kept
        (D(2022, 9, 3), "page_likes"): 103.0, (D(2022, 9, 3), "link_clicks"): 1.0,
        # 9/4, the newest day: blanks are "not yet computed", even in the breakdown
        (D(2022, 9, 4), "page_likes"): 104.0,
    }
    assert metrics["source_row"].tolist() == [3, 3, 3, 4, 4, 5, 5, 7]
    assert fates["fate"].tolist() == ["kept", "kept", "quarantined", "quarantined", "kept"]
    assert fates["reason"].iloc[2] == "fb.csv, row 5, column 'Daily New Likes': not a number: 'oops'"
    assert fates["reason"].iloc[3].startswith("fb.csv, row 6, column 'Date': not a date")
    assert "2 empty cell(s) on the newest day (2022-09-04) left out" in " ".join(notes)
    assert "1 empty cell(s) gave no metric row" in " ".join(notes)
    assert schemas.validate("metrics", metrics) is metrics
    assert all(isinstance(d, dt.date) for d in metrics["date"])


def test_daily_metrics_with_a_name_from_the_title():
    days = pd.DataFrame({"source_row": [4, 5], "Date": ["2025-01-13T00:00:00", "2025-01-14T00:00:00"],
                         "Primary": [20.0, 0.0]})
    metrics, fates, _ = m.daily_metrics(days, date_column="Date", date_format="ISO8601", metric_map={},
                                        metric_names_of={"Primary": "views"}, source_file="Views.csv",
                                        platform="facebook", account="Page")
    assert metrics[["metric", "value"]].values.tolist() == [["views", 20.0], ["views", 0.0]]


# --------------------------------------------------------------------------- posts

def test_reply_rule_and_entities():
    assert m.reply_flag(pd.Series(["@A hi", " @A hi", ".@A hi", "hi @A", "@ alone", ""])).tolist() == \
        [True, False, False, False, False, False]
    # an escaped entity written literally stays literal: &amp;lt; is the text "&lt;"
    assert m.unescape_entities(pd.Series(["a &amp;lt; b", "&quot;x&quot; &#39;y&#39;", None], dtype="object")).tolist() == \
        ["a &lt; b", "\"x\" 'y'", None]


def test_repeated_posts_and_first_reasons():
    fate, reason = m.settle_repeated_posts(
        pd.Series(["1", "1", "2", "2"]), pd.DataFrame({"likes": [3, 3, 1, 1]}),
        pd.Series([None, None, "bad", None]), np.array([2, 3, 4, 5]), id_column="Post id", source_file="f.csv")
    # the bad record 4 does not count as the first of post 2: record 5 is kept
    assert fate.tolist() == ["kept", "merged", "quarantined", "kept"]
    assert reason[1] == "post 1 again, the same as row 2"


def test_post_counts_keep_parsed_columns_and_drop_empty_promoted_ones():
    records = pd.DataFrame({"source_row": [2, 3], "impressions": [10.0, 20.0], "promoted likes": ["-", "-"],
                            "promoted replies": ["-", "2"]})
    counts, problems = m.post_counts(records, ["impressions", "promoted likes", "promoted replies"],
                                     m.METRIC_MAPS["x-classic"], source_file="f.csv")
    assert list(counts) == ["impressions", "promoted_replies"]
    assert counts["promoted_replies"].tolist()[1] == 2.0
    assert problems.tolist() == [None, None]


# --------------------------------------------------------------------------- followers

def _flows(new, gone, start=D(2024, 9, 1), account="CllrJaneSmith", platform="x", pilot="solihull"):
    days = [start + dt.timedelta(days=i) for i in range(len(new))]
    rows = [(d, "new_follows", v) for d, v in zip(days, new) if v is not None] + \
           [(d, "unfollows", v) for d, v in zip(days, gone) if v is not None]
    return pd.DataFrame({"pilot_id": pilot, "source_file": "f.csv", "source_row": 2, "participant_id": None,
                         "platform": platform, "account": account, "date": [r[0] for r in rows],
                         "metric": [r[1] for r in rows], "value": [float(r[2]) for r in rows]})


def _followers(frame):
    found = frame[frame["metric"] == "followers"].sort_values("date")
    return dict(zip(found["date"], found["value"]))


def test_follower_totals_from_an_anchor_in_the_middle():
    # net: +2, -2, +5, +1; 100 at the end of 2 Sep
    out = m.follower_totals(_flows([3, 0, 5, 1], [1, 2, 0, 0]),
                            pd.DataFrame({"account": ["@cllrjanesmith"], "date": [D(2024, 9, 2)], "followers": [100]}))
    assert _followers(out) == {D(2024, 9, 1): 102.0, D(2024, 9, 2): 100.0, D(2024, 9, 3): 105.0, D(2024, 9, 4): 106.0}
    added = out[out["metric"] == "followers"]
    assert added["source_file"].isna().all() and added["pilot_id"].eq("solihull").all()
    assert schemas.validate("metrics", out.reset_index(drop=True)) is not None


def test_follower_totals_before_and_after_the_data_and_over_missing_days():
    # no row for 2 Sep (a file that leaves out quiet days): no change that day
    flows = _flows([3, None, 5], [1, None, 0])
    before = m.follower_totals(flows, pd.DataFrame({"account": ["CllrJaneSmith"], "date": [D(2024, 8, 20)],
                                                    "followers": [50]}))
    assert _followers(before) == {D(2024, 9, 1): 52.0, D(2024, 9, 2): 52.0, D(2024, 9, 3): 57.0}
    after = m.follower_totals(flows, pd.DataFrame({"account": ["CllrJaneSmith"], "date": [D(2024, 10, 1)],
                                                   "followers": [50]}))
    assert _followers(after) == {D(2024, 9, 1): 45.0, D(2024, 9, 2): 45.0, D(2024, 9, 3): 50.0}


def test_follower_totals_need_unfollows_an_anchor_and_keep_existing_totals():
    only_new = _flows([3, 1], [None, None])
    anchor = pd.DataFrame({"account": ["CllrJaneSmith"], "date": [D(2024, 9, 1)], "followers": [10]})
    assert _followers(m.follower_totals(only_new, anchor)) == {}
    assert _followers(m.follower_totals(only_new, anchor, require_unfollows=False)) == \
        {D(2024, 9, 1): 10.0, D(2024, 9, 2): 11.0}
    assert _followers(m.follower_totals(_flows([1], [0]), anchor.assign(account="someone else"))) == {}
    assert _followers(m.follower_totals(_flows([1], [0]), anchor.assign(platform="facebook"))) == {}
    existing = pd.concat([_flows([1, 1], [0, 0]), _flows([1], [0]).assign(metric="followers", value=99.0)])
    out = _followers(m.follower_totals(existing, anchor))
    assert out == {D(2024, 9, 1): 99.0, D(2024, 9, 2): 11.0}
