"""X/Twitter classic analytics (evalkit.readers.x_classic), on hand-written fixtures.

tests/data/formats/x_classic/ (UTF-8, every field quoted):

* tweet_activity_metrics_CllrJaneSmith_20220901_20221001_en.csv — newest first; a reply
  whose text has a raw line break (lines 3-4); doubled quotes and ``&lt;`` in a text; an
  engagement rate in E-notation; 19-digit ids (one is 2^63-1, which a float rounds);
  ``.@handle`` at the start of a post that is not a reply; 18 promoted columns of ``-``.
* tweet_activity_metrics_cllr_bob_20210801_20210901_en.csv — an older export
  (``favorites``): a repeated tweet; a tweet id rounded to ``1.42988E+18`` by a
  spreadsheet whose permalink still holds it; ``1,204.0``; a blank line; ``&#39;``; a
  time re-saved as ``13/08/2021 09:00``; an E-notation id with no permalink; no final
  newline.
* daily_tweet_activity_metrics_CllrJaneSmith_20220901_20220905_en.csv — four days, one
  exported twice.
* daily_tweet_activity_metrics_cllr_bob_20210801_20210803_en.csv — re-saved with a UTF-8
  BOM; ``12a``, a day twice with different values, a date re-saved as ``Aug 3, 2021``, a
  trailing blank line.
"""

import csv
import datetime as dt
import io
import shutil
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from evalkit import schemas
from evalkit.readers import detect, read
from evalkit.readers import x_classic
from evalkit.readers.base import Context, InputError, read_csv_frame, sniff

DATA = Path(__file__).resolve().parents[1] / "data" / "formats"
TWEETS = DATA / "x_classic" / "tweet_activity_metrics_CllrJaneSmith_20220901_20221001_en.csv"
OLD_TWEETS = DATA / "x_classic" / "tweet_activity_metrics_cllr_bob_20210801_20210901_en.csv"
DAILY = DATA / "x_classic" / "daily_tweet_activity_metrics_CllrJaneSmith_20220901_20220905_en.csv"
MESSY_DAILY = DATA / "x_classic" / "daily_tweet_activity_metrics_cllr_bob_20210801_20210803_en.csv"
CONTEXT = Context(pilot_id="suffolk", source_file="suffolk/metrics/x.csv")


def at(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="Europe/London")


def test_both_layouts_are_detected_from_content_and_not_taken_for_others():
    assert detect(TWEETS) == detect(OLD_TWEETS) == "x-tweet-activity"
    assert detect(DAILY) == detect(MESSY_DAILY) == "x-daily-activity"
    for other in (DATA / "x_premium" / "CllrAmyPatel" / "account_overview_analytics.csv",
                  DATA / "meta_suite" / "Cllr Amy Patel" / "Views.csv",
                  next((DATA / "facebook").glob("*Jane Smith*"))):
        assert x_classic.detect(sniff(other)) is None
    raw = TWEETS.read_bytes()
    assert raw.startswith(b'"Tweet id","Tweet permalink","Tweet text","time"') and b'\r' not in raw


def test_tweets_worked_by_hand():
    reading = read(TWEETS, CONTEXT)
    posts = reading.tables["posts"]
    assert schemas.validate("posts", posts) is posts
    assert posts["source_row"].tolist() == [2, 3, 5, 6]  # the reply spans lines 3-4
    assert posts["post_id"].tolist() == ["1576283948573802497", "1575901234567890123",
                                         "1573372036854775807", "1570000000000000001"]
    # 2^63-1 survives as text; through a float it would have become ...5808
    assert str(int(float("1573372036854775807"))) != "1573372036854775807"
    assert posts["account"].unique().tolist() == ["CllrJaneSmith"]
    first = posts.iloc[0]
    assert first["likes"] == 11.0 and first["impressions"] == 412.0 and first["reposts"] == 2.0
    assert first["text"] == "Thanks to everyone who came to the ward surgery today & asked such good questions"
    # 18:05 UTC on 1 Oct 2022 is 19:05 British Summer Time
    assert first["timestamp"] == at("2022-10-01 19:05")
    assert posts["timestamp"].iloc[2] == at("2022-09-23 16:30")
    assert posts["text"].iloc[1] == ("@SuffolkHighways Pothole on Church Lane reported again - any update?\n"
                                     "Photo from this morning below")
    assert posts["text"].iloc[2] == 'Great "digital footprint" workshop in Ipswich today <3 Slides: https://t.co/AbC123xyz'
    assert posts["is_reply"].tolist() == [False, True, False, False]  # ".@CllrBob" is not a reply
    assert posts["engagement_rate"].iloc[2] == 1 / 1270  # written 7.874015748031496E-4
    assert posts["profile_visits"].tolist() == [4.0, 1.0, 0.0, 2.0]
    assert posts["url"].iloc[3] == "https://twitter.com/CllrJaneSmith/status/1570000000000000001"
    assert not any(c.startswith("promoted") for c in posts.columns)  # only "-" in them
    assert reading.fates["source_row"].tolist() == [1, 2, 3, 5, 6]
    assert reading.fates["fate"].tolist() == ["skipped-structure", "kept", "kept", "kept", "kept"]
    assert reading.fates["source_file"].eq("suffolk/metrics/x.csv").all()


def test_times_are_given_in_the_programme_time_zone():
    posts = read(TWEETS, Context(timezone="America/New_York")).tables["posts"]
    assert posts["timestamp"].iloc[0] == pd.Timestamp("2022-10-01 14:05", tz="America/New_York")
    assert str(posts["timestamp"].dt.tz) == "America/New_York"


def test_older_export_with_favorites_and_spreadsheet_damage():
    reading = read(OLD_TWEETS, Context(source_file="b.csv"))
    posts = reading.tables["posts"].set_index("source_row")
    assert posts.index.tolist() == [2, 4, 5, 7]
    assert posts.loc[2, "likes"] == 2.0  # "favorites"
    assert posts.loc[4, "post_id"] == "1429876543210987654"  # 1.42988E+18, taken from the permalink
    assert posts.loc[5, "impressions"] == 1204.0  # "1,204.0"
    assert posts.loc[5, "text"] == "Summer fair on the green 🎉 thank you volunteers"
    assert posts.loc[7, "text"] == "@SuffolkCC Thanks - I'll pass this on to residents" and posts.loc[7, "is_reply"]
    fates = reading.fates.set_index("source_row")
    assert fates["fate"].to_dict() == {1: "skipped-structure", 2: "kept", 3: "merged", 4: "kept", 5: "kept",
                                       6: "skipped-structure", 7: "kept", 8: "quarantined", 9: "quarantined"}
    assert fates.loc[8, "reason"] == ("b.csv, row 8, column 'time': not a time like '2021-08-31 19:53 +0000': "
                                      "'13/08/2021 09:00'")
    assert "b.csv, row 9, column 'Tweet id'" in fates.loc[9, "reason"] and "'1.4255E+18'" in fates.loc[9, "reason"]
    assert any("taken from the tweet permalink" in n for n in reading.notes)


def test_daily_worked_by_hand():
    reading = read(DAILY, CONTEXT)
    metrics = reading.tables["metrics"]
    assert schemas.validate("metrics", metrics) is metrics
    assert len(metrics) == 4 * 19  # 19 columns with numbers; the promoted ones hold "-"
    value = {(r.date, r.metric): r.value for r in metrics.itertuples()}
    assert value[(dt.date(2022, 9, 4), "impressions")] == 3974.0
    assert value[(dt.date(2022, 9, 1), "posts")] == 2.0  # "Tweets published"
    assert value[(dt.date(2022, 9, 1), "new_follows")] == 1.0  # "follows"
    assert value[(dt.date(2022, 9, 4), "profile_visits")] == 10.0  # "user profile clicks"
    assert value[(dt.date(2022, 9, 3), "engagement_rate")] == 1 / 1270
    assert value[(dt.date(2022, 9, 4), "detail_expands")] == 36.0
    assert metrics["account"].unique().tolist() == ["CllrJaneSmith"]  # from the file name
    assert metrics["platform"].unique().tolist() == ["x"]
    assert reading.fates["fate"].tolist() == ["skipped-structure", "kept", "kept", "kept", "merged", "kept"]
    assert set(metrics["source_row"]) == {2, 3, 4, 6}


def test_messy_daily_quarantines_with_file_row_column_and_value():
    assert MESSY_DAILY.read_bytes().startswith(b"\xef\xbb\xbf")
    reading = read(MESSY_DAILY, Context(source_file="m.csv"))
    assert "encoding: utf-8-sig with BOM" in reading.notes
    fates = reading.fates.set_index("source_row")
    assert fates["fate"].to_dict() == {1: "skipped-structure", 2: "kept", 3: "quarantined", 4: "quarantined",
                                       5: "quarantined", 6: "skipped-structure"}
    assert fates.loc[3, "reason"] == "m.csv, row 3, column 'impressions': not a number: '12a'"
    assert fates.loc[4, "reason"] == "m.csv, row 4, column 'impressions': '310' differs from '300' for the same day in row 2"
    assert fates.loc[5, "reason"].startswith("m.csv, row 5, column 'Date': not a date") and "'Aug 3, 2021'" in fates.loc[5, "reason"]
    metrics = reading.tables["metrics"]
    # row 2 gives 19 values; row 3 gives the 18 it can read; rows 4 and 5 give none
    assert metrics.groupby("source_row").size().to_dict() == {2: 19, 3: 18}


def test_account_from_the_file_name_then_a_pin(tmp_path):
    renamed = tmp_path / "export.csv"
    shutil.copy(DAILY, renamed)
    with pytest.raises(InputError, match="account:"):
        read(renamed)
    assert read(renamed, Context(account="@CllrJaneSmith")).tables["metrics"]["account"].iloc[0] == "CllrJaneSmith"
    # per tweet, the permalinks name the account whatever the file is called
    tweets = tmp_path / "tweets.csv"
    shutil.copy(TWEETS, tweets)
    assert read(tweets).tables["posts"]["account"].iloc[0] == "CllrJaneSmith"


def test_a_missing_column_is_named(tmp_path):
    broken = tmp_path / "tweet_activity_metrics_A_20220101_20220201_en.csv"
    broken.write_text('"Tweet id","Tweet permalink","Tweet text","impressions"\n"1","https://twitter.com/A/status/1","x","2"\n')
    with pytest.raises(InputError, match="'time'"):
        read(broken, format="x-tweet-activity")


def test_ten_thousand_tweets_read_quickly(tmp_path):
    from evalkit.sample.formats.x_classic import write_x_tweet_activity

    rng = np.random.default_rng(5)
    n = 10_000
    posts = pd.DataFrame({
        "person_key": "SUF-01", "post_id": [str(1_500_000_000_000_000_000 + 7919 * i) for i in range(n)],
        "timestamp": pd.Timestamp("2022-01-01", tz="UTC") + pd.to_timedelta(rng.integers(0, 525_600, n), unit="min"),
        "text": [f"Ward update {i} &\nmore" for i in range(n)], "is_reply": rng.random(n) < 0.3,
        **{c: rng.integers(0, 500, n) for c in ("impressions", "engagements", "likes", "reposts", "replies",
                                                   "profile_clicks", "url_clicks")},
    })
    path = tmp_path / "tweet_activity_metrics_A_20220101_20221231_en.csv"
    write_x_tweet_activity(path, source_file=path.name, handle="A", posts=posts, rng=rng)
    start = time.process_time()
    reading = read(path)
    assert time.process_time() - start < 1.0
    assert len(reading.tables["posts"]) == n and reading.tables["posts"]["post_id"].iloc[-1].startswith("15")


# read_csv_frame (evalkit.readers.base) is the fast path these readers stand on
field = st.text(alphabet=st.sampled_from(list('ab1 ,"\n\u00e9')), max_size=6)


@given(st.lists(st.one_of(st.lists(field, min_size=2, max_size=2), st.just(None)), min_size=1, max_size=12),
       st.integers(0, 3), st.one_of(st.none(), st.integers(1, 4)))
@settings(max_examples=150, deadline=None)
def test_fast_records_are_the_written_ones_on_their_lines(records, skip, most):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    starts, line = [], 1
    for record in records:
        before = buffer.tell()
        if record is None:
            buffer.write("\n")
        else:
            writer.writerow(record)
        starts.append(line)
        line += buffer.getvalue()[before:].count("\n")
    cells, lines = read_csv_frame(buffer.getvalue(), skip_records=skip, max_records=most)
    wanted = slice(skip, None if most is None else skip + most)
    assert lines.tolist() == starts[wanted]
    expected = [r if r is not None else ["", ""] for r in records][wanted]
    if expected and cells.shape[1]:
        assert [[str(c) for c in row] for row in cells.values.tolist()] == \
            [r + [""] * (cells.shape[1] - len(r)) for r in expected]
