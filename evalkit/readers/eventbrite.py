"""Eventbrite attendee summary (csv or xlsx) → ``attendance`` (as registrations) and ``comments``.

Layout (inferred from public copies of the report; tolerant of drift)::

    Order #,Order Date,First Name,Last Name,Email,Quantity,Price Tier,Ticket Type,Attendee #,
    Group,Order Type,Currency,Total Paid,Fees Paid,Eventbrite Fees,
    Eventbrite Payment Processing,Attendee Status,<address and job fields>,<custom questions>

It is the invitation list, not a register: every attendee gives one ``attendance`` row with
``source`` ``eventbrite``, ``status`` ``present`` only when checked in (``Checked In``),
otherwise ``absent``, and extra columns ``registered`` (false for ``Not Attending`` and
cancelled, refunded, transferred or deleted orders) and ``attendee_status`` as written.
Answers to custom questions go to ``comments`` (wave ``None``), so nothing is lost; postal
addresses and phone numbers are not read. The same person listed twice (a second
registration) is merged into one row that keeps the strongest status.

Order dates are local times, day- or month-first decided from the values, then the file's
currency (GBP/EUR: day-first; USD/CAD: month-first), then the programme's setting.

>>> from pathlib import Path
>>> from evalkit.readers import read
>>> reading = read(Path("tests/data/formats/eventbrite/yorkshire-invitations.csv"))
>>> reading.format
'eventbrite-attendees'
>>> reading.tables["attendance"]["source"].unique().tolist()
['eventbrite']
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..clean import marks as mk
from ..clean.answers import mapped_question
from ..clean.dates import AmbiguousDateOrder, decide_date_order, localise
from ..scales import key
from .base import Context, InputError, Reading, Sniff, conform, decode, fates_frame, record_start_lines

__all__ = ["FORMATS", "detect", "read", "parse_order_dates", "ATTENDEE_STATUSES"]

FORMATS = {
    "eventbrite-attendees": "Eventbrite attendee summary report (the invitation list)",
}

#: attendee status (folded) → (status in attendance, registered)
ATTENDEE_STATUSES = {
    "checked in": ("present", True),
    "checked-in": ("present", True),
    "attending": ("absent", True),
    "not checked in": ("absent", True),
    "not attending": ("absent", False),
    "cancelled": ("absent", False),
    "canceled": ("absent", False),
    "refunded": ("absent", False),
    "refunded/canceled": ("absent", False),
    "transferred": ("absent", False),
    "deleted": ("absent", False),
}
_STRENGTH = {"checked in": 0, "checked-in": 0, "attending": 1, "not checked in": 1}

#: standard report columns (folded): everything else is a custom question
_STANDARD = {
    "order #", "order no", "order id", "order date", "prefix", "first name", "last name", "suffix",
    "email", "email address", "quantity", "price tier", "ticket type", "attendee #", "attendee id",
    "group", "order type", "currency", "total paid", "fees paid", "eventbrite fees",
    "eventbrite payment processing", "attendee status", "event name", "event id", "event date",
    "barcode #", "checked in", "check in date", "check-in date", "device name",
}
#: contact fields Eventbrite collects; not evaluation data, so not read
_CONTACT = re.compile(r"^(home|work|billing|shipping) (address|city|state|zip|postcode|post code|country|phone)|"
                      r"(cell|mobile|home|work) phone|^address|^postcode|^website|^blog|^gender|^age$|"
                      r"^birth date|^date of birth")
_CURRENCY_ORDER = {"gbp": "day-first", "eur": "day-first", "aud": "day-first", "nzd": "day-first",
                   "usd": "month-first", "cad": "month-first"}


def _fold(text: str) -> str:
    return mk.fold(text).strip(" :")


def _header_ok(cells) -> bool:
    folded = {_fold(c) for c in cells if c}
    has_order = bool(folded & {"order #", "order no", "order id"})
    has_name = {"first name", "last name"} <= folded
    return has_order and "attendee status" in folded and has_name


def detect(sniff: Sniff) -> str | None:
    """``eventbrite-attendees`` when the first row holds Order #, First Name, Last Name and
    Attendee Status."""
    if sniff.is_xlsx:
        for rows in sniff.sheets.values():
            first = next((r for r in rows if any(mk.cell_text(v) for v in r)), None)
            if first and _header_ok([mk.cell_text(v) for v in first]):
                return "eventbrite-attendees"
        return None
    line = sniff.first_line
    # every header has "Attendee Status": a line without the word (case aside, quotes taken
    # out as the CSV reader takes them) is not one, and need not be parsed and folded
    if not line or "attendee" not in line.replace('"', "").lower():
        return None
    import csv

    try:
        cells = next(csv.reader([line], delimiter=mk.guess_delimiter(line)))
    except (csv.Error, StopIteration):
        return None
    return "eventbrite-attendees" if _header_ok(cells) else None


# --------------------------------------------------------------------------- reading

def _load(path: Path) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, list[str]]:
    """Header-named text columns of the data rows, their source rows, the source rows of
    structure (header and blank lines), and notes."""
    with open(path, "rb") as handle:
        workbook = handle.read(4) == b"PK\x03\x04"
    if workbook:
        grids, notes = mk.typed_grids(path)
        if not grids:
            raise InputError(path, "the workbook has no rows")
        grid = next(iter(grids.values()))
        header_at = next(i for i in range(len(grid)) if grid.iloc[i].ne("").any())
        header = grid.iloc[header_at].tolist()
        body = grid.iloc[header_at + 1:]
        blank = body.eq("").all(axis=1)
        frame = body[~blank].copy()
        frame.columns = _unique(header)
        structure = np.concatenate([grid.index[: header_at + 1].to_numpy(), body.index[blank].to_numpy()])
        return frame.reset_index(drop=True), body.index[~blank].to_numpy(), structure, notes
    text, encoding = decode(path)
    lines = record_start_lines(text)
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skip_blank_lines=False,
                        sep=mk.guess_delimiter(text.split("\n", 1)[0]))
    if len(frame) != len(lines) - 1:
        # a stray quote confuses the quote-counting line finder: follow the CSV reader instead
        records, lines = mk.typed_csv_records(text, mk.guess_delimiter(text), path=path)
        if len(records) - 1 != len(frame):
            raise InputError(path, f"CSV structure is broken: {len(frame)} data rows parsed, "
                             f"{len(records) - 1} expected (an unclosed quote?)")
    frame.columns = _unique([str(c) for c in frame.columns])
    frame = frame.astype("object").fillna("")
    for column in frame.columns:
        frame[column] = frame[column].astype(str).str.strip().astype("object")
    rows = np.asarray(lines[1:], dtype=np.int64)
    blank = frame.eq("").all(axis=1).to_numpy()
    structure = np.concatenate([lines[:1], rows[blank]])
    return frame[~blank].reset_index(drop=True), rows[~blank], structure, [f"encoding: {encoding}"]


def _unique(header: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in header:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out


def _column(frame: pd.DataFrame, *names: str) -> pd.Series | None:
    folded = {_fold(c): c for c in frame.columns}
    for name in names:
        if name in folded:
            return frame[folded[name]].astype("object")
    return None


_NUMERIC_STAMP = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})"
                            r"(?:,?\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([ap]\.?m\.?)?)?\s*$", re.IGNORECASE)
_ISO_STAMP = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?\s*$")


def parse_order_dates(values: pd.Series, timezone: str, *, order: str) -> tuple[pd.Series, pd.Series]:
    """Parse Eventbrite order dates (``29/11/24 22:28``, ``11/29/24 22:28``,
    ``2024-11-29 22:28:05``, ``Nov 29, 2024 10:28 PM``) as local times in ``timezone``.

    Returns tz-aware times and a mask of values that were present but did not parse.

    >>> times, failed = parse_order_dates(pd.Series(["29/11/24 22:28", "2024-11-30 09:05:00", "soon"]),
    ...                                   "Europe/London", order="day-first")
    >>> [str(t) for t in times[:2]], failed.tolist()
    (['2024-11-29 22:28:00+00:00', '2024-11-30 09:05:00+00:00'], [False, False, True])
    """
    text = values.astype("object").fillna("").map(str).str.strip()
    numeric = text.str.extract(_NUMERIC_STAMP)
    a, b = pd.to_numeric(numeric[0]), pd.to_numeric(numeric[1])
    day, month = (a, b) if order == "day-first" else (b, a)
    year = pd.to_numeric(numeric[2])
    year = year.where(year >= 100, year + 2000)
    hour = pd.to_numeric(numeric[3]).fillna(0)
    pm = numeric[6].fillna("").str.lower().str.startswith("p")
    am = numeric[6].fillna("").str.lower().str.startswith("a")
    hour = hour.where(~(pm & (hour < 12)), hour + 12).where(~(am & (hour == 12)), 0)
    parts = pd.DataFrame({"year": year, "month": month, "day": day, "hour": hour,
                          "minute": pd.to_numeric(numeric[4]).fillna(0),
                          "second": pd.to_numeric(numeric[5]).fillna(0)})
    parsed = pd.to_datetime(parts, errors="coerce")
    iso = text.str.extract(_ISO_STAMP)
    iso_parts = pd.DataFrame({"year": pd.to_numeric(iso[0]), "month": pd.to_numeric(iso[1]),
                              "day": pd.to_numeric(iso[2]), "hour": pd.to_numeric(iso[3]).fillna(0),
                              "minute": pd.to_numeric(iso[4]).fillna(0), "second": pd.to_numeric(iso[5]).fillna(0)})
    parsed = parsed.fillna(pd.to_datetime(iso_parts, errors="coerce"))
    rest = parsed.isna() & text.ne("")
    if rest.any():
        for fmt in ("%b %d, %Y %I:%M %p", "%B %d, %Y %I:%M %p", "%d %b %Y %H:%M", "%d %B %Y %H:%M"):
            parsed = parsed.fillna(pd.to_datetime(text.where(rest), format=fmt, errors="coerce"))
    failed = parsed.isna() & text.ne("")
    return localise(parsed.astype("datetime64[ns]"), timezone), failed


def _date_order(values: pd.Series, currency: pd.Series | None, context: Context,
                notes: list[str]) -> str:
    numeric = values[values.str.match(_NUMERIC_STAMP)]
    try:
        order, how = decide_date_order(numeric.tolist(), setting="auto")
    except AmbiguousDateOrder:
        codes = set() if currency is None else {key(c) for c in currency if c}
        orders = {_CURRENCY_ORDER[c] for c in codes if c in _CURRENCY_ORDER}
        if len(orders) == 1:
            order = orders.pop()
            how = f"the dates fit both orders; the currency ({', '.join(sorted(codes)).upper()}) says {order}"
        elif context.date_order in ("day-first", "month-first"):
            order, how = context.date_order, f"the dates fit both orders; settings.date_order is {context.date_order}"
        else:
            order, how = "day-first", "the dates fit both orders and nothing decides; read day-first (UK)"
    if len(numeric):
        notes.append(f"order dates read {order}: {how}")
    return order


def read(path: Path, context: Context, format: str = "eventbrite-attendees") -> Reading:
    """Read an Eventbrite attendee summary: one ``attendance`` row per person registered,
    custom question answers as ``comments``.

    Raises
    ------
    InputError
        When the header lacks First Name, Last Name or Attendee Status.
    """
    path = Path(path)
    source_file = context.source_file or path.name
    frame, rows, structure, notes = _load(path)
    if not _header_ok(list(frame.columns)):
        raise InputError(path, "not an Eventbrite attendee summary: the first row must hold Order #, "
                         "First Name, Last Name and Attendee Status")
    n = len(frame)
    empty = pd.Series([""] * n, dtype="object")

    def col(*names):
        found = _column(frame, *names)
        return empty if found is None else found

    name = (col("prefix") + " " + col("first name") + " " + col("last name") + " " + col("suffix"))
    name = name.str.replace(r"\s+", " ", regex=True).str.strip()
    email = col("email", "email address")
    status_text = col("attendee status")
    folded_status = mk.map_distinct(status_text, key)
    known = folded_status.isin(list(ATTENDEE_STATUSES))
    status = folded_status.map({s: meaning[0] for s, meaning in ATTENDEE_STATUSES.items()})
    registered = folded_status.map({s: meaning[1] for s, meaning in ATTENDEE_STATUSES.items()})

    order_text = col("order date")
    order = _date_order(order_text, _column(frame, "currency"), context, notes)
    ordered_at, bad_date = parse_order_dates(order_text, context.timezone, order=order)

    # problems, described for the (few) rows that have them
    unknown_status = ~known
    problems = pd.Series([None] * n, dtype="object")
    row_text = pd.Series(rows, dtype="int64").astype(str)
    status_problem = (f"{source_file} row " + row_text[unknown_status] + ", column 'Attendee Status': '"
                      + status_text[unknown_status] + "' is not an Eventbrite attendee status")
    date_problem = (f"{source_file} row " + row_text[bad_date] + ", column 'Order Date': '"
                    + order_text[bad_date] + "' is not a date")
    problems[unknown_status] = status_problem
    only_date = bad_date & ~unknown_status
    problems[only_date] = date_problem[only_date]
    both = bad_date & unknown_status
    problems[both] = status_problem[both] + "; " + date_problem[both]

    # the same person twice: merge into the first row, keeping the strongest status
    who = mk.map_distinct(name, mk.fold) + "|" + mk.map_distinct(email, mk.fold)
    rank = folded_status.map(_STRENGTH).fillna(2)
    people = pd.DataFrame({"row": rows, "who": who, "rank": rank, "known": known, "position": np.arange(n)})
    first_row = people.groupby("who", sort=False)["row"].transform("min")
    duplicate = people["row"].ne(first_row)
    best = people[known].sort_values(["rank", "row"], kind="stable").drop_duplicates("who")
    best = best.set_index("who")
    any_registered = pd.Series(registered.where(known, False).astype(bool).to_numpy()).groupby(who.to_numpy()).any()
    keep = people[~duplicate & people["who"].isin(best.index)]
    pick = best.loc[keep["who"], "position"].to_numpy()

    if context.session_id:
        session_id = context.session_id
    else:
        session_id = None
        notes.append("an Eventbrite list is a registration list: no session_id unless the file is pinned to a session")
    attendance = pd.DataFrame({
        "pilot_id": context.pilot_id,
        "source_file": source_file,
        "source_row": pd.array(keep["row"].to_numpy(), dtype="Int64"),
        "session_id": session_id,
        "participant_id": None,
        "source_name": name.iloc[keep["position"]].to_numpy(dtype=object),
        "source_email": email.iloc[keep["position"]].to_numpy(dtype=object),
        "status": status.iloc[pick].to_numpy(dtype=object),
        "joined_at": None,
        "left_at": None,
        "minutes_present": np.nan,
        "source": "eventbrite",
        "registered": any_registered.reindex(keep["who"]).to_numpy(dtype=bool),
        "attendee_status": status_text.iloc[pick].to_numpy(dtype=object),
        "ticket_type": col("ticket type").iloc[pick].to_numpy(dtype=object),
        "order_id": col("order #", "order no", "order id").iloc[pick].to_numpy(dtype=object),
        "attendee_id": col("attendee #", "attendee id").iloc[pick].to_numpy(dtype=object),
        "ordered_at": ordered_at.iloc[pick].to_numpy(),
        "source_organisation": col("company", "organisation", "organization")
        .iloc[keep["position"]].to_numpy(dtype=object),
        "source_role": col("job title").iloc[keep["position"]].to_numpy(dtype=object),
    })
    attendance["ordered_at"] = pd.Series(ordered_at.iloc[pick].to_numpy(), dtype=ordered_at.dtype)
    attendance = _blank_to_none(mk.as_object_text(conform("attendance", attendance)))

    comments = _custom_answers(frame, rows, name, email, col("attendee #", "attendee id"), ordered_at,
                               session_id, who, context, source_file, notes)

    fate = np.where(duplicate, "merged", "kept").astype(object)
    reason = np.where(duplicate, "the same person registered again (first at row " + first_row.astype(str) + ")",
                      None).astype(object)
    quarantined = problems.notna().to_numpy()
    fate[quarantined] = "quarantined"
    reason[quarantined] = problems[quarantined].to_numpy()
    fates = pd.concat([
        fates_frame(source_file, rows, list(fate), "attendance", list(reason), context.pilot_id),
        fates_frame(source_file, structure, "skipped-structure", None,
                    ["header row"] + ["blank line"] * (len(structure) - 1), context.pilot_id),
    ]).sort_values("source_row", kind="stable").reset_index(drop=True)
    return Reading(path=path, format=format, tables={"attendance": attendance, "comments": comments},
                   fates=fates, notes=notes, meta={"attendees": int(n)})


def _blank_to_none(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object:
            out[column] = out[column].where(~out[column].isin([""]), None)
    return out


def _custom_answers(frame: pd.DataFrame, rows: np.ndarray, name: pd.Series, email: pd.Series,
                    attendee: pd.Series, ordered_at: pd.Series, session_id, who: pd.Series,
                    context: Context, source_file: str, notes: list[str]) -> pd.DataFrame:
    """Custom question answers, one comment each; the same answer from the same person once."""
    parts, skipped = [], []
    for column in frame.columns:
        folded = _fold(column)
        if folded in _STANDARD or folded in ("job title", "company", "organisation", "organization"):
            continue
        if _CONTACT.search(folded):
            skipped.append(column)
            continue
        values = frame[column].astype("object")
        present = values.ne("")
        if not present.any():
            continue
        item_id = mapped_question(column, context)[0]
        parts.append(pd.DataFrame({
            "pilot_id": context.pilot_id,
            "source_file": source_file,
            "source_row": pd.array(rows[present.to_numpy()], dtype="Int64"),
            "respondent_id": attendee[present].to_numpy(dtype=object),
            "participant_id": None,
            "source_name": name[present].to_numpy(dtype=object),
            "source_email": email[present].to_numpy(dtype=object),
            "wave": None,
            "session_id": session_id,
            "item_id": item_id,
            "question": column,
            "text": values[present].to_numpy(dtype=object),
            "submitted_at": ordered_at[present].to_numpy(),
            "who": who[present].to_numpy(dtype=object),
        }))
    if skipped:
        notes.append("contact details not read (not evaluation data): " + ", ".join(skipped))
    if not parts:
        return mk.as_object_text(conform("comments", pd.DataFrame()))
    comments = pd.concat(parts, ignore_index=True)
    comments["submitted_at"] = pd.Series(comments["submitted_at"].to_numpy(), dtype=ordered_at.dtype)
    comments = comments.drop_duplicates(["who", "question", "text"]).drop(columns="who")
    return _blank_to_none(mk.as_object_text(conform("comments", comments)))
