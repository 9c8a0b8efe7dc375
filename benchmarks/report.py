"""Benchmark: ``evalkit report`` wall time against a floor of plain papermill runs.

The floor executes, with the same kernel and the same number of parallel jobs, as many
notebooks as the report has (one per pilot plus the cross-pilot one), each of which only
imports pandas, matplotlib, seaborn and scipy and draws one plot; each in a kernel started
for it and shut down after it (papermill's way), over IPC sockets as the report's kernels.
Both are measured in the same run on the same machine; the ratio report / floor is printed
(goal ≤ 1.2).

The programme is cleaned before timing, so the report time is rendering only (papermill,
nbconvert, the index).

Run: ``python benchmarks/report.py [PROGRAMME] [--jobs N]`` (default: the bundled sample).
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
FLOOR_SOURCE = """\
import pandas as pd
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import seaborn as sns
import scipy.stats
frame = pd.DataFrame({"x": range(10), "y": [v * v for v in range(10)]})
ax = sns.lineplot(data=frame, x="x", y="y")
plt.show()
"""


def floor_notebook(path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(FLOOR_SOURCE)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    nbformat.write(nb, path)
    return path


def _execute(source: str, target: str) -> None:
    """Execute one floor notebook in a kernel of its own, started and shut down by papermill,
    talking over IPC sockets as the report's kernels do (loopback TCP ports picked by kernels
    started side by side can collide, and a kernel that cannot bind one never answers)."""
    import tempfile

    import papermill

    from evalkit.report.render import _local_kernel_manager

    with tempfile.TemporaryDirectory(prefix="evalkit-floor-kernel-") as sockets:
        manager = _local_kernel_manager(sockets)(kernel_name="python3")
        try:
            papermill.execute_notebook(source, target, kernel_name="python3", progress_bar=False,
                                       log_output=False, km=manager)
        finally:  # a kernel manager handed to papermill is the caller's to shut down
            if manager.has_kernel:
                manager.shutdown_kernel()


def floor_seconds(count: int, jobs: int, folder: Path) -> float:
    source = floor_notebook(folder / "floor.ipynb")
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(_execute, str(source), str(folder / f"out-{i}.ipynb")) for i in range(count)]
        for f in futures:
            f.result()
    return time.perf_counter() - start


def measure(programme: Path, *, jobs: int, work: Path | None = None, clean_dir: Path | None = None) -> dict:
    """Time ``evalkit report`` (rendering only) and the floor; return the figures.

    ``clean_dir`` holds the programme's clean tables (cleaned first when missing or stale).
    """
    from evalkit.programme import load_programme
    from evalkit.report.render import ensure_clean, render_programme

    work = work or Path(tempfile.mkdtemp(prefix="evalkit-report-bench-"))
    clean = clean_dir or work / "clean"
    ensure_clean(programme, clean)
    count = len(load_programme(programme).pilots) + 1
    floor_dir = work / "floor"
    floor_dir.mkdir(parents=True, exist_ok=True)
    floor_seconds(1, 1, floor_dir)  # warm imports and the file cache for both
    floor = floor_seconds(count, jobs, floor_dir)
    start = time.perf_counter()
    result = render_programme(programme, out=work / "site", clean_dir=clean, jobs=jobs, force=True,
                              progress=False)
    report = time.perf_counter() - start
    failed = [r.describe() for r in result.failures]
    return {"report_vs_floor": report / floor, "report_seconds": report, "floor_seconds": floor,
            "notebooks": count, "jobs": jobs, "failures": failed}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("programme", nargs="?", type=Path, default=ROOT / "data" / "sample")
    parser.add_argument("--jobs", type=int, default=None, help="parallel notebooks (default: all cores)")
    args = parser.parse_args(argv)
    from evalkit.report.render import default_jobs

    jobs = args.jobs or default_jobs()
    work = Path(tempfile.mkdtemp(prefix="evalkit-report-bench-"))
    try:
        figures = measure(args.programme.resolve(), jobs=jobs, work=work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("| step | seconds |")
    print("|---|---:|")
    print(f"| papermill floor ({figures['notebooks']} notebooks, {jobs} jobs) | {figures['floor_seconds']:.1f} |")
    print(f"| evalkit report (rendering) | {figures['report_seconds']:.1f} |")
    print(f"\nreport / floor = {figures['report_vs_floor']:.2f} (goal ≤ 1.2)")
    if figures["failures"]:
        print("failures:", *figures["failures"], sep="\n  ")
    return figures


if __name__ == "__main__":
    main()
