import pandas as pd
import pytest

from evalkit import schemas


def _attendance(**overrides):
    row = {
        "pilot_id": "suffolk",
        "source_file": "suffolk/attendance/ws1.csv",
        "source_row": 9,
        "session_id": "ws1",
        "participant_id": None,
        "source_name": "Smith, Jane (External)",
        "source_email": "jane.smith@suffolk.gov.uk",
        "status": "present",
        "joined_at": pd.Timestamp("2022-11-15 09:30:17", tz="Europe/London"),
        "left_at": pd.Timestamp("2022-11-15 10:43:59", tz="Europe/London"),
        "minutes_present": 73.7,
        "source": "teams",
    }
    row.update(overrides)
    return pd.DataFrame([row])


def test_every_canonical_table_has_the_spec_columns():
    assert schemas.columns("attendance")[3:] == [
        "session_id", "participant_id", "source_name", "source_email", "status",
        "joined_at", "left_at", "minutes_present", "source",
    ]
    assert set(schemas.TABLES) == {
        "participants", "sessions", "attendance", "responses", "comments",
        "metrics", "posts", "links", "row_fates",
    }
    for name in schemas.TABLES:
        assert schemas.validate(name, schemas.empty(name)).empty


def test_a_valid_frame_passes():
    frame = _attendance()
    assert schemas.validate("attendance", frame) is frame


def test_three_different_faults_are_all_reported():
    frame = pd.concat(
        [
            _attendance(),
            _attendance(status="late"),                                   # not a status
            _attendance(minutes_present=-5.0),                            # negative time
            _attendance(joined_at=pd.Timestamp("2022-11-15 09:30:17")),   # naive time
        ],
        ignore_index=True,
    )
    frame["joined_at"] = frame["joined_at"].astype("object")
    with pytest.raises(schemas.TableValidationError) as caught:
        schemas.validate("attendance", frame)
    faults = caught.value.failures
    assert set(faults["column"]) == {"status", "minutes_present", "joined_at"}
    message = str(caught.value)
    assert "3 fault(s)" in message or len(faults) >= 3
    for text in ("status", "late", "minutes_present", "-5.0", "joined_at"):
        assert text in message
    assert set(faults.loc[faults["column"] == "status", "row"]) == {1}
    assert set(faults.loc[faults["column"] == "minutes_present", "row"]) == {2}


def test_a_missing_column_is_reported_with_the_others():
    frame = _attendance(status="late").drop(columns=["source"])
    faults = schemas.failures("attendance", frame)
    assert {"source", "status"} <= set(faults["column"].astype(str)) | set(faults["value"].astype(str))
    assert len(faults) >= 2


def test_row_fates_must_be_unique_per_physical_row():
    fates = pd.DataFrame(
        {
            "pilot_id": ["p", "p"],
            "source_file": ["a.csv", "a.csv"],
            "source_row": [3, 3],
            "fate": ["kept", "merged"],
            "table": ["attendance", "attendance"],
            "reason": [None, None],
        }
    )
    with pytest.raises(schemas.TableValidationError):
        schemas.validate("row_fates", fates)


def test_unknown_table_names_the_known_ones():
    with pytest.raises(KeyError, match="participants"):
        schemas.columns("people")
