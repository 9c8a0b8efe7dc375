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
The files are written by evalkit into the evaluator's own build folder and read only by it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import tempfile
from pathlib import Path
from typing import Mapping

import pandas as pd

from .. import analysis, store
from .render import code_digest as _code_digest

__all__ = ["LEVELS", "compute_levels", "pilot_levels", "pilot_files", "fingerprint", "RESULTS_FOLDER"]

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
    part = f"{store.PARTITION}={pilot_id}"
    found = []
    for path in store.store_files(clean_dir):
        parts = path.relative_to(clean_dir).parts
        partitioned = any(p.startswith(f"{store.PARTITION}=") for p in parts)
        if not partitioned or part in parts:
            found.append(path)
    return found


def fingerprint(clean_dir: str | Path, pilot_id: str, seed: int) -> str:
    """What a pilot's results depend on, as a digest (see the module's description)."""
    clean_dir = Path(clean_dir)
    h = hashlib.sha256(f"{pilot_id}\0{int(seed)}\0{_code_digest()}".encode())
    for path in pilot_files(clean_dir, pilot_id):
        stat = path.stat()
        h.update(f"{path.relative_to(clean_dir).as_posix()}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return h.hexdigest()


def _path(clean_dir: Path, pilot_id: str) -> Path:
    return clean_dir / RESULTS_FOLDER / f"{pilot_id}.pickle"


def pilot_levels(clean_dir: str | Path, pilot_id: str, seed: int, *,
                 tables: Mapping[str, pd.DataFrame] | None = None) -> dict[str, pd.DataFrame]:
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

    Returns
    -------
    dict of DataFrame
        The frames of :func:`compute_levels`; a fresh copy each call: changing it changes
        nothing kept.
    """
    clean_dir = Path(clean_dir)
    digest = fingerprint(clean_dir, pilot_id, seed)
    path = _path(clean_dir, pilot_id)
    try:
        with open(path, "rb") as handle:
            kept = pickle.load(handle)
        if kept.get("fingerprint") == digest:
            return kept["levels"]  # unpickled: already a copy of what is kept
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, KeyError, TypeError, ValueError):
        pass  # missing, stale or unreadable: computed again below
    if tables is None:
        from .pilot import read_clean

        tables = read_clean(clean_dir, [pilot_id])
    levels = compute_levels(tables, seed)
    _keep(path, {"fingerprint": digest, "levels": levels})
    return {name: frame.copy() for name, frame in levels.items()}


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
