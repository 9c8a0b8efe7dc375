"""Each pilot's results are computed once per clean store and kept (evalkit.report.results).

The cross-pilot report built from the kept per-pilot results must say exactly what it says
when every pilot's tables are analysed at once; kept results are reused only for the same
tables, seed and code.
"""

import os
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from evalkit.programme import load_programme
from evalkit.report import CrossPilotReport, PilotReport
from evalkit.report import results as results_module
from evalkit.report.cross import record_counts
from evalkit.report.pilot import read_clean

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample"
SECTIONS = ["title", "key_findings", "side_by_side", "characteristics", "differences", "data_quality"]
PILOTS = ["kirklees-2010", "suffolk", "solihull", "yorkshire-humber"]


def without_images(fragment) -> str:
    return re.sub(r'src="data:image/[^"]*"', 'src=""', str(fragment))


@pytest.fixture()
def store(sample_clean, tmp_path):
    """A copy of the sample's clean store, with nothing kept yet."""
    _, out = sample_clean
    copy = tmp_path / "clean"
    shutil.copytree(out, copy, ignore=shutil.ignore_patterns(results_module.RESULTS_FOLDER))
    return copy


def test_cross_report_from_kept_results_equals_all_pilots_at_once(store):
    programme = load_programme(SAMPLE)
    kept = CrossPilotReport.open(SAMPLE, store)
    at_once = CrossPilotReport.from_tables(programme, read_clean(store))
    assert kept.figures() == at_once.figures()
    for section in SECTIONS:  # charts compared by their alt text (drawn data), not their bytes
        assert without_images(getattr(kept, section)()) == without_images(getattr(at_once, section)()), section
    for name, frame in at_once.result_tables().items():
        pd.testing.assert_frame_equal(kept.result_tables()[name], frame, obj=name)
    # what the cross-pilot report read pilot by pilot is now kept for every pilot
    assert sorted(p.stem for p in (store / "results").glob("*.pickle")) == sorted(PILOTS + ["_comparisons"])


def test_record_counts_read_pilot_by_pilot_equal_the_whole_table(store):
    fates = read_clean(store)["row_fates"]
    whole = fates.groupby("pilot_id")["fate"].value_counts().unstack(fill_value=0)
    counted = record_counts(store, PILOTS).set_index("pilot_id")
    for fate in ("kept", "merged", "quarantined"):
        expected = whole[fate] if fate in whole.columns else 0
        assert counted[fate].tolist() == [int(expected.get(p, 0)) for p in counted.index], fate
    files = fates["source_file"].str.split("#").str[0].groupby(fates["pilot_id"]).nunique()
    assert counted["files"].tolist() == [int(files[p]) for p in counted.index]


def test_pilot_report_keeps_its_results_and_reuses_them(store, monkeypatch):
    first = PilotReport.open(SAMPLE, store, "suffolk")
    assert (store / "results" / "suffolk.pickle").exists()

    def fail(*args, **kwargs):
        raise AssertionError("results computed again although kept")

    monkeypatch.setattr(results_module, "compute_levels", fail)
    again = PilotReport.open(SAMPLE, store, "suffolk")
    assert again.figures() == first.figures()
    for name, frame in first.results.items():
        pd.testing.assert_frame_equal(again.results[name], frame, obj=name)


def test_kept_results_follow_the_tables_seed_and_code(store, monkeypatch):
    seed = load_programme(SAMPLE).settings.seed
    before = results_module.fingerprint(store, "solihull", seed)
    assert results_module.fingerprint(store, "solihull", seed + 1) != before
    # another pilot's files do not count in a partitioned store; in this one-file store every
    # table file holds every pilot, so touching one changes every pilot's fingerprint
    table = sorted(store.glob("*.parquet"))[0]
    stat = table.stat()
    os.utime(table, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert results_module.fingerprint(store, "solihull", seed) != before
    touched = results_module.fingerprint(store, "solihull", seed)
    monkeypatch.setattr(results_module, "_code_digest", lambda: "other code")
    assert results_module.fingerprint(store, "solihull", seed) != touched


def test_stale_or_broken_kept_results_are_computed_again(store):
    seed = load_programme(SAMPLE).settings.seed
    fresh = results_module.pilot_levels(store, "solihull", seed)
    kept = store / "results" / "solihull.pickle"
    kept.write_bytes(b"not a pickle")
    again = results_module.pilot_levels(store, "solihull", seed)
    for name, frame in fresh.items():
        pd.testing.assert_frame_equal(again[name], frame, obj=name)
    assert kept.read_bytes() != b"not a pickle"  # written again whole


def test_partitioned_store_fingerprint_counts_only_the_pilots_own_parts(tmp_path):
    from evalkit.pipeline import clean_programme

    from conftest import SAMPLE_KEY

    out = tmp_path / "clean"
    clean_programme(SAMPLE, key=SAMPLE_KEY, out=out, layout="partitioned", jobs=1)
    seed = load_programme(SAMPLE).settings.seed
    suffolk = results_module.fingerprint(out, "suffolk", seed)
    solihull = results_module.fingerprint(out, "solihull", seed)
    part = next((out / "metrics.parquet" / "pilot_id=solihull").glob("*.parquet"))
    stat = part.stat()
    os.utime(part, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert results_module.fingerprint(out, "suffolk", seed) == suffolk
    assert results_module.fingerprint(out, "solihull", seed) != solihull
    kept = CrossPilotReport.open(SAMPLE, out)
    at_once = CrossPilotReport.from_tables(load_programme(SAMPLE), read_clean(out))
    assert kept.figures() == at_once.figures()


def test_pilot_report_input_hash_covers_only_the_pilots_own_files(tmp_path):
    # a pilot's report names the hash of the tables it was made from: its own partitions and
    # the one-file tables, not every other pilot's parts (at national scale, the whole store)
    from evalkit.pipeline import clean_programme
    from evalkit.report.render import input_hash

    from conftest import SAMPLE_KEY

    out = tmp_path / "clean"
    clean_programme(SAMPLE, key=SAMPLE_KEY, out=out, layout="partitioned", jobs=1)
    suffolk, solihull, whole = input_hash(out, "suffolk"), input_hash(out, "solihull"), input_hash(out)
    assert len({suffolk, solihull, whole}) == 3
    part = next((out / "metrics.parquet" / "pilot_id=solihull").glob("*.parquet"))
    part.write_bytes(part.read_bytes() + b"\0")
    assert input_hash(out, "suffolk") == suffolk
    assert input_hash(out, "solihull") != solihull
    assert input_hash(out) != whole
    report = PilotReport.open(SAMPLE, out, "suffolk")
    assert f"clean tables with hash {suffolk}" in str(report.provenance())


def test_comparisons_between_pilots_are_kept_and_follow_their_tables_and_pilots(store, monkeypatch):
    programme = load_programme(SAMPLE)
    at_once = CrossPilotReport.from_tables(programme, read_clean(store))
    results_module.keep_programme_comparisons(SAMPLE, store)  # what rendering runs first
    kept = store / "results" / "_comparisons.pickle"
    assert kept.exists()

    def fail(*args, **kwargs):
        raise AssertionError("comparisons computed again although kept")

    with monkeypatch.context() as patch:
        patch.setattr(results_module, "compute_comparisons", fail)
        opened = CrossPilotReport.open(SAMPLE, store)
    for name in ("characteristics", "differences"):
        pd.testing.assert_frame_equal(opened.results[name], at_once.results[name], obj=name)
    assert opened.figures() == at_once.figures()

    # computed again when a table they rest on changes, or the pilots' facts do; not for
    # a table they do not read
    calls = []
    real = results_module.compute_comparisons
    monkeypatch.setattr(results_module, "compute_comparisons", lambda *a, **k: calls.append(1) or real(*a, **k))
    metrics = store / "metrics.parquet"
    stat = metrics.stat()
    os.utime(metrics, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    results_module.programme_comparisons(store, programme)
    assert calls == []
    responses = store / "responses.parquet"
    stat = responses.stat()
    os.utime(responses, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    results_module.programme_comparisons(store, programme)
    assert calls == [1]
    moved = programme.pilots[0].model_copy(update={"region": "Somewhere else"})
    renamed = programme.model_copy(update={"pilots": [moved, *programme.pilots[1:]]})
    results_module.programme_comparisons(store, renamed)
    assert calls == [1, 1]


def test_rendering_keeps_the_comparisons_first_and_a_failed_preparation_is_harmless(tmp_path, monkeypatch):
    from evalkit.report import render

    jobs = [render.Job(f"job{i}", SAMPLE / "programme.yml", {}, tmp_path) for i in range(2)]
    jobs[1].prepare = (_record_preparation, str(tmp_path / "prepared"))
    jobs[0].prepare = (_failing_preparation,)
    monkeypatch.setattr(render, "_run_job", _fake_job)
    results = render.run_jobs(jobs, workers=1, data_files=[], force=True, progress=False)
    assert [r.status for r in results] == ["rendered", "rendered"]
    assert (tmp_path / "prepared").read_text() == "before job0"  # one worker: preparations first


def _record_preparation(path):
    done = sorted(Path(path).parent.glob("ran-*"))
    Path(path).write_text("before job0" if not done else "after " + done[0].name)


def _failing_preparation():
    raise RuntimeError("a preparation that fails")


def _fake_job(job, kernel):
    from evalkit.report.render import JobResult

    (job.out_dir / f"ran-{job.name}").write_text("")
    return JobResult(job.name, "rendered")


def test_a_caller_can_load_only_some_kept_frames(store):
    seed = load_programme(SAMPLE).settings.seed
    everything = results_module.pilot_levels(store, "suffolk", seed)  # computed and kept
    assert set(everything) == set(results_module.LEVELS) | {"weekly"}
    some = results_module.pilot_levels(store, "suffolk", seed, names=["learning", "trends"])  # loaded
    assert list(some) == ["learning", "trends"]
    for name, frame in some.items():
        pd.testing.assert_frame_equal(frame, everything[name], obj=name)
