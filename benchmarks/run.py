"""All benchmarks at national scale, each a ratio against a floor measured in the same run.

1. Writes a roll-out of ``--areas`` areas (``evalkit sample --areas``), or measures one
   written beforehand (``--programme PATH``: at 300 areas writing takes a quarter of an hour).
2. Clean throughput: ``evalkit clean`` of the roll-out against ``pyarrow.csv.read_csv`` of
   the same CSV bytes (goal ≥ 0.5); workbooks are cleaned too but not counted in the bytes,
   so the ratio is conservative.
3. Peak memory of cleaning (the process and its workers) against the Arrow size of the tables
   it writes (goal ≤ 3).
4. ``evalkit report`` wall time (rendering, after cleaning) against papermill executing as
   many notebooks that only import pandas, matplotlib, seaborn and scipy and draw one plot,
   with the same kernel and jobs (goal ≤ 1.2).
5. ``paired_change``'s exact p-value against scipy's exhaustive permutation test at n = 20
   with ties (the same p-value; the speed-up).

Prints a table and writes ``benchmarks/results.md`` and ``benchmarks/results.json``.

Run: ``python benchmarks/run.py --areas 300`` (``--areas 20`` is a quick check); or
``evalkit sample ROLLOUT --areas 300`` once, then ``python benchmarks/run.py --programme ROLLOUT``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
        memory_text = f"{memory:.0f} GiB"
    except (ValueError, OSError, AttributeError):
        memory_text = "unknown memory"
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{cpu}, {cores} cores, {memory_text}, {platform.system()} {platform.release()}, Python {platform.python_version()}"


def clean_floor(programme: Path) -> tuple[float, int, int]:
    """Seconds for Arrow to parse every text input of the programme (best of three), their
    bytes and count."""
    import pyarrow.csv as pacsv

    from evalkit.pipeline import input_files
    from evalkit.programme import load_programme
    from evalkit.readers.base import sniff

    loaded = load_programme(programme)
    files = []
    for pilot in loaded.pilots:
        for path in input_files(loaded, pilot):
            head = sniff(path)
            if head.is_xlsx or head.encoding is None:
                continue
            encoding = "utf-16" if head.encoding.startswith("utf-16") else (
                "utf8" if head.encoding.startswith("utf-8") else head.encoding)
            files.append((path, encoding))

    def parse_all() -> float:
        start = time.perf_counter()
        for path, encoding in files:
            try:
                pacsv.read_csv(path, read_options=pacsv.ReadOptions(encoding=encoding, autogenerate_column_names=True),
                               parse_options=pacsv.ParseOptions(newlines_in_values=True, invalid_row_handler=lambda row: "skip"))
            except Exception:  # a file Arrow cannot parse at all still costs what it cost
                pass
        return time.perf_counter() - start

    parse_all()
    seconds = min(parse_all() for _ in range(3))
    return seconds, sum(p.stat().st_size for p, _ in files), len(files)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--areas", type=int, default=20)
    parser.add_argument("--years", type=float, default=2.0)
    parser.add_argument("--seed", type=int, default=2010)
    parser.add_argument("--jobs", type=int, default=None, help="parallel processes (default: all cores)")
    parser.add_argument("--work", type=Path, help="keep the generated programme and outputs here")
    parser.add_argument("--programme", type=Path,
                        help="measure a roll-out already written (by evalkit sample --areas N) instead of "
                             "writing one; --areas is then its number of pilots")
    parser.add_argument("--skip-scipy", action="store_true", help="leave out the slow scipy comparison")
    args = parser.parse_args(argv)

    from clean import clean_in_child, output_bytes  # benchmarks/clean.py
    from report import measure as measure_report  # benchmarks/report.py
    from stats import scipy_comparison  # benchmarks/stats.py

    from evalkit.pipeline import choose_jobs
    from evalkit.report.render import default_jobs
    from evalkit.sample.rollout import generate_rollout

    run_started = time.perf_counter()
    jobs = args.jobs or default_jobs()
    work = args.work or Path(tempfile.mkdtemp(prefix="evalkit-benchmarks-"))
    work.mkdir(parents=True, exist_ok=True)
    programme, store = (args.programme or work / "programme").resolve(), work / "clean"
    figures: dict = {"areas": args.areas, "years": args.years, "jobs": jobs, "machine": machine()}
    try:
        if args.programme:
            from evalkit.programme import load_programme

            figures["areas"] = len(load_programme(programme).pilots)
            figures["years"] = None
            print(f"measuring the roll-out of {figures['areas']} areas in {programme} …", flush=True)
        else:
            started = time.perf_counter()
            print(f"writing a roll-out of {args.areas} areas …", flush=True)
            generate_rollout(programme, areas=args.areas, seed=args.seed, years=args.years, truth=False)
            figures["generate_seconds"] = time.perf_counter() - started

        print("measuring cleaning …", flush=True)
        floor, size, n_files = clean_floor(programme)
        if store.exists():
            shutil.rmtree(store)
        child = clean_in_child(programme, store, jobs)
        workers = choose_jobs(jobs, n_files, size)
        peak = child["self_peak"] + (child["worker_peak"] * workers if workers > 1 else 0)
        output = output_bytes(store)
        figures.update({
            "clean_vs_arrow": floor / child["seconds"], "clean_seconds": child["seconds"],
            "arrow_seconds": floor, "input_mb": size / 1e6, "input_files": n_files,
            "clean_peak_memory_vs_output": peak / output, "peak_memory_mb": peak / 2**20,
            "output_mb": output / 2**20,
        })

        print("measuring report rendering …", flush=True)
        report = measure_report(programme, jobs=jobs, work=work / "report", clean_dir=store)
        figures.update({"report_vs_floor": report["report_vs_floor"], "report_seconds": report["report_seconds"],
                        "report_floor_seconds": report["floor_seconds"], "notebooks": report["notebooks"],
                        "report_failures": report["failures"]})

        if not args.skip_scipy:
            print("measuring the exact test against scipy (n = 20; scipy takes a minute or more) …", flush=True)
            stats = scipy_comparison(20)
            figures.update({"exact_test_speedup": stats["exact_test_speedup"],
                            "exact_p_value": stats["p_evalkit"], "scipy_p_value": stats["p_scipy"],
                            "same_p_value": stats["p_evalkit"] == stats["p_scipy"]})
        figures["total_seconds"] = time.perf_counter() - run_started
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)

    write_results(figures)
    return figures


def write_results(figures: dict) -> None:
    def f(key, fmt="{:.2f}"):
        value = figures.get(key)
        return fmt.format(value) if isinstance(value, (int, float)) else "not measured"

    rows = [
        ("clean throughput / Arrow CSV parse", f("clean_vs_arrow"), "≥ 0.5",
         f"{f('input_mb', '{:.0f}')} MB in {figures.get('input_files')} text files; clean {f('clean_seconds', '{:.1f}')} s, Arrow {f('arrow_seconds', '{:.1f}')} s"),
        ("peak memory of clean / Arrow size of its output", f("clean_peak_memory_vs_output"), "≤ 3",
         f"peak {f('peak_memory_mb', '{:.0f}')} MiB, output {f('output_mb', '{:.0f}')} MiB"),
        ("evalkit report / papermill floor", f("report_vs_floor"), "≤ 1.2",
         f"{figures.get('notebooks')} notebooks, {figures.get('jobs')} jobs; report {f('report_seconds', '{:.0f}')} s, floor {f('report_floor_seconds', '{:.0f}')} s"),
        ("exact p-value: scipy time / evalkit time (n = 20, ties)", f("exact_test_speedup", "{:,.0f}"), "same p-value",
         f"p = {figures.get('exact_p_value')} (evalkit), {figures.get('scipy_p_value')} (scipy)"),
    ]
    lines = [
        "# Benchmark results", "",
        f"Machine: {figures['machine']}.", "",
        f"Roll-out of {figures['areas']} areas"
        + (f", {figures['years']} years of daily metrics (written in {f('generate_seconds', '{:.0f}')} s)"
           if figures.get("years") else " (written beforehand)")
        + f"; every measurement took {f('total_seconds', '{:.0f}')} s. "
        f"Rerun with `python benchmarks/run.py --areas {figures['areas']}`.", "",
        "| ratio | value | goal | detail |", "|---|---:|---|---|",
    ] + [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows] + [""]
    text = "\n".join(lines)
    print()
    print(text)
    (HERE / "results.md").write_text(text, encoding="utf-8")
    wanted = ["clean_vs_arrow", "clean_peak_memory_vs_output", "report_vs_floor", "exact_test_speedup", "areas", "machine"]
    ordered = {k: figures.get(k) for k in wanted} | {k: v for k, v in figures.items() if k not in wanted}
    (HERE / "results.json").write_text(json.dumps(ordered, indent=2, default=str) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
