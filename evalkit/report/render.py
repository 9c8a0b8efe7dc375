"""Rendering reports: papermill executes the notebooks, nbconvert turns them into HTML.

:func:`render_programme` is what ``evalkit report`` runs:

1. clean the programme first when its clean tables are missing or older than its inputs;
2. one job per pilot (``notebooks/pilot_report.ipynb``) plus one cross-pilot job, ``jobs`` at
   a time in worker processes. Each worker keeps one kernel and papermill executes the
   worker's notebooks in it one after another, the kernel reset before each (every name,
   the history and open figures dropped; imported modules kept, which is what starting a
   kernel per notebook would cost again). nbconvert turns each executed notebook into one
   self-contained HTML file: no code, no parameter cells, no prompts, no scripts, nothing
   loaded from a network. Each pilot's results are kept beside the clean tables
   (:mod:`evalkit.report.results`), so the cross-pilot job, queued last, reads them rather
   than analysing every pilot again; the comparisons between pilots, which need no pilot's
   results, are computed by the first free worker at the start of the run;
3. a job whose notebook, parameters and input data are unchanged (a content hash) is skipped
   unless ``force``;
4. a failing job does not stop the others: it is listed with the cell that failed, and its
   executed notebook is kept for the evaluator;
5. ``index.html`` lists every pilot with its headline figures and links.
"""

from __future__ import annotations

import functools
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
    #: work the job needs that does not wait on the other jobs: ``(function, *arguments)``,
    #: run in a worker at the start of the run (whatever it keeps, the job then loads)
    prepare: tuple | None = None

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


def data_digest(data_files: list[Path]) -> str:
    """Digest of the clean tables' files (names and bytes), computed once for all jobs."""
    h = hashlib.sha256()
    for path in sorted(data_files):
        h.update(f"{path.parent.name}/{path.name}".encode())
        _hash_file(h, path)
    return h.hexdigest()


@functools.lru_cache(maxsize=1)
def code_digest() -> str:
    """Digest of evalkit's own code (every module's path and bytes): output made by other code
    is made again (rendered reports, kept results)."""
    h = hashlib.sha256(__version__.encode())
    package = Path(__file__).resolve().parents[1]
    for path in sorted(package.rglob("*.py")):
        h.update(path.relative_to(package).as_posix().encode())
        _hash_file(h, path)
    return h.hexdigest()


def content_hash(job: Job, data_files: list[Path] | str) -> str:
    """Hash of everything a job's output depends on: notebook, parameters, data, evalkit.

    ``data_files`` are the clean tables' files, or their :func:`data_digest` (hashed once
    for every job of a run: a national store is hundreds of megabytes)."""
    h = hashlib.sha256()
    h.update(code_digest().encode())
    h.update(json.dumps(job.parameters, sort_keys=True, default=str).encode())
    h.update(",".join(job.formats).encode())
    _hash_file(h, job.notebook)
    h.update((data_files if isinstance(data_files, str) else data_digest(data_files)).encode())
    return h.hexdigest()


def input_hash(clean_dir: Path, pilot_id: str | None = None) -> str:
    """Short hash of the clean tables a report was made from (shown in its provenance): every
    file of the store, or only those holding ``pilot_id``'s rows (its partitions and every
    one-file table) for that pilot's report."""
    from .. import store

    h = hashlib.sha256()
    for path in store.store_files(Path(clean_dir), pilot_id=pilot_id):
        h.update(path.relative_to(clean_dir).as_posix().encode())
        _hash_file(h, path)
    return h.hexdigest()[:16]


# --------------------------------------------------------------------------- conversion

def convert_to_html(notebook_path: Path, html_path: Path, title: str) -> None:
    """Convert an executed notebook to a self-contained report page.

    Code, prompts, parameter cells, stream output (warnings, logs) and error tracebacks are
    left out; only Markdown cells and rich outputs remain.
    """
    import nbformat

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

    css = (TEMPLATES / "evalkit" / "report.css").read_text(encoding="utf-8")
    body, _ = _html_exporter().from_notebook_node(nb, resources={"evalkit_css": css})
    html_path.write_text(body, encoding="utf-8")


@functools.lru_cache(maxsize=1)
def _html_exporter():
    """The exporter of report pages, made once per process (its templates compiled once, not
    for every report a render worker converts)."""
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    config = Config()
    config.HTMLExporter.exclude_input = True
    config.HTMLExporter.exclude_input_prompt = True
    config.HTMLExporter.exclude_output_prompt = True
    config.HTMLExporter.exclude_anchor_links = True
    return HTMLExporter(config=config, template_name="evalkit", extra_template_basedirs=[str(TEMPLATES)])


# --------------------------------------------------------------------------- running

def _local_kernel_manager(socket_dir: str):
    """A kernel manager that talks to its kernel over IPC sockets in ``socket_dir``, not
    loopback TCP (nothing listens on a port, and the kernel prints no transport warning)."""
    from jupyter_client.manager import KernelManager

    class LocalKernelManager(KernelManager):
        def __init__(self, **kwargs):
            kwargs.setdefault("transport", "ipc")
            kwargs.setdefault("ip", os.path.join(socket_dir, "kernel"))
            super().__init__(**kwargs)

    return LocalKernelManager


#: Run in a worker's kernel before each notebook: every name the last notebook defined,
#: its input and output history and its open figures are dropped, and the working directory
#: set, so a notebook sees what a fresh kernel would show it. Imported modules stay loaded:
#: that is what reusing the kernel saves. (IPython's ``%reset -f``, without the full garbage
#: collection it ends with: that costs more than the rest and Python collects anyway.)
_RESET = """\
def _evalkit_reset(shell, cwd):
    import gc, os, sys
    collect = gc.collect
    gc.collect = lambda *args, **kwargs: 0  # reset() collects all garbage; left to Python
    try:
        shell.reset(new_session=False)
    finally:
        gc.collect = collect
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
    os.chdir(cwd)
_evalkit_reset(get_ipython(), {cwd!r})
"""


class _WorkerKernel:
    """The kernel one render worker process executes its notebooks in, one after another.

    Starting a kernel and importing pandas, matplotlib and evalkit in it costs more than
    most reports take to compute, so a worker starts its kernel once and, before each
    notebook, resets it (:data:`_RESET`). A notebook that fails, or a kernel that dies,
    costs the kernel: the next notebook gets a new one. The kernel is shut down when the
    worker process exits.
    """

    def __init__(self):
        self.manager = None
        self.kernel_name: str | None = None
        self._socket_dir: str | None = None

    def ready(self, kernel_name: str, cwd: Path):
        """A running kernel of ``kernel_name``, reset for a new notebook run in ``cwd``."""
        if self.manager is not None and (self.kernel_name != kernel_name or not self.manager.is_alive()):
            self.stop()
        if self.manager is None:
            self._start(kernel_name, cwd)
        client = self.manager.client()
        client.start_channels(shell=True, iopub=False, stdin=False, hb=False, control=False)
        try:  # the shell channel's reply alone says the reset ran: no waiting on broadcasts
            sent = client.execute(_RESET.format(cwd=str(cwd)), silent=True, store_history=False)
            while True:
                reply = client.get_shell_msg(timeout=60)
                if reply["parent_header"].get("msg_id") == sent:
                    break
        except Exception:  # no reply: the kernel is unusable
            reply = {"content": {"status": "error"}}
        finally:
            client.stop_channels()
        if reply["content"].get("status") != "ok":
            self.stop()
            self._start(kernel_name, cwd)
        return self.manager

    def _start(self, kernel_name: str, cwd: Path) -> None:
        import tempfile
        from multiprocessing import util

        first = self._socket_dir is None
        if first:
            self._socket_dir = tempfile.mkdtemp(prefix="evalkit-kernel-")
            util.Finalize(self, _WorkerKernel.close, args=(self,), exitpriority=10)  # at worker exit
        self.manager = _local_kernel_manager(self._socket_dir)(kernel_name=kernel_name)
        self.manager.start_kernel(cwd=str(cwd))
        self.kernel_name = kernel_name

    def stop(self) -> None:
        """Shut the kernel down (the next :meth:`ready` starts another)."""
        if self.manager is not None:
            try:
                self.manager.shutdown_kernel(now=True)
            except Exception:  # a kernel already gone
                pass
            self.manager = None

    def close(self) -> None:
        """Shut the kernel down and remove its socket folder (when the worker exits)."""
        self.stop()
        if self._socket_dir is not None:
            shutil.rmtree(self._socket_dir, ignore_errors=True)
            self._socket_dir = None


#: this worker process's kernel (see :class:`_WorkerKernel`)
_KERNEL = _WorkerKernel()


def _prepare(function, *arguments) -> None:
    """Run a job's preparation (in a worker process); a failure is left to the job to meet."""
    try:
        function(*arguments)
    except Exception:
        pass


def _run_job(job: Job, kernel: str) -> JobResult:
    """Execute and convert one job (in a worker process, in its kernel)."""
    import papermill

    started = time.perf_counter()
    job.ipynb_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        manager = _KERNEL.ready(kernel, job.out_dir)
        papermill.execute_notebook(
            str(job.notebook), str(job.ipynb_path), parameters=job.parameters,
            kernel_name=kernel, progress_bar=False, log_output=False, cwd=str(job.out_dir), km=manager,
            request_save_on_cell_execute=False,  # written once at the end (or on failure), not twice per cell
        )
    except Exception as exc:  # papermill's PapermillExecutionError carries the failing cell
        _KERNEL.stop()  # whatever the notebook left behind, the next one starts clean
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
        if "xlsx" in job.formats:
            outputs.append(str(write_result_workbook(job)))
        if "pdf" in job.formats:
            from .pdf import html_to_pdf

            pdf = job.html_path.with_suffix(".pdf")
            html_to_pdf(job.html_path, pdf)
            outputs.append(str(pdf))
    except Exception as exc:
        return JobResult(job.name, "failed", time.perf_counter() - started,
                         error=f"converting: {type(exc).__name__}: {exc}")
    return JobResult(job.name, "rendered", time.perf_counter() - started, outputs=outputs)


def write_result_workbook(job: Job) -> Path:
    """The result tables of a job's report as a workbook beside its HTML (values only, cells
    that could start a formula neutralised; commissioner tables already suppressed)."""
    from ..export import write_xlsx

    p = job.parameters
    if job.name == "cross-pilot":
        from .cross import CrossPilotReport

        report = CrossPilotReport.open(p["programme"], p["clean_dir"], p["audience"])
    else:
        from .pilot import PilotReport

        report = PilotReport.open(p["programme"], p["clean_dir"], p["pilot_id"], p["audience"])
    path = job.html_path.with_suffix(".xlsx")
    write_xlsx(report.result_tables(), path, title=p.get("title"))
    return path


def run_jobs(jobs: list[Job], *, workers: int, data_files: list[Path], force: bool = False,
             kernel: str = "python3", progress: bool = True) -> list[JobResult]:
    """Run jobs ``workers`` at a time, skipping those whose content hash is unchanged."""
    from tqdm import tqdm

    results: dict[str, JobResult] = {}
    todo: list[tuple[Job, str]] = []
    data = data_digest(data_files)
    for job in jobs:
        job.out_dir.mkdir(parents=True, exist_ok=True)
        cache = _read_cache(job.out_dir)
        digest = content_hash(job, data)
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
            # first what a job can prepare before the others end (the cross-pilot job, last,
            # would otherwise compute it alone while the other workers wait); should it fail,
            # the job computes it again and reports the failure
            for job, _ in todo:
                if job.prepare is not None and len(todo) > 1:
                    pool.submit(_prepare, *job.prepare)
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


# --------------------------------------------------------------------------- a programme

def clean_dir_for(programme, base: Path | None = None) -> Path:
    """Where the clean tables of a programme live by default: ``build/<programme>/clean``."""
    return (base or Path("build")) / programme.slug / "clean"


def inputs_newer_than(programme, stamp: Path) -> list[Path]:
    """Input files (programme.yml, rosters, raw files) changed after ``stamp`` was written."""
    from ..pipeline import input_files

    if not stamp.exists():
        return [stamp]
    since = stamp.stat().st_mtime
    candidates = [programme.root / "programme.yml"]
    for pilot in programme.pilots:
        candidates.append(programme.root / pilot.id / pilot.roster)
        candidates.extend(input_files(programme, pilot))
    return [p for p in candidates if p.exists() and p.stat().st_mtime > since]


def ensure_clean(programme_path: Path, clean_dir: Path, *, force: bool = False) -> tuple[Path, bool]:
    """Clean the programme into ``clean_dir`` when its tables are missing or older than its
    inputs. Returns the folder and whether cleaning ran."""
    from ..pipeline import clean_programme
    from ..programme import load_programme

    programme = load_programme(programme_path)
    stamp = clean_dir / "summary.md"
    if not force and not inputs_newer_than(programme, stamp):
        return clean_dir, False
    result = clean_programme(programme_path, out=clean_dir)
    if result.exit_code == 2:
        problems = result.problems + [f.error for f in result.files if f.status == "failed"]
        raise RuntimeError(
            "the programme could not be cleaned completely; fix these first (evalkit validate "
            f"{programme_path}):\n" + "\n".join(f"  - {p}" for p in problems)
        )
    return clean_dir, True


def render_programme(
    programme_path: str | Path,
    *,
    pilots: list[str] | None = None,
    audience: str = "commissioner",
    formats: tuple[str, ...] = ("html",),
    jobs: int | None = None,
    out: str | Path | None = None,
    clean_dir: str | Path | None = None,
    force: bool = False,
    progress: bool = True,
    notebooks: Path = NOTEBOOKS,
) -> RenderResult:
    """Render every pilot's report and the cross-pilot report of a programme, and the index.

    Parameters
    ----------
    programme_path
        The programme folder.
    pilots
        Pilot ids to render (default: all). The cross-pilot report always covers every pilot.
    audience
        ``commissioner`` (default: no personal data, small counts suppressed) or ``evaluator``.
    formats
        Any of ``html`` (always made), ``pdf`` (printed by the system Chromium) and ``xlsx``
        (the result tables).
    jobs
        Notebooks executed at once (default: all cores).
    out
        Output folder (default ``reports/<programme>/``; evaluator reports go to
        ``reports/<programme>-evaluator/`` so they are never mixed with forwardable ones).
    clean_dir
        Where the clean tables are (default ``build/<programme>/clean``); cleaned first when
        missing or older than the inputs.
    force
        Render even when nothing changed since the last run.
    """
    from ..programme import load_programme

    if audience not in AUDIENCES:
        raise ValueError(f"audience must be one of {', '.join(AUDIENCES)}, not '{audience}'")
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ValueError(f"unknown format(s) {', '.join(unknown)}; formats are {', '.join(FORMATS)}")
    programme_path = Path(programme_path).resolve()
    programme = load_programme(programme_path)
    wanted = pilots or [p.id for p in programme.pilots]
    for pilot_id in wanted:
        programme.pilot(pilot_id)  # a clear error for an unknown pilot
    if "pdf" in formats:
        from .browser import chromium_path

        chromium_path()  # fail before any work when PDFs cannot be printed
    suffix = "" if audience == "commissioner" else f"-{audience}"
    out = Path(out) if out else Path("reports") / f"{programme.slug}{suffix}"
    out = out.resolve()
    clean_dir = Path(clean_dir).resolve() if clean_dir else clean_dir_for(programme).resolve()
    ensure_clean(programme_path, clean_dir)
    from ..pipeline import store_files

    data_files = store_files(clean_dir)

    all_jobs = []
    for pilot_id in wanted:
        pilot = programme.pilot(pilot_id)
        job = Job(pilot_id, notebooks / "pilot_report.ipynb", {}, out, tuple(formats))
        job.parameters = {
            "programme": str(programme_path), "clean_dir": str(clean_dir), "pilot_id": pilot_id,
            "audience": audience, "figures_path": str(job.figures_path),
            "title": f"{pilot.name}: evaluation report",
        }
        all_jobs.append(job)
    from .results import keep_programme_comparisons

    cross = Job("cross-pilot", notebooks / "cross_pilot_report.ipynb", {}, out, tuple(formats),
                prepare=(keep_programme_comparisons, str(programme_path), str(clean_dir)))
    cross.parameters = {
        "programme": str(programme_path), "clean_dir": str(clean_dir), "audience": audience,
        "figures_path": str(cross.figures_path), "title": f"{programme.name}: the pilots compared",
    }
    all_jobs.append(cross)
    results = run_jobs(all_jobs, workers=jobs or default_jobs(), data_files=data_files, force=force,
                       progress=progress)
    from .index import write_index

    index = write_index(programme, out, results, audience=audience)
    return RenderResult(out, index, results)
