"""The national roll-out generator (evalkit.sample.rollout): the same seed writes the same
areas, area k does not depend on the number of areas, the programme loads, every file is its
format and reads back to as many rows as the truth lists, and the truth is streamed per area."""

import re
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml

from evalkit.pipeline import context_for
from evalkit.programme import load_programme
from evalkit.readers import FORMATS, detect, read
from evalkit.sample.people import ENGLISH_COUNCILS
from evalkit.sample.rollout import (AREA_FAMILIES, TRUTH_SCHEMAS, _arrow, _Part, area_plan, generate_rollout,
                                    read_truth)

SEED = 7
YEARS = 0.25
THEMES = {"Social media skills master class", "Understand your digital footprint and current network",
          "Shape your network and manage debates online", "Influence your network and lead online"}


@pytest.fixture(scope="module")
def four(tmp_path_factory):
    """A roll-out of four areas, and what the truth folder held each time an area was reported."""
    out = tmp_path_factory.mktemp("rollout") / "four"
    seen = []

    def progress(done, total, area_id):
        parts = out / "truth" / "metrics"
        seen.append((done, total, area_id, sorted(p.name for p in parts.iterdir())))

    manifest = generate_rollout(out, areas=4, seed=SEED, years=YEARS, progress=progress)
    return out, manifest, seen


@pytest.fixture(scope="module")
def three(tmp_path_factory):
    out = tmp_path_factory.mktemp("rollout") / "three"
    generate_rollout(out, areas=3, seed=SEED, years=YEARS)
    return out


def _workbook_cells(path: Path) -> dict:
    book = openpyxl.load_workbook(path)
    return {ws.title: ([list(r) for r in ws.iter_rows(values_only=True)], sorted(map(str, ws.merged_cells.ranges)))
            for ws in book.worksheets}


# --------------------------------------------------------------------------- determinism

def test_area_k_is_the_same_whatever_the_number_of_areas(four, three):
    # the same seed writes the same files and truth; area k does not depend on how many areas there are
    out, manifest, _ = four
    ids = [area_plan(k).id for k in (1, 2, 3)]
    for pilot in ids:
        ours = sorted(p.relative_to(out) for p in (out / pilot).rglob("*") if p.is_file())
        theirs = sorted(p.relative_to(three) for p in (three / pilot).rglob("*") if p.is_file())
        assert ours == theirs and ours
        for relative in ours:
            if relative.suffix == ".xlsx":  # zip bytes carry times; compare what the sheets hold
                assert _workbook_cells(out / relative) == _workbook_cells(three / relative), relative
            else:
                assert (out / relative).read_bytes() == (three / relative).read_bytes(), relative
    for table in TRUTH_SCHEMAS:
        ours = read_truth(out, table, pilots=ids)
        theirs = read_truth(three, table)
        assert len(theirs), table
        pd.testing.assert_frame_equal(ours, theirs, obj=table)
    programme_four = yaml.safe_load((out / "programme.yml").read_text())
    programme_three = yaml.safe_load((three / "programme.yml").read_text())
    assert programme_four["pilots"][:3] == programme_three["pilots"]
    assert programme_four["items"] == programme_three["items"]


def test_another_seed_differs(four, tmp_path):
    out, _, _ = four
    other = tmp_path / "other"
    generate_rollout(other, areas=1, seed=SEED + 1, years=YEARS)
    pilot = area_plan(1).id
    ours = pd.read_csv(other / pilot / "roster.csv")
    theirs = pd.read_csv(out / pilot / "roster.csv")
    assert list(ours.columns) == list(theirs.columns)
    assert set(ours["name"]) != set(theirs["name"])
    # the plan of an area (council, export formats) does not depend on the seed
    assert set(read_truth(other, "files")["format"]) == set(read_truth(out, "files", pilots=[pilot])["format"])
    assert load_programme(other).pilots[0].authorities == load_programme(out).pilots[0].authorities


def test_a_folder_that_is_not_a_sample_is_refused(tmp_path):
    (tmp_path / "thesis.docx").write_text("months of work")
    with pytest.raises(FileExistsError, match="does not look like a previous sample"):
        generate_rollout(tmp_path, areas=1, seed=SEED, years=YEARS)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["thesis.docx"]


def test_a_previous_roll_out_is_replaced_and_stale_areas_go(tmp_path):
    out = tmp_path / "rollout"
    out.mkdir()
    (out / "programme.yml").write_text("name: old\n")
    (out / "truth").mkdir()
    (out / "area-009-stale").mkdir()
    (out / "area-009-stale" / "roster.csv").write_text("x")
    (out / "my notes.txt").write_text("kept")
    manifest = generate_rollout(out, areas=1, seed=SEED, years=YEARS, truth=False)
    assert not (out / "area-009-stale").exists()
    assert (out / "my notes.txt").read_text() == "kept"
    # without truth tables only the list of files is written
    assert sorted(p.name for p in (out / "truth").iterdir()) == ["files"]
    assert set(manifest.rows) == {"files"}
    assert manifest.rows["files"] == manifest.files["files"].sum() == len(read_truth(out, "files"))


# --------------------------------------------------------------------------- plans and programme

def test_area_plans_rotate_every_format_family():
    plans = [area_plan(k) for k in range(1, 301)]
    assert len({p.id for p in plans}) == 300
    assert plans[0].id == "area-001-newcastle" and re.fullmatch(r"area-\d{3}-[a-z0-9-]+", plans[299].id)
    for start in range(0, 300, 4):  # every block of four areas uses every family
        block = plans[start:start + 4]
        for family, options in AREA_FAMILIES.items():
            assert {getattr(p, family) for p in block} == set(options), (start, family)
    combinations = {(p.attendance, p.surveys, p.metrics) for p in plans}
    assert len(combinations) == 4 * 4 * 4  # the families meet in every combination
    assert {p.region for p in plans[:9]} == set(ENGLISH_COUNCILS)  # regions take turns
    councils = [c for region in ENGLISH_COUNCILS.values() for c, _, _ in region]
    assert {p.council for p in plans} == set(councils)  # every council, cycled
    for p in plans:
        assert p.tier == ("multi-authority" if p.number % 3 == 0 else "single")
        assert len(p.authorities) == len(set(p.authorities)) == (3 if p.number % 3 == 0 else 1)
        region = {c for c, _, _ in ENGLISH_COUNCILS[p.region]}
        assert set(p.authorities) <= region
    assert area_plan(1 + len(councils)).council == plans[0].council
    with pytest.raises(ValueError):
        area_plan(0)


def test_the_programme_loads_and_pins_every_survey(four):
    out, _, _ = four
    programme = load_programme(out)
    assert [p.id for p in programme.pilots] == [area_plan(k).id for k in (1, 2, 3, 4)]
    for pilot, k in zip(programme.pilots, (1, 2, 3, 4)):
        plan = area_plan(k)
        assert (pilot.region, pilot.tier, tuple(pilot.authorities)) == (plan.region, plan.tier, plan.authorities)
        assert [s.id for s in pilot.sessions] == ["masterclass", "workshop-1", "workshop-2", "workshop-3"]
        assert {s.theme for s in pilot.sessions} == THEMES
        dates = [s.date for s in pilot.sessions]
        assert dates == sorted(dates) and len(set(dates)) == 4
        pins = {pin.path: pin for pin in pilot.files}
        surveys = sorted(p.relative_to(out / pilot.id).as_posix() for p in (out / pilot.id / "surveys").iterdir())
        assert len(surveys) >= 5  # pre, post and three workshops
        for survey in surveys:
            assert pins[survey].wave in ("pre", "post", "feedback")
            assert (pins[survey].session is not None) == (pins[survey].wave == "feedback")
    assert "roll-out" in programme.name


# --------------------------------------------------------------------------- the files

def test_every_reader_format_is_exercised_and_detected(four):
    out, manifest, _ = four
    files = read_truth(out, "files")
    assert set(files["format"]) == set(FORMATS)
    assert manifest.files.groupby("format")["files"].sum().to_dict() == files["format"].value_counts().to_dict()
    for row in files.itertuples():
        assert detect(out / row.source_file) == row.format, row.source_file
    raw = {p.relative_to(out).as_posix() for pilot in files["pilot_id"].unique()
           for p in (out / pilot).rglob("*") if p.is_file() and p.name != "roster.csv"}
    assert raw == set(files["source_file"])  # every raw file is listed, once


def test_files_look_like_their_tools_write_them(four):
    out, _, _ = four
    files = read_truth(out, "files").drop_duplicates("format").set_index("format")["source_file"]
    data = {fmt: (out / path).read_bytes() for fmt, path in files.items() if not path.endswith(".xlsx")}
    assert data["teams-attendance-report"].startswith(b"\xff\xfe") and b"\t\x00" in data["teams-attendance-report"]
    assert data["teams-attendance-list"].startswith(b"\xff\xfe")
    assert data["zoom-participants"].startswith(b"\xef\xbb\xbf") and data["zoom-participants"].endswith(b"\r\n")
    assert data["meta-business-suite"].startswith(b"\xff\xfe" + "sep=,".encode("utf-16-le"))
    tweets = data["x-tweet-activity"].decode("utf-8").splitlines()
    assert tweets[0].startswith('"Tweet id","Tweet permalink","Tweet text","time"')
    assert not data["x-account-overview"].endswith(b"\n")
    google = data["google-forms"].decode("utf-8").splitlines()
    assert re.search(r'^"\d{4}/\d{2}/\d{2} \d{1,2}:\d{2}:\d{2} (AM|PM) GMT(\+1)?",', google[1])
    facebook = data["facebook-insights"].decode("utf-8", errors="replace").splitlines()
    assert facebook[0].startswith("Date,Lifetime Total Likes,") and facebook[1].startswith(",Lifetime: ")


def test_truth_row_counts_agree_with_the_files(four):
    # one file of every format in every area, read as cleaning reads it, gives as many rows as the truth lists
    out, _, _ = four
    programme = load_programme(out)
    files = read_truth(out, "files")
    truth = {name: read_truth(out, name, columns=["source_file", "source_row"])
             for name in ("attendance", "responses", "comments", "metrics", "posts", "row_fates")}
    for frame in truth.values():
        frame["file"] = frame["source_file"].str.split("#").str[0]
    assert set(truth["row_fates"]["file"]) == set(files["source_file"])  # every file has its fates
    chosen = files.drop_duplicates(["pilot_id", "format"])
    assert len(chosen) >= 20
    for row in chosen.itertuples():
        path = out / row.source_file
        pilot = programme.pilot(row.pilot_id)
        context, pinned, _ = context_for(programme, pilot, path)
        reading = read(path, context, format=pinned)
        for name in ("attendance", "responses", "comments", "metrics", "posts"):
            expected = truth[name][truth[name]["file"] == row.source_file]
            assert len(reading.tables.get(name, [])) == len(expected), (row.source_file, name)
        fates = truth["row_fates"][truth["row_fates"]["file"] == row.source_file]
        assert sorted(reading.fates["source_row"].tolist()) == sorted(fates["source_row"].tolist()), row.source_file


def test_every_truth_part_has_its_tables_schema(four):
    out, _, _ = four
    areas = {area_plan(k).id for k in (1, 2, 3, 4)}
    for table, schema in TRUTH_SCHEMAS.items():
        parts = sorted((out / "truth" / table).glob("pilot_id=*/part.parquet"))
        assert {p.parent.name.removeprefix("pilot_id=") for p in parts} == areas, table
        for part in parts:
            assert pq.read_schema(part).remove_metadata().equals(schema), (table, part)


def test_read_truth_reads_chosen_areas_and_columns(four):
    out, manifest, _ = four
    one = area_plan(2).id
    metrics = read_truth(out, "metrics", pilots=[one], columns=["metric", "value"])
    assert list(metrics.columns) == ["pilot_id", "metric", "value"]
    assert set(metrics["pilot_id"]) == {one} and len(metrics)
    assert sum(len(read_truth(out, "metrics", pilots=[area_plan(k).id])) for k in (1, 2, 3, 4)) == \
        manifest.rows["metrics"] == len(pd.read_parquet(out / "truth" / "metrics"))
    with pytest.raises(ValueError, match="no truth table"):
        read_truth(out, "nonsense")


# --------------------------------------------------------------------------- realism

def test_cohorts_attendance_and_surveys_are_realistic(four):
    out, _, _ = four
    people = read_truth(out, "people")
    attendance = read_truth(out, "attendance")
    responses = read_truth(out, "responses")
    for pilot_id, mine in people.groupby("pilot_id"):
        roster = mine[mine["roster_id"].notna()]
        cohort = set(roster.loc[roster["in_cohort"], "person_key"])
        assert 16 <= len(cohort) <= 24
        assert 8 <= roster["comparison"].sum() <= 12
        assert set(roster["baseline_skill"]) == {"beginner", "developing", "confident", "fluent"}
        present = attendance[(attendance["pilot_id"] == pilot_id) & (attendance["status"] == "present")
                             & attendance["person_key"].isin(cohort) & (attendance["source"] != "eventbrite")]
        counts = present.groupby("session_id")["person_key"].nunique().reindex(
            ["masterclass", "workshop-1", "workshop-2", "workshop-3"]).tolist()
        assert counts == sorted(counts, reverse=True) and counts[0] > counts[-1], (pilot_id, counts)
        assert counts[0] >= 0.8 * len(cohort)
        # the truth's sessions attended are what the files show
        attended = present.groupby("person_key")["session_id"].nunique()
        expected = roster[roster["in_cohort"]].set_index("person_key")["sessions_attended"]
        assert attended.reindex(expected.index, fill_value=0).to_dict() == expected.to_dict()
        post = set(responses.loc[(responses["pilot_id"] == pilot_id) & (responses["wave"] == "post"), "person_key"])
        assert post == set(roster.loc[roster["completed_post"], "person_key"])
        assert 0 < len(post) < len(cohort)
        assert not roster.loc[roster["comparison"], "sessions_attended"].any()


def test_the_planted_identity_cases_exist_in_every_area(four):
    out, _, _ = four
    ids = read_truth(out, "identities")
    people = read_truth(out, "people")
    for k in (1, 2, 3, 4):
        plan = area_plan(k)
        mine = ids[ids["pilot_id"] == plan.id]
        roster = people[(people["pilot_id"] == plan.id) & people["roster_id"].notna()]
        strangers = mine[mine["person_key"].isin(["stranger-1", "guest-1", "dial-in-1"])]
        assert set(strangers["expected"]) == {"unmatched"}
        assert {"stranger-1", "guest-1"} <= set(strangers["person_key"])
        assert ("dial-in-1" in set(strangers["person_key"])) == (plan.attendance == "zoom")
        ambiguous = mine[mine["expected"] == "ambiguous"]
        if plan.attendance == "teams":  # Teams shows full names and emails: nothing is ambiguous
            assert ambiguous.empty
        else:
            assert len(ambiguous) >= 1 and (ambiguous["source_email"] == "").all()
            twin = roster.set_index("person_key").loc[ambiguous["person_key"].iloc[0]]
            initial, surname = re.fullmatch(r"Cllr (\w)\. (.+)", ambiguous["source_name"].iloc[0]).groups()
            fits = roster[roster["name"].str.split().str[-1].eq(surname) & roster["name"].str.startswith(initial)]
            assert len(fits) == 2 and twin["in_cohort"] and fits["comparison"].sum() == 1
        # a cohort member's personal email (a roster alias) links to them
        aliases = pd.read_csv(out / plan.id / "roster.csv").dropna(subset=["aliases"])
        assert len(aliases) == 1
        alias_key, alias = aliases[["roster_id", "aliases"]].iloc[0]
        assert "@" in alias
        assert mine["case"].str.contains(re.escape(alias)).any()
        used = mine[mine["source_email"] == alias]
        if len(used):
            assert set(used["person_key"]) == {alias_key} and set(used["expected"]) == {"linked"}
    anonymous = ids[(ids["source_name"] == "") & (ids["source_email"] == "") & (ids["source_handle"] == "")]
    assert len(anonymous) and set(anonymous["expected"]) == {"unmatched"}


def test_effects_are_stated_and_realised_per_area(four):
    out, _, _ = four
    effects = yaml.safe_load((out / "truth" / "effects.yml").read_text())
    assert effects["seed"] == SEED and effects["rollout"]["areas"] == 4
    assert effects["confidence"]["post_shift_latent"] == 1.0
    assert effects["activity"]["posts_per_week_per_session"] == 0.5
    assert "13 weeks" not in effects["activity"]["followers"]
    assert set(effects["realised_confidence"]) == set(effects["realised_activity"]) == {
        area_plan(k).id for k in (1, 2, 3, 4)}
    people = read_truth(out, "people")
    for pilot_id, realised in effects["realised_confidence"].items():
        assert realised["completers"] == people[(people["pilot_id"] == pilot_id)]["completed_post"].sum()
        assert 0.3 < realised["mean_post_minus_pre"] < 1.3
        assert realised["mean_then_minus_pre"] < 0
    for realised in effects["realised_activity"].values():
        assert realised["cohort_posts_per_week_after"] > realised["cohort_posts_per_week_before"]


def test_metrics_cover_the_years_asked_for():
    # the window is about `years` long, centred on the programme (a week either side at the least)
    from evalkit.sample.rollout import _rollout_root, area_design
    from evalkit.sample.world import child_rng

    plan = area_plan(5)
    for years in (2.0, 1.0, 0.25):
        design = area_design(plan, child_rng(_rollout_root(SEED).spawn(5)[4], "design"), years)
        span = (design.sessions[-1].date - design.sessions[0].date).days
        window = span + 2 * 7 * design.metric_weeks
        assert abs(window - max(years * 365.25, span + 14)) <= 14, (years, window)


# --------------------------------------------------------------------------- streaming

def test_truth_is_written_area_by_area(four):
    # when area k is reported, its truth (and that of the areas before it) is on disk, the next area's not yet
    _, _, seen = four
    for done, total, area_id, parts in seen:
        assert total == 4
        assert parts == sorted(f"pilot_id={area_plan(k).id}" for k in range(1, done + 1))


def test_a_truth_part_is_written_in_row_groups(tmp_path, monkeypatch):
    monkeypatch.setattr(_Part, "ROW_GROUP", 3)
    part = _Part(tmp_path / "metrics" / "pilot_id=area-001-x" / "part.parquet", "metrics")
    day = pd.Timestamp("2024-01-01").date()
    for n in range(4):
        part.add(pd.DataFrame({"source_file": "f.csv", "source_row": pd.array([n + 2, n + 3], dtype="Int64"),
                               "platform": "x", "account": "A", "date": [day, day], "metric": ["posts", "likes"],
                               "value": [1.0, np.nan], "person_key": "A001-01", "pilot_id": "area-001-x"}))
    # two rows wait; the next two make four (at least three): written as one row group, twice
    assert part.pending == [] and part.waiting == 0
    part.close()
    meta = pq.ParquetFile(part.path).metadata
    assert meta.num_rows == 8
    assert [meta.row_group(i).num_rows for i in range(meta.num_row_groups)] == [4, 4]
    table = pq.read_table(part.path)
    assert table.schema.equals(TRUTH_SCHEMAS["metrics"]) and table["value"].null_count == 4


def test_a_column_the_truth_does_not_know_is_an_error():
    with pytest.raises(ValueError, match="no column.*surprise"):
        _arrow(pd.DataFrame({"source_file": ["f"], "surprise": [1]}), "metrics")


def test_paper_sheets_come_from_people_in_the_room_or_named():
    # in Zoom areas with paper feedback the caller who dialled in (no name) hands in no sheet
    from evalkit.sample.rollout import _rollout_root, area_design, build_area
    from evalkit.sample.surveys import build_surveys
    from evalkit.sample.world import child_rng

    numbers = [k for k in range(1, 65) if (area_plan(k).attendance, area_plan(k).surveys) == ("zoom", "paper")]
    assert numbers == [7, 23, 39, 55]
    sequences = _rollout_root(2010).spawn(max(numbers))
    answered = 0
    for k in numbers:
        sequence = sequences[k - 1]
        plan = area_plan(k)
        design = area_design(plan, child_rng(sequence, "design"), YEARS)
        world, _ = build_area(plan, design, child_rng(sequence, "world"))
        assert "dial-in-1" in set(world.present("workshop-3")["person_key"])
        before = world.people.set_index("person_key")["posts_per_week"]
        surveys, _ = build_surveys(world, lambda *n: child_rng(sequence, "surveys", *n), before,
                                   tools=("ms_forms", "paper"), anonymous_sessions=("workshop-2",))
        sheets = pd.concat([s.answers for s in surveys if s.tool == "paper"])
        assert "dial-in-1" not in set(sheets["person_key"])
        answered += sheets["person_key"].nunique()
    assert answered > 0


def test_the_manifest_counts_what_was_written(four):
    out, manifest, _ = four
    assert manifest.missing == [] and manifest.areas == 4 and manifest.years == YEARS and manifest.seed == SEED
    assert manifest.seconds > 0 and manifest.peak_memory_mb > 0
    for table in TRUTH_SCHEMAS:
        assert manifest.rows[table] == len(read_truth(out, table, columns=[])), table
    assert manifest.files.groupby("pilot_id")["files"].sum().to_dict() == \
        read_truth(out, "files")["pilot_id"].value_counts().to_dict()


def test_page_insights_exports_cover_whole_periods():
    # no export covers only a few days (a one-day Page Insights file reads as "not yet computed")
    import datetime as dt

    from evalkit.sample.rollout import _half_years, _rollout_root, area_design
    from evalkit.sample.world import child_rng

    sequences = _rollout_root(2010).spawn(300)
    for k in range(1, 301):
        design = area_design(area_plan(k), child_rng(sequences[k - 1], "design"), 2.0)
        weeks = dt.timedelta(weeks=design.metric_weeks)
        first, last = design.sessions[0].date - weeks, design.sessions[-1].date + weeks
        periods = _half_years(first, last)
        assert periods[0][0] == first and periods[-1][1] == last
        assert all((b - a).days + 1 >= 28 for a, b in periods), (k, periods)
        assert all(b + dt.timedelta(days=1) == c for (_, b), (c, _) in zip(periods, periods[1:]))
    assert _half_years(dt.date(2024, 12, 31), dt.date(2025, 3, 1)) == [(dt.date(2024, 12, 31), dt.date(2025, 3, 1))]
