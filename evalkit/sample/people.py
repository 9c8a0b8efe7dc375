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
    "ENGLISH_COUNCILS",
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

#: real English councils by region, for the roll-out's areas: (council, short name, email domain)
ENGLISH_COUNCILS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "North East": (
        ("Newcastle City Council", "Newcastle", "newcastle.gov.uk"),
        ("Sunderland City Council", "Sunderland", "sunderland.gov.uk"),
        ("Durham County Council", "Durham", "durham.gov.uk"),
        ("Northumberland County Council", "Northumberland", "northumberland.gov.uk"),
        ("Gateshead Council", "Gateshead", "gateshead.gov.uk"),
        ("South Tyneside Council", "South Tyneside", "southtyneside.gov.uk"),
        ("North Tyneside Council", "North Tyneside", "northtyneside.gov.uk"),
        ("Middlesbrough Council", "Middlesbrough", "middlesbrough.gov.uk"),
        ("Stockton-on-Tees Borough Council", "Stockton-on-Tees", "stockton.gov.uk"),
        ("Darlington Borough Council", "Darlington", "darlington.gov.uk"),
        ("Hartlepool Borough Council", "Hartlepool", "hartlepool.gov.uk"),
        ("Redcar and Cleveland Borough Council", "Redcar and Cleveland", "redcar-cleveland.gov.uk"),
    ),
    "North West": (
        ("Manchester City Council", "Manchester", "manchester.gov.uk"),
        ("Liverpool City Council", "Liverpool", "liverpool.gov.uk"),
        ("Lancashire County Council", "Lancashire", "lancashire.gov.uk"),
        ("Salford City Council", "Salford", "salford.gov.uk"),
        ("Bolton Council", "Bolton", "bolton.gov.uk"),
        ("Wigan Council", "Wigan", "wigan.gov.uk"),
        ("Stockport Council", "Stockport", "stockport.gov.uk"),
        ("Cheshire East Council", "Cheshire East", "cheshireeast.gov.uk"),
        ("Cheshire West and Chester Council", "Cheshire West and Chester", "cheshirewestandchester.gov.uk"),
        ("Blackpool Council", "Blackpool", "blackpool.gov.uk"),
        ("Blackburn with Darwen Borough Council", "Blackburn with Darwen", "blackburn.gov.uk"),
        ("Wirral Council", "Wirral", "wirral.gov.uk"),
        ("Sefton Council", "Sefton", "sefton.gov.uk"),
        ("Cumberland Council", "Cumberland", "cumberland.gov.uk"),
        ("Westmorland and Furness Council", "Westmorland and Furness", "westmorlandandfurness.gov.uk"),
        ("Trafford Council", "Trafford", "trafford.gov.uk"),
        ("Oldham Council", "Oldham", "oldham.gov.uk"),
        ("Rochdale Borough Council", "Rochdale", "rochdale.gov.uk"),
        ("Preston City Council", "Preston", "preston.gov.uk"),
    ),
    "Yorkshire and the Humber": (
        ("Barnsley Council", "Barnsley", "barnsley.gov.uk"),
        ("Leeds City Council", "Leeds", "leeds.gov.uk"),
        ("Sheffield City Council", "Sheffield", "sheffield.gov.uk"),
        ("Bradford Council", "Bradford", "bradford.gov.uk"),
        ("Kirklees Council", "Kirklees", "kirklees.gov.uk"),
        ("Calderdale Council", "Calderdale", "calderdale.gov.uk"),
        ("Wakefield Council", "Wakefield", "wakefield.gov.uk"),
        ("Doncaster Council", "Doncaster", "doncaster.gov.uk"),
        ("Rotherham Council", "Rotherham", "rotherham.gov.uk"),
        ("Hull City Council", "Hull", "hullcc.gov.uk"),
        ("East Riding of Yorkshire Council", "East Riding", "eastriding.gov.uk"),
        ("North Yorkshire Council", "North Yorkshire", "northyorks.gov.uk"),
        ("City of York Council", "York", "york.gov.uk"),
        ("North Lincolnshire Council", "North Lincolnshire", "northlincs.gov.uk"),
        ("North East Lincolnshire Council", "North East Lincolnshire", "nelincs.gov.uk"),
    ),
    "East Midlands": (
        ("Nottingham City Council", "Nottingham", "nottinghamcity.gov.uk"),
        ("Nottinghamshire County Council", "Nottinghamshire", "nottinghamshire.gov.uk"),
        ("Derby City Council", "Derby", "derby.gov.uk"),
        ("Derbyshire County Council", "Derbyshire", "derbyshire.gov.uk"),
        ("Leicester City Council", "Leicester", "leicester.gov.uk"),
        ("Leicestershire County Council", "Leicestershire", "leics.gov.uk"),
        ("Lincolnshire County Council", "Lincolnshire", "lincolnshire.gov.uk"),
        ("City of Lincoln Council", "Lincoln", "lincoln.gov.uk"),
        ("West Northamptonshire Council", "West Northamptonshire", "westnorthants.gov.uk"),
        ("North Northamptonshire Council", "North Northamptonshire", "northnorthants.gov.uk"),
        ("Rutland County Council", "Rutland", "rutland.gov.uk"),
        ("Charnwood Borough Council", "Charnwood", "charnwood.gov.uk"),
        ("Bassetlaw District Council", "Bassetlaw", "bassetlaw.gov.uk"),
    ),
    "West Midlands": (
        ("Birmingham City Council", "Birmingham", "birmingham.gov.uk"),
        ("Coventry City Council", "Coventry", "coventry.gov.uk"),
        ("City of Wolverhampton Council", "Wolverhampton", "wolverhampton.gov.uk"),
        ("Dudley Council", "Dudley", "dudley.gov.uk"),
        ("Sandwell Council", "Sandwell", "sandwell.gov.uk"),
        ("Walsall Council", "Walsall", "walsall.gov.uk"),
        ("Solihull Metropolitan Borough Council", "Solihull", "solihull.gov.uk"),
        ("Staffordshire County Council", "Staffordshire", "staffordshire.gov.uk"),
        ("Stoke-on-Trent City Council", "Stoke-on-Trent", "stoke.gov.uk"),
        ("Shropshire Council", "Shropshire", "shropshire.gov.uk"),
        ("Telford & Wrekin Council", "Telford and Wrekin", "telford.gov.uk"),
        ("Worcestershire County Council", "Worcestershire", "worcestershire.gov.uk"),
        ("Herefordshire Council", "Herefordshire", "herefordshire.gov.uk"),
        ("Warwickshire County Council", "Warwickshire", "warwickshire.gov.uk"),
    ),
    "East of England": (
        ("Suffolk County Council", "Suffolk", "suffolk.gov.uk"),
        ("Norfolk County Council", "Norfolk", "norfolk.gov.uk"),
        ("Essex County Council", "Essex", "essex.gov.uk"),
        ("Cambridgeshire County Council", "Cambridgeshire", "cambridgeshire.gov.uk"),
        ("Hertfordshire County Council", "Hertfordshire", "hertfordshire.gov.uk"),
        ("Bedford Borough Council", "Bedford", "bedford.gov.uk"),
        ("Central Bedfordshire Council", "Central Bedfordshire", "centralbedfordshire.gov.uk"),
        ("Luton Borough Council", "Luton", "luton.gov.uk"),
        ("Peterborough City Council", "Peterborough", "peterborough.gov.uk"),
        ("Southend-on-Sea City Council", "Southend-on-Sea", "southend.gov.uk"),
        ("Thurrock Council", "Thurrock", "thurrock.gov.uk"),
        ("Norwich City Council", "Norwich", "norwich.gov.uk"),
        ("Ipswich Borough Council", "Ipswich", "ipswich.gov.uk"),
        ("Colchester City Council", "Colchester", "colchester.gov.uk"),
        ("Cambridge City Council", "Cambridge", "cambridge.gov.uk"),
    ),
    "London": (
        ("Camden Council", "Camden", "camden.gov.uk"),
        ("Hackney Council", "Hackney", "hackney.gov.uk"),
        ("Islington Council", "Islington", "islington.gov.uk"),
        ("Lambeth Council", "Lambeth", "lambeth.gov.uk"),
        ("Southwark Council", "Southwark", "southwark.gov.uk"),
        ("Lewisham Council", "Lewisham", "lewisham.gov.uk"),
        ("Royal Borough of Greenwich", "Greenwich", "royalgreenwich.gov.uk"),
        ("Tower Hamlets Council", "Tower Hamlets", "towerhamlets.gov.uk"),
        ("Newham Council", "Newham", "newham.gov.uk"),
        ("Barnet Council", "Barnet", "barnet.gov.uk"),
        ("Brent Council", "Brent", "brent.gov.uk"),
        ("Ealing Council", "Ealing", "ealing.gov.uk"),
        ("Croydon Council", "Croydon", "croydon.gov.uk"),
        ("Haringey Council", "Haringey", "haringey.gov.uk"),
        ("Westminster City Council", "Westminster", "westminster.gov.uk"),
        ("London Borough of Sutton", "Sutton", "sutton.gov.uk"),
        ("Royal Borough of Kingston upon Thames", "Kingston upon Thames", "kingston.gov.uk"),
        ("Waltham Forest Council", "Waltham Forest", "walthamforest.gov.uk"),
        ("Enfield Council", "Enfield", "enfield.gov.uk"),
        ("Hounslow Council", "Hounslow", "hounslow.gov.uk"),
    ),
    "South East": (
        ("Kent County Council", "Kent", "kent.gov.uk"),
        ("Surrey County Council", "Surrey", "surreycc.gov.uk"),
        ("Hampshire County Council", "Hampshire", "hants.gov.uk"),
        ("West Sussex County Council", "West Sussex", "westsussex.gov.uk"),
        ("East Sussex County Council", "East Sussex", "eastsussex.gov.uk"),
        ("Oxfordshire County Council", "Oxfordshire", "oxfordshire.gov.uk"),
        ("Buckinghamshire Council", "Buckinghamshire", "buckinghamshire.gov.uk"),
        ("Brighton & Hove City Council", "Brighton and Hove", "brighton-hove.gov.uk"),
        ("Southampton City Council", "Southampton", "southampton.gov.uk"),
        ("Portsmouth City Council", "Portsmouth", "portsmouth.gov.uk"),
        ("Milton Keynes City Council", "Milton Keynes", "milton-keynes.gov.uk"),
        ("Reading Borough Council", "Reading", "reading.gov.uk"),
        ("Medway Council", "Medway", "medway.gov.uk"),
        ("Isle of Wight Council", "Isle of Wight", "iow.gov.uk"),
        ("Oxford City Council", "Oxford", "oxford.gov.uk"),
        ("West Berkshire Council", "West Berkshire", "westberks.gov.uk"),
        ("Slough Borough Council", "Slough", "slough.gov.uk"),
    ),
    "South West": (
        ("Cornwall Council", "Cornwall", "cornwall.gov.uk"),
        ("Devon County Council", "Devon", "devon.gov.uk"),
        ("Somerset Council", "Somerset", "somerset.gov.uk"),
        ("Dorset Council", "Dorset", "dorsetcouncil.gov.uk"),
        ("Wiltshire Council", "Wiltshire", "wiltshire.gov.uk"),
        ("Gloucestershire County Council", "Gloucestershire", "gloucestershire.gov.uk"),
        ("Bristol City Council", "Bristol", "bristol.gov.uk"),
        ("Plymouth City Council", "Plymouth", "plymouth.gov.uk"),
        ("Torbay Council", "Torbay", "torbay.gov.uk"),
        ("Bath and North East Somerset Council", "Bath and North East Somerset", "bathnes.gov.uk"),
        ("Swindon Borough Council", "Swindon", "swindon.gov.uk"),
        ("North Somerset Council", "North Somerset", "n-somerset.gov.uk"),
        ("South Gloucestershire Council", "South Gloucestershire", "southglos.gov.uk"),
        ("Exeter City Council", "Exeter", "exeter.gov.uk"),
        ("BCP Council", "Bournemouth, Christchurch and Poole", "bcpcouncil.gov.uk"),
    ),
}
# the roll-out's councils get their domains too (the sample's own entries stay as they are)
COUNCILS.update({council: domain for region in ENGLISH_COUNCILS.values() for council, _, domain in region
                 if council not in COUNCILS})

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
