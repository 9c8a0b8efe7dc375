"""Benchmark: ``evalkit clean`` throughput against a plain Arrow CSV parse of the same bytes.

Builds a large programme of X classic exports (per-day and per-post files for many accounts,
written by the sample's own format writers, so the bytes are the real layout), then in the
same run times

* the floor: ``pyarrow.csv.read_csv`` of every input file (quoted line breaks allowed), and
* ``evalkit.pipeline.clean_programme`` of the programme (detection, parsing, cleaning,
  validation, linking),

and prints both throughputs and their ratio (clean / floor; the goal is at least 0.5).

Run: ``python benchmarks/clean.py`` (``--accounts 40 --days 365`` for a quick look).
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.csv as pacsv

from evalkit.pipeline import clean_programme
from evalkit.sample.formats.x_classic import write_x_daily_activity, write_x_tweet_activity

KEY = b"benchmark key, not secret at all"


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
    options = pacsv.ParseOptions(newlines_in_values=True)
    start = time.perf_counter()
    for path in files:
        pacsv.read_csv(path, parse_options=options)
    return time.perf_counter() - start


def clean_time(root: Path) -> tuple[float, int]:
    start = time.perf_counter()
    result = clean_programme(root, key=KEY)
    seconds = time.perf_counter() - start
    return seconds, len(result.tables["metrics"]) + len(result.tables["posts"])


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--posts-per-day", type=float, default=3.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="build the programme here and keep it")
    args = parser.parse_args(argv)

    root = args.keep or Path(tempfile.mkdtemp(prefix="evalkit-bench-"))
    if root.exists() and any(root.iterdir()):
        shutil.rmtree(root)
    root.mkdir(parents=True, exist_ok=True)
    print(f"building {args.accounts} accounts × {args.days} days in {root} …", flush=True)
    files = build(root, args.accounts, args.days, args.posts_per_day, args.seed)
    size = sum(p.stat().st_size for p in files)
    arrow_floor(files[:4])  # warm the file cache and imports
    floor = min(arrow_floor(files) for _ in range(3))
    seconds, rows = clean_time(root)
    ratio = floor / seconds
    mb = size / 1e6
    print()
    print(f"| step | seconds | MB/s |")
    print(f"|---|---:|---:|")
    print(f"| pyarrow.csv.read_csv (floor) | {floor:.2f} | {mb / floor:.1f} |")
    print(f"| evalkit clean | {seconds:.2f} | {mb / seconds:.1f} |")
    print()
    print(f"{len(files)} files, {mb:.1f} MB, {rows:,} metric and post rows")
    print(f"clean throughput / Arrow throughput = {ratio:.3f} (goal ≥ 0.5)")
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)
    return {"clean_vs_arrow": ratio, "files": len(files), "megabytes": mb, "clean_seconds": seconds,
            "arrow_seconds": floor}


if __name__ == "__main__":
    main()
