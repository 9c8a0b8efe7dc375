"""The report notebooks, executed on the bundled sample through papermill and converted to HTML.

One batch of jobs (:func:`evalkit.report.render.run_jobs`) renders, once per test module:
the Suffolk and Kirklees pilot reports and the cross-pilot report for commissioners, the
Suffolk report for evaluators, a pilot that does not exist (it must fail, naming its cell,
while the others render) and the exploration notebook. The tests then check the JSON side
files against the sample's truth (``data/sample/truth``), the published figures against the
committed golden files, and the HTML pages for what a report must and must not contain.

Golden figures (``tests/report/golden/<report>.json``) guard every number the reports
publish: when a change to the analysis or the sample changes a figure on purpose, look at
the differences the failing test lists, then rewrite the files with

    EVALKIT_UPDATE_GOLDEN=1 python -m pytest tests/report/test_notebooks.py

and commit them with the change.
"""

import html
import json
import os
import re
import shutil
from pathlib import Path

import nbformat
import pandas as pd
import pytest
import yaml

from evalkit.disclosure import personal_terms
from evalkit.report.render import NOTEBOOKS, Job, run_jobs
from evalkit.roster import read_roster

pytestmark = pytest.mark.slow  # notebooks run in their own kernels: about a minute in all

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample"
TRUTH = SAMPLE / "truth"
GOLDEN = Path(__file__).resolve().parent / "golden"
PILOTS = ["kirklees-2010", "suffolk", "solihull", "yorkshire-humber"]
COMMISSIONER_PAGES = ["suffolk", "kirklees-2010", "cross-pilot"]
REPORT_NOTEBOOKS = ["pilot_report.ipynb", "cross_pilot_report.ipynb", "explore.ipynb"]


@pytest.fixture(scope="module")
def rendered(sample_clean, tmp_path_factory):
    """Every job run once: {name: JobResult}, plus the output folder under ``"out"``. The
    exploration notebook cleans a one-pilot copy of the sample (the whole sample takes longer)."""
    _, clean = sample_clean
    out = tmp_path_factory.mktemp("reports")

    def pilot(name, pilot_id, audience="commissioner"):
        return Job(name, NOTEBOOKS / "pilot_report.ipynb",
                   {"programme": str(SAMPLE), "clean_dir": str(clean), "pilot_id": pilot_id, "audience": audience,
                    "figures_path": str(out / f"{name}.json")}, out)

    jobs = [
        pilot("suffolk", "suffolk"),
        pilot("kirklees-2010", "kirklees-2010"),
        Job("cross-pilot", NOTEBOOKS / "cross_pilot_report.ipynb",
            {"programme": str(SAMPLE), "clean_dir": str(clean), "audience": "commissioner",
             "figures_path": str(out / "cross-pilot.json")}, out),
        pilot("suffolk-evaluator", "suffolk", "evaluator"),
        pilot("no-such-pilot", "no-such-pilot"),
        Job("explore", NOTEBOOKS / "explore.ipynb",
            {"programme": str(one_pilot_programme(out, "solihull")), "clean_dir": str(out / "explore-clean"),
             "pilot_id": "solihull"}, out),
    ]
    results = run_jobs(jobs, workers=max(2, min(4, os.cpu_count() or 2)), data_files=[], force=True,
                       progress=False)
    found = {r.name: r for r in results}
    found["out"] = out
    return found


def one_pilot_programme(folder: Path, pilot_id: str) -> Path:
    """One pilot of the sample as a programme of its own (quick to clean)."""
    target = folder / f"{pilot_id}-only"
    shutil.copytree(SAMPLE / pilot_id, target / pilot_id)
    shutil.copy(SAMPLE / "DEMO_KEY.md", target / "DEMO_KEY.md")
    programme = yaml.safe_load((SAMPLE / "programme.yml").read_text(encoding="utf-8"))
    programme["pilots"] = [p for p in programme["pilots"] if p["id"] == pilot_id]
    (target / "programme.yml").write_text(yaml.safe_dump(programme, sort_keys=False), encoding="utf-8")
    return target


def figures(rendered, name: str) -> dict:
    return json.loads((rendered["out"] / f"{name}.json").read_text(encoding="utf-8"))


def page(rendered, name: str) -> str:
    return (rendered["out"] / f"{name}.html").read_text(encoding="utf-8")


def visible(text: str) -> str:
    """What a reader (or a screen reader) gets: text and attribute values, embedded images
    left out, entities decoded."""
    text = re.sub(r'data:[^"]+', "", text)
    text = re.sub(r'<[^>]*?(?:alt|title)="([^"]*)"[^>]*>', r" \1 ", text)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())


# ----------------------------------------------------------------------------- the jobs

def test_every_report_renders_and_a_broken_pilot_fails_with_its_cell(rendered):
    for name in ("suffolk", "kirklees-2010", "cross-pilot", "suffolk-evaluator", "explore"):
        assert rendered[name].status == "rendered", rendered[name].describe()
    failed = rendered["no-such-pilot"]
    assert failed.status == "failed"
    assert failed.cell is not None and "no pilot 'no-such-pilot'" in failed.error
    kept = nbformat.read(failed.kept_notebook, as_version=4)
    cells = [c for c in kept.cells if "papermill-error-cell-tag" not in c.metadata.get("tags", [])]
    broke = [i for i, c in enumerate(cells, 1) if any(o.output_type == "error" for o in c.get("outputs", []))]
    assert broke == [failed.cell]  # the cell named is the one that broke (counting the injected parameters)
    assert "PilotReport.open" in cells[failed.cell - 1].source
    assert not (rendered["out"] / "no-such-pilot.html").exists()


def test_quiet_cells_produce_no_output(rendered):
    executed = nbformat.read(rendered["out"] / "notebooks" / "suffolk.ipynb", as_version=4)
    for cell in executed.cells:
        if cell.cell_type == "code" and ("import" in cell.source or "write_figures" in cell.source
                                         or cell.source.startswith("report = ")):
            assert cell.outputs == [], cell.source


# ----------------------------------------------------------------------------- against the truth

def test_awareness_session_turnout_matches_the_truth(rendered):
    people = pd.read_parquet(TRUTH / "people.parquet")
    kirklees = people[(people["pilot_id"] == "kirklees-2010") & people["roster_id"].notna()]
    councillors = kirklees[kirklees["role"] == "councillor"]
    came = int((councillors["sessions_attended"] > 0).sum())
    officers = int(((kirklees["role"] == "officer") & (kirklees["sessions_attended"] > 0)).sum())
    found = figures(rendered, "kirklees-2010")
    assert (came, len(councillors)) == (17, 69)
    assert (found["turnout"]["came"], found["turnout"]["eligible"]) == (came, len(councillors))
    assert found["attendees"]["officer"] == officers == 8


def test_session_attendance_matches_the_truth(rendered):
    """Cohort members present at each Suffolk session, counting the records a perfect linker
    would link (``truth/identities.csv``): the ambiguous "Cllr J. Smith" stays uncounted."""
    attendance = pd.read_parquet(TRUTH / "attendance.parquet")
    people = pd.read_parquet(TRUTH / "people.parquet")
    identities = pd.read_csv(TRUTH / "identities.csv", dtype=str)
    present = attendance[(attendance["pilot_id"] == "suffolk") & (attendance["status"] == "present")].copy()
    expected = identities[(identities["pilot_id"] == "suffolk") & (identities["source_table"] == "attendance")]
    keys = ["source_name", "source_email"]
    for frame in (present, expected):
        for key in keys:
            frame[key] = frame[key].astype("object").where(frame[key].notna(), None)
    present = present.merge(expected[keys + ["expected"]], on=keys, how="left")
    cohort = set(people.loc[(people["pilot_id"] == "suffolk") & people["in_cohort"], "person_key"])
    linked = present[(present["expected"] == "linked") & present["person_key"].isin(cohort)]
    truth = linked.groupby("session_id")["person_key"].nunique().to_dict()
    found = {s["session_id"]: s["came"] for s in figures(rendered, "suffolk")["sessions"]}
    assert found == truth
    assert figures(rendered, "suffolk")["turnout"]["eligible"] == len(cohort) == 20


def test_learning_interval_contains_the_true_change(rendered):
    # the true change is what the generator's model expects of Suffolk's completers, given
    # their baseline skills (tests/analysis/sample_model.py works the model out exactly)
    import importlib.util

    spec = importlib.util.spec_from_file_location("sample_model", ROOT / "tests" / "analysis" / "sample_model.py")
    model = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(model)
    effects = yaml.safe_load((TRUTH / "effects.yml").read_text(encoding="utf-8"))
    people = pd.read_parquet(TRUTH / "people.parquet")
    completers = people[(people["pilot_id"] == "suffolk") & people["completed_post"]]
    responses = pd.read_parquet(TRUTH / "responses.parquet")
    asked = sorted(set(responses.loc[(responses["pilot_id"] == "suffolk") & (responses["scale"] == "confidence"),
                                     "item_id"]))
    true_change = sum(model.expected_change(model.CONFIDENCE_OFFSETS[item], "pre", "post",
                                            completers["baseline_skill"]) for item in asked) / len(asked)
    change = figures(rendered, "suffolk")["learning"]["change pre to post"]["confidence (mean of items)"]
    assert change["ci"][0] <= true_change <= change["ci"][1]
    assert change["n"] == effects["realised_confidence"]["suffolk"]["completers"] == len(completers)


def test_cross_pilot_figures_agree_with_the_pilot_reports(rendered):
    cross = figures(rendered, "cross-pilot")["headlines"]
    suffolk = figures(rendered, "suffolk")
    assert cross["turnout (any session)"]["suffolk"]["estimate"] == suffolk["turnout"]["percent"]
    assert cross["retention"]["suffolk"]["estimate"] == suffolk["retention"]["estimate"]
    assert cross["turnout (any session)"]["kirklees-2010"]["k"] == figures(rendered, "kirklees-2010")["turnout"]["came"]


# ----------------------------------------------------------------------------- golden figures

@pytest.mark.parametrize("name", COMMISSIONER_PAGES)
def test_published_figures_match_the_golden_files(rendered, name):
    found = figures(rendered, name)
    golden = GOLDEN / f"{name}.json"
    if os.environ.get("EVALKIT_UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(json.dumps(found, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    expected = json.loads(golden.read_text(encoding="utf-8"))
    changed = sorted(_differences(expected, found))
    assert not changed, (f"published figures of {name} changed (if on purpose, run "
                         f"EVALKIT_UPDATE_GOLDEN=1 pytest tests/report): " + "; ".join(changed[:12]))


def _differences(expected, found, where="") -> list[str]:
    if isinstance(expected, dict) and isinstance(found, dict):
        out = []
        for key in sorted(set(expected) | set(found)):
            if key not in found or key not in expected:
                out.append(f"{where}/{key}: {'missing' if key not in found else 'new'}")
            else:
                out += _differences(expected[key], found[key], f"{where}/{key}")
        return out
    if isinstance(expected, list) and isinstance(found, list) and len(expected) == len(found):
        return [d for i, (a, b) in enumerate(zip(expected, found)) for d in _differences(a, b, f"{where}[{i}]")]
    return [] if expected == found else [f"{where}: {expected!r} → {found!r}"]


# ----------------------------------------------------------------------------- the HTML

@pytest.mark.parametrize("name", COMMISSIONER_PAGES + ["suffolk-evaluator"])
def test_pages_are_self_contained_and_accessible(rendered, name):
    text = page(rendered, name)
    assert text.count("<h1") == 1
    assert "<script" not in text.lower()
    assert not re.search(r'<(?:script|link|img)\b[^>]*\b(?:src|href)="https?:', text, re.I)
    images = re.findall(r"<img\b[^>]*>", text)
    assert images
    for image in images:
        assert re.search(r'src="data:image/', image), image[:80]
        alt = re.search(r'alt="([^"]*)"', image)
        assert alt and alt.group(1).strip(), image[:80]
    for code in ("PilotReport.open", "CrossPilotReport.open", "report.participation", "import ",
                 "figures_path", "audience = ", "In&nbsp;[", "jp-Editor", "highlight"):
        assert code not in text, code


def test_headings_follow_the_report_order(rendered):
    headings = re.findall(r"<h([1-3])[^>]*>(.*?)</h\1>", page(rendered, "suffolk"))
    levels = [int(level) for level, _ in headings]
    assert levels[0] == 1 and all(b - a <= 1 for a, b in zip(levels, levels[1:]))
    sections = [html.unescape(re.sub(r"<[^>]+>", "", t)) for level, t in headings if level == "2"]
    assert sections == ["Summary", "Participation: who came", "Reaction: what people thought of the sessions",
                        "Learning: confidence before and after", "Behaviour: what members did online",
                        "In their own words", "About the data"]


def roster_terms() -> list[str]:
    terms = []
    for pilot_id in PILOTS:
        roster = read_roster(SAMPLE / pilot_id / "roster.csv", pilot_id)
        people = pd.DataFrame({"display_name": roster["name"], "email": roster["email"],
                               "x_handle": roster["x_handle"], "facebook_page": roster["facebook_page"],
                               "aliases": roster["aliases"].map(lambda a: "; ".join(a))})
        terms += personal_terms(people)
    return sorted(set(terms))


@pytest.mark.parametrize("name", COMMISSIONER_PAGES)
def test_commissioner_pages_contain_no_personal_data(rendered, name):
    text = visible(page(rendered, name)).lower()
    leaked = [t for t in roster_terms() if t.lower() in text]
    assert leaked == []
    assert not re.search(r"\bP-[0-9a-f]{10}\b", text, re.I)
    assert "[c]" in text  # small counts are withheld, and say so


def test_evaluator_page_warns_first_and_shows_the_review_queue(rendered):
    text = page(rendered, "suffolk-evaluator")
    body = text[text.index('<main class="report">'):]
    assert body.index('class="warning"') < body.index("<h1")
    assert "This report contains personal data" in text
    assert "Review queue (evaluators only)" in text and "Cllr J. Smith" in text


def test_provenance_is_stated(rendered):
    text = visible(page(rendered, "suffolk"))
    assert "Made with evalkit" in text and "clean tables with hash" in text and "Rendered" in text


def test_parameter_cells_are_left_out(rendered):
    executed = nbformat.read(rendered["out"] / "notebooks" / "kirklees-2010.ipynb", as_version=4)
    tags = [set(c.metadata.get("tags", [])) for c in executed.cells]
    assert {"parameters"} in tags and {"injected-parameters"} in tags
    text = page(rendered, "kirklees-2010")
    assert str(rendered["out"]) not in text  # the injected figures_path
    assert "../data/sample" not in text and "../build/sample/clean" not in text  # the defaults


# ----------------------------------------------------------------------------- stored notebooks

@pytest.mark.parametrize("name", REPORT_NOTEBOOKS)
def test_notebooks_are_stored_without_outputs(name):
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(notebook)
    assert notebook.metadata["kernelspec"]["name"] == "python3"
    assert notebook.metadata["language_info"]["name"] == "python"
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert all(c.outputs == [] and c.execution_count is None for c in code)
    assert "parameters" in code[0].metadata.get("tags", [])
    defaults = {}
    exec(code[0].source, {}, defaults)  # the defaults point at the sample, from notebooks/
    assert defaults["programme"] == "../data/sample" and defaults["clean_dir"] == "../build/sample/clean"
    if name != "explore.ipynb":
        assert defaults["audience"] == "commissioner" and defaults["figures_path"] is None
        assert ("pilot_id" in defaults) == (name == "pilot_report.ipynb")
        # thin: code cells only call the library
        for cell in code[1:]:
            assert re.fullmatch(r"(from evalkit\.report import \w+|report = \w+\.open\(.*\)|"
                                r"report\.\w+\((heading=False)?\)|if figures_path:\n    report\.write_figures\(figures_path\))",
                                cell.source.strip()), cell.source
