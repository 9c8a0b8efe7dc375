"""What the batch readers' tests check: a file read in a batch is the file read alone."""

import numpy as np
import pandas as pd
import pyarrow as pa


def assert_same(batch, alone, path, frames=True):
    """Every table (schema, values, dictionaries), fate, note and meta alike (and, with
    ``frames``, the pandas frames made of them)."""
    assert (batch is None) == (alone is None), path
    if batch is None:
        return
    assert (batch.format, batch.notes, batch.meta) == (alone.format, alone.notes, alone.meta), path
    assert list(batch.arrow) == list(alone.arrow), path
    for name, table in alone.arrow.items():
        mine = batch.arrow[name]
        assert mine.schema.equals(table.schema), (path, name)
        assert mine.num_rows == table.num_rows, (path, name)
        for column in table.column_names:
            ours, theirs = mine.column(column).combine_chunks(), table.column(column).combine_chunks()
            if pa.types.is_floating(theirs.type):  # NaN, no number, is equal to NaN here
                assert ours.is_null().equals(theirs.is_null()), (path, name, column)
                np.testing.assert_array_equal(ours.to_numpy(zero_copy_only=False),
                                              theirs.to_numpy(zero_copy_only=False), err_msg=str((path, column)))
            else:
                assert ours.equals(theirs), (path, name, column)
        if not any(pa.types.is_floating(t) for t in table.schema.types):
            assert mine.equals(table), (path, name)
        for column in table.column_names:
            if pa.types.is_dictionary(table.schema.field(column).type):
                theirs = [chunk.dictionary.to_pylist() for chunk in table.column(column).chunks]
                assert [chunk.dictionary.to_pylist() for chunk in mine.column(column).chunks] == theirs, \
                    (path, name, column)
    assert batch.tables.keys() == alone.tables.keys()
    if not frames:
        return
    for name in alone.tables:
        pd.testing.assert_frame_equal(batch.tables[name], alone.tables[name])
    pd.testing.assert_frame_equal(batch.fates, alone.fates)
