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
