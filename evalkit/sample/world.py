"""The sample world: who the people are, who came to what, and how they answered.

The world is built before any file is written. Each pilot has a fixed *design* (its
councils, sessions and the headline counts the sample promises, such as "17 councillors and
8 officers signed the Kirklees register") and random detail drawn from the pilot's own
random generator (names, parties, skills, who attended which session, for how long).
File writers later put this truth into files; nothing here knows any file layout.

>>> from evalkit.sample.world import DESIGNS, build_pilot
>>> [d.id for d in DESIGNS]
['kirklees-2010', 'suffolk', 'solihull', 'yorkshire-humber']
>>> import numpy as np
>>> pilot = build_pilot(DESIGNS[0], np.random.default_rng(1))
>>> int(((pilot.people.role == "councillor") & pilot.people.on_roster).sum())
69
"""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .people import COUNCILS, ascii_fold, draw_people, email_address, x_handle

__all__ = [
    "DESIGNS",
    "PilotDesign",
    "PilotWorld",
    "SessionPlan",
    "SKILLS",
    "ACTIVITY",
    "THEMES",
    "build_pilot",
    "child_rng",
    "finish_pilot",
    "session_bounds",
]

THEMES = {
    "masterclass": "Social media skills master class",
    "footprint": "Understand your digital footprint and current network",
    "shape": "Shape your network and manage debates online",
    "influence": "Influence your network and lead online",
}

#: baseline skill levels, least to most skilled, and the latent confidence (1-5) each starts at
SKILLS: dict[str, float] = {"beginner": 1.7, "developing": 2.5, "confident": 3.3, "fluent": 4.2}
_SKILL_SHARES = [0.25, 0.30, 0.30, 0.15]

#: social-media behaviour: baseline posts a week and share of posts that are replies, by
#: skill; and the change each attended session brings from its date on (comparison
#: councillors attend nothing, so their trend is flat)
ACTIVITY = {
    "posts_per_week": {"beginner": 0.3, "developing": 1.2, "confident": 3.0, "fluent": 7.0},
    "reply_share": {"beginner": 0.05, "developing": 0.10, "confident": 0.18, "fluent": 0.28},
    "posts_per_week_per_session": 0.5,
    "reply_share_per_session": 0.04,
    "reply_share_cap": 0.9,
}


@dataclass(frozen=True)
class SessionPlan:
    id: str
    kind: str
    theme: str | None
    date: dt.date
    start: str
    minutes: int
    mode: str
    label: str
    #: how the registers head this session (sheet names, column headers)
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class PilotDesign:
    """The fixed facts of one pilot; random detail is drawn in :func:`build_pilot`."""

    id: str
    name: str
    code: str
    id_width: int
    authorities: tuple[str, ...]
    tier: str
    region: str
    geography: str
    sessions: tuple[SessionPlan, ...]
    #: cohort councillors per authority
    cohort: dict[str, int]
    #: party → share of councillors (cohort and others)
    parties: dict[str, float]
    #: councillors present at each session (cohort only), in session order
    turnout: tuple[int, ...]
    #: councillors on the roster who are not in the cohort (eligible, invited, comparison)
    others: dict[str, int] = field(default_factory=dict)
    comparison: int = 0
    #: officers and others on the roster: (role, authority, job) — role is officer or other
    staff: tuple[tuple[str, str, str], ...] = ()
    #: which staff (by position) attend which sessions: "all", "first" or "none"
    staff_attends: tuple[str, ...] = ()
    #: cohort members answering the pre and post surveys
    pre_completers: int = 0
    post_completers: int = 0
    #: share of cohort councillors with an X account that shared its analytics
    x_share: float = 0.0
    #: cohort councillors with a Facebook page that shared its insights
    facebook_pages: int = 0
    comparison_facebook_pages: int = 0
    metric_weeks: int = 13


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


DESIGNS: tuple[PilotDesign, ...] = (
    PilotDesign(
        id="kirklees-2010",
        name="Kirklees awareness session 2010",
        code="KIR",
        id_width=3,
        authorities=("Kirklees Council",),
        tier="single",
        region="Yorkshire and the Humber",
        geography="compact",
        sessions=(
            SessionPlan("awareness", "awareness", "Social media awareness for councillors",
                        _date("2010-10-13"), "16:30", 60, "in-person", "Awareness session",
                        ("Sign-in 13 Oct 2010", "Awareness session 13/10/10")),
        ),
        cohort={"Kirklees Council": 69},
        parties={"Labour": 26, "Conservative": 19, "Liberal Democrat": 19, "Green": 5},
        turnout=(17,),
        staff=tuple(("officer", "Kirklees Council", job) for job in (
            "Democratic Services Officer", "Democratic Services Officer", "Communications Officer",
            "Communications Officer", "Web Manager", "Member Support Officer", "Legal Officer",
            "Head of Communications", "Policy Officer", "Scrutiny Officer")),
        staff_attends=("eight",),
        x_share=0.0,
    ),
    PilotDesign(
        id="suffolk",
        name="Suffolk two-tier pilot",
        code="SUF",
        id_width=2,
        authorities=("Suffolk County Council", "Babergh District Council", "Mid Suffolk District Council",
                     "Ipswich Borough Council", "East Suffolk Council", "West Suffolk Council"),
        tier="two-tier",
        region="East of England",
        geography="wide",
        sessions=(
            SessionPlan("masterclass", "masterclass", THEMES["masterclass"], _date("2022-10-04"), "10:00",
                        150, "hybrid", "Master class", ("Masterclass 4 Oct", "Master class")),
            SessionPlan("workshop-1", "workshop", THEMES["footprint"], _date("2022-11-08"), "10:00",
                        120, "hybrid", "Workshop 1", ("WS1 8 Nov", "Workshop 1 - footprint")),
            SessionPlan("workshop-2", "workshop", THEMES["shape"], _date("2022-12-06"), "14:00",
                        120, "hybrid", "Workshop 2", ("WS2 6 Dec", "Workshop 2 - debates")),
            SessionPlan("workshop-3", "workshop", THEMES["influence"], _date("2023-01-17"), "10:00",
                        120, "hybrid", "Workshop 3", ("WS3 17 Jan", "Workshop 3 - influence")),
        ),
        cohort={"Suffolk County Council": 7, "Babergh District Council": 2, "Mid Suffolk District Council": 2,
                "Ipswich Borough Council": 3, "East Suffolk Council": 3, "West Suffolk Council": 3},
        others={"Suffolk County Council": 3, "Mid Suffolk District Council": 1, "East Suffolk Council": 2,
                "West Suffolk Council": 1, "Ipswich Borough Council": 1},
        comparison=8,
        parties={"Conservative": 0.45, "Labour": 0.22, "Liberal Democrat": 0.13, "Green": 0.12,
                 "Independent": 0.08},
        turnout=(18, 16, 13, 11),
        staff=(("officer", "Suffolk County Council", "Member Development Officer"),
               ("officer", "Suffolk County Council", "Digital Communications Officer"),
               ("other", "Suffolk County Council", "Trainer")),
        staff_attends=("all", "first", "all"),
        pre_completers=18,
        post_completers=13,
        x_share=0.6,
        facebook_pages=3,
        comparison_facebook_pages=2,
    ),
    PilotDesign(
        id="solihull",
        name="Solihull pilot",
        code="SOL",
        id_width=2,
        authorities=("Solihull Metropolitan Borough Council",),
        tier="single",
        region="West Midlands",
        geography="compact",
        sessions=(
            SessionPlan("masterclass", "masterclass", THEMES["masterclass"], _date("2024-09-17"), "18:00",
                        120, "in-person", "Master class", ("Masterclass 17/09",)),
            SessionPlan("workshop-1", "workshop", THEMES["footprint"], _date("2024-10-08"), "18:00",
                        120, "in-person", "Workshop 1", ("Workshop 1 - 8 Oct",)),
            SessionPlan("workshop-2", "workshop", THEMES["shape"], _date("2024-10-24"), "18:00",
                        120, "in-person", "Workshop 2", ("W2 24th Oct",)),
            SessionPlan("workshop-3", "workshop", THEMES["influence"], _date("2024-11-19"), "18:00",
                        120, "in-person", "Workshop 3", ("Workshop 3 (19 Nov)",)),
        ),
        cohort={"Solihull Metropolitan Borough Council": 15},
        parties={"Conservative": 0.55, "Green": 0.2, "Liberal Democrat": 0.1, "Labour": 0.1,
                 "Independent": 0.05},
        turnout=(14, 13, 11, 9),
        staff=(("officer", "Solihull Metropolitan Borough Council", "Democratic Services Officer"),),
        staff_attends=("all",),
        pre_completers=14,
        post_completers=10,
        x_share=0.65,
    ),
    PilotDesign(
        id="yorkshire-humber",
        name="Yorkshire and the Humber regional pilot",
        code="YHR",
        id_width=2,
        authorities=("Leeds City Council", "Hull City Council", "North Yorkshire Council", "Calderdale Council",
                     "Barnsley Council", "East Riding of Yorkshire Council"),
        tier="multi-authority",
        region="Yorkshire and the Humber",
        geography="wide",
        sessions=(
            SessionPlan("masterclass", "masterclass", THEMES["masterclass"], _date("2025-01-21"), "10:00",
                        150, "online", "Master class", ()),
            SessionPlan("workshop-1", "workshop", THEMES["footprint"], _date("2025-02-04"), "10:00",
                        120, "online", "Workshop 1", ()),
            SessionPlan("workshop-2", "workshop", THEMES["shape"], _date("2025-02-25"), "10:00",
                        120, "online", "Workshop 2", ()),
            SessionPlan("workshop-3", "workshop", THEMES["influence"], _date("2025-03-18"), "10:00",
                        120, "online", "Workshop 3", ()),
        ),
        cohort={"Leeds City Council": 4, "Hull City Council": 3, "North Yorkshire Council": 3,
                "Calderdale Council": 3, "Barnsley Council": 3, "East Riding of Yorkshire Council": 2},
        others={"Leeds City Council": 1, "Barnsley Council": 1, "Calderdale Council": 1},
        parties={"Labour": 0.45, "Conservative": 0.25, "Liberal Democrat": 0.15, "Green": 0.08,
                 "Independent": 0.07},
        turnout=(17, 15, 12, 10),
        staff=(("officer", "Yorkshire and Humber Councils", "Member Support Officer"),
               ("other", "Yorkshire and Humber Councils", "Trainer")),
        staff_attends=("all", "all"),
        pre_completers=16,
        post_completers=11,
        x_share=0.6,
        facebook_pages=4,
    ),
)


@dataclass
class PilotWorld:
    """Everything true about one pilot.

    Attributes
    ----------
    people
        One row per person (roster and not): ``person_key, pilot_id, roster_id, first, last,
        name, title, role, authority, party, email, x_handle, facebook_page, in_cohort,
        comparison, aliases (list), followers_at_start, baseline_skill, skill_score,
        commitment, on_roster, kind`` (roster, stranger, guest, dial-in).
    attendance
        One row per person × session they were expected at or came to: ``person_key,
        session_id, status`` (present, apologies, absent) and ``mode`` (in-person or online).
    """

    design: PilotDesign
    people: pd.DataFrame
    attendance: pd.DataFrame
    #: planted identity cases: person_key → short description
    planted: dict[str, str] = field(default_factory=dict)

    @property
    def sessions(self) -> tuple[SessionPlan, ...]:
        return self.design.sessions

    def person(self, person_key: str) -> pd.Series:
        return self.people.set_index("person_key").loc[person_key]

    def present(self, session_id: str, mode: str | None = None) -> pd.DataFrame:
        """People present at a session (optionally only those there in ``mode``), with their details."""
        rows = self.attendance[(self.attendance.session_id == session_id) & (self.attendance.status == "present")]
        if mode is not None:
            rows = rows[rows["mode"] == mode]
        return rows.merge(self.people, on="person_key", how="left")

    def sessions_attended(self) -> pd.Series:
        """person_key → number of sessions attended (0 for nobody-came)."""
        present = self.attendance[self.attendance.status == "present"]
        counts = present.groupby("person_key").size()
        return counts.reindex(self.people.person_key, fill_value=0)


def child_rng(parent: np.random.SeedSequence, *names: str) -> np.random.Generator:
    """A generator for one named part of the world (``"people"``, ``"teams", "workshop-1"``...).

    Derived from ``parent`` by spawn key, so adding or removing one part never changes the
    random numbers of another.
    """
    key = tuple(zlib.crc32(n.encode("utf-8")) for n in names)
    seq = np.random.SeedSequence(parent.entropy, spawn_key=parent.spawn_key + key)
    return np.random.default_rng(seq)


def session_bounds(session: SessionPlan) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Naive local start and end of a session."""
    start = pd.Timestamp(f"{session.date.isoformat()} {session.start}")
    return start, start + pd.Timedelta(minutes=session.minutes)


# --------------------------------------------------------------------------- people

def _roster_id(design: PilotDesign, n: int) -> str:
    return f"{design.code}-{n:0{design.id_width}d}"


def _parties(rng: np.random.Generator, design: PilotDesign, n: int) -> list[str]:
    names = list(design.parties)
    weights = np.array([design.parties[p] for p in names], dtype=float)
    if weights.sum() == n and design.id == "kirklees-2010":  # exact group sizes
        return list(rng.permutation(np.repeat(np.array(names, dtype=object), weights.astype(int))))
    counts = np.floor(weights / weights.sum() * n).astype(int)
    while counts.sum() < n:  # largest remainders
        counts[np.argmax(weights / weights.sum() * n - counts)] += 1
    return list(rng.permutation(np.repeat(np.array(names, dtype=object), counts)))


def _skills(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.choice(np.array(list(SKILLS), dtype=object), size=n, p=_SKILL_SHARES)


def build_people(design: PilotDesign, rng: np.random.Generator, planted_names: dict) -> pd.DataFrame:
    """The pilot's roster (councillors in and out of the cohort, comparison set, staff)."""
    councillor_authorities = [a for a, k in design.cohort.items() for _ in range(k)]
    other_authorities = [a for a, k in design.others.items() for _ in range(k)]
    comparison_authorities = list(rng.choice(np.array(list(design.cohort), dtype=object), size=design.comparison))
    n_cllr = len(councillor_authorities) + len(other_authorities) + len(comparison_authorities)
    n_staff = len(design.staff)
    fixed = planted_names.get("roster", [])
    names = draw_people(
        rng, n_cllr + n_staff - len(fixed),
        exclude_surnames=[f[1] for f in fixed] + planted_names.get("reserved_surnames", []),
    )
    if fixed:
        names = _place_fixed(names, fixed)
    groups = (["cohort"] * len(councillor_authorities) + ["other"] * len(other_authorities)
              + ["comparison"] * len(comparison_authorities) + ["staff"] * n_staff)
    authorities = councillor_authorities + other_authorities + comparison_authorities + [s[1] for s in design.staff]
    people = names.assign(group=groups, authority=authorities)
    people["role"] = ["councillor"] * n_cllr + [s[0] for s in design.staff]
    people["job"] = [None] * n_cllr + [s[2] for s in design.staff]
    people["party"] = _parties(rng, design, n_cllr) + [None] * n_staff
    people["in_cohort"] = people["group"] == "cohort"
    people["comparison"] = people["group"] == "comparison"
    people["baseline_skill"] = _skills(rng, len(people))
    people["skill_score"] = people["baseline_skill"].map(SKILLS).astype(float)
    people["commitment"] = rng.normal(0.0, 1.0, len(people))
    people["name"] = people["first"] + " " + people["last"]
    people["title"] = np.where(people["role"] == "councillor", "Cllr", "")
    domains = people["authority"].map(lambda a: COUNCILS.get(a, "yhcouncils.org.uk"))
    people["email"] = [email_address(f, s, d) for f, s, d in zip(people["first"], people["last"], domains)]
    people["roster_id"] = [_roster_id(design, i + 1) for i in range(len(people))]
    people["person_key"] = people["roster_id"]
    people["on_roster"] = True
    people["kind"] = "roster"
    people["aliases"] = [[] for _ in range(len(people))]
    people = _apply_planted(people, planted_names)
    people = _social_accounts(people, design, rng)
    return people.drop(columns=["group"])


def _place_fixed(names: pd.DataFrame, fixed: list) -> pd.DataFrame:
    """Put the planted people (first, last, gender, position) at their positions."""
    rows = names.to_dict("records")
    for first, last, gender, position in sorted(fixed, key=lambda f: f[3]):
        rows.insert(position, {"first": first, "last": last, "gender": gender})
    return pd.DataFrame(rows)


def _apply_planted(people: pd.DataFrame, planted: dict) -> pd.DataFrame:
    for position, changes in planted.get("changes", {}).items():
        for column, value in changes.items():
            people.at[position, column] = value
    return people


def _social_accounts(people: pd.DataFrame, design: PilotDesign, rng: np.random.Generator) -> pd.DataFrame:
    """X handles (with followers at the start of the metrics window) and Facebook pages."""
    people = people.copy()
    councillor = people["role"] == "councillor"
    skill_rank = people["baseline_skill"].map({s: i for i, s in enumerate(SKILLS)}).astype(float)
    # more skilled councillors are likelier to be on X and to share their analytics
    p_x = np.clip(design.x_share * (0.55 + 0.3 * skill_rank), 0, 0.97)
    has_x = councillor & (rng.random(len(people)) < p_x)
    has_x |= people["comparison"]  # the comparison set is chosen from councillors active on X
    for first, last, *_ in [p for planted in _PLANTED_ROSTER.values() for p in planted]:
        has_x |= people["first"].eq(first) & people["last"].eq(last)
    taken: set[str] = set()
    handles, followers = [], []
    styles = rng.integers(0, 4, len(people))
    base_followers = np.exp(rng.normal(5.6 + 0.45 * skill_rank, 0.7))
    for i, row in enumerate(people.itertuples()):  # one pass over tens of people
        if has_x.iloc[i]:
            handle = row.x_handle if isinstance(getattr(row, "x_handle", None), str) else \
                x_handle(row.first, row.last, taken, style=int(styles[i]))
            taken.add(handle)
            handles.append(handle)
            followers.append(int(round(base_followers[i])) + 20)
        else:
            handles.append(None)
            followers.append(None)
    people["x_handle"] = handles
    people["followers_at_start"] = pd.array(followers, dtype="Int64")
    people["facebook_page"] = None
    if design.facebook_pages or design.comparison_facebook_pages:
        pages = []
        for group, n in (("in_cohort", design.facebook_pages), ("comparison", design.comparison_facebook_pages)):
            pool = people.index[people[group] & councillor].to_numpy()
            pages.extend(rng.choice(pool, size=n, replace=False).tolist())
        for i in pages:
            first, last = people.at[i, "first"], people.at[i, "last"]
            if design.id == "yorkshire-humber":  # Meta Business Suite folders carry the page's user name
                page = f"{ascii_fold(first)}{ascii_fold(last)}Councillor".replace("'", "").replace("-", "")
            else:
                page = f"Councillor {first} {last}"
            people.at[i, "facebook_page"] = page
    return people


# --------------------------------------------------------------------------- attendance

def _pick(rng: np.random.Generator, candidates: pd.Index, n: int, logits: np.ndarray) -> list:
    """``n`` of ``candidates`` without replacement, likelier with larger ``logits`` (Gumbel top-k)."""
    if n > len(candidates):
        raise ValueError(f"cannot pick {n} of {len(candidates)}")
    scores = logits + rng.gumbel(size=len(candidates))
    order = np.argsort(-scores, kind="stable")[:n]
    return [candidates[i] for i in order]


def build_attendance(design: PilotDesign, people: pd.DataFrame, rng: np.random.Generator,
                     forced: dict | None = None) -> pd.DataFrame:
    """Who came to each session: cohort turnout as designed (falling across workshops),
    apologies from some of those absent, staff as designed, and the mode (in person or
    online) for hybrid sessions.

    ``forced`` maps person_key → {session_id: mode} for planted cases that must be present.
    """
    forced = forced or {}
    rows = []
    cohort = people[people["in_cohort"]]
    staff = people[people["role"] != "councillor"]
    online_pref = rng.beta(2.0, 3.0, len(people))  # each person's liking for joining online
    for k, session in enumerate(design.sessions):
        if design.id == "kirklees-2010":
            chosen = []
            per_party = {"Labour": 7, "Conservative": 4, "Liberal Democrat": 4, "Green": 2}
            for party, n in per_party.items():
                pool = cohort.index[cohort["party"] == party]
                chosen += _pick(rng, pool, n, np.zeros(len(pool)))
        else:
            must = [people.index[people.person_key == key][0] for key, s in forced.items() if session.id in s]
            pool = cohort.index.difference(must)
            weight = 0.6 + 0.5 * k
            logits = weight * cohort.loc[pool, "commitment"].to_numpy()
            chosen = must + _pick(rng, pool, design.turnout[k] - len(must), logits)
        absent = cohort.index.difference(chosen)
        sends_apologies = rng.random(len(absent)) < (0.06 if design.id == "kirklees-2010" else 0.45)
        for i in chosen:
            rows.append((i, session.id, "present"))
        for i, apol in zip(absent, sends_apologies):
            rows.append((i, session.id, "apologies" if apol else "absent"))
        for j, (i, how) in enumerate(zip(staff.index, design.staff_attends)):
            if how == "all" or (how == "first" and k == 0):
                rows.append((i, session.id, "present"))
        if design.id == "kirklees-2010":
            for i in _pick(rng, staff.index, 8, np.zeros(len(staff))):
                rows.append((i, session.id, "present"))
    frame = pd.DataFrame(rows, columns=["index", "session_id", "status"])
    frame["person_key"] = people.loc[frame["index"], "person_key"].to_numpy()
    modes = {s.id: s.mode for s in design.sessions}
    online = rng.random(len(frame)) < online_pref[frame["index"].to_numpy()]
    frame["mode"] = [
        None if status != "present" else ("online" if modes[sid] == "online" else
                                          "in-person" if modes[sid] == "in-person" else
                                          ("online" if o else "in-person"))
        for sid, status, o in zip(frame["session_id"], frame["status"], online)
    ]
    if any(modes[s] == "hybrid" for s in modes):
        # the officer who runs the meeting and the trainer are in the Teams meeting too
        hosts = set(staff.index[staff["job"].isin(["Member Development Officer", "Trainer"])])
        hybrid_host = frame["index"].isin(hosts) & (frame["status"] == "present")
        frame.loc[hybrid_host, "mode"] = "online"
    for key, sessions in forced.items():
        for sid, mode in sessions.items():
            frame.loc[(frame.person_key == key) & (frame.session_id == sid), "mode"] = mode
    return frame[["person_key", "session_id", "status", "mode"]].reset_index(drop=True)


# --------------------------------------------------------------------------- planted cases

#: people planted in each pilot: (first, last, gender, roster position)
_PLANTED_ROSTER = {
    "suffolk": [("Jane", "Smith", "female", 0), ("John", "Smith", "male", 28)],
    "solihull": [("Siân", "Davies-Jones", "female", 3)],
    "yorkshire-humber": [("Priya", "Sharma", "female", 5)],
}

#: extra people who are not on the roster
_EXTRAS = {
    "suffolk": [("stranger-1", "stranger", "Peter", "Walsh", "councillor", "West Suffolk Council"),
                ("guest-1", "guest", "Amira", "Khan", "other", None)],
    "solihull": [("stranger-1", "stranger", "Ravinder", "Gill", "councillor", "Birmingham City Council")],
    "yorkshire-humber": [("guest-1", "guest", "Tom", "Ridley", "other", None),
                         ("dial-in-1", "dial-in", None, None, "other", None)],
}


def _planted_names(design: PilotDesign) -> dict:
    extras = _EXTRAS.get(design.id, [])
    return {
        "roster": _PLANTED_ROSTER.get(design.id, []),
        "reserved_surnames": [e[3] for e in extras if e[3]] + ["Smith", "Sharma", "Davies-Jones"],
    }


def _plant(design: PilotDesign, people: pd.DataFrame) -> tuple[pd.DataFrame, dict, dict]:
    """Fix the planted people's groups, aliases and handles; add people not on the roster."""
    people = people.copy()
    planted: dict[str, str] = {}
    forced: dict[str, dict] = {}

    def find(first, last):
        return people.index[(people["first"] == first) & (people["last"] == last)][0]

    if design.id == "suffolk":
        jane, john = find("Jane", "Smith"), find("John", "Smith")
        people.loc[jane, ["authority", "in_cohort", "comparison", "party"]] = [
            "Suffolk County Council", True, False, "Labour"]
        people.at[jane, "email"] = "jane.smith@suffolk.gov.uk"
        # a twin-hatter: she is also a district councillor, and joins Teams from that account
        people.at[jane, "aliases"] = ["jane.smith@eastsuffolk.gov.uk"]
        people.at[jane, "x_handle"] = "CllrJaneSmith"
        people.loc[john, ["authority", "in_cohort", "comparison", "party"]] = [
            "Mid Suffolk District Council", False, True, "Conservative"]
        people.at[john, "email"] = "john.smith@baberghmidsuffolk.gov.uk"
        people.at[john, "x_handle"] = "CllrJohnSmith"
        planted[people.at[jane, "person_key"]] = (
            "Jane Smith: 'Cllr J. Smith' on the sign-in sheet is ambiguous with John Smith; "
            "'Smith, Jane (External)' in Teams with her district email (a roster alias); "
            "her county email in Microsoft Forms; @CllrJaneSmith on X")
        planted[people.at[john, "person_key"]] = "John Smith: shares initial and surname with Jane Smith"
        forced[people.at[jane, "person_key"]] = {"masterclass": "in-person", "workshop-1": "online",
                                                 "workshop-2": "in-person", "workshop-3": "online"}
    elif design.id == "solihull":
        sian = find("Siân", "Davies-Jones")
        people.loc[sian, ["in_cohort", "party"]] = [True, "Green"]
        people.at[sian, "aliases"] = ["siandj.green@gmail.com"]
        people.at[sian, "x_handle"] = "SianDJGreen"
        planted[people.at[sian, "person_key"]] = (
            "Siân Davies-Jones: 'Cllr S. Davies-Jones' on the register, her council email in the "
            "pre survey and her personal email (a roster alias) in the post survey; @SianDJGreen on X")
        forced[people.at[sian, "person_key"]] = {"masterclass": "in-person", "workshop-1": "in-person",
                                                 "workshop-3": "in-person"}
    elif design.id == "yorkshire-humber":
        priya = find("Priya", "Sharma")
        people.loc[priya, ["authority", "in_cohort", "party"]] = ["Leeds City Council", True, "Labour"]
        people.at[priya, "email"] = "priya.sharma@leeds.gov.uk"
        people.at[priya, "aliases"] = ["priyasharma73@gmail.com", "Cllr P Sharma"]
        people.at[priya, "x_handle"] = "CllrPriyaSharma"
        planted[people.at[priya, "person_key"]] = (
            "Priya Sharma: 'Priya Sharma (Priya's iPhone)' in Zoom, 'Cllr P Sharma' with a personal "
            "email (roster aliases) at a later workshop, her council email in SurveyMonkey; "
            "@CllrPriyaSharma on X")
        forced[people.at[priya, "person_key"]] = {"masterclass": "online", "workshop-1": "online",
                                                  "workshop-2": "online"}

    extras = []
    for key, kind, first, last, role, authority in _EXTRAS.get(design.id, []):
        name = f"{first} {last}" if first else None
        email = None
        if kind == "stranger":
            email = email_address(first, last, COUNCILS.get(authority, "birmingham.gov.uk"))
        elif kind == "guest" and design.id == "suffolk":
            email = "amira@khancommunications.co.uk"
        extras.append({
            "person_key": key, "roster_id": None, "first": first, "last": last, "gender": None,
            "name": name, "title": "Cllr" if role == "councillor" else "", "role": role,
            "authority": authority, "party": None, "email": email, "x_handle": None,
            "facebook_page": None, "in_cohort": False, "comparison": False, "aliases": [],
            "followers_at_start": None, "baseline_skill": None, "skill_score": np.nan,
            "commitment": 0.0, "on_roster": False, "kind": kind, "job": None,
        })
        planted[key] = {
            "stranger": f"{name}: a councillor who is not on the roster turns up",
            "guest": f"{name}: a guest speaker, not on the roster",
            "dial-in": "a caller who dialled in by phone (the name is the phone number)",
        }[kind]
    if extras:
        people = pd.concat([people, pd.DataFrame(extras)], ignore_index=True)
    people["followers_at_start"] = people["followers_at_start"].astype("Int64")
    return people, planted, forced


def _extra_attendance(design: PilotDesign) -> list[tuple[str, str, str, str]]:
    """(person_key, session_id, status, mode) for the people not on the roster."""
    return {
        "suffolk": [("stranger-1", "workshop-1", "present", "online"),
                    ("guest-1", "workshop-2", "present", "online")],
        "solihull": [("stranger-1", "workshop-1", "present", "in-person")],
        "yorkshire-humber": [("guest-1", "workshop-1", "present", "online"),
                             ("dial-in-1", "workshop-2", "present", "online")],
    }.get(design.id, [])


def build_pilot(design: PilotDesign, rng: np.random.Generator) -> PilotWorld:
    """People and attendance of one pilot, drawn from ``rng``."""
    people = build_people(design, rng, _planted_names(design))
    people, planted, forced = _plant(design, people)
    return finish_pilot(design, people, planted, forced, _extra_attendance(design), rng)


def finish_pilot(design: PilotDesign, people: pd.DataFrame, planted: dict[str, str], forced: dict,
                 extra: list[tuple[str, str, str, str]], rng: np.random.Generator) -> PilotWorld:
    """The world of a pilot whose people are drawn and planted: attendance and behaviour.

    ``forced`` maps person_key → {session_id: mode} for people who must be present (see
    :func:`build_attendance`); ``extra`` lists ``(person_key, session_id, status, mode)``
    for people not on the roster. Used by :func:`build_pilot` and by the roll-out generator.
    """
    people = people.copy()
    people.insert(1, "pilot_id", design.id)
    attendance = build_attendance(design, people, rng, forced)
    extra = pd.DataFrame(extra, columns=["person_key", "session_id", "status", "mode"])
    attendance = pd.concat([attendance, extra], ignore_index=True) if len(extra) else attendance
    world = PilotWorld(design, people.reset_index(drop=True), attendance, planted)
    world.people = _behaviour(world, rng)
    return world


def _behaviour(world: PilotWorld, rng: np.random.Generator) -> pd.DataFrame:
    """Posting rate and reply share before the programme and after it (``*_after``)."""
    people = world.people.copy()
    councillor = (people["role"] == "councillor") & people["on_roster"]
    skill = people["baseline_skill"].fillna("beginner")
    rate = skill.map(ACTIVITY["posts_per_week"]).astype(float) * np.exp(rng.normal(0, 0.4, len(people)))
    share = skill.map(ACTIVITY["reply_share"]).astype(float) + rng.normal(0, 0.03, len(people))
    rate = rate.where(councillor, 0.0)
    share = share.clip(0.0, ACTIVITY["reply_share_cap"]).where(councillor, 0.0)
    attended = world.sessions_attended().to_numpy()
    people["sessions_attended"] = attended
    people["posts_per_week"] = rate
    people["reply_share"] = share
    people["posts_per_week_after"] = rate + ACTIVITY["posts_per_week_per_session"] * attended * councillor
    people["reply_share_after"] = np.minimum(
        share + ACTIVITY["reply_share_per_session"] * attended * councillor, ACTIVITY["reply_share_cap"])
    return people
