"""The clean store: Arrow types of the canonical tables, the cheap schema check, and the
Parquet layouts other engines read."""

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pytest
from hypothesis import given, settings, strategies as st

from evalkit import schemas, store

LONDON = "Europe/London"


def _attendance(**overrides):
    row = {
        "pilot_id": "suffolk",
        "source_file": "suffolk/attendance/ws1.csv",
        "source_row": 9,
        "session_id": "ws1",
        "participant_id": None,
        "source_name": "Smith, Jane (External)",
        "source_email": "jane.smith@suffolk.gov.uk",
        "status": "present",
        "joined_at": pd.Timestamp("2022-11-15 09:30:17", tz=LONDON),
        "left_at": pd.Timestamp("2022-11-15 10:43:59", tz=LONDON),
        "minutes_present": 73.7,
        "source": "teams",
    }
    row.update(overrides)
    return row


def _metrics(rows):
    return pd.DataFrame([
        {"pilot_id": "kirklees", "source_file": "kirklees/metrics/daily.csv", "source_row": r,
         "participant_id": None, "platform": "x", "account": "CllrJaneSmith", "date": d, "metric": m, "value": v}
        for r, d, m, v in rows
    ])


# --------------------------------------------------------------------------- types

def test_contract_columns_get_one_arrow_type_each():
    schema = store.arrow_schema("posts", LONDON)
    assert schema.field("post_id").type == pa.string()
    assert schema.field("source_row").type == pa.int64()
    assert schema.field("timestamp").type == pa.timestamp("us", tz=LONDON)
    assert schema.field("is_reply").type == pa.bool_()
    assert schema.field("likes").type == pa.float64()
    assert store.arrow_schema("metrics").field("date").type == pa.date32()


def test_a_table_goes_to_arrow_and_back_as_cleaning_gave_it():
    posts = pd.DataFrame({
        "pilot_id": ["kirklees", "kirklees"], "source_file": ["f.csv", "f.csv"], "source_row": [2, 3],
        "participant_id": [None, "P-1e63b23eab"], "platform": ["x", "x"], "account": ["CllrJaneSmith"] * 2,
        "post_id": ["1573372036854775807", "1573372036854775808"],
        "timestamp": pd.to_datetime(["2022-09-01 18:53", "2022-09-02 07:01"]).tz_localize("UTC").tz_convert(LONDON),
        "text": ["@Ann yes", None], "is_reply": [True, False], "impressions": [120.0, np.nan],
        "engagements": [3.0, 1.0], "likes": [1.0, 0.0], "reposts": [0.0, 0.0], "replies": [1.0, 0.0],
        "url": ["https://x.com/CllrJaneSmith/status/1573372036854775807", None],
    })
    back = store.to_pandas(store.to_arrow("posts", posts, LONDON), "posts")
    assert back["post_id"].tolist() == ["1573372036854775807", "1573372036854775808"]  # 19 digits, never a float
    assert back["source_row"].dtype == "Int64" and back["text"].dtype == object
    assert back["text"].tolist() == ["@Ann yes", None]
    assert back["timestamp"].tolist() == posts["timestamp"].tolist()
    assert str(back["timestamp"].dtype) == "datetime64[us, Europe/London]"
    assert back["is_reply"].tolist() == [True, False]
    assert np.isnan(back["impressions"].iloc[1]) and back["url"].iloc[1] is None


def test_dates_come_back_as_dates_and_flags_as_bools():
    metrics = _metrics([(2, dt.date(2024, 9, 2), "likes", 3), (3, dt.date(2024, 9, 3), "likes", 4)])
    back = store.to_pandas(store.to_arrow("metrics", metrics), "metrics")
    assert back["date"].tolist() == [dt.date(2024, 9, 2), dt.date(2024, 9, 3)]
    assert back["value"].tolist() == [3.0, 4.0]
    flags = pd.DataFrame({"pilot_id": ["k"], "participant_id": ["P-1"], "display_name": ["Jane"], "role": ["other"],
                          "in_cohort": [1], "authority": [None], "party": [None], "email": [None],
                          "x_handle": [None], "facebook_page": [None]})
    assert store.to_pandas(store.to_arrow("participants", flags))["in_cohort"].tolist() == [True]


def test_compact_columns_cost_less_and_read_back_the_same():
    metrics = _metrics([(r, dt.date(2024, 9, 1) + dt.timedelta(days=r), "likes", r) for r in range(2, 2002)])
    plain = store.to_arrow("metrics", metrics)
    compact = store.compact(plain)
    assert pa.types.is_dictionary(compact.schema.field("source_file").type)
    assert compact.column("source_file").nbytes < plain.column("source_file").nbytes / 4
    assert store.plain(compact).equals(plain)
    pd.testing.assert_frame_equal(store.to_pandas(compact), store.to_pandas(plain))


def test_repeated_keys_keep_the_first():
    table = pa.table({"account": ["a", "a", "b", "a", None, None], "day": [1, 1, 1, 2, 1, 1]})
    assert store.repeated_keys(table, ["account", "day"]).tolist() == [False, True, False, False, False, True]
    assert store.repeated_keys(table, ["account", "day"], keep=False).tolist() == [True, True, False, False, True, True]


# --------------------------------------------------------------------------- checks

def test_check_rows_finds_what_pandera_finds_naming_row_column_and_value():
    frame = pd.DataFrame([
        _attendance(),
        _attendance(status="late"),
        _attendance(minutes_present=-5.0),
        _attendance(source_name=42),
        _attendance(source=None),
    ])
    found = store.check_rows("attendance", frame)
    assert sorted(zip(found["row"], found["column"])) == [
        (1, "status"), (2, "minutes_present"), (3, "source_name"), (4, "source")]
    assert found.set_index("column").loc["status", "value"] == "late"
    assert found.set_index("column").loc["minutes_present", "value"] == -5.0


def test_a_clean_frame_is_not_shown_to_pandera(monkeypatch):
    frame = pd.DataFrame([_attendance(source_row=r) for r in range(2, 500)])

    def refuse(*args):
        raise AssertionError("pandera was asked about a clean frame")

    monkeypatch.setattr(schemas, "failures", refuse)
    assert store.check_rows("attendance", frame).empty


_cells = st.one_of(st.none(), st.just(np.nan), st.sampled_from(["present", "absent", "late", "", "teams", "zoom"]),
                   st.integers(-3, 3), st.floats(-2, 100, allow_nan=False), st.booleans())


@given(st.lists(st.tuples(_cells, _cells, _cells, _cells, st.one_of(st.none(), st.integers(-1, 4))),
                min_size=1, max_size=12))
@settings(max_examples=40, deadline=None)
def test_check_rows_agrees_with_pandera_on_messy_rows(rows):
    frame = pd.DataFrame([
        _attendance(status=status, source=source, minutes_present=minutes, source_name=name, source_row=line)
        for status, source, minutes, name, line in rows
    ])
    frame["minutes_present"] = frame["minutes_present"].astype(object)
    expected = schemas.failures("attendance", frame)
    found = store.check_rows("attendance", frame)
    key = ["row", "column", "check"]
    assert sorted(map(str, expected[key].values.tolist())) == sorted(map(str, found[key].values.tolist()))


# --------------------------------------------------------------------------- layouts

def _two_pilots():
    first = store.compact(store.to_arrow("metrics", _metrics([(2, dt.date(2024, 9, 2), "likes", 3)])
                                         .assign(pilot_id="kirklees")))
    second = _metrics([(5, dt.date(2024, 9, 9), "reach", 40), (6, dt.date(2024, 9, 10), "reach", 41)])
    second = store.to_arrow("metrics", second.assign(pilot_id="2021", extra_note=["a", None]))
    return first, second


def test_partitioned_store_is_a_hive_dataset_with_one_schema(tmp_path):
    first, second = _two_pilots()
    store.write_part(tmp_path, "metrics", "kirklees", first)
    store.write_part(tmp_path, "metrics", "2021", second)
    store.finish_store(tmp_path, "partitioned", ["kirklees", "2021"])
    folder = tmp_path / "metrics.parquet"
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.parquet")) == [
        "pilot_id=2021/part-0.parquet", "pilot_id=kirklees/part-0.parquet"]
    dataset = ds.dataset(folder, partitioning="hive")
    table = dataset.to_table()
    assert table.num_rows == 3 and "extra_note" in table.column_names  # the part without it got it empty
    assert sorted(table.column("metric").to_pylist()) == ["likes", "reach", "reach"]
    whole = pd.read_parquet(folder)
    assert sorted(whole["pilot_id"].astype(str).unique()) == ["2021", "kirklees"]
    assert all(isinstance(v, str) for v in whole["pilot_id"])
    read = store.read_table(tmp_path, "metrics")
    assert read.columns[0] == "pilot_id" and read["pilot_id"].dtype == object
    assert read["pilot_id"].tolist().count("2021") == 2  # a pilot id of digits stays text
    assert store.read_table(tmp_path, "metrics", ["kirklees"])["value"].tolist() == [3.0]


def test_file_layout_is_one_file_with_the_pilot_as_a_column(tmp_path):
    first, second = _two_pilots()
    store.write_file(tmp_path, "metrics", [first, second])
    whole = pd.read_parquet(tmp_path / "metrics.parquet")
    assert whole["pilot_id"].tolist() == ["kirklees", "2021", "2021"]
    assert str(whole["pilot_id"].dtype) in ("str", "object")
    assert ds.dataset(tmp_path / "metrics.parquet", partitioning="hive").to_table().num_rows == 3
    assert store.read_table(tmp_path, "metrics").equals(store.read_table(tmp_path, "metrics"))


def test_a_long_table_is_written_in_slices_that_read_back_in_order(tmp_path, monkeypatch):
    monkeypatch.setattr(store, "WRITE_ROWS", 100)
    rows = [(r, dt.date(2024, 1, 1) + dt.timedelta(days=r), "likes", r) for r in range(2, 452)]
    data = store.to_arrow("metrics", _metrics(rows))
    store.write_parts(tmp_path, "kirklees", {"metrics": data}, threads=2)
    parts = sorted((tmp_path / "metrics.parquet" / "pilot_id=kirklees").glob("*.parquet"))
    assert [p.name for p in parts] == [f"part-{i}.parquet" for i in range(5)]
    assert store.read_table(tmp_path, "metrics")["source_row"].tolist() == list(range(2, 452))


def test_store_tables_read_lazily_from_disk(tmp_path):
    first, second = _two_pilots()
    store.write_file(tmp_path, "metrics", [first, second])
    tables = store.StoreTables.on_disk(tmp_path)
    assert list(tables) == list(schemas.TABLES)
    assert len(tables["metrics"]) == 3
    assert tables["posts"].empty and list(tables["posts"].columns)[:3] == ["pilot_id", "source_file", "source_row"]
    with pytest.raises(KeyError):
        tables["nonsense"]


def test_clearing_a_store_leaves_other_files(tmp_path):
    first, _ = _two_pilots()
    store.write_part(tmp_path, "metrics", "kirklees", first)
    (tmp_path / "notes.txt").write_text("mine")
    store.clear_store(tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_store_files_list_every_parquet_file_whatever_the_layout(tmp_path):
    first, second = _two_pilots()
    store.write_part(tmp_path, "metrics", "kirklees", first)
    store.write_part(tmp_path, "metrics", "2021", second)
    store.write_file(tmp_path, "posts", [])
    names = [p.relative_to(tmp_path).as_posix() for p in store.store_files(tmp_path)]
    assert names == ["metrics.parquet/pilot_id=2021/part-0.parquet", "metrics.parquet/pilot_id=kirklees/part-0.parquet",
                     "posts.parquet"]


@pytest.mark.parametrize("layout", ["partitioned", "file"])
def test_text_read_dictionary_encoded_gives_the_same_frame(tmp_path, layout):
    # read_table reads text as Parquet keeps it (each distinct text once); the frame is the one
    # the plain reading gives, value for value and dtype for dtype, in either layout
    first, second = _two_pilots()
    if layout == "partitioned":
        store.write_part(tmp_path, "metrics", "kirklees", first)
        store.write_part(tmp_path, "metrics", "2021", second)
        store.finish_store(tmp_path, "partitioned", ["kirklees", "2021"])
    else:
        store.write_file(tmp_path, "metrics", [first, second])
    encoded = store.read_arrow(tmp_path, "metrics", dictionaries=True)
    assert pa.types.is_dictionary(encoded.schema.field("metric").type)
    assert pa.types.is_string(store.read_arrow(tmp_path, "metrics").schema.field("metric").type)
    for pilots in (None, ["2021"], ["kirklees", "2021"]):
        plain = store.to_pandas(store.read_arrow(tmp_path, "metrics", pilots), "metrics")
        read = store.read_table(tmp_path, "metrics", pilots)
        pd.testing.assert_frame_equal(read, plain)
        assert read["extra_note"].tolist() == plain["extra_note"].tolist()
    assert store.read_table(tmp_path, "metrics", ["2021"])["extra_note"].tolist() == ["a", None]
