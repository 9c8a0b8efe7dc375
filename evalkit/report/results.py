"""Each pilot's analysis results, computed once for its clean tables and kept beside them.

A pilot's own report and the cross-pilot report show the same results for that pilot (the
four levels and the parallel-trends check of :mod:`evalkit.analysis`, each computed from
the pilot's tables alone). The first report to need them computes them and keeps them in
``<clean folder>/results/<pilot id>.pickle`` together with a fingerprint of what they were
computed from: the pilot's part of the clean store (paths, sizes and modification times),
the programme's seed and evalkit's own code. A later report whose fingerprint matches loads
them instead of computing them again, so the cross-pilot report of 300 areas reads 300 small
files rather than every pilot's daily metrics, and never holds more than one pilot's tables.

Computing a pilot's results alone gives the same rows as computing every pilot's at once
(each analysis works pilot by pilot; tested), so nothing depends on which report came first.

The comparisons between pilots (what sets them apart, whether they differ) need every pilot's
small tables but no pilot's results; they are kept the same way in
``<clean folder>/results/_comparisons.pickle`` (:func:`programme_comparisons`), so rendering
computes them at the start of a run, beside the pilots' reports, rather than in the
cross-pilot report, which comes last, when nothing else is left to run beside it.

The files are written by evalkit into the evaluator's own build folder and read only by it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import tempfile
from pathlib import Path
from typing import Mapping, Sequence

import pandas as pd

from .. import analysis, store
from .render import code_digest as _code_digest

__all__ = ["LEVELS", "COMPARISON_TABLES", "compute_levels", "compute_comparisons", "pilot_levels",
           "programme_comparisons", "keep_programme_comparisons", "pilot_files", "fingerprint", "RESULTS_FOLDER"]

#: the result frames kept for each pilot, in the order reports index them
LEVELS = ("participation", "reaction", "learning", "behaviour", "trends")
#: where, inside a clean folder, the results are kept
RESULTS_FOLDER = "results"


def compute_levels(tables: Mapping[str, pd.DataFrame], seed: int) -> dict[str, pd.DataFrame]:
    """The result frames of :data:`LEVELS` from canonical tables (of one pilot or many), and
    ``weekly``: each person's measures week by week (:func:`evalkit.analysis.weekly_series`),
    which the trends check rests on and the report's weekly chart draws — kept with the
    results, it is not a result frame itself (no figure of it is published as a finding)."""
    t = tables
    behaviour = analysis.behaviour_levels(t["metrics"], t["posts"], t["sessions"], t["participants"],
                                          t["attendance"], seed=seed)
    return {
        "participation": analysis.participation_summary(t["sessions"], t["attendance"], t["participants"]),
        "reaction": analysis.reaction_summary(t["responses"]),
        "learning": analysis.learning_summary(t["responses"], seed=seed),
        "behaviour": behaviour["behaviour"],
        "trends": behaviour["trends"],
        "weekly": behaviour["weekly"],
    }


def pilot_files(clean_dir: Path, pilot_id: str) -> list[Path]:
    """The store files a pilot's rows are in: its partitions, and every one-file table."""
    return store.store_files(clean_dir, pilot_id=pilot_id)


def _digest(clean_dir: Path, files: list[Path], *words: str) -> str:
    """A digest of ``words``, evalkit's code and the files' paths, sizes and modification times."""
    h = hashlib.sha256("\0".join([*words, _code_digest()]).encode())
    for path in files:
        stat = path.stat()
        h.update(f"{path.relative_to(clean_dir).as_posix()}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return h.hexdigest()


def fingerprint(clean_dir: str | Path, pilot_id: str, seed: int) -> str:
    """What a pilot's results depend on, as a digest (see the module's description)."""
    clean_dir = Path(clean_dir)
    return _digest(clean_dir, pilot_files(clean_dir, pilot_id), pilot_id, str(int(seed)))


def _path(clean_dir: Path, pilot_id: str) -> Path:
    return clean_dir / RESULTS_FOLDER / f"{pilot_id}.pickle"


def pilot_levels(clean_dir: str | Path, pilot_id: str, seed: int, *,
                 tables: Mapping[str, pd.DataFrame] | None = None,
                 names: Sequence[str] | None = None) -> dict[str, pd.DataFrame]:
    """A pilot's result frames (:data:`LEVELS`), loaded when kept for the same clean tables,
    otherwise computed and kept.

    Parameters
    ----------
    clean_dir
        The clean folder the pilot's tables are in.
    pilot_id, seed
        The pilot, and the programme's seed (of the bootstrap intervals).
    tables
        The pilot's tables when already read (otherwise read from ``clean_dir`` when needed).
    names
        Only these frames (the cross-pilot report wants the levels, not the weekly series).

    Returns
    -------
    dict of DataFrame
        The frames of :func:`compute_levels` (or ``names`` of them); a fresh copy each call:
        changing it changes nothing kept.
    """
    clean_dir = Path(clean_dir)

    def compute() -> dict[str, pd.DataFrame]:
        from .pilot import read_clean

        return compute_levels(read_clean(clean_dir, [pilot_id]) if tables is None else tables, seed)

    return _kept_or_computed(_path(clean_dir, pilot_id), fingerprint(clean_dir, pilot_id, seed), compute, names)


#: the tables the comparisons between pilots are computed from
COMPARISON_TABLES = ("sessions", "attendance", "participants", "responses")
#: the file, inside the results folder, of the comparisons between pilots (not a pilot id:
#: those start with a letter or digit)
COMPARISONS = "_comparisons"


def compute_comparisons(programme, tables: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """What sets the pilots apart and whether they differ, from every pilot's tables:
    ``characteristics`` (:func:`evalkit.analysis.pilot_characteristics`) and ``differences``
    (:func:`evalkit.analysis.compare_pilots`, seeded with the programme's seed)."""
    t = tables
    return {
        "characteristics": analysis.pilot_characteristics(
            t["sessions"], t["attendance"], t["participants"], t["responses"],
            pilots=analysis.pilot_facts(programme)),
        "differences": analysis.compare_pilots(t["sessions"], t["attendance"], t["participants"], t["responses"],
                                               seed=int(programme.settings.seed)),
    }


def programme_comparisons(clean_dir: str | Path, programme, *,
                          tables: Mapping[str, pd.DataFrame] | None = None) -> dict[str, pd.DataFrame]:
    """:func:`compute_comparisons` of a clean folder, loaded when kept for the same tables
    (every pilot's sessions, attendance, participants and responses), the same pilots (their
    facts: names, tiers, regions) and seed, otherwise computed and kept.

    They take every pilot's tables but none of the large ones, so rendering computes them at
    the start of a run, beside the pilots' reports, and the cross-pilot report, last, loads
    them. ``tables`` are every pilot's tables when already read.
    """
    clean_dir = Path(clean_dir)
    facts = analysis.pilot_facts(programme).to_json(orient="records", date_format="iso")
    digest = _digest(clean_dir, store.store_files(clean_dir, COMPARISON_TABLES), COMPARISONS, facts,
                     str(int(programme.settings.seed)))

    def compute() -> dict[str, pd.DataFrame]:
        from .pilot import read_clean

        ids = [p.id for p in programme.pilots]
        return compute_comparisons(programme, read_clean(clean_dir, ids, names=COMPARISON_TABLES)
                                   if tables is None else tables)

    return _kept_or_computed(clean_dir / RESULTS_FOLDER / f"{COMPARISONS}.pickle", digest, compute)


def keep_programme_comparisons(programme_path: str | Path, clean_dir: str | Path) -> None:
    """Compute and keep the comparisons between a programme's pilots (when not kept already):
    the work of the cross-pilot report that needs no pilot's results, run by rendering at the
    start, in a worker of its own."""
    from ..programme import load_programme

    programme_comparisons(clean_dir, load_programme(programme_path))


def _kept_or_computed(path: Path, digest: str, compute, names=None) -> dict[str, pd.DataFrame]:
    """The frames kept at ``path`` when their fingerprint is ``digest``; otherwise ``compute()``,
    kept there. A fresh copy each call; only the frames ``names`` when given (each frame is
    kept pickled on its own, so a caller wanting a few does not unpickle the others)."""
    try:
        with open(path, "rb") as handle:
            kept = pickle.load(handle)
        if kept.get("fingerprint") == digest:
            frames = kept["frames"]
            return {name: pickle.loads(frames[name]) for name in (frames if names is None else names)}
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, KeyError, TypeError, ValueError):
        pass  # missing, stale or unreadable: computed again below
    frames = compute()
    _keep(path, {"fingerprint": digest,
                 "frames": {name: pickle.dumps(frame, protocol=pickle.HIGHEST_PROTOCOL)
                            for name, frame in frames.items()}})
    return {name: frames[name].copy() for name in (frames if names is None else names)}


def _keep(path: Path, value: dict) -> None:
    """Write ``value`` to ``path`` whole or not at all (reports may run side by side)."""
    temporary = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".tmp")
        with os.fdopen(handle, "wb") as out:
            pickle.dump(value, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)
    except OSError:  # a read-only clean folder: results are simply not kept
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
