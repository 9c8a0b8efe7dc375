"""Rosters (CSV and xlsx, as evaluators type them), pseudonyms and the pseudonym key."""

import hashlib
import hmac

import openpyxl
import pandas as pd
import pytest

from evalkit import schemas
from evalkit.programme import ROSTER_COLUMNS, Programme, Settings
from evalkit.readers.base import InputError
from evalkit.roster import KeyMissing, RosterError, load_key, participant_ids, participants_table, read_roster

KEY = b"test key: not for real programmes"

# a messy hand-typed roster: a title and a blank line above the header, header words in
# another case and spelling, a stray "@", a profile address, a thousands separator,
# flags as Y / yes / blank, a ";"-separated alias list with spaces, an accented name
ROSTER_CSV = (
    "Suffolk pilot - roster (autumn 2022)\n"
    "\n"
    "Roster ID,Name,Role,Authority,Party,Email address,Twitter,Facebook page,In cohort,Comparison,Aliases,Followers\n"
    "SUF-01,Jane Smith,Councillor,Suffolk County Council,Labour,jane.smith@suffolk.gov.uk,@CllrJaneSmith,,Y,,"
    "jane.smith@eastsuffolk.gov.uk; Jane Smith (East Suffolk),\"1,234\"\n"
    "SUF-02,John Smith,councillor,Mid Suffolk District Council,Conservative,john.smith@midsuffolk.gov.uk,"
    "https://twitter.com/JohnSmithMidSuff,Cllr John Smith,no,yes,,310\n"
    "SUF-03,Siân O'Neill,Officer,Suffolk County Council,,n/a,,,yes,,,\n"
    "\n"
)


def write(tmp_path, text, name="roster.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


# --------------------------------------------------------------------------- reading CSV

def test_read_roster_csv_gives_the_roster_columns(tmp_path):
    roster = read_roster(write(tmp_path, ROSTER_CSV), "suffolk")
    assert list(roster.columns[: len(ROSTER_COLUMNS)]) == list(ROSTER_COLUMNS)
    assert {"pilot_id", "source_file", "source_row"} <= set(roster.columns)
    assert roster["roster_id"].tolist() == ["SUF-01", "SUF-02", "SUF-03"]
    assert roster["pilot_id"].unique().tolist() == ["suffolk"]
    # lines 4, 5, 6 of the file (title on 1, blank on 2, header on 3)
    assert roster["source_row"].tolist() == [4, 5, 6]


def test_read_roster_csv_values(tmp_path):
    roster = read_roster(write(tmp_path, ROSTER_CSV), "suffolk")
    jane, john, sian = (roster.iloc[i] for i in range(3))
    assert roster["role"].tolist() == ["councillor", "councillor", "officer"]
    assert jane["x_handle"] == "CllrJaneSmith"
    assert john["x_handle"] == "JohnSmithMidSuff"
    assert john["facebook_page"] == "Cllr John Smith"
    assert roster["in_cohort"].tolist() == [True, False, True]
    assert roster["comparison"].tolist() == [False, True, False]
    assert jane["aliases"] == ("jane.smith@eastsuffolk.gov.uk", "Jane Smith (East Suffolk)")
    assert sian["aliases"] == ()
    assert jane["followers_at_start"] == 1234.0
    assert john["followers_at_start"] == 310.0
    assert pd.isna(sian["followers_at_start"])
    assert sian["name"] == "Siân O'Neill"
    assert sian["email"] is None  # "n/a" is blank
    assert sian["party"] is None
    assert roster["in_cohort"].dtype == bool


@pytest.mark.parametrize("encoding, prefix", [
    ("utf-8-sig", b""), ("cp1252", b""), ("utf-16", b""),
])
def test_read_roster_csv_encodings(tmp_path, encoding, prefix):
    path = tmp_path / "roster.csv"
    path.write_bytes(prefix + ROSTER_CSV.replace("\n", "\r\n").encode(encoding))
    roster = read_roster(path, "suffolk")
    assert roster["name"].tolist() == ["Jane Smith", "John Smith", "Siân O'Neill"]
    assert roster["source_row"].tolist() == [4, 5, 6]


def test_read_roster_tab_separated(tmp_path):
    text = "roster_id\tname\trole\nK1\tAnn Lee\tother\n"
    roster = read_roster(write(tmp_path, text), "k")
    assert roster[["roster_id", "name", "role"]].values.tolist() == [["K1", "Ann Lee", "other"]]


def test_unknown_columns_are_kept(tmp_path):
    text = "roster_id,name,role,Notes\nK1,Ann Lee,officer,leaves in May\n"
    roster = read_roster(write(tmp_path, text), "k")
    assert roster.loc[0, "Notes"] == "leaves in May"


def test_blank_roster_id_falls_back_to_the_normalised_name(tmp_path):
    text = "roster_id,name,role\n,Cllr Siân O'Neill (Lab),councillor\nK2,Ann Lee,officer\n"
    roster = read_roster(write(tmp_path, text), "k")
    assert roster["roster_id"].tolist() == ["name:sian oneill", "K2"]


# --------------------------------------------------------------------------- errors

def test_errors_name_file_row_column_and_value(tmp_path):
    text = (
        "roster_id,name,role,email,in_cohort\n"
        "K1,Ann Lee,councilor,ann@x.org,yes\n"      # row 2: unknown role
        "K2,,officer,,\n"                            # row 3: missing name
        "K1,Bo Li,officer,bo.li-at-x.org,maybe\n"   # row 4: duplicate id, bad email, bad flag
    )
    path = write(tmp_path, text)
    with pytest.raises(RosterError) as caught:
        read_roster(path, "k")
    error = caught.value
    assert isinstance(error, InputError)
    found = {(p.row, p.column, p.value) for p in error.problems}
    assert found == {
        (2, "role", "councilor"),
        (3, "name", None),
        (2, "roster_id", "K1"),
        (4, "roster_id", "K1"),
        (4, "email", "bo.li-at-x.org"),
        (4, "in_cohort", "maybe"),
    }
    message = str(error)
    assert str(path) in message
    assert "row 2, column 'role': unknown role (use councillor, officer or other): 'councilor'" in message
    assert "row 3, column 'name': the name is missing" in message
    assert "row 4, column 'roster_id'" in message and "'K1'" in message


def test_no_header_row_is_an_error(tmp_path):
    with pytest.raises(RosterError, match="no header row naming both 'name' and 'role'"):
        read_roster(write(tmp_path, "id,person\n1,Ann\n"), "k")


def test_bad_handle_and_follower_count(tmp_path):
    text = "roster_id,name,role,x_handle,followers_at_start\nK1,Ann Lee,officer,ann lee,lots\n"
    with pytest.raises(RosterError) as caught:
        read_roster(write(tmp_path, text), "k")
    assert {(p.column, p.value) for p in caught.value.problems} == {
        ("x_handle", "ann lee"), ("followers_at_start", "lots")}


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="no such roster file"):
        read_roster(tmp_path / "nope.csv", "k")


# --------------------------------------------------------------------------- xlsx

def make_xlsx(path, rows, title=True, notes=()):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Roster"
    start = 1
    if title:
        sheet["A1"] = "Kirklees Council - members' awareness session roster"
        sheet.merge_cells("A1:F1")
        start = 3  # row 2 left blank
    for offset, row in enumerate(rows):
        for col, value in enumerate(row, start=1):
            sheet.cell(row=start + offset, column=col, value=value)
    for offset, note in enumerate(notes):
        sheet.cell(row=start + len(rows) + 1 + offset, column=1, value=note)
    book.save(path)
    return path


def test_read_roster_xlsx_with_merged_title(tmp_path):
    path = make_xlsx(tmp_path / "roster.xlsx", [
        ["Roster ID", "Name", "Role", "In cohort", "Followers at start", "Aliases"],
        [17, "Cllr Jane Smith", "Councillor", True, 1234, "J Smith;"],
        ["K018", "Ann Lee", "officer", None, None, None],
    ])
    roster = read_roster(path, "kirklees-2010")
    assert roster["roster_id"].tolist() == ["17", "K018"]   # a number typed as id stays text
    assert roster["source_row"].tolist() == [4, 5]           # sheet rows (title 1, blank 2, header 3)
    assert roster["in_cohort"].tolist() == [True, False]
    assert roster["followers_at_start"].tolist()[0] == 1234.0
    assert roster["aliases"].tolist() == [("J Smith",), ()]


def test_read_roster_xlsx_error_names_the_sheet_row(tmp_path):
    path = make_xlsx(tmp_path / "roster.xlsx", [
        ["roster_id", "name", "role"],
        ["K1", "Ann Lee", "officer"],
        ["K2", "Bo Li", "volunteer"],
    ])
    with pytest.raises(RosterError) as caught:
        read_roster(path, "k")
    assert [(p.row, p.column, p.value) for p in caught.value.problems] == [(5, "role", "volunteer")]


# --------------------------------------------------------------------------- pseudonyms

def expected_id(pilot, roster_id, key=KEY):
    digest = hmac.new(key, f"{pilot}\x1f{roster_id}".encode(), hashlib.sha256).hexdigest()
    return "P-" + digest[:10]


def test_participant_ids_are_a_keyed_hash_of_pilot_and_roster_id():
    ids = participant_ids("suffolk", pd.Series(["SUF-01", "SUF-02", None]), KEY)
    assert ids.tolist() == [expected_id("suffolk", "SUF-01"), expected_id("suffolk", "SUF-02"), None]
    # not a plain hash of anything public
    assert ids[0] != "P-" + hashlib.sha256(b"suffolk\x1fSUF-01").hexdigest()[:10]


def test_participant_ids_differ_between_pilots_and_keys():
    a = participant_ids("suffolk", pd.Series(["X1"]), KEY)[0]
    b = participant_ids("solihull", pd.Series(["X1"]), KEY)[0]
    c = participant_ids("suffolk", pd.Series(["X1"]), KEY + b"!")[0]
    assert len({a, b, c}) == 3


def test_a_short_key_is_refused():
    with pytest.raises(KeyMissing, match="at least 16"):
        participant_ids("suffolk", pd.Series(["X1"]), b"short")


def test_participants_table(tmp_path):
    roster = read_roster(write(tmp_path, ROSTER_CSV), "suffolk")
    participants = participants_table(roster, "suffolk", KEY)
    schemas.validate("participants", participants)
    assert list(participants.columns) == schemas.columns("participants") + ["comparison", "followers_at_start"]
    assert "roster_id" not in participants.columns
    assert participants["participant_id"].tolist() == [
        expected_id("suffolk", "SUF-01"), expected_id("suffolk", "SUF-02"), expected_id("suffolk", "SUF-03")]
    assert participants["display_name"].tolist() == ["Jane Smith", "John Smith", "Siân O'Neill"]
    assert participants["in_cohort"].tolist() == [True, False, True]
    assert participants["comparison"].tolist() == [False, True, False]
    assert participants["followers_at_start"].tolist()[:2] == [1234.0, 310.0]
    # no roster_id value anywhere in the table
    assert not participants.astype(str).isin(["SUF-01", "SUF-02", "SUF-03"]).any().any()


# --------------------------------------------------------------------------- the key

def programme_at(root, **settings):
    return Programme.model_validate({
        "name": "Test programme",
        "settings": settings,
        "pilots": [{"id": "p", "name": "P", "authorities": ["A"],
                    "sessions": [{"id": "s1", "kind": "workshop", "date": "2024-01-01"}]}],
        "root": root,
    })


def test_load_key_from_the_environment(tmp_path):
    programme = programme_at(tmp_path)
    assert load_key(programme, {"EVALKIT_KEY": "  a secret of some length  "}) == b"a secret of some length"


def test_load_key_from_another_variable(tmp_path):
    programme = programme_at(tmp_path, key_env="MY_PILOT_KEY")
    assert load_key(programme, {"MY_PILOT_KEY": "another secret, long"}) == b"another secret, long"


def test_the_environment_wins_over_the_key_file(tmp_path):
    (tmp_path / "key.txt").write_text("file secret that is long\n")
    programme = programme_at(tmp_path, key_file="key.txt")
    assert load_key(programme, {"EVALKIT_KEY": "environment secret long"}) == b"environment secret long"
    assert load_key(programme, {}) == b"file secret that is long"


def test_load_key_file_relative_to_the_programme_folder(tmp_path):
    outside = tmp_path / "secrets"
    outside.mkdir()
    (tmp_path / "programme").mkdir()
    (outside / "pilot.key").write_text("# evalkit key\n9f8e7d6c5b4a39281706f5e4d3c2b1a0\n")
    programme = programme_at(tmp_path / "programme", key_file="../secrets/pilot.key")
    assert load_key(programme, {}) == b"9f8e7d6c5b4a39281706f5e4d3c2b1a0"


@pytest.mark.parametrize("text", [
    "# Demo key\n\nThis key is for the sample only.\n\n```\ndemo-3f9a2c1d7e5b4a60\n```\n\nNever reuse it.\n",
    "# Demo key\n\nSet it with:\n\n    export EVALKIT_KEY=demo-3f9a2c1d7e5b4a60\n\nNever reuse it.\n",
    "# Demo key\n\n`EVALKIT_KEY=\"demo-3f9a2c1d7e5b4a60\"`\n",
])
def test_load_key_from_a_markdown_note(tmp_path, text):
    (tmp_path / "DEMO_KEY.md").write_text(text)
    programme = programme_at(tmp_path, key_file="DEMO_KEY.md")
    assert load_key(programme, {}) == b"demo-3f9a2c1d7e5b4a60"


def test_load_key_with_settings_and_root(tmp_path):
    (tmp_path / "k").write_text("0123456789abcdef0123\n")
    assert load_key(Settings(key_file="k"), {}, root=tmp_path) == b"0123456789abcdef0123"


def test_no_key_says_how_to_set_one(tmp_path):
    with pytest.raises(KeyMissing) as caught:
        load_key(programme_at(tmp_path), {})
    message = str(caught.value)
    assert "EVALKIT_KEY" in message and "key_file" in message and "outside the repository" in message


def test_missing_key_file_is_named(tmp_path):
    with pytest.raises(KeyMissing, match="missing.key"):
        load_key(programme_at(tmp_path, key_file="missing.key"), {})


def test_key_file_without_a_key(tmp_path):
    (tmp_path / "k.md").write_text("# Key\n\nsome words\nmore words\n")
    with pytest.raises(KeyMissing, match="holds no key"):
        load_key(programme_at(tmp_path, key_file="k.md"), {})


def test_a_short_key_in_the_environment_is_refused(tmp_path):
    with pytest.raises(KeyMissing, match="too short"):
        load_key(programme_at(tmp_path), {"EVALKIT_KEY": "abc"})


def test_read_roster_semicolon_separated_with_a_title(tmp_path):
    # Excel in many European locales saves "CSV" with semicolons
    text = "Roster, spring 2025\nroster_id;name;role;aliases\nK1;Lee, Ann;officer;Annie, A. Lee\n"
    roster = read_roster(write(tmp_path, text), "k")
    assert roster[["roster_id", "name", "role"]].values.tolist() == [["K1", "Lee, Ann", "officer"]]
    assert roster.loc[0, "aliases"] == ("Annie, A. Lee",)
    assert roster.loc[0, "source_row"] == 3


# --------------------------------------------------------------------------- all columns folded at once

def test_cells_repeated_across_rows_and_columns_read_as_each_column_says(tmp_path):
    # "yes" is a flag in one column and a party in another; a padded "  Labour " folds to the
    # same text as "Labour"; blank and n/a cells are missing
    path = write(tmp_path, "Roster ID,Name,Role,Party,In cohort,Comparison,Notes\n"
                           "R1,Ann Lee,officer,yes,yes,yes,  Labour \n"
                           "R2,Bo  Li,officer,  Labour ,no,yes,Labour\n"
                           "R3,Cy Day,officer,n/a,yes,,\n")
    roster = read_roster(path, "p")
    assert roster["party"].tolist() == ["yes", "Labour", None]
    assert roster["in_cohort"].tolist() == [True, False, True]
    assert roster["comparison"].tolist() == [True, True, False]
    assert roster["name"].tolist() == ["Ann Lee", "Bo Li", "Cy Day"]
    assert roster["Notes"].tolist() == ["Labour", "Labour", None]


def test_workbook_numbers_and_flags_are_not_taken_for_one_another(tmp_path):
    # 1, 1.0 and True are equal to Python: each must still be read as its own text
    path = make_xlsx(tmp_path / "roster.xlsx", [
        ["Roster ID", "Name", "Role", "Notes"],
        ["A", "Ann Lee", "officer", 1],
        ["B", "Bo Li", "officer", True],
        ["C", "Cy Day", "officer", 1.0],
        ["D", "Di Fox", "officer", 1.5],
    ])
    assert read_roster(path, "p")["Notes"].tolist() == ["1", "True", "1", "1.5"]


# --------------------------------------------------------------------------- awkward cells

def test_read_roster_messy_cells(tmp_path):
    text = (
        "Kirklees roster\n"
        "\n"
        "ID,Full name,Type,E-mail,Twitter,Cohort,Comparison group,Other names,Followers,Ward\n"
        'K01, Cllr Jane  Smith ,Councillor, jane@x.gov.uk ,https://x.com/@CllrJane?lang=en, Yes ,✓,J S; Janey ;;,"1,234",Almondbury\n'
        ",Ann  Lee,STAFF,N/A,-,,no,,,\n"
        "\n"
        "K03,Bo Li,guest,none,@@bo_li,x,n,Bo,0,-\n"
    )
    roster = read_roster(write(tmp_path, text), "k")
    assert roster["roster_id"].tolist() == ["K01", "name:ann lee", "K03"]
    assert roster["name"].tolist() == ["Cllr Jane Smith", "Ann Lee", "Bo Li"]
    assert roster["role"].tolist() == ["councillor", "officer", "other"]
    assert roster["email"].tolist() == ["jane@x.gov.uk", None, None]
    assert roster["x_handle"].tolist() == ["CllrJane", None, "bo_li"]
    assert roster["in_cohort"].tolist() == [True, False, True]
    assert roster["comparison"].tolist() == [True, False, False]
    assert roster["aliases"].tolist() == [("J S", "Janey"), (), ("Bo",)]
    assert roster["followers_at_start"].tolist()[::2] == [1234.0, 0.0]
    assert pd.isna(roster["followers_at_start"][1])
    assert roster["Ward"].tolist() == ["Almondbury", None, "-"]
    assert roster["source_row"].tolist() == [4, 5, 7]
    assert roster["pilot_id"].tolist() == ["k"] * 3
    for column in ("roster_id", "name", "role", "email", "x_handle", "aliases", "Ward"):
        assert roster[column].dtype == object, column
    assert (roster["in_cohort"].dtype, roster["followers_at_start"].dtype, roster["source_row"].dtype) == \
        (bool, "float64", "int64")


def test_roster_faults_are_listed_by_row_then_roster_column(tmp_path):
    text = (
        "roster_id,name,role,email,x_handle,in_cohort,followers_at_start\n"
        "K1,,chair,not-an-email,bad handle!,maybe,-5\n"
        "K1,Bo Li,,b@x.org,,yes,\n"
    )
    with pytest.raises(RosterError) as caught:
        read_roster(write(tmp_path, text), "k")
    assert [(p.row, p.column, p.value) for p in caught.value.problems] == [
        (2, "roster_id", "K1"),
        (2, "name", None),
        (2, "role", "chair"),
        (2, "email", "not-an-email"),
        (2, "x_handle", "bad handle!"),
        (2, "in_cohort", "maybe"),
        (2, "followers_at_start", "-5"),
        (3, "roster_id", "K1"),
        (3, "role", None),
    ]


def test_participants_table_names_every_fault():
    roster = pd.DataFrame({"roster_id": ["A", "B", "C"], "name": ["Ann Lee", None, "Bo Li"],
                           "role": ["councillor", "chair", "officer"]})
    with pytest.raises(schemas.TableValidationError) as caught:
        participants_table(roster, "p", KEY)
    faults = caught.value.failures
    assert sorted(zip(faults["column"], faults["row"])) == [("display_name", 1), ("role", 1)]
    assert faults.loc[faults["column"] == "role", "value"].tolist() == ["chair"]


def test_participant_ids_of_repeated_and_missing_roster_ids():
    ids = participant_ids("p", pd.Series(["A", None, "A", "B"], index=[10, 11, 12, 13]), KEY)
    expected_a = "P-" + hmac.new(KEY, b"p\x1fA", hashlib.sha256).hexdigest()[:10]
    assert ids.index.tolist() == [10, 11, 12, 13]
    assert ids[10] == ids[12] == expected_a
    assert ids[11] is None and ids[13] != expected_a
