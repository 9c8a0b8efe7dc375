"""The clean store: canonical tables as Arrow tables in memory and as Parquet on disk.

Cleaning keeps each pilot's canonical tables as Arrow tables with one fixed type per
contract column (:func:`arrow_schema`), so the tables of many files and many pilots stack
without type guessing, and writes them into the store folder::

    <store>/<table>.parquet/pilot_id=<pilot-id>/part-0.parquet     (partitioned layout)
    <store>/<table>.parquet                                          (file layout)

Both are read the same way: ``pandas.read_parquet(store / "metrics.parquet")``, or
``pyarrow.dataset.dataset(store / "metrics.parquet", partitioning="hive")`` (DuckDB:
``read_parquet('<store>/metrics.parquet/*/*.parquet', hive_partitioning = true)`` for the
partitioned layout). In the partitioned layout ``pilot_id`` is the folder name, not a column
of the files: pandas gives it as a categorical of the pilot ids; :func:`read_table` gives
every table exactly as cleaning made it (text as Python strings, ``source_row`` as
``Int64``, dates as :class:`datetime.date`, timestamps in the programme's time zone).

Column types in the store: text columns ``string``; ``source_row`` ``int64``; counts and
values ``double``; flags ``bool``; ``date`` ``date32``; timestamps ``timestamp[us, tz]``.

>>> import pandas as pd, datetime as dt
>>> metrics = pd.DataFrame({"pilot_id": ["p"], "source_file": ["f.csv"], "source_row": [2],
...     "participant_id": [None], "platform": ["x"], "account": ["Bob"], "date": [dt.date(2024, 9, 2)],
...     "metric": ["likes"], "value": [3]})
>>> table = to_arrow("metrics", metrics, "Europe/London")
>>> [str(t) for t in table.schema.types]
['string', 'string', 'int64', 'string', 'string', 'string', 'date32[day]', 'string', 'double']
>>> to_pandas(table).dtypes.astype(str).tolist()
['object', 'object', 'Int64', 'object', 'object', 'object', 'object', 'object', 'float64']
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from . import schemas

__all__ = [
    "LAYOUTS",
    "StoreTables",
    "arrow_schema",
    "check_rows",
    "compact",
    "plain",
    "repeated_keys",
    "suspect_rows",
    "concat",
    "empty_table",
    "finish_store",
    "read_table",
    "store_files",
    "to_arrow",
    "to_pandas",
    "write_part",
]

#: how a store keeps each table: one hive-partitioned folder, or one file
LAYOUTS = ("partitioned", "file")
#: the partition key
PARTITION = "pilot_id"
#: time unit of every timestamp column in the store
TIME_UNIT = "us"


# --------------------------------------------------------------------------- column kinds

def _kind(name: str, column) -> str:
    """What a contract column holds, read off its schema: text, time, flag, float, int,
    date or any."""
    errors = {check.error for check in column.checks}
    if "value is not text" in errors or any(check.name == "isin" for check in column.checks):
        return "text"
    if "timestamp is not timezone-aware" in errors:
        return "time"
    if "value is not true/false" in errors:
        return "flag"
    if str(column.dtype) == "float64":
        return "float"
    if str(column.dtype) == "Int64":
        return "int"
    if name == "date":
        return "date"
    return "any"


#: table → contract column → kind
KINDS: dict[str, dict[str, str]] = {
    table: {name: _kind(name, column) for name, column in schema.columns.items()}
    for table, schema in schemas.SCHEMAS.items()
}


def _arrow_type(kind: str, timezone: str) -> pa.DataType | None:
    return {
        "text": pa.string(),
        "time": pa.timestamp(TIME_UNIT, tz=timezone),
        "flag": pa.bool_(),
        "float": pa.float64(),
        "int": pa.int64(),
        "date": pa.date32(),
    }.get(kind)


def arrow_schema(table: str, timezone: str = "Europe/London") -> pa.Schema:
    """The Arrow schema of a canonical table's contract columns.

    >>> arrow_schema("row_fates").names
    ['pilot_id', 'source_file', 'source_row', 'fate', 'table', 'reason']
    """
    return pa.schema([(name, _arrow_type(kind, timezone) or pa.null()) for name, kind in KINDS[table].items()])


def empty_table(table: str, timezone: str = "Europe/London") -> pa.Table:
    """A canonical table with no rows."""
    return arrow_schema(table, timezone).empty_table()


# --------------------------------------------------------------------------- pandas → Arrow

def to_arrow(table: str, frame: pd.DataFrame, timezone: str = "Europe/London", *,
             fill: Mapping[str, object] | None = None) -> pa.Table:
    """A canonical table (pandas) as Arrow: contract columns first with their fixed types
    (a contract column the frame lacks is empty), extra columns after, typed from their
    values (text when mixed). ``fill`` gives columns a value where they have none (a file's
    pilot and path).

    Values should already meet the schema (see :func:`check_rows`; a value that does not
    is stored as well as its column allows); timestamps are shown in ``timezone``.
    """
    return _to_arrow(table, frame, timezone, fill or {})[0]


def _to_arrow(table: str, frame: pd.DataFrame, timezone: str,
              fill: Mapping[str, object]) -> tuple[pa.Table, set[str]]:
    """:func:`to_arrow`, and the contract columns whose values did not all convert as
    their kind wants (each such value is a fault to look at)."""
    contract = KINDS[table]
    n = len(frame)
    names, arrays, odd = [], [], set()
    for name in [*contract, *[c for c in frame.columns if c not in contract]]:
        kind = contract.get(name, "any")
        value = fill.get(name)
        if name not in frame.columns:
            wanted = _arrow_type(kind, timezone) or pa.null()
            array = pa.repeat(pa.scalar(value, wanted), n) if value is not None else pa.nulls(n, wanted)
        else:
            array, faithful = _column_to_arrow(frame[name], kind, timezone)
            if not faithful:
                odd.add(name)
            if value is not None and array.null_count:
                array = pc.fill_null(array, pa.scalar(value, array.type))
        names.append(str(name))
        arrays.append(array)
    return pa.Table.from_arrays(arrays, names=names), odd


def _column_to_arrow(values: pd.Series, kind: str, timezone: str) -> tuple[pa.Array, bool]:
    """One column as Arrow, and whether every value converted as ``kind`` wants (text that
    is text, numbers that are numbers, flags that are flags)."""
    n = len(values)
    wanted = _arrow_type(kind, timezone)
    if kind == "text":
        return _text_array(values)
    if kind in ("float", "int"):
        numeric = pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype)
        if numeric and kind == "float":
            return pa.array(values.to_numpy(dtype=float, na_value=np.nan), type=pa.float64(), from_pandas=True), True
        if numeric and (isinstance(values.dtype, pd.Int64Dtype) or pd.api.types.is_integer_dtype(values.dtype)):
            return pa.array(values, type=pa.int64(), from_pandas=True), True
        numbers = pd.to_numeric(values.astype(object), errors="coerce")
        if kind == "float":
            return pa.array(numbers.to_numpy(dtype=float), type=pa.float64(), from_pandas=True), numeric
        whole = numbers.where(numbers == np.round(numbers))
        return pa.array(pd.array(whole, dtype="Int64"), type=pa.int64()), False
    if kind == "time":
        if values.isna().all():
            return pa.nulls(n, wanted), True
        stamps = values if isinstance(values.dtype, pd.DatetimeTZDtype) else pd.to_datetime(values, utc=True)
        return pc.cast(pa.array(stamps.dt.tz_convert(timezone)), wanted, safe=False), True
    if kind == "flag":
        if pd.api.types.is_bool_dtype(values.dtype) and not isinstance(values.dtype, pd.BooleanDtype):
            return pa.array(values.to_numpy(dtype=bool), type=pa.bool_()), True
        flags = pd.Series(values.to_numpy(dtype=object), dtype="object").map({True: True, False: False})
        return pa.array(flags.to_numpy(dtype=object), type=pa.bool_(), from_pandas=True), False
    if kind == "date":
        cells = values.to_numpy(dtype=object)
        try:
            return pa.array(cells, type=pa.date32(), from_pandas=True), True
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            days = pd.to_datetime(pd.Series(cells, dtype="object"), errors="coerce")
            return pa.array(days.dt.date.to_numpy(dtype=object), type=pa.date32(), from_pandas=True), True
    return _any_array(values), True


def _text_array(values: pd.Series) -> tuple[pa.Array, bool]:
    cells = values.to_numpy(dtype=object)
    n = len(cells)
    if n > 64 and isinstance(cells[0], str) and (cells == cells[0]).all():  # one value in every row
        return pa.repeat(pa.scalar(cells[0], pa.string()), n), True
    try:
        return pa.array(cells, type=pa.string(), from_pandas=True), True
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # a value that is not text: stored as its text
        present = ~pd.isna(cells)
        shown = np.full(n, None, dtype=object)
        shown[present] = [str(v) for v in cells[present]]
        return pa.array(shown, type=pa.string()), False


def _any_array(values: pd.Series) -> pa.Array:
    """An extra column, typed from its values (text when they are mixed)."""
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return pc.cast(pa.array(values), pa.timestamp(TIME_UNIT, tz=str(values.dtype.tz)), safe=False)
    if pd.api.types.is_datetime64_dtype(values.dtype):
        return pc.cast(pa.array(values), pa.timestamp(TIME_UNIT), safe=False)
    try:
        array = pa.array(values, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return _text_array(values)[0]
    if pa.types.is_large_string(array.type):
        return array.cast(pa.string())
    if pa.types.is_timestamp(array.type) and array.type.unit != TIME_UNIT:
        return pc.cast(array, pa.timestamp(TIME_UNIT, tz=array.type.tz), safe=False)
    return array


# --------------------------------------------------------------------------- Arrow → pandas

def to_pandas(table: pa.Table, name: str | None = None) -> pd.DataFrame:
    """A store table as cleaning gives it: text as Python strings (``None`` when missing),
    ``source_row`` as ``Int64``, dates as :class:`datetime.date`, flags as ``bool`` (object
    when some are missing), timestamps tz-aware. With ``name`` (a canonical table), contract
    columns come first, and any the table lacks are added empty.
    """
    columns = {}
    for field, column in zip(table.schema, table.columns):
        columns[field.name] = _column_to_pandas(field.name, column)
    frame = pd.DataFrame(columns, index=pd.RangeIndex(table.num_rows), copy=False)
    if name is None:
        return frame
    contract = schemas.columns(name)
    for column in contract:
        if column not in frame.columns:
            frame[column] = pd.Series([None] * len(frame), dtype="object")
    return frame[[*contract, *[c for c in frame.columns if c not in contract]]]


def _column_to_pandas(name: str, column: pa.ChunkedArray) -> pd.Series:
    kind = column.type
    if pa.types.is_dictionary(kind) and pa.types.is_string(kind.value_type):
        return pd.Series(_dictionary_objects(column), dtype="object", copy=False)
    if pa.types.is_dictionary(kind):
        column = column.cast(kind.value_type)
        kind = column.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_null(kind):
        return pd.Series(column.to_numpy(zero_copy_only=False) if len(column) else np.array([], dtype=object),
                         dtype="object", copy=False)
    if pa.types.is_integer(kind):
        if name == "source_row" or column.null_count:
            return pd.Series(column.to_pandas(types_mapper={kind: pd.Int64Dtype()}.get), dtype="Int64")
        return pd.Series(column.to_numpy(), dtype="int64", copy=False)
    if pa.types.is_floating(kind):
        return pd.Series(column.to_numpy(zero_copy_only=False), dtype="float64", copy=False)
    if pa.types.is_boolean(kind):
        if column.null_count:
            return pd.Series(column.to_numpy(zero_copy_only=False), dtype="object", copy=False)
        return pd.Series(column.to_numpy(zero_copy_only=False), dtype="bool", copy=False)
    if pa.types.is_date(kind):
        return pd.Series(column.to_pandas(date_as_object=True).to_numpy(dtype=object), dtype="object", copy=False)
    return column.to_pandas()


# --------------------------------------------------------------------------- compact form

#: text columns that repeat a few values over many rows (a file's path, its pilot, the
#: account, the metric, a fate): held dictionary-encoded between reading and writing
REPETITIVE = frozenset({
    "pilot_id", "source_file", "platform", "account", "metric", "fate", "table", "participant_id",
    "session_id", "status", "source", "wave", "item_id", "question", "scale", "label",
})


def compact(table: pa.Table) -> pa.Table:
    """``table`` with its repetitive text columns (:data:`REPETITIVE`) dictionary-encoded:
    a file's path or pilot repeated over 100,000 rows is then stored once, so tables cross
    from worker processes, stack and are held at a fraction of their plain size.
    :func:`plain` undoes it (the store on disk holds plain text)."""
    for index, field in enumerate(table.schema):
        if field.name in REPETITIVE and pa.types.is_string(field.type):
            table = table.set_column(index, field.name, pc.dictionary_encode(table.column(field.name)))
    return table


def plain(table: pa.Table) -> pa.Table:
    """``table`` with every dictionary-encoded column decoded (see :func:`compact`)."""
    for index, field in enumerate(table.schema):
        if pa.types.is_dictionary(field.type):
            table = table.set_column(index, field.name, table.column(field.name).cast(field.type.value_type))
    return table


def plain_schema(schema: pa.Schema) -> pa.Schema:
    return pa.schema([pa.field(f.name, f.type.value_type) if pa.types.is_dictionary(f.type) else f for f in schema])


def _dictionary_objects(column) -> np.ndarray:
    """A dictionary-encoded text column as Python strings (``None`` when missing), each
    distinct string made once per chunk."""
    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    parts = []
    for chunk in chunks:
        words = np.empty(len(chunk.dictionary) + 1, dtype=object)
        words[:-1] = chunk.dictionary.to_numpy(zero_copy_only=False)
        words[-1] = None
        codes = chunk.indices.fill_null(len(chunk.dictionary)).to_numpy(zero_copy_only=False)
        parts.append(words[codes])
    return np.concatenate(parts) if parts else np.array([], dtype=object)


# --------------------------------------------------------------------------- combining

def unified_schema(parts: Iterable[pa.Schema], table: str | None = None) -> pa.Schema:
    """One schema for tables of the same canonical table: contract columns first (their
    fixed types), then every extra column in order of first appearance; an extra column
    typed differently in different parts is text."""
    distinct: list[pa.Schema] = []  # a pilot's files mostly share one schema: each is looked at once
    for schema in parts:
        if not any(schema.equals(known) for known in distinct):
            distinct.append(schema)
    fields: dict[str, pa.DataType] = {}
    for schema in distinct:
        for field in schema:
            known = fields.get(field.name)
            if known is None or pa.types.is_null(known):
                fields[field.name] = field.type
            elif pa.types.is_dictionary(known) != pa.types.is_dictionary(field.type) and \
                    plain_schema(pa.schema([(field.name, known)])).field(0).type == \
                    plain_schema(pa.schema([field])).field(0).type:
                fields[field.name] = plain_schema(pa.schema([field])).field(0).type  # encoded and not: plain
            elif not pa.types.is_null(field.type) and known != field.type:
                try:
                    fields[field.name] = pa.unify_schemas(
                        [pa.schema([(field.name, known)]), pa.schema([(field.name, field.type)])],
                        promote_options="permissive").field(0).type
                except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
                    fields[field.name] = pa.string()
    order = list(fields)
    if table is not None:
        contract = [c for c in schemas.columns(table) if c in fields]
        order = [*contract, *[c for c in order if c not in contract]]
    return pa.schema([(name, fields[name]) for name in order])


def conform_arrow(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """``table`` with exactly ``schema``'s columns (missing ones null) and types."""
    arrays = []
    for field in schema:
        if field.name in table.column_names:
            column = table.column(field.name)
            if column.type != field.type:
                column = _cast(column, field.type)
            arrays.append(column)
        else:
            arrays.append(pa.nulls(table.num_rows, field.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def _cast(column: pa.ChunkedArray, kind: pa.DataType) -> pa.ChunkedArray:
    try:
        return column.cast(kind, safe=False)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        if pa.types.is_string(kind):  # a column typed otherwise elsewhere: its values as text
            shown = pd.Series(column.to_pandas(), dtype="object")
            return pa.chunked_array([_text_array(shown)[0]])
        raise


def concat(tables: Iterable[pa.Table], table: str | None = None, timezone: str = "Europe/London") -> pa.Table:
    """Tables of one canonical table stacked (schemas unified, see :func:`unified_schema`)."""
    tables = [t for t in tables if t is not None]
    if not tables:
        return empty_table(table, timezone) if table else pa.table({})
    schema = unified_schema([t.schema for t in tables], table)
    return pa.concat_tables([t if t.schema.equals(schema) else conform_arrow(t, schema) for t in tables])


# --------------------------------------------------------------------------- validation

def check_rows(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Every schema fault of ``frame`` (as :func:`evalkit.schemas.failures` reports them),
    found cheaply: vectorised checks derived from the table's schema pick the rows that may
    break it, and only those rows go through pandera, which words each fault. A frame
    without such rows costs a few vectorised passes, however long it is.

    >>> frame = pd.DataFrame({"pilot_id": ["p", "p"], "source_file": ["f", "f"], "source_row": [2, 3],
    ...     "session_id": [None, None], "participant_id": [None, None], "source_name": ["Ann", "Bob"],
    ...     "source_email": [None, None], "status": ["present", "here"], "joined_at": [None, None],
    ...     "left_at": [None, None], "minutes_present": [30.0, -1.0], "source": ["zoom", "zoom"]})
    >>> check_rows("attendance", frame)[["column", "row", "value"]].values.tolist()
    [['status', 1, 'here'], ['minutes_present', 1, -1.0]]
    """
    if any(name not in frame.columns for name in schemas.SCHEMAS[table].columns) or len(frame) == 0:
        return schemas.failures(table, frame)
    data, odd = _to_arrow(table, frame, "UTC", {})
    suspect = suspect_rows(table, data, frame, odd)
    if not suspect.any():
        return _no_failures()
    return schemas.failures(table, frame[suspect])


def _no_failures() -> pd.DataFrame:
    return pd.DataFrame(columns=["table", "column", "check", "row", "value"])


def suspect_rows(table: str, data: pa.Table, frame: pd.DataFrame | None = None,
                 odd: Iterable[str] = (), unique_done: bool = False) -> np.ndarray:
    """Which rows of ``data`` (a table made by :func:`to_arrow`) may break ``table``'s
    schema: a missing value where none may be, a value outside its allowed set or range,
    a repeated key where keys are unique, or (in the ``odd`` columns, whose values did not
    all convert as their kind wants, looked at in ``frame``, the pandas table ``data``
    came from) a value of the wrong kind. Arrow compute functions only; a superset of the
    rows pandera would fault, never fewer. ``unique_done``: the table's key is known unique
    (it was just made so) and is not searched again.
    """
    schema = schemas.SCHEMAS[table]
    odd = set(odd)
    suspect = np.zeros(data.num_rows, dtype=bool)
    for name, column in schema.columns.items():
        values = data.column(name)
        if not column.nullable and values.null_count:
            suspect |= _numpy(values.is_null())
        kind = KINDS[table][name]
        if name in odd and frame is not None:
            cells = frame[name]
            present = ~cells.isna().to_numpy(dtype=bool)
            if kind == "text":
                suspect |= present & ~_elementwise(cells, lambda v: isinstance(v, str))
            elif kind == "flag":
                suspect |= present & ~_elementwise(cells, lambda v: isinstance(v, (bool, np.bool_)) or v in (0, 1))
            elif kind in ("float", "int"):
                suspect |= present & ~_elementwise(cells, lambda v: isinstance(v, (int, float, np.number))
                                                   and not isinstance(v, (bool, np.bool_)))
                if kind == "int":
                    numbers = pd.to_numeric(cells.astype(object), errors="coerce").to_numpy(dtype=float)
                    suspect |= present & ~np.isnan(numbers) & (numbers != np.round(numbers))
        for check in column.checks:
            stats = check.statistics or {}
            if check.name == "isin":
                allowed = pa.array(stats["allowed_values"], type=values.type)
                suspect |= _numpy(pc.and_(pc.invert(pc.is_in(values, value_set=allowed)), pc.is_valid(values)))
            elif check.name in _BOUNDS:
                low, high = stats.get("min_value"), stats.get("max_value")
                below, above = _BOUNDS[check.name]
                if check.name == "in_range":
                    below = pc.less if stats.get("include_min", True) else pc.less_equal
                    above = pc.greater if stats.get("include_max", True) else pc.greater_equal
                if low is not None:
                    suspect |= _numpy(below(values, pa.scalar(low, values.type)))
                if high is not None:
                    suspect |= _numpy(above(values, pa.scalar(high, values.type)))
            elif check.name not in ("<lambda>", "_tz_aware"):
                suspect[:] = True  # a check this does not know: let pandera look at every row
    if schema.unique and not unique_done:
        keys = [schema.unique] if isinstance(schema.unique, str) else list(schema.unique)
        suspect |= repeated_keys(data, keys, keep=False)
    return suspect


#: range checks: the comparison that breaks the lower bound, and the upper
_BOUNDS = {
    "greater_than_or_equal_to": (pc.less, pc.greater),
    "in_range": (pc.less, pc.greater),
    "less_than_or_equal_to": (pc.less, pc.greater),
    "greater_than": (pc.less_equal, pc.greater_equal),
    "less_than": (pc.less_equal, pc.greater_equal),
}


def _numpy(mask) -> np.ndarray:
    """A boolean Arrow result as a numpy mask (null as false)."""
    return pc.fill_null(mask, False).to_numpy(zero_copy_only=False).astype(bool, copy=False)


def repeated_keys(data: pa.Table, keys: list[str], keep: str | bool = "first") -> np.ndarray:
    """Rows whose ``keys`` another row has (``keep="first"``: all but the first of each;
    ``keep=False``: all of them). Vectorised: each key column is dictionary-encoded (a
    missing value is a value of its own) and the codes combined.

    >>> table = pa.table({"a": ["x", "x", "y", "x"], "b": [1, 1, 1, 2]})
    >>> repeated_keys(table, ["a", "b"]).tolist(), repeated_keys(table, ["a", "b"], keep=False).tolist()
    ([False, True, False, False], [True, True, False, False])
    """
    code = np.zeros(data.num_rows, dtype=np.int64)
    for key in keys:
        column = data.column(key).combine_chunks() if isinstance(data.column(key), pa.ChunkedArray) else data.column(key)
        if pa.types.is_null(column.type):
            continue
        encoded = pc.dictionary_encode(column)
        if len(encoded.dictionary) <= 1 and not encoded.null_count:  # one value throughout
            continue
        values = encoded.indices.fill_null(len(encoded.dictionary)).to_numpy(zero_copy_only=False).astype(np.int64)
        code, _ = pd.factorize(code * (len(encoded.dictionary) + 1) + values)
    return pd.Series(code).duplicated(keep=keep).to_numpy()


def _elementwise(values: pd.Series, test) -> np.ndarray:
    """``test`` of every value (a Python loop: only for columns whose kind is unusual)."""
    return np.fromiter((bool(test(v)) for v in values.to_numpy(dtype=object)), dtype=bool, count=len(values))


# --------------------------------------------------------------------------- the store on disk

def table_path(root: Path, table: str) -> Path:
    return Path(root) / f"{table}.parquet"


def write_part(root: Path, table: str, pilot_id: str, data: pa.Table) -> Path:
    """Write one pilot's rows of a table as ``<table>.parquet/pilot_id=<id>/part-0.parquet``
    (``pilot_id`` is the folder, not a column of the file)."""
    return _write_slice(root, table, pilot_id, data, 0)


def _write_slice(root: Path, table: str, pilot_id: str, data: pa.Table, number: int) -> Path:
    folder = table_path(root, table) / f"{PARTITION}={pilot_id}"
    folder.mkdir(parents=True, exist_ok=True)
    if PARTITION in data.column_names:
        data = data.drop_columns([PARTITION])
    path = folder / f"part-{number}.parquet"
    write_plain(data, path)
    return path


#: a long table is written as several part files of at least this many rows (in parallel)
WRITE_ROWS = 1 << 20
#: rows decoded and written at a time (a row group): bounds the memory writing takes and
#: keeps the decoded text in the processor's caches
ROW_GROUP_ROWS = 1 << 17


def write_parts(root: Path, pilot_id: str, tables: Mapping[str, pa.Table], threads: int = 1) -> None:
    """Write one pilot's tables (see :func:`write_part`). With ``threads`` > 1 the tables,
    and the slices of a long one (at least :data:`WRITE_ROWS` rows each, at most ten:
    ``part-0.parquet`` … ``part-9.parquet``, in row order), are written that many at a
    time: Arrow decodes and encodes without holding the interpreter, so threads share the
    cores."""
    if threads <= 1:
        for name, data in tables.items():
            write_part(root, name, pilot_id, data)
        return
    jobs = []
    for name, data in tables.items():
        # at most ten parts, so that their names sort in row order
        size = max(WRITE_ROWS, -(-data.num_rows // 10))
        slices = max(1, -(-data.num_rows // size))
        jobs += [(name, data.slice(i * size, size) if slices > 1 else data, i) for i in range(slices)]
    jobs.sort(key=lambda job: -job[1].num_rows)
    _each(lambda job: _write_slice(root, job[0], pilot_id, job[1], job[2]), jobs, threads)


def write_plain(data: pa.Table, path: Path) -> None:
    """Write ``data`` as Parquet with plain (not dictionary-typed) columns, decoding
    :func:`compact` columns a row group (:data:`ROW_GROUP_ROWS`) at a time."""
    schema = plain_schema(data.schema)
    with pq.ParquetWriter(path, schema, write_statistics=_with_statistics(schema)) as writer:
        if data.num_rows == 0:
            writer.write_table(plain(data))
        for start in range(0, data.num_rows, ROW_GROUP_ROWS):
            writer.write_table(plain(data.slice(start, ROW_GROUP_ROWS)))


def _with_statistics(schema: pa.Schema) -> list[str]:
    """The columns whose smallest and largest values a Parquet file records, for readers
    to skip row groups: every column but text (working out the smallest and largest
    string of a file's names, accounts, metric names and posts costs a fifth of writing
    it), and the pilot, which a one-file store is read by.

    >>> _with_statistics(pa.schema([("pilot_id", pa.string()), ("text", pa.string()), ("date", pa.date32())]))
    ['pilot_id', 'date']
    """
    return [f.name for f in schema if f.name == PARTITION or not (pa.types.is_string(f.type)
                                                                   or pa.types.is_large_string(f.type))]


def write_file(root: Path, table: str, parts: Iterable[pa.Table], timezone: str = "Europe/London") -> Path:
    """Write a whole table (``pilot_id`` a column) as one file ``<table>.parquet``: the
    file layout, for a programme small enough to hold in memory."""
    path = table_path(root, table)
    if path.is_dir():
        shutil.rmtree(path)
    data = concat(list(parts), table, timezone)
    write_plain(data, path)
    return path


def _parts(root: Path, table: str) -> list[tuple[str, Path]]:
    folder = table_path(root, table)
    if not folder.is_dir():
        return []
    found = []
    for child in sorted(folder.iterdir()):
        if child.is_dir() and child.name.startswith(f"{PARTITION}="):
            found += [(child.name.split("=", 1)[1], path) for path in sorted(child.glob("*.parquet"))]
    return found


def finish_store(root: Path, layout: str, pilot_order: Iterable[str] | None = None, threads: int = 1) -> None:
    """Make a store whose parts were written pilot by pilot consistent and final.

    Every part of a table gets the same schema (:func:`unified_schema`; parts lacking an
    extra column get it empty), so Arrow datasets, DuckDB and pandas read the folder as
    one table. With the ``file`` layout the parts are then merged, part by part (memory
    holds one pilot's rows at a time), into one ``<table>.parquet`` file that holds
    ``pilot_id`` as a column, pilots in ``pilot_order``. ``threads``: parts rewritten at
    once (Arrow reads, converts and writes without holding the interpreter).
    """
    if layout not in LAYOUTS:
        raise ValueError(f"unknown store layout {layout!r}; use one of {', '.join(LAYOUTS)}")
    order = {p: i for i, p in enumerate(pilot_order or [])}
    for table in schemas.TABLES:
        parts = sorted(_parts(root, table), key=lambda item: (order.get(item[0], len(order)), item[0]))
        if not parts:
            continue
        found = [pq.read_schema(path) for _, path in parts]
        schema = _without_partition(unified_schema([*found, arrow_schema(table)], table))
        if layout == "partitioned":
            narrow = [path for (_, path), own in zip(parts, found) if not own.remove_metadata().equals(schema)]
            _each(lambda path: pq.write_table(conform_arrow(pq.read_table(path), schema), path,
                                              write_statistics=_with_statistics(schema)), narrow, threads)
            continue
        full = pa.schema([(PARTITION, pa.string()), *schema])
        staging = Path(root) / f".{table}.parquet.writing"
        with pq.ParquetWriter(staging, full, write_statistics=_with_statistics(full)) as writer:
            for pilot_id, path in parts:
                data = conform_arrow(pq.read_table(path), schema)
                ids = pa.array(np.full(data.num_rows, pilot_id, dtype=object), type=pa.string())
                writer.write_table(conform_arrow(data.add_column(0, PARTITION, ids), full))
        shutil.rmtree(table_path(root, table))
        os.replace(staging, table_path(root, table))


def _each(work, items: list, threads: int) -> None:
    """``work`` done for every item, ``threads`` at a time; the first error is raised."""
    if threads <= 1 or len(items) <= 1:
        for item in items:
            work(item)
        return
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=threads) as pool:
        for done in [pool.submit(work, item) for item in items]:
            done.result()


def _without_partition(schema: pa.Schema) -> pa.Schema:
    index = schema.get_field_index(PARTITION)
    return schema.remove(index) if index >= 0 else schema


def clear_store(root: Path) -> None:
    """Remove the canonical tables of a store (file or folder), leaving anything else."""
    for table in schemas.TABLES:
        path = table_path(root, table)
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
        staging = Path(root) / f".{table}.parquet.writing"
        if staging.exists():
            staging.unlink()


def store_files(root: Path, tables: Iterable[str] = schemas.TABLES, pilot_id: str | None = None) -> list[Path]:
    """Every Parquet file of a store's ``tables`` (for hashing what a report was made from),
    in a stable order, whatever the layout; with ``pilot_id``, only the files that pilot's
    rows are in: its partitions (found by name, not by listing every pilot's parts: a
    national store has thousands) and every one-file table."""
    found = []
    for table in tables:
        path = table_path(root, table)
        if path.is_dir() and pilot_id is None:
            found += sorted(path.rglob("*.parquet"))
        elif path.is_dir():
            found += sorted(path.glob("*.parquet"))  # none in a store evalkit wrote; counted if there
            found += sorted((path / f"{PARTITION}={pilot_id}").rglob("*.parquet"))
        elif path.exists():
            found.append(path)
    return found


_HIVE = ds.partitioning(pa.schema([(PARTITION, pa.string())]), flavor="hive")


def read_arrow(root: Path, table: str, pilot_ids: Iterable[str] | None = None,
               order: Iterable[str] | None = None, *, dictionaries: bool = False) -> pa.Table:
    """A table of a store as Arrow (``pilot_id`` a string column, contract columns first),
    optionally only the rows of ``pilot_ids``. The pilots of a partitioned table come in
    ``order`` (the programme's; pilots it does not name after them, by id), else by id.

    With ``dictionaries`` the text columns of the files come dictionary-encoded, as Parquet
    keeps them (each distinct text once: a pilot's daily metrics repeat a few account, metric
    and file names over hundreds of thousands of rows), rather than spelled out row by row.
    """
    path = table_path(root, table)
    if not path.exists():
        return empty_table(table)
    wanted = None if pilot_ids is None else set(pilot_ids)
    if path.is_dir():
        rank = {p: i for i, p in enumerate(order or [])}
        parts = [(pilot, part) for pilot, part in _parts(root, table) if wanted is None or pilot in wanted]
        parts.sort(key=lambda item: (rank.get(item[0], len(rank)), item[0]))  # stable: parts in row order
        if not parts:
            return empty_table(table)
        source, options = [str(part) for _, part in parts], {"partitioning": _HIVE, "partition_base_dir": str(path)}
        row_filter = None
    else:
        source, options = path, {}
        row_filter = None if wanted is None else pc.field(PARTITION).isin(sorted(wanted))
    data = ds.dataset(source, format="parquet", **options)
    if dictionaries:
        text = [f.name for f in data.schema if f.name != PARTITION and (pa.types.is_string(f.type)
                                                                         or pa.types.is_large_string(f.type))]
        encoded = ds.ParquetFileFormat(read_options=ds.ParquetReadOptions(dictionary_columns=text))
        data = ds.dataset(source, format=encoded, **options)
    data = data.to_table(filter=row_filter)
    return conform_arrow(data, unified_schema([data.schema], table))


def read_table(root: Path, table: str, pilot_ids: Iterable[str] | None = None,
               order: Iterable[str] | None = None) -> pd.DataFrame:
    """A table of a store as cleaning gave it (see :func:`to_pandas`), whatever the layout,
    optionally only the rows of ``pilot_ids``, pilots in ``order`` (see :func:`read_arrow`).
    Text is read dictionary-encoded and each distinct text made a Python string once."""
    return to_pandas(read_arrow(root, table, pilot_ids, order, dictionaries=True), table)


def pilots_in(root: Path, table: str) -> list[str]:
    """The pilots a partitioned table has parts for."""
    return sorted({pilot for pilot, _ in _parts(root, table)})


# --------------------------------------------------------------------------- lazy tables

class StoreTables(Mapping):
    """The canonical tables of a cleaning run as a read-only mapping ``name → DataFrame``,
    made on first use: from Arrow tables held in memory (a run without a store; each table
    is converted once and kept), or read from the store each time (a run that wrote one:
    memory holds a table only while it is used).
    """

    def __init__(self, *, memory: Mapping[str, list[tuple[str, pa.Table]]] | None = None,
                 root: Path | None = None, timezone: str = "Europe/London", order: Iterable[str] = ()):
        self._memory = memory
        self._root = Path(root) if root is not None else None
        self._timezone = timezone
        self._order = list(order)
        self._made: dict[str, pd.DataFrame] = {}

    @classmethod
    def in_memory(cls, parts: Mapping[str, list[tuple[str, pa.Table]]],
                  timezone: str = "Europe/London") -> "StoreTables":
        """Tables held as ``name → [(pilot_id, Arrow table), …]``."""
        return cls(memory=parts, timezone=timezone)

    @classmethod
    def on_disk(cls, root: Path, order: Iterable[str] = ()) -> "StoreTables":
        """Tables read from the store at ``root``, pilots in ``order`` (the programme's)."""
        return cls(root=root, order=order)

    @property
    def root(self) -> Path | None:
        """The store folder the tables are read from (``None`` when held in memory)."""
        return self._root

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in schemas.TABLES:
            raise KeyError(name)
        if self._root is not None:
            return read_table(self._root, name, order=self._order)
        if name not in self._made:
            self._made[name] = to_pandas(self.arrow(name), name)
        return self._made[name]

    def arrow(self, name: str) -> pa.Table:
        """A table as Arrow, without making a pandas frame."""
        if self._root is not None:
            return read_arrow(self._root, name, order=self._order)
        parts = [part for _, part in self._memory.get(name, [])]
        return concat(parts, name) if parts else empty_table(name, self._timezone)

    def parts(self, name: str) -> Iterator[tuple[str, pa.Table]]:
        """A table pilot by pilot: ``(pilot_id, Arrow table)``, in the programme's order
        (from a store, each pilot read when its turn comes)."""
        if self._root is None:
            yield from self._memory.get(name, [])
            return
        path = table_path(self._root, name)
        if path.is_dir():
            rank = {p: i for i, p in enumerate(self._order)}
            for pilot_id in sorted(pilots_in(self._root, name), key=lambda p: (rank.get(p, len(rank)), p)):
                yield pilot_id, read_arrow(self._root, name, [pilot_id])
        elif path.exists():
            data = read_arrow(self._root, name)
            ids = data.column(PARTITION)
            present = pc.unique(ids).to_pylist()
            rank = {p: i for i, p in enumerate(self._order)}
            for pilot_id in sorted((p for p in present if p is not None), key=lambda p: (rank.get(p, len(rank)), p)):
                yield pilot_id, data.filter(pc.equal(ids, pilot_id))

    def __iter__(self) -> Iterator[str]:
        return iter(schemas.TABLES)

    def __len__(self) -> int:
        return len(schemas.TABLES)

    def __repr__(self) -> str:
        where = f"store {self._root}" if self._root is not None else "memory"
        return f"<clean tables in {where}: {', '.join(schemas.TABLES)}>"
