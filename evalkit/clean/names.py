"""People's names, emails and handles as exports write them, folded into comparable keys.

One small function per rule, each taking a Series of text and returning a new Series (or
frame). Each rule is written for one text and worked out once per *distinct* value of the
Series (rows find their value's answer by hashing, so a long column of few names costs
little more than its names); :func:`normalise_name` chains the rules over each distinct
name in one visit. Linking (:mod:`evalkit.linking`) calls them on the distinct identities
of a pilot only.

The rules, in the order :func:`normalise_name` applies them:

1. :func:`fold_text` — curly quotes, odd spaces and invisible characters; blank → missing.
2. :func:`strip_device` — ``Jane Smith (Jane's iPad)``, ``Jane Smith iPhone``.
3. :func:`strip_account_suffix` — Teams ``(External)``, ``(Guest)``, ``(Unverified)``.
4. :func:`strip_party` — ``(Lab)``, ``(Con)``, ``(LD)``, ``(Green)``, ``(Ind)``, ``- Labour``.
5. :func:`strip_brackets` — any other bracketed remark (``(she/her)``, ``[Chair]``).
6. :func:`surname_first` — ``Smith, Jane`` → ``Jane Smith``.
7. :func:`strip_titles` — ``Cllr``, ``Councillor``, ``Mr``, ``Mrs``, ``Ms``, ``Dr``, … and
   honours after the name (``MBE``, ``JP``).
8. :func:`fold_accents` — ``Siân`` → ``Sian``.
9. :func:`fold_punctuation` — case, apostrophes (``O'Neill`` → ``oneill``), hyphens, dots.

Zoom's ``Display (Original)`` names are split first by :func:`split_original_name`; dial-in
callers are recognised by :func:`is_phone_number` and are never compared as names.

>>> import pandas as pd
>>> names = pd.Series(["Cllr J. Smith", "Smith, Jane (External)", "Jane Smith (Jane's iPad)",
...                    "Councillor Siân O'Neill (Lab)", "+44 7700 900123"])
>>> normalise_name(names).tolist()
['j smith', 'jane smith', 'jane smith', 'sian oneill', '44 7700 900123']
>>> is_phone_number(names).tolist()
[False, False, False, False, True]
>>> initials_key(normalise_name(names)).tolist()
['j smith', None, None, None, None]
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Callable

import numpy as np
import pandas as pd
from pandas.api.types import infer_dtype

__all__ = [
    "fold_text",
    "split_original_name",
    "strip_device",
    "strip_account_suffix",
    "strip_party",
    "strip_brackets",
    "surname_first",
    "strip_titles",
    "fold_accents",
    "fold_punctuation",
    "normalise_name",
    "initials_key",
    "is_phone_number",
    "phone_key",
    "looks_like_email",
    "fold_email",
    "guest_upn_email",
    "fold_handle",
    "fold_page",
    "handle_to_name",
    "email_to_name",
    "on_distinct",
    "as_text",
]

# --------------------------------------------------------------------------- patterns

_DEVICE_WORDS = (
    r"ipad(?:\s*(?:pro|air|mini))?|iphone(?:\s*\d+)?(?:\s*(?:pro|max|plus|mini))*|android|"
    r"galaxy(?:\s*\w+)?|samsung(?:\s*\w+)?|pixel(?:\s*\d+\w*)?|huawei(?:\s*\w+)?|"
    r"macbook(?:\s*(?:pro|air))?|mac|laptop|tablet|phone|mobile|desktop|pc|surface(?:\s*pro)?|"
    r"chromebook|kindle|device|work\s*phone|home\s*pc"
)
#: what a bracketed group naming a device holds: ``Jane's iPad``, ``iPhone``, ``Samsung Galaxy S21``
_DEVICE_BODY = rf"(?:[^()\[\]]*?['’]s\s+)?(?:\w+\s+)?(?:{_DEVICE_WORDS})"
_DEVICE_GROUP = re.compile(rf"\s*[(\[]\s*{_DEVICE_BODY}\s*[)\]]\s*$", re.IGNORECASE)
#: a device named after the name without brackets: ``Jane Smith iPhone``, ``Jane's iPad``
#: (without a possessive only words that cannot be surnames: not ``Mac`` or ``Mobile``)
_DEVICE_TAIL = re.compile(
    rf"(?:['’]s\s+(?:{_DEVICE_WORDS})|\s+(?:ipad(?:\s*(?:pro|air|mini))?|iphone(?:\s*\d+)?|"
    r"android|galaxy(?:\s*\w+)?|samsung(?:\s*\w+)?|pixel\s*\d+\w*|macbook(?:\s*(?:pro|air))?|"
    r"laptop|tablet|chromebook))\s*$",
    re.IGNORECASE,
)

_ACCOUNT_BODY = r"external|guest|unverified"
_ACCOUNT_SUFFIX = re.compile(rf"\s*[(\[]\s*(?:{_ACCOUNT_BODY})\s*[)\]]", re.IGNORECASE)

_PARTIES = (
    r"lab(?:our)?(?:\s*(?:/|&|and|\+)\s*co-?op(?:erative)?(?:\s*party)?)?|lab\s*co-?op|"
    r"con(?:s|servative)?(?:\s*(?:party|&\s*unionist))?|tory|"
    r"ld|lib|lib\s*dems?|libdems?|liberal(?:\s*democrats?)?|"
    r"green(?:\s*party)?|grn|gp|"
    r"ind(?:ep|ependent)?(?:\s*group)?|"
    r"reform(?:\s*uk)?|snp|plaid(?:\s*cymru)?|pc|ukip|yorks(?:hire)?\s*party|"
    r"res(?:idents)?(?:\s*association)?|ra|non-?aligned"
)
_PARTY_GROUP = re.compile(rf"\s*[(\[]\s*(?:{_PARTIES})\s*\.?\s*[)\]]", re.IGNORECASE)
_PARTY_TAIL = re.compile(rf"\s+[-–—,]\s*(?:{_PARTIES})\s*\.?\s*$", re.IGNORECASE)

_BRACKETED = re.compile(r"\s*[(\[][^()\[\]]*[)\]]")
_LAST_GROUP = re.compile(r"^(?P<display>.*?\S)\s*\((?P<original>[^()]*)\)\s*$")

_TITLES = (
    r"cllr|councillor|councilor|coun|cnclr|cncllr|clr|"
    r"mr|mrs|ms|miss|mx|dr|doctor|prof|professor|sir|dame|lady|lord|rev|revd|reverend|"
    r"the\s+rt\s+hon|rt\s+hon|the\s+hon|hon|alderman|ald"
)
_LEADING_TITLES = re.compile(rf"^(?:(?:{_TITLES})\.?(?:\s+|$))+", re.IGNORECASE)
_HONOURS = re.compile(
    r"(?:,?\s+(?:mbe|obe|cbe|dbe|kbe|bem|jp|dl|mp|mep|ma|msc|ba|bsc|phd|frsa|fcca|aca))+\.?\s*$",
    re.IGNORECASE,
)

_PHONE = re.compile(r"^\s*(?:tel:?\s*)?\+?[\d\s().\-/]+\s*$", re.IGNORECASE)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

_SPECIAL_LETTERS = str.maketrans(
    {"ß": "ss", "æ": "ae", "Æ": "Ae", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "đ": "d",
     "Đ": "D", "þ": "th", "Þ": "Th", "œ": "oe", "Œ": "Oe", "ı": "i"}
)

_QUOTES = re.compile(r"[\u2018\u2019\u02bc\u0060\u00b4]")
_INVISIBLE = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff]")
_SPACES = re.compile(r"\s+")
_NOT_BLANK = re.compile(r"\S")
_LOOSE_BRACKETS = re.compile(r"[()\[\]]")
_SURNAME_FIRST = re.compile(r"^(?P<surname>[^,@]+?)\s*,\s*(?P<first>[^,@]+)$")
_COMBINING = re.compile(r"[\u0300-\u036f]")
_MARKS = re.compile(r"[^\w]|_")
_REMARK = re.compile(rf"(?:{_DEVICE_BODY}|{_ACCOUNT_BODY}|{_PARTIES})\s*\.?", re.IGNORECASE)
_LETTER = re.compile(r"[^\W\d_]")
_INITIALS = re.compile(r"^(?P<first>[a-z0-9])(?: [a-z0-9])* (?P<surname>\w\w.*)$")
_DIGIT = re.compile(r"\d")
_NOT_DIGITS = re.compile(r"\D")
_UK_PREFIX = re.compile(r"^440?")
_MAILTO = re.compile(r"^mailto:")
_GUEST_UPN = re.compile(r"^(.+)_([^_@#\s]+\.[^_@#\s]+)#EXT#@.*$", re.IGNORECASE)
_PROFILE = re.compile(r"^(?:https?://)?(?:www\.|mobile\.)?(?:twitter|x)\.com/([^/?#]+).*$")
_LEADING_AT = re.compile(r"^@+")
_CAMEL = re.compile(r"([a-z])([A-Z])")
_TITLE_RUN_ON = re.compile(r"(Cllr|Councillor)(?=[A-Z])")
_HANDLE_MARKS = re.compile(r"[_\d.]+")
_LOCAL_PART = re.compile(r"^([^@+]+)")
_NUMBERS = re.compile(r"\d+")
_LOCAL_SEPARATORS = re.compile(r"[._\-]+")


# --------------------------------------------------------------------------- applying rules

def _text(values: pd.Series) -> pd.Series:
    """Values as object-dtype text (missing stays missing); anything else becomes text."""
    if not (isinstance(values, pd.Series) and values.dtype == object):
        values = pd.Series(values, dtype="object")
    if infer_dtype(values, skipna=True) in ("string", "empty"):
        return values
    return values.where(values.isna(), values.astype(str)).astype("object")


def _each_distinct(one: Callable[[str], object], values, missing: object = None) -> tuple[np.ndarray, pd.Index]:
    """``one`` applied once to each distinct text of ``values`` (anything not text made
    text first), the answers aligned with ``values`` (``missing`` where a value is
    missing), and the index of ``values``. Rows are matched to their distinct value by
    hashing (vectorised): only the distinct values are visited one by one."""
    text = _text(values)
    codes, distinct = pd.factorize(text.to_numpy(dtype=object))
    answers = np.empty(len(distinct) + 1, dtype=object)
    answers[:-1] = np.fromiter((one(value) for value in distinct), dtype=object, count=len(distinct))
    answers[-1] = missing
    return answers[codes], text.index


def _text_rule(one: Callable[[str], str | None]) -> Callable[[pd.Series], pd.Series]:
    """A rule on one text (blank or ``None`` out for nothing left) as a rule on a Series:
    any values in, text with ``None`` for blank and missing out."""

    def rule(values: pd.Series) -> pd.Series:
        answers, index = _each_distinct(lambda value: _kept(one(value)), values)
        return pd.Series(answers, index=index, dtype="object")

    return rule


def _test_rule(one: Callable[[str], bool]) -> Callable[[pd.Series], pd.Series]:
    """A yes/no test on one text as a test on a Series (missing values: False)."""

    def test(values: pd.Series) -> pd.Series:
        answers, index = _each_distinct(one, values, missing=False)
        return pd.Series(answers.astype(bool), index=index)

    return test


def _kept(text: str | None) -> str | None:
    """``text`` unless it is blank or missing (then ``None``)."""
    return text if text is not None and _NOT_BLANK.search(text) else None


def _none_if_blank(values: pd.Series) -> pd.Series:
    """Blank and missing values become ``None`` (object dtype)."""
    values = values.astype("object")
    return values.where(values.str.contains(r"\S", na=False, regex=True), None)


def _rule(one: Callable[[str], str]) -> Callable[[pd.Series], pd.Series]:
    """Make a rule on one text public: any values in, text with ``None`` for blank out,
    worked out once per distinct value. The rule on one text stays reachable as ``.one``
    so that a chain of rules visits each distinct name once."""
    public = functools.wraps(one)(_text_rule(one))
    public.one = one
    return public


def on_distinct(func: Callable[[pd.Series], pd.Series]) -> Callable[[pd.Series], pd.Series]:
    """Wrap ``func`` so that it runs once per distinct value and the result is mapped back.

    >>> calls = []
    >>> def shout(s):
    ...     calls.append(len(s))
    ...     return s.str.upper()
    >>> on_distinct(shout)(pd.Series(["a", "b", "a", "a"])).tolist()
    ['A', 'B', 'A', 'A']
    >>> calls
    [2]
    """

    def wrapped(values: pd.Series) -> pd.Series:
        values = pd.Series(values, dtype="object")
        codes, distinct = pd.factorize(values.to_numpy(dtype=object))
        result = pd.Series(func(pd.Series(distinct, dtype="object")), dtype="object")
        answers = np.empty(len(distinct) + 1, dtype=object)
        answers[:-1] = result.where(result.notna(), None).to_numpy(dtype=object)
        answers[-1] = None
        return pd.Series(answers[codes], index=values.index, dtype="object")

    wrapped.__name__ = func.__name__
    wrapped.__doc__ = func.__doc__
    return wrapped


def as_text(values: pd.Series) -> pd.Series:
    """Values exactly as they are, as text (anything else made text); blank and missing
    become ``None``. Worked out once per distinct value.

    >>> as_text(pd.Series([" Jane Smith ", "  ", None, 42])).tolist()
    [' Jane Smith ', None, None, '42']
    """
    return _text_rule(_unless_blank)(values)


def _unless_blank(text: str) -> str | None:
    return text if text.strip() else None


# --------------------------------------------------------------------------- rules

@_rule
def fold_text(name: str) -> str:
    """Straighten curly quotes, turn odd spaces into plain ones, drop invisible characters,
    collapse spacing. Blank values become missing (``None``).

    >>> fold_text(pd.Series(["  Jane\\u00a0 O\\u2019Neill ", "", None, "\\u200bSam"])).tolist()
    ["Jane O'Neill", None, None, 'Sam']
    """
    text = unicodedata.normalize("NFC", name)
    text = _INVISIBLE.sub("", _QUOTES.sub("'", text))
    return _SPACES.sub(" ", text).strip()


def _split_one(name: str) -> tuple[str | None, str | None]:
    found = _LAST_GROUP.search(name)
    if found is None:
        return _kept(name), None
    original = found["original"].strip()
    if _REMARK.fullmatch(original) or not _LETTER.search(original):
        return _kept(name), None
    return _kept(found["display"]), _kept(original)


def split_original_name(names: pd.Series) -> pd.DataFrame:
    """Split Zoom's ``Display (Original)`` names: the original name is the *last* bracketed
    group; the display name may hold brackets of its own. A last group that is a device,
    a Teams account suffix or a party is not an original name.

    Returns a frame with columns ``display`` and ``original`` (``None`` when there is none).

    >>> split_original_name(pd.Series(["Jane Smith (Jane's iPad) (Jane Smith)",
    ...                                "JS (Jane Smith)", "Smith, Jane (External)", "Bob"]))
                        display    original
    0  Jane Smith (Jane's iPad)  Jane Smith
    1                        JS  Jane Smith
    2    Smith, Jane (External)        None
    3                       Bob        None
    """
    parts, index = _each_distinct(_split_one, names, missing=(None, None))
    return pd.DataFrame(
        {
            "display": pd.Series([p[0] for p in parts], index=index, dtype="object"),
            "original": pd.Series([p[1] for p in parts], index=index, dtype="object"),
        },
        index=index,
    )


@_rule
def strip_device(name: str) -> str:
    """Remove a device name: ``Jane Smith (Jane's iPad)``, ``Jane Smith (iPhone)``,
    ``Jane Smith iPhone``, ``Jane's iPad`` (→ ``Jane``).

    >>> strip_device(pd.Series(["Jane Smith (Jane's iPad)", "Jane Smith iPhone",
    ...                         "Jane's iPad", "Sam Phones"])).tolist()
    ['Jane Smith', 'Jane Smith', 'Jane', 'Sam Phones']
    """
    return _DEVICE_TAIL.sub("", _DEVICE_GROUP.sub("", name)).strip()


@_rule
def strip_account_suffix(name: str) -> str:
    """Remove the account suffixes Teams adds: ``(External)``, ``(Guest)``, ``(Unverified)``.

    >>> strip_account_suffix(pd.Series(["Smith, Jane (External)", "Bo Li (guest)",
    ...                                 "Ann Lee (Unverified)"])).tolist()
    ['Smith, Jane', 'Bo Li', 'Ann Lee']
    """
    return _ACCOUNT_SUFFIX.sub("", name).strip()


@_rule
def strip_party(name: str) -> str:
    """Remove a party or group suffix: ``(Lab)``, ``(Con)``, ``(LD)``, ``(Green)``, ``(Ind)``,
    their long forms, and ``- Labour`` after the name.

    >>> strip_party(pd.Series(["Cllr Jane Smith (Lab)", "Ann Lee (Lib Dem)",
    ...                        "Tom Hart - Conservative", "Ravi Patel (Lab/Co-op)"])).tolist()
    ['Cllr Jane Smith', 'Ann Lee', 'Tom Hart', 'Ravi Patel']
    """
    return _PARTY_TAIL.sub("", _PARTY_GROUP.sub("", name)).strip()


@_rule
def strip_brackets(name: str) -> str:
    """Remove any other bracketed remark (``(she/her)``, ``[Chair]``, ``(Kirklees)``).

    >>> strip_brackets(pd.Series(["Jane Smith (she/her)", "Bo Li [Chair]"])).tolist()
    ['Jane Smith', 'Bo Li']
    """
    text = _LOOSE_BRACKETS.sub(" ", _BRACKETED.sub("", name))
    return _SPACES.sub(" ", text).strip()


@_rule
def surname_first(name: str) -> str:
    """Turn ``Surname, First`` into ``First Surname`` (one comma only; an email or a list
    of several names is left alone).

    >>> surname_first(pd.Series(["Smith, Jane", "Smith-Jones , Cllr Ann", "Jane Smith",
    ...                          "a, b, c"])).tolist()
    ['Jane Smith', 'Cllr Ann Smith-Jones', 'Jane Smith', 'a, b, c']
    """
    parts = _SURNAME_FIRST.search(name)
    return name if parts is None else parts["first"].strip() + " " + parts["surname"].strip()


@_rule
def strip_titles(name: str) -> str:
    """Remove titles before the name (``Cllr``, ``Councillor``, ``Mr``, ``Mrs``, ``Ms``,
    ``Dr``, …, also several: ``Cllr Dr``) and honours after it (``MBE``, ``JP``).
    A name that is nothing but a title stays as it is.

    >>> strip_titles(pd.Series(["Cllr. Dr Jane Smith", "Councillor J Smith", "Mrs Ann Lee MBE",
    ...                         "Mr", "Drew Barr"])).tolist()
    ['Jane Smith', 'J Smith', 'Ann Lee', 'Mr', 'Drew Barr']
    """
    stripped = _HONOURS.sub("", _LEADING_TITLES.sub("", name)).strip()
    return stripped if stripped else name


@_rule
def fold_accents(name: str) -> str:
    """Remove accents and fold letters that have no accent-free form (``ø``, ``ß``, ``ł``).

    >>> fold_accents(pd.Series(["Siân", "Zoë Müller", "Łukasz Søndergaard"])).tolist()
    ['Sian', 'Zoe Muller', 'Lukasz Sondergaard']
    """
    return _COMBINING.sub("", unicodedata.normalize("NFKD", name.translate(_SPECIAL_LETTERS)))


@_rule
def fold_punctuation(name: str) -> str:
    """Lower-case; drop apostrophes (``O'Neill`` → ``oneill``); hyphens, dots, commas and
    any other marks become spaces (``Smith-Jones`` → ``smith jones``, ``J.Smith`` → ``j smith``).

    >>> fold_punctuation(pd.Series(["O'Neill", "Smith-Jones", "J.Smith", "ANN  LEE."])).tolist()
    ['oneill', 'smith jones', 'j smith', 'ann lee']
    """
    text = _MARKS.sub(" ", name.lower().replace("'", ""))
    return _SPACES.sub(" ", text).strip()


_NAME_RULES = (fold_text, strip_device, strip_account_suffix, strip_party, strip_brackets,
               surname_first, strip_titles, fold_accents, fold_punctuation)


def _normalise_one(name: str) -> str:
    for rule in _NAME_RULES:
        name = rule.one(name)
    return name


def normalise_name(names: pd.Series) -> pd.Series:
    """The comparable form of a person's name: every rule above, in order (see the module
    docstring). Computed once per distinct value.

    >>> normalise_name(pd.Series(["Smith, Cllr Jane (Guest)", "JANE SMITH (Lab)",
    ...                           "Jane Smith iPhone", None])).tolist()
    ['jane smith', 'jane smith', 'jane smith', None]
    """
    return _text_rule(_normalise_one)(names)


def _initials_one(name: str) -> str | None:
    parts = _INITIALS.search(name)
    return None if parts is None else parts["first"] + " " + parts["surname"]


def initials_key(normalised: pd.Series) -> pd.Series:
    """For a normalised name written with initials (``j smith``, ``j e smith``): the first
    initial and the surname (``j smith``); ``None`` for names written in full.

    >>> initials_key(pd.Series(["j smith", "j e smith jones", "jane smith", "j"])).tolist()
    ['j smith', 'j smith jones', None, None]
    """
    return _text_rule(_initials_one)(normalised)


def _is_phone_one(text: str) -> bool:
    return _PHONE.match(text) is not None and len(_DIGIT.findall(text)) >= 6


def is_phone_number(names: pd.Series) -> pd.Series:
    """True for values that are phone numbers (Zoom dial-in callers): digits with spaces,
    ``+``, brackets, dots or dashes, at least six digits in all.

    >>> is_phone_number(pd.Series(["+44 7700 900123", "07700900123", "(0113) 496-0000",
    ...                            "Jane Smith", "Room 101", None])).tolist()
    [True, True, True, False, False, False]
    """
    return _test_rule(_is_phone_one)(names)


def _phone_key_one(text: str) -> str | None:
    if not _is_phone_one(text):
        return None
    return _UK_PREFIX.sub("0", _NOT_DIGITS.sub("", text))


def phone_key(values: pd.Series) -> pd.Series:
    """Only the digits of a phone number, a leading UK ``44`` read as ``0``, so that
    ``+44 7700 900123`` and ``07700 900123`` agree.

    >>> phone_key(pd.Series(["+44 7700 900123", "07700900123", "Jane"])).tolist()
    ['07700900123', '07700900123', None]
    """
    return _text_rule(_phone_key_one)(values)


def _is_email_one(text: str) -> bool:
    return _EMAIL.match(text.strip()) is not None


def looks_like_email(values: pd.Series) -> pd.Series:
    """True for values shaped like an email address.

    >>> looks_like_email(pd.Series(["jane.smith@kirklees.gov.uk", "anonymous", None])).tolist()
    [True, False, False]
    """
    return _test_rule(_is_email_one)(values)


def _email_one(value: str) -> str | None:
    text = _kept(fold_text.one(value))
    if text is None:
        return None
    text = _MAILTO.sub("", text.lower()).strip("<> ")
    return text if _is_email_one(text) else None


def fold_email(values: pd.Series) -> pd.Series:
    """Emails in lower case without spaces, a ``mailto:`` prefix or angle brackets; values
    that are not emails (``anonymous``, blank) become ``None``.

    >>> fold_email(pd.Series([" Jane.Smith@Kirklees.GOV.UK ", "mailto:a@b.org", "anonymous"])).tolist()
    ['jane.smith@kirklees.gov.uk', 'a@b.org', None]
    """
    return _text_rule(_email_one)(values)


def guest_upn_email(values: pd.Series) -> pd.Series:
    """The email inside a Teams guest account name (UPN): Microsoft writes an external
    person's address ``jane.smith@eastsuffolk.gov.uk`` as
    ``jane.smith_eastsuffolk.gov.uk#EXT#@tenant.onmicrosoft.com``. Other values pass as
    they are.

    >>> guest_upn_email(pd.Series(["jane.smith_eastsuffolk.gov.uk#EXT#@suffolkcc.onmicrosoft.com",
    ...                            "ann.lee@suffolk.gov.uk", None])).tolist()
    ['jane.smith@eastsuffolk.gov.uk', 'ann.lee@suffolk.gov.uk', None]
    """
    return _text_rule(lambda text: _GUEST_UPN.sub(r"\1@\2", text))(values)


def _handle_one(value: str) -> str | None:
    text = _kept(fold_text.one(value))
    if text is None:
        return None
    return _LEADING_AT.sub("", _PROFILE.sub(r"\1", text.lower())).strip()


def fold_handle(values: pd.Series) -> pd.Series:
    """X / Twitter handles in lower case without ``@``; a profile address gives its handle.

    >>> fold_handle(pd.Series(["@CllrJaneSmith", "https://x.com/CllrJaneSmith?lang=en",
    ...                        "twitter.com/bob_l/", "  "])).tolist()
    ['cllrjanesmith', 'cllrjanesmith', 'bob_l', None]
    """
    return _text_rule(_handle_one)(values)


def _page_one(value: str) -> str | None:
    text = _kept(fold_text.one(value))
    return None if text is None else fold_punctuation.one(fold_accents.one(text))


def fold_page(values: pd.Series) -> pd.Series:
    """Facebook page names folded for exact comparison: accents, case, punctuation and
    spacing (``Cllr Siân O'Neill`` → ``cllr sian oneill``).

    >>> fold_page(pd.Series(["Cllr Siân O'Neill", "cllr sian oneill "])).tolist()
    ['cllr sian oneill', 'cllr sian oneill']
    """
    return _text_rule(_page_one)(values)


def _handle_name_one(value: str) -> str | None:
    text = _kept(fold_text.one(value))
    if text is None:
        return None
    text = _CAMEL.sub(r"\1 \2", _LEADING_AT.sub("", text))
    text = _HANDLE_MARKS.sub(" ", _TITLE_RUN_ON.sub(r"\1 ", text))
    return _SPACES.sub(" ", text).strip()


def handle_to_name(handles: pd.Series) -> pd.Series:
    """Read a name out of a handle: ``CllrJaneSmith`` → ``Cllr Jane Smith``,
    ``jane_smith_84`` → ``jane smith``. All-lower-case run-together handles stay one word.

    >>> handle_to_name(pd.Series(["@CllrJaneSmith", "jane_smith_84", "SianONeill", "bobjones"])).tolist()
    ['Cllr Jane Smith', 'jane smith', 'Sian ONeill', 'bobjones']
    """
    return _text_rule(_handle_name_one)(handles)


def _email_name_one(value: str) -> str | None:
    email = _email_one(value)
    local = None if email is None else _LOCAL_PART.search(email)
    if local is None:
        return None
    words = _LOCAL_SEPARATORS.sub(" ", _NUMBERS.sub("", local[1])).strip()
    return words if " " in words else None


def email_to_name(emails: pd.Series) -> pd.Series:
    """The name in an email's local part when it is written ``first.last`` (or with ``_``
    or ``-``); ``None`` otherwise (``jsmith@``, ``info@``).

    >>> email_to_name(pd.Series(["jane.smith@gmail.com", "cllr.ann.lee@x.gov.uk",
    ...                          "jsmith@x.org", "anonymous"])).tolist()
    ['jane smith', 'cllr ann lee', None, None]
    """
    return _text_rule(_email_name_one)(emails)
