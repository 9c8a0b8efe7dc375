"""The metrics readers' fast lane: each step against hand-worked values, and every fixture
read by both lanes giving the same tables, fates and notes."""

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings, strategies as st

from evalkit.clean import fastlane
from evalkit.clean.dates import localise
from evalkit.clean.metrics import parse_dates
from evalkit.readers import Context, read
from evalkit.readers import facebook, meta_suite, x_classic, x_premium

ROOT = Path(__file__).resolve().parents[2]
FORMATS = ROOT / "tests" / "data" / "formats"
SAMPLE_METRICS = sorted((ROOT / "data" / "sample" / "suffolk" / "metrics").rglob("*.csv"))[:12]
FILES = sorted(
    p for folder in ("x_classic", "x_premium", "facebook", "meta_suite") for p in (FORMATS / folder).rglob("*.csv")
) + SAMPLE_METRICS


def test_numbers_read_as_to_number_reads_them():
    values, blank = fastlane.numbers(pa.array(["89.0", "1,234", "12.5%", "-", None, "n/a", " 7 "]))
    assert values.tolist()[:3] == [89.0, 1234.0, 0.125]
    assert np.isnan(values[3:6]).all() and values[6] == 7.0
    assert blank.tolist() == [False, False, False, False, True, False, False]


def test_numbers_read_by_the_csv_reader_pass_through():
    values, blank = fastlane.numbers(pa.array([3.0, None, 0.5]))
    assert values[[0, 2]].tolist() == [3.0, 0.5] and blank.tolist() == [False, True, False]


@pytest.mark.parametrize("cells", [["12", "lots"], ["NaN", "1"], [np.nan, 1.0]])
def test_a_cell_that_does_not_read_sends_the_file_to_the_general_lane(cells):
    assert fastlane.numbers(pa.array(cells)) is None


def test_a_column_of_dashes_is_no_number_and_not_blank():
    values, blank = fastlane.numbers(pa.array(["-"] * 100))
    assert np.isnan(values).all() and not blank.any()


def test_iso_dates_refuse_an_impossible_day():
    assert fastlane.iso_dates(pa.array(["2024-02-29", " 2024-03-01"])).to_pylist() == [
        dt.date(2024, 2, 29), dt.date(2024, 3, 1)]
    assert fastlane.iso_dates(pa.array(["2023-02-29"])) is None
    assert fastlane.iso_dates(pa.array(["2023-2-28"])) is None


def test_dates_in_another_format_read_as_parse_dates_reads_them():
    found = fastlane.dates(pa.array(["Fri, Mar 21, 2025", "Sat, Mar 1, 2025"]), "%a, %b %d, %Y")
    assert found.to_pylist() == [dt.date(2025, 3, 21), dt.date(2025, 3, 1)]
    assert fastlane.dates(pa.array(["Fri, Mar 21, 2025", "soon"]), "%a, %b %d, %Y") is None


def test_unescape_gives_what_html_unescape_gives():
    texts = pa.array(["Q&amp;A at 7 &lt;3", "plain", "&amp;lt;", "caf&eacute; &amp; more", "AT&T", None])
    assert fastlane.unescape(texts).to_pylist() == ["Q&A at 7 <3", "plain", "&lt;", "café & more", "AT&T", None]


def test_replies_start_with_a_handle():
    assert fastlane.reply_flags(pa.array(["@Ann yes", ".@Ann no", "Hi @Ann", None])).to_pylist() == [
        True, False, False, False]


def test_metrics_are_melted_record_by_record():
    days = pa.array([dt.date(2024, 9, 1), dt.date(2024, 9, 2)], type=pa.date32())
    values = np.array([[1.0, np.nan], [2.0, 3.0]])
    table = fastlane.metrics_table(source_file="f.csv", pilot_id=None, platform="x", account="Bob",
                                   source_rows=np.array([2, 3]), days=days, values=values, names=["likes", "reach"])
    assert list(zip(table.column("source_row").to_pylist(), table.column("metric").to_pylist(),
                    table.column("value").to_pylist())) == [(2, "likes", 1.0), (3, "likes", 2.0), (3, "reach", 3.0)]


def test_fates_put_structure_and_records_in_line_order():
    fates = fastlane.fates("f.csv", "p", [(1, "sep= line"), (3, "header row")], np.array([2, 4]), "metrics")
    assert fates.column("source_row").to_pylist() == [1, 2, 3, 4]
    assert fates.column("fate").to_pylist() == ["skipped-structure", "kept", "skipped-structure", "kept"]
    assert fates.column("table").to_pylist() == [None, "metrics", None, "metrics"]
    assert fates.column("reason").to_pylist() == ["sep= line", None, "header row", None]


def _general_lane(monkeypatch):
    for module in (x_classic, x_premium, facebook, meta_suite):
        monkeypatch.setattr(module, "arrow_csv", lambda *args, **kwargs: None)


def _context(path: Path) -> Context:
    # a file kept straight in metrics/ does not say whose account it is: pinned
    account = "CllrAmyPatel" if path.parent.name == "metrics" else None
    return Context(pilot_id="kirklees", source_file=path.relative_to(ROOT).as_posix(), account=account)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_both_lanes_read_a_file_alike(path, monkeypatch):
    fast = read(path, _context(path))
    with monkeypatch.context() as patch:
        _general_lane(patch)
        general = read(path, _context(path))
    assert not general.arrow
    assert (fast.format, fast.notes, fast.meta) == (general.format, general.notes, general.meta)
    assert list(fast.tables) == list(general.tables)
    for name in general.tables:
        pd.testing.assert_frame_equal(fast.tables[name], general.tables[name], check_exact=True, obj=name)
    pd.testing.assert_frame_equal(fast.fates, general.fates, check_exact=True)


def test_plain_files_take_the_fast_lane_and_messy_ones_do_not():
    taken = {p.relative_to(ROOT).as_posix(): bool(read(p, _context(p)).arrow) for p in FILES}
    x = "tests/data/formats/x_classic/"
    assert taken[x + "tweet_activity_metrics_CllrJaneSmith_20220901_20221001_en.csv"]
    assert taken["tests/data/formats/x_premium/CllrAmyPatel/account_analytics_content_2025-03-17_2025-03-21.csv"]
    # a day exported twice (2022-09-03), a tweet id in E-notation: the general lane settles them
    assert not taken[x + "daily_tweet_activity_metrics_CllrJaneSmith_20220901_20220905_en.csv"]
    assert not taken[x + "tweet_activity_metrics_cllr_bob_20210801_20210901_en.csv"]
    assert all(taken[p.relative_to(ROOT).as_posix()] for p in SAMPLE_METRICS)


def test_both_lanes_refuse_a_file_that_names_no_account_alike(monkeypatch):
    path = FORMATS / "x_premium" / "metrics" / "account_overview_analytics.csv"
    with pytest.raises(ValueError) as fast:
        read(path, Context())
    _general_lane(monkeypatch)
    with pytest.raises(ValueError) as general:
        read(path, Context())
    assert str(fast.value) == str(general.value) and "whose account" in str(fast.value)


# each format's awkward dates: unpadded and padded parts, leap days, impossible days and
# months, two-digit years either side of 1969, a weekday that does not match the date, and
# spellings outside the plain shape (lower-case month, "Sept", doubled space) that Arrow
# leaves to parse_dates
AWKWARD_DATES = {
    "%a, %b %d, %Y": ["Fri, Mar 21, 2025", "Sat, Mar 1, 2025", "Sat, Mar 01, 2025", "Thu, Feb 29, 2024",
                      "Sat, Feb 29, 2025", "Mon, Mar 21, 2025", "Fri, mar 21, 2025", "Fri, Sept 5, 2025",
                      "Fri,  Mar 21, 2025", "Tue, Dec 0, 2025", " Wed, Jan 1, 2025 "],
    "%m/%d/%Y": ["7/1/2024", "07/01/2024", "2/29/2024", "2/29/2023", "13/1/2024", "0/5/2024", "12/31/1999"],
    "%d/%m/%Y": ["1/7/2024", "01/07/2024", "29/2/2024", "29/2/2023", "31/4/2024", "5/13/2024"],
    "%m/%d/%y": ["7/1/24", "12/31/68", "1/1/69", "1/1/00", "2/29/23"],
    "%d/%m/%y": ["1/7/24", "31/12/68", "1/1/69", "29/2/24"],
    "ISO8601": ["2025-01-13T00:00:00", "2025-01-13", "2024-02-29T00:00:00", "2023-02-29T00:00:00",
                "2025-01-13T25:00:00", "2025-01-13 00:00:00"],
}


@pytest.mark.parametrize("date_format", list(AWKWARD_DATES))
def test_dates_read_every_awkward_date_as_parse_dates_reads_it(date_format):
    for cell in AWKWARD_DATES[date_format]:
        found = fastlane.dates(pa.array([cell]), date_format)
        expected, bad = parse_dates(pd.Series([cell]), date_format)
        assert (found is None) == bool(bad.iloc[0]), cell
        if found is not None:
            assert found.to_pylist() == [expected.iloc[0]], cell


def test_plain_dates_are_read_by_arrow_with_their_hand_worked_days():
    shaped = fastlane.shaped_dates
    assert shaped(pa.array(["Sat, Mar 1, 2025", "Thu, Feb 29, 2024"]), "%a, %b %d, %Y").to_pylist() == [
        dt.date(2025, 3, 1), dt.date(2024, 2, 29)]
    assert shaped(pa.array(["7/13/2024", "07/01/2024"]), "%m/%d/%Y").to_pylist() == [
        dt.date(2024, 7, 13), dt.date(2024, 7, 1)]
    assert shaped(pa.array(["13/7/2024"]), "%d/%m/%Y").to_pylist() == [dt.date(2024, 7, 13)]
    # strptime's %y: 69-99 in the 1900s, 00-68 in the 2000s
    assert shaped(pa.array(["12/31/68", "1/1/69"]), "%m/%d/%y").to_pylist() == [
        dt.date(2068, 12, 31), dt.date(1969, 1, 1)]
    assert shaped(pa.array(["2025-01-13T00:00:00"]), "ISO8601").to_pylist() == [dt.date(2025, 1, 13)]
    # an impossible day, or a cell outside the plain shape: left to parse_dates
    assert shaped(pa.array(["Sat, Feb 29, 2025"]), "%a, %b %d, %Y") is None
    assert shaped(pa.array(["Fri, mar 21, 2025"]), "%a, %b %d, %Y") is None
    assert shaped(pa.array(["2/29/23"]), "%m/%d/%y") is None
    assert shaped(pa.array(["7/1/2024", None]), "%m/%d/%Y") is None


def test_a_date_outside_the_plain_shape_is_still_read_as_parse_dates_reads_it():
    # lower-case month: not Arrow's shape, read by parse_dates (which ignores case)
    assert fastlane.dates(pa.array(["Fri, mar 21, 2025", "Sat, Mar 1, 2025"]), "%a, %b %d, %Y").to_pylist() == [
        dt.date(2025, 3, 21), dt.date(2025, 3, 1)]


@pytest.mark.parametrize("timezone", ["Europe/London", "America/Sao_Paulo", "America/Havana", "UTC"])
def test_local_midnights_are_where_localise_puts_them(timezone):
    days = [dt.date(2018, 11, 4) + dt.timedelta(k) for k in range(-400, 400, 3)] + [
        dt.date(2018, 11, 4), dt.date(2023, 11, 5), dt.date(2025, 3, 30), dt.date(2025, 10, 26)]
    arrow_days = pa.array(days, type=pa.date32())
    expected = pa.array(localise(pd.Series(pd.to_datetime(pd.Series(days, dtype="object"))), timezone))
    assert fastlane.local_midnights(arrow_days, timezone).equals(expected)


def test_local_midnights_hand_worked():
    london = fastlane.local_midnights(pa.array([dt.date(2025, 7, 1), dt.date(2025, 1, 1)]), "Europe/London")
    assert pc.cast(london, pa.timestamp("s", tz="UTC")).to_pylist() == [
        dt.datetime(2025, 6, 30, 23, tzinfo=dt.timezone.utc), dt.datetime(2025, 1, 1, 0, tzinfo=dt.timezone.utc)]
    # 2018-11-04 00:00 did not happen in São Paulo (clocks went to 01:00, UTC-2): localise
    # moves it forward to 01:00 local, 03:00 UTC
    skipped = fastlane.local_midnights(pa.array([dt.date(2018, 11, 4)]), "America/Sao_Paulo")
    assert pc.cast(skipped, pa.timestamp("s", tz="UTC")).to_pylist() == [
        dt.datetime(2018, 11, 4, 3, tzinfo=dt.timezone.utc)]


# number_matrix reads a file's value columns together: every column must come out as
# numbers() reads it alone, whatever mix of spellings the columns hold
SPELLINGS = ["7", "89.0", "1,234", "12.5%", "7.8E-4", "-", "n/a", "N/A", "  ", " 7 ", None, "NaN", "nan", "lots",
             "\u2013", "null", "inf", "-3", "+5", "0x10", "1_000", "\u00a0-\u00a0"]


def _column(cells: list) -> pa.Array:
    if cells and all(c is None or isinstance(c, float) for c in cells):
        return pa.array(cells, type=pa.float64())
    return pa.array(cells, type=pa.string())


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 6).flatmap(lambda n: st.lists(
    st.one_of(st.lists(st.sampled_from(SPELLINGS), min_size=n, max_size=n),
              st.lists(st.one_of(st.none(), st.sampled_from([0.0, 1.5, 3.0, float("nan")])), min_size=n, max_size=n)),
    min_size=1, max_size=5)))
def test_number_matrix_reads_each_column_as_numbers_does(columns):
    arrays = [_column(c) for c in columns]
    alone = [fastlane.numbers(a) for a in arrays]
    together = fastlane.number_matrix(arrays)
    if any(found is None for found in alone):
        assert together is None
        return
    values, blank = together
    assert values.shape == blank.shape == (len(arrays[0]), len(arrays))
    for j, (expected, expected_blank) in enumerate(alone):
        np.testing.assert_array_equal(values[:, j], expected)
        np.testing.assert_array_equal(blank[:, j], expected_blank)


def test_number_matrix_hand_worked():
    values, blank = fastlane.number_matrix([
        pa.array([3.0, None, 0.5]),  # floats from the CSV reader: the empty cell is blank
        pa.array(["-", "-", "-"]),  # nothing to count, nothing blank
        pa.array(["2", None, "1,204"]),  # a thousands separator: read alone
        pa.array(["4", "5", None]),  # plain numbers as text: cast with the others
        pa.array([" ", None, "n/a"]),  # a space is blank, "n/a" is not
    ])
    nan = np.nan
    np.testing.assert_array_equal(values, [[3.0, nan, 2.0, 4.0, nan], [nan, nan, nan, 5.0, nan],
                                           [0.5, nan, 1204.0, nan, nan]])
    assert blank.tolist() == [[False, False, False, False, True], [True, False, True, False, True],
                              [False, False, False, True, False]]
    assert values[:, 3].flags["C_CONTIGUOUS"]  # a column of counts is one stretch of memory
    # "NaN" spelled out, in a float column or a text one: the general lane quarantines it
    assert fastlane.number_matrix([pa.array(["1", "NaN"]), pa.array([1.0, 2.0])]) is None
    assert fastlane.number_matrix([pa.array([float("nan"), 2.0])]) is None
    empty, none = fastlane.number_matrix([pa.array([], pa.string()), pa.array([], pa.float64())])
    assert empty.shape == none.shape == (0, 2)


def test_fates_in_line_order_with_the_header_first():
    fates = fastlane.fates("f.csv", None, [(1, "header row")], np.array([2, 3, 5]), "posts")
    assert fates.column("source_row").to_pylist() == [1, 2, 3, 5]
    assert fates.column("fate").to_pylist() == ["skipped-structure", "kept", "kept", "kept"]
    assert fates.column("table").to_pylist() == [None, "posts", "posts", "posts"]
    assert fates.column("reason").to_pylist() == ["header row", None, None, None]
    assert fates.schema.field("reason").type == pa.string()


HEADS = {  # each format's head alone (an export of a period with nothing in it)
    "x_classic/tweet_activity_metrics_CllrJaneSmith_20220901_20221001_en.csv": 1,
    "x_classic/daily_tweet_activity_metrics_CllrJaneSmith_20220901_20220905_en.csv": 1,
    "x_premium/CllrAmyPatel/account_overview_analytics.csv": 1,
    "x_premium/CllrAmyPatel/account_analytics_content_2025-03-17_2025-03-21.csv": 1,
    "facebook/Facebook Insights Data Export - Cllr Jane Smith - 2022-09-01 - 2022-09-05.csv": 2,
    "meta_suite/Cllr Amy Patel/Views.csv": 3,
}


@pytest.mark.parametrize("name", list(HEADS))
@pytest.mark.parametrize("final_newline", [True, False])
def test_a_file_of_its_head_alone_takes_the_fast_lane_and_reads_as_the_general_lane_does(
        name, final_newline, tmp_path, monkeypatch):
    source = FORMATS / name
    data = source.read_bytes()
    utf16 = data.startswith(b"\xff\xfe")
    text = data.decode("utf-16" if utf16 else "utf-8-sig").replace("\r\n", "\n")
    head = "\n".join(text.split("\n")[:HEADS[name]]) + ("\n" if final_newline else "")
    path = tmp_path / source.parent.name / source.name
    path.parent.mkdir()
    path.write_bytes(head.encode("utf-16") if utf16 else head.encode("utf-8"))
    context = Context(pilot_id="kirklees", source_file=path.name)
    fast = read(path, context)
    assert fast.arrow and len(fast.fates) == HEADS[name]
    assert set(fast.fates["fate"]) == {"skipped-structure"}
    assert all(len(table) == 0 for table in fast.tables.values())
    _general_lane(monkeypatch)
    general = read(path, context)
    assert not general.arrow
    assert (fast.format, fast.notes, fast.meta) == (general.format, general.notes, general.meta)
    assert list(fast.tables) == list(general.tables)
    for table in general.tables:
        pd.testing.assert_frame_equal(fast.tables[table], general.tables[table], check_exact=True, obj=table)
    pd.testing.assert_frame_equal(fast.fates, general.fates, check_exact=True)


def test_a_head_alone_is_a_body_of_no_records_only_when_asked(tmp_path):
    from evalkit.readers.base import arrow_csv

    path = tmp_path / "views.csv"
    path.write_bytes(b'sep=,\n"Views"\n"Date","Primary"')
    assert arrow_csv(path, head=3) is None  # a body record is wanted by default
    found = arrow_csv(path, head=3, min_body=0)
    assert found.head == [["sep=", ""], ["Views"], ["Date", "Primary"]]  # "sep=," is two cells
    assert found.head_lines.tolist() == [1, 2, 3] and found.body_lines.tolist() == []
    assert found.body.num_rows == 0 and found.body.schema.types == [pa.string(), pa.string()]
    path.write_bytes(b'"Date","Primary"\n"2025-08-01T00:00:00","20"\n')
    found = arrow_csv(path, head=1, min_body=0, keep_text=lambda head: [0])
    assert found.body.to_pydict() == {"f0": ["2025-08-01T00:00:00"], "f1": [20.0]}
    # a head parsed once serves every file with it, each caller given its own lists
    found.head[0].append("changed by a caller")
    assert arrow_csv(path, head=1).head == [["Date", "Primary"]]


# --------------------------------------------------------------------------- groups of files

MESSY_CELLS = ["1", "89.0", "-", "", None, "1,204", "12.5%", "n/a", " 7 ", "NaN", "7.8E-4", "lots", "0", "\u2013",
               "None", "-3", "1e3"]


@given(st.lists(st.integers(1, 4), min_size=1, max_size=5), st.data())
@settings(max_examples=120, deadline=None)
def test_a_group_reads_each_file_as_number_matrix_reads_it_alone(sizes, data):
    n = sum(sizes)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    columns = []
    for _ in range(data.draw(st.integers(1, 3))):
        if data.draw(st.booleans()):  # a column of text cells
            columns.append(pa.array(data.draw(st.lists(st.sampled_from(MESSY_CELLS), min_size=n, max_size=n)),
                                    type=pa.string()))
        else:  # a column the CSV reader typed as floats
            cells = data.draw(st.lists(st.sampled_from([1.0, 0.5, None, float("nan")]), min_size=n, max_size=n))
            columns.append(pa.array(cells, type=pa.float64(), from_pandas=False))
    values, blank, alone = fastlane.group_number_matrix(columns, starts)
    for k, (a, size) in enumerate(zip(starts, sizes)):
        found = fastlane.number_matrix([c.slice(a, size) for c in columns])
        if found is None:
            assert alone[k]  # the file is refused alone: the group leaves it to number_matrix
        elif not alone[k]:
            np.testing.assert_array_equal(values[a:a + size], found[0])
            np.testing.assert_array_equal(blank[a:a + size], found[1])


def test_a_group_settles_plain_and_empty_files_and_leaves_mixed_ones():
    column = pa.array(["1", "2.5", "-", None, "-", "1", "-", "1,204"])
    values, blank, alone = fastlane.group_number_matrix([column], np.array([0, 2, 4, 6]))
    # file 0: plain numbers; file 1: no value, one empty; file 2: a number and a dash;
    # file 3: a dash and "1,204"
    assert alone.tolist() == [False, False, True, True]
    assert values[:2, 0].tolist() == [1.0, 2.5] and np.isnan(values[2:4, 0]).all()
    assert blank[:4, 0].tolist() == [False, False, False, True]


def test_files_and_their_repeated_keys():
    starts = np.array([0, 3, 4])
    assert fastlane.file_index(starts, 6).tolist() == [0, 0, 0, 1, 2, 2]
    assert fastlane.file_all(np.array([True, False, True, True, True, True]), starts).tolist() == [False, True, True]
    # day 19000 is in every file, but twice only in file 2
    keys = np.array([19000, 19001, -5, 19000, 19000, 19000])
    assert fastlane.repeated_within(keys, fastlane.file_index(starts, 6), 3).tolist() == [False, False, True]
