"""Files of one format read together: what the metrics readers' ``read_batch`` share.

A pilot's exports of one format mostly share a header. Read together, their bodies are
parsed by one Arrow CSV read (:func:`stacked`, a marker record between two files' records),
their columns cleaned once (:class:`Group`, with a file index for the checks each file's fast
lane makes on its own records), and each file given exactly the tables, fates and notes its
own fast-lane reading gives (:func:`fast_reading`), its one-word dictionary columns made by
:func:`one_word`.
"""

from __future__ import annotations

import csv
import functools
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..clean import fastlane
from ..clean.metrics import fill_blank_cells, header_labels_of
from .base import (
    _PLAIN_NUMBER,
    ArrowReading,
    ArrowTables,
    Context,
    InputError,
    Reading,
    _head_records,
    _record_bounds,
    arrow_text_table,
    decode_utf8,
)

__all__ = [
    "Body",
    "Group",
    "MARKER",
    "blank_notes",
    "body_of",
    "day_numbers",
    "fast_reading",
    "head_only",
    "joined",
    "metrics_tables",
    "most_common_by_file",
    "one_word",
    "read_together",
    "stacked",
    "unmarked",
]


def fast_reading(path, context, format, encoding, head_line, body_lines, done) -> Reading | None:
    """The Reading of a file the fast lane took (``done``: its table's name, the table,
    notes and meta), with its row fates; ``None`` when the fast lane did not take it."""
    if done is None:
        return None
    source_file = context.source_file or path.name
    table_name, table, notes, meta = done
    arrow_fates = fastlane.fates(source_file, context.pilot_id, [(head_line, "header row")], body_lines, table_name)
    arrow = {table_name: table, "row_fates": arrow_fates}
    return ArrowReading(path, format, ArrowTables(arrow), None, [f"encoding: {encoding}", *notes],
                        meta | {"encoding": encoding}, arrow=arrow)

@dataclass
class Body:
    """One file of a group read together: its head, its body records and their lines."""

    index: int
    path: Path
    context: Context
    encoding: str
    #: the header record's bytes (with its line end)
    head: bytes
    #: the line where each record starts, the header's first
    lines: np.ndarray
    #: the body records' bytes, ending with a line end
    body: bytes
    #: columns read as floats (their first body cell a plain number), as the fast lane types them
    numbers: tuple[int, ...]
    width: int

    @property
    def records(self) -> int:
        return len(self.lines) - 1

    @property
    def source_file(self) -> str:
        return self.context.source_file or self.path.name


#: the first cell of the marker record put between two files' bodies
MARKER = "\x1f"

def body_of(index: int, path: Path, context: Context, text_keys: set[str]) -> Body | None:
    """A file's head and body as the fast lane finds them
    (:func:`~evalkit.readers.base.arrow_csv`; the columns whose folded header is in
    ``text_keys`` kept as text), or ``None`` when the fast lane would not read it as a
    regular file of one header and records."""
    try:
        data, encoding = decode_utf8(path)
    except (InputError, OSError):
        return None
    lines, empty, starts = _record_bounds(data, '"', offsets=True)
    if len(lines) == 0 or empty.any():
        return None
    head = data[:starts[1]] if len(lines) > 1 else data
    records = _head_records(head, ",", '"')
    if len(records) != 1:
        return None
    if len(lines) == 1:  # the header alone
        return Body(index, path, context, encoding, head, lines, b"", (), len(records[0]))
    first = data[starts[1]:starts[2] if len(starts) > 2 else len(data)].decode("utf-8", "surrogatepass")
    cells = next(csv.reader(io.StringIO(first)), [""])
    if len(cells) != len(records[0]):
        return None  # not as wide as the header
    text = fastlane.text_columns(records[0], text_keys)
    if 0 not in text:
        return None  # the first column holds the marker between files
    numbers = tuple(j for j, cell in enumerate(cells) if j not in text and _PLAIN_NUMBER.match(cell))
    body = data[starts[1]:]
    if body.count(b'"') % 2:
        return None  # a quote left open at the end: the next file's records would run on from it
    if not body.endswith(b"\n"):
        body += b"\n"
    return Body(index, path, context, encoding, head, lines, body, numbers, len(cells))


def head_only(body: Body, format: str, step) -> Reading | None:
    """A file of its header alone, read as the fast lane reads it (``step``: the fast
    lane's step for the format): no records."""
    header = header_labels_of(_head_records(body.head, ",", '"')[0])
    columns = {name: pa.array([], pa.string()) for name in header}
    try:
        done = step(body.path, body.context, header, columns, body.lines[1:], body.source_file)
    except InputError:
        return None
    return fast_reading(body.path, body.context, format, body.encoding, int(body.lines[0]), body.lines[1:], done)


def read_together(paths: list[Path], contexts: list[Context], format: str, *, text_keys: set[str], step,
                  read_group) -> list[Reading | None]:
    """A reader's ``read_batch`` for exports of one header row: each file's head and body
    (:func:`body_of`), a header-only file read alone (:func:`head_only`), the others grouped
    by header, typed columns and time zone, parsed together (:func:`stacked`) and read by
    ``read_group(members, table, format)``; ``None`` for a file none of these takes."""
    found: list[Reading | None] = [None] * len(paths)
    groups: dict[tuple, list[Body]] = {}
    for i, (path, context) in enumerate(zip(paths, contexts)):
        body = body_of(i, Path(path), context, text_keys)
        if body is not None and body.records == 0:
            found[i] = head_only(body, format, step)
        elif body is not None:
            groups.setdefault((body.head, body.width, body.numbers, context.timezone), []).append(body)
    for members in groups.values():
        for part, table in stacked(members):
            for body, reading in zip(part, read_group(part, table, format)):
                found[body.index] = reading
    return found


def joined(bodies: list[bytes], width: int) -> bytes:
    """Files' bodies (each ending with a line end) as one text to parse, a marker record
    (:data:`MARKER`, ``width`` cells) between two files' records."""
    return (MARKER + "," * (width - 1) + "\n").encode().join(bodies)


def unmarked(table: pa.Table, counts: np.ndarray, width: int) -> pa.Table | None:
    """The records of files parsed from :func:`joined` text, stacked, the marker records
    taken out; ``None`` when the table is not ``width`` columns wide or the markers are not
    where each file's ``counts`` records end."""
    if table.num_columns != width or table.num_rows != counts.sum() + len(counts) - 1:
        return None
    if len(counts) == 1:
        return table
    is_marker = fastlane._mask(pc.equal(table.column(0), MARKER))
    at = np.cumsum(counts)[:-1] + np.arange(len(counts) - 1)
    if is_marker.sum() != len(counts) - 1 or not is_marker[at].all():
        return None
    return table.filter(pa.array(~is_marker))


def stacked(members: list[Body]) -> list[tuple[list[Body], pa.Table]]:
    """The bodies of ``members`` parsed by one Arrow CSV read (:func:`joined`,
    :func:`unmarked`), as (files, their stacked records); a group whose read fails, or whose
    marker records are not where each file's records end, is split in two and each half read
    again; a file that does not read alone is left out (read on its own)."""
    width = members[0].width
    counts = np.array([b.records for b in members], dtype=np.int64)
    table = arrow_text_table(joined([b.body for b in members], width), width=width, numbers=members[0].numbers)
    table = None if table is None else unmarked(table, counts, width)
    if table is not None:
        return [(members, table)]
    if len(members) == 1:
        if members[0].numbers:  # a typed column holds a non-number: all text, as the fast lane reads it then
            table = arrow_text_table(members[0].body, width=width)
            if table is not None and table.num_rows == counts[0]:
                return [(members, table)]
        return []
    half = len(members) // 2
    return stacked(members[:half]) + stacked(members[half:])


class Group:
    """Files read together: their stacked columns by header label, where each file's
    records start, and which files are still taken by the group reading."""

    def __init__(self, members: list[Body], table: pa.Table):
        self.members = members
        self.header = header_labels_of(_head_records(members[0].head, ",", '"')[0])
        self.columns = dict(zip(self.header, (c.combine_chunks() for c in table.itercolumns())))
        self.counts = np.array([b.records for b in members], dtype=np.int64)
        self.starts = np.concatenate([[0], np.cumsum(self.counts)[:-1]]).astype(np.int64)
        self.n = int(self.counts.sum())
        self.files = fastlane.file_index(self.starts, self.n)
        self.lines = np.concatenate([b.lines[1:] for b in members])
        # blank records: the fast lane leaves the file to the general lane
        self.taken = fastlane.file_all(fastlane._mask(pc.not_equal(fastlane.trimmed(table.column(0).combine_chunks()), "")),
                                       self.starts)

    def sliced(self, k: int) -> dict[str, pa.Array]:
        """File ``k``'s columns, as the fast lane has them reading the file alone."""
        return {name: column.slice(self.starts[k], self.counts[k]) for name, column in self.columns.items()}

    #: format name → the fast lane's step for one file of it (set by each reader)
    steps: dict = {}

    def alone(self, k: int, format: str) -> Reading | None:
        """File ``k`` read by the fast lane's steps alone, on its own records."""
        body = self.members[k]
        try:
            done = self.steps[format](body.path, body.context, self.header, self.sliced(k), body.lines[1:],
                                      body.source_file)
        except InputError:
            return None
        return fast_reading(body.path, body.context, format, body.encoding, int(body.lines[0]), body.lines[1:], done)

    def repeated(self, keys: np.ndarray) -> None:
        """Files giving one of ``keys`` (one per record) twice are no longer taken."""
        self.taken &= ~fastlane.repeated_within(keys, self.files, len(self.members))

    def read_numbers(self, names: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """The count cells of the columns ``names`` (records × columns), as
        :func:`fastlane.number_matrix` reads each file's; a file whose cells it refuses is
        no longer taken."""
        columns = [self.columns[c] for c in names]
        values, blank, alone = fastlane.group_number_matrix(columns, self.starts)
        for k in np.flatnonzero(alone & self.taken):
            a, n = self.starts[k], self.counts[k]
            found = fastlane.number_matrix([c.slice(a, n) for c in columns])
            if found is None:
                self.taken[k] = False
            else:
                values[a:a + n], blank[a:a + n] = found
        return values, blank

    def fates(self, table_name: str) -> tuple[pa.Table, np.ndarray]:
        """The stacked ``row_fates`` of the files (each file's header row, then its records
        kept in ``table_name``) and where each file's start."""
        at = self.starts + np.arange(len(self.members))
        lines = np.concatenate([b.lines for b in self.members]).astype(np.int64)
        n = len(lines)
        structural = np.zeros(n, dtype=bool)
        structural[at] = True
        marks = pa.array(structural)
        fates = pa.table({
            "source_row": pa.array(lines),
            "fate": fastlane._chosen(["skipped-structure", "kept"], ~structural),
            "table": pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, dtype=np.int32), mask=structural),
                                                    pa.array([table_name], type=pa.string())),
            "reason": pc.if_else(marks, pa.scalar("header row", pa.string()), pa.scalar(None, pa.string())),
        })
        return fates, at

    def readings(self, format: str, tables: list, notes: list, metas: list, table_name: str) -> list[Reading | None]:
        """Each taken file's Reading from its table, notes and meta, with its fates."""
        fates, at = self.fates(table_name)
        found: list[Reading | None] = []
        for k, body in enumerate(self.members):
            if tables[k] is None:
                found.append(None)
                continue
            n = int(self.counts[k]) + 1
            part = fates.slice(at[k], n)
            file_fates = pa.table({"pilot_id": one_word(body.context.pilot_id, n),
                                   "source_file": one_word(body.source_file, n),
                                   **{name: part.column(name).chunk(0) for name in part.column_names}})
            arrow = {table_name: tables[k], "row_fates": file_fates}
            found.append(ArrowReading(body.path, format, ArrowTables(arrow), None,
                                      [f"encoding: {body.encoding}", *notes[k]],
                                      metas[k] | {"encoding": body.encoding}, arrow=arrow))
        return found

def day_numbers(days: pa.Array) -> np.ndarray:
    """Dates as whole numbers (days since 1970), to compare and count them in numpy."""
    return days.to_numpy(zero_copy_only=False).view(np.int64) if len(days) else np.array([], np.int64)


def blank_notes(values: np.ndarray, blank: np.ndarray, days: np.ndarray, value_columns: list[str],
                starts: np.ndarray, counts: np.ndarray, taken: np.ndarray, **rules) -> list[list[str]]:
    """Each taken file's notes on its blank count cells, as
    :func:`~evalkit.clean.metrics.fill_blank_cells` gives them (and fills the cells, as
    ``rules`` say) for the file's own records of the stacked ``values`` (records × columns)
    and ``days``; no notes for the other files."""
    notes: list[list[str]] = [[] for _ in range(len(starts))]
    if not len(blank):
        return notes
    has_blank = np.logical_or.reduceat(blank.any(axis=1), starts)
    for k in np.flatnonzero(has_blank & taken):
        a, b = starts[k], starts[k] + counts[k]
        notes[k] = fill_blank_cells(values[a:b], blank[a:b], days[a:b], value_columns, **rules)
    return notes


def metrics_tables(members: list, taken: np.ndarray, starts: np.ndarray, lines: np.ndarray, days: pa.Array,
                   values: np.ndarray, names: list[str], platform: str, accounts: list) -> list[pa.Table | None]:
    """Each taken file's ``metrics`` rows from the stacked day × metric matrix ``values``
    (records × columns, ``names`` the columns' metric names; ``days`` and ``lines`` each
    record's day and line): one row per cell holding a number, record by record, column by
    column, as :func:`~evalkit.clean.fastlane.metrics_table` makes them for the file alone
    (``accounts[k]`` its account); ``None`` for the other files."""
    rows, columns = np.nonzero(~np.isnan(values))
    cut = np.searchsorted(rows, np.append(starts, len(values)))
    source_row = pa.array(lines[rows])
    date = days.take(pa.array(rows))
    metric = fastlane._chosen(names, columns)
    value = pa.array(values[rows, columns])
    tables: list[pa.Table | None] = [None] * len(members)
    for k, body in enumerate(members):
        if not taken[k]:
            continue
        a, n = int(cut[k]), int(cut[k + 1] - cut[k])
        tables[k] = pa.table({
            "pilot_id": one_word(body.context.pilot_id, n),
            "source_file": one_word(body.source_file, n),
            "source_row": source_row.slice(a, n),
            "participant_id": pa.nulls(n, pa.string()),
            "platform": one_word(platform, n),
            "account": one_word(accounts[k], n),
            "date": date.slice(a, n),
            "metric": metric.slice(a, n),
            "value": value.slice(a, n),
        })
    return tables


def most_common_by_file(values: pa.Array, files: np.ndarray, m: int) -> list[str | None]:
    """For each of ``m`` files, the most frequent of its rows' ``values`` (the smallest on
    a tie, as :func:`~evalkit.clean.metrics.most_common` gives it), ``None`` when it has
    none."""
    found: list[str | None] = [None] * m
    encoded = pc.dictionary_encode(values)
    words = encoded.dictionary.to_pylist()
    if not words:
        return found
    codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    present = codes >= 0
    w = len(words)
    keys, counts = np.unique(files[present].astype(np.int64) * w + codes[present], return_counts=True)
    file_of, code = keys // w, keys % w
    rank = np.empty(w, dtype=np.int64)
    rank[sorted(range(w), key=words.__getitem__)] = np.arange(w)
    order = np.lexsort((rank[code], -counts, file_of))  # per file: most rows, then the smallest word
    first = order[np.r_[True, file_of[order][1:] != file_of[order][:-1]]]
    for f, c in zip(file_of[first].tolist(), code[first].tolist()):
        found[f] = words[c]
    return found


#: index arrays of zeros, for one-word dictionary columns (slices of one array)
_ZEROS = [pa.array(np.zeros(1 << 16, dtype=np.int32))]


@functools.lru_cache(maxsize=4096)
def _word(value: str) -> pa.Array:
    return pa.array([value], type=pa.string())


def one_word(value: str | None, n: int) -> pa.Array:
    """:func:`fastlane._text`: ``value`` in every one of ``n`` rows, dictionary-encoded."""
    if value is None:
        return pa.nulls(n, pa.string())
    if n > len(_ZEROS[0]):
        _ZEROS[0] = pa.array(np.zeros(max(n, 2 * len(_ZEROS[0])), dtype=np.int32))
    return pa.DictionaryArray.from_arrays(_ZEROS[0].slice(0, n), _word(value))
