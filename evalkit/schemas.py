"""Canonical tables: one pandera schema per table, and validation that reports every fault.

The column names are the contract between cleaning, linking, analysis and the reports
(SPEC §4). Extra columns are allowed; the listed ones must be present with the right kind
of values.

>>> import pandas as pd
>>> from evalkit.schemas import empty, validate
>>> sessions = empty("sessions")
>>> list(sessions.columns)[:4]
['pilot_id', 'session_id', 'kind', 'theme']
>>> validate("sessions", sessions).empty
True
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

__all__ = [
    "TABLES",
    "SCHEMAS",
    "TableValidationError",
    "columns",
    "empty",
    "failures",
    "validate",
]

ROLES = ["councillor", "officer", "other"]
SESSION_KINDS = ["workshop", "masterclass", "awareness", "surgery"]
MODES = ["in-person", "online", "hybrid"]
ATTENDANCE_STATUSES = ["present", "absent", "apologies"]
ATTENDANCE_SOURCES = ["register", "teams", "zoom", "eventbrite"]
WAVES = ["pre", "post", "then", "feedback"]
FATES = ["kept", "merged", "quarantined", "skipped-structure"]
LINK_RULES = ["email", "handle", "alias", "name", "fuzzy", "manual"]
LINK_STATUSES = ["linked", "ambiguous", "unmatched", "not-a-participant"]


def _tz_aware(series: pd.Series) -> bool:
    """True when every value is a timezone-aware timestamp (or missing)."""
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        return True
    values = series.dropna()
    return bool(values.map(lambda v: isinstance(v, pd.Timestamp) and v.tzinfo is not None).all())


def _text(nullable: bool = True, **kwargs) -> pa.Column:
    """A text column. Values are strings (or missing); numbers that are ids stay text."""
    check = pa.Check(
        lambda s: s.dropna().map(lambda v: isinstance(v, str)),
        element_wise=False,
        error="value is not text",
    )
    return pa.Column(nullable=nullable, checks=[check, *kwargs.pop("checks", [])], **kwargs)


def _one_of(values: list[str], nullable: bool = False) -> pa.Column:
    return pa.Column(nullable=nullable, checks=pa.Check.isin(values))


def _timestamp(nullable: bool = True) -> pa.Column:
    return pa.Column(
        nullable=nullable,
        checks=pa.Check(_tz_aware, error="timestamp is not timezone-aware"),
    )


def _number(nullable: bool = True, checks=None) -> pa.Column:
    return pa.Column(float, coerce=True, nullable=nullable, checks=checks or [])


def _flag(nullable: bool = True) -> pa.Column:
    return pa.Column(
        nullable=nullable,
        checks=pa.Check(
            lambda s: s.dropna().map(lambda v: isinstance(v, (bool,)) or v in (0, 1)),
            error="value is not true/false",
        ),
    )


_FROM_FILE = {
    "pilot_id": _text(),
    "source_file": _text(),
    "source_row": pa.Column("Int64", coerce=True, nullable=True, checks=pa.Check.ge(1)),
}

_PARTICIPANT = {"participant_id": _text()}

SCHEMAS: dict[str, pa.DataFrameSchema] = {
    "participants": pa.DataFrameSchema(
        {
            "pilot_id": _text(nullable=False),
            "participant_id": _text(nullable=False),
            "display_name": _text(nullable=False),
            "role": _one_of(ROLES),
            "authority": _text(),
            "party": _text(),
            "in_cohort": _flag(nullable=False),
            "email": _text(),
            "x_handle": _text(),
            "facebook_page": _text(),
        },
        unique=["pilot_id", "participant_id"],
        name="participants",
    ),
    "sessions": pa.DataFrameSchema(
        {
            "pilot_id": _text(nullable=False),
            "session_id": _text(nullable=False),
            "kind": _one_of(SESSION_KINDS),
            "theme": _text(),
            "date": pa.Column(nullable=False),
            "start": _timestamp(),
            "mode": _one_of(MODES),
        },
        unique=["pilot_id", "session_id"],
        name="sessions",
    ),
    "attendance": pa.DataFrameSchema(
        {
            **_FROM_FILE,
            "session_id": _text(),
            **_PARTICIPANT,
            "source_name": _text(),
            "source_email": _text(),
            "status": _one_of(ATTENDANCE_STATUSES),
            "joined_at": _timestamp(),
            "left_at": _timestamp(),
            "minutes_present": _number(checks=[pa.Check.ge(0)]),
            "source": _one_of(ATTENDANCE_SOURCES),
        },
        name="attendance",
    ),
    "responses": pa.DataFrameSchema(
        {
            **_FROM_FILE,
            "respondent_id": _text(),
            **_PARTICIPANT,
            "source_name": _text(),
            "source_email": _text(),
            "wave": _one_of(WAVES, nullable=True),
            "session_id": _text(),
            "item_id": _text(),
            "question": _text(nullable=False),
            "value": _number(),
            "label": _text(),
            "scale": _text(),
            "submitted_at": _timestamp(),
        },
        name="responses",
    ),
    "comments": pa.DataFrameSchema(
        {
            **_FROM_FILE,
            "respondent_id": _text(),
            **_PARTICIPANT,
            "source_name": _text(),
            "source_email": _text(),
            "wave": _one_of(WAVES, nullable=True),
            "session_id": _text(),
            "item_id": _text(),
            "question": _text(nullable=False),
            "text": _text(nullable=False),
            "submitted_at": _timestamp(),
        },
        name="comments",
    ),
    "metrics": pa.DataFrameSchema(
        {
            **_FROM_FILE,
            **_PARTICIPANT,
            "platform": _text(nullable=False),
            "account": _text(nullable=False),
            "date": pa.Column(nullable=False),
            "metric": _text(nullable=False),
            "value": _number(nullable=False),
        },
        unique=["pilot_id", "platform", "account", "date", "metric"],
        name="metrics",
    ),
    "posts": pa.DataFrameSchema(
        {
            **_FROM_FILE,
            **_PARTICIPANT,
            "platform": _text(nullable=False),
            "account": _text(nullable=False),
            "post_id": _text(nullable=False),
            "timestamp": _timestamp(),
            "text": _text(),
            "is_reply": _flag(),
            "impressions": _number(checks=[pa.Check.ge(0)]),
            "engagements": _number(checks=[pa.Check.ge(0)]),
            "likes": _number(checks=[pa.Check.ge(0)]),
            "reposts": _number(checks=[pa.Check.ge(0)]),
            "replies": _number(checks=[pa.Check.ge(0)]),
        },
        name="posts",
    ),
    "links": pa.DataFrameSchema(
        {
            "pilot_id": _text(),
            "source_table": _text(nullable=False),
            "source_name": _text(),
            "source_email": _text(),
            "source_handle": _text(),
            "participant_id": _text(),
            "rule": _one_of(LINK_RULES, nullable=True),
            "score": _number(checks=[pa.Check.in_range(0, 100)]),
            "status": _one_of(LINK_STATUSES),
        },
        name="links",
    ),
    "row_fates": pa.DataFrameSchema(
        {
            "pilot_id": _text(),
            "source_file": _text(nullable=False),
            "source_row": pa.Column("Int64", coerce=True, nullable=False, checks=pa.Check.ge(1)),
            "fate": _one_of(FATES),
            "table": _text(),
            "reason": _text(),
        },
        unique=["source_file", "source_row"],
        name="row_fates",
    ),
}

TABLES: tuple[str, ...] = tuple(SCHEMAS)


class TableValidationError(ValueError):
    """A canonical table broke its schema. ``failures`` holds every fault, one row each."""

    def __init__(self, table: str, failures: pd.DataFrame):
        self.table = table
        self.failures = failures
        shown = failures.to_string(index=False, max_rows=50)
        super().__init__(
            f"table '{table}' has {len(failures)} fault(s):\n{shown}"
        )


def columns(table: str) -> list[str]:
    """The contract columns of a canonical table, in order."""
    return list(_schema(table).columns)


def empty(table: str) -> pd.DataFrame:
    """An empty frame with the contract columns of ``table``."""
    return pd.DataFrame({name: pd.Series(dtype="object") for name in columns(table)})


def failures(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Every schema fault of ``frame`` as a table (empty when it is valid).

    Columns: ``table, column, check, row, value`` where ``row`` is the frame's index label
    of the offending row (missing for faults of the whole table, such as a missing column).
    """
    try:
        _schema(table).validate(frame, lazy=True)
    except SchemaErrors as exc:
        cases = exc.failure_cases
        return pd.DataFrame(
            {
                "table": table,
                "column": cases["column"].astype("object"),
                "check": cases["check"].astype(str),
                "row": cases["index"].astype("object"),
                "value": cases["failure_case"].astype("object"),
            }
        ).reset_index(drop=True)
    return pd.DataFrame(columns=["table", "column", "check", "row", "value"])


def validate(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` if it meets the schema of ``table``; otherwise raise with every fault.

    Raises
    ------
    TableValidationError
        Listing all faults at once (lazy validation), not just the first.
    """
    found = failures(table, frame)
    if not found.empty:
        raise TableValidationError(table, found)
    return frame


def _schema(table: str) -> pa.DataFrameSchema:
    try:
        return SCHEMAS[table]
    except KeyError:
        raise KeyError(f"unknown table '{table}'; canonical tables are: {', '.join(SCHEMAS)}") from None
