"""Survey truth for the sample: the item bank, each tool's wording, and everyone's answers.

Answers come from one latent model (see :data:`EFFECTS`): a delegate's confidence on each
item starts near their baseline skill; at the post survey it is higher by
``EFFECTS["confidence_shift"]`` on the latent 1–5 scale; the retrospective "then" rating
given at the post survey sits ``EFFECTS["response_shift"]`` below the pre rating (response
shift). Answers are then written as each tool writes them: Microsoft Forms with its own
choice labels, Google Forms with numbers for linear scales and its grid labels,
SurveyMonkey with its matrix labels (some covered only by item-map aliases), and typed-up
paper sheets with every variation people tick and type.

Every survey writer takes the same long-form answers frame, one row per record × question
(:data:`ANSWER_COLUMNS`).

>>> from evalkit.sample.surveys import ITEMS, question
>>> question("conf_role", "google", then=True)
'Before the programme started, how confident were you at each of these? [Using social media as a councillor]'
>>> ITEMS["fb_more"].scale
'yes_no'
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import scales
from .world import PilotWorld, session_bounds

__all__ = [
    "ANSWER_COLUMNS",
    "EFFECTS",
    "ITEMS",
    "ItemSpec",
    "Survey",
    "build_surveys",
    "programme_items",
    "question",
]

#: the effects built into the answers (latent 1–5 scale unless stated)
EFFECTS = {
    "confidence_shift": 1.0,
    "confidence_noise_sd": 0.35,
    "response_shift": 0.4,
    "then_noise_sd": 0.3,
    "item_noise_sd": 0.45,
    "find_out_more_yes": 0.75,
}

ANSWER_COLUMNS = ["record", "person_key", "respondent_id", "source_name", "source_email", "submitted_at",
                  "question", "raw", "kind", "item_id", "value", "label", "scale", "wave", "session_id",
                  "quarantine"]


@dataclass(frozen=True)
class ItemSpec:
    id: str
    scale: str
    label: str
    #: tool → wording; a wording "Stem [Row]" is a grid/matrix row
    wording: dict
    #: tool → retrospective-pre ("then") wording
    then: dict | None = None
    #: latent offset from the person's baseline (confidence items)
    offset: float = 0.0


_CONF_ROWS = {
    "conf_role": ("using social media in your role as a councillor", "Using social media as a councillor",
                  "Using social media in your role"),
    "conf_footprint": ("understanding and managing your digital footprint",
                       "Understanding and managing your digital footprint", "Your digital footprint"),
    "conf_debate": ("handling debates and difficult conversations online",
                    "Handling debates and difficult conversations online", "Handling debates online"),
    "conf_network": ("growing and influencing your network online", "Growing and influencing your network",
                     "Growing your network"),
}
_CONF_LABELS = {
    "conf_role": "Confidence using social media in the councillor role",
    "conf_footprint": "Confidence understanding and managing one's digital footprint",
    "conf_debate": "Confidence handling debates and difficult conversations online",
    "conf_network": "Confidence growing and influencing one's network online",
}
_CONF_OFFSETS = {"conf_role": 0.0, "conf_footprint": -0.2, "conf_debate": -0.45, "conf_network": -0.25}


def _conf_item(item_id: str) -> ItemSpec:
    ms, google, sm = _CONF_ROWS[item_id]
    about = "" if item_id == "conf_role" else "about "
    return ItemSpec(
        item_id, "confidence", _CONF_LABELS[item_id],
        wording={
            "ms_forms": f"How confident do you feel {about}{ms}?",
            "google": f"How confident are you at each of these? [{google}]",
            "surveymonkey": f"How confident do you feel about each of the following? [{sm}]",
        },
        then={
            "ms_forms": f"Thinking back to before the programme, how confident did you feel {about}{ms}?",
            "google": f"Before the programme started, how confident were you at each of these? [{google}]",
            "surveymonkey": f"Thinking back to before the programme, how confident were you about each of "
                            f"the following? [{sm}]",
        },
        offset=_CONF_OFFSETS[item_id],
    )


ITEMS: dict[str, ItemSpec] = {
    **{i: _conf_item(i) for i in _CONF_ROWS},
    "post_freq": ItemSpec("post_freq", "frequency", "How often the councillor posts about council work", {
        "ms_forms": "How often do you post on social media about your work as a councillor?",
        "google": "How often do you post about council work on social media?",
        "surveymonkey": "On average, how often do you post on social media as a councillor?",
    }),
    "hopes": ItemSpec("hopes", "text", "What the councillor hopes to get from the programme", {
        "ms_forms": "What would you most like to get out of the programme?",
        "google": "What do you hope to get from the programme?",
        "surveymonkey": "What would you like to get out of this programme?",
    }),
    "change": ItemSpec("change", "text", "What the councillor will do differently", {
        "ms_forms": "What will you do differently as a result of the programme?",
        "google": "What will you do differently after the programme?",
        "surveymonkey": "What, if anything, will you do differently now?",
    }),
    "fb_useful": ItemSpec("fb_useful", "agreement", "The session was useful", {
        "paper": "The session was useful",
        "ms_forms": "The session was useful to me",
        "google": "This session was useful",
        "surveymonkey": "Overall, the workshop was useful",
    }),
    "fb_relevant": ItemSpec("fb_relevant", "agreement", "The content was relevant to the councillor role", {
        "ms_forms": "The content was relevant to my role as a councillor",
        "google": "The content was relevant to my role",
        "surveymonkey": "The content was relevant to my work as a councillor",
    }),
    "fb_understand": ItemSpec("fb_understand", "agreement",
                              "Understands how social media could help in the councillor role", {
        "paper": "I understand how social media could help me as a councillor",
    }),
    "fb_more": ItemSpec("fb_more", "yes_no", "Would like to find out more", {
        "paper": "Would you like to find out more?",
        "ms_forms": "Would you like to find out more about any of today's topics?",
        "google": "Would you like more support on today's topics?",
        "surveymonkey": "Would you like further support from the programme team?",
    }),
    "fb_recommend": ItemSpec("fb_recommend", "zero_ten", "Likelihood of recommending the session (0-10)", {
        "ms_forms": "How likely are you to recommend this workshop to a fellow councillor?",
        "google": "How likely is it that you would recommend this session to another councillor?",
        "surveymonkey": "How likely is it that you would recommend this workshop to a colleague?",
    }),
    "fb_comments": ItemSpec("fb_comments", "text", "Other comments on the session", {
        "paper": "Any other comments",
        "ms_forms": "Any other comments?",
        "google": "Anything else you would like to tell us?",
        "surveymonkey": "Do you have any other comments?",
    }),
}

#: extra answer spellings the item map declares (label → canonical label)
ITEM_ALIASES = {
    "confidence": {"Not very confident": "Slightly confident", "Quite confident": "Moderately confident"},
    "frequency": {"A few times a week": "Weekly"},
    "agreement": {"Stongly agree": "Strongly agree", "Agreee": "Agree", "Disagre": "Disagree"},
    "yes_no": {"Yes pls": "Yes"},
}

#: what each tool writes for each canonical label (the tools' own choice lists)
_TOOL_LABELS = {
    "ms_forms": {
        "agreement": ["Strongly disagree", "Disagree", "Neutral", "Agree", "Strongly agree"],
        "confidence": ["Not at all confident", "Slightly confident", "Moderately confident", "Confident",
                       "Very confident"],
        "frequency": ["Never", "Less than monthly", "Monthly", "Weekly", "Daily"],
        "yes_no": ["No", "Yes"],
    },
    "google": {
        "agreement": ["1", "2", "3", "4", "5"],
        "confidence": ["Not at all confident", "A little confident", "Fairly confident", "Confident",
                       "Very confident"],
        "frequency": ["Never", "Less than once a month", "Once a month", "Every week", "Every day"],
        "yes_no": ["No thanks", "Yes please"],
    },
    "surveymonkey": {
        "agreement": ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"],
        "confidence": ["Not at all confident", "Not very confident", "Quite confident", "Confident",
                       "Very confident"],
        "frequency": ["Never", "Rarely", "Monthly", "A few times a week", "Every day"],
        "yes_no": ["No", "Yes"],
    },
}

#: how people write answers on paper sheets typed up later: (text, share) per canonical value
_PAPER_LABELS = {
    "agreement": {
        5: [("Strongly agree", 0.4), ("strongly agree", 0.15), ("SA", 0.15), ("5 - Strongly agree", 0.1),
            ("Stongly agree", 0.1), ("Strongly Agree ", 0.1)],
        4: [("Agree", 0.35), ("agree", 0.3), ("4 - Agree", 0.15), ("A", 0.1), ("Agreee", 0.1)],
        3: [("Neither agree nor disagree", 0.4), ("neither", 0.3), ("Neutral", 0.3)],
        2: [("Disagree", 0.6), ("disagree", 0.3), ("Disagre", 0.1)],
        1: [("Strongly disagree", 1.0)],
    },
    "yes_no": {
        1: [("Yes", 0.45), ("yes", 0.2), ("Y", 0.15), ("Yes please", 0.1), ("Yes pls", 0.1)],
        0: [("No", 0.5), ("no", 0.2), ("No thanks", 0.3)],
    },
}
#: unreadable paper answers (quarantined by cleaning): scale → texts
_PAPER_UNREADABLE = {"agreement": ["agree/disagree", "Agree?? not sure"], "yes_no": ["Yes & no", "maybe"]}

_HOPES = [
    "To understand how to use Twitter properly", "More confidence online", "How to deal with abuse",
    "Learn what works for engaging residents", "To get better at Facebook for my ward",
    "Tips on managing my time online", "Not sure yet - I'm a complete beginner!",
    "How to make my posts reach more residents", "Understand the \"rules\" for councillors online",
    "Practical help setting up a page",
]
_CHANGES = [
    "Reply to residents more instead of just posting", "Post more regularly about ward work",
    "Use a scheduling tool", "Think about my \"digital footprint\" before posting",
    "Mute rather than argue", "Set up a separate councillor page", "Share other people's content more",
    "Plan a week of posts in advance", "Stop using my personal account for council matters",
]
_COMMENTS = [
    "Very useful, thank you", "Would have liked more time on Facebook", "Great trainer",
    "Too short!", "Really \"eye-opening\" - didn't know about privacy settings",
    "Could we have a session on 'X' (Twitter) for beginners?", "Slides please",
    "The room was too warm", "Useful tips on handling trolls", "More examples from other councils please",
    "Excellent - should be compulsory for new members", "A bit fast for me",
    "Handouts would help", "Good mix of practical & theory",
]
#: comments as typed up from handwriting: quotes and apostrophes where people put them
_PAPER_COMMENTS = [
    'Very "useful" session', "Didn't know about 'privacy settings' - thanks!", 'Speaker said "just be yourself" - good advice',
    "More on Facebook pls", '"Tweeting" still a mystery to me', "Good - but too short", "Can we have the slides?",
    "Would like 1:1 help", 'The "dos & don\'ts" sheet was the best bit', "N/A",
]


def question(item_id: str, tool: str, then: bool = False) -> str:
    """The wording ``tool`` exports for ``item_id`` (the retrospective wording if ``then``)."""
    spec = ITEMS[item_id]
    return (spec.then if then else spec.wording)[tool]


def programme_items() -> list[dict]:
    """The programme.yml ``items`` list: every wording of every item, ``wave: then`` on the
    retrospective ones, and the answer aliases the tools' own labels need."""
    out = []
    for spec in ITEMS.values():
        questions: list = list(dict.fromkeys(spec.wording.values()))
        if spec.then:
            questions += [{"text": t, "wave": "then"} for t in dict.fromkeys(spec.then.values())]
        entry = {"id": spec.id, "scale": spec.scale, "label": spec.label, "questions": questions}
        if ITEM_ALIASES.get(spec.scale):
            entry["aliases"] = dict(ITEM_ALIASES[spec.scale])
        out.append(entry)
    return out


@dataclass
class Survey:
    """One survey export to write: its tool, wave, session and the answers frame."""

    key: str
    tool: str
    wave: str
    session_id: str | None
    title: str
    answers: pd.DataFrame


# --------------------------------------------------------------------------- latent answers

def _clip_round(x: np.ndarray, low: float = 1, high: float = 5) -> np.ndarray:
    return np.clip(np.floor(x + 0.5), low, high)


def frequency_of(posts_per_week: np.ndarray) -> np.ndarray:
    """The frequency answer (1 Never … 5 Daily) for a posting rate."""
    rate = np.asarray(posts_per_week, dtype=float)
    return np.select([rate < 0.05, rate < 0.2, rate < 0.9, rate < 5.0], [1, 2, 3, 4], 5).astype(float)


def latent_confidence(world: PilotWorld, rng: np.random.Generator) -> pd.DataFrame:
    """Per person × confidence item: latent pre, post and then scores and their 1–5 answers."""
    people = world.people[world.people["in_cohort"]]
    rows = []
    for item_id in _CONF_ROWS:
        n = len(people)
        pre = people["skill_score"].to_numpy() + ITEMS[item_id].offset + rng.normal(0, EFFECTS["item_noise_sd"], n)
        post = pre + EFFECTS["confidence_shift"] + rng.normal(0, EFFECTS["confidence_noise_sd"], n)
        then = pre - EFFECTS["response_shift"] + rng.normal(0, EFFECTS["then_noise_sd"], n)
        rows.append(pd.DataFrame({
            "person_key": people["person_key"].to_numpy(), "item_id": item_id,
            "latent_pre": pre, "latent_post": post, "latent_then": then,
            "pre": _clip_round(pre), "post": _clip_round(post), "then": _clip_round(then),
        }))
    return pd.concat(rows, ignore_index=True)


# --------------------------------------------------------------------------- raw labels

def _label_of(scale: str, value: float) -> str:
    sc = scales.SCALES[scale]
    return next(label for label, v in sc.points.items() if v == value)


def _tool_raw(tool: str, scale: str, value: float) -> str:
    if scale == "zero_ten":
        return str(int(value))
    labels = _TOOL_LABELS[tool][scale]
    index = int(value) - (0 if scale == "yes_no" else 1)
    return labels[index]


def _paper_raw(rng: np.random.Generator, scale: str, value: float) -> str:
    options = _PAPER_LABELS[scale][int(value)]
    texts = [t for t, _ in options]
    shares = np.array([s for _, s in options])
    return texts[int(rng.choice(len(texts), p=shares / shares.sum()))]


def _answer_row(raw, scale: str, item_id: str | None) -> dict:
    """value/label/kind a perfect cleaner gives ``raw`` (checked against the intended value)."""
    if scale == "text" or raw is None:
        return {"value": None, "label": None}
    answer = scales.normalise_label(scale, raw, ITEM_ALIASES.get(scale))
    return {"value": answer.value, "label": answer.label, "_kind": answer.kind}


# --------------------------------------------------------------------------- surveys

def _record_rows(record: int, person: pd.Series, meta: dict, answers: list[tuple]) -> list[dict]:
    rows = []
    for q_text, raw, item_id, scale, wave, session_id, quarantine, intended in answers:
        kind = "comment" if scale == "text" else "response"
        row = {"record": record, "person_key": person["person_key"], "respondent_id": None,
               **meta, "question": q_text, "raw": raw, "kind": kind, "item_id": item_id,
               "value": None, "label": None, "scale": scale, "wave": wave, "session_id": session_id,
               "quarantine": bool(quarantine)}
        if kind == "response" and raw is not None and not quarantine:
            checked = _answer_row(raw, scale, item_id)
            kind_found = checked.pop("_kind")
            if intended is None:
                assert kind_found == "non-response", (raw, scale)
            else:
                assert kind_found == "point" and checked["value"] == intended, (raw, scale, intended, checked)
            row.update(checked)
        elif quarantine:
            assert scales.normalise_label(scale, raw, ITEM_ALIASES.get(scale)).kind == "unknown", raw
        rows.append(row)
    return rows


def _identity(tool: str, person: pd.Series, wave: str) -> dict:
    """source_name / source_email as the tool records them for this person."""
    email, name = person["email"], person["name"]
    if tool == "ms_forms":
        return {"source_name": name, "source_email": email}
    if tool == "google":
        if person.get("aliases") and wave == "post":  # answers the post survey from a personal account
            personal = [a for a in person["aliases"] if "@" in a]
            if personal:
                email = personal[0]
        return {"source_name": None, "source_email": email}
    if tool == "surveymonkey":
        return {"source_name": name, "source_email": email}
    return {"source_name": None, "source_email": None}


def _submitted(rng: np.random.Generator, day: dt.date, spread_days: tuple[int, int], tool: str,
               evening: bool = False) -> pd.Timestamp | None:
    if tool == "paper":
        return None
    offset = int(rng.integers(spread_days[0], spread_days[1] + 1))
    hour = int(rng.integers(17, 23)) if evening else int(rng.integers(8, 22))
    when = pd.Timestamp(day) + pd.Timedelta(days=offset, hours=hour, minutes=int(rng.integers(0, 60)),
                                            seconds=int(rng.integers(0, 60)))
    return when


def _choose(rng: np.random.Generator, pool: pd.DataFrame, n: int, weight: np.ndarray) -> pd.DataFrame:
    n = min(n, len(pool))
    scores = weight + rng.gumbel(size=len(pool))
    return pool.iloc[np.sort(np.argsort(-scores)[:n])]


def _self_assessment(world: PilotWorld, tool: str, wave: str, respondents: pd.DataFrame, latent: pd.DataFrame,
                     rng: np.random.Generator, activity_rate: pd.Series, day: dt.date,
                     spread: tuple[int, int], evening: bool = False) -> pd.DataFrame:
    rows = []
    conf = latent.set_index(["person_key", "item_id"])
    for record, (_, person) in enumerate(respondents.iterrows(), start=1):
        key = person["person_key"]
        meta = {**_identity(tool, person, wave), "submitted_at": _submitted(rng, day, spread, tool, evening=evening)}
        answers = []
        for item_id in _CONF_ROWS:
            value = float(conf.loc[(key, item_id), wave])
            answers.append((question(item_id, tool), _tool_raw(tool, "confidence", value), item_id,
                            "confidence", wave, None, False, value))
        if wave == "post":
            for item_id in _CONF_ROWS:
                value = float(conf.loc[(key, item_id), "then"])
                answers.append((question(item_id, tool, then=True), _tool_raw(tool, "confidence", value),
                                item_id, "confidence", "then", None, False, value))
        freq = float(frequency_of([activity_rate.get(key, 0.0)])[0])
        answers.append((question("post_freq", tool), _tool_raw(tool, "frequency", freq), "post_freq",
                        "frequency", wave, None, False, freq))
        text_item = "hopes" if wave == "pre" else "change"
        pool = _HOPES if wave == "pre" else _CHANGES
        text = pool[int(rng.integers(len(pool)))] if rng.random() < 0.75 else None
        answers.append((question(text_item, tool), text, text_item, "text", wave, None, False, None))
        rows += _record_rows(record, person, meta, answers)
    return pd.DataFrame(rows, columns=ANSWER_COLUMNS)


def _feedback(world: PilotWorld, tool: str, session, respondents: pd.DataFrame, rng: np.random.Generator,
              anonymous: set, paper_quarantine: int = 0) -> pd.DataFrame:
    rows = []
    more_yes = EFFECTS["find_out_more_yes"]
    unreadable = sorted(rng.choice(len(respondents), size=min(paper_quarantine, len(respondents)),
                                   replace=False).tolist()) if paper_quarantine else []
    #: position → the item whose answer cannot be read (an agreement one first, then yes/no)
    unreadable_at = {pos: ("fb_useful", "fb_more")[n % 2] for n, pos in enumerate(unreadable)}
    for record, (_, person) in enumerate(respondents.iterrows(), start=1):
        position = record - 1
        if person["person_key"] in anonymous:
            meta = {"source_name": None, "source_email": None}
        elif tool == "paper":
            meta = {"source_name": _paper_name(person, rng), "source_email": None}
        else:
            meta = _identity(tool, person, "feedback")
        meta["submitted_at"] = _submitted(rng, session.date, (0, 4), tool)
        if meta["submitted_at"] is not None and meta["submitted_at"].date() == session.date:
            # same-day replies come after the session ends
            end = session_bounds(session)[1]
            meta["submitted_at"] = end + pd.Timedelta(minutes=int(rng.integers(2, 240)), seconds=int(rng.integers(60)))
        useful = float(_clip_round(np.array([4.1 + rng.normal(0, 0.7)]))[0])
        relevant = float(_clip_round(np.array([3.9 + rng.normal(0, 0.8)]))[0])
        more = 1.0 if rng.random() < more_yes else 0.0
        answers = []
        sid, wave = session.id, "feedback"
        second = "fb_understand" if tool == "paper" else "fb_relevant"
        for item_id, value in (("fb_useful", useful), (second, relevant), ("fb_more", more)):
            scale = ITEMS[item_id].scale
            q_text = question(item_id, tool)
            intended: float | None = value
            quarantine = False
            if tool == "paper":
                raw = _paper_raw(rng, scale, value)
                if item_id == "fb_understand" and person["role"] != "councillor":
                    raw, intended = ("N/A" if rng.random() < 0.7 else None), None
                elif rng.random() < 0.06:
                    raw, intended = None, None
                if unreadable_at.get(position) == item_id:
                    options = _PAPER_UNREADABLE[scale]
                    raw, intended, quarantine = options[int(rng.integers(len(options)))], None, True
            else:
                raw = _tool_raw(tool, scale, value)
                if item_id == "fb_relevant" and rng.random() < 0.06:  # an optional question left out
                    raw, intended = None, None
            answers.append((q_text, raw, item_id, scale, wave, sid, quarantine, intended))
        if tool != "paper":
            score = float(np.clip(np.floor(8.0 + rng.normal(0, 1.5) + 0.5), 0, 10))
            answers.append((question("fb_recommend", tool), _tool_raw(tool, "zero_ten", score), "fb_recommend",
                            "zero_ten", wave, sid, False, score))
        pool = _PAPER_COMMENTS if tool == "paper" else _COMMENTS
        comment = pool[int(rng.integers(len(pool)))] if rng.random() < 0.55 else None
        answers.append((question("fb_comments", tool), comment, "fb_comments", "text", wave, sid, False, None))
        rows += _record_rows(record, person, meta, answers)
    return pd.DataFrame(rows, columns=ANSWER_COLUMNS)


def _paper_name(person: pd.Series, rng: np.random.Generator) -> str | None:
    """What a person writes in "Name (optional)" — often nothing."""
    u = rng.random()
    if u < 0.35:
        return None
    title = "Cllr " if person["role"] == "councillor" else ""
    if u < 0.6:
        return f"{title}{person['first']} {person['last']}"
    if u < 0.85:
        return f"{person['first'][0]}. {person['last']}"
    return f"{person['first']} {person['last']}"


def build_surveys(world: PilotWorld, rng_for, activity_rate: pd.Series, *, tools: tuple[str, str] | None = None,
                  anonymous_sessions: tuple[str, ...] | None = None,
                  evening: bool | None = None) -> tuple[list[Survey], pd.DataFrame]:
    """Every survey export of a pilot, plus the latent confidence table (truth for effects).

    ``rng_for(*names)`` gives the generator of one named part; ``activity_rate`` maps
    person_key → posts per week before the programme, for the frequency question (the post
    survey uses the rate after the programme: ``activity_rate_after`` in world.people).

    The bundled sample's pilots have their tools and quirks fixed by pilot id. Other pilots
    (the roll-out's areas) name them: ``tools`` is (tool of the pre and post surveys, tool
    of the session feedback) — ``ms_forms``, ``google``, ``surveymonkey``, and ``paper``
    for feedback only; ``anonymous_sessions`` the sessions whose feedback has one anonymous
    reply; ``evening`` whether self-assessments are submitted in the evening.
    """
    design = world.design
    sample_tool = {"kirklees-2010": "paper", "suffolk": "ms_forms", "solihull": "google",
                   "yorkshire-humber": "surveymonkey"}.get(design.id)
    self_tool, tool = tools if tools is not None else (sample_tool, sample_tool)
    if self_tool is None or tool is None:
        raise ValueError(f"name the survey tools of pilot {design.id!r} (tools=(self-assessment, feedback))")
    if self_tool == "paper" and design.pre_completers:
        raise ValueError("paper sheets are session feedback only: choose another tool for pre and post")
    if anonymous_sessions is None:
        anonymous_sessions = {"suffolk": ("workshop-1",), "yorkshire-humber": ("workshop-2",)}.get(design.id, ())
    if evening is None:
        evening = design.id == "solihull"
    surveys: list[Survey] = []
    people = world.people
    cohort = people[people["in_cohort"]]
    attended = world.sessions_attended()
    latent = latent_confidence(world, rng_for("latent"))

    if design.pre_completers:
        rng = rng_for("pre")
        first = design.sessions[0]
        forced = [k for k in world.planted if k in set(cohort.person_key)]
        weight = cohort["commitment"].to_numpy() + 5.0 * cohort["person_key"].isin(forced).to_numpy()
        pre_people = _choose(rng, cohort, design.pre_completers, weight)
        surveys.append(Survey("pre", self_tool, "pre", None, "Before the programme",
                              _self_assessment(world, self_tool, "pre", pre_people, latent, rng, activity_rate,
                                               first.date, (-12, -1), evening)))
        rng = rng_for("post")
        last = design.sessions[-1]
        eligible = pre_people[attended.reindex(pre_people.person_key).to_numpy() > 0]
        weight = (1.2 * attended.reindex(eligible.person_key).to_numpy()
                  + 5.0 * eligible["person_key"].isin(forced).to_numpy())
        post_people = _choose(rng, eligible, design.post_completers, weight)
        after = people.set_index("person_key")["posts_per_week_after"]
        surveys.append(Survey("post", self_tool, "post", None, "After the programme",
                              _self_assessment(world, self_tool, "post", post_people, latent, rng, after,
                                               last.date, (3, 21), evening)))

    for k, session in enumerate(design.sessions):
        if session.kind == "masterclass" or (design.id != "kirklees-2010" and session.kind == "awareness"):
            continue
        rng = rng_for("feedback", session.id)
        present = world.present(session.id)
        if tool != "paper":
            present = present[present["in_cohort"]]
        elif (present["kind"] == "dial-in").any():  # a caller on the phone hands in no sheet
            present = present[present["kind"] != "dial-in"]
        share = 0.8 if tool == "paper" else 0.78
        n = int(round(share * len(present)))
        respondents = _choose(rng, present, n, np.zeros(len(present)))
        anonymous = set()
        if session.id in anonymous_sessions and len(respondents):
            anonymous = {respondents["person_key"].iloc[int(rng.integers(len(respondents)))]}
        answers = _feedback(world, tool, session, respondents, rng, anonymous,
                            paper_quarantine=2 if tool == "paper" else 0)
        surveys.append(Survey(f"feedback-{session.id}", tool, "feedback", session.id,
                              f"Feedback: {session.label}", answers))
    return surveys, latent
