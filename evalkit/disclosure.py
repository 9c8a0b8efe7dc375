"""Publication safety: small counts withheld as ``[c]``, personal data scrubbed from quotes.

Commissioners forward evalkit's reports and some publish them. Councillors' names are
public, so a survey answer or an attendance record tied to a name is personal data, and a
small count in a table can identify people. This module holds the two guards every
commissioner output goes through.

**Statistical disclosure control** (:func:`suppress_counts` for a table of counts,
:func:`suppress_result_rows` / :func:`suppression_mask` for tidy result frames,
:func:`method_note` for the caveats section) follows the cell-suppression practice of the
Government Statistical Service (GSS/ONS guidance on disclosure control for tables, and the
GSS symbol ``[c]`` for "confidential"):

* *Primary suppression*: a count of people from 1 to ``threshold − 1`` is withheld.
* *Zeros* are shown. A zero says nothing about any one person, and GSS guidance treats zeros
  as safe unless they reveal something about a whole group; evalkit's tables (who came, who
  answered what) do not rest on sensitive attributes, so zeros stay. A zero is used as a
  complementary cell only when nothing else is available, because withholding a zero
  protects little.
* *Secondary (complementary) suppression*: wherever a withheld cell could be worked out
  from a shown total and the other cells of its row, column or group, another cell of that
  line is withheld too. The partner is chosen, in this order of preference: a body cell
  rather than a total; a non-zero cell rather than a zero; a cell whose other row or column
  also needs a partner (so that a rectangle of four closes instead of a chain growing); the
  smallest; the first in table order. This repeats until no row, column or group has exactly
  one withheld cell; then a linear-algebra check makes sure no withheld cell is determined
  by any combination of the totals either (the idea of the Gaussian elimination method of
  Statistics Norway's GaussSuppression), withholding more where one is.
* Anything worked out from a withheld count (a percentage, a proportion's interval) is
  withheld with it, and averages, medians, changes and intervals are shown only where they
  rest on at least ``threshold`` people.

Bounds that follow from counts never being negative (a withheld cell beside a withheld
zero is at most the row total) are not treated as disclosure; nor are relations between
separate result functions (the turnout count against the attendees-by-role counts).

**Personal data in free text** (:func:`scrub_text`, :func:`scrub_series`,
:func:`personal_terms`): names, emails, handles, profile links and phone numbers are
replaced before a comment is quoted. See :func:`scrub_series` for the exact rules.

>>> import pandas as pd
>>> table = pd.DataFrame({"role": ["councillor", "officer", "other"],
...                       "w1": [12, 3, 6], "w2": [10, 7, 8]}).set_index("role")
>>> suppress_counts(table, ["w1", "w2"], threshold=5, totals="columns").display
             w1  w2
role
councillor   12  10
officer     [c]   7
other       [c]   8
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from .clean.names import (
    fold_accents,
    fold_text,
    is_phone_number,
    looks_like_email,
    strip_brackets,
    strip_party,
    strip_titles,
)

__all__ = [
    "EMAIL_REMOVED",
    "HANDLE_REMOVED",
    "NAME_REMOVED",
    "PHONE_REMOVED",
    "SUPPRESSED",
    "SuppressedTable",
    "method_note",
    "personal_terms",
    "scrub_series",
    "scrub_text",
    "suppress_counts",
    "suppress_result_rows",
    "suppression_mask",
]

#: what a withheld figure shows (the GSS symbol for "confidential")
SUPPRESSED = "[c]"

NAME_REMOVED = "[name removed]"
EMAIL_REMOVED = "[email removed]"
HANDLE_REMOVED = "[handle removed]"
PHONE_REMOVED = "[phone removed]"


# =========================================================================== the engine
#
# Cells are numbered 0..N-1 in table order (that order breaks ties). A line is a linear
# relation a reader knows: the sum of its member cells equals its total, which is either a
# cell of the table (shown or withheld) or known from outside the table (None).

@dataclass(frozen=True)
class _Line:
    members: tuple[int, ...]
    total: int | None

    @property
    def cells(self) -> tuple[int, ...]:
        return self.members + (() if self.total is None else (self.total,))


def _check_threshold(threshold) -> int:
    if isinstance(threshold, bool) or not isinstance(threshold, (int, np.integer)) or threshold < 1:
        raise ValueError(f"the disclosure threshold must be a whole number of at least 1, not {threshold!r}")
    return int(threshold)


def _primary(values: np.ndarray, threshold: int) -> np.ndarray:
    """Counts from 1 to threshold − 1 (zeros and missing values are not disclosive)."""
    with np.errstate(invalid="ignore"):
        return (values >= 1) & (values < threshold)


def _components(n_cells: int, lines: Sequence[_Line]) -> list[tuple[np.ndarray, list[_Line]]]:
    """Split cells and lines into independent pieces (cells joined by shared lines)."""
    parent = list(range(n_cells))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for line in lines:  # a loop over relations, not over data rows
        cells = line.cells
        root = find(cells[0])
        for c in cells[1:]:
            other = find(c)
            if other != root:
                parent[max(other, root)] = min(other, root)
                root = min(other, root)
    roots = np.array([find(c) for c in range(n_cells)], dtype=np.int64)
    by_root: dict[int, list[_Line]] = {}
    for line in lines:
        by_root.setdefault(int(roots[line.cells[0]]), []).append(line)
    return [(np.flatnonzero(roots == r), group) for r, group in sorted(by_root.items())]


def _determined(suppressed: np.ndarray, lines: Sequence[_Line]) -> list[int]:
    """Withheld cells whose value follows exactly from the lines (in table order)."""
    unknown = [c for c in sorted({c for line in lines for c in line.cells}) if suppressed[c]]
    if not unknown:
        return []
    position = {c: i for i, c in enumerate(unknown)}
    matrix = np.zeros((len(lines), len(unknown)))
    for row, line in enumerate(lines):
        for c in line.members:
            if suppressed[c]:
                matrix[row, position[c]] += 1.0
        if line.total is not None and suppressed[line.total]:
            matrix[row, position[line.total]] -= 1.0
    if not matrix.any():
        return []
    _, singular, vh = np.linalg.svd(matrix)
    rank = int((singular > 1e-9 * max(singular.max(), 1.0)).sum())
    free = vh[rank:]
    spread = np.sqrt((free ** 2).sum(axis=0)) if free.size else np.zeros(len(unknown))
    return [c for c, s in zip(unknown, spread) if s < 1e-9]


def _protect(values: np.ndarray, primary: np.ndarray, lines: Sequence[_Line],
             is_total: np.ndarray) -> np.ndarray:
    """Primary plus complementary suppression over all cells (see the module docstring)."""
    suppressed = primary.copy()
    # a line of one cell whose total is known from outside cannot be protected by the table
    lines = [line for line in lines if len(line.cells) >= 2]
    for _, group in _components(len(values), lines):
        _protect_component(values, suppressed, group, is_total)
    return suppressed


def _protect_component(values, suppressed, lines, is_total) -> None:
    unprotectable: set[int] = set()
    while True:
        _close_lines(values, suppressed, lines, is_total)
        open_cells = [c for c in _determined(suppressed, lines) if c not in unprotectable]
        if not open_cells:
            return
        cell = open_cells[0]
        candidates = sorted({c for line in lines if cell in line.cells for c in line.cells
                             if not suppressed[c]})
        if not candidates:
            unprotectable.add(cell)
            continue
        suppressed[min(candidates, key=lambda c: (bool(is_total[c]), values[c] == 0, values[c], c))] = True


def _close_lines(values, suppressed, lines, is_total) -> None:
    """Until no line has exactly one withheld cell: withhold a partner in the first such line."""
    while True:
        counts = [int(sum(suppressed[c] for c in line.cells)) for line in lines]
        exposed = [line for line, k in zip(lines, counts) if k == 1]
        if not exposed:
            return
        line = exposed[0]
        needing = {}
        for other in exposed[1:]:
            for c in other.cells:
                needing[c] = needing.get(c, 0) + 1
        candidates = [c for c in line.cells if not suppressed[c]]
        pick = min(candidates, key=lambda c: (bool(is_total[c]), values[c] == 0, -needing.get(c, 0),
                                              values[c], c))
        suppressed[pick] = True


# =========================================================================== count tables

@dataclass(frozen=True)
class SuppressedTable:
    """A table of counts made safe to publish.

    Attributes
    ----------
    display : pandas.DataFrame
        The table as text: counts as ``"12"`` (``"1,234"``), withheld cells as ``"[c]"``,
        shares formatted, other columns as text (missing values as ``""``).
    suppressed : pandas.DataFrame
        True for every withheld cell (count, total and share columns; same index).
    primary : pandas.DataFrame
        True for the cells withheld because they are small (the rest of ``suppressed`` is
        complementary suppression: :attr:`secondary`).
    """

    display: pd.DataFrame
    suppressed: pd.DataFrame
    primary: pd.DataFrame

    @property
    def secondary(self) -> pd.DataFrame:
        """Cells withheld only so that a small cell cannot be worked out."""
        return self.suppressed & ~self.primary


_TOTALS = ("auto", "rows", "columns", "both")


def _count_values(table: pd.DataFrame, columns: Sequence[str]) -> np.ndarray:
    """The counts as a float matrix; anything that is not a whole number ≥ 0 is refused."""
    out = np.empty((len(table), len(columns)))
    for j, name in enumerate(columns):  # a loop over a few columns
        raw = table[name]
        values = pd.to_numeric(raw, errors="coerce").astype(float)
        bad = values.isna() | (values < 0) | (values != np.floor(values))
        if bad.any():
            where = int(np.flatnonzero(bad.to_numpy())[0])
            raise ValueError(
                f"count table: column '{name}', row '{table.index[where]}' holds "
                f"{raw.iloc[where]!r}; counts must be whole numbers of 0 or more")
        out[:, j] = values.to_numpy()
    return out


def _locate_total_row(table: pd.DataFrame, label, count_columns) -> int:
    matches = np.flatnonzero(np.asarray(table.index == label, dtype=bool)) if len(table) else []
    if len(matches):
        return int(matches[0])
    for name in table.columns:  # a loop over label columns
        if name in count_columns:
            continue
        hits = np.flatnonzero((table[name].astype("object") == label).to_numpy(dtype=bool))
        if len(hits):
            return int(hits[0])
    raise ValueError(f"count table: no row labelled '{label}' (column_total_row) in the index or "
                     "in a label column")


def _count_text(value: float) -> str:
    return f"{int(value):,}"


def suppress_counts(
    table: pd.DataFrame,
    count_columns: list[str],
    *,
    threshold: int,
    totals: str = "auto",
    row_total: str | None = None,
    column_total_row: str | None = None,
    share_columns: Mapping[str, str] | None = None,
    share_format: str | Callable[[float], str] = "{:.0%}",
) -> SuppressedTable:
    """Withhold small counts of a table, and enough other cells that none can be worked out.

    Parameters
    ----------
    table : pandas.DataFrame
        A small table of counts of people: rows are categories, ``count_columns`` hold
        counts; optionally a column of row totals (``row_total``) and a row of column totals
        (``column_total_row``, a label of the index or of a label column). Not changed.
    count_columns : list of str
        The count columns (``row_total`` may be among them or not).
    threshold : int
        Counts from 1 to ``threshold − 1`` are withheld (primary suppression); zeros are shown.
    totals : {"auto", "rows", "columns", "both"}
        Which totals a reader knows. ``"auto"``: only the totals in the table. ``"rows"``:
        every row's total is known even where the table does not show it (for example the
        number of people stated in the text); ``"columns"`` likewise for columns; ``"both"``.
        Where a total is known, a row or column never has exactly one withheld cell.
    row_total, column_total_row : str, optional
        The column of row totals and the label of the row of column totals. Totals are cells
        too: a small total is withheld, and a total can be a complementary cell (only when no
        body cell can be).
    share_columns : mapping of str to str, optional
        Share (percentage) columns and the count column each is worked out from:
        ``{"share": "k"}``. A share is withheld when its count is, or when its row's total
        (``row_total``) is.
    share_format : str or callable, default ``"{:.0%}"``
        How shown shares are written.

    Returns
    -------
    SuppressedTable
        ``display`` (text), ``suppressed`` and ``primary`` (booleans over the count, total
        and share columns).

    Examples
    --------
    A cell of 3 with row and column totals shown: it is withheld with one partner in its row
    (the smallest non-zero cell there, 6) and one in its column (8), and the fourth corner
    (10) closes the rectangle, so every row and column has two withheld cells or none:

    >>> table = pd.DataFrame({"place": ["North", "South", "East", "Total"],
    ...                       "yes": [3, 8, 20, 31], "no": [6, 10, 25, 41],
    ...                       "total": [9, 18, 45, 72]})
    >>> safe = suppress_counts(table, ["yes", "no"], threshold=5, row_total="total",
    ...                        column_total_row="Total")
    >>> safe.display
       place  yes   no total
    0  North  [c]  [c]     9
    1  South  [c]  [c]    18
    2   East   20   25    45
    3  Total   31   41    72
    >>> int(safe.primary.to_numpy().sum()), int(safe.suppressed.to_numpy().sum())
    (1, 4)
    """
    threshold = _check_threshold(threshold)
    if totals not in _TOTALS:
        raise ValueError(f"totals must be one of {', '.join(_TOTALS)}, not {totals!r}")
    count_columns = list(count_columns)
    missing = [c for c in count_columns + ([row_total] if row_total else []) if c not in table.columns]
    if missing:
        raise ValueError(f"count table: no column '{missing[0]}'")
    shares = dict(share_columns or {})
    for share, count in shares.items():
        if share not in table.columns or count not in count_columns + ([row_total] if row_total else []):
            raise ValueError(f"share column '{share}' must be a column of the table worked out from a "
                             f"count column, not '{count}'")

    body_columns = [c for c in count_columns if c != row_total]
    columns = body_columns + ([row_total] if row_total else [])
    values = _count_values(table, columns)
    n_rows, n_cols = values.shape
    total_row = None if column_total_row is None else _locate_total_row(table, column_total_row, columns)
    total_col = n_cols - 1 if row_total else None
    body_rows = [r for r in range(n_rows) if r != total_row]
    body_cols = [c for c in range(n_cols) if c != total_col]

    def cell(r: int, c: int) -> int:
        return r * n_cols + c

    rows_known = totals in ("rows", "both")
    cols_known = totals in ("columns", "both")
    lines: list[_Line] = []
    for r in range(n_rows):  # a loop over the rows of a small table
        members = tuple(cell(r, c) for c in body_cols)
        if total_col is not None:
            lines.append(_Line(members, cell(r, total_col)))
        elif rows_known:
            lines.append(_Line(members, None))
    for c in range(n_cols):
        members = tuple(cell(r, c) for r in body_rows)
        if total_row is not None:
            lines.append(_Line(members, cell(total_row, c)))
        elif cols_known:
            lines.append(_Line(members, None))

    flat = values.reshape(-1)
    is_total = np.zeros(flat.size, dtype=bool)
    if total_row is not None:
        is_total[total_row * n_cols:(total_row + 1) * n_cols] = True
    if total_col is not None:
        is_total[total_col::n_cols] = True
    primary_flat = _primary(flat, threshold)
    suppressed_flat = _protect(flat, primary_flat, lines, is_total)

    suppressed = pd.DataFrame(suppressed_flat.reshape(n_rows, n_cols), index=table.index, columns=columns)
    primary = pd.DataFrame(primary_flat.reshape(n_rows, n_cols), index=table.index, columns=columns)
    display = table.copy().astype("object")
    for j, name in enumerate(columns):  # a loop over columns
        text = pd.Series(values[:, j], index=table.index).map(_count_text)
        display[name] = text.where(~suppressed[name], SUPPRESSED)
    row_total_hidden = suppressed[row_total] if row_total else pd.Series(False, index=table.index)
    formatter = share_format.format if isinstance(share_format, str) else share_format
    for share, count in shares.items():
        hidden = suppressed[count] | row_total_hidden
        shown = pd.to_numeric(table[share], errors="coerce")
        text = shown.map(lambda v: "" if pd.isna(v) else formatter(float(v)))
        display[share] = text.where(~hidden, SUPPRESSED)
        suppressed[share] = hidden
        primary[share] = primary[count]
    for name in display.columns:
        if name not in columns and name not in shares:
            display[name] = _as_text(display[name])
    return SuppressedTable(display=display, suppressed=suppressed, primary=primary)


# =========================================================================== result frames

#: counts of people that may appear in result frames (``n_groups`` counts pilots, not people)
_PEOPLE_COUNTS = ("n", "k", "n_missing", "n_zero", "n_improved", "n_worse", "n_cohort",
                  "n_comparison", "n_unlinked", "n_completers", "n_non_completers")

#: columns that describe the design, not the people: never withheld
_DESIGN_COLUMNS = frozenset({"sessions", "sessions_total", "threshold", "session_minutes",
                             "share_of_session", "n_groups", "confidence"})

#: statistics of the row's main estimate
_ESTIMATE_COLUMNS = ("estimate", "ci_low", "ci_high", "ci_level", "p_value", "p_adjusted", "statistic",
                     "effect", "effect_ci_low", "effect_ci_high", "hl_estimate", "hl_ci_low", "hl_ci_high",
                     "hl_ci_level", "mean_change", "mean_ci_low", "mean_ci_high")

#: a withheld count takes with it the figures worked out from it
_DERIVED = {
    "k": ("estimate", "ci_low", "ci_high", "p_value", "share_of_attendees"),
    "n_improved": ("share_improved", "share_improved_ci_low", "share_improved_ci_high"),
}

#: a group of fewer than threshold people: its own summary and the row's estimate are withheld
_SMALL_GROUP = {
    "n_cohort": ("mean_change_cohort",),
    "n_comparison": ("mean_change_comparison",),
    "n_completers": ("median_completers",),
    "n_non_completers": ("median_non_completers",),
}

#: counts within one row that add up to the row's n
_ROW_PARTITIONS = (
    ("n", ("n_zero", "n_improved", "n_worse")),
    ("n", ("n_cohort", "n_comparison")),
    ("n", ("n_completers", "n_non_completers")),
)

#: counts that are the same people on every row of a pilot that carries them (attrition)
_SHARED_COUNTS = ("n", "n_unlinked", "n_completers", "n_non_completers")

#: text columns that tell which rows belong together (besides ``measure`` and ``pilot_id``)
_CONTEXT = ("level", "session_id", "item_id", "scale", "platform", "period", "comparison",
            "eligible_rule", "wave", "from_session", "to_session", "outcome", "headline")


def _row_groups(frame: pd.DataFrame, columns: Sequence[str], rows: np.ndarray | None = None) -> list[np.ndarray]:
    """Positions of the rows (among ``rows``, default all) sharing values of ``columns``
    (missing values form a group of their own), in order of first appearance."""
    positions = np.arange(len(frame)) if rows is None else np.flatnonzero(rows)
    if not len(positions):
        return []
    keys = frame.iloc[positions][list(columns)].astype("object")
    keys = keys.where(keys.notna(), "\x00missing").reset_index(drop=True)
    found = keys.groupby(list(columns), sort=False, dropna=False).indices
    return sorted((positions[np.asarray(v)] for v in found.values()), key=lambda a: a[0])


def _result_cells(results: pd.DataFrame, threshold: int, by: Sequence[str] | None, complements: bool):
    """Number the count cells of a result frame and find the relations between them."""
    results = results.reset_index(drop=True)
    columns = [c for c in _PEOPLE_COUNTS if c in results.columns]
    counts = {c: pd.to_numeric(results[c], errors="coerce").astype(float).to_numpy() for c in columns}
    n_rows = len(results)
    ids = {}
    values = []
    for c in columns:  # a loop over count columns; cells numbered column by column
        present = ~np.isnan(counts[c])
        numbers = np.full(n_rows, -1, dtype=np.int64)
        numbers[present] = np.arange(len(values), len(values) + present.sum())
        ids[c] = numbers
        values.extend(counts[c][present].tolist())
    # table order: row by row, then column order, so that ties break as the frame reads
    values = np.asarray(values, dtype=float)
    order = np.zeros(len(values), dtype=np.int64)
    flat = (np.stack([ids[c] for c in columns], axis=1) if columns
            else np.zeros((n_rows, 0), dtype=np.int64)).reshape(-1)
    flat = flat[flat >= 0]
    order[flat] = np.arange(len(flat))

    parent = np.arange(len(values))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return int(a)

    def union(a: int, b: int) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    lines: list[tuple[list[int], int | None]] = []
    key_columns = ["measure", "pilot_id"] + [c for c in (by if by is not None else _CONTEXT)
                                             if c in results.columns and c not in ("measure", "pilot_id")]
    key_columns = [c for c in key_columns if c in results.columns]

    # rows of one measure whose k add up to their common n (attendees by role, bands, …)
    if "k" in ids and "n" in ids and key_columns:
        for rows in _row_groups(results, key_columns, (ids["k"] >= 0) & (ids["n"] >= 0)):
            if len(rows) < 2:
                continue
            n_values = counts["n"][rows]
            if np.all(n_values == n_values[0]) and counts["k"][rows].sum() == n_values[0]:
                for r in rows[1:]:
                    union(ids["n"][rows[0]], ids["n"][r])
                lines.append(([int(ids["k"][r]) for r in rows], int(ids["n"][rows[0]])))

    # per-session rows and their "all sessions" row (session_id missing) whose counts add up
    if "session_id" in results.columns and key_columns:
        outer = [c for c in key_columns if c != "session_id"]
        outer += [c for c in ("group",) if c in results.columns]
        overall = results["session_id"].isna().to_numpy()
        for rows in _row_groups(results, outer):
            total_rows = rows[overall[rows]]
            parts = rows[~overall[rows]]
            if len(total_rows) != 1 or len(parts) < 2:
                continue
            for c in ("k", "n"):
                if c not in ids:
                    continue
                cells = ids[c][parts]
                total = ids[c][total_rows[0]]
                if total >= 0 and np.all(cells >= 0) and counts[c][parts].sum() == counts[c][total_rows[0]]:
                    lines.append(([int(x) for x in cells], int(total)))

    # counts inside one row that add up to its n
    for total_col, part_cols in _ROW_PARTITIONS:
        if total_col not in ids or not all(p in ids for p in part_cols):
            continue
        part_ids = np.stack([ids[p] for p in part_cols], axis=1)
        part_values = np.stack([counts[p] for p in part_cols], axis=1)
        ok = (ids[total_col] >= 0) & np.all(part_ids >= 0, axis=1)
        ok &= np.where(ok, part_values.sum(axis=1) == counts[total_col], False)
        for r in np.flatnonzero(ok):
            lines.append(([int(x) for x in part_ids[r]], int(ids[total_col][r])))

    # the same people on several rows: one cell
    if "k" in ids and "n_non_completers" in ids:
        same = (ids["k"] >= 0) & (ids["n_non_completers"] >= 0) & (counts["k"] == counts["n_non_completers"])
        for r in np.flatnonzero(same):
            union(ids["k"][r], ids["n_non_completers"][r])
    shared = [c for c in _SHARED_COUNTS if c in ids]
    if "n_completers" in ids and "pilot_id" in results.columns:
        carries = ids["n_completers"] >= 0
        group_columns = ["pilot_id"] + [c for c in ("level",) if c in results.columns] + shared
        numbered = results.assign(**{c: counts[c] for c in shared})
        for rows in _row_groups(numbered, group_columns, carries):
            for c in shared:
                cells = ids[c][rows]
                cells = cells[cells >= 0]
                for x in cells[1:]:
                    union(cells[0], x)

    # complements: n − k small means k must go (the people who did not are few)
    extra_primary = np.zeros(len(values), dtype=bool)
    if complements and "k" in ids and "n" in ids:
        gap = counts["n"] - counts["k"]
        small = (ids["k"] >= 0) & (ids["n"] >= 0) & (gap >= 1) & (gap < threshold)
        extra_primary[ids["k"][small]] = True

    return columns, ids, counts, values, order, find, lines, extra_primary


def suppression_mask(
    results: pd.DataFrame,
    *,
    threshold: int,
    by: Sequence[str] | None = None,
    complements: bool = False,
) -> pd.DataFrame:
    """Which cells of a tidy result frame must be withheld (True) before it is published.

    The rules (see the module docstring for why):

    1. a count of people (``n``, ``k``, ``n_missing``, ``n_improved``, …) from 1 to
       ``threshold − 1`` is withheld; zeros are shown;
    2. a row whose ``n`` is withheld shows no statistic at all (estimate, interval, p-value,
       medians, quartiles, …), so medians and intervals appear only where ``n`` reaches the
       threshold; columns that describe the design (``sessions``, ``sessions_total``,
       ``session_minutes``, …) stay;
    3. a withheld ``k`` takes the proportion worked out from it (``estimate``, ``ci_low``,
       ``ci_high``, ``share_of_attendees``); a withheld ``n_improved`` takes
       ``share_improved`` and its interval;
    4. a group of fewer than ``threshold`` people inside a row (``n_cohort``,
       ``n_comparison``, ``n_completers``, ``n_non_completers``) takes its own mean or median
       and the row's estimate with it;
    5. complementary suppression wherever counts add up to a shown total: rows of one
       ``measure`` and ``pilot_id`` (and the same ``by`` columns — by default ``session_id``,
       ``item_id``, ``platform``, ``period``, … as present) whose ``k`` add up to their common
       ``n`` (attendees by role, sessions attended "j of S", baseline bands); per-session rows
       and their "all sessions" row (``session_id`` missing) whose ``k`` and ``n`` add up;
       and counts inside a row that add up to its ``n`` (``n_zero + n_improved + n_worse``,
       ``n_cohort + n_comparison``, ``n_completers + n_non_completers``). Rows of one pilot
       that carry the same attrition counts are treated as one.

    Parameters
    ----------
    results : pandas.DataFrame
        A result frame of :mod:`evalkit.analysis` (or several stacked). Not changed.
    threshold : int
        The disclosure threshold (``programme.settings.disclosure_threshold``).
    by : sequence of str, optional
        Columns that, with ``measure`` and ``pilot_id``, tell which rows form one group.
    complements : bool, default False
        Also withhold ``k`` (and what follows from it) when ``n − k`` is from 1 to
        ``threshold − 1`` ("all but two came").

    Returns
    -------
    pandas.DataFrame
        Booleans with the index and columns of ``results``.

    Examples
    --------
    >>> results = pd.DataFrame({"measure": ["attendees"] * 3, "pilot_id": ["p"] * 3,
    ...     "group": ["councillor", "officer", "other"], "n": [20, 20, 20], "k": [9, 3, 8],
    ...     "estimate": [0.45, 0.15, 0.4]})
    >>> suppression_mask(results, threshold=5)[["k", "estimate"]]
           k  estimate
    0  False     False
    1   True      True
    2   True      True
    """
    threshold = _check_threshold(threshold)
    mask = pd.DataFrame(False, index=results.index, columns=results.columns)
    if results.empty:
        return mask
    columns, ids, counts, values, order, find, raw_lines, extra = _result_cells(
        results, threshold, by, complements)
    if not columns:
        return mask
    representative = np.array([find(i) for i in range(len(values))], dtype=np.int64)
    # the engine works on representatives, numbered in table order
    reps = np.unique(representative)
    reps = reps[np.argsort(order[reps], kind="stable")]
    position = np.empty(len(values), dtype=np.int64)
    position[reps] = np.arange(len(reps))
    cell_rep = position[representative]          # cell → its representative's number
    index_of = {int(r): i for i, r in enumerate(reps)}
    rep_values = values[reps]
    primary = _primary(rep_values, threshold)
    extra_rep = np.zeros(len(reps), dtype=bool)
    np.logical_or.at(extra_rep, cell_rep, extra)
    primary |= extra_rep
    is_total = np.zeros(len(reps), dtype=bool)
    lines = []
    for members, total in raw_lines:
        members_r = tuple(dict.fromkeys(index_of[int(representative[m])] for m in members))
        total_r = None if total is None else index_of[int(representative[total])]
        if total_r is not None:
            is_total[total_r] = True
            if total_r in members_r:
                continue
        lines.append(_Line(members_r, total_r))
    withheld = _protect(rep_values, primary, lines, is_total)
    small = primary

    cell_withheld = {}
    cell_small = {}
    for c in columns:
        present = ids[c] >= 0
        hidden = np.zeros(len(results), dtype=bool)
        tiny = np.zeros(len(results), dtype=bool)
        rows_rep = cell_rep[ids[c][present]]
        hidden[present] = withheld[rows_rep] if len(rows_rep) else False
        tiny[present] = small[rows_rep] if len(rows_rep) else False
        cell_withheld[c] = hidden
        cell_small[c] = tiny
        mask[c] = hidden

    numeric = [c for c in results.columns
               if c not in _DESIGN_COLUMNS and pd.api.types.is_numeric_dtype(results[c])
               and not pd.api.types.is_bool_dtype(results[c])]
    if "n" in cell_withheld:
        for c in numeric:
            mask[c] = mask[c].to_numpy() | cell_withheld["n"]
    for count, derived in _DERIVED.items():
        if count in cell_withheld:
            for c in derived:
                if c in mask.columns:
                    mask[c] = mask[c].to_numpy() | cell_withheld[count]
    for count, own in _SMALL_GROUP.items():
        if count in cell_small:
            for c in own + _ESTIMATE_COLUMNS:
                if c in mask.columns:
                    mask[c] = mask[c].to_numpy() | cell_small[count]
    # a missing figure stays missing: there is nothing to withhold
    return mask & results.notna().to_numpy()


def _number_text(value: float) -> str:
    """A number for reading: whole numbers plainly, others to 2 decimals (3 significant
    figures below 1)."""
    if value == int(value) and abs(value) < 1e15:
        return f"{int(value):,}"
    if abs(value) >= 1:
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{value:.3g}"


def _value_text(value) -> str:
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, (float, np.floating)):
        if math.isnan(value):
            return ""
        if math.isinf(value):
            return "∞" if value > 0 else "−∞"
        return _number_text(float(value))
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _as_text(column: pd.Series, fmt: str | Callable | None = None) -> pd.Series:
    if fmt is None:
        out = column.astype("object").map(_value_text)
    else:
        formatter = fmt.format if isinstance(fmt, str) else fmt
        out = column.astype("object").map(lambda v: "" if _is_missing(v) else formatter(v))
    return out.astype("object")


def _is_missing(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, (float, np.floating)) and math.isnan(value)


def suppress_result_rows(
    results: pd.DataFrame,
    *,
    threshold: int,
    by: Sequence[str] | None = None,
    complements: bool = False,
    as_text: bool = True,
    formats: Mapping[str, str | Callable] | None = None,
) -> pd.DataFrame:
    """A result frame ready to show a commissioner: withheld figures read ``[c]``.

    The cells to withhold are those of :func:`suppression_mask` (same ``threshold``, ``by``
    and ``complements``; its docstring lists the rules).

    Parameters
    ----------
    results : pandas.DataFrame
        A tidy result frame (``measure, pilot_id, group, n, estimate, ci_low, ci_high, …``);
        never changed.
    threshold : int
        The disclosure threshold.
    as_text : bool, default True
        True: every column becomes text — whole numbers as ``"12"`` (``"1,234"``), other
        numbers to two decimals (three significant figures below 1), dates in ISO form,
        missing values as ``""``. False: shown cells keep their values (object columns), so
        that a caller can round each measure its own way.
    formats : mapping of str to str or callable, optional
        Formats for shown values of some columns, e.g. ``{"estimate": "{:.0%}"}``.

    Returns
    -------
    pandas.DataFrame
        The columns of ``results`` with withheld cells as ``"[c]"``, plus a boolean column
        ``suppressed`` (True where anything in the row is withheld).

    Examples
    --------
    Four of six cohort members came to workshop 1; at workshop 2 the estimate rests on 3
    people, so nothing is shown but the design:

    >>> results = pd.DataFrame({"measure": ["turnout", "turnout"], "pilot_id": ["p", "p"],
    ...     "session_id": ["w1", "w2"], "n": [6, 3], "k": [4, 3], "estimate": [4 / 6, 1.0],
    ...     "ci_low": [0.3, 0.44], "ci_high": [0.9, 1.0]})
    >>> suppress_result_rows(results, threshold=5, formats={"estimate": "{:.0%}"})
       measure pilot_id session_id    n    k estimate ci_low ci_high  suppressed
    0  turnout        p         w1    6  [c]      [c]    [c]     [c]        True
    1  turnout        p         w2  [c]  [c]      [c]    [c]     [c]        True
    """
    mask = suppression_mask(results, threshold=threshold, by=by, complements=complements)
    formats = dict(formats or {})
    shown = results.copy()
    for name in shown.columns:  # a loop over columns
        column = shown[name]
        if as_text:
            column = _as_text(column, formats.get(name))
        else:
            column = column.astype("object")
            if name in formats:
                column = _as_text(column, formats[name])
            else:
                column = column.where(~column.map(_is_missing), None)
        shown[name] = column.where(~mask[name], SUPPRESSED)
    shown["suppressed"] = mask.any(axis=1).to_numpy()
    return shown


def method_note(threshold: int) -> str:
    """The plain-English paragraph on disclosure control for a report's caveats section.

    >>> print(method_note(5))  # doctest: +ELLIPSIS
    To protect the people in this report, any count of fewer than 5 people (1 to 4) is not shown: it appears as [c] ...
    """
    threshold = _check_threshold(threshold)
    small = "1" if threshold == 2 else f"1 to {threshold - 1}"
    return (
        f"To protect the people in this report, any count of fewer than {threshold} people "
        f"({small}) is not shown: it appears as [c] (confidential), and so does any figure worked "
        "out from it, such as a percentage or its interval. Where a hidden number could be worked "
        "out by subtracting the numbers shown beside it from a total, at least one more number is "
        "hidden as well (complementary suppression), so no hidden count can be recovered. "
        f"Averages, medians, changes and their intervals are given only where they rest on at "
        f"least {threshold} people. Zeros are shown, because a zero says nothing about any one "
        "person."
    )


# =========================================================================== personal data in text

_TITLE_WORDS = ("cllr", "councillor", "councilor", "coun", "cnclr", "cncllr", "clr", "mr", "mrs",
                "ms", "miss", "mx", "dr", "doctor", "prof", "professor", "sir", "dame", "lady", "lord",
                "rev", "revd", "reverend", "alderman", "ald")
_TITLE = r"(?:(?:" + "|".join(_TITLE_WORDS) + r")\.?[\s\u00a0]+)"

#: names that are also everyday words: scrubbed only as part of a fuller name ("Niamh Ward",
#: "Cllr Ward"), never alone, so that "my ward", "the green party", "grace period" survive
_EVERYDAY_WORDS = frozenset("""
    will may june april august summer autumn winter spring mark rose grace hope joy faith
    bill pat sue don ray dawn jack rob drew art frank holly ivy lily amber hazel heather iris
    olive ruby pearl rich victor eve sunny sky river robin gene guy earl duke king queen prince
    young green brown white black grey gray ward bell brook brooks hall wood woods hill moore
    long little bird cook baker field fields lane street park church city wells marsh page post
    read link close case best sharp price cross stone rock new fox lamb hunt chase fair gold
    silver bond banks mills hart day knight dean rice bush lord major castle forest snow frost
    rain storm star sun moon north south east west english french welsh scott irish good sweet
    love friend bishop mayor leader chair member foster carter fisher mason turner can van
    bar ash oak lee ford dale cole
    """.split())

_APOSTROPHES = "'’‘`´ʼ"
_HYPHENS = "-‐‑‒–—"
_HYPHEN_CLASS = "[" + re.escape(_HYPHENS) + "]"
_MULTI = {"ß": "(?:ss|ß)", "æ": "(?:ae|æ)", "Æ": "(?:ae|æ)", "œ": "(?:oe|œ)", "Œ": "(?:oe|œ)",
          "þ": "(?:th|þ)", "Þ": "(?:th|þ)"}
_SINGLE = {"ø": "o", "Ø": "o", "ł": "l", "Ł": "l", "đ": "d", "Đ": "d", "ı": "i"}


def _fold_char(ch: str) -> str:
    ch = _SINGLE.get(ch, ch)
    base = unicodedata.normalize("NFKD", ch)
    return "".join(b for b in base if not unicodedata.combining(b)).lower()


def _fold_table() -> dict[int, str]:
    """``str.translate`` table taking each accented Latin letter (either case) to the plain
    a–z letter it folds to, one character for one, so that a match in a folded text has the
    same span in the text itself. Name patterns are written in plain letters and matched on
    folded texts (``Siân`` finds ``Sian`` and ``SIÂN``), which keeps them quick to compile;
    letters that fold to two (``ß``, ``æ``) stay and are matched by :data:`_MULTI`."""
    table = {}
    for code in list(range(0xC0, 0x250)) + list(range(0x1E00, 0x1F00)):
        ch = chr(code)
        base = _fold_char(ch)
        if len(base) == 1 and "a" <= base <= "z":
            table[code] = base
    return table


_FOLD = _fold_table()
_BEFORE = r"(?<![^\W_])"   # not right after a letter or digit
_AFTER = r"(?![^\W_])"     # not right before a letter or digit
_SEPARATOR = r"(?:[\s\u00a0._]|" + _HYPHEN_CLASS + r")*"


def _token_pattern(token: str) -> str:
    """A regex for one name token, tolerant of case, apostrophes and hyphens, and of accents
    when matched on a folded text (see :data:`_FOLD`)."""
    parts = []
    for ch in token:
        if ch in _MULTI:
            parts.append(_MULTI[ch])
        elif ch in _APOSTROPHES:
            parts.append(r"(?:[" + _APOSTROPHES + r"][\s\u00a0]?|[\s\u00a0])?")
        elif ch in _HYPHENS:
            parts.append(r"[\s\u00a0]*" + _HYPHEN_CLASS + r"?[\s\u00a0]*")
        elif ch == ".":
            parts.append(r"\.?")
        elif unicodedata.combining(ch):
            continue
        else:
            base = _fold_char(ch)
            parts.append(base if len(base) == 1 and "a" <= base <= "z" else re.escape(ch))
    return "".join(parts)


def _folded(text: str) -> str:
    return "".join(_fold_char(ch) for ch in text if ch not in _APOSTROPHES + _HYPHENS + ".")


def _column(people: pd.DataFrame, *names: str) -> pd.Series:
    for name in names:
        if name in people.columns:
            return people[name].astype("object")
    return pd.Series(None, index=people.index, dtype="object")


def _split_aliases(values: pd.Series) -> list[str]:
    found = []
    for value in values.dropna():  # a loop over the roster's people
        items = value.split(";") if isinstance(value, str) else list(value)
        found.extend(str(item).strip() for item in items if str(item).strip())
    return found


def _clean_names(names: pd.Series) -> pd.Series:
    """Roster names without titles, party labels and bracketed remarks."""
    names = fold_text(names)
    names = strip_party(names)
    names = strip_brackets(names)
    names = strip_titles(names)
    return names


@dataclass(frozen=True)
class _Roster:
    names: tuple[str, ...]        # cleaned full names (titles removed)
    emails: tuple[str, ...]
    handles: tuple[str, ...]      # bare, without @
    pages: tuple[str, ...]
    phones: tuple[str, ...]
    raw_names: tuple[str, ...]    # names as the roster writes them


def _roster(people: pd.DataFrame) -> _Roster:
    if not isinstance(people, pd.DataFrame):
        raise TypeError("people must be a DataFrame with display_name (or name), email, x_handle, "
                        "facebook_page and aliases columns")
    raw_names = _column(people, "display_name", "name").dropna().astype(str).str.strip()
    aliases = pd.Series(_split_aliases(_column(people, "aliases")), dtype="object")
    alias_email = looks_like_email(aliases) if len(aliases) else pd.Series([], dtype=bool)
    alias_phone = is_phone_number(aliases) if len(aliases) else pd.Series([], dtype=bool)
    alias_word = aliases.str.match(r"^@?[\w.]+$") & ~alias_email & ~alias_phone if len(aliases) \
        else pd.Series([], dtype=bool)
    alias_names = aliases[~alias_email & ~alias_phone & ~alias_word]
    emails = pd.concat([_column(people, "email").dropna().astype(str), aliases[alias_email]])
    handles = pd.concat([_column(people, "x_handle").dropna().astype(str), aliases[alias_word]])
    handles = handles.str.strip().str.replace(r"^@+", "", regex=True)
    handles = handles.str.replace(r"^(?:https?://)?(?:www\.|mobile\.)?(?:twitter|x)\.com/([^/?#\s]+).*$",
                                  r"\1", regex=True, case=False)
    pages = _column(people, "facebook_page").dropna().astype(str).str.strip()
    cleaned = _clean_names(pd.concat([raw_names, alias_names], ignore_index=True)).dropna()

    def tidy(values: Iterable[str]) -> tuple[str, ...]:
        return tuple(sorted({v for v in (str(x).strip() for x in values) if v}, key=lambda s: (s.lower(), s)))

    return _Roster(names=tidy(cleaned), emails=tidy(emails), handles=tidy(handles), pages=tidy(pages),
                   phones=tidy(aliases[alias_phone]), raw_names=tidy(pd.concat([raw_names, alias_names])))


def _name_alternatives(name: str) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """Patterns for one name, each weighted by the letters it stands for: (those that may
    follow an optional title, those that need a title)."""
    tokens = [t for t in re.split(r"[\s\u00a0]+", name.strip()) if t.strip(_APOSTROPHES + _HYPHENS + ".")]
    if not tokens:
        return [], []
    pats = [_token_pattern(t) for t in tokens]
    folded = [_folded(t) for t in tokens]
    free: list[tuple[int, str]] = []
    titled: list[tuple[int, str]] = []
    if len(tokens) >= 2:
        first, last = pats[0], pats[-1]
        free.append((len("".join(folded)), _SEPARATOR.join(pats)))
        free.append((len(folded[0] + folded[-1]), first + _SEPARATOR + last))
        free.append((len(folded[0] + folded[-1]), last + r"[\s\u00a0]*,[\s\u00a0]*" + first))
        initial = folded[0][:1] if "a" <= folded[0][:1] <= "z" else re.escape(tokens[0][:1])
        free.append((len(folded[-1]) + 1, initial + r"\.?[\s\u00a0]*" + last))
        titled.append((len(folded[-1]), last))
        for part in re.split(_HYPHEN_CLASS, tokens[-1]):
            if part != tokens[-1] and len(_folded(part)) >= 2:
                titled.append((len(_folded(part)), _token_pattern(part)))
        singles = [(first, folded[0]), (last, folded[-1])]
    else:
        singles = [(pats[0], folded[0])]
        titled.append((len(folded[0]), pats[0]))
    for pattern, plain in singles:
        if len(plain) >= 3 and plain not in _EVERYDAY_WORDS:
            free.append((len(plain), pattern))
    return free, titled


def _alternation(weighted: Iterable[tuple[int, str]]) -> str:
    ordered = sorted(set(weighted), key=lambda wp: (-wp[0], wp[1]))
    return "|".join(p for _, p in ordered)


@dataclass(frozen=True)
class _Scrubber:
    #: (pattern, replacement, whether the pattern is matched on the folded text)
    rules: tuple[tuple[re.Pattern, str | Callable, bool], ...]

    def __call__(self, texts: pd.Series) -> pd.Series:
        out = texts
        for pattern, replacement, folded in self.rules:  # a loop over a few rules; each runs over all texts
            if not folded:
                out = out.str.replace(pattern, replacement, regex=True)
                continue
            hits = out.str.translate(_FOLD).str.contains(pattern, regex=True)
            if hits.any():
                out = out.copy()
                out[hits] = [_substitute_folded(text, pattern, replacement) for text in out[hits]]
        return out


def _substitute_folded(text: str, pattern: re.Pattern, replacement: str) -> str:
    """``text`` with every match of ``pattern`` in its folded form replaced (a loop over the
    matches of one text: folding keeps every character's place, so spans carry over)."""
    pieces, last = [], 0
    for match in pattern.finditer(text.translate(_FOLD)):
        pieces += [text[last:match.start()], replacement]
        last = match.end()
    return "".join(pieces) + text[last:]


_PROFILE = re.compile(
    r"(?<![\w.\-/])(?:https?://)?(?:www\.|m\.|mobile\.|web\.|[a-z]{2}-[a-z]{2}\.)?"
    r"(?:twitter\.com|x\.com|facebook\.com|fb\.com|fb\.me|instagram\.com|linkedin\.com|tiktok\.com|"
    r"threads\.net|threads\.com|bsky\.app|youtube\.com|youtu\.be|mastodon\.social)"
    r"/[^\s<>\"'()\[\]{}]*[^\s<>\"'()\[\]{}.,;:!?]",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"(?<![\w.%+\-'’])[\w.%+\-'’]+@[\w\-]+(?:\.[\w\-]+)*\.[A-Za-z]{2,}(?![\w\-])")
_HANDLE = re.compile(r"(?<![\w@.])@[A-Za-z0-9_](?:[A-Za-z0-9_.]*[A-Za-z0-9_])?")
_PHONE = re.compile(r"(?<![\w+])(?:\+|00|\(0|0)[\d\s().\-]{7,}\d(?![\w])")


def _phone(match: re.Match) -> str:
    digits = sum(ch.isdigit() for ch in match.group(0))
    return PHONE_REMOVED if 9 <= digits <= 15 else match.group(0)


def _scrubber(people: pd.DataFrame) -> _Scrubber:
    return _compiled_scrubber(_roster(people))


@functools.lru_cache(maxsize=16)
def _compiled_scrubber(roster: _Roster) -> _Scrubber:
    """The rules for one roster, built once (compiling the name patterns takes a moment)."""
    rules: list[tuple[re.Pattern, str | Callable, bool]] = [
        (_PROFILE, HANDLE_REMOVED, False),
        (_EMAIL, EMAIL_REMOVED, False),
        (_HANDLE, HANDLE_REMOVED, False),
    ]
    bare = [(len(h), _token_pattern(h)) for h in roster.handles if len(h) >= 3]
    bare += [(len(p), _SEPARATOR.join(_token_pattern(t) for t in p.split())) for p in roster.pages
             if len(p) >= 3]
    if bare:
        rules.append((re.compile(_BEFORE + "@?(?:" + _alternation(bare) + ")" + _AFTER, re.IGNORECASE),
                      HANDLE_REMOVED, True))
    rules.append((_PHONE, _phone, False))
    free, titled = [], []
    for name in roster.names:  # a loop over the roster's names (a few per person)
        optional, needs = _name_alternatives(name)
        free.extend(optional)
        titled.extend(needs)
    parts = []
    if free:
        parts.append(_TITLE + "?(?:" + _alternation(free) + ")")
    if titled:
        parts.append(_TITLE + "(?:" + _alternation(titled) + ")")
    if parts:
        rules.append((re.compile(_BEFORE + "(?:" + "|".join(parts) + ")" + _AFTER, re.IGNORECASE),
                      NAME_REMOVED, True))
    return _Scrubber(tuple(rules))


def scrub_series(texts: pd.Series, people: pd.DataFrame) -> pd.Series:
    """Remove personal data from free-text answers before they are quoted.

    What is replaced, in this order:

    1. links to social-media profiles (x.com, twitter.com, facebook.com, instagram.com,
       linkedin.com, tiktok.com, threads, bsky.app, youtube) → ``[handle removed]``;
    2. every email address → ``[email removed]``;
    3. every ``@handle`` → ``[handle removed]``, and the roster's handles, Facebook pages and
       one-word aliases written without ``@``;
    4. phone numbers (starting ``+``, ``00`` or ``0``, 9 to 15 digits) → ``[phone removed]``;
    5. the roster's names → ``[name removed]``, with any title before them (``Cllr``,
       ``Councillor``, ``Mr``, ``Dr``, …): the full name, first and last name, "Last, First",
       initial and last name (``J. Smith``), a title with the surname or with one part of a
       double-barrelled surname (``Cllr Smith``, ``Cllr Davies``), and a first name or
       surname on its own when it has at least three letters and is not an everyday word
       (``Will``, ``Grace``, ``Ward``, ``Green``, ``Bell`` … are scrubbed only inside a fuller
       name or after a title). Name aliases of the roster count as names.

    Matching ignores case and accents (``Siân`` = ``Sian``), and allows for apostrophes and
    hyphens written differently or not at all (``O'Neill``, ``O’Neill``, ``ONeill``,
    ``Davies-Jones``, ``Davies Jones``). Names match whole words only: ``Smithfield`` stays.
    A possessive keeps its ending (``Jane's`` → ``[name removed]'s``). When in doubt a word is
    scrubbed: a quote that reads a little oddly is better than one that names a person.
    Nicknames are only known through the roster's ``aliases``. Texts come back in Unicode
    NFC form (accented letters composed), which reads the same.

    Parameters
    ----------
    texts : pandas.Series
        Free-text answers (comments); missing values stay missing. Not changed.
    people : pandas.DataFrame
        The people to protect: the canonical ``participants`` table with the roster's
        ``aliases`` (semicolon-joined text or lists); columns ``display_name`` (or
        ``name``), ``email``, ``x_handle``, ``facebook_page``, ``aliases`` as present.

    Returns
    -------
    pandas.Series
        The scrubbed texts (object dtype, same index and name).

    Examples
    --------
    >>> people = pd.DataFrame({"display_name": ["Jane Smith", "Siân O'Neill"],
    ...     "email": ["jane.smith@suffolk.gov.uk", None], "x_handle": ["CllrJaneSmith", None],
    ...     "facebook_page": [None, None], "aliases": [None, None]})
    >>> comments = pd.Series(["Thanks to Cllr Smith and jane.smith@suffolk.gov.uk!",
    ...                       "@CllrJaneSmith's tweets", "Siân O’Neill said…",
    ...                       "Met at Smithfield market", None])
    >>> scrub_series(comments, people).tolist()
    ['Thanks to [name removed] and [email removed]!', "[handle removed]'s tweets", '[name removed] said…', 'Met at Smithfield market', None]
    """
    if not isinstance(texts, pd.Series):
        texts = pd.Series(texts, dtype="object")
    values = texts.astype("object")
    missing = values.isna()
    text = values.where(missing, values.astype(str)).astype("object")
    text = text.where(missing, text.str.normalize("NFC")).astype("object")
    present = text[~missing]
    if len(present):
        present = _scrubber(people)(present.astype("object"))
    out = text.copy()
    out[~missing] = present.astype("object")
    out = out.where(~missing, None).astype("object")
    out.name = texts.name
    return out


def scrub_text(text: str, people: pd.DataFrame) -> str:
    """:func:`scrub_series` for one text.

    >>> people = pd.DataFrame({"display_name": ["Kevin Broadbent"], "email": [None],
    ...     "x_handle": [None], "facebook_page": [None], "aliases": ["Kev Broadbent; 07700 900123"]})
    >>> scrub_text("Kev Broadbent (call 07700 900 123) and Cllr. Broadbent's team", people)
    "[name removed] (call [phone removed]) and [name removed]'s team"
    """
    if text is None:
        return None
    return scrub_series(pd.Series([text], dtype="object"), people).iloc[0]


def personal_terms(people: pd.DataFrame) -> list[str]:
    """Every name, email, handle and page a published report must never contain.

    Names as the roster writes them and without titles or accents, full names as first and
    last name, emails, handles (without ``@``), Facebook pages and all aliases. First names
    or surnames on their own are not listed (many are everyday words); compare
    case-insensitively.

    >>> people = pd.DataFrame({"display_name": ["Cllr Siân Davies-Jones", "Paul O'Brien"],
    ...     "email": ["sian.davies-jones@solihull.gov.uk", "paul.obrien@leeds.gov.uk"],
    ...     "x_handle": ["@SianDJGreen", None], "facebook_page": [None, "PaulOBrienCouncillor"],
    ...     "aliases": ["siandj.green@gmail.com", None]})
    >>> personal_terms(people)  # doctest: +NORMALIZE_WHITESPACE
    ['Cllr Sian Davies-Jones', 'Cllr Siân Davies-Jones', "Paul O'Brien", 'paul.obrien@leeds.gov.uk',
     'PaulOBrienCouncillor', 'Sian Davies-Jones', 'sian.davies-jones@solihull.gov.uk',
     'siandj.green@gmail.com', 'SianDJGreen', 'Siân Davies-Jones']
    """
    roster = _roster(people)
    names = pd.Series(list(roster.names) + list(roster.raw_names), dtype="object")
    folded = fold_accents(names) if len(names) else names
    cleaned = pd.Series(list(roster.names), dtype="object")
    first_last = cleaned.str.replace(r"^(\S+)\s+(?:\S+\s+)+(\S+)$", r"\1 \2", regex=True) \
        if len(cleaned) else cleaned
    terms = {t.strip() for t in pd.concat([names, folded, first_last]).dropna().astype(str)}
    terms |= set(roster.emails) | set(roster.handles) | set(roster.pages) | set(roster.phones)
    terms = {t for t in terms if len(t) >= 3}
    return sorted(terms, key=lambda s: (s.lower(), s))
