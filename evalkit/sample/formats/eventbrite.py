"""Write an Eventbrite attendee summary report, the invitation list of a programme.

The layout is the report's own (``Order #, Order Date, First Name, Last Name, Email,
Quantity, Price Tier, Ticket Type, Attendee #, Group, Order Type, Currency, Total Paid, Fees
Paid, Eventbrite Fees, Eventbrite Payment Processing, Attendee Status``, then the custom
questions), for a free event priced in GBP: UTF-8, CRLF, order dates ``DD/MM/YY HH:MM``.
Realism: a custom question on access and dietary needs that few answer, and one person who
registered a second time and then cancelled the spare place (merged by the reader).

>>> import numpy as np, pandas as pd, tempfile
>>> from pathlib import Path
>>> attendees = pd.DataFrame({
...     "person_key": ["YH-01", "YH-02"], "first_name": ["Jane", "Omar"], "last_name": ["Smith", "Farouk"],
...     "email": ["jane.smith@leeds.gov.uk", "omar.farouk@hull.gov.uk"], "ticket_type": ["Councillor", "Councillor"],
...     "order_date": pd.to_datetime(["2025-01-06 09:14", "2025-01-07 18:40"]),
...     "attendee_status": ["Checked In", "Attending"]})
>>> with tempfile.TemporaryDirectory() as folder:
...     written = write_eventbrite(Path(folder) / "invitations.csv", source_file="yh/attendance/invitations.csv",
...                                event="Leading online", attendees=attendees, rng=np.random.default_rng(3))
>>> written.tables["attendance"][["person_key", "status", "registered"]].values.tolist()
[['YH-01', 'present', True], ['YH-02', 'absent', True]]
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ...clean.dates import localise
from . import Written
from .register import csv_lines

__all__ = ["write_eventbrite"]

FORMAT = "eventbrite-attendees"
COLUMNS = ["Order #", "Order Date", "First Name", "Last Name", "Email", "Quantity", "Price Tier",
           "Ticket Type", "Attendee #", "Group", "Order Type", "Currency", "Total Paid", "Fees Paid",
           "Eventbrite Fees", "Eventbrite Payment Processing", "Attendee Status"]
ACCESS_QUESTION = "Do you have any access or dietary requirements?"
_ACCESS_ANSWERS = ["Vegetarian", "Vegan", "Step-free access please", "Gluten free", "Hearing loop, please",
                   "None", "No thanks"]
_STATUS = {"checked in": ("present", True), "attending": ("absent", True), "not attending": ("absent", False)}
_REQUIRED = ["person_key", "first_name", "last_name", "email", "ticket_type", "order_date", "attendee_status"]


def _text(value) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value)


def write_eventbrite(path: Path, *, source_file: str, event: str, attendees: pd.DataFrame,
                     rng: np.random.Generator, timezone: str = "Europe/London") -> Written:
    """Write an Eventbrite attendee summary for ``event``.

    Parameters
    ----------
    path
        The ``.csv`` file to write.
    source_file
        Its path relative to the programme folder.
    event
        The event's name on Eventbrite (recorded in the quirks; the report itself does not
        print it).
    attendees
        ``person_key``, ``first_name``, ``last_name``, ``email``, ``ticket_type``,
        ``order_date`` (naive local time), ``attendee_status`` (``Attending``,
        ``Checked In``, ``Not Attending``). Any further column is a custom question (its
        name is the question; its values the answers).
    rng
        Order and attendee numbers, the access question's answers, a second registration.
    timezone
        The programme's time zone (order dates are written as local times in it).

    Returns
    -------
    Written
        ``attendance`` (one row per attendee: ``status`` present when checked in, extra
        columns ``registered``, ``attendee_status``, ``ordered_at``) and ``comments``
        (custom question answers; wave and session empty), and a fate per record.
    """
    missing = [c for c in _REQUIRED if c not in attendees.columns]
    if missing:
        raise ValueError(f"attendees needs the column(s) {', '.join(missing)}")
    unknown = set(attendees["attendee_status"].map(lambda s: str(s).strip().lower())) - set(_STATUS)
    if unknown:
        raise ValueError(f"attendee_status must be Attending, Checked In or Not Attending, not {sorted(unknown)}")
    custom = [c for c in attendees.columns if c not in _REQUIRED]
    table = attendees.reset_index(drop=True).copy()
    table["order_date"] = pd.to_datetime(table["order_date"]).dt.floor("min")
    n = len(table)
    answers = [(_ACCESS_ANSWERS[int(rng.integers(len(_ACCESS_ANSWERS)))] if rng.random() < 0.3 else "")
               for _ in range(n)]
    table[ACCESS_QUESTION] = answers
    questions = custom + [ACCESS_QUESTION]
    table["order_no"] = [str(v) for v in rng.integers(7_000_000_000, 9_999_999_999, size=n)]
    table["attendee_no"] = [str(v) for v in rng.integers(10_000_000_000, 19_999_999_999, size=n)]
    table["again"] = False
    quirks = [f"event: {event}", "free event in GBP; order dates DD/MM/YY HH:MM"]

    # one person registers a second time and cancels the spare place
    keen = table.index[table["attendee_status"].str.lower().isin(["attending", "checked in"])]
    if len(keen) and rng.random() < 0.8:
        original = table.loc[int(keen[int(rng.integers(len(keen)))])].copy()
        again = original.copy()
        again["attendee_status"] = "Not Attending"
        again["order_date"] = original["order_date"] + pd.Timedelta(days=int(rng.integers(1, 9)), minutes=int(rng.integers(5, 600)))
        again["order_no"] = str(int(rng.integers(7_000_000_000, 9_999_999_999)))
        again["attendee_no"] = str(int(rng.integers(10_000_000_000, 19_999_999_999)))
        again["again"] = True
        table = pd.concat([table, again.to_frame().T], ignore_index=True)
        quirks.append("one person registered twice and cancelled the spare place")
    table = table.sort_values("order_date", kind="stable").reset_index(drop=True)

    header = COLUMNS + questions
    rows = [header]
    for _, person in table.iterrows():
        rows.append([
            person["order_no"], f"{person['order_date']:%d/%m/%y %H:%M}", _text(person["first_name"]),
            _text(person["last_name"]), _text(person["email"]), "1", "", _text(person["ticket_type"]),
            person["attendee_no"], "", "Free Order", "GBP", "0.00", "0.00", "0.00", "0.00",
            _text(person["attendee_status"]),
        ] + [_text(person[q]) for q in questions])
    text, starts = csv_lines(rows)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8"))

    table["source_row"] = starts[1:]
    table["name"] = (table["first_name"].map(_text) + " " + table["last_name"].map(_text)).str.split().str.join(" ")
    table["ordered_at"] = localise(table["order_date"], timezone)
    who = table["name"].str.lower() + "|" + table["email"].map(_text).str.strip().str.lower()
    first = table.groupby(who, sort=False)["source_row"].transform("min")
    duplicate = table["source_row"].ne(first)
    kept = table[~duplicate]
    status = kept["attendee_status"].str.strip().str.lower().map(lambda s: _STATUS[s])
    attendance = pd.DataFrame({
        "source_file": source_file,
        "source_row": kept["source_row"].to_numpy(),
        "session_id": None,
        "source_name": kept["name"].to_numpy(dtype=object),
        "source_email": kept["email"].map(lambda v: _text(v).strip() or None).to_numpy(dtype=object),
        "status": status.map(lambda s: s[0]).to_numpy(dtype=object),
        "joined_at": None,
        "left_at": None,
        "minutes_present": np.nan,
        "source": "eventbrite",
        "person_key": kept["person_key"].to_numpy(dtype=object),
        "registered": status.map(lambda s: s[1]).to_numpy(dtype=bool),
        "attendee_status": kept["attendee_status"].to_numpy(dtype=object),
        "ordered_at": kept["ordered_at"].to_numpy(),
    })
    attendance["ordered_at"] = pd.Series(kept["ordered_at"].to_numpy(), dtype=table["ordered_at"].dtype)

    comment_rows = []
    for q in questions:
        for _, person in table[~duplicate].iterrows():
            text_answer = _text(person[q]).strip()
            if text_answer:
                comment_rows.append({
                    "source_file": source_file, "source_row": person["source_row"],
                    "respondent_id": person["attendee_no"], "source_name": person["name"],
                    "source_email": _text(person["email"]).strip() or None, "wave": None, "session_id": None,
                    "item_id": None, "question": q, "text": text_answer, "submitted_at": person["ordered_at"],
                    "person_key": person["person_key"],
                })
    comments = pd.DataFrame(comment_rows, columns=["source_file", "source_row", "respondent_id", "source_name",
                                                   "source_email", "wave", "session_id", "item_id", "question",
                                                   "text", "submitted_at", "person_key"])
    fates = pd.DataFrame({
        "source_row": [1] + list(table["source_row"]),
        "fate": ["skipped-structure"] + list(np.where(duplicate, "merged", "kept")),
        "table": [None] + ["attendance"] * len(table),
        "reason": ["header row"] + [f"registered again (first at row {f})" if d else None
                                    for f, d in zip(first, duplicate)],
    })
    return Written(source_file=source_file, format=FORMAT,
                   tables={"attendance": attendance, "comments": comments}, fates=fates, quirks=quirks)
