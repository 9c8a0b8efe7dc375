"""One test per normalisation rule, with names as real exports and registers write them."""

import pandas as pd
import pytest
from hypothesis import given, settings as hsettings, strategies as st

from evalkit.clean import names as n


def run(func, *values):
    return func(pd.Series(list(values), dtype="object")).tolist()


# --------------------------------------------------------------------------- fold_text

def test_fold_text_straightens_quotes_spaces_and_invisible_characters():
    assert run(n.fold_text, "Jane\u00a0O\u2019Neill", "\ufeffAnn  Lee ", "O\u02bcBrien", "\u200b") == [
        "Jane O'Neill", "Ann Lee", "O'Brien", None]


def test_fold_text_blank_and_missing_become_none():
    assert run(n.fold_text, "", "   ", None, float("nan")) == [None, None, None, None]


def test_fold_text_keeps_non_text_as_text():
    assert run(n.fold_text, 12345) == ["12345"]


# --------------------------------------------------------------------------- Zoom original name

def test_zoom_original_name_is_the_last_bracketed_group():
    # FORMATS.md: the display name may itself contain parentheses
    split = n.split_original_name(pd.Series(["Jane Smith (Jane's iPad) (Jane Smith)"]))
    assert split.loc[0, "display"] == "Jane Smith (Jane's iPad)"
    assert split.loc[0, "original"] == "Jane Smith"


@pytest.mark.parametrize("value", [
    "Smith, Jane (External)", "Bo Li (Guest)", "Ann Lee (Unverified)",   # Teams suffixes
    "Cllr Jane Smith (Lab)", "Tom Hart (LD)",                              # parties
    "Jane Smith (Jane's iPad)", "Jane Smith (iPhone)",                     # devices
    "Jane Smith", "+44 7700 900123", "Room (2)",
])
def test_a_last_group_that_is_a_remark_is_not_an_original_name(value):
    split = n.split_original_name(pd.Series([value]))
    assert split.loc[0, "original"] is None
    assert split.loc[0, "display"] == value


def test_original_name_when_renamed_to_initials():
    split = n.split_original_name(pd.Series(["JS (Jane Smith)", None]))
    assert split["display"].tolist() == ["JS", None]
    assert split["original"].tolist() == ["Jane Smith", None]


# --------------------------------------------------------------------------- devices

@pytest.mark.parametrize("raw, expected", [
    ("Jane Smith (Jane's iPad)", "Jane Smith"),
    ("Jane Smith (Jane’s iPad)", "Jane Smith"),
    ("Priya Sharma (Priya's iPhone)", "Priya Sharma"),
    ("Jane Smith (iPhone)", "Jane Smith"),
    ("Jane Smith (Samsung Galaxy S21)", "Jane Smith"),
    ("Jane Smith iPhone", "Jane Smith"),
    ("Jane Smith iPad Pro", "Jane Smith"),
    ("Jane's iPad", "Jane"),
    ("Jane Smith's MacBook Pro", "Jane Smith"),
    # words that are surnames too are not taken for devices without a possessive
    ("Sarah Mac", "Sarah Mac"),
    ("Sam Mobile", "Sam Mobile"),
])
def test_strip_device(raw, expected):
    assert run(n.strip_device, raw) == [expected]


# --------------------------------------------------------------------------- Teams suffixes

@pytest.mark.parametrize("raw, expected", [
    ("Smith, Jane (External)", "Smith, Jane"),
    ("Jane Smith (Guest)", "Jane Smith"),
    ("Jane Smith (guest)", "Jane Smith"),
    ("Jane Smith (Unverified)", "Jane Smith"),
    ("Jane Smith [External]", "Jane Smith"),
    ("Jane Smith (Lab)", "Jane Smith (Lab)"),
])
def test_strip_account_suffix(raw, expected):
    assert run(n.strip_account_suffix, raw) == [expected]


# --------------------------------------------------------------------------- parties

@pytest.mark.parametrize("raw, expected", [
    ("Cllr Jane Smith (Lab)", "Cllr Jane Smith"),
    ("J. Smith (Con)", "J. Smith"),
    ("Ann Lee (LD)", "Ann Lee"),
    ("Ann Lee (Lib Dem)", "Ann Lee"),
    ("Ann Lee (Green)", "Ann Lee"),
    ("Bob Hart (Ind)", "Bob Hart"),
    ("Bob Hart (Ind.)", "Bob Hart"),
    ("Bob Hart (Independent)", "Bob Hart"),
    ("Ravi Patel (Lab/Co-op)", "Ravi Patel"),
    ("Tom Hart - Conservative", "Tom Hart"),
    ("Tom Hart (Chair)", "Tom Hart (Chair)"),
    ("Connie Lab", "Connie Lab"),
])
def test_strip_party(raw, expected):
    assert run(n.strip_party, raw) == [expected]


def test_strip_brackets_removes_other_remarks():
    assert run(n.strip_brackets, "Jane Smith (she/her)", "Bo Li [Chair]", "Ann (Lee") == [
        "Jane Smith", "Bo Li", "Ann Lee"]


# --------------------------------------------------------------------------- surname first

@pytest.mark.parametrize("raw, expected", [
    ("Smith, Jane", "Jane Smith"),
    ("Smith,Jane", "Jane Smith"),
    ("O'Neill, Siân", "Siân O'Neill"),
    ("Smith-Jones , Cllr Ann", "Cllr Ann Smith-Jones"),
    ("Jane Smith", "Jane Smith"),
    ("jane@x.org, bob", "jane@x.org, bob"),
    ("Smith, Jane, Lee", "Smith, Jane, Lee"),
])
def test_surname_first(raw, expected):
    assert run(n.surname_first, raw) == [expected]


# --------------------------------------------------------------------------- titles

@pytest.mark.parametrize("raw, expected", [
    ("Cllr Jane Smith", "Jane Smith"),
    ("Cllr. Jane Smith", "Jane Smith"),
    ("Councillor Jane Smith", "Jane Smith"),
    ("COUNCILLOR JANE SMITH", "JANE SMITH"),
    ("Mr Tom Hart", "Tom Hart"),
    ("Mrs Ann Lee", "Ann Lee"),
    ("Ms Ann Lee", "Ann Lee"),
    ("Dr Ann Lee", "Ann Lee"),
    ("Cllr Dr Ann Lee", "Ann Lee"),
    ("Ann Lee MBE", "Ann Lee"),
    ("Cllr J. Smith", "J. Smith"),
    # names that begin like a title are not cut
    ("Drew Barr", "Drew Barr"),
    ("Misty Cole", "Misty Cole"),
    ("Mr", "Mr"),
])
def test_strip_titles(raw, expected):
    assert run(n.strip_titles, raw) == [expected]


# --------------------------------------------------------------------------- accents, punctuation

@pytest.mark.parametrize("raw, expected", [
    ("Siân", "Sian"), ("Zoë", "Zoe"), ("Siobhán Ó Dónaill", "Siobhan O Donaill"),
    ("Søren", "Soren"), ("Łukasz", "Lukasz"), ("Straße", "Strasse"),
])
def test_fold_accents(raw, expected):
    assert run(n.fold_accents, raw) == [expected]


@pytest.mark.parametrize("raw, expected", [
    ("O'Neill", "oneill"), ("Smith-Jones", "smith jones"), ("J.Smith", "j smith"),
    ("J. Smith", "j smith"), ("ANN  LEE", "ann lee"), ("Lee, Ann", "lee ann"),
])
def test_fold_punctuation(raw, expected):
    assert run(n.fold_punctuation, raw) == [expected]


# --------------------------------------------------------------------------- the whole chain

@pytest.mark.parametrize("raw, expected", [
    ("Cllr J. Smith", "j smith"),
    ("Cllr J Smith (Lab)", "j smith"),
    ("Smith, Jane (External)", "jane smith"),
    ("Smith, Jane (Guest)", "jane smith"),
    ("Jane Smith (Jane's iPad)", "jane smith"),
    ("Jane Smith iPhone", "jane smith"),
    ("Councillor Jane Smith (Lab)", "jane smith"),
    ("  jane   SMITH ", "jane smith"),
    ("Smith, Cllr Jane", "jane smith"),
    ("Cllr Siân O’Neill (Green)", "sian oneill"),
    ("O'NEILL, Siân", "sian oneill"),
    ("Cllr Tom Smith-Jones (Ind)", "tom smith jones"),
    ("Mrs Zoë Hart MBE", "zoe hart"),
    ("Jane Smith (she/her)", "jane smith"),
    ("", None),
    (None, None),
])
def test_normalise_name(raw, expected):
    assert run(n.normalise_name, raw) == [expected]


def test_normalise_name_runs_once_per_distinct_value():
    values = pd.Series(["Cllr Jane Smith (Lab)", "Smith, Jane", None] * 1000)
    out = n.normalise_name(values)
    assert len(out) == 3000
    assert out[:3].tolist() == ["jane smith", "jane smith", None]
    assert out.index.equals(values.index)


def test_normalise_name_does_not_change_its_input():
    values = pd.Series(["Cllr Jane Smith (Lab)"])
    n.normalise_name(values)
    assert values.tolist() == ["Cllr Jane Smith (Lab)"]


@pytest.mark.parametrize("normalised, expected", [
    ("j smith", "j smith"),
    ("j e smith", "j smith"),
    ("j smith jones", "j smith jones"),
    ("jane smith", None),
    ("j", None),
    ("smith j", None),
])
def test_initials_key(normalised, expected):
    assert run(n.initials_key, normalised) == [expected]


# --------------------------------------------------------------------------- dial-in callers

@pytest.mark.parametrize("value, expected", [
    ("+44 7700 900123", True),
    ("07700900123", True),
    ("07700 900123", True),
    ("(0113) 496-0000", True),
    ("+1 (555) 010-9999", True),
    ("Jane Smith", False),
    ("Call-in User 3", False),
    ("Room 101", False),
    ("12345", False),
    (None, False),
])
def test_is_phone_number(value, expected):
    assert run(n.is_phone_number, value) == [expected]


def test_phone_key_makes_international_and_national_forms_agree():
    assert run(n.phone_key, "+44 7700 900123", "07700900123", "+44 (0)7700 900123", "Jane") == [
        "07700900123", "07700900123", "07700900123", None]


# --------------------------------------------------------------------------- emails and handles

def test_fold_email():
    assert run(n.fold_email, " Jane.Smith@Suffolk.GOV.UK ", "<ann@x.org>", "anonymous", "", None) == [
        "jane.smith@suffolk.gov.uk", "ann@x.org", None, None, None]


def test_guest_upn_email():
    assert run(n.guest_upn_email, "jane.smith_eastsuffolk.gov.uk#EXT#@suffolkcc.onmicrosoft.com",
               "a_b_c_x.org#ext#@t.onmicrosoft.com", "ann.lee@suffolk.gov.uk") == [
        "jane.smith@eastsuffolk.gov.uk", "a_b_c@x.org", "ann.lee@suffolk.gov.uk"]


def test_looks_like_email():
    assert run(n.looks_like_email, "jane.smith@suffolk.gov.uk", "jane.smith@", "Jane Smith") == [
        True, False, False]


def test_fold_handle():
    assert run(n.fold_handle, "@CllrJaneSmith", "CllrJaneSmith", "https://twitter.com/CllrJaneSmith",
               "x.com/CllrJaneSmith/status/1", " @@bob ") == [
        "cllrjanesmith", "cllrjanesmith", "cllrjanesmith", "cllrjanesmith", "bob"]


def test_fold_page():
    assert run(n.fold_page, "Cllr Siân O'Neill", "CLLR SIAN ONEILL") == ["cllr sian oneill"] * 2


def test_handle_to_name():
    assert run(n.handle_to_name, "CllrJaneSmith", "@Jane_Smith", "JaneSmith84", "bobjones") == [
        "Cllr Jane Smith", "Jane Smith", "Jane Smith", "bobjones"]


def test_email_to_name():
    assert run(n.email_to_name, "jane.smith@gmail.com", "jane_smith2@x.org", "jsmith@x.org",
               "anonymous") == ["jane smith", "jane smith", None, None]


# --------------------------------------------------------------------------- once per distinct value

def _pandas_normalise(names: pd.Series) -> pd.Series:
    """The name rules written with pandas string methods over the whole column (as they
    were before each rule was written for one name): the per-name rules must agree."""
    text = names.astype("object").str.normalize("NFC")
    text = text.str.replace(r"[\u2018\u2019\u02bc\u0060\u00b4]", "'", regex=True)
    text = text.str.replace(r"[\u200b\u200c\u200d\u2060\ufeff]", "", regex=True)
    text = text.str.replace(r"\s+", " ", regex=True).str.strip()
    text = text.str.replace(n._DEVICE_GROUP, "", regex=True).str.replace(n._DEVICE_TAIL, "", regex=True).str.strip()
    text = text.str.replace(n._ACCOUNT_SUFFIX, "", regex=True).str.strip()
    text = text.str.replace(n._PARTY_GROUP, "", regex=True).str.replace(n._PARTY_TAIL, "", regex=True).str.strip()
    text = text.str.replace(n._BRACKETED, "", regex=True).str.replace(r"[()\[\]]", " ", regex=True)
    text = text.str.replace(r"\s+", " ", regex=True).str.strip()
    parts = text.str.extract(r"^(?P<surname>[^,@]+?)\s*,\s*(?P<first>[^,@]+)$")
    text = text.where(parts["surname"].isna(), parts["first"].str.strip() + " " + parts["surname"].str.strip())
    stripped = text.str.replace(n._LEADING_TITLES, "", regex=True).str.replace(n._HONOURS, "", regex=True).str.strip()
    text = stripped.where(stripped.fillna("").str.len() > 0, text)
    text = text.str.translate(n._SPECIAL_LETTERS).str.normalize("NFKD").str.replace(r"[\u0300-\u036f]", "", regex=True)
    text = text.str.lower().str.replace("'", "", regex=False)
    text = text.str.replace(r"[^\w]|_", " ", regex=True).str.replace(r"\s+", " ", regex=True).str.strip()
    return text.where(text.str.contains(r"\S", na=False), None).astype("object")


_PIECES = st.sampled_from([
    "Jane", "smith", "O\u2019Neill", "Siân", "Łukasz", "Smith-Jones", ",", " ", "  ", ".", "'", "(", ")",
    "[", "]", "Cllr", "Dr.", "MBE", "(Lab)", "- Labour", "(External)", "(Jane's iPad)", "iPhone",
    "\u00a0", "\u200b", "@", "_", "J.", "07700 900123", "+44", "\t", "ß", "Æ",
])


@hsettings(max_examples=300, deadline=None)
@given(st.lists(st.lists(_PIECES, max_size=7).map("".join), max_size=12))
def test_normalise_name_agrees_with_the_rules_over_the_whole_column(values):
    names = pd.Series(values, dtype="object")
    assert n.normalise_name(names).tolist() == _pandas_normalise(names).tolist()


def test_rules_answer_every_row_of_a_repeating_column_in_place():
    names = pd.Series(["Smith, Jane (External)", None, "Smith, Jane (External)", "  ", 42, "Ann Lee"],
                      index=[10, 11, 12, 13, 14, 15], dtype="object")
    out = n.normalise_name(names)
    assert out.index.tolist() == [10, 11, 12, 13, 14, 15] and out.dtype == object
    assert out.tolist() == ["jane smith", None, "jane smith", None, "42", "ann lee"]
    as_str = pd.Series(["Cllr J. Smith", None, "Cllr J. Smith"], dtype="str")
    assert n.fold_text(as_str).tolist() == ["Cllr J. Smith", None, "Cllr J. Smith"]
    assert n.is_phone_number(pd.Series(["+44 7700 900123", None, "+44 7700 900123"])).tolist() == [
        True, False, True]
    split = n.split_original_name(pd.Series(["JS (Jane Smith)", None, "JS (Jane Smith)"], index=[5, 6, 7]))
    assert split.index.tolist() == [5, 6, 7]
    assert split["original"].tolist() == ["Jane Smith", None, "Jane Smith"]


def test_as_text_keeps_values_as_they_are_and_blank_as_none():
    assert run(n.as_text, " Smith, Jane ", "", "\u00a0 ", None, float("nan"), 7) == [
        " Smith, Jane ", None, None, None, None, "7"]
