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
from .base import Context, InputError, Reading, Sniff, conform, decode, fates_frame
from .teams import _add_problem, _aware, _text, fold_cells, header_key, read_cells

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
    rows = list(csv.reader(io.StringIO("\n".join(lines))))
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
    cells = read_cells(text, ",", path)
    data_columns = [c for c in cells.columns if c != "line"]
    blank = cells[data_columns].ne("").sum(axis=1) == 0
    # only the first rows can be the meeting block or the header: fold just those
    head = cells.index[~blank][:6]
    folded = cells.loc[head, data_columns].apply(fold_cells)

    kind = pd.Series("other", index=cells.index, dtype="object")
    kind[blank] = "blank"
    meeting: dict = {}
    non_blank = cells.index[~blank]
    if len(non_blank) == 0:
        raise InputError(path, "the report has no rows")
    position = 0
    if [folded.at[non_blank[0], c] for c in data_columns[:2]] == ["meeting id", "topic"]:
        block_header = non_blank[0]
        kind[block_header] = "meeting header"
        if len(non_blank) > 1:
            values = non_blank[1]
            kind[values] = "meeting values"
            for column in data_columns:
                field = _MEETING.get(folded.at[block_header, column])
                if field and field not in meeting:
                    meeting[field] = cells.at[values, column]
        position = 2
    header_at = None
    for label in non_blank[position:position + 3]:
        if "name" in _header_fields(folded.loc[label].tolist()):
            header_at = label
            break
    if header_at is None:
        raise InputError(path, "no participant table found (a header row starting Name (Original Name))")
    kind[header_at] = "header"
    fields = {}
    for column in data_columns:
        field = _COLUMNS.get(folded.at[header_at, column])
        if field and field not in fields:
            fields[field] = column
    header_names = {f: cells.at[header_at, c] for f, c in fields.items()}
    data = (cells.index > header_at) & ~blank
    kind[data] = "data"
    rows = cells[data]

    timed = {"join", "leave"} <= set(fields)
    if not timed and "total" not in fields:
        raise InputError(path, "the participant table has neither Join Time/Leave Time nor Total Duration "
                         "(Minutes)", row=int(cells.at[header_at, "line"]))
    if format == "zoom-unique-users" and timed:
        notes.append("read as a participant report: the table has join and leave times")
    elif format == "zoom-participants" and not timed:
        notes.append("read as a unique-users report: the table has Total Duration but no join or leave times")

    names = split_original_name(rows[fields["name"]])
    names.index = rows.index
    email = rows[fields["email"]] if "email" in fields else pd.Series("", index=rows.index)
    line = rows["line"].astype(int)
    where = source_file + ", row " + line.astype(str)
    problem = pd.Series(None, index=rows.index, dtype="object")
    nameless = names["display"].fillna("") == ""
    problem[nameless] = (where[nameless] + f", column '{header_names['name']}': no name").astype("object")

    # ---- date order and times
    values = [meeting.get("start"), meeting.get("end")]
    for field in ("join", "leave"):
        if field in fields:
            values.extend(rows.loc[rows[fields[field]] != "", fields[field]].tolist())
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
            times[field] = pd.Series(pd.NaT, index=rows.index, dtype=zone_dtype)
            continue
        naive, failed = parse_meeting_times(rows[fields[field]], order)
        times[field] = localise(naive, context.timezone)
        if failed.any():
            reason = (where + f", column '{header_names[field]}': '" + rows[fields[field]]
                      + f"' is not a date-time (read {order})")
            problem = _add_problem(problem, reason, failed)
    backwards = times["join"].notna() & times["leave"].notna() & (times["leave"] < times["join"])
    if backwards.any():
        problem = _add_problem(problem, where + f", column '{header_names.get('leave')}': '"
                               + rows[fields.get("leave", 0)] + "' is before the join time", backwards)

    connections = pd.DataFrame({
        "source_row": line,
        "person": person_key(names["display"], email),
        "source_name": _text(names["display"]),
        "source_original_name": names["original"],
        "source_email": _text(email),
        "joined_at": times["join"],
        "left_at": times["leave"],
        "guest": _flag(rows[fields["guest"]]) if "guest" in fields else None,
        "dial_in": names["dial_in"] & (_text(email).isna()),
        "waiting_room": _flag(rows[fields["waiting"]]).fillna(False).astype(bool) if "waiting" in fields else False,
    })
    if timed:
        notes.append("minutes present are computed from join and leave times (the union of each person's "
                     "connections, waiting room left out); Zoom's rounded Duration (Minutes) is not used")
    else:
        total = pd.to_numeric(rows[fields["total"]].str.replace(",", "", regex=False), errors="coerce")
        unreadable = total.isna() | (total < 0)
        if unreadable.any():
            problem = _add_problem(problem, where + f", column '{header_names['total']}': '"
                                   + rows[fields["total"]] + "' is not a number of minutes", unreadable)
        connections["declared_minutes"] = total.astype("float64")
        notes.append("this unique-users report has no join or leave times: minutes present are Zoom's "
                     "'Total Duration (Minutes)' (whole minutes, rounded up by Zoom per connection), and "
                     "joined_at/left_at are empty")
    connections["problem"] = problem
    if "waiting" in fields and connections["waiting_room"].any():
        notes.append(f"{int(connections['waiting_room'].sum())} waiting-room row(s): their time is not "
                     "counted as attendance")

    known = pd.concat([connections["joined_at"], connections["left_at"]])
    last_time = meta["end"] if meta["end"] is not None else (known.max() if known.notna().any() else None)
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
        "pilot_id": pd.Series([context.pilot_id] * n, dtype="object"),
        "source_file": pd.Series([source_file] * n, dtype="object"),
        "source_row": people["source_row"].astype("Int64"),
        "session_id": pd.Series([session_id] * n, dtype="object"),
        "participant_id": pd.Series([None] * n, dtype="object"),
        "source_name": _text(people["source_name"]),
        "source_email": _text(people["source_email"]),
        "status": people["status"].astype("object"),
        "joined_at": _aware(people["joined_at"], context.timezone),
        "left_at": _aware(people["left_at"], context.timezone),
        "minutes_present": people["minutes_present"].astype("float64"),
        "source": pd.Series(["zoom"] * n, dtype="object"),
        "source_original_name": _text(people["source_original_name"]),
        "guest": _bools(people["guest"]),
        "dial_in": _bools(people["dial_in"]),
    })

    structure = kind != "data"
    reasons = kind.map({"blank": "blank line", "meeting header": "meeting block header",
                        "meeting values": "meeting block (summary of the meeting)", "header": "header row",
                        "other": "a line before the participant table"}).astype("object")
    parts = [
        fates_frame(source_file, cells.loc[structure, "line"], "skipped-structure", "attendance",
                    reasons[structure].tolist(), context.pilot_id),
        fates_frame(source_file, row_fates["source_row"], row_fates["fate"].tolist(), "attendance",
                    row_fates["reason"].tolist(), context.pilot_id),
    ]
    fates = pd.concat(parts, ignore_index=True).sort_values("source_row", kind="stable").reset_index(drop=True)
    return Reading(path, format, {"attendance": conform("attendance", attendance)}, fates, notes, meta)


def _flag(values: pd.Series) -> pd.Series:
    """Yes/No cells as True/False (None when blank)."""
    folded = fold_cells(values)
    out = folded.isin(_YES).astype("object")
    return out.where(folded != "", None)


def _bools(values: pd.Series) -> pd.Series:
    """True/False as object values, None when unknown."""
    out = values.reset_index(drop=True).astype("boolean").astype("object")
    return out.where(out.notna(), None)
