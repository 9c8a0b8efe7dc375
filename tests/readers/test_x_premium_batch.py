"""X Premium exports read many at once (evalkit.readers.x_premium.read_batch): per file
exactly what the fast lane gives the file alone, on the fixtures and on generated
groups of files with one oddity each.

The generated group (``group`` fixture), per format, in ``<case>/metrics/<account>/``
folders of three accounts:

* plain files of ``CllrAnnWest``, ``CllrBo_Lee`` and ``CllrCy_Hart`` (the writers of
  evalkit.sample);
* a blank count cell; ``1,234`` among plain counts; a ``-`` among the numbers of a
  column; a count column whose first cell is ``-`` (so the fast lane types that file's
  columns differently); a date written with a zero (``Mar 07``) and space around it;
* a day given twice (overview: the fast lane refuses the file) or a post id given twice
  (content: refused), and in content several posts on one day (taken);
* a file of its header alone; a file whose header differs (a column fewer); a file
  with a UTF-8 BOM and Windows line ends;
* an overview in ``metrics/`` itself (no account known: reading it fails), and a
  content file whose ``account:`` pin differs from its post links (a note says so);
* a date that is no real day (29 February 2025): every file is then read alone.
"""

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from batch_checks import assert_same  # every table, dictionary, fate, note and meta alike
from evalkit.readers import x_premium
from evalkit.readers.base import Context
from evalkit.sample.formats.x_premium import write_x_account_content, write_x_account_overview

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = sorted((ROOT / "tests" / "data" / "formats" / "x_premium").rglob("*.csv"))


OVERVIEW, CONTENT = "x-account-overview", "x-account-content"


def format_of(path: Path) -> str:
    return OVERVIEW if path.name == "account_overview_analytics.csv" else CONTENT


def read_alone(path, context, fmt):
    """The fast lane's Reading of the file alone, or the InputError it raises."""
    try:
        return x_premium._read_fast(path, context, fmt)
    except x_premium.InputError as error:
        return error


def read_all(paths, contexts, fmt):
    return x_premium.read_batch(paths, contexts, fmt), [read_alone(p, c, fmt) for p, c in zip(paths, contexts)]


def test_fixtures_read_as_the_fast_lane_reads_them():
    assert FIXTURES
    for fmt in x_premium.FORMATS:
        paths = [p for p in FIXTURES if format_of(p) == fmt]
        contexts = [Context(pilot_id="solihull", source_file=f"solihull/{p.parent.name}/{p.name}") for p in paths]
        batch, alone = read_all(paths, contexts, fmt)
        for path, mine, theirs in zip(paths, batch, alone):
            if isinstance(theirs, x_premium.InputError):  # the overview in metrics/ names no account
                assert mine is None and "account:" in str(theirs)
                continue
            assert mine is not None, path
            assert_same(mine, theirs, path)


# --------------------------------------------------------------------------- generated groups

def days(start: str, n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    counts = {c: rng.integers(0, 40, n) for c in ("impressions", "likes", "engagements", "new_follows",
                                                   "unfollows", "replies", "reposts", "posts")}
    return pd.DataFrame({"person_key": "K", "date": pd.date_range(start, periods=n).date, **counts})


def posts(first_id: int, start: str, n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "person_key": "K", "post_id": [str(first_id + 7 * i) for i in range(n)],
        "date": pd.date_range(start, periods=n).date,
        "text": [f"Ward news {i} &amp; more" if i % 3 else f"@Res{i} thanks" for i in range(n)],
        **{c: rng.integers(0, 300, n) for c in ("impressions", "engagements", "likes", "reposts", "replies")},
    })


def records(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def rewrite(path: Path, rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)  # minimal quoting, as X writes
    path.write_text(buffer.getvalue(), encoding="utf-8")


def edit(path: Path, record: int, column: int, value: str) -> None:
    """Put ``value`` in cell ``column`` of data record ``record`` (1-based)."""
    rows = records(path)
    rows[record][column] = value
    rewrite(path, rows)


ACCOUNTS = ["CllrAnnWest", "CllrBo_Lee", "CllrCy_Hart"]


@pytest.fixture(scope="module")
def group(tmp_path_factory):
    base = tmp_path_factory.mktemp("xp")
    rng = np.random.default_rng(8)
    made: dict[str, list[tuple[str, Path]]] = {OVERVIEW: [], CONTENT: []}
    count = [0]

    def folder(tag, account):
        count[0] += 1
        path = base / f"case{count[0]}" / "metrics" / account if account else base / f"case{count[0]}" / "metrics"
        path.mkdir(parents=True)
        return path

    def overview(tag, account, start, n=6, seed=0):
        path = folder(tag, account) / "account_overview_analytics.csv"
        write_x_account_overview(path, source_file=path.name, account=account or "x", daily=days(start, n, seed),
                                 rng=rng)
        made[OVERVIEW].append((tag, path))
        return path

    def content(tag, account, first_id, start, n=5, seed=0):
        path = folder(tag, account) / "account_analytics_content_2025-01-01_2025-03-31.csv"
        write_x_account_content(path, source_file=path.name, account=account, posts=posts(first_id, start, n, seed),
                                rng=rng)
        made[CONTENT].append((tag, path))
        return path

    for k, start in enumerate(["2025-01-01", "2025-02-01"]):
        for j, account in enumerate(ACCOUNTS):
            overview("plain", account, start, n=4 + j, seed=10 * k + j)
            content("plain", account, 1890000000000000000 + 1000 * (3 * k + j), start, n=3 + j, seed=10 * k + j)
    # overview: 6 records, newest first, 13 count columns (1..13) after the date
    edit(overview("blank cell", "CllrAnnWest", "2025-03-01", seed=20), 2, 3, "")
    edit(overview("1,234", "CllrAnnWest", "2025-03-01", seed=21), 3, 1, "1,234")
    edit(overview("dash among numbers", "CllrBo_Lee", "2025-03-01", seed=22), 4, 4, "-")
    edit(overview("first cell a dash", "CllrBo_Lee", "2025-03-01", seed=23), 1, 6, "-")
    edit(overview("date with a zero", "CllrCy_Hart", "2025-03-01", seed=24), 1, 0, " Fri, Mar 07, 2025 ")
    repeated = overview("refused: day twice", "CllrAnnWest", "2025-03-01", seed=25)
    edit(repeated, 3, 0, records(repeated)[1][0])
    header_only = overview("header only", "CllrBo_Lee", "2025-03-01", seed=26)
    header_only.write_text(",".join(records(header_only)[0]), encoding="utf-8")  # no final newline
    narrower = overview("other header", "CllrBo_Lee", "2025-04-01", seed=27)
    rewrite(narrower, [row[:-1] for row in records(narrower)])
    windows = overview("BOM, CRLF", "CllrCy_Hart", "2025-04-01", seed=28)
    windows.write_bytes(b"\xef\xbb\xbf" + windows.read_bytes().replace(b"\n", b"\r\n"))
    overview("no account: fails", None, "2025-04-01", seed=29)

    # content: 5 records, 4 text columns then 13 count columns (4..16)
    edit(content("blank cell", "CllrAnnWest", 1891000000000000000, "2025-03-01", seed=20), 2, 5, "")
    edit(content("1,234", "CllrAnnWest", 1892000000000000000, "2025-03-01", seed=21), 3, 4, "1,234")
    edit(content("dash among numbers", "CllrBo_Lee", 1893000000000000000, "2025-03-01", seed=22), 4, 6, "-")
    edit(content("first cell a dash", "CllrBo_Lee", 1894000000000000000, "2025-03-01", seed=23), 1, 8, "-")
    same_day = content("posts on one day", "CllrCy_Hart", 1895000000000000000, "2025-03-01", seed=24)
    edit(same_day, 2, 1, records(same_day)[1][1])
    twice = content("refused: post twice", "CllrAnnWest", 1896000000000000000, "2025-03-01", seed=25)
    edit(twice, 4, 0, records(twice)[2][0])
    header_only = content("header only", "CllrBo_Lee", 1897000000000000000, "2025-03-01", seed=26)
    header_only.write_text(",".join(records(header_only)[0]) + "\n", encoding="utf-8")
    narrower = content("other header", "CllrBo_Lee", 1898000000000000000, "2025-04-01", seed=27)
    rewrite(narrower, [row[:-1] for row in records(narrower)])
    windows = content("BOM, CRLF", "CllrCy_Hart", 1899000000000000000, "2025-04-01", seed=28)
    windows.write_bytes(b"\xef\xbb\xbf" + windows.read_bytes().replace(b"\n", b"\r\n"))
    content("pin differs", "CllrAnnWest", 1899100000000000000, "2025-04-01", seed=29)
    return made


def contexts_of(tags, paths):
    return [Context(pilot_id="kent" if k % 2 else "suffolk", source_file=f"m/{p.parent.name}/{p.name}",
                    account="@SomeoneElse" if tag == "pin differs" else None)
            for k, (tag, p) in enumerate(zip(tags, paths))]


@pytest.mark.parametrize("fmt", [OVERVIEW, CONTENT])
def test_a_generated_group_reads_as_each_file_alone(group, fmt):
    tags = [tag for tag, _ in group[fmt]]
    paths = [path for _, path in group[fmt]]
    batch, alone = read_all(paths, contexts_of(tags, paths), fmt)
    for tag, path, mine, theirs in zip(tags, paths, batch, alone):
        if tag == "no account: fails":  # read on its own, reading it fails
            assert isinstance(theirs, x_premium.InputError) and "account:" in str(theirs)
            assert mine is None
            continue
        assert (theirs is None) == tag.startswith("refused"), tag
        assert (mine is None) == tag.startswith("refused"), tag  # every file the fast lane takes is taken
        assert_same(mine, theirs, (tag, path))
    by_tag, rows = {}, {}
    for tag, (_, path), reading in zip(tags, group[fmt], batch):  # the first file of each tag
        by_tag.setdefault(tag, reading)
        rows.setdefault(tag, records(path))
    if fmt == OVERVIEW:
        metrics = {tag: by_tag[tag].arrow["metrics"].to_pandas() for tag in ("blank cell", "1,234", "date with a zero")}
        # 6 days × 13 counts, less the one blank cell
        assert len(metrics["blank cell"]) == 6 * 13 - 1
        assert "1 empty cell(s) gave no metric row (no value exported)" in by_tag["blank cell"].notes
        day = metrics["1,234"]
        assert day.loc[(day["source_row"] == 4) & (day["metric"] == "impressions"), "value"].tolist() == [1234.0]
        assert str(metrics["date with a zero"]["date"].iloc[0]) == "2025-03-07"
        assert by_tag["plain"].meta["account"] == "CllrAnnWest"
        assert by_tag["header only"].arrow["row_fates"]["source_row"].to_pylist() == [1]
        assert len(by_tag["header only"].arrow["metrics"]) == 0
        assert len(by_tag["other header"].arrow["metrics"]) == 6 * 12
        windows = by_tag["BOM, CRLF"]
        assert "encoding: utf-8-sig with BOM" in windows.notes
        assert windows.arrow["row_fates"]["source_row"].to_pylist() == [1, 2, 3, 4, 5, 6, 7]
    else:
        table = {tag: by_tag[tag].arrow["posts"].to_pandas() for tag in tags if by_tag[tag] is not None}
        assert rows["1,234"][0][4] == "Impressions"
        assert table["1,234"].loc[table["1,234"]["source_row"] == 4, "impressions"].tolist() == [1234.0]
        assert rows["blank cell"][0][5] == "Likes" and np.isnan(table["blank cell"]["likes"].iloc[1])
        assert rows["dash among numbers"][0][6] == "Engagements"
        assert np.isnan(table["dash among numbers"]["engagements"].iloc[3])
        same_day = table["posts on one day"]
        assert same_day["timestamp"].iloc[0] == same_day["timestamp"].iloc[1]  # two posts, one day: both kept
        assert str(same_day["timestamp"].iloc[0]) == "2025-03-05 00:00:00+00:00"  # newest first, local midnight
        pin = by_tag["pin differs"]
        assert pin.meta["account"] == "CllrAnnWest"
        assert ("the account pin '@SomeoneElse' differs from the handle in the post links; the post links "
                "are used") in pin.notes
        assert not any("pin" in note for note in by_tag["plain"].notes)
        assert table["plain"]["date_only"].all()
        assert len(by_tag["header only"].arrow["posts"]) == 0


@pytest.mark.parametrize("fmt", [OVERVIEW, CONTENT])
def test_a_day_that_is_no_real_day_reads_every_file_alone(group, fmt, tmp_path):
    plain = [path for tag, path in group[fmt] if tag == "plain"]
    odd = tmp_path / "metrics" / "CllrAnnWest" / plain[0].name
    odd.parent.mkdir(parents=True)
    odd.write_bytes(plain[0].read_bytes())
    edit(odd, 2, 0 if fmt == OVERVIEW else 1, "Sat, Feb 29, 2025")
    paths = [*plain, odd]
    contexts = [Context(pilot_id="suffolk")] * len(paths)
    batch, alone = read_all(paths, contexts, fmt)
    assert batch[-1] is None and alone[-1] is None
    for path, mine, theirs in zip(paths[:-1], batch[:-1], alone[:-1]):
        assert mine is not None
        assert_same(mine, theirs, path)


def test_an_unknown_format_is_refused():
    with pytest.raises(ValueError, match="x-tweet-activity"):
        x_premium.read_batch([], [], "x-tweet-activity")
