"""Meta Business Suite insights (2023 onwards): one metric per file.

``Views.csv``, ``Follows.csv``, …: UTF-16 LE with BOM; line 1 ``sep=,`` (a separator
hint for Excel); line 2 the metric title (``"Views"``, ``"Facebook follows"``,
``"Instagram reach"``, …); line 3 ``"Date","Primary"``; then rows like
``"2025-08-01T00:00:00","20"``. Some files leave out days with nothing to count: those
days are not filled in.

The metric comes from the title (see :data:`evalkit.clean.metrics.METRIC_MAPS`):
``Views`` → views, ``Facebook follows`` → new_follows, ``Reach``/``Viewers`` → reach,
``Content interactions`` → engagements, ``Facebook link clicks`` → link_clicks,
``Facebook visits`` → profile_visits; a title it does not know keeps a folded name. The
platform is ``instagram`` when the title says so, else ``facebook``. The file does not
name its account: it is ``Context.account``, else the folder holding the file
(``metrics/<page>/``).

>>> from evalkit.readers.base import sniff
>>> detect(sniff("tests/data/formats/meta_suite/Cllr Amy Patel/Views.csv"))
'meta-business-suite'
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pyarrow.compute as pc

from ..clean import fastlane
from ..clean.metrics import (
    METRIC_MAPS,
    account_from_folder,
    blank_records,
    daily_metrics,
    fold_name,
    header_labels,
    header_labels_of,
    metric_names,
    with_header,
)
from .base import (
    ArrowReading,
    ArrowTables,
    Context,
    InputError,
    Reading,
    Sniff,
    arrow_csv,
    decode_utf8,
    fates_frame,
    read_csv_frame,
)

FORMATS = {
    "meta-business-suite": "Meta Business Suite insights, one metric per file (UTF-16, sep=, line, title line)",
}


def detect(sniff: Sniff) -> str | None:
    if sniff.is_xlsx or not sniff.text:
        return None
    lines = [line.lstrip("\ufeff") for line in sniff.lines[:4]]
    if not lines or not lines[0].strip().lower().startswith("sep="):
        return None
    for line in lines[1:3]:
        cells = _cells(line, lines[0].strip()[4:5] or ",")
        if cells[:1] == ["date"] and "primary" in cells:
            return "meta-business-suite"
    return None


def read(path: Path, context: Context, format: str) -> Reading:
    path = Path(path)
    source_file = context.source_file or path.name
    data, encoding = decode_utf8(path)
    text = data.decode("utf-8", "surrogatepass").lstrip("\ufeff")
    preamble, delimiter, title = _preamble(text)
    k = len(preamble)
    if not text.startswith("\ufeff") and data[:3] != b"\xef\xbb\xbf":
        fast = _read_fast(path, context, format, (data, encoding), preamble, delimiter, title)
        if fast is not None:
            return fast
    head, lines = read_csv_frame(text, skip_records=k, max_records=1, delimiter=delimiter, path=path)
    if len(head) == 0 or str(head.iloc[0, 0]).strip().lower() != "date":
        raise InputError(path, "no \"Date\",\"Primary\" header after the title line", row=k + 1)
    header = header_labels(head.iloc[0])
    body, body_lines = read_csv_frame(text, skip_records=k + 1, numbers=True, delimiter=delimiter, path=path)
    body = with_header(body, header, path)
    blank = blank_records(body)
    structure = pd.concat(
        [
            *(fates_frame(source_file, [line], "skipped-structure", None, reason, context.pilot_id)
              for line, reason in preamble),
            fates_frame(source_file, lines[:1], "skipped-structure", None, "header row", context.pilot_id),
            fates_frame(source_file, body_lines[blank], "skipped-structure", None, "blank line", context.pilot_id),
        ]
    )
    records = pd.concat([pd.DataFrame({"source_row": body_lines[~blank]}),
                         body[~blank].reset_index(drop=True)], axis=1)

    notes, title, platform, metric, account = _notes(path, context, encoding, title)
    value_columns = header[1:]
    names = _names(value_columns, metric)
    metrics, fates, more = daily_metrics(
        records,
        date_column=header[0],
        date_format="ISO8601",
        metric_map={},
        metric_names_of=names,
        source_file=source_file,
        platform=platform,
        account=account,
        pilot_id=context.pilot_id,
    )
    if len(metrics):
        notes += _missing_days(min(metrics["date"]), max(metrics["date"]), metrics["date"].nunique())
    fates = pd.concat([structure, fates]).sort_values("source_row", kind="stable").reset_index(drop=True)
    return Reading(path, format, {"metrics": metrics}, fates, notes + more,
                   {"account": account, "platform": platform, "metric": metric, "title": title,
                    "encoding": encoding})


def _preamble(text: str) -> tuple[list[tuple[int, str]], str, str | None]:
    """The lines before the header (``(line, reason)``), the delimiter and the title."""
    head = text.split("\n", 3)
    preamble = []  # (line, reason)
    delimiter = ","
    k = 0
    if head and head[0].strip().lower().startswith("sep="):
        delimiter = head[0].strip()[4:5] or ","
        preamble.append((1, "sep= line (a separator hint for Excel)"))
        k = 1
    title = None
    if len(head) > k and _cells(head[k], delimiter)[:1] != ["date"]:
        title = next(csv.reader([head[k]], delimiter=delimiter), [""])
        title = title[0].strip() if title else ""
        preamble.append((k + 1, "title line (the metric)"))
    return preamble, delimiter, title


def _notes(path: Path, context: Context, encoding: str, title: str | None):
    notes = [f"encoding: {encoding}"]
    if not title:
        title = path.stem
        notes.append(f"no title line: the metric is taken from the file name '{path.name}'")
    platform, metric = metric_of_title(title)
    account, how = account_from_folder(path, context)
    notes.append(f"account {account}: {how}")
    notes.append(f"metric {metric} from the title '{title}'")
    return notes, title, platform, metric, account


def _names(value_columns: list[str], metric: str) -> dict[str, str]:
    return {c: metric if fold_name(c) == "primary" else f"{metric}_{fold_name(c)}" for c in value_columns}


def _missing_days(first, last, distinct: int) -> list[str]:
    missing = (last - first).days + 1 - distinct
    if not missing:
        return []
    return [f"{missing} day(s) between the first and last day have no row (Meta leaves "
            "out days with nothing to count); they are not filled in"]


def _read_fast(path: Path, context: Context, format: str, text: tuple[bytes, str],
               preamble: list[tuple[int, str]], delimiter: str, title: str | None) -> Reading | None:
    """The file read in the fast lane (:mod:`evalkit.clean.fastlane`), or ``None`` when it
    is not plainly regular (the general lane then reads it)."""
    k = len(preamble)
    found = arrow_csv(path, head=k + 1, min_body=0, delimiter=delimiter, text=text, keep_text=lambda head: [0])
    if found is None or [line for line, _ in preamble] != found.head_lines[:k].tolist():
        return None
    header_cells = found.head[k]
    if not header_cells or header_cells[0].strip().lower() != "date":
        return None
    header = header_labels_of(header_cells)
    columns = fastlane.labelled_columns(found.body, header)
    if columns is None:
        return None  # ragged, or blank records
    source_file = context.source_file or path.name
    notes, title, platform, metric, account = _notes(path, context, found.encoding, title)
    value_columns = header[1:]
    names = _names(value_columns, metric)
    made = fastlane.daily_table(columns, date_column=header[0], date_format="ISO8601", value_columns=value_columns,
                                names=[names.get(c, n) for c, n in zip(value_columns, metric_names(value_columns, {}))],
                                source_rows=found.body_lines, source_file=source_file, pilot_id=context.pilot_id,
                                platform=platform, account=account)
    if made is None:
        return None
    table, more = made
    if table.num_rows:
        days = table.column("date")
        bounds = pc.min_max(days)
        notes += _missing_days(bounds["min"].as_py(), bounds["max"].as_py(), pc.count_distinct(days).as_py())
    structure = [*preamble, (int(found.head_lines[k]), "header row")]
    arrow_fates = fastlane.fates(source_file, context.pilot_id, structure, found.body_lines, "metrics")
    arrow = {"metrics": table, "row_fates": arrow_fates}
    return ArrowReading(path, format, ArrowTables(arrow), None, notes + more,
                        {"account": account, "platform": platform, "metric": metric, "title": title,
                         "encoding": found.encoding}, arrow=arrow)


def metric_of_title(title: str) -> tuple[str, str]:
    """The platform and metric a Meta Business Suite title names.

    >>> metric_of_title("Facebook follows")
    ('facebook', 'new_follows')
    >>> metric_of_title("Instagram reach")
    ('instagram', 'reach')
    >>> metric_of_title("Content interactions")
    ('facebook', 'engagements')
    """
    words = title.strip()
    platform = "facebook"
    for name in ("Facebook", "Instagram"):
        if words.lower().startswith(name.lower() + " "):
            platform = name.lower()
            words = words[len(name) + 1:]
            break
    folded = fold_name(words)
    return platform, METRIC_MAPS["meta-business-suite"].get(folded, folded)


def _cells(line: str, delimiter: str) -> list[str]:
    try:
        return [c.strip().lower() for c in next(csv.reader([line], delimiter=delimiter))]
    except (csv.Error, StopIteration):
        return []
