"""Attendance from online meeting reports: join/leave times to one row per person.

Teams and Zoom reports list a person once per connection (reconnects, a second device,
the waiting room). The steps here turn those connections into what the ``attendance``
table needs: first join, last leave and the minutes a person was actually in the meeting,
each overlap counted once and waiting-room time left out.

The readers build a *connections* frame (one row per data record of the file) and pass it
through :func:`people_from_connections`; the smaller steps are usable on their own.

>>> import pandas as pd
>>> times = pd.to_datetime(["2022-11-15 09:30", "2022-11-15 10:00", "2022-11-15 10:20",
...                         "2022-11-15 10:30", "2022-11-15 10:45"]).tz_localize("Europe/London")
>>> connections = pd.DataFrame({
...     "person": ["jane", "jane", "jane"],
...     "joined_at": [times[0], times[2], times[3]],   # 09:30, 10:20, 10:30
...     "left_at": [times[1], times[4], times[4]],     # 10:00, 10:45, 10:45
... })
>>> presence(connections)[["person", "minutes_present"]]
  person  minutes_present
0   jane             55.0
"""

from __future__ import annotations

import re
from typing import Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .dates import AmbiguousDateOrder, decide_date_order

__all__ = [
    "close_open_intervals",
    "decide_file_date_order",
    "exclude_waiting_room",
    "match_session",
    "merge_intervals",
    "parse_meeting_times",
    "people_from_connections",
    "person_key",
    "presence",
]

# --------------------------------------------------------------------------- times

_DATE_TIME = re.compile(
    r"^\s*(?P<a>\d{1,4})[/.-](?P<b>\d{1,2})[/.-](?P<c>\d{1,4}),?\s+"
    r"(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?\s*"
    r"(?P<ampm>[AaPp]\.?\s?[Mm]\.?)?\s*$"
)


def parse_meeting_times(values: pd.Series, order: str) -> tuple[pd.Series, pd.Series]:
    """Parse meeting report date-times (naive local times) read in the given day/month order.

    Accepts what Teams and Zoom write: ``15/11/22, 09:30:17`` (day-first, 24 h),
    ``3/14/23, 6:00:02 PM`` and ``03/14/2023 06:00:02 PM`` (month-first, 12 h), two- or
    four-digit years, seconds optional, and ISO-like ``2023-03-14 18:00:02``.

    Returns the naive times (``NaT`` for blanks and failures) and a boolean mask of values
    that were present but are not a date-time (the caller quarantines them).

    >>> import pandas as pd
    >>> times, failed = parse_meeting_times(pd.Series(["3/14/23, 6:00:02 PM", "", "13/14/23, 1:00 PM"]), "month-first")
    >>> times.tolist()
    [Timestamp('2023-03-14 18:00:02'), NaT, NaT]
    >>> failed.tolist()
    [False, False, True]
    """
    if order not in ("day-first", "month-first"):
        raise ValueError(f"order must be day-first or month-first, not {order!r}")
    given = values if isinstance(values, pd.Series) else pd.Series(values, dtype="object")
    raw = given.to_numpy(dtype=object)
    if len(raw) and pd.api.types.infer_dtype(raw, skipna=True) not in ("string", "empty"):
        raw = pd.Series(raw, dtype="object").where(pd.notna(raw), "").astype(str).to_numpy(dtype=object)
    # stripped text, blank for missing: the same trimming as the ``str`` dtype's ``.str.strip()``
    text = pc.utf8_trim_whitespace(pc.fill_null(pa.array(raw, type=pa.string(), from_pandas=True), ""))
    text = text.to_numpy(zero_copy_only=False)
    present = text != ""
    parsed = np.full(len(text), np.datetime64("NaT"), dtype="datetime64[ns]")
    remaining = present.copy()
    # fast path: the layout of the first value still to parse, as a format parsed in C
    # (a file writes all its times alike); what that does not parse goes through the
    # general pattern below
    for _ in range(3):
        at = np.flatnonzero(remaining)
        fmt = _format_of(text[at[0]], order) if len(at) else None
        if fmt is None:
            break
        found = pd.to_datetime(text[at], format=fmt, errors="coerce").as_unit("ns").to_numpy()
        hit = ~np.isnat(found)
        if not hit.any():
            break
        parsed[at[hit]] = found[hit]
        remaining[at[hit]] = False
    if remaining.any():
        at = np.flatnonzero(remaining)
        slow, _ = _parse_general(pd.Series(text[at], dtype="str"), order)
        parsed[at] = slow.to_numpy(dtype="datetime64[ns]")
    failed = present & np.isnat(parsed)
    return (pd.Series(parsed, index=given.index, copy=False),
            pd.Series(failed, index=given.index, copy=False))


_SHAPE = re.compile(r"^\d{1,2}/\d{1,2}/(?P<year>\d{2}|\d{4})(?P<sep>, | )\d{1,2}:\d{2}(?P<seconds>:\d{2})?"
                    r"(?P<ampm> [AP]M)?$")


def _format_of(value: str, order: str) -> str | None:
    """The strftime format of one value such as ``3/14/23, 6:00:02 PM`` (None if unusual)."""
    shape = _SHAPE.match(value)
    if not shape:
        return None
    date = "%d/%m/" if order == "day-first" else "%m/%d/"
    year = "%y" if len(shape.group("year")) == 2 else "%Y"
    clock = "%I:%M" if shape.group("ampm") else "%H:%M"
    return (date + year + shape.group("sep") + clock + (":%S" if shape.group("seconds") else "")
            + (" %p" if shape.group("ampm") else ""))


def _parse_general(text: pd.Series, order: str) -> tuple[pd.Series, pd.Series]:
    """The general pattern: any of / . - between date parts, ISO order, a.m./p.m."""
    parts = text.str.extract(_DATE_TIME)
    matched = parts["a"].notna()
    number = {name: pd.to_numeric(parts[name], errors="coerce") for name in
              ("a", "b", "c", "hour", "minute", "second")}
    iso = parts["a"].str.len() == 4
    if order == "day-first":
        day, month = number["a"], number["b"]
    else:
        day, month = number["b"], number["a"]
    year = number["c"].where(~iso, number["a"])
    day = day.where(~iso, number["c"])
    month = month.where(~iso, number["b"])
    year = year.where(year >= 100, year + 2000)
    hour = number["hour"]
    ampm = parts["ampm"].fillna("").str.replace(r"[.\s]", "", regex=True).str.lower()
    twelve = ampm != ""
    bad_clock = (twelve & ((hour < 1) | (hour > 12))) | (hour > 23) | (number["minute"] > 59) \
        | (number["second"].fillna(0) > 59) | (month < 1) | (month > 12) | (day < 1) | (day > 31)
    hour = hour.where(~twelve, hour % 12 + np.where(ampm == "pm", 12, 0))
    second = number["second"].fillna(0)
    ok = matched & ~bad_clock
    components = pd.DataFrame(
        {"year": year, "month": month, "day": day, "hour": hour, "minute": number["minute"], "second": second}
    ).where(ok)
    parsed = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    if ok.any():
        built = pd.to_datetime(components[ok], errors="coerce")
        parsed.loc[ok] = built.astype("datetime64[ns]")
    failed = (text != "") & parsed.isna()
    return parsed, failed


def _numeric_pairs(values: pd.Series) -> pd.DataFrame:
    text = values.astype(str).str.strip()
    parts = text.str.extract(_DATE_TIME)
    parts = parts[parts["a"].notna() & (parts["a"].str.len() < 4)]
    return pd.DataFrame({"a": parts["a"].astype(int), "b": parts["b"].astype(int)})


def _distinct_text(values: Iterable) -> np.ndarray:
    """The distinct present values as text, in the order first seen."""
    given = list(values)
    raw = np.empty(len(given), dtype=object)
    raw[:] = given
    raw = raw[~pd.isna(raw)]
    if len(raw) and pd.api.types.infer_dtype(raw, skipna=False) != "string":
        raw = pd.Series(raw, dtype="object").astype(str).to_numpy(dtype=object)
    return pd.unique(raw) if len(raw) else raw


def _first_numbers(distinct: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The first two numbers (day and month, in either order) of each distinct text with the
    layout of a meeting date-time that does not start with a four-digit year, and the
    positions of those texts: what :func:`_numeric_pairs` gives, each distinct text matched
    once."""
    stripped = pc.utf8_trim_whitespace(pa.array(distinct, type=pa.string())).to_numpy(zero_copy_only=False) \
        if len(distinct) else distinct
    found = [_DATE_TIME.search(text) for text in stripped]
    at = np.array([i for i, match in enumerate(found) if match is not None and len(match["a"]) < 4], dtype=np.int64)
    firsts = [found[i]["a"] for i in at]
    seconds = [found[i]["b"] for i in at]
    if not all(text.isascii() for text in firsts + seconds):  # digits of other scripts: as the text columns read them
        pairs = _numeric_pairs(pd.Series(distinct, dtype="object"))
        return pairs["a"].to_numpy(dtype=np.int64), pairs["b"].to_numpy(dtype=np.int64), pairs.index.to_numpy()
    return np.array(firsts, dtype=np.int64), np.array(seconds, dtype=np.int64), at


def decide_file_date_order(values: Iterable, context, *, path, default: str | None = None,
                           default_reason: str = "") -> tuple[str, str]:
    """Decide day-first or month-first for one file, with the sentence that says why.

    Uses :func:`evalkit.clean.dates.decide_date_order` with the file's own values, the
    context's ``date_order`` (a pin or the programme setting) and the dates of the
    context's sessions. When every date has the same day and month number the order does
    not matter. ``default`` is the order a format documents for itself (Zoom writes
    month-first); it is used, and said, only when nothing else decides.

    Raises
    ------
    InputError
        Naming the file, when nothing decides and the format has no documented order.

    >>> from evalkit.readers.base import Context
    >>> decide_file_date_order(["15/11/22, 09:30:17"], Context(), path="report.csv")
    ('day-first', "a value has 15 in the first position ('15/11/22, 09:30:17'), so it must be the day")
    """
    from ..readers.base import InputError

    distinct = _distinct_text(values)
    a, b, at = _first_numbers(distinct)
    # a value that is a date under neither order (a typing error) is quarantined later; it must
    # not spoil the decision for the others
    impossible = ((a > 12) & (b > 12)) | (a < 1) | (b < 1)
    keep = np.ones(len(distinct), dtype=bool)
    keep[at[impossible]] = False
    distinct = distinct[keep].tolist()
    a, b = a[~impossible], b[~impossible]
    if default and len(a) == 0:
        return default, f"the file has no numeric dates; {default_reason or 'the format writes ' + default}"
    if len(a) and (a == b).all():
        return "day-first", "every date has the same day and month number, so the order does not matter"
    known = [s for s in (_session_date(s) for s in context.sessions) if s is not None]
    setting = context.date_order if context.date_order in ("day-first", "month-first") else "auto"
    try:
        return decide_date_order(distinct, setting=setting, known_dates=known)
    except AmbiguousDateOrder as exc:
        if default:
            return default, f"the file's dates fit both orders; {default_reason or 'the format writes ' + default}"
        raise InputError(path, str(exc)) from None


# --------------------------------------------------------------------------- sessions

def _session_date(session):
    value = session.get("date") if isinstance(session, dict) else getattr(session, "date", None)
    return pd.Timestamp(value).date() if value is not None else None


def _session_id(session):
    return session.get("id") if isinstance(session, dict) else getattr(session, "id", None)


def match_session(meeting_date, context) -> tuple[str | None, str | None]:
    """The session a meeting belongs to, and a note when it could not be decided.

    A session pinned in the context wins; otherwise the one session held on the meeting's
    date; otherwise ``None`` with a note saying why.

    >>> import datetime as dt
    >>> from evalkit.readers.base import Context
    >>> context = Context(sessions=({"id": "w1", "date": dt.date(2022, 11, 15)},))
    >>> match_session(dt.date(2022, 11, 15), context)
    ('w1', None)
    >>> match_session(dt.date(2022, 11, 16), context)[1]
    'no session of the pilot is on 2022-11-16 (the meeting date); session_id left empty — pin the file ...'
    """
    if context.session_id:
        return context.session_id, None
    if meeting_date is None or pd.isna(meeting_date):
        return None, ("the file gives no meeting date; session_id left empty — pin the file to its session "
                      "in programme.yml")
    day = pd.Timestamp(meeting_date).date()
    if not context.sessions:
        return None, f"no programme sessions are known; the meeting was on {day}; session_id left empty"
    found = [_session_id(s) for s in context.sessions if _session_date(s) == day]
    if len(found) == 1:
        return found[0], None
    if len(found) > 1:
        return None, (f"sessions {', '.join(found)} are all on {day} (the meeting date); session_id "
                      "left empty — pin the file to its session in programme.yml")
    return None, (f"no session of the pilot is on {day} (the meeting date); session_id left empty — "
                  "pin the file to its session in programme.yml")


# --------------------------------------------------------------------------- people

def person_key(names: pd.Series, emails: pd.Series) -> pd.Series:
    """A key for "the same person within one file": name and email, ignoring case and spacing
    (lower case, runs of white space as one space).

    >>> import pandas as pd
    >>> person_key(pd.Series(["Smith,  Jane ", "smith, jane"]), pd.Series(["J.Smith@x.gov.uk", None])).tolist()
    ['smith, jane\\x1fj.smith@x.gov.uk', 'smith, jane\\x1f']
    """
    def folded(values) -> pd.Series:
        text = pd.Series(values, dtype="object").fillna("").astype(str)
        return text.str.replace(r"\s+", " ", regex=True).str.strip().str.lower()

    if not (isinstance(names, pd.Series) and isinstance(emails, pd.Series) and names.index.equals(emails.index)
            and _all_text(names) and _all_text(emails)):
        return (folded(names) + "\x1f" + folded(emails)).astype("object")
    # names and emails repeat (reconnects): fold each distinct text once, rows find theirs by hashing
    both = np.concatenate([names.to_numpy(dtype=object), emails.to_numpy(dtype=object)])
    codes, distinct = pd.factorize(both)
    spaced = pa.array([_SPACES.sub(" ", value) for value in distinct] + [""], type=pa.string())
    key = pc.utf8_lower(pc.utf8_trim_whitespace(spaced)).to_numpy(zero_copy_only=False)[codes]
    n = len(names)
    joined = np.strings.add(np.strings.add(key[:n].astype(str), "\x1f"), key[n:].astype(str)) if n else key[:0]
    name = names.name if names.name == emails.name else None
    return pd.Series(joined.astype(object), index=names.index, dtype="object", name=name, copy=False)


_SPACES = re.compile(r"\s+")


def _all_text(values: pd.Series) -> bool:
    """Whether every present value is text (then missing ones fold as empty text)."""
    return pd.api.types.infer_dtype(values.to_numpy(dtype=object), skipna=True) in ("string", "empty")


def exclude_waiting_room(intervals: pd.DataFrame, flag: str = "waiting_room") -> pd.DataFrame:
    """The intervals that were spent in the meeting itself (waiting-room rows left out).

    >>> import pandas as pd
    >>> rows = pd.DataFrame({"person": ["a", "a"], "waiting_room": [True, False]})
    >>> len(exclude_waiting_room(rows))
    1
    """
    if flag not in intervals.columns:
        return intervals.copy()
    waiting = intervals[flag].fillna(False).astype(bool)
    return intervals[~waiting].copy()


def merge_intervals(intervals: pd.DataFrame, *, by: str = "person", start: str = "joined_at",
                    end: str = "left_at") -> pd.DataFrame:
    """Each person's intervals as stretches of continuous presence (overlaps merged).

    Returns one row per stretch with columns ``by``, ``start``, ``end``. Rows missing a
    start or an end are left out. Vectorised: a running maximum of the end times decides
    where a new stretch begins.

    >>> import pandas as pd
    >>> t = lambda s: pd.Timestamp(f"2022-11-15 {s}")
    >>> rows = pd.DataFrame({"person": ["a", "a", "a"], "joined_at": [t("10:00"), t("09:00"), t("09:30")],
    ...                      "left_at": [t("10:30"), t("09:45"), t("09:40")]})
    >>> merge_intervals(rows)
      person           joined_at             left_at
    0      a 2022-11-15 09:00:00 2022-11-15 09:45:00
    1      a 2022-11-15 10:00:00 2022-11-15 10:30:00
    """
    frame = intervals.loc[intervals[start].notna() & intervals[end].notna(), [by, start, end]]
    frame = frame.sort_values([by, start, end], kind="stable").reset_index(drop=True)
    if frame.empty:
        return frame
    reach = frame.groupby(by, sort=False)[end].cummax()
    previous = reach.groupby(frame[by], sort=False).shift()
    begins = previous.isna() | (frame[start] > previous)
    stretch = begins.cumsum()
    merged = frame.groupby(stretch, sort=False).agg({by: "first", start: "min", end: "max"})
    return merged.reset_index(drop=True)


def presence(intervals: pd.DataFrame, *, by: str = "person", start: str = "joined_at",
             end: str = "left_at") -> pd.DataFrame:
    """Per person: first join, last leave and minutes present (the union of their intervals).

    Columns: ``by``, ``joined_at``, ``left_at``, ``minutes_present``.
    """
    merged = merge_intervals(intervals, by=by, start=start, end=end)
    if merged.empty:
        return pd.DataFrame({by: pd.Series(dtype="object"), "joined_at": pd.Series(dtype="object"),
                             "left_at": pd.Series(dtype="object"),
                             "minutes_present": pd.Series(dtype="float64")})
    merged["seconds"] = (merged[end] - merged[start]).dt.total_seconds()
    out = merged.groupby(by, sort=False).agg(
        joined_at=(start, "min"), left_at=(end, "max"), seconds=("seconds", "sum")
    )
    out["minutes_present"] = out.pop("seconds") / 60.0
    return out.reset_index()


def close_open_intervals(connections: pd.DataFrame, until) -> pd.DataFrame:
    """Give rows that have a join but no leave the leave time ``until`` (the end of the
    meeting, or the file's last time); the new column ``left_open`` marks them.

    >>> import pandas as pd
    >>> rows = pd.DataFrame({"joined_at": [pd.Timestamp("2022-11-15 09:00")], "left_at": [pd.NaT]})
    >>> close_open_intervals(rows, pd.Timestamp("2022-11-15 10:00"))["left_at"].tolist()
    [Timestamp('2022-11-15 10:00:00')]
    """
    out = connections.copy()
    is_open = out["joined_at"].notna() & out["left_at"].isna()
    out["left_open"] = is_open
    if until is not None and not pd.isna(until) and is_open.any():
        out.loc[is_open, "left_at"] = until
    return out


def people_from_connections(connections: pd.DataFrame, *,
                            keep: Iterable[str] = ()) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One row per person from one row per connection, and the fate of every connection.

    ``connections`` columns: ``source_row``, ``person`` (see :func:`person_key`),
    ``source_name``, ``source_email``, ``joined_at``, ``left_at`` (tz-aware or ``NaT``),
    ``problem`` (a reason to quarantine the row, else ``None``); optional
    ``waiting_room`` (bool), ``fallback_joined_at``, ``fallback_left_at`` and
    ``declared_minutes`` (used for a person none of whose rows has both times), and the
    extra columns named in ``keep`` (first non-empty value per person).

    A person's first usable row is ``kept``, their other rows ``merged``; a row with a
    problem is ``quarantined`` and the person's other rows still count. A person seen only
    in the waiting room is ``absent`` with 0 minutes.

    Returns ``people`` (``person``, ``source_row``, ``source_name``, ``source_email``,
    ``status``, ``joined_at``, ``left_at``, ``minutes_present``, then ``keep``; in file
    order) and ``fates`` (``source_row``, ``fate``, ``reason``).

    >>> import pandas as pd
    >>> t = lambda s: pd.Timestamp(f"2025-01-21 {s}", tz="Europe/London")
    >>> connections = pd.DataFrame({
    ...     "source_row": [5, 6, 7, 8],
    ...     "person": ["jane", "amir", "jane", "visitor"],
    ...     "source_name": ["Jane Smith", "Amir Khan", "Jane Smith", "Visitor"],
    ...     "source_email": [None, None, None, None],
    ...     "joined_at": [t("17:58"), t("18:00"), t("18:00"), t("18:20")],
    ...     "left_at": [t("18:00"), pd.NaT, t("18:40"), t("18:25")],
    ...     "waiting_room": [True, False, False, True],
    ...     "problem": [None, "row 6: no leave time", None, None],
    ... })
    >>> people, fates = people_from_connections(connections)
    >>> people[["source_name", "source_row", "status", "minutes_present"]]
      source_name  source_row   status  minutes_present
    0  Jane Smith           5  present             40.0
    1     Visitor           8   absent              0.0
    >>> fates["fate"].tolist()
    ['kept', 'quarantined', 'merged', 'kept']
    """
    keep = list(keep)
    given = connections["source_row"].to_numpy(dtype=np.int64)
    in_order = len(given) < 2 or bool((given[1:] >= given[:-1]).all())
    # rows in file order (a stable sort); each column is taken in that order when first used
    sorting = None if in_order else np.argsort(given, kind="stable")

    def column(name: str) -> pd.Series:
        values = connections[name]
        values = values if sorting is None else values.take(sorting)
        return values.reset_index(drop=True)

    def array(name: str) -> np.ndarray:
        values = connections[name].to_numpy()
        return values if sorting is None else values[sorting]

    source_row = given if sorting is None else given[sorting]
    problem = array("problem").astype(object, copy=False)
    bad = ~pd.isna(problem)
    usable = ~bad
    person, persons = pd.factorize(array("person").astype(object, copy=False))
    if (person[usable] < 0).any():
        raise ValueError("a usable connection has no person key")

    # fates: each person's first usable row is kept (the lowest source_row), the rest merged
    first = np.full(len(persons), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, person[usable], source_row[usable])
    first_of_row = np.where(usable, first[np.where(person >= 0, person, 0)], 0)
    merged = usable & (source_row != first_of_row)
    fate = np.where(bad, "quarantined", np.where(merged, "merged", "kept")).astype(object)
    reason = problem.copy()
    reason[~bad] = None
    if merged.any():
        reason[merged] = np.strings.add(np.strings.add("same person as row ", first_of_row[merged].astype(str)),
                                        " (merged into that row)").astype(object)
    fates = pd.DataFrame({"source_row": pd.Series(source_row, dtype=int, copy=False),
                          "fate": pd.Series(fate, dtype="object", copy=False),
                          "reason": pd.Series(reason, dtype="object", copy=False)}, copy=False)

    # people, in the order each is first seen among the usable rows
    at = np.flatnonzero(usable)
    owner = person[at]
    seen_first = np.zeros(len(persons), dtype=bool)
    seen_first[owner] = True
    codes, first_at = np.unique(owner, return_index=True)  # each person's first usable row
    order = codes[np.argsort(first_at, kind="stable")]  # person codes, first seen first
    first_row_of = np.full(len(persons), -1, dtype=np.int64)
    first_row_of[codes] = at[first_at]
    waiting = (pd.Series(array("waiting_room"), dtype="object").fillna(False).astype(bool).to_numpy(dtype=bool)
               if "waiting_room" in connections.columns else np.zeros(len(source_row), dtype=bool))
    joined_at, left_at = column("joined_at"), column("left_at")
    timed = usable & ~waiting & joined_at.notna().to_numpy() & left_at.notna().to_numpy()
    joined, left, minutes, seen = _union_of_intervals(person, timed, joined_at, left_at, len(persons))
    seen_in_meeting = seen[order]
    only_waiting = np.ones(len(persons), dtype=bool)
    only_waiting[person[at[~waiting[at]]]] = False  # a usable row outside the waiting room
    only_waiting = only_waiting[order] & ~seen_in_meeting

    count = len(order)
    # the person keys typed as a frame's index made a column types them (text as ``str``)
    people = {"person": pd.Series(persons[order], dtype="object", copy=False).infer_objects()}
    for name in ["source_row", "source_name", "source_email"]:
        people[name] = _first_present(column(name), at, owner, first_row_of, order)
    joined, left = joined.iloc[order].reset_index(drop=True), left.iloc[order].reset_index(drop=True)
    minutes = minutes[order]
    if "fallback_joined_at" in connections.columns:
        joined = joined.where(seen_in_meeting, _first_present(column("fallback_joined_at"), at, owner, first_row_of,
                                                              order))
    if "fallback_left_at" in connections.columns:
        left = left.where(seen_in_meeting, _first_present(column("fallback_left_at"), at, owner, first_row_of, order))
    if "declared_minutes" in connections.columns:
        declared = pd.to_numeric(_first_present(column("declared_minutes"), at, owner, first_row_of, order),
                                 errors="coerce").to_numpy(dtype="float64")
        minutes = np.where(seen_in_meeting, minutes, declared)
    if only_waiting.any():
        minutes[only_waiting] = 0.0
        joined, left = joined.copy(), left.copy()
        joined[only_waiting] = pd.NaT
        left[only_waiting] = pd.NaT
    people["status"] = pd.Series(np.where(only_waiting, "absent", "present"), dtype="str")
    people["joined_at"] = joined
    people["left_at"] = left
    people["minutes_present"] = pd.Series(minutes, dtype="float64", copy=False)
    for name in keep:
        people[name] = _first_present(column(name), at, owner, first_row_of, order)
    people = pd.DataFrame(people, index=pd.RangeIndex(count), copy=False)
    rows = people["source_row"].to_numpy()
    if len(rows) > 1 and not (rows[1:] >= rows[:-1]).all():
        people = people.sort_values("source_row", kind="stable").reset_index(drop=True)
    return people, fates


def _first_present(values: pd.Series, at: np.ndarray, owner: np.ndarray, first_row_of: np.ndarray,
                   order: np.ndarray) -> pd.Series:
    """Per person (codes in ``order``): the first present value among their usable rows
    (rows ``at``, owned by ``owner``), as grouping and taking the first gives it: the
    column's dtype, an object column's missing value ``None``; numbered from 0."""
    plain = values.dtype == object
    cells = values.to_numpy() if plain else None
    missing = pd.isna(cells) if plain else values.isna().to_numpy(dtype=bool)
    if not missing[at].any():  # every usable row has a value: each person's first row
        rows, found = first_row_of[order], None
    else:
        present = at[~missing[at]]
        codes, first_at = np.unique(owner[~missing[at]], return_index=True)
        row_of = np.full(len(first_row_of), -1, dtype=np.int64)
        row_of[codes] = present[first_at]
        rows = row_of[order]
        found = rows >= 0
        if found.all():
            found = None
        else:
            rows = np.where(found, rows, 0)
    if plain:
        taken = cells[rows]
        if found is not None:
            taken[~found] = None
        return pd.Series(taken, dtype="object", copy=False)
    out = values.take(rows).reset_index(drop=True)
    return out if found is None else out.where(found)


def _union_of_intervals(person: np.ndarray, timed: np.ndarray, joined_at: pd.Series, left_at: pd.Series,
                        count: int) -> tuple[pd.Series, pd.Series, np.ndarray, np.ndarray]:
    """Per person code ``0 … count-1``: first join, last leave, minutes present (the union of
    the ``timed`` rows' intervals, overlaps counted once) and whether any row was timed.

    Times keep the dtype of ``joined_at`` / ``left_at``; people with no timed row get NaT
    (and NaN minutes). Vectorised as :func:`merge_intervals`: a running maximum of leave
    times per person decides where a new stretch of presence begins.
    """
    at = np.flatnonzero(timed)
    seen = np.zeros(count, dtype=bool)
    minutes = np.full(count, np.nan)
    if len(at) == 0:  # as :func:`presence` of no intervals: times unknown
        empty = pd.Series(np.nan, index=pd.RangeIndex(count), dtype="object")
        return empty, empty.copy(), minutes, seen
    start = _nanoseconds(joined_at.iloc[at])
    end = _nanoseconds(left_at.iloc[at])
    owner = person[at]
    order = np.lexsort((end, start, owner))
    at, start, end, owner = at[order], start[order], end[order], owner[order]
    n = len(at)
    opens = np.ones(n, dtype=bool)
    opens[1:] = owner[1:] != owner[:-1]  # each person's earliest interval
    # the running maximum of leave times within each person (owners ascend): ranks of the
    # leave times, offset by owner so that one person's maximum never reaches the next's
    by_end = np.argsort(end, kind="stable")
    rank = np.empty(n, dtype=np.int64)
    rank[by_end] = np.arange(n, dtype=np.int64)
    offset = owner.astype(np.int64) * n
    reach = end[by_end[np.maximum.accumulate(offset + rank) - offset]]
    begins = opens.copy()
    begins[1:] |= start[1:] > reach[:-1]
    closes = np.ones(n, dtype=bool)
    closes[:-1] = begins[1:]  # a stretch ends at the running maximum of its last interval
    seconds = (reach[closes] - start[begins]) / 1e9
    stretch_owner = owner[begins]
    # per person, the sum of their stretches (stretches of a person are next to each other)
    bounds = np.flatnonzero(np.r_[True, stretch_owner[1:] != stretch_owner[:-1]])
    minutes[stretch_owner[bounds]] = np.add.reduceat(seconds, bounds) / 60.0
    seen[owner] = True
    first_row = np.full(count, -1, dtype=np.int64)
    first_row[owner[opens]] = at[opens]
    latest = np.lexsort((end, owner))  # per person, the interval ending last comes last
    ends_group = np.ones(n, dtype=bool)
    ends_group[:-1] = owner[latest][1:] != owner[latest][:-1]
    last_row = np.full(count, -1, dtype=np.int64)
    last_row[owner[latest][ends_group]] = at[latest][ends_group]
    return _take(joined_at, first_row), _take(left_at, last_row), minutes, seen


def _nanoseconds(times: pd.Series) -> np.ndarray:
    """Date-times (naive or aware, any unit) as int64 nanoseconds (UTC for aware ones)."""
    return pd.DatetimeIndex(times).as_unit("ns").asi8


def _take(values: pd.Series, rows: np.ndarray) -> pd.Series:
    """``values`` at positions ``rows`` (``-1`` gives a missing value), numbered from 0."""
    found = rows >= 0
    out = values.iloc[np.where(found, rows, 0)].reset_index(drop=True)
    return out if found.all() else out.where(found)
