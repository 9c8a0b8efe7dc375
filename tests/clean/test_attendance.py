"""The attendance cleaning steps (evalkit.clean.attendance)."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from evalkit.clean.attendance import (
    decide_file_date_order,
    match_session,
    merge_intervals,
    parse_meeting_times,
    person_key,
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


# --------------------------------------------------------------------------- whole-array paths against the row-wise ones
#
# parse_meeting_times, person_key and decide_file_date_order work on whole arrays (trimming
# and folding in pyarrow, each distinct text matched once). The references below are the
# Series-by-Series versions they replaced; on awkward input both must give the same answer.

from evalkit.clean import attendance as _attendance  # noqa: E402

_AWKWARD_TIMES = [
    "3/14/23, 6:00:02 PM", "3/14/23, 6:00 PM", "03/14/2023 06:00:02 PM", "14/3/23, 18:00:02", "3/14/85, 6:00 PM",
    "2023-03-14 18:00:02", "14.03.2023 18:00", "3/14/23 6:00 p.m.", " 3/14/23, 6:00:02 PM\t", "\u00a03/14/23, 6:00 PM",
    "3/14/23, 6:00 PM\x1c", "13/14/23, 1:00 PM", "3/14/23, 25:00:00", "0/1/23, 10:00", "soon", "", "  ", None,
    float("nan"), "12/6/2022, 5:58:02 PM", "6/12/22, 17:58",
]


def _reference_parse_meeting_times(values, order):
    text = pd.Series(values, dtype="object").where(pd.Series(values, dtype="object").notna(), "")
    text = text.astype(str).str.strip()
    parsed = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    remaining = text != ""
    for _ in range(3):
        fmt = _attendance._format_of(text[remaining].iloc[0], order) if remaining.any() else None
        if fmt is None:
            break
        found = pd.to_datetime(text[remaining], format=fmt, errors="coerce")
        hit = found.index[found.notna()]
        if len(hit) == 0:
            break
        parsed.loc[hit] = found[hit].astype("datetime64[ns]")
        remaining.loc[hit] = False
    if remaining.any():
        slow, _ = _attendance._parse_general(text[remaining], order)
        parsed.loc[slow.index] = slow
    return parsed, (text != "") & parsed.isna()


@settings(max_examples=80, deadline=None)
@given(st.lists(st.sampled_from(_AWKWARD_TIMES), max_size=12), st.sampled_from(["day-first", "month-first"]),
       st.integers(0, 50))
def test_meeting_times_match_the_row_wise_reading(texts, order, start):
    values = pd.Series(texts, index=range(start, start + len(texts)), dtype="object", name="Join Time")
    got = parse_meeting_times(values, order)
    want = _reference_parse_meeting_times(values, order)
    pd.testing.assert_series_equal(got[0], want[0])
    pd.testing.assert_series_equal(got[1], want[1])


def test_meeting_times_keep_the_index_and_read_two_digit_years_as_strptime_does():
    parsed, failed = parse_meeting_times(pd.Series([" 3/14/85, 6:00 PM ", None, "3/14/23 6:00 p.m."], index=[7, 9, 4]),
                                         "month-first")
    assert parsed.index.tolist() == [7, 9, 4]
    # the first value's layout is parsed in C (%y: 85 is 1985); the a.m./p.m. one by the general pattern
    assert parsed.tolist() == [pd.Timestamp("1985-03-14 18:00"), pd.NaT, pd.Timestamp("2023-03-14 18:00")]
    assert failed.tolist() == [False, False, False]
    # numbers are read as their text
    parsed, failed = parse_meeting_times(pd.Series([20230314, "3/14/23, 6:00 PM"]), "month-first")
    assert failed.tolist() == [True, False]


def _reference_person_key(names, emails):
    def folded(values):
        text = pd.Series(values, dtype="object").fillna("").astype(str)
        return text.str.replace(r"\s+", " ", regex=True).str.strip().str.lower()

    return (folded(names) + "\x1f" + folded(emails)).astype("object")


_AWKWARD_NAMES = ["Smith,  Jane ", "smith, jane", "SMITH,\tJANE", "Jane\u00a0Smith", "Jane\x1cSmith", " ", "",
                  None, float("nan"), "Siân O\u2019Neill", "ΣΊΣΥΦΟΣ", "J.Smith@X.gov.uk", "07700 900123"]


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(_AWKWARD_NAMES), st.sampled_from(_AWKWARD_NAMES)), max_size=10),
       st.integers(0, 50), st.sampled_from([("name", "email"), ("x", "x"), (None, None)]))
def test_person_key_matches_the_row_wise_folding(pairs, start, labels):
    index = range(start, start + len(pairs))
    names = pd.Series([n for n, _ in pairs], index=index, dtype="object", name=labels[0])
    emails = pd.Series([e for _, e in pairs], index=index, dtype="object", name=labels[1])
    pd.testing.assert_series_equal(person_key(names, emails), _reference_person_key(names, emails))


def test_person_key_of_text_columns_and_of_numbers():
    names = pd.Series(["Smith,\u00a0 Jane", None], dtype="str", index=[3, 4])
    emails = pd.Series([None, "J@X.UK "], dtype="str", index=[3, 4])
    assert person_key(names, emails).tolist() == ["smith, jane\x1f", "\x1fj@x.uk"]
    assert person_key(names, emails).index.tolist() == [3, 4]
    # a column that is not all text is read as its text, as before (1.0 is not the same as 1)
    assert person_key(pd.Series([1.0, 1], dtype="object"), pd.Series([None, None])).tolist() == ["1.0\x1f", "1\x1f"]


def _reference_decide(values, context, *, path, default=None, default_reason=""):
    distinct = pd.Series(pd.unique(pd.Series(list(values), dtype="object").dropna().astype(str)), dtype="object")
    pairs = _attendance._numeric_pairs(distinct)
    impossible = pairs.index[((pairs["a"] > 12) & (pairs["b"] > 12)) | (pairs["a"] < 1) | (pairs["b"] < 1)]
    distinct = distinct.drop(impossible).tolist()
    pairs = pairs.drop(impossible)
    if default and len(pairs) == 0:
        return default, f"the file has no numeric dates; {default_reason or 'the format writes ' + default}"
    if len(pairs) and (pairs["a"] == pairs["b"]).all():
        return "day-first", "every date has the same day and month number, so the order does not matter"
    known = [s for s in (_attendance._session_date(s) for s in context.sessions) if s is not None]
    setting = context.date_order if context.date_order in ("day-first", "month-first") else "auto"
    try:
        return _attendance.decide_date_order(distinct, setting=setting, known_dates=known)
    except _attendance.AmbiguousDateOrder as exc:
        if default:
            return default, f"the file's dates fit both orders; {default_reason or 'the format writes ' + default}"
        raise InputError(path, str(exc)) from None


def _outcome(decide, values, context, default):
    try:
        return decide(values, context, path="x.csv", default=default)
    except InputError as exc:
        return "error", str(exc)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.sampled_from(_AWKWARD_TIMES + ["11/11/22, 10:00", "1/2/2025 10:00:00 AM", "١٢/٣/23, 10:00"]),
                max_size=8),
       st.sampled_from([None, "month-first"]),
       st.sampled_from([Context(), Context(date_order="day-first"),
                        Context(sessions=({"id": "w", "date": dt.date(2022, 12, 6)},))]))
def test_date_order_matches_the_row_wise_decision(values, default, context):
    assert _outcome(decide_file_date_order, values, context, default) == \
        _outcome(_reference_decide, values, context, default)


def test_date_order_skips_blanks_and_reads_other_digits_as_before():
    order, how = decide_file_date_order([None, float("nan"), "3/14/23, 6:00 PM", "3/14/23, 6:00 PM"], Context(),
                                        path="x.csv")
    assert (order, how) == ("month-first", "a value has 14 in the second position ('3/14/23, 6:00 PM'), "
                                           "so it must be the day")
    # digits of another script are numbers too: Arabic-Indic 12/3 fits both orders
    with pytest.raises(InputError, match="x.csv: dates such as '١٢/٣/23, 10:00' could be day-first or month-first"):
        decide_file_date_order(["١٢/٣/23, 10:00"], Context(), path="x.csv")
    assert decide_file_date_order(["١٢/٣/23, 10:00", "13/3/23, 10:00"], Context(), path="x.csv")[0] == "day-first"


# --------------------------------------------------------------------------- people from connections, row by row

def _people_row_by_row(connections: pd.DataFrame) -> tuple[list, list]:
    """What people_from_connections should give, worked out one person at a time: the
    fates (row, fate, reason) and per person (key, row, name, email, status, joined,
    left, minutes), in file order."""
    rows = sorted(connections.to_dict("records"), key=lambda r: r["source_row"])
    fates, firsts, order = [], {}, []
    for r in rows:
        if not pd.isna(r["problem"]):
            fates.append((r["source_row"], "quarantined", r["problem"]))
        elif r["person"] in firsts:
            fates.append((r["source_row"], "merged", f"same person as row {firsts[r['person']]} (merged into that row)"))
        else:
            firsts[r["person"]] = r["source_row"]
            order.append(r["person"])
            fates.append((r["source_row"], "kept", None))
    people = []
    for key in order:
        mine = [r for r in rows if r["person"] == key and r["problem"] is None]
        first_of = lambda column: next((r[column] for r in mine if not pd.isna(r[column])), None)  # noqa: E731
        spans = sorted((r["joined_at"], r["left_at"]) for r in mine
                       if not r["waiting_room"] and not pd.isna(r["joined_at"]) and not pd.isna(r["left_at"]))
        if spans:
            seconds, (begin, end) = 0.0, spans[0]
            for start, stop in spans[1:]:
                if start > end:
                    seconds += (end - begin).total_seconds()
                    begin, end = start, stop
                else:
                    end = max(end, stop)
            seconds += (end - begin).total_seconds()
            joined, left, minutes = spans[0][0], max(stop for _, stop in spans), seconds / 60
            status = "present"
        elif all(r["waiting_room"] for r in mine):
            joined, left, minutes, status = None, None, 0.0, "absent"
        else:
            joined, left = first_of("fallback_joined_at"), first_of("fallback_left_at")
            declared = first_of("declared_minutes")
            minutes, status = (float("nan") if declared is None else float(declared)), "present"
        people.append((key, firsts[key], first_of("source_name"), first_of("source_email"), status,
                       joined, left, minutes))
    return fates, people


_CONNECTION = st.tuples(
    st.sampled_from(["ann", "bob", "cy", "dee"]),  # person
    st.sampled_from([None, "Ann", "A. N.", "Bob "]),  # name
    st.sampled_from([None, "a@x.gov.uk"]),  # email
    st.integers(min_value=0, max_value=180),  # join, minutes after the base time
    st.integers(min_value=0, max_value=180),  # length
    st.sampled_from(["both", "no leave", "none"]),  # which times the row gives
    st.booleans(),  # waiting room
    st.sampled_from([None, None, None, "a bad date"]),  # problem
    st.booleans(),  # fallback times
    st.sampled_from([None, 45.0, 12.5]),  # declared minutes
)


@st.composite
def _connections(draw):
    drawn = draw(st.lists(_CONNECTION, min_size=1, max_size=14))
    n = len(drawn)
    rows = draw(st.permutations(range(2, 2 + 2 * n)))[:n]  # file order need not be the frame's order
    base = pd.Timestamp("2024-03-31 00:30", tz="Europe/London")  # the spring clock change falls inside
    minutes = lambda m: base + pd.Timedelta(minutes=m)  # noqa: E731
    text = lambda values: pd.Series(values, dtype="object")  # noqa: E731
    return pd.DataFrame({
        "source_row": rows,
        "person": [d[0] for d in drawn],
        "source_name": text([d[1] for d in drawn]),
        "source_email": text([d[2] for d in drawn]),
        "joined_at": pd.Series([pd.NaT if d[5] == "none" else minutes(d[3]) for d in drawn], dtype="datetime64[ns, Europe/London]"),
        "left_at": pd.Series([minutes(d[3] + d[4]) if d[5] == "both" else pd.NaT for d in drawn],
                             dtype="datetime64[ns, Europe/London]"),
        "waiting_room": [d[6] for d in drawn],
        "problem": text([d[7] for d in drawn]),
        "fallback_joined_at": pd.Series([base if d[8] else pd.NaT for d in drawn],
                                        dtype="datetime64[ns, Europe/London]"),
        "fallback_left_at": pd.Series([minutes(45) if d[8] else pd.NaT for d in drawn],
                                      dtype="datetime64[ns, Europe/London]"),
        "declared_minutes": text([d[9] for d in drawn]),
    })


@settings(max_examples=60, deadline=None)
@given(_connections())
def test_people_from_connections_matches_the_row_by_row_working(connections):
    from evalkit.clean.attendance import people_from_connections

    people, fates = people_from_connections(connections)
    want_fates, want_people = _people_row_by_row(connections)
    assert list(fates.itertuples(index=False, name=None)) == want_fates
    assert fates["source_row"].dtype == "int64"
    got = people[["person", "source_row", "source_name", "source_email", "status", "joined_at", "left_at",
                  "minutes_present"]]
    assert len(got) == len(want_people)
    for row, want in zip(got.itertuples(index=False, name=None), want_people):
        assert row[:5] == want[:5]
        for value, expected in zip(row[5:7], want[5:7]):
            assert (pd.isna(value) and expected is None) or value == expected
        assert (np.isnan(row[7]) and np.isnan(want[7])) or row[7] == pytest.approx(want[7])


def test_people_from_connections_gives_a_missing_name_as_none_and_keeps_extra_columns():
    from evalkit.clean.attendance import people_from_connections

    t = lambda s: pd.Timestamp(f"2025-01-21 {s}", tz="Europe/London")  # noqa: E731
    connections = pd.DataFrame({
        "source_row": [4, 3, 5],
        "person": ["kim", "kim", "lee"],
        "source_name": pd.Series([None, float("nan"), "Lee"], dtype="object"),
        "source_email": pd.Series([None, None, None], dtype="object"),
        "joined_at": [t("10:00"), t("09:00"), t("09:30")],
        "left_at": [t("10:30"), t("09:45"), t("10:00")],
        "guest": pd.Series([None, True, False], dtype="object"),
        "dial_in": [False, True, False],
        "problem": pd.Series([None, None, None], dtype="object"),
    })
    people, fates = people_from_connections(connections, keep=["guest", "dial_in"])
    assert people["source_name"].tolist() == [None, "Lee"]  # kim never gave a name
    assert people["source_row"].tolist() == [3, 5]
    assert people["guest"].tolist() == [True, False] and people["dial_in"].tolist() == [True, False]
    assert people["dial_in"].dtype == bool
    assert people["minutes_present"].tolist() == [75.0, 30.0]  # 09:00-09:45 and 10:00-10:30
    assert fates["fate"].tolist() == ["kept", "merged", "kept"]
