"""Facebook Page Insights legacy export: one row per day, a column per metric.

``Facebook Insights Data Export - <Page> - <from> - <to>.csv``: two header rows (metric
names, then descriptions with an empty first cell); dates ``M/D/YYYY``; hundreds to
thousands of columns, breakdowns named ``<metric> - <part>``; duplicate column names (two
``Daily Logged-in Page Views``: total count and unique users), told apart here by the
``(Total Count)`` / ``(Unique Users)`` at the end of their descriptions. Empty cells mean
0 in breakdown columns, but on the newest day an empty cell means "not yet computed" and
gives no row. UTF-8 as exported, cp1252 when re-saved in Excel: the encoding used is
noted.

The canonical metrics it gives (see :data:`evalkit.clean.metrics.METRIC_MAPS`):
``page_likes``, ``new_follows``, ``unfollows``, ``engagements``, ``reach``,
``impressions``, ``views``, ``link_clicks``, ``video_views``; every other column keeps
its folded name (``daily_organic_reach``, ``lifetime_likes_by_city_ipswich_england_united_kingdom``).

The account is the page name in the file name, else ``Context.account``.

>>> from evalkit.readers.base import sniff
>>> detect(sniff("tests/data/formats/facebook/Facebook Insights Data Export - Cllr Jane Smith - 2022-09-01 - 2022-09-05.csv"))
'facebook-insights'
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd
import pyarrow.compute as pc

from ..clean import fastlane
from ..clean.dates import AmbiguousDateOrder, decide_date_order
from ..clean.metrics import (
    METRIC_MAPS,
    daily_metrics,
    header_labels,
    header_labels_of,
    metric_names,
    strip_handle,
    table_records,
)
from .base import (
    ArrowReading,
    ArrowTables,
    Context,
    InputError,
    Reading,
    Sniff,
    arrow_csv,
    decode,
    fates_frame,
    read_csv_frame,
    sorted_fates,
)

FORMATS = {
    "facebook-insights": "Facebook Page Insights legacy export (Facebook Insights Data Export - <Page> - <from> - <to>.csv)",
}

_FILE_NAME = re.compile(
    r"^Facebook Insights Data Export - (?P<page>.+?) - (?P<start>\d{4}-\d{2}-\d{2})"
    r"(?: - (?P<end>\d{4}-\d{2}-\d{2}))?(?:\s*\(\d+\))?\.csv$",
    re.IGNORECASE,
)
_ORDER_WORDS = {"%m/%d": "month/day/year", "%d/%m": "day/month/year"}
_PERIOD = re.compile(r"^(Lifetime|Daily|Weekly|28 Days) \S", re.IGNORECASE)
#: extra facts the legacy export's own metric names map to (the plain name when the file
#: has only one "Daily Logged-in Page Views")
_MAP = {**METRIC_MAPS["facebook-insights"], "daily_logged_in_page_views": "views"}


def detect(sniff: Sniff) -> str | None:
    if sniff.is_xlsx or not sniff.text:
        return None
    line = sniff.first_line.lstrip("\ufeff")
    try:
        header = next(csv.reader([line]))
    except (csv.Error, StopIteration):
        return None
    if len(header) < 2 or header[0].strip().lower() != "date":
        return None
    if any(_PERIOD.match(cell.strip()) for cell in header[1:]):
        return "facebook-insights"
    return None


def read(path: Path, context: Context, format: str) -> Reading:
    path = Path(path)
    fast = _read_fast(path, context, format)
    if fast is not None:
        return fast
    source_file = context.source_file or path.name
    text, encoding = decode(path)
    head, lines = read_csv_frame(text, max_records=2, path=path)
    if len(head) == 0:
        raise InputError(path, "the file has no header row")
    names = head.iloc[0]
    descriptions = head.iloc[1] if len(head) > 1 else None
    has_descriptions = (
        descriptions is not None
        and str(descriptions.iloc[0]).strip() == ""
        and (descriptions.iloc[1:].astype(str).str.strip() != "").any()
    )
    header = header_labels(names, descriptions if has_descriptions else None)
    start = 2 if has_descriptions else 1
    # thousands of columns: the C parser reads the counts (a column with odd cells stays text)
    body, body_lines = read_csv_frame(text, skip_records=start, numbers=True, path=path)
    records, blank = table_records(body, body_lines, header, path)
    structure = [fates_frame(source_file, lines[:1], "skipped-structure", None, "header row (metric names)",
                             context.pilot_id)]
    if has_descriptions:
        structure.append(fates_frame(source_file, lines[1:2], "skipped-structure", None,
                                     "second header row (metric descriptions)", context.pilot_id))
    structure.append(fates_frame(source_file, body_lines[blank], "skipped-structure", None, "blank line",
                                 context.pilot_id))

    page, how = _page(path, context)
    date_column = header[0]
    date_format, how_dates = _date_format(records[date_column])
    notes = _notes(encoding, page, how, date_format, how_dates)
    breakdowns = [c for c, name in zip(header, names) if " - " in str(name)]
    metrics, fates, more = daily_metrics(
        records,
        date_column=date_column,
        date_format=date_format,
        metric_map=_MAP,
        source_file=source_file,
        platform="facebook",
        account=page,
        pilot_id=context.pilot_id,
        blank_is_zero=breakdowns,
        newest_day_incomplete=True,
    )
    if breakdowns:
        notes.append(_breakdown_note(breakdowns))
    return Reading(path, format, {"metrics": metrics}, sorted_fates([*structure, fates]), notes + more,
                   {"account": page, "platform": "facebook", "encoding": encoding, "columns": len(header)})


def _notes(encoding: str, page: str, how: str, date_format: str, how_dates: str) -> list[str]:
    return [f"encoding: {encoding}" + (" (the file was re-saved, probably in Excel)" if encoding == "cp1252" else ""),
            f"page {page}: {how}",
            f"dates read as {_ORDER_WORDS.get(date_format[:5], 'year-month-day')}: {how_dates}"]


def _breakdown_note(breakdowns: list[str]) -> str:
    return f"empty cells in the {len(breakdowns)} breakdown column(s) count as 0 (except on the newest day)"


def _read_fast(path: Path, context: Context, format: str) -> Reading | None:
    """The file read in the fast lane (:mod:`evalkit.clean.fastlane`): a file with its
    description row, every record as wide as the header and no blank line; ``None`` for
    any other (the general lane then reads it)."""
    found = arrow_csv(path, head=2, min_body=0, keep_text=lambda head: [0])  # the dates; the counts as floats
    if found is None:
        return None
    width = max(len(r) for r in found.head)
    names, descriptions = (r + [""] * (width - len(r)) for r in found.head)
    if not (descriptions[0].strip() == "" and any(d.strip() != "" for d in descriptions[1:])):
        return None  # no description row: the general lane reads the second record as data
    header = header_labels_of(names, descriptions)
    columns = fastlane.labelled_columns(found.body, header)
    if columns is None:
        return None
    source_file = context.source_file or path.name
    page, how = _page(path, context)
    date_column = header[0]
    decided = _date_format_arrow(columns[date_column])
    if decided is None:
        return None
    date_format, how_dates = decided
    breakdowns = [c for c, name in zip(header, names) if " - " in str(name)]
    value_columns = header[1:]
    made = fastlane.daily_table(columns, date_column=date_column, date_format=date_format,
                                value_columns=value_columns, names=metric_names(value_columns, _MAP),
                                source_rows=found.body_lines, source_file=source_file, pilot_id=context.pilot_id,
                                platform="facebook", account=page, blank_is_zero=breakdowns,
                                newest_day_incomplete=True)
    if made is None:
        return None
    table, more = made
    notes = _notes(found.encoding, page, how, date_format, how_dates)
    if breakdowns:
        notes.append(_breakdown_note(breakdowns))
    structure = [(int(found.head_lines[0]), "header row (metric names)"),
                 (int(found.head_lines[1]), "second header row (metric descriptions)")]
    arrow_fates = fastlane.fates(source_file, context.pilot_id, structure, found.body_lines, "metrics")
    arrow = {"metrics": table, "row_fates": arrow_fates}
    return ArrowReading(path, format, ArrowTables(arrow), None, notes + more,
                        {"account": page, "platform": "facebook", "encoding": found.encoding,
                         "columns": len(header)}, arrow=arrow)


def _page(path: Path, context: Context) -> tuple[str, str]:
    match = _FILE_NAME.match(path.name)
    if match:
        return match.group("page").strip(), f"the page name in the file name '{path.name}'"
    if context.account:
        return strip_handle(context.account), "pinned with account: in programme.yml"
    raise InputError(
        path,
        "the file name does not hold the page name (Facebook Insights Data Export - <Page> - <from> - <to>.csv): "
        "pin it with `account:` under the pilot's files in programme.yml",
    )


def _date_format_arrow(column) -> tuple[str, str] | None:
    """:func:`_date_format` of an Arrow text column, for the fast lane: the same format
    and reason, decided with Arrow compute functions (``None`` for a column with an
    empty cell or a cell that is not ASCII: the general lane decides that one).

    >>> import pyarrow as pa
    >>> _date_format_arrow(pa.array(["7/1/2024", " 7/13/2024 "]))
    ('%m/%d/%Y', "a value has 13 in the second position ('7/13/2024'), so it must be the day")
    """
    if column.null_count:  # an empty date: the general lane reads the file
        return None
    text = fastlane.trimmed(column)
    if not fastlane._all(pc.string_is_ascii(text)):
        return None
    sample = text.filter(pc.not_equal(text, ""))
    if len(sample) == 0:
        return "%m/%d/%Y", "no dates in the file"
    if fastlane._all(pc.match_substring_regex(sample, r"^\d{4}-\d{2}-\d{2}$")):
        return "%Y-%m-%d", "year-month-day"
    four = fastlane._mask(pc.match_substring_regex(sample, r"^\d{1,2}/\d{1,2}/\d{4}$")).mean()
    return _decided_format(pc.unique(sample).to_pylist(), four)


def _date_format(values: pd.Series) -> tuple[str, str]:
    """strftime format of the date column: ISO, or numeric with the order decided from the
    values (month-first, the export's own order, when they fit both)."""
    sample = values.astype(str).str.strip()
    sample = sample[sample != ""]
    if sample.empty:
        return "%m/%d/%Y", "no dates in the file"
    if sample.str.match(r"^\d{4}-\d{2}-\d{2}$").all():
        return "%Y-%m-%d", "year-month-day"
    return _decided_format(sample.drop_duplicates(), sample.str.match(r"^\d{1,2}/\d{1,2}/\d{4}$").mean())


def _decided_format(distinct, four_digit_years: float) -> tuple[str, str]:
    """The numeric date format of a file's ``distinct`` date texts (first appearance
    first), and how the order was decided; ``four_digit_years`` is the share of its dates
    written ``D/M/YYYY``."""
    try:
        order, how = decide_date_order(distinct, setting="month-first")
    except AmbiguousDateOrder:  # cannot happen with a setting; kept for safety
        order, how = "month-first", "the export's own order"
    if how.startswith("the file's dates fit both orders"):
        how = "the dates fit both orders; month/day/year is the export's own order"
    year = "%Y" if four_digit_years >= 0.5 else "%y"
    return ("%m/%d/" if order == "month-first" else "%d/%m/") + year, how
