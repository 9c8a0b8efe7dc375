"""The pieces the metrics readers share to read a pilot's files of one format together."""

import numpy as np
import pyarrow as pa

from evalkit.readers import grouped


def test_most_common_handle_by_file_breaks_ties_on_the_smallest():
    values = pa.array(["b", "a", None, "b", "a", "c", None])
    files = np.array([0, 0, 0, 1, 1, 1, 2])
    # file 0: a and b once each (a); file 1: one each of b, a, c (a); file 2: none
    assert grouped.most_common_by_file(values, files, 3) == ["a", "a", None]
    assert grouped.most_common_by_file(pa.array(["z", "z", "y"]), np.array([0, 0, 1]), 2) == ["z", "y"]


def test_one_word_columns_hold_their_value_once():
    column = grouped.one_word("area-001", 70_000)  # longer than the shared run of zeros at first
    assert len(column) == 70_000 and column.dictionary.to_pylist() == ["area-001"]
    assert column.indices.to_numpy().max() == 0 and column.null_count == 0
    assert grouped.one_word(None, 3).to_pylist() == [None, None, None]
