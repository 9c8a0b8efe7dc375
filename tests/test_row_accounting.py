"""Row accounting under messy input: generated files with random blank lines, duplicate
rows, bad values, quoted line breaks and odd encodings never lose or double-count a record.

Each generated file is read and its ``row_fates`` checked against what was written: one fate
per physical record (a quoted line break does not start a new record), at the line where the
record starts, with the expected fate for every record.
"""

import csv
import io

from hypothesis import HealthCheck, given, settings, strategies as st

from evalkit.readers import read
from evalkit.readers.base import Context

ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "cp1252"]
LABELS = ["Strongly agree", "agree", "SA", "4 - Agree", "Disagree", "N/A", ""]
BAD_LABELS = ["Stronly agree", "agree?!", "6"]
COMMENTS = ["", "Useful", 'Two things: "slides" were small,\nand the room was cold', "Good\n\nthanks", "Café, fine"]
ITEMS = {"The workshop was useful": ("useful", "agreement", None, {})}


def _context():
    return Context(item_for_question=lambda q: ITEMS.get(q), wave="feedback", session_id="ws1",
                   source_file="generated.csv")


record = st.fixed_dictionaries({
    "label": st.sampled_from(LABELS),
    "bad": st.booleans(),
    "comment": st.sampled_from(COMMENTS),
    "blank_after": st.integers(0, 2),
    "duplicate": st.booleans(),
})


@given(st.lists(record, min_size=1, max_size=10), st.sampled_from(ENCODINGS), st.sampled_from(["\n", "\r\n"]))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_google_forms_records_are_each_accounted_for_once(tmp_path_factory, records, encoding, newline):
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator=newline)
    writer.writerow(["Timestamp", "Email address", "The workshop was useful", "Any other comments?"])
    line = 2
    expected = {}  # physical line → fate
    for i, r in enumerate(records):
        label = BAD_LABELS[i % len(BAD_LABELS)] if r["bad"] else r["label"]
        row = [f"2024/10/{10 + i % 18:02d} 9:{i:02d}:00 AM GMT+1", f"person{i}@solihull.gov.uk", label, r["comment"]]
        copies = 2 if r["duplicate"] and not r["bad"] else 1
        for copy in range(copies):
            start = buffer.tell()
            writer.writerow(row)
            expected[line] = "quarantined" if r["bad"] else ("kept" if copy == 0 else "merged")
            line += buffer.getvalue()[start:].count("\n")
        for _ in range(r["blank_after"]):
            buffer.write(newline)
            expected[line] = "skipped-structure"
            line += 1
    expected[1] = "skipped-structure"
    path = tmp_path_factory.mktemp("messy") / "feedback.csv"
    path.write_bytes(buffer.getvalue().encode(encoding))

    reading = read(path, _context())
    assert reading.format == "google-forms"
    fates = reading.fates
    assert fates["source_row"].is_unique
    assert dict(zip(fates["source_row"].astype(int), fates["fate"])) == expected
    answered = [r for r in records if not r["bad"] and r["label"] not in ("",)]
    assert len(reading.tables["responses"]) == len(answered)


register_row = st.fixed_dictionaries({
    "marks": st.lists(st.sampled_from(["✓", "Y", "x", "yes", "1", "Present", "apols", "A", ""]), min_size=2, max_size=2),
    "bad": st.booleans(),
    "blank_after": st.integers(0, 2),
    "duplicate": st.booleans(),
})


@given(st.lists(register_row, min_size=1, max_size=10), st.sampled_from(ENCODINGS))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_register_records_are_each_accounted_for_once(tmp_path_factory, rows, encoding):
    lines = ["Councillors' social media workshops - attendance,,", "Name,Workshop 1,Workshop 2"]
    expected = {1: "skipped-structure", 2: "skipped-structure"}
    for i, r in enumerate(rows):
        marks = list(r["marks"])
        if r["bad"]:
            marks[0] = "late?"
        text = f"Cllr Person{chr(65 + i)} Smith,{marks[0]},{marks[1]}"
        copies = 2 if r["duplicate"] and not r["bad"] else 1
        for copy in range(copies):
            lines.append(text)
            expected[len(lines)] = "quarantined" if r["bad"] else ("kept" if copy == 0 else "merged")
        for _ in range(r["blank_after"]):
            lines.append("")
            expected[len(lines)] = "skipped-structure"
    text = "\n".join(lines) + "\n"
    if encoding == "cp1252":  # a tick typed in Wingdings arrives as ü in a Windows-1252 file
        text = text.replace("✓", "ü")
    path = tmp_path_factory.mktemp("messy") / "register.csv"
    path.write_bytes(text.encode(encoding))

    reading = read(path, Context(source_file="register.csv"))
    assert reading.format == "sign-in-sheet"
    fates = reading.fates
    assert fates["source_row"].is_unique
    assert dict(zip(fates["source_row"].astype(int), fates["fate"])) == expected
    # every mark of every kept or quarantined row is there once (a bad mark is not)
    attendance = reading.tables["attendance"]
    assert len(attendance) == sum(2 - int(r["bad"]) for r in rows)
