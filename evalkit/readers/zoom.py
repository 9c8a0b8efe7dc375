"""Zoom participant reports, in both variants.

UTF-8 with a BOM, CRLF, minimal quoting.

* **zoom-participants** ("with meeting data"): a meeting block first (``Meeting ID, Topic,
  Start Time, End Time, User Email, Duration (Minutes), Participants,`` with a trailing
  comma, one value row, a blank line), then one row per connection: ``Name (Original
  Name), User Email, Join Time, Leave Time, Duration (Minutes), Guest`` and sometimes
  ``Recording Consent`` and ``In Waiting Room``. A person has several rows (reconnects,
  the waiting room), not next to each other.
* **zoom-unique-users**: one row per person with ``Total Duration (Minutes)`` and no times.

Times are ``MM/DD/YYYY hh:mm:ss AM/PM`` in the account's time zone. Minutes present are
computed from join and leave times (the union of a person's connections, waiting room left
out); Zoom's ``Duration (Minutes)`` is rounded up per row and is not used. The Meeting ID
is kept as text. In ``Name (Original Name)`` the original name is the last parenthesised
group; the display name before it may hold parentheses of its own. Dial-in callers appear
as a phone number with no email.

>>> from evalkit.readers.zoom import FORMATS, split_original_name
>>> sorted(FORMATS)
['zoom-participants', 'zoom-unique-users']
>>> split_original_name(pd.Series(["Jane Smith (Jane's iPad) (Jane Smith)", "07700 900123"])).values.tolist()
[["Jane Smith (Jane's iPad)", 'Jane Smith', False], ['07700 900123', None, True]]
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..clean.attendance import (
    close_open_intervals,
    decide_file_date_order,
    match_session,
    parse_meeting_times,
    people_from_connections,
    person_key,
)
from ..clean.dates import localise
from .base import Context, InputError, Reading, Sniff, conform, decode
from .teams import (
    _NAT,
    _add_reason,
    _aware,
    _file_fates,
    _instants,
    _repeat,
    _text,
    fold_array,
    fold_cells,
    header_key,
    read_grid,
)

__all__ = ["FORMATS", "detect", "read", "split_original_name"]

FORMATS = {
    "zoom-participants": "Zoom participant report with join and leave times (with or without meeting data)",
    "zoom-unique-users": "Zoom participant report, unique users (Total Duration per person)",
}

_COLUMNS = {
    "name (original name)": "name", "name": "name", "participant": "name", "user name": "name",
    "user email": "email", "email": "email", "email address": "email",
    "join time": "join", "leave time": "leave",
    "duration (minutes)": "duration", "total duration (minutes)": "total",
    "guest": "guest", "in waiting room": "waiting",
}
_MEETING = {
    "meeting id": "meeting_id", "topic": "topic", "start time": "start", "end time": "end",
    "user email": "host_email", "duration (minutes)": "duration", "participants": "declared",
}
#: a dial-in caller's "name": a phone number (at least 7 digits, spaces, brackets, dots, dashes)
_PHONE = re.compile(r"\+?[\d\s().-]{7,}")
_ORIGINAL = re.compile(r"^(?P<display>.*?)\s*\((?P<original>[^()]*)\)\s*$")
_YES = {"yes", "y", "true", "1"}
_DIGIT = re.compile(r"\d")


def split_original_name(names: pd.Series) -> pd.DataFrame:
    """Split Zoom's ``Name (Original Name)`` cells into display name and original name.

    The original name is the last parenthesised group; a cell without one, or a phone
    number (a dial-in caller), has no original name. Returns columns ``display``,
    ``original`` (None when absent) and ``dial_in``.
    """
    text = pd.Series(names, dtype="object").fillna("").astype(str)
    # reconnects repeat names: split each distinct name once (rows find theirs by hashing)
    codes, distinct = pd.factorize(text.to_numpy(dtype=object))
    split = [_split_one(name.strip()) for name in distinct]
    display = np.array([part[0] for part in split], dtype=object)
    original = np.array([part[1] for part in split], dtype=object)
    dial_in = np.array([part[2] for part in split], dtype=bool)
    # display names are text (the str dtype) as the split has always given them
    return pd.DataFrame({"display": pd.Series(display[codes], index=text.index, dtype="str" if len(text) else "object"),
                         "original": pd.Series(original[codes], index=text.index, dtype="object"),
                         "dial_in": pd.Series(dial_in[codes], index=text.index, dtype=bool)},
                        index=text.index)


def _split_one(name: str) -> tuple[str, str | None, bool]:
    """One stripped cell as (display name, original name or None, dial-in)."""
    dial_in = _PHONE.fullmatch(name) is not None and len(_DIGIT.findall(name)) >= 7
    parts = _ORIGINAL.search(name)
    if parts is None or parts["display"] == "" or dial_in:
        return name, None, dial_in
    return parts["display"], parts["original"].strip(), dial_in


def _header_fields(cells: list[str]) -> set[str]:
    return {_COLUMNS.get(c) for c in cells} - {None}


def detect(sniff: Sniff) -> str | None:
    """``zoom-participants`` or ``zoom-unique-users`` from the meeting block and the
    participant table's header (comma-separated; a Teams report is tab-separated)."""
    if sniff.is_xlsx or not sniff.text:
        return None
    lines = [line for line in sniff.lines[:12] if line.strip()]
    if not lines or "\t" in lines[0]:
        return None
    # a report names its participants ("Name", "Participant", "User Name") or starts with
    # the meeting block: text without those words (case aside, quotes taken out as the CSV
    # reader takes them) is not one, and need not be parsed and folded
    words = "\n".join(lines).replace('"', "").casefold()
    if "name" not in words and "participant" not in words and "meeting" not in words:
        return None
    rows = list(itertools.islice(csv.reader(io.StringIO("\n".join(lines))), 5))  # the most looked at below
    first = [header_key(c) for c in rows[0]]
    start = 0
    if first[:2] == ["meeting id", "topic"]:
        start = 1
    for row in rows[start:start + 4]:
        fields = _header_fields([header_key(c) for c in row])
        if "name" not in fields:
            continue
        if {"join", "leave"} <= fields:
            return "zoom-participants"
        if "total" in fields:
            return "zoom-unique-users"
    if start:
        return "zoom-participants"
    return None


def read(path: Path, context: Context, format: str = "zoom-participants") -> Reading:
    """Read a Zoom participant report into the ``attendance`` table (one row per person)."""
    path = Path(path)
    source_file = context.source_file or path.name
    text, encoding = decode(path)
    notes = [f"encoding: {encoding}"]
    grid, line = read_grid(text, ",", path)
    width = grid.shape[1]
    blank = (grid != "").sum(axis=1) == 0
    non_blank = np.flatnonzero(~blank)
    if len(non_blank) == 0:
        raise InputError(path, "the report has no rows")
    # only the first rows can be the meeting block or the header: fold just those
    head = non_blank[:6]
    folded = dict(zip(head.tolist(), fold_array(grid[head].ravel()).reshape(len(head), width)))

    kind = np.full(len(grid), "other", dtype=object)
    kind[blank] = "blank"
    meeting: dict = {}
    position = 0
    if folded[non_blank[0]][:2].tolist() == ["meeting id", "topic"]:
        block_header = non_blank[0]
        kind[block_header] = "meeting header"
        if len(non_blank) > 1:
            values = non_blank[1]
            kind[values] = "meeting values"
            for column in range(width):
                field = _MEETING.get(folded[block_header][column])
                if field and field not in meeting:
                    meeting[field] = grid[values, column]
        position = 2
    header_at = None
    for label in non_blank[position:position + 3]:
        if "name" in _header_fields(folded[label].tolist()):
            header_at = int(label)
            break
    if header_at is None:
        raise InputError(path, "no participant table found (a header row starting Name (Original Name))")
    kind[header_at] = "header"
    fields = {}
    for column in range(width):
        field = _COLUMNS.get(folded[header_at][column])
        if field and field not in fields:
            fields[field] = column
    header_names = {f: grid[header_at, c] for f, c in fields.items()}
    data = (np.arange(len(grid)) > header_at) & ~blank
    kind[data] = "data"
    at = np.flatnonzero(data)
    count = len(at)
    cells = {field: grid[at, column] for field, column in fields.items()}

    timed = {"join", "leave"} <= set(fields)
    if not timed and "total" not in fields:
        raise InputError(path, "the participant table has neither Join Time/Leave Time nor Total Duration "
                         "(Minutes)", row=int(line[header_at]))
    if format == "zoom-unique-users" and timed:
        notes.append("read as a participant report: the table has join and leave times")
    elif format == "zoom-participants" and not timed:
        notes.append("read as a unique-users report: the table has Total Duration but no join or leave times")

    index = pd.RangeIndex(count)
    names = split_original_name(pd.Series(cells["name"], index=index, dtype="object", copy=False))
    email = pd.Series(cells["email"], index=index, dtype="object", copy=False) if "email" in fields \
        else pd.Series("", index=index)
    rows_line = line[at]
    where = np.strings.add(source_file + ", row ", rows_line.astype(str)) if count else np.array([], dtype=str)
    problem = np.full(count, None, dtype=object)
    nameless = (names["display"].fillna("") == "").to_numpy(dtype=bool)
    if nameless.any():
        problem[nameless] = np.strings.add(where[nameless], f", column '{header_names['name']}': no name")

    # ---- date order and times
    values = [meeting.get("start"), meeting.get("end")]
    for field in ("join", "leave"):
        if field in fields:
            values.extend(cells[field][cells[field] != ""].tolist())
    values = [v for v in values if v]
    order, how = decide_file_date_order(values, context, path=path, default="month-first",
                                        default_reason="Zoom writes MM/DD/YYYY, so month-first") \
        if values else ("month-first", "the file has no dates")
    notes.append(f"dates read {order}: {how}")
    meta = {"meeting_id": meeting.get("meeting_id") or None, "title": meeting.get("topic") or None,
            "host_email": meeting.get("host_email") or None}
    for field in ("start", "end"):
        meta[field] = None
        if meeting.get(field):
            naive, failed = parse_meeting_times(pd.Series([meeting[field]]), order)
            if failed.iloc[0]:
                notes.append(f"the meeting's {field} time {meeting[field]!r} is not a date-time; it is not used")
            else:
                meta[field] = localise(naive, context.timezone).iloc[0]
    declared = (meeting.get("declared") or "").strip()
    meta["declared_participants"] = int(declared) if declared.isdigit() else None

    zone_dtype = f"datetime64[ns, {context.timezone}]"
    times = {}
    for field in ("join", "leave"):
        if field not in fields:
            times[field] = pd.Series(pd.NaT, index=index, dtype=zone_dtype)
            continue
        naive, failed = parse_meeting_times(pd.Series(cells[field], index=index, dtype="object", copy=False), order)
        times[field] = localise(naive, context.timezone)
        failed = failed.to_numpy(dtype=bool)
        if failed.any():
            _add_reason(problem, failed, np.strings.add(np.strings.add(np.strings.add(
                where[failed], f", column '{header_names[field]}': '"), cells[field][failed].astype(str)),
                f"' is not a date-time (read {order})"))
    join_ns, leave_ns = _instants(times["join"]), _instants(times["leave"])
    backwards = (join_ns != _NAT) & (leave_ns != _NAT) & (leave_ns < join_ns)
    if backwards.any():
        _add_reason(problem, backwards, np.strings.add(np.strings.add(np.strings.add(
            where[backwards], f", column '{header_names.get('leave')}': '"), cells["leave"][backwards].astype(str)),
            "' is before the join time"))

    email_text = _text(email)
    connections = pd.DataFrame({
        "source_row": rows_line,
        "person": person_key(names["display"], email),
        "source_name": _text(names["display"]),
        "source_original_name": names["original"],
        "source_email": email_text,
        "joined_at": times["join"],
        "left_at": times["leave"],
        "guest": _flag(pd.Series(cells["guest"], index=index, dtype="object", copy=False))
        if "guest" in fields else None,
        "dial_in": names["dial_in"] & email_text.isna(),
        "waiting_room": _flag(pd.Series(cells["waiting"], index=index, dtype="object", copy=False))
        .fillna(False).astype(bool) if "waiting" in fields else False,
    }, index=index)
    if timed:
        notes.append("minutes present are computed from join and leave times (the union of each person's "
                     "connections, waiting room left out); Zoom's rounded Duration (Minutes) is not used")
    else:
        total_text = pd.Series(cells["total"], index=index, dtype="object", copy=False)
        total = pd.to_numeric(total_text.str.replace(",", "", regex=False), errors="coerce")
        unreadable = (total.isna() | (total < 0)).to_numpy(dtype=bool)
        if unreadable.any():
            _add_reason(problem, unreadable, np.strings.add(np.strings.add(np.strings.add(
                where[unreadable], f", column '{header_names['total']}': '"), cells["total"][unreadable].astype(str)),
                "' is not a number of minutes"))
        connections["declared_minutes"] = total.astype("float64")
        notes.append("this unique-users report has no join or leave times: minutes present are Zoom's "
                     "'Total Duration (Minutes)' (whole minutes, rounded up by Zoom per connection), and "
                     "joined_at/left_at are empty")
    connections["problem"] = pd.Series(problem, index=index, dtype="object", copy=False)
    if "waiting" in fields and connections["waiting_room"].any():
        notes.append(f"{int(connections['waiting_room'].sum())} waiting-room row(s): their time is not "
                     "counted as attendance")

    known = np.concatenate([join_ns, leave_ns])
    known = known[known != _NAT]
    last_time = meta["end"] if meta["end"] is not None else (
        pd.Timestamp(int(known.max()), tz="UTC").tz_convert(context.timezone) if len(known) else None)
    connections = close_open_intervals(connections, last_time)
    still_open = int((connections["left_open"] & connections["problem"].isna()).sum())
    if still_open:
        notes.append(f"{still_open} row(s) have no leave time; they are taken to last "
                     f"until the end of the meeting ({last_time})")

    people, row_fates = people_from_connections(
        connections, keep=["source_original_name", "guest", "dial_in"])
    absent = int((people["status"] == "absent").sum())
    if absent:
        notes.append(f"{absent} person(s) were only ever in the waiting room: status absent, 0 minutes")

    meeting_day = meta["start"] if meta["start"] is not None else (
        people["joined_at"].min() if people["joined_at"].notna().any() else None)
    session_id, session_note = match_session(meeting_day, context)
    if session_note:
        notes.append(session_note)
    if meta["declared_participants"] is not None and meta["declared_participants"] != len(people):
        notes.append(f"the meeting block says {meta['declared_participants']} participants, {len(people)} "
                     "people are listed (the listed rows are used)")

    n = len(people)
    attendance = pd.DataFrame({
        "pilot_id": _repeat(context.pilot_id, n),
        "source_file": _repeat(source_file, n),
        "source_row": people["source_row"].astype("Int64"),
        "session_id": _repeat(session_id, n),
        "participant_id": _repeat(None, n),
        "source_name": _text(people["source_name"]),
        "source_email": _text(people["source_email"]),
        "status": people["status"].astype("object"),
        "joined_at": _aware(people["joined_at"], context.timezone),
        "left_at": _aware(people["left_at"], context.timezone),
        "minutes_present": people["minutes_present"].astype("float64"),
        "source": _repeat("zoom", n),
        "source_original_name": _text(people["source_original_name"]),
        "guest": _bools(people["guest"]),
        "dial_in": _bools(people["dial_in"]),
    }, copy=False)

    structure = kind != "data"
    reasons = np.array([_STRUCTURE_REASONS[k] for k in kind[structure]], dtype=object)
    fates = _file_fates(source_file, context.pilot_id, line[structure], reasons, row_fates)
    return Reading(path, format, {"attendance": conform("attendance", attendance)}, fates, notes, meta)


_STRUCTURE_REASONS = {"blank": "blank line", "meeting header": "meeting block header",
                      "meeting values": "meeting block (summary of the meeting)", "header": "header row",
                      "other": "a line before the participant table"}


def _flag(values: pd.Series) -> pd.Series:
    """Yes/No cells as True/False (None when blank)."""
    folded = fold_cells(values)
    out = folded.isin(_YES).astype("object")
    return out.where(folded != "", None)


def _bools(values: pd.Series) -> pd.Series:
    """True/False as object values, None when unknown."""
    out = values.reset_index(drop=True).astype("boolean").astype("object")
    return out.where(out.notna(), None)
