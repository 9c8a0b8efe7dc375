"""Physical line accounting for CSV records (quoted line breaks, blank lines)."""

import csv
import io

from hypothesis import given, settings, strategies as st

from evalkit.readers.base import decode_bytes, read_csv_records, record_start_lines

field = st.text(alphabet=st.sampled_from(list('ab ,"\n\u00e9')), max_size=6)
record = st.lists(field, min_size=1, max_size=4)


@given(st.lists(st.one_of(record, st.just(None)), min_size=1, max_size=12))
@settings(max_examples=200, deadline=None)
def test_every_record_starts_where_it_was_written(records):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    expected_lines, line = [], 1
    for rec in records:
        start = buffer.tell()
        if rec is None:
            buffer.write("\n")
        else:
            writer.writerow(rec)
        expected_lines.append(line)
        line += buffer.getvalue()[start:].count("\n")
    text = buffer.getvalue()
    got = record_start_lines(text)
    parsed, lines = read_csv_records(text)
    assert list(got) == expected_lines
    assert len(parsed) == len(records)


def test_decoding_says_which_encoding():
    assert decode_bytes("a\tb".encode("utf-16"))[1] == "utf-16 with BOM"
    assert decode_bytes("a\tb".encode("utf-16-le"))[1] == "utf-16-le without BOM"
    assert decode_bytes("\ufeffa,b".encode("utf-8"))[1] == "utf-8-sig with BOM"
    assert decode_bytes("caf\u00e9".encode("cp1252")) == ("caf\u00e9", "cp1252")


wide_record = st.lists(field, min_size=3, max_size=3)


@given(st.lists(st.one_of(wide_record, st.just(None)), min_size=12, max_size=30))
@settings(max_examples=150, deadline=None)
def test_long_files_read_by_arrow_give_the_csv_modules_cells_and_lines(records):
    """read_csv_frame reads more than ten records with Arrow's reader; blank lines come back
    as rows of empty cells, every record with the line it starts on."""
    from evalkit.readers.base import read_csv_frame

    if records[0] is None or all(r == ["", "", ""] for r in records if r is not None):
        records[0] = ["x", "y", "z"]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    for rec in records:
        if rec is None:
            buffer.write("\n")
        else:
            writer.writerow(rec)
    text = buffer.getvalue()
    cells, lines = read_csv_frame(text)
    expected, expected_lines = read_csv_records(text)
    assert lines.tolist() == expected_lines.tolist()
    assert cells.values.tolist() == [row if row else ["", "", ""] for row in expected]
