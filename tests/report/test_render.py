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
