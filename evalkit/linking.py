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
0          +44 7700 900123   None    NaN  unmatched
1            Cllr J. Smith   name  100.0  ambiguous
2              Sian ONeil   fuzzy   95.2     linked
3   Smith, Jane (External)  email  100.0     linked
>>> linked.review[["identity", "status", "candidate_1_name", "candidate_2_name"]]
          identity     status candidate_1_name candidate_2_name
0    Cllr J. Smith  ambiguous       Jane Smith       John Smith
1  +44 7700 900123  unmatched             None             None
>>> linked.counts
        pilot_id  linked  ambiguous  unmatched  not-a-participant
0  kirklees-2010       2          1          1                  0
"""

from __future__ import annotations

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


# --------------------------------------------------------------------------- identities

def _column(frame: pd.DataFrame, *names: str) -> pd.Series:
    """The first of ``names`` that ``frame`` has, as object text with None for blank (the
    values are kept as they are: links show exactly what the table holds)."""
    for name in names:
        if name in frame.columns:
            return as_text(frame[name])
    return pd.Series([None] * len(frame), index=frame.index, dtype="object")


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
    person = table in PERSON_TABLES or bool({"source_name", "source_email"} & set(frame.columns))
    account = table in ACCOUNT_TABLES or "account" in frame.columns
    if not person and not account:
        return None
    none = pd.Series([None] * len(frame), index=frame.index, dtype="object")
    if person and table not in ACCOUNT_TABLES:
        return pd.DataFrame({
            "source_name": _column(frame, "source_name"),
            "source_email": _column(frame, "source_email"),
            "source_handle": none,
            "platform": none,
            "source_original_name": _column(frame, "source_original_name"),
            "source_upn": _column(frame, "source_upn", "upn"),
        })
    return pd.DataFrame({
        "source_name": none,
        "source_email": none,
        "source_handle": _column(frame, "account"),
        "platform": _column(frame, "platform"),
        "source_original_name": none,
        "source_upn": none,
    })


def _identity_key(ids: pd.DataFrame) -> pd.Series:
    """One text key per row joining the identity columns (null-safe, vectorised)."""
    parts = [ids[c].fillna("\x00").astype(str) for c in IDENTITY]
    return parts[0].str.cat(parts[1:], sep="\x1f")


# --------------------------------------------------------------------------- roster keys

def _as_aliases(values: pd.Series) -> pd.Series:
    def one(value):
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return ()
        if isinstance(value, str):
            return tuple(p.strip() for p in value.split(";") if p.strip())
        return tuple(str(p).strip() for p in value if str(p).strip())

    return values.map(one)


def _stack(parts: list[tuple], column: str = "owner") -> pd.DataFrame:
    """One long frame of keys from ``(owners, keys, kind, origin)`` parts (``origin`` a
    word or an array), blank keys left out: ``column``, ``kind``, ``key``, ``origin``."""
    owners = [np.asarray(p[0]) for p in parts]
    keys = [np.asarray(p[1], dtype=object) for p in parts]
    frame = pd.DataFrame({
        column: np.concatenate(owners) if owners else np.array([], dtype=np.int64),
        "kind": np.concatenate([np.full(len(k), p[2], dtype=object) for k, p in zip(keys, parts)]),
        "key": np.concatenate(keys),
        "origin": np.concatenate([np.full(len(k), p[3], dtype=object) if isinstance(p[3], str)
                                  else np.asarray(p[3], dtype=object) for k, p in zip(keys, parts)]),
    })
    keep = pd.notna(frame["key"]).to_numpy() & (frame["key"] != "").to_numpy()
    return frame[keep].reset_index(drop=True)


def _first_last(normalised: pd.Series) -> pd.Series:
    parts = normalised.str.extract(r"^(\S+) (?:\S+ )+(\S+)$")
    return (parts[0] + " " + parts[1]).astype("object").where(parts[0].notna(), None)


def _sorted_tokens(normalised: pd.Series) -> pd.Series:
    out = normalised.map(lambda v: " ".join(sorted(v.split())) if isinstance(v, str) else None)
    return out.astype("object")


def _people(roster: pd.DataFrame) -> pd.DataFrame:
    """The roster in roster_id order (so decisions never depend on the order of its rows)."""
    if "roster_id" not in roster.columns or "name" not in roster.columns:
        raise LinkingError("the roster needs roster_id and name columns (read it with evalkit.roster.read_roster)")
    people = roster.copy()
    people["roster_id"] = fold_text(people["roster_id"])
    if people["roster_id"].isna().any():
        raise LinkingError("every roster row needs a roster_id")
    repeated = people["roster_id"][people["roster_id"].duplicated()]
    if len(repeated):
        raise LinkingError(f"roster_id '{repeated.iloc[0]}' is used for more than one roster row")
    people = people.sort_values("roster_id", kind="stable").reset_index(drop=True)
    for name in ("email", "x_handle", "facebook_page", "aliases"):
        if name not in people.columns:
            people[name] = None
    people["aliases"] = _as_aliases(people["aliases"])
    return people


def _roster_keys(people: pd.DataFrame) -> pd.DataFrame:
    """Every key a roster person can be found by: ``owner`` (position), ``kind``, ``key``."""
    owner = np.arange(len(people))
    full = normalise_name(people["name"])
    aliases = people["aliases"].explode().dropna()
    alias_owner = aliases.index.to_numpy()
    aliases = aliases.astype("object").reset_index(drop=True)
    alias_is_email = looks_like_email(aliases)
    alias_is_phone = is_phone_number(aliases)
    alias_is_handle = aliases.str.match(r"^@?[A-Za-z0-9_]{1,50}$") & ~alias_is_phone
    alias_names = aliases.where(~alias_is_email & ~alias_is_phone)

    tokens = full.str.split()
    last = tokens.str[-1]
    last_two = tokens.str[-2:].str.join(" ").where(tokens.str.len() >= 3)
    initial = full.str[0]
    first_last = _first_last(full)
    keys = _stack([
        (owner, fold_email(people["email"]), "email", "roster"),
        (owner, fold_handle(people["x_handle"]), "handle", "roster"),
        (owner, fold_page(people["facebook_page"]), "page", "roster"),
        (alias_owner, fold_email(aliases.where(alias_is_email)), "alias_email", "alias"),
        (alias_owner, fold_handle(aliases.where(alias_is_handle)), "alias_handle", "alias"),
        (alias_owner, fold_page(alias_names), "alias_page", "alias"),
        (alias_owner, normalise_name(alias_names), "alias_name", "alias"),
        (alias_owner, phone_key(aliases), "alias_phone", "alias"),
        (owner, full, "full", "roster"),
        (owner, _sorted_tokens(full), "sorted", "roster"),
        (owner, first_last, "firstlast", "roster"),
        (owner, (initial + " " + last).where(tokens.str.len() >= 2), "initials", "roster"),
        (owner, (initial + " " + last_two).where(last_two.notna()), "initials", "roster"),
    ]).drop_duplicates(["owner", "kind", "key"])
    # an alias that is only the person's own name again adds nothing: the name rule finds it
    own = pd.concat([pd.DataFrame({"owner": owner, "key": full}),
                     pd.DataFrame({"owner": owner, "key": first_last})]).dropna().assign(own=True)
    keys = keys.merge(own.drop_duplicates(), on=["owner", "key"], how="left")
    redundant = keys["kind"].isin(["alias_name", "alias_page"]) & keys["own"].eq(True)
    return keys[~redundant].drop(columns=["own", "origin"]).reset_index(drop=True)


# --------------------------------------------------------------------------- identity keys

def _name_variants(ids: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """Normalised names each identity may go by: ``ident``, ``name``, ``origin`` ("name"
    from a name column, "derived" from a handle or an email). Also the dial-in flag."""
    split = split_original_name(ids["source_name"])
    display_is_phone = is_phone_number(split["display"])
    phone = display_is_phone & split["original"].isna() & ids["_email"].isna() & ids["_upn"].isna()
    ident = ids.index.to_numpy()
    raw = _stack(
        [
            (ident, split["display"].where(~display_is_phone & ~looks_like_email(split["display"])), "name", "name"),
            (ident, split["original"], "name", "name"),
            (ident, ids["source_original_name"], "name", "name"),
            (ident, handle_to_name(ids["source_handle"]), "name", "derived"),
            (ident, email_to_name(ids["source_email"]).where(ids["source_name"].isna()), "name", "derived"),
        ],
        column="ident",
    )
    raw = raw[~is_phone_number(raw["key"]).to_numpy()]
    variants = raw.assign(name=normalise_name(raw["key"]).to_numpy()).dropna(subset=["name"])
    variants = variants.sort_values(["ident", "origin"], kind="stable").drop_duplicates(["ident", "name"])
    return variants[["ident", "name", "origin"]].reset_index(drop=True), phone


def _identity_keys(ids: pd.DataFrame, variants: pd.DataFrame) -> pd.DataFrame:
    """Every key an identity can be found by: ``ident``, ``kind``, ``key``, ``origin``
    ("key" for emails, handles and raw text; a name variant's origin for name keys)."""
    ident = ids.index.to_numpy()
    names, owner, origin = variants["name"], variants["ident"], variants["origin"].to_numpy()
    found = _stack(
        [
            (ident, ids["_email"], "email", "key"),
            (ident, ids["_upn"], "email", "key"),
            (ident, fold_email(ids["source_name"]), "email", "key"),
            (ident, fold_handle(ids["source_handle"]), "handle", "key"),
            (ident, fold_page(ids["source_handle"]), "page", "key"),
            (ident, fold_page(ids["source_name"]), "raw", "key"),
            (ident, phone_key(ids["source_name"]), "phone", "key"),
            (owner, names, "full", origin),
            (owner, _sorted_tokens(names), "sorted", origin),
            (owner, _first_last(names), "firstlast", origin),
            (owner, initials_key(names), "initials", origin),
        ],
        column="ident",
    )
    # a key reached from a name column outranks the same key guessed from a handle or email
    found = found.sort_values(["ident", "kind", "key", "origin"], ascending=[True, True, True, False])
    return found.drop_duplicates(["ident", "kind", "key"]).reset_index(drop=True)


# --------------------------------------------------------------------------- matching

def _exact_matches(id_keys: pd.DataFrame, roster_keys: pd.DataFrame) -> pd.DataFrame:
    """Every (identity, roster person) pair an exact key joins, with its rule and level."""
    spec = pd.DataFrame(_EXACT, columns=["id_kind", "roster_kind", "rule", "level"])
    left = id_keys.merge(spec, left_on="kind", right_on="id_kind")
    found = left.merge(roster_keys, left_on=["roster_kind", "key"], right_on=["kind", "key"],
                       suffixes=("", "_roster"))
    found = found[["ident", "owner", "rule", "level", "key", "origin", "id_kind"]]
    # within a level, prefer the plainest key for the reason: the full name before its
    # sorted words, a name read from a name column before one guessed from a handle
    found["plain"] = (found["id_kind"] == "sorted").astype(int)
    found = found.sort_values(["ident", "level", "owner", "plain", "origin", "key"],
                              ascending=[True, True, True, True, False, True])
    return found.drop(columns="plain").reset_index(drop=True)


def _fuzzy_scores(variants: pd.DataFrame, roster_keys: pd.DataFrame) -> pd.DataFrame:
    """The best-scoring roster people of each identity: ``ident``, ``owner``, ``score``
    (rapidfuzz ``token_sort_ratio`` of normalised names, best over the person's names and
    name aliases and over the identity's name variants), the top few per identity, pairs
    scoring 0 left out."""
    choices = roster_keys[roster_keys["kind"].isin(["full", "firstlast", "alias_name"])]
    choices = choices.drop_duplicates(["owner", "key"]).sort_values(["owner", "key"])
    if variants.empty or choices.empty:
        return pd.DataFrame({"ident": [], "owner": [], "score": []})
    queries = pd.unique(variants["name"])
    matrix = process.cdist(list(queries), choices["key"].tolist(), scorer=fuzz.token_sort_ratio,
                           dtype=np.float64)
    owners = choices["owner"].to_numpy()
    starts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]])
    per_person = np.maximum.reduceat(matrix, starts, axis=1)  # queries × people with names
    people = owners[starts]
    query_of = pd.Series(np.arange(len(queries)), index=queries)
    ordered = variants.sort_values("ident", kind="stable")
    rows = per_person[query_of[ordered["name"]].to_numpy()]
    idents = ordered["ident"].to_numpy()
    first = np.flatnonzero(np.r_[True, idents[1:] != idents[:-1]])
    best = np.maximum.reduceat(rows, first, axis=0)  # identities × people
    # keep each identity's best few people only; a stable sort keeps ties in roster_id order
    keep = min(CANDIDATES + 1, best.shape[1])
    order = np.argsort(-best, axis=1, kind="stable")[:, :keep]
    long = pd.DataFrame({
        "ident": np.repeat(idents[first], keep),
        "owner": people[order].ravel(),
        "score": np.take_along_axis(best, order, axis=1).ravel(),
    })
    return long[long["score"] > 0].reset_index(drop=True)


def _words(level: np.ndarray, key: np.ndarray, kind: np.ndarray) -> list[str]:
    """How each exact match was found, in words (one per distinct identity decided)."""
    return [
        (_SORTED_WORDS if k == "sorted" else _LEVEL_WORDS[lv]).format(key=word)
        for lv, word, k in zip(level, key, kind)
    ]


def _group_starts(sorted_ident: np.ndarray) -> np.ndarray:
    """Where each run of equal identities starts in an array sorted by identity."""
    return np.r_[True, sorted_ident[1:] != sorted_ident[:-1]] if len(sorted_ident) else np.zeros(0, dtype=bool)


def _decide(ids: pd.DataFrame, exact: pd.DataFrame, fuzzy: pd.DataFrame, variants: pd.DataFrame,
            phone: pd.Series, people: pd.DataFrame, settings: Settings) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One decision per identity (``owner``, ``rule``, ``score``, ``status``, ``reason``)
    and the candidates the review queue shows (``ident``, ``rank``, ``owner``, ``score``).

    Identities are positions (``ids`` has a range index); the work is done on arrays, one
    slot per identity, so a pilot costs a few array operations whatever its size."""
    n = len(ids)
    owner = np.full(n, -1, dtype=np.int64)  # -1: nobody
    rule = np.full(n, None, dtype=object)
    score = np.full(n, np.nan)
    status = np.full(n, "unmatched", dtype=object)
    reason = np.full(n, None, dtype=object)
    shown: list[tuple] = []  # (ident, owner, score) candidates for the review queue
    is_phone = phone.to_numpy(dtype=bool)

    # -- exact keys: the best level that finds anyone decides
    if len(exact):
        ident = exact["ident"].to_numpy(dtype=np.int64)
        level = exact["level"].to_numpy(dtype=np.int64)
        who = exact["owner"].to_numpy(dtype=np.int64)
        rules = exact["rule"].to_numpy(dtype=object)
        keys = exact["key"].to_numpy(dtype=object)
        kinds = exact["id_kind"].to_numpy(dtype=object)
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
        origin = exact["origin"].to_numpy(dtype=object)
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
    if len(fuzzy):
        f_ident = fuzzy["ident"].to_numpy(dtype=np.int64)
        mine = searchable[f_ident]
        f_ident = f_ident[mine]
        f_owner = fuzzy["owner"].to_numpy(dtype=np.int64)[mine]
        f_score = fuzzy["score"].to_numpy(dtype=np.float64)[mine]
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
    has_name[variants["ident"].to_numpy(dtype=np.int64)] = True
    anonymous = (ids["source_name"].isna() & ids["_email"].isna() & ids["_upn"].isna()
                 & ids["source_handle"].isna()).to_numpy(dtype=bool)
    reason[still & is_phone] = "a dial-in phone number: never matched by name"
    reason[still & ~is_phone & anonymous] = "no name, email or handle (anonymous)"
    reason[still & ~is_phone & ~anonymous & ~has_name] = "nothing in it can be read as a name"
    reason[np.equal(reason, None)] = "no roster name comes close"

    decision = pd.DataFrame(
        {
            "owner": pd.arrays.IntegerArray(np.where(owner >= 0, owner, 0), owner < 0),
            "rule": pd.Series(rule, index=ids.index, dtype="object"),
            "score": score,
            "status": pd.Series(status, index=ids.index, dtype="object"),
            "reason": pd.Series(reason, index=ids.index, dtype="object"),
        },
        index=ids.index,
    )
    return decision, _candidates(shown)


def _candidates(shown: list[tuple]) -> pd.DataFrame:
    """Each identity's best candidates (``ident``, ``rank``, ``owner``, ``score``): by
    score, ties to the lower roster_id, each person once, at most :data:`CANDIDATES`."""
    if not shown:
        return pd.DataFrame({"ident": [], "rank": [], "owner": [], "score": []})
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
    return pd.DataFrame({"ident": ident[keep], "rank": rank[keep], "owner": owner[keep], "score": score[keep]})


# --------------------------------------------------------------------------- resolutions

def _fold_identity(values: pd.Series) -> pd.Series:
    """An identity folded for comparing with a resolution: case, spacing, a leading ``@``,
    and the ``'`` a spreadsheet-safe export puts before ``=``, ``+``, ``-`` or ``@``."""
    text = fold_text(values).str.lower().str.replace(r"^'(?=[=+\-@])", "", regex=True)
    return text.str.replace(r"^@+", "", regex=True)


def _apply_resolutions(links: pd.DataFrame, pilot_id: str, resolutions: Sequence[Resolution],
                       people: pd.DataFrame, notes: list[str]) -> pd.DataFrame:
    mine = [r for r in resolutions if r.pilot == pilot_id]
    if not mine:
        return links
    known = set(people["roster_id"])
    unknown = [r for r in mine if r.participant != NOT_A_PARTICIPANT and r.participant not in known]
    if unknown:
        listed = ", ".join(f"'{r.participant}' (for identity '{r.identity}')" for r in unknown)
        raise LinkingError(
            f"resolutions for pilot '{pilot_id}' name roster_id(s) not on its roster: {listed}; "
            f"use a roster_id from the roster or '{NOT_A_PARTICIPANT}'"
        )
    out = links.copy()
    folded = {c: _fold_identity(out[c]) for c in ("source_name", "source_email", "source_handle", "source_original_name")}
    owner_of = pd.Series(np.arange(len(people)), index=people["roster_id"])
    for resolution in mine:
        wanted = _fold_identity(pd.Series([resolution.identity]))[0]
        hit = pd.Series(False, index=out.index)
        for values in folded.values():
            hit |= values == wanted
        if resolution.source_table:
            hit &= out["source_table"] == resolution.source_table
        if not hit.any():
            where = f" in {resolution.source_table}" if resolution.source_table else ""
            notes.append(f"resolution for '{resolution.identity}'{where} (pilot {pilot_id}) matched no identity")
            continue
        out.loc[hit, "rule"] = "manual"
        out.loc[hit, "score"] = np.nan
        if resolution.participant == NOT_A_PARTICIPANT:
            out.loc[hit, "owner"] = pd.NA
            out.loc[hit, "status"] = NOT_A_PARTICIPANT
            out.loc[hit, "reason"] = "resolved in programme.yml: not a participant"
        else:
            out.loc[hit, "owner"] = owner_of[resolution.participant]
            out.loc[hit, "status"] = "linked"
            out.loc[hit, "reason"] = "resolved in programme.yml"
        if resolution.note:
            out.loc[hit, "reason"] += f" ({resolution.note})"
    return out


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

    per_table: dict[str, pd.DataFrame] = {}
    for name in sorted(tables):
        frame = tables[name]
        if "pilot_id" in frame.columns:
            others = frame["pilot_id"].dropna()
            others = others[others != pilot_id]
            if len(others):
                raise LinkingError(f"table '{name}' holds rows of pilot '{others.iloc[0]}', not '{pilot_id}'")
        ids = identity_frame(name, frame)
        if ids is not None:
            # a caller passing each distinct identity once says how many rows each stands for
            ids["_rows"] = frame[ROWS].to_numpy(dtype=np.int64) if ROWS in frame.columns else 1
            per_table[name] = ids

    names = list(per_table)
    if per_table:
        every = pd.concat(list(per_table.values()), ignore_index=True)
    else:
        every = pd.DataFrame({c: pd.Series(dtype="object") for c in IDENTITY}).assign(_rows=np.int64(0))
    every["_key"] = _identity_key(every)
    table_of = np.repeat(np.arange(len(names), dtype=np.int64), [len(per_table[n]) for n in names])
    distinct = every.drop_duplicates("_key").sort_values("_key").reset_index(drop=True)[[*IDENTITY, "_key"]]

    distinct["_email"] = fold_email(distinct["source_email"])
    distinct["_upn"] = fold_email(guest_upn_email(distinct["source_upn"]))
    variants, phone = _name_variants(distinct)
    roster_keys = _roster_keys(people)
    exact = _exact_matches(_identity_keys(distinct, variants), roster_keys)
    undecided = variants[~variants["ident"].isin(exact["ident"])]
    fuzzy = _fuzzy_scores(undecided, roster_keys)
    decision, candidates = _decide(distinct, exact, fuzzy, variants, phone, people, settings)
    decided = pd.concat([distinct, decision], axis=1)
    decided["ident"] = decided.index

    # one link per source table and identity, in (table, identity key) order: identities
    # are numbered in key order, so the pair's number sorts the same way
    ident = pd.Index(distinct["_key"]).get_indexer(every["_key"])
    pair = table_of * max(len(distinct), 1) + ident
    pairs, link_of_row = np.unique(pair, return_inverse=True)
    n_rows = np.bincount(link_of_row, weights=every["_rows"].to_numpy(dtype=np.int64), minlength=len(pairs))
    links = decided.iloc[pairs % max(len(distinct), 1)].reset_index(drop=True)
    links.insert(0, "source_table", pd.Series(np.asarray(names, dtype=object)[pairs // max(len(distinct), 1)],
                                              dtype="str"))
    links["n_rows"] = n_rows.astype(np.int64)
    links = _apply_resolutions(links, pilot_id, resolutions, people, notes)

    pid_of_owner = participant_ids(pilot_id, people["roster_id"], key)
    owner = links["owner"].astype("Int64")
    linked = (links["status"] == "linked").to_numpy(dtype=bool) & owner.notna().to_numpy(dtype=bool)
    pid = np.full(len(links), None, dtype=object)
    pid[linked] = pid_of_owner.to_numpy(dtype=object)[owner.to_numpy(dtype=np.int64, na_value=0)[linked]]
    links["participant_id"] = pd.Series(pid, dtype="object")
    links["pilot_id"] = pilot_id

    out_tables = {}
    for name, frame in tables.items():
        if name not in per_table:
            out_tables[name] = frame
            continue
        begin = names.index(name)
        first = int(np.searchsorted(table_of, begin))
        rows = link_of_row[first:first + len(frame)]
        filled = frame.copy()
        filled["participant_id"] = pd.Series(pid[rows], index=frame.index, dtype="object")
        out_tables[name] = filled

    review = _review(links, candidates, people, pilot_id)
    link_table = links[[*schemas.columns("links"), "platform", "source_original_name", "source_upn",
                        "n_rows", "reason"]].copy()
    for column in ("source_name", "source_email", "source_handle", "participant_id", "rule",
                   "platform", "source_original_name", "source_upn", "reason"):
        link_table[column] = _none_for_missing(link_table[column])
    link_table["score"] = link_table["score"].astype("float64")
    link_table["n_rows"] = link_table["n_rows"].astype("int64")
    link_table = link_table.sort_values(
        ["source_table", "source_name", "source_email", "source_handle", "platform",
         "source_original_name", "source_upn"], na_position="first", kind="stable"
    ).reset_index(drop=True)
    _check_links(link_table)

    status_counts = link_table["status"].value_counts()
    counts = pd.DataFrame(
        {"pilot_id": [pilot_id], **{s: [int(status_counts.get(s, 0))] for s in schemas.LINK_STATUSES}}
    )
    return Linked(
        tables=out_tables,
        links=link_table,
        participants=participants_table(roster, pilot_id, key),
        review=review,
        counts=counts,
        notes=notes,
    )


def _none_for_missing(values: pd.Series) -> pd.Series:
    """Values as object dtype with ``None`` for every missing one."""
    array = values.to_numpy(dtype=object, copy=True)
    array[pd.isna(array)] = None
    return pd.Series(array, index=values.index, dtype="object")


def _check_links(link_table: pd.DataFrame) -> None:
    """Raise :class:`evalkit.schemas.TableValidationError` (every fault, as
    :func:`evalkit.schemas.validate` words them) when the links break their schema. Only
    rows a vectorised pass finds suspect go through pandera."""
    found = store.check_rows("links", link_table)
    if len(found):
        raise schemas.TableValidationError("links", found)


def _review(links: pd.DataFrame, candidates: pd.DataFrame, people: pd.DataFrame, pilot_id: str) -> pd.DataFrame:
    """The review queue: every ambiguous or unmatched identity with up to three candidates."""
    queue = links[links["status"].isin(["ambiguous", "unmatched"])].copy()
    queue["identity"] = queue["source_name"].combine_first(queue["source_email"]).combine_first(
        queue["source_handle"])
    # candidates as a grid: one row per identity, one column per rank (-1: none)
    ident = queue["ident"].to_numpy(dtype=np.int64)
    size = int(max(ident.max(initial=-1), candidates["ident"].max() if len(candidates) else -1)) + 1
    owners = np.full((size, CANDIDATES), -1, dtype=np.int64)
    scores = np.full((size, CANDIDATES), np.nan)
    if len(candidates):
        at = (candidates["ident"].to_numpy(dtype=np.int64), candidates["rank"].to_numpy(dtype=np.int64) - 1)
        owners[at] = candidates["owner"].to_numpy(dtype=np.int64)
        scores[at] = candidates["score"].to_numpy(dtype=np.float64)
    roster_id = people["roster_id"].to_numpy(dtype=object)
    name = people["name"].to_numpy(dtype=object)
    for rank in range(1, CANDIDATES + 1):
        owner = owners[ident, rank - 1]
        found = owner >= 0
        chosen = np.where(found, owner, 0)
        queue[f"candidate_{rank}_roster_id"] = pd.Series(
            np.where(found, roster_id[chosen] if len(roster_id) else None, None), index=queue.index, dtype="object")
        queue[f"candidate_{rank}_name"] = pd.Series(
            np.where(found, name[chosen] if len(name) else None, None), index=queue.index, dtype="object")
        queue[f"candidate_{rank}_score"] = np.round(scores[ident, rank - 1], 1)
    queue["pilot_id"] = pilot_id
    for column in ("identity", "source_name", "source_email", "source_handle", "platform", "reason"):
        queue[column] = queue[column].astype("object").where(queue[column].notna(), None)
    queue = queue.sort_values(["source_table", "status", "identity", "source_email", "source_handle"],
                              na_position="first", kind="stable")
    return queue[REVIEW_COLUMNS].reset_index(drop=True)
