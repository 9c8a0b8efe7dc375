"""The generated sample programme: determinism, the folder it writes, and the realism promised
in data/sample/README.md, checked on the committed sample (data/sample, seed 2010)."""

from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml

from evalkit.programme import load_programme
from evalkit.sample.generate import generate
from evalkit.sample.world import DESIGNS

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample"
TRUTH_TABLES = ("attendance", "responses", "comments", "metrics", "posts", "row_fates", "people", "confidence")
DESIGN = {d.id: d for d in DESIGNS}


@pytest.fixture(scope="module")
def truth():
    tables = {name: pd.read_parquet(SAMPLE / "truth" / f"{name}.parquet") for name in TRUTH_TABLES}
    tables["files"] = pd.read_csv(SAMPLE / "truth" / "files.csv")
    tables["identities"] = pd.read_csv(SAMPLE / "truth" / "identities.csv", keep_default_na=False)
    return tables


def _workbook_cells(path: Path) -> dict:
    book = openpyxl.load_workbook(path)
    return {ws.title: ([list(r) for r in ws.iter_rows(values_only=True)], sorted(map(str, ws.merged_cells.ranges)))
            for ws in book.worksheets}


def _assert_same_files(made: Path, committed: Path, pilots) -> None:
    for pilot in pilots:
        ours = sorted(p.relative_to(made) for p in (made / pilot).rglob("*") if p.is_file())
        theirs = sorted(p.relative_to(committed) for p in (committed / pilot).rglob("*") if p.is_file())
        assert ours == theirs
        for relative in ours:
            if relative.suffix == ".xlsx":  # zip bytes carry times; compare what the sheets hold
                assert _workbook_cells(made / relative) == _workbook_cells(committed / relative), relative
            else:
                assert (made / relative).read_bytes() == (committed / relative).read_bytes(), relative


def _values(frame: pd.DataFrame) -> pd.DataFrame:
    """Text and flag columns as objects with None for missing; numbers as floats."""
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            out[column] = values.astype("float64")
        else:
            out[column] = values.astype("object").where(values.notna(), None).map(
                lambda v: v if v is None or isinstance(v, (bool, str)) else str(v))
    return out


def _assert_same_truth(made: Path, committed: Path, pilots) -> None:
    for name in TRUTH_TABLES:
        ours = pd.read_parquet(made / "truth" / f"{name}.parquet")
        theirs = pd.read_parquet(committed / "truth" / f"{name}.parquet")
        theirs = theirs[theirs["pilot_id"].isin(pilots)].reset_index(drop=True)
        # the whole sample has the extra columns of every writer; a part only its own
        others = [c for c in theirs.columns if c not in ours.columns]
        assert theirs[others].isna().all().all(), name
        theirs = theirs[list(ours.columns)]
        exact = set(pilots) == set(ours["pilot_id"]) == {d.id for d in DESIGNS}
        if not exact:  # a part's all-missing column has no dtype of its own: compare values
            ours, theirs = _values(ours), _values(theirs)
        pd.testing.assert_frame_equal(ours.reset_index(drop=True), theirs, obj=name, check_dtype=exact)
    for name in ("files.csv", "identities.csv"):
        ours = pd.read_csv(made / "truth" / name, keep_default_na=False)
        theirs = pd.read_csv(committed / "truth" / name, keep_default_na=False)
        theirs = theirs[theirs["pilot_id"].isin(pilots)].reset_index(drop=True)
        pd.testing.assert_frame_equal(ours, theirs, obj=name)


# --------------------------------------------------------------------------- determinism

def test_a_pilot_regenerates_exactly_as_committed(tmp_path):
    # pilots draw from their own random streams, so one pilot alone is the same as in the whole sample
    manifest = generate(tmp_path / "sample", seed=2010, pilots=["kirklees-2010"])
    assert manifest.missing == []
    _assert_same_files(tmp_path / "sample", SAMPLE, ["kirklees-2010"])
    _assert_same_truth(tmp_path / "sample", SAMPLE, ["kirklees-2010"])


def test_another_seed_writes_another_programme(tmp_path):
    generate(tmp_path / "other", seed=2011, pilots=["kirklees-2010"])
    ours = pd.read_csv(tmp_path / "other" / "kirklees-2010" / "roster.csv")
    theirs = pd.read_csv(SAMPLE / "kirklees-2010" / "roster.csv")
    assert list(ours.columns) == list(theirs.columns)
    assert list(ours["name"]) != list(theirs["name"])
    # the design's counts hold for every seed
    assert (ours["role"] == "councillor").sum() == 69
    attendance = pd.read_parquet(tmp_path / "other" / "truth" / "attendance.parquet")
    present = attendance[attendance["status"] == "present"].merge(
        pd.read_parquet(tmp_path / "other" / "truth" / "people.parquet")[["person_key", "role"]])
    assert present.groupby("role")["person_key"].nunique().to_dict() == {"councillor": 17, "officer": 8}


@pytest.mark.slow
def test_the_whole_sample_regenerates_exactly_as_committed(tmp_path):
    manifest = generate(tmp_path / "sample", seed=2010)
    assert manifest.missing == []
    pilots = [d.id for d in DESIGNS]
    _assert_same_files(tmp_path / "sample", SAMPLE, pilots)
    _assert_same_truth(tmp_path / "sample", SAMPLE, pilots)
    assert (tmp_path / "sample" / "programme.yml").read_bytes() == (SAMPLE / "programme.yml").read_bytes()


# --------------------------------------------------------------------------- the output folder

def test_a_folder_that_is_not_a_sample_is_refused(tmp_path):
    (tmp_path / "thesis.docx").write_text("months of work")
    with pytest.raises(FileExistsError, match="does not look like a previous sample"):
        generate(tmp_path, pilots=["kirklees-2010"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["thesis.docx"]


def test_a_previous_sample_is_replaced(tmp_path):
    out = tmp_path / "sample"
    generate(out, seed=2011, pilots=["kirklees-2010"])
    stale = out / "kirklees-2010" / "attendance" / "left over.csv"
    stale.write_text("x")
    (out / "my notes.txt").write_text("kept")
    generate(out, seed=2010, pilots=["kirklees-2010"])
    assert not stale.exists()
    assert (out / "my notes.txt").read_text() == "kept"
    _assert_same_files(out, SAMPLE, ["kirklees-2010"])


def test_an_unknown_pilot_is_an_error(tmp_path):
    with pytest.raises(ValueError, match="no such pilot"):
        generate(tmp_path / "s", pilots=["atlantis"])


# --------------------------------------------------------------------------- programme.yml

def test_the_programme_loads_and_pins_every_survey():
    programme = load_programme(SAMPLE)
    assert [p.id for p in programme.pilots] == [d.id for d in DESIGNS]
    assert programme.settings.key_file == "DEMO_KEY.md"
    for pilot in programme.pilots:
        surveys = sorted(p.relative_to(SAMPLE / pilot.id).as_posix() for p in (SAMPLE / pilot.id / "surveys").iterdir())
        pins = {pin.path: pin for pin in pilot.files}
        for survey in surveys:
            assert survey in pins, survey
            assert pins[survey].wave in ("pre", "post", "feedback")
            assert (pins[survey].session is not None) == (pins[survey].wave == "feedback")
        themes = {s.theme for s in pilot.sessions}
        if pilot.id != "kirklees-2010":
            assert themes == {"Social media skills master class", "Understand your digital footprint and current network",
                              "Shape your network and manage debates online", "Influence your network and lead online"}


def test_every_answer_in_the_truth_maps_to_an_item(truth):
    programme = load_programme(SAMPLE)
    items = {i.id: i for i in programme.items}
    for name in ("responses", "comments"):
        table = truth[name][truth[name]["source_file"].str.contains("/surveys/")]
        assert table["item_id"].notna().all()
        for question, item_id in table[["question", "item_id"]].drop_duplicates().itertuples(index=False):
            found = programme.item_for_question(question)
            assert found is not None and found[0].id == item_id, question
    then = truth["responses"][truth["responses"]["wave"] == "then"]
    assert len(then) and then["item_id"].map(lambda i: items[i].scale).eq("confidence").all()


# --------------------------------------------------------------------------- realism

def test_kirklees_roster_and_register(truth):
    roster = pd.read_csv(SAMPLE / "kirklees-2010" / "roster.csv")
    councillors = roster[roster["role"] == "councillor"]
    assert len(councillors) == 69
    assert councillors["party"].value_counts().to_dict() == {
        "Labour": 26, "Conservative": 19, "Liberal Democrat": 19, "Green": 5}
    assert (roster["role"] == "officer").sum() == 10
    attendance = truth["attendance"]
    present = attendance[(attendance["pilot_id"] == "kirklees-2010") & (attendance["status"] == "present")]
    present = present[["person_key", "source"]].merge(roster[["roster_id", "role", "party"]], left_on="person_key", right_on="roster_id")
    assert present.groupby("role")["person_key"].nunique().to_dict() == {"councillor": 17, "officer": 8}
    assert present.loc[present["role"] == "councillor", "party"].nunique() == 4
    assert set(present["source"]) == {"register"}


def test_most_kirklees_sheets_want_to_find_out_more(truth):
    answers = truth["responses"]
    more = answers[(answers["pilot_id"] == "kirklees-2010") & (answers["item_id"] == "fb_more")]
    assert more["value"].mean() > 0.5


@pytest.mark.parametrize("pilot_id", ["suffolk", "solihull", "yorkshire-humber"])
def test_attendance_falls_across_the_workshops(truth, pilot_id):
    people = truth["people"]
    cohort = set(people.loc[(people["pilot_id"] == pilot_id) & people["in_cohort"], "person_key"])
    attendance = truth["attendance"]
    present = attendance[(attendance["pilot_id"] == pilot_id) & (attendance["status"] == "present")
                         & attendance["person_key"].isin(cohort) & (attendance["source"] != "eventbrite")]
    sessions = [s.id for s in DESIGN[pilot_id].sessions]
    counts = present.groupby("session_id")["person_key"].nunique().reindex(sessions).tolist()
    assert counts == list(DESIGN[pilot_id].turnout)


def test_suffolk_uses_teams_and_paper_for_hybrid_sessions(truth):
    attendance = truth["attendance"]
    suffolk = attendance[(attendance["pilot_id"] == "suffolk") & (attendance["status"] == "present")]
    assert suffolk.groupby("session_id")["source"].nunique().eq(2).all()


@pytest.mark.parametrize("pilot_id", ["suffolk", "solihull", "yorkshire-humber"])
def test_some_cohort_members_skip_the_post_survey(truth, pilot_id):
    people = truth["people"]
    cohort = people[(people["pilot_id"] == pilot_id) & people["in_cohort"]]
    responses = truth["responses"]
    answered_post = set(responses.loc[(responses["pilot_id"] == pilot_id) & (responses["wave"] == "post"),
                                      "person_key"])
    assert answered_post == set(cohort.loc[cohort["completed_post"], "person_key"])
    assert len(answered_post) == DESIGN[pilot_id].post_completers < len(cohort)


def test_the_planted_identity_cases_exist(truth):
    ids = truth["identities"]

    def rows(pilot_id, **match):
        found = ids[ids["pilot_id"] == pilot_id]
        for column, value in match.items():
            found = found[found[column] == value]
        return found

    ambiguous = rows("suffolk", source_name="Cllr J. Smith")
    assert ambiguous[["source_table", "person_key", "expected"]].values.tolist() == [["attendance", "SUF-01", "ambiguous"]]
    roster = pd.read_csv(SAMPLE / "suffolk" / "roster.csv").set_index("roster_id")
    assert roster.loc["SUF-01", "name"] == "Jane Smith"
    assert (roster["name"] == "John Smith").sum() == 1
    jane = rows("suffolk", person_key="SUF-01", expected="linked")
    assert {"Smith, Jane (External)", "Jane Smith"} <= set(jane["source_name"])
    assert "jane.smith@eastsuffolk.gov.uk" in set(jane["source_email"])
    assert "CllrJaneSmith" in set(jane["source_handle"])
    assert "jane.smith@eastsuffolk.gov.uk" in roster.loc["SUF-01", "aliases"]

    strangers = ids[ids["person_key"].str.startswith(("stranger-", "guest-", "dial-in-"))]
    assert set(strangers["expected"]) == {"unmatched"}
    assert sorted(strangers["pilot_id"] + "/" + strangers["person_key"]) == sorted([
        "solihull/stranger-1", "suffolk/guest-1", "suffolk/stranger-1", "yorkshire-humber/dial-in-1",
        "yorkshire-humber/guest-1"])
    assert rows("suffolk", person_key="guest-1")["case"].str.contains("Amira Khan").all()
    assert rows("solihull", person_key="stranger-1")["case"].str.contains("Ravinder Gill").all()
    dial_in = rows("yorkshire-humber", person_key="dial-in-1")
    assert dial_in["source_name"].str.fullmatch(r"\+44 7700 900\d{3}").all()
    assert (dial_in["source_email"] == "").all()

    anonymous = ids[(ids["source_name"] == "") & (ids["source_email"] == "") & (ids["source_handle"] == "")]
    assert set(anonymous["expected"]) == {"unmatched"}
    assert {"kirklees-2010", "suffolk", "yorkshire-humber"} <= set(anonymous["pilot_id"])

    sian = rows("solihull", expected="linked")
    sian = sian[sian["person_key"] == roster_id("solihull", "Siân Davies-Jones")]
    assert {"Cllr S. Davies-Jones"} <= set(sian["source_name"])
    assert {"sian.davies-jones@solihull.gov.uk", "siandj.green@gmail.com"} <= set(sian["source_email"])
    priya = rows("yorkshire-humber", expected="linked")
    priya = priya[priya["person_key"] == roster_id("yorkshire-humber", "Priya Sharma")]
    assert {"Priya Sharma", "Cllr P Sharma"} <= set(priya["source_name"])
    assert "priyasharma73@gmail.com" in set(priya["source_email"])
    attendance = truth["attendance"]
    assert "Priya's iPhone" in set(attendance.loc[attendance["person_key"] == priya["person_key"].iloc[0],
                                                  "source_original_name"])


def roster_id(pilot_id: str, name: str) -> str:
    roster = pd.read_csv(SAMPLE / pilot_id / "roster.csv")
    return roster.loc[roster["name"] == name, "roster_id"].item()


def test_every_identity_of_every_table_is_listed(truth):
    ids = truth["identities"]
    keys = ["pilot_id", "source_table", "source_name", "source_email", "source_handle"]
    assert not ids.duplicated(keys).any()
    for name in ("attendance", "responses", "comments"):
        table = truth[name].fillna({"source_name": "", "source_email": ""})
        listed = ids[ids["source_table"] == name]
        pairs = set(zip(table["pilot_id"], table["source_name"], table["source_email"]))
        assert pairs == set(zip(listed["pilot_id"], listed["source_name"], listed["source_email"]))
    for name in ("metrics", "posts"):
        listed = ids[ids["source_table"] == name]
        assert set(zip(truth[name]["pilot_id"], truth[name]["account"])) == set(
            zip(listed["pilot_id"], listed["source_handle"]))
    assert set(ids["expected"]) == {"linked", "ambiguous", "unmatched"}


def test_the_effects_are_stated_and_realised():
    effects = yaml.safe_load((SAMPLE / "truth" / "effects.yml").read_text())
    assert effects["seed"] == 2010
    assert effects["confidence"]["post_shift_latent"] == 1.0
    assert effects["response_shift"]["response_shift"] == 0.4
    assert effects["activity"]["posts_per_week_per_session"] == 0.5
    for pilot_id, realised in effects["realised_confidence"].items():
        assert realised["completers"] == DESIGN[pilot_id].post_completers
        assert 0.5 < realised["mean_post_minus_pre"] < 1.2
        assert -0.7 < realised["mean_then_minus_pre"] < -0.1
    for pilot_id, realised in effects["realised_activity"].items():
        if pilot_id != "kirklees-2010":
            assert realised["cohort_posts_per_week_after"] > realised["cohort_posts_per_week_before"]


def test_the_sample_stays_small():
    sizes = [p.stat().st_size for p in SAMPLE.rglob("*") if p.is_file()]
    assert sum(sizes) < 6_000_000
    assert max(sizes) < 1_000_000


def test_the_demo_key_is_documented_and_loads():
    from evalkit.roster import load_key

    programme = load_programme(SAMPLE)
    key = load_key(programme, environ={})
    assert len(key) >= 32
    note = (SAMPLE / "DEMO_KEY.md").read_text()
    assert "outside" in note and "EVALKIT_KEY" in note
    assert "DEMO_KEY.md" in (SAMPLE / "README.md").read_text()
