"""X Premium analytics (evalkit.readers.x_premium), on hand-written fixtures.

tests/data/formats/x_premium/:

* CllrAmyPatel/account_overview_analytics.csv — five days, newest first, dates like
  ``"Fri, Mar 21, 2025"``, no final newline; the account is the folder's name.
* CllrAmyPatel/account_analytics_content_2025-03-17_2025-03-21.csv — four posts, minimal
  quoting, a reply, a text with a raw line break and ``&amp;`` (lines 4-5).
* metrics/account_overview_analytics.csv — straight in ``metrics/``: no account.
"""

import datetime as dt
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evalkit import schemas
from evalkit.clean.metrics import follower_totals
from evalkit.readers import detect, read
from evalkit.readers import x_premium
from evalkit.readers.base import Context, InputError, sniff

DATA = Path(__file__).resolve().parents[1] / "data" / "formats"
OVERVIEW = DATA / "x_premium" / "CllrAmyPatel" / "account_overview_analytics.csv"
CONTENT = DATA / "x_premium" / "CllrAmyPatel" / "account_analytics_content_2025-03-17_2025-03-21.csv"
LOOSE = DATA / "x_premium" / "metrics" / "account_overview_analytics.csv"
D = dt.date


def test_detected_from_content_and_not_taken_for_others():
    assert detect(OVERVIEW) == detect(LOOSE) == "x-account-overview"
    assert detect(CONTENT) == "x-account-content"
    for other in (DATA / "x_classic" / "daily_tweet_activity_metrics_CllrJaneSmith_20220901_20220905_en.csv",
                  next((DATA / "facebook").glob("*Jane Smith*")), DATA / "meta_suite" / "Cllr Amy Patel" / "Views.csv"):
        assert x_premium.detect(sniff(other)) is None
    assert not OVERVIEW.read_bytes().endswith(b"\n")


def test_overview_worked_by_hand():
    reading = read(OVERVIEW, Context(pilot_id="solihull", source_file="solihull/metrics/CllrAmyPatel/o.csv"))
    metrics = reading.tables["metrics"]
    assert schemas.validate("metrics", metrics) is metrics
    assert len(metrics) == 5 * 13
    value = {(r.date, r.metric): r.value for r in metrics.itertuples()}
    assert value[(D(2025, 3, 21), "impressions")] == 2871.0  # the first row: newest first
    assert value[(D(2025, 3, 17), "new_follows")] == 5.0 and value[(D(2025, 3, 17), "unfollows")] == 1.0
    assert value[(D(2025, 3, 17), "posts")] == 3.0  # "Create Post"
    assert value[(D(2025, 3, 17), "media_views")] == 40.0  # the last cell of a file with no final newline
    assert value[(D(2025, 3, 18), "impressions")] == 0.0
    assert metrics.loc[metrics["date"] == D(2025, 3, 21), "source_row"].unique().tolist() == [2]
    assert metrics["account"].unique().tolist() == ["CllrAmyPatel"]
    assert reading.fates["fate"].tolist() == ["skipped-structure"] + ["kept"] * 5
    assert "followers" not in set(metrics["metric"])


def test_follower_totals_from_the_overview_and_a_known_count():
    metrics = read(OVERVIEW, Context(pilot_id="solihull")).tables["metrics"]
    # net follows: 17th +4, 18th -1, 19th +1, 20th 0, 21st +1; 250 at the end of the 18th
    out = follower_totals(metrics, pd.DataFrame({"account": ["@CllrAmyPatel"], "date": [D(2025, 3, 18)],
                                                 "followers": [250]}))
    followers = out[out["metric"] == "followers"].set_index("date")["value"].to_dict()
    assert followers == {D(2025, 3, 17): 251.0, D(2025, 3, 18): 250.0, D(2025, 3, 19): 251.0,
                         D(2025, 3, 20): 251.0, D(2025, 3, 21): 252.0}


def test_the_account_comes_from_a_pin_or_the_folder_never_from_nowhere():
    with pytest.raises(InputError, match="account:"):
        read(LOOSE)
    reading = read(LOOSE, Context(account="@CllrBob"))
    assert reading.tables["metrics"]["account"].unique().tolist() == ["CllrBob"]
    assert reading.tables["metrics"]["date"].min() == D(2025, 3, 1)  # "Sat, Mar 1, 2025"
    assert read(OVERVIEW, Context(account="Pinned")).tables["metrics"]["account"].iloc[0] == "Pinned"


def test_content_worked_by_hand():
    reading = read(CONTENT, Context(account="SomeoneElse"))
    posts = reading.tables["posts"]
    assert schemas.validate("posts", posts) is posts
    assert posts["source_row"].tolist() == [2, 3, 4, 6]
    assert posts["post_id"].tolist() == ["1902789012345678901", "1902456789012345678", "1901987654321098765",
                                         "1901234567890123456"]
    assert posts["account"].unique().tolist() == ["CllrAmyPatel"]  # the post links win over a pin
    assert any("differs from the handle in the post links" in n for n in reading.notes)
    assert posts["timestamp"].tolist() == [pd.Timestamp(f"2025-03-{d} 00:00", tz="Europe/London") for d in (21, 20, 19, 17)]
    assert posts["date_only"].all()
    assert posts["text"].iloc[2] == "Budget Q&A tonight:\nbring your questions"
    assert posts["is_reply"].tolist() == [False, True, False, False]
    first = posts.iloc[0]
    assert (first["impressions"], first["likes"], first["engagements"], first["reposts"], first["replies"]) == \
        (1480.0, 14.0, 25.0, 1.0, 1.0)
    assert (first["bookmarks"], first["new_follows"], first["detail_expands"], first["link_clicks"]) == (1.0, 2.0, 4.0, 0.0)
    assert reading.fates["fate"].tolist() == ["skipped-structure"] + ["kept"] * 4


def test_content_problems_are_quarantined(tmp_path):
    folder = tmp_path / "CllrAmyPatel"
    folder.mkdir()
    path = folder / "account_analytics_content_2025-03-01_2025-03-02.csv"
    path.write_text(
        "Post id,Date,Post text,Post Link,Impressions,Likes,Engagements,Bookmarks,Shares,New follows,Replies,"
        "Reposts,Profile visits,Detail Expands,URL Clicks,Hashtag Clicks,Permalink Clicks\n"
        "1896000000000000001,\"Sun, Mar 2, 2025\",Hello,,10,1,2,0,0,0,0,0,0,0,0,0,0\n"
        "1.896E+18,\"Sun, Mar 2, 2025\",Bye,,10,1,2,0,0,0,0,0,0,0,0,0,0\n"
        "1896000000000000003,\"2 March\",Again,,10,1,2,0,0,0,0,0,0,0,0,0,0\n"
        "1896000000000000001,\"Sun, Mar 2, 2025\",Hello,,12,1,2,0,0,0,0,0,0,0,0,0,0\n"
    )
    reading = read(path, Context(source_file="c.csv"))
    fates = reading.fates.set_index("source_row")
    assert fates["fate"].to_dict() == {1: "skipped-structure", 2: "kept", 3: "quarantined", 4: "quarantined",
                                       5: "quarantined"}
    assert fates.loc[3, "reason"] == "c.csv, row 3, column 'Post id': not a post id: '1.896E+18'"
    assert fates.loc[4, "reason"] == "c.csv, row 4, column 'Date': not a date like 'Fri, Mar 21, 2025': '2 March'"
    assert "already read from row 2 with different values" in fates.loc[5, "reason"]
    assert reading.tables["posts"]["account"].tolist() == ["CllrAmyPatel"]  # no links: the folder


def test_two_years_of_days_read_quickly(tmp_path):
    from evalkit.sample.formats.x_premium import write_x_account_overview

    rng = np.random.default_rng(2)
    days = pd.date_range("2023-01-01", periods=730)
    daily = pd.DataFrame({"person_key": "SOL-01", "date": days,
                          **{c: rng.integers(0, 300, len(days)) for c in
                             ("impressions", "likes", "engagements", "new_follows", "unfollows", "replies",
                              "reposts", "posts")}})
    folder = tmp_path / "CllrAmyPatel"
    folder.mkdir()
    path = folder / "account_overview_analytics.csv"
    write_x_account_overview(path, source_file=path.name, account="CllrAmyPatel", daily=daily, rng=rng)
    start = time.process_time()
    reading = read(path)
    assert time.process_time() - start < 1.0
    assert len(reading.tables["metrics"]) == 730 * 13
