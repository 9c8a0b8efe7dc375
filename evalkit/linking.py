"""Linking people across sources to the roster, with every decision kept as data.

One councillor can appear as ``Cllr J. Smith`` on a sign-in sheet, ``Smith, Jane (External)``
in Teams, ``Jane Smith (Jane's iPad)`` in Zoom, ``jane.smith@…`` in a survey and
``@CllrJaneSmith`` in an X export. :func:`link_pilot` links each distinct identity of a pilot
to the roster (the authority on who is who), in this order:

1. exact keys — ``email`` (the roster email), ``handle`` (the roster X handle or Facebook
   page), ``alias`` (any name, email, handle or phone number in the roster's ``aliases``);
2. ``name`` — the normalised name (:func:`evalkit.clean.names.normalise_name`): the full
   name in any word order, then the first and last name (middle names dropped), then
   initials and surname (``J. Smith``);
3. ``fuzzy`` — the best rapidfuzz ``token_sort_ratio`` against the roster's names, at or
   above ``settings.fuzzy_threshold``.

The first step that finds anyone decides. Two roster people found by the same step, two
people scoring within ``settings.ambiguity_margin`` of each other, or an email that points to
one person while the name points to another make the identity **ambiguous**; nobody close
enough makes it **unmatched**; a dial-in phone number is unmatched and never fuzzy-matched.
Neither is ever linked silently: both go to the review queue with their best candidates,
and an evaluator settles them in ``programme.yml`` ``resolutions`` (rule ``manual``).

Everything is computed once per distinct identity, so a table of 100,000 rows with 50
distinct names costs little more than 50 rows.

>>> import pandas as pd
>>> from evalkit.programme import Settings
>>> roster = pd.DataFrame({
...     "roster_id": ["K01", "K02", "K03"],
...     "name": ["Jane Smith", "John Smith", "Siân O'Neill"],
...     "role": ["councillor"] * 3,
...     "email": ["jane.smith@kirklees.gov.uk", None, None],
...     "x_handle": ["CllrJaneSmith", None, None],
... })
>>> attendance = pd.DataFrame({
...     "source_name": ["Smith, Jane (External)", "Cllr J. Smith", "Sian ONeil", "+44 7700 900123"],
...     "source_email": ["jane.smith@kirklees.gov.uk", None, None, None],
... })
>>> linked = link_pilot("kirklees-2010", roster, {"attendance": attendance},
...                     key=b"a demo key, not a real one", settings=Settings())
>>> linked.links[["source_name", "rule", "score", "status"]]
              source_name   rule  score     status
0         +44 7700 900123   None    NaN  unmatched
1           Cllr J. Smith   name  100.0  ambiguous
2              Sian ONeil  fuzzy   95.2     linked
3  Smith, Jane (External)  email  100.0     linked
>>> linked.review[["identity", "status", "candidate_1_name", "candidate_2_name"]]
          identity     status candidate_1_name candidate_2_name
0    Cllr J. Smith  ambiguous       Jane Smith       John Smith
1  +44 7700 900123  unmatched             None             None
>>> linked.counts
        pilot_id  linked  ambiguous  unmatched  not-a-participant
0  kirklees-2010       2          1          1                  0
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from . import schemas, store
from .clean.names import (
    as_text,
    email_to_name,
    fold_email,
    fold_handle,
    fold_page,
    fold_text,
    guest_upn_email,
    handle_to_name,
    initials_key,
    is_phone_number,
    looks_like_email,
    normalise_name,
    phone_key,
    split_original_name,
)
from .programme import Resolution, Settings
from .roster import participant_ids, participants_table

__all__ = [
    "Linked",
    "LinkingError",
    "NOT_A_PARTICIPANT",
    "REVIEW_COLUMNS",
    "identity_frame",
    "link_pilot",
]

#: the ``participant`` value of a resolution that says the identity is nobody on the roster
NOT_A_PARTICIPANT = "not-a-participant"

#: tables whose people are named by ``source_name`` / ``source_email``
PERSON_TABLES = ("attendance", "responses", "comments")
#: tables whose people are named by an ``account`` (X handle or Facebook page name)
ACCOUNT_TABLES = ("metrics", "posts")

#: columns that together make one identity (links keep them; null where a table has none)
IDENTITY = ["source_name", "source_email", "source_handle", "platform", "source_original_name", "source_upn"]

#: how many candidates the review queue shows per identity
CANDIDATES = 3

#: optional column of a table given to :func:`link_pilot`: how many rows each of its rows
#: stands for (a caller with millions of rows passes each distinct identity once)
ROWS = "_rows"

REVIEW_COLUMNS = [
    "pilot_id", "source_table", "identity", "source_name", "source_email", "source_handle",
    "platform", "status", "reason", "n_rows",
    *[f"candidate_{i}_{part}" for i in range(1, CANDIDATES + 1) for part in ("roster_id", "name", "score")],
]

# matching levels, best first: (identity key kind, roster key kind, rule, level)
_EXACT = [
    ("email", "email", "email", 0),
    ("handle", "handle", "handle", 1),
    ("page", "page", "handle", 1),
    ("email", "alias_email", "alias", 2),
    ("handle", "alias_handle", "alias", 2),
    ("page", "alias_page", "alias", 2),
    ("full", "alias_name", "alias", 2),
    ("raw", "alias_page", "alias", 2),
    ("phone", "alias_phone", "alias", 2),
    ("full", "full", "name", 3),
    ("sorted", "sorted", "name", 3),
    ("full", "firstlast", "name", 4),
    ("firstlast", "full", "name", 4),
    ("firstlast", "firstlast", "name", 4),
    ("initials", "initials", "name", 5),
]
_LEVEL_WORDS = {
    0: "the email is the roster email",
    1: "the handle or page is the roster's",
    2: "it is one of the roster's aliases",
    3: "the normalised name '{key}' is the roster name",
    4: "first and last name '{key}' match (a middle name left out)",
    5: "initials and surname '{key}' match",
}
_SORTED_WORDS = "the normalised name has the roster name's words in another order ('{key}')"
#: fuzzy candidates scoring below this are not shown in the review queue (noise)
CANDIDATE_FLOOR = 50.0


class LinkingError(ValueError):
    """Linking cannot go ahead (a resolution names an unknown roster_id, a table holds
    another pilot's rows, the roster repeats a roster_id)."""


@dataclass
class Linked:
    """What linking one pilot gives.

    Attributes
    ----------
    tables
        The tables given, each a new frame with ``participant_id`` filled where linked
        (null for ambiguous, unmatched and not-a-participant identities).
    links
        The canonical ``links`` table: one row per distinct identity per source table, with
        the extra columns ``platform``, ``source_original_name``, ``source_upn``, ``n_rows``
        (rows carrying the identity) and ``reason`` (how it was decided, in words).
    participants
        The canonical ``participants`` table (every roster entry).
    review
        Every ambiguous and unmatched identity with up to three candidates
        (:data:`REVIEW_COLUMNS`); ``identity`` is the text to put in a resolution.
    counts
        One row: ``pilot_id, linked, ambiguous, unmatched, not-a-participant`` (identities
        per source table, as in ``links``).
    notes
        Sentences for the summary (e.g. a resolution that matched nothing).
    """

    tables: dict[str, pd.DataFrame]
    links: pd.DataFrame
    participants: pd.DataFrame
    review: pd.DataFrame
    counts: pd.DataFrame
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- arrays
#
# Linking works on the distinct identities of a pilot and the keys of its roster people,
# held as plain arrays (a "key set" is a dict of equal-length arrays: ``ident`` or
# ``owner``, ``kind``, ``key``, ``origin``); only the tables handed back are frames.

def _combined(*columns: np.ndarray) -> np.ndarray:
    """One code per position for the values of ``columns`` taken together: equal rows get
    equal codes (missing values equal each other), codes numbered in order of appearance."""
    code = np.zeros(len(columns[0]), dtype=np.int64)
    for column in columns:
        part, uniques = pd.factorize(column)
        code = pd.factorize(code * (len(uniques) + 1) + part + 1)[0]
    return code


def _first_seen(code: np.ndarray) -> np.ndarray:
    """True where a code appears for the first time."""
    first = np.zeros(len(code), dtype=bool)
    first[np.unique(code, return_index=True)[1]] = True
    return first


def _sort_order(*columns: np.ndarray) -> np.ndarray:
    """Positions that sort rows by ``columns`` in turn (text in character order, missing
    first), rows equal on all of them kept in their order (a stable sort)."""
    ranks = [pd.factorize(np.asarray(c, dtype=object), sort=True)[0] for c in columns]
    return np.lexsort(ranks[::-1]) if ranks else np.arange(0)


def _join(left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every pair of positions ``(i, j)`` with ``left[i] == right[j]`` (integer codes), in
    ``i`` order, then ``j`` order."""
    order = np.argsort(right, kind="stable")
    ordered = right[order]
    low = np.searchsorted(ordered, left, side="left")
    size = np.searchsorted(ordered, left, side="right") - low
    i = np.repeat(np.arange(len(left)), size)
    start = np.cumsum(size) - size
    j = order[np.arange(len(i)) + np.repeat(low - start, size)]
    return i, j


def _take(keys: dict[str, np.ndarray], where: np.ndarray) -> dict[str, np.ndarray]:
    """The rows ``where`` (positions or a mask) of a key set."""
    return {name: values[where] for name, values in keys.items()}


# --------------------------------------------------------------------------- identities

def _column(frame: pd.DataFrame, *names: str) -> pd.Series:
    """The first of ``names`` that ``frame`` has, as object text with None for blank (the
    values are kept as they are: links show exactly what the table holds)."""
    for name in names:
        if name in frame.columns:
            return as_text(frame[name])
    return pd.Series([None] * len(frame), index=frame.index, dtype="object")


def _identity_sources(table: str, frame: pd.DataFrame) -> dict[str, str | None] | None:
    """The column of ``frame`` each :data:`IDENTITY` column is read from (``None``: the
    table has none), or ``None`` for a table that names no one (see :func:`identity_frame`)."""
    person = table in PERSON_TABLES or bool({"source_name", "source_email"} & set(frame.columns))
    account = table in ACCOUNT_TABLES or "account" in frame.columns
    if not person and not account:
        return None

    def first(*names: str) -> str | None:
        return next((name for name in names if name in frame.columns), None)

    if person and table not in ACCOUNT_TABLES:
        return {"source_name": first("source_name"), "source_email": first("source_email"),
                "source_handle": None, "platform": None,
                "source_original_name": first("source_original_name"), "source_upn": first("source_upn", "upn")}
    return {"source_name": None, "source_email": None, "source_handle": first("account"),
            "platform": first("platform"), "source_original_name": None, "source_upn": None}


def identity_frame(table: str, frame: pd.DataFrame) -> pd.DataFrame | None:
    """The identity columns of every row of a table (``None`` for a table that names no one).

    Person tables (attendance, responses, comments, or any table with ``source_name`` or
    ``source_email``) give ``source_name``, ``source_email`` and, when the reader kept them,
    Zoom's ``source_original_name`` and Teams' ``upn``. Account tables (metrics, posts, or
    any table with ``account``) give ``account`` as ``source_handle`` and their ``platform``.

    >>> ids = identity_frame("posts", pd.DataFrame({"account": ["@CllrJaneSmith"], "platform": ["x"]}))
    >>> ids[["source_name", "source_handle", "platform"]]
      source_name   source_handle platform
    0        None  @CllrJaneSmith        x
    """
    sources = _identity_sources(table, frame)
    if sources is None:
        return None
    return pd.DataFrame({column: _column(frame, *([source] if source else [])) for column, source in sources.items()})


def _identity_rows(tables: dict[str, pd.DataFrame], sources: dict[str, dict]) -> dict[str, np.ndarray]:
    """The identity columns of every row of the tables named in ``sources``, one after
    another in that order (object text, ``None`` for blank: :func:`identity_frame`'s
    values), with ``_rows`` (how many table rows each stands for) and ``_table`` (the
    table's position in ``sources``). Each column is read as text in one pass over all
    the tables."""
    names = list(sources)
    sizes = [len(tables[name]) for name in names]
    ends = np.cumsum(sizes)
    total = int(ends[-1]) if len(ends) else 0
    rows: dict[str, np.ndarray] = {}
    for column in IDENTITY:
        given = [(at, tables[name][sources[name][column]].to_numpy(dtype=object))
                 for at, name in enumerate(names) if sources[name][column]]
        values = np.full(total, None, dtype=object)
        if given:
            text = as_text(pd.Series(np.concatenate([v for _, v in given]), dtype="object")).to_numpy(dtype=object)
            offset = 0
            for at, part in given:
                values[ends[at] - sizes[at]:ends[at]] = text[offset:offset + len(part)]
                offset += len(part)
        rows[column] = values
    # a caller passing each distinct identity once says how many rows each stands for
    rows["_rows"] = np.concatenate(
        [tables[name][ROWS].to_numpy(dtype=np.int64) if ROWS in tables[name].columns
         else np.ones(len(tables[name]), dtype=np.int64) for name in names]
    ) if names else np.zeros(0, dtype=np.int64)
    rows["_table"] = np.repeat(np.arange(len(names), dtype=np.int64), sizes)
    return rows


def _distinct_identities(rows: dict[str, np.ndarray]) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The distinct identities of ``rows`` in the order of their identity key (the
    :data:`IDENTITY` values joined, a missing one written ``\\x00``), each with the values
    of its first row, and the identity (position) of every row. Rows are grouped by
    hashing; only the distinct ones are joined into keys."""
    code = _combined(*[rows[c] for c in IDENTITY])
    first_row = np.unique(code, return_index=True)[1]  # by code: in order of appearance
    keys = np.array(["\x1f".join("\x00" if v is None else v for v in values)
                     for values in zip(*[rows[c][first_row] for c in IDENTITY])], dtype=object)
    rank = pd.factorize(keys, sort=True)[0] if len(keys) else np.zeros(0, dtype=np.int64)
    chosen = first_row[np.unique(rank, return_index=True)[1]]  # each key's earliest row
    distinct = {c: rows[c][chosen] for c in IDENTITY}
    return distinct, rank[code].astype(np.int64)


# --------------------------------------------------------------------------- roster keys

_ALIAS_HANDLE = re.compile(r"^@?[A-Za-z0-9_]{1,50}$")
_FIRST_LAST = re.compile(r"^(\S+) (?:\S+ )+(\S+)$")
#: the origins of identity keys, lowest rank first (a key read from a name column outranks
#: the same key guessed from a handle or an email)
_ORIGINS = ["derived", "key", "name"]


def _origin_rank(origins: np.ndarray) -> np.ndarray:
    """Each key origin's place in :data:`_ORIGINS`."""
    return pd.Index(_ORIGINS).get_indexer(origins).astype(np.int64)


def _as_aliases(values: pd.Series) -> list[tuple]:
    def one(value):
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return ()
        if isinstance(value, str):
            return tuple(p.strip() for p in value.split(";") if p.strip())
        return tuple(str(p).strip() for p in value if str(p).strip())

    return [one(value) for value in values]


def _stack(parts: list[tuple], column: str = "owner") -> dict[str, np.ndarray]:
    """One key set from ``(owners, keys, kind, origin)`` parts (``origin`` a word or an
    array), blank keys left out: ``column``, ``kind``, ``key``, ``origin``."""
    owners, kinds, keys, origins = [], [], [], []
    for who, values, kind, origin in parts:
        values = np.asarray(values, dtype=object)
        keep = pd.notna(values) & (values != "")
        owners.append(np.asarray(who, dtype=np.int64)[keep])
        keys.append(values[keep])
        kinds.append(np.full(int(keep.sum()), kind, dtype=object))
        origins.append(np.full(int(keep.sum()), origin, dtype=object) if isinstance(origin, str)
                       else np.asarray(origin, dtype=object)[keep])
    return {column: np.concatenate(owners), "kind": np.concatenate(kinds),
            "key": np.concatenate(keys), "origin": np.concatenate(origins)}


def _first_last(name: str | None) -> str | None:
    """First and last word of a normalised name of three words or more."""
    found = None if name is None else _FIRST_LAST.search(name)
    return None if found is None else found[1] + " " + found[2]


def _sorted_tokens(name: str | None) -> str | None:
    return None if name is None else " ".join(sorted(name.split()))


def _initial_and_last(name: str | None, words: int) -> str | None:
    """The first letter and the last ``words`` words of a normalised name longer than that
    (``jane ann smith`` → ``j smith`` or ``j ann smith``)."""
    parts = None if name is None else name.split()
    return None if parts is None or len(parts) <= words else name[0] + " " + " ".join(parts[-words:])


def _each(rule, values: np.ndarray) -> np.ndarray:
    """``rule`` of each value (of a few distinct names or keys) as an object array."""
    return np.array([rule(value) for value in values] + [None], dtype=object)[:-1]


def _people(roster: pd.DataFrame) -> dict[str, np.ndarray]:
    """The roster in roster_id order (so decisions never depend on the order of its rows):
    ``roster_id`` (folded), ``name``, ``email``, ``x_handle``, ``facebook_page``,
    ``aliases`` (a tuple each)."""
    if "roster_id" not in roster.columns or "name" not in roster.columns:
        raise LinkingError("the roster needs roster_id and name columns (read it with evalkit.roster.read_roster)")
    roster_id = fold_text(roster["roster_id"]).to_numpy(dtype=object)
    if pd.isna(roster_id).any():
        raise LinkingError("every roster row needs a roster_id")
    repeated = roster_id[pd.Series(roster_id, dtype="object").duplicated().to_numpy()]
    if len(repeated):
        raise LinkingError(f"roster_id '{repeated[0]}' is used for more than one roster row")
    order = np.argsort(roster_id, kind="stable")
    people = {"roster_id": roster_id[order]}
    for name in ("name", "email", "x_handle", "facebook_page", "aliases"):
        values = roster[name].to_numpy(dtype=object) if name in roster.columns else np.full(len(roster), None, dtype=object)
        people[name] = values[order]
    people["aliases"] = pd.Series(_as_aliases(people["aliases"]), dtype="object").to_numpy()
    return people


def _roster_keys(people: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Every key a roster person can be found by: ``owner`` (position), ``kind``, ``key``."""
    n = len(people["roster_id"])
    owner = np.arange(n, dtype=np.int64)
    alias_owner = np.repeat(owner, [len(t) for t in people["aliases"]])
    aliases = np.array([a for t in people["aliases"] for a in t] + [None], dtype=object)[:-1]
    alias_text = pd.Series(aliases, dtype="object")
    alias_is_email = looks_like_email(alias_text).to_numpy(dtype=bool)
    alias_is_phone = is_phone_number(alias_text).to_numpy(dtype=bool)
    alias_is_handle = np.array([_ALIAS_HANDLE.match(a) is not None for a in aliases], dtype=bool) & ~alias_is_phone
    alias_names = np.where(~alias_is_email & ~alias_is_phone, aliases, None)

    def folded(rule, mine, theirs) -> tuple[np.ndarray, np.ndarray]:
        # the people's and the aliases' values folded in one pass
        both = rule(pd.Series(np.concatenate([np.asarray(mine, dtype=object), theirs]), dtype="object"))
        both = both.to_numpy(dtype=object)
        return both[:len(mine)], both[len(mine):]

    email, alias_email = folded(fold_email, people["email"], np.where(alias_is_email, aliases, None))
    handle, alias_handle = folded(fold_handle, people["x_handle"], np.where(alias_is_handle, aliases, None))
    page, alias_page = folded(fold_page, people["facebook_page"], alias_names)
    full, alias_name = folded(normalise_name, people["name"], alias_names)

    first_last = _each(_first_last, full)
    keys = _stack([
        (owner, email, "email", "roster"),
        (owner, handle, "handle", "roster"),
        (owner, page, "page", "roster"),
        (alias_owner, alias_email, "alias_email", "alias"),
        (alias_owner, alias_handle, "alias_handle", "alias"),
        (alias_owner, alias_page, "alias_page", "alias"),
        (alias_owner, alias_name, "alias_name", "alias"),
        (alias_owner, phone_key(alias_text).to_numpy(dtype=object), "alias_phone", "alias"),
        (owner, full, "full", "roster"),
        (owner, _each(_sorted_tokens, full), "sorted", "roster"),
        (owner, first_last, "firstlast", "roster"),
        (owner, _each(lambda f: _initial_and_last(f, 1), full), "initials", "roster"),
        (owner, _each(lambda f: _initial_and_last(f, 2), full), "initials", "roster"),
    ])
    keys = _take(keys, _first_seen(_combined(keys["owner"], keys["kind"], keys["key"])))
    # an alias that is only the person's own name again adds nothing: the name rule finds it
    own = {(o, k) for o, k in zip(owner, full) if k is not None} | {(o, k) for o, k in zip(owner, first_last) if k is not None}
    redundant = np.array([kind in ("alias_name", "alias_page") and (o, k) in own
                          for o, kind, k in zip(keys["owner"], keys["kind"], keys["key"])], dtype=bool)
    keys = _take(keys, ~redundant if len(redundant) else np.zeros(0, dtype=bool))
    del keys["origin"]
    return keys


# --------------------------------------------------------------------------- identity keys

def _name_variants(ids: dict[str, np.ndarray]) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Normalised names each identity may go by: ``ident``, ``name``, ``origin`` ("name"
    from a name column, "derived" from a handle or an email). Also the dial-in flag."""
    n = len(ids["source_name"])
    split = split_original_name(pd.Series(ids["source_name"], dtype="object"))
    display = split["display"].to_numpy(dtype=object)
    original = split["original"].to_numpy(dtype=object)
    display_is_phone = is_phone_number(split["display"]).to_numpy(dtype=bool)
    display_is_email = looks_like_email(split["display"]).to_numpy(dtype=bool)
    phone = display_is_phone & pd.isna(original) & pd.isna(ids["_email"]) & pd.isna(ids["_upn"])
    ident = np.arange(n, dtype=np.int64)
    from_email = email_to_name(pd.Series(ids["source_email"], dtype="object")).to_numpy(dtype=object)
    raw = _stack(
        [
            (ident, np.where(~display_is_phone & ~display_is_email, display, None), "name", "name"),
            (ident, original, "name", "name"),
            (ident, ids["source_original_name"], "name", "name"),
            (ident, handle_to_name(pd.Series(ids["source_handle"], dtype="object")).to_numpy(dtype=object),
             "name", "derived"),
            (ident, np.where(pd.isna(ids["source_name"]), from_email, None), "name", "derived"),
        ],
        column="ident",
    )
    key_text = pd.Series(raw["key"], dtype="object")
    raw = _take(raw, ~is_phone_number(key_text).to_numpy(dtype=bool))
    names = normalise_name(pd.Series(raw["key"], dtype="object")).to_numpy(dtype=object)
    named = ~pd.isna(names)
    variants = {"ident": raw["ident"][named], "name": names[named], "origin": raw["origin"][named]}
    # each identity's variants, those guessed from a handle or email first (as "derived"
    # sorts before "name"); a name reached both ways is kept once
    order = np.lexsort(((variants["origin"] == "name").astype(np.int8), variants["ident"]))
    variants = _take(variants, order)
    variants = _take(variants, _first_seen(_combined(variants["ident"], variants["name"])))
    return variants, phone


def _identity_keys(ids: dict[str, np.ndarray], variants: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Every key an identity can be found by: ``ident``, ``kind``, ``key``, ``origin``
    ("key" for emails, handles and raw text; a name variant's origin for name keys)."""
    n = len(ids["source_name"])
    ident = np.arange(n, dtype=np.int64)
    name_text = pd.Series(ids["source_name"], dtype="object")
    pages = fold_page(pd.Series(np.concatenate([ids["source_handle"], ids["source_name"]]), dtype="object"))
    pages = pages.to_numpy(dtype=object)
    names, owner, origin = variants["name"], variants["ident"], variants["origin"]
    found = _stack(
        [
            (ident, ids["_email"], "email", "key"),
            (ident, ids["_upn"], "email", "key"),
            (ident, fold_email(name_text).to_numpy(dtype=object), "email", "key"),
            (ident, fold_handle(pd.Series(ids["source_handle"], dtype="object")).to_numpy(dtype=object), "handle", "key"),
            (ident, pages[:n], "page", "key"),
            (ident, pages[n:], "raw", "key"),
            (ident, phone_key(name_text).to_numpy(dtype=object), "phone", "key"),
            (owner, names, "full", origin),
            (owner, _each(_sorted_tokens, names), "sorted", origin),
            (owner, _each(_first_last, names), "firstlast", origin),
            (owner, initials_key(pd.Series(names, dtype="object")).to_numpy(dtype=object), "initials", origin),
        ],
        column="ident",
    )
    # a key reached from a name column outranks the same key guessed from a handle or email
    found = _take(found, np.argsort(-_origin_rank(found["origin"]), kind="stable"))
    return _take(found, _first_seen(_combined(found["ident"], found["kind"], found["key"])))


# --------------------------------------------------------------------------- matching

def _exact_matches(id_keys: dict[str, np.ndarray], roster_keys: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Every (identity, roster person) pair an exact key joins, with its ``rule`` and
    ``level`` (and the identity's ``key``, ``origin`` and ``id_kind``), by identity, level,
    then roster person."""
    spec_rule = np.array([s[2] for s in _EXACT], dtype=object)
    spec_level = np.array([s[3] for s in _EXACT], dtype=np.int64)
    roster_kinds = list(dict.fromkeys(s[1] for s in _EXACT))
    # keys as numbers: identity and roster keys share one numbering, in text order
    rank = pd.factorize(np.concatenate([id_keys["key"], roster_keys["key"]]), sort=True)[0]
    width = int(rank.max(initial=-1)) + 2
    id_rank, roster_rank = rank[:len(id_keys["key"])], rank[len(id_keys["key"]):]
    kind_code = {kind: at for at, kind in enumerate(roster_kinds)}
    roster_kind = np.array([kind_code.get(k, -1) for k in roster_keys["kind"]], dtype=np.int64)
    # each identity key once per roster key kind it is compared with
    rows = [np.flatnonzero(id_keys["kind"] == spec[0]) for spec in _EXACT]
    spec_of = np.repeat(np.arange(len(_EXACT)), [len(r) for r in rows])
    rows = np.concatenate(rows).astype(np.int64)
    wanted = np.array([kind_code[s[1]] for s in _EXACT], dtype=np.int64)[spec_of] * width + id_rank[rows]
    at, hit = _join(wanted, np.where(roster_kind >= 0, roster_kind * width + roster_rank, -1))
    rows, spec_of = rows[at], spec_of[at]
    found = {
        "ident": id_keys["ident"][rows],
        "owner": roster_keys["owner"][hit],
        "rule": spec_rule[spec_of],
        "level": spec_level[spec_of],
        "key": id_keys["key"][rows],
        "origin": id_keys["origin"][rows],
        "id_kind": id_keys["kind"][rows],
    }
    # within a level, prefer the plainest key for the reason: the full name before its
    # sorted words, a name read from a name column before one guessed from a handle
    plain = (found["id_kind"] == "sorted").astype(np.int64)
    order = np.lexsort((id_rank[rows], -_origin_rank(found["origin"]), plain, found["owner"], found["level"], found["ident"]))
    return _take(found, order)


def _fuzzy_scores(variants: dict[str, np.ndarray], roster_keys: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The best-scoring roster people of each identity: ``ident``, ``owner``, ``score``
    (rapidfuzz ``token_sort_ratio`` of normalised names, best over the person's names and
    name aliases and over the identity's name variants), the top few per identity, pairs
    scoring 0 left out."""
    nothing = {"ident": np.zeros(0, dtype=np.int64), "owner": np.zeros(0, dtype=np.int64),
               "score": np.zeros(0, dtype=np.float64)}
    kind = roster_keys["kind"]
    choices = _take(roster_keys, (kind == "full") | (kind == "firstlast") | (kind == "alias_name"))
    choices = _take(choices, _first_seen(_combined(choices["owner"], choices["key"])))
    choices = _take(choices, _sort_order(choices["owner"], choices["key"]))
    if not len(variants["ident"]) or not len(choices["key"]):
        return nothing
    queries = pd.unique(variants["name"])
    matrix = process.cdist(list(queries), list(choices["key"]), scorer=fuzz.token_sort_ratio, dtype=np.float64)
    owners = choices["owner"]
    starts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]])
    per_person = np.maximum.reduceat(matrix, starts, axis=1)  # queries × people with names
    people = owners[starts]
    ordered = np.argsort(variants["ident"], kind="stable")
    rows = per_person[pd.Index(queries).get_indexer(variants["name"][ordered])]
    idents = variants["ident"][ordered]
    first = np.flatnonzero(np.r_[True, idents[1:] != idents[:-1]])
    best = np.maximum.reduceat(rows, first, axis=0)  # identities × people
    # keep each identity's best few people only; a stable sort keeps ties in roster_id order
    keep = min(CANDIDATES + 1, best.shape[1])
    order = np.argsort(-best, axis=1, kind="stable")[:, :keep]
    score = np.take_along_axis(best, order, axis=1).ravel()
    scored = score > 0
    return {"ident": np.repeat(idents[first], keep)[scored], "owner": people[order].ravel()[scored],
            "score": score[scored]}


def _words(level: np.ndarray, key: np.ndarray, kind: np.ndarray) -> list[str]:
    """How each exact match was found, in words (one per distinct identity decided)."""
    return [
        (_SORTED_WORDS if k == "sorted" else _LEVEL_WORDS[lv]).format(key=word)
        for lv, word, k in zip(level, key, kind)
    ]


def _group_starts(sorted_ident: np.ndarray) -> np.ndarray:
    """Where each run of equal identities starts in an array sorted by identity."""
    return np.r_[True, sorted_ident[1:] != sorted_ident[:-1]] if len(sorted_ident) else np.zeros(0, dtype=bool)



def _decide(ids: dict[str, np.ndarray], exact: dict[str, np.ndarray], fuzzy: dict[str, np.ndarray],
            variants: dict[str, np.ndarray], phone: np.ndarray,
            settings: Settings) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """One decision per identity (``owner``, ``rule``, ``score``, ``status``, ``reason``)
    and the candidates the review queue shows (``ident``, ``rank``, ``owner``, ``score``).

    Identities are positions; the work is done on arrays, one
    slot per identity, so a pilot costs a few array operations whatever its size."""
    n = len(ids["source_name"])
    owner = np.full(n, -1, dtype=np.int64)  # -1: nobody
    rule = np.full(n, None, dtype=object)
    score = np.full(n, np.nan)
    status = np.full(n, "unmatched", dtype=object)
    reason = np.full(n, None, dtype=object)
    shown: list[tuple] = []  # (ident, owner, score) candidates for the review queue
    is_phone = np.asarray(phone, dtype=bool)

    # -- exact keys: the best level that finds anyone decides
    if len(exact["ident"]):
        ident = exact["ident"].astype(np.int64)
        level = exact["level"].astype(np.int64)
        who = exact["owner"].astype(np.int64)
        rules = exact["rule"].astype(object)
        keys = exact["key"].astype(object)
        kinds = exact["id_kind"].astype(object)
        # rows come in (ident, level, owner) order, the plainest key of each first
        starts = _group_starts(ident)
        first = starts | np.r_[True, (level[1:] != level[:-1]) | (who[1:] != who[:-1])]
        best_level = level[starts][np.cumsum(starts) - 1]  # each identity's lowest level
        top = np.flatnonzero(first & (level == best_level))
        size = np.bincount(ident[top], minlength=n)[ident[top]]
        single, several = top[size == 1], top[size > 1]
        decided = ident[single]
        owner[decided] = who[single]
        rule[decided] = rules[single]
        score[decided] = 100.0
        status[decided] = "linked"
        reason[decided] = _words(level[single], keys[single], kinds[single])
        if len(several):
            lead = several[_group_starts(ident[several])]
            tied = ident[lead]
            counts = np.bincount(ident[several], minlength=n)[tied]
            rule[tied] = rules[lead]
            score[tied] = 100.0
            status[tied] = "ambiguous"
            reason[tied] = [f"{c} roster people match equally: {w}"
                            for c, w in zip(counts, _words(level[lead], keys[lead], kinds[lead]))]
            shown.append((ident[several], who[several], np.full(len(several), 100.0)))

        # an email, handle or alias that points to one person while the name (read from a
        # name column, not guessed from a handle) points only to others
        by_key = single[level[single] <= 2]
        key_owner = np.full(n, -1, dtype=np.int64)
        key_owner[ident[by_key]] = who[by_key]
        origin = exact["origin"].astype(object)
        named = np.flatnonzero(((level == 3) | (level == 4)) & (origin == "name") & (key_owner[ident] >= 0))
        if len(named):
            holds = np.zeros(n, dtype=bool)
            holds[ident[named[who[named] == key_owner[ident[named]]]]] = True
            has_named = np.zeros(n, dtype=bool)
            has_named[ident[named]] = True
            clash = np.flatnonzero(has_named & ~holds)
            if len(clash):
                owner[clash] = -1
                status[clash] = "ambiguous"
                reason[clash] = "the " + rule[clash].astype(str).astype(object) + " points to one roster person but the name to another"
                chosen = named[np.isin(ident[named], clash)]
                shown.append((np.r_[clash, ident[chosen]], np.r_[key_owner[clash], who[chosen]],
                              np.full(len(clash) + len(chosen), 100.0)))

    # -- fuzzy: identities no exact key found
    searchable = (status == "unmatched") & np.equal(rule, None) & ~is_phone
    if len(fuzzy["ident"]):
        f_ident = fuzzy["ident"].astype(np.int64)
        mine = searchable[f_ident]
        f_ident = f_ident[mine]
        f_owner = fuzzy["owner"].astype(np.int64)[mine]
        f_score = fuzzy["score"].astype(np.float64)[mine]
        if len(f_ident):
            # owners are positions in roster_id order, so ties fall to the lower roster_id
            order = np.lexsort((f_owner, -f_score, f_ident))
            f_ident, f_owner, f_score = f_ident[order], f_owner[order], f_score[order]
            starts = _group_starts(f_ident)
            rank = np.arange(len(f_ident)) - np.flatnonzero(starts)[np.cumsum(starts) - 1]
            best = np.flatnonzero(rank == 0)
            b_ident, b_owner, b_score = f_ident[best], f_owner[best], f_score[best]
            runner_up = np.full(n, np.nan)
            runner_up[f_ident[rank == 1]] = f_score[rank == 1]
            second = runner_up[b_ident]
            margin, threshold = settings.ambiguity_margin, settings.fuzzy_threshold
            enough = b_score >= threshold
            close = ~np.isnan(second) & (second >= b_score - margin)
            score[b_ident] = np.round(b_score, 1)
            linked = enough & ~close
            won = b_ident[linked]
            owner[won] = b_owner[linked]
            rule[won] = "fuzzy"
            status[won] = "linked"
            reason[won] = [
                f"closest roster name scores {s:.1f} (threshold {threshold:g}), the next "
                + ("none" if np.isnan(t) else f"{t:.1f}")
                for s, t in zip(b_score[linked], second[linked])
            ]
            ambiguous = enough & close
            tied = b_ident[ambiguous]
            rule[tied] = "fuzzy"
            status[tied] = "ambiguous"
            reason[tied] = [f"two roster people score within {margin:g} points ({s:.1f} and {t:.1f})"
                            for s, t in zip(b_score[ambiguous], second[ambiguous])]
            reason[b_ident[~enough]] = [f"no roster name scores {threshold:g} or more (best {s:.1f})"
                                        for s in b_score[~enough]]
            is_won = np.zeros(n, dtype=bool)
            is_won[won] = True
            show = (rank < CANDIDATES) & ~is_won[f_ident] & (f_score >= CANDIDATE_FLOOR)
            shown.append((f_ident[show], f_owner[show], f_score[show]))

    still = np.equal(reason, None)
    has_name = np.zeros(n, dtype=bool)
    has_name[variants["ident"].astype(np.int64)] = True
    anonymous = (pd.isna(ids["source_name"]) & pd.isna(ids["_email"]) & pd.isna(ids["_upn"])
                 & pd.isna(ids["source_handle"]))
    reason[still & is_phone] = "a dial-in phone number: never matched by name"
    reason[still & ~is_phone & anonymous] = "no name, email or handle (anonymous)"
    reason[still & ~is_phone & ~anonymous & ~has_name] = "nothing in it can be read as a name"
    reason[np.equal(reason, None)] = "no roster name comes close"

    decision = {"owner": owner, "rule": rule, "score": score, "status": status, "reason": reason}
    return decision, _candidates(shown)


def _candidates(shown: list[tuple]) -> dict[str, np.ndarray]:
    """Each identity's best candidates (``ident``, ``rank``, ``owner``, ``score``): by
    score, ties to the lower roster_id, each person once, at most :data:`CANDIDATES`."""
    if not shown:
        return {"ident": np.zeros(0, dtype=np.int64), "rank": np.zeros(0, dtype=np.int64),
                "owner": np.zeros(0, dtype=np.int64), "score": np.zeros(0, dtype=np.float64)}
    ident = np.concatenate([s[0] for s in shown]).astype(np.int64)
    owner = np.concatenate([s[1] for s in shown]).astype(np.int64)
    score = np.concatenate([s[2] for s in shown]).astype(np.float64)
    order = np.lexsort((owner, -score, ident))
    ident, owner, score = ident[order], owner[order], score[order]
    keep = ~pd.Series(ident * (owner.max(initial=0) + 1) + owner).duplicated().to_numpy()
    ident, owner, score = ident[keep], owner[keep], score[keep]
    starts = _group_starts(ident)
    rank = np.arange(len(ident)) - np.flatnonzero(starts)[np.cumsum(starts) - 1] + 1
    keep = rank <= CANDIDATES
    return {"ident": ident[keep], "rank": rank[keep], "owner": owner[keep], "score": score[keep]}


# --------------------------------------------------------------------------- resolutions

def _fold_identity(values: pd.Series) -> pd.Series:
    """An identity folded for comparing with a resolution: case, spacing, a leading ``@``,
    and the ``'`` a spreadsheet-safe export puts before ``=``, ``+``, ``-`` or ``@``."""
    text = fold_text(values).str.lower().str.replace(r"^'(?=[=+\-@])", "", regex=True)
    return text.str.replace(r"^@+", "", regex=True)


def _apply_resolutions(links: dict[str, np.ndarray], pilot_id: str, resolutions: Sequence[Resolution],
                       people: dict[str, np.ndarray], notes: list[str]) -> None:
    """Set ``owner``, ``rule``, ``score``, ``status`` and ``reason`` of the links (arrays,
    changed in place) that the pilot's resolutions name."""
    mine = [r for r in resolutions if r.pilot == pilot_id]
    if not mine:
        return
    known = set(people["roster_id"])
    unknown = [r for r in mine if r.participant != NOT_A_PARTICIPANT and r.participant not in known]
    if unknown:
        listed = ", ".join(f"'{r.participant}' (for identity '{r.identity}')" for r in unknown)
        raise LinkingError(
            f"resolutions for pilot '{pilot_id}' name roster_id(s) not on its roster: {listed}; "
            f"use a roster_id from the roster or '{NOT_A_PARTICIPANT}'"
        )
    folded = [_fold_identity(pd.Series(links[c], dtype="object")).to_numpy(dtype=object)
              for c in ("source_name", "source_email", "source_handle", "source_original_name")]
    owner_of = {roster_id: at for at, roster_id in enumerate(people["roster_id"])}
    for resolution in mine:
        wanted = _fold_identity(pd.Series([resolution.identity]))[0]
        hit = np.zeros(len(links["status"]), dtype=bool)
        for values in folded:
            hit |= values == wanted
        if resolution.source_table:
            hit &= links["source_table"] == resolution.source_table
        if not hit.any():
            where = f" in {resolution.source_table}" if resolution.source_table else ""
            notes.append(f"resolution for '{resolution.identity}'{where} (pilot {pilot_id}) matched no identity")
            continue
        links["rule"][hit] = "manual"
        links["score"][hit] = np.nan
        if resolution.participant == NOT_A_PARTICIPANT:
            links["owner"][hit] = -1
            links["status"][hit] = NOT_A_PARTICIPANT
            links["reason"][hit] = "resolved in programme.yml: not a participant"
        else:
            links["owner"][hit] = owner_of[resolution.participant]
            links["status"][hit] = "linked"
            links["reason"][hit] = "resolved in programme.yml"
        if resolution.note:
            links["reason"][hit] = links["reason"][hit] + f" ({resolution.note})"


# --------------------------------------------------------------------------- the whole

def link_pilot(
    pilot_id: str,
    roster: pd.DataFrame,
    tables: dict[str, pd.DataFrame],
    *,
    key: bytes,
    settings: Settings,
    resolutions: Sequence[Resolution] = (),
) -> Linked:
    """Link every person named in a pilot's tables to its roster.

    Parameters
    ----------
    pilot_id
        The pilot; its rows only (a table holding rows of another pilot is an error).
    roster
        The pilot's roster as :func:`evalkit.roster.read_roster` gives it (at least
        ``roster_id`` and ``name``; ``email``, ``x_handle``, ``facebook_page``, ``aliases``
        are used when present).
    tables
        Canonical table name → frame. Person tables are matched on ``source_name`` and
        ``source_email`` (and Zoom's ``source_original_name``, Teams' ``upn``), account
        tables (metrics, posts) on ``account``; other tables pass through unchanged. A
        frame may carry a :data:`ROWS` column (how many table rows each row stands for,
        counted in ``n_rows``), so a large table can be linked by its distinct identities.
    key
        The pseudonym key (:func:`evalkit.roster.load_key`).
    settings
        ``fuzzy_threshold`` and ``ambiguity_margin`` are used.
    resolutions
        Evaluators' decisions from ``programme.yml``; those of other pilots are ignored.
        A resolution overrides whatever the linker decided, for every matching identity
        (its ``identity`` is compared, ignoring case and spacing, with the source name,
        email, handle and Zoom original name), in one source table if it names one.

    Returns
    -------
    Linked

    Raises
    ------
    LinkingError
        A resolution names a roster_id the roster does not have (the message names it), the
        roster repeats a roster_id, or a table holds another pilot's rows.
    """
    notes: list[str] = []
    people = _people(roster)

    sources: dict[str, dict] = {}
    for name in sorted(tables):
        frame = tables[name]
        if "pilot_id" in frame.columns:
            others = frame["pilot_id"].dropna()
            others = others[others != pilot_id]
            if len(others):
                raise LinkingError(f"table '{name}' holds rows of pilot '{others.iloc[0]}', not '{pilot_id}'")
        found = _identity_sources(name, frame)
        if found is not None:
            sources[name] = found
    names = list(sources)
    rows = _identity_rows(tables, sources)
    distinct, ident = _distinct_identities(rows)

    distinct["_email"] = fold_email(pd.Series(distinct["source_email"], dtype="object")).to_numpy(dtype=object)
    distinct["_upn"] = fold_email(guest_upn_email(pd.Series(distinct["source_upn"], dtype="object"))).to_numpy(dtype=object)
    variants, phone = _name_variants(distinct)
    roster_keys = _roster_keys(people)
    exact = _exact_matches(_identity_keys(distinct, variants), roster_keys)
    undecided = _take(variants, ~np.isin(variants["ident"], exact["ident"]))
    fuzzy = _fuzzy_scores(undecided, roster_keys)
    decision, candidates = _decide(distinct, exact, fuzzy, variants, phone, settings)

    # one link per source table and identity, in (table, identity key) order: identities
    # are numbered in key order, so the pair's number sorts the same way
    size = max(len(distinct["source_name"]), 1)
    pairs, link_of_row = np.unique(rows["_table"] * size + ident, return_inverse=True)
    of = pairs % size
    links = {column: values[of] for column, values in {**distinct, **decision}.items()}
    links["ident"] = of
    links["source_table"] = np.asarray(names, dtype=object)[pairs // size]
    links["n_rows"] = np.bincount(link_of_row, weights=rows["_rows"], minlength=len(pairs)).astype(np.int64)
    _apply_resolutions(links, pilot_id, resolutions, people, notes)

    pid_of_owner = participant_ids(pilot_id, pd.Series(people["roster_id"], dtype="object"), key).to_numpy(dtype=object)
    linked = (links["status"] == "linked") & (links["owner"] >= 0)
    pid = np.full(len(pairs), None, dtype=object)
    pid[linked] = pid_of_owner[links["owner"][linked]]
    links["participant_id"] = pid

    out_tables = {}
    for name, frame in tables.items():
        if name not in sources:
            out_tables[name] = frame
            continue
        filled = frame.copy()
        filled["participant_id"] = pd.Series(pid[link_of_row[rows["_table"] == names.index(name)]],
                                             index=frame.index, dtype="object")
        out_tables[name] = filled

    review = _review(links, candidates, people, pilot_id)
    link_table = _link_table(links, pilot_id)
    _check_links(link_table)

    counts = pd.DataFrame(
        {"pilot_id": [pilot_id], **{s: [int((link_table["status"] == s).sum())] for s in schemas.LINK_STATUSES}}
    )
    return Linked(
        tables=out_tables,
        links=link_table,
        participants=participants_table(roster, pilot_id, key),
        review=review,
        counts=counts,
        notes=notes,
    )


def _none_for_missing(values: np.ndarray) -> np.ndarray:
    """Values as a new object array with ``None`` for every missing one."""
    array = np.array(values, dtype=object)
    array[pd.isna(array)] = None
    return array


def _link_table(links: dict[str, np.ndarray], pilot_id: str) -> pd.DataFrame:
    """The ``links`` table (its schema's columns, then ``platform``,
    ``source_original_name``, ``source_upn``, ``n_rows``, ``reason``) in the order of its
    source table and identity columns (missing values first)."""
    order = _sort_order(*[links[c] for c in ("source_table", "source_name", "source_email", "source_handle",
                                             "platform", "source_original_name", "source_upn")])
    text = {c: pd.Series(_none_for_missing(links[c][order]), dtype="object")
            for c in ("source_name", "source_email", "source_handle", "participant_id", "rule",
                      "platform", "source_original_name", "source_upn", "reason", "status")}
    return pd.DataFrame({
        "pilot_id": pd.Series([pilot_id] * len(order), dtype="str"),
        "source_table": pd.Series(links["source_table"][order], dtype="str"),
        "source_name": text["source_name"],
        "source_email": text["source_email"],
        "source_handle": text["source_handle"],
        "participant_id": text["participant_id"],
        "rule": text["rule"],
        "score": links["score"][order].astype("float64"),
        "status": text["status"],
        "platform": text["platform"],
        "source_original_name": text["source_original_name"],
        "source_upn": text["source_upn"],
        "n_rows": links["n_rows"][order].astype("int64"),
        "reason": text["reason"],
    })


def _check_links(link_table: pd.DataFrame) -> None:
    """Raise :class:`evalkit.schemas.TableValidationError` (every fault, as
    :func:`evalkit.schemas.validate` words them) when the links break their schema. Only
    rows a vectorised pass finds suspect go through pandera."""
    found = store.check_rows("links", link_table)
    if len(found):
        raise schemas.TableValidationError("links", found)


def _review(links: dict[str, np.ndarray], candidates: dict[str, np.ndarray], people: dict[str, np.ndarray],
            pilot_id: str) -> pd.DataFrame:
    """The review queue: every ambiguous or unmatched identity with up to three candidates."""
    queue = _take(links, (links["status"] == "ambiguous") | (links["status"] == "unmatched"))
    identity = np.where(pd.isna(queue["source_name"]), queue["source_email"], queue["source_name"])
    queue["identity"] = np.where(pd.isna(identity), queue["source_handle"], identity)
    # candidates as a grid: one row per identity, one column per rank (-1: none)
    ident = queue["ident"].astype(np.int64)
    size = int(max(ident.max(initial=-1), candidates["ident"].max(initial=-1))) + 1
    owners = np.full((size, CANDIDATES), -1, dtype=np.int64)
    scores = np.full((size, CANDIDATES), np.nan)
    if len(candidates["ident"]):
        at = (candidates["ident"], candidates["rank"] - 1)
        owners[at] = candidates["owner"]
        scores[at] = candidates["score"]
    roster_id = people["roster_id"]
    name = people["name"]
    for rank in range(1, CANDIDATES + 1):
        owner = owners[ident, rank - 1]
        found = owner >= 0
        chosen = np.where(found, owner, 0)
        queue[f"candidate_{rank}_roster_id"] = np.where(found, roster_id[chosen] if len(roster_id) else None, None)
        queue[f"candidate_{rank}_name"] = np.where(found, name[chosen] if len(name) else None, None)
        queue[f"candidate_{rank}_score"] = np.round(scores[ident, rank - 1], 1)
    for column in ("identity", "source_name", "source_email", "source_handle", "platform", "reason"):
        queue[column] = _none_for_missing(queue[column])
    order = _sort_order(*[queue[c] for c in ("source_table", "status", "identity", "source_email", "source_handle")])
    frame = {"pilot_id": pd.Series([pilot_id] * len(order), dtype="str"),
             "source_table": pd.Series(queue["source_table"][order], dtype="str")}
    for column in REVIEW_COLUMNS[2:]:
        values = queue[column][order]
        frame[column] = (values.astype(np.int64) if column == "n_rows" else values if column.endswith("_score")
                         else pd.Series(values, dtype="object"))
    return pd.DataFrame(frame)
