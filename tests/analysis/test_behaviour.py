"""Behaviour: periods, weekly series, cohort change, difference in differences, trends, dose.

A hand-written pilot "north" with short windows (2 weeks before, 2 after):
sessions Mon 4 Mar and Sun 10 Mar 2024, so
    before  19 Feb - 3 Mar   (week -2: 19-25 Feb, week -1: 26 Feb - 3 Mar)
    during   4 Mar - 10 Mar
    after   11 Mar - 24 Mar  (week 1: 11-17 Mar, week 2: 18-24 Mar)

person  group       data                           posts a week        replies     engagement  new followers a week
C1      cohort      daily metrics every day        1 -> 3 (+2)         0/2 -> 3/6  .05 -> .10  (2-1)/2 wk = .5 -> 3
                    + per-post export
C2      cohort      per-post export only           2 -> 2 (0)          1/4 -> 2/4  .02 -> .04  -
C3      cohort      daily metrics with a gap       2 posts / 10 days   -           -           followers total +1 a day:
                    (no rows 29 Feb - 3 Mar)       = 1.4 -> 3.5 (+2.1)                         7 -> 7 (during 11: +5 over the gap)
C4      cohort      daily metrics                  1 -> 1 (0)          -           -           -
K1      comparison  daily metrics                  1 -> 1 (0)
K2      comparison  daily metrics                  2 -> 3 (+1)
O1      officer     daily metrics (in period values, not in the analyses)
and an account not linked to anyone (ignored).
Sessions attended: C1 2, C2 1, C3 1 (register + Zoom, counted once), C4 0.
"""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from evalkit.analysis import behaviour
from evalkit.stats import paired_change

ZONE = "Europe/London"
WINDOW = dict(before_weeks=2, after_weeks=2)
START, END = dt.date(2024, 2, 19), dt.date(2024, 3, 24)


def days(first=START, last=END):
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def d(text):
    return dt.date.fromisoformat(text)


POSTING = {  # days with one post, for the accounts with daily metrics
    "C1": ["2024-02-19", "2024-02-26", "2024-03-11", "2024-03-12", "2024-03-13", "2024-03-18",
           "2024-03-19", "2024-03-20"],
    "C3": ["2024-02-21", "2024-02-27", "2024-03-11", "2024-03-12", "2024-03-13", "2024-03-14",
           "2024-03-18", "2024-03-19", "2024-03-20"],
    "C4": ["2024-02-19", "2024-02-26", "2024-03-11", "2024-03-18"],
    "K1": ["2024-02-19", "2024-02-26", "2024-03-11", "2024-03-18"],
    "K2": ["2024-02-19", "2024-02-20", "2024-02-26", "2024-02-27", "2024-03-11", "2024-03-12",
           "2024-03-13", "2024-03-18", "2024-03-19", "2024-03-20"],
    "O1": ["2024-02-19", "2024-03-11"],
}


@pytest.fixture
def sessions():
    return pd.DataFrame({"pilot_id": ["north", "north"], "session_id": ["s1", "s2"],
                         "kind": ["workshop", "workshop"], "date": [d("2024-03-04"), d("2024-03-10")],
                         "start": [None, None], "mode": ["in-person", "online"]})


@pytest.fixture
def participants():
    return pd.DataFrame({
        "pilot_id": "north",
        "participant_id": ["C1", "C2", "C3", "C4", "K1", "K2", "O1"],
        "display_name": ["Cal One", "Cat Two", "Cy Three", "Col Four", "Kay One", "Kit Two", "Olu Officer"],
        "role": ["councillor"] * 6 + ["officer"],
        "in_cohort": [True, True, True, True, False, False, False],
        "comparison": [False, False, False, False, True, True, False],
    })


@pytest.fixture
def metrics():
    rows = []
    for person, posting in POSTING.items():
        posting = {d(x) for x in posting}
        observed = days()
        if person == "C3":  # no rows from 29 Feb to 3 Mar
            observed = [x for x in observed if not d("2024-02-29") <= x <= d("2024-03-03")]
        for day in observed:
            posts = 1.0 if day in posting else 0.0
            rows.append((person, day, "posts", posts))
            if person == "C1":
                rows.append((person, day, "impressions", 100 * posts))
                rows.append((person, day, "engagements", (10 if day > d("2024-03-10") else 5) * posts))
                rows.append((person, day, "new_follows", posts))
            if person == "C3":
                rows.append((person, day, "followers", 100.0 + (day - START).days))
    rows.append(("C1", d("2024-02-20"), "unfollows", 1.0))
    rows += [(None, day, "posts", 5.0) for day in days()]  # an account nobody is linked to
    frame = pd.DataFrame(rows, columns=["participant_id", "date", "metric", "value"])
    frame.insert(0, "pilot_id", "north")
    frame["platform"] = "x"
    frame["account"] = frame["participant_id"].fillna("someone_else")
    return frame


@pytest.fixture
def posts():
    listed = [  # person, local time, reply, impressions, engagements
        *[("C1", f"{x} 12:00", x in ("2024-03-11", "2024-03-18", "2024-03-19"), 100.0,
           10.0 if x > "2024-03-10" else 5.0) for x in POSTING["C1"]],
        ("C2", "2024-01-05 09:00", False, 50.0, 1.0),   # before the window: left out
        ("C2", "2024-02-20 08:00", True, 50.0, 1.0),
        ("C2", "2024-02-27 08:00", False, 50.0, 1.0),
        ("C2", "2024-02-28 08:00", False, 50.0, 1.0),
        ("C2", "2024-03-01 08:00", False, 50.0, 1.0),
        ("C2", "2024-03-05 08:00", False, 50.0, 1.0),   # during
        ("C2", "2024-03-12 08:00", True, 50.0, 2.0),
        ("C2", "2024-03-14 08:00", False, 50.0, 2.0),
        ("C2", "2024-03-19 08:00", True, 50.0, 2.0),
        ("C2", "2024-03-21 08:00", False, 50.0, 2.0),
    ]
    frame = pd.DataFrame(listed, columns=["participant_id", "local", "is_reply", "impressions", "engagements"])
    frame.insert(0, "pilot_id", "north")
    frame["platform"] = "x"
    frame["account"] = frame["participant_id"]
    frame["post_id"] = [str(1_760_000_000_000_000_000 + i) for i in range(len(frame))]
    frame["timestamp"] = pd.to_datetime(frame.pop("local")).dt.tz_localize(ZONE)
    return frame


@pytest.fixture
def attendance():
    return pd.DataFrame({
        "pilot_id": "north",
        "session_id": ["s1", "s2", "s1", "s2", "s2", "s2", "s1"],
        "participant_id": ["C1", "C1", "C2", "C2", "C3", "C3", "C4"],
        "status": ["present", "present", "present", "absent", "present", "present", "absent"],
        "source": ["register", "register", "register", "register", "register", "zoom", "register"],
    })


def value(values, person, measure, period):
    found = values[(values["participant_id"] == person) & (values["measure"] == measure)
                   & (values["period"] == period)]
    assert len(found) <= 1
    return found["value"].iloc[0] if len(found) else None


def one(frame, **where):
    mask = pd.Series(True, index=frame.index)
    for column, wanted in where.items():
        mask &= frame[column] == wanted
    found = frame[mask]
    assert len(found) == 1, where
    return found.iloc[0]


def test_periods(sessions):
    periods = behaviour.programme_periods(sessions, **WINDOW).iloc[0]
    assert periods["window_start"] == pd.Timestamp("2024-02-19")
    assert periods["window_end"] == pd.Timestamp("2024-03-24")


def test_period_values(metrics, posts, sessions):
    values = behaviour.period_values(metrics, posts, sessions, **WINDOW)
    posts_week = "posts a week"
    assert value(values, "C1", posts_week, "before") == 1.0
    assert value(values, "C1", posts_week, "during") == 0.0
    assert value(values, "C1", posts_week, "after") == 3.0
    # C2 has per-post exports only: every day of the window is observed
    assert (value(values, "C2", posts_week, "before"), value(values, "C2", posts_week, "after")) == (2.0, 2.0)
    assert value(values, "C2", posts_week, "during") == 1.0
    # C3: 2 posts on 10 observed days
    assert value(values, "C3", posts_week, "before") == pytest.approx(1.4)
    assert value(values, "C3", posts_week, "after") == 3.5
    c3_before = values[(values["participant_id"] == "C3") & (values["period"] == "before")]
    assert set(c3_before["observed_days"]) == {10}
    replies = "share of posts that are replies"
    assert (value(values, "C1", replies, "before"), value(values, "C1", replies, "after")) == (0.0, 0.5)
    assert (value(values, "C2", replies, "before"), value(values, "C2", replies, "after")) == (0.25, 0.5)
    assert value(values, "C3", replies, "before") is None      # no per-post export
    rate = "engagement rate"
    assert (value(values, "C1", rate, "before"), value(values, "C1", rate, "after")) == (0.05, 0.1)
    assert (value(values, "C2", rate, "before"), value(values, "C2", rate, "after")) == (0.02, 0.04)
    follows = "new followers a week"
    # C1: 2 new follows and 1 unfollow in 14 days; after: 6 in 14 days
    assert (value(values, "C1", follows, "before"), value(values, "C1", follows, "after")) == (0.5, 3.0)
    # C3 from its follower totals: +1 a day (the first day has no previous total: 9 days)
    assert value(values, "C3", follows, "before") == pytest.approx(7.0)
    assert value(values, "C3", follows, "during") == pytest.approx(11.0)   # +5 over the gap, then +1 x 6
    assert value(values, "C3", follows, "after") == pytest.approx(7.0)
    # the unlinked account is not there; the officer is
    assert set(values["participant_id"]) == {"C1", "C2", "C3", "C4", "K1", "K2", "O1"}


def test_daily_activity(metrics, posts, sessions):
    daily = behaviour.daily_activity(metrics, posts, sessions, **WINDOW)
    c3 = daily[daily["participant_id"] == "C3"]
    assert len(c3) == 35 and c3["observed"].sum() == 31
    gap = c3[c3["day"] == pd.Timestamp("2024-03-01")].iloc[0]
    assert not gap["observed"] and np.isnan(gap["posts"])
    c2 = daily[daily["participant_id"] == "C2"]
    assert c2["observed"].all() and c2["posts"].sum() == 9      # the January post is outside
    assert c2.loc[c2["day"] == pd.Timestamp("2024-03-05"), "period"].iloc[0] == "during"
    weeks = c2.groupby("period")["week"].agg(["min", "max"])
    assert weeks.loc["before"].tolist() == [-2, -1] and weeks.loc["after"].tolist() == [1, 2]
    assert weeks.loc["during"].tolist() == [0, 0]


def test_weekly_series(metrics, posts, sessions):
    weeks = behaviour.weekly_series(metrics, posts, sessions, **WINDOW)
    c2 = weeks[(weeks["participant_id"] == "C2") & (weeks["measure"] == "posts a week")]
    assert c2["week"].tolist() == [-2, -1, 0, 1, 2]
    assert c2["value"].tolist() == [1.0, 3.0, 1.0, 2.0, 2.0]
    assert c2["week_start"].tolist() == [pd.Timestamp(x) for x in
                                         ("2024-02-19", "2024-02-26", "2024-03-04", "2024-03-11", "2024-03-18")]
    # C3's week -1 has only 3 observed days (< 4): no value
    c3 = weeks[(weeks["participant_id"] == "C3") & (weeks["measure"] == "posts a week")]
    assert -1 not in c3["week"].tolist() and -2 in c3["week"].tolist()


def test_cohort_change(metrics, posts, sessions, participants):
    found = behaviour.cohort_change(metrics, posts, sessions, participants, **WINDOW)
    row = one(found, measure="posts a week")
    # cohort C1 C2 C3 C4: before 1, 2, 1.4, 1 -> after 3, 2, 3.5, 1
    direct = paired_change([1, 2, 1.4, 1], [3, 2, 3.5, 1]).iloc[0]
    assert row["n"] == 4 and row["platform"] == "x" and row["group"] == "cohort"
    assert (row["median_before"], row["median_after"]) == (pytest.approx(1.2), 2.5)
    assert row["estimate"] == pytest.approx(direct["hl_estimate"])
    assert (row["ci_low"], row["ci_high"]) == (pytest.approx(direct["hl_ci_low"]), pytest.approx(direct["hl_ci_high"]))
    assert row["p_value"] == pytest.approx(direct["p_value"])
    assert (row["n_improved"], row["n_zero"]) == (2, 2)
    # reply share and engagement rate: only C1 and C2 have them
    assert one(found, measure="share of posts that are replies")["n"] == 2
    assert one(found, measure="engagement rate")["n"] == 2
    # comparison councillors and the officer are not in the cohort change
    assert set(found["measure"]) == set(behaviour.MEASURES)


def test_difference_in_differences(metrics, posts, sessions, participants):
    found = behaviour.difference_in_differences(metrics, posts, sessions, participants, **WINDOW)
    row = one(found, measure="posts a week")
    # cohort changes 2, 0, 2.1, 0 (mean 1.025); comparison 0, 1 (mean 0.5)
    assert (row["n_cohort"], row["n_comparison"]) == (4, 2)
    assert row["mean_change_cohort"] == pytest.approx(1.025)
    assert row["mean_change_comparison"] == pytest.approx(0.5)
    assert row["estimate"] == pytest.approx(0.525)
    assert row["ci_low"] <= row["estimate"] <= row["ci_high"]
    # the bootstrap interval is bounded by the most extreme resamples: cohort means lie in
    # [0, 2.1], comparison means in [0, 1]
    assert -1.0 <= row["ci_low"] and row["ci_high"] <= 2.1
    # only posts a week has two comparison people with data
    assert found["measure"].tolist() == ["posts a week"]
    again = behaviour.difference_in_differences(metrics, posts, sessions, participants, **WINDOW)
    pd.testing.assert_frame_equal(found, again)
    other = behaviour.difference_in_differences(metrics, posts, sessions, participants, seed=99, **WINDOW)
    assert other["estimate"].iloc[0] == row["estimate"] and "seed 99" in other["method"].iloc[0]


def test_parallel_trends(metrics, posts, sessions, participants):
    found = behaviour.parallel_trends(metrics, posts, sessions, participants, min_weeks=2, **WINDOW)
    posts_rows = found[found["outcome"] == "posts a week"]
    # weekly posts before: C1 1, 1 (slope 0); C2 1, 3 (slope 2); C3 one usable week (left out);
    # C4 1, 1 (0); K1 1, 1 (0); K2 2, 2 (0)
    cohort = one(posts_rows, group="cohort")
    assert (cohort["n"], cohort["estimate"]) == (3, pytest.approx(2 / 3))
    comparison = one(posts_rows, group="comparison")
    assert (comparison["n"], comparison["estimate"]) == (2, 0.0)
    difference = one(posts_rows, group="cohort minus comparison")
    assert difference["estimate"] == pytest.approx(2 / 3)
    assert (difference["n_cohort"], difference["n_comparison"]) == (3, 2)
    assert difference["measure"] == "pre-period trend: posts a week"


def test_dose_response_and_summary(metrics, posts, sessions, participants, attendance):
    found = behaviour.dose_response(metrics, posts, sessions, participants, attendance, **WINDOW)
    row = one(found, measure="posts a week")
    # doses C1 2, C2 1, C3 1, C4 0; changes 2, 0, 2.1, 0: sxy = 2.0, sxx = 2 -> slope 1
    assert row["n"] == 4 and row["estimate"] == pytest.approx(1.0)
    assert row["group"] == "slope per session attended"
    summary = behaviour.dose_summary(metrics, posts, sessions, participants, attendance, **WINDOW)
    posts_rows = summary[summary["measure"] == "posts a week"]
    assert posts_rows["sessions"].tolist() == [0, 1, 2]
    assert posts_rows["n"].tolist() == [1, 2, 1]
    assert posts_rows["estimate"].tolist() == pytest.approx([0.0, 1.05, 2.0])
    assert posts_rows["group"].tolist() == ["0 sessions", "1 session", "2 sessions"]


def test_summary_and_no_mutation(metrics, posts, sessions, participants, attendance):
    frames = (metrics, posts, sessions, participants, attendance)
    before = [f.copy(deep=True) for f in frames]
    found = behaviour.behaviour_summary(*frames, **WINDOW)
    assert set(found["group"]) == {"cohort", "cohort minus comparison", "slope per session attended"}
    for original, now in zip(before, frames):
        pd.testing.assert_frame_equal(original, now)


def test_no_linked_data_gives_empty_frames(metrics, posts, sessions, participants, attendance):
    nobody = metrics.assign(participant_id=None)
    no_posts = posts.iloc[0:0]
    assert behaviour.period_values(nobody, no_posts, sessions).empty
    assert behaviour.cohort_change(nobody, no_posts, sessions, participants).empty
    assert behaviour.behaviour_summary(nobody, no_posts, sessions, participants, attendance).empty


@pytest.mark.parametrize("linked", [True, False])
def test_levels_from_one_pass_equal_each_function(metrics, posts, sessions, participants, attendance, linked):
    # the summary, the trends check and the weekly series built from one set of arrays are
    # exactly what the three functions give, each building its own
    if not linked:
        metrics, posts = metrics.assign(participant_id=None), posts.iloc[0:0]
    frames = (metrics, posts, sessions, participants, attendance)
    found = behaviour.behaviour_levels(*frames, **WINDOW, min_weeks=2, seed=7)
    pd.testing.assert_frame_equal(found["behaviour"], behaviour.behaviour_summary(*frames, **WINDOW, seed=7))
    pd.testing.assert_frame_equal(found["trends"], behaviour.parallel_trends(*frames[:4], **WINDOW, min_weeks=2,
                                                                            seed=7))
    pd.testing.assert_frame_equal(found["weekly"], behaviour.weekly_series(*frames[:3], **WINDOW))
    if linked:
        assert len(found["behaviour"]) and len(found["trends"]) and len(found["weekly"])
