import textwrap
from pathlib import Path

import pytest

from evalkit.programme import ProgrammeError, load_programme

GOOD = """
name: Test programme
settings:
  timezone: Europe/London
  disclosure_threshold: 5
items:
  - id: confidence_use
    scale: confidence
    label: Confidence using social media as a councillor
    questions:
      - How confident are you using social media in your role?
      - text: Thinking back to before the programme, how confident were you using social media in your role?
        wave: then
    aliases:
      Quite confident: Moderately confident
pilots:
  - id: north
    name: North pilot
    authorities: [Kirklees Council]
    sessions:
      - {id: ws1, kind: workshop, theme: Footprint, date: 2022-11-15, start: "09:30", mode: hybrid}
      - {id: ws2, kind: workshop, date: 2022-12-06}
    files:
      - {path: surveys/pre.xlsx, wave: pre}
"""


def _folder(tmp_path: Path, text: str, files=("north/roster.csv", "north/surveys/pre.xlsx")) -> Path:
    (tmp_path / "programme.yml").write_text(textwrap.dedent(text))
    for f in files:
        (tmp_path / f).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / f).write_text("x")
    return tmp_path


def test_a_good_programme_loads(tmp_path):
    programme = load_programme(_folder(tmp_path, GOOD))
    pilot = programme.pilot("north")
    assert [s.id for s in pilot.sessions] == ["ws1", "ws2"]
    assert programme.settings.disclosure_threshold == 5
    assert pilot.pin("surveys/pre.xlsx").wave == "pre"
    item, question = programme.item_for_question("  thinking back to before the programme, HOW confident were you using social media in your role ")
    assert (item.id, question.wave) == ("confidence_use", "then")
    assert programme.item_for_question("Unknown question?") is None


def test_every_problem_is_named_with_its_key(tmp_path):
    bad = GOOD.replace("date: 2022-12-06", "date: 2022-13-06").replace(
        "timezone: Europe/London", "timezone: Europe/Londres"
    ).replace("kind: workshop, theme", "kind: lecture, theme").replace("disclosure_threshold: 5", "disclosure_treshold: 5")
    with pytest.raises(ProgrammeError) as caught:
        load_programme(_folder(tmp_path, bad))
    message = str(caught.value)
    assert "settings.timezone" in message and "Europe/Londres" in message
    assert "pilots[0].sessions[1].date" in message
    assert "pilots[0].sessions[0].kind" in message and "lecture" in message
    assert "settings.disclosure_treshold: unknown key" in message
    assert len(caught.value.problems) == 4


def test_missing_folders_and_pinned_files_are_named(tmp_path):
    with pytest.raises(ProgrammeError) as caught:
        load_programme(_folder(tmp_path, GOOD, files=("north/roster.csv",)))
    assert "pilots[0].files[0].path: 'north/surveys/pre.xlsx' does not exist" in str(caught.value)


def test_a_pin_naming_an_unknown_session_is_an_error(tmp_path):
    bad = GOOD.replace("{path: surveys/pre.xlsx, wave: pre}", "{path: surveys/pre.xlsx, session: ws9}")
    with pytest.raises(ProgrammeError, match="ws9"):
        load_programme(_folder(tmp_path, bad))


def test_a_question_mapped_twice_is_an_error(tmp_path):
    bad = GOOD.replace(
        "pilots:",
        "  - id: other\n    scale: agreement\n    label: Other\n    questions: [How confident are you using social media in your role]\npilots:",
    )
    with pytest.raises(ProgrammeError, match="mapped to both"):
        load_programme(_folder(tmp_path, bad))


def test_not_yaml_is_reported_with_its_line(tmp_path):
    with pytest.raises(ProgrammeError, match="line 3"):
        load_programme(_folder(tmp_path, "name: x\npilots: [\n"))


def test_no_programme_file(tmp_path):
    with pytest.raises(ProgrammeError, match="programme folder"):
        load_programme(tmp_path)


def test_a_programme_read_again_is_not_parsed_again_until_it_changes(tmp_path, monkeypatch):
    import os

    from evalkit import programme as module

    folder = _folder(tmp_path, GOOD)
    first = load_programme(folder)
    parsed = []
    real = module._parse
    monkeypatch.setattr(module, "_parse", lambda *a: parsed.append(1) or real(*a))
    again = load_programme(folder)
    assert parsed == [] and again == first and again is not first  # each caller its own copy
    assert again.pilots is not first.pilots
    # the folders and files it names are checked on every load
    (folder / "north" / "surveys" / "pre.xlsx").unlink()
    with pytest.raises(ProgrammeError, match=r"pilots\[0\]\.files\[0\]\.path"):
        load_programme(folder)
    (folder / "north" / "surveys" / "pre.xlsx").write_text("x")
    # a changed file is read again
    (folder / "programme.yml").write_text(textwrap.dedent(GOOD).replace("North pilot", "Northern pilot"))
    stat = (folder / "programme.yml").stat()
    os.utime(folder / "programme.yml", ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert load_programme(folder).pilot("north").name == "Northern pilot"
    assert parsed == [1]
