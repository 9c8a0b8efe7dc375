"""Every raw file of the committed sample (data/sample) is laid out as its real tool writes
it, is detected as its format, has a fate for every record, and reads back as the truth."""

import csv
import datetime as dt
import io
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from evalkit.pipeline import context_for
from evalkit.programme import load_programme
from evalkit.readers import detect, read
from evalkit.readers.base import decode, record_start_lines

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample"
FILES = pd.read_csv(SAMPLE / "truth" / "files.csv")
UTF16 = b"\xff\xfe"
UTF8_BOM = b"\xef\xbb\xbf"


CASES = [(r.source_file, r.format) for r in FILES.itertuples()]


@pytest.fixture(scope="module")
def truth():
    names = ("attendance", "responses", "comments", "metrics", "posts", "row_fates")
    return {n: pd.read_parquet(SAMPLE / "truth" / f"{n}.parquet") for n in names}


@pytest.fixture(scope="module")
def programme():
    return load_programme(SAMPLE)


def _text(path: Path, encoding: str) -> str:
    data = path.read_bytes()
    if encoding == "utf-16":
        assert data.startswith(UTF16)
        return data[2:].decode("utf-16-le")
    if encoding == "utf-8-sig":
        assert data.startswith(UTF8_BOM)
        return data[3:].decode("utf-8")
    assert not data.startswith((UTF8_BOM, UTF16))
    return data.decode(encoding)


def _records(text: str, delimiter: str = ",") -> list[list[str]]:
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


def _every_field_quoted(text: str) -> bool:
    """True when every record is "a","b",...: each field opens and closes with a quote."""
    return all(re.fullmatch(r'""(,"")*', _strip_quoted(record)) for record in _raw_records(text))


def _raw_records(text: str) -> list[str]:
    text = text.replace("\r\n", "\n")
    text = text[:-1] if text.endswith("\n") else text
    starts = record_start_lines(text)
    lines = text.split("\n")
    ends = list(starts[1:] - 1) + [len(lines)]
    return ["\n".join(lines[s - 1:e]) for s, e in zip(starts, ends) if "\n".join(lines[s - 1:e]).strip()]


def _strip_quoted(record: str) -> str:
    """The record with the inside of every quoted field emptied."""
    return re.sub(r'"(?:[^"]|"")*"', '""', record)


# --------------------------------------------------------------------------- layouts, one per format

def _teams(path: Path) -> None:
    text = _text(path, "utf-16")
    lines = text.replace("\r\n", "\n").split("\n")
    assert "\t" in text and "," not in lines[0]
    day_first = re.compile(r"\d{2}/\d{2}/(\d{2}|\d{4}), \d{2}:\d{2}:\d{2}$")
    month_first = re.compile(r"\d{1,2}/\d{1,2}/(\d{2}|\d{4}), \d{1,2}:\d{2}:\d{2} (AM|PM)$")
    if lines[0] == "Meeting Summary":  # the 2021-22 layout
        assert lines[1].startswith("Total Number of Participants\t")
        header = next(line for line in lines if line.startswith("Full Name\t"))
        assert header.split("\t") == ["Full Name", "Join Time", "Leave Time", "Duration", "Email", "Role",
                                      "Participant ID (UPN)"]
    else:  # the numbered-sections layout
        assert lines[0] == "1. Summary"
        assert "2. Participants" in lines
        assert any(line.lower() == "3. in-meeting activities" for line in lines)
    starts = [line.split("\t")[1] for line in lines if line.startswith(("Start time\t", "Meeting Start Time\t"))]
    assert len(starts) == 1
    assert day_first.match(starts[0]) or month_first.match(starts[0])


def _zoom(path: Path, unique: bool) -> None:
    data = path.read_bytes()
    text = _text(path, "utf-8-sig")
    assert data.count(b"\r\n") == data.count(b"\n") and data.endswith(b"\r\n")
    lines = text.split("\r\n")
    assert lines[0] == "Meeting ID,Topic,Start Time,End Time,User Email,Duration (Minutes),Participants,"
    meeting = next(csv.reader([lines[1]]))
    assert re.fullmatch(r"\d{11}", meeting[0])
    stamp = re.compile(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2} (AM|PM)$")
    assert stamp.match(meeting[2]) and stamp.match(meeting[3])
    assert lines[2] == ""
    if unique:
        assert lines[3] == "Name (Original Name),User Email,Total Duration (Minutes),Guest"
    else:
        header = lines[3].split(",")
        assert header[:6] == ["Name (Original Name)", "User Email", "Join Time", "Leave Time",
                              "Duration (Minutes)", "Guest"]
        rows = [r for r in _records("\n".join(lines[4:])) if r]
        assert all(stamp.match(r[2]) and stamp.match(r[3]) for r in rows)


def _google_forms(path: Path) -> None:
    text = _text(path, "utf-8")
    assert _every_field_quoted(text)
    records = _records(text)
    assert records[0][0] == "Timestamp" and records[0][1] in ("Email address", "Email Address")
    stamp = re.compile(r"(\d{4})/(\d{2})/(\d{2}) (\d{1,2}):\d{2}:\d{2} (AM|PM) (GMT\+1|GMT)$")
    for record in records[1:]:
        match = stamp.match(record[0])
        assert match, record[0]
        day = dt.date(*(int(match.group(i)) for i in (1, 2, 3)))
        summer = dt.date(day.year, 3, 31) - dt.timedelta(days=(dt.date(day.year, 3, 31).weekday() + 1) % 7) \
            <= day < dt.date(day.year, 10, 31) - dt.timedelta(days=(dt.date(day.year, 10, 31).weekday() + 1) % 7)
        assert match.group(6) == ("GMT+1" if summer else "GMT"), record[0]


def _surveymonkey(path: Path) -> None:
    text = _text(path, "utf-8-sig")
    assert "\r\n" in text
    records = _records(text)
    own = ["Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address", "Email Address",
           "First Name", "Last Name", "Custom Data 1"]
    assert records[0][:9] == own
    assert records[1][:9] == [""] * 9
    assert set(records[1][9:]) & {"Response", "Open-Ended Response"}
    stamp = re.compile(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}:\d{2} (AM|PM)$")
    for record in records[2:]:
        assert re.fullmatch(r"\d{10,12}", record[0]) and stamp.match(record[2]) and stamp.match(record[3])


def _ms_forms(path: Path) -> None:
    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    rows = [r for r in sheet.iter_rows(values_only=True) if any(v is not None for v in r)]
    assert list(rows[0][:5]) == ["ID", "Start time", "Completion time", "Email", "Name"]
    for row in rows[1:]:
        assert isinstance(row[1], dt.datetime) and isinstance(row[2], dt.datetime)  # real Excel date-times


def _x_tweets(path: Path) -> None:
    text = _text(path, "utf-8")
    assert _every_field_quoted(text)
    records = _records(text)
    assert records[0][:4] == ["Tweet id", "Tweet permalink", "Tweet text", "time"]
    assert "favorites" in records[0] or "likes" in records[0]
    times = [r[3] for r in records[1:]]
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} \+0000", t) for t in times)
    assert times == sorted(times, reverse=True)  # newest first
    assert all(re.fullmatch(r"\d{19}", r[0]) for r in records[1:])
    handle = re.match(r"tweet_activity_metrics_(.+)_\d{8}_\d{8}_en\.csv$", path.name).group(1)
    assert all(r[1] == f"https://twitter.com/{handle}/status/{r[0]}" for r in records[1:])


def _x_daily(path: Path) -> None:
    text = _text(path, "utf-8")
    assert _every_field_quoted(text)
    records = _records(text)
    assert records[0][:4] == ["Date", "Tweets published", "impressions", "engagements"]
    dates = [r[0] for r in records[1:]]
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", d) for d in dates) and dates == sorted(dates)


def _x_overview(path: Path) -> None:
    data = path.read_bytes()
    assert not data.endswith(b"\n")
    records = _records(_text(path, "utf-8"))
    assert records[0] == ["Date", "Impressions", "Likes", "Engagements", "Bookmarks", "Shares", "New follows",
                          "Unfollows", "Replies", "Reposts", "Profile visits", "Create Post", "Video views",
                          "Media views"]
    days = [dt.datetime.strptime(r[0], "%a, %b %d, %Y").date() for r in records[1:]]
    assert all(re.fullmatch(r"[A-Z][a-z]{2}, [A-Z][a-z]{2} [1-9]\d?, \d{4}", r[0]) for r in records[1:])
    assert days == sorted(days, reverse=True)


def _x_content(path: Path) -> None:
    records = _records(_text(path, "utf-8"))
    assert records[0][:4] == ["Post id", "Date", "Post text", "Post Link"]
    assert all(re.fullmatch(r"\d{19}", r[0]) for r in records[1:])


def _facebook(path: Path) -> None:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("cp1252")
    records = _records(text)
    assert records[0][0] == "Date" and "Lifetime Total Likes" in records[0]
    assert records[1][0] == "" and all(records[1][1:])  # the descriptions row
    assert len(records[0]) > 50
    assert records[0].count("Daily Logged-in Page Views") == 2
    assert all(re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}", r[0]) for r in records[2:] if r)


def _meta_suite(path: Path) -> None:
    text = _text(path, "utf-16")
    lines = text.replace("\r\n", "\n").split("\n")
    assert lines[0] == "sep=,"
    assert re.fullmatch(r'"[A-Z][A-Za-z ]+"', lines[1])
    assert lines[2] == '"Date","Primary"'
    rows = [line for line in lines[3:] if line]
    assert all(re.fullmatch(r'"\d{4}-\d{2}-\d{2}T00:00:00","\d+"', line) for line in rows)


def _register(path: Path) -> None:
    if path.suffix == ".xlsx":
        book = openpyxl.load_workbook(path)
        for sheet in book.worksheets:
            merged = [str(r) for r in sheet.merged_cells.ranges]
            assert any(r.startswith("A1:") for r in merged), "a merged title row"
            rows = [list(r) for r in sheet.iter_rows(values_only=True)]
            header = next(i for i, r in enumerate(rows) if r[0] == "Name")
            assert header >= 1
            filled = [i for i, r in enumerate(rows) if any(v not in (None, "") for v in r)]
            blank_after_table = [i for i in range(header, filled[-1]) if i not in filled]
            assert blank_after_table, "notes sit below the table after a blank row"
            assert re.search(r"typed up", " ".join(str(rows[i][0]) for i in filled[-2:]), re.I)
    else:
        records = _records(_text(path, "utf-8-sig"))
        header = next(i for i, r in enumerate(records) if r and r[0] == "Name")
        assert header >= 1 and all(v == "" for v in records[0][1:])  # a title row above the header
        assert len(records[header]) > 3  # a column per session


def _eventbrite(path: Path) -> None:
    records = _records(_text(path, "utf-8"))
    assert records[0][:13] == ["Order #", "Order Date", "First Name", "Last Name", "Email", "Quantity", "Price Tier",
                               "Ticket Type", "Attendee #", "Group", "Order Type", "Currency", "Total Paid"]
    assert "Attendee Status" in records[0]
    statuses = {r[records[0].index("Attendee Status")] for r in records[1:] if r}
    assert statuses <= {"Attending", "Checked In", "Not Attending"} and "Checked In" in statuses


def _paper(path: Path) -> None:
    text = _text(path, "utf-8")
    records = _records(text)
    assert "Name (optional)" in records[0]
    assert any(h.endswith("?") for h in records[0])
    cells = {c for r in records[1:] for c in r}
    assert {"SA", "N/A"} & cells and any(re.match(r"\d - ", c) for c in cells)
    assert any('"' in c or "'" in c for c in cells)  # stray quotes survive


LAYOUTS = {
    "teams-attendance-report": _teams,
    "zoom-participants": lambda p: _zoom(p, unique=False),
    "zoom-unique-users": lambda p: _zoom(p, unique=True),
    "google-forms": _google_forms,
    "surveymonkey-expanded": _surveymonkey,
    "microsoft-forms": _ms_forms,
    "x-tweet-activity": _x_tweets,
    "x-daily-activity": _x_daily,
    "x-account-overview": _x_overview,
    "x-account-content": _x_content,
    "facebook-insights": _facebook,
    "meta-business-suite": _meta_suite,
    "sign-in-sheet": _register,
    "eventbrite-attendees": _eventbrite,
    "paper-evaluation": _paper,
}


def test_every_format_is_in_the_sample():
    assert set(FILES["format"]) == set(LAYOUTS)


@pytest.mark.parametrize("source_file,fmt", CASES, ids=[c[0] for c in CASES])
def test_layout_is_the_tools_own(source_file, fmt):
    LAYOUTS[fmt](SAMPLE / source_file)


@pytest.mark.parametrize("source_file,fmt", CASES, ids=[c[0] for c in CASES])
def test_detected_as_its_format(source_file, fmt):
    assert detect(SAMPLE / source_file) == fmt


@pytest.mark.parametrize("source_file,fmt", CASES, ids=[c[0] for c in CASES])
def test_every_record_has_one_fate(truth, source_file, fmt):
    fates = truth["row_fates"]
    own = fates[(fates["source_file"] == source_file) | fates["source_file"].str.startswith(source_file + "#")]
    assert not own.duplicated(["source_file", "source_row"]).any()
    assert own["fate"].isin(["kept", "merged", "quarantined", "skipped-structure"]).all()
    assert own.loc[own["fate"] == "quarantined", "reason"].notna().all()
    path = SAMPLE / source_file
    if path.suffix == ".xlsx":
        book = openpyxl.load_workbook(path, read_only=True)
        for sheet in book.worksheets:
            rows = list(sheet.iter_rows(values_only=True))
            last = max(i for i, r in enumerate(rows, 1) if any(v not in (None, "") for v in r))
            name = f"{source_file}#{sheet.title}" if len(book.worksheets) > 1 else source_file
            assert sorted(own.loc[own["source_file"] == name, "source_row"]) == list(range(1, last + 1))
    else:
        text, _ = decode(path)
        assert sorted(own["source_row"]) == list(record_start_lines(text))


def _comparable(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    out = frame[columns].copy()
    for column in columns:
        values = out[column]
        if pd.api.types.is_float_dtype(values) or pd.api.types.is_integer_dtype(values):
            out[column] = values.astype("float64").round(9)
        else:
            out[column] = values.astype("object").where(values.notna(), None).map(
                lambda v: None if v is None else str(v))
    keys = [c for c in ("source_file", "source_row", "session_id", "question", "date", "metric", "post_id")
            if c in columns]
    return out.sort_values(keys, kind="stable").reset_index(drop=True)


@pytest.mark.parametrize("source_file,fmt", CASES, ids=[c[0] for c in CASES])
def test_reading_the_file_gives_the_truth(truth, programme, source_file, fmt):
    pilot = programme.pilot(source_file.split("/")[0])
    path = SAMPLE / source_file
    context, pinned, _ = context_for(programme, pilot, path)
    reading = read(path, context, format=pinned)
    for name in ("attendance", "responses", "comments", "metrics", "posts"):
        table = truth[name]
        expected = table[(table["source_file"] == source_file)
                         | table["source_file"].str.startswith(source_file + "#")] if len(table) else table
        got = reading.tables.get(name, pd.DataFrame())
        assert len(got) == len(expected), name
        if not len(expected):
            continue
        columns = [c for c in expected.columns
                   if c in got.columns and c not in ("pilot_id", "participant_id", "person_key")
                   and expected[c].notna().any()]
        pd.testing.assert_frame_equal(_comparable(got, columns), _comparable(expected, columns), obj=name)
    fates = truth["row_fates"]
    expected = fates[(fates["source_file"] == source_file) | fates["source_file"].str.startswith(source_file + "#")]
    ours = reading.fates.sort_values(["source_file", "source_row"])[["source_file", "source_row", "fate"]]
    theirs = expected.sort_values(["source_file", "source_row"])[["source_file", "source_row", "fate"]]
    assert ours.astype(str).values.tolist() == theirs.astype(str).values.tolist()
