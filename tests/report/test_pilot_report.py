"""The per-pilot report builder: sections, audience rules, figures and exports.

Most tests use the tiny example pilot of :func:`evalkit.analysis.example_tables` (its figures
are worked out by hand in ``evalkit/analysis/examples.py``) with a few messy, hand-written
extra rows: comments naming people, a registration answer about access needs, an unlinked
attendee, and the fates of two files. The last tests open the bundled sample programme,
cleaned once per session (``sample_clean`` in ``tests/conftest.py``).
"""

import html
import json
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from evalkit.analysis import example_tables
from evalkit.disclosure import personal_terms
from evalkit.programme import Programme
from evalkit.report import PilotReport
from evalkit.report.pilot import ensure_clean, has_tables, pct, score, withheld_cells
from evalkit.roster import read_roster

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample"
TRUTH = SAMPLE / "truth"
PILOTS = ["kirklees-2010", "suffolk", "solihull", "yorkshire-humber"]
SECTIONS = ["title", "key_findings", "participation", "reaction", "learning", "behaviour", "voices",
            "data_quality", "provenance"]


def demo_programme(threshold: int = 5) -> Programme:
    return Programme.model_validate({
        "name": "Demo programme",
        "settings": {"disclosure_threshold": threshold},
        "items": [
            {"id": "confidence_posting", "scale": "confidence", "label": "Confidence posting as a councillor",
             "questions": ["How confident are you posting?"]},
            {"id": "confidence_debate", "scale": "confidence", "label": "Confidence handling debates online",
             "questions": ["How confident are you in debates?"]},
            {"id": "useful", "scale": "agreement", "label": "The session was useful",
             "questions": ["The session was useful"]},
            {"id": "find_out_more", "scale": "yes_no", "label": "Would like to find out more",
             "questions": ["Would you like to find out more?"]},
            {"id": "change", "scale": "text", "label": "What the councillor will do differently",
             "questions": ["What will you do differently?"]},
            {"id": "fb_comments", "scale": "text", "label": "Other comments",
             "questions": ["Any other comments?"]},
        ],
        "pilots": [{
            "id": "demo", "name": "Demo pilot", "authorities": ["Solihull Metropolitan Borough Council"],
            "region": "West Midlands",
            "sessions": [
                {"id": "w1", "kind": "workshop", "date": "2024-09-03", "label": "Workshop 1", "theme": "Footprint"},
                {"id": "w2", "kind": "workshop", "date": "2024-10-01", "label": "Workshop 2", "mode": "online"},
                {"id": "w3", "kind": "workshop", "date": "2024-11-05", "label": "Workshop 3"},
            ],
        }],
    })


def comment_rows() -> pd.DataFrame:
    """Free text as surveys and registration forms give it: names, an email, stray quotes,
    a non-answer, and an access need typed into a registration question (no item)."""
    rows = [
        # participant, wave, session, item, text
        ("P-A", "post", None, "change", "Thanks to Cllr Ashby I now \"plan a week\" of posts"),
        ("P-B", "post", None, "change", " Thanks to Cllr Ashby I now \"plan a week\" of posts"),
        ("P-C", "post", None, "change", "Reply to residents more, as Ben Brook does"),
        (None, "feedback", "w1", "fb_comments", "Slides to ben.brook@solihull.gov.uk please!"),
        ("P-D", "feedback", "w1", "fb_comments", "N/A"),
        (None, None, None, None, "Step-free access please"),
    ]
    frame = pd.DataFrame(rows, columns=["participant_id", "wave", "session_id", "item_id", "text"])
    frame["pilot_id"] = "demo"
    frame["source_file"] = "demo/surveys/post.csv"
    frame["source_row"] = range(2, 2 + len(frame))
    for column in ("respondent_id", "source_name", "source_email", "question", "submitted_at"):
        frame[column] = None
    return frame.astype({c: "object" for c in frame.columns if c != "source_row"})


def fate_rows() -> pd.DataFrame:
    rows = [("demo/attendance/register.xlsx", 1, "skipped-structure", None, "title"),
            ("demo/attendance/register.xlsx", 2, "kept", "attendance", None),
            ("demo/attendance/register.xlsx", 3, "kept", "attendance", None),
            ("demo/attendance/register.xlsx", 4, "merged", "attendance", "same person as row 3"),
            ("demo/surveys/feedback.csv", 1, "skipped-structure", None, "header"),
            ("demo/surveys/feedback.csv", 2, "kept", "responses", None),
            ("demo/surveys/feedback.csv", 5, "quarantined", "responses",
             "row 5: column 'The session was useful': 'agree?? not sure' is not an answer on the agreement scale")]
    frame = pd.DataFrame(rows, columns=["source_file", "source_row", "fate", "table", "reason"])
    frame["pilot_id"] = "demo"
    return frame


def link_rows() -> pd.DataFrame:
    return pd.DataFrame({
        "pilot_id": ["demo", "demo"], "source_table": ["attendance", "attendance"],
        "source_name": ["Ann Ashby", "Cllr Pat New"], "source_email": [None, "pat.new@example.org"],
        "source_handle": [None, None], "participant_id": ["P-A", None], "rule": ["name", None],
        "score": [100.0, None], "status": ["linked", "unmatched"],
    }).astype({"source_email": "object", "source_handle": "object", "participant_id": "object", "rule": "object"})


def demo_tables() -> dict:
    tables = example_tables()
    tables["comments"] = comment_rows()
    tables["row_fates"] = fate_rows()
    tables["links"] = link_rows()
    return tables


@pytest.fixture(scope="module")
def commissioner():
    return PilotReport.from_tables(demo_programme(), demo_tables(), "demo")


@pytest.fixture(scope="module")
def evaluator():
    return PilotReport.from_tables(demo_programme(), demo_tables(), "demo", audience="evaluator")


def text_of(fragment: str) -> str:
    """The visible text of an HTML fragment (tags removed, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]+>", " ", str(fragment)))


def table_rows(fragment: str, caption: str) -> list[list[str]]:
    """The cells of the table with ``caption`` (header row first)."""
    found = re.search(r"<table>\s*<caption>" + re.escape(html.escape(caption, quote=True)) + r"</caption>(.*?)</table>",
                      str(fragment), re.S)
    assert found, f"no table captioned {caption!r}"
    rows = re.findall(r"<tr>(.*?)</tr>", found.group(1), re.S)
    return [[html.unescape(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)] for r in rows]


# ----------------------------------------------------------------------------- rounding

def test_numbers_are_rounded_one_way():
    assert pct(0.846) == "85%"
    assert pct(5 / 6) == "83%"
    assert score(1.125, signed=True) == "+1.1"
    assert score(-0.04, signed=True) == "0.0"
    assert score(-0.25) == "−0.2"  # a true minus sign; 0.25 is stored just below a half


# ----------------------------------------------------------------------------- figures

def test_turnout_figures_are_the_hand_worked_ones(commissioner, evaluator):
    # five of the six cohort members came to Workshop 1, four to Workshop 2, three to Workshop 3
    assert commissioner.figures()["turnout"] == {"came": 5, "eligible": 6, "percent": 83,
                                                 "ci_percent": [44, 97], "rule": "cohort"}
    came = [s["came"] for s in commissioner.figures()["sessions"]]
    assert came == [5, "[c]", "[c]"]  # 4 and 3 are below the threshold of 5
    assert [s["came"] for s in evaluator.figures()["sessions"]] == [5, 4, 3]


def test_retention_of_three_people_is_withheld_for_commissioners(commissioner, evaluator):
    # three of the five at Workshop 1 were at Workshop 3
    assert commissioner.figures()["retention"] == {"k": "[c]", "n": 5, "estimate": "[c]"}
    assert evaluator.figures()["retention"] == {"k": 3, "n": 5, "estimate": 60}


def test_who_came_table_suppresses_small_roles(commissioner, evaluator):
    # anyone at any session: 5 councillors, 1 officer (P-G) and 1 unlinked ("Cllr Pat New") = 7
    rows = table_rows(commissioner.participation(), "People present by role")
    assert rows[0] == ["Session", "Councillors", "Officers", "Not matched to the roster", "Everyone present"]
    assert rows[-1] == ["Any session", "5", "[c]", "[c]", "7"]
    rows = table_rows(evaluator.participation(), "People present by role")
    assert rows[-1] == ["Any session", "5", "1", "1", "7"]


def test_figures_are_deterministic_json(commissioner):
    first, second = commissioner.figures(), commissioner.figures()
    assert first == second
    assert json.loads(json.dumps(first)) == first
    assert "rendered" not in json.dumps(first).lower()
    assert first["headline"][0] == {"label": "eligible cohort members came to at least one session",
                                    "value": "5 of 6"}


def test_write_figures(tmp_path, commissioner):
    path = commissioner.write_figures(tmp_path / "out" / "demo.json")
    assert json.loads(path.read_text(encoding="utf-8")) == commissioner.figures()


def test_mask_is_decided_on_whole_frames():
    # three bands of baseline skill add up to n: a lone small band takes a partner with it
    bands = pd.DataFrame({"level": ["learning"] * 3, "measure": ["baseline skill"] * 3, "pilot_id": ["p"] * 3,
                          "group": ["beginner", "intermediate", "fluent"], "n": [18, 18, 18], "k": [8, 8, 2],
                          "estimate": [8 / 18, 8 / 18, 2 / 18]})
    mask = withheld_cells(bands, 5, "commissioner")
    assert mask["k"].tolist() == [True, False, True]
    assert not withheld_cells(bands, 5, "evaluator").to_numpy().any()


# ----------------------------------------------------------------------------- audiences

def test_commissioner_report_names_no_one(commissioner):
    everything = text_of("\n".join(str(getattr(commissioner, s)()) for s in SECTIONS)).lower()
    terms = personal_terms(commissioner.people())
    assert "Ann Ashby" in terms and "Cllr Pat New" in terms and "pat.new@example.org" in terms
    assert [t for t in terms if t.lower() in everything] == []
    assert "P-A" not in everything.upper().split()


def test_evaluator_report_opens_with_a_personal_data_warning(commissioner, evaluator):
    assert str(evaluator.title()).startswith('<p class="warning">This report contains personal data')
    assert str(commissioner.title()).startswith("<h1>Demo pilot</h1>")
    assert "Ann Ashby" in text_of(evaluator.participation())  # attendance by person


def test_headings_are_in_order(commissioner):
    page = "\n".join(str(getattr(commissioner, s)()) for s in SECTIONS)
    levels = [int(h) for h in re.findall(r"<h([1-6])", page)]
    assert levels.count(1) == 1 and levels[0] == 1
    assert levels.count(2) == 7
    assert max(levels) == 3
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:]))  # never skips a level


def test_sections_without_headings_for_notebook_markdown(commissioner):
    assert "<h2>" not in str(commissioner.participation(heading=False))
    assert "<h3>Turnout</h3>" in str(commissioner.participation(heading=False))


def test_charts_are_embedded_with_alt_text_that_states_the_finding(commissioner):
    part = str(commissioner.participation())
    images = re.findall(r'<img src="([^"]+)" alt="([^"]*)"', part)
    assert images and all(src.startswith("data:image/svg+xml;base64,") for src, _ in images)
    # turnout chart: only Workshop 1 is drawn (the other counts are [c])
    assert images[0][1] == "Bar chart of eligible cohort members present at each session: 5 at Workshop 1."


# ----------------------------------------------------------------------------- voices

def test_voices_are_scrubbed_and_unattributed_for_commissioners(commissioner):
    chosen = commissioner.chosen_comments()
    # the same comment twice (once with a stray space) counts once, twice over; "N/A" is no comment
    assert chosen[["item_id", "text", "times"]].values.tolist() == [
        ["change", 'Thanks to [name removed] I now "plan a week" of posts', 2],
        ["change", "Reply to residents more, as [name removed] does", 1],
        ["fb_comments", "Slides to [email removed] please!", 1],
    ]
    voices = str(commissioner.voices())
    assert "Step-free" not in voices  # registration answers are never quoted
    assert '<p class="meta">' not in voices  # no attribution
    assert "Ashby" not in voices and "brook@" not in voices


def test_voices_carry_attribution_for_evaluators(evaluator):
    voices = text_of(evaluator.voices())
    assert "Ann Ashby, survey after the programme; Ben Brook, survey after the programme" in voices
    assert "anonymous, Workshop 1" in voices


# ----------------------------------------------------------------------------- missing data

def test_a_pilot_without_a_kind_of_data_says_so():
    tables = demo_tables()
    for name in ("metrics", "posts", "responses", "comments"):
        tables[name] = tables[name].iloc[0:0]
    report = PilotReport.from_tables(demo_programme(), tables, "demo")
    assert "This pilot collected no social-media metrics." in text_of(report.behaviour())
    assert "This pilot ran no before-and-after survey" in text_of(report.learning())
    assert "This pilot collected no session feedback." in text_of(report.reaction())
    assert "no written comments" in text_of(report.voices())
    for section in SECTIONS:  # nothing raises
        getattr(report, section)()
    assert "learning" not in report.figures() and "behaviour" not in report.figures()


def test_a_pilot_with_no_attendance_says_so():
    tables = demo_tables()
    tables["attendance"] = tables["attendance"].iloc[0:0]
    report = PilotReport.from_tables(demo_programme(), tables, "demo")
    assert "0 of 6" in text_of(report.key_findings())
    assert "Turnout" in text_of(report.participation())


# ----------------------------------------------------------------------------- data quality

def test_data_quality_counts_every_record(commissioner, evaluator):
    facts = commissioner.data_facts()
    assert (facts["files"], facts["records_kept"], facts["records_merged"], facts["records_quarantined"],
            facts["structure_lines"]) == (2, 3, 1, 1, 2)
    assert (facts["identities_linked"], facts["identities_unmatched"]) == (1, 1)
    said = text_of(commissioner.data_quality())
    assert "2 files were read, holding 5 data records" in said
    assert "1 record with answers that fit none of the question's answers" in said
    assert "Fewer than 5 could not be matched with certainty" in said
    assert "agree?? not sure" not in said  # values from files stay in the evaluator edition
    assert "[c] (confidential)" in said  # the disclosure method note
    detail = text_of(evaluator.data_quality())
    assert "agree?? not sure" in detail and "Quarantined records" in detail
    assert "1 could not be matched with certainty: 0 that fit more than one person" in detail


def test_result_tables(commissioner, evaluator):
    tables = commissioner.result_tables()
    assert set(tables) == {"participation", "reaction", "learning", "behaviour", "findings"}
    for frame in tables.values():
        assert "participant_id" not in frame.columns
    turnout = tables["participation"]
    turnout = turnout[turnout["measure"] == "turnout"]
    assert turnout["k"].tolist() == [5, "[c]", "[c]", 5]
    assert turnout["estimate"].tolist()[0] == "83%"
    full = evaluator.result_tables()
    assert {"attendance by person", "quarantined records", "files"} <= set(full)
    assert "Ann Ashby" in set(full["attendance by person"]["display_name"])


def test_unknown_audience_and_pilot():
    with pytest.raises(ValueError, match="unknown audience 'public'"):
        PilotReport.from_tables(demo_programme(), demo_tables(), "demo", audience="public")
    with pytest.raises(KeyError, match="no pilot 'nowhere'"):
        PilotReport.from_tables(demo_programme(), demo_tables(), "nowhere")


# ----------------------------------------------------------------------------- the sample

def roster_terms(pilot_id: str) -> list[str]:
    roster = read_roster(SAMPLE / pilot_id / "roster.csv", pilot_id)
    people = pd.DataFrame({"display_name": roster["name"], "email": roster["email"],
                           "x_handle": roster["x_handle"], "facebook_page": roster["facebook_page"],
                           "aliases": roster["aliases"].map(lambda a: "; ".join(a))})
    return personal_terms(people)


@pytest.fixture(scope="module")
def sample_reports(sample_clean):
    _, out = sample_clean
    return {pilot: PilotReport.open(SAMPLE, out, pilot) for pilot in PILOTS}


def test_sample_commissioner_reports_contain_no_roster_name(sample_reports):
    for pilot, report in sample_reports.items():
        page = text_of("\n".join(str(getattr(report, s)()) for s in SECTIONS)).lower()
        leaked = [t for t in roster_terms(pilot) if t.lower() in page]
        assert leaked == [], f"{pilot}: {leaked}"
        assert not re.search(r"\bP-[0-9a-f]{10}\b", page, re.I), f"{pilot}: a participant id is shown"


def test_sample_awareness_session_has_no_metrics_or_surveys(sample_reports):
    kirklees = sample_reports["kirklees-2010"]
    assert "This pilot collected no social-media metrics." in text_of(kirklees.behaviour())
    assert "This pilot ran no before-and-after survey" in text_of(kirklees.learning())
    assert kirklees.figures()["turnout"]["came"] == 17
    assert kirklees.figures()["attendees"]["officer"] == 8


def test_sample_learning_intervals_contain_the_built_in_change(sample_reports):
    effects = yaml.safe_load((TRUTH / "effects.yml").read_text(encoding="utf-8"))
    for pilot, realised in effects["realised_confidence"].items():
        change = sample_reports[pilot].figures()["learning"]["change pre to post"]["confidence (mean of items)"]
        low, high = change["ci"]
        assert low <= realised["mean_post_minus_pre"] <= high, (pilot, change, realised)
        shift = sample_reports[pilot].figures()["learning"]["response shift"]["confidence (mean of items)"]
        assert shift["change"] < 0


def test_sample_unresolved_identity_is_reported(sample_reports):
    # "Cllr J. Smith" on the suffolk sign-in sheet fits Jane and John Smith equally
    said = text_of(sample_reports["suffolk"].data_quality())
    assert "could not be matched with certainty" in said and "slightly understated" in said


def small_programme(tmp_path: Path) -> Path:
    """The sample's awareness-session pilot on its own, as a programme folder."""
    import shutil

    folder = tmp_path / "kirklees-only"
    shutil.copytree(SAMPLE / "kirklees-2010", folder / "kirklees-2010")
    shutil.copy(SAMPLE / "DEMO_KEY.md", folder / "DEMO_KEY.md")
    programme = yaml.safe_load((SAMPLE / "programme.yml").read_text(encoding="utf-8"))
    programme["pilots"] = [p for p in programme["pilots"] if p["id"] == "kirklees-2010"]
    (folder / "programme.yml").write_text(yaml.safe_dump(programme, sort_keys=False), encoding="utf-8")
    return folder


def test_open_cleans_first_when_the_clean_folder_is_empty(tmp_path, monkeypatch):
    folder = small_programme(tmp_path)
    monkeypatch.chdir(tmp_path)
    report = PilotReport.open(folder, None, "kirklees-2010")
    clean = tmp_path / "build" / "kirklees-only" / "clean"
    assert has_tables(clean) and (clean / "summary.md").exists()
    assert report.figures()["turnout"]["came"] == 17
    assert ensure_clean(folder, clean) == clean  # already there: not cleaned again
    assert not list((tmp_path / "build" / "kirklees-only").glob(".clean-*"))  # no staging left behind


def test_a_count_withheld_to_protect_another_is_not_written_out():
    # eighteen answered the first survey: 8 beginners, 8 in between, 2 fluent. The 2 are
    # withheld, and so is one partner (the first of the tied 8s), or the 2 = 18 - 8 - 8 could be worked out
    tables = demo_tables()
    values = [1.0] * 8 + [3.0] * 8 + [5.0] * 2
    tables["responses"] = pd.DataFrame({
        "pilot_id": "demo", "participant_id": [f"Q-{i}" for i in range(18)],
        "respondent_id": [str(i) for i in range(18)], "wave": "pre", "session_id": None,
        "item_id": "confidence_posting", "value": values, "scale": "confidence"})
    report = PilotReport.from_tables(demo_programme(), tables, "demo")
    rows = table_rows(report.learning(), "Starting confidence of those who answered the first survey")
    assert [r[1] for r in rows[1:]] == ["[c]", "8", "[c]"]
    said = text_of(report.learning()) + " ".join(report.result_tables()["findings"]["sentence"])
    assert "started in between" in said
    assert "started as beginners" not in said  # "8 of 18 started as beginners" would give the 2 away
    evaluator = PilotReport.from_tables(demo_programme(), tables, "demo", audience="evaluator")
    sentences = " ".join(evaluator.result_tables()["findings"]["sentence"])
    assert "8 of 18 (44%; 95% CI 25% to 66%) started as beginners" in sentences
