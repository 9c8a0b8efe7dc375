"""Dates, times, zones and durations as real exports write them.

Day-first or month-first is decided per file from its own values, never guessed silently:
:func:`decide_date_order` returns the order *and* how it was decided, for the summary.

>>> import pandas as pd
>>> decide_date_order(pd.Series(["15/11/22, 09:30:17", "3/11/22, 10:00:00"]))
('day-first', "a value has 15 in the first position ('15/11/22, 09:30:17'), so it must be the day")
>>> parse_duration("1h 13m 42s")
4422.0
"""

from __future__ import annotations

import re
from typing import Iterable

import numpy as np
import pandas as pd

__all__ = [
    "AmbiguousDateOrder",
    "decide_date_order",
    "localise",
    "parse_duration",
    "parse_local",
    "split_gmt_offset",
]

_NUMERIC_DATE = re.compile(r"^\s*(\d{1,4})[/.-](\d{1,2})[/.-](\d{2,4})")


class AmbiguousDateOrder(ValueError):
    """No value in the file tells day-first from month-first and nothing else decides it."""


def decide_date_order(
    values: Iterable[str],
    setting: str = "auto",
    pinned: str | None = None,
    known_dates: Iterable = (),
) -> tuple[str, str]:
    """Decide whether numeric dates such as ``03/04/22`` are day-first or month-first.

    In order: a pin for this file; a value whose first or second number is over 12; the
    known dates of the programme's sessions (the reading under which the file's dates fall
    on a session day wins); the programme's ``date_order`` setting. Returns
    ``(order, how)``, ``how`` being a sentence for the summary.

    Raises
    ------
    AmbiguousDateOrder
        When nothing decides; the message says how to settle it (pin the file or set
        ``settings.date_order``).
    """
    if pinned in ("day-first", "month-first"):
        return pinned, "pinned for this file in programme.yml"
    firsts, seconds, examples = [], [], []
    for value in values:
        if value is None or (isinstance(value, float) and np.isnan(value)):
            continue
        match = _NUMERIC_DATE.match(str(value))
        if not match or len(match.group(1)) == 4:
            continue
        firsts.append(int(match.group(1)))
        seconds.append(int(match.group(2)))
        examples.append(str(value))
    if not firsts:
        return "day-first", "no numeric dates in the file"
    day_first_possible = all(1 <= s <= 12 for s in seconds)
    month_first_possible = all(1 <= f <= 12 for f in firsts)
    if day_first_possible and not month_first_possible:
        i = next(i for i, f in enumerate(firsts) if f > 12)
        return "day-first", f"a value has {firsts[i]} in the first position ('{examples[i]}'), so it must be the day"
    if month_first_possible and not day_first_possible:
        i = next(i for i, s in enumerate(seconds) if s > 12)
        return "month-first", f"a value has {seconds[i]} in the second position ('{examples[i]}'), so it must be the day"
    known = {pd.Timestamp(d).date() for d in known_dates}
    if known and day_first_possible and month_first_possible:
        def hits(order: str) -> int:
            n = 0
            for text in examples:
                parsed = _parse_numeric_date(text, order)
                n += parsed in known
            return n

        day, month = hits("day-first"), hits("month-first")
        if day != month:
            order = "day-first" if day > month else "month-first"
            return order, f"read {order}, the file's dates fall on the programme's session dates"
    if setting in ("day-first", "month-first"):
        return setting, f"the file's dates fit both orders; settings.date_order is {setting}"
    raise AmbiguousDateOrder(
        f"dates such as '{examples[0]}' could be day-first or month-first and nothing in the "
        "file decides; pin the file's date_order in programme.yml or set settings.date_order"
    )


def _parse_numeric_date(text: str, order: str):
    match = _NUMERIC_DATE.match(text)
    a, b, year = (int(match.group(i)) for i in (1, 2, 3))
    if year < 100:
        year += 2000
    day, month = (a, b) if order == "day-first" else (b, a)
    try:
        return pd.Timestamp(year=year, month=month, day=day).date()
    except ValueError:
        return None


def localise(naive: pd.Series, timezone: str) -> pd.Series:
    """Attach ``timezone`` to naive local times. Times in the autumn clock change hour are
    taken as the first (summer-time) occurrence; times in the spring gap move forward."""
    values = pd.to_datetime(naive)
    if values.dt.tz is not None:
        return values.dt.tz_convert(timezone)
    return values.dt.tz_localize(timezone, ambiguous=np.ones(len(values), dtype=bool),
                                 nonexistent="shift_forward")


def parse_local(values: pd.Series, fmt: str, timezone: str) -> tuple[pd.Series, pd.Series]:
    """Parse text with a strftime ``fmt`` as local times in ``timezone``.

    Returns the tz-aware times and a boolean mask of values that were present but did not
    parse (for quarantine; they are never silently dropped).
    """
    text = values.astype("object").where(values.notna(), None)
    text = text.map(lambda v: v.strip() if isinstance(v, str) else v)
    parsed = pd.to_datetime(text, format=fmt, errors="coerce")
    failed = text.notna() & (text != "") & parsed.isna()
    return localise(parsed, timezone), failed


_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(h|hr|hrs|hour|hours|m|min|mins|minute|minutes|s|sec|secs|second|seconds)\b")


def parse_duration(text: object) -> float:
    """Seconds in a Teams-style duration (``1h 13m 42s``, ``59m 35s``, ``16m 2s``, ``45s``)
    or a clock duration (``1:13:42``). NaN when it is not a duration."""
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return float("nan")
    value = str(text).strip().lower()
    clock = re.fullmatch(r"(\d+):(\d{2}):(\d{2})", value)
    if clock:
        h, m, s = (int(x) for x in clock.groups())
        return float(h * 3600 + m * 60 + s)
    parts = _DURATION_PART.findall(value)
    if not parts or _DURATION_PART.sub("", value).strip():
        return float("nan")
    seconds = 0.0
    for number, unit in parts:
        factor = 3600 if unit.startswith("h") else 60 if unit.startswith("m") else 1
        seconds += float(number) * factor
    return seconds


_GMT = re.compile(r"\s*(?:GMT|UTC)\s*(?:(?P<sign>[+-])(?P<h>\d{1,2})(?::?(?P<m>\d{2}))?)?\s*$")


def split_gmt_offset(text: str) -> tuple[str, pd.Timedelta | None]:
    """Split a trailing ``GMT``, ``GMT+1`` or ``GMT-05:30`` zone off a time text.

    The sign means what it says (``GMT+1`` is one hour *ahead* of UTC), unlike the POSIX
    reading that dateutil and pandas apply. Returns the rest of the text and the offset
    (``None`` when the text has no zone).

    >>> split_gmt_offset("2013/10/16 8:24:52 PM GMT+1")
    ('2013/10/16 8:24:52 PM', Timedelta('0 days 01:00:00'))
    """
    match = _GMT.search(text)
    if not match:
        return text, None
    offset = pd.Timedelta(0)
    if match.group("sign"):
        offset = pd.Timedelta(hours=int(match.group("h")), minutes=int(match.group("m") or 0))
        if match.group("sign") == "-":
            offset = -offset
    return text[: match.start()].strip(), offset
