"""Cleaning a programme at scale: files read in worker processes, pilots cleaned one at a
time, the store written as it goes. Whatever the route, the tables are the same.

The programme is built from the format fixtures (tests/data/formats and the broken files
of tests/data/bad): three pilots, one with a pilot id of digits, files that take the
readers' fast lanes and files that need their general lanes (blank lines, a duplicated
tweet, a day given twice), a file that fails and a row that is quarantined.
"""

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from conftest import SAMPLE, SAMPLE_KEY
from evalkit import pipeline, schemas, store
from evalkit.pipeline import clean_programme, write_clean

HERE = Path(__file__).resolve().parent
FORMATS = HERE / "data" / "formats"
BAD = HERE / "data" / "bad"
KEY = b"a test key for the pipeline at scale"

PROGRAMME = """\
name: Pipeline at scale
pilots:
  - id: north
    name: North
    authorities: [Kirklees Council]
    sessions:
      - {id: ws1, kind: workshop, date: 2022-11-15, start: "09:30", mode: hybrid, label: Workshop 1}
  - id: south
    name: South
    authorities: [Suffolk County Council]
    sessions:
      - {id: ws1, kind: workshop, date: 2025-03-18, mode: online}
  - id: "2021"
    name: Pilot of 2021
    authorities: [Kirklees Council]
    sessions:
      - {id: ws1, kind: workshop, date: 2022-11-15, start: "09:30", mode: hybrid, label: Workshop 1}
      - {id: ws2, kind: workshop, date: 2022-12-06, start: "09:30", mode: hybrid, label: Workshop 2}
    files:
      - {path: surveys/header-only.csv, wave: feedback, session: ws1}
      - {path: surveys/malformed-row.csv, wave: feedback, session: ws1}
items:
  - id: useful
    scale: agreement
    label: The session was useful
    questions: [The session was useful]
"""


def _copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)


@pytest.fixture(scope="module")
def programme(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("scale")
    (root / "programme.yml").write_text(PROGRAMME, encoding="utf-8")
    for pilot in ("north", "south", "2021"):
        _copy(BAD / "p" / "roster.csv", root / pilot / "roster.csv")
    for path in (FORMATS / "x_classic").glob("*.csv"):
        _copy(path, root / "north" / "metrics" / "x" / path.name)
    for path in (FORMATS / "facebook").glob("*.csv"):
        _copy(path, root / "north" / "metrics" / "facebook" / path.name)
    for path in (FORMATS / "x_premium" / "CllrAmyPatel").glob("*.csv"):
        _copy(path, root / "south" / "metrics" / "CllrAmyPatel" / path.name)
    for path in (FORMATS / "meta_suite" / "Cllr Amy Patel").glob("*.csv"):
        _copy(path, root / "south" / "metrics" / "Cllr Amy Patel" / path.name)
    for path in (BAD / "p").rglob("*"):
        if path.is_file() and path.name != "roster.csv":
            _copy(path, root / "2021" / path.relative_to(BAD / "p"))
    return root


@pytest.fixture(scope="module")
def serial(programme):
    return clean_programme(programme, key=KEY, jobs=1)


@pytest.fixture(scope="module")
def stored(programme, tmp_path_factory):
    out = tmp_path_factory.mktemp("store") / "clean"
    return clean_programme(programme, key=KEY, jobs=2, out=out, layout="partitioned"), out


def _same_run(a, b):
    for name in schemas.TABLES:
        pd.testing.assert_frame_equal(a.tables[name], b.tables[name], check_exact=True, obj=name)
    assert a.files == b.files
    pd.testing.assert_frame_equal(a.review, b.review)
    pd.testing.assert_frame_equal(a.link_counts, b.link_counts)
    assert (a.problems, a.notes, a.counts, a.exit_code) == (b.problems, b.notes, b.counts, b.exit_code)
    pd.testing.assert_frame_equal(a.quarantined.astype(object), b.quarantined.astype(object))


def test_the_programme_exercises_what_it_should(serial):
    formats = {f.format for f in serial.files if f.status == "read"}
    assert {"x-tweet-activity", "x-daily-activity", "facebook-insights", "x-account-content", "x-account-overview",
            "meta-business-suite", "teams-attendance-report", "sign-in-sheet"} <= formats
    assert {f.pilot_id for f in serial.files} == {"north", "south", "2021"}
    assert any(f.status == "failed" for f in serial.files)
    assert serial.exit_code == 2 and len(serial.quarantined) >= 1
    metrics = serial.tables["metrics"]
    assert set(metrics["pilot_id"]) == {"north", "south"}
    assert serial.counts["metrics"] == len(metrics) > 0


def test_parallel_and_serial_cleaning_give_identical_tables(programme, serial):
    parallel = clean_programme(programme, key=KEY, jobs=2)
    _same_run(serial, parallel)


@pytest.mark.parametrize("layout", [None, "file", "partitioned"])
def test_workers_taking_whole_pilots_give_identical_tables(programme, serial, tmp_path, monkeypatch, layout):
    """With many pilots each worker reads, cleans, links and writes whole pilots; held in
    memory, in one file per table or partitioned, the run is the one made in one process,
    and every part of a partitioned table has the same columns."""
    monkeypatch.setattr(pipeline, "PILOTS_PER_WORKER", 1)  # three pilots are "many" for two workers
    monkeypatch.setattr(pipeline, "PILOTS_AHEAD", 1)  # the next pilots wait for the first
    here = []  # pilots finished in this process (none: the workers finish them)
    real = pipeline._finish_pilot
    monkeypatch.setattr(pipeline, "_finish_pilot", lambda *args, **kw: here.append(args[1].id) or real(*args, **kw))
    sent = []  # pilots in the order they go to the workers: the largest input first

    class Pool(pipeline.ProcessPoolExecutor):
        def submit(self, work, *args, **kwargs):
            sent.append(args[0][0])
            return super().submit(work, *args, **kwargs)

    monkeypatch.setattr(pipeline, "ProcessPoolExecutor", Pool)
    out = None if layout is None else tmp_path / "clean"
    result = clean_programme(programme, key=KEY, jobs=2, out=out, layout=layout)
    _same_run(serial, result)
    assert here == []
    loaded = pipeline.load_programme(programme)
    size = {pilot.id: sum(f.stat().st_size for f in pipeline.input_files(loaded, pilot)) for pilot in loaded.pilots}
    assert sent == sorted(size, key=size.get, reverse=True)
    if out is not None:
        assert (out / "summary.md").read_text() == pipeline.summary_markdown(serial)
    if layout == "partitioned":
        for name in schemas.TABLES:
            parts = sorted((out / f"{name}.parquet").rglob("*.parquet"))
            assert len({str(pq.read_schema(part).remove_metadata()) for part in parts}) <= 1, name


def test_the_memory_bounded_route_gives_the_same_tables(serial, stored):
    result, out = stored
    assert result.store == out and result.layout == "partitioned"
    assert isinstance(result.tables, store.StoreTables) and result.tables.root == out
    _same_run(serial, result)
    assert (out / "summary.md").read_text() == pipeline.summary_markdown(serial)
    assert pd.read_csv(out / "review.csv").shape[0] == len(serial.review)


def test_the_partitioned_store_is_read_by_arrow_datasets_and_pandas(serial, stored):
    _, out = stored
    folder = out / "metrics.parquet"
    assert sorted(p.name for p in folder.iterdir()) == ["pilot_id=2021", "pilot_id=north", "pilot_id=south"]
    dataset = ds.dataset(folder, partitioning="hive")
    assert dataset.count_rows() == serial.counts["metrics"]
    north = dataset.to_table(filter=ds.field("pilot_id") == "north")
    assert north.num_rows == (serial.tables["metrics"]["pilot_id"] == "north").sum()
    whole = pd.read_parquet(folder)
    assert len(whole) == serial.counts["metrics"]
    assert all(isinstance(v, str) for v in whole["pilot_id"])
    assert sorted(set(whole["pilot_id"].astype(str))) == ["north", "south"]
    fates = store.read_table(out, "row_fates")
    assert "2021" in set(fates["pilot_id"]) and fates["pilot_id"].dtype == object  # digits stay text


def test_a_small_programme_is_stored_as_one_file_per_table(programme, serial, tmp_path):
    result = clean_programme(programme, key=KEY, out=tmp_path)
    assert result.layout == "file"
    assert all((tmp_path / f"{name}.parquet").is_file() for name in schemas.TABLES)
    _same_run(serial, result)
    posts = pd.read_parquet(tmp_path / "posts.parquet")
    pd.testing.assert_frame_equal(posts.astype(object).where(posts.notna(), None),
                                  serial.tables["posts"].astype(object).where(serial.tables["posts"].notna(), None),
                                  check_dtype=False)


def test_cleaning_again_replaces_the_store(programme, tmp_path):
    stale = tmp_path / "metrics.parquet" / "pilot_id=gone"
    stale.mkdir(parents=True)
    (stale / "part-0.parquet").write_bytes(b"not parquet")
    clean_programme(programme, key=KEY, jobs=1, out=tmp_path, layout="partitioned")
    assert not stale.exists()
    assert sorted(p.name for p in (tmp_path / "metrics.parquet").iterdir()) == [
        "pilot_id=2021", "pilot_id=north", "pilot_id=south"]


@pytest.mark.parametrize("layout", ["file", "partitioned"])
def test_write_clean_of_a_result_held_in_memory(serial, tmp_path, layout):
    write_clean(serial, tmp_path, layout=layout)
    order = [p.id for p in serial.programme.pilots]
    for name in schemas.TABLES:
        pd.testing.assert_frame_equal(pipeline.read_clean_table(tmp_path, name, order=order), serial.tables[name],
                                      obj=name)
    assert (tmp_path / "summary.md").exists() and (tmp_path / "review.csv").exists()


def test_write_clean_copies_a_stored_result_elsewhere(stored, tmp_path):
    result, _ = stored
    write_clean(result, tmp_path, layout="file")
    assert (tmp_path / "metrics.parquet").is_file()
    pd.testing.assert_frame_equal(store.read_table(tmp_path, "metrics"), result.tables["metrics"])


def test_a_file_that_cannot_be_cleaned_fails_alone(programme, monkeypatch):
    real = pipeline._settle

    def broken(programme, pilot, reading, relative):
        if relative.endswith("Views.csv"):
            raise ValueError("an unexpected value")
        return real(programme, pilot, reading, relative)

    monkeypatch.setattr(pipeline, "_settle", broken)
    result = clean_programme(programme, key=KEY, jobs=1)
    views = next(f for f in result.files if f.source_file.endswith("Views.csv"))
    assert views.status == "failed"
    assert views.error == "south/metrics/Cllr Amy Patel/Views.csv: could not be cleaned (ValueError: an unexpected value)"
    assert sum(f.status == "read" for f in result.files) > 10


def test_jobs_are_chosen_for_the_size_of_the_programme():
    assert pipeline.choose_jobs(None, 250, 3_500_000) == 1      # the sample: no worker start-up
    assert pipeline.choose_jobs(None, 1, 900_000_000) == 1      # one file: nothing to share
    assert pipeline.choose_jobs(4, 10, 10) == 4                 # asked for
    assert pipeline.choose_jobs(None, 400, 180_000_000) >= 1


@pytest.mark.slow
def test_the_sample_cleans_the_same_in_worker_processes(sample_clean):
    serial, _ = sample_clean
    _same_run(serial, clean_programme(SAMPLE, key=SAMPLE_KEY, jobs=2))


def test_a_store_can_be_written_again_in_the_other_layout(programme, serial, tmp_path):
    result = clean_programme(programme, key=KEY, jobs=1, out=tmp_path, layout="partitioned")
    write_clean(result, tmp_path, layout="file")
    assert (tmp_path / "metrics.parquet").is_file()
    order = [p.id for p in serial.programme.pilots]
    for name in schemas.TABLES:
        pd.testing.assert_frame_equal(pipeline.read_clean_table(tmp_path, name, order=order), serial.tables[name],
                                      obj=name)


def test_a_file_outcome_crosses_between_processes_unchanged(programme):
    """What a worker sends back (tables as Arrow IPC streams) is what it read: the same
    tables, types, metadata, dictionaries and chunks, the same fates and quarantined rows."""
    import pickle

    loaded = pipeline.load_programme(programme)
    outcomes = [pipeline.read_file(loaded, pilot, path)
                for pilot in loaded.pilots for path in pipeline.input_files(loaded, pilot)]
    assert any(o.tables for o in outcomes) and any(o.quarantined is None for o in outcomes)
    assert any(o.quarantined is not None and len(o.quarantined) for o in outcomes)
    for outcome in outcomes:
        back = pickle.loads(pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL))
        assert (back.file, back.notes, back.dropped, back.accounts) == \
            (outcome.file, outcome.notes, outcome.dropped, outcome.accounts)
        assert list(back.tables) == list(outcome.tables)
        for name, table in [*outcome.tables.items(), ("row_fates", outcome.fates)]:
            copy = back.fates if name == "row_fates" else back.tables[name]
            if table is None:
                assert copy is None
                continue
            assert copy.schema.equals(table.schema, check_metadata=True), (outcome.file.source_file, name)
            assert copy.equals(table), (outcome.file.source_file, name)
            assert [c.num_chunks for c in copy.columns] == [c.num_chunks for c in table.columns]
        if outcome.quarantined is None:
            assert back.quarantined is None
        else:
            pd.testing.assert_frame_equal(back.quarantined, outcome.quarantined)


# --------------------------------------------------------------------------- metrics given by two files

def _metrics_file(account: str, days: list, metric: str, values: list, platform: str = "x"):
    table = pa.table({
        "platform": pa.array([platform] * len(days)).dictionary_encode(),
        "account": pa.array([account] * len(days)).dictionary_encode(),
        "date": pa.array([None if d is None else dt.date(2024, 1, d) for d in days], type=pa.date32()),
        "metric": pa.array([metric] * len(days)).dictionary_encode(),
        "value": pa.array(values, type=pa.float64()),
    })
    return pipeline._FileOutcome(pipeline.FileResult("p", f"p/metrics/{account}-{metric}-{days[0]}.csv", "x", "read"),
                                 tables={"metrics": table}, accounts=frozenset({(platform, account)}))


def _unique(files):
    stacked = pa.concat_tables([f.tables["metrics"] for f in files])
    return pipeline._unique_metrics_across(stacked, [pipeline._reach(f) for f in files])


def test_a_value_another_file_already_gave_is_left_out():
    files = [
        _metrics_file("a", [1, 2, 3], "impressions", [1.0, 2.0, 3.0]),
        _metrics_file("a", [3, 4], "impressions", [30.0, 40.0]),      # 3 January again: left out
        _metrics_file("a", [1, 2, 3], "likes", [5.0, 6.0, 7.0]),       # same days, another metric
        _metrics_file("b", [1, 2, 3], "impressions", [8.0, 9.0, 10.0]),  # another account
        _metrics_file("a", [4], "impressions", [400.0], platform="facebook"),  # another platform
    ]
    kept, dropped = _unique(files)
    assert dropped == 1
    assert kept.column("value").to_pylist() == [1.0, 2.0, 3.0, 40.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 400.0]


def test_files_that_cannot_repeat_each_other_are_not_searched():
    files = [
        _metrics_file("a", [1, 2, 3], "impressions", [1.0, 2.0, 3.0]),
        _metrics_file("a", [4, 5], "impressions", [4.0, 5.0]),   # the same account, later days
        _metrics_file("a", [1, 2, 3], "likes", [6.0, 7.0, 8.0]),  # the same days, another metric
    ]
    stacked = pa.concat_tables([f.tables["metrics"] for f in files])
    kept, dropped = pipeline._unique_metrics_across(stacked, [pipeline._reach(f) for f in files])
    assert dropped == 0 and kept is stacked
    assert not pipeline._overlap(pipeline._reach(files[0]), pipeline._reach(files[1]))
    assert not pipeline._overlap(pipeline._reach(files[0]), pipeline._reach(files[2]))


def test_a_file_with_a_missing_day_is_compared_with_every_day():
    files = [
        _metrics_file("a", [None, 9], "impressions", [1.0, 2.0]),
        _metrics_file("a", [None], "impressions", [3.0]),   # no day twice: the second is left out
    ]
    assert pipeline._reach(files[0])[1:3] == (None, None)
    kept, dropped = _unique(files)
    assert dropped == 1 and kept.column("value").to_pylist() == [1.0, 2.0]


@pytest.mark.parametrize("batch", ["takes every other file", "fails"])
def test_files_read_in_batches_give_the_outcomes_read_one_by_one(programme, monkeypatch, batch):
    """A reader reading many files at once gives each file's reading or leaves the file to
    be read alone; a batch that fails leaves them all. Either way each file's outcome is the
    one read_file gives, in the files' order."""
    from evalkit import readers

    asked = []

    def read_batch(paths, contexts, format):
        asked.append((format, len(paths)))
        if batch == "fails":
            raise ValueError("a batch that cannot be read")
        return [readers.read(path, context, format=format) if k % 2 == 0 else None
                for k, (path, context) in enumerate(zip(paths, contexts))]

    monkeypatch.setattr(readers.FORMATS["x-daily-activity"], "read_batch", read_batch, raising=False)
    loaded = pipeline.load_programme(programme)
    for pilot in loaded.pilots:
        files = pipeline.input_files(loaded, pilot)
        alone = [pipeline.read_file(loaded, pilot, path) for path in files]
        together = pipeline.read_files(loaded, pilot, files)
        assert [o.file for o in together] == [o.file for o in alone]
        for a, b in zip(together, alone):
            assert a.tables.keys() == b.tables.keys()
            assert all(a.tables[name].equals(b.tables[name]) for name in a.tables)
            assert (a.fates is None) == (b.fates is None) and (a.fates is None or a.fates.equals(b.fates))
            assert (a.notes, a.dropped, a.accounts) == (b.notes, b.dropped, b.accounts)
    assert {"x-daily-activity", "x-tweet-activity"} <= {format for format, _ in asked}
    assert all(n >= 2 for _, n in asked)  # a format with one file in a pilot is read alone
