"""`evalkit report` orchestration on a tiny programme: cleaning first when stale, skipping
unchanged reports, --force, the index, and a clear message when Chromium is missing."""

import os
import time
from pathlib import Path

import pytest

from evalkit.cli import main
from evalkit.report.browser import ChromiumMissing, chromium_path
from evalkit.report.render import render_programme

HOSTILE = Path(__file__).resolve().parents[1] / "data" / "hostile"


@pytest.fixture()
def programme(tmp_path, monkeypatch):
    import shutil

    monkeypatch.setenv("EVALKIT_HOSTILE_KEY", "hostile key for tests only")
    copy = tmp_path / "programme"
    shutil.copytree(HOSTILE, copy)
    return copy


def test_second_run_skips_unchanged_reports_and_force_renders_again(programme, tmp_path):
    out, clean = tmp_path / "site", tmp_path / "clean"
    first = render_programme(programme, out=out, clean_dir=clean, progress=False)
    assert [r.status for r in first.results] == ["rendered", "rendered"]
    assert (clean / "summary.md").exists() and (out / "index.html").exists()
    second = render_programme(programme, out=out, clean_dir=clean, progress=False)
    assert [r.status for r in second.results] == ["skipped", "skipped"]
    forced = render_programme(programme, out=out, clean_dir=clean, progress=False, force=True)
    assert [r.status for r in forced.results] == ["rendered", "rendered"]


def test_changed_inputs_are_cleaned_again_and_rendered(programme, tmp_path):
    out, clean = tmp_path / "site", tmp_path / "clean"
    render_programme(programme, out=out, clean_dir=clean, progress=False)
    cleaned_at = (clean / "summary.md").stat().st_mtime
    time.sleep(1.1)
    register = programme / "hostile" / "attendance" / "register.csv"
    register.write_text(register.read_text().replace("$\\alpha$ Taylor,Y,", "$\\alpha$ Taylor,Y,Y"))
    again = render_programme(programme, out=out, clean_dir=clean, progress=False)
    assert (clean / "summary.md").stat().st_mtime > cleaned_at
    assert [r.status for r in again.results] == ["rendered", "rendered"]


def test_report_command_prints_the_index(programme, tmp_path, capsys):
    code = main(["report", str(programme), "--out", str(tmp_path / "site"),
                 "--clean-dir", str(tmp_path / "clean"), "--quiet", "--jobs", "2"])
    out = capsys.readouterr().out
    assert code == 0
    assert out.strip().endswith(f"index: {tmp_path / 'site' / 'index.html'}")


def test_unknown_pilot_and_format_are_clear_errors(programme, tmp_path, capsys):
    assert main(["report", str(programme), "--pilots", "nowhere", "--out", str(tmp_path)]) == 2
    assert "no pilot 'nowhere'" in capsys.readouterr().err
    assert main(["report", str(programme), "--formats", "docx", "--out", str(tmp_path)]) == 2
    assert "unknown format" in capsys.readouterr().err


def test_missing_chromium_says_how_to_install_it(programme, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("EVALKIT_CHROMIUM", str(tmp_path / "no-such-browser"))
    with pytest.raises(ChromiumMissing, match="apt-get install chromium"):
        chromium_path()
    assert main(["report", str(programme), "--formats", "pdf", "--out", str(tmp_path / "site")]) == 2
    assert "apt-get install chromium" in capsys.readouterr().err
    assert not (tmp_path / "site").exists()  # nothing rendered before the check


# ----------------------------------------------------------------------------- kernels

def _notebook(path: Path, *sources: str) -> Path:
    import nbformat

    nb = nbformat.v4.new_notebook()
    parameters = nbformat.v4.new_code_cell('record = None\nname = None')
    parameters.metadata["tags"] = ["parameters"]
    nb.cells = [parameters] + [nbformat.v4.new_code_cell(source) for source in sources]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


RECORD = """\
import json, os
json.dump({"pid": os.getpid(), "cwd": os.getcwd(), "leftover": "leftover" in globals(),
           "figures": len(__import__("matplotlib.pyplot").pyplot.get_fignums()),
           "names": sorted(n for n in globals() if not n.startswith("_"))}, open(record, "w"))
import matplotlib.pyplot as plt
plt.figure()  # left open on purpose
leftover = name
"""


def _jobs(tmp_path: Path, names: list[str], notebooks: dict) -> list:
    from evalkit.report.render import Job

    out = tmp_path / "site"
    return [Job(name, notebooks.get(name, notebooks["record"]),
                {"record": str(tmp_path / f"{name}.json"), "name": name}, out) for name in names]


def test_a_worker_reuses_its_kernel_and_each_notebook_starts_clean(tmp_path):
    import json

    from evalkit.report.render import run_jobs

    notebooks = {"record": _notebook(tmp_path / "record.ipynb", RECORD)}
    results = run_jobs(_jobs(tmp_path, ["first", "second", "third"], notebooks), workers=1, data_files=[],
                       progress=False)
    assert [r.status for r in results] == ["rendered"] * 3
    seen = [json.loads((tmp_path / f"{n}.json").read_text()) for n in ("first", "second", "third")]
    assert len({s["pid"] for s in seen}) == 1  # one kernel for the worker's three notebooks
    for s in seen:  # as a fresh kernel would show it
        assert s["leftover"] is False and s["figures"] == 0
        assert s["cwd"] == str(tmp_path / "site")
        assert set(s["names"]) <= {"json", "os", "record", "name", "In", "Out", "exit", "quit", "get_ipython", "open"}


def test_after_a_failing_notebook_the_next_gets_a_new_kernel(tmp_path):
    import json

    from evalkit.report.render import run_jobs

    notebooks = {"record": _notebook(tmp_path / "record.ipynb", RECORD),
                 "broken": _notebook(tmp_path / "broken.ipynb", "x = 1", "raise ValueError('no data for this pilot')")}
    results = run_jobs(_jobs(tmp_path, ["before", "broken", "after"], notebooks), workers=1, data_files=[],
                       progress=False)
    assert [r.status for r in results] == ["rendered", "failed", "rendered"]
    # cell 4 of the executed notebook kept under failed/ (papermill adds the parameters it was given)
    assert results[1].cell == 4 and "ValueError: no data for this pilot" in results[1].error
    before, after = (json.loads((tmp_path / f"{n}.json").read_text()) for n in ("before", "after"))
    assert before["pid"] != after["pid"] and after["leftover"] is False


def test_kernels_are_shut_down_when_rendering_ends(tmp_path):
    import json

    from evalkit.report.render import run_jobs

    notebooks = {"record": _notebook(tmp_path / "record.ipynb", RECORD)}
    run_jobs(_jobs(tmp_path, ["a", "b"], notebooks), workers=2, data_files=[], progress=False)
    pids = {json.loads((tmp_path / f"{n}.json").read_text())["pid"] for n in ("a", "b")}
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(pid) for pid in pids):
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in pids)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie has ended
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] != "Z"
    except OSError:
        return False
