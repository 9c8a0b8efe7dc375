"""Shared fixtures: the bundled sample programme, cleaned once per test session."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
SAMPLE_KEY = b"evalkit test key: not the sample's demo key"


@pytest.fixture(scope="session")
def sample_clean(tmp_path_factory):
    """``evalkit clean data/sample`` run once: the CleanResult and the folder it wrote."""
    from evalkit.pipeline import clean_programme, write_clean

    result = clean_programme(SAMPLE, key=SAMPLE_KEY)
    out = write_clean(result, tmp_path_factory.mktemp("sample-clean"))
    return result, out
