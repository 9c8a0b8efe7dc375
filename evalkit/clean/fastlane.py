"""The fast lane of the metrics readers: a plainly regular export, cleaned in Arrow.

A metrics reader first tries its fast lane: the file read by Arrow's CSV reader
(:func:`evalkit.readers.base.arrow_csv`) and cleaned column by column with Arrow compute
functions — never a Python loop over rows, never a pandas frame — straight into tables
with the clean store's types (:mod:`evalkit.store`). The fast lane takes only files whose
every record is plainly fine: one width, no blank lines, every date and number readable,
no day or post given twice. For any other file it gives ``None``, and the reader's
general lane (pandas, with its rules for quarantining and merging records) reads it. So
both lanes give the same tables, notes and fates for a file the fast lane takes; the
reader tests check that on every fixture.

>>> import pyarrow as pa
>>> values, blank = numbers(pa.array(["1,204", None, "-", "7"]))
>>> values.tolist(), blank.tolist()
([1204.0, nan, nan, 7.0], [False, True, False, False])
>>> numbers(pa.array(["12", "lots"])) is None
True
"""

from __future__ import annotations

import functools
import html

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .metrics import _NOT_APPLICABLE, POST_COUNTS, _read_distinct_numbers, fill_blank_cells, parse_dates

__all__ = [
    "daily_table",
    "no_blank_records",
    "number_matrix",
    "text_columns",
    "dates",
    "shaped_dates",
    "fates",
    "iso_dates",
    "labelled_columns",
    "local_midnights",
    "metrics_table",
    "numbers",
    "posts_table",
    "reply_flags",
    "trimmed",
    "unescape",
]

#: the entities X's exports write (``&amp;`` last, so ``&amp;lt;`` gives ``&lt;``)
_SIMPLE_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&#39;", "'"), ("&apos;", "'"),
                    ("&amp;", "&"))
_SIMPLE_PATTERN = "&(?:lt|gt|quot|#39|apos|amp);"
_REPLY = r"^@[A-Za-z0-9_]"


def _mask(result) -> np.ndarray:
    return pc.fill_null(result, False).to_numpy(zero_copy_only=False).astype(bool, copy=False)


def _all(result) -> bool:
    """Whether every one of Arrow's answers is true (a null one counts as false, an empty
    answer is true): ``_mask(result).all()`` in one call."""
    return pc.all(result, skip_nulls=False, min_count=0).as_py() is True


def no_blank_records(first: pa.Array) -> bool:
    """Whether a table whose first column is ``first`` surely has no blank record (the
    first cell of a blank record is empty or space)."""
    if not pa.types.is_string(first.type):
        return first.null_count == 0
    return _all(pc.not_equal(trimmed(first), ""))


def labelled_columns(body: pa.Table, header: list[str]) -> dict[str, pa.Array] | None:
    """The columns of a file's body by their header labels; ``None`` when the body is not
    as wide as the header or holds a blank record (the general lane then reads it)."""
    if body.num_columns != len(header):
        return None
    batches = body.to_batches()
    columns = batches[0].columns if len(batches) == 1 else [c.combine_chunks() for c in body.itercolumns()]
    if columns and not no_blank_records(columns[0]):
        return None
    return dict(zip(header, columns))


def text_columns(names: list[str], wanted) -> list[int]:
    """Positions of the header ``names`` whose folded form is in ``wanted`` (the columns a
    fast lane keeps as text), worked out once per distinct header."""
    return list(_text_columns(tuple(names), frozenset(wanted)))


@functools.lru_cache(maxsize=1024)
def _text_columns(names: tuple[str, ...], wanted: frozenset) -> tuple[int, ...]:
    from .metrics import fold_name

    return tuple(j for j, name in enumerate(names) if fold_name(name) in wanted)


def trimmed(column: pa.Array, missing: str | None = "") -> pa.Array:
    """Text cells without surrounding space (null cells as ``missing``)."""
    if missing is not None and column.null_count:
        column = pc.fill_null(column, missing)
    return pc.utf8_trim_whitespace(column)


def numbers(column: pa.Array) -> tuple[np.ndarray, np.ndarray] | None:
    """Count cells as floats (NaN where there is no number) and which were blank, read as
    :func:`evalkit.clean.metrics.to_number` reads them (``89.0``, ``1,234``, ``12.5%``;
    ``-`` and ``n/a`` no number); ``None`` when a cell cannot be read (``NaN`` spelled out
    included), for the general lane to quarantine.
    """
    n = len(column)
    if column.null_count == n:
        return np.full(n, np.nan), np.ones(n, dtype=bool)
    if pa.types.is_floating(column.type):  # read as floats by the CSV reader
        values = column.to_numpy(zero_copy_only=False)  # empty cells as NaN
        blank = column.is_null().to_numpy(zero_copy_only=False) if column.null_count else np.zeros(n, dtype=bool)
        if np.isnan(values[~blank] if column.null_count else values).any():  # "NaN" spelled out: unreadable
            return None
        return values, blank
    values = None
    first = column.drop_null()[0].as_py() if column.null_count else column[0].as_py()
    if not column.null_count and first.strip().lower() in _NOT_APPLICABLE and pc.all(pc.equal(column, first)).as_py():
        return np.full(n, np.nan), np.full(n, first.strip() == "")  # "-" in every row
    try:
        float(first)  # a column of "-" or of words is not worth a cast that will fail
        values = pc.cast(column, pa.float64())
    except (ValueError, pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    if values is not None and not pc.any(pc.is_nan(values)).as_py():
        return values.to_numpy(zero_copy_only=False), column.is_null().to_numpy(zero_copy_only=False)
    encoded = pc.dictionary_encode(column)  # each distinct spelling read once
    spellings = encoded.dictionary.to_pylist()
    if all(v.strip().lower() in _NOT_APPLICABLE for v in spellings):  # "-" throughout, say
        found, blank = np.full(len(spellings), np.nan), np.array([v.strip() == "" for v in spellings], dtype=bool)
    else:
        found, unreadable, blank = _read_distinct_numbers(pd.Series(spellings, dtype="object"))
        if unreadable.any():
            return None
    codes = encoded.indices.fill_null(len(spellings)).to_numpy(zero_copy_only=False)
    return np.append(found, np.nan)[codes], np.append(blank, True)[codes]


#: the spellings of "no value here", for Arrow to pick out candidates among a file's
#: distinct cells (each candidate is then checked as :func:`numbers` checks it)
_NOT_APPLICABLE_SET = pa.array(sorted(_NOT_APPLICABLE))


def number_matrix(columns: list[pa.Array]) -> tuple[np.ndarray, np.ndarray] | None:
    """The count cells of a file's value columns as a records × columns matrix of floats
    (NaN where there is no number) and which cells were blank, each column read as
    :func:`numbers` reads it; ``None`` when a cell cannot be read.

    The columns are read together, not one by one: the float columns (typed by the CSV
    reader) as one block; the text columns' distinct cells once, so a column holding
    only ``-`` or nothing costs no call of its own; the text columns of plain numbers
    cast as one block. A column none of these settle (``1,234``, ``12.5%``) is read by
    :func:`numbers`. The matrix is column-major: ``values[:, j]`` is contiguous.

    >>> values, blank = number_matrix([pa.array([3.0, None]), pa.array(["-", "-"]), pa.array(["1,204", "7"])])
    >>> values.tolist(), blank.tolist()
    ([[3.0, nan, 1204.0], [nan, nan, 7.0]], [[False, False, False], [True, False, False]])
    >>> number_matrix([pa.array(["12", "lots"])]) is None
    True
    """
    k = len(columns)
    n = len(columns[0]) if k else 0
    values = np.empty((n, k), order="F")
    blank = np.empty((n, k), dtype=bool, order="F")
    if n == 0:
        return values, blank
    floats = [j for j, c in enumerate(columns) if c.type == pa.float64()]
    texts = [j for j, c in enumerate(columns) if c.type == pa.string()]
    alone = [j for j, c in enumerate(columns) if c.type != pa.float64() and c.type != pa.string()]
    if floats:
        block = pa.concat_arrays([columns[j] for j in floats])
        found = block.to_numpy(zero_copy_only=False).reshape(len(floats), n)  # empty cells as NaN
        null = _nulls(block).reshape(len(floats), n)
        if np.isnan(found[~null]).any():  # "NaN" spelled out: unreadable
            return None
        values[:, floats], blank[:, floats] = found.T, null.T
    if texts:
        alone += _text_numbers(columns, texts, n, values, blank)
    for j in sorted(alone):
        found = numbers(columns[j])
        if found is None:
            return None
        values[:, j], blank[:, j] = found
    return values, blank


def _nulls(array: pa.Array) -> np.ndarray:
    if not array.null_count:
        return np.zeros(len(array), dtype=bool)
    return array.is_null().to_numpy(zero_copy_only=False)


def _text_numbers(columns: list[pa.Array], texts: list[int], n: int, values: np.ndarray,
                  blank: np.ndarray) -> list[int]:
    """Fill ``values`` and ``blank`` for the text columns ``texts`` that hold only "no
    value" cells or only plain numbers; returns the others (for :func:`numbers`)."""
    block = pa.concat_arrays([columns[j] for j in texts])
    encoded = pc.dictionary_encode(block)  # each distinct spelling looked at once
    words = encoded.dictionary
    w = len(words)
    codes = encoded.indices.fill_null(w).to_numpy(zero_copy_only=False).reshape(len(texts), n)
    # which spellings mean "no value" (Arrow picks candidates, Python's rules decide), and
    # which are blank; the last code is an empty cell
    candidate = np.flatnonzero(_mask(pc.is_in(pc.utf8_lower(pc.utf8_trim_whitespace(words)),
                                              value_set=_NOT_APPLICABLE_SET)))
    absent = np.zeros(w + 1, dtype=bool)
    empty = np.zeros(w + 1, dtype=bool)
    absent[w] = empty[w] = True
    for i, word in zip(candidate, words.take(pa.array(candidate, type=pa.int64())).to_pylist()):
        stripped = word.strip()
        absent[i] = stripped.lower() in _NOT_APPLICABLE
        empty[i] = stripped == ""
    nothing = absent[codes].all(axis=1)  # columns with no number at all
    if nothing.any():
        chosen = [j for j, none in zip(texts, nothing) if none]
        values[:, chosen] = np.nan
        blank[:, chosen] = empty[codes[nothing]].T
    rest = [(j, row) for j, row, none in zip(texts, codes, nothing) if not none]
    if not rest:
        return []
    # a column is cast when its first cell holding something reads as a float, as
    # numbers() decides it; the others (and any the cast refuses) are read alone
    cast, alone = [], []
    for j, row in rest:
        present = np.flatnonzero(row < w)
        try:
            float(words[int(row[present[0]])].as_py())
            cast.append(j)
        except ValueError:
            alone.append(j)
    if cast:
        block = pa.concat_arrays([columns[j] for j in cast])
        try:
            found = pc.cast(block, pa.float64()).to_numpy(zero_copy_only=False).reshape(len(cast), n)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return alone + cast
        null = _nulls(block).reshape(len(cast), n)
        spelled = (np.isnan(found) & ~null).any(axis=1)  # "NaN" written: read alone
        kept = [j for j, bad in zip(cast, spelled) if not bad]
        values[:, kept], blank[:, kept] = found[~spelled].T, null[~spelled].T
        alone += [j for j, bad in zip(cast, spelled) if bad]
    return alone


def iso_dates(column: pa.Array) -> pa.Array | None:
    """``YYYY-MM-DD`` cells as Arrow dates; ``None`` when one is not such a date (an
    impossible day included: the date written back must be the text)."""
    text = trimmed(column)
    if not _all(pc.match_substring_regex(text, r"^\d{4}-\d{2}-\d{2}$")):
        return None
    try:
        return pc.cast(text, pa.date32())  # Arrow's ISO reading refuses an impossible day
    except pa.ArrowInvalid:
        return None


def dates(column: pa.Array, date_format: str) -> pa.Array | None:
    """Date cells in ``date_format`` (strftime, or ``ISO8601``) as Arrow dates, read as
    :func:`evalkit.clean.metrics.parse_dates` reads them; ``None`` when one does not read.

    Cells of the plain shape the exports write for the format (see :data:`_SHAPES`) are
    read by Arrow; a column holding any other cell (or an impossible day) is read by
    :func:`~evalkit.clean.metrics.parse_dates` itself, which decides.

    >>> dates(pa.array(["Fri, Mar 21, 2025", "Sat, Mar 1, 2025"]), "%a, %b %d, %Y").to_pylist()
    [datetime.date(2025, 3, 21), datetime.date(2025, 3, 1)]
    >>> dates(pa.array(["7/1/24", "12/31/69"]), "%m/%d/%y").to_pylist()
    [datetime.date(2024, 7, 1), datetime.date(1969, 12, 31)]
    """
    if date_format == "%Y-%m-%d":
        return iso_dates(column)
    text = trimmed(column)
    found = shaped_dates(text, date_format)
    if found is not None:
        return found
    values = pd.Series(text.to_numpy(zero_copy_only=False), dtype="object")
    found, bad = parse_dates(values, date_format)
    if bad.any():
        return None
    return pa.array(found.to_numpy(dtype=object), type=pa.date32())


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_DAY_NAMES = "Mon|Tue|Wed|Thu|Fri|Sat|Sun"
#: the plain shape of a date in each format the exports write, as a regular expression
#: naming its ``year``, ``month`` and ``day`` (a month by number or by English
#: abbreviation); every cell of this shape reads under the format as the shape says
#: (a strict subset of what :func:`pandas.to_datetime` accepts for the format)
_SHAPES = {
    "%a, %b %d, %Y": rf"^(?:{_DAY_NAMES}), (?P<month>{'|'.join(_MONTHS)}) (?P<day>\d{{1,2}}), (?P<year>[1-9]\d{{3}})$",
    "%m/%d/%Y": r"^(?P<month>\d{1,2})/(?P<day>\d{1,2})/(?P<year>[1-9]\d{3})$",
    "%d/%m/%Y": r"^(?P<day>\d{1,2})/(?P<month>\d{1,2})/(?P<year>[1-9]\d{3})$",
    "%m/%d/%y": r"^(?P<month>\d{1,2})/(?P<day>\d{1,2})/(?P<year>\d{2})$",
    "%d/%m/%y": r"^(?P<day>\d{1,2})/(?P<month>\d{1,2})/(?P<year>\d{2})$",
}
_TWO_DIGITS = pa.array([f"{k:02d}" for k in range(100)])
#: a two-digit year as strptime's ``%y`` reads it: 69–99 in the 1900s, 00–68 in the 2000s
_CENTURIES = pa.array([("20" if k < 69 else "19") + f"{k:02d}" for k in range(100)])


def shaped_dates(text: pa.Array, date_format: str) -> pa.Array | None:
    """Trimmed date cells as Arrow dates when every one has the plain shape of
    ``date_format`` (:data:`_SHAPES`; ``ISO8601``: ``YYYY-MM-DD``, with or without
    ``THH:MM:SS``) and is a real day; else ``None`` (the caller then reads them the
    general way). Vectorised: the parts are taken by one regular expression, written as
    ``YYYY-MM-DD`` and cast, Arrow refusing an impossible day.

    >>> shaped_dates(pa.array(["Sun, Feb 29, 2024"]), "%a, %b %d, %Y").to_pylist()
    [datetime.date(2024, 2, 29)]
    >>> shaped_dates(pa.array(["Thu, Feb 29, 2025"]), "%a, %b %d, %Y") is None
    True
    """
    if len(text) == 0 or text.null_count:
        return None
    if date_format == "ISO8601":
        return _iso8601_dates(text)
    pattern = _SHAPES.get(date_format)
    if pattern is None:
        return None
    parts = pc.extract_regex(text, pattern)  # null where a cell is not of the shape
    if parts.null_count:
        return None
    month, day, year = (pc.struct_field(parts, [k]) for k in
                        [parts.type.get_field_index(name) for name in ("month", "day", "year")])
    if "%b" in date_format:
        month = _TWO_DIGITS.take(pc.add(pc.index_in(month, value_set=pa.array(_MONTHS)), 1))
    else:
        month = pc.utf8_lpad(month, 2, "0")
    if "%y" in date_format:
        year = _CENTURIES.take(pc.cast(year, pa.int32()))
    written = pc.binary_join_element_wise(year, month, pc.utf8_lpad(day, 2, "0"), "-")
    try:
        return pc.cast(written, pa.date32())  # Arrow's ISO reading refuses an impossible day
    except pa.ArrowInvalid:
        return None


def _iso8601_dates(text: pa.Array) -> pa.Array | None:
    """``YYYY-MM-DD`` or ``YYYY-MM-DDTHH:MM:SS`` cells as the dates they fall on (every
    cell of one shape, a real day and time), else ``None``."""
    if _all(pc.match_substring_regex(text, r"^\d{4}-\d{2}-\d{2}$")):
        return iso_dates(text)
    if not _all(pc.match_substring_regex(text, r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$")):
        return None
    try:
        return pc.cast(pc.cast(text, pa.timestamp("s")), pa.date32())
    except pa.ArrowInvalid:
        return None


def local_midnights(days: pa.Array, timezone: str) -> pa.Array:
    """The local midnight starting each day in ``timezone`` (``timestamp[s]``), as
    :func:`evalkit.clean.dates.localise` gives it for the days' midnights: a midnight
    the clocks pass twice is the first; Arrow places them, except in a zone where a
    midnight the clocks skip falls among the days, whose midnights ``localise`` places.

    >>> import datetime as dt
    >>> local_midnights(pa.array([dt.date(2025, 3, 30), dt.date(2025, 7, 1)]), "Europe/London").to_pylist()[1]
    datetime.datetime(2025, 7, 1, 0, 0, tzinfo=zoneinfo.ZoneInfo(key='Europe/London'))
    """
    encoded = pc.dictionary_encode(days)  # each distinct day placed once
    naive = pc.cast(encoded.dictionary, pa.timestamp("s"))
    try:
        placed = pc.assume_timezone(naive, timezone, ambiguous="earliest", nonexistent="raise")
    except pa.ArrowInvalid:  # a skipped midnight: the shift localise makes for it
        from .dates import localise

        placed = pa.array(localise(pd.Series(pd.to_datetime(encoded.dictionary.to_pandas())), timezone),
                          type=pa.timestamp("s", tz=timezone))
    return placed.take(encoded.indices)


def _text(value, n: int) -> pa.Array:
    """A text column holding ``value`` in every row, dictionary-encoded (the value stored
    once; see :func:`evalkit.store.compact`)."""
    if value is None:
        return pa.nulls(n, pa.string())
    return pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, dtype=np.int32)), pa.array([value], type=pa.string()))


def _chosen(words: list[str], codes: np.ndarray) -> pa.Array:
    """``words[codes]`` as a dictionary-encoded text column."""
    return pa.DictionaryArray.from_arrays(pa.array(np.asarray(codes, dtype=np.int32)), pa.array(words, type=pa.string()))


def metrics_table(*, source_file: str, pilot_id: str | None, platform: str, account: str,
                  source_rows: np.ndarray, days: pa.Array, values: np.ndarray, names: list[str]) -> pa.Table:
    """The ``metrics`` rows of a day × metric matrix: one per cell holding a number, record
    by record, column by column (as :func:`evalkit.clean.metrics.melt_days` orders them)."""
    rows, columns = np.nonzero(~np.isnan(values))
    n = len(rows)
    return pa.table({
        "pilot_id": _text(pilot_id, n),
        "source_file": _text(source_file, n),
        "source_row": pa.array(np.asarray(source_rows, dtype=np.int64)[rows]),
        "participant_id": pa.nulls(n, pa.string()),
        "platform": _text(platform, n),
        "account": _text(account, n),
        "date": days.take(pa.array(rows)),
        "metric": _chosen(names, columns),
        "value": pa.array(values[rows, columns]),
    })


def daily_table(columns: dict[str, pa.Array], *, date_column: str, date_format: str, value_columns: list[str],
                names: list[str], source_rows: np.ndarray, source_file: str, pilot_id: str | None, platform: str,
                account: str, blank_is_zero=(), newest_day_incomplete: bool = False
                ) -> tuple[pa.Table, list[str]] | None:
    """The ``metrics`` rows of a daily export's records (one column per exported metric,
    ``names`` their metric names) and the notes :func:`evalkit.clean.metrics.daily_metrics`
    would give; ``None`` when a date or a number does not read, or a day is given twice
    (the general lane then settles those records)."""
    days = dates(columns[date_column], date_format)
    if days is None or pc.count_distinct(days).as_py() != len(days):
        return None
    found = number_matrix([columns[c] for c in value_columns])
    if found is None:
        return None
    values, blank = found
    notes = []
    if blank.any():  # with no blank cell there is nothing to settle and nothing to say
        notes = fill_blank_cells(values, blank, days.to_numpy(zero_copy_only=False), value_columns,
                                 blank_is_zero=blank_is_zero, newest_day_incomplete=newest_day_incomplete)
    table = metrics_table(source_file=source_file, pilot_id=pilot_id, platform=platform, account=account,
                          source_rows=source_rows, days=days, values=values, names=names)
    return table, notes


def reply_flags(text: pa.Array) -> pa.Array:
    """Whether each post's text starts with an ``@handle`` (see
    :func:`evalkit.clean.metrics.reply_flag`)."""
    return pc.fill_null(pc.match_substring_regex(text, _REPLY), False)


def unescape(text: pa.Array) -> pa.Array:
    """Texts with HTML entities turned back into characters, as :func:`html.unescape`
    does: vectorised replacements where every ``&`` starts an entity the exports write,
    :func:`html.unescape` for each distinct other text holding ``&``."""
    has = _mask(pc.match_substring(text, "&"))
    if not has.any():
        return text
    chosen = text.filter(pa.array(has)) if not has.all() else text  # only texts holding "&"
    # an "&" left once the entities the exports write are taken out starts another entity
    other = _mask(pc.match_substring(pc.replace_substring_regex(chosen, _SIMPLE_PATTERN, ""), "&"))
    done = chosen
    for entity, character in _SIMPLE_ENTITIES:
        done = pc.replace_substring(done, entity, character)
    if other.any():  # an entity the exports do not usually write: the standard library's rules
        cells = chosen.filter(pa.array(other)).to_numpy(zero_copy_only=False)
        mapping = {v: html.unescape(v) for v in pd.unique(cells)}
        done = pc.replace_with_mask(done, pa.array(other), pa.array([mapping[v] for v in cells], type=pa.string()))
    return done if has.all() else pc.replace_with_mask(text, pa.array(has), done)


def posts_table(*, source_file: str, pilot_id: str | None, platform: str, source_rows: np.ndarray,
                account: pa.Array, post_id: pa.Array, timestamp: pa.Array, text: pa.Array,
                counts: dict[str, np.ndarray], url: pa.Array | None = None,
                extra: dict[str, pa.Array] | None = None) -> pa.Table:
    """A ``posts`` table in the order :func:`evalkit.clean.metrics.posts_frame` gives:
    the contract columns, ``url`` (empty as null), the other counts (file order), then
    ``extra`` columns."""
    n = len(post_id)
    nothing = np.full(n, np.nan)
    columns = {
        "pilot_id": _text(pilot_id, n),
        "source_file": _text(source_file, n),
        "source_row": pa.array(np.asarray(source_rows, dtype=np.int64)),
        "participant_id": pa.nulls(n, pa.string()),
        "platform": _text(platform, n),
        "account": account,
        "post_id": post_id,
        "timestamp": timestamp,
        "text": text,
        "is_reply": reply_flags(text),
        **{k: pa.array(counts.get(k, nothing), type=pa.float64()) for k in POST_COUNTS},
    }
    if url is not None:
        columns["url"] = pc.if_else(pc.equal(url, ""), pa.scalar(None, pa.string()), url)
    for name, values in counts.items():
        if name not in POST_COUNTS:
            columns[name] = pa.array(values, type=pa.float64())
    columns.update(extra or {})
    return pa.table(columns)


def fates(source_file: str, pilot_id: str | None, structure: list[tuple[int, str]], rows: np.ndarray,
          table: str) -> pa.Table:
    """The ``row_fates`` of a file the fast lane took, in line order: its structural lines
    (``(line, reason)``, skipped-structure) and every data record ``kept`` in ``table``."""
    k = len(structure)
    rows = np.asarray(rows, dtype=np.int64)
    lines = np.concatenate([np.array([line for line, _ in structure], dtype=np.int64), rows])
    n = len(lines)
    reasons = pa.concat_arrays([pa.array([reason for _, reason in structure], type=pa.string()),
                                pa.nulls(len(rows), pa.string())])
    structural = np.zeros(n, dtype=bool)
    structural[:k] = True
    if not np.all(lines[1:] >= lines[:-1]):
        order = np.argsort(lines, kind="stable")  # a structural line among the records
        lines, structural, reasons = lines[order], structural[order], reasons.take(pa.array(order))
    return pa.table({
        "pilot_id": _text(pilot_id, n),
        "source_file": _text(source_file, n),
        "source_row": pa.array(lines),
        "fate": _chosen(["skipped-structure", "kept"], ~structural),
        "table": pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, dtype=np.int32), mask=structural),
                                                pa.array([table], type=pa.string())),
        "reason": reasons,
    })


# --------------------------------------------------------------------------- groups of files

def file_all(mask: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Whether ``mask`` holds on every row of each file of a group whose records are
    stacked (file ``k`` is rows ``starts[k]`` up to ``starts[k + 1]``; no file empty).

    >>> file_all(np.array([True, True, False, True]), np.array([0, 2, 3])).tolist()
    [True, False, True]
    """
    return np.logical_and.reduceat(np.asarray(mask, dtype=bool), np.asarray(starts, dtype=np.int64), axis=-1)


def file_index(starts: np.ndarray, n: int) -> np.ndarray:
    """The file each of the ``n`` stacked rows belongs to.

    >>> file_index(np.array([0, 2, 3]), 5).tolist()
    [0, 0, 1, 2, 2]
    """
    return np.repeat(np.arange(len(starts)), np.diff(np.append(np.asarray(starts, dtype=np.int64), n)))


def repeated_within(keys: np.ndarray, files: np.ndarray, n_files: int) -> np.ndarray:
    """Per file, whether one of its rows' integer ``keys`` (days, post id codes) is given
    twice in it (``files``: the file of each row).

    >>> repeated_within(np.array([5, 6, 5, 5]), np.array([0, 0, 1, 1]), 2).tolist()
    [False, True]
    """
    found = np.zeros(n_files, dtype=bool)
    if len(keys) < 2:
        return found
    keys = np.asarray(keys, dtype=np.int64)
    keys = keys - keys.min()
    span = int(keys.max()) + 1
    ordered = np.sort(np.asarray(files, dtype=np.int64) * span + keys)
    twice = ordered[1:][ordered[1:] == ordered[:-1]]
    found[twice // span] = True
    return found


#: a count cell Arrow's cast and Python's ``float`` read alike (so :func:`number_matrix`
#: casts a file's column of these, whatever else the file holds)
_PLAIN = r"^-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?$"


def group_number_matrix(columns: list[pa.Array], starts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`number_matrix` of a group of files whose records are stacked (file ``k`` is
    rows ``starts[k]`` up to ``starts[k + 1]``), read once for the whole group: the
    values and blank cells, and which files the group reading cannot settle as
    :func:`number_matrix` would settle them alone (their rows are then to be read by
    :func:`number_matrix` file by file).

    A file is settled here when each of its value columns is a column the CSV reader typed
    as floats with no ``NaN`` spelled out, or a text column holding only "no value" cells
    (``-``, empty), or only plain numbers (:data:`_PLAIN`) and empty cells: on those,
    :func:`number_matrix` reads each cell alone as this does, whatever the other files
    hold. Any other file (``1,234``, a ``-`` among numbers, a word) is left to
    :func:`number_matrix`.

    >>> values, blank, alone = group_number_matrix([pa.array(["1", "-", "2", "1,204"])], np.array([0, 2, 3]))
    >>> values[:3, 0].tolist(), blank[:, 0].tolist(), alone.tolist()
    ([1.0, nan, 2.0], [False, False, False, False], [True, False, True])
    """
    starts = np.asarray(starts, dtype=np.int64)
    k = len(columns)
    n = len(columns[0]) if k else 0
    values = np.full((n, k), np.nan, order="F")
    blank = np.zeros((n, k), dtype=bool, order="F")
    alone = np.zeros(len(starts), dtype=bool)
    if n == 0 or k == 0:
        return values, blank, alone
    floats = [j for j, c in enumerate(columns) if c.type == pa.float64()]
    texts = [j for j, c in enumerate(columns) if c.type == pa.string()]
    if len(floats) + len(texts) != k:  # a column of another type: each file alone
        return values, blank, np.ones(len(starts), dtype=bool)
    if floats:
        block = pa.concat_arrays([columns[j] for j in floats])
        found = block.to_numpy(zero_copy_only=False).reshape(len(floats), n)
        null = _nulls(block).reshape(len(floats), n)
        values[:, floats], blank[:, floats] = found.T, null.T
        spelled = np.isnan(found) & ~null  # "NaN" written: number_matrix refuses the file
        if spelled.any():
            alone |= ~file_all(~spelled.any(axis=0), starts)
    if texts:
        block = pa.concat_arrays([columns[j] for j in texts])
        encoded = pc.dictionary_encode(block)
        words = encoded.dictionary
        w = len(words)
        codes = encoded.indices.fill_null(w).to_numpy(zero_copy_only=False).reshape(len(texts), n)
        # kind of each spelling (the last code is an empty cell): no value, plain number, other
        absent = np.zeros(w + 1, dtype=bool)
        empty = np.zeros(w + 1, dtype=bool)
        absent[w] = empty[w] = True
        candidate = np.flatnonzero(_mask(pc.is_in(pc.utf8_lower(pc.utf8_trim_whitespace(words)),
                                                  value_set=_NOT_APPLICABLE_SET)))
        for i, word in zip(candidate, words.take(pa.array(candidate, type=pa.int64())).to_pylist()):
            stripped = word.strip()
            absent[i] = stripped.lower() in _NOT_APPLICABLE
            empty[i] = stripped == ""
        plain = np.append(_mask(pc.match_substring_regex(words, _PLAIN)), False)
        number = np.full(w + 1, np.nan)
        if plain.any():
            try:
                number[plain] = pc.cast(words.filter(pa.array(plain[:w])), pa.float64()).to_numpy(zero_copy_only=False)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                return values, blank, np.ones(len(starts), dtype=bool)
        nothing = file_all(absent[codes], starts)  # texts × files: no number at all
        numeric = file_all(plain[codes] | (codes == w), starts) & ~nothing
        alone |= ~(nothing | numeric).all(axis=0)
        rows_nothing = np.repeat(nothing, np.diff(np.append(starts, n)), axis=1)
        values[:, texts] = np.where(rows_nothing, np.nan, number[codes]).T
        blank[:, texts] = np.where(rows_nothing, empty[codes], codes == w).T
    return values, blank, alone
