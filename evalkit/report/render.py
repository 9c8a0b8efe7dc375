"""Rendering reports: papermill executes the notebooks, nbconvert turns them into HTML.

:func:`render_programme` is what ``evalkit report`` runs:

1. clean the programme first when its clean tables are missing or older than its inputs;
2. one job per pilot (``notebooks/pilot_report.ipynb``) plus one cross-pilot job, each executed
   by papermill in its own process (``jobs`` at a time) and converted by nbconvert to one
   self-contained HTML file: no code, no parameter cells, no prompts, no scripts, nothing
   loaded from a network;
3. a job whose notebook, parameters and input data are unchanged (a content hash) is skipped
   unless ``force``;
4. a failing job does not stop the others: it is listed with the cell that failed, and its
   executed notebook is kept for the evaluator;
5. ``index.html`` lists every pilot with its headline figures and links.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .. import __version__

__all__ = ["Job", "JobResult", "RenderResult", "convert_to_html", "render_programme", "NOTEBOOKS"]

#: the report notebooks shipped with evalkit (repository ``notebooks/``)
NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
TEMPLATES = Path(__file__).resolve().parent / "templates"
AUDIENCES = ("commissioner", "evaluator")
FORMATS = ("html", "pdf", "xlsx")
CACHE_FILE = ".evalkit-render.json"


@dataclass
class Job:
    """One notebook to execute and convert."""

    name: str  # pilot id, or "cross-pilot"
    notebook: Path
    parameters: dict
    out_dir: Path
    formats: tuple[str, ...] = ("html",)

    @property
    def html_path(self) -> Path:
        return self.out_dir / f"{self.name}.html"

    @property
    def ipynb_path(self) -> Path:
        return self.out_dir / "notebooks" / f"{self.name}.ipynb"

    @property
    def figures_path(self) -> Path:
        return self.out_dir / f"{self.name}.json"


@dataclass
class JobResult:
    name: str
    status: str  # "rendered", "skipped", "failed"
    seconds: float = 0.0
    cell: int | None = None
    error: str | None = None
    kept_notebook: str | None = None
    outputs: list[str] = field(default_factory=list)

    def describe(self) -> str:
        if self.status != "failed":
            return f"{self.name}: {self.status}"
        where = f" in cell {self.cell}" if self.cell is not None else ""
        kept = f" (executed notebook kept at {self.kept_notebook})" if self.kept_notebook else ""
        return f"{self.name}: failed{where}: {self.error}{kept}"


@dataclass
class RenderResult:
    out_dir: Path
    index: Path
    results: list[JobResult]

    @property
    def failures(self) -> list[JobResult]:
        return [r for r in self.results if r.status == "failed"]

    @property
    def exit_code(self) -> int:
        return 1 if self.failures else 0


# --------------------------------------------------------------------------- hashing

def _hash_file(h, path: Path) -> None:
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            h.update(chunk)


def content_hash(job: Job, data_files: list[Path]) -> str:
    """Hash of everything a job's output depends on: notebook, parameters, data, evalkit."""
    h = hashlib.sha256()
    h.update(__version__.encode())
    h.update(json.dumps(job.parameters, sort_keys=True, default=str).encode())
    h.update(",".join(job.formats).encode())
    _hash_file(h, job.notebook)
    for path in sorted(data_files):
        h.update(str(path.name).encode())
        _hash_file(h, path)
    for path in sorted((Path(__file__).resolve().parents[1]).rglob("*.py")):
        _hash_file(h, path)  # a change in evalkit's own code re-renders
    return h.hexdigest()


def input_hash(clean_dir: Path) -> str:
    """Short hash of the clean tables a report was made from (shown in its provenance)."""
    h = hashlib.sha256()
    for path in sorted(Path(clean_dir).glob("*.parquet")):
        h.update(path.name.encode())
        _hash_file(h, path)
    return h.hexdigest()[:16]


# --------------------------------------------------------------------------- conversion

def convert_to_html(notebook_path: Path, html_path: Path, title: str) -> None:
    """Convert an executed notebook to a self-contained report page.

    Code, prompts, parameter cells, stream output (warnings, logs) and error tracebacks are
    left out; only Markdown cells and rich outputs remain.
    """
    import nbformat
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    nb = nbformat.read(notebook_path, as_version=4)
    nb.metadata["title"] = title
    keep = []
    for cell in nb.cells:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if tags & {"parameters", "injected-parameters", "remove-cell"}:
            continue
        if cell.cell_type == "code":
            cell.outputs = [
                o for o in cell.outputs
                if o.get("output_type") in ("display_data", "execute_result")
                and any(k in o.get("data", {}) for k in ("text/html", "image/svg+xml", "image/png"))
            ]
            for o in cell.outputs:  # never show a plain-text repr of an object
                o["data"] = {k: v for k, v in o["data"].items() if k != "text/plain"}
            if not cell.outputs:
                continue
        elif cell.cell_type == "raw":
            continue
        keep.append(cell)
    nb.cells = keep

    config = Config()
    config.HTMLExporter.exclude_input = True
    config.HTMLExporter.exclude_input_prompt = True
    config.HTMLExporter.exclude_output_prompt = True
    config.HTMLExporter.exclude_anchor_links = True
    exporter = HTMLExporter(config=config, template_name="evalkit", extra_template_basedirs=[str(TEMPLATES)])
    css = (TEMPLATES / "evalkit" / "report.css").read_text(encoding="utf-8")
    body, _ = exporter.from_notebook_node(nb, resources={"evalkit_css": css})
    html_path.write_text(body, encoding="utf-8")


# --------------------------------------------------------------------------- running

def _run_job(job: Job, kernel: str) -> JobResult:
    """Execute and convert one job (in a worker process)."""
    import papermill

    started = time.perf_counter()
    job.ipynb_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        papermill.execute_notebook(
            str(job.notebook), str(job.ipynb_path), parameters=job.parameters,
            kernel_name=kernel, progress_bar=False, log_output=False, cwd=str(job.out_dir),
        )
    except Exception as exc:  # papermill's PapermillExecutionError carries the failing cell
        cell = getattr(exc, "exec_count", None)
        index = getattr(exc, "cell_index", None)
        ename = getattr(exc, "ename", type(exc).__name__)
        evalue = getattr(exc, "evalue", str(exc))
        failed_dir = job.out_dir / "failed"
        failed_dir.mkdir(parents=True, exist_ok=True)
        kept = failed_dir / f"{job.name}.ipynb"
        if job.ipynb_path.exists():
            shutil.move(str(job.ipynb_path), kept)
        for stale in (job.html_path, job.figures_path):
            stale.unlink(missing_ok=True)
        return JobResult(
            job.name, "failed", time.perf_counter() - started,
            cell=(index + 1) if isinstance(index, int) else cell,
            error=f"{ename}: {str(evalue).strip().splitlines()[0] if str(evalue).strip() else ''}",
            kept_notebook=str(kept) if kept.exists() else None,
        )
    try:
        title = job.parameters.get("title") or job.name
        convert_to_html(job.ipynb_path, job.html_path, title)
        outputs = [str(job.html_path)]
        if "pdf" in job.formats:
            from .pdf import html_to_pdf

            pdf = job.html_path.with_suffix(".pdf")
            html_to_pdf(job.html_path, pdf)
            outputs.append(str(pdf))
    except Exception as exc:
        return JobResult(job.name, "failed", time.perf_counter() - started,
                         error=f"converting: {type(exc).__name__}: {exc}")
    return JobResult(job.name, "rendered", time.perf_counter() - started, outputs=outputs)


def run_jobs(jobs: list[Job], *, workers: int, data_files: list[Path], force: bool = False,
             kernel: str = "python3", progress: bool = True) -> list[JobResult]:
    """Run jobs ``workers`` at a time, skipping those whose content hash is unchanged."""
    from tqdm import tqdm

    results: dict[str, JobResult] = {}
    todo: list[tuple[Job, str]] = []
    for job in jobs:
        job.out_dir.mkdir(parents=True, exist_ok=True)
        cache = _read_cache(job.out_dir)
        digest = content_hash(job, data_files)
        outputs_exist = job.html_path.exists() and all(
            job.html_path.with_suffix("." + f).exists() for f in job.formats if f == "pdf"
        )
        if not force and cache.get(job.name) == digest and outputs_exist:
            results[job.name] = JobResult(job.name, "skipped")
        else:
            todo.append((job, digest))

    bar = tqdm(total=len(jobs), desc="rendering reports", unit="report", disable=not progress,
               file=sys.stderr, initial=len(results))
    if todo:
        with ProcessPoolExecutor(max_workers=max(1, min(workers, len(todo)))) as pool:
            futures = {pool.submit(_run_job, job, kernel): (job, digest) for job, digest in todo}
            for future in as_completed(futures):
                job, digest = futures[future]
                try:
                    result = future.result()
                except Exception as exc:  # a crashed worker process
                    result = JobResult(job.name, "failed", error=f"{type(exc).__name__}: {exc}")
                results[job.name] = result
                cache = _read_cache(job.out_dir)
                if result.status == "rendered":
                    cache[job.name] = digest
                else:
                    cache.pop(job.name, None)
                _write_cache(job.out_dir, cache)
                bar.set_postfix_str(f"{job.name} {result.status}")
                bar.update(1)
    bar.close()
    return [results[j.name] for j in jobs]


def _read_cache(out_dir: Path) -> dict:
    path = out_dir / CACHE_FILE
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def _write_cache(out_dir: Path, cache: dict) -> None:
    (out_dir / CACHE_FILE).write_text(json.dumps(cache, indent=1, sort_keys=True))


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
