"""Write Microsoft Teams attendance files as Teams writes them.

* :func:`write_teams_report` — the attendance report, in the 2021-22 layout (``Meeting
  Summary`` + one row per join/leave) or the 2022+ layout (``1. Summary``, ``2. Participants``,
  ``3. In-Meeting Activities``); UTF-16 LE with a BOM, tab-separated.
* :func:`write_teams_legacy` — the 2020-21 ``meetingAttendanceList.csv`` (Joined / Left /
  Joined before), no final newline.

Each returns a :class:`~evalkit.sample.formats.Written` whose ``attendance`` rows are worked
out here from the segments themselves (not by the reader's code): one row per person as the
file shows them (distinct name + email), with the union of their intervals as minutes
present.

>>> import numpy as np, pandas as pd, tempfile
>>> from pathlib import Path
>>> segments = pd.DataFrame({
...     "person_key": ["SUF-01", "SUF-01", "SUF-02"],
...     "name": ["Smith, Jane (External)", "Smith, Jane (External)", "Cllr Tom Clarke"],
...     "email": ["jane.smith@babergh.gov.uk"] * 2 + ["t.clarke@ipswich.gov.uk"],
...     "upn": ["jane.smith@babergh.gov.uk"] * 2 + ["t.clarke@ipswich.gov.uk"],
...     "role": ["Attendee", "Attendee", "Presenter"],
...     "join": pd.to_datetime(["2022-11-15 09:31:05", "2022-11-15 10:15:00", "2022-11-15 09:30:00"]),
...     "leave": pd.to_datetime(["2022-11-15 10:05:00", "2022-11-15 10:58:00", "2022-11-15 11:00:00"]),
... })
>>> with tempfile.TemporaryDirectory() as folder:
...     written = write_teams_report(Path(folder) / "w2.csv", source_file="suffolk/attendance/w2.csv",
...         session_id="suf-w2", title="Workshop 2", start=pd.Timestamp("2022-11-15 09:30:00"),
...         end=pd.Timestamp("2022-11-15 11:00:00"), segments=segments, rng=np.random.default_rng(1))
>>> written.tables["attendance"][["source_name", "minutes_present"]]
               source_name  minutes_present
0          Cllr Tom Clarke        90.000000
1   Smith, Jane (External)        76.916667
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from ...clean.dates import localise
from . import Written

__all__ = ["write_teams_report", "write_teams_legacy"]

ATTENDANCE_COLUMNS = ["source_file", "source_row", "session_id", "source_name", "source_email", "status",
                      "joined_at", "left_at", "minutes_present", "source"]


# --------------------------------------------------------------------------- shared helpers

def fold(text) -> str:
    """Name or email folded the way a reader tells people apart (case and spacing)."""
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return ""
    return " ".join(str(text).split()).lower()


def blank_to_none(text):
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return None
    text = str(text).strip()
    return text or None


def union_seconds(intervals: list[tuple[pd.Timestamp, pd.Timestamp]]) -> float:
    """Seconds covered by the union of ``intervals`` (overlaps counted once)."""
    total, current = 0.0, None
    for start, end in sorted(intervals):
        if current is None or start > current[1]:
            if current is not None:
                total += (current[1] - current[0]).total_seconds()
            current = [start, end]
        else:
            current[1] = max(current[1], end)
    if current is not None:
        total += (current[1] - current[0]).total_seconds()
    return total


def aware(times, timezone: str) -> pd.Series:
    """Naive local times as tz-aware ``datetime64[ns, timezone]``."""
    naive = pd.Series(pd.to_datetime(pd.Series(list(times), dtype="object")), dtype="datetime64[ns]")
    return localise(naive, timezone).astype(f"datetime64[ns, {timezone}]")


def quote(cell: str, delimiter: str) -> str:
    """Quote a cell the way the exporters do: only when it holds a delimiter, quote or line break."""
    cell = "" if cell is None else str(cell)
    if any(ch in cell for ch in (delimiter, '"', "\n", "\r")):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def fates_table(rows: list[tuple[int, str, str | None]]) -> pd.DataFrame:
    return pd.DataFrame({
        "source_row": pd.array([r[0] for r in rows], dtype="Int64"),
        "fate": pd.Series([r[1] for r in rows], dtype="object"),
        "table": pd.Series(["attendance"] * len(rows), dtype="object"),
        "reason": pd.Series([r[2] for r in rows], dtype="object"),
    })


def people_frame(records: list[dict], timezone: str, extra: list[str]) -> pd.DataFrame:
    columns = ["person_key", *ATTENDANCE_COLUMNS, *extra]
    frame = pd.DataFrame({c: pd.Series([r.get(c) for r in records], dtype="object") for c in columns})
    frame["source_row"] = frame["source_row"].astype("Int64")
    frame["minutes_present"] = frame["minutes_present"].astype("float64")
    for column in ("joined_at", "left_at"):
        values = pd.to_datetime(pd.Series(list(frame[column]), dtype="object"), utc=True)
        frame[column] = values.dt.tz_convert(timezone).astype(f"datetime64[ns, {timezone}]")
    return frame.sort_values("source_row", kind="stable").reset_index(drop=True)


def _check_columns(segments: pd.DataFrame, needed: list[str]) -> None:
    missing = [c for c in needed if c not in segments.columns]
    if missing:
        raise ValueError(f"segments lack column(s): {', '.join(missing)}")


def _teams_time(ts: pd.Timestamp, date_order: str, four_digit_year: bool) -> str:
    year = f"{ts.year}" if four_digit_year else f"{ts.year % 100:02d}"
    if date_order == "day-first":
        return f"{ts.day:02d}/{ts.month:02d}/{year}, {ts.hour:02d}:{ts.minute:02d}:{ts.second:02d}"
    if date_order == "month-first":
        hour = ts.hour % 12 or 12
        return f"{ts.month}/{ts.day}/{year}, {hour}:{ts.minute:02d}:{ts.second:02d} {'AM' if ts.hour < 12 else 'PM'}"
    raise ValueError(f"date_order must be day-first or month-first, not {date_order!r}")


def teams_duration(seconds: float) -> str:
    """``1h 13m 42s``, ``59m 35s``, ``3h``, ``45s``: zero parts left out, as Teams writes them.

    >>> teams_duration(4422), teams_duration(10800), teams_duration(0)
    ('1h 13m 42s', '3h', '0s')
    """
    seconds = int(round(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    parts = [f"{h}h" if h else "", f"{m}m" if m else "", f"{s}s" if s else ""]
    return " ".join(p for p in parts if p) or "0s"


def _ambiguity_quirk(times: list[pd.Timestamp]) -> str | None:
    days = {(t.day, t.month) for t in times}
    if all(d <= 12 and m <= 12 for d, m in days) and any(d != m for d, m in days):
        return ("every date fits both day-first and month-first: the reader decides from the session date "
                "(or a pin)")
    return None


def _whole_seconds(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series).dt.floor("s")


# --------------------------------------------------------------------------- Teams report

def write_teams_report(path: Path, *, source_file: str, session_id: str, title: str,
                       start: pd.Timestamp, end: pd.Timestamp, segments: pd.DataFrame,
                       layout: str = "2022", date_order: str = "day-first", newline: str = "\r\n",
                       declared_participants: int | None = None, timezone: str = "Europe/London",
                       rng: np.random.Generator) -> Written:
    """Write a Teams attendance report (``layout`` "2021" or "2022").

    ``segments``: one row per join/leave interval with ``person_key``, ``name`` (as Teams
    shows it), ``email``, ``upn``, ``role`` (Organizer/Presenter/Attendee), ``join`` and
    ``leave`` (naive local times, whole seconds). ``date_order`` "day-first" writes
    ``15/11/22, 09:30:17``; "month-first" writes ``3/14/23, 6:00:02 PM``.
    ``declared_participants`` puts a different count in the summary than the rows list.
    """
    if layout not in ("2021", "2022"):
        raise ValueError(f"layout must be '2021' or '2022', not {layout!r}")
    if newline not in ("\r\n", "\n"):
        raise ValueError("newline must be '\\r\\n' or '\\n'")
    _check_columns(segments, ["person_key", "name", "email", "upn", "role", "join", "leave"])
    segs = segments.copy()
    segs["join"], segs["leave"] = _whole_seconds(segs["join"]), _whole_seconds(segs["leave"])
    if (segs["leave"] < segs["join"]).any() or segs[["join", "leave"]].isna().any().any():
        raise ValueError("every segment needs a join and a leave, the leave not before the join")
    segs["who"] = segs["name"].map(fold) + "\x1f" + segs["email"].map(fold)
    _one_key_per_person(segs)
    segs = segs.sort_values(["join", "leave"], kind="stable").reset_index(drop=True)
    start, end = pd.Timestamp(start).floor("s"), pd.Timestamp(end).floor("s")
    four = layout == "2021"
    when = lambda ts: _teams_time(ts, date_order, four)  # noqa: E731
    quirks = [f"Teams attendance report, {layout} layout, {date_order} dates, UTF-16 LE BOM, tab-separated, "
              + ("CRLF" if newline == "\r\n" else "LF")]
    order = list(dict.fromkeys(segs["who"]))  # people in order of first join
    n_people = len(order)
    declared = n_people if declared_participants is None else int(declared_participants)
    if declared != n_people:
        quirks.append(f"summary says {declared} participants, {n_people} listed")

    lines: list[str] = []
    fates: list[tuple[int, str, str | None]] = []
    first_row: dict[str, int] = {}

    def structure(text: str, reason: str) -> None:
        lines.append(text)
        fates.append((len(lines), "skipped-structure", reason))

    def data(cells: list[str], who: str) -> None:
        lines.append("\t".join(quote(c, "\t") for c in cells))
        if who in first_row:
            fates.append((len(lines), "merged", f"same person as row {first_row[who]}"))
        else:
            first_row[who] = len(lines)
            fates.append((len(lines), "kept", None))

    repeat = int(rng.integers(len(segs))) if len(segs) and rng.random() < 0.5 else None
    if layout == "2022":
        first_join = rng.choice(["First Join", "First join"])
        in_meeting = rng.choice(["In-Meeting Duration", "In-meeting duration"])
        activities = rng.choice(["3. In-Meeting Activities", "3. In-Meeting activities"])
        durations = {who: (segs.loc[segs["who"] == who, "leave"] - segs.loc[segs["who"] == who, "join"])
                     .dt.total_seconds().sum() for who in order}
        structure("1. Summary", "section heading")
        structure(f"Meeting title\t{quote(title, chr(9))}", "summary line")
        structure(f"Attended participants\t{declared}", "summary line")
        structure(f"Start time\t{when(start)}", "summary line")
        structure(f"End time\t{when(end)}", "summary line")
        structure(f"Meeting duration\t{teams_duration((end - start).total_seconds())}", "summary line")
        average = sum(durations.values()) / n_people if n_people else 0
        structure(f"Average attendance time\t{teams_duration(average)}", "summary line")
        structure("", "blank line")
        structure("2. Participants", "section heading")
        structure("\t".join(["Name", first_join, "Last Leave", in_meeting, "Email", "Participant ID (UPN)",
                             "Role"]), "header row")
        for who in order:
            mine = segs[segs["who"] == who]
            head = mine.iloc[0]
            data([str(head["name"]), when(mine["join"].min()), when(mine["leave"].max()),
                  teams_duration(durations[who]), _cell(head["email"]), _cell(head["upn"]), str(head["role"])], who)
        structure("", "blank line")
        structure(activities, "section heading")
        structure("\t".join(["Name", "Join Time", "Leave Time", "Duration", "Email", "Role"]), "header row")
        for who in order:
            for index, seg in segs[segs["who"] == who].iterrows():
                cells = [str(seg["name"]), when(seg["join"]), when(seg["leave"]),
                         teams_duration((seg["leave"] - seg["join"]).total_seconds()), _cell(seg["email"]),
                         str(seg["role"])]
                data(cells, who)
                if index == repeat:
                    data(cells, who)
    else:
        structure("Meeting Summary", "section heading")
        structure(f"Total Number of Participants\t{declared}", "summary line")
        structure(f"Meeting Title\t{quote(title, chr(9))}", "summary line")
        structure(f"Meeting Start Time\t{when(start)}", "summary line")
        structure(f"Meeting End Time\t{when(end)}", "summary line")
        structure("", "blank line")
        structure("\t".join(["Full Name", "Join Time", "Leave Time", "Duration", "Email", "Role",
                             "Participant ID (UPN)"]), "header row")
        for index, seg in segs.iterrows():
            cells = [str(seg["name"]), when(seg["join"]), when(seg["leave"]),
                     teams_duration((seg["leave"] - seg["join"]).total_seconds()), _cell(seg["email"]),
                     str(seg["role"]), _cell(seg["upn"])]
            data(cells, seg["who"])
            if index == repeat:
                data(cells, seg["who"])
    if repeat is not None:
        quirks.append("one join/leave line repeated (merged)")
    if segs["who"].value_counts().gt(1).any():
        quirks.append("reconnects: several join/leave rows for one person")
    ambiguous = _ambiguity_quirk([start, end, *segs["join"], *segs["leave"]])
    if ambiguous:
        quirks.append(ambiguous)
    Path(path).write_bytes(b"\xff\xfe" + (newline.join(lines) + newline).encode("utf-16-le"))

    records = []
    for who in order:
        mine = segs[segs["who"] == who]
        joins, leaves = aware(mine["join"], timezone), aware(mine["leave"], timezone)
        records.append({
            "person_key": mine["person_key"].iloc[0],
            "source_file": source_file,
            "source_row": first_row[who],
            "session_id": session_id,
            "source_name": blank_to_none(mine["name"].iloc[0]),
            "source_email": _first_text(mine["email"]),
            "status": "present",
            "joined_at": joins.min(),
            "left_at": leaves.max(),
            "minutes_present": union_seconds(list(zip(joins, leaves))) / 60.0,
            "source": "teams",
            "role": _first_text(mine["role"]),
            "upn": _first_text(mine["upn"]) if layout == "2021" else blank_to_none(mine["upn"].iloc[0]),
        })
    table = people_frame(records, timezone, ["role", "upn"])
    return Written(source_file, "teams-attendance-report", {"attendance": table}, fates_table(fates), quirks)


def _cell(value) -> str:
    return blank_to_none(value) or ""


def _first_text(values: pd.Series):
    for value in values:
        text = blank_to_none(value)
        if text is not None:
            return text
    return None


def _one_key_per_person(segs: pd.DataFrame, who: str = "who") -> None:
    keys = segs.groupby(who)["person_key"].nunique()
    if (keys > 1).any():
        clash = keys[keys > 1].index[0].replace("\x1f", " / ")
        raise ValueError(f"two people share the name and email {clash!r}: a reader cannot tell them apart")


# --------------------------------------------------------------------------- legacy list

def write_teams_legacy(path: Path, *, source_file: str, session_id: str, segments: pd.DataFrame,
                       timezone: str = "Europe/London", rng: np.random.Generator) -> Written:
    """Write a legacy ``meetingAttendanceList.csv`` (Full Name / User Action / Timestamp).

    ``segments``: ``person_key``, ``name``, ``join``, ``leave`` (``NaT``: still in the meeting
    when the list was saved). People present when the list begins get ``Joined before``;
    overlapping segments of one name are merged first (the list cannot show them). UTF-16 LE
    BOM, tab, CRLF, no final newline; the date style (en-GB or en-US) is chosen with ``rng``.
    """
    _check_columns(segments, ["person_key", "name", "join", "leave"])
    segs = segments.copy()
    segs["join"], segs["leave"] = _whole_seconds(segs["join"]), _whole_seconds(segs["leave"])
    if segs["join"].isna().any() or (segs["leave"] < segs["join"]).any():
        raise ValueError("every segment needs a join, and a leave (or NaT) not before it")
    segs["who"] = segs["name"].map(fold)
    _one_key_per_person(segs)
    date_order = str(rng.choice(["day-first", "month-first"]))
    if date_order == "day-first":
        when = lambda ts: (f"{ts.day:02d}/{ts.month:02d}/{ts.year}, "  # noqa: E731
                           f"{ts.hour:02d}:{ts.minute:02d}:{ts.second:02d}")
    else:
        when = lambda ts: (f"{ts.month}/{ts.day}/{ts.year}, {ts.hour % 12 or 12}:{ts.minute:02d}:"  # noqa: E731
                           f"{ts.second:02d} {'AM' if ts.hour < 12 else 'PM'}")
    first_time = segs["join"].min()

    # stretches of presence per name (union; an open segment lasts to the end)
    events = []  # (time, order, name, action, who, person_key)
    stretches: dict[str, list[list]] = {}
    for who, mine in segs.sort_values(["join"], kind="stable").groupby("who", sort=False):
        merged: list[list] = []
        for _, seg in mine.iterrows():
            leave = seg["leave"] if pd.notna(seg["leave"]) else pd.Timestamp.max
            if merged and seg["join"] <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], leave)
            else:
                merged.append([seg["join"], leave])
        stretches[who] = merged
        name, key = str(mine["name"].iloc[0]), mine["person_key"].iloc[0]
        for begin, finish in merged:
            events.append((begin, 0, name, "Joined before" if begin == first_time else "Joined", who, key))
            if finish != pd.Timestamp.max:
                events.append((finish, 1, name, "Left", who, key))
    quirks = [f"legacy attendance list, {date_order} dates, UTF-16 LE BOM, tab, no final newline"]
    closed = [(w, s) for w, ss in stretches.items() for s in ss if s[1] != pd.Timestamp.max
              and (s[1] - s[0]).total_seconds() >= 120]
    if closed and rng.random() < 0.6:
        who, (begin, finish) = closed[int(rng.integers(len(closed)))]
        offset = pd.Timedelta(seconds=int(rng.integers(1, int((finish - begin).total_seconds()) - 1)))
        name, key = next((e[2], e[5]) for e in events if e[4] == who)
        events.append((begin + offset, 0, name, "Joined", who, key))
        quirks.append("a second Joined without a Left between (another device)")
    if any(s[1] == pd.Timestamp.max for ss in stretches.values() for s in ss):
        quirks.append("someone never left: stays to the list's last timestamp")
    events.sort(key=lambda e: (e[0], e[1]))
    last_time = max(e[0] for e in events)

    lines = ["Full Name\tUser Action\tTimestamp"]
    fates: list[tuple[int, str, str | None]] = [(1, "skipped-structure", "header row")]
    first_row: dict[str, int] = {}
    for at, _, name, action, who, _ in events:
        lines.append(f"{name}\t{action}\t{when(at)}")
        if who in first_row:
            fates.append((len(lines), "merged", f"same person as row {first_row[who]}"))
        else:
            first_row[who] = len(lines)
            fates.append((len(lines), "kept", None))
    ambiguous = _ambiguity_quirk([e[0] for e in events])
    if ambiguous:
        quirks.append(ambiguous)
    Path(path).write_bytes(b"\xff\xfe" + "\r\n".join(lines).encode("utf-16-le"))

    records = []
    for who, merged in stretches.items():
        bounds = [(b, last_time if f == pd.Timestamp.max else f) for b, f in merged]
        joins, leaves = aware([b for b, _ in bounds], timezone), aware([f for _, f in bounds], timezone)
        key = segs.loc[segs["who"] == who, "person_key"].iloc[0]
        records.append({
            "person_key": key, "source_file": source_file, "source_row": first_row[who],
            "session_id": session_id,
            "source_name": blank_to_none(segs.loc[segs["who"] == who, "name"].iloc[0]),
            "source_email": None, "status": "present", "joined_at": joins.min(), "left_at": leaves.max(),
            "minutes_present": union_seconds(list(zip(joins, leaves))) / 60.0, "source": "teams",
        })
    table = people_frame(records, timezone, [])
    return Written(source_file, "teams-attendance-list", {"attendance": table}, fates_table(fates), quirks)
