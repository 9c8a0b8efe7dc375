"""Cleaning a whole programme folder into the canonical tables.

``clean_programme`` reads every file of every pilot with the reader its content calls for,
applies the programme's settings and item map, validates each table against its schema
(rows that fail are quarantined, never dropped silently), links people to the roster, and
returns a :class:`CleanResult`. ``write_clean`` writes ``<table>.parquet`` for every
canonical table plus ``summary.md`` and ``review.csv``.

Exit codes (``CleanResult.exit_code``): 0 clean; 1 finished but some rows quarantined;
2 a file or the programme could not be used at all.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import schemas
from .programme import Pilot, Programme, load_programme
from .readers import InputError, UnsupportedFormat, read
from .readers.base import Context, conform

__all__ = ["CleanResult", "FileResult", "clean_programme", "input_files", "write_clean"]

#: folders of a pilot that hold input files
INPUT_FOLDERS = ("attendance", "surveys", "metrics")
#: the tables a reader can yield (the others come from the programme, roster and linking)
FILE_TABLES = ("attendance", "responses", "comments", "metrics", "posts")


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
    programme: Programme
    tables: dict[str, pd.DataFrame]
    files: list[FileResult]
    #: identities an evaluator should resolve (ambiguous and unmatched), with candidates
    review: pd.DataFrame
    #: per pilot: linked / ambiguous / unmatched / not-a-participant identity counts
    link_counts: pd.DataFrame
    #: problems with the programme as a whole (a roster that cannot be read, a missing key)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        if self.problems or any(f.status == "failed" for f in self.files):
            return 2
        if (self.tables["row_fates"]["fate"] == "quarantined").any():
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


def sessions_table(programme: Programme) -> pd.DataFrame:
    """The canonical ``sessions`` table from ``programme.yml``."""
    rows = []
    for pilot in programme.pilots:
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
    frame = pd.DataFrame(rows)
    frame["start"] = pd.to_datetime(frame["start"])
    if frame["start"].dt.tz is None:
        frame["start"] = frame["start"].dt.tz_localize(programme.settings.timezone)
    return conform("sessions", frame)


def clean_programme(path: str | Path, *, key: bytes | None = None, link: bool = True) -> CleanResult:
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

    Raises
    ------
    ProgrammeError
        When ``programme.yml`` cannot be used at all.
    """
    programme = load_programme(path)
    parts: dict[str, list[pd.DataFrame]] = {name: [] for name in FILE_TABLES}
    fates: list[pd.DataFrame] = []
    files: list[FileResult] = []
    for pilot in programme.pilots:
        for file in input_files(programme, pilot):
            files.append(_read_one(programme, pilot, file, parts, fates))

    tables = {name: _times_in(_combine(name, frames), programme.settings.timezone)
              for name, frames in parts.items()}
    row_fates = _combine("row_fates", fates)
    tables, row_fates, notes = _validate(tables, row_fates)
    tables["row_fates"] = row_fates
    tables["sessions"] = sessions_table(programme)

    problems: list[str] = []
    review = pd.DataFrame()
    link_counts = pd.DataFrame()
    tables["participants"] = schemas.empty("participants")
    tables["links"] = schemas.empty("links")
    if link:
        tables, review, link_counts, link_problems = _link(programme, tables, key)
        problems.extend(link_problems)
    for name in schemas.TABLES:
        tables.setdefault(name, schemas.empty(name))
    _count_fates(files, row_fates)
    return CleanResult(programme, tables, files, review, link_counts, problems, notes)


def _read_one(programme, pilot, file, parts, fates) -> FileResult:
    context, pinned_format, ignored = context_for(programme, pilot, file)
    relative = context.source_file
    if ignored:
        return FileResult(pilot.id, relative, pinned_format, "ignored", notes=["ignored by a pin in programme.yml"])
    try:
        reading = read(file, context, format=pinned_format)
    except (UnsupportedFormat, InputError) as exc:
        return FileResult(pilot.id, relative, None, "failed", error=_relative_message(exc, file, relative))
    except Exception as exc:  # a reader bug must not stop the other files
        return FileResult(pilot.id, relative, None, "failed",
                          error=f"{relative}: could not be read ({type(exc).__name__}: {exc})")
    for name, table in reading.tables.items():
        if name in parts and len(table):
            parts[name].append(_stamp(table, pilot.id, relative))
    fates.append(_stamp(reading.fates, pilot.id, relative))
    notes = list(reading.notes)
    if not (reading.fates["fate"] != "skipped-structure").any():
        notes.insert(0, "the file has no data rows (a header or titles only)")
    return FileResult(pilot.id, relative, reading.format, "read", notes=notes)


def _stamp(frame: pd.DataFrame, pilot_id: str, relative: str) -> pd.DataFrame:
    """Set the pilot, and the source file where the reader left it empty (a reader of a
    workbook with several sheets names the sheet too: ``file.xlsx#Sheet``)."""
    source = frame["source_file"] if "source_file" in frame else pd.Series(None, index=frame.index, dtype=object)
    return frame.assign(pilot_id=pilot_id, source_file=source.where(source.notna(), relative))


def _relative_message(exc: Exception, file: Path, relative: str) -> str:
    return str(exc).replace(str(file), relative)


def _combine(name: str, frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return schemas.empty(name)
    combined = pd.concat(frames, ignore_index=True)
    return conform(name, combined)


#: timestamp columns of the canonical tables (tz-aware, shown in the programme's time zone)
TIME_COLUMNS = ("joined_at", "left_at", "submitted_at", "timestamp", "start")


def _times_in(frame: pd.DataFrame, timezone: str) -> pd.DataFrame:
    """One tz-aware dtype per timestamp column (files from several readers arrive as mixed
    objects after concatenation); instants are kept, shown in ``timezone``."""
    out = frame.copy()
    for column in TIME_COLUMNS:
        if column in out.columns:
            out[column] = pd.to_datetime(out[column], utc=True).dt.tz_convert(timezone)
    return out


def _validate(tables, row_fates):
    """Quarantine rows that break their table's schema; return tables, fates and notes."""
    notes = []
    for name, table in tables.items():
        if table.empty:
            continue
        if name == "metrics":
            table, dropped = _unique_metrics(table)
            if dropped:
                notes.append(
                    f"metrics: {dropped} value(s) for an account, day and metric already given by "
                    "another file were left out (the first file's value is kept)"
                )
        found = schemas.failures(name, table)
        row_faults = found[found["row"].notna()]
        if not row_faults.empty:
            bad_index = pd.Index(row_faults["row"].unique())
            bad = table.loc[bad_index]
            for label, rows in row_faults.groupby("row", sort=False):
                record = table.loc[label]
                reason = "; ".join(
                    f"column '{r.column}' {r.check}: {r.value!r}" for r in rows.itertuples()
                )
                row_fates = _quarantine(row_fates, record["source_file"], record["source_row"],
                                        name, f"row {record['source_row']}: {reason}")
            table = table.drop(index=bad.index).reset_index(drop=True)
        whole = found[found["row"].isna()]
        if not whole.empty:
            notes.append(f"{name}: " + "; ".join(f"{r.column} {r.check}" for r in whole.itertuples()))
        tables[name] = table
    return tables, row_fates, notes


def _unique_metrics(metrics: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    keys = ["pilot_id", "platform", "account", "date", "metric"]
    duplicated = metrics.duplicated(subset=keys, keep="first")
    return metrics[~duplicated].reset_index(drop=True), int(duplicated.sum())


def _quarantine(row_fates, source_file, source_row, table, reason):
    mask = (row_fates["source_file"] == source_file) & (row_fates["source_row"] == source_row)
    row_fates = row_fates.copy()
    row_fates.loc[mask, "fate"] = "quarantined"
    row_fates.loc[mask, "table"] = table
    row_fates.loc[mask, "reason"] = reason
    return row_fates


def _link(programme, tables, key):
    """Fill participant ids from the roster; returns tables, review queue, counts, problems."""
    try:
        from . import linking, roster
    except ImportError:  # linking not available in this build
        return tables, pd.DataFrame(), pd.DataFrame(), []
    problems = []
    try:
        key = key if key is not None else roster.load_key(programme)
    except (roster.KeyMissing, OSError) as exc:
        return tables, pd.DataFrame(), pd.DataFrame(), [str(exc)]
    linked_tables = {name: [] for name in ("attendance", "responses", "comments", "metrics", "posts")}
    links, participants, reviews, counts = [], [], [], []
    for pilot in programme.pilots:
        path = programme.root / pilot.id / pilot.roster
        try:
            people = roster.read_roster(path, pilot.id)
        except (InputError, ValueError) as exc:
            problems.append(_relative_message(exc, path, f"{pilot.id}/{pilot.roster}"))
            continue
        own = {name: tables[name][tables[name]["pilot_id"] == pilot.id] for name in linked_tables}
        resolutions = [r for r in programme.resolutions if r.pilot == pilot.id]
        try:
            result = linking.link_pilot(pilot.id, people, own, key=key, settings=programme.settings,
                                        resolutions=resolutions)
        except ValueError as exc:
            problems.append(f"{pilot.id}: {exc}")
            continue
        for name in linked_tables:
            linked_tables[name].append(result.tables[name])
        links.append(result.links)
        participants.append(result.participants)
        reviews.append(result.review)
        counts.append(result.counts)
    for name, frames in linked_tables.items():
        done = {f["pilot_id"].iloc[0] for f in frames if len(f)}
        rest = tables[name][~tables[name]["pilot_id"].isin(done)]
        tables[name] = _combine(name, [*frames, rest])
    tables["links"] = _combine("links", links)
    tables["participants"] = _combine("participants", participants)
    review = pd.concat(reviews, ignore_index=True) if reviews else pd.DataFrame()
    link_counts = pd.concat(counts, ignore_index=True) if counts else pd.DataFrame()
    return tables, review, link_counts, problems


def _count_fates(files: list[FileResult], row_fates: pd.DataFrame) -> None:
    if row_fates.empty:
        return
    workbook = row_fates["source_file"].astype(str).str.split("#", n=1).str[0]
    counts = row_fates.groupby([workbook, row_fates["fate"]]).size().unstack(fill_value=0)
    for f in files:
        if f.source_file in counts.index:
            f.counts = {fate: int(counts.loc[f.source_file].get(fate, 0)) for fate in schemas.FATES}


# --------------------------------------------------------------------------- writing

def write_clean(result: CleanResult, out: str | Path) -> Path:
    """Write every canonical table as ``out/<table>.parquet``, plus ``summary.md`` and
    ``review.csv``. Returns ``out``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for name in schemas.TABLES:
        _to_parquet(result.tables[name], out / f"{name}.parquet")
    review = result.review if not result.review.empty else pd.DataFrame(
        columns=["pilot_id", "source_table", "source_name", "source_email", "source_handle", "status"]
    )
    review.to_csv(out / "review.csv", index=False)
    (out / "summary.md").write_text(summary_markdown(result), encoding="utf-8")
    return out


def _to_parquet(frame: pd.DataFrame, path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame.reset_index(drop=True), preserve_index=False)
    pq.write_table(table, path)


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
    fates = result.tables["row_fates"]
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
        quarantined = fates[(fates["pilot_id"] == pilot.id) & (fates["fate"] == "quarantined")]
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
        lines.append(f"- `{name}`: {len(result.tables[name])} row(s)")
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
