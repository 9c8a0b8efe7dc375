"""The attendance cleaning steps (evalkit.clean.attendance)."""

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evalkit.clean.attendance import (
    decide_file_date_order,
    match_session,
    merge_intervals,
    parse_meeting_times,
    presence,
)
from evalkit.readers.base import Context, InputError

DAY = pd.Timestamp("2022-11-15 09:00", tz="Europe/London")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("abc"), st.integers(0, 120), st.integers(0, 60)), min_size=1, max_size=12))
def test_minutes_present_is_the_union_of_intervals(rows):
    frame = pd.DataFrame({
        "person": [p for p, _, _ in rows],
        "joined_at": [DAY + pd.Timedelta(minutes=s) for _, s, _ in rows],
        "left_at": [DAY + pd.Timedelta(minutes=s + d) for _, s, d in rows],
    })
    got = presence(frame).set_index("person")
    for person in set(frame["person"]):
        covered = set()
        for _, start, length in (r for r in rows if r[0] == person):
            covered.update(range(start, start + length))  # minute slots [start, start+length)
        assert got.loc[person, "minutes_present"] == pytest.approx(len(covered))
        mine = frame[frame["person"] == person]
        assert got.loc[person, "joined_at"] == mine["joined_at"].min()
        assert got.loc[person, "left_at"] == mine["left_at"].max()
    stretches = merge_intervals(frame)
    # stretches of one person never overlap or touch out of order
    for _, group in stretches.groupby("person"):
        assert (group["joined_at"].iloc[1:].to_numpy() > group["left_at"].iloc[:-1].to_numpy()).all()


@pytest.mark.parametrize("text, order, expected", [
    ("15/11/22, 09:30:17", "day-first", "2022-11-15 09:30:17"),
    ("3/14/23, 6:00:02 PM", "month-first", "2023-03-14 18:00:02"),
    ("3/14/23, 12:00:02 AM", "month-first", "2023-03-14 00:00:02"),
    ("03/14/2023 12:30:00 PM", "month-first", "2023-03-14 12:30:00"),
    ("6/3/2021, 9:58:29 AM", "month-first", "2021-06-03 09:58:29"),
    ("14.03.2023 18:00", "day-first", "2023-03-14 18:00:00"),
    ("2023-03-14 18:00:02", "day-first", "2023-03-14 18:00:02"),
    ("14/3/23, 6:00:02 p.m.", "day-first", "2023-03-14 18:00:02"),
])
def test_meeting_times_parse(text, order, expected):
    parsed, failed = parse_meeting_times(pd.Series([text]), order)
    assert parsed.iloc[0] == pd.Timestamp(expected)
    assert not failed.iloc[0]


@pytest.mark.parametrize("text, order", [
    ("3/14/23, 6:00:02 PM", "day-first"),   # month 14
    ("15/11/22, 25:30:17", "day-first"),    # hour 25
    ("3/14/23, 13:00:02 PM", "month-first"),  # 13 PM
    ("31/02/22, 10:00:00", "day-first"),    # 31 February
    ("soon", "day-first"),
])
def test_impossible_times_fail_and_blanks_do_not(text, order):
    parsed, failed = parse_meeting_times(pd.Series([text, "", None]), order)
    assert failed.tolist() == [True, False, False]
    assert parsed.isna().all()


def test_date_order_when_day_and_month_agree_and_with_a_format_default():
    order, how = decide_file_date_order(["11/11/22, 10:00:00", "11/11/22, 11:00:00"], Context(), path="x.csv")
    assert (order, how) == ("day-first", "every date has the same day and month number, so the order does not matter")
    order, how = decide_file_date_order(["02/03/2025 10:00:00 AM"], Context(), path="x.csv", default="month-first",
                                        default_reason="Zoom writes MM/DD/YYYY, so month-first")
    assert order == "month-first" and how.endswith("Zoom writes MM/DD/YYYY, so month-first")
    with pytest.raises(InputError, match="x.csv"):
        decide_file_date_order(["02/03/2025 10:00:00 AM"], Context(), path="x.csv")
    # a typing error that fits neither order does not spoil the decision
    order, _ = decide_file_date_order(["01/21/2025 10:00:00 AM", "13/21/2025 10:00:00 AM"], Context(), path="x.csv")
    assert order == "month-first"


def test_session_matching():
    sessions = ({"id": "w1", "date": dt.date(2022, 11, 15)}, {"id": "w2", "date": dt.date(2022, 11, 15)},
                {"id": "w3", "date": dt.date(2022, 12, 6)})
    assert match_session(dt.date(2022, 12, 6), Context(sessions=sessions)) == ("w3", None)
    session_id, note = match_session(dt.date(2022, 11, 15), Context(sessions=sessions))
    assert session_id is None and "w1, w2 are all on 2022-11-15" in note
    assert match_session(dt.date(2022, 11, 15), Context(sessions=sessions, session_id="w2")) == ("w2", None)
    assert match_session(None, Context(sessions=sessions))[0] is None


def test_people_from_connections_keeps_dtypes_and_order():
    from evalkit.clean.attendance import people_from_connections

    t = lambda s: pd.Timestamp(f"2025-01-21 {s}", tz="Europe/London")  # noqa: E731
    connections = pd.DataFrame({
        "source_row": [9, 5, 6, 7, 8],
        "person": ["amir", "jane", "jane", "bob", "jane"],
        "source_name": ["Amir", None, "Jane Smith", "Bob", "Jane S"],
        "source_email": [None, None, None, None, None],
        "joined_at": pd.Series([t("18:00"), t("18:00"), t("18:10"), pd.NaT, t("18:50")]),
        "left_at": pd.Series([t("18:30"), t("18:20"), t("18:40"), pd.NaT, t("19:00")]),
        "fallback_joined_at": pd.Series([pd.NaT, pd.NaT, pd.NaT, t("17:00"), pd.NaT]),
        "fallback_left_at": pd.Series([pd.NaT, pd.NaT, pd.NaT, t("17:45"), pd.NaT]),
        "declared_minutes": [None, None, None, 45.0, None],
        "problem": [None, None, None, None, "row 8: broken"],
    })
    people, fates = people_from_connections(connections)
    # file order; jane's name is her first non-empty one; her 18:00-18:20 and 18:10-18:40 overlap
    assert people["person"].tolist() == ["jane", "bob", "amir"]
    assert people["source_name"].tolist() == ["Jane Smith", "Bob", "Amir"]
    assert people["minutes_present"].tolist() == [40.0, 45.0, 30.0]  # bob: no times, declared minutes
    assert people["joined_at"].tolist() == [t("18:00"), t("17:00"), t("18:00")]
    assert people["left_at"].tolist() == [t("18:40"), t("17:45"), t("18:30")]
    assert people["joined_at"].dtype == connections["joined_at"].dtype
    assert fates["source_row"].tolist() == [5, 6, 7, 8, 9]
    assert fates["fate"].tolist() == ["kept", "merged", "kept", "quarantined", "kept"]
    assert fates["reason"].tolist() == [None, "same person as row 5 (merged into that row)", None,
                                        "row 8: broken", None]
