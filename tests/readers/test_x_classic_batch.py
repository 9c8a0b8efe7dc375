"""X classic exports read many at once (evalkit.readers.x_classic.read_batch): per file
exactly what the fast lane gives the file alone, on the fixtures, the sample pilot and
generated groups of files with one oddity each.

The generated group (``group`` fixture), per day and per tweet, two accounts:

* plain files of ``CllrAnnWest`` and ``CllrBo_Lee`` (the writers of evalkit.sample);
* a blank count cell; ``1,204`` among plain counts; a ``-`` among the numbers of a
  column; ``NaN`` written in a count; a count column whose first cell is ``-`` (so
  the fast lane types that file's columns differently);
* a day (a tweet) given twice and a date (a time) that is not a real one: the fast lane
  refuses these files;
* a file of its header alone; a file whose header differs (a column fewer); a file
  with a UTF-8 BOM and Windows line ends and no final newline;
* a file whose name holds no handle (per day: no account known, so reading it fails;
  per tweet the permalinks name it), and per tweet promoted counts in one file only.
"""

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from batch_checks import assert_same  # every table, dictionary, fate, note and meta alike
from evalkit.readers import x_classic
from evalkit.readers.base import Context
from evalkit.sample.formats.x_classic import write_x_daily_activity, write_x_tweet_activity

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = sorted((ROOT / "tests" / "data" / "formats" / "x_classic").glob("*.csv"))
SAMPLE = sorted((ROOT / "data" / "sample" / "suffolk").rglob("*tweet_activity_metrics_*.csv"))


def format_of(path: Path) -> str:
    return "x-daily-activity" if path.name.lower().startswith("daily_") else "x-tweet-activity"


def read_alone(path, context, fmt):
    """The fast lane's Reading of the file alone, or the InputError it raises."""
    try:
        return x_classic._read_fast(path, context, fmt)
    except x_classic.InputError as error:
        return error


def read_all(paths, contexts, fmt):
    return x_classic.read_batch(paths, contexts, fmt), [read_alone(p, c, fmt) for p, c in zip(paths, contexts)]


@pytest.mark.parametrize("files", [FIXTURES, SAMPLE], ids=["fixtures", "sample pilot"])
def test_fixtures_and_sample_files_read_as_the_fast_lane_reads_them(files):
    assert files
    for fmt in x_classic.FORMATS:
        paths = [p for p in files if format_of(p) == fmt]
        contexts = [Context(pilot_id="suffolk", source_file=f"suffolk/{p.name}") for p in paths]
        batch, alone = read_all(paths, contexts, fmt)
        for path, mine, theirs in zip(paths, batch, alone):
            assert_same(mine, theirs, path, frames=files is FIXTURES)


# --------------------------------------------------------------------------- generated groups

def days(start: str, n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    counts = {c: rng.integers(0, 40, n) for c in ("posts", "impressions", "engagements", "likes", "reposts",
                                                   "replies", "profile_visits", "link_clicks", "new_follows")}
    return pd.DataFrame({"person_key": "K", "date": pd.date_range(start, periods=n).date, **counts})


def tweets(first_id: int, n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "person_key": "K", "post_id": [str(first_id + 7 * i) for i in range(n)],
        "timestamp": pd.Timestamp("2023-03-01", tz="UTC") + pd.to_timedelta(rng.integers(0, 80_000, n), unit="min"),
        "text": [f"Ward news {i} &amp; more" if i % 3 else f"@Res{i} thanks\nsee you" for i in range(n)],
        "is_reply": [i % 3 == 0 for i in range(n)],
        **{c: rng.integers(0, 300, n) for c in ("impressions", "engagements", "likes", "reposts", "replies",
                                                   "profile_clicks", "url_clicks")},
    })


def records(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def edit(path: Path, record: int, column: int, value: str) -> None:
    """Put ``value`` in cell ``column`` of data record ``record`` (1-based) of a file
    whose fields are all quoted (as the exports write them)."""
    rows = records(path)
    rows[record][column] = value
    buffer = io.StringIO()
    csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


@pytest.fixture(scope="module")
def group(tmp_path_factory):
    folder = tmp_path_factory.mktemp("x")
    rng = np.random.default_rng(8)
    made: dict[str, list[tuple[str, Path]]] = {"x-daily-activity": [], "x-tweet-activity": []}

    def daily(tag, handle, start, n=6, seed=0, name=None):
        path = folder / (name or f"daily_tweet_activity_metrics_{handle}_{start.replace('-', '')}_20991231_en.csv")
        write_x_daily_activity(path, source_file=path.name, handle=handle, daily=days(start, n, seed), rng=rng)
        made["x-daily-activity"].append((tag, path))
        return path

    def per_tweet(tag, handle, first_id, n=5, seed=0, name=None):
        path = folder / (name or f"tweet_activity_metrics_{handle}_{str(first_id)[:8]}_20991231_en.csv")
        write_x_tweet_activity(path, source_file=path.name, handle=handle, posts=tweets(first_id, n, seed), rng=rng)
        made["x-tweet-activity"].append((tag, path))
        return path

    for k, start in enumerate(["2023-01-01", "2023-04-01", "2023-07-01"]):
        daily("plain", "CllrAnnWest", start, seed=k)
        daily("plain", "CllrBo_Lee", start, n=3 + k, seed=10 + k)
    edit(daily("blank cell", "CllrAnnWest", "2024-01-01", seed=20), 2, 3, "")
    edit(daily("1,204", "CllrAnnWest", "2024-02-01", seed=21), 3, 2, "1,204")
    edit(daily("dash among numbers", "CllrBo_Lee", "2024-03-01", seed=22), 4, 4, "-")
    edit(daily("refused: NaN written", "CllrBo_Lee", "2024-04-01", seed=23), 3, 5, "NaN")
    edit(daily("first cell a dash", "CllrBo_Lee", "2024-05-01", seed=24), 1, 6, "-")
    repeated = daily("refused: day twice", "CllrAnnWest", "2024-06-01", seed=25)
    edit(repeated, 3, 0, records(repeated)[1][0])
    edit(daily("refused: no such day", "CllrAnnWest", "2023-02-20", seed=26), 4, 0, "2023-02-29")
    header_only = daily("header only", "CllrBo_Lee", "2024-07-01", seed=27)
    header_only.write_text(header_only.read_text(encoding="utf-8").split("\n")[0] + "\n", encoding="utf-8")
    narrower = daily("other header", "CllrBo_Lee", "2024-08-01", seed=28)
    narrower.write_text("".join(",".join(f'"{c}"' for c in row[:-1]) + "\n" for row in records(narrower)),
                        encoding="utf-8")
    windows = daily("BOM, CRLF, no final newline", "CllrAnnWest", "2024-09-01", seed=29)
    windows.write_bytes(b"\xef\xbb\xbf" + windows.read_bytes().rstrip(b"\n").replace(b"\n", b"\r\n"))
    daily("no handle: fails", "", "2024-10-01", seed=30, name="export.csv")

    for k, first_id in enumerate([1600000000000000000, 1610000000000000000, 1620000000000000000]):
        per_tweet("plain", "CllrAnnWest", first_id, seed=k)
        per_tweet("plain", "CllrBo_Lee", first_id + 1, n=2 + k, seed=10 + k)
    edit(per_tweet("blank cell", "CllrAnnWest", 1630000000000000000, seed=20), 2, 6, "")
    edit(per_tweet("1,204", "CllrAnnWest", 1640000000000000000, seed=21), 3, 4, "1,204")
    promoted = per_tweet("promoted counts", "CllrBo_Lee", 1650000000000000000, seed=22)
    edit(promoted, 2, records(promoted)[0].index("promoted likes"), "3")
    edit(per_tweet("refused: NaN written", "CllrBo_Lee", 1660000000000000000, seed=23), 3, 5, "NaN")
    twice = per_tweet("refused: tweet twice", "CllrAnnWest", 1670000000000000000, seed=24)
    edit(twice, 4, 0, records(twice)[2][0])
    edit(per_tweet("refused: no such time", "CllrAnnWest", 1680000000000000000, seed=25), 2, 3,
         "2023-02-29 10:00 +0000")
    header_only = per_tweet("header only", "CllrBo_Lee", 1690000000000000000, seed=26)
    header_only.write_text(header_only.read_text(encoding="utf-8").split("\n")[0] + "\n", encoding="utf-8")
    per_tweet("other handle in the name", "CllrBo_Lee", 1700000000000000000, seed=27, name="tweets.csv")
    return made


@pytest.mark.parametrize("fmt", list(x_classic.FORMATS))
def test_a_generated_group_reads_as_each_file_alone(group, fmt):
    tags = [tag for tag, _ in group[fmt]]
    paths = [path for _, path in group[fmt]]
    contexts = [Context(pilot_id="kent" if k % 2 else "suffolk", source_file=f"m/x/{p.name}")
                for k, p in enumerate(paths)]
    batch, alone = read_all(paths, contexts, fmt)
    for tag, path, mine, theirs in zip(tags, paths, batch, alone):
        if tag == "no handle: fails":  # read on its own, reading it fails
            assert isinstance(theirs, x_classic.InputError) and "account:" in str(theirs)
            assert mine is None
            continue
        assert (theirs is None) == tag.startswith("refused"), tag
        assert_same(mine, theirs, (tag, path))
    by_tag = {tag: r for tag, r in zip(tags, batch)}
    if fmt == "x-daily-activity":
        # 6 days × 19 columns of numbers (the promoted ones hold "-"), less the one blank cell
        assert len(by_tag["blank cell"].arrow["metrics"]) == 6 * 19 - 1
        assert "1 empty cell(s) gave no metric row (no value exported)" in by_tag["blank cell"].notes
        assert len(by_tag["header only"].arrow["metrics"]) == 0
        assert by_tag["header only"].arrow["row_fates"]["source_row"].to_pylist() == [1]
        windows = by_tag["BOM, CRLF, no final newline"]
        assert "encoding: utf-8-sig with BOM" in windows.notes
        assert windows.arrow["row_fates"]["source_row"].to_pylist() == [1, 2, 3, 4, 5, 6, 7]
    else:
        assert "promoted_likes" in by_tag["promoted counts"].arrow["posts"].column_names
        assert by_tag["promoted counts"].arrow["posts"]["promoted_likes"].to_pylist()[1] == 3.0  # record 2
        assert "promoted_likes" not in by_tag["plain"].arrow["posts"].column_names
        assert by_tag["other handle in the name"].meta["account"] == "CllrBo_Lee"  # from the permalinks
        assert records(group_path(group, fmt, "blank cell"))[0][6] == "engagement rate"
        blank = by_tag["blank cell"].arrow["posts"]["engagement_rate"].to_pylist()
        assert np.isnan(blank[1]) and not np.isnan(blank[0])  # record 2's empty cell: no number


def group_path(group, fmt, tag):
    return next(path for t, path in group[fmt] if t == tag)


def test_one_file_alone_and_files_of_one_account(group):
    paths = [p for tag, p in group["x-daily-activity"] if tag == "plain"]
    one_account = [p for p in paths if "AnnWest" in p.name]
    for chosen in ([one_account[0]], one_account):
        contexts = [Context()] * len(chosen)
        batch, alone = read_all(chosen, contexts, "x-daily-activity")
        for path, mine, theirs in zip(chosen, batch, alone):
            assert mine is not None
            assert_same(mine, theirs, path)


def test_an_unknown_format_is_refused():
    with pytest.raises(ValueError, match="x-premium"):
        x_classic.read_batch([], [], "x-premium")
