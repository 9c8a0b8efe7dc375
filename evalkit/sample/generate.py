"""Write the bundled sample programme: ``evalkit sample OUT --seed N``.

:func:`generate` builds the sample world (:mod:`evalkit.sample.world`, ``surveys``,
``activity``), hands each part to the writer of the export format it belongs in
(:mod:`evalkit.sample.formats`), and collects what every writer reports into ``truth/``:
the rows a perfect cleaner must get back, the fate of every raw row, the formats and
quirks of every file, the people behind every name, the planted identity cases and the
effects built in. Everything comes from ``numpy.random.SeedSequence(seed)``; each pilot has
its own spawned sequence, and each part of a pilot (people, a survey, a file) its own child
generator, so pilots are independent and one file's randomness never shifts another's.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "notes.txt").write_text("mine")
>>> generate(folder)
Traceback (most recent call last):
...
FileExistsError: ... is not empty and does not look like a previous sample ...
"""

from __future__ import annotations

import datetime as dt
import importlib
import re
import shutil
import warnings
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd
import yaml

from ..programme import ROSTER_COLUMNS, load_programme
from .activity import Account, account_activity, metrics_window
from .people import party_suffix
from .surveys import EFFECTS, build_surveys, programme_items
from .world import ACTIVITY, DESIGNS, PilotWorld, build_pilot, child_rng, session_bounds

__all__ = ["Manifest", "generate"]

TRUTH_TABLES = ("attendance", "responses", "comments", "metrics", "posts")
TIMEZONE = "Europe/London"


@dataclass
class Manifest:
    """What :func:`generate` wrote.

    Attributes
    ----------
    out
        The programme folder.
    seed
        The seed it was generated from.
    files
        One row per raw file: ``pilot_id, source_file, format, quirks`` (as ``truth/files.csv``).
    rows
        Truth table name → number of rows.
    missing
        Writers that could not be used (module missing or failing): their files were not written.
    """

    out: Path
    seed: int
    files: pd.DataFrame
    rows: dict[str, int]
    missing: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- writers

class _Writers:
    """The format writers, imported when first needed; a missing one is recorded, not faked."""

    def __init__(self):
        self.missing: list[str] = []

    def get(self, module: str, name: str):
        try:
            found = getattr(importlib.import_module(f"evalkit.sample.formats.{module}"), name)
        except (ModuleNotFoundError, AttributeError) as exc:
            label = f"evalkit.sample.formats.{module}.{name} ({type(exc).__name__}: {exc})"
            if label not in self.missing:
                self.missing.append(label)
            return None
        return found


class _Collector:
    """Collects every writer's Written with its pilot."""

    def __init__(self, out: Path):
        self.out = out
        self.written: list[tuple[str, object]] = []

    def add(self, pilot_id: str, written) -> None:
        if isinstance(written, list):
            for w in written:
                self.add(pilot_id, w)
            return
        self.written.append((pilot_id, written))


# --------------------------------------------------------------------------- the whole sample

def generate(out: Path | str, *, seed: int = 2010, pilots: Sequence[str] | None = None) -> Manifest:
    """Write the sample programme folder ``out`` from ``seed``.

    A previous sample in ``out`` (``programme.yml`` and ``truth/``) is replaced. Any other
    non-empty folder is refused, so nothing a person keeps there is deleted.

    Parameters
    ----------
    out
        The folder to write (created if missing).
    seed
        The seed of every random choice; the same seed writes the same tables.
    pilots
        Write only these pilots (ids). Each pilot draws from its own random stream, so its
        files are the same as in the whole sample of the same seed.

    Returns
    -------
    Manifest

    Raises
    ------
    FileExistsError
        When ``out`` is a non-empty folder that does not look like a previous sample.
    """
    out = Path(out)
    _prepare(out)
    writers = _Writers()
    collector = _Collector(out)
    root = np.random.SeedSequence(seed)
    pilot_sequences = root.spawn(len(DESIGNS))
    pilots_yml, people_frames, latent_frames, followers_frames = [], [], [], []
    planted: dict[str, dict[str, str]] = {}
    unknown = set(pilots or ()) - {d.id for d in DESIGNS}
    if unknown:
        raise ValueError(f"no such pilot(s) in the sample: {', '.join(sorted(unknown))}")
    for design, sequence in zip(DESIGNS, pilot_sequences):
        if pilots is not None and design.id not in pilots:
            continue
        world = build_pilot(design, child_rng(sequence, "world"))
        pilot = _PilotWriter(out, world, sequence, writers, collector)
        pilot.write()
        pilots_yml.append(pilot.programme_entry())
        people_frames.append(pilot.people_truth())
        latent_frames.append(pilot.latent.assign(pilot_id=design.id))
        followers_frames.extend(pilot.followers)
        planted[design.id] = world.planted
    _write_programme(out, pilots_yml)
    load_programme(out)  # the written programme must load
    files = _write_truth(out, collector, people_frames, latent_frames, followers_frames, planted, seed)
    _copy_static(out)
    if writers.missing:
        warnings.warn("sample written without the files of these writers: " + "; ".join(writers.missing),
                      stacklevel=2)
    rows = {name: int(len(pd.read_parquet(out / "truth" / f"{name}.parquet"))) for name in TRUTH_TABLES}
    return Manifest(out, seed, files, rows, list(writers.missing))


_GENERATED = ("programme.yml", "README.md", "DEMO_KEY.md", "truth", *(d.id for d in DESIGNS))
#: the folders of a roll-out's areas (:mod:`evalkit.sample.rollout`): ``area-001-barnsley``
_AREA_FOLDER = re.compile(r"area-\d{3,}-[a-z0-9-]+")


def _prepare(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise FileExistsError(f"{out} is a file, not a folder")
    if out.exists() and any(out.iterdir()):
        if not ((out / "programme.yml").is_file() and (out / "truth").is_dir()):
            raise FileExistsError(
                f"{out} is not empty and does not look like a previous sample (no programme.yml and "
                "truth/ folder); choose an empty or new folder"
            )
        areas = [p.name for p in out.iterdir() if p.is_dir() and _AREA_FOLDER.fullmatch(p.name)]
        for name in (*_GENERATED, *areas):
            target = out / name
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
    out.mkdir(parents=True, exist_ok=True)


def _copy_static(out: Path) -> None:
    for name in ("README.md", "DEMO_KEY.md"):
        text = resources.files("evalkit.sample").joinpath("data", name).read_text(encoding="utf-8")
        (out / name).write_text(text, encoding="utf-8")


# --------------------------------------------------------------------------- one pilot

#: survey tool → (writer module, writer function, file extension)
_SURVEY_WRITERS = {"paper": ("paper", "write_paper_feedback", "csv"),
                   "ms_forms": ("ms_forms", "write_ms_forms", "xlsx"),
                   "google": ("google_forms", "write_google_forms", "csv"),
                   "surveymonkey": ("surveymonkey", "write_surveymonkey", "csv")}


class _PilotWriter:
    def __init__(self, out: Path, world: PilotWorld, sequence: np.random.SeedSequence, writers: _Writers,
                 collector: _Collector):
        self.out = out
        self.world = world
        self.design = world.design
        self.sequence = sequence
        self.writers = writers
        self.collector = collector
        self.pins: list[dict] = []
        self.latent = pd.DataFrame()
        self.completed_post: set[str] = set()
        self.followers: list[pd.DataFrame] = []
        self.folder = out / self.design.id
        self.folder.mkdir(parents=True, exist_ok=True)

    # ---- helpers
    def rng(self, *names: str) -> np.random.Generator:
        return child_rng(self.sequence, *names)

    def path(self, relative: str) -> tuple[Path, str]:
        """Absolute path (parents created) and source_file for a path inside the pilot folder."""
        target = self.folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        return target, f"{self.design.id}/{relative}"

    def call(self, module: str, name: str, relative: str, **kwargs):
        writer = self.writers.get(module, name)
        if writer is None:
            return None
        target, source_file = self.path(relative)
        written = writer(target, source_file=source_file, rng=self.rng("file", relative), **kwargs)
        self.collector.add(self.design.id, written)
        return written

    def pin(self, relative: str, **facts) -> None:
        if (self.folder / relative).exists():
            self.pins.append({"path": relative, **facts})

    @property
    def people(self) -> pd.DataFrame:
        return self.world.people

    def write(self) -> None:
        self.write_roster()
        {
            "kirklees-2010": self.write_kirklees,
            "suffolk": self.write_suffolk,
            "solihull": self.write_solihull,
            "yorkshire-humber": self.write_yorkshire_humber,
        }[self.design.id]()
        self.write_surveys()

    # ---- roster
    def write_roster(self) -> None:
        people = self.people[self.people["on_roster"]].sort_values("roster_id")
        roster = pd.DataFrame({
            "roster_id": people["roster_id"],
            "name": people["name"],
            "role": people["role"],
            "authority": people["authority"],
            "party": people["party"],
            "email": people["email"],
            "x_handle": people["x_handle"],
            "facebook_page": people["facebook_page"],
            "in_cohort": np.where(people["in_cohort"], "yes", "no"),
            "comparison": np.where(people["comparison"], "yes", "no"),
            "aliases": people["aliases"].map(lambda a: "; ".join(a)),
            "followers_at_start": people["followers_at_start"],
        })
        assert list(roster.columns) == list(ROSTER_COLUMNS)
        target, _ = self.path("roster.csv")
        roster.to_csv(target, index=False, encoding="utf-8", lineterminator="\n")

    # ---- kirklees: one awareness session, a typed-up register, typed-up feedback sheets
    def write_kirklees(self) -> None:
        session = self.design.sessions[0]
        rng = self.rng("register-names")
        attendance = self.world.attendance
        listed = attendance[attendance["status"].isin(["present", "apologies"])].merge(self.people, on="person_key")
        listed = listed.sort_values(["role", "last"], key=lambda s: s.map(str)).reset_index(drop=True)
        names, organisations, marks = [], [], []
        for _, person in listed.iterrows():  # a few dozen names, written as people sign
            names.append(_signed_name(person, rng))
            organisations.append(_organisation(person, self.design.id))
            marks.append(_mark(person["status"], rng))
        people = pd.DataFrame({"person_key": listed["person_key"], "name": names, "organisation": organisations})
        marks_frame = pd.DataFrame({session.id: marks}, index=people.index)
        self.call(
            "register", "write_register_xlsx", "attendance/Sign in sheet - awareness session 13.10.10.xlsx",
            title="Kirklees Council - Social media awareness session - Wednesday 13 October 2010, Council Chamber",
            sessions=[{"session_id": session.id, "header": session.aliases[0], "date": session.date}],
            people=people, marks=marks_frame, layout="sheet-per-session",
            notes=["Apologies noted on the sheet are marked 'apols'.",
                   "Typed up from the paper sign-in sheet by Democratic Services, 14/10/2010."],
        )

    # ---- suffolk: hybrid sessions (Teams + paper sign-in), Forms, X classic, Facebook
    def write_suffolk(self) -> None:
        layouts = {"masterclass": ("2022", "day-first", "\r\n"), "workshop-1": ("2021", "month-first", "\r\n"),
                   "workshop-2": ("2022", "month-first", "\n"), "workshop-3": ("2021", "day-first", "\r\n")}
        titles = {"masterclass": "Social media master class for councillors",
                  "workshop-1": "Councillor social media programme - Workshop 1",
                  "workshop-2": "Councillor social media programme - Workshop 2",
                  "workshop-3": "Councillor social media programme - Workshop 3"}
        for session in self.design.sessions:
            layout, order, newline = layouts[session.id]
            segments = _teams_segments(self.world, session, self.rng("teams-segments", session.id))
            if session.id == "workshop-1" or session.id == "workshop-3":
                name = f"attendance/teams/meetingAttendanceReport({titles[session.id]}).csv"
            else:
                stamp = session.date.strftime("%d-%m-%y" if order == "day-first" else "%m-%d-%y")
                name = f"attendance/teams/{titles[session.id]} - Attendance report {stamp}.csv"
            declared = None
            if session.id == "workshop-2":  # the summary counts one more than it lists
                declared = int(segments["person_key"].nunique()) + 1
            self.call("teams", "write_teams_report", name, session_id=session.id, title=titles[session.id],
                      start=segments["join"].min(), end=segments["leave"].max(), segments=segments,
                      layout=layout, date_order=order, newline=newline, declared_participants=declared,
                      timezone=TIMEZONE)
        self.write_sign_in_sheets()
        self.write_x_classic()
        self.write_facebook()

    def write_sign_in_sheets(self) -> None:
        rng = self.rng("register-names")
        attendance = self.world.attendance
        on_paper = attendance[((attendance["status"] == "present") & (attendance["mode"] == "in-person"))
                              | (attendance["status"] == "apologies")]
        keys = [k for k in self.people["person_key"] if k in set(on_paper["person_key"])]
        people = self.people.set_index("person_key").loc[keys].reset_index()
        names = [_printed_name(p) for _, p in people.iterrows()]
        table = pd.DataFrame({"person_key": people["person_key"], "name": names,
                              "organisation": [_organisation(p, self.design.id) for _, p in people.iterrows()]})
        marks = pd.DataFrame(index=table.index)
        for session in self.design.sessions:
            rows = on_paper[on_paper["session_id"] == session.id].set_index("person_key")["status"]
            status = table["person_key"].map(rows)
            marks[session.id] = [_mark(s, rng) if isinstance(s, str) else "" for s in status]
        self.call(
            "register", "write_register_xlsx", "attendance/Sign-in sheets (typed up).xlsx",
            title="Suffolk councillor social media programme - sign-in sheets",
            sessions=[{"session_id": s.id, "header": s.aliases[0], "date": s.date} for s in self.design.sessions],
            people=table, marks=marks, layout="sheet-per-session",
            notes=["Members who joined on Teams are in the Teams attendance reports, not on these sheets.",
                   "Typed up by Member Development."],
        )

    # ---- solihull: in person, register CSV, Google Forms, X Premium
    def write_solihull(self) -> None:
        rng = self.rng("register-names")
        attendance = self.world.attendance
        people = self.people
        # the typed list: the cohort, the officer, and anyone who turned up unlisted
        people = people[people["person_key"].isin(attendance["person_key"])
                        & (people["in_cohort"] | (people["role"] == "officer") | ~people["on_roster"])]
        people = people.reset_index(drop=True)
        table = pd.DataFrame({"person_key": people["person_key"],
                              "name": [_printed_name(p) for _, p in people.iterrows()],
                              "organisation": [_organisation(p, self.design.id) for _, p in people.iterrows()]})
        marks = pd.DataFrame(index=table.index)
        for session in self.design.sessions:
            rows = attendance[attendance["session_id"] == session.id].set_index("person_key")["status"]
            status = table["person_key"].map(rows)
            marks[session.id] = [_mark(s, rng, style="csv") if isinstance(s, str) else "" for s in status]
        self.call(
            "register", "write_register_csv", "attendance/Member sign-in register.csv",
            title="Solihull MBC - Councillor social media programme - attendance",
            sessions=[{"session_id": s.id, "header": s.aliases[0], "date": s.date} for s in self.design.sessions],
            people=table, marks=marks,
            notes=["apols = apologies sent in advance", "Typed up by Democratic Services"],
        )
        self.write_x_premium()

    # ---- yorkshire-humber: Zoom, Eventbrite, SurveyMonkey, X Premium, Meta Business Suite
    def write_yorkshire_humber(self) -> None:
        variants = {"masterclass": "with-meeting-data", "workshop-1": "with-meeting-data",
                    "workshop-2": "unique-users", "workshop-3": "with-meeting-data"}
        trainer = self.people[self.people["job"] == "Trainer"].iloc[0]
        id_rng = self.rng("zoom-ids")
        for session in self.design.sessions:
            segments = _zoom_segments(self.world, session, self.rng("zoom-segments", session.id))
            meeting_id = str(int(id_rng.integers(81_000_000_000, 89_999_999_999)))
            start, end = session_bounds(session)
            meeting = {"meeting_id": meeting_id,
                       "topic": f"Y&H councillor social media programme: {session.label}",
                       "start": segments["join"].min(), "end": segments["leave"].max(),
                       "host_email": trainer["email"]}
            self.call("zoom", "write_zoom_report", f"attendance/zoom/participants_{meeting_id}.csv",
                      session_id=session.id, meeting=meeting, segments=segments, variant=variants[session.id],
                      timezone=TIMEZONE)
        self.write_eventbrite()
        self.write_x_premium()
        self.write_meta_suite()

    def write_eventbrite(self, event: str = "Yorkshire and the Humber councillor social media programme - master "
                                            "class") -> None:
        rng = self.rng("eventbrite")
        first = self.design.sessions[0]
        people = self.people[(self.people["role"] == "councillor") & self.people["on_roster"]
                             & ~self.people["comparison"]]
        present = set(self.world.present(first.id)["person_key"])
        others = list(people.loc[~people["in_cohort"], "person_key"])
        status = []
        for key, cohort in zip(people["person_key"], people["in_cohort"]):
            if key in present:
                status.append("Checked In")
            elif cohort:
                status.append("Attending")
            else:
                status.append("Not Attending" if others.index(key) < 2 else "Attending")
        days = rng.integers(7, 40, len(people))
        seconds = rng.integers(8 * 3600, 20 * 3600, len(people))
        order_date = [pd.Timestamp(first.date) - pd.Timedelta(days=int(d)) + pd.Timedelta(seconds=int(s))
                      for d, s in zip(days, seconds)]
        attendees = pd.DataFrame({
            "person_key": people["person_key"].to_numpy(),
            "first_name": people["first"].to_numpy(),
            "last_name": people["last"].to_numpy(),
            "email": people["email"].to_numpy(),
            "ticket_type": "Councillor (free)",
            "order_date": order_date,
            "attendee_status": status,
        }).sort_values("order_date").reset_index(drop=True)
        written = self.call("eventbrite", "write_eventbrite", "attendance/eventbrite-attendee-summary.csv",
                            event=event, attendees=attendees)
        self.pin("attendance/eventbrite-attendee-summary.csv", session=first.id)
        if written is not None:  # the pin tells cleaning which session the list is for
            for table in written.tables.values():
                if "session_id" in table.columns:
                    table["session_id"] = first.id

    # ---- surveys
    def write_surveys(self) -> None:
        before = self.people.set_index("person_key")["posts_per_week"]
        surveys, latent = build_surveys(self.world, lambda *n: self.rng("surveys", *n), before)
        self.latent = latent
        self.write_survey_files(surveys, lambda survey: _survey_file_name(self.design.id, survey))

    def write_survey_files(self, surveys, file_name) -> None:
        """Write each survey with its tool's writer to ``surveys/<file_name(survey)>.<ext>``,
        pin the file's wave (and session) in programme.yml, and note who completed the post
        survey."""
        for survey in surveys:
            module, name, ext = _SURVEY_WRITERS[survey.tool]
            relative = f"surveys/{file_name(survey)}.{ext}"
            written = self.call(module, name, relative, answers=survey.answers)
            if written is None:
                continue
            facts = {"wave": survey.wave}
            if survey.session_id:
                facts["session"] = survey.session_id
            self.pin(relative, **facts)
            if survey.wave == "post":
                self.completed_post = set(survey.answers["person_key"])

    # ---- metrics
    def accounts(self, platform: str) -> list[tuple[pd.Series, Account]]:
        column = "x_handle" if platform == "x" else "facebook_page"
        people = self.people[self.people[column].notna() & (self.people["in_cohort"] | self.people["comparison"])]
        found = []
        for _, person in people.iterrows():
            account = account_activity(self.world, person, platform, self.rng("activity", platform,
                                                                              person["person_key"]))
            found.append((person, account))
            if platform == "x":
                self.followers.append(account.daily[["person_key", "date", "followers"]].assign(
                    pilot_id=self.design.id, platform="x", account=account.name))
        return found

    def write_x_classic(self) -> None:
        first, last = metrics_window(self.world)
        quarters = _quarters(first, last)
        for n, (person, account) in enumerate(self.accounts("x")):
            handle = account.name
            for q, (start, end) in enumerate(quarters):
                label = f"{handle}_{start:%Y%m%d}_{end:%Y%m%d}_en.csv"
                mask = (account.daily["date"] >= start) & (account.daily["date"] <= end)
                daily = account.daily.loc[mask, ["person_key", "date", "posts", "impressions", "engagements",
                                                 "likes", "reposts", "replies", "profile_visits", "link_clicks",
                                                 "new_follows"]].reset_index(drop=True)
                stamp_day = account.posts["timestamp"].dt.tz_convert(TIMEZONE).dt.date
                posts = account.posts[(stamp_day >= start) & (stamp_day <= end)]
                posts = posts[["person_key", "post_id", "timestamp", "text", "is_reply", "impressions",
                               "engagements", "likes", "reposts", "replies", "profile_clicks",
                               "url_clicks"]].reset_index(drop=True)
                self.call("x_classic", "write_x_tweet_activity", f"metrics/x/{handle}/tweet_activity_metrics_{label}",
                          handle=handle, posts=posts, legacy_favorites=(n % 7 == 3 and q == 0))
                self.call("x_classic", "write_x_daily_activity",
                          f"metrics/x/{handle}/daily_tweet_activity_metrics_{label}", handle=handle, daily=daily)

    def write_facebook(self) -> None:
        first, last = metrics_window(self.world)
        middle = first + (last - first) / 2
        for n, (person, account) in enumerate(self.accounts("facebook")):
            for part, (start, end) in enumerate(((first, middle), (middle + dt.timedelta(days=1), last))):
                mask = (account.daily["date"] >= start) & (account.daily["date"] <= end)
                daily = account.daily.loc[mask, ["person_key", "date", "page_likes", "new_follows", "unfollows",
                                                 "engagements", "reach", "impressions", "views"]]
                name = (f"metrics/facebook/Facebook Insights Data Export - {account.name} - "
                        f"{start:%Y-%m-%d} - {end:%Y-%m-%d}.csv")
                self.call("facebook", "write_facebook_insights", name, page=account.name,
                          daily=daily.reset_index(drop=True),
                          encoding="cp1252" if (n == 1 and part == 1) else "utf-8")

    def write_x_premium(self) -> None:
        first, last = metrics_window(self.world)
        for person, account in self.accounts("x"):
            handle = account.name
            daily = account.daily[["person_key", "date", "impressions", "likes", "engagements", "bookmarks",
                                   "shares", "new_follows", "unfollows", "replies", "reposts", "profile_visits",
                                   "posts", "video_views", "media_views"]]
            self.call("x_premium", "write_x_account_overview", f"metrics/{handle}/account_overview_analytics.csv",
                      account=handle, daily=daily.reset_index(drop=True))
            posts = account.posts.rename(columns={"profile_clicks": "profile_visits"})
            self.call("x_premium", "write_x_account_content",
                      f"metrics/{handle}/account_analytics_content_{first:%Y-%m-%d}_{last:%Y-%m-%d}.csv",
                      account=handle, posts=posts.reset_index(drop=True))

    def write_meta_suite(self) -> None:
        writer = self.writers.get("meta_suite", "write_meta_suite")
        if writer is None:
            return
        for n, (person, account) in enumerate(self.accounts("facebook")):
            relative = f"metrics/{account.name}"
            folder = self.folder / relative
            folder.mkdir(parents=True, exist_ok=True)
            daily = account.daily[["person_key", "date", "views", "new_follows", "reach", "engagements",
                                   "link_clicks"]].reset_index(drop=True)
            written = writer(folder, source_dir=f"{self.design.id}/{relative}", daily=daily,
                             omit_zero_days=(n % 2 == 0), rng=self.rng("file", relative))
            self.collector.add(self.design.id, written)

    # ---- programme.yml and truth
    def programme_entry(self) -> dict:
        d = self.design
        sessions = []
        for s in d.sessions:
            entry = {"id": s.id, "kind": s.kind, "theme": s.theme, "date": s.date.isoformat(), "start": s.start,
                     "mode": s.mode, "label": s.label}
            if s.aliases:
                entry["aliases"] = list(s.aliases)
            sessions.append(entry)
        pilot = {"id": d.id, "name": d.name, "authorities": list(d.authorities), "tier": d.tier,
                 "region": d.region, "geography": d.geography, "sessions": sessions}
        if self.pins:
            pilot["files"] = self.pins
        return pilot

    def people_truth(self) -> pd.DataFrame:
        people = self.people
        return pd.DataFrame({
            "person_key": people["person_key"],
            "pilot_id": self.design.id,
            "roster_id": people["roster_id"].astype("object").where(people["roster_id"].notna(), None),
            "name": people["name"].astype("object").where(people["name"].notna(), None),
            "role": people["role"],
            "authority": people["authority"].astype("object").where(people["authority"].notna(), None),
            "party": people["party"].astype("object").where(people["party"].notna(), None),
            "kind": people["kind"],
            "in_cohort": people["in_cohort"].astype(bool),
            "comparison": people["comparison"].astype(bool),
            "baseline_skill": people["baseline_skill"].astype("object").where(people["baseline_skill"].notna(), None),
            "sessions_attended": people["sessions_attended"].astype(int),
            "completed_post": people["person_key"].isin(self.completed_post),
            "posts_per_week_before": people["posts_per_week"].astype(float),
            "posts_per_week_after": people["posts_per_week_after"].astype(float),
            "reply_share_before": people["reply_share"].astype(float),
            "reply_share_after": people["reply_share_after"].astype(float),
            "x_handle": people["x_handle"].astype("object").where(people["x_handle"].notna(), None),
            "facebook_page": people["facebook_page"].astype("object").where(people["facebook_page"].notna(), None),
        })


# --------------------------------------------------------------------------- names as written

def _printed_name(person: pd.Series) -> str:
    """A name as printed on a pre-printed sign-in list ("Cllr Aisha Patel (Lab)")."""
    if person.get("first") == "Jane" and person.get("last") == "Smith":
        return "Cllr J. Smith"
    if person.get("first") == "Siân" and person.get("last") == "Davies-Jones":
        return "Cllr S. Davies-Jones"
    if person["role"] != "councillor":
        return f"{person['first']} {person['last']}"
    return f"Cllr {person['first']} {person['last']}{party_suffix(person.get('party'))}"


def _signed_name(person: pd.Series, rng: np.random.Generator) -> str:
    """A name as typed from a signature on a blank sign-in sheet (varied)."""
    first, last = person["first"], person["last"]
    if person["role"] != "councillor":
        return f"{first} {last}" if rng.random() < 0.7 else f"{first[0]}. {last}"
    style = int(rng.integers(0, 4))
    return [f"Cllr {first} {last}", f"Cllr {first[0]}. {last}", f"{first} {last}{party_suffix(person['party'])}",
            f"Councillor {first} {last}"][style]


def _organisation(person: pd.Series, pilot_id: str) -> str:
    if person["role"] == "councillor":
        if pilot_id in ("suffolk",):
            return {"Suffolk County Council": "SCC", "Babergh District Council": "Babergh",
                    "Mid Suffolk District Council": "Mid Suffolk", "Ipswich Borough Council": "Ipswich BC",
                    "East Suffolk Council": "East Suffolk", "West Suffolk Council": "West Suffolk"}.get(
                person["authority"], person["authority"] or "")
        if not person["on_roster"]:
            return person["authority"] or ""
        return ""
    return person.get("job") or ""


def _mark(status: str, rng: np.random.Generator, style: str = "tick") -> str:
    if status == "present":
        options = ["✓", "✓", "✓", "✓", "Y", "x", "Present"] if style == "tick" else ["✓", "✓", "Y", "1", "x", "yes"]
        return options[int(rng.integers(len(options)))]
    if status == "apologies":
        return ["apols", "Apologies", "A"][int(rng.integers(3))]
    return ""


def _survey_file_name(pilot_id: str, survey) -> str:
    base = {
        "kirklees-2010": "Evaluation sheets 13 Oct 2010 - typed up",
        "suffolk": {"pre": "Councillor social media programme - before you start",
                    "post": "Councillor social media programme - after the programme",
                    "feedback": "Workshop feedback - {session}"},
        "solihull": {"pre": "Social media programme - before we start",
                     "post": "Social media programme - looking back",
                     "feedback": "Social media programme - {session} feedback"},
        "yorkshire-humber": {"pre": "YH social media programme - baseline survey",
                             "post": "YH social media programme - end of programme survey",
                             "feedback": "YH social media programme - {session} feedback"},
    }[pilot_id]
    if isinstance(base, str):
        return base
    name = base[survey.wave].format(session=survey.session_id.replace("-", " ").title() if survey.session_id else "")
    if survey.tool == "ms_forms":
        name += f"(1-{survey.answers['record'].nunique()})"
    return name


# --------------------------------------------------------------------------- online meetings

def _whole(ts: pd.Timestamp) -> pd.Timestamp:
    return ts.floor("s")


def _teams_identity(person: pd.Series) -> dict:
    """Teams name, email and UPN as the organising (county) tenant shows them."""
    first, last = person["first"], person["last"]
    email = person["email"]
    kind = person["kind"]
    if kind == "guest":
        return {"name": f"{first} {last} (Guest)", "email": email or "", "upn": ""}
    if first == "Jane" and last == "Smith":  # joins from her district account
        email = person["aliases"][0]
    domain = email.split("@")[1]
    if domain == "suffolk.gov.uk":
        return {"name": f"{last}, {first}", "email": email, "upn": email}
    upn = email.replace("@", "_") + "#EXT#@suffolkcc.onmicrosoft.com"
    if domain in ("eastsuffolk.gov.uk", "westsuffolk.gov.uk", "baberghmidsuffolk.gov.uk"):
        return {"name": f"{last}, {first} (External)", "email": email, "upn": upn}
    return {"name": f"{first} {last} (External)", "email": email, "upn": upn}


def _intervals(rng: np.random.Generator, start: pd.Timestamp, end: pd.Timestamp, *, host: bool = False,
               late_ok: bool = True) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """One person's join/leave intervals in an online session (reconnects, early leavers)."""
    length = (end - start).total_seconds()
    if host:
        join = start - pd.Timedelta(minutes=float(rng.uniform(10, 20)))
        leave = end + pd.Timedelta(minutes=float(rng.uniform(2, 8)))
        return [(_whole(join), _whole(leave))]
    join = start + pd.Timedelta(seconds=float(rng.normal(-60, 200)))
    if late_ok and rng.random() < 0.12:
        join = start + pd.Timedelta(minutes=float(rng.uniform(5, 35)))
    leave = end + pd.Timedelta(seconds=float(rng.normal(60, 150)))
    if rng.random() < 0.15:
        leave = start + pd.Timedelta(seconds=length * float(rng.uniform(0.55, 0.9)))
    pieces = [(join, leave)]
    if rng.random() < 0.25:  # dropped and reconnected
        cut = join + (leave - join) * float(rng.uniform(0.2, 0.8))
        back = cut + pd.Timedelta(seconds=float(rng.uniform(30, 240)))
        pieces = [(join, cut), (back, leave)]
    if rng.random() < 0.06:  # joined again from a phone while still on the laptop
        a = join + (leave - join) * float(rng.uniform(0.3, 0.6))
        pieces.append((a, a + pd.Timedelta(minutes=float(rng.uniform(3, 10)))))
    return [(_whole(a), _whole(b)) for a, b in pieces if b > a]


def _teams_segments(world: PilotWorld, session, rng: np.random.Generator, identity=None) -> pd.DataFrame:
    """Join/leave intervals of everyone online at ``session``; ``identity(person)`` gives the
    name, email and UPN Teams shows (the sample's Suffolk tenant by default)."""
    identity = identity or _teams_identity
    start, end = session_bounds(session)
    online = world.present(session.id, mode="online")
    rows = []
    for _, person in online.iterrows():
        job = person.get("job")
        host = job in ("Member Development Officer", "Trainer")
        role = "Organizer" if job == "Member Development Officer" else "Presenter" if job == "Trainer" else "Attendee"
        shown = identity(person)
        for join, leave in _intervals(rng, start, end, host=host):
            rows.append({"person_key": person["person_key"], **shown, "role": role, "join": join, "leave": leave})
    frame = pd.DataFrame(rows, columns=["person_key", "name", "email", "upn", "role", "join", "leave"])
    return frame.sort_values(["join", "person_key"]).reset_index(drop=True)


def _zoom_segments(world: PilotWorld, session, rng: np.random.Generator, identity=None) -> pd.DataFrame:
    """Zoom intervals of everyone online at ``session`` (waiting room included);
    ``identity(person, session_id, rng)`` gives (display name, original name, email)."""
    identity = identity or _zoom_identity
    start, end = session_bounds(session)
    online = world.present(session.id, mode="online")
    rows = []
    for _, person in online.iterrows():
        key = person["person_key"]
        job = person.get("job")
        host = job in ("Trainer", "Member Support Officer")
        name, original, email = identity(person, session.id, rng)
        guest = not host
        pieces = _intervals(rng, start, end, host=host)
        if person["kind"] == "dial-in":
            pieces = [(_whole(start + pd.Timedelta(minutes=float(rng.uniform(8, 15)))),
                       _whole(end - pd.Timedelta(minutes=float(rng.uniform(20, 40)))))]
        admitted = _whole(start + pd.Timedelta(seconds=float(rng.uniform(5, 90))))
        for n, (join, leave) in enumerate(pieces):
            if not host and n == 0 and join < admitted:  # waits in the waiting room until the host admits
                rows.append({"person_key": key, "name": name, "original_name": original, "email": email,
                             "join": join, "leave": admitted, "guest": guest, "waiting_room": True})
                join = admitted
            rows.append({"person_key": key, "name": name, "original_name": original, "email": email,
                         "join": join, "leave": leave, "guest": guest, "waiting_room": False})
    frame = pd.DataFrame(rows, columns=["person_key", "name", "original_name", "email", "join", "leave", "guest",
                                        "waiting_room"])
    return frame.sort_values(["join", "person_key"]).reset_index(drop=True)


def _zoom_identity(person: pd.Series, session_id: str, rng: np.random.Generator) -> tuple[str, str | None, str | None]:
    """(display name, original name or None, email or None) as Zoom lists the person."""
    first, last, kind = person["first"], person["last"], person["kind"]
    if kind == "dial-in":
        return "+44 7700 900123", None, None
    if kind == "guest":
        return f"{first} {last} (Digital Democracy Trust)", None, None
    if first == "Priya" and last == "Sharma":
        if session_id == "masterclass":
            return "Priya Sharma", "Priya's iPhone", None
        if session_id == "workshop-2":
            return "Cllr P Sharma", None, "priyasharma73@gmail.com"
        return "Priya Sharma", None, person["email"]
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
    return f"{first} {last} ({_council_short(person['authority'])})", None, email


def _council_short(authority: str) -> str:
    return {"Leeds City Council": "Leeds CC", "Hull City Council": "Hull CC", "North Yorkshire Council": "NYC",
            "Calderdale Council": "Calderdale", "Barnsley Council": "Barnsley MBC",
            "East Riding of Yorkshire Council": "ERYC"}.get(authority, authority)


def _quarters(first: dt.date, last: dt.date) -> list[tuple[dt.date, dt.date]]:
    """Calendar quarters clipped to [first, last]: the periods of the X classic exports."""
    out = []
    start = first
    while start <= last:
        q_end_month = ((start.month - 1) // 3 + 1) * 3
        q_end = (pd.Timestamp(start.year, q_end_month, 1) + pd.offsets.MonthEnd(0)).date()
        end = min(q_end, last)
        out.append((start, end))
        start = end + dt.timedelta(days=1)
    return out


# --------------------------------------------------------------------------- programme.yml

def _write_programme(out: Path, pilots: list[dict], *,
                     name: str = "Councillors online: social media skills pilots (sample)",
                     description: str = ("A fictional programme built by `evalkit sample` to show and test evalkit: "
                                         "four pilots whose files are written exactly as the real tools write them. "
                                         "Councils are real; people, answers and numbers are not."),
                     comment: str = "The sample programme (generated by `evalkit sample`; see README.md).") -> None:
    programme = {
        "name": name,
        "description": description,
        "settings": {"timezone": TIMEZONE, "disclosure_threshold": 5, "date_order": "auto",
                     "key_file": "DEMO_KEY.md"},
        "items": programme_items(),
        "pilots": pilots,
    }
    text = yaml.safe_dump(programme, sort_keys=False, allow_unicode=True, width=110)
    (out / "programme.yml").write_text(
        f"# {comment}\n" + text, encoding="utf-8")


# --------------------------------------------------------------------------- truth

def _write_truth(out: Path, collector: _Collector, people_frames, latent_frames, followers_frames, planted,
                 seed: int) -> pd.DataFrame:
    truth = out / "truth"
    truth.mkdir(parents=True, exist_ok=True)
    tables: dict[str, list[pd.DataFrame]] = {name: [] for name in TRUTH_TABLES}
    fates, files = [], []
    for pilot_id, written in collector.written:
        for name, table in written.tables.items():
            if name in tables and len(table):
                frame = table.copy()
                frame.insert(0, "pilot_id", pilot_id)
                if "participant_id" in frame.columns:
                    frame = frame.drop(columns="participant_id")
                tables[name].append(frame)
        fate = written.fates.copy()
        fate["pilot_id"] = pilot_id
        if "source_file" not in fate.columns:  # a workbook of several sheets names "<file>#<sheet>"
            fate["source_file"] = written.source_file
        fate["source_file"] = fate["source_file"].fillna(written.source_file)
        fates.append(fate)
        files.append({"pilot_id": pilot_id, "source_file": written.source_file, "format": written.format,
                      "quirks": "; ".join(written.quirks)})
    combined = {}
    for name, frames in tables.items():
        frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame({"pilot_id": []})
        if "source_row" in frame.columns:
            frame["source_row"] = frame["source_row"].astype("Int64")
        combined[name] = frame
        _parquet(frame, truth / f"{name}.parquet")
    row_fates = pd.concat(fates, ignore_index=True) if fates else pd.DataFrame()
    if len(row_fates):
        row_fates = row_fates[["pilot_id", "source_file", "source_row", "fate", "table", "reason"]]
        row_fates["source_row"] = row_fates["source_row"].astype("Int64")
    _parquet(row_fates, truth / "row_fates.parquet")
    files_frame = pd.DataFrame(files, columns=["pilot_id", "source_file", "format", "quirks"])
    files_frame = files_frame.sort_values("source_file").reset_index(drop=True)
    files_frame.to_csv(truth / "files.csv", index=False, lineterminator="\n")
    people = pd.concat(people_frames, ignore_index=True)
    _parquet(people, truth / "people.parquet")
    latent = pd.concat(latent_frames, ignore_index=True)
    _parquet(latent, truth / "confidence.parquet")
    if followers_frames:
        _parquet(pd.concat(followers_frames, ignore_index=True), truth / "followers.parquet")
    identities = _identities(combined, people, planted)
    identities.to_csv(truth / "identities.csv", index=False, lineterminator="\n")
    _write_effects(truth / "effects.yml", people, latent, combined, seed)
    return files_frame


def _parquet(frame: pd.DataFrame, path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.Table.from_pandas(frame.reset_index(drop=True), preserve_index=False), path)


def _identities(tables: dict[str, pd.DataFrame], people: pd.DataFrame, planted: dict[str, dict],
                ambiguous_names=frozenset({"Cllr J. Smith"})) -> pd.DataFrame:
    """Every distinct identity per pilot and table, with the true person and the expected link status.

    ``expected`` is ``linked`` for roster people, ``unmatched`` for people not on the roster
    (strangers, guests, dial-in callers) and for anonymous replies, and ``ambiguous`` for
    the planted "Cllr J. Smith" (``ambiguous_names``: names written without an email that
    fit two roster people). ``case`` names the planted identity cases.
    """
    notes = {(pilot_id, key): text for pilot_id, cases in planted.items() for key, text in cases.items()}
    frames = []
    for name, table in tables.items():
        if table.empty:
            continue
        if name in ("metrics", "posts"):
            ids = pd.DataFrame({"pilot_id": table["pilot_id"], "source_name": None, "source_email": None,
                                "source_handle": table["account"], "person_key": table["person_key"]})
        else:
            ids = pd.DataFrame({"pilot_id": table["pilot_id"], "source_name": table["source_name"],
                                "source_email": table["source_email"], "source_handle": None,
                                "person_key": table["person_key"]})
        ids = ids.astype("object").where(ids.notna(), None)
        ids["source_table"] = name
        frames.append(ids)
    every = pd.concat(frames, ignore_index=True)
    keys = ["pilot_id", "source_table", "source_name", "source_email", "source_handle"]
    every = every.fillna({k: "" for k in keys[2:]})
    grouped = every.groupby(keys, sort=True, dropna=False)["person_key"].agg(lambda s: sorted(set(s)))
    out = grouped.reset_index()
    on_roster = dict(zip(people["pilot_id"] + "/" + people["person_key"], people["roster_id"].notna()))
    expected, person, case = [], [], []
    for row in out.itertuples():  # one per distinct identity (a few hundred)
        keys_here = row.person_key
        anonymous = not (row.source_name or row.source_email or row.source_handle)
        single = keys_here[0] if len(keys_here) == 1 else ""
        person.append(single)
        if anonymous:
            expected.append("unmatched")
            case.append("anonymous reply")
        elif row.source_name in ambiguous_names and not row.source_email:
            expected.append("ambiguous")
            case.append("shares initial and surname with another roster person")
        elif single and not on_roster.get(f"{row.pilot_id}/{single}", False):
            expected.append("unmatched")
            case.append(notes.get((row.pilot_id, single), "not on the roster"))
        else:
            expected.append("linked")
            case.append(notes.get((row.pilot_id, single), ""))
    out["person_key"] = person
    out["expected"] = expected
    out["case"] = case
    return out[["pilot_id", "source_table", "source_name", "source_email", "source_handle", "person_key",
                "expected", "case"]]


def _write_effects(path: Path, people: pd.DataFrame, latent: pd.DataFrame, tables: dict, seed: int) -> None:
    effects = _effects(people, latent, tables, seed)
    path.write_text(yaml.safe_dump(effects, sort_keys=False, allow_unicode=True, width=110), encoding="utf-8")


def _effects(people: pd.DataFrame, latent: pd.DataFrame, tables: dict, seed: int) -> dict:
    """The effects built in (definitions and parameters) and how they came out per pilot
    (``realised_confidence``, ``realised_activity``). ``tables["metrics"]`` need only hold
    ``pilot_id``: pilots with metrics get realised activity."""
    cohort = people[people["in_cohort"] & people["roster_id"].notna()]
    completers = people[people["completed_post"]]
    paired = latent.merge(completers[["pilot_id", "person_key"]], on=["pilot_id", "person_key"])
    realised = {}
    for pilot_id, part in paired.groupby("pilot_id"):
        realised[pilot_id] = {
            "completers": int(part["person_key"].nunique()),
            "mean_post_minus_pre": round(float((part["post"] - part["pre"]).mean()), 3),
            "mean_then_minus_pre": round(float((part["then"] - part["pre"]).mean()), 3),
        }
    posting = {}
    with_metrics = set(tables["metrics"]["pilot_id"]) if "pilot_id" in tables["metrics"] else set()
    for pilot_id, part in cohort[cohort["pilot_id"].isin(with_metrics)].groupby("pilot_id"):
        councillors = part[part["role"] == "councillor"]
        posting[pilot_id] = {
            "cohort_posts_per_week_before": round(float(councillors["posts_per_week_before"].mean()), 3),
            "cohort_posts_per_week_after": round(float(councillors["posts_per_week_after"].mean()), 3),
            "cohort_reply_share_before": round(float(councillors["reply_share_before"].mean()), 3),
            "cohort_reply_share_after": round(float(councillors["reply_share_after"].mean()), 3),
        }
    effects = {
        "seed": seed,
        "confidence": {
            "definition": ("Each cohort member's latent confidence on each confidence item (conf_role, "
                           "conf_footprint, conf_debate, conf_network) is their baseline skill score "
                           "(beginner 1.7, developing 2.5, confident 3.3, fluent 4.2) plus an item offset "
                           "(0, -0.2, -0.45, -0.25) plus normal noise (sd item_noise_sd). The answer is the "
                           "latent score rounded to the nearest point and clipped to 1-5."),
            "post_shift_latent": EFFECTS["confidence_shift"],
            "post_shift_noise_sd": EFFECTS["confidence_noise_sd"],
            "post_definition": ("Post = pre latent + post_shift_latent + normal noise; only completers answer "
                                "the post survey. Rounding and the ceiling at 5 make the observed shift smaller "
                                "than the latent one for fluent members (see realised)."),
            "item_noise_sd": EFFECTS["item_noise_sd"],
        },
        "response_shift": {
            "definition": ("At the post survey completers also rate their confidence *before* the programme "
                           "(wave 'then'): then latent = pre latent - response_shift + normal noise "
                           "(sd then_noise_sd), so 'then' ratings sit below the pre ratings."),
            "response_shift": EFFECTS["response_shift"],
            "then_noise_sd": EFFECTS["then_noise_sd"],
        },
        "realised_confidence": realised,
        "activity": {
            "definition": ("Posts a day are Poisson with rate (posts_per_week / 7) x weekday factor (0.6 at "
                           "weekends, 1.12 on weekdays). From the date of each session a councillor attended, "
                           "posts_per_week rises by posts_per_week_per_session and the share of posts that are "
                           "replies by reply_share_per_session (capped at reply_share_cap). Comparison "
                           "councillors attend nothing: their rates are flat. Facebook page posting is 0.6 x "
                           "the X rate with 0.3 x the reply share."),
            "posts_per_week_per_session": ACTIVITY["posts_per_week_per_session"],
            "reply_share_per_session": ACTIVITY["reply_share_per_session"],
            "reply_share_cap": ACTIVITY["reply_share_cap"],
            "baseline_posts_per_week_by_skill": dict(ACTIVITY["posts_per_week"]),
            "baseline_reply_share_by_skill": dict(ACTIVITY["reply_share"]),
            "comparison_trend": "flat (no change at any date)",
            "followers": ("new follows a day ~ Poisson(0.0009 x followers_at_start + 0.5 x posts that day), "
                          "unfollows ~ Poisson(0.0004 x followers_at_start); followers_at_start on the roster "
                          "is the count at the start of the first day of the metrics window (13 weeks before "
                          "the first session)"),
        },
        "realised_activity": posting,
        "feedback": {
            "find_out_more_yes_probability": EFFECTS["find_out_more_yes"],
            "useful_latent_mean": 4.1,
            "relevant_latent_mean": 3.9,
            "recommend_mean_0_10": 8.0,
        },
    }
    return effects
