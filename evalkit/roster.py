"""The roster: who is who in a pilot, and the stable pseudonyms that stand for them.

A pilot's roster (``<pilot>/roster.csv`` or ``.xlsx``) lists everyone eligible or invited,
one row each, with the columns of :data:`evalkit.programme.ROSTER_COLUMNS`. It is the
authority linking (:mod:`evalkit.linking`) matches every name, email and handle against.

``participant_id`` is a keyed hash (HMAC-SHA256) of the pilot id and the person's
``roster_id``, so it is the same in every run and every table, yet cannot be worked back to
a person without the key. The key is read by :func:`load_key` from an environment variable
(``settings.key_env``, default ``EVALKIT_KEY``) or from a key file (``settings.key_file``).

>>> import pandas as pd
>>> roster = pd.DataFrame({"roster_id": ["K01", "K02"], "name": ["Jane Smith", "Ann Lee"],
...                        "role": ["councillor", "officer"], "in_cohort": [True, False]})
>>> participants = participants_table(roster, "kirklees-2010", b"a demo key, not a real one")
>>> participants[["participant_id", "display_name", "role"]]
  participant_id display_name        role
0   P-1e63b23eab   Jane Smith  councillor
1   P-7fa00f344f      Ann Lee     officer
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd

from . import schemas, store
from .clean.names import fold_text, normalise_name
from .programme import ROSTER_COLUMNS, Programme, Settings
from .readers.base import InputError, decode, read_csv_records

__all__ = [
    "KeyMissing",
    "RosterError",
    "load_key",
    "participant_ids",
    "participants_table",
    "read_roster",
]

#: prefix of every participant_id, and how many hex digits of the HMAC follow it
PSEUDONYM_PREFIX = "P-"
PSEUDONYM_DIGITS = 10
#: a key shorter than this is refused (a short key can be guessed, and the ids reversed)
MIN_KEY_LENGTH = 16

_TEXT_COLUMNS = ["roster_id", "name", "role", "authority", "party", "email", "x_handle", "facebook_page"]
_FLAG_COLUMNS = ["in_cohort", "comparison"]

#: other header spellings seen in hand-made rosters → roster column
_HEADER_SYNONYMS = {
    "id": "roster_id",
    "roster": "roster_id",
    "person_id": "roster_id",
    "full_name": "name",
    "member": "name",
    "councillor": "name",
    "type": "role",
    "council": "authority",
    "organisation": "authority",
    "group": "party",
    "political_group": "party",
    "email_address": "email",
    "e_mail": "email",
    "twitter": "x_handle",
    "twitter_handle": "x_handle",
    "x": "x_handle",
    "x_twitter": "x_handle",
    "x_twitter_handle": "x_handle",
    "handle": "x_handle",
    "facebook": "facebook_page",
    "cohort": "in_cohort",
    "delegate": "in_cohort",
    "comparison_group": "comparison",
    "alias": "aliases",
    "other_names": "aliases",
    "followers": "followers_at_start",
    "x_followers": "followers_at_start",
}

_ROLES = {
    "councillor": "councillor",
    "cllr": "councillor",
    "member": "councillor",
    "elected member": "councillor",
    "officer": "officer",
    "staff": "officer",
    "other": "other",
    "guest": "other",
}
_YES = {"yes", "y", "true", "t", "1", "x", "✓", "✔", "ticked"}
_NO = {"no", "n", "false", "f", "0", ""}
_BLANKS = {"", "-", "–", "—", "n/a", "na", "none", "null", "nil", "not known"}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
#: X allows 15 characters; longer handles are accepted (old accounts and typed rosters vary)
_HANDLE = re.compile(r"^[A-Za-z0-9_]{1,50}$")
_PROFILE_ADDRESS = re.compile(
    r"^(?:https?://)?(?:www\.|mobile\.)?(?:twitter|x)\.com/@?([^/?#]+).*$", re.IGNORECASE
)


class RosterError(InputError):
    """A roster cannot be used. ``problems`` holds one :class:`InputError` per fault, each
    naming the file, row, column and value; the message lists them all."""

    def __init__(self, path: Path | str, problems: list[InputError]):
        first = problems[0]
        super().__init__(path, first.problem, row=first.row, column=first.column, value=first.value)
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        self.args = (f"{path}: the roster has {len(problems)} problem(s):\n{lines}",)


class KeyMissing(RuntimeError):
    """No pseudonym key could be found (or the one found cannot be used)."""


# --------------------------------------------------------------------------- reading

def read_roster(path: Path | str, pilot_id: str) -> pd.DataFrame:
    """Read a pilot's roster (CSV in any supported encoding, or an Excel workbook).

    Rows above the header (titles) and blank rows are passed over; the header is the first
    row naming both ``name`` and ``role``. Header spelling is forgiving (``Roster ID``,
    ``X handle``, ``Twitter``, ``Email address``); unknown columns are kept as they are.

    Returns
    -------
    DataFrame
        The columns of :data:`evalkit.programme.ROSTER_COLUMNS` in order, then ``pilot_id``,
        ``source_file`` and ``source_row`` (line of a CSV, sheet row of a workbook), then any
        unknown columns. Text columns are object dtype with ``None`` for blank; ``in_cohort``
        and ``comparison`` are booleans; ``aliases`` holds a tuple of strings (split on
        ``;``); ``followers_at_start`` is a float (NaN when blank); ``x_handle`` has no
        ``@``; ``role`` is one of councillor, officer, other. A blank ``roster_id`` is
        replaced by ``name:<normalised name>`` (stable only while the name is spelt the same).

    Raises
    ------
    RosterError
        Listing every fault with file, row, column and value: no header row, a missing
        name, an unknown role, a duplicate roster_id, an unreadable flag, email, handle or
        follower count.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "roster.csv").write_text(
    ...     "Kirklees pilot roster\\n\\nRoster ID,Name,Role,Email,X handle,In cohort,Aliases\\n"
    ...     "K01,Cllr Jane Smith,Councillor,jane.smith@kirklees.gov.uk,@CllrJaneSmith,yes,J Smith; Janey\\n"
    ...     "K02,Ann Lee,officer,,,no,\\n", encoding="utf-8")
    >>> roster = read_roster(folder / "roster.csv", "kirklees-2010")
    >>> roster[["roster_id", "x_handle", "in_cohort", "aliases", "source_row"]]
      roster_id       x_handle  in_cohort           aliases  source_row
    0       K01  CllrJaneSmith       True  (J Smith, Janey)           4
    1       K02           None      False                ()           5
    """
    path = Path(path)
    if not path.exists():
        raise InputError(path, "no such roster file")
    if path.read_bytes()[:4] == b"PK\x03\x04":
        rows, numbers = _xlsx_rows(path)
    else:
        rows, numbers = _csv_rows(path)
    return _roster_frame(path, pilot_id, rows, numbers)


def _csv_rows(path: Path) -> tuple[list[list[object]], list[int]]:
    """Records and their start lines; the delimiter is the one (comma, tab, semicolon)
    with which a header row naming ``name`` and ``role`` appears."""
    text, _encoding = decode(path)
    parsed = None
    for delimiter in (",", "\t", ";"):
        try:
            records, lines = read_csv_records(text, delimiter=delimiter)
        except InputError as exc:
            raise InputError(path, exc.problem) from None
        parsed = parsed or (records, lines)
        if _header_index(records) is not None:
            parsed = (records, lines)
            break
    records, lines = parsed
    return records, [int(n) for n in lines]


def _xlsx_rows(path: Path) -> tuple[list[list[object]], list[int]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, data_only=True)
    except Exception as exc:  # a damaged workbook: say so, naming the file
        raise InputError(path, f"the workbook cannot be opened ({exc})") from None
    try:
        for sheet in book.worksheets:
            rows = [list(r) for r in sheet.iter_rows(min_row=1, max_row=sheet.max_row, values_only=True)]
            if _header_index(rows) is not None:
                return rows, list(range(1, len(rows) + 1))
        first = book.worksheets[0]
        rows = [list(r) for r in first.iter_rows(min_row=1, max_row=first.max_row, values_only=True)]
        return rows, list(range(1, len(rows) + 1))
    finally:
        book.close()


def _header_key(value: object) -> str:
    text = "" if value is None else str(value)
    text = re.sub(r"[^a-z0-9]+", "_", text.strip().lower()).strip("_")
    return _HEADER_SYNONYMS.get(text, text)


def _header_index(rows: list[list[object]]) -> int | None:
    for i, row in enumerate(rows):
        keys = {_header_key(v) for v in row}
        if {"name", "role"} <= keys:
            return i
    return None


def _cell_str(value: object) -> str | None:
    """A cell as text (whole-number floats without ``.0``); blank → None."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    return text if text.strip() else None


def _folded_cells(cells: np.ndarray) -> np.ndarray:
    """The cells (rows × columns, object) as :func:`~evalkit.clean.names.fold_text` of
    each cell as text (:func:`_cell_str`): blank cells ``None``. All columns go through one
    call: a cell seen in several rows or columns is read and folded once."""
    flat = cells.ravel(order="F")
    if len(flat) and pd.api.types.infer_dtype(flat, skipna=True) == "string":
        # text cells (a CSV roster): rows find their distinct cell by hashing
        codes, distinct = pd.factorize(flat)
        texts = np.empty(len(distinct) + 1, dtype=object)
        texts[:-1] = [_cell_str(value) for value in distinct]
        texts[-1] = None
        texts = texts[codes]
    else:  # numbers, dates, flags from a workbook: 1 and 1.0 and True must not be taken as one
        texts = np.array([_cell_str(value) for value in flat] + [None], dtype=object)[:-1]
    folded = fold_text(pd.Series(texts, dtype="object")).to_numpy(dtype=object)
    return folded.reshape(cells.shape, order="F")


def _lower(values: list) -> list:
    """Each text in lower case, ``""`` for missing."""
    return ["" if v is None else v.lower() for v in values]


def _roster_frame(path: Path, pilot_id: str, rows: list[list[object]], numbers: list[int]) -> pd.DataFrame:
    header_at = _header_index(rows)
    if header_at is None:
        raise RosterError(path, [InputError(path, "no header row naming both 'name' and 'role' columns")])
    header = [_header_key(v) for v in rows[header_at]]
    problems: list[InputError] = []
    seen: dict[str, int] = {}
    for position, column in enumerate(header):
        if not column:
            continue
        if column in seen:
            problems.append(InputError(path, "the column appears twice", row=numbers[header_at],
                                       column=str(rows[header_at][position])))
        seen.setdefault(column, position)

    body = [(n, r) for n, r in zip(numbers[header_at + 1:], rows[header_at + 1:])
            if any(_cell_str(v) is not None for v in r)]
    width = len(header)
    cells = np.empty((len(body), len(seen)), dtype=object)
    for at, (_, r) in enumerate(body):
        cells[at, :] = [r[pos] if pos < len(r) else None for pos in seen.values()]
    source_row = [n for n, _ in body]
    for n, r in body:
        extra = [v for v in r[width:] if _cell_str(v) is not None]
        if extra:
            problems.append(InputError(path, "a value lies beyond the last named column", row=n,
                                       value=_cell_str(extra[0])))

    # every named column's cells as text, folded at once (each distinct cell visited once)
    folded = _folded_cells(cells)
    at_of = {name: at for at, name in enumerate(seen)}

    def column(name: str) -> list:
        if name not in at_of:
            return [None] * len(body)
        return folded[:, at_of[name]].tolist()

    def fault(mask: list[bool], name: str, problem: str, values: list) -> None:
        for position in np.flatnonzero(np.asarray(mask, dtype=bool)):
            problems.append(InputError(path, problem, row=int(source_row[position]),
                                       column=name, value=values[position]))

    out: dict[str, list] = {}  # the roster's columns, made into one frame at the end
    for name in _TEXT_COLUMNS:
        values = column(name)
        if name not in ("name", "role", "roster_id"):
            values = [None if low in _BLANKS else v for v, low in zip(values, _lower(values))]
        out[name] = values

    fault([v is None for v in out["name"]], "name", "the name is missing", out["name"])
    role = [_ROLES.get(low) for low in _lower(out["role"])]
    fault([v is not None and r is None for v, r in zip(out["role"], role)], "role",
          "unknown role (use councillor, officer or other)", out["role"])
    fault([v is None for v in out["role"]], "role", "the role is missing (use councillor, officer or other)",
          out["role"])
    out["role"] = role

    email = out["email"]
    fault([v is not None and not _EMAIL.match(v) for v in email], "email", "not an email address", email)
    out["email"] = [None if v is None else v.strip() for v in email]

    handle = [None if v is None else re.sub(r"^@+", "", _PROFILE_ADDRESS.sub(r"\1", v)).strip()
              for v in out["x_handle"]]
    fault([v is not None and not _HANDLE.match(v) for v in handle], "x_handle",
          "not an X handle (letters, digits and _ only)", out["x_handle"])
    out["x_handle"] = handle

    for name in _FLAG_COLUMNS:
        values = column(name)
        folded_flags = [low.strip() for low in _lower(values)]
        fault([f not in _YES and f not in _NO for f in folded_flags], name, "not yes or no", values)
        out[name] = np.array([f in _YES for f in folded_flags], dtype=bool)

    out["aliases"] = pd.Series(
        [tuple(p.strip() for p in ("" if v is None else v).split(";") if p.strip()) for v in column("aliases")],
        dtype="object",
    )

    followers_raw = column("followers_at_start")
    followers_text = ["" if v is None else v.replace(",", "").strip() for v in followers_raw]
    followers = pd.to_numeric(pd.Series([t if t != "" else None for t in followers_text], dtype="object"),
                              errors="coerce").to_numpy(dtype="float64")
    fault([v is not None and not f >= 0 for v, f in zip(followers_raw, followers)], "followers_at_start",
          "not a follower count", followers_raw)
    out["followers_at_start"] = followers

    named = normalise_name(pd.Series(out["name"], dtype="object")).to_numpy(dtype=object)
    out["roster_id"] = [("name:" + ("" if f is None else f)) if rid is None and n is not None else rid
                        for rid, n, f in zip(out["roster_id"], out["name"], named)]
    ids = pd.Series(out["roster_id"], dtype="object")
    fault((ids.notna() & ids.duplicated(keep=False)).tolist(), "roster_id",
          "the roster_id is used for more than one row", out["roster_id"])

    if problems:
        problems.sort(key=lambda p: (p.row or 0, list(ROSTER_COLUMNS).index(p.column)
                                     if p.column in ROSTER_COLUMNS else 99))
        raise RosterError(path, problems)

    frame = {name: out[name] if name in ("in_cohort", "comparison", "followers_at_start", "aliases")
             else pd.Series(out[name], dtype="object") for name in ROSTER_COLUMNS}
    frame["pilot_id"] = pd.Series([pilot_id] * len(body), dtype="str")
    frame["source_file"] = pd.Series([str(path)] * len(body), dtype="str")
    frame["source_row"] = np.asarray(source_row, dtype=np.int64)
    for name, position in seen.items():
        if name not in ROSTER_COLUMNS and name:
            frame[str(rows[header_at][position])] = pd.Series(column(name), dtype="object")
    return pd.DataFrame(frame)


# --------------------------------------------------------------------------- pseudonyms

def participant_ids(pilot_id: str, roster_ids: pd.Series, key: bytes) -> pd.Series:
    """The pseudonym of each roster entry: ``P-`` and the first hex digits of
    HMAC-SHA256(key, pilot id + roster_id). The same key gives the same ids in every run;
    without the key they cannot be worked back to a roster entry.

    >>> participant_ids("suffolk", pd.Series(["SUF-07", "SUF-08"]), b"a demo key, not a real one").tolist()
    ['P-583eecb89a', 'P-421591c3e8']
    """
    if not isinstance(key, (bytes, bytearray)) or len(key) < MIN_KEY_LENGTH:
        raise KeyMissing(f"the pseudonym key must be at least {MIN_KEY_LENGTH} bytes")
    ids = pd.Series(roster_ids, dtype="object")
    codes, distinct = pd.factorize(ids.to_numpy(dtype=object))  # missing ids: -1
    pseudonyms = [
        PSEUDONYM_PREFIX
        + hmac.new(bytes(key), f"{pilot_id}\x1f{rid}".encode("utf-8"), hashlib.sha256).hexdigest()[:PSEUDONYM_DIGITS]
        for rid in distinct
    ]
    if len(set(pseudonyms)) != len(pseudonyms):
        raise ValueError(f"two roster entries of pilot '{pilot_id}' got the same pseudonym; "
                         "lengthen PSEUDONYM_DIGITS")
    answers = np.array(pseudonyms + [None], dtype=object)
    return pd.Series(answers[codes], index=ids.index, dtype="object")


def participants_table(roster: pd.DataFrame, pilot_id: str, key: bytes) -> pd.DataFrame:
    """The canonical ``participants`` table of a pilot, one row per roster entry.

    Columns are those of :func:`evalkit.schemas.columns` ``("participants")`` —
    ``pilot_id, participant_id, display_name (the roster name), role, authority, party,
    in_cohort, email, x_handle, facebook_page`` — then ``comparison`` and
    ``followers_at_start``. ``roster_id`` is left out on purpose: it must not travel into
    outputs for commissioners.
    """
    n = len(roster)

    def text(name: str) -> pd.Series:
        if name not in roster.columns:
            return pd.Series([None] * n, dtype="object")
        values = roster[name].to_numpy(dtype=object, copy=True)
        values[pd.isna(values)] = None
        return pd.Series(values, dtype="object")

    def flag(name: str) -> pd.Series:
        if name not in roster.columns:
            return pd.Series([False] * n, dtype=bool)
        return roster[name].fillna(False).astype(bool).reset_index(drop=True)

    out = pd.DataFrame(
        {
            "pilot_id": pd.Series([pilot_id] * n, dtype="object"),
            "participant_id": participant_ids(pilot_id, text("roster_id"), key),
            "display_name": text("name"),
            "role": text("role"),
            "authority": text("authority"),
            "party": text("party"),
            "in_cohort": flag("in_cohort"),
            "email": text("email"),
            "x_handle": text("x_handle"),
            "facebook_page": text("facebook_page"),
            "comparison": flag("comparison"),
            "followers_at_start": (
                pd.to_numeric(roster["followers_at_start"], errors="coerce").astype("float64").reset_index(drop=True)
                if "followers_at_start" in roster.columns else pd.Series([np.nan] * n, dtype="float64")
            ),
        }
    )
    # only rows a vectorised pass finds suspect go through pandera (which words each fault)
    found = store.check_rows("participants", out)
    if len(found):
        raise schemas.TableValidationError("participants", found)
    return out


# --------------------------------------------------------------------------- the key

def load_key(programme: Programme | Settings, environ: Mapping[str, str] | None = None,
             *, root: Path | str | None = None) -> bytes:
    """The pseudonym key: the environment variable ``settings.key_env`` (default
    ``EVALKIT_KEY``) if it is set, else the file ``settings.key_file`` (relative paths are
    taken from the programme folder).

    A key file may hold just the key (``#`` comment lines are ignored), or be a note such as
    the sample's ``DEMO_KEY.md``: then the key is a line ``EVALKIT_KEY=<key>`` (``export``
    and quotes allowed) or the first line of the first fenced code block.

    Parameters
    ----------
    programme
        The loaded programme (its ``settings`` and folder are used), or bare ``Settings``.
    environ
        Where to look for the variable (default ``os.environ``).
    root
        The programme folder, when ``programme`` is ``Settings``.

    Raises
    ------
    KeyMissing
        When neither is set, the file is missing or holds no key, or the key is shorter
        than 16 characters; the message says how to set one.

    Examples
    --------
    >>> from evalkit.programme import Settings
    >>> load_key(Settings(), {"EVALKIT_KEY": "a demo key, not a real one"})
    b'a demo key, not a real one'
    """
    environ = os.environ if environ is None else environ
    settings = programme if isinstance(programme, Settings) else programme.settings
    if root is None and isinstance(programme, Programme):
        root = programme.root
    how = (
        f"set the environment variable {settings.key_env} to a long random secret "
        f"(for example: export {settings.key_env}=$(python -c \"import secrets; print(secrets.token_hex(32))\")), "
        "or name a file holding it in programme.yml under settings: key_file: (keep that file "
        "outside the repository and never share it)"
    )
    value = environ.get(settings.key_env)
    if value is not None and value.strip():
        return _checked_key(value.strip(), f"the environment variable {settings.key_env}", how)
    if settings.key_file:
        file = Path(settings.key_file).expanduser()
        if not file.is_absolute() and root is not None:
            file = Path(root) / file
        if not file.exists():
            raise KeyMissing(f"no pseudonym key: {settings.key_env} is not set and the key file "
                             f"{file} does not exist; {how}")
        text = file.read_text(encoding="utf-8-sig")
        found = _key_in_text(text, settings.key_env)
        if found is None:
            raise KeyMissing(f"the key file {file} holds no key: write the key alone on a line, "
                             f"as a line {settings.key_env}=<key>, or in a fenced code block")
        return _checked_key(found, f"the key file {file}", how)
    raise KeyMissing(f"no pseudonym key: {how}")


def _checked_key(value: str, where: str, how: str) -> bytes:
    if len(value) < MIN_KEY_LENGTH:
        raise KeyMissing(f"the pseudonym key in {where} is too short ({len(value)} characters; "
                         f"at least {MIN_KEY_LENGTH} needed): {how}")
    return value.encode("utf-8")


def _key_in_text(text: str, variable: str) -> str | None:
    lines = [line.strip() for line in text.replace("\r\n", "\n").split("\n")]
    assignment = re.compile(rf"^(?:export\s+)?{re.escape(variable)}\s*[=:]\s*(.+)$")
    for line in lines:
        match = assignment.match(line.strip("`"))
        if match:
            return match.group(1).strip().strip("'\"`").strip()
    fence = [i for i, line in enumerate(lines) if line.startswith("```")]
    if len(fence) >= 2:
        inside = [line for line in lines[fence[0] + 1:fence[1]] if line]
        if inside:
            return inside[0]
    plain = [line for line in lines if line and not line.startswith("#")]
    if len(plain) == 1:
        return plain[0]
    return None
