"""People's names, emails and handles as exports write them, folded into comparable keys.

One small function per rule, each taking a Series of text and returning a new Series (or
frame), built from pandas string methods so that it runs over many values at once. Linking
(:mod:`evalkit.linking`) calls them on the *distinct* identities of a pilot only.

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
from typing import Callable

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
        distinct = pd.Series(pd.unique(values.dropna()), dtype="object")
        result = func(distinct)
        lookup = dict(zip(distinct, result))
        out = values.map(lookup)
        return out.astype("object").where(out.notna(), None)

    wrapped.__name__ = func.__name__
    wrapped.__doc__ = func.__doc__
    return wrapped


def _text(values: pd.Series) -> pd.Series:
    """Values as object-dtype text (missing stays missing); anything else becomes text."""
    if not (isinstance(values, pd.Series) and values.dtype == object):
        values = pd.Series(values, dtype="object")
    if infer_dtype(values, skipna=True) in ("string", "empty"):
        return values
    return values.where(values.isna(), values.astype(str)).astype("object")


def _none_if_blank(values: pd.Series) -> pd.Series:
    """Blank and missing values become ``None`` (object dtype)."""
    values = values.astype("object")
    return values.where(values.str.contains(r"\S", na=False, regex=True), None)


def _rule(func: Callable[[pd.Series], pd.Series]) -> Callable[[pd.Series], pd.Series]:
    """Make a text rule public: any values in, text with ``None`` for blank out. The bare
    rule stays reachable as ``.bare`` so a chain converts once, not at every step."""

    @functools.wraps(func)
    def public(names: pd.Series) -> pd.Series:
        return _none_if_blank(func(_text(names)))

    public.bare = func
    return public


# --------------------------------------------------------------------------- rules

@_rule
def fold_text(names: pd.Series) -> pd.Series:
    """Straighten curly quotes, turn odd spaces into plain ones, drop invisible characters,
    collapse spacing. Blank values become missing (``None``).

    >>> fold_text(pd.Series(["  Jane\\u00a0 O\\u2019Neill ", "", None, "\\u200bSam"])).tolist()
    ["Jane O'Neill", None, None, 'Sam']
    """
    text = names.str.normalize("NFC")
    text = text.str.replace(r"[\u2018\u2019\u02bc\u0060\u00b4]", "'", regex=True)
    text = text.str.replace(r"[\u200b\u200c\u200d\u2060\ufeff]", "", regex=True)
    text = text.str.replace(r"\s+", " ", regex=True).str.strip()
    return text


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
    text = _text(names)
    parts = text.str.extract(_LAST_GROUP)
    original = parts["original"].astype("object").str.strip()
    remark_body = rf"(?:{_DEVICE_BODY}|{_ACCOUNT_BODY}|{_PARTIES})\s*\.?"
    remark = original.fillna("").str.fullmatch(remark_body, case=False) | ~original.fillna(
        ""
    ).str.contains(r"[^\W\d_]", regex=True)
    is_original = original.notna() & ~remark
    display = text.where(~is_original, parts["display"])
    return pd.DataFrame(
        {
            "display": _none_if_blank(display),
            "original": _none_if_blank(original.where(is_original, None)),
        },
        index=text.index,
    )


@_rule
def strip_device(names: pd.Series) -> pd.Series:
    """Remove a device name: ``Jane Smith (Jane's iPad)``, ``Jane Smith (iPhone)``,
    ``Jane Smith iPhone``, ``Jane's iPad`` (→ ``Jane``).

    >>> strip_device(pd.Series(["Jane Smith (Jane's iPad)", "Jane Smith iPhone",
    ...                         "Jane's iPad", "Sam Phones"])).tolist()
    ['Jane Smith', 'Jane Smith', 'Jane', 'Sam Phones']
    """
    text = names.str.replace(_DEVICE_GROUP, "", regex=True)
    text = text.str.replace(_DEVICE_TAIL, "", regex=True)
    return text.str.strip()


@_rule
def strip_account_suffix(names: pd.Series) -> pd.Series:
    """Remove the account suffixes Teams adds: ``(External)``, ``(Guest)``, ``(Unverified)``.

    >>> strip_account_suffix(pd.Series(["Smith, Jane (External)", "Bo Li (guest)",
    ...                                 "Ann Lee (Unverified)"])).tolist()
    ['Smith, Jane', 'Bo Li', 'Ann Lee']
    """
    text = names.str.replace(_ACCOUNT_SUFFIX, "", regex=True)
    return text.str.strip()


@_rule
def strip_party(names: pd.Series) -> pd.Series:
    """Remove a party or group suffix: ``(Lab)``, ``(Con)``, ``(LD)``, ``(Green)``, ``(Ind)``,
    their long forms, and ``- Labour`` after the name.

    >>> strip_party(pd.Series(["Cllr Jane Smith (Lab)", "Ann Lee (Lib Dem)",
    ...                        "Tom Hart - Conservative", "Ravi Patel (Lab/Co-op)"])).tolist()
    ['Cllr Jane Smith', 'Ann Lee', 'Tom Hart', 'Ravi Patel']
    """
    text = names.str.replace(_PARTY_GROUP, "", regex=True)
    text = text.str.replace(_PARTY_TAIL, "", regex=True)
    return text.str.strip()


@_rule
def strip_brackets(names: pd.Series) -> pd.Series:
    """Remove any other bracketed remark (``(she/her)``, ``[Chair]``, ``(Kirklees)``).

    >>> strip_brackets(pd.Series(["Jane Smith (she/her)", "Bo Li [Chair]"])).tolist()
    ['Jane Smith', 'Bo Li']
    """
    text = names.str.replace(_BRACKETED, "", regex=True)
    text = text.str.replace(r"[()\[\]]", " ", regex=True).str.replace(r"\s+", " ", regex=True)
    return text.str.strip()


@_rule
def surname_first(names: pd.Series) -> pd.Series:
    """Turn ``Surname, First`` into ``First Surname`` (one comma only; an email or a list
    of several names is left alone).

    >>> surname_first(pd.Series(["Smith, Jane", "Smith-Jones , Cllr Ann", "Jane Smith",
    ...                          "a, b, c"])).tolist()
    ['Jane Smith', 'Cllr Ann Smith-Jones', 'Jane Smith', 'a, b, c']
    """
    parts = names.str.extract(r"^(?P<surname>[^,@]+?)\s*,\s*(?P<first>[^,@]+)$")
    turned = parts["first"].str.strip() + " " + parts["surname"].str.strip()
    return names.where(parts["surname"].isna(), turned)


@_rule
def strip_titles(names: pd.Series) -> pd.Series:
    """Remove titles before the name (``Cllr``, ``Councillor``, ``Mr``, ``Mrs``, ``Ms``,
    ``Dr``, …, also several: ``Cllr Dr``) and honours after it (``MBE``, ``JP``).
    A name that is nothing but a title stays as it is.

    >>> strip_titles(pd.Series(["Cllr. Dr Jane Smith", "Councillor J Smith", "Mrs Ann Lee MBE",
    ...                         "Mr", "Drew Barr"])).tolist()
    ['Jane Smith', 'J Smith', 'Ann Lee', 'Mr', 'Drew Barr']
    """
    stripped = names.str.replace(_LEADING_TITLES, "", regex=True)
    stripped = stripped.str.replace(_HONOURS, "", regex=True).str.strip()
    return stripped.where(stripped.fillna("").str.len() > 0, names)


@_rule
def fold_accents(names: pd.Series) -> pd.Series:
    """Remove accents and fold letters that have no accent-free form (``ø``, ``ß``, ``ł``).

    >>> fold_accents(pd.Series(["Siân", "Zoë Müller", "Łukasz Søndergaard"])).tolist()
    ['Sian', 'Zoe Muller', 'Lukasz Sondergaard']
    """
    text = names.str.translate(_SPECIAL_LETTERS)
    text = text.str.normalize("NFKD").str.replace(r"[\u0300-\u036f]", "", regex=True)
    return text


@_rule
def fold_punctuation(names: pd.Series) -> pd.Series:
    """Lower-case; drop apostrophes (``O'Neill`` → ``oneill``); hyphens, dots, commas and
    any other marks become spaces (``Smith-Jones`` → ``smith jones``, ``J.Smith`` → ``j smith``).

    >>> fold_punctuation(pd.Series(["O'Neill", "Smith-Jones", "J.Smith", "ANN  LEE."])).tolist()
    ['oneill', 'smith jones', 'j smith', 'ann lee']
    """
    text = names.str.lower().str.replace("'", "", regex=False)
    text = text.str.replace(r"[^\w]|_", " ", regex=True).str.replace(r"\s+", " ", regex=True)
    return text.str.strip()


_NAME_RULES = (fold_text, strip_device, strip_account_suffix, strip_party, strip_brackets,
               surname_first, strip_titles, fold_accents, fold_punctuation)


@on_distinct
def normalise_name(names: pd.Series) -> pd.Series:
    """The comparable form of a person's name: every rule above, in order (see the module
    docstring). Computed once per distinct value.

    >>> normalise_name(pd.Series(["Smith, Cllr Jane (Guest)", "JANE SMITH (Lab)",
    ...                           "Jane Smith iPhone", None])).tolist()
    ['jane smith', 'jane smith', 'jane smith', None]
    """
    text = _text(names)
    for rule in _NAME_RULES:
        text = rule.bare(text)
    return _none_if_blank(text)


def initials_key(normalised: pd.Series) -> pd.Series:
    """For a normalised name written with initials (``j smith``, ``j e smith``): the first
    initial and the surname (``j smith``); ``None`` for names written in full.

    >>> initials_key(pd.Series(["j smith", "j e smith jones", "jane smith", "j"])).tolist()
    ['j smith', 'j smith jones', None, None]
    """
    parts = _text(normalised).str.extract(r"^(?P<first>[a-z0-9])(?: [a-z0-9])* (?P<surname>\w\w.*)$")
    return _none_if_blank(parts["first"] + " " + parts["surname"])


def is_phone_number(names: pd.Series) -> pd.Series:
    """True for values that are phone numbers (Zoom dial-in callers): digits with spaces,
    ``+``, brackets, dots or dashes, at least six digits in all.

    >>> is_phone_number(pd.Series(["+44 7700 900123", "07700900123", "(0113) 496-0000",
    ...                            "Jane Smith", "Room 101", None])).tolist()
    [True, True, True, False, False, False]
    """
    text = _text(names).fillna("")
    digits = text.str.count(r"\d")
    return (text.str.match(_PHONE) & (digits >= 6)).astype(bool)


def phone_key(values: pd.Series) -> pd.Series:
    """Only the digits of a phone number, a leading UK ``44`` read as ``0``, so that
    ``+44 7700 900123`` and ``07700 900123`` agree.

    >>> phone_key(pd.Series(["+44 7700 900123", "07700900123", "Jane"])).tolist()
    ['07700900123', '07700900123', None]
    """
    text = _text(values)
    digits = text.str.replace(r"\D", "", regex=True)
    digits = digits.str.replace(r"^440?", "0", regex=True)
    return _none_if_blank(digits.where(is_phone_number(text), None))


def looks_like_email(values: pd.Series) -> pd.Series:
    """True for values shaped like an email address.

    >>> looks_like_email(pd.Series(["jane.smith@kirklees.gov.uk", "anonymous", None])).tolist()
    [True, False, False]
    """
    return _text(values).fillna("").str.strip().str.match(_EMAIL).astype(bool)


def fold_email(values: pd.Series) -> pd.Series:
    """Emails in lower case without spaces, a ``mailto:`` prefix or angle brackets; values
    that are not emails (``anonymous``, blank) become ``None``.

    >>> fold_email(pd.Series([" Jane.Smith@Kirklees.GOV.UK ", "mailto:a@b.org", "anonymous"])).tolist()
    ['jane.smith@kirklees.gov.uk', 'a@b.org', None]
    """
    text = fold_text(values).str.lower()
    text = text.str.replace(r"^mailto:", "", regex=True).str.strip("<> ")
    return text.where(looks_like_email(text), None).astype("object")


def guest_upn_email(values: pd.Series) -> pd.Series:
    """The email inside a Teams guest account name (UPN): Microsoft writes an external
    person's address ``jane.smith@eastsuffolk.gov.uk`` as
    ``jane.smith_eastsuffolk.gov.uk#EXT#@tenant.onmicrosoft.com``. Other values pass as
    they are.

    >>> guest_upn_email(pd.Series(["jane.smith_eastsuffolk.gov.uk#EXT#@suffolkcc.onmicrosoft.com",
    ...                            "ann.lee@suffolk.gov.uk", None])).tolist()
    ['jane.smith@eastsuffolk.gov.uk', 'ann.lee@suffolk.gov.uk', None]
    """
    text = _text(values).str.replace(r"^(.+)_([^_@#\s]+\.[^_@#\s]+)#EXT#@.*$", r"\1@\2", regex=True,
                                     case=False)
    return _none_if_blank(text)


def fold_handle(values: pd.Series) -> pd.Series:
    """X / Twitter handles in lower case without ``@``; a profile address gives its handle.

    >>> fold_handle(pd.Series(["@CllrJaneSmith", "https://x.com/CllrJaneSmith?lang=en",
    ...                        "twitter.com/bob_l/", "  "])).tolist()
    ['cllrjanesmith', 'cllrjanesmith', 'bob_l', None]
    """
    text = fold_text(values).str.lower()
    text = text.str.replace(
        r"^(?:https?://)?(?:www\.|mobile\.)?(?:twitter|x)\.com/([^/?#]+).*$", r"\1", regex=True
    )
    text = text.str.replace(r"^@+", "", regex=True).str.strip()
    return _none_if_blank(text)


def fold_page(values: pd.Series) -> pd.Series:
    """Facebook page names folded for exact comparison: accents, case, punctuation and
    spacing (``Cllr Siân O'Neill`` → ``cllr sian oneill``).

    >>> fold_page(pd.Series(["Cllr Siân O'Neill", "cllr sian oneill "])).tolist()
    ['cllr sian oneill', 'cllr sian oneill']
    """
    return fold_text(values).pipe(fold_accents).pipe(fold_punctuation)


def handle_to_name(handles: pd.Series) -> pd.Series:
    """Read a name out of a handle: ``CllrJaneSmith`` → ``Cllr Jane Smith``,
    ``jane_smith_84`` → ``jane smith``. All-lower-case run-together handles stay one word.

    >>> handle_to_name(pd.Series(["@CllrJaneSmith", "jane_smith_84", "SianONeill", "bobjones"])).tolist()
    ['Cllr Jane Smith', 'jane smith', 'Sian ONeill', 'bobjones']
    """
    text = fold_text(handles).str.replace(r"^@+", "", regex=True)
    text = text.str.replace(r"([a-z])([A-Z])", r"\1 \2", regex=True)
    text = text.str.replace(r"(Cllr|Councillor)(?=[A-Z])", r"\1 ", regex=True)
    text = text.str.replace(r"[_\d.]+", " ", regex=True).str.replace(r"\s+", " ", regex=True)
    return _none_if_blank(text.str.strip())


def email_to_name(emails: pd.Series) -> pd.Series:
    """The name in an email's local part when it is written ``first.last`` (or with ``_``
    or ``-``); ``None`` otherwise (``jsmith@``, ``info@``).

    >>> email_to_name(pd.Series(["jane.smith@gmail.com", "cllr.ann.lee@x.gov.uk",
    ...                          "jsmith@x.org", "anonymous"])).tolist()
    ['jane smith', 'cllr ann lee', None, None]
    """
    local = fold_email(emails).str.extract(r"^([^@+]+)")[0]
    local = local.str.replace(r"\d+", "", regex=True)
    words = local.str.replace(r"[._\-]+", " ", regex=True).str.strip()
    return _none_if_blank(words.where(words.str.contains(" ", regex=False), None))
