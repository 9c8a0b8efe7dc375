"""Benchmark: ``evalkit clean`` throughput and peak memory, against floors measured in the same run.

Builds a large programme of X classic exports (per-day and per-post files for many accounts,
written by the sample's own format writers, so the bytes are the real layout), then
measures

* throughput: the floor is ``pyarrow.csv.read_csv`` of every input file (quoted line
  breaks allowed; the best of three runs); cleaning is
  ``evalkit.pipeline.clean_programme(..., out=store)`` — detection, parsing, cleaning,
  validation, linking and writing the Parquet store, what ``evalkit clean`` does — run in a
  child process. Ratio: clean throughput / Arrow throughput (goal at least 0.5).
* peak memory: the child's peak resident memory (``ru_maxrss`` of the cleaning process,
  plus, when files are read in worker processes, the largest worker's peak once per
  worker: an upper bound, since forked workers share pages with their parent), against
  the Arrow in-memory size of what was written (the sum of ``pyarrow.Table.nbytes`` of
  every table read back from the store). Ratio: peak / output (goal at most 3).

Run: ``python benchmarks/clean.py`` (``--accounts 40 --days 365`` for a quick look). A
future ``benchmarks/run.py`` calls :func:`measure`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.csv as pacsv

from evalkit.sample.formats.x_classic import write_x_daily_activity, write_x_tweet_activity

KEY = b"benchmark key, not secret at all"

#: what the child process runs: clean the programme into the store, report time and memory
_CHILD = """
import json, resource, sys, time
from pathlib import Path
from evalkit.pipeline import clean_programme

root, out, jobs, key = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], sys.argv[4].encode()
start = time.perf_counter()
result = clean_programme(root, key=key, out=out, jobs=None if jobs == "auto" else int(jobs))
seconds = time.perf_counter() - start
scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB on Linux
print(json.dumps({
    "seconds": seconds,
    "rows": result.counts["metrics"] + result.counts["posts"],
    "exit_code": result.exit_code,
    "layout": result.layout,
    "self_peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale,
    "worker_peak": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * scale,
}))
"""


def build(root: Path, accounts: int, days: int, posts_per_day: float, seed: int) -> list[Path]:
    """Write a one-pilot programme with ``accounts`` X accounts; return the input files."""
    rng = np.random.default_rng(seed)
    pilot = root / "bench"
    start = dt.date(2022, 1, 3)
    first_session = start + dt.timedelta(days=days // 2)
    (root / "programme.yml").write_text(
        "name: Benchmark programme\n"
        "settings: {key_env: EVALKIT_BENCHMARK_KEY}\n"
        "pilots:\n  - id: bench\n    name: Benchmark pilot\n    authorities: [Kirklees Council]\n"
        f"    sessions:\n      - {{id: ws1, kind: workshop, date: {first_session.isoformat()}}}\n",
        encoding="utf-8",
    )
    roster = ["roster_id,name,role,x_handle,in_cohort"]
    files = []
    dates = [start + dt.timedelta(days=i) for i in range(days)]
    post_id = 1_400_000_000_000_000_000
    for a in range(accounts):
        handle = f"CllrBench{a:04d}"
        roster.append(f"B{a:04d},Bench Person{a:04d},councillor,{handle},yes")
        folder = pilot / "metrics" / handle
        folder.mkdir(parents=True)
        posts_a_day = rng.poisson(posts_per_day, days)
        impressions = rng.poisson(300, days) * (posts_a_day + 1)
        engagements = rng.binomial(impressions, 0.03)
        daily = pd.DataFrame({
            "person_key": f"B{a:04d}", "date": dates, "posts": posts_a_day, "impressions": impressions,
            "engagements": engagements, "likes": rng.binomial(engagements, 0.5),
            "reposts": rng.binomial(engagements, 0.1), "replies": rng.binomial(engagements, 0.1),
            "profile_visits": rng.binomial(engagements, 0.1), "link_clicks": rng.binomial(engagements, 0.1),
            "new_follows": rng.poisson(0.5, days),
        })
        tag = f"{handle}_{start:%Y%m%d}_{dates[-1]:%Y%m%d}_en.csv"
        path = folder / f"daily_tweet_activity_metrics_{tag}"
        write_x_daily_activity(path, source_file=str(path.relative_to(root)), handle=handle, daily=daily, rng=rng)
        files.append(path)
        n = int(posts_a_day.sum())
        stamps = pd.Timestamp(start, tz="UTC") + pd.to_timedelta(np.sort(rng.integers(0, days * 1440, n)), unit="min")
        imp = rng.poisson(400, n)
        eng = rng.binomial(imp, 0.03)
        posts = pd.DataFrame({
            "person_key": f"B{a:04d}", "post_id": [str(post_id + i) for i in range(n)], "timestamp": stamps,
            "text": [f"Post {i} about ward matters &amp; the budget" if i % 5 else f"@resident{i} thanks,\nwill check"
                     for i in range(n)],
            "is_reply": [i % 5 == 0 for i in range(n)], "impressions": imp, "engagements": eng,
            "likes": rng.binomial(eng, 0.5), "reposts": rng.binomial(eng, 0.1), "replies": rng.binomial(eng, 0.1),
            "profile_clicks": rng.binomial(eng, 0.1), "url_clicks": rng.binomial(eng, 0.1),
        })
        post_id += n
        path = folder / f"tweet_activity_metrics_{tag}"
        write_x_tweet_activity(path, source_file=str(path.relative_to(root)), handle=handle, posts=posts, rng=rng)
        files.append(path)
    (pilot / "roster.csv").write_text("\n".join(roster) + "\n", encoding="utf-8")
    return files


def arrow_floor(files: list[Path]) -> float:
    """Seconds to parse every file with ``pyarrow.csv.read_csv`` (types inferred)."""
    options = pacsv.ParseOptions(newlines_in_values=True)
    start = time.perf_counter()
    for path in files:
        pacsv.read_csv(path, parse_options=options)
    return time.perf_counter() - start


def clean_in_child(root: Path, out: Path, jobs: int | None) -> dict:
    """Clean ``root`` into the store ``out`` in a fresh Python process; its seconds (of the
    cleaning call, not the interpreter's start) and peak memory in bytes."""
    run = subprocess.run([sys.executable, "-c", _CHILD, str(root), str(out), "auto" if jobs is None else str(jobs),
                          KEY.decode()], capture_output=True, text=True, check=False)
    if run.returncode != 0:
        raise RuntimeError(f"cleaning failed in the child process:\n{run.stderr}")
    return json.loads(run.stdout.strip().splitlines()[-1])


def output_bytes(out: Path) -> int:
    """The Arrow in-memory size of every table of the store at ``out`` (a partitioned table
    read a pilot at a time: at national scale the whole would not fit in memory)."""
    from evalkit import schemas, store

    total = 0
    for name in schemas.TABLES:
        pilots = store.pilots_in(out, name) if store.table_path(out, name).is_dir() else [None]
        for pilot in pilots:
            total += store.read_arrow(out, name, None if pilot is None else [pilot]).nbytes
    return total


def measure(*, accounts: int = 200, days: int = 730, posts_per_day: float = 3.0, seed: int = 1,
            jobs: int | None = None, work: Path | None = None) -> dict:
    """Build the programme in ``work`` (a temporary folder, removed after, by default),
    measure the floors and cleaning, and return the figures:

    ``clean_vs_arrow`` (clean throughput / Arrow throughput, goal ≥ 0.5),
    ``clean_peak_memory_vs_output`` (peak memory / Arrow size of the output, goal ≤ 3),
    ``clean_seconds``, ``arrow_seconds``, ``megabytes`` (input), ``files``, ``rows``
    (metric and post rows), ``peak_memory_mb``, ``output_mb``, ``jobs`` (as given; ``None``
    lets cleaning choose), ``layout`` (of the store written).
    """
    from evalkit.pipeline import choose_jobs

    temporary = work is None
    work = Path(work) if work is not None else Path(tempfile.mkdtemp(prefix="evalkit-clean-bench-"))
    root, out = work / "programme", work / "store"
    for folder in (root, out):
        if folder.exists():
            shutil.rmtree(folder)
    root.mkdir(parents=True)
    try:
        files = build(root, accounts, days, posts_per_day, seed)
        size = sum(p.stat().st_size for p in files)
        arrow_floor(files[:4])  # warm the file cache and imports
        floor = min(arrow_floor(files) for _ in range(3))
        child = clean_in_child(root, out, jobs)
        workers = choose_jobs(jobs, len(files), size)
        peak = child["self_peak"] + (child["worker_peak"] * workers if workers > 1 else 0)
        output = output_bytes(out)
        return {
            "clean_vs_arrow": floor / child["seconds"],
            "clean_peak_memory_vs_output": peak / output,
            "clean_seconds": child["seconds"],
            "arrow_seconds": floor,
            "megabytes": size / 1e6,
            "files": len(files),
            "rows": child["rows"],
            "peak_memory_mb": peak / 1e6,
            "output_mb": output / 1e6,
            "jobs": workers,
            "layout": child["layout"],
        }
    finally:
        if temporary:
            shutil.rmtree(work, ignore_errors=True)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--posts-per-day", type=float, default=3.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, help="processes reading files (default: cleaning chooses)")
    parser.add_argument("--keep", type=Path, help="build the programme and store here and keep them")
    args = parser.parse_args(argv)

    print(f"building {args.accounts} accounts × {args.days} days …", flush=True)
    found = measure(accounts=args.accounts, days=args.days, posts_per_day=args.posts_per_day, seed=args.seed,
                    jobs=args.jobs, work=args.keep)
    mb = found["megabytes"]
    print()
    print("| step | seconds | MB/s |")
    print("|---|---:|---:|")
    print(f"| pyarrow.csv.read_csv (floor) | {found['arrow_seconds']:.2f} | {mb / found['arrow_seconds']:.1f} |")
    print(f"| evalkit clean (to the store, {found['jobs']} process(es)) | {found['clean_seconds']:.2f} | "
          f"{mb / found['clean_seconds']:.1f} |")
    print()
    print(f"{found['files']} files, {mb:.1f} MB, {found['rows']:,} metric and post rows, "
          f"store layout: {found['layout']}")
    print(f"clean throughput / Arrow throughput = {found['clean_vs_arrow']:.3f} (goal ≥ 0.5)")
    print(f"peak memory {found['peak_memory_mb']:.0f} MB / Arrow size of the output {found['output_mb']:.0f} MB = "
          f"{found['clean_peak_memory_vs_output']:.2f} (goal ≤ 3)")
    return found


if __name__ == "__main__":
    main()
