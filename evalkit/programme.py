"""The programme folder contract: ``programme.yml`` and the files beside it.

A programme folder holds ``programme.yml`` and one folder per pilot::

    <programme>/
      programme.yml
      <pilot-id>/
        roster.csv      everyone eligible or invited (see ROSTER_COLUMNS)
        attendance/     sign-in sheets, Teams and Zoom reports, Eventbrite lists
        surveys/        Microsoft Forms, Google Forms, SurveyMonkey, typed-up paper sheets
        metrics/        X / Twitter and Facebook exports

``load_programme`` reads and checks ``programme.yml`` and returns a :class:`Programme`.
Every problem is reported at once, each naming its key (``pilots[1].sessions[0].date``)
and what is wrong. ``docs/programme.md`` documents every key with an example.

>>> from evalkit.programme import load_programme
>>> programme = load_programme("data/sample")
>>> [pilot.id for pilot in programme.pilots]
['kirklees-2010', 'suffolk', 'solihull', 'yorkshire-humber']
"""

from __future__ import annotations

import datetime as dt
import os
import pickle
import re
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .scales import SCALES, key

__all__ = [
    "Item",
    "ItemQuestion",
    "FilePin",
    "Pilot",
    "Programme",
    "ProgrammeError",
    "Resolution",
    "Session",
    "Settings",
    "ROSTER_COLUMNS",
    "load_programme",
]

PROGRAMME_FILE = "programme.yml"

#: Columns of ``<pilot>/roster.csv``. ``name`` and ``role`` are required; the rest may be blank.
ROSTER_COLUMNS = {
    "roster_id": "a short, stable key for the person within the pilot (e.g. K017); never reused",
    "name": "full name as the council publishes it",
    "role": "councillor, officer or other",
    "authority": "the council the person belongs to",
    "party": "political group (councillors)",
    "email": "work email address",
    "x_handle": "X / Twitter handle, with or without @",
    "facebook_page": "name of the person's public Facebook page",
    "in_cohort": "yes when the person is a delegate on the programme",
    "comparison": "yes when the person is a non-participating councillor in the comparison set",
    "aliases": "other names, emails or handles the person is known by, separated by ';'",
    "followers_at_start": "follower count on X at the roster date, to anchor follower totals",
}

ANSWER_SCALES = tuple(SCALES) + ("text",)


class ProgrammeError(ValueError):
    """``programme.yml`` (or the folder around it) cannot be used. ``problems`` lists each."""

    def __init__(self, path: Path, problems: list[str]):
        self.path = path
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"{path}: {len(problems)} problem(s):\n{lines}")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Settings(_Model):
    """Programme-wide settings; every key has a sensible default."""

    timezone: str = "Europe/London"
    #: counts based on fewer people than this are suppressed in commissioner outputs
    disclosure_threshold: int = Field(5, ge=1)
    #: how to read ambiguous dates such as 03/04/22 when a file's own values do not decide
    date_order: Literal["auto", "day-first", "month-first"] = "auto"
    #: rapidfuzz score (0-100) a name must reach to be linked by fuzzy matching
    fuzzy_threshold: float = Field(88.0, ge=0, le=100)
    #: two roster people within this many points of each other make a match ambiguous
    ambiguity_margin: float = Field(3.0, ge=0, le=100)
    #: environment variable holding the pseudonym key
    key_env: str = "EVALKIT_KEY"
    #: file holding the pseudonym key, used when the variable is not set (keep it outside the repo)
    key_file: str | None = None
    #: seed for every resampling method, so reports render the same numbers twice
    seed: int = 20101

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone '{value}' (use an IANA name such as Europe/London)")
        return value


class Session(_Model):
    id: str
    kind: Literal["workshop", "masterclass", "awareness", "surgery"]
    theme: str | None = None
    date: dt.date
    #: local start time, HH:MM
    start: str | None = None
    mode: Literal["in-person", "online", "hybrid"] = "in-person"
    #: a short human label ("Workshop 2"); also matched against register column headers
    label: str | None = None
    #: other names files use for the session (register column headers, sheet names)
    aliases: tuple[str, ...] = ()

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        return _check_slug(value)

    @field_validator("start")
    @classmethod
    def _hhmm(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", str(value)):
            raise ValueError(f"start must be a time like 09:30, not '{value}'")
        return value

    def names(self) -> list[str]:
        """Every name the session may go by in a file, folded for comparison."""
        found = [self.id, *(self.aliases)]
        if self.label:
            found.append(self.label)
        return [key(n) for n in found]


class FilePin(_Model):
    """Facts about one input file that its content cannot tell (or that override detection)."""

    path: str
    format: str | None = None
    session: str | None = None
    wave: Literal["pre", "post", "then", "feedback"] | None = None
    date_order: Literal["day-first", "month-first"] | None = None
    #: the account a metrics file belongs to (when the file does not name it)
    account: str | None = None
    #: leave this file out of cleaning (it is still listed in the summary)
    ignore: bool = False


class Pilot(_Model):
    id: str
    name: str
    authorities: tuple[str, ...]
    tier: Literal["single", "two-tier", "multi-authority"] = "single"
    region: str | None = None
    geography: Literal["compact", "wide"] | None = None
    roster: str = "roster.csv"
    sessions: tuple[Session, ...]
    files: tuple[FilePin, ...] = ()

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        return _check_slug(value)

    @field_validator("authorities", "sessions")
    @classmethod
    def _not_empty(cls, value: tuple) -> tuple:
        if not value:
            raise ValueError("must list at least one")
        return value

    @model_validator(mode="after")
    def _sessions_unique(self) -> "Pilot":
        ids = [s.id for s in self.sessions]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"session ids repeat: {', '.join(dupes)}")
        known = set(ids)
        for n, pin in enumerate(self.files):
            if pin.session and pin.session not in known:
                raise ValueError(
                    f"files[{n}] ({pin.path}) names session '{pin.session}', "
                    f"which is not one of: {', '.join(ids)}"
                )
        return self

    def session(self, session_id: str) -> Session:
        for s in self.sessions:
            if s.id == session_id:
                return s
        raise KeyError(session_id)

    def pin(self, relative_path: str) -> FilePin | None:
        """The pin for a file, given its path relative to the pilot or the programme folder."""
        wanted = relative_path.replace("\\", "/")
        for pin in self.files:
            if wanted in (pin.path, f"{self.id}/{pin.path}"):
                return pin
        return None


class ItemQuestion(_Model):
    #: the question as the export writes it (matched ignoring case, spacing and end punctuation)
    text: str
    #: the wave this wording belongs to, e.g. ``then`` for a retrospective-pre question
    wave: Literal["pre", "post", "then", "feedback"] | None = None


class Item(_Model):
    """One canonical survey item and the exported question texts that ask it."""

    id: str
    scale: str
    #: short plain-English description used in reports
    label: str
    questions: tuple[ItemQuestion, ...]
    #: extra answer spellings: label → canonical label, number, or null for a non-response
    aliases: dict[str, float | str | None] = Field(default_factory=dict)

    @field_validator("scale")
    @classmethod
    def _known_scale(cls, value: str) -> str:
        if value not in ANSWER_SCALES:
            raise ValueError(f"unknown scale '{value}'; scales are: {', '.join(ANSWER_SCALES)}")
        return value

    @field_validator("questions")
    @classmethod
    def _has_questions(cls, value: tuple) -> tuple:
        if not value:
            raise ValueError("must list at least one question wording")
        return value

    @field_validator("questions", mode="before")
    @classmethod
    def _plain_strings(cls, value):
        if isinstance(value, (list, tuple)):
            return [{"text": v} if isinstance(v, str) else v for v in value]
        return value


class Resolution(_Model):
    """An evaluator's decision about an identity the linker could not settle."""

    pilot: str
    #: the name, email or handle as it appears in the source
    identity: str
    #: the roster_id it belongs to, or ``not-a-participant`` (a guest, a stranger)
    participant: str
    #: limit the decision to one source table (attendance, responses, ...)
    source_table: str | None = None
    note: str | None = None


class Programme(_Model):
    name: str
    description: str | None = None
    settings: Settings = Settings()
    items: tuple[Item, ...] = ()
    pilots: tuple[Pilot, ...]
    resolutions: tuple[Resolution, ...] = ()
    #: the programme folder (set by load_programme)
    root: Path | None = None

    @field_validator("pilots")
    @classmethod
    def _some_pilots(cls, value: tuple) -> tuple:
        if not value:
            raise ValueError("must list at least one pilot")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> "Programme":
        problems = []
        pilot_ids = [p.id for p in self.pilots]
        for dup in sorted({i for i in pilot_ids if pilot_ids.count(i) > 1}):
            problems.append(f"pilot id '{dup}' is used twice")
        item_ids = [i.id for i in self.items]
        for dup in sorted({i for i in item_ids if item_ids.count(i) > 1}):
            problems.append(f"item id '{dup}' is used twice")
        seen: dict[str, str] = {}
        for item in self.items:
            for q in item.questions:
                k = question_key(q.text)
                if k in seen and seen[k] != item.id:
                    problems.append(
                        f"question '{q.text}' is mapped to both '{seen[k]}' and '{item.id}'"
                    )
                seen[k] = item.id
        for n, res in enumerate(self.resolutions):
            if res.pilot not in pilot_ids:
                problems.append(f"resolutions[{n}].pilot: '{res.pilot}' is not a pilot id")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def pilot(self, pilot_id: str) -> Pilot:
        for p in self.pilots:
            if p.id == pilot_id:
                return p
        raise KeyError(
            f"no pilot '{pilot_id}' in programme '{self.name}'; pilots are: "
            + ", ".join(p.id for p in self.pilots)
        )

    @property
    def slug(self) -> str:
        """Folder-safe name of the programme (the programme folder's name)."""
        return self.root.name if self.root else re.sub(r"[^a-z0-9]+", "-", self.name.lower()).strip("-")

    def item_for_question(self, text: str) -> tuple[Item, ItemQuestion] | None:
        """The item (and wording) an exported question text maps to, if any."""
        wanted = question_key(text)
        for item in self.items:
            for q in item.questions:
                if question_key(q.text) == wanted:
                    return item, q
        return None


def question_key(text: str) -> str:
    """Fold a question text for matching: case, spacing, curly quotes and end punctuation."""
    return key(text).rstrip(" ?:.*")


def _check_slug(value: str) -> str:
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", value):
        raise ValueError(
            f"'{value}' is not a valid id: use lower-case letters, digits and hyphens"
        )
    return value


def load_programme(path: str | Path) -> Programme:
    """Read and check ``programme.yml`` in the folder ``path`` (or the file itself).

    Raises
    ------
    ProgrammeError
        Naming every problem with its key, e.g.
        ``pilots[0].sessions[2].date: not a date ('2011-13-01')``.
    """
    path = Path(path)
    file = path / PROGRAMME_FILE if path.is_dir() else path
    root = file.parent
    if not file.exists():
        raise ProgrammeError(file, [f"no {PROGRAMME_FILE} here (is this a programme folder?)"])
    stat = file.stat()
    key = (str(file), "" if file.is_absolute() else os.getcwd())
    kept = _READ.get(key)
    if kept is not None and kept[:2] == (stat.st_mtime_ns, stat.st_size):
        programme = pickle.loads(kept[2])  # a copy of its own for each caller
    else:
        programme = _parse(file, root)
        _READ.pop(key, None)
        _READ[key] = (stat.st_mtime_ns, stat.st_size, pickle.dumps(programme, protocol=pickle.HIGHEST_PROTOCOL))
        while len(_READ) > 8:
            _READ.pop(next(iter(_READ)))

    problems = []
    for n, pilot in enumerate(programme.pilots):
        folder = root / pilot.id
        if not folder.is_dir():
            problems.append(f"pilots[{n}] ({pilot.id}): folder '{pilot.id}/' is missing")
            continue
        if not (folder / pilot.roster).exists():
            problems.append(f"pilots[{n}].roster: '{pilot.id}/{pilot.roster}' does not exist")
        for m, pin in enumerate(pilot.files):
            if not (folder / pin.path).exists():
                problems.append(f"pilots[{n}].files[{m}].path: '{pilot.id}/{pin.path}' does not exist")
    if problems:
        raise ProgrammeError(file, problems)
    return programme


#: programme files read in this process: (path, working folder) → (modification time, size,
#: the checked programme pickled). A kernel that renders report after report reads a
#: national programme.yml (300 pilots, a quarter of a second to parse and check) once; the
#: folders and files it names are still checked on every load.
_READ: dict[tuple[str, str], tuple[int, int, bytes]] = {}


def _parse(file: Path, root: Path) -> Programme:
    """The programme in ``file``, parsed and checked (not its folders and files)."""
    try:
        raw = yaml.load(file.read_text(encoding="utf-8"), Loader=_TextDatesLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise ProgrammeError(file, [f"{where}not valid YAML ({getattr(exc, 'problem', exc)})"]) from None
    except UnicodeDecodeError as exc:
        raise ProgrammeError(file, [f"not UTF-8 text ({exc.reason} at byte {exc.start})"]) from None
    if not isinstance(raw, dict):
        raise ProgrammeError(file, ["the file must be a mapping with keys name, pilots, ..."])
    try:
        return Programme.model_validate({**raw, "root": root})
    except ValidationError as exc:
        raise ProgrammeError(file, [_describe(err) for err in exc.errors()]) from None


class _TextDatesLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """Safe YAML loading that leaves dates as text, so a bad date is reported by key (with
    libyaml's parser when PyYAML has it: a 300-pilot programme loads ten times faster)."""


_TextDatesLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _describe(error: dict) -> str:
    loc = ""
    for part in error["loc"]:
        if isinstance(part, int):
            loc += f"[{part}]"
        else:
            loc += ("." if loc else "") + str(part)
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "unknown key (check its spelling; docs/programme.md lists the keys)"
    elif error["type"] == "missing":
        message = "required key is missing"
    value = error.get("input")
    shown = ""
    if (error["type"] not in ("missing", "extra_forbidden") and isinstance(value, (str, int, float))
            and str(value) not in message):
        shown = f" ({value!r})"
    return f"{loc or 'programme'}: {message}{shown}"
