"""Microsoft Teams meeting attendance reports (2021 onwards).

Two layouts, both UTF-16 LE with a BOM, tab-separated, LF or CRLF line ends:

* **2021-22**: a ``Meeting Summary`` block (``Total Number of Participants``, ``Meeting
  Title``, ``Meeting Start Time``, ``Meeting End Time``), a blank line, then one row per
  join/leave: ``Full Name, Join Time, Leave Time, Duration, Email, Role, Participant ID (UPN)``.
* **2022+**: numbered sections ``1. Summary`` (key/value lines), ``2. Participants`` (one
  row per person: first join, last leave, in-meeting duration, ...), ``3. In-Meeting
  Activities`` (one row per join/leave); later sections (``4. Meeting Engagement``, ...)
  are not read.

Header wording drifts between versions (``First Join``/``First join``): headers are matched
ignoring case and spacing. Date-times follow the organiser's locale (``15/11/22, 09:30:17``
or ``3/14/23, 6:00:02 PM``); the order is decided per file and the decision is recorded in
``Reading.notes``. Minutes present are computed from the join/leave intervals (the union of a
person's connections), not from the durations Teams prints.

>>> from evalkit.readers.teams import FORMATS
>>> sorted(FORMATS)
['teams-attendance-report']
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..clean.attendance import (
    close_open_intervals,
    decide_file_date_order,
    match_session,
    parse_meeting_times,
    people_from_connections,
    person_key,
)
from ..clean.dates import localise, parse_duration
from .base import Context, InputError, Reading, Sniff, conform, decode, fates_frame, record_start_lines

__all__ = ["FORMATS", "detect", "fold_cells", "header_key", "read", "read_cells"]

FORMATS = {
    "teams-attendance-report": "Microsoft Teams meeting attendance report (2021 onwards: summary, "
    "participants and in-meeting activities; UTF-16, tab-separated)",
}

#: header text (folded by :func:`header_key`) → field
_COLUMNS = {
    "name": "name", "full name": "name", "participant name": "name", "display name": "name",
    "first join": "join", "first join time": "join", "join time": "join", "joined": "join",
    "last leave": "leave", "last leave time": "leave", "leave time": "leave", "left": "leave",
    "in-meeting duration": "duration", "in meeting duration": "duration", "duration": "duration",
    "attendance duration": "duration",
    "email": "email", "email address": "email", "e-mail": "email",
    "participant id (upn)": "upn", "participant id": "upn", "upn": "upn",
    "role": "role",
}

_SUMMARY_KEYS = {
    "meeting title": "title", "title": "title",
    "attended participants": "declared", "total number of participants": "declared",
    "participants": "declared",
    "start time": "start", "meeting start time": "start",
    "end time": "end", "meeting end time": "end",
    "meeting duration": "duration", "average attendance time": "average",
    "meeting id": "meeting_id",
}

_HEADING = re.compile(r"^\s*(\d+)\s*\.\s*(\S.*?)\s*$")
_UTC = re.compile(r"\s*\(\s*utc\s*\)\s*$", re.IGNORECASE)


def header_key(text: object) -> str:
    """Fold a header cell for matching: case, spacing and a trailing colon.

    >>> header_key("  In-Meeting  Duration ")
    'in-meeting duration'
    """
    return " ".join(str(text or "").split()).casefold().rstrip(":").strip()


def fold_cells(values: pd.Series) -> pd.Series:
    """:func:`header_key` for a whole column at once (vectorised).

    >>> fold_cells(pd.Series([" First  Join:", "ROLE"])).tolist()
    ['first join', 'role']
    """
    # cells repeat (Yes/No, actions, names on reconnects): fold each distinct value once,
    # rows finding theirs by hashing; a missing cell folds as an empty one
    codes, distinct = pd.factorize(values.to_numpy(dtype=object))
    folded = np.array([header_key(value) for value in distinct] + [""], dtype=object)
    return pd.Series(folded[codes], index=values.index, dtype="object")


# --------------------------------------------------------------------------- detection

def _cells(line: str, delimiter: str) -> list[str]:
    return [header_key(c.strip('"')) for c in line.split(delimiter)]


def _is_table_header(cells: list[str]) -> bool:
    fields = {_COLUMNS.get(_UTC.sub("", c)) for c in cells}
    return "name" in fields and ("join" in fields or "leave" in fields)


def detect(sniff: Sniff) -> str | None:
    """``teams-attendance-report`` when the text starts like a Teams report (a ``1. Summary``
    or ``Meeting Summary`` heading, or a tab-separated participant table with join times)."""
    if sniff.is_xlsx or not sniff.text:
        return None
    lines = [line for line in sniff.lines[:60] if line.strip()]
    if not lines:
        return None
    first = header_key(lines[0].split("\t")[0].strip('"'))
    if re.fullmatch(r"1\s*\.\s*summary", first) or first == "meeting summary":
        return "teams-attendance-report"
    for line in lines[:40]:
        if "\t" in line and _is_table_header(_cells(line, "\t")):
            return "teams-attendance-report"
    return None


# --------------------------------------------------------------------------- reading helpers

def read_cells(text: str, delimiter: str, path: Path | str) -> pd.DataFrame:
    """Every record of delimited ``text`` as a frame of stripped text cells ("" when empty),
    with the 1-based physical line where each record starts in column ``line``.

    Blank lines are records of their own (all cells empty). Quoted cells may hold
    delimiters, doubled quotes and line breaks.

    >>> read_cells('a\\tb\\n\\n"x\\ny"\\tz\\n', "\\t", "f.csv")
          0  1  line
    0     a  b     1
    1              2
    2  x\\ny  z     3
    """
    starts = record_start_lines(text)
    if len(starts) == 0:
        return pd.DataFrame({0: pd.Series(dtype="object"), "line": pd.Series(dtype="int64")})
    width = _most_delimiters(text, delimiter) + 1
    try:
        cells = pd.read_csv(io.StringIO(text), sep=delimiter, header=None, names=range(width), dtype=str,
                            na_filter=False, skip_blank_lines=False, engine="c")
    except (pd.errors.ParserError, ValueError) as exc:
        raise InputError(path, f"the file's rows cannot be split into cells ({exc})") from None
    if len(cells) != len(starts):
        raise InputError(path, f"the file's structure is broken: {len(cells)} records found where its "
                         f"{len(starts)} lines imply otherwise (an unclosed quote?)")
    # each column trimmed at once (the trimming of the ``str`` dtype's ``.str.strip()``)
    stripped = np.empty((len(cells), width), dtype=object)
    for position, label in enumerate(cells.columns):
        column = pa.array(cells[label], type=pa.string(), from_pandas=True)
        if column.null_count:  # never so with na_filter=False; kept as the missing value it was
            stripped[:, position] = cells[label].str.strip().to_numpy(dtype=object)
        else:
            stripped[:, position] = pc.utf8_trim_whitespace(column).to_numpy(zero_copy_only=False)
    out = pd.DataFrame(stripped, index=cells.index, columns=cells.columns, dtype="object", copy=False)
    out["line"] = np.asarray(starts, dtype=np.int64)
    return out


def _most_delimiters(text: str, delimiter: str) -> int:
    """The largest number of ``delimiter`` characters on one physical line of ``text``."""
    data = text.encode("utf-8", "surrogatepass")
    if len(delimiter) != 1 or len(delimiter.encode("utf-8")) != 1:
        return int(pd.Series(text.split("\n")).str.count(re.escape(delimiter)).max())
    buf = np.frombuffer(data, dtype=np.uint8)
    # lines end at newlines (the last one at the end of the text); count delimiters before each end
    ends = np.append(np.flatnonzero(buf == 10), len(buf))
    before = np.searchsorted(np.flatnonzero(buf == ord(delimiter)), ends)
    return int(np.diff(before, prepend=0).max())


def _text(series: pd.Series) -> pd.Series:
    """Text cells as object with None for empty."""
    values = series.to_numpy(dtype=object, copy=True)
    values[pd.isna(values) | (values == "")] = None
    return pd.Series(values, index=series.index, dtype="object", name=series.name)


def _dates_problem(source_file: str, lines: pd.Series, column: str, values: pd.Series, order: str) -> pd.Series:
    return (source_file + ", row " + lines.astype(str) + f", column '{column}': '" + values.astype(str)
            + f"' is not a date-time (read {order})")


def _add_problem(problem: pd.Series, new: pd.Series, where: pd.Series) -> pd.Series:
    """Add the reason ``new`` to the rows ``where`` (after any reason they already have)."""
    out = problem.astype("object").copy()
    if not where.any():
        return out
    before = out[where]
    text = before.fillna("").astype(str) + np.where(before.notna(), "; ", "") + new[where].astype(str)
    out[where] = text.astype("object")
    return out


def _parse_column(frame: pd.DataFrame, column: str, order: str, zone: str,
                  timezone: str) -> tuple[pd.Series, pd.Series]:
    naive, failed = parse_meeting_times(frame[column], order)
    if zone == "UTC":
        aware = localise(naive, "UTC").dt.tz_convert(timezone)
    else:
        aware = localise(naive, timezone)
    return aware, failed


# --------------------------------------------------------------------------- read

def read(path: Path, context: Context, format: str = "teams-attendance-report") -> Reading:
    """Read a Teams attendance report into the ``attendance`` table (one row per person)."""
    path = Path(path)
    source_file = context.source_file or path.name
    text, encoding = decode(path)
    cells = read_cells(text, "\t", path)
    if 1 not in cells.columns:  # no tab anywhere: still give the key/value lines a value column
        cells.insert(1, 1, "")
    data_columns = [c for c in cells.columns if c != "line"]
    filled = cells[data_columns].ne("").sum(axis=1)
    first = fold_cells(cells[0])
    blank = filled == 0
    notes = [f"encoding: {encoding}"]

    numbered = first.str.fullmatch(r"1\s*\.\s*summary") & (filled == 1)
    kind = pd.Series("summary", index=cells.index, dtype="object")
    section = pd.Series("summary", index=cells.index, dtype="object")
    reason_extra = pd.Series(None, index=cells.index, dtype="object")
    if numbered.any():
        layout = "2022"
        heading = first.str.match(_HEADING) & (filled == 1)
        names = first.where(heading).str.replace(r"^\s*\d+\s*\.\s*", "", regex=True)
        names = names.where(~names.str.contains("activit", na=False), "activities")
        names = names.where(~names.str.contains("participant|attendee", na=False), "participants")
        section = names.ffill().fillna("before")
        kind[heading] = "heading"
        in_table = section.isin(["participants", "activities"]) & ~heading & ~blank
        rank = in_table.astype(int).groupby(section).cumsum()
        kind[in_table] = "data"
        kind[in_table & (rank == 1)] = "header"
        other = ~section.isin(["summary", "participants", "activities"]) & ~heading & ~blank
        kind[other] = "other"
        heading_text = cells[0].where(heading).ffill()
        reason_extra[other] = "a row of section '" + heading_text[other].astype(str) + "', which evalkit does not read"
        reason_extra[other & (section == "before")] = "a line before the first section"
    else:
        layout = "2021"
        header_mask = pd.Series(
            [_is_table_header([header_key(c) for c in row]) for row in cells[data_columns].head(200).to_numpy()],
            index=cells.index[:200],
        ).reindex(cells.index, fill_value=False)
        if not header_mask.any():
            raise InputError(path, "no participant table found (a header row with Full Name and Join Time); "
                             "is this a Teams attendance report?")
        header_at = header_mask.idxmax()
        after = cells.index > header_at
        section[cells.index >= header_at] = "joins"
        kind[header_at] = "header"
        kind[after & ~blank] = "data"
        kind[(cells.index < header_at) & (first == "meeting summary") & (filled == 1)] = "heading"
    kind[blank] = "blank"

    # ---- summary
    summary_rows = cells[(kind == "summary") & (section == "summary")]
    summary = {}
    for key, value in zip(fold_cells(summary_rows[0]), summary_rows[1]):
        field = _SUMMARY_KEYS.get(key)
        if field and field not in summary:
            summary[field] = " ".join(str(value).split())

    # ---- tables
    tables = {}
    for name in ("participants", "activities", "joins"):
        header = cells[(section == name) & (kind == "header")]
        if header.empty:
            continue
        fields, zones = {}, {}
        for column in data_columns:
            label = header_key(header.iloc[0][column])
            field = _COLUMNS.get(_UTC.sub("", label))
            if field and field not in fields:
                fields[field] = column
                zones[field] = "UTC" if _UTC.search(label) else "local"
        if "name" not in fields:
            raise InputError(path, f"the header of the {name} table has no name column",
                             row=int(header.iloc[0]["line"]), value="\t".join(header.iloc[0][data_columns]))
        rows = cells[(section == name) & (kind == "data")]
        frame = pd.DataFrame({"line": rows["line"].astype(int)})
        for field in ("name", "join", "leave", "duration", "email", "upn", "role"):
            frame[field] = rows[fields[field]] if field in fields else ""
        frame["table"] = name
        tables[name] = (frame, fields, zones, header)
    if not tables:
        raise InputError(path, "no participant table found in the report")

    # ---- date order (one decision for the whole file)
    values = [summary.get("start"), summary.get("end")]
    for frame, _, _, _ in tables.values():
        values.extend(frame.loc[frame["join"] != "", "join"].tolist())
        values.extend(frame.loc[frame["leave"] != "", "leave"].tolist())
    order, how = decide_file_date_order([v for v in values if v], context, path=path)
    notes.append(f"dates read {order}: {how}")

    meta: dict = {"layout": layout, "title": summary.get("title"), "meeting_id": summary.get("meeting_id")}
    for field in ("start", "end"):
        value = summary.get(field)
        meta[field] = None
        if value:
            naive, failed = parse_meeting_times(pd.Series([value]), order)
            if failed.iloc[0]:
                notes.append(f"the summary's {field} time {value!r} is not a date-time; it is not used")
            else:
                meta[field] = localise(naive, context.timezone).iloc[0]
    declared = summary.get("declared")
    meta["declared_participants"] = int(declared) if declared and declared.isdigit() else None
    if declared and meta["declared_participants"] is None:
        notes.append(f"the summary's participant count {declared!r} is not a number")

    # ---- connections: one row per data record
    parts = []
    for name, (frame, fields, zones, header) in tables.items():
        header_names = {f: str(header.iloc[0][c]) for f, c in fields.items()}
        problem = pd.Series(None, index=frame.index, dtype="object")
        nameless = frame["name"] == ""
        problem[nameless] = source_file + ", row " + frame.loc[nameless, "line"].astype(str) + \
            f", column '{header_names['name']}': no name"
        times = {}
        for field in ("join", "leave"):
            if field not in fields:
                times[field] = pd.Series(pd.NaT, index=frame.index, dtype=f"datetime64[ns, {context.timezone}]")
                continue
            aware, failed = _parse_column(frame, field, order, zones[field], context.timezone)
            times[field] = aware
            if failed.any():
                problem = _add_problem(problem, _dates_problem(source_file, frame["line"], header_names[field],
                                                               frame[field], order), failed)
        backwards = times["join"].notna() & times["leave"].notna() & (times["leave"] < times["join"])
        if backwards.any():
            problem = _add_problem(problem, source_file + ", row " + frame["line"].astype(str)
                                   + f", column '{header_names.get('leave')}': '" + frame["leave"]
                                   + "' is before the join time '" + frame["join"] + "'", backwards)
        part = pd.DataFrame({
            "source_row": frame["line"],
            "person": person_key(frame["name"], frame["email"]),
            "source_name": _text(frame["name"]),
            "source_email": _text(frame["email"]),
            "role": _text(frame["role"]),
            "upn": _text(frame["upn"]),
            "problem": problem,
        })
        if name == "participants":
            # one row per person: its times are a fallback for people with no activity rows
            part["joined_at"] = pd.Series(pd.NaT, index=frame.index, dtype=times["join"].dtype)
            part["left_at"] = pd.Series(pd.NaT, index=frame.index, dtype=times["join"].dtype)
            part["fallback_joined_at"] = times["join"]
            part["fallback_left_at"] = times["leave"]
            distinct = pd.unique(frame["duration"])
            seconds = pd.to_numeric(frame["duration"].map(dict(zip(distinct, map(parse_duration, distinct)))),
                                    errors="coerce").astype("float64")
            part["declared_minutes"] = seconds / 60.0
        else:
            part["joined_at"] = times["join"]
            part["left_at"] = times["leave"]
        parts.append(part)
    connections = pd.concat(parts, ignore_index=True)
    for column in ("fallback_joined_at", "fallback_left_at"):
        if column not in connections.columns:
            connections[column] = pd.NaT
    if "declared_minutes" not in connections.columns:
        connections["declared_minutes"] = np.nan

    known_times = pd.concat([connections["joined_at"], connections["left_at"],
                             connections["fallback_joined_at"], connections["fallback_left_at"]])
    last_time = meta["end"] if meta["end"] is not None else (known_times.max() if known_times.notna().any() else None)
    connections = close_open_intervals(connections, last_time)
    still_open = int((connections["left_open"] & connections["problem"].isna()).sum())
    if still_open:
        notes.append(f"{still_open} join(s) have no leave time; they are taken to last until the end of the "
                     f"meeting ({last_time})")
    if layout == "2022" and "activities" not in tables:
        notes.append("no In-Meeting Activities section: joined_at/left_at are the first join and last leave, "
                     "minutes present the In-Meeting Duration Teams reports")

    people, row_fates = people_from_connections(connections, keep=["role", "upn"])

    # ---- session, counts
    meeting_day = meta["start"] if meta["start"] is not None else (
        people["joined_at"].min() if people["joined_at"].notna().any() else None)
    session_id, session_note = match_session(meeting_day, context)
    if session_note:
        notes.append(session_note)
    if meta["declared_participants"] is not None and meta["declared_participants"] != len(people):
        notes.append(f"the summary says {meta['declared_participants']} participants, {len(people)} are listed "
                     "(the listed rows are used)")

    attendance = pd.DataFrame({
        "pilot_id": pd.Series([context.pilot_id] * len(people), dtype="object"),
        "source_file": source_file,
        "source_row": people["source_row"].astype("Int64"),
        "session_id": pd.Series([session_id] * len(people), dtype="object"),
        "participant_id": pd.Series([None] * len(people), dtype="object"),
        "source_name": _text(people["source_name"]),
        "source_email": _text(people["source_email"]),
        "status": people["status"].astype("object"),
        "joined_at": _aware(people["joined_at"], context.timezone),
        "left_at": _aware(people["left_at"], context.timezone),
        "minutes_present": people["minutes_present"].astype("float64"),
        "source": "teams",
        "role": _text(people["role"]),
        "upn": _text(people["upn"]),
    })
    attendance["source_file"] = attendance["source_file"].astype("object")
    attendance["source"] = attendance["source"].astype("object")

    # ---- fates of every record
    structure = kind.isin(["blank", "heading", "summary", "header", "other"])
    reasons = kind.map({"blank": "blank line", "heading": "section heading", "summary": "summary line",
                        "header": "header row"}).astype("object")
    reasons[kind == "other"] = reason_extra[kind == "other"]
    parts = [fates_frame(source_file, cells.loc[structure, "line"], "skipped-structure", "attendance",
                         reasons[structure].tolist(), context.pilot_id)]
    parts.append(fates_frame(source_file, row_fates["source_row"], row_fates["fate"].tolist(), "attendance",
                             row_fates["reason"].tolist(), context.pilot_id))
    fates = pd.concat(parts, ignore_index=True).sort_values("source_row", kind="stable").reset_index(drop=True)
    return Reading(path, format, {"attendance": conform("attendance", attendance)}, fates, notes, meta)


def _aware(values: pd.Series, timezone: str) -> pd.Series:
    """Times as ``datetime64[ns, timezone]`` (NaT for missing)."""
    if isinstance(values.dtype, pd.DatetimeTZDtype):  # already aware: only the zone and unit to set
        return values.dt.tz_convert(timezone).astype(f"datetime64[ns, {timezone}]").reset_index(drop=True)
    out = pd.to_datetime(values.astype("object"), utc=True).dt.tz_convert(timezone)
    return out.astype(f"datetime64[ns, {timezone}]").reset_index(drop=True)
