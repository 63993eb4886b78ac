"""The yearly assessment (考核评价) on a generated nation: seconds for one year's whole national
computation on DuckDB (target: under 10 s at 1,000,000 registry members), the same on Spark
(local mode, 127.0.0.1) with a check that the scores are identical, and the time at 20,000,000
members. Generation is not timed (xiezuo.analytics.generate; under var/, never in git). Prints
figures, never fails on them.

    .venv/bin/python benchmarks/assessment.py [--members 1000000] [--large 20000000]
                                              [--spark-members 1000000] [--out var/bench-assess]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import _common

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xiezuo.settings")
os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")


def timed(path: Path, engine: str, verdicts: Path) -> tuple[float, list[tuple[object, ...]]]:
    from xiezuo.assessment import job, scoring

    start = time.perf_counter()
    figures = job.compute(path, year=2026, verdicts=verdicts, engine_name=engine)
    scored = scoring.score_figures(figures, 2026)
    seconds = time.perf_counter() - start
    return seconds, [(u.side, u.unit, u.total, u.grade, u.rank) for u in scored]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--large", type=int, default=20_000_000, help="0 to skip")
    parser.add_argument("--spark-members", type=int, default=1_000_000, help="0 to skip")
    parser.add_argument("--out", type=Path, default=_common.REPO_DIR / "var" / "bench-assess")
    args = parser.parse_args()
    import django

    django.setup()
    from xiezuo.analytics import generate
    from xiezuo.assessment import job

    args.out.mkdir(parents=True, exist_ok=True)
    verdicts = job.write_verdicts(args.out / "verdicts.parquet", [])
    sizes = [args.members] + ([args.large] if args.large else [])
    results: dict[int, list[tuple[object, ...]]] = {}
    for members in sizes:
        path = args.out / f"nation-{members}"
        generate.nation(path, members=members, people=max(members // 10, 1000))
        seconds, scores = timed(path, "duckdb", verdicts)
        results[members] = scores
        print(
            f"assessment duckdb: {members:,} members, {len(scores)} units scored in "
            f"{seconds:.2f} s (target < 10 s at 1,000,000); peak RSS "
            f"{_common.peak_rss_mb():,.0f} MB"
        )
    if args.spark_members:
        path = args.out / f"nation-{args.spark_members}"
        if args.spark_members not in results:
            generate.nation(path, members=args.spark_members, people=args.spark_members // 10)
            results[args.spark_members] = timed(path, "duckdb", verdicts)[1]
        seconds, scores = timed(path, "spark", verdicts)
        same = "identical" if scores == results[args.spark_members] else "DIFFERENT"
        print(
            f"assessment spark (local[2]): {args.spark_members:,} members in {seconds:.2f} s; "
            f"scores {same} to DuckDB's"
        )


if __name__ == "__main__":
    main()
