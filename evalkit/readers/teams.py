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
    decide_file_date_order,
    match_session,
    parse_meeting_times,
    people_from_connections,
    person_key,
)
from ..clean.dates import localise, parse_duration
from .base import Context, InputError, Reading, Sniff, conform, decode, record_start_lines

__all__ = ["FORMATS", "detect", "fold_array", "fold_cells", "header_key", "read", "read_cells", "read_grid"]

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
    found = _split(text, delimiter, path)
    if found is None:
        return pd.DataFrame({0: pd.Series(dtype="object"), "line": pd.Series(dtype="int64")})
    grid, lines, index = found
    out = pd.DataFrame(grid, index=index, columns=range(grid.shape[1]), dtype="object", copy=False)
    out["line"] = lines
    return out


def read_grid(text: str, delimiter: str, path: Path | str) -> tuple[np.ndarray, np.ndarray]:
    """:func:`read_cells` as arrays: the stripped cells (a 2-D object array, "" when
    empty; one column when the text has no record) and the 1-based physical line where
    each record starts.

    >>> grid, lines = read_grid('a\\tb\\n\\nc\\n', "\\t", "f.csv")
    >>> grid.tolist(), lines.tolist()
    ([['a', 'b'], ['', ''], ['c', '']], [1, 2, 3])
    """
    found = _split(text, delimiter, path)
    if found is None:
        return np.empty((0, 1), dtype=object), np.empty(0, dtype=np.int64)
    return found[0], found[1]


def _split(text: str, delimiter: str, path: Path | str) -> tuple[np.ndarray, np.ndarray, pd.Index] | None:
    """The cells, start lines and the parser's row labels of ``text`` (None when it has no
    record)."""
    starts = record_start_lines(text)
    if len(starts) == 0:
        return None
    width = _most_delimiters(text, delimiter, starts) + 1
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
    return stripped, np.asarray(starts, dtype=np.int64), cells.index


def _most_delimiters(text: str, delimiter: str, starts: np.ndarray) -> int:
    """The largest number of ``delimiter`` characters in one record of ``text``, whose
    records start at the 1-based physical lines ``starts`` (a quoted cell may hold line
    breaks, so a record's cells may be spread over several lines). Delimiters inside quotes
    count too: at least as many columns as any record has cells.

    >>> _most_delimiters('a\\tb\\n"x\\ny"\\tp\\tq\\n', "\\t", np.array([1, 2]))
    2
    """
    data = text.encode("utf-8", "surrogatepass")
    if len(delimiter) != 1 or len(delimiter.encode("utf-8")) != 1:
        lines = text.split("\n")
        at = np.append(np.asarray(starts, dtype=np.int64) - 1, len(lines))
        return max(sum(line.count(delimiter) for line in lines[a:b]) for a, b in zip(at[:-1], at[1:]))
    buf = np.frombuffer(data, dtype=np.uint8)
    line_offsets = np.append(0, np.flatnonzero(buf == 10) + 1)
    bounds = np.append(line_offsets[np.asarray(starts, dtype=np.int64) - 1], len(buf))
    before = np.searchsorted(np.flatnonzero(buf == ord(delimiter)), bounds)
    return int(np.diff(before).max())


def _text(series: pd.Series) -> pd.Series:
    """Text cells as object with None for empty."""
    values = series.to_numpy(dtype=object, copy=True)
    values[pd.isna(values) | (values == "")] = None
    return pd.Series(values, index=series.index, dtype="object", name=series.name)


def _add_problem(problem: pd.Series, new: pd.Series, where: pd.Series) -> pd.Series:
    """Add the reason ``new`` to the rows ``where`` (after any reason they already have)."""
    out = problem.astype("object").copy()
    if not where.any():
        return out
    before = out[where]
    text = before.fillna("").astype(str) + np.where(before.notna(), "; ", "") + new[where].astype(str)
    out[where] = text.astype("object")
    return out


def _parse_column(values: pd.Series, order: str, zone: str, timezone: str) -> tuple[pd.Series, pd.Series]:
    naive, failed = parse_meeting_times(values, order)
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
    grid, line = read_grid(text, "\t", path)
    if grid.shape[1] == 1:  # no tab anywhere: still give the key/value lines a value column
        grid = np.concatenate([grid, np.full((len(grid), 1), "", dtype=object)], axis=1)
    width = grid.shape[1]
    n = len(grid)
    filled = (grid != "").sum(axis=1)
    first = fold_array(grid[:, 0])
    blank = filled == 0
    notes = [f"encoding: {encoding}"]

    lone = filled == 1
    numbered = lone & _matches(first, _FIRST_SUMMARY)
    kind = np.full(n, "summary", dtype=object)
    section = np.full(n, "summary", dtype=object)
    reason_extra = np.full(n, None, dtype=object)
    if numbered.any():
        layout = "2022"
        heading = lone & _matches(first, _HEADING)
        at = np.flatnonzero(heading)
        names = np.array([_section_name(value) for value in first[at]], dtype=object)
        # each row belongs to the section of the heading above it ("before" the first one)
        last = np.maximum.accumulate(np.where(heading, np.arange(n), -1))
        section = np.where(last >= 0, _spread(names, at, n)[np.maximum(last, 0)], "before").astype(object)
        kind[heading] = "heading"
        tabled = (section == "participants") | (section == "activities")
        in_table = tabled & ~heading & ~blank
        kind[in_table] = "data"
        for name in ("participants", "activities"):  # a section's first row is its header
            rows = np.flatnonzero(in_table & (section == name))
            if len(rows):
                kind[rows[0]] = "header"
        other = ~tabled & (section != "summary") & ~heading & ~blank
        kind[other] = "other"
        if other.any():
            heading_text = _spread(grid[at, 0], at, n)[np.maximum(last, 0)]
            reason_extra[other] = np.strings.add(np.strings.add(
                "a row of section '", heading_text[other].astype(str)), "', which evalkit does not read").astype(object)
            reason_extra[other & (section == "before")] = "a line before the first section"
    else:
        layout = "2021"
        head = grid[:200]
        header_mask = np.array([_is_table_header([header_key(c) for c in row]) for row in head], dtype=bool)
        if not header_mask.any():
            raise InputError(path, "no participant table found (a header row with Full Name and Join Time); "
                             "is this a Teams attendance report?")
        header_at = int(np.argmax(header_mask))
        position = np.arange(n)
        section[header_at:] = "joins"
        kind[header_at] = "header"
        kind[(position > header_at) & ~blank] = "data"
        kind[(position < header_at) & (first == "meeting summary") & lone] = "heading"
    kind[blank] = "blank"

    # ---- summary
    at = np.flatnonzero((kind == "summary") & (section == "summary"))
    summary = {}
    for key, value in zip(first[at], grid[at, 1]):
        field = _SUMMARY_KEYS.get(key)
        if field and field not in summary:
            summary[field] = " ".join(str(value).split())

    # ---- tables
    tables = {}
    for name in ("participants", "activities", "joins"):
        header_rows = np.flatnonzero((section == name) & (kind == "header"))
        if len(header_rows) == 0:
            continue
        header = grid[header_rows[0]]
        fields, zones = {}, {}
        for column in range(width):
            label = header_key(header[column])
            field = _COLUMNS.get(_UTC.sub("", label))
            if field and field not in fields:
                fields[field] = column
                zones[field] = "UTC" if _UTC.search(label) else "local"
        if "name" not in fields:
            raise InputError(path, f"the header of the {name} table has no name column",
                             row=int(line[header_rows[0]]), value="\t".join(header))
        rows = np.flatnonzero((section == name) & (kind == "data"))
        empty = np.full(len(rows), "", dtype=object)
        frame = {"line": line[rows]}
        for field in ("name", "join", "leave", "duration", "email", "upn", "role"):
            frame[field] = grid[rows, fields[field]] if field in fields else empty
        tables[name] = (frame, fields, zones, header)
    if not tables:
        raise InputError(path, "no participant table found in the report")

    # ---- date order (one decision for the whole file)
    values = [summary.get("start"), summary.get("end")]
    for frame, _, _, _ in tables.values():
        values.extend(frame["join"][frame["join"] != ""].tolist())
        values.extend(frame["leave"][frame["leave"] != ""].tolist())
    order, how = decide_file_date_order([v for v in values if v], context, path=path)
    notes.append(f"dates read {order}: {how}")

    meta: dict = {"layout": layout, "title": summary.get("title"), "meeting_id": summary.get("meeting_id"),
                  "start": None, "end": None}
    given = [field for field in ("start", "end") if summary.get(field)]
    if given:
        naive, failed = parse_meeting_times(pd.Series([summary[field] for field in given], dtype="object"), order)
        aware = localise(naive, context.timezone)
        for position, field in enumerate(given):
            if failed.iloc[position]:
                notes.append(f"the summary's {field} time {summary[field]!r} is not a date-time; it is not used")
            else:
                meta[field] = aware.iloc[position]
    meta = {key: meta[key] for key in ("layout", "title", "meeting_id", "start", "end")}
    declared = summary.get("declared")
    meta["declared_participants"] = int(declared) if declared and declared.isdigit() else None
    if declared and meta["declared_participants"] is None:
        notes.append(f"the summary's participant count {declared!r} is not a number")

    # ---- connections: one row per data record
    zone_dtype = f"datetime64[ns, {context.timezone}]"
    parts = []
    for name, (frame, fields, zones, header) in tables.items():
        header_names = {f: str(header[c]) for f, c in fields.items()}
        count = len(frame["line"])
        where = np.strings.add(source_file + ", row ", frame["line"].astype(str)) if count else np.array([], dtype=str)
        problem = np.full(count, None, dtype=object)
        nameless = frame["name"] == ""
        if nameless.any():
            problem[nameless] = np.strings.add(where[nameless], f", column '{header_names['name']}': no name")
        times = {}
        for field in ("join", "leave"):
            if field not in fields:
                times[field] = pd.Series(pd.NaT, index=pd.RangeIndex(count), dtype=zone_dtype)
                continue
            aware, failed = _parse_column(pd.Series(frame[field], dtype="object"), order, zones[field],
                                          context.timezone)
            times[field] = aware
            failed = failed.to_numpy(dtype=bool)
            if failed.any():
                _add_reason(problem, failed, np.strings.add(np.strings.add(np.strings.add(
                    where[failed], f", column '{header_names[field]}': '"), frame[field][failed].astype(str)),
                    f"' is not a date-time (read {order})"))
        join_ns, leave_ns = _instants(times["join"]), _instants(times["leave"])
        backwards = (join_ns != _NAT) & (leave_ns != _NAT) & (leave_ns < join_ns)
        if backwards.any():
            _add_reason(problem, backwards, np.strings.add(np.strings.add(np.strings.add(np.strings.add(np.strings.add(
                where[backwards], f", column '{header_names.get('leave')}': '"), frame["leave"][backwards].astype(str)),
                "' is before the join time '"), frame["join"][backwards].astype(str)), "'"))
        part = {
            "source_row": frame["line"],
            "person": person_key(pd.Series(frame["name"], dtype="object"),
                                 pd.Series(frame["email"], dtype="object")).to_numpy(),
            "source_name": _none_for_empty(frame["name"]),
            "source_email": _none_for_empty(frame["email"]),
            "role": _none_for_empty(frame["role"]),
            "upn": _none_for_empty(frame["upn"]),
            "problem": problem,
        }
        if name == "participants":
            # one row per person: its times are a fallback for people with no activity rows
            part["joined_at"] = part["left_at"] = pd.Series(pd.NaT, index=pd.RangeIndex(count), dtype=zone_dtype)
            part["fallback_joined_at"] = times["join"]
            part["fallback_left_at"] = times["leave"]
            codes, distinct = pd.factorize(frame["duration"])
            seconds = np.array([parse_duration(value) for value in distinct] + [np.nan], dtype="float64")
            part["declared_minutes"] = seconds[codes] / 60.0
        else:
            part["joined_at"] = times["join"]
            part["left_at"] = times["leave"]
        parts.append(part)
    connections = _stack(parts, context.timezone)

    if meta["end"] is not None:
        last_time = meta["end"]
    else:
        known_times = pd.concat([connections["joined_at"], connections["left_at"],
                                 connections["fallback_joined_at"], connections["fallback_left_at"]])
        last_time = known_times.max() if known_times.notna().any() else None
    is_open = connections["joined_at"].notna().to_numpy() & connections["left_at"].isna().to_numpy()
    connections["left_open"] = is_open
    if last_time is not None and not pd.isna(last_time) and is_open.any():
        connections.loc[is_open, "left_at"] = last_time
    still_open = int((is_open & pd.isna(connections["problem"].to_numpy())).sum())
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

    count = len(people)
    attendance = pd.DataFrame({
        "pilot_id": _repeat(context.pilot_id, count),
        "source_file": _repeat(source_file, count),
        "source_row": people["source_row"].astype("Int64"),
        "session_id": _repeat(session_id, count),
        "participant_id": _repeat(None, count),
        "source_name": _text(people["source_name"]),
        "source_email": _text(people["source_email"]),
        "status": people["status"].astype("object"),
        "joined_at": _aware(people["joined_at"], context.timezone),
        "left_at": _aware(people["left_at"], context.timezone),
        "minutes_present": people["minutes_present"].astype("float64"),
        "source": _repeat("teams", count),
        "role": _text(people["role"]),
        "upn": _text(people["upn"]),
    }, copy=False)

    # ---- fates of every record
    structure = kind != "data"
    reasons = np.array([_STRUCTURE_REASONS.get(k) for k in kind[structure]], dtype=object)
    odd = kind[structure] == "other"
    reasons[odd] = reason_extra[structure][odd]
    fates = _file_fates(source_file, context.pilot_id, line[structure], reasons, row_fates)
    return Reading(path, format, {"attendance": conform("attendance", attendance)}, fates, notes, meta)


_FIRST_SUMMARY = re.compile(r"1\s*\.\s*summary")
_STRUCTURE_REASONS = {"blank": "blank line", "heading": "section heading", "summary": "summary line",
                      "header": "header row"}
_NAT = np.iinfo(np.int64).min


def fold_array(values: np.ndarray) -> np.ndarray:
    """:func:`header_key` of every cell of an object array (each distinct cell folded once).

    >>> fold_array(np.array([" First  Join:", "ROLE", " First  Join:"], dtype=object)).tolist()
    ['first join', 'role', 'first join']
    """
    codes, distinct = pd.factorize(values)
    folded = np.array([header_key(value) for value in distinct] + [""], dtype=object)
    return folded[codes]


def _matches(values: np.ndarray, pattern: re.Pattern) -> np.ndarray:
    """Whether each text fully matches ``pattern`` (each distinct text tried once)."""
    codes, distinct = pd.factorize(values)
    hits = np.array([pattern.fullmatch(value) is not None for value in distinct] + [False], dtype=bool)
    return hits[codes]


def _section_name(heading: str) -> str:
    """The section a numbered heading opens: participants, activities or its own name."""
    name = re.sub(r"^\s*\d+\s*\.\s*", "", heading)
    if "activit" in name:
        return "activities"
    if re.search("participant|attendee", name):
        return "participants"
    return name


def _spread(values: np.ndarray, at: np.ndarray, n: int) -> np.ndarray:
    """An object array of length ``n`` holding ``values`` at positions ``at``."""
    out = np.full(n, None, dtype=object)
    out[at] = values
    return out


def _none_for_empty(values: np.ndarray) -> np.ndarray:
    """Text cells as an object array with None for empty (as :func:`_text` gives them)."""
    out = np.array(values, dtype=object, copy=True)
    out[pd.isna(out) | (out == "")] = None
    return out


def _repeat(value, count: int) -> pd.Series:
    cells = np.empty(count, dtype=object)
    cells[:] = value
    return pd.Series(cells, dtype="object", copy=False)


def _add_reason(problem: np.ndarray, where: np.ndarray, new: np.ndarray) -> None:
    """Add the reasons ``new`` to the rows ``where`` of ``problem`` (after any reason they
    already have, joined by ``; ``), in place; as :func:`_add_problem`."""
    before = problem[where]
    had = ~pd.isna(before)
    shown = np.where(had, before, "").astype(str)
    problem[where] = np.strings.add(np.strings.add(shown, np.where(had, "; ", "")), new.astype(str)).astype(object)


def _instants(times: pd.Series) -> np.ndarray:
    """Aware times as int64 nanoseconds since the epoch (NaT as the smallest int64)."""
    return times.array.as_unit("ns").asi8 if isinstance(times.dtype, pd.DatetimeTZDtype) \
        else pd.DatetimeIndex(times).as_unit("ns").asi8


def _stack(parts: list[dict], zone: str) -> pd.DataFrame:
    """The connections of every table as one frame (columns of the first table first; a
    table without fallback times or declared minutes leaves them empty)."""
    columns = list(parts[0])
    for part in parts[1:]:
        columns += [c for c in part if c not in columns]
    sizes = [len(part["source_row"]) for part in parts]
    out = {}
    for column in columns:
        if column in _TIMES:  # aware times, stacked as instants and shown in the zone again
            instants = np.concatenate([_instants(part[column]) if column in part else np.full(size, _NAT)
                                       for part, size in zip(parts, sizes)])
            out[column] = pd.Series(pd.DatetimeIndex(instants.view("M8[ns]")).tz_localize("UTC"),
                                    copy=False).dt.tz_convert(zone)
        elif column == "declared_minutes":
            out[column] = np.concatenate([part[column] if column in part else np.full(size, np.nan)
                                          for part, size in zip(parts, sizes)])
        elif column == "source_row":
            out[column] = np.concatenate([np.asarray(part[column], dtype=np.int64) for part in parts])
        else:
            out[column] = pd.Series(np.concatenate([np.asarray(part[column], dtype=object) for part in parts]),
                                    dtype="object", copy=False)
    frame = pd.DataFrame(out, copy=False)
    for column in ("fallback_joined_at", "fallback_left_at"):
        if column not in frame.columns:
            frame[column] = pd.NaT
    if "declared_minutes" not in frame.columns:
        frame["declared_minutes"] = np.nan
    return frame


_TIMES = ("joined_at", "left_at", "fallback_joined_at", "fallback_left_at")


def _file_fates(source_file: str, pilot_id, structure_rows: np.ndarray, structure_reasons: np.ndarray,
                row_fates: pd.DataFrame) -> pd.DataFrame:
    """``row_fates`` of one attendance file: structure rows skipped with their reasons,
    data records as :func:`evalkit.clean.attendance.people_from_connections` decided, in
    line order (structure first on a tie)."""
    rows = np.concatenate([np.asarray(structure_rows, dtype=np.int64), row_fates["source_row"].to_numpy(dtype=np.int64)])
    fate = np.concatenate([np.full(len(structure_rows), "skipped-structure", dtype=object),
                           row_fates["fate"].to_numpy(dtype=object)])
    reason = np.concatenate([np.asarray(structure_reasons, dtype=object), row_fates["reason"].to_numpy(dtype=object)])
    order = np.argsort(rows, kind="stable")
    return pd.DataFrame({
        "pilot_id": _repeat(pilot_id, len(rows)),
        "source_file": _repeat(source_file, len(rows)),
        "source_row": pd.array(rows[order], dtype="Int64"),
        "fate": pd.Series(fate[order], dtype="object", copy=False),
        "table": _repeat("attendance", len(rows)),
        "reason": pd.Series(reason[order], dtype="object", copy=False),
    }, copy=False)


def _aware(values: pd.Series, timezone: str) -> pd.Series:
    """Times as ``datetime64[ns, timezone]`` (NaT for missing)."""
    if isinstance(values.dtype, pd.DatetimeTZDtype):  # already aware: only the zone and unit to set
        return values.dt.tz_convert(timezone).astype(f"datetime64[ns, {timezone}]").reset_index(drop=True)
    out = pd.to_datetime(values.astype("object"), utc=True).dt.tz_convert(timezone)
    return out.astype(f"datetime64[ns, {timezone}]").reset_index(drop=True)
