"""Canonical answer scales and the normalisation of answer labels onto them.

A label is accepted in any case and spacing, abbreviated (``SA``), or numbered
(``4 - Agree``). Answers that are not points of the scale (``N/A``, ``Don't know``) are
recognised as such and carry no number. Anything else is *unknown*: the caller
quarantines it with its text; it is never coerced to a number.

>>> from evalkit.scales import normalise_label
>>> normalise_label("agreement", " strongly  AGREE ")
Answer(value=5.0, label='Strongly agree', kind='point')
>>> normalise_label("agreement", "4 - Agree")
Answer(value=4.0, label='Agree', kind='point')
>>> normalise_label("agreement", "N/A")
Answer(value=None, label='Not applicable', kind='non-response')
>>> normalise_label("agreement", "Stronly agree").kind
'unknown'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Mapping

__all__ = ["Answer", "Scale", "SCALES", "normalise_label", "scale_of_labels", "key"]


@dataclass(frozen=True)
class Scale:
    """An ordered answer scale: ``points`` maps each canonical label to its number."""

    name: str
    points: dict[str, float]
    abbreviations: dict[str, str] = field(default_factory=dict)
    #: numbers alone accepted as answers (e.g. "4" on a 1-5 scale)
    numeric: bool = True


@dataclass(frozen=True)
class Answer:
    value: float | None
    label: str | None
    kind: str  # "point", "non-response", "unknown", "blank"


SCALES: dict[str, Scale] = {
    "agreement": Scale(
        "agreement",
        {
            "Strongly disagree": 1.0,
            "Disagree": 2.0,
            "Neither agree nor disagree": 3.0,
            "Agree": 4.0,
            "Strongly agree": 5.0,
        },
        {
            "sd": "Strongly disagree",
            "d": "Disagree",
            "n": "Neither agree nor disagree",
            "neither": "Neither agree nor disagree",
            "neutral": "Neither agree nor disagree",
            "a": "Agree",
            "sa": "Strongly agree",
            "str agree": "Strongly agree",
            "str disagree": "Strongly disagree",
        },
    ),
    "confidence": Scale(
        "confidence",
        {
            "Not at all confident": 1.0,
            "Slightly confident": 2.0,
            "Moderately confident": 3.0,
            "Confident": 4.0,
            "Very confident": 5.0,
        },
        {
            "not at all": "Not at all confident",
            "not confident": "Not at all confident",
            "slightly": "Slightly confident",
            "a little confident": "Slightly confident",
            "moderately": "Moderately confident",
            "fairly confident": "Moderately confident",
            "very": "Very confident",
        },
    ),
    "frequency": Scale(
        "frequency",
        {
            "Never": 1.0,
            "Less than monthly": 2.0,
            "Monthly": 3.0,
            "Weekly": 4.0,
            "Daily": 5.0,
        },
        {
            "less than once a month": "Less than monthly",
            "rarely": "Less than monthly",
            "once a month": "Monthly",
            "every week": "Weekly",
            "once a week": "Weekly",
            "every day": "Daily",
        },
    ),
    "yes_no": Scale(
        "yes_no",
        {"No": 0.0, "Yes": 1.0},
        {"y": "Yes", "n": "No", "yes please": "Yes", "no thanks": "No", "no thank you": "No"},
        numeric=False,
    ),
    "zero_ten": Scale("zero_ten", {str(i): float(i) for i in range(11)}),
}

NON_RESPONSES = {
    "n/a": "Not applicable",
    "na": "Not applicable",
    "n a": "Not applicable",
    "not applicable": "Not applicable",
    "don't know": "Don't know",
    "dont know": "Don't know",
    "do not know": "Don't know",
    "dk": "Don't know",
    "prefer not to say": "Prefer not to say",
}


def key(label: str) -> str:
    """Fold a label for comparison: lower case, curly quotes straightened, spacing collapsed."""
    text = str(label).replace("\u2019", "'").replace("\u2018", "'").replace("\u00a0", " ")
    text = re.sub(r"\s+", " ", text).strip().lower()
    return text.rstrip(".!")


_NUMBERED = re.compile(r"^(?P<num>\d+(?:\.0+)?)\s*(?:[-–:=.)]\s*|\s+)(?P<text>\D.*)$")


def normalise_label(
    scale: str | Scale,
    raw: object,
    aliases: Mapping[str, float | str | None] | None = None,
) -> Answer:
    """Map one exported answer onto ``scale``.

    Parameters
    ----------
    scale
        A scale name from :data:`SCALES` or a :class:`Scale`.
    raw
        The answer as exported (text or number). Blank and missing give ``kind='blank'``.
    aliases
        Extra spellings from ``programme.yml`` (folded label → canonical label, number, or
        ``None`` for a non-response).
    """
    sc = SCALES[scale] if isinstance(scale, str) else scale
    if raw is None or (isinstance(raw, float) and raw != raw):
        return Answer(None, None, "blank")
    text = str(raw)
    folded = key(text)
    if folded == "":
        return Answer(None, None, "blank")
    by_key = {key(label): label for label in sc.points}

    if aliases:
        for alias, target in aliases.items():
            if key(alias) == folded:
                if target is None:
                    return Answer(None, text.strip(), "non-response")
                if isinstance(target, (int, float)):
                    for label, value in sc.points.items():
                        if value == float(target):
                            return Answer(value, label, "point")
                    return Answer(None, None, "unknown")
                folded = key(str(target))
                break

    if folded in by_key:
        label = by_key[folded]
        return Answer(sc.points[label], label, "point")
    if folded in sc.abbreviations:
        label = sc.abbreviations[folded]
        return Answer(sc.points[label], label, "point")
    if folded in NON_RESPONSES:
        return Answer(None, NON_RESPONSES[folded], "non-response")

    number = _as_number(folded)
    if number is not None:
        if sc.numeric:
            for label, value in sc.points.items():
                if value == number:
                    return Answer(value, label, "point")
        return Answer(None, None, "unknown")

    numbered = _NUMBERED.match(folded)
    if numbered:
        num = float(numbered.group("num"))
        rest = numbered.group("text").strip()
        inner = normalise_label(sc, rest)
        if inner.kind == "point" and inner.value == num:
            return inner
        return Answer(None, None, "unknown")
    return Answer(None, None, "unknown")


def scale_of_labels(values) -> str | None:
    """The one canonical scale every non-blank value fits, or ``None``.

    Used when no item map says which scale a question uses (reading a file on its own).
    Yes/no is tried first and 0-10 last, so ``"4"`` alone is not taken for a 0-10 answer
    when the labels also fit a five-point scale.
    """
    present = [v for v in values if normalise_label("agreement", v).kind != "blank"]
    if not present:
        return None
    fits = []
    for name in ("yes_no", "agreement", "confidence", "frequency", "zero_ten"):
        kinds = set()
        for v in present:  # stops at the first value that does not fit
            kinds.add(normalise_label(name, v).kind)
            if not kinds <= {"point", "non-response"}:
                break
        if kinds <= {"point", "non-response"} and "point" in kinds:
            fits.append(name)
    if not fits:
        return None
    if all(str(v).strip().replace(".0", "").isdigit() for v in present):
        # bare numbers fit several scales; only 0-10 numbers outside 1-5 are unambiguous
        numbers = {float(str(v).strip()) for v in present}
        return "zero_ten" if numbers - {1.0, 2.0, 3.0, 4.0, 5.0} else None
    return fits[0]


def _as_number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value == value else None
