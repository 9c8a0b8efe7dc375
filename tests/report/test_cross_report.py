"""The cross-pilot report builder.

Two copies of the example pilot of :func:`evalkit.analysis.example_tables` make a small
programme whose figures are known by hand (``evalkit/analysis/examples.py``); in the second
copy nobody asks to find out more, as in the example of
:func:`evalkit.analysis.compare_pilots`. The last tests use the bundled sample.
"""

import html
import re
from pathlib import Path

import pandas as pd
import pytest

from evalkit.analysis import example_tables
from evalkit.disclosure import personal_terms
from evalkit.programme import Programme
from evalkit.report import CrossPilotReport
from evalkit.report import cross as cross_module
from evalkit.roster import read_roster

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample"
SECTIONS = ["title", "key_findings", "side_by_side", "characteristics", "differences", "data_quality",
            "provenance"]


def two_pilots() -> tuple[Programme, dict]:
    sessions = [{"id": "w1", "kind": "workshop", "date": "2024-09-03", "label": "Workshop 1"},
                {"id": "w2", "kind": "workshop", "date": "2024-10-01", "label": "Workshop 2", "mode": "online"},
                {"id": "w3", "kind": "workshop", "date": "2024-11-05", "label": "Workshop 3"}]
    programme = Programme.model_validate({
        "name": "Demo programme",
        "items": [{"id": "find_out_more", "scale": "yes_no", "label": "Would like to find out more",
                   "questions": ["Would you like to find out more?"]}],
        "pilots": [
            {"id": "demo", "name": "Demo pilot", "authorities": ["Solihull Council"], "region": "West Midlands",
             "geography": "compact", "sessions": sessions},
            {"id": "demo-2", "name": "Second demo pilot", "authorities": ["Leeds City Council", "Hull City Council"],
             "tier": "multi-authority", "region": "Yorkshire and the Humber", "geography": "wide",
             "sessions": sessions},
        ],
    })
    first = example_tables()
    second = {name: table.assign(pilot_id="demo-2") for name, table in example_tables().items()}
    more = second["responses"]["item_id"] == "find_out_more"
    second["responses"].loc[more, "value"] = 0.0
    tables = {name: pd.concat([first[name], second[name]], ignore_index=True) for name in first}
    return programme, tables


@pytest.fixture(scope="module")
def commissioner():
    programme, tables = two_pilots()
    return CrossPilotReport.from_tables(programme, tables)


@pytest.fixture(scope="module")
def evaluator():
    programme, tables = two_pilots()
    return CrossPilotReport.from_tables(programme, tables, audience="evaluator")


def text_of(fragment) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", str(fragment)))


def test_headline_figures_per_pilot(commissioner, evaluator):
    turnout = commissioner.figures()["headlines"]["turnout (any session)"]
    # five of the six cohort members came to at least one session, in both copies
    assert turnout == {p: {"n": 6, "k": 5, "estimate": 83, "ci": [44, 97]} for p in ("demo", "demo-2")}
    # three of the five at Workshop 1 were at Workshop 3: withheld for commissioners
    assert commissioner.figures()["headlines"]["retention"]["demo"] == {"n": 5, "k": "[c]", "estimate": "[c]",
                                                                        "ci": None}
    assert evaluator.figures()["headlines"]["retention"]["demo"] == {"n": 5, "k": 3, "estimate": 60,
                                                                     "ci": [23, 88]}


def test_pilots_are_listed_by_region(commissioner):
    assert [p["region"] for p in commissioner.figures()["pilots"]] == ["West Midlands", "Yorkshire and the Humber"]
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th>', str(commissioner.title()))
    assert rows == ["Demo pilot", "Second demo pilot"]


def test_differences_name_the_adjustment(commissioner):
    found = {d["measure"]: d for d in commissioner.figures()["differences"]}
    # 5 of 7 answers said yes in the first pilot and none of 7 in the second: Fisher p 0.007 alone,
    # but not clear once the family of comparisons is adjusted (as in compare_pilots' example)
    more = found["share yes: find_out_more"]
    assert more["p_adjusted"] == 0.063 and more["clear"] is False
    assert more["adjustment"].startswith("Holm (")
    said = text_of(commissioner.differences())
    assert "adjusted together: Holm (" in said
    assert "did not differ clearly in any of the measures compared" in said


def test_forest_plots_are_split_into_pages(monkeypatch, commissioner):
    section = str(commissioner.side_by_side())
    turnout = section.split("<h3>")[1]
    assert turnout.startswith("Turnout") and turnout.count("<img ") == 1
    monkeypatch.setattr(cross_module, "PAGE_ROWS", 1)
    turnout = str(commissioner.side_by_side()).split("<h3>")[1]
    assert turnout.count("<img ") == 2
    assert "(pilots 1 to 1 of 2)" in turnout and "(pilots 2 to 2 of 2)" in turnout


def test_many_pilots_get_a_table_per_region(monkeypatch, commissioner):
    assert "<h3>West Midlands</h3>" not in str(commissioner.characteristics())
    monkeypatch.setattr(cross_module, "MANY_PILOTS", 1)
    section = str(commissioner.characteristics())
    assert "<h3>West Midlands</h3>" in section and "<h3>Yorkshire and the Humber</h3>" in section


def test_characteristics(commissioner):
    said = text_of(commissioner.characteristics())
    assert "1 pilot worked with a single council and 1 pilot with several" in said
    assert "multi-authority" in said and "compact" in said and "wide" in said


def test_every_chart_has_alt_text_and_a_table(commissioner):
    section = str(commissioner.side_by_side())
    alts = re.findall(r'<img src="data:image/svg\+xml;base64,[^"]+" alt="([^"]+)"', section)
    assert alts and all(a.startswith("Forest plot of ") for a in alts)
    assert section.count("<figure>") <= section.count("<table>")


def test_headings_and_audiences(commissioner, evaluator):
    page = "\n".join(str(getattr(commissioner, s)()) for s in SECTIONS)
    levels = [int(h) for h in re.findall(r"<h([1-6])", page)]
    assert levels.count(1) == 1 and levels[0] == 1 and levels.count(2) == 5 and max(levels) == 3
    assert str(evaluator.title()).startswith('<p class="warning">This report contains personal data')
    names = personal_terms(pd.concat([example_tables()["participants"]]).assign(aliases=None))
    assert [n for n in names if n.lower() in text_of(page).lower()] == []


def test_result_tables_are_suppressed_for_commissioners(commissioner, evaluator):
    tables = commissioner.result_tables()
    retention = tables["headlines"][tables["headlines"]["headline"] == "retention"]
    assert retention["k"].tolist() == ["[c]", "[c]"]
    assert evaluator.result_tables()["headlines"].loc[lambda f: f["headline"] == "retention", "k"].tolist() == [3, 3]


# ----------------------------------------------------------------------------- the sample

@pytest.fixture(scope="module")
def sample_cross(sample_clean):
    _, out = sample_clean
    return CrossPilotReport.open(SAMPLE, out)


def test_sample_cross_report_names_no_one(sample_cross):
    page = text_of("\n".join(str(getattr(sample_cross, s)()) for s in SECTIONS)).lower()
    for pilot in ("kirklees-2010", "suffolk", "solihull", "yorkshire-humber"):
        roster = read_roster(SAMPLE / pilot / "roster.csv", pilot)
        people = pd.DataFrame({"display_name": roster["name"], "email": roster["email"],
                               "x_handle": roster["x_handle"], "facebook_page": roster["facebook_page"],
                               "aliases": roster["aliases"].map(lambda a: "; ".join(a))})
        leaked = [t for t in personal_terms(people) if t.lower() in page]
        assert leaked == [], f"{pilot}: {leaked}"


def test_sample_cross_figures(sample_cross):
    figures = sample_cross.figures()
    turnout = figures["headlines"]["turnout (any session)"]
    assert (turnout["kirklees-2010"]["k"], turnout["kirklees-2010"]["n"]) == (17, 69)
    # one awareness session: no attendance consistency to compare
    assert "kirklees-2010" not in figures["headlines"]["attendance consistency"]
    assert "one session" in text_of(sample_cross.characteristics())
    assert len(figures["differences"]) >= 5
    assert all(d["adjustment"] == figures["differences"][0]["adjustment"] for d in figures["differences"])
