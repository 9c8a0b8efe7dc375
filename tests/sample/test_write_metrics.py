"""Metric export writers (evalkit.sample.formats.x_classic, x_premium, facebook, meta_suite):
what they write is what the readers read back, value for value and row for row."""

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from evalkit.readers import detect, read
from evalkit.readers.base import Context
from evalkit.sample.formats.facebook import write_facebook_insights
from evalkit.sample.formats.meta_suite import write_meta_suite
from evalkit.sample.formats.x_classic import java_double, write_x_daily_activity, write_x_tweet_activity
from evalkit.sample.formats.x_premium import write_x_account_content, write_x_account_overview, x_date

D = dt.date


def round_trip(path: Path, written, table: str) -> pd.DataFrame:
    """Read ``path`` back and check it against what the writer said it wrote."""
    assert detect(path) == written.format
    reading = read(path, Context(source_file=written.source_file))
    got = reading.tables[table].drop(columns=["pilot_id", "participant_id"]).reset_index(drop=True)
    expected = written.tables[table].drop(columns=["person_key"]).reset_index(drop=True)
    assert list(got.columns) == list(expected.columns)
    pd.testing.assert_frame_equal(got, expected)
    assert reading.fates["source_row"].tolist() == written.fates["source_row"].tolist()
    assert reading.fates["fate"].tolist() == written.fates["fate"].tolist()
    return got


texts = st.text(alphabet=st.sampled_from(list("ab @.&<>;#\"',\n\r\u00e9\U0001F389")), max_size=30)
tweets = st.lists(
    st.tuples(st.integers(1, 2**63 - 1), st.integers(0, 10 * 365 * 24 * 60), texts, st.booleans(),
              st.integers(0, 10**6), st.integers(0, 10**4), st.integers(0, 10**3)),
    min_size=1, max_size=12, unique_by=lambda t: t[0])


def _posts(rows) -> pd.DataFrame:
    return pd.DataFrame({
        "person_key": "SUF-07",
        "post_id": [str(r[0]) for r in rows],
        "timestamp": [pd.Timestamp("2015-01-01", tz="UTC") + pd.Timedelta(minutes=r[1]) for r in rows],
        "text": [r[2] for r in rows],
        "is_reply": [r[3] for r in rows],
        "impressions": [r[4] for r in rows],
        "engagements": [r[5] for r in rows],
        "likes": [r[6] for r in rows],
        "reposts": [r[6] // 3 for r in rows],
        "replies": [r[6] // 5 for r in rows],
        "profile_clicks": [r[5] // 7 for r in rows],
        "url_clicks": [r[5] // 11 for r in rows],
    })


@given(rows=tweets, legacy=st.booleans(), seed=st.integers(0, 99))
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_tweets_round_trip(tmp_path, rows, legacy, seed):
    posts = _posts(rows)
    path = tmp_path / "tweet_activity_metrics_CllrJaneSmith_20150101_20250101_en.csv"
    written = write_x_tweet_activity(path, source_file="suffolk/metrics/" + path.name, handle="@CllrJaneSmith",
                                     posts=posts, legacy_favorites=legacy, rng=np.random.default_rng(seed))
    got = round_trip(path, written, "posts")
    # what the writer promised: replies as flagged, ids as given, times in local time
    flagged = dict(zip(posts["post_id"], posts["is_reply"]))
    assert [flagged[i] for i in got["post_id"]] == got["is_reply"].tolist()
    assert sorted(got["post_id"]) == sorted(posts["post_id"])
    assert str(got["timestamp"].dt.tz) == "Europe/London"
    lines = path.read_bytes().decode("utf-8").split("\n")
    assert all(lines[row - 1].startswith('"') for row in written.fates["source_row"])  # every field quoted


def test_tweets_bytes_look_like_the_real_export(tmp_path):
    posts = _posts([(1573372036854775807, 1000, "Q&A <tonight>\nsee you", False, 1270, 1, 1),
                    (15, 2000, "@SuffolkCC thanks", True, 40, 2, 1)])
    path = tmp_path / "tweet_activity_metrics_CllrJaneSmith_20150101_20150201_en.csv"
    written = write_x_tweet_activity(path, source_file=path.name, handle="CllrJaneSmith", posts=posts,
                                     legacy_favorites=True, rng=np.random.default_rng(0))
    text = path.read_text(encoding="utf-8")
    assert text.startswith('"Tweet id","Tweet permalink","Tweet text","time","impressions","engagements",'
                           '"engagement rate","retweets","replies","favorites",')
    assert '"15","https://twitter.com/CllrJaneSmith/status/15","@SuffolkCC thanks","2015-01-02 09:20 +0000","40.0"' in text
    assert '"Q&amp;A &lt;tonight&gt;\nsee you"' in text and '"7.874015748031496E-4"' in text
    assert text.count('"-"') == 2 * 18
    assert written.fates["source_row"].tolist() == [1, 2, 3]  # newest first: the later tweet is on line 2
    assert "engagement rate in E-notation" in written.quirks


def test_java_doubles_parse_back_exactly():
    for value in (0.0, 0.04, 1e-4, 1 / 1270, 23 / 412, 2 / 3, 1e-10, 5.0):
        assert float(java_double(value)) == value
    assert java_double(1 / 1270) == "7.874015748031496E-4" and java_double(5.0) == "5.0"


days = st.lists(st.tuples(*[st.one_of(st.integers(0, 5000), st.none()) for _ in range(9)]), min_size=1, max_size=20)


def _daily(values, start=D(2022, 9, 1), columns=("posts", "impressions", "engagements", "likes", "reposts", "replies",
                                                 "profile_visits", "link_clicks", "new_follows")):
    return pd.DataFrame({
        "person_key": "SUF-07",
        "date": [start + dt.timedelta(days=i) for i in range(len(values))],
        **{c: pd.array([v[k] for v in values], dtype="Int64").astype("Float64").to_numpy(dtype=float, na_value=np.nan)
           for k, c in enumerate(columns)},
    })


@given(values=days, seed=st.integers(0, 99))
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_daily_tweet_activity_round_trip(tmp_path, values, seed):
    path = tmp_path / "daily_tweet_activity_metrics_CllrJaneSmith_20220901_20221001_en.csv"
    written = write_x_daily_activity(path, source_file=path.name, handle="CllrJaneSmith", daily=_daily(values),
                                     rng=np.random.default_rng(seed))
    got = round_trip(path, written, "metrics")
    assert set(got["metric"]) <= {"posts", "impressions", "engagements", "engagement_rate", "reposts", "replies", "likes",
                                  "profile_visits", "link_clicks", "hashtag_clicks", "detail_expands",
                                  "permalink_clicks", "app_opens", "app_installs", "new_follows", "email_tweet",
                                  "dial_phone", "media_views", "media_engagements"}
    given_values = {(d, "impressions"): v for d, v in zip(_daily(values)["date"], _daily(values)["impressions"])
                    if not np.isnan(v)}
    assert {(r.date, r.metric): r.value for r in got.itertuples() if r.metric == "impressions"} == given_values


@given(values=days, seed=st.integers(0, 99))
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_account_overview_round_trip(tmp_path, values, seed):
    folder = tmp_path / "CllrAmyPatel"
    folder.mkdir(exist_ok=True)
    path = folder / "account_overview_analytics.csv"
    daily = _daily(values, D(2024, 10, 20), ("impressions", "likes", "engagements", "new_follows", "unfollows",
                                             "replies", "reposts", "posts", "shares"))
    written = write_x_account_overview(path, source_file="solihull/metrics/CllrAmyPatel/" + path.name,
                                       account="@CllrAmyPatel", daily=daily, rng=np.random.default_rng(seed))
    got = round_trip(path, written, "metrics")
    assert got["account"].unique().tolist() == ["CllrAmyPatel"]
    raw = path.read_bytes()
    assert not raw.endswith(b"\n")
    assert raw.split(b"\n")[1].startswith(b'"' + x_date(daily["date"].max()).encode())  # newest first


def test_x_dates_are_not_zero_padded():
    assert x_date(D(2025, 3, 1)) == "Sat, Mar 1, 2025" and x_date(D(2024, 10, 27)) == "Sun, Oct 27, 2024"


@given(rows=tweets, seed=st.integers(0, 99))
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_account_content_round_trip(tmp_path, rows, seed):
    folder = tmp_path / "CllrAmyPatel"
    folder.mkdir(exist_ok=True)
    path = folder / "account_analytics_content_2015-01-01_2025-01-01.csv"
    posts = _posts(rows).drop(columns=["profile_clicks"])
    written = write_x_account_content(path, source_file=path.name, account="CllrAmyPatel", posts=posts,
                                      rng=np.random.default_rng(seed))
    got = round_trip(path, written, "posts")
    assert got["date_only"].all()
    assert (got["timestamp"].dt.hour == 0).all() and (got["timestamp"].dt.minute == 0).all()
    local_days = {str(i): t.tz_convert("Europe/London").date() for i, t in zip(posts["post_id"], posts["timestamp"])}
    assert [local_days[i] for i in got["post_id"]] == [t.date() for t in got["timestamp"]]


def _page_daily(n, start=D(2022, 9, 1), seed=0):
    rng = np.random.default_rng(seed)
    new = rng.integers(0, 8, n)
    gone = rng.integers(0, 3, n)
    return pd.DataFrame({"person_key": "SUF-02", "date": [start + dt.timedelta(days=i) for i in range(n)],
                         "page_likes": 1000 + np.cumsum(new - gone), "new_follows": new, "unfollows": gone,
                         "engagements": rng.integers(0, 80, n), "reach": rng.integers(100, 3000, n),
                         "impressions": rng.integers(3000, 6000, n), "views": rng.integers(0, 40, n)})


@pytest.mark.parametrize("encoding,start", [("utf-8", D(2022, 9, 1)), ("cp1252", D(2022, 10, 5)),
                                            ("cp1252", D(2022, 9, 1))])
@pytest.mark.parametrize("seed", [0, 1])
def test_facebook_round_trip(tmp_path, encoding, start, seed):
    daily = _page_daily(12, start, seed)
    path = tmp_path / f"Facebook Insights Data Export - Cllr Jane Smith - {start} - {start + dt.timedelta(days=11)}.csv"
    written = write_facebook_insights(path, source_file="suffolk/metrics/" + path.name, page="Cllr Jane Smith",
                                      daily=daily, encoding=encoding, rng=np.random.default_rng(seed))
    got = round_trip(path, written, "metrics")
    raw = path.read_bytes()
    lines = raw.decode(encoding).splitlines()
    assert lines[0].startswith("Date,Lifetime Total Likes,") and lines[1].startswith(",Lifetime: ")
    assert lines[0].count("Daily Logged-in Page Views,") == 2
    assert len(lines[0].split(",")) > 90
    assert (b"\r\n" in raw) == (encoding == "cp1252")
    # the given series come back under their canonical names; the newest day only has likes
    by_metric = got.pivot_table(index="date", columns="metric", values="value")
    newest = daily["date"].max()
    for metric in ("page_likes", "new_follows", "unfollows", "engagements", "reach", "impressions", "views"):
        expected = daily.set_index("date")[metric].astype(float)
        if metric in ("engagements", "reach", "impressions", "views"):
            assert np.isnan(by_metric.loc[newest, metric])
            expected = expected.drop(newest)
        assert by_metric[metric].dropna().to_dict() == expected.to_dict()
    assert by_metric.loc[newest].notna().sum() < by_metric.iloc[0].notna().sum()
    if encoding == "cp1252" and start.day + 11 > 12:
        assert lines[2].startswith(f"{start.day:02d}/{start.month:02d}/{start.year},")


@pytest.mark.parametrize("omit", [True, False])
def test_meta_suite_round_trip(tmp_path, omit):
    rng = np.random.default_rng(3)
    n = 20
    daily = pd.DataFrame({"person_key": "YH-04", "date": [D(2025, 1, 13) + dt.timedelta(days=i) for i in range(n)],
                          "views": rng.integers(0, 3, n), "new_follows": rng.integers(0, 2, n),
                          "reach": rng.integers(0, 50, n), "engagements": rng.integers(0, 5, n),
                          "link_clicks": [np.nan] + [1.0] * (n - 1), "profile_visits": rng.integers(0, 4, n)})
    folder = tmp_path / "metrics" / "Cllr Amy Patel"
    written = write_meta_suite(folder, source_dir="yorkshire-humber/metrics/Cllr Amy Patel", daily=daily,
                               omit_zero_days=omit, rng=rng)
    assert [Path(w.source_file).name for w in written] == ["Views.csv", "Follows.csv", "Reach.csv", "Interactions.csv",
                                                          "Link clicks.csv", "Visits.csv"]
    for w in written:
        path = folder / Path(w.source_file).name
        raw = path.read_bytes()
        assert raw.startswith(b"\xff\xfe") and raw[2:].decode("utf-16-le").startswith('sep=,\n"')
        got = round_trip(path, w, "metrics")
        metric = got["metric"].iloc[0] if len(got) else None
        if metric is not None:
            column = daily.set_index("date")[metric].astype(float).dropna()
            if omit:
                column = column[column != 0]
            assert got.set_index("date")["value"].to_dict() == column.to_dict()
            assert got["account"].unique().tolist() == ["Cllr Amy Patel"]
