"""environment.yml (conda) lists the same dependencies as pyproject.toml (pip)."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[ ;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _spec(requirement: str) -> str:
    return re.sub(r"\[.*?\]", "", requirement).replace(" ", "").lower()


def test_environment_lists_the_same_dependencies_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pip_reqs = list(project["dependencies"]) + list(project["optional-dependencies"]["test"])
    conda = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda_reqs = [d for d in conda["dependencies"] if isinstance(d, str)]
    conda_reqs = [d for d in conda_reqs if _name(d) not in ("python", "pip")]
    assert sorted(map(_spec, pip_reqs)) == sorted(map(_spec, conda_reqs))


def test_makefile_targets_match_the_readme():
    readme = (ROOT / "README.md").read_text()
    first_block = readme.split("```")[1]
    commands = [line.split("#")[0].strip() for line in first_block.splitlines() if line.split("#")[0].strip()]
    assert commands[-2:] == ["make report", "make test"]
    assert "make test" in (ROOT / ".ci" / "run").read_text()
