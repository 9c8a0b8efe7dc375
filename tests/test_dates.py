import pandas as pd
import pytest

from evalkit.clean.dates import (
    AmbiguousDateOrder, decide_date_order, localise, parse_duration, split_gmt_offset,
)


def test_order_decided_by_a_value_over_twelve():
    order, how = decide_date_order(["3/14/23, 6:00:02 PM", "3/1/23, 6:00:00 PM"])
    assert order == "month-first" and "14" in how


def test_order_decided_by_session_dates():
    order, how = decide_date_order(["03/04/22, 10:00:00"], known_dates=[pd.Timestamp("2022-03-04")])
    assert order == "month-first" and "session dates" in how


def test_pin_and_setting():
    assert decide_date_order(["03/04/22"], pinned="month-first")[0] == "month-first"
    order, how = decide_date_order(["03/04/22"], setting="day-first")
    assert order == "day-first" and "settings.date_order" in how


def test_never_guessed_silently():
    with pytest.raises(AmbiguousDateOrder, match="03/04/22"):
        decide_date_order(["03/04/22, 10:00"])


@pytest.mark.parametrize(
    "text, seconds",
    [("1h 13m 42s", 4422), ("59m 35s", 3575), ("16m 2s", 962), ("45s", 45), ("2h", 7200), ("1:02:03", 3723)],
)
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


def test_bad_durations_are_nan():
    assert pd.isna(parse_duration("about an hour"))
    assert pd.isna(parse_duration(None))


def test_gmt_offsets_mean_what_they_say():
    rest, offset = split_gmt_offset("2024/10/16 8:24:52 PM GMT+1")
    assert rest == "2024/10/16 8:24:52 PM" and offset == pd.Timedelta(hours=1)
    assert split_gmt_offset("2024/11/16 8:24:52 PM GMT")[1] == pd.Timedelta(0)
    assert split_gmt_offset("2024/11/16 8:24:52 PM GMT-05:30")[1] == -pd.Timedelta(hours=5, minutes=30)
    assert split_gmt_offset("2024/11/16 8:24:52 PM")[1] is None


def test_localise_handles_the_clock_changes():
    naive = pd.Series(pd.to_datetime(["2024-10-27 01:30", "2024-03-31 01:30", "2024-07-01 12:00"]))
    aware = localise(naive, "Europe/London")
    assert str(aware.iloc[0].utcoffset()) == "1:00:00"   # first (summer-time) 01:30
    assert aware.iloc[1].hour == 2                         # in the spring gap: moved forward
    assert aware.iloc[2].tz is not None
