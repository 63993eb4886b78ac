"""The same assessment on DuckDB and on Spark: identical measures, identical scores."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from xiezuo.assessment import job, scoring

pytestmark = pytest.mark.skipif(
    shutil.which("java") is None and not os.environ.get("CI"), reason="Spark needs Java 17"
)


def test_engines_give_identical_scores_on_a_generated_nation(tmp_path: Path) -> None:
    from xiezuo.analytics import generate

    generate.nation(tmp_path / "nation", members=20_000, people=2_000)
    verdicts = job.write_verdicts(tmp_path / "verdicts.parquet", [])
    duck = job.compute(tmp_path / "nation", year=2026, verdicts=verdicts)
    spark = job.compute(tmp_path / "nation", year=2026, verdicts=verdicts, engine_name="spark")
    assert len(duck.units) == 90  # 60 eastern and 30 western prefectures
    assert duck.rows() == spark.rows()
    names = {m for (_, _, _, m, _) in duck.rows()}
    # Every kind of measure has figures: money, people, placements, registry results.
    for measure in (
        "fiscal_aid",
        "verified_labourers_trained",
        "placements",
        "exited_people",
        "income_per_capita",
        "returned_people",
    ):
        assert measure in names, measure
    a = [(u.side, u.unit, u.total, u.grade, u.rank) for u in scoring.score_figures(duck, 2026)]
    b = [(u.side, u.unit, u.total, u.grade, u.rank) for u in scoring.score_figures(spark, 2026)]
    assert a == b
    assert len({t for (_, _, t, _, _) in a}) > 10  # the units really differ
