"""The evalkit command as a user types it."""

import subprocess
import sys
from pathlib import Path

import pandas as pd

from evalkit.cli import main
from evalkit.readers import FORMATS

DATA = Path(__file__).resolve().parent / "data" / "formats"


def test_formats_lists_every_reader(capsys):
    assert main(["formats"]) == 0
    out = capsys.readouterr().out
    for name in FORMATS:
        assert name in out
    assert len(FORMATS) == 16


def test_help_offers_only_working_commands(capsys):
    run = subprocess.run([sys.executable, "-m", "evalkit.cli", "--help"], capture_output=True, text=True)
    assert run.returncode == 0
    for command in ("sample", "formats", "read", "validate", "clean"):
        assert command in run.stdout


def test_read_shows_the_format_and_what_the_file_yields(capsys, tmp_path):
    path = DATA / "zoom" / "participants_84512345678.csv"
    code = main(["read", str(path), "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code in (0, 1)
    assert out.splitlines()[0].endswith(": zoom-participants")
    assert "attendance:" in out and "rows:" in out
    written = pd.read_parquet(tmp_path / "attendance.parquet")
    assert len(written) > 0
    fates = pd.read_parquet(tmp_path / "row_fates.parquet")
    assert set(fates["fate"]) <= {"kept", "merged", "quarantined", "skipped-structure"}


def test_read_of_a_missing_file_is_one_line(capsys):
    assert main(["read", "no/such/file.csv"]) == 2
    err = capsys.readouterr().err
    assert err == "evalkit: no/such/file.csv: no such file\n"


def test_validate_an_invalid_programme_names_the_key(tmp_path, capsys):
    (tmp_path / "programme.yml").write_text("name: x\npilots:\n  - id: Bad Id\n    name: y\n")
    assert main(["validate", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "pilots[0].id" in err and "Bad Id" in err


def test_sample_writes_a_roll_out_of_areas(tmp_path, capsys):
    out = tmp_path / "rollout"
    assert main(["sample", str(out), "--areas", "2", "--years", "0.1", "--seed", "5"]) == 0
    assert "wrote a roll-out of 2 areas" in capsys.readouterr().out
    from evalkit.programme import load_programme

    programme = load_programme(out)
    assert len(programme.pilots) == 2
    assert main(["sample", str(out), "--areas", "0"]) == 2
