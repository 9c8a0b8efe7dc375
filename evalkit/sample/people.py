"""Fictional people and real councils for the sample programme.

Names come from pools that include the spellings real rosters carry — accents (``Siân``),
apostrophes (``O'Neill``) and hyphens (``Smith-Jones``) — so that linking is exercised on
them. Councils are real; people are not. Email addresses and X handles are made the way
councils and councillors make them.

>>> from evalkit.sample.people import email_address, x_handle, ascii_fold
>>> ascii_fold("Siân O'Neill")
"Sian O'Neill"
>>> email_address("Siân", "O'Neill", "kirklees.gov.uk")
'sian.oneill@kirklees.gov.uk'
>>> x_handle("Jane", "Smith", taken=set())
'CllrJaneSmith'
>>> x_handle("Siobhán", "Davies-Jones", taken=set())
'CllrDaviesJones'
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

__all__ = [
    "COUNCILS",
    "PARTIES",
    "FIRST_NAMES",
    "SURNAMES",
    "ascii_fold",
    "draw_people",
    "email_address",
    "party_suffix",
    "x_handle",
]

#: council name → email domain (real councils; the people in the sample are fictional)
COUNCILS: dict[str, str] = {
    "Kirklees Council": "kirklees.gov.uk",
    "Suffolk County Council": "suffolk.gov.uk",
    "Babergh District Council": "baberghmidsuffolk.gov.uk",
    "Mid Suffolk District Council": "baberghmidsuffolk.gov.uk",
    "Ipswich Borough Council": "ipswich.gov.uk",
    "East Suffolk Council": "eastsuffolk.gov.uk",
    "West Suffolk Council": "westsuffolk.gov.uk",
    "Solihull Metropolitan Borough Council": "solihull.gov.uk",
    "Leeds City Council": "leeds.gov.uk",
    "Hull City Council": "hullcc.gov.uk",
    "North Yorkshire Council": "northyorks.gov.uk",
    "Calderdale Council": "calderdale.gov.uk",
    "Barnsley Council": "barnsley.gov.uk",
    "East Riding of Yorkshire Council": "eastriding.gov.uk",
}

#: party → the abbreviation registers write after a name ("Cllr J. Smith (Lab)")
PARTIES: dict[str, str] = {
    "Labour": "Lab",
    "Conservative": "Con",
    "Liberal Democrat": "LD",
    "Green": "Green",
    "Independent": "Ind",
}

FIRST_NAMES: dict[str, list[str]] = {
    "female": [
        "Aisha", "Alison", "Amanda", "Angela", "Anne", "Bethan", "Carol", "Catherine", "Chloé",
        "Claire", "Deborah", "Elaine", "Emma", "Ffion", "Fiona", "Gemma", "Hannah", "Helen",
        "Jacqueline", "Janet", "Joanne", "Julie", "Karen", "Kathryn", "Laura", "Linda", "Lorraine",
        "Louise", "Lucy", "Margaret", "Mary", "Michelle", "Nadia", "Niamh", "Nicola", "Patricia",
        "Rachel", "Rebecca", "Ruth", "Sally", "Samina", "Sandra", "Sarah", "Shabana", "Sharon",
        "Siân", "Siobhán", "Susan", "Tracey", "Valerie", "Wendy", "Yvonne", "Zoë",
    ],
    "male": [
        "Adam", "Alan", "Andrew", "Anthony", "Barry", "Brian", "Christopher", "Colin", "Daniel",
        "David", "Dermot", "Edward", "Gareth", "Gary", "Graham", "Ian", "Imran", "James", "Jason",
        "Jonathan", "Keith", "Kevin", "Mark", "Martin", "Matthew", "Michael", "Mohammed", "Neil",
        "Nigel", "Owain", "Paul", "Peter", "Philip", "Rhodri", "Richard", "Robert", "Roger",
        "Russell", "Sanjay", "Seán", "Simon", "Stephen", "Stuart", "Terry", "Thomas", "Timothy",
        "Trevor", "Vikram", "William",
    ],
}

SURNAMES: list[str] = [
    "Ahmed", "Akhtar", "Allen", "Armitage", "Ashworth-Wood", "Atkinson", "Bailey", "Baker",
    "Barker", "Begum", "Bell", "Bennett", "Bibi", "Booth", "Bradley", "Brook", "Broadbent",
    "Burns", "Butt", "Byrne", "Carter", "Chapman", "Clarke", "Collins", "Cooper", "Cox",
    "Crowther", "Dale", "Dawson", "Dixon", "Doyle", "Duffy", "Dyson", "Eastwood", "Ellis",
    "Evans", "Fairbairn", "Farrar", "Firth", "Fletcher", "Foster", "Fox", "Gibson", "Graham",
    "Greenwood", "Haigh", "Hardcastle", "Hartley-Brown", "Hewitt", "Hirst", "Holmes",
    "Hudson", "Hughes", "Hussain", "Iqbal", "Jagger", "Jarvis", "Jenkins", "Kaur", "Kelly",
    "Kenyon", "Khan", "Kowalski", "Lawson", "Lees", "Lindley", "Lloyd", "Lockwood", "Lynch",
    "MacDonald", "Mahmood", "Marsden", "Marsh", "McGuire", "Mellor", "Mensah", "Mistry",
    "Moorhouse", "Morris", "Murray", "Nowak", "Nuttall", "O'Brien", "O'Connor", "O'Neill",
    "O'Sullivan", "Okafor", "Oldroyd", "Owen", "Parry", "Patel", "Pearce", "Pickles",
    "Pryce", "Quarmby", "Rahman", "Rashid", "Redfearn", "Reid", "Riley", "Robinson", "Rushworth",
    "Sagar", "Saville", "Sheard", "Singh", "Smith-Jones", "Stansfield", "Sutcliffe", "Sykes",
    "Taylor", "Thornton", "Turner", "Varley", "Vaughan", "Wadsworth", "Walker", "Ward",
    "Webb", "Whiteley", "Whitworth", "Wilkinson", "Womersley", "Wood", "Wright", "Yates",
    "Younis", "Ziółkowski",
]


#: surnames that go with one gender only
_FEMALE_SURNAMES = ["Begum", "Bibi", "Kaur"]
_MALE_SURNAMES = ["Singh"]


def ascii_fold(text: str) -> str:
    """Drop accents (``Siân`` → ``Sian``, ``Ziółkowski`` → ``Ziolkowski``); keep other text."""
    text = text.replace("ł", "l").replace("Ł", "L")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _slug(text: str, keep_hyphen: bool = True) -> str:
    folded = ascii_fold(text).lower().replace("'", "").replace("\u2019", "")
    pattern = r"[^a-z0-9-]" if keep_hyphen else r"[^a-z0-9]"
    return re.sub(pattern, "", folded)


def email_address(first: str, last: str, domain: str) -> str:
    """``firstname.lastname@domain``: accents folded, apostrophes and spaces dropped, hyphens kept."""
    return f"{_slug(first)}.{_slug(last)}@{domain}"


def x_handle(first: str, last: str, taken: set[str], style: int = 0) -> str:
    """An X handle such as ``CllrJaneSmith`` (at most 15 characters, unique in ``taken``).

    ``style`` picks the first pattern tried (councillors name their accounts in several
    ways); longer names fall back to shorter patterns.
    """
    f = re.sub(r"[^A-Za-z]", "", ascii_fold(first))
    s = re.sub(r"[^A-Za-z]", "", ascii_fold(last))
    patterns = [
        f"Cllr{f}{s}", f"{f}{s}", f"Cllr_{f}{s}", f"{f}{s}Cllr", f"Cllr{f[0]}{s}", f"{f[0]}{s}Cllr",
        f"Cllr{s}", f"{f}_{s}", f"{f[0]}{s}",
    ]
    ordered = patterns[style % 4:] + patterns[: style % 4]
    for candidate in ordered:
        if len(candidate) <= 15 and candidate.lower() not in {t.lower() for t in taken}:
            return candidate
    for n in range(2, 100):
        candidate = f"{f[0]}{s}"[:13] + str(n)
        if candidate.lower() not in {t.lower() for t in taken}:
            return candidate
    raise ValueError(f"no free handle for {first} {last}")


def party_suffix(party: str | None) -> str:
    """`` (Lab)`` for Labour and so on; empty for no party."""
    return f" ({PARTIES[party]})" if party in PARTIES else ""


def draw_people(rng: np.random.Generator, n: int, *, exclude_surnames=(), exclude_initials=()) -> pd.DataFrame:
    """``n`` fictional people with distinct surnames: columns ``first``, ``last``, ``gender``.

    Surnames in ``exclude_surnames`` are not used, and neither is an initial + surname pair
    in ``exclude_initials`` (``("J", "Smith")``), so that names written as "Cllr J. Smith" are
    ambiguous only where the sample plants that on purpose.
    """
    excluded = {s.lower() for s in exclude_surnames}
    available = [s for s in SURNAMES if s.lower() not in excluded]
    if n > len(available):
        raise ValueError(f"only {len(available)} surnames left for {n} people")
    surnames = rng.choice(np.array(available, dtype=object), size=n, replace=False)
    genders = rng.choice(np.array(["female", "male"], dtype=object), size=n)
    genders = np.where(np.isin(surnames, _FEMALE_SURNAMES), "female",
                       np.where(np.isin(surnames, _MALE_SURNAMES), "male", genders))
    blocked = {(i.upper(), s.lower()) for i, s in exclude_initials}
    firsts = []
    for gender, surname in zip(genders, surnames):  # one draw per person (tens of people)
        pool = [f for f in FIRST_NAMES[gender] if (ascii_fold(f)[0].upper(), surname.lower()) not in blocked]
        firsts.append(pool[int(rng.integers(len(pool)))])
    return pd.DataFrame({"first": firsts, "last": list(surnames), "gender": list(genders)})
