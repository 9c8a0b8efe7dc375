"""The whole pipeline on a small national roll-out: generate 12 areas, clean them in worker
processes into the store partitioned by pilot, and render every area's report, the
cross-pilot report and the index. Keeps the scale paths covered by CI."""

import pandas as pd
import pytest

from evalkit.pipeline import clean_programme
from evalkit.report.render import render_programme
from evalkit.sample.rollout import generate_rollout, read_truth

AREAS = 12


@pytest.fixture(scope="module")
def rollout(tmp_path_factory):
    root = tmp_path_factory.mktemp("rollout")
    programme = root / "programme"
    generate_rollout(programme, areas=AREAS, seed=11, years=0.25)
    return root, programme


@pytest.mark.slow
def test_a_roll_out_cleans_to_its_truth_and_renders(rollout):
    root, programme = rollout
    clean = root / "clean"
    result = clean_programme(programme, out=clean, jobs=2, layout="partitioned")
    assert result.exit_code in (0, 1)
    assert (clean / "metrics.parquet").is_dir()  # partitioned by pilot
    for table in ("attendance", "responses", "metrics", "posts"):
        truth = read_truth(programme, table)
        got = pd.read_parquet(clean / f"{table}.parquet")
        assert len(got) == len(truth), table
        assert got["pilot_id"].astype(str).nunique() == truth["pilot_id"].astype(str).nunique()

    site = render_programme(programme, out=root / "site", clean_dir=clean, jobs=2, progress=False)
    assert site.failures == [], [r.describe() for r in site.failures]
    assert len(site.results) == AREAS + 1
    index = (root / "site" / "index.html").read_text(encoding="utf-8")
    assert index.count('<tr data-search="') == AREAS
    assert 'id="pilot-filter"' in index  # a searchable list once there are many areas
    assert (root / "site" / "cross-pilot.html").exists()
