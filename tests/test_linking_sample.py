"""Linking on the bundled sample programme, against its truth (data/sample/truth/).

The truth tables are what a perfect reader yields from the sample's files, with the true
``person_key`` of every row; ``identities.csv`` lists every distinct identity per pilot and
table with the expected outcome (``linked``, ``ambiguous``, ``unmatched``). The linker sees
the tables without ``person_key``; its decisions are then checked against it:

* every identity expected ``linked`` is linked, to the right person;
* no row is ever linked to the wrong person, or to anyone when its person is not on the roster;
* every planted ambiguous or unmatched identity is in the review queue.

``EVALKIT_SAMPLE_DIR`` points the tests at another generated sample (for example one just
made with ``evalkit sample /tmp/sample --seed 7``); the default is the bundled data/sample.
"""

import os
from pathlib import Path

import pandas as pd
import pytest

from evalkit.linking import link_pilot
from evalkit.programme import Resolution, load_programme
from evalkit.roster import participant_ids, read_roster

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = Path(os.environ.get("EVALKIT_SAMPLE_DIR") or ROOT / "data" / "sample")
TRUTH = SAMPLE / "truth"
TABLES = ("attendance", "responses", "comments", "metrics", "posts")
KEY = b"sample linking test key (any key will do)"
IDENTITY = ["pilot_id", "source_table", "source_name", "source_email", "source_handle"]

pytestmark = pytest.mark.skipif(
    not (TRUTH / "identities.csv").exists() or not (SAMPLE / "programme.yml").exists(),
    reason="the sample programme (data/sample/ with truth/identities.csv) has not been generated yet",
)


def _blank_to_none(frame: pd.DataFrame, columns) -> pd.DataFrame:
    out = frame.copy()
    for column in columns:
        values = out[column].astype("object")
        out[column] = values.where(values.notna() & (values.astype(str) != ""), None)
    return out


@pytest.fixture(scope="module")
def sample():
    programme = load_programme(SAMPLE)
    people = pd.read_parquet(TRUTH / "people.parquet")
    truth = {name: pd.read_parquet(TRUTH / f"{name}.parquet") for name in TABLES
             if (TRUTH / f"{name}.parquet").exists()}
    identities = _blank_to_none(
        pd.read_csv(TRUTH / "identities.csv", dtype=str, keep_default_na=False),
        ["source_name", "source_email", "source_handle", "person_key"],
    )
    results, rows = {}, []
    for pilot in programme.pilots:
        roster = read_roster(SAMPLE / pilot.id / pilot.roster, pilot.id)
        tables = {
            name: frame[frame["pilot_id"] == pilot.id].drop(columns=["person_key"]).reset_index(drop=True)
            for name, frame in truth.items() if "person_key" in frame.columns
        }
        linked = link_pilot(pilot.id, roster, tables, key=KEY, settings=programme.settings)
        results[pilot.id] = linked
        for name, frame in truth.items():
            if "person_key" not in frame.columns:
                continue
            mine = frame[frame["pilot_id"] == pilot.id].reset_index(drop=True)
            rows.append(pd.DataFrame({
                "pilot_id": pilot.id, "source_table": name, "person_key": mine["person_key"].astype("object"),
                "participant_id": linked.tables[name]["participant_id"].to_numpy(),
            }))
    # the participant_id each person should get: the keyed hash of their roster_id
    on_roster = people[people["roster_id"].notna()]
    expected = pd.concat(
        [pd.DataFrame({"pilot_id": pilot_id, "person_key": part["person_key"].to_numpy(),
                       "roster_id": part["roster_id"].to_numpy(),
                       "expected_id": participant_ids(pilot_id, part["roster_id"].reset_index(drop=True), KEY).to_numpy()})
         for pilot_id, part in on_roster.groupby("pilot_id")],
        ignore_index=True,
    )
    return {
        "programme": programme, "results": results, "identities": identities, "expected": expected,
        "rows": pd.concat(rows, ignore_index=True), "people": people, "truth": truth,
    }


def _links(sample) -> pd.DataFrame:
    return pd.concat([r.links for r in sample["results"].values()], ignore_index=True)


def _review(sample) -> pd.DataFrame:
    return pd.concat([r.review for r in sample["results"].values()], ignore_index=True)


def _decisions(frame: pd.DataFrame) -> pd.DataFrame:
    """Link rows keyed the way identities.csv keys identities (a Zoom original name or a
    Teams UPN may split one truth identity into several link rows)."""
    keyed = frame.copy()
    for column in IDENTITY:
        keyed[column] = keyed[column].astype("object").where(keyed[column].notna(), None)
    keyed["_id"] = keyed[IDENTITY].fillna("\x00").astype(str).agg("\x1f".join, axis=1)
    return keyed


def _key(frame: pd.DataFrame) -> pd.Series:
    return frame[IDENTITY].fillna("\x00").astype(str).agg("\x1f".join, axis=1)


def test_every_truth_identity_has_a_link_row(sample):
    links = _decisions(_links(sample))
    missing = sample["identities"][~_key(sample["identities"]).isin(set(links["_id"]))]
    assert missing.empty, f"identities with no link row:\n{missing.to_string()}"


def test_every_true_link_is_found(sample):
    identities = sample["identities"]
    wanted = identities[identities["expected"] == "linked"].merge(
        sample["expected"], on=["pilot_id", "person_key"], how="left")
    assert wanted["expected_id"].notna().all(), "identities.csv expects links for people not on the roster"
    links = _decisions(_links(sample))
    got = wanted.assign(_id=_key(wanted)).merge(links[["_id", "status", "participant_id", "rule"]], on="_id")
    wrong = got[(got["status"] != "linked") | (got["participant_id"] != got["expected_id"])]
    assert wrong.empty, f"true links not found:\n{wrong[IDENTITY + ['person_key', 'status', 'rule']].to_string()}"


def test_no_false_merge(sample):
    rows = sample["rows"].merge(sample["expected"][["pilot_id", "person_key", "expected_id"]],
                                on=["pilot_id", "person_key"], how="left")
    linked = rows[rows["participant_id"].notna()]
    wrong = linked[linked["participant_id"] != linked["expected_id"]]
    assert wrong.empty, f"{len(wrong)} row(s) linked to the wrong person or to someone not on the roster:\n" \
                        f"{wrong.drop_duplicates(['pilot_id', 'source_table', 'person_key']).to_string()}"


def test_every_planted_hard_case_is_in_the_review_queue(sample):
    identities = sample["identities"]
    hard = identities[identities["expected"].isin(["ambiguous", "unmatched"])]
    assert len(hard), "identities.csv plants no ambiguous or unmatched case"
    queue = _decisions(_review(sample))
    got = hard.assign(_id=_key(hard)).merge(queue[["_id", "status"]], on="_id", how="left")
    absent = got[got["status"].isna()]
    assert absent.empty, f"planted cases missing from the review queue:\n{absent[IDENTITY + ['expected']].to_string()}"
    ambiguous = got[got["expected"] == "ambiguous"]
    assert (ambiguous["status"] == "ambiguous").all(), ambiguous.to_string()


def test_an_ambiguous_case_offers_the_true_person(sample):
    identities = sample["identities"]
    hard = identities[(identities["expected"] == "ambiguous") & identities["person_key"].notna()]
    people = sample["people"]
    queue = _decisions(_review(sample))
    for row in hard.itertuples():
        queued = queue[queue["_id"] == _key(pd.DataFrame([row._asdict()]))[0]]
        roster_id = people.loc[(people["pilot_id"] == row.pilot_id) & (people["person_key"] == row.person_key),
                               "roster_id"].iloc[0]
        offered = set(queued[["candidate_1_roster_id", "candidate_2_roster_id", "candidate_3_roster_id"]]
                      .stack().dropna())
        assert roster_id in offered, f"{row.source_name!r}: {roster_id} not among the candidates {offered}"


def test_resolving_the_queue_as_an_evaluator_would(sample):
    """Settle every queued identity that has a name, email or handle the way an evaluator
    would (its true roster_id, or not-a-participant), plus the programme's own resolutions:
    only anonymous replies stay in the queue, and resolved rows get their true ids."""
    programme, identities, people = sample["programme"], sample["identities"], sample["people"]
    roster_of = dict(zip(people["pilot_id"] + "/" + people["person_key"], people["roster_id"]))
    for pilot in programme.pilots:
        before = sample["results"][pilot.id]
        queued = before.review[before.review["identity"].notna()]
        if queued.empty:
            continue
        truth = identities[identities["pilot_id"] == pilot.id]
        resolutions = list(r for r in programme.resolutions if r.pilot == pilot.id)
        for row in queued.itertuples():
            match = truth[(truth["source_table"] == row.source_table)
                          & (truth["source_name"].fillna("") == (row.source_name or ""))
                          & (truth["source_email"].fillna("") == (row.source_email or ""))
                          & (truth["source_handle"].fillna("") == (row.source_handle or ""))]
            assert len(match) == 1, row
            roster_id = roster_of.get(f"{pilot.id}/{match['person_key'].iloc[0]}")
            resolutions.append(Resolution(pilot=pilot.id, identity=row.identity, source_table=row.source_table,
                                          participant=roster_id if isinstance(roster_id, str) else "not-a-participant"))
        roster = read_roster(SAMPLE / pilot.id / pilot.roster, pilot.id)
        after = link_pilot(pilot.id, roster, before.tables, key=KEY, settings=programme.settings,
                           resolutions=resolutions)
        assert after.notes == []
        assert after.review["identity"].isna().all(), after.review.to_string()
        assert len(after.review) == len(before.review) - len(queued)
        assert (after.links["rule"] == "manual").sum() >= len(queued)
        # row by row: a roster person's rows carry their true id unless the row is
        # anonymous; nobody else's rows carry any id
        expected = sample["expected"][sample["expected"]["pilot_id"] == pilot.id]
        for name, frame in sample["truth"].items():
            mine = frame[frame["pilot_id"] == pilot.id].reset_index(drop=True)
            want = mine["person_key"].astype("object").map(dict(zip(expected["person_key"], expected["expected_id"])))
            columns = [c for c in ("source_name", "source_email", "account") if c in mine.columns]
            named = mine[columns].notna() & (mine[columns] != "") & (mine[columns] != "anonymous")
            want = want.where(named.any(axis=1), None)
            got = after.tables[name]["participant_id"]
            bad = (got.fillna("-") != want.fillna("-")).to_numpy()
            assert not bad.any(), f"{pilot.id} {name}: {bad.sum()} row(s) with the wrong id after resolving"


def test_the_sample_pseudonym_key_can_be_loaded():
    from evalkit.roster import load_key

    if not (SAMPLE / "DEMO_KEY.md").exists():
        pytest.skip("data/sample/DEMO_KEY.md has not been written yet")
    programme = load_programme(SAMPLE)
    assert programme.settings.key_file, "the sample's programme.yml should name DEMO_KEY.md in settings.key_file"
    assert len(load_key(programme, environ={})) >= 16
