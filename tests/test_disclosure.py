"""Disclosure control and name scrubbing (evalkit.disclosure).

Every expected cell below is worked out by hand in the comment beside it, following the rules
in the module docstring: counts 1..threshold−1 are withheld; a line (row, column or group
with a known total) never keeps exactly one withheld cell — the partner is the smallest
non-zero cell of the line, preferring one whose other line also needs a partner, body cells
before totals.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evalkit.disclosure import (
    SUPPRESSED,
    method_note,
    personal_terms,
    scrub_series,
    scrub_text,
    suppress_counts,
    suppress_result_rows,
    suppression_mask,
)

ROOT = Path(__file__).resolve().parents[1]
C = SUPPRESSED


# =========================================================================== count tables

def test_a_small_cell_gets_exactly_one_partner_in_its_row():
    # row totals shown, no column totals: only rows are lines.
    # Keen: 3 < 5 is withheld; its row partner is the smallest non-zero other cell, 7
    # (not the total 19). Other rows have nothing small and stay as they are.
    table = pd.DataFrame({"rating": ["Keen", "Unsure", "Against"],
                          "before": [3, 10, 6], "during": [7, 12, 5], "after": [9, 8, 11],
                          "total": [19, 30, 22]})
    safe = suppress_counts(table, ["before", "during", "after"], threshold=5, row_total="total")
    assert safe.display.to_dict("list") == {
        "rating": ["Keen", "Unsure", "Against"],
        "before": [C, "10", "6"], "during": [C, "12", "5"], "after": ["9", "8", "11"],
        "total": ["19", "30", "22"],
    }
    assert safe.primary.to_numpy().sum() == 1 and safe.primary.loc[0, "before"]
    assert safe.secondary.to_numpy().sum() == 1 and safe.secondary.loc[0, "during"]
    # the input is not changed
    assert table.loc[0, "before"] == 3


def test_with_row_and_column_totals_a_rectangle_closes():
    # yes/no by place, totals both ways. 3 (North, yes) is small.
    # round 1, row North: partners 6 or total 9 → 6 (body before total)
    # round 2, column yes (one withheld): 8, 20 or total 31 → 8 (smallest)
    # round 3, row South (8 alone): 10 lies in column "no", which also has one (6) → 10
    # now every row and column holds two withheld cells or none: 1 primary + 3 partners.
    table = pd.DataFrame({"place": ["North", "South", "East", "Total"],
                          "yes": [3, 8, 20, 31], "no": [6, 10, 25, 41], "total": [9, 18, 45, 72]})
    safe = suppress_counts(table, ["yes", "no"], threshold=5, row_total="total",
                           column_total_row="Total")
    assert safe.display["yes"].tolist() == [C, C, "20", "31"]
    assert safe.display["no"].tolist() == [C, C, "25", "41"]
    assert safe.display["total"].tolist() == ["9", "18", "45", "72"]
    assert safe.suppressed.to_numpy().sum() == 4
    assert safe.primary.to_numpy().sum() == 1


def test_a_case_that_needs_several_rounds_and_avoids_zeros():
    # x, y, z by group with both totals; only A.x = 3 is small.
    #   A: 3  6 12 | 21      round 1 row A: 6 (12 and 21 are bigger)
    #   B: 0  9  7 | 16      round 2 col x: 8 (0 is a zero, 11 a total)
    #   C: 8  0 10 | 18      round 3 row C: 10 (the 0 in column y would close col y,
    #   T: 11 15 29 | 55             but zeros come last)
    #   round 4 col y: 9 (row B);  round 5 row B: 7 (column z also needs one) → closed.
    # Six cells form a cycle A.x-A.y-B.y-B.z-C.z-C.x, so no cell is determined either.
    table = pd.DataFrame({"x": [3, 0, 8, 11], "y": [6, 9, 0, 15], "z": [12, 7, 10, 29],
                          "total": [21, 16, 18, 55]},
                         index=pd.Index(["A", "B", "C", "Total"], name="group"))
    safe = suppress_counts(table, ["x", "y", "z"], threshold=5, row_total="total",
                           column_total_row="Total")
    assert safe.display.loc["A"].tolist() == [C, C, "12", "21"]
    assert safe.display.loc["B"].tolist() == ["0", C, C, "16"]
    assert safe.display.loc["C"].tolist() == [C, "0", C, "18"]
    assert safe.display.loc["Total"].tolist() == ["11", "15", "29", "55"]
    assert safe.secondary.to_numpy().sum() == 5
    assert safe.display.index.name == "group"


def test_zeros_are_shown_and_used_as_partners_only_when_nothing_else_is_left():
    # threshold 5, row totals known from outside the table (totals="rows").
    # row 1: 0 and 7 and 9: nothing small, zero shown.
    # row 2: 4 and 0: 4 is small; its only partner is the zero → withheld too.
    table = pd.DataFrame({"agree": [0, 4], "disagree": [7, 0], "unsure": [9, 0]},
                         index=["w1", "w2"])
    safe = suppress_counts(table, ["agree", "disagree", "unsure"], threshold=5, totals="rows")
    assert safe.display.loc["w1"].tolist() == ["0", "7", "9"]
    assert safe.display.loc["w2"].tolist() == [C, C, "0"]
    assert safe.primary.loc["w2"].tolist() == [True, False, False]
    # without known totals only the small cell itself goes
    alone = suppress_counts(table, ["agree", "disagree", "unsure"], threshold=5)
    assert alone.display.loc["w2"].tolist() == [C, "0", "0"]


def test_small_totals_are_withheld_too():
    # the row "Green" has 1 + 2 = 3 people: both cells and the total are small; Labour's
    # 4 is small too. Row Labour then holds one withheld cell: partner 6 (a body cell,
    # before the total 10). Columns "came" (1, 4) and "did not come" (2, 6) hold two each;
    # the column of totals holds only 3 → partner 10 (smaller than 15 and the grand 28).
    table = pd.DataFrame({"party": ["Green", "Labour", "Conservative", "All"],
                          "came": [1, 4, 9, 14], "did not come": [2, 6, 6, 14],
                          "total": [3, 10, 15, 28]})
    safe = suppress_counts(table, ["came", "did not come"], threshold=5, row_total="total",
                           column_total_row="All")
    assert safe.primary["total"].tolist() == [True, False, False, False]
    assert safe.primary["came"].tolist() == [True, True, False, False]
    assert safe.secondary.to_numpy().sum() == 2
    assert safe.display["came"].tolist() == [C, C, "9", "14"]
    assert safe.display["did not come"].tolist() == [C, C, "6", "14"]
    assert safe.display["total"].tolist() == [C, C, "15", "28"]


def test_shares_follow_their_counts():
    # attendees by role with the column total shown: officer 3 is small, the other body
    # cell nearest in size is 6 (other) → both shares go too; the councillor share stays.
    table = pd.DataFrame({"role": ["councillor", "officer", "other", "Total"],
                          "k": [12, 3, 6, 21], "share": [12 / 21, 3 / 21, 6 / 21, 1.0]})
    safe = suppress_counts(table, ["k"], threshold=5, column_total_row="Total",
                           share_columns={"share": "k"})
    assert safe.display["k"].tolist() == ["12", C, C, "21"]
    assert safe.display["share"].tolist() == ["57%", C, C, "100%"]
    assert safe.suppressed["share"].tolist() == [False, True, True, False]


def test_a_share_goes_when_its_row_total_goes():
    table = pd.DataFrame({"yes": [3, 20], "no": [1, 25], "total": [4, 45],
                          "share_yes": [0.75, 20 / 45]}, index=["small", "large"])
    safe = suppress_counts(table, ["yes", "no"], threshold=5, row_total="total",
                           share_columns={"share_yes": "yes"})
    assert safe.display.loc["small"].tolist() == [C, C, C, C]
    assert safe.display.loc["large"].tolist() == ["20", "25", "45", "44%"]


def test_thousands_are_written_with_separators():
    safe = suppress_counts(pd.DataFrame({"posts": [1234, 0]}), ["posts"], threshold=5)
    assert safe.display["posts"].tolist() == ["1,234", "0"]


@pytest.mark.parametrize("bad, shown", [(-1, "-1"), (2.5, "2.5"), (None, "None"), ("many", "'many'")])
def test_counts_that_are_not_counts_are_refused_by_name(bad, shown):
    table = pd.DataFrame({"k": [12, bad]}, index=["councillor", "officer"], dtype="object")
    with pytest.raises(ValueError) as error:
        suppress_counts(table, ["k"], threshold=5)
    message = str(error.value)
    assert "'k'" in message and "'officer'" in message and shown in message


def test_bad_arguments_are_refused():
    table = pd.DataFrame({"k": [1, 2]})
    with pytest.raises(ValueError, match="threshold"):
        suppress_counts(table, ["k"], threshold=0)
    with pytest.raises(ValueError, match="totals"):
        suppress_counts(table, ["k"], threshold=5, totals="some")
    with pytest.raises(ValueError, match="no column 'm'"):
        suppress_counts(table, ["m"], threshold=5)
    with pytest.raises(ValueError, match="no row labelled 'All'"):
        suppress_counts(table, ["k"], threshold=5, column_total_row="All")


def _lines(n_rows: int, n_cols: int):
    """Rows and columns of a table whose last row and column are totals, as lists of cells."""
    rows = [[(r, c) for c in range(n_cols)] for r in range(n_rows)]
    cols = [[(r, c) for r in range(n_rows)] for c in range(n_cols)]
    return rows + cols


def _determined_cells(suppressed: np.ndarray, body_rows: int, body_cols: int) -> list:
    """Withheld cells that linear algebra recovers from the shown cells (independent check:
    cell i is determined when adding e_i to the relations does not raise their rank)."""
    unknown = [tuple(x) for x in np.argwhere(suppressed)]
    if not unknown:
        return []
    pos = {cell: i for i, cell in enumerate(unknown)}
    relations = []
    for r in range(body_rows + 1):        # each row: body cells − total = 0
        row = np.zeros(len(unknown))
        for c in range(body_cols):
            if (r, c) in pos:
                row[pos[(r, c)]] += 1
        if (r, body_cols) in pos:
            row[pos[(r, body_cols)]] -= 1
        relations.append(row)
    for c in range(body_cols + 1):        # each column likewise
        row = np.zeros(len(unknown))
        for r in range(body_rows):
            if (r, c) in pos:
                row[pos[(r, c)]] += 1
        if (body_rows, c) in pos:
            row[pos[(body_rows, c)]] -= 1
        relations.append(row)
    matrix = np.array(relations)
    rank = np.linalg.matrix_rank(matrix)
    found = []
    for cell, i in pos.items():
        unit = np.zeros(len(unknown))
        unit[i] = 1
        if np.linalg.matrix_rank(np.vstack([matrix, unit])) == rank:
            found.append(cell)
    return found


def test_a_bridge_between_two_closed_rectangles_is_found_by_the_algebra_check():
    # Closing rows and columns one at a time withholds r0/r2 × b/c (around the 1) and
    # r3, r4, r5 × a/d with r3.c — every row and column then has two or more withheld
    # cells, yet r3.a and r3.c follow from the totals: rows r0, r2 minus columns b, c
    # leave r3.c alone. The linear-algebra check sees this and withholds more.
    body = pd.DataFrame([[30, 10, 10, 10], [6, 15, 8, 5], [0, 5, 1, 0], [5, 10, 2, 10],
                         [5, 0, 30, 3], [2, 10, 0, 8]], columns=list("abcd"),
                        index=[f"r{i}" for i in range(6)])
    table = body.assign(total=body.sum(axis=1))
    table.loc["T"] = table.sum(axis=0)
    columns = list(table.columns)
    safe = suppress_counts(table, columns, threshold=5, row_total="total", column_total_row="T")
    suppressed = safe.suppressed[columns].to_numpy()
    assert suppressed[[0, 0, 2, 2], [1, 2, 1, 2]].all()
    assert _determined_cells(suppressed, 6, 4) == []
    for line in _lines(7, 5):
        assert sum(suppressed[cell] for cell in line) != 1


small_counts = st.integers(min_value=0, max_value=12)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), threshold=st.integers(min_value=2, max_value=7))
def test_no_withheld_cell_can_be_recovered(data, threshold):
    n_rows = data.draw(st.integers(min_value=1, max_value=6), label="rows")
    n_cols = data.draw(st.integers(min_value=1, max_value=5), label="columns")
    body = np.array(data.draw(st.lists(st.lists(small_counts, min_size=n_cols, max_size=n_cols),
                                       min_size=n_rows, max_size=n_rows), label="counts"))
    full = np.zeros((n_rows + 1, n_cols + 1), dtype=int)
    full[:n_rows, :n_cols] = body
    full[:n_rows, n_cols] = body.sum(axis=1)
    full[n_rows, :] = full[:n_rows, :].sum(axis=0)
    columns = [f"c{j}" for j in range(n_cols)] + ["total"]
    table = pd.DataFrame(full, columns=columns, index=[f"r{i}" for i in range(n_rows)] + ["Total"])

    safe = suppress_counts(table, columns, threshold=threshold, row_total="total",
                           column_total_row="Total")
    suppressed = safe.suppressed[columns].to_numpy()

    # every small count (totals included) is withheld
    small = (full >= 1) & (full < threshold)
    assert np.all(suppressed[small])
    assert np.array_equal(safe.primary[columns].to_numpy(), small)
    # no row or column (with its total) holds exactly one withheld cell
    for line in _lines(n_rows + 1, n_cols + 1):
        assert sum(suppressed[cell] for cell in line) != 1, line
    # and no withheld cell follows from any combination of the shown totals
    assert _determined_cells(suppressed, n_rows, n_cols) == []
    # the display agrees with the mask
    shown = safe.display[columns].to_numpy()
    assert np.array_equal(shown == C, suppressed)
    assert all(shown[i, j] == f"{full[i, j]:,}" for i, j in np.argwhere(~suppressed))


# =========================================================================== result frames

def _attendees():
    return pd.DataFrame({
        "level": ["participation"] * 3, "measure": ["attendees"] * 3, "pilot_id": ["p"] * 3,
        "group": ["councillor", "officer", "other"], "n": [20, 20, 20],
        "estimate": [0.45, 0.15, 0.40], "ci_low": [0.26, 0.05, 0.22], "ci_high": [0.66, 0.36, 0.61],
        "p_value": [np.nan] * 3, "method": ["share of everyone present"] * 3,
        "session_id": ["w1"] * 3, "k": [9, 3, 8],
    })


def test_attendees_by_role_small_role_and_its_partner():
    # k 9 + 3 + 8 = 20 = n: one group. Officer 3 is small; the partner is the smallest
    # other k, 8 (not n, a total). Councillor stays: 9 of 20, 45%.
    results = _attendees()
    shown = suppress_result_rows(results, threshold=5, formats={"estimate": "{:.0%}"})
    assert shown["k"].tolist() == ["9", C, C]
    assert shown["estimate"].tolist() == ["45%", C, C]
    assert shown["ci_low"].tolist() == ["0.26", C, C]
    assert shown["n"].tolist() == ["20", "20", "20"]
    assert shown["p_value"].tolist() == ["", "", ""]      # missing stays missing
    assert shown["suppressed"].tolist() == [False, True, True]
    assert shown["group"].tolist() == ["councillor", "officer", "other"]
    # never changes its input
    pd.testing.assert_frame_equal(results, _attendees())


def test_rows_resting_on_few_people_show_nothing_but_the_design():
    results = pd.DataFrame({
        "measure": ["sessions attended (median)", "minutes present"], "pilot_id": ["p", "p"],
        "group": ["all eligible", "present online"], "n": [4, 12], "estimate": [2.5, 55.0],
        "ci_low": [1.0, 40.0], "ci_high": [3.0, 60.0], "q1": [1.5, 45.0], "q3": [3.0, 58.5],
        "ci_level": [0.875, 0.961], "sessions_total": [3, np.nan], "session_minutes": [np.nan, 60.0],
    })
    shown = suppress_result_rows(results, threshold=5)
    assert shown.loc[0, ["n", "estimate", "ci_low", "ci_high", "q1", "q3", "ci_level"]].tolist() == [C] * 7
    assert shown.loc[0, "sessions_total"] == "3"
    assert shown.loc[1, ["n", "estimate", "ci_low", "ci_high", "q1", "q3"]].tolist() == \
        ["12", "55", "40", "60", "45", "58.5"]
    assert shown.loc[1, "session_minutes"] == "60"


def test_per_session_rows_and_their_all_sessions_row():
    # share agreeing: w1 3 of 5, w3 3 of 3, all sessions 6 of 8 (5 + 3 = 8 and 3 + 3 = 6).
    # w1: k 3 small; w3: n 3 and k 3 small. k line: 3 + 3 = 6, two withheld → fine.
    # n line: 5 + [c] = 8 would give the 3 away → n of w1 withheld → its row shows nothing
    # (a row without n shows no statistic). The all-sessions row stays whole.
    results = pd.DataFrame({
        "measure": ["share agree"] * 3, "pilot_id": ["p"] * 3, "group": ["those who answered"] * 3,
        "session_id": ["w1", "w3", None], "item_id": ["useful"] * 3, "n": [5, 3, 8], "k": [3, 3, 6],
        "estimate": [0.6, 1.0, 0.75], "median": [4.0, 5.0, 4.0], "mean": [3.6, 4.67, 4.0],
        "threshold": [4.0, 4.0, 4.0],
    })
    shown = suppress_result_rows(results, threshold=5)
    assert shown["n"].tolist() == [C, C, "8"]
    assert shown["k"].tolist() == [C, C, "6"]
    assert shown["estimate"].tolist() == [C, C, "0.75"]
    assert shown["median"].tolist() == [C, C, "4"]
    assert shown["threshold"].tolist() == ["4", "4", "4"]


def test_a_small_k_with_enough_answers_keeps_the_medians():
    results = pd.DataFrame({"measure": ["share agree"], "pilot_id": ["p"], "n": [12], "k": [4],
                            "estimate": [1 / 3], "ci_low": [0.14], "ci_high": [0.61],
                            "median": [3.0], "mean": [3.2]})
    shown = suppress_result_rows(results, threshold=5)
    assert shown.loc[0, ["n", "k", "estimate", "ci_low", "ci_high", "median", "mean"]].tolist() == \
        ["12", C, C, C, C, "3", "3.2"]


def test_counts_inside_a_row_add_up():
    # n 12 = n_zero 0 + n_improved 11 + n_worse 1: n_worse is small; its partner is the
    # non-zero 11 (n_improved), which takes share_improved and its interval with it.
    results = pd.DataFrame({
        "measure": ["change pre to post"], "pilot_id": ["p"], "item_id": ["posting"], "n": [12],
        "estimate": [1.0], "ci_low": [0.5], "ci_high": [1.5], "p_value": [0.001],
        "n_missing": [2], "n_zero": [0], "n_improved": [11], "n_worse": [1],
        "share_improved": [11 / 12], "share_improved_ci_low": [0.65], "share_improved_ci_high": [0.99],
        "median_before": [2.0], "median_after": [3.0],
    })
    shown = suppress_result_rows(results, threshold=5)
    row = shown.iloc[0]
    assert [row["n_missing"], row["n_zero"], row["n_improved"], row["n_worse"]] == [C, "0", C, C]
    assert [row["share_improved"], row["share_improved_ci_low"], row["share_improved_ci_high"]] == [C] * 3
    assert [row["n"], row["estimate"], row["p_value"], row["median_before"]] == ["12", "1", "0.001", "2"]


def test_a_small_comparison_group_withholds_the_difference():
    # n 8 = 6 cohort + 2 comparison: the comparison group is small → its count, its mean
    # change and the difference (estimate, interval) are withheld; the cohort count is the
    # partner of the comparison count (before the total n); the cohort's mean change stays.
    results = pd.DataFrame({
        "measure": ["posts a week"], "pilot_id": ["p"], "platform": ["x"], "n": [8],
        "estimate": [0.5], "ci_low": [-0.2], "ci_high": [1.1], "n_cohort": [6], "n_comparison": [2],
        "mean_change_cohort": [1.0], "mean_change_comparison": [0.5],
    })
    shown = suppress_result_rows(results, threshold=5)
    row = shown.iloc[0]
    assert [row["n"], row["n_cohort"], row["n_comparison"]] == ["8", C, C]
    assert [row["estimate"], row["ci_low"], row["ci_high"]] == [C] * 3
    assert [row["mean_change_cohort"], row["mean_change_comparison"]] == ["1", C]


def test_attrition_rows_share_their_counts():
    # one of 6 did not answer at post: k = n_non_completers = 1 is small; its partner in
    # n = completers + non-completers is n_completers (5). Both rows carry the same counts,
    # so both hide them; the baseline comparison rests on one non-completer → withheld, but
    # the completers' median (5 people) stays.
    results = pd.DataFrame({
        "level": ["learning", "learning"], "measure": ["missing at post", "baseline: completers vs non-completers"],
        "pilot_id": ["p", "p"], "group": ["answered pre", "completers minus non-completers"],
        "n": [6, 6], "k": [1, np.nan], "estimate": [1 / 6, 1.0], "ci_low": [0.03, 0.0],
        "ci_high": [0.56, 2.5], "p_value": [np.nan, 0.83], "n_unlinked": [0, 0],
        "n_completers": [5, 5], "n_non_completers": [1, 1],
        "median_completers": [np.nan, 2.5], "median_non_completers": [np.nan, 1.5],
    })
    shown = suppress_result_rows(results, threshold=5)
    assert shown["k"].tolist() == [C, ""]
    assert shown["n_completers"].tolist() == [C, C]
    assert shown["n_non_completers"].tolist() == [C, C]
    assert shown["n_unlinked"].tolist() == ["0", "0"]
    assert shown["n"].tolist() == ["6", "6"]
    assert shown["estimate"].tolist() == [C, C]
    assert shown["p_value"].tolist() == ["", C]
    assert shown["median_completers"].tolist() == ["", "2.5"]
    assert shown["median_non_completers"].tolist() == ["", C]


def test_complements_option_hides_all_but_a_few():
    results = pd.DataFrame({"measure": ["turnout"], "pilot_id": ["p"], "n": [15], "k": [14],
                            "estimate": [14 / 15]})
    assert suppress_result_rows(results, threshold=5)["k"].tolist() == ["14"]
    hidden = suppress_result_rows(results, threshold=5, complements=True)
    assert hidden.loc[0, ["n", "k", "estimate"]].tolist() == ["15", C, C]


def test_as_values_keeps_numbers_for_the_caller_to_round():
    shown = suppress_result_rows(_attendees(), threshold=5, as_text=False)
    assert shown["k"].tolist() == [9, C, C]
    assert shown["estimate"].tolist() == [0.45, C, C]
    assert shown["p_value"].tolist() == [None, None, None]
    mask = suppression_mask(_attendees(), threshold=5)
    assert mask["k"].tolist() == [False, True, True]
    assert list(mask.columns) == list(_attendees().columns)


def test_index_is_kept_and_empty_frames_pass():
    results = _attendees().set_axis(["a", "b", "c"])
    assert list(suppress_result_rows(results, threshold=5).index) == ["a", "b", "c"]
    empty = _attendees().iloc[:0]
    assert suppress_result_rows(empty, threshold=5).empty


def test_published_counts_from_the_analysis_are_never_small():
    from evalkit import analysis
    from evalkit.analysis.examples import example_tables

    t = example_tables()
    results = pd.concat([
        analysis.participation_summary(t["sessions"], t["attendance"], t["participants"]),
        analysis.reaction_summary(t["responses"]),
        analysis.learning_summary(t["responses"]),
    ], ignore_index=True)
    shown = suppress_result_rows(results, threshold=5)
    for column in ("n", "k", "n_missing", "n_zero", "n_improved", "n_worse", "n_completers",
                   "n_non_completers"):
        values = shown[column][~shown[column].isin([C, ""])].str.replace(",", "").astype(int)
        assert not values.between(1, 4).any(), column
    # the example pilot: at workshop 1 the officer and the unlinked guest are one each
    w1 = shown[(shown["measure"] == "attendees") & (shown["session_id"] == "w1")]
    assert w1.set_index("group")["k"].to_dict() == {"councillor": "5", "officer": C, "unlinked": C}


def test_method_note_is_one_plain_paragraph():
    note = method_note(5)
    assert "\n" not in note
    assert "fewer than 5" in note and "1 to 4" in note and "[c]" in note
    assert "complementary suppression" in note and "at least 5 people" in note
    assert "1 to 9" in method_note(10)
    with pytest.raises(ValueError):
        method_note(0)


# =========================================================================== scrubbing

def _people():
    return pd.DataFrame({
        "participant_id": ["P1", "P2", "P3", "P4", "P5"],
        "display_name": ["Jane Smith", "Siân O'Neill", "Cllr Siân Davies-Jones", "Niamh Ward",
                         "Priya Sharma (Lab)"],
        "email": ["jane.smith@suffolk.gov.uk", None, "sian.davies-jones@solihull.gov.uk", None,
                  "priya.sharma@leeds.gov.uk"],
        "x_handle": ["CllrJaneSmith", None, "@SianDJGreen", None, "CllrPriyaSharma"],
        "facebook_page": [None, "Cllr Siân O'Neill", None, None, None],
        "aliases": ["jane.smith@eastsuffolk.gov.uk", None, "siandj.green@gmail.com", None,
                    "priyasharma73@gmail.com; Cllr P Sharma; +44 7700 900123"],
    })


@pytest.mark.parametrize("text, expected", [
    ("Thanks to Cllr Smith and jane.smith@suffolk.gov.uk!", "Thanks to [name removed] and [email removed]!"),
    ("@CllrJaneSmith's tweets", "[handle removed]'s tweets"),
    ("Siân O’Neill said…", "[name removed] said…"),
    ("We met at Smithfield market", "We met at Smithfield market"),
    ("SIAN O'NEILL and sian oneill and Sian O Neill", "[name removed] and [name removed] and [name removed]"),
    ("Jane's idea, then JANE SMITH's", "[name removed]'s idea, then [name removed]'s"),
    ("Cllr. J. Smith; Smith, Jane; Councillor Jane Smith", "[name removed]; [name removed]; [name removed]"),
    ("Sian Davies Jones, Cllr Davies-Jones and Councillor Davies", "[name removed], [name removed] and [name removed]"),
    ("Niamh Ward spoke about her ward", "[name removed] spoke about her ward"),
    ("Cllr Ward and the Green group", "[name removed] and the Green group"),
    ("Cllr P Sharma (or P. Sharma) phoned from +44 7700 900123",
     "[name removed] (or [name removed]) phoned from [phone removed]"),
    ("ring 07700 900 123 or (0113) 496 0000", "ring [phone removed] or [phone removed]"),
    ("17 of 69 came; 2019 2020 2021; 12,345 views", "17 of 69 came; 2019 2020 2021; 12,345 views"),
    ("see https://x.com/CllrJaneSmith?lang=en and facebook.com/someone.else/",
     "see [handle removed] and [handle removed]"),
    ("follow CllrPriyaSharma and @anyone_else too", "follow [handle removed] and [handle removed] too"),
    ("the page Cllr Siân O'Neill posted", "the page [handle removed] posted"),
    ("details on https://www.suffolk.gov.uk/council", "details on https://www.suffolk.gov.uk/council"),
    ("write to priyasharma73@gmail.com or anyone@example.org.", "write to [email removed] or [email removed]."),
])
def test_scrub_text(text, expected):
    assert scrub_text(text, _people()) == expected


def test_scrub_series_keeps_missing_values_index_and_input():
    people = _people()
    texts = pd.Series(["Jane was great", None, "nothing personal"], index=[10, 20, 30], name="text")
    before = texts.copy()
    out = scrub_series(texts, people)
    assert out.tolist() == ["[name removed] was great", None, "nothing personal"]
    assert list(out.index) == [10, 20, 30] and out.name == "text"
    pd.testing.assert_series_equal(texts, before)
    pd.testing.assert_frame_equal(people, _people())


def test_scrub_works_on_a_roster_read_as_it_is():
    roster = pd.read_csv(ROOT / "data" / "sample" / "solihull" / "roster.csv", dtype=str)
    text = "Sian Davies-Jones (SianDJGreen) and Paul Bell's posts"
    assert scrub_text(text, roster) == "[name removed] ([handle removed]) and [name removed]'s posts"


def test_personal_terms_lists_names_emails_handles_and_aliases():
    terms = personal_terms(_people())
    for term in ("Jane Smith", "jane.smith@suffolk.gov.uk", "CllrJaneSmith", "Siân O'Neill",
                 "Sian O'Neill", "Siân Davies-Jones", "SianDJGreen", "siandj.green@gmail.com",
                 "Cllr Siân O'Neill", "Priya Sharma", "Cllr P Sharma", "+44 7700 900123",
                 "jane.smith@eastsuffolk.gov.uk", "Niamh Ward"):
        assert term in terms, term
    # single first names or surnames are not listed: "Ward" is an everyday word
    assert "Ward" not in terms and "Jane" not in terms
    assert all("@" != t[0] for t in terms)


def test_every_personal_term_of_the_sample_rosters_is_scrubbed():
    for roster_file in sorted((ROOT / "data" / "sample").glob("*/roster.csv")):
        roster = pd.read_csv(roster_file, dtype=str)
        terms = personal_terms(roster)
        assert len(terms) >= len(roster)
        sentences = pd.Series([f"A note about {t}, thanks!" for t in terms])
        scrubbed = scrub_series(sentences, roster)
        for term, text in zip(terms, scrubbed):
            assert term.lower() not in text.lower(), (roster_file.parent.name, term, text)
            assert text.startswith("A note about [") and text.endswith("removed], thanks!"), text
