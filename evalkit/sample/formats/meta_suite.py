"""Meta Business Suite insights (2023 onwards): one file per metric.

Each file is UTF-16 LE with a BOM: ``sep=,``, the metric's title (``"Views"``,
``"Facebook follows"``, …), ``"Date","Primary"``, then ``"2025-01-13T00:00:00","20"``
rows, oldest first. Files may leave out days with nothing to count.

>>> import numpy as np, pandas as pd, tempfile, pathlib
>>> daily = pd.DataFrame({"person_key": ["YH-04"] * 3, "date": pd.to_datetime(["2025-01-13", "2025-01-14", "2025-01-15"]),
...     "views": [20, 0, 134], "new_follows": [2, 0, 1]})
>>> folder = pathlib.Path(tempfile.mkdtemp()) / "Cllr Amy Patel"
>>> written = write_meta_suite(folder, source_dir="yorkshire-humber/metrics/Cllr Amy Patel", daily=daily,
...                            rng=np.random.default_rng(1))
>>> [w.source_file for w in written]
['yorkshire-humber/metrics/Cllr Amy Patel/Views.csv', 'yorkshire-humber/metrics/Cllr Amy Patel/Follows.csv']
>>> (folder / "Follows.csv").read_bytes().decode("utf-16").splitlines()
['sep=,', '"Facebook follows"', '"Date","Primary"', '"2025-01-13T00:00:00","2"', '"2025-01-15T00:00:00","1"']
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from . import Written
from .x_classic import _fates, _metrics

__all__ = ["META_FILES", "write_meta_suite"]

#: metric column of ``daily`` → (file name, title line)
META_FILES = {
    "views": ("Views.csv", "Views"),
    "new_follows": ("Follows.csv", "Facebook follows"),
    "reach": ("Reach.csv", "Reach"),
    "engagements": ("Interactions.csv", "Content interactions"),
    "link_clicks": ("Link clicks.csv", "Facebook link clicks"),
    "profile_visits": ("Visits.csv", "Facebook visits"),
}


def write_meta_suite(folder: Path, *, source_dir: str, daily: pd.DataFrame, omit_zero_days: bool = True,
                     rng: np.random.Generator) -> list[Written]:
    """Write one Meta Business Suite file per metric column of ``daily``; return what a
    perfect reader gets back from each.

    ``daily``: ``person_key, date`` and any of ``views, new_follows, reach, engagements,
    link_clicks, profile_visits``. ``folder`` is the account's folder (the files do not name
    the account; the reader takes the folder name), ``source_dir`` the same folder relative
    to the programme folder. With ``omit_zero_days`` days whose value is 0 are left out, as
    Meta does in some files; a missing value always leaves its day out. ``rng`` is not
    needed: these files carry no random quirk.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    account = folder.name
    frame = daily.copy()
    frame["date"] = pd.to_datetime(pd.Series(list(frame["date"]), dtype="object")).dt.date
    if frame["date"].duplicated().any():
        raise ValueError("daily has a date twice")
    frame = frame.sort_values("date", kind="stable").reset_index(drop=True)
    written = []
    for metric, (name, title) in META_FILES.items():  # one file per metric
        if metric not in frame.columns:
            continue
        source_file = f"{source_dir.rstrip('/')}/{name}"
        lines = ["sep=,", f'"{title}"', '"Date","Primary"']
        records, fates = [], [(1, "skipped-structure", None, "sep= line"),
                              (2, "skipped-structure", None, "title line"),
                              (3, "skipped-structure", None, "header row")]
        for day, value, person in zip(frame["date"], frame[metric], frame["person_key"]):
            if pd.isna(value):
                continue
            number = int(round(float(value)))
            if omit_zero_days and number == 0:
                continue
            lines.append(f'"{day.isoformat()}T00:00:00","{number}"')
            records.append((len(lines), day, metric, float(number), person))
            fates.append((len(lines), "kept", "metrics", None))
        (folder / name).write_bytes(b"\xff\xfe" + ("\n".join(lines) + "\n").encode("utf-16-le"))
        quirks = ["UTF-16 LE with BOM", "sep=, line", "metric title line", "ISO dates with T00:00:00"]
        if omit_zero_days and (frame[metric].fillna(0).round() == 0).any():
            quirks.append("days with 0 left out")
        written.append(Written(source_file, "meta-business-suite",
                               {"metrics": _metrics(records, source_file, "facebook", account)},
                               _fates(fates), quirks))
    return written
