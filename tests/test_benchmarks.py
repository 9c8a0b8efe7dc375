"""The benchmarks run end to end: ``benchmarks/run.py`` writes a roll-out, measures every ratio
against its floor and writes ``results.md`` and ``results.json`` with every figure the README
quotes. Only that they run and report is tested here: the ratios themselves are measurements,
taken by running the benchmarks on a quiet machine, never by a test."""

import importlib.util
import json
import math
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture
def run_module(monkeypatch, tmp_path):
    monkeypatch.syspath_prepend(str(BENCHMARKS))  # run.py imports its sibling scripts
    spec = importlib.util.spec_from_file_location("benchmarks_run", BENCHMARKS / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "HERE", tmp_path / "results")  # not the committed results
    (tmp_path / "results").mkdir()
    return module


@pytest.mark.slow
def test_run_measures_every_ratio_on_a_small_roll_out(run_module, tmp_path):
    figures = run_module.main(["--areas", "2", "--years", "0.25", "--skip-scipy", "--work", str(tmp_path / "work")])
    written = json.loads((tmp_path / "results" / "results.json").read_text(encoding="utf-8"))
    assert list(written)[:6] == ["clean_vs_arrow", "clean_peak_memory_vs_output", "report_vs_floor",
                                 "exact_test_speedup", "areas", "machine"]
    assert written["areas"] == 2 and "cores" in written["machine"]
    for ratio in ("clean_vs_arrow", "clean_peak_memory_vs_output", "report_vs_floor"):
        assert isinstance(written[ratio], float) and math.isfinite(written[ratio]) and written[ratio] > 0, ratio
        assert written[ratio] == pytest.approx(figures[ratio])
    assert written["exact_test_speedup"] is None  # left out when asked
    assert written["report_failures"] == [] and written["notebooks"] == 3  # two areas and the cross-pilot report
    assert written["input_files"] > 0 and written["clean_seconds"] > 0 and written["arrow_seconds"] > 0
    table = (tmp_path / "results" / "results.md").read_text(encoding="utf-8")
    for row in ("clean throughput / Arrow CSV parse", "peak memory of clean / Arrow size of its output",
                "evalkit report / papermill floor", "exact p-value: scipy time / evalkit time"):
        assert f"| {row}" in table
    assert "Roll-out of 2 areas" in table


def test_the_exact_test_benchmark_gives_scipy_s_p_value(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    spec = importlib.util.spec_from_file_location("benchmarks_stats", BENCHMARKS / "stats.py")
    stats = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(stats)
    found = stats.scipy_comparison(8)
    assert found["p_evalkit"] == found["p_scipy"]
    assert found["exact_test_speedup"] > 0
