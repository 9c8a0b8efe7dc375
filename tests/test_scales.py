import pytest

from evalkit.scales import normalise_label, scale_of_labels


@pytest.mark.parametrize(
    "raw, value, label",
    [
        ("Strongly agree", 5, "Strongly agree"),
        ("  strongly   AGREE.", 5, "Strongly agree"),
        ("SA", 5, "Strongly agree"),
        ("sd", 1, "Strongly disagree"),
        ("4 - Agree", 4, "Agree"),
        ("4) agree", 4, "Agree"),
        ("4", 4, "Agree"),
        ("4.0", 4, "Agree"),
        (4, 4, "Agree"),
        ("Neither agree nor disagree", 3, "Neither agree nor disagree"),
    ],
)
def test_agreement_variants(raw, value, label):
    answer = normalise_label("agreement", raw)
    assert (answer.kind, answer.value, answer.label) == ("point", value, label)


@pytest.mark.parametrize("raw", ["N/A", "n/a", "Don’t know", "dont know"])
def test_non_responses_carry_no_number(raw):
    answer = normalise_label("agreement", raw)
    assert answer.kind == "non-response" and answer.value is None


@pytest.mark.parametrize("raw", ["Stronly agree", "5 - Agree", "6", "agree?!", "3/4"])
def test_unknown_labels_are_never_coerced(raw):
    assert normalise_label("agreement", raw).kind == "unknown"


@pytest.mark.parametrize("raw", [None, float("nan"), "", "   "])
def test_blank(raw):
    assert normalise_label("confidence", raw).kind == "blank"


def test_aliases_from_the_item_map():
    aliases = {"Stongly agree": "Strongly agree", "Agree-ish": 4, "Not sure": None}
    assert normalise_label("agreement", "stongly agree", aliases).value == 5
    assert normalise_label("agreement", "Agree-ish", aliases).value == 4
    assert normalise_label("agreement", "Not sure", aliases).kind == "non-response"


def test_other_scales():
    assert normalise_label("yes_no", "Y").value == 1
    assert normalise_label("yes_no", "no thanks").value == 0
    assert normalise_label("yes_no", "1").kind == "unknown"
    assert normalise_label("frequency", "weekly").value == 4
    assert normalise_label("confidence", "Very confident").value == 5
    assert normalise_label("zero_ten", "10").value == 10


def test_scale_of_labels():
    assert scale_of_labels(["Yes", "no", "Y", None]) == "yes_no"
    assert scale_of_labels(["Agree", "SA", "N/A"]) == "agreement"
    assert scale_of_labels(["Daily", "Weekly"]) == "frequency"
    assert scale_of_labels(["4", "5", "3"]) is None          # bare 1-5 numbers fit several scales
    assert scale_of_labels(["0", "9", "10"]) == "zero_ten"
    assert scale_of_labels(["Great session", "Agree"]) is None
