"""Small steps shared by the online survey readers (Microsoft Forms, Google Forms, SurveyMonkey).

Each reader parses its own layout; these steps do the parts the layouts share: finding the
tool's own columns (ID, times, email, name) by their header words, turning spreadsheet
cells into answer text, parsing the tools' date-times, joining multi-select answers into one
text, settling duplicate submissions, and assembling the :class:`~evalkit.readers.base.Reading`
from :func:`evalkit.clean.answers.survey_tables`.

>>> import pandas as pd
>>> from evalkit.clean.surveys import find_columns, tidy_choice_lists
>>> find_columns(["ID", "Start time", "Completion time", "Email"], {"email": ("email",)})
{'email': 3}
>>> tidy_choice_lists(pd.Series(["Facebook;X;", None])).tolist()
['Facebook; X', None]
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from .. import schemas
from ..readers.base import ArrowReading, Context, Reading, fates_frame
from ..scales import key
from .answers import SurveyColumns, SurveyRecords, distinct_cells, long_frame, survey_columns
from .dates import localise

__all__ = [
    "CHOICE_SEPARATOR",
    "blank",
    "blank_cells",
    "cell_text",
    "duplicate_submissions",
    "excel_datetimes",
    "find_columns",
    "id_text",
    "join_choices",
    "local_times",
    "parse_naive",
    "record_grid",
    "stripped_text",
    "submitter",
    "survey_reading",
    "tidy_choice_lists",
    "unreadable_times",
]

#: how a multi-select answer reads once joined into one text
CHOICE_SEPARATOR = "; "

#: days between Excel's day 0 (1900 date system, with its leap-year quirk) and 1970-01-01
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")


def _with_none(values: pd.Series) -> pd.Series:
    """Object series with ``None`` (not NaN) for missing values; ``Series.map`` gives NaN."""
    values = values.astype("object")
    return values.where(values.notna(), None)


def find_columns(header: Sequence[object], names: Mapping[str, Iterable[str]]) -> dict[str, int]:
    """Positions of a tool's own columns, found by their header words.

    Parameters
    ----------
    header
        The header cells, in file order.
    names
        Role (``"email"``) → accepted header spellings. Matching ignores case, spacing and
        a trailing full stop; the first column that matches wins.

    Returns
    -------
    dict
        Role → 0-based column position, for the roles found.

    >>> find_columns(["Timestamp", "Email Address", "Q1"], {"email": ("email address",), "name": ("name",)})
    {'email': 1}
    """
    folded = [key(h) if h is not None else "" for h in header]
    found = {}
    for role, spellings in names.items():
        wanted = {key(s) for s in spellings}
        for position, text in enumerate(folded):
            if text in wanted:
                found[role] = position
                break
    return found


def stripped_text(values: pd.Series) -> pd.Series:
    """Text cells with spacing at the ends removed; blank cells as ``None`` (object dtype).

    >>> stripped_text(pd.Series([" Sam Jones ", "", None])).tolist()
    ['Sam Jones', None, None]
    """
    return _by_distinct(values, lambda v: _stripped(_cell_text(v)))


def blank(values: pd.Series) -> pd.Series:
    """True where a cell holds nothing (missing, NaN, or only spaces).

    >>> blank(pd.Series(["a", " ", None, float("nan")])).tolist()
    [False, True, True, True]
    """
    return pd.Series(blank_cells(values.to_numpy(dtype=object)), index=values.index, dtype=bool)


def blank_cells(cells: np.ndarray) -> np.ndarray:
    """:func:`blank` for an array of cells of any shape (each distinct cell tested once).

    >>> blank_cells(np.array([["a", " "], [None, 4]], dtype=object)).tolist()
    [[False, True], [True, False]]
    """
    cells = np.asarray(cells, dtype=object)
    codes, distinct = distinct_cells(cells.reshape(cells.size))
    empty = np.array([v.strip() == "" if isinstance(v, str) else _missing(v) for v in distinct] + [True],
                     dtype=bool)
    return empty[codes].reshape(cells.shape)


def cell_text(values: pd.Series) -> pd.Series:
    """Spreadsheet cells as answer text: whole numbers without ``.0``, dates as ISO text,
    blank cells as ``None``. Text is kept as written.

    >>> import datetime as dt
    >>> cell_text(pd.Series([4, 4.0, 2.5, "Agree", None, "", dt.datetime(2024, 10, 3)])).tolist()
    ['4', '4', '2.5', 'Agree', None, None, '2024-10-03']
    """
    return _by_distinct(values, _cell_text)


def _cell_text(value):
    """:func:`cell_text` of one cell."""
    if value is None or isinstance(value, str):
        return value if value is None or value.strip() != "" else None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        if np.isnan(value):
            return None
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def _stripped(value):
    """Text with spacing at the ends removed; blank text as ``None``."""
    if isinstance(value, str):
        value = value.strip()
        return value if value != "" else None
    return value


def _by_distinct(values: pd.Series, one) -> pd.Series:
    """``one`` applied to each distinct cell of ``values`` once, spread back over the cells
    (object dtype, ``None`` for missing). Missing cells give ``one(None)``."""
    cells = values.to_numpy(dtype=object)
    codes, distinct = distinct_cells(cells)
    done = np.empty(len(distinct) + 1, dtype=object)
    done[:] = [one(v) for v in distinct] + [one(None)]
    out = pd.Series(done[codes], index=values.index, dtype="object", copy=False)
    return _with_none(out)


def id_text(values: pd.Series) -> pd.Series:
    """Ids as text: ``7`` and ``7.0`` read ``"7"``; text ids are stripped; blank is ``None``.

    >>> id_text(pd.Series([7, 7.0, " 114227965473 ", None])).tolist()
    ['7', '7', '114227965473', None]
    """
    return _by_distinct(values, lambda v: _stripped(_cell_text(v)))


def parse_naive(values: pd.Series, formats: Sequence[str]) -> tuple[pd.Series, pd.Series]:
    """Parse text date-times with the first of ``formats`` that fits each value.

    Returns naive times (``NaT`` where nothing fits) and a mask of values that were present
    but fitted no format (for quarantine; never dropped silently).

    >>> times, failed = parse_naive(pd.Series(["10/16/2013 08:24:52 PM", "soon", None]),
    ...                             ["%m/%d/%Y %I:%M:%S %p"])
    >>> times.iloc[0], failed.tolist()
    (Timestamp('2013-10-16 20:24:52'), [False, True, False])
    """
    text = _stripped_cells(values.to_numpy(dtype=object))
    present = ~pd.isna(text)
    parsed = np.full(len(text), np.datetime64("NaT"), dtype="datetime64[s]")
    todo = present
    for fmt in formats:  # each format tries the values no earlier format fitted
        if not todo.any():
            break
        attempt = pd.to_datetime(pd.Series(text[todo], dtype="object"), format=fmt, errors="coerce")
        parsed[todo] = attempt.astype("datetime64[s]").to_numpy()
        todo = present & np.isnat(parsed)
    failed = present & (text != "") & np.isnat(parsed)
    return (pd.Series(parsed, index=values.index, copy=False),
            pd.Series(failed, index=values.index, dtype=bool, copy=False))


def _stripped_cells(cells: np.ndarray) -> np.ndarray:
    """Text cells with spacing at the ends removed (each distinct text once); other cells
    as they are."""
    out = cells.copy()
    is_text = np.fromiter((isinstance(v, str) for v in cells), dtype=bool, count=len(cells))
    if is_text.any():
        codes, distinct = pd.factorize(cells[is_text])
        out[is_text] = np.array([v.strip() for v in distinct], dtype=object)[codes]
    return out


def excel_datetimes(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Naive local date-times from spreadsheet cells, rounded to the second.

    Cells hold real Excel date-times (read as ``datetime``), bare serial numbers (a cell that
    lost its date format: days since 1899-12-30) or, in a re-saved copy, text such as
    ``10/16/2024 20:24:52`` or ``2024-10-16 20:24:52``. Returns the times and a mask of
    cells that were present but are not a date-time.

    >>> import datetime as dt
    >>> times, failed = excel_datetimes(pd.Series([dt.datetime(2024, 10, 27, 1, 30), 45591.5, "later"]))
    >>> times.tolist()[:2], failed.tolist()
    ([Timestamp('2024-10-27 01:30:00'), Timestamp('2024-10-26 12:00:00')], [False, False, True])
    """
    cells = values.astype("object")
    is_time = cells.map(lambda v: isinstance(v, (dt.datetime, pd.Timestamp)))
    is_number = cells.map(lambda v: isinstance(v, (int, float, np.integer, np.floating))
                          and not isinstance(v, bool) and v == v)
    is_text = cells.map(lambda v: isinstance(v, str) and v.strip() != "")

    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us]")
    if is_time.any():
        out[is_time] = pd.to_datetime(cells[is_time].map(lambda v: pd.Timestamp(v).tz_localize(None)
                                                          if pd.Timestamp(v).tzinfo else pd.Timestamp(v)))
    if is_number.any():
        days = cells[is_number].astype("float64")  # a serial's fraction of a day to the second, as below
        out[is_number] = (_EXCEL_EPOCH + pd.to_timedelta(days, unit="D").dt.round("s")).astype("datetime64[us]")
    if is_text.any():
        text_times, _ = parse_naive(cells[is_text], ["%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M",
                                                     "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"])
        out[is_text] = text_times.astype("datetime64[us]")
    out = out.dt.round("s").astype("datetime64[s]")
    present = is_time | is_number | is_text
    other = cells.notna() & ~present & ~blank(cells)
    failed = (present & out.isna()) | other
    return out, failed


def local_times(values: pd.Series, timezone: str) -> pd.Series:
    """Times as ``datetime64[ns, timezone]``: naive ones are local times in ``timezone``
    (see :func:`evalkit.clean.dates.localise`), aware ones are converted.

    >>> local_times(pd.Series([pd.Timestamp("2024-10-27 01:30")]), "Europe/London").iloc[0]
    Timestamp('2024-10-27 01:30:00+0100', tz='Europe/London')
    """
    if len(values) == 0:
        return pd.Series([], index=values.index, dtype=f"datetime64[ns, {timezone}]")
    items = values.astype("object")
    aware = items.map(lambda v: isinstance(v, (pd.Timestamp, dt.datetime)) and v.tzinfo is not None)
    if aware.all():
        out = pd.to_datetime(items.map(lambda v: pd.Timestamp(v).tz_convert("UTC")))
        return out.dt.tz_convert(timezone).astype(f"datetime64[ns, {timezone}]")
    if aware.any():
        raise ValueError("a column mixes naive and time-zone-aware times")
    return localise(pd.to_datetime(items), timezone).astype(f"datetime64[ns, {timezone}]")


def record_grid(fields: list[list[str]], lines: np.ndarray, start: int,
                width: int) -> tuple[pd.DataFrame, pd.Series, dict, list[int]]:
    """The data records of a parsed CSV file, from record ``start`` on, as a grid.

    Parameters
    ----------
    fields, lines
        Records and their start lines, from :func:`evalkit.readers.base.read_csv_records`.
    width
        The number of header columns; shorter records are padded.

    Returns
    -------
    grid
        One row per non-blank record, columns ``0 … width-1``, blank cells ``None``.
    source_row
        The start line of each grid row.
    settled
        Grid rows with more filled fields than the header has columns: index label →
        ``("quarantined", reason)`` (their answers cannot be matched to questions).
    blank_records
        Positions (in ``fields``) of blank records from ``start`` on (structure).

    >>> grid, rows, settled, blanks = record_grid([["a", "b"], [], ["1", ""], ["2", "3", "x"]],
    ...                                           np.array([1, 2, 3, 4]), 1, 2)
    >>> grid.values.tolist(), rows.tolist(), blanks
    ([['1', None], ['2', '3']], [3, 4], [1])
    >>> settled[1][0]
    'quarantined'
    """
    filled = [any(f.strip() for f in record) for record in fields]
    data_at = [i for i in range(start, len(fields)) if filled[i]]
    blanks = [i for i in range(start, len(fields)) if not filled[i]]
    source_row = pd.Series(np.asarray(lines)[data_at] if data_at else np.array([], dtype=np.int64), dtype="int64")
    grid = pd.DataFrame([(fields[i] + [""] * width)[:width] for i in data_at], columns=range(width), dtype="object")
    if len(grid) and width:
        grid = grid.where(~blank_cells(grid.to_numpy(dtype=object)), None)
    settled = {}
    for label, i in enumerate(data_at):
        extra = fields[i][width:]
        if any(f.strip() for f in extra):
            settled[label] = ("quarantined", f"row {int(source_row[label])}: the record has {len(fields[i])} "
                              f"fields but the header has {width} columns: its answers cannot be matched "
                              "to questions")
    return grid, source_row, settled, blanks


def unreadable_times(failed: pd.Series, raw: pd.Series, column: str, source_row: pd.Series,
                     expected: str) -> dict:
    """Settle records whose submission time cannot be read: index label → (fate, reason).

    >>> unreadable_times(pd.Series([False, True]), pd.Series(["ok", "soon"]), "Timestamp",
    ...                  pd.Series([2, 3]), "a date-time")
    {1: ('quarantined', "row 3: column 'Timestamp': 'soon' is not a date-time")}
    """
    settled = {}
    for label in failed.index[failed.to_numpy(dtype=bool)]:
        settled[label] = (
            "quarantined",
            f"row {int(source_row[label])}: column '{column}': {raw[label]!r} is not {expected}",
        )
    return settled


def join_choices(ticked: pd.DataFrame, separator: str = CHOICE_SEPARATOR) -> pd.Series:
    """One text answer per row from one column per choice (a multi-select question
    spread over columns): the non-blank cells, in column order, joined. No choice ticked
    gives ``None``.

    >>> ticked = pd.DataFrame({"a": ["Facebook", None, ""], "b": ["X", "X", None]})
    >>> join_choices(ticked).tolist()
    ['Facebook; X', 'X', None]
    """
    n = len(ticked)
    parts = np.full(n, "", dtype=object)
    for column in ticked.columns:
        cells = ticked[column].to_numpy(dtype=object)
        codes, distinct = distinct_cells(cells)
        written = np.array([str(v).strip() for v in distinct] + [""], dtype=object)  # code -1 (missing) last
        present = ~blank_cells(cells)
        text = np.where(present, written[codes], "").astype(object)
        glue = np.where((parts != "") & present, separator, "").astype(object)
        parts = parts + glue + text
    return pd.Series(np.where(parts != "", parts, None), index=ticked.index, dtype="object")


def tidy_choice_lists(values: pd.Series, separator: str = CHOICE_SEPARATOR) -> pd.Series:
    """Microsoft Forms multi-select cells (``a;b;`` — joined with ``;``, ending in ``;``)
    as one text with the shared separator. Cells without the trailing ``;`` are left alone.

    >>> tidy_choice_lists(pd.Series(["Facebook;X;", "Facebook;", "Not a list"])).tolist()
    ['Facebook; X', 'Facebook', 'Not a list']
    """
    text = values.astype("object")
    is_list = text.map(lambda v: isinstance(v, str) and v.rstrip().endswith(";"))

    def tidy(value: str) -> str:
        return separator.join(part.strip() for part in value.split(";") if part.strip())

    return _with_none(text.where(~is_list, text[is_list].map(tidy)))


def submitter(email: pd.Series | None, name: pd.Series | None) -> pd.Series:
    """Who sent each submission, folded for comparison: the email if there is one, else the
    name; ``None`` for an anonymous submission.

    >>> submitter(pd.Series(["Jane.Smith@x.gov.uk", None, None]), pd.Series(["Jane", "Bob ", None])).tolist()
    ['jane.smith@x.gov.uk', 'name:bob', None]
    """
    n = len(email) if email is not None else len(name) if name is not None else 0
    index = (email if email is not None else name).index if n else pd.RangeIndex(0)
    out = pd.Series([None] * n, index=index, dtype="object")
    if name is not None:
        folded = name.astype("object").map(lambda v: "name:" + key(v) if isinstance(v, str) and v.strip() else None)
        out = folded.where(folded.notna(), out)
    if email is not None:
        folded = email.astype("object").map(lambda v: key(v) if isinstance(v, str) and v.strip() else None)
        out = folded.where(folded.notna(), out)
    return _with_none(out)


def duplicate_submissions(answers: pd.DataFrame, who: pd.Series, submission: pd.Series | None,
                          source_row: pd.Series) -> dict:
    """Settle repeated submissions as ``merged``: index label → (fate, reason).

    A record repeats an earlier one when it has the same answer in every question (blank
    matching blank, spacing at the ends ignored) and either comes from the same known
    person (``who``, see :func:`submitter`) or is the very same submission (same
    ``submission`` key: the tool's response id or its time stamp as written). Anonymous
    records with different keys are never merged: two people may answer alike. The first
    record (in file order) is kept.

    >>> answers = pd.DataFrame({"q1": ["Agree", "Agree", "Agree"], "q2": ["Yes", "Yes", "Yes"]})
    >>> who = pd.Series(["jane@x.gov.uk", "jane@x.gov.uk", None])
    >>> duplicate_submissions(answers, who, pd.Series(["1", "2", "3"]), pd.Series([2, 3, 4]))
    {1: ('merged', 'row 3: the same submission as row 2 (same answers from the same respondent)')}
    """
    if len(answers) == 0:
        return {}
    n, m = answers.shape
    labels = answers.index
    rows = np.asarray(source_row, dtype=np.int64).reshape(n)
    answer_codes = _folded_codes(answers.to_numpy(dtype=object).T.reshape(n * m)).reshape(m, n).T
    settled: dict = {}

    def settle(keys: np.ndarray, candidates: np.ndarray, why: str) -> None:
        if not candidates.any():
            return
        at = np.flatnonzero(candidates)
        together = np.column_stack([answer_codes[at], keys[at]])
        _, group = np.unique(together, axis=0, return_inverse=True)
        group = group.reshape(len(at))
        first_in_group = np.full(group.max() + 1, len(at), dtype=np.int64)
        np.minimum.at(first_in_group, group, np.arange(len(at)))
        first = first_in_group[group]
        for i in np.flatnonzero(first != np.arange(len(at))):  # the repeated records only
            label = labels[at[i]]
            if label not in settled:
                settled[label] = (
                    "merged",
                    f"row {int(rows[at[i]])}: the same submission as row {int(rows[at[first[i]]])} ({why})",
                )

    who_codes, _ = pd.factorize(np.asarray(who.astype("object"), dtype=object))
    known = who_codes >= 0
    if known.any():
        settle(who_codes, known, "same answers from the same respondent")
    if submission is not None:
        key_codes, key_text = _submission_codes(np.asarray(submission.astype("object"), dtype=object))
        settle(key_codes, key_text != "", "the same response repeated")
    order = sorted(settled, key=lambda label: rows[labels.get_loc(label)])
    return {label: settled[label] for label in order}


def _folded_codes(cells: np.ndarray) -> np.ndarray:
    """Codes of answer cells compared for repeats: spacing at the ends ignored, blank cells
    (missing, or only spaces) alike, anything else as its text (``4`` and ``4.0`` differ)."""
    codes, distinct = distinct_cells(cells)
    folded = [v.strip() if isinstance(v, str) else ("" if _missing(v) else str(v)) for v in distinct]
    same, _ = pd.factorize(np.array(folded + [""], dtype=object))
    return same[codes]  # code -1 (missing) takes the last entry, the blank text


def _submission_codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes of submission keys and each record's key text (``""`` for none): the value as
    text, spacing at the ends removed."""
    codes, distinct = pd.factorize(values, use_na_sentinel=False)
    text = np.array(["" if v is None else str(v).strip() for v in distinct], dtype=object)
    if len(values) and pd.isna(distinct).any():
        # pd.factorize takes None and NaN for one value: None has no key, NaN reads "nan"
        is_none = np.equal(values, None)
        folded = text[codes]
        folded[is_none] = ""
        folded[~is_none & pd.isna(values)] = "nan"
        codes, _ = pd.factorize(folded)
        return codes, folded
    same, _ = pd.factorize(text)
    return same[codes], text[codes]


def _missing(value) -> bool:
    """True for a missing scalar cell (``None``, ``NaN``, ``NaT``, ``pd.NA``)."""
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def survey_reading(path: Path, context: Context, format: str, records: SurveyRecords,
                   structure: pd.DataFrame, notes: list[str], meta: dict | None = None) -> Reading:
    """Finish a survey reader: canonical tables from ``records``, plus the fates of the
    file's structural lines.

    Parameters
    ----------
    structure
        One row per structural record (header rows, blank lines): ``source_row``, ``reason``.
    notes
        Decisions to show a person; :func:`~evalkit.clean.answers.survey_tables` adds to it.

    Returns
    -------
    Reading
        ``tables`` holds ``responses`` and ``comments`` (``submitted_at`` in the context's
        time zone); ``fates`` one row per record, ordered by ``source_row``. The same
        tables are held as Arrow tables with the clean store's types
        (:attr:`~evalkit.readers.base.Reading.arrow`); the pandas frames are made when
        first used.

    Raises
    ------
    evalkit.schemas.TableValidationError
        When a row breaks its table's schema (every fault listed).
    """
    source_file = context.source_file or Path(path).name
    timezone = context.timezone
    found = survey_columns(records, context, source_file, notes)
    fates = _sorted_fates(structure, found.fates)
    frames = _SurveyFrames(found, timezone, records.submitted_at)
    arrow = {}
    for table in ("responses", "comments"):
        columns = getattr(found, table)
        if columns is None:
            continue  # no rows: nothing to check (the empty table meets its schema)
        data = _arrow_long(table, columns, frames.times(table), context.pilot_id, timezone)
        if data is None or _suspect(table, data):  # pandera words any fault, as ever
            _valid(table, frames[table])
        if data is not None:
            arrow[table] = data
    arrow["row_fates"] = _arrow_fates(fates, source_file, context.pilot_id)
    if _suspect("row_fates", arrow["row_fates"]):
        _valid("row_fates", fates_frame(source_file, fates["source_row"], fates["fate"], fates["table"],
                                        fates["reason"], context.pilot_id))
    merged = int((fates["fate"] == "merged").sum())
    if merged:
        notes.append(f"{merged} repeated submission(s) merged into the first copy")
    return ArrowReading(Path(path), format, frames, None, notes, meta or {}, arrow)


def _sorted_fates(structure: pd.DataFrame, records: dict) -> dict:
    """The file's fates as columns: structural records (``skipped-structure``) and data
    records together, ordered by ``source_row`` (structure first on a tie)."""
    skipped = structure["source_row"].to_numpy(dtype=np.int64)
    k, n = len(skipped), len(records["source_row"])
    rows = np.concatenate([skipped, np.asarray(records["source_row"], dtype=np.int64)])
    order = np.argsort(rows, kind="stable")

    def stacked(structural, data) -> np.ndarray:
        return np.concatenate([np.asarray(structural, dtype=object), np.asarray(data, dtype=object)])[order]

    return {
        "source_row": rows[order],
        "fate": stacked(np.full(k, "skipped-structure", dtype=object), records["fate"]),
        "table": stacked(np.full(k, None, dtype=object), np.full(n, "responses", dtype=object)),
        "reason": stacked(structure["reason"].to_numpy(dtype=object), records["reason"]),
    }


def _record_times(submitted_at: pd.Series | None, positions: np.ndarray, timezone: str) -> pd.Series | None:
    """:func:`local_times` of the records at ``positions``, taken straight from a column of
    times (naive or aware) with none missing; ``None`` for any other column."""
    if submitted_at is None or len(positions) == 0:
        return None
    dtype = submitted_at.dtype
    if not (isinstance(dtype, pd.DatetimeTZDtype) or (isinstance(dtype, np.dtype) and dtype.kind == "M")):
        return None
    chosen = pd.Series(submitted_at.array[positions], copy=False)
    if chosen.isna().any():
        return None
    if isinstance(dtype, pd.DatetimeTZDtype):
        return chosen.dt.tz_convert(timezone).astype(f"datetime64[ns, {timezone}]")
    return localise(chosen, timezone).astype(f"datetime64[ns, {timezone}]")


class _SurveyFrames(Mapping):
    """``responses`` and ``comments`` of one file as pandas frames (``submitted_at`` in the
    context's time zone), each made when first asked for."""

    def __init__(self, found: SurveyColumns, timezone: str, submitted_at: pd.Series | None = None):
        self._found = found
        self._timezone = timezone
        self._submitted_at = submitted_at
        self._times: dict[str, pd.Series] = {}
        self._made: dict[str, pd.DataFrame] = {}

    def times(self, table: str) -> pd.Series:
        """The rows' submission times, tz-aware; each record's time worked out once."""
        if table not in self._times:
            columns = getattr(self._found, table)
            record = columns["record"]
            _, first, back = np.unique(record, return_index=True, return_inverse=True)
            once = _record_times(self._submitted_at, record[first], self._timezone)
            if once is None:
                once = local_times(pd.Series(columns["submitted_at"][first], dtype="object"), self._timezone)
            self._times[table] = pd.Series(once.array[back.reshape(len(record))], copy=False)
        return self._times[table]

    def __getitem__(self, table: str) -> pd.DataFrame:
        if table not in ("responses", "comments"):
            raise KeyError(table)
        if table not in self._made:
            columns = getattr(self._found, table)
            if columns is None:
                frame = long_frame(table, None)
                frame["submitted_at"] = local_times(frame["submitted_at"], self._timezone)
            else:
                frame = long_frame(table, columns, self.times(table))
            self._made[table] = frame
        return self._made[table]

    def __iter__(self):
        return iter(("responses", "comments"))

    def __len__(self) -> int:
        return 2


def _text_arrow(cells: np.ndarray):
    """Text cells as an Arrow string array; ``None`` when a cell is not text."""
    import pyarrow as pa

    try:
        return pa.array(cells, type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None


def _arrow_long(table: str, columns: dict, times: pd.Series, pilot_id, timezone: str):
    """``responses`` or ``comments`` as an Arrow table with the clean store's types; ``None``
    when a text column holds something that is not text (the frame then goes the slow way)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from ..store import arrow_schema

    schema = arrow_schema(table, timezone)
    n = len(columns["record"])
    arrays = []
    for field in schema:
        name = field.name
        if name == "pilot_id":
            array = pa.repeat(pa.scalar(pilot_id, pa.string()), n)
        elif name == "source_row":
            array = pa.array(np.asarray(columns[name], dtype=np.int64), type=pa.int64())
        elif name == "value":
            array = pa.array(np.asarray(columns[name], dtype=float), type=pa.float64(), from_pandas=True)
        elif name == "submitted_at":
            array = pa.nulls(n, field.type) if times.isna().all() else \
                pc.cast(pa.array(times.dt.tz_convert(timezone)), field.type, safe=False)
        else:
            array = _text_arrow(columns[name])
            if array is None:
                return None
        arrays.append(array)
    return pa.Table.from_arrays(arrays, schema=schema)


def _arrow_fates(fates: dict, source_file: str, pilot_id):
    """``row_fates`` columns (see :func:`_sorted_fates`) as an Arrow table."""
    import pyarrow as pa

    from ..store import arrow_schema

    n = len(fates["source_row"])
    arrays = {
        "pilot_id": pa.repeat(pa.scalar(pilot_id, pa.string()), n),
        "source_file": pa.repeat(pa.scalar(source_file, pa.string()), n),
        "source_row": pa.array(fates["source_row"], type=pa.int64()),
        "fate": pa.array(fates["fate"], type=pa.string()),
        "table": pa.array(fates["table"], type=pa.string()),
        "reason": pa.array(fates["reason"], type=pa.string()),
    }
    schema = arrow_schema("row_fates")
    return pa.Table.from_arrays([arrays[f.name] for f in schema], schema=schema)


def _suspect(table: str, data) -> bool:
    """True when some row of ``data`` may break ``table``'s schema (see
    :func:`evalkit.store.suspect_rows`)."""
    from ..store import suspect_rows

    return bool(suspect_rows(table, data).any())


def _valid(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` when it meets its schema, checked cheaply (see
    :func:`evalkit.store.check_rows`); else :class:`evalkit.schemas.TableValidationError`
    listing every fault, as :func:`evalkit.schemas.validate` raises it."""
    from ..store import check_rows

    found = check_rows(table, frame)
    if not found.empty:
        raise schemas.TableValidationError(table, found)
    return frame
