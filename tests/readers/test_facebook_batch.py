"""Page Insights exports read many at once (evalkit.readers.facebook.read_batch): per file
exactly what the fast lane gives the file alone, on the fixtures, the sample pilot and a
generated group of files with one oddity each.

The generated group (``group`` fixture), written by evalkit.sample's writer, three pages:

* plain exports of ``Cllr Ann West``, ``Cllr Bo Lee`` and ``Cllr Cy Khan``, of two
  pilots;
* a blank count cell (not a breakdown, not the newest day); ``"1,234"`` among plain
  counts; a ``-`` among the numbers of a column; a count column whose cells read as
  floats only when trimmed (`` 5``); a breakdown column holding ``5.``, ``.5``, ``007``
  and ``-0`` (plain bytes that Arrow reads as floats); ``NaN`` and ``inf`` written;
* a day given twice, a day that does not exist (``2/30/2023``) and a blank date: the
  fast lane refuses these files;
* a file of its two header rows alone; a file whose header differs (a column fewer);
  a file with a UTF-8 BOM and Windows line ends and no final newline; one re-saved in
  Excel (Windows-1252, day-first dates, ``"1,180"``); day-first dates decided by a
  ``13`` in the first position; a file without the description row;
* a file whose name holds no page (no account known: reading it fails).
"""

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from batch_checks import assert_same  # every table, dictionary, fate, note and meta alike
from evalkit.readers import facebook
from evalkit.readers.base import Context
from evalkit.sample.formats.facebook import write_facebook_insights

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = sorted((ROOT / "tests" / "data" / "formats" / "facebook").glob("*.csv"))
SAMPLE = sorted((ROOT / "data" / "sample").rglob("Facebook Insights Data Export*.csv"))
FORMAT = "facebook-insights"


def read_alone(path, context):
    """The fast lane's Reading of the file alone, or the InputError it raises."""
    try:
        return facebook._read_fast(path, context, FORMAT)
    except facebook.InputError as error:
        return error


@pytest.mark.parametrize("files", [FIXTURES, SAMPLE], ids=["fixtures", "sample pilot"])
def test_fixtures_and_sample_files_read_as_the_fast_lane_reads_them(files):
    assert files
    contexts = [Context(pilot_id="suffolk", source_file=f"suffolk/{p.name}") for p in files]
    batch = facebook.read_batch(files, contexts, FORMAT)
    for path, context, mine in zip(files, contexts, batch):
        assert mine is not None, path
        assert_same(mine, read_alone(path, context), path, frames=files is FIXTURES)


# --------------------------------------------------------------------------- generated group

def days(start: str, n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    likes = 1000 + np.cumsum(rng.integers(0, 5, n))
    return pd.DataFrame({
        "person_key": "K", "date": pd.date_range(start, periods=n).date, "page_likes": likes,
        "new_follows": rng.integers(0, 6, n), "unfollows": rng.integers(0, 3, n),
        "engagements": rng.integers(0, 60, n), "reach": rng.integers(50, 600, n),
        "impressions": rng.integers(100, 1500, n), "views": rng.integers(0, 30, n),
    })


def records(path: Path, encoding: str = "utf-8") -> list[list[str]]:
    with open(path, encoding=encoding, newline="") as handle:
        return list(csv.reader(handle))


def write(path: Path, rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def edit(path: Path, record: int, column: int, value: str) -> None:
    """Put ``value`` in cell ``column`` of data record ``record`` (1-based, after the two
    header rows)."""
    rows = records(path)
    rows[record + 1][column] = value
    write(path, rows)


def column_of(path: Path, name: str) -> int:
    return records(path)[0].index(name)


@pytest.fixture(scope="module")
def group(tmp_path_factory):
    folder = tmp_path_factory.mktemp("facebook")
    rng = np.random.default_rng(4)
    made: list[tuple[str, Path]] = []

    def export(tag, page, start, n=6, seed=0, name=None, encoding="utf-8"):
        end = (pd.Timestamp(start) + pd.Timedelta(days=n - 1)).date()
        path = folder / (name or f"Facebook Insights Data Export - {page} - {start} - {end}.csv")
        write_facebook_insights(path, source_file=path.name, page=page, daily=days(start, n, seed),
                                encoding=encoding, rng=rng)
        made.append((tag, path))
        return path

    for k, start in enumerate(["2023-01-01", "2023-02-01", "2023-03-01"]):
        export("plain", "Cllr Ann West", start, seed=k)
        export("plain", "Cllr Bo Lee", start, n=3 + k, seed=10 + k)
        export("plain", "Cllr Cy Khan", start, n=9, seed=20 + k)
    blank = export("blank cell", "Cllr Ann West", "2023-04-01", seed=30)
    edit(blank, 2, column_of(blank, "Daily Total Reach"), "")
    thousands = export("1,234", "Cllr Ann West", "2023-05-01", seed=31)
    edit(thousands, 3, column_of(thousands, "Daily Total Impressions"), "1,234")
    dash = export("dash among numbers", "Cllr Bo Lee", "2023-06-01", seed=32)
    edit(dash, 4, column_of(dash, "Daily Total Reach"), "-")
    spaced = export("count with spaces", "Cllr Bo Lee", "2023-06-10", seed=33)
    edit(spaced, 2, column_of(spaced, "Daily Total Reach"), " 5")
    odd = export("odd plain counts", "Cllr Cy Khan", "2023-07-01", seed=34)
    breakdown = column_of(odd, "Daily Total Frequency Distribution - 2")
    for record, cell in enumerate(["5.", ".5", "007", "-0"], start=1):
        edit(odd, record, breakdown, cell)
    edit(export("refused: NaN written", "Cllr Cy Khan", "2023-07-10", seed=35), 2, 3, "NaN")
    edit(export("inf written", "Cllr Cy Khan", "2023-07-20", seed=36), 2, 3, "inf")
    twice = export("refused: day twice", "Cllr Ann West", "2023-08-01", seed=37)
    edit(twice, 3, 0, records(twice)[3][0])
    edit(export("refused: no such day", "Cllr Ann West", "2023-02-25", seed=38), 2, 0, "2/30/2023")
    edit(export("refused: blank date", "Cllr Bo Lee", "2023-08-10", seed=39), 2, 0, "")
    header_only = export("header only", "Cllr Bo Lee", "2023-09-01", seed=40)
    write(header_only, records(header_only)[:2])
    narrower = export("other header", "Cllr Bo Lee", "2023-10-01", seed=41)
    write(narrower, [row[:-1] for row in records(narrower)])
    windows = export("BOM, CRLF, no final newline", "Cllr Cy Khan", "2023-11-01", seed=42)
    windows.write_bytes(b"\xef\xbb\xbf" + windows.read_bytes().rstrip(b"\n").replace(b"\n", b"\r\n"))
    export("re-saved in Excel", "Cllr Cy Khan", "2023-12-10", n=8, seed=43, encoding="cp1252")
    day_first = export("day-first", "Cllr Ann West", "2024-01-10", n=5, seed=44)
    rows = records(day_first)
    for row in rows[2:]:
        month, day, year = row[0].split("/")
        row[0] = f"{day}/{month}/{year}"
    write(day_first, rows)
    no_descriptions = export("refused: no description row", "Cllr Ann West", "2024-02-01", seed=45)
    write(no_descriptions, records(no_descriptions)[:1] + records(no_descriptions)[2:])
    export("no page: fails", "", "2024-03-01", seed=46, name="export.csv")
    return made


def test_a_generated_group_reads_as_each_file_alone(group):
    tags = [tag for tag, _ in group]
    paths = [path for _, path in group]
    contexts = [Context(pilot_id="kent" if k % 2 else "suffolk", source_file=f"m/facebook/{p.name}")
                for k, p in enumerate(paths)]
    batch = facebook.read_batch(paths, contexts, FORMAT)
    for tag, path, context, mine in zip(tags, paths, contexts, batch):
        theirs = read_alone(path, context)
        if tag == "no page: fails":  # read on its own, reading it fails
            assert isinstance(theirs, facebook.InputError) and "account:" in str(theirs)
            assert mine is None
            continue
        assert (theirs is None) == tag.startswith("refused"), tag
        assert_same(mine, theirs, (tag, path))
    by_tag = {tag: r for tag, r in zip(tags, batch)}

    blank = by_tag["blank cell"]
    assert "1 empty cell(s) gave no metric row (no value exported)" in blank.notes
    metrics = blank.arrow["metrics"].to_pandas()
    assert not ((metrics["source_row"] == 4) & (metrics["metric"] == "reach")).any()  # record 2 is line 4
    assert ((metrics["source_row"] == 3) & (metrics["metric"] == "reach")).sum() == 1

    thousands = by_tag["1,234"].arrow["metrics"].to_pandas()
    assert thousands.loc[(thousands["source_row"] == 5) & (thousands["metric"] == "impressions"), "value"] \
        .tolist() == [1234.0]
    odd = by_tag["odd plain counts"].arrow["metrics"].to_pandas()
    chosen = odd[odd["metric"] == "daily_total_frequency_distribution_2"].sort_values("source_row")
    assert chosen["value"].tolist()[:4] == [5.0, 0.5, 7.0, 0.0]

    header_only = by_tag["header only"]
    assert len(header_only.arrow["metrics"]) == 0
    assert header_only.arrow["row_fates"]["source_row"].to_pylist() == [1, 2]
    windows = by_tag["BOM, CRLF, no final newline"]
    assert "encoding: utf-8-sig with BOM" in windows.notes
    assert windows.arrow["row_fates"]["source_row"].to_pylist() == list(range(1, 9))
    assert windows.arrow["row_fates"]["reason"].to_pylist()[:3] == [
        "header row (metric names)", "second header row (metric descriptions)", None]
    assert by_tag["day-first"].notes[2] == ("dates read as day/month/year: a value has 13 in the first "
                                            "position ('13/1/2024'), so it must be the day")
    assert by_tag["re-saved in Excel"].meta["encoding"] == "cp1252"
    assert by_tag["other header"].meta["columns"] == by_tag["plain"].meta["columns"] - 1
    pages = {r.meta["account"] for tag, r in zip(tags, batch) if tag == "plain"}
    assert pages == {"Cllr Ann West", "Cllr Bo Lee", "Cllr Cy Khan"}
    kent = batch[1].arrow["metrics"]
    assert kent["pilot_id"].unique().to_pylist() == ["kent"]
    assert kent["account"].chunk(0).dictionary.to_pylist() == ["Cllr Bo Lee"]


def test_one_file_alone_and_files_of_one_page(group):
    paths = [p for tag, p in group if tag == "plain" and "Ann West" in p.name]
    for chosen in ([paths[0]], paths):
        contexts = [Context()] * len(chosen)
        for path, mine in zip(chosen, facebook.read_batch(chosen, contexts, FORMAT)):
            assert mine is not None
            assert_same(mine, read_alone(path, Context()), path)


def test_an_unknown_format_is_refused():
    with pytest.raises(ValueError, match="x-premium"):
        facebook.read_batch([], [], "x-premium")


def test_dates_of_a_group_decided_per_file():
    text = pa.array(["7/1/2024", "7/13/2024", "13/7/2024", "1/7/2024", "1/2/2024", "2/1/2024",
                     "2/30/2024", "13/13/2024", "2024-01-01"])
    starts = np.array([0, 2, 4, 6, 7, 8])
    files = np.repeat(np.arange(6), np.diff(np.append(starts, len(text))))
    days, formats, reasons, plain = facebook._dates(text, starts, files, 6)
    # month-first decided by 13 in second place; day-first by 13 in first place; both orders fit;
    # no 30 February; 13 in both places; not of the shape
    assert plain.tolist() == [True, True, True, False, False, False]
    assert formats[:3] == ["%m/%d/%Y", "%d/%m/%Y", "%m/%d/%Y"]
    assert reasons[0] == "a value has 13 in the second position ('7/13/2024'), so it must be the day"
    assert reasons[1] == "a value has 13 in the first position ('13/7/2024'), so it must be the day"
    assert reasons[2] == "the dates fit both orders; month/day/year is the export's own order"
    assert [str(d) for d in days[:6]] == ["2024-07-01", "2024-07-13", "2024-07-13", "2024-07-01",
                                          "2024-01-02", "2024-02-01"]
    for k in range(3):  # as the fast lane decides each file alone
        assert facebook._date_format_arrow(text.slice(starts[k], 2)) == (formats[k], reasons[k])
