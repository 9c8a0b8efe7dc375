"""Cleaning a whole programme folder into the canonical tables.

``clean_programme`` reads every file of every pilot with the reader its content calls for,
applies the programme's settings and item map, validates each table against its schema
(rows that fail are quarantined, never dropped silently), links people to the roster, and
returns a :class:`CleanResult`. ``write_clean`` writes ``<table>.parquet`` for every
canonical table plus ``summary.md`` and ``review.csv``.

At scale:

* work is shared by a pool of processes (``jobs``; a small programme is read in this
  process, where starting workers would cost more than it saves). With many pilots each
  worker takes whole pilots: it reads, cleans, links and writes one pilot at a time. With
  few, the workers share each pilot's files and this process cleans and links each pilot
  while they read the next. Either way each file's tables are validated where they were
  read, tables cross between processes as Arrow IPC streams (no per-row Python work, no
  pandas copies), and pilots come back in programme order;
* with ``out``, each pilot's tables go to the store as soon as the pilot is done (memory
  holds about one pilot per process), and :attr:`CleanResult.tables` reads them back
  when asked.

The store (see :mod:`evalkit.store`): ``<out>/<table>.parquet`` is one file per table for
a small programme (input under :data:`PARTITION_BYTES`), and a hive-partitioned folder
``<out>/<table>.parquet/pilot_id=<id>/part-0.parquet`` for a larger one; pandas, Arrow and
DuckDB read either at the same path.

Exit codes (``CleanResult.exit_code``): 0 clean; 1 finished but some rows quarantined;
2 a file or the programme could not be used at all.
"""

from __future__ import annotations

import datetime as dt
import functools
import multiprocessing
import os
import sys
from collections import deque
from collections.abc import Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import linking, roster, schemas, store
from .programme import Pilot, Programme, load_programme
from .readers import InputError, UnsupportedFormat, batched, detect, read, read_batch
from .readers.base import Context, conform

__all__ = [
    "CleanResult",
    "FileResult",
    "choose_jobs",
    "clean_programme",
    "input_files",
    "read_clean_table",
    "store_files",
    "write_clean",
]

#: folders of a pilot that hold input files
INPUT_FOLDERS = ("attendance", "surveys", "metrics")
#: the tables a reader can yield (the others come from the programme, roster and linking)
FILE_TABLES = ("attendance", "responses", "comments", "metrics", "posts")
#: a programme with less input than this is read in this process (no worker start-up)
TINY_PROGRAMME_BYTES = 16 << 20
#: a programme with at least this much input is stored partitioned by pilot; a smaller one
#: as one file per table
PARTITION_BYTES = 64 << 20
#: how many pilots' files the workers may be reading ahead of the pilot being cleaned
LOOKAHEAD_PILOTS = 2
#: at most this many files go to a worker at once
FILES_PER_TASK = 8
#: with at least this many pilots per worker, each worker takes whole pilots
PILOTS_PER_WORKER = 2
#: how many pilots per worker may be under way (taking whole pilots) at once
PILOTS_AHEAD = 2

# the columns that name a person (person tables) or an account (account tables), as
# linking reads them
_PERSON_COLUMNS = ("source_name", "source_email", "source_original_name", "source_upn", "upn")
_ACCOUNT_COLUMNS = ("account", "platform")


@dataclass
class FileResult:
    """What happened to one input file."""

    pilot_id: str
    source_file: str
    format: str | None
    status: str  # "read", "failed", "ignored"
    error: str | None = None
    counts: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


@dataclass
class CleanResult:
    """What cleaning a programme gives.

    ``tables`` maps every canonical table name to its DataFrame, made when first asked
    for (from memory, or read from the store when the run wrote one), so a national run
    holds no table in memory it is not using. ``counts`` (rows per table) and
    ``quarantined`` (the quarantined raw rows) are kept apart for summaries that need no
    table.
    """

    programme: Programme
    tables: Mapping[str, pd.DataFrame]
    files: list[FileResult]
    #: identities an evaluator should resolve (ambiguous and unmatched), with candidates
    review: pd.DataFrame
    #: per pilot: linked / ambiguous / unmatched / not-a-participant identity counts
    link_counts: pd.DataFrame
    #: problems with the programme as a whole (a roster that cannot be read, a missing key)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: rows per canonical table (all pilots)
    counts: dict[str, int] | None = None
    #: the quarantined raw rows: ``pilot_id, source_file, source_row, table, reason``
    quarantined: pd.DataFrame | None = None
    #: the store folder the tables were written to (``None`` when held in memory)
    store: Path | None = None
    #: ``partitioned`` or ``file`` (see :mod:`evalkit.store`): the layout the store was
    #: written in, or (held in memory) the one :func:`write_clean` writes by default
    layout: str | None = None

    def __post_init__(self):
        if self.quarantined is None:
            fates = self.tables["row_fates"]
            self.quarantined = fates[fates["fate"] == "quarantined"].reset_index(drop=True)
        if self.counts is None:
            self.counts = {name: len(self.tables[name]) for name in schemas.TABLES}

    @property
    def exit_code(self) -> int:
        if self.problems or any(f.status == "failed" for f in self.files):
            return 2
        if len(self.quarantined):
            return 1
        return 0


def input_files(programme: Programme, pilot: Pilot) -> list[Path]:
    """Every input file of a pilot, in a stable order (hidden and lock files left out)."""
    folder = programme.root / pilot.id
    found = []
    for name in INPUT_FOLDERS:
        base = folder / name
        if base.is_dir():
            found.extend(
                p for p in base.rglob("*")
                if p.is_file() and not p.name.startswith((".", "~$")) and p.suffix.lower() not in (".md",)
            )
    return sorted(found, key=lambda p: p.relative_to(folder).as_posix())


def context_for(programme: Programme, pilot: Pilot, path: Path) -> tuple[Context, str | None, bool]:
    """The reading context of one file, its pinned format, and whether it is ignored."""
    relative = path.relative_to(programme.root).as_posix()
    pin = pilot.pin(path.relative_to(programme.root / pilot.id).as_posix())
    settings = programme.settings

    def item_for_question(text: str):
        found = programme.item_for_question(text)
        if found is None:
            return None
        item, question = found
        return item.id, item.scale, question.wave, dict(item.aliases)

    context = Context(
        timezone=settings.timezone,
        date_order=(pin.date_order if pin and pin.date_order else settings.date_order),
        pilot_id=pilot.id,
        session_id=pin.session if pin else None,
        wave=pin.wave if pin else None,
        sessions=tuple(pilot.sessions),
        item_for_question=item_for_question if programme.items else None,
        account=pin.account if pin else None,
        source_file=relative,
    )
    return context, (pin.format if pin else None), bool(pin and pin.ignore)


def sessions_table(programme: Programme, pilot_id: str | None = None) -> pd.DataFrame:
    """The canonical ``sessions`` table from ``programme.yml`` (one pilot's, when given)."""
    rows = []
    for pilot in programme.pilots:
        if pilot_id is not None and pilot.id != pilot_id:
            continue
        for s in pilot.sessions:
            start = None
            if s.start:
                start = pd.Timestamp(dt.datetime.combine(s.date, dt.time.fromisoformat(s.start))).tz_localize(
                    programme.settings.timezone
                )
            rows.append(
                {
                    "pilot_id": pilot.id,
                    "session_id": s.id,
                    "kind": s.kind,
                    "theme": s.theme,
                    "date": s.date,
                    "start": start,
                    "mode": s.mode,
                    "label": s.label or s.id,
                }
            )
    if not rows:
        return schemas.empty("sessions")
    frame = pd.DataFrame(rows)
    frame["start"] = pd.to_datetime(frame["start"])
    if frame["start"].dt.tz is None:
        frame["start"] = frame["start"].dt.tz_localize(programme.settings.timezone)
    return conform("sessions", frame)


# --------------------------------------------------------------------------- the whole run

def clean_programme(path: str | Path, *, key: bytes | None = None, link: bool = True,
                    jobs: int | None = None, out: str | Path | None = None,
                    layout: str | None = None) -> CleanResult:
    """Read, clean, validate and link every file of the programme folder at ``path``.

    Parameters
    ----------
    path
        The programme folder (holding ``programme.yml``).
    key
        Pseudonym key; by default read as ``programme.yml`` settings say (environment
        variable or key file).
    link
        Link people to the roster and fill ``participant_id`` (needs the key).
    jobs
        Processes reading files at once: ``None`` chooses (every core, or this process
        alone for a programme under :data:`TINY_PROGRAMME_BYTES`); ``1`` reads in this
        process (for debugging).
    out
        A folder to write the store into as the run goes (pilot by pilot: memory holds
        about one pilot's tables), with ``summary.md`` and ``review.csv``; the result's
        ``tables`` are then read from it when asked for. Without ``out`` every table is
        kept in memory (write them later with :func:`write_clean`).
    layout
        ``partitioned`` or ``file`` (see :mod:`evalkit.store`); by default ``partitioned``
        when the programme's input reaches :data:`PARTITION_BYTES`.

    Raises
    ------
    ProgrammeError
        When ``programme.yml`` cannot be used at all.

    Examples
    --------
    >>> result = clean_programme("tests/data/bad", key=b"a test key for broken inputs", jobs=1)
    >>> result.exit_code, result.counts["attendance"]
    (2, 5)
    """
    programme = load_programme(path)
    timezone = programme.settings.timezone
    tasks = {pilot.id: input_files(programme, pilot) for pilot in programme.pilots}
    size = sum(_size(f) for files in tasks.values() for f in files)
    jobs = choose_jobs(jobs, sum(len(files) for files in tasks.values()), size)
    layout = layout or ("partitioned" if size >= PARTITION_BYTES else "file")
    if layout not in store.LAYOUTS:
        raise ValueError(f"unknown store layout {layout!r}; use one of {', '.join(store.LAYOUTS)}")

    problems: list[str] = []
    if link:
        key, problem = _key(programme, key)
        if problem:
            problems.append(problem)
            link = False
    root = Path(out) if out is not None else None
    if root is not None:
        root.mkdir(parents=True, exist_ok=True)
        store.clear_store(root)

    memory: dict[str, list[tuple[str, pa.Table]]] = {name: [] for name in schemas.TABLES}
    files: list[FileResult] = []
    notes: list[str] = []
    reviews, link_counts, quarantined = [], [], []
    counts = dict.fromkeys(schemas.TABLES, 0)
    dropped = 0
    plan = _Plan(key if link else None, root if layout == "partitioned" else None)
    with _FileReader(programme, jobs, plan) as reader:
        for pilot, done in reader.cleaned(tasks):
            files += done.files
            notes += [n for n in done.notes if n not in notes]
            problems += done.problems
            dropped += done.dropped
            reviews.append(done.review)
            link_counts.append(done.link_counts)
            quarantined.append(done.quarantined)
            for name, rows in done.counts.items():
                counts[name] += rows
            for name, table in (done.tables or {}).items():
                memory[name].append((pilot.id, table))
            del done
    if dropped:
        notes.insert(0, f"metrics: {dropped} value(s) for an account, day and metric already given by "
                        "another file were left out (the first file's value is kept)")
    if root is not None and layout == "partitioned":
        store.finish_store(root, layout, [p.id for p in programme.pilots], threads=jobs)
        tables = store.StoreTables.on_disk(root, [p.id for p in programme.pilots])
    elif root is not None:  # a small programme: each table written once, as one file
        for name, parts in memory.items():
            store.write_file(root, name, [part for _, part in parts], timezone)
        memory.clear()
        tables = store.StoreTables.on_disk(root, [p.id for p in programme.pilots])
    else:
        tables = store.StoreTables.in_memory(memory, timezone)
    result = CleanResult(
        programme, tables, files, _stack(reviews), _stack(link_counts), problems, notes,
        counts=counts, quarantined=_stack(quarantined, _QUARANTINED), store=root, layout=layout,
    )
    if root is not None:
        _write_summaries(result, root)
    return result


def _widened(tables: dict[str, pa.Table], seen: dict[str, pa.Schema]) -> dict[str, pa.Table]:
    """A pilot's tables with every column earlier pilots' tables had (empty where this
    pilot has none), ``seen`` grown by the columns it brings: parts written this way share
    one schema once the readers' extra columns have all appeared, so finishing the store
    rewrites only the parts written before that."""
    out = {}
    for name, table in tables.items():
        if name in seen and table.schema.equals(seen[name]):
            out[name] = table
            continue
        schema = store.unified_schema([seen[name], table.schema], name) if name in seen else table.schema
        seen[name] = schema
        out[name] = table if table.schema.equals(schema) else store.conform_arrow(table, schema)
    return out


def choose_jobs(jobs: int | None, n_files: int, size: int) -> int:
    """How many processes read files: ``jobs`` when given; else one (this process) for a
    programme of one file or under :data:`TINY_PROGRAMME_BYTES` of input, or on one core;
    else one per core, at most one per file.

    >>> choose_jobs(None, 250, 3_500_000), choose_jobs(3, 250, 3_500_000)
    (1, 3)
    """
    if jobs is not None:
        return max(1, int(jobs))
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if cores <= 1 or n_files < 2 or size < TINY_PROGRAMME_BYTES:
        return 1
    return min(cores, n_files)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _key(programme: Programme, key: bytes | None) -> tuple[bytes | None, str | None]:
    if key is not None:
        return key, None
    try:
        return roster.load_key(programme), None
    except (roster.KeyMissing, OSError) as exc:
        return None, str(exc)


_QUARANTINED = ["pilot_id", "source_file", "source_row", "table", "reason"]
#: no quarantined rows, as a file without any gives them (stacked, never changed)
_NONE_QUARANTINED = pd.DataFrame(columns=_QUARANTINED)


def _stack(frames: list[pd.DataFrame], columns: list[str] | None = None) -> pd.DataFrame:
    frames = [f for f in frames if f is not None and len(f.columns)]
    if not frames:
        return pd.DataFrame(columns=columns) if columns else pd.DataFrame()
    filled = [f for f in frames if len(f)]
    return pd.concat(filled or frames[:1], ignore_index=True)


# --------------------------------------------------------------------------- reading files

@dataclass
class _FileOutcome:
    """One file read, cleaned and validated: its result, Arrow tables and fates."""

    file: FileResult
    tables: dict[str, pa.Table] = field(default_factory=dict)
    fates: pa.Table | None = None
    #: faults of a whole table (not of a row), for the run's notes
    notes: list[str] = field(default_factory=list)
    #: metrics values left out because the file gives them twice
    dropped: int = 0
    #: the file's quarantined rows (see ``_QUARANTINED``); ``None`` for a fast-lane file
    #: without any (an empty frame costs more to make and to send than the file's tables)
    quarantined: pd.DataFrame | None = None
    #: the (platform, account) pairs of its metrics, to know when files overlap
    accounts: frozenset = frozenset()

    def __getstate__(self) -> dict:
        """What crosses from a worker: the tables as Arrow IPC streams (one buffer each,
        written and read without a Python object per column or buffer; pickling the
        tables themselves costs about as much as cleaning a small file)."""
        state = dict(self.__dict__)
        state["tables"] = {name: _to_ipc(table) for name, table in self.tables.items()}
        state["fates"] = _to_ipc(self.fates)
        return state

    def __setstate__(self, state: dict) -> None:
        state["tables"] = {name: _from_ipc(table) for name, table in state["tables"].items()}
        state["fates"] = _from_ipc(state["fates"])
        self.__dict__.update(state)


def _to_ipc(table: pa.Table | None):
    """``table`` as the bytes of an Arrow IPC stream (schema, chunks and dictionaries as
    they are), or ``table`` itself when it is ``None`` or the stream cannot hold it."""
    if table is None:
        return None
    sink = pa.BufferOutputStream()
    try:
        with pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return table
    return sink.getvalue().to_pybytes()


def _from_ipc(data) -> pa.Table | None:
    """The table :func:`_to_ipc` wrote."""
    if not isinstance(data, bytes):
        return data
    return pa.ipc.open_stream(data).read_all()


#: the programme a worker reads for and how it cleans a pilot (set once per process)
_PROGRAMME: Programme | None = None
_PLAN: _Plan | None = None


def _start_worker(programme: Programme, plan: _Plan) -> None:
    global _PROGRAMME, _PLAN
    _PROGRAMME, _PLAN = programme, plan


def _read_task(task: tuple[str, list[Path]]) -> list[_FileOutcome]:
    pilot_id, files = task
    pilot = _PROGRAMME.pilot(pilot_id)
    return read_files(_PROGRAMME, pilot, files)


def _pilot_task(task: tuple[str, list[Path], dict[str, pa.Schema]]) -> _PilotDone:
    """A whole pilot in a worker: its files read, then cleaned, linked and written."""
    pilot_id, files, seen = task
    pilot = _PROGRAMME.pilot(pilot_id)
    outcomes = read_files(_PROGRAMME, pilot, files)
    return _finish_pilot(_PROGRAMME, pilot, outcomes, _PLAN, seen)


def read_files(programme: Programme, pilot: Pilot, files: list[Path]) -> list[_FileOutcome]:
    """:func:`read_file` for each of a pilot's ``files`` (in their order), the files of a
    format whose reader reads many at once (:func:`evalkit.readers.read_batch`) read
    together: the same outcomes, for less work. A file the batch does not take, or a batch
    that fails, is read on its own."""
    outcomes: list[_FileOutcome | None] = [None] * len(files)
    known: list[tuple] = []  # each file's context, pinned format, whether ignored, format found
    groups: dict[str, list[tuple[int, Context]]] = {}
    for index, file in enumerate(files):
        context, pinned, ignored = context_for(programme, pilot, file)
        known.append((context, pinned, ignored, None))
        if ignored:
            continue
        try:
            found = pinned or detect(file)
        except Exception:  # read on its own, which says why
            continue
        known[-1] = (context, pinned, ignored, found)
        if batched(found):
            groups.setdefault(found, []).append((index, context))
    for found, members in groups.items():
        if len(members) < 2:
            continue
        try:
            readings = read_batch([files[i] for i, _ in members], [c for _, c in members], found)
        except Exception:  # each file then read on its own: a failure is that file's
            continue
        for (index, context), reading in zip(members, readings):
            if reading is not None:
                outcomes[index] = _settled(programme, pilot, reading, context.source_file)
    return [outcome if outcome is not None else _read_one(programme, pilot, file, *facts)
            for outcome, file, facts in zip(outcomes, files, known)]


def read_file(programme: Programme, pilot: Pilot, file: Path) -> _FileOutcome:
    """Read one input file and make its tables ready for the store: pilot and source file
    stamped, timestamps in the programme's time zone, rows that break their table's
    schema quarantined (the reason names file, row, column and value), the rest as Arrow
    tables with the store's types. Never raises: a file that cannot be used is a failed
    :class:`FileResult` with a one-line error."""
    return _read_one(programme, pilot, file, *context_for(programme, pilot, file))


def _read_one(programme: Programme, pilot: Pilot, file: Path, context: Context, pinned_format: str | None,
              ignored: bool, format: str | None = None) -> _FileOutcome:
    """:func:`read_file` given what :func:`context_for` says of the file and, when it is
    known already, its format."""
    relative = context.source_file
    if ignored:
        return _FileOutcome(FileResult(pilot.id, relative, pinned_format, "ignored",
                                       notes=["ignored by a pin in programme.yml"]))
    try:
        reading = read(file, context, format=format or pinned_format)
    except (UnsupportedFormat, InputError) as exc:
        return _FileOutcome(FileResult(pilot.id, relative, None, "failed",
                                       error=_relative_message(exc, file, relative)))
    except Exception as exc:  # a reader bug must not stop the other files
        return _FileOutcome(FileResult(pilot.id, relative, None, "failed",
                                       error=f"{relative}: could not be read ({type(exc).__name__}: {exc})"))
    return _settled(programme, pilot, reading, relative)


def _settled(programme: Programme, pilot: Pilot, reading, relative: str) -> _FileOutcome:
    """:func:`_settle`, a failure the file's (never the run's)."""
    try:
        return _settle(programme, pilot, reading, relative)
    except Exception as exc:  # a value no step expected: the file, not the run, fails
        return _FileOutcome(FileResult(pilot.id, relative, reading.format, "failed",
                                       error=f"{relative}: could not be cleaned ({type(exc).__name__}: {exc})"))


def _settle(programme: Programme, pilot: Pilot, reading, relative: str) -> _FileOutcome:
    timezone = programme.settings.timezone
    fill = {"pilot_id": pilot.id, "source_file": relative}
    notes, tables = [], {}
    faults: list[pd.DataFrame] = []
    dropped = 0
    accounts: frozenset = frozenset()
    for name in FILE_TABLES:
        fast = name in reading.arrow
        if fast:  # the reader's fast lane made it with the store's types
            data, frame, odd = _stamped_arrow(reading.arrow[name], name, pilot.id, relative, timezone), None, set()
            if not data.num_rows:
                continue
        else:
            frame = reading.tables.get(name)
            if frame is None or not len(frame):
                continue
            frame = frame.reset_index(drop=True)
            given = frame.drop(columns=["pilot_id"]) if "pilot_id" in frame.columns else frame
            data, odd = store._to_arrow(name, given, timezone, fill)
        positions = np.arange(data.num_rows)
        if name == "metrics":  # one value per account, day and metric: the first
            # (a fast lane gives one account, each day once and each metric once: none repeat)
            repeated = np.zeros(data.num_rows, dtype=bool) if fast else \
                store.repeated_keys(data, ["pilot_id", "platform", "account", "date", "metric"])
            if repeated.any():
                data, positions = data.filter(pa.array(~repeated)), positions[~repeated]
                dropped += int(repeated.sum())
            accounts = _accounts(data)
        suspect = store.suspect_rows(name, data, frame.iloc[positions].reset_index(drop=True) if odd else None, odd,
                                     unique_done=name == "metrics")
        if suspect.any():  # only rows that may break the schema are shown to pandera
            rows = np.flatnonzero(suspect)
            chosen = frame.iloc[positions[rows]] if frame is not None else store.to_pandas(data.take(pa.array(rows)), name)
            subset = conform(name, _times_in(_stamp(chosen, pilot.id, relative), timezone))
            subset.index = rows
            found = schemas.failures(name, subset)
            row_faults = found[found["row"].notna()]
            if len(row_faults):
                faults.append(_fault_reasons(subset, row_faults, name))
                bad = np.zeros(data.num_rows, dtype=bool)
                bad[row_faults["row"].unique().astype(np.int64)] = True
                data = data.filter(pa.array(~bad))
            whole = found[found["row"].isna()]
            if len(whole):
                notes.append(f"{name}: " + "; ".join(f"{r.column} {r.check}" for r in whole.itertuples()))
        tables[name] = data
    if "row_fates" in reading.arrow and not faults:  # fates as the fast lane made them
        arrow_fates = _stamped_arrow(reading.arrow["row_fates"], "row_fates", pilot.id, relative, timezone)
        fate_counts = _counts(arrow_fates.column("fate"))
        quarantined = None if not fate_counts.get("quarantined") else store.to_pandas(
            arrow_fates.filter(pc.equal(store.plain(arrow_fates.select(["fate"])).column(0), "quarantined"))
            .select(_QUARANTINED))
    else:
        fates = _stamp(reading.fates, pilot.id, relative)
        if faults:
            fates = _quarantine(fates, pd.concat(faults, ignore_index=True))
        fate_counts = fates["fate"].value_counts().to_dict()
        quarantined = fates[fates["fate"] == "quarantined"][_QUARANTINED].reset_index(drop=True)
        arrow_fates = store.to_arrow("row_fates", fates, timezone)
    file_notes = list(reading.notes)
    if not sum(n for fate, n in fate_counts.items() if fate != "skipped-structure"):
        file_notes.insert(0, "the file has no data rows (a header or titles only)")
    result = FileResult(pilot.id, relative, reading.format, "read", notes=file_notes,
                        counts={fate: int(fate_counts.get(fate, 0)) for fate in schemas.FATES})
    # repetitive text dictionary-encoded: what crosses to the cleaning process is small
    return _FileOutcome(result, {name: store.compact(t) for name, t in tables.items()}, store.compact(arrow_fates),
                        notes, dropped, quarantined, accounts)


def _counts(column: pa.ChunkedArray) -> dict:
    """How many rows hold each value of a text column (``None``: how many hold none); a
    dictionary-encoded chunk is counted on its codes.

    >>> _counts(pa.chunked_array([pa.array(["kept", "kept", None]).dictionary_encode(),
    ...                           pa.array(["merged", "kept"]).dictionary_encode()]))
    {'kept': 3, 'merged': 1, None: 1}
    >>> _counts(pa.chunked_array([pa.array(["kept", None, "kept"])]))
    {'kept': 2, None: 1}
    """
    counts: dict = {}
    for chunk in column.chunks:
        if pa.types.is_dictionary(chunk.type):
            codes = chunk.indices.drop_null().to_numpy(zero_copy_only=False)
            found = np.bincount(codes, minlength=len(chunk.dictionary)) if len(codes) else np.zeros(0, np.int64)
            pairs = zip(chunk.dictionary.to_pylist(), found.tolist())
        else:
            counted = pc.value_counts(chunk.drop_null())
            pairs = zip(counted.field("values").to_pylist(), counted.field("counts").to_pylist())
        for value, n in pairs:
            if n and value is not None:
                counts[value] = counts.get(value, 0) + n
    if column.null_count:
        counts[None] = column.null_count
    return counts


def _stamped_arrow(data: pa.Table, name: str, pilot_id: str, relative: str, timezone: str) -> pa.Table:
    """A fast-lane table as the pipeline stamps tables: the pilot set, the source file
    where the reader left none, the store's contract types (times in ``timezone``; text
    may stay dictionary-encoded)."""
    n = data.num_rows
    ids = data.column("pilot_id") if "pilot_id" in data.column_names else None
    if ids is None or (n and _single(ids) != pilot_id):
        ids = pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, dtype=np.int32)), pa.array([pilot_id]))
        data = data.set_column(data.schema.get_field_index("pilot_id"), "pilot_id", ids) \
            if "pilot_id" in data.column_names else data.append_column("pilot_id", ids)
    if "source_file" in data.column_names and data.column("source_file").null_count:
        index = data.schema.get_field_index("source_file")
        data = data.set_column(index, "source_file", pc.fill_null(store.plain(data.select(["source_file"]))
                                                                  .column(0), relative))
    schema = _stamped_schema(data.schema, name, timezone)
    return data if data.schema.equals(schema) else store.conform_arrow(data, schema)


@functools.lru_cache(maxsize=1024)
def _stamped_schema(given: pa.Schema, name: str, timezone: str) -> pa.Schema:
    """The schema :func:`_stamped_arrow` gives a fast-lane table of schema ``given``: the
    contract columns first with the store's types (text may stay dictionary-encoded),
    then the reader's extra columns, then any contract column missing (fast-lane files
    of one format share a schema: each is worked out once)."""
    contract = store.arrow_schema(name, timezone)
    wanted = []
    for field in given:
        if field.name in store.KINDS[name]:
            kind = contract.field(field.name).type
            plain = field.type.value_type if pa.types.is_dictionary(field.type) else field.type
            wanted.append(field if plain == kind else contract.field(field.name))
        else:
            wanted.append(field)
    present = {f.name for f in wanted}
    order = [*[f.name for f in contract if f.name in present], *[f.name for f in wanted if f.name not in store.KINDS[name]]]
    by_name = {f.name: f for f in wanted}
    return pa.schema([*[by_name[o] for o in order], *[f for f in contract if f.name not in present]])


def _single(column) -> object:
    """The one value every row of ``column`` holds, or ``None`` (when it holds more, or a
    missing one)."""
    if column.null_count or len(column) == 0:
        return None
    words: set = set()
    for chunk in column.chunks if isinstance(column, pa.ChunkedArray) else [column]:
        if pa.types.is_dictionary(chunk.type) and len(chunk.dictionary) == 1 and len(chunk):  # a constant
            words.add(chunk.dictionary[0].as_py())
        elif pa.types.is_dictionary(chunk.type):
            words.update(chunk.dictionary.take(pc.unique(chunk.indices)).to_pylist())
        else:
            words.update(pc.unique(chunk).to_pylist())
        if len(words) > 1:
            return None
    return next(iter(words), None)


def _accounts(metrics: pa.Table) -> frozenset:
    """The (platform, account) pairs of a file's metrics."""
    platform, account = _single(metrics.column("platform")), _single(metrics.column("account"))
    if platform is not None and account is not None:  # the usual file: one account
        return frozenset({(platform, account)})
    pairs = store.plain(metrics.select(["platform", "account"]))
    first = ~store.repeated_keys(pairs, ["platform", "account"])
    pairs = pairs.filter(pa.array(first))
    return frozenset(zip(pairs.column("platform").to_pylist(), pairs.column("account").to_pylist()))


def _stamp(frame: pd.DataFrame, pilot_id: str, relative: str) -> pd.DataFrame:
    """Set the pilot, and the source file where the reader left it empty (a reader of a
    workbook with several sheets names the sheet too: ``file.xlsx#Sheet``)."""
    if "source_file" in frame and frame["source_file"].notna().all():
        return frame.assign(pilot_id=pilot_id)
    source = frame["source_file"] if "source_file" in frame else pd.Series(None, index=frame.index, dtype=object)
    return frame.assign(pilot_id=pilot_id, source_file=source.where(source.notna(), relative))


def _relative_message(exc: Exception, file: Path, relative: str) -> str:
    return str(exc).replace(str(file), relative)


#: timestamp columns of the canonical tables (tz-aware, shown in the programme's time zone)
TIME_COLUMNS = ("joined_at", "left_at", "submitted_at", "timestamp", "start")


def _times_in(frame: pd.DataFrame, timezone: str) -> pd.DataFrame:
    """One tz-aware dtype per timestamp column (files from several readers arrive as mixed
    objects); instants are kept, shown in ``timezone``."""
    out = frame
    for column in TIME_COLUMNS:
        if column in out.columns:
            values = out[column]
            if isinstance(values.dtype, pd.DatetimeTZDtype) and str(values.dtype.tz) == timezone:
                continue
            out = out.assign(**{column: pd.to_datetime(values, utc=True).dt.tz_convert(timezone)})
    return out


def _fault_reasons(table: pd.DataFrame, faults: pd.DataFrame, name: str) -> pd.DataFrame:
    """One reason per faulty row (every fault of the row, worded), keyed by its record."""
    rows = []
    for label, found in faults.groupby("row", sort=False):  # faulty rows only
        record = table.loc[label]
        if pd.isna(record["source_row"]):
            continue
        reason = "; ".join(f"column '{r.column}' {r.check}: {r.value!r}" for r in found.itertuples())
        rows.append((record["source_file"], int(record["source_row"]), name,
                     f"row {int(record['source_row'])}: {reason}"))
    return pd.DataFrame(rows, columns=["source_file", "source_row", "table", "reason"])


def _quarantine(fates: pd.DataFrame, faults: pd.DataFrame) -> pd.DataFrame:
    """Fates with the records of faulty rows quarantined (a later fault of the same record
    gives the reason, as the tables are checked in order)."""
    last = faults.drop_duplicates(["source_file", "source_row"], keep="last")
    keys = pd.MultiIndex.from_arrays([fates["source_file"].astype(object), fates["source_row"].astype("Int64")])
    wanted = pd.MultiIndex.from_arrays([last["source_file"].astype(object), last["source_row"].astype("Int64")])
    position = wanted.get_indexer(keys)
    hit = position >= 0
    if not hit.any():
        return fates
    out = fates.copy()
    out.loc[hit, "fate"] = "quarantined"
    out.loc[hit, "table"] = last["table"].to_numpy(dtype=object)[position[hit]]
    out.loc[hit, "reason"] = last["reason"].to_numpy(dtype=object)[position[hit]]
    return out


@dataclass(frozen=True)
class _Plan:
    """What cleaning a pilot needs besides its files: the pseudonym key (``None``: no
    linking) and the partitioned store the pilot's tables are written to (``None``: they
    are kept, for a store of one file per table or a result held in memory)."""

    key: bytes | None
    root: Path | None


@dataclass
class _PilotDone:
    """One pilot cleaned: its tables (``None`` once written to the store), review queue,
    link counts, quarantined rows, problems and notes, and what the run keeps besides."""

    tables: dict[str, pa.Table] | None
    review: pd.DataFrame
    link_counts: pd.DataFrame
    quarantined: pd.DataFrame
    problems: list[str]
    notes: list[str]
    dropped: int
    files: list[FileResult] = field(default_factory=list)
    #: rows per table
    counts: dict[str, int] = field(default_factory=dict)
    #: the schema of each table part written (to widen the parts written after it)
    schemas: dict[str, pa.Schema] = field(default_factory=dict)

    def __getstate__(self) -> dict:
        """Tables cross between processes as Arrow IPC streams (see :class:`_FileOutcome`)."""
        state = dict(self.__dict__)
        if self.tables is not None:
            state["tables"] = {name: _to_ipc(table) for name, table in self.tables.items()}
        return state

    def __setstate__(self, state: dict) -> None:
        if state["tables"] is not None:
            state["tables"] = {name: _from_ipc(table) for name, table in state["tables"].items()}
        self.__dict__.update(state)


def _finish_pilot(programme: Programme, pilot: Pilot, outcomes: list[_FileOutcome], plan: _Plan,
                  seen: dict[str, pa.Schema], threads: int = 1) -> _PilotDone:
    """Clean one pilot from its files' outcomes and, with a partitioned store, write its
    tables there (widened to the columns in ``seen``, which grows by the columns they bring)."""
    done = _clean_pilot(programme, pilot, outcomes, key=plan.key, timezone=programme.settings.timezone)
    done.files = [o.file for o in outcomes]
    done.counts = {name: table.num_rows for name, table in done.tables.items()}
    if plan.root is not None:
        tables = _widened(done.tables, seen)
        store.write_parts(plan.root, pilot.id, tables, threads=threads)
        done.schemas = {name: table.schema for name, table in tables.items()}
        done.tables = None
    return done


class _FileReader:
    """Reads and cleans a programme's pilots, giving them back in programme order.

    * ``jobs == 1``: everything in this process.
    * A programme of many pilots (at least :data:`PILOTS_PER_WORKER` per worker): each
      worker process takes whole pilots, reading, cleaning, linking and writing each one,
      so that all of the work runs on every core and no table crosses between processes
      when the store is partitioned.
    * Fewer pilots: the workers share each pilot's files (a few files a task), and this
      process cleans, links and writes each pilot while they read the next ones.
    """

    def __init__(self, programme: Programme, jobs: int, plan: _Plan):
        self.programme = programme
        self.jobs = jobs
        self.plan = plan
        self.pool = None
        #: the columns of every table part written so far (see :func:`_widened`)
        self.seen: dict[str, pa.Schema] = {}

    def __enter__(self) -> "_FileReader":
        if self.jobs > 1:
            self.pool = ProcessPoolExecutor(max_workers=self.jobs, mp_context=_context(),
                                            initializer=_start_worker, initargs=(self.programme, self.plan))
        return self

    def __exit__(self, *exc) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)

    def cleaned(self, tasks: dict[str, list[Path]]) -> Iterator[tuple[Pilot, _PilotDone]]:
        """Each pilot (programme order), cleaned."""
        pilots = [self.programme.pilot(pilot_id) for pilot_id in tasks]
        if self.pool is not None and len(pilots) >= PILOTS_PER_WORKER * self.jobs:
            yield from self._whole_pilots(pilots, tasks)
            return
        for pilot, outcomes in self._read(pilots, tasks):
            yield pilot, _finish_pilot(self.programme, pilot, outcomes, self.plan, self.seen, threads=self.jobs)

    def _whole_pilots(self, pilots: list[Pilot], tasks: dict[str, list[Path]]):
        """Pilots cleaned in the workers, the largest first (so that the last ones under way
        are small and no worker waits long for the others at the end), a bounded number at
        once, given back in programme order. Each is sent the columns of the parts given back
        so far (a prefix of the programme), so that most parts are written widened already."""
        size = {pilot.id: sum(_size(f) for f in tasks[pilot.id]) for pilot in pilots}
        queue = deque(sorted(pilots, key=lambda pilot: -size[pilot.id]))  # stable: programme order among equals
        running: dict = {}
        finished: dict[str, _PilotDone] = {}
        given = 0
        while queue or running:
            while queue and len(running) < PILOTS_AHEAD * self.jobs:
                pilot = queue.popleft()
                running[self.pool.submit(_pilot_task, (pilot.id, tasks[pilot.id], dict(self.seen)))] = pilot
            ready, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in ready:
                finished[running.pop(future).id] = future.result()
            while given < len(pilots) and pilots[given].id in finished:
                pilot = pilots[given]
                done = finished.pop(pilot.id)
                for name, schema in done.schemas.items():
                    self.seen[name] = store.unified_schema([self.seen[name], schema], name) \
                        if name in self.seen else schema
                given += 1
                yield pilot, done

    def _read(self, pilots: list[Pilot], tasks: dict[str, list[Path]]) -> Iterator[tuple[Pilot, list[_FileOutcome]]]:
        """Each pilot with the outcomes of its files (file order)."""
        if self.pool is None:
            for pilot in pilots:
                yield pilot, read_files(self.programme, pilot, tasks[pilot.id])
            return
        waiting: deque = deque()
        upcoming = iter(pilots)
        for pilot in upcoming:
            waiting.append((pilot, self._submit(pilot, tasks[pilot.id])))
            if len(waiting) > LOOKAHEAD_PILOTS:
                break
        while waiting:
            pilot, futures = waiting.popleft()
            following = next(upcoming, None)
            if following is not None:
                waiting.append((following, self._submit(following, tasks[following.id])))
            yield pilot, [outcome for f in futures for outcome in f.result()]

    def _submit(self, pilot: Pilot, files: list[Path]) -> list:
        """A pilot's files as tasks of a few files each (fewer, larger messages between the
        processes; enough tasks to keep every worker busy)."""
        size = max(1, min(FILES_PER_TASK, len(files) // (self.jobs * 8)))
        return [self.pool.submit(_read_task, (pilot.id, files[i:i + size])) for i in range(0, len(files), size)]


def _context():
    """Workers are forked where the platform allows (they start at once, sharing what this
    process has imported), else spawned."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods and sys.platform != "darwin" else "spawn")


# --------------------------------------------------------------------------- one pilot

def _clean_pilot(programme: Programme, pilot: Pilot, outcomes: list[_FileOutcome], *,
                 key: bytes | None, timezone: str) -> _PilotDone:
    """A pilot's canonical tables from its files' outcomes: stacked, metrics given twice by
    different files left out, people linked (when there is a key), with the pilot's
    sessions, participants and links."""
    tables = {name: _concat([o.tables[name] for o in outcomes if name in o.tables], name, timezone)
              for name in FILE_TABLES}
    tables["row_fates"] = _concat([o.fates for o in outcomes if o.fates is not None], "row_fates", timezone)
    dropped = sum(o.dropped for o in outcomes)
    tables["metrics"], repeated = _unique_metrics_across(tables["metrics"], [_reach(o) for o in outcomes])
    dropped += repeated
    tables["sessions"] = store.to_arrow("sessions", sessions_table(programme, pilot.id), timezone)
    problems: list[str] = []
    review = link_counts = pd.DataFrame()
    tables["participants"] = store.empty_table("participants", timezone)
    tables["links"] = store.empty_table("links", timezone)
    if key is not None:
        review, link_counts, problems = _link_pilot(programme, pilot, tables, key, timezone)
    notes = [n for o in outcomes for n in o.notes]
    quarantined = _stack([_NONE_QUARANTINED if o.quarantined is None else o.quarantined for o in outcomes],
                         _QUARANTINED)
    return _PilotDone(tables, review, link_counts, quarantined, problems, notes, dropped)


def _concat(parts: list[pa.Table], name: str, timezone: str) -> pa.Table:
    parts = [p for p in parts if p.num_rows] or parts[:1]
    return store.concat(parts, name) if parts else store.empty_table(name, timezone)


def _reach(outcome: _FileOutcome) -> tuple | None:
    """What one file's metrics cover: its (platform, account) pairs, its first and last
    day, and its metric names (``None`` for a file without metrics). A day or metric name
    that is missing covers every day or every name (such a row is compared with all)."""
    data = outcome.tables.get("metrics")
    if data is None or data.num_rows == 0:
        return None
    days = data.column("date")
    if days.null_count:
        first = last = None
    else:
        bounds = pc.min_max(days)
        first, last = bounds["min"].as_py(), bounds["max"].as_py()
    metric = data.column("metric")
    names: set = set()
    for chunk in metric.chunks:
        # a dictionary may hold a name no row uses: a superset is safe (only more is compared)
        names.update((chunk.dictionary if pa.types.is_dictionary(chunk.type) else pc.unique(chunk)).to_pylist())
    if metric.null_count:
        names = None
    return outcome.accounts, first, last, names, data.num_rows


def _overlap(one: tuple, other: tuple) -> bool:
    """Whether two files' metrics (see :func:`_reach`) can give a value for the same
    account, day and metric."""
    if not one[0] & other[0]:
        return False
    if one[1] is not None and other[1] is not None and (one[2] < other[1] or other[2] < one[1]):
        return False
    return one[3] is None or other[3] is None or bool(one[3] & other[3])


def _unique_metrics_across(metrics: pa.Table, reaches: list[tuple | None]) -> tuple[pa.Table, int]:
    """Metrics with a value another file already gave for the account, day and metric left
    out (the first file's is kept). Each file gives a value once (its reader or
    :func:`_settle` made it so), so only files sharing an account, overlapping in days and
    sharing a metric name can repeat one another: only their rows are searched, and a
    pilot without such files is not searched at all. ``reaches``: each file's
    :func:`_reach`, in the order the files' metrics were stacked."""
    if metrics.num_rows == 0:
        return metrics, 0
    files = [r for r in reaches if r is not None]
    by_account: dict = {}
    for index, reach in enumerate(files):
        for pair in reach[0]:
            by_account.setdefault(pair, []).append(index)
    involved = np.zeros(len(files), dtype=bool)
    for members in by_account.values():
        for i, a in enumerate(members):
            for b in members[i + 1:]:
                if not (involved[a] and involved[b]) and _overlap(files[a], files[b]):
                    involved[a] = involved[b] = True
    if not involved.any():
        return metrics, 0
    sizes = np.array([r[4] for r in files], dtype=np.int64)
    if sizes.sum() != metrics.num_rows:  # not stacked file by file: search every row
        rows = np.ones(metrics.num_rows, dtype=bool)
    else:
        rows = np.repeat(involved, sizes)
    searched = np.flatnonzero(rows)
    subset = metrics if len(searched) == metrics.num_rows else metrics.take(pa.array(searched))
    found = store.repeated_keys(subset, ["platform", "account", "date", "metric"])
    if not found.any():
        return metrics, 0
    repeated = np.zeros(metrics.num_rows, dtype=bool)
    repeated[searched[found]] = True
    return metrics.filter(pa.array(~repeated)), int(repeated.sum())


def _distinct(table: pa.Table, columns: list[str]) -> tuple[pd.DataFrame, np.ndarray]:
    """The distinct combinations of ``columns`` in ``table`` (as a small pandas frame with
    a :data:`evalkit.linking.ROWS` count) and, for every row, which combination it has.
    Vectorised: each column is dictionary-encoded and the codes combined; when every file
    (chunk) names one identity (a file of one account), the chunks decide without looking
    at the rows."""
    by_chunk = _distinct_by_chunk(table, columns)
    if by_chunk is not None:
        return by_chunk
    code = np.zeros(table.num_rows, dtype=np.int64)
    for name in columns:
        encoded = pc.dictionary_encode(table.column(name).combine_chunks())
        values = encoded.indices.fill_null(len(encoded.dictionary)).to_numpy(zero_copy_only=False).astype(np.int64)
        code, _ = pd.factorize(code * (len(encoded.dictionary) + 1) + values)
    # factorize numbers combinations in order of first appearance: a row is the first of
    # its combination where its code exceeds every code before it
    first = np.flatnonzero(code > np.maximum.accumulate(np.r_[-1, code[:-1]])) if len(code) else np.array([], int)
    distinct = store.to_pandas(table.select(columns).take(pa.array(first)))
    distinct[linking.ROWS] = np.bincount(code, minlength=len(first)).astype(np.int64)
    return distinct, code


def _distinct_by_chunk(table: pa.Table, columns: list[str]) -> tuple[pd.DataFrame, np.ndarray] | None:
    """:func:`_distinct` for a table whose every chunk holds one combination of
    ``columns`` (each a one-word dictionary, nothing missing), else ``None``."""
    if not columns or table.num_rows == 0:
        return None
    chunked = [table.column(name) for name in columns]
    lengths = [len(c) for c in chunked[0].chunks]
    if any([len(c) for c in column.chunks] != lengths for column in chunked[1:]):
        return None
    keys = []
    for index in range(len(lengths)):
        words = []
        for column in chunked:
            chunk = column.chunks[index]
            if not pa.types.is_dictionary(chunk.type) or chunk.null_count or len(chunk.dictionary) != 1:
                return None
            words.append(chunk.dictionary[0].as_py())
        keys.append(tuple(words))
    chunk_code, distinct_keys = pd.factorize(pd.Series(keys, dtype="object"))
    sizes = np.asarray(lengths, dtype=np.int64)
    code = np.repeat(chunk_code.astype(np.int64), sizes)
    distinct = pd.DataFrame([list(k) for k in distinct_keys], columns=columns, dtype="object")
    distinct[linking.ROWS] = np.bincount(chunk_code, weights=sizes, minlength=len(distinct_keys)).astype(np.int64)
    return distinct, code


def _link_pilot(programme: Programme, pilot: Pilot, tables: dict[str, pa.Table], key: bytes,
                timezone: str) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Fill ``participant_id`` in the pilot's tables from its roster, linking each distinct
    identity once; set its participants and links. Returns review, counts and problems."""
    path = programme.root / pilot.id / pilot.roster
    try:
        people = roster.read_roster(path, pilot.id)
    except (InputError, ValueError) as exc:
        return pd.DataFrame(), pd.DataFrame(), [_relative_message(exc, path, f"{pilot.id}/{pilot.roster}")]
    given, codes = {}, {}
    for name in FILE_TABLES:
        table = tables[name]
        person = name in linking.PERSON_TABLES
        columns = [c for c in (_PERSON_COLUMNS if person else _ACCOUNT_COLUMNS) if c in table.column_names]
        given[name], codes[name] = _distinct(table, columns)
    resolutions = [r for r in programme.resolutions if r.pilot == pilot.id]
    try:
        result = linking.link_pilot(pilot.id, people, given, key=key, settings=programme.settings,
                                    resolutions=resolutions)
    except ValueError as exc:
        return pd.DataFrame(), pd.DataFrame(), [f"{pilot.id}: {exc}"]
    for name in FILE_TABLES:
        found = result.tables[name]["participant_id"].to_numpy(dtype=object)
        ids = pc.take(pa.array(found, type=pa.string(), from_pandas=True), pa.array(codes[name]))
        table = tables[name]
        tables[name] = table.set_column(table.schema.get_field_index("participant_id"), "participant_id", ids)
    tables["links"] = store.to_arrow("links", conform("links", result.links), timezone)
    tables["participants"] = store.to_arrow("participants", conform("participants", result.participants), timezone)
    return result.review, result.counts, []


# --------------------------------------------------------------------------- writing

def write_clean(result: CleanResult, out: str | Path, *, layout: str | None = None) -> Path:
    """Write every canonical table as ``out/<table>.parquet``, plus ``summary.md`` and
    ``review.csv``. Returns ``out``.

    A result already written to ``out`` (``clean_programme(..., out=out)``) only gets its
    summary and review queue again; one written to another store is copied table by table;
    one held in memory is written pilot by pilot. ``layout``: ``file`` or ``partitioned``
    (see :mod:`evalkit.store`); by default the one the run chose for the programme's size.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    layout = layout or result.layout or "file"
    here = result.store is not None and result.store.resolve() == out.resolve()
    if here and layout == result.layout:  # written by the run: the summary and review again
        _write_summaries(result, out)
        return out
    pilots = [p.id for p in result.programme.pilots]
    timezone = result.programme.settings.timezone
    held = isinstance(result.tables, store.StoreTables) and result.tables.root is None

    def parts(name: str):
        if isinstance(result.tables, store.StoreTables):  # pilot by pilot, from memory or a store
            return result.tables.parts(name)
        return _by_pilot(store.to_arrow(name, conform(name, result.tables[name]), timezone), pilots)

    # the same folder in the other layout: read it first, as it is about to be replaced
    taken = {name: list(parts(name)) for name in schemas.TABLES} if here else {}
    store.clear_store(out)
    for name in schemas.TABLES:
        chosen = taken[name] if here else parts(name)
        if layout == "file" and (held or here):  # already in memory: one write
            store.write_file(out, name, [part for _, part in chosen], timezone)
        else:  # pilot by pilot; the file layout is then made by merging the parts
            for pilot_id, part in chosen:
                store.write_part(out, name, pilot_id, part)
    if not (layout == "file" and (held or here)):
        store.finish_store(out, layout, pilots)
    _write_summaries(result, out)
    return out


def _by_pilot(data: pa.Table, pilots: list[str]):
    """A whole table's rows pilot by pilot (programme order, then any other pilot)."""
    if "pilot_id" not in data.column_names:
        return
    ids = store.plain(data.select(["pilot_id"])).column(0)
    others = set(pc.unique(ids).to_pylist()) - set(pilots) - {None}
    for pilot_id in [*pilots, *sorted(others)]:
        yield pilot_id, data.filter(pc.equal(ids, pilot_id))


def _write_summaries(result: CleanResult, out: Path) -> None:
    review = result.review if not result.review.empty else pd.DataFrame(
        columns=["pilot_id", "source_table", "source_name", "source_email", "source_handle", "status"]
    )
    from .export import safe_frame

    # names such as a dial-in "+44 7700 900123" must not become formulas when opened in Excel
    safe_frame(review).to_csv(out / "review.csv", index=False)
    (out / "summary.md").write_text(summary_markdown(result), encoding="utf-8")


def read_clean_table(out: str | Path, table: str, pilot_ids=None, order=None) -> pd.DataFrame:
    """One canonical table of a folder written by ``evalkit clean`` (either layout), as
    cleaning gave it: text as Python strings, ``pilot_id`` among them (only the rows of
    ``pilot_ids`` when given; pilots in ``order``). See :func:`evalkit.store.read_table`."""
    return store.read_table(Path(out), table, pilot_ids, order)


def store_files(out: str | Path) -> list[Path]:
    """Every Parquet file of a folder written by ``evalkit clean`` (either layout), in a
    stable order: what to hash to know whether the clean tables changed."""
    return store.store_files(Path(out))


def summary_markdown(result: CleanResult, detail: bool = True) -> str:
    """The human-readable account of a cleaning run.

    With ``detail`` (``summary.md``) every file gets a row and every note is listed; without
    it (what ``evalkit clean`` prints) files of one format in one folder share a row and only
    failures, quarantined rows and identity counts are listed.
    """
    p = result.programme
    lines = [f"# Cleaning summary: {p.name}", ""]
    status = {0: "clean", 1: "finished; some rows quarantined", 2: "some inputs could not be used"}
    lines.append(f"Result: **{status[result.exit_code]}** (exit code {result.exit_code}).")
    lines.append("")
    if result.problems:
        lines += ["## Problems", ""] + [f"- {x}" for x in result.problems] + [""]
    quarantine = result.quarantined
    for pilot in p.pilots:
        own = [f for f in result.files if f.pilot_id == pilot.id]
        lines += [f"## {pilot.name} (`{pilot.id}`)", ""]
        lines += _file_table(own, detail)
        failed = [f for f in own if f.status == "failed"]
        if failed:
            lines += ["Files that could not be used:", ""] + [f"- {f.error}" for f in failed] + [""]
        if detail:
            noted = [(f.source_file, n) for f in own for n in f.notes]
            if noted:
                lines += ["Decisions and notes:", ""] + [f"- {file}: {n}" for file, n in noted] + [""]
        quarantined = quarantine[quarantine["pilot_id"] == pilot.id] if len(quarantine) else quarantine
        if len(quarantined):
            lines += ["Quarantined rows:", ""]
            lines += [f"- {r.source_file}, {r.reason}" for r in quarantined.itertuples()]
            lines.append("")
        if not result.link_counts.empty:
            counts = result.link_counts[result.link_counts["pilot_id"] == pilot.id]
            if len(counts):
                c = counts.iloc[0]
                lines.append(
                    "Identities: " + ", ".join(
                        f"{int(c[k])} {k}" for k in ("linked", "ambiguous", "unmatched", "not-a-participant")
                        if k in c.index
                    ) + " (the ambiguous and unmatched are listed in review.csv)."
                )
                lines.append("")
    if result.notes:
        lines += ["## Notes", ""] + [f"- {n}" for n in result.notes] + [""]
    lines += ["## Tables", ""]
    for name in schemas.TABLES:
        lines.append(f"- `{name}`: {result.counts[name]} row(s)")
    lines.append("")
    return "\n".join(lines)


def _file_table(files: list[FileResult], detail: bool) -> list[str]:
    rows = []
    for f in files:
        folder = "/".join(f.source_file.split("/")[:2])  # <pilot>/<attendance|surveys|metrics>
        fmt = f.format or ("**failed**" if f.status == "failed" else f.status)
        label = f.source_file if detail or f.status == "failed" else folder
        rows.append((label, fmt, f.counts, 1))
    if not detail:
        grouped: dict[tuple, list] = {}
        for label, fmt, counts, n in rows:
            entry = grouped.setdefault((label, fmt), [{}, 0])
            for k, v in counts.items():
                entry[0][k] = entry[0].get(k, 0) + v
            entry[1] += n
        rows = [(f"{label}/ ({n} files)" if n > 1 else label, fmt, c, n) for (label, fmt), (c, n) in grouped.items()]
    lines = ["| file | format | kept | merged | quarantined | structure |", "|---|---|---:|---:|---:|---:|"]
    for label, fmt, c, _ in rows:
        lines.append(
            f"| {label} | {fmt} | {c.get('kept', 0)} | {c.get('merged', 0)} | "
            f"{c.get('quarantined', 0)} | {c.get('skipped-structure', 0)} |"
        )
    return lines + [""]
