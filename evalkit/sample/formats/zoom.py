"""Write Zoom participant reports as Zoom writes them: UTF-8 with a BOM, CRLF, minimal quoting.

:func:`write_zoom_report` writes the meeting block (``Meeting ID, Topic, ...,
Participants,`` with its trailing comma), a blank line, then either one row per connection
("with-meeting-data": ``Name (Original Name), User Email, Join Time, Leave Time, Duration
(Minutes), Guest[, Recording Consent][, In Waiting Room]``) or one row per person
("unique-users": ``Total Duration (Minutes)``). The expected ``attendance`` rows are worked out
here from the segments: minutes present are the union of a person's in-meeting intervals
(waiting room left out); a person only ever in the waiting room is ``absent`` with 0 minutes.

>>> import numpy as np, pandas as pd, tempfile
>>> from pathlib import Path
>>> t = lambda s: pd.Timestamp(f"2025-01-21 {s}")
>>> segments = pd.DataFrame({
...     "person_key": ["YH-03", "YH-03", "dial-in-1"],
...     "name": ["Jane Smith (Jane's iPad)", "Jane Smith (Jane's iPad)", "07700 900123"],
...     "original_name": ["Jane Smith", "Jane Smith", None],
...     "email": ["jane.smith@calderdale.gov.uk", "jane.smith@calderdale.gov.uk", None],
...     "join": [t("17:58:30"), t("18:00:10"), t("18:05:00")],
...     "leave": [t("18:00:10"), t("18:40:05"), t("19:00:30")],
...     "guest": [False, False, True], "waiting_room": [True, False, False],
... })
>>> meeting = {"meeting_id": "84512345678", "topic": "Workshop 1", "start": t("17:55:00"),
...            "end": t("19:32:00"), "host_email": "hub.team@leeds.gov.uk"}
>>> with tempfile.TemporaryDirectory() as folder:
...     written = write_zoom_report(Path(folder) / "p.csv", source_file="yorkshire-humber/attendance/p.csv",
...         session_id="yh-w1", meeting=meeting, segments=segments, rng=np.random.default_rng(3))
>>> written.tables["attendance"][["source_name", "source_original_name", "minutes_present", "dial_in"]]
                source_name source_original_name  minutes_present  dial_in
0  Jane Smith (Jane's iPad)           Jane Smith        39.916667    False
1              07700 900123                 None        55.500000     True
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd

from . import Written
from .teams import _check_columns, aware, blank_to_none, fates_table, fold, people_frame, quote, union_seconds

__all__ = ["write_zoom_report"]

_PHONE = re.compile(r"\+?[\d\s().-]{7,}")


def _zoom_time(ts: pd.Timestamp) -> str:
    return ts.strftime("%m/%d/%Y %I:%M:%S %p")


def _split(cell: str) -> tuple[str, str | None, bool]:
    """What a reader makes of a ``Name (Original Name)`` cell: display, original, dial-in."""
    cell = cell.strip()
    if _PHONE.fullmatch(cell) and sum(ch.isdigit() for ch in cell) >= 7:
        return cell, None, True
    if cell.endswith(")"):
        opening = cell.rfind("(")
        inner = cell[opening + 1:-1]
        display = cell[:opening].strip()
        if opening > 0 and ")" not in inner and display:
            return display, inner.strip(), False
    return cell, None, False


def write_zoom_report(path: Path, *, source_file: str, session_id: str, meeting: dict,
                      segments: pd.DataFrame, variant: str = "with-meeting-data",
                      timezone: str = "Europe/London", rng: np.random.Generator) -> Written:
    """Write a Zoom participant report (``variant`` "with-meeting-data" or "unique-users").

    ``meeting``: ``meeting_id`` (11 digits, text), ``topic``, ``start``, ``end``,
    ``host_email``. ``segments``: ``person_key``, ``name`` (display name, may hold
    parentheses), ``original_name`` (or None), ``email`` (or None; dial-in callers have a
    phone number as name and no email), ``join``, ``leave``, ``guest``, ``waiting_room``.
    """
    if variant not in ("with-meeting-data", "unique-users"):
        raise ValueError(f"variant must be 'with-meeting-data' or 'unique-users', not {variant!r}")
    _check_columns(segments, ["person_key", "name", "original_name", "email", "join", "leave", "guest",
                              "waiting_room"])
    segs = segments.copy()
    for column in ("join", "leave"):
        segs[column] = pd.to_datetime(segs[column]).dt.floor("s")
    if segs[["join", "leave"]].isna().any().any() or (segs["leave"] < segs["join"]).any():
        raise ValueError("every segment needs a join and a leave, the leave not before the join")
    segs["cell"] = [f"{n} ({o})" if blank_to_none(o) else str(n) for n, o in zip(segs["name"], segs["original_name"])]
    split = [_split(c) for c in segs["cell"]]
    segs["display"] = pd.Series([s[0] for s in split], index=segs.index, dtype="object")
    segs["original"] = pd.Series([s[1] for s in split], index=segs.index, dtype="object")
    emails = [blank_to_none(e) for e in segs["email"]]
    segs["email_text"] = pd.Series(emails, index=segs.index, dtype="object")
    segs["dial_in"] = [s[2] and e is None for s, e in zip(split, emails)]
    segs["waiting_room"] = segs["waiting_room"].fillna(False).astype(bool)
    segs["who"] = segs["display"].map(fold) + "\x1f" + segs["email_text"].map(fold)
    keys = segs.groupby("who")["person_key"].nunique()
    if (keys > 1).any():
        raise ValueError(f"two people share the name and email {keys[keys > 1].index[0]!r}")
    segs = segs.sort_values(["join", "leave"], kind="stable").reset_index(drop=True)
    order = list(dict.fromkeys(segs["who"]))
    start, end = pd.Timestamp(meeting["start"]).floor("s"), pd.Timestamp(meeting["end"]).floor("s")
    quirks = [f"Zoom participant report ({variant}), UTF-8 BOM, CRLF, MM/DD/YYYY hh:mm:ss AM/PM times"]
    if any(s[1] is not None and blank_to_none(o) is None for s, o in zip(split, segs["original_name"])):
        quirks.append("a display name ending in brackets, with no original name, reads as 'Display (Original)'")

    lines: list[str] = []
    fates: list[tuple[int, str, str | None]] = []
    first_row: dict[str, int] = {}

    def structure(text: str, reason: str) -> None:
        lines.append(text)
        fates.append((len(lines), "skipped-structure", reason))

    def data(cells: list[str], who: str) -> None:
        lines.append(",".join(quote(c, ",") for c in cells))
        if who in first_row:
            fates.append((len(lines), "merged", f"same person as row {first_row[who]}"))
        else:
            first_row[who] = len(lines)
            fates.append((len(lines), "kept", None))

    in_meeting = segs[~segs["waiting_room"]]
    listed = order if variant == "with-meeting-data" else [w for w in order if (in_meeting["who"] == w).any()]
    minutes_up = lambda seconds: max(1, math.ceil(seconds / 60))  # noqa: E731
    structure("Meeting ID,Topic,Start Time,End Time,User Email,Duration (Minutes),Participants,",
              "meeting block header")
    structure(",".join([quote(str(meeting["meeting_id"]), ","), quote(str(meeting["topic"]), ","),
                        _zoom_time(start), _zoom_time(end), quote(str(meeting.get("host_email") or ""), ","),
                        str(minutes_up((end - start).total_seconds())), str(len(listed))]) + ",",
              "meeting block")
    structure("", "blank line")
    if variant == "with-meeting-data":
        consent = bool(rng.random() < 0.5)
        waiting = bool(segs["waiting_room"].any())
        header = ["Name (Original Name)", "User Email", "Join Time", "Leave Time", "Duration (Minutes)", "Guest"]
        header += ["Recording Consent"] if consent else []
        header += ["In Waiting Room"] if waiting else []
        structure(",".join(header), "header row")
        for _, seg in segs.iterrows():
            cells = [seg["cell"], seg["email_text"] or "", _zoom_time(seg["join"]), _zoom_time(seg["leave"]),
                     str(minutes_up((seg["leave"] - seg["join"]).total_seconds())),
                     "Yes" if seg["guest"] else "No"]
            cells += ["Y" if not seg["waiting_room"] else ""] if consent else []
            cells += ["Yes" if seg["waiting_room"] else "No"] if waiting else []
            data(cells, seg["who"])
        if waiting:
            quirks.append("waiting-room rows (not attendance)")
        if consent:
            quirks.append("Recording Consent column")
    else:
        structure("Name (Original Name),User Email,Total Duration (Minutes),Guest", "header row")
        for who in listed:
            mine = in_meeting[in_meeting["who"] == who]
            total = sum(minutes_up((b - a).total_seconds()) for a, b in zip(mine["join"], mine["leave"]))
            head = segs[segs["who"] == who].iloc[0]
            data([head["cell"], head["email_text"] or "", str(total), "Yes" if head["guest"] else "No"], who)
        if len(listed) < len(order):
            quirks.append("people only ever in the waiting room are not listed")
    if segs["who"].value_counts().gt(1).any():
        quirks.append("reconnects: one person on several rows, not next to each other")
    if segs["dial_in"].any():
        quirks.append("a dial-in caller (phone number, no email)")
    Path(path).write_bytes(b"\xef\xbb\xbf" + ("\r\n".join(lines) + "\r\n").encode("utf-8"))

    records = []
    for who in listed:
        mine = segs[segs["who"] == who]
        present = mine[~mine["waiting_room"]]
        # the reader takes each value from the person's first row that has one
        rows = mine if variant == "with-meeting-data" else mine.iloc[:1]
        record = {
            "person_key": mine["person_key"].iloc[0], "source_file": source_file, "source_row": first_row[who],
            "session_id": session_id, "source_name": blank_to_none(mine["display"].iloc[0]),
            "source_email": _first(rows["email_text"]), "source": "zoom",
            "source_original_name": _first(rows["original"]),
            "guest": bool(mine["guest"].iloc[0]), "dial_in": bool(mine["dial_in"].iloc[0]),
        }
        if variant == "unique-users":
            total = sum(minutes_up((b - a).total_seconds()) for a, b in zip(present["join"], present["leave"]))
            record.update(status="present", joined_at=pd.NaT, left_at=pd.NaT, minutes_present=float(total))
        elif present.empty:
            record.update(status="absent", joined_at=pd.NaT, left_at=pd.NaT, minutes_present=0.0)
        else:
            joins, leaves = aware(present["join"], timezone), aware(present["leave"], timezone)
            record.update(status="present", joined_at=joins.min(), left_at=leaves.max(),
                          minutes_present=union_seconds(list(zip(joins, leaves))) / 60.0)
        records.append(record)
    table = people_frame(records, timezone, ["source_original_name", "guest", "dial_in"])
    fmt = "zoom-participants" if variant == "with-meeting-data" else "zoom-unique-users"
    return Written(source_file, fmt, {"attendance": table}, fates_table(fates), quirks)


def _first(values: pd.Series):
    for value in values:
        text = blank_to_none(value)
        if text is not None:
            return text
    return None
