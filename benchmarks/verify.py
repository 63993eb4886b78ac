"""Verification (数据比对) on a generated national-size snapshot: rows/s on DuckDB and on Spark.

Generates the snapshot straight to Parquet (xiezuo.analytics.generate; under var/, never in
git), runs every rule on DuckDB over all of it, then runs DuckDB and Spark (local mode,
127.0.0.1) over a smaller sample and checks that their findings are identical. Prints figures,
never fails on them. Also times the same rules as a plain pandas merge-based check on the same
files (benchmarks/_pandas_rules.py; every SQL rule, not the linkage) and prints the ratio, and
whether its findings per rule equal DuckDB's.

    .venv/bin/python benchmarks/verify.py [--members 20000000] [--people 2000000]
                                          [--spark-members 1000000] [--out var/bench-verify]
                                          [--skip-spark] [--skip-pandas]
"""

from __future__ import annotations

import argparse
import os
import shutil
import time
from pathlib import Path

import _common

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xiezuo.settings")
os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")


def timed_run(path: Path, engine: str) -> tuple[float, float, object]:
    """Seconds of the SQL rules and of the linkage, and the result."""
    from xiezuo.analytics import jobs, rules

    marks: dict[str, float] = {}

    def step(what: str, pct: int) -> None:
        marks.setdefault(what, time.perf_counter())

    start = time.perf_counter()
    result = jobs.run_job(path, engine_name=engine, step=step)
    end = time.perf_counter()
    linkage_start = marks.get(rules.LINKAGE, end)
    return linkage_start - start, end - linkage_start, result


def accuracy(path: Path, result: object) -> None:
    """Precision and recall per rule against the generator's ground truth (truth_findings.parquet;
    for the V11 linkage, whether it names the member the person really is: truth.parquet), and
    the recall of the injected faults alone; "no truth" for a rule the generated data does not
    speak for."""
    from xiezuo.analytics import generate

    for rule, s in generate.score(path, result.findings).items():  # type: ignore[attr-defined]
        if s is None:
            print(f"  {rule}: no truth")
            continue
        print(
            f"  {rule}: precision {s.precision:.3f}, recall {s.recall:.3f} "
            f"({s.found:,} found, {s.wanted:,} in truth; {s.injected:,} injected, "
            f"recall {s.injected_recall:.3f})"
        )


def pandas_baseline(path: Path, result: object, duck_sql_s: float) -> None:
    """The same rules as plain pandas merges on the same files, timed against DuckDB's SQL
    rules (the linkage is left out of both: it is no merge)."""
    import _pandas_rules

    start = time.perf_counter()
    counts = _pandas_rules.check(path)
    pandas_s = time.perf_counter() - start
    duck = {
        r: n
        for r, n in result.per_rule.items()  # type: ignore[attr-defined]
        if r in _pandas_rules.COVERED
    }
    print(
        f"pandas merges, rules {', '.join(_pandas_rules.COVERED)} (not V11, the linkage): "
        f"{pandas_s:.1f} s against DuckDB's {duck_sql_s:.1f} s for the SQL rules = "
        f"{pandas_s / duck_sql_s:.1f} x; peak RSS now {_common.peak_rss_mb():,.0f} MB; "
        f"same findings per rule as DuckDB: {counts == duck}"
    )
    if counts != duck:
        for rule in sorted(set(counts) | set(duck)):
            print(f"  {rule}: pandas {counts.get(rule, 0):,}, DuckDB {duck.get(rule, 0):,}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=20_000_000)
    parser.add_argument("--people", type=int, default=2_000_000)
    parser.add_argument("--spark-members", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=_common.REPO_DIR / "var" / "bench-verify")
    parser.add_argument("--skip-spark", action="store_true")
    parser.add_argument("--skip-pandas", action="store_true")
    args = parser.parse_args()

    import django

    django.setup()
    from xiezuo.analytics import generate

    big = args.out / "nation"
    t = time.perf_counter()
    rows = generate.nation(big, members=args.members, people=args.people)
    print(
        f"generated {rows['members']:,} members, {rows['people']:,} people served "
        f"in {time.perf_counter() - t:.1f} s ({big})"
    )

    sql_s, link_s, result = timed_run(big, "duckdb")
    total = sql_s + link_s
    print(
        f"DuckDB, all rules: {total:.1f} s = SQL rules {sql_s:.1f} s + linkage {link_s:.1f} s; "
        f"{rows['people'] / total:,.0f} people/s ({rows['people'] / sql_s:,.0f} for the SQL "
        f"rules); {len(result.findings):,} findings; peak RSS {_common.peak_rss_mb():,.0f} MB"
    )
    for rule, n in sorted(result.per_rule.items()):
        print(f"  {rule}: {n:,}")
    accuracy(big, result)
    if not args.skip_pandas:
        pandas_baseline(big, result, sql_s)

    if not args.skip_spark:
        spark_sample(args)
    if os.environ.get("XIEZUO_BENCH_KEEP") != "1":
        shutil.rmtree(args.out, ignore_errors=True)


def spark_sample(args: argparse.Namespace) -> None:
    from xiezuo.analytics import generate, jobs

    sample = args.out / "sample"
    people = max(args.spark_members // 10, 1)
    generate.nation(sample, members=args.spark_members, people=people)
    d_sql, d_link, duck = timed_run(sample, "duckdb")
    s_sql, s_link, spark = timed_run(sample, "spark")  # includes starting the JVM
    same = jobs.same_findings(duck.findings, spark.findings)  # type: ignore[attr-defined]
    print(f"sample of {args.spark_members:,} members, {people:,} people served:")
    print(
        f"  DuckDB {d_sql + d_link:.1f} s ({people / (d_sql + d_link):,.0f} people/s; SQL "
        f"rules {people / d_sql:,.0f}/s)"
    )
    print(
        f"  Spark  {s_sql + s_link:.1f} s ({people / (s_sql + s_link):,.0f} people/s; SQL "
        f"rules {people / s_sql:,.0f}/s, JVM start included)"
    )
    print(f"  findings identical: {same} ({len(duck.findings):,})")  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
