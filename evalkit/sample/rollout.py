"""Write a national roll-out: ``evalkit sample OUT --areas N --seed S``.

The bundled sample (:mod:`evalkit.sample.generate`) has four hand-designed pilots. A national
roll-out has hundreds of areas, thousands of delegates, years of daily metrics and millions of
posts. :func:`generate_rollout` builds such a programme with the same realism — raw files in
the real export formats, the same identity traps, the same effects — one area at a time, so
that writing 300 areas never holds more than one area in memory.

Area ``k`` (``area-001-newcastle``, ``area-002-manchester`` ...) is one pilot centred on a real
English council, cycled region by region; every third area is a multi-authority pilot with two
neighbouring councils. Each has about 20 cohort councillors and about 10 comparison
councillors, a master class and three themed workshops, and two years (``years``) of daily
metrics per account. The export formats rotate across areas so that every reader family is
exercised in each block of four areas (1-4, 5-8, ...), in a different combination from block to
block:

* attendance: Microsoft Teams (reports in both layouts and the legacy attendance list), a
  typed-up register workbook, Zoom (both report variants) with an Eventbrite invitation list,
  or hybrid sessions (Teams for those online, a register CSV for those in the room);
* surveys: Microsoft Forms, Google Forms, SurveyMonkey, or typed-up paper feedback sheets
  (with Microsoft Forms pre and post surveys);
* metrics: X classic per-post and daily exports with Facebook Page Insights, X Premium, X
  Premium with Meta Business Suite, or X Premium with Facebook Page Insights.

Every random choice of area ``k`` comes from its own ``SeedSequence`` child (spawned from the
seed under a roll-out namespace), so area ``k`` is the same whatever ``areas`` is. The truth
is written per area as hive-partitioned Parquet datasets,
``truth/<table>/pilot_id=<area>/part.parquet`` (read them with :func:`read_truth`).

>>> plan = area_plan(1)
>>> plan.id, plan.council, plan.region
('area-001-newcastle', 'Newcastle City Council', 'North East')
>>> plan.attendance, plan.surveys, plan.metrics
('teams', 'ms_forms', 'x-classic+facebook')
>>> [area_plan(k).tier for k in (1, 2, 3)]
['single', 'single', 'multi-authority']
"""

from __future__ import annotations

import datetime as dt
import re
import sys
import time
import zlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import yaml

from ..programme import load_programme
from .generate import (
    TIMEZONE,
    TRUTH_TABLES,
    Manifest,
    _PilotWriter,
    _Writers,
    _effects,
    _identities,
    _mark,
    _organisation,
    _prepare,
    _printed_name,
    _quarters,
    _signed_name,
    _teams_segments,
    _zoom_segments,
    _write_programme,
)
from .activity import metrics_window
from .people import (_FEMALE_SURNAMES, _MALE_SURNAMES, ENGLISH_COUNCILS, FIRST_NAMES, SURNAMES, ascii_fold,
                     email_address)
from .surveys import build_surveys
from .world import THEMES, PilotDesign, PilotWorld, SessionPlan, build_people, child_rng, finish_pilot

__all__ = ["AREA_FAMILIES", "AreaPlan", "RolloutManifest", "TRUTH_SCHEMAS", "area_plan", "generate_rollout",
           "read_truth"]

#: the week the first area's master class falls in (a Tuesday); areas start week by week
ROLLOUT_START = dt.date(2023, 9, 5)
#: areas start in this many consecutive weeks, then the cycle begins again
ROLLOUT_WEEKS = 78

#: the export families rotated across areas (see the module docstring)
AREA_FAMILIES = {
    "attendance": ("teams", "register", "zoom", "hybrid"),
    "surveys": ("ms_forms", "google", "surveymonkey", "paper"),
    "metrics": ("x-classic+facebook", "x-premium", "x-premium+meta", "x-premium+facebook"),
}
_MODES = {"teams": "online", "register": "in-person", "zoom": "online", "hybrid": "hybrid"}
#: survey family → (tool of the pre and post surveys, tool of the session feedback)
_SURVEY_TOOLS = {"ms_forms": ("ms_forms", "ms_forms"), "google": ("google", "google"),
                 "surveymonkey": ("surveymonkey", "surveymonkey"), "paper": ("ms_forms", "paper")}
_PARTIES = {"Labour": 0.38, "Conservative": 0.30, "Liberal Democrat": 0.15, "Green": 0.10, "Independent": 0.07}
_PERSONAL_DOMAINS = ("gmail.com", "outlook.com", "btinternet.com", "hotmail.co.uk")
_GUEST_ORGANISATIONS = ("Digital Democracy Trust", "Civic Media Lab", "Councillors Online CIC")  # fictional


# --------------------------------------------------------------------------- truth schemas

_TS = pa.timestamp("us", tz=TIMEZONE)
_S, _F, _I, _B, _D = pa.string(), pa.float64(), pa.int64(), pa.bool_(), pa.date32()


def _schema(*fields: tuple[str, pa.DataType]) -> pa.Schema:
    return pa.schema(list(fields))


#: every truth table's columns and types, the same in every area's part (``pilot_id`` is the
#: partition key, not a column of the parts). A writer whose expected rows carry a column not
#: listed here is an error: add the column here.
TRUTH_SCHEMAS: dict[str, pa.Schema] = {
    "attendance": _schema(
        ("source_file", _S), ("source_row", _I), ("session_id", _S), ("source_name", _S), ("source_email", _S),
        ("status", _S), ("joined_at", _TS), ("left_at", _TS), ("minutes_present", _F), ("source", _S),
        ("person_key", _S), ("source_organisation", _S), ("source_role", _S), ("role", _S), ("upn", _S),
        ("source_original_name", _S), ("guest", _B), ("dial_in", _B), ("registered", _B), ("attendee_status", _S),
        ("ordered_at", _TS)),
    "responses": _schema(
        ("source_file", _S), ("source_row", _I), ("respondent_id", _S), ("source_name", _S), ("source_email", _S),
        ("wave", _S), ("session_id", _S), ("item_id", _S), ("question", _S), ("value", _F), ("label", _S),
        ("scale", _S), ("submitted_at", _TS), ("person_key", _S)),
    "comments": _schema(
        ("source_file", _S), ("source_row", _I), ("respondent_id", _S), ("source_name", _S), ("source_email", _S),
        ("wave", _S), ("session_id", _S), ("item_id", _S), ("question", _S), ("text", _S), ("submitted_at", _TS),
        ("person_key", _S)),
    "metrics": _schema(
        ("source_file", _S), ("source_row", _I), ("platform", _S), ("account", _S), ("date", _D), ("metric", _S),
        ("value", _F), ("person_key", _S)),
    "posts": _schema(
        ("source_file", _S), ("source_row", _I), ("platform", _S), ("account", _S), ("post_id", _S),
        ("timestamp", _TS), ("text", _S), ("is_reply", _B), ("impressions", _F), ("engagements", _F), ("likes", _F),
        ("reposts", _F), ("replies", _F), ("url", _S), ("engagement_rate", _F), ("profile_visits", _F),
        ("link_clicks", _F), ("hashtag_clicks", _F), ("detail_expands", _F), ("permalink_clicks", _F),
        ("app_opens", _F), ("app_installs", _F), ("new_follows", _F), ("email_tweet", _F), ("dial_phone", _F),
        ("media_views", _F), ("media_engagements", _F), ("person_key", _S), ("bookmarks", _F), ("shares", _F),
        ("date_only", _B)),
    "row_fates": _schema(("source_file", _S), ("source_row", _I), ("fate", _S), ("table", _S), ("reason", _S)),
    "files": _schema(("source_file", _S), ("format", _S), ("quirks", _S)),
    "people": _schema(
        ("person_key", _S), ("roster_id", _S), ("name", _S), ("role", _S), ("authority", _S), ("party", _S),
        ("kind", _S), ("in_cohort", _B), ("comparison", _B), ("baseline_skill", _S), ("sessions_attended", _I),
        ("completed_post", _B), ("posts_per_week_before", _F), ("posts_per_week_after", _F),
        ("reply_share_before", _F), ("reply_share_after", _F), ("x_handle", _S), ("facebook_page", _S)),
    "confidence": _schema(
        ("person_key", _S), ("item_id", _S), ("latent_pre", _F), ("latent_post", _F), ("latent_then", _F),
        ("pre", _F), ("post", _F), ("then", _F)),
    "followers": _schema(("person_key", _S), ("date", _D), ("followers", _I), ("platform", _S), ("account", _S)),
    "identities": _schema(
        ("source_table", _S), ("source_name", _S), ("source_email", _S), ("source_handle", _S), ("person_key", _S),
        ("expected", _S), ("case", _S)),
}


def _arrow(frame: pd.DataFrame, table: str) -> pa.Table:
    """``frame`` as an Arrow table of ``table``'s truth schema (missing columns are null)."""
    schema = TRUTH_SCHEMAS[table]
    unknown = [c for c in frame.columns if c not in schema.names and c not in ("pilot_id", "participant_id")]
    if unknown:
        raise ValueError(f"truth table {table!r} has no column(s) {', '.join(unknown)}: add them to "
                         "evalkit.sample.rollout.TRUTH_SCHEMAS")
    columns = {}
    for field in schema:  # NaN and None are null (pandas semantics)
        columns[field.name] = (pa.Array.from_pandas(frame[field.name], type=field.type) if field.name in frame.columns
                               else pa.nulls(len(frame), field.type))
    return pa.Table.from_pydict(columns, schema=schema)


# --------------------------------------------------------------------------- reading the truth

def read_truth(out: Path | str, table: str, *, pilots: Sequence[str] | None = None,
               columns: Sequence[str] | None = None) -> pd.DataFrame:
    """One truth table of a roll-out (``truth/<table>/pilot_id=<area>/``), ``pilot_id`` first.

    Parameters
    ----------
    out
        The roll-out's programme folder.
    table
        ``attendance``, ``responses``, ``comments``, ``metrics``, ``posts``, ``row_fates``,
        ``files``, ``people``, ``confidence``, ``followers`` or ``identities``.
    pilots
        Read only these areas (the others are not opened).
    columns
        Read only these columns (``pilot_id`` is always added).
    """
    if table not in TRUTH_SCHEMAS:
        raise ValueError(f"no truth table {table!r}; tables are: {', '.join(TRUTH_SCHEMAS)}")
    folder = Path(out) / "truth" / table
    partitioning = ds.partitioning(pa.schema([("pilot_id", pa.string())]), flavor="hive")
    schema = TRUTH_SCHEMAS[table].append(pa.field("pilot_id", pa.string()))
    dataset = ds.dataset(folder, format="parquet", partitioning=partitioning, schema=schema)
    wanted = None if columns is None else [c for c in columns if c != "pilot_id"] + ["pilot_id"]
    found = dataset.to_table(columns=wanted, filter=None if pilots is None else ds.field("pilot_id").isin(list(pilots)))
    frame = found.to_pandas()
    return frame[["pilot_id", *[c for c in frame.columns if c != "pilot_id"]]]


# --------------------------------------------------------------------------- area plans

@dataclass(frozen=True)
class AreaPlan:
    """The fixed facts of area ``number``: its council, region and export formats."""

    number: int
    id: str
    council: str
    short: str
    domain: str
    region: str
    authorities: tuple[str, ...]
    attendance: str
    surveys: str
    metrics: str

    @property
    def tier(self) -> str:
        return "single" if len(self.authorities) == 1 else "multi-authority"


def _council_cycle() -> list[tuple[str, str, str, str]]:
    """Every council once, taking one region after another: (council, short, domain, region)."""
    regions = list(ENGLISH_COUNCILS.items())
    out = []
    for position in range(max(len(c) for _, c in regions)):
        for region, councils in regions:
            if position < len(councils):
                out.append((*councils[position], region))
    return out


_CYCLE = _council_cycle()


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", ascii_fold(text).lower().replace("&", " and ")).strip("-")


def area_plan(number: int) -> AreaPlan:
    """Area ``number`` (1-based): its council (cycled region by region through real English
    councils), the neighbours of a multi-authority area, and its export families."""
    if number < 1:
        raise ValueError("areas are numbered from 1")
    i = number - 1
    council, short, domain, region = _CYCLE[i % len(_CYCLE)]
    authorities = (council,)
    if i % 3 == 2:  # a multi-authority pilot: the next two councils of the region join
        neighbours = [c for c, _, _ in ENGLISH_COUNCILS[region]]
        at = neighbours.index(council)
        authorities = (council, neighbours[(at + 1) % len(neighbours)], neighbours[(at + 2) % len(neighbours)])
    families = AREA_FAMILIES
    return AreaPlan(
        number=number, id=f"area-{number:03d}-{_slug(short)}", council=council, short=short, domain=domain,
        region=region, authorities=authorities,
        attendance=families["attendance"][i % 4],
        surveys=families["surveys"][(i + i // 4) % 4],
        metrics=families["metrics"][(i + i // 4 + i // 16) % 4],  # every combination within 64 areas
    )


def _neighbour(plan: AreaPlan) -> tuple[str, str]:
    """A council of the region outside the pilot (where the councillor not on the roster sits)."""
    councils = [(c, d) for c, _, d in ENGLISH_COUNCILS[plan.region] if c not in plan.authorities]
    return councils[plan.number % len(councils)]


def _metric_weeks(years: float, span_days: int) -> int:
    """Weeks of metrics either side of the programme so that the window lasts about ``years``."""
    return max(1, int(round((years * 365.25 - span_days) / 14)))


def area_design(plan: AreaPlan, rng: np.random.Generator, years: float) -> PilotDesign:
    """The design of one area: cohort, comparison set, sessions, turnout, surveys and accounts."""
    n = int(rng.integers(16, 25))
    comparison = int(rng.integers(8, 13))
    others = int(rng.integers(1, 5))
    shares = np.array([1.0] if len(plan.authorities) == 1 else [0.5, 0.25, 0.25])
    counts = np.floor(shares * n).astype(int)
    counts[0] += n - counts.sum()
    cohort = dict(zip(plan.authorities, counts.tolist()))

    mode = _MODES[plan.attendance]
    week = ROLLOUT_START + dt.timedelta(weeks=(plan.number - 1) % ROLLOUT_WEEKS)
    gaps = [0, int(rng.integers(2, 5)), int(rng.integers(3, 6)), int(rng.integers(3, 7))]
    start = str(rng.choice(["10:00", "14:00", "18:00"]))
    sessions = []
    for k, (sid, kind, theme) in enumerate((("masterclass", "masterclass", THEMES["masterclass"]),
                                            ("workshop-1", "workshop", THEMES["footprint"]),
                                            ("workshop-2", "workshop", THEMES["shape"]),
                                            ("workshop-3", "workshop", THEMES["influence"]))):
        week = week + dt.timedelta(weeks=gaps[k])
        day = week + dt.timedelta(days=int(rng.integers(0, 3)))  # Tuesday to Thursday
        label = "Master class" if kind == "masterclass" else f"Workshop {k}"
        aliases: tuple[str, ...] = ()
        if plan.attendance in ("register", "hybrid"):  # how the sign-in sheets head the session
            aliases = (f"Masterclass {day.day} {day:%b}" if k == 0 else f"WS{k} {day.day} {day:%b}",)
        sessions.append(SessionPlan(sid, kind, theme, day, start, 150 if k == 0 else 120, mode, label, aliases))

    turnout = [int(round(n * rng.uniform(0.85, 0.95)))]
    for _ in range(3):  # attendance falls across the workshops
        turnout.append(max(3, min(turnout[-1] - 1, int(round(turnout[-1] * rng.uniform(0.78, 0.92))))))
    weights = rng.dirichlet(np.array(list(_PARTIES.values())) * 40)
    facebook = "facebook" in plan.metrics or "meta" in plan.metrics
    span = (sessions[-1].date - sessions[0].date).days
    return PilotDesign(
        id=plan.id,
        name=f"{plan.short} ({plan.region})" if plan.tier == "single" else f"{plan.short} and neighbours ({plan.region})",
        code=f"A{plan.number:03d}", id_width=2, authorities=plan.authorities, tier=plan.tier, region=plan.region,
        geography="compact" if plan.tier == "single" else "wide", sessions=tuple(sessions), cohort=cohort,
        parties=dict(zip(_PARTIES, weights.tolist())), turnout=tuple(turnout), others={plan.council: others},
        comparison=comparison,
        staff=(("officer", plan.council, "Member Development Officer"), ("other", plan.council, "Trainer"),
               ("officer", plan.council, "Democratic Services Officer")),
        staff_attends=("all", "all", "first"),
        pre_completers=int(round(n * rng.uniform(0.8, 0.95))),
        post_completers=int(round(n * rng.uniform(0.5, 0.7))),
        x_share=float(rng.uniform(0.5, 0.7)),
        facebook_pages=int(rng.integers(2, 5)) if facebook else 0,
        comparison_facebook_pages=2 if facebook else 0,
        metric_weeks=_metric_weeks(years, span),
    )


# --------------------------------------------------------------------------- the area's people

@dataclass
class _Planted:
    """The identity cases planted in one area (person keys and the names written for them)."""

    twin: str  # cohort councillor whose initial + surname fits a comparison councillor too
    twin_other: str
    twin_name: str  # "Cllr S. Patel": how registers, Zoom and paper sheets write the twin
    alias: str  # cohort councillor who also uses a personal email (a roster alias)
    alias_email: str
    dial_in: str  # the Zoom caller's number


def _twin_names(rng: np.random.Generator) -> tuple[tuple[str, str], tuple[str, str]]:
    """Two first names (with genders) that share their first letter."""
    pool = [(name, gender) for gender, names in FIRST_NAMES.items() for name in names]
    initials = sorted({ascii_fold(n)[0] for n, _ in pool})
    while True:  # nearly every initial has two names; draw again for one that has not
        letter = initials[int(rng.integers(len(initials)))]
        fitting = [p for p in pool if ascii_fold(p[0])[0] == letter]
        if len(fitting) >= 2:
            a, b = rng.choice(len(fitting), size=2, replace=False)
            return fitting[int(a)], fitting[int(b)]


def build_area(plan: AreaPlan, design: PilotDesign, rng: np.random.Generator) -> tuple[PilotWorld, _Planted]:
    """People, attendance and behaviour of one area, with its planted identity cases:
    two roster councillors who share initial and surname (one in the cohort, one in the
    comparison set), a cohort member who also uses a personal email, a councillor not on the
    roster, a guest speaker and, in Zoom areas, a caller who dials in."""
    reserved = ["Smith", "Sharma", "Davies-Jones"]
    surnames = [s for s in SURNAMES if s not in reserved + _FEMALE_SURNAMES + _MALE_SURNAMES]  # fit any first name
    twin_last, stranger_last, guest_last = rng.choice(np.array(surnames, dtype=object), size=3, replace=False)
    (first_a, gender_a), (first_b, gender_b) = _twin_names(rng)
    n_cohort, n_others = sum(design.cohort.values()), sum(design.others.values())
    at_a = int(rng.integers(0, n_cohort))
    at_b = n_cohort + n_others + int(rng.integers(0, design.comparison))
    people = build_people(design, rng, {
        "roster": [(first_a, twin_last, gender_a, at_a), (first_b, twin_last, gender_b, at_b)],
        "reserved_surnames": [twin_last, stranger_last, guest_last, *reserved],
    })
    twin, twin_other = people.at[at_a, "person_key"], people.at[at_b, "person_key"]
    twin_name = f"Cllr {ascii_fold(first_a)[0]}. {twin_last}"

    cohort = people.index[people["in_cohort"] & (people.index != at_a)]
    at_alias = int(cohort[int(rng.integers(len(cohort)))])
    alias = people.at[at_alias, "person_key"]
    first, last = people.at[at_alias, "first"], people.at[at_alias, "last"]
    domain = _PERSONAL_DOMAINS[int(rng.integers(len(_PERSONAL_DOMAINS)))]
    alias_email = email_address(first, last, domain).replace(".", "", 1).replace("@", f"{int(rng.integers(10, 99))}@")
    people.at[at_alias, "aliases"] = [alias_email]

    stranger_first = FIRST_NAMES["male"][int(rng.integers(len(FIRST_NAMES["male"])))]
    guest_first = FIRST_NAMES["female"][int(rng.integers(len(FIRST_NAMES["female"])))]
    organisation = _GUEST_ORGANISATIONS[int(rng.integers(len(_GUEST_ORGANISATIONS)))]
    neighbour, neighbour_domain = _neighbour(plan)
    dial_in = f"+44 7700 900{int(rng.integers(0, 1000)):03d}"
    twin_row, other_row = people.loc[at_a], people.loc[at_b]
    planted = {
        twin: (f"{twin_row['name']}: '{twin_name}' is ambiguous with {other_row['name']} (comparison set) "
               "wherever it is written without an email"),
        twin_other: f"{other_row['name']}: shares initial and surname with {twin_row['name']}",
        alias: f"{first} {last}: also uses a personal email ({alias_email}, a roster alias)",
        "stranger-1": f"{stranger_first} {stranger_last}: a councillor of {neighbour} who is not on the roster turns up",
        "guest-1": f"{guest_first} {guest_last}: a guest speaker ({organisation}), not on the roster",
    }
    extras = [
        _extra("stranger-1", "stranger", stranger_first, stranger_last, "councillor", neighbour,
               email_address(stranger_first, stranger_last, neighbour_domain)),
        _extra("guest-1", "guest", guest_first, guest_last, "other", None, None, job=organisation),
    ]
    mode = _MODES[plan.attendance]
    online = "online" if mode != "in-person" else "in-person"
    extra = [("stranger-1", "workshop-1", "present", online), ("guest-1", "workshop-2", "present", online)]
    if plan.attendance == "zoom":
        planted["dial-in-1"] = "a caller who dialled in by phone (the name is the phone number)"
        extras.append(_extra("dial-in-1", "dial-in", None, None, "other", None, None))
        extra.append(("dial-in-1", "workshop-3", "present", "online"))
    people = pd.concat([people, pd.DataFrame(extras)], ignore_index=True)
    people["followers_at_start"] = people["followers_at_start"].astype("Int64")
    # the twin comes to the first workshop in person (hybrid: signs the paper sheet) or online;
    # the member with a personal email joins the second workshop online where the area meets online
    forced = {twin: {"workshop-1": "in-person" if mode == "hybrid" else mode},
              alias: {"workshop-2": "online" if mode == "hybrid" else mode}}
    world = finish_pilot(design, people, planted, forced, extra, rng)
    return world, _Planted(twin, twin_other, twin_name, alias, alias_email, dial_in)


def _extra(key: str, kind: str, first, last, role: str, authority, email, job=None) -> dict:
    """A person who is not on the roster (the columns of :func:`~evalkit.sample.world.build_people`)."""
    return {
        "person_key": key, "roster_id": None, "first": first, "last": last, "gender": None,
        "name": f"{first} {last}" if first else None, "title": "Cllr" if role == "councillor" else "",
        "role": role, "authority": authority, "party": None, "email": email, "x_handle": None,
        "facebook_page": None, "in_cohort": False, "comparison": False, "aliases": [],
        "followers_at_start": None, "baseline_skill": None, "skill_score": np.nan, "commitment": 0.0,
        "on_roster": False, "kind": kind, "job": job,
    }


# --------------------------------------------------------------------------- streaming truth

class _Part:
    """One area's part of one truth table, written in row groups as rows arrive (at most
    ``ROW_GROUP`` rows wait in memory)."""

    ROW_GROUP = 100_000

    def __init__(self, path: Path, table: str):
        self.path, self.table = path, table
        self.pending: list[pd.DataFrame] = []
        self.waiting = 0
        self.writer: pq.ParquetWriter | None = None
        self.rows = 0

    def add(self, frame: pd.DataFrame) -> None:
        if not len(frame):
            return
        self.pending.append(frame)
        self.waiting += len(frame)
        self.rows += len(frame)
        if self.waiting >= self.ROW_GROUP:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        if self.writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.writer = pq.ParquetWriter(self.path, TRUTH_SCHEMAS[self.table])
        frames = [f.reset_index(drop=True) for f in self.pending]
        self.writer.write_table(_arrow(frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True),
                                       self.table))
        self.pending, self.waiting = [], 0

    def close(self) -> None:
        self.flush()
        if self.writer is None:  # an empty part still says which columns the table has
            self.path.parent.mkdir(parents=True, exist_ok=True)
            pq.write_table(TRUTH_SCHEMAS[self.table].empty_table(), self.path)
        else:
            self.writer.close()


class _AreaTruth:
    """Takes every writer's :class:`~evalkit.sample.formats.Written` of one area as it comes
    (the interface of the sample's collector) and streams it to the area's truth parts."""

    #: identity rows kept before dropping duplicates
    IDENTITY_BATCH = 200_000

    def __init__(self, out: Path, pilot_id: str, truth: bool):
        self.pilot_id = pilot_id
        self.truth = truth
        self.parts: dict[str, _Part] = {}
        self.folder = out / "truth"
        self.identities: dict[str, list[pd.DataFrame]] = {name: [] for name in TRUTH_TABLES}
        self.waiting = dict.fromkeys(TRUTH_TABLES, 0)
        self.files: list[tuple[str, str, str]] = []
        self.formats: dict[str, int] = {}

    def part(self, table: str) -> _Part:
        if table not in self.parts:
            self.parts[table] = _Part(self.folder / table / f"pilot_id={self.pilot_id}" / "part.parquet", table)
        return self.parts[table]

    def add(self, pilot_id: str, written) -> None:
        if isinstance(written, list):
            for w in written:
                self.add(pilot_id, w)
            return
        self.formats[written.format] = self.formats.get(written.format, 0) + 1
        self.files.append((written.source_file, written.format, "; ".join(written.quirks)))
        if not self.truth:
            return
        for name, table in written.tables.items():
            if name not in TRUTH_TABLES or not len(table):
                continue
            self.part(name).add(table)
            keys = ["account", "person_key"] if name in ("metrics", "posts") else \
                ["source_name", "source_email", "person_key"]
            self.identities[name].append(table[keys])
            self.waiting[name] += len(table)
            if self.waiting[name] >= self.IDENTITY_BATCH:
                self.identities[name] = [pd.concat(self.identities[name], ignore_index=True).drop_duplicates()]
                self.waiting[name] = len(self.identities[name][0])
        fates = written.fates
        if "source_file" not in fates.columns or fates["source_file"].isna().any():
            # a workbook of several sheets names "<file>#<sheet>"; other fates name the file
            fates = fates.assign(source_file=fates["source_file"].fillna(written.source_file)
                                 if "source_file" in fates.columns else written.source_file)
        self.part("row_fates").add(fates[["source_file", "source_row", "fate", "table", "reason"]])

    def add_table(self, table: str, frame: pd.DataFrame) -> None:
        if self.truth:
            self.part(table).add(frame)

    def distinct_identities(self) -> dict[str, pd.DataFrame]:
        """Every table's distinct identities (source name/email or account, person) with pilot_id."""
        found = {}
        for name, frames in self.identities.items():
            if frames:
                found[name] = pd.concat(frames, ignore_index=True).drop_duplicates().assign(pilot_id=self.pilot_id)
        return found

    def close(self) -> dict[str, int]:
        self.part("files").add(pd.DataFrame(self.files, columns=["source_file", "format", "quirks"]))
        rows = {}
        for name, part in self.parts.items():
            part.close()
            rows[name] = part.rows
        for name in (TRUTH_SCHEMAS if self.truth else ("files",)):  # every table has a part in every area
            if name not in self.parts:
                self.part(name).close()
                rows[name] = 0
        return rows


# --------------------------------------------------------------------------- one area

class _AreaWriter(_PilotWriter):
    """Writes one area's folder with the sample's machinery and the area's export families."""

    def __init__(self, out: Path, plan: AreaPlan, world: PilotWorld, planted: _Planted,
                 sequence: np.random.SeedSequence, writers: _Writers, collector: _AreaTruth):
        super().__init__(out, world, sequence, writers, collector)
        self.plan = plan
        self.planted = planted
        self.tenant = plan.domain.split(".")[0].replace("-", "")

    def write(self) -> None:
        self.write_roster()
        {"teams": self.write_teams, "register": self.write_register, "zoom": self.write_zoom,
         "hybrid": self.write_hybrid}[self.plan.attendance]()
        self.write_surveys()
        metrics = self.plan.metrics
        if metrics.startswith("x-classic"):
            self.write_x_classic()
        else:
            self.write_x_premium()
        if metrics.endswith("+facebook"):
            self.write_facebook()
        if metrics.endswith("+meta"):
            self.write_meta_suite()

    # ---- names as each source shows them
    def is_twin(self, person) -> bool:
        return person["person_key"] == self.planted.twin

    def printed_name(self, person) -> str:
        return self.planted.twin_name if self.is_twin(person) else _printed_name(person)

    def signed_name(self, person, rng: np.random.Generator) -> str:
        if self.is_twin(person):
            return self.planted.twin_name
        if person["kind"] == "guest":
            return f"{person['first']} {person['last']} (guest speaker)"
        return _signed_name(person, rng)

    def teams_identity(self, session_id: str):
        """Name, email and UPN as the lead council's Teams tenant shows each person."""
        planted, tenant, home = self.planted, self.tenant, self.plan.domain

        def identity(person) -> dict:
            first, last, email = person["first"], person["last"], person["email"]
            if person["kind"] == "guest":
                return {"name": f"{first} {last} (Guest)", "email": "", "upn": ""}
            if person["person_key"] == planted.alias and session_id == "workshop-2":  # from a personal account
                return {"name": f"{first} {last} (Guest)", "email": planted.alias_email, "upn": ""}
            if email.endswith("@" + home):
                return {"name": f"{last}, {first}", "email": email, "upn": email}
            upn = email.replace("@", "_") + f"#EXT#@{tenant}.onmicrosoft.com"
            return {"name": f"{first} {last} (External)", "email": email, "upn": upn}

        return identity

    def zoom_identity(self, person, session_id: str, rng: np.random.Generator):
        """(display name, original name, email) as Zoom lists the person."""
        first, last, kind = person["first"], person["last"], person["kind"]
        if kind == "dial-in":
            return self.planted.dial_in, None, None
        if kind == "guest":
            return f"{first} {last} ({person['job']})", None, None
        if self.is_twin(person):
            return self.planted.twin_name, None, None
        if person["person_key"] == self.planted.alias:
            if session_id == "workshop-2":
                return f"{first} {last}", None, self.planted.alias_email
            if session_id == "masterclass":
                return f"{first} {last}", f"{first}'s iPhone", None
        if person["role"] != "councillor":
            return f"{first} {last}", None, person["email"]
        u = rng.random()
        email = person["email"] if rng.random() < 0.6 else None
        if u < 0.45:
            return f"Cllr {first} {last}", None, email
        if u < 0.75:
            return f"{first} {last}", None, email
        if u < 0.9:  # renamed on a tablet: Zoom keeps the device's name as the original
            return f"{first} {last}", f"{first}'s iPad", email
        short = next((s for c, s, _ in ENGLISH_COUNCILS[self.plan.region] if c == person["authority"]),
                     person["authority"])
        return f"{first} {last} ({short})", None, email

    # ---- attendance families
    def write_teams(self) -> None:
        title = f"{self.plan.short} councillor social media programme"
        for k, session in enumerate(self.design.sessions):
            variant = (self.plan.number + k) % 4
            rng = self.rng("teams-segments", session.id)
            segments = _teams_segments(self.world, session, rng, identity=self.teams_identity(session.id))
            if segments.empty:
                continue
            name = f"{title} - {session.label}"
            if variant == 3 and self.plan.attendance == "teams":  # the older attendance list
                self.call("teams", "write_teams_legacy", f"attendance/teams/meetingAttendanceList - {session.label}.csv",
                          session_id=session.id, segments=segments[["person_key", "name", "join", "leave"]],
                          timezone=TIMEZONE)
                continue
            layout, order, newline = (("2022", "day-first", "\r\n"), ("2021", "month-first", "\r\n"),
                                      ("2022", "month-first", "\n"), ("2021", "day-first", "\r\n"))[variant]
            if layout == "2021":
                relative = f"attendance/teams/meetingAttendanceReport({name}).csv"
            else:
                stamp = session.date.strftime("%d-%m-%y" if order == "day-first" else "%m-%d-%y")
                relative = f"attendance/teams/{name} - Attendance report {stamp}.csv"
            declared = None
            if self.plan.number % 5 == 0 and k == 2:  # the summary counts one more than it lists
                declared = int(segments["person_key"].nunique()) + 1
            self.call("teams", "write_teams_report", relative, session_id=session.id, title=name,
                      start=segments["join"].min(), end=segments["leave"].max(), segments=segments, layout=layout,
                      date_order=order, newline=newline, declared_participants=declared, timezone=TIMEZONE)
            day = session.date
            if order == "month-first" and day.day <= 12 and day.day != day.month:
                # "9/10/2024" read either way is a date: cleaning asks for the order to be
                # pinned, and the evaluator pins it, as programme.yml documents
                self.pin(relative, date_order=order)

    def register_people(self, on_paper: pd.DataFrame) -> pd.DataFrame:
        """Everyone ``on_paper`` lists (attendance rows), in roster order, with names as written."""
        keys = set(on_paper["person_key"])
        people = self.people[self.people["person_key"].isin(keys)].reset_index(drop=True)
        rng = self.rng("register-names")
        signed = self.plan.attendance == "register" and self.plan.number % 2 == 1
        names = [self.signed_name(p, rng) if signed else self.printed_name(p) for _, p in people.iterrows()]
        return pd.DataFrame({"person_key": people["person_key"], "name": names,
                             "organisation": [_organisation(p, self.design.id) for _, p in people.iterrows()]})

    def marks(self, table: pd.DataFrame, on_paper: pd.DataFrame, style: str) -> pd.DataFrame:
        rng = self.rng("register-marks")
        marks = pd.DataFrame(index=table.index)
        for session in self.design.sessions:
            status = table["person_key"].map(on_paper[on_paper["session_id"] == session.id]
                                             .set_index("person_key")["status"])
            marks[session.id] = [_mark(s, rng, style=style) if isinstance(s, str) else "" for s in status]
        return marks

    def write_register(self) -> None:
        attendance = self.world.attendance
        on_paper = attendance[attendance["status"].isin(["present", "apologies"])]
        table = self.register_people(on_paper)
        signed = self.plan.number % 2 == 1  # signatures typed up, one sheet per session
        self.call(
            "register", "write_register_xlsx", "attendance/Sign-in sheets (typed up).xlsx",
            title=f"{self.plan.short} councillor social media programme - sign-in sheets",
            sessions=[{"session_id": s.id, "header": s.aliases[0], "date": s.date} for s in self.design.sessions],
            people=table, marks=self.marks(table, on_paper, "tick"),
            layout="sheet-per-session" if signed else "columns",
            notes=["apols = apologies sent in advance", "Typed up by Democratic Services"],
        )

    def write_zoom(self) -> None:
        trainer = self.people[self.people["job"] == "Trainer"].iloc[0]
        id_rng = self.rng("zoom-ids")
        for k, session in enumerate(self.design.sessions):
            rng = self.rng("zoom-segments", session.id)
            segments = _zoom_segments(self.world, session, rng, identity=self.zoom_identity)
            meeting_id = str(int(id_rng.integers(81_000_000_000, 89_999_999_999)))
            meeting = {"meeting_id": meeting_id,
                       "topic": f"{self.plan.short} councillor social media programme: {session.label}",
                       "start": segments["join"].min(), "end": segments["leave"].max(),
                       "host_email": trainer["email"]}
            variant = "unique-users" if (self.plan.number + k) % 4 == 1 else "with-meeting-data"
            self.call("zoom", "write_zoom_report", f"attendance/zoom/participants_{meeting_id}.csv",
                      session_id=session.id, meeting=meeting, segments=segments, variant=variant, timezone=TIMEZONE)
        self.write_eventbrite(event=f"{self.plan.short} councillor social media programme - master class")

    def write_hybrid(self) -> None:
        self.write_teams()
        attendance = self.world.attendance
        on_paper = attendance[((attendance["status"] == "present") & (attendance["mode"] == "in-person"))
                              | (attendance["status"] == "apologies")]
        table = self.register_people(on_paper)
        self.call(
            "register", "write_register_csv", "attendance/Member sign-in register.csv",
            title=f"{self.plan.short} - councillor social media programme - attendance in the room",
            sessions=[{"session_id": s.id, "header": s.aliases[0], "date": s.date} for s in self.design.sessions],
            people=table, marks=self.marks(table, on_paper, "csv"),
            notes=["Members who joined on Teams are in the Teams attendance reports, not on this sheet.",
                   "apols = apologies sent in advance", "Typed up by Member Services"],
        )

    # ---- surveys
    def write_surveys(self) -> None:
        before = self.people.set_index("person_key")["posts_per_week"]
        tools = _SURVEY_TOOLS[self.plan.surveys]
        surveys, latent = build_surveys(self.world, lambda *n: self.rng("surveys", *n), before, tools=tools,
                                        anonymous_sessions=("workshop-2",), evening=self.plan.number % 3 == 0)
        self.latent = latent
        short = self.plan.short

        def title(survey) -> str:
            name = {"pre": f"{short} social media programme - before you start",
                    "post": f"{short} social media programme - after the programme",
                    "feedback": f"{short} social media programme - {survey.session_id.replace('-', ' ').title()} "
                                "feedback" if survey.session_id else ""}[survey.wave]
            if survey.tool == "paper":
                name = f"{short} evaluation sheets - {survey.session_id.replace('-', ' ').title()} (typed up)"
            if survey.tool == "ms_forms":
                name += f"(1-{survey.answers['record'].nunique()})"
            return name

        self.write_survey_files(surveys, title)

    # ---- metrics
    def write_facebook(self) -> None:
        """Page Insights exports, one per half-year of the metrics window."""
        first, last = metrics_window(self.world)
        periods = _half_years(first, last)
        for n, (person, account) in enumerate(self.accounts("facebook")):
            for part, (start, end) in enumerate(periods):
                mask = (account.daily["date"] >= start) & (account.daily["date"] <= end)
                daily = account.daily.loc[mask, ["person_key", "date", "page_likes", "new_follows", "unfollows",
                                                 "engagements", "reach", "impressions", "views"]]
                name = (f"metrics/facebook/Facebook Insights Data Export - {account.name} - "
                        f"{start:%Y-%m-%d} - {end:%Y-%m-%d}.csv")
                self.call("facebook", "write_facebook_insights", name, page=account.name,
                          daily=daily.reset_index(drop=True),
                          encoding="cp1252" if (n == 1 and part == 1) else "utf-8")


def _half_years(first: dt.date, last: dt.date, shortest: int = 28) -> list[tuple[dt.date, dt.date]]:
    """Calendar half-years clipped to [first, last] (the periods of the Page Insights exports);
    a piece shorter than ``shortest`` days at either end joins its neighbour, as nobody exports
    a few days on their own.

    >>> import datetime as dt
    >>> [(a.isoformat(), b.isoformat()) for a, b in _half_years(dt.date(2024, 12, 31), dt.date(2026, 1, 3))]
    [('2024-12-31', '2025-06-30'), ('2025-07-01', '2026-01-03')]
    """
    periods: list[tuple[dt.date, dt.date]] = []
    for start, end in _quarters(first, last):
        if periods and (periods[-1][0].year, (periods[-1][0].month - 1) // 6) == (start.year, (start.month - 1) // 6):
            periods[-1] = (periods[-1][0], end)
        else:
            periods.append((start, end))
    if len(periods) > 1 and (periods[0][1] - periods[0][0]).days + 1 < shortest:
        periods[:2] = [(periods[0][0], periods[1][1])]
    if len(periods) > 1 and (periods[-1][1] - periods[-1][0]).days + 1 < shortest:
        periods[-2:] = [(periods[-2][0], periods[-1][1])]
    return periods


# --------------------------------------------------------------------------- the whole roll-out

@dataclass
class RolloutManifest(Manifest):
    """What :func:`generate_rollout` wrote.

    As :class:`~evalkit.sample.generate.Manifest`, except that ``files`` counts the raw
    files per area and format (``pilot_id, format, files``); the list of every file is the
    ``files`` truth table (:func:`read_truth`). Also: ``areas``, ``years``, ``seconds`` (time
    taken) and ``peak_memory_mb`` (the process's peak resident memory, ``ru_maxrss``, at the
    end; it includes whatever the process did before).
    """

    areas: int = 0
    years: float = 0.0
    seconds: float = 0.0
    peak_memory_mb: float = 0.0


def _rollout_root(seed: int) -> np.random.SeedSequence:
    """The roll-out's seed sequence: a namespace of ``seed`` apart from the bundled sample's pilots."""
    return np.random.SeedSequence(seed, spawn_key=(zlib.crc32(b"rollout"),))


def generate_rollout(out: Path | str, *, areas: int, seed: int = 2010, truth: bool = True, years: float = 2.0,
                     progress: Callable[[int, int, str], None] | None = None) -> RolloutManifest:
    """Write a national roll-out of ``areas`` pilot areas to ``out``, one area at a time.

    A previous sample or roll-out in ``out`` (``programme.yml`` and ``truth/``) is replaced;
    any other non-empty folder is refused.

    Parameters
    ----------
    out
        The programme folder to write (created if missing).
    areas
        Number of areas (pilots). Area ``k`` is the same whatever ``areas`` is.
    seed
        The seed of every random choice: the same seed writes the same files and tables.
    truth
        Write the truth tables (``truth/<table>/pilot_id=<area>/part.parquet``). Without it
        only the list of files (``truth/files``) is written — quicker, for timing cleaning.
    years
        Length of every account's daily metrics, centred on the area's programme.
    progress
        Called after each area with (areas done, areas, area id).

    Returns
    -------
    RolloutManifest

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "rollout"
    >>> manifest = generate_rollout(out, areas=1, seed=1, years=0.1)
    >>> manifest.files.set_index("format")["files"].to_dict()  # area 1: Teams, Forms, X classic, Facebook
    {'facebook-insights': 6, 'microsoft-forms': 5, 'teams-attendance-list': 1, 'teams-attendance-report': 3, \
'x-daily-activity': 36, 'x-tweet-activity': 36}
    >>> people = read_truth(out, "people")
    >>> people.groupby("pilot_id")["in_cohort"].sum().between(16, 24).all()
    np.True_
    """
    if areas < 1:
        raise ValueError("areas must be at least 1")
    if not 0 < years <= 10:
        raise ValueError("years must be more than 0 and at most 10")
    began = time.perf_counter()
    out = Path(out)
    _prepare(out)
    # marks the folder as a sample at once, so that a run stopped half way can be run again over it
    (out / "programme.yml").write_text("# A national roll-out is being written here by `evalkit sample --areas`.\n",
                                       encoding="utf-8")
    writers = _Writers()
    sequences = _rollout_root(seed).spawn(areas)
    pilots_yml: list[dict] = []
    realised: dict[str, dict] = {"realised_confidence": {}, "realised_activity": {}}
    rows: dict[str, int] = {}
    counts: list[dict] = []
    definitions: dict = {}
    for number, sequence in enumerate(sequences, start=1):
        plan = area_plan(number)
        design = area_design(plan, child_rng(sequence, "design"), years)
        world, planted = build_area(plan, design, child_rng(sequence, "world"))
        sink = _AreaTruth(out, plan.id, truth)
        area = _AreaWriter(out, plan, world, planted, sequence, writers, sink)
        area.write()
        pilots_yml.append(area.programme_entry())
        people = area.people_truth()
        effects = _effects(people, area.latent.assign(pilot_id=plan.id),
                           {"metrics": pd.DataFrame({"pilot_id": [plan.id]})}, seed)
        for key in realised:
            realised[key].update(effects[key])
        definitions = effects
        sink.add_table("people", people)
        sink.add_table("confidence", area.latent)
        if area.followers:
            sink.add_table("followers", pd.concat(area.followers, ignore_index=True))
        if truth:
            found = sink.distinct_identities()
            ambiguous = {planted.twin_name, planted.twin_name.removeprefix("Cllr "),
                         planted.twin_name.replace(". ", " ")}
            sink.add_table("identities", _identities(found, people, {plan.id: world.planted}, ambiguous))
        for table, n in sink.close().items():
            rows[table] = rows.get(table, 0) + n
        counts += [{"pilot_id": plan.id, "format": f, "files": n} for f, n in sorted(sink.formats.items())]
        del area, world, sink
        if progress is not None:
            progress(number, areas, plan.id)
    _write_programme(
        out, pilots_yml, name=f"Councillors online: national roll-out ({areas} areas, sample)",
        description=(f"A fictional national roll-out built by `evalkit sample --areas {areas} --seed {seed}`: {areas} "
                     f"areas, each a pilot of about 20 councillors with a comparison set, {years:g} years of daily "
                     "metrics per account. Councils are real; people, answers and numbers are not."),
        comment="A national roll-out (generated by `evalkit sample --areas`; see README.md).")
    load_programme(out)  # the written programme must load
    if truth:
        _write_rollout_effects(out / "truth" / "effects.yml", definitions, realised, seed, areas, years)
    _write_static(out, areas, seed, years, truth)
    files = pd.DataFrame(counts, columns=["pilot_id", "format", "files"])
    return RolloutManifest(out, seed, files, rows, list(writers.missing), areas=areas, years=years,
                           seconds=time.perf_counter() - began, peak_memory_mb=_peak_memory_mb())


def _peak_memory_mb() -> float:
    """The process's peak resident memory in MB (``ru_maxrss``); NaN where the system has no such count."""
    try:
        import resource
    except ImportError:  # Windows
        return float("nan")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024  # bytes on macOS, KiB on Linux


def _write_rollout_effects(path: Path, definitions: dict, realised: dict, seed: int, areas: int,
                           years: float) -> None:
    """effects.yml: the sample's definitions of the effects, and how they came out in every area."""
    effects = dict(definitions)
    effects["seed"] = seed
    effects["rollout"] = {"areas": areas, "years": years,
                          "metrics_window": f"about {years:g} years per account (at least the programme and a week "
                                            "either side), centred on the area's programme"}
    activity = dict(effects["activity"])
    activity["followers"] = activity["followers"].replace(
        "(13 weeks before the first session)", "(the metrics window: about `years` years centred on the programme)")
    effects["activity"] = activity
    effects.update(realised)
    path.write_text(yaml.safe_dump(effects, sort_keys=False, allow_unicode=True, width=110), encoding="utf-8")


def _write_static(out: Path, areas: int, seed: int, years: float, truth: bool) -> None:
    key = resources.files("evalkit.sample").joinpath("data", "DEMO_KEY.md").read_text(encoding="utf-8")
    (out / "DEMO_KEY.md").write_text(key, encoding="utf-8")
    families = "\n".join(f"- {name}: " + ", ".join(f"`{f}`" for f in options) for name, options in AREA_FAMILIES.items())
    (out / "README.md").write_text(f"""# A national roll-out (generated)

Written by `evalkit sample OUT --areas {areas} --seed {seed}` (metrics: {years:g} years per account).
Councils are real; people, answers and numbers are fictional. Regenerate it rather than edit it.

Each `area-NNN-<council>/` folder is one pilot area (a master class and three themed workshops,
about 20 cohort councillors, about 10 comparison councillors, a few officers), laid out like the
bundled sample (`roster.csv`, `attendance/`, `surveys/`, `metrics/`). Export formats rotate across
areas: each block of four areas (1-4, 5-8, ...) uses every family, combined differently from block
to block:

{families}

Every area plants the same identity cases: two roster councillors who share initial and surname
(one in the cohort, written "Cllr X. Surname" on registers and in Zoom, and sometimes "X. Surname"
on paper sheets: ambiguous), a cohort member who also uses a personal email (a roster alias), a
councillor not on the roster, a guest speaker, and in Zoom areas a caller who dials in by phone.
`truth/identities` lists every name, email and handle with the person behind it and the expected
linking decision (linked, ambiguous or unmatched).

`programme.yml` lists every area; every survey file is pinned to its wave (and session).
`truth/` holds what a perfect cleaner must get back, as hive-partitioned Parquet datasets
(`truth/<table>/pilot_id=<area>/part.parquet`{"" if truth else "; only `files` was written"}):
read one with `evalkit.sample.rollout.read_truth(OUT, "metrics")` or any Parquet engine.
`truth/effects.yml` states the effects built in and how they came out per area.

Pseudonyms: the key is read from `EVALKIT_KEY` or the key file named in `programme.yml`; this
folder uses the public demo key of DEMO_KEY.md. Real programmes keep their key outside any
repository.
""", encoding="utf-8")
