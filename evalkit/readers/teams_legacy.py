"""Microsoft Teams legacy attendance list (2020-2021): ``meetingAttendanceList.csv``.

UTF-16 LE with a BOM, tab-separated, no quoting, often no final newline. Header
``Full Name, User Action, Timestamp``; one row per action: ``Joined``, ``Left`` or
``Joined before`` (the person was already in the meeting when the list began). There is no
email and no duration: time present is computed from the actions.

Reading the actions of one person in time order: a stretch of presence begins at the first
``Joined`` after being away (a second ``Joined`` without a ``Left`` between them is another
device or a reconnect, and changes nothing) and ends at the next ``Left``. A person with no
``Left`` at the end was still there when the list was saved: they stay until the list's last
timestamp. A ``Left`` with nothing before it means the person was there from the list's first
timestamp.

>>> from evalkit.readers.teams_legacy import FORMATS
>>> sorted(FORMATS)
['teams-attendance-list']
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..clean.attendance import (
    decide_file_date_order,
    match_session,
    parse_meeting_times,
    people_from_connections,
    person_key,
)
from ..clean.dates import localise
from .base import Context, InputError, Reading, Sniff, conform, decode, fates_frame
from .teams import _aware, _text, fold_cells, header_key

__all__ = ["FORMATS", "detect", "read"]

FORMATS = {
    "teams-attendance-list": "Microsoft Teams legacy attendance list, meetingAttendanceList.csv "
    "(2020-2021: Full Name, User Action, Timestamp)",
}

_ACTIONS = {"joined": "join", "joined before": "join", "left": "leave"}


def detect(sniff: Sniff) -> str | None:
    """``teams-attendance-list`` when the first line is the ``Full Name / User Action /
    Timestamp`` header."""
    if sniff.is_xlsx or not sniff.text:
        return None
    cells = [header_key(c) for c in sniff.first_line.split("\t")]
    if cells[:3] == ["full name", "user action", "timestamp"]:
        return "teams-attendance-list"
    return None


def read(path: Path, context: Context, format: str = "teams-attendance-list") -> Reading:
    """Read a legacy attendance list into the ``attendance`` table (one row per person)."""
    path = Path(path)
    source_file = context.source_file or path.name
    text, encoding = decode(path)
    notes = [f"encoding: {encoding}"]
    lines = pd.Series(text.split("\n"), dtype="object")
    if len(lines) and lines.iloc[-1] == "" and text.endswith("\n"):
        lines = lines.iloc[:-1]
    line_no = pd.Series(np.arange(1, len(lines) + 1), index=lines.index)
    blank = lines.str.strip() == ""
    if blank.all():
        raise InputError(path, "the attendance list has no rows")
    header_at = blank.idxmin()
    header = [header_key(c) for c in lines[header_at].split("\t")]
    if header[:3] != ["full name", "user action", "timestamp"]:
        raise InputError(path, "the first line is not the header Full Name / User Action / Timestamp",
                         row=int(line_no[header_at]), value=lines[header_at])
    data = ~blank & (lines.index > header_at)
    cells = lines[data].str.split("\t", expand=True, n=2).reindex(columns=[0, 1, 2]).fillna("")
    cells = cells.astype(str).apply(lambda column: column.str.strip())
    rows = pd.DataFrame({"line": line_no[data], "name": cells[0], "action": cells[1], "timestamp": cells[2]})

    order, how = decide_file_date_order(rows["timestamp"], context, path=path)
    notes.append(f"dates read {order}: {how}")
    naive, failed = parse_meeting_times(rows["timestamp"], order)
    rows["at"] = localise(naive, context.timezone)
    rows["kind"] = fold_cells(rows["action"]).map(_ACTIONS)

    problem = pd.Series(None, index=rows.index, dtype="object")
    where = source_file + ", row " + rows["line"].astype(str)
    checks = [
        (rows["name"] == "", where + ", column 'Full Name': no name"),
        (rows["kind"].isna(), where + ", column 'User Action': '" + rows["action"]
         + "' is not Joined, Left or Joined before"),
        (failed | (rows["timestamp"] == ""), where + ", column 'Timestamp': '" + rows["timestamp"]
         + f"' is not a date-time (read {order})"),
    ]
    for mask, reason in checks:
        fresh = mask & problem.isna()
        problem[fresh] = reason[fresh].astype("object")
    rows["problem"] = problem
    rows["person"] = person_key(rows["name"], pd.Series([None] * len(rows), index=rows.index))

    usable = rows[rows["problem"].isna()]
    if usable.empty:
        first_time = last_time = None
    else:
        first_time, last_time = usable["at"].min(), usable["at"].max()
    intervals = _stretches(usable, first_time, last_time)
    if intervals["open"].any():
        notes.append(f"{int(intervals['open'].sum())} person(s) have no Left at the end; they are taken to stay "
                     f"until the list's last timestamp ({last_time})")
    if intervals["from_start"].any():
        notes.append(f"{int(intervals['from_start'].sum())} Left action(s) have no Joined before them; the person "
                     f"is taken to be there from the list's first timestamp ({first_time})")

    connections = pd.DataFrame({
        "source_row": rows["line"].astype(int),
        "person": rows["person"],
        "source_name": _text(rows["name"]),
        "source_email": pd.Series([None] * len(rows), index=rows.index, dtype="object"),
        "problem": rows["problem"],
    })
    connections["joined_at"] = intervals["joined_at"].reindex(rows.index)
    connections["left_at"] = intervals["left_at"].reindex(rows.index)
    people, row_fates = people_from_connections(connections)

    session_id, session_note = match_session(first_time, context)
    if session_note:
        notes.append(session_note)
    n = len(people)
    attendance = pd.DataFrame({
        "pilot_id": pd.Series([context.pilot_id] * n, dtype="object"),
        "source_file": pd.Series([source_file] * n, dtype="object"),
        "source_row": people["source_row"].astype("Int64"),
        "session_id": pd.Series([session_id] * n, dtype="object"),
        "participant_id": pd.Series([None] * n, dtype="object"),
        "source_name": _text(people["source_name"]),
        "source_email": pd.Series([None] * n, dtype="object"),
        "status": people["status"].astype("object"),
        "joined_at": _aware(people["joined_at"], context.timezone),
        "left_at": _aware(people["left_at"], context.timezone),
        "minutes_present": people["minutes_present"].astype("float64"),
        "source": pd.Series(["teams"] * n, dtype="object"),
    })
    structure = blank | (lines.index == header_at)
    reasons = np.where(lines.index == header_at, "header row", "blank line")
    parts = [
        fates_frame(source_file, line_no[structure], "skipped-structure", "attendance",
                    list(reasons[structure.to_numpy()]), context.pilot_id),
        fates_frame(source_file, row_fates["source_row"], row_fates["fate"].tolist(), "attendance",
                    row_fates["reason"].tolist(), context.pilot_id),
    ]
    fates = pd.concat(parts, ignore_index=True).sort_values("source_row", kind="stable").reset_index(drop=True)
    meta = {"start": first_time, "end": last_time, "declared_participants": None, "title": None}
    return Reading(path, format, {"attendance": conform("attendance", attendance)}, fates, notes, meta)


def _stretches(actions: pd.DataFrame, first_time, last_time) -> pd.DataFrame:
    """Stretches of presence from one list's usable actions, placed on the row that opens each.

    Returns a frame indexed like the rows that open a stretch, with ``joined_at``,
    ``left_at``, and flags ``open`` (no Left: until ``last_time``) and ``from_start``
    (a Left with nothing before it: from ``first_time``).
    """
    empty = pd.DataFrame({"joined_at": pd.Series(dtype="object"), "left_at": pd.Series(dtype="object"),
                          "open": pd.Series(dtype=bool), "from_start": pd.Series(dtype=bool)})
    if actions.empty:
        return empty
    ordered = actions.sort_values(["person", "at", "line"], kind="stable")
    is_left = (ordered["kind"] == "leave").astype(int)
    # a stretch is every action up to and including the next Left
    stretch = is_left.groupby(ordered["person"], sort=False).cumsum() - is_left
    group = [ordered["person"], stretch]
    joins = ordered["at"].where(ordered["kind"] == "join")
    frame = pd.DataFrame({
        "opener": ordered.index.to_series().groupby(group, sort=False).transform("first"),
        "start": joins.groupby(group, sort=False).transform("min"),
        "end": ordered["at"].where(ordered["kind"] == "leave").groupby(group, sort=False).transform("max"),
        "stretch": stretch,
    }, index=ordered.index)
    frame = frame.loc[frame.index == frame["opener"]]
    # a Left with no Joined: from the list's start when it is the person's first stretch,
    # otherwise a repeated Left that adds nothing
    frame["from_start"] = frame["start"].isna() & frame["end"].notna() & (frame["stretch"] == 0)
    frame["open"] = frame["start"].notna() & frame["end"].isna()
    frame.loc[frame["from_start"], "start"] = first_time
    frame.loc[frame["open"], "end"] = last_time
    frame = frame[frame["start"].notna() & frame["end"].notna()]
    return pd.DataFrame({"joined_at": frame["start"], "left_at": frame["end"], "open": frame["open"],
                         "from_start": frame["from_start"]})
