"""Both engines run the same rule text over the same snapshot and must agree exactly."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.analytics.conftest import World
from xiezuo.analytics import jobs, snapshot

# CI installs Java (.ci/run) and must run these; a laptop without Java skips them.
pytestmark = pytest.mark.skipif(
    shutil.which("java") is None and not os.environ.get("CI"), reason="Spark needs Java 17"
)


def test_spark_and_duckdb_give_identical_findings(world: World, tmp_path: Path) -> None:
    snapshot.export(tmp_path / "snap")
    duck = jobs.run_job(tmp_path / "snap", engine_name="duckdb")
    spark = jobs.run_job(tmp_path / "snap", engine_name="spark")
    assert len(duck.findings) == 12
    assert spark.findings == duck.findings
    assert spark.served == duck.served
    scope = jobs.parse_scope(f"pairing:{world.county_pairing.pk}")
    assert (
        jobs.run_job(tmp_path / "snap", engine_name="spark", scope=scope).findings
        == jobs.run_job(tmp_path / "snap", scope=scope).findings
    )


def test_engines_agree_on_a_generated_nation(tmp_path: Path) -> None:
    from xiezuo.analytics import generate

    generate.nation(tmp_path / "nation", members=20_000, people=2_000)
    duck = jobs.run_job(tmp_path / "nation", engine_name="duckdb")
    spark = jobs.run_job(tmp_path / "nation", engine_name="spark")
    # Every rule the generator injects has work to do, and the engines agree on each finding.
    assert {"V01", "V02", "V05", "V07", "V08", "V10", "V11"} <= set(duck.per_rule)
    assert spark.findings == duck.findings
