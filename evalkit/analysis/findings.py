"""Findings: short plain-English sentences a commissioner can read, from the result frames.

:func:`findings` turns the rows of the level results (participation, reaction, learning,
behaviour, cross-pilot) into sentences, one per headline row, following these rules:

* **Always give n** — every sentence says how many people (or answers) it rests on.
* **Never claim a change the interval does not support** — "rose" or "fell" only when the
  interval excludes zero; otherwise "changed little; the data are consistent with no change".
  Differences between groups or pilots are treated the same way. A change in self-assessed
  confidence is given as the mean change with its interval ("on average up 0.9 points, 95%
  CI 0.6 to 1.2"); when everybody changed by exactly the same amount there is no interval,
  and the sentence says so without claiming a change.
* **No causal claims** — a change is described as happening *alongside* the programme; a
  comparison with non-participants is stated as a comparison ("rose by 0.5 more than among
  …"), and a dose–response trend as an association.
* **Surveys speak of those who answered** — "of those who answered".
* **Never name a person** — sentences are built from aggregate rows only (rows of
  per-person frames are ignored), and counts below the disclosure ``threshold`` are shown as
  "fewer than 5"; a figure resting on fewer than ``threshold`` people is withheld.

The result frame has ``level, measure, pilot_id, detail, n, sentence, supported``.
``supported`` is True when the sentence states a figure or a change the data support, and
False when it says the data show no clear change or difference, or withholds a figure —
so a report can lead with the supported findings and list the rest.

>>> from evalkit.analysis.examples import example_tables
>>> from evalkit.analysis.learning import pre_post
>>> t = example_tables()
>>> found = findings(pre_post(t["responses"], items=["confidence_posting"]), threshold=3,
...                  labels={"confidence_posting": "confidence in posting"})
>>> print(found["sentence"].iloc[0])
Of those who answered both surveys, confidence in posting rose alongside the programme for 4 of 5 members (median 3 → 4 on a 5-point scale; on average up 1.2 points, 95% CI 0.2 to 2.2).

The mean change of the five pairs (2, 2, 1, 0, 1) is 1.2 points, and its t interval is given
at 95% (a threshold of 3 lets the tiny example show its count of 4). An interval that falls short of the level asked for (an exact interval on very few
people, such as a median's) is given at the level it reaches ("93.8% CI").
"""

from __future__ import annotations

import math
from typing import Callable, Mapping

import pandas as pd

__all__ = ["FINDING_COLUMNS", "findings", "labels_from_programme"]

FINDING_COLUMNS = ["level", "measure", "pilot_id", "detail", "n", "sentence", "supported"]

_POINTS = {"agreement": 5, "confidence": 5, "frequency": 5, "zero_ten": 11}

_AGREE_PHRASE = {
    "agreement": "agreed or strongly agreed with",
    "confidence": "said they were confident or very confident about",
    "frequency": "said weekly or daily for",
    "zero_ten": "gave 9 or 10 for",
}

_WHO = {"cohort": "cohort members", "councillors": "councillors", "roster": "people on the roster"}

_ROLES = {"councillor": "councillors", "officer": "officers", "other": "other guests",
          "unlinked": "people not matched to the roster", "not on roster": "people not on the roster"}

_PLATFORMS = {"x": "X", "facebook": "Facebook", "instagram": "Instagram", "linkedin": "LinkedIn"}

_BEHAVIOUR = {
    "posts a week": ("posts a week", "number"),
    "share of posts that are replies": ("the share of posts that are replies", "share"),
    "engagement rate": ("the engagement rate (engagements per impression)", "rate"),
    "new followers a week": ("new followers a week", "number"),
}


# ----------------------------------------------------------------------------- formatting

def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def _num(value: float, signed: bool = False) -> str:
    """A number as people read it: whole numbers plain, others with one decimal."""
    if _missing(value):
        return "not available"
    value = float(value)
    text = f"{value:.0f}" if abs(value - round(value)) < 1e-9 else f"{value:.1f}"
    if text in ("-0", "-0.0", "0.0"):
        text = "0"
    if signed and value > 0 and text != "0":
        text = "+" + text
    return text.replace("-", "−")


def _pct(value: float) -> str:
    if _missing(value):
        return "not available"
    return f"{100 * float(value):.0f}%"


def _level(level: float) -> str:
    """0.95 → "95%", 0.9375 → "93.8%"."""
    text = f"{100 * level:.1f}".rstrip("0").rstrip(".")
    return f"{text}%"


def _points(value: float, kind: str, signed: bool = True) -> str:
    """A change of a share or rate in percentage points (signed number, no unit)."""
    digits = 0 if kind == "share" else 1
    number = round(100 * float(value), digits)
    text = f"{number:.{digits}f}"
    if text.lstrip("-").strip("0.") == "":
        return "0"
    return ("+" + text) if signed and number > 0 else text.replace("-", "−")


def _value(value: float, kind: str, signed: bool = False) -> str:
    """A measure's value (``signed``: a change) in its unit."""
    if _missing(value):
        return "not available"
    if kind in ("share", "rate") and signed:
        return f"{_points(value, kind)} percentage points"
    if kind == "share":
        return _pct(value)
    if kind == "rate":
        return f"{100 * float(value):.1f}%"
    return _num(value, signed)


class _Writer:
    """Sentence helpers that know the threshold and the labels."""

    def __init__(self, threshold: int, labels: Mapping[str, str]):
        self.threshold = threshold
        self.labels = labels

    def small(self, k) -> bool:
        """A count that must not be shown (1 to threshold − 1)."""
        return not _missing(k) and 0 < int(k) < self.threshold

    def count(self, k) -> str:
        return f"fewer than {self.threshold}" if self.small(k) else str(int(k))

    def share(self, row, ci: bool = True) -> str:
        """" (83%; 95% CI 44% to 97%)" — or nothing when the count is too small to show
        (a percentage would give it away)."""
        if self.small(row.get("k")):
            return ""
        inside = _pct(row["estimate"]) + (f"; {self.ci(row)}" if ci else "")
        return f" ({inside})"

    def mid(self, key) -> str:
        """The label as it reads inside a sentence: a leading capital is lowered unless the
        word is an abbreviation ("Confidence using X" → "confidence using X", "NHS" stays)."""
        text = self.label(key)
        if len(text) > 1 and text[0].isupper() and not text[1].isupper():
            return text[0].lower() + text[1:]
        return text

    def label(self, key) -> str:
        if _missing(key):
            return ""
        key = str(key)
        if key in self.labels:
            return self.labels[key]
        if key == "confidence (mean of items)":
            return "overall confidence (the mean of the confidence items)"
        return key.replace("_", " ")

    def ci(self, row, kind: str = "share", change: bool = False, signed: bool = True) -> str:
        """The interval as text, at the level it really reaches (an exact interval on very
        few people can fall short of the level asked for: then that level is given).

        The level of the row's interval is ``ci_level`` when the row gives one (learning
        changes: the t interval of the mean change; medians), else ``hl_ci_level`` (rows
        whose estimate is the Hodges–Lehmann one, such as behaviour changes)."""
        level = row.get("confidence")
        level = 0.95 if _missing(level) else float(level)
        achieved = row.get("ci_level")
        if _missing(achieved):
            achieved = row.get("hl_ci_level")
        if not _missing(achieved) and float(achieved) < level - 1e-12:
            level = float(achieved)
        name = f"{_level(level)} CI"
        low, high = row.get("ci_low"), row.get("ci_high")
        if _missing(low) or _missing(high):
            return "no interval: too few people"
        if change and kind in ("share", "rate"):
            return f"{name} {_points(low, kind)} to {_points(high, kind)} percentage points"
        if kind == "share":
            return f"{name} {_pct(low)} to {_pct(high)}"
        if kind == "rate":
            return f"{name} {100 * low:.1f}% to {100 * high:.1f}%"
        return f"{name} {_num(low, signed)} to {_num(high, signed)}"

    def session(self, row) -> str:
        label = row.get("session_label")
        if _missing(label) or label == "any session":
            label = self.label(row.get("session_id"))
        elif str(row.get("session_id")) in self.labels:
            label = self.labels[str(row.get("session_id"))]
        return label


def _direction(row) -> int:
    """+1 / −1 when the interval lies above / below zero, 0 when it includes zero or is missing."""
    low, high = row.get("ci_low"), row.get("ci_high")
    if _missing(low) or _missing(high):
        return 0
    if low > 0:
        return 1
    if high < 0:
        return -1
    return 0


# ----------------------------------------------------------------------------- sentence makers
# each returns (sentence, supported) or None to skip the row

def _turnout(row, w: _Writer):
    who = _WHO.get(row.get("eligible_rule"), "eligible people")
    where = "at least one session" if _missing(row.get("session_id")) else w.session(row)
    return f"{w.count(row['k'])} of the {row['n']} eligible {who} came to {where}{w.share(row)}.", True


def _attendees(row, w: _Writer):
    if not _missing(row.get("session_id")):
        return None
    role = _ROLES.get(row["group"], f"people with the role {row['group']}")
    return (f"Of the {row['n']} people who came to any session, {w.count(row['k'])} were "
            f"{role}{w.share(row, ci=False)}.", True)


def _representation(row, w: _Writer):
    column = row["measure"].removeprefix("turnout by ")
    who = _WHO.get(row.get("eligible_rule"), "eligible people")
    group = row["group"]
    if group == "not recorded":
        whose = f"whose {column} is not recorded"
    elif column == "party":
        whose = f"of the {group} group"
    elif column == "authority":
        whose = f"from {group}"
    else:
        whose = f"with {column} {group}"
    return (f"{w.count(row['k'])} of the {row['n']} eligible {who} {whose} came to at least one "
            f"session{w.share(row)}.", True)


def _sessions_median(row, w: _Writer):
    if _missing(row.get("sessions_total")) or int(row["sessions_total"]) < 2:
        return None  # one session: turnout says it all
    who = _WHO.get(row.get("eligible_rule"), "eligible people")
    return (f"The {row['n']} eligible {who} attended a median of {_num(row['estimate'])} of the "
            f"{row['sessions_total']} sessions (middle half {_num(row.get('q1'))} to "
            f"{_num(row.get('q3'))}).", True)


def _retention(row, w: _Writer):
    who = _WHO.get(row.get("eligible_rule"), "eligible people")
    return (f"Of the {row['n']} {who} at the first session, {w.count(row['k'])} were at the "
            f"last{w.share(row)}.", True)


def _minutes(row, w: _Writer):
    return (f"The {row['n']} eligible people who joined {w.session(row)} online were present for a "
            f"median of {_num(row['estimate'])} minutes (middle half {_num(row.get('q1'))} to "
            f"{_num(row.get('q3'))} minutes).", True)


def _stayed(row, w: _Writer):
    share = row.get("share_of_session")
    share = 0.75 if _missing(share) else float(share)
    return (f"{w.count(row['k'])} of the {row['n']} eligible people who joined {w.session(row)} online "
            f"stayed for at least {share:.0%} of it{w.share(row)}.", True)


def _where(row, w: _Writer) -> str:
    return "across all sessions" if _missing(row.get("session_id")) else f"at {w.session(row)}"


def _share_agree(row, w: _Writer):
    phrase = _AGREE_PHRASE.get(row.get("scale"), "agreed with")
    return (f"Of those who answered, {w.count(row['k'])} of {row['n']}{w.share(row)} {phrase} "
            f"“{w.label(row['item_id'])}” {_where(row, w)}.", True)


def _share_yes(row, w: _Writer):
    majority = " — a clear majority" if not _missing(row.get("ci_low")) and row["ci_low"] > 0.5 else ""
    return (f"Of those who answered, {w.count(row['k'])} of {row['n']}{w.share(row)} said yes to "
            f"“{w.label(row['item_id'])}” {_where(row, w)}{majority}.", True)


def _scale_note(row) -> str:
    points = _POINTS.get(row.get("scale"))
    return f" on a {points}-point scale" if points else ""


def _points_text(value: float) -> str:
    """A size of change in points: "1 point", "0.9 points"."""
    shown = _num(abs(float(value)))
    return f"{shown} point" + ("" if shown == "1" else "s")


def _average(row, w: _Writer, shift: bool = False) -> str:
    """The mean change and its interval: "on average up 0.9 points, 95% CI 0.6 to 1.2"
    (``shift``: "on average 0.3 points lower, …")."""
    value = row["estimate"]
    if _num(abs(float(value))) == "0":
        words = "on average no difference" if shift else "on average no change"
    elif shift:
        words = f"on average {_points_text(value)} {'higher' if value > 0 else 'lower'}"
    else:
        words = f"on average {'up' if value > 0 else 'down'} {_points_text(value)}"
    return f"{words}, {w.ci(row, 'number', signed=False)}"


def _same_change(row, label: str, medians: str):
    """Every pair changed by exactly the same amount: the mean is known for these people but
    there is no spread to build an interval from, so no change is claimed."""
    n, value, measure = row["n"], float(row["estimate"]), row["measure"]
    if _num(abs(value)) == "0":
        each = "no change for anyone"
    else:
        way = ("higher" if value > 0 else "lower") if measure == "response shift" else \
            ("up" if value > 0 else "down")
        each = (f"each {_points_text(value)} {way}" if measure == "response shift"
                else f"each {way} {_points_text(value)}")
    if measure == "response shift":
        return (f"Of those who answered both surveys ({n} members), everyone's look-back rating of their "
                f"starting {label} differed from the rating given at the start by exactly the same amount "
                f"({each}); with no spread, no interval can be given.", False)
    if measure == "change then to post":
        return (f"Of those who answered the post survey ({n} members), everyone's {label} changed by exactly "
                f"the same amount against their own look-back rating ({each}); with no spread, no interval "
                "can be given.", False)
    return (f"Of those who answered both surveys ({n} members), everyone's {label} changed by exactly the "
            f"same amount ({medians}; {each}); with no spread, no interval can be given.", False)


def _paired(row, w: _Writer):
    """A learning change: the headline is the mean change with its t interval."""
    label = w.mid(row.get("item_id"))
    n = row["n"]
    medians = f"median {_num(row.get('median_before'))} → {_num(row.get('median_after'))}{_scale_note(row)}"
    measure = row["measure"]
    if _missing(row.get("ci_low")) or _missing(row.get("ci_high")):
        if not _missing(row.get("estimate")) and int(n) >= 2:
            return _same_change(row, label, medians)
        opening = ("Of those who answered the post survey," if measure == "change then to post"
                   else "Of those who answered both surveys,")
        return (f"{opening} {label} cannot be judged: only {w.count(n)} members answered both.", False)
    average = _average(row, w)
    direction = _direction(row)
    if measure == "response shift":
        shift = _average(row, w, shift=True)
        if direction:
            way = "lower" if direction < 0 else "higher"
            return (f"Of those who answered both surveys ({n} members), looking back after the "
                    f"programme they rated their starting {label} {way} than they had at the start "
                    f"({shift}): a response shift, so the pre survey may understate how much changed.", True)
        return (f"Of those who answered both surveys ({n} members), the look-back rating of "
                f"{label} differed little from the rating given at the start; the data are consistent "
                f"with no response shift ({shift}).", False)
    if measure == "change then to post":
        opening = (f"Of those who answered the post survey ({n} members), compared with their own "
                   f"look-back rating of where they started,")
    else:
        opening = "Of those who answered both surveys,"
    if direction > 0:
        return (f"{opening} {label} rose alongside the programme for {w.count(row['n_improved'])} of "
                f"{n} members ({medians}; {average}).", True)
    if direction < 0:
        return (f"{opening} {label} fell alongside the programme for {w.count(row['n_worse'])} of "
                f"{n} members ({medians}; {average}).", True)
    if measure == "change pre to post":
        opening = f"Of those who answered both surveys ({n} members),"
    return (f"{opening} {label} changed little; the data are consistent with no change "
            f"({medians}; {average}).", False)


def _baseline_skill(row, w: _Writer):
    words = {"beginner": "as beginners", "fluent": "as fluent users", "intermediate": "in between"}
    if row["group"] not in words:
        return None
    band = row.get("band_rule")
    band = "" if _missing(band) else str(band)
    rule = f" (mean confidence {band.replace('<=', 'of at most').replace('>=', 'of at least')})" \
        if band else ""
    return (f"Of those who answered the first survey, {w.count(row['k'])} of {row['n']}{w.share(row)} "
            f"started {words[row['group']]}{rule}.", True)


def _missing_at_post(row, w: _Writer):
    return (f"Of those who answered the first survey ({row['n']} members), {w.count(row['k'])} did not "
            f"answer the second{w.share(row)}.", True)


def _completers(row, w: _Writer):
    if _missing(row.get("estimate")):
        return None
    medians = (f"median baseline {_num(row.get('median_completers'))} for the "
               f"{w.count(row['n_completers'])} who answered both surveys and "
               f"{_num(row.get('median_non_completers'))} for the {w.count(row['n_non_completers'])} "
               "who did not")
    difference = f"difference {_num(row['estimate'], True)}, {w.ci(row, 'number')}"
    direction = _direction(row)
    if direction:
        way = "higher" if direction > 0 else "lower"
        return (f"Of those who answered the first survey ({row['n']} members), those who went on to "
                f"answer the second had started {way} ({medians}; {difference}).", True)
    return (f"Of those who answered the first survey ({row['n']} members), those who went on to answer "
            f"the second had started at a similar level; the data are consistent with no difference "
            f"({medians}; {difference}).", False)


def _int(value) -> int:
    return 0 if _missing(value) else int(value)


def _platform(row) -> str:
    value = row.get("platform")
    return _PLATFORMS.get(value, str(value)) if not _missing(value) else "social media"


def _behaviour_change(row, w: _Writer):
    name, kind = _BEHAVIOUR.get(row["measure"], (row["measure"], "number"))
    medians = (f"median {_value(row['median_before'], kind)} before → "
               f"{_value(row['median_after'], kind)} after")
    typical = f"typical change {_value(row['estimate'], kind, True)}, {w.ci(row, kind, change=True)}"
    opening = f"Among the {row['n']} cohort members with data before and after the programme,"
    direction = _direction(row)
    if direction:
        way = "rose" if direction > 0 else "fell"
        return f"{opening} {name} on {_platform(row)} {way} alongside it ({medians}; {typical}).", True
    return (f"{opening} {name} on {_platform(row)} changed little; the data are consistent with no "
            f"change ({medians}; {typical}).", False)


def _difference_in_differences(row, w: _Writer):
    name, kind = _BEHAVIOUR.get(row["measure"], (row["measure"], "number"))
    if min(int(row["n_cohort"]), int(row["n_comparison"])) < w.threshold:
        return _withheld(row, w, groups=True)
    groups = (f"the {row['n_cohort']} cohort members than among the {row['n_comparison']} comparison "
              "councillors who did not take part")
    direction = _direction(row)
    size = _value(abs(row["estimate"]), kind, signed=kind in ("share", "rate")).lstrip("+")
    if direction:
        way = "more" if direction > 0 else "less"
        return (f"{name[0].upper() + name[1:]} on {_platform(row)} changed by {size} {way} among {groups} "
                f"({w.ci(row, kind, change=True)}).", True)
    return (f"{name[0].upper() + name[1:]} on {_platform(row)} changed by a similar amount in the "
            f"{row['n_cohort']} cohort members and the {row['n_comparison']} comparison councillors; the "
            f"data are consistent with no difference (difference {_value(row['estimate'], kind, True)}, "
            f"{w.ci(row, kind, change=True)}).", False)


def _trend(row, w: _Writer):
    if row.get("group") != "cohort minus comparison":
        return None
    outcome = row.get("outcome") or row["measure"].removeprefix("pre-period trend: ")
    name, kind = _BEHAVIOUR.get(outcome, (outcome, "number"))
    if min(_int(row.get("n_cohort")), _int(row.get("n_comparison"))) < w.threshold:
        return _withheld(row, w, groups=True)
    slope = f"difference in weekly trend {_value(row['estimate'], kind, True)}, {w.ci(row, kind, change=True)}"
    if _direction(row):
        return (f"Before the programme, {name} on {_platform(row)} was already moving differently for "
                f"cohort members and comparison councillors (n = {row['n']}; {slope}), so the comparison "
                "between them should be read with care.", True)
    return (f"Before the programme, {name} on {_platform(row)} moved in step for cohort members and "
            f"comparison councillors as far as the data show (n = {row['n']}; {slope}).", False)


def _dose(row, w: _Writer):
    name, kind = _BEHAVIOUR.get(row["measure"], (row["measure"], "number"))
    slope = f"about {_value(row['estimate'], kind, True)} per extra session, {w.ci(row, kind, change=True)}"
    direction = _direction(row)
    if direction:
        way = "more" if direction > 0 else "less"
        return (f"Among the {row['n']} cohort members, {name} on {_platform(row)} rose {way} for those "
                f"who attended more sessions ({slope}); this is an association only, as keener members "
                "may both attend more and be more active.", True)
    return (f"Among the {row['n']} cohort members, the change in {name} on {_platform(row)} showed no "
            f"clear link with the number of sessions attended; the data are consistent with no link "
            f"({slope}).", False)


def _across_pilots(row, w: _Writer):
    adjusted = row.get("p_adjusted")
    if _missing(adjusted):
        return None
    what = row["measure"]
    shown = "< 0.001" if adjusted < 0.001 else f"= {adjusted:.3f}"
    detail = (f"{row['group']}; n = {row['n']}; adjusted p {shown} ({row.get('adjustment')}); "
              f"effect size {_num(row.get('effect'))}")
    if adjusted < 0.05:
        return f"The pilots differed in {what} ({detail}).", True
    return (f"The pilots did not differ clearly in {what}; the data are consistent with no "
            f"difference ({detail}).", False)


def _withheld(row, w: _Writer, groups: bool = False):
    who = "one of the groups compared has" if groups else "this figure rests on"
    return (f"Not reported: {who} fewer than {w.threshold} people "
            f"({row['measure']}).", False)


_MAKERS: dict[tuple[str, str], Callable] = {
    ("participation", "turnout"): _turnout,
    ("participation", "attendees"): _attendees,
    ("participation", "turnout by party"): _representation,
    ("participation", "turnout by authority"): _representation,
    ("participation", "sessions attended (median)"): _sessions_median,
    ("participation", "retention"): _retention,
    ("participation", "minutes present"): _minutes,
    ("participation", "present for most of the session"): _stayed,
    ("reaction", "share agree"): _share_agree,
    ("reaction", "share yes"): _share_yes,
    ("learning", "change pre to post"): _paired,
    ("learning", "change then to post"): _paired,
    ("learning", "response shift"): _paired,
    ("learning", "baseline skill"): _baseline_skill,
    ("learning", "missing at post"): _missing_at_post,
    ("learning", "baseline: completers vs non-completers"): _completers,
}


def _maker(row) -> Callable | None:
    level, measure, group = row.get("level"), row.get("measure"), row.get("group")
    if (level, measure) in _MAKERS:
        return _MAKERS[(level, measure)]
    if level == "participation" and str(measure).startswith("turnout by "):
        return _representation
    if level == "behaviour":
        if str(measure).startswith("pre-period trend"):
            return _trend
        if group == "cohort":
            return _behaviour_change
        if group == "cohort minus comparison":
            return _difference_in_differences
        if group == "slope per session attended":
            return _dose
    if level == "cross-pilot" and "p_adjusted" in row and not _missing(row.get("p_adjusted")):
        return _across_pilots
    return None


def _detail(row) -> str | None:
    for column in ("item_id", "session_id", "platform", "group"):
        value = row.get(column)
        if not _missing(value):
            return str(value)
    return None


def findings(
    *results: pd.DataFrame,
    threshold: int = 5,
    labels: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Plain-English sentences from result frames, with whether the data support them.

    Parameters
    ----------
    *results : pandas.DataFrame
        Result frames of :mod:`evalkit.analysis` (any mix, any pilots). Rows of measures
        without a sentence form (distributions, per-dose tables) and rows of per-person frames
        (with a ``participant_id`` column) are skipped.
    threshold : int, default 5
        Disclosure threshold: counts from 1 to ``threshold − 1`` are written "fewer than
        5", and a figure resting on fewer than ``threshold`` people is withheld.
    labels : mapping, optional
        Plain names for item and session ids (see :func:`labels_from_programme`); without
        one, the id is used with underscores as spaces.

    Returns
    -------
    pandas.DataFrame
        ``level, measure, pilot_id, detail`` (item, session, platform or group), ``n``,
        ``sentence``, ``supported`` (see the module notes).

    Examples
    --------
    >>> from evalkit.analysis.examples import example_tables
    >>> from evalkit.analysis.participation import turnout
    >>> t = example_tables()
    >>> found = findings(turnout(t["sessions"], t["attendance"], t["participants"]), threshold=4)
    >>> for sentence in found["sentence"]:
    ...     print(sentence)
    5 of the 6 eligible cohort members came to Workshop 1 (83%; 95% CI 44% to 97%).
    4 of the 6 eligible cohort members came to Workshop 2 (67%; 95% CI 30% to 90%).
    Fewer than 4 of the 6 eligible cohort members came to Workshop 3.
    5 of the 6 eligible cohort members came to at least one session (83%; 95% CI 44% to 97%).
    """
    writer = _Writer(int(threshold), dict(labels or {}))
    rows = []
    for frame in results:
        if frame is None or not len(frame) or "participant_id" in frame.columns:
            continue
        for record in frame.to_dict("records"):  # result rows: a few hundred at most
            maker = _maker(record)
            if maker is None:
                continue
            n = record.get("n")
            if _missing(n):
                continue
            made = maker(record, writer)
            if made is None:
                continue
            if int(n) < writer.threshold:
                made = _withheld(record, writer)
            sentence, supported = made
            sentence = sentence[0].upper() + sentence[1:]
            rows.append({"level": record.get("level"), "measure": record.get("measure"),
                         "pilot_id": record.get("pilot_id"), "detail": _detail(record),
                         "n": int(n), "sentence": sentence, "supported": bool(supported)})
    out = pd.DataFrame(rows, columns=FINDING_COLUMNS)
    for column in ("level", "measure", "pilot_id", "detail", "sentence"):
        out[column] = out[column].astype("object")
    out["n"] = out["n"].astype("Int64")
    out["supported"] = out["supported"].astype(bool)
    return out


def labels_from_programme(programme) -> dict[str, str]:
    """Plain names for the item ids (their ``label``) and session ids (their ``label``) of a
    loaded :class:`evalkit.programme.Programme`, for :func:`findings`.

    Examples
    --------
    >>> from evalkit.programme import Programme
    >>> programme = Programme.model_validate({"name": "Demo", "items": [{
    ...     "id": "conf_role", "scale": "confidence", "label": "Confidence using social media",
    ...     "questions": ["How confident are you using social media as a councillor?"]}],
    ...     "pilots": [{"id": "demo", "name": "Demo", "authorities": ["Solihull Council"],
    ...     "sessions": [{"id": "w1", "kind": "workshop", "date": "2024-09-03", "label": "Workshop 1"}]}]})
    >>> labels_from_programme(programme)
    {'conf_role': 'Confidence using social media', 'w1': 'Workshop 1'}
    """
    labels = {item.id: item.label for item in programme.items}
    for pilot in programme.pilots:
        for session in pilot.sessions:
            if session.label:
                labels.setdefault(session.id, session.label)
    return labels
