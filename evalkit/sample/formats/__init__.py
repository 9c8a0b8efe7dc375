"""Writers that put the sample world into files exactly as the real tools write them.

One module per format family; each writer takes the *truth* it must encode and returns a
:class:`Written`: the records a perfect cleaner must get back from the file (canonical
columns, with ``source_file`` and ``source_row`` filled in) and the expected fate of every
physical record of the file. The generator (:mod:`evalkit.sample.generate`) collects these
into ``truth/`` so that cleaning can be tested value for value against it.

Conventions shared by every writer:

* Times given to writers are naive local times in the programme's time zone (pandas
  ``Timestamp``), unless a column says otherwise. Expected records carry tz-aware times in
  the programme's time zone (``Europe/London`` in the sample).
* ``person_key`` travels with every record: the person's true identity (a ``roster_id`` such
  as ``SUF-07``, or ``guest-…``/``stranger-…``/``dial-in-…`` for people not on the roster).
  It is truth only; it is never written into a raw file.
* Writers use the ``rng`` they are given for any random quirk, so the same seed gives the
  same files.
* ``source_file`` is the path relative to the programme folder (``suffolk/attendance/x.csv``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

__all__ = ["Written"]


@dataclass
class Written:
    """What a writer wrote.

    Attributes
    ----------
    source_file
        Path relative to the programme folder.
    format
        The reader format name that must detect this file.
    tables
        Canonical table name → expected rows from this file (canonical columns, without
        ``pilot_id`` and ``participant_id``; with ``person_key``).
    fates
        One row per physical record of the file: ``source_row`` (1-based line or sheet row),
        ``fate`` (kept, merged, quarantined, skipped-structure), ``table`` and ``reason``
        (a short phrase; only checked for being present when the fate is quarantined).
    quirks
        Short descriptions of the realism this file carries (for data/sample/README.md).
    """

    source_file: str
    format: str
    tables: dict[str, pd.DataFrame]
    fates: pd.DataFrame
    quirks: list[str] = field(default_factory=list)
