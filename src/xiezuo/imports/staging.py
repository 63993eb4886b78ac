"""Where checked rows wait between check and commit: a Parquet file beside the upload.

Checked rows are written once, in columns, and read by DuckDB for the checks that need more than
one row and for the commit's set-based steps; the database sees only the commit. Every piece is
streamed, so memory stays flat however large the file.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from django.db import connection

from xiezuo.imports.models import ImportBatch

CHECKED = "checked.parquet"
# DuckDB's share of the machine during an import. Its steps are short (about a second each per
# 1,000,000 rows), so two threads, even on a two-core machine, slow the web server little and
# briefly; the memory limit is what keeps the rest of the machine safe. Every grouping of a
# large batch runs a partition of at most GROUP_ROWS at a time (below), so two threads fit in
# 128 MB (a whole 1,000,000-row household aggregate did not, even in one); the second thread
# halves the household aggregate (1.4 → 0.8 s per 1,000,000 rows, measured). An import's peak
# memory stays nearly the same for any file size (607 MB at 250,000 rows, 725 MB at 1,000,000:
# the difference is this limit and SQLite's page cache filling up).
DUCK_MEMORY = "128MB"
DUCK_THREADS = 2
PART_ROWS = 65536
SQLITE_BULK_CACHE_KIB = 131072  # page cache while a commit writes (SQLite's default is 2 MB)


def checked_path(batch: ImportBatch) -> Path:
    return Path(batch.stored_path).parent / CHECKED


# Rows per DuckDB GROUP BY: a larger batch is grouped a hash partition of its key at a time,
# so that the memory a grouping needs does not grow with the file (a 1,000,000-row household
# aggregate in one go needs more than DUCK_MEMORY).
GROUP_ROWS = 250_000


def parts(con: Any, batch: ImportBatch, key: str) -> list[str]:
    """The staging file as relations that split it by a hash of `key`: every group of `key`
    falls in exactly one of them."""
    whole = relation(batch)
    # fetchall: DuckDB wants a result read to its end before the connection runs another.
    ((rows,),) = con.execute(f"SELECT COUNT(*) FROM {whole}").fetchall()  # noqa: S608 (our path)
    n = -(-int(rows) // GROUP_ROWS)
    if n <= 1:
        return [whole]
    return [
        f"(SELECT * FROM {whole} WHERE hash({key}) % {n} = {i})"  # noqa: S608 (our names)
        for i in range(n)
    ]


def grouped(con: Any, batch: ImportBatch, key: str, sql: str, *, first: int) -> list[Any]:
    """Rows of a GROUP BY `key` query (`{staged}` in `sql` for the relation), partition by
    partition, merged in order of column `first` and cut to the query's limit of 10,000."""
    rows: list[Any] = []
    for part in parts(con, batch, key):
        rows += con.execute(sql.format(staged=part)).fetchall()
    return sorted(rows, key=lambda row: row[first])[:10000]


def relation(batch: ImportBatch) -> str:
    """The staging file as a DuckDB relation (the path is ours: the batch's upload folder)."""
    path = str(checked_path(batch)).replace("'", "''")
    return f"read_parquet('{path}')"


@contextmanager
def writer(batch: ImportBatch, schema: pa.Schema) -> Iterator[Callable[[pa.Table], None]]:
    """A function that appends checked rows to the batch's staging file."""
    path = checked_path(batch)
    with (
        pq.ParquetWriter(
            path, schema, compression="lz4", use_dictionary=False, write_statistics=False
        ) as out,
        ThreadPoolExecutor(max_workers=1) as thread,
    ):
        # Arrow encodes and compresses without the GIL: in a thread of its own, while the
        # check goes on with the next rows. One table at a time, in order.
        pending = thread.submit(out.write_table, schema.empty_table())  # a readable empty file

        def write(table: pa.Table) -> None:
            nonlocal pending
            if table.num_rows:
                pending.result()
                pending = thread.submit(out.write_table, table)

        yield write
        pending.result()


@contextmanager
def duck() -> Iterator[Any]:
    con = duckdb.connect(
        config={
            "threads": DUCK_THREADS,
            "memory_limit": DUCK_MEMORY,
            "temp_directory": tempfile.gettempdir(),
            # Results in any order (the queries sort what they return): lets DuckDB spill.
            "preserve_insertion_order": False,
        }
    )
    try:
        yield con
    finally:
        con.close()


@contextmanager
def bulk_session() -> Iterator[None]:
    """A larger SQLite page cache while a commit writes millions of index entries (measured:
    1,000,000 members in 4 s against 9 s with the default 2 MB), given back afterwards."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = -{SQLITE_BULK_CACHE_KIB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")


def load(cursor: Any, table: str, columns: Sequence[str], parts: Iterable[pa.RecordBatch]) -> int:
    """Arrow batches into a table; how many rows. PostgreSQL: COPY of each batch written as
    CSV by Arrow. SQLite: executemany over the batch turned into Python a column at a time
    (cheaper than row by row)."""
    names = ", ".join(columns)
    rows = 0
    if connection.vendor == "postgresql":
        options = pacsv.WriteOptions(include_header=False)
        with cursor.copy(f"COPY {table} ({names}) FROM STDIN (FORMAT csv)") as copy:
            for part in parts:
                buffer = io.BytesIO()
                pacsv.write_csv(part, buffer, options)
                copy.write(buffer.getbuffer())
                rows += part.num_rows
        return rows
    raw = connection.connection
    assert raw is not None
    marks = ", ".join(["?"] * len(columns))
    insert = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608 (our names)
    for part in parts:
        raw.executemany(insert, zip(*(_python(c) for c in part.columns), strict=True))
        rows += part.num_rows
    return rows


def _python(column: pa.Array) -> list[Any]:
    # SQLite keeps decimals as REAL (NUMERIC affinity): a float binds to the same stored value,
    # without building a Decimal and its text for each one (a third of a household load).
    if pa.types.is_decimal(column.type):
        column = column.cast(pa.float64())
    return column.to_pylist()  # type: ignore[no-any-return]


def load_query(cursor: Any, table: str, columns: Sequence[str], con: Any, select: str) -> int:
    """A DuckDB query's rows into a table, a part at a time (`load`); how many. On PostgreSQL
    the server writes one part while DuckDB and Arrow make the next."""
    return load(cursor, table, columns, con.sql(select).to_arrow_reader(PART_ROWS))


def initial_load(cursor: Any, tables: Sequence[str]) -> bool:
    """Are `tables` empty, so that this commit is the registry's first load? On PostgreSQL the
    tables are locked first, so no other commit can fill them meanwhile; on SQLite the commit's
    first write would fail if another had written since this transaction began."""
    if connection.vendor == "postgresql":
        cursor.execute(f"LOCK TABLE {', '.join(tables)} IN SHARE ROW EXCLUSIVE MODE")
    for table in tables:
        cursor.execute(f"SELECT 1 FROM {table} LIMIT 1")  # noqa: S608 (our names)
        if cursor.fetchone() is not None:
            return False
    return True


@contextmanager
def indexes_rebuilt(cursor: Any, table: str) -> Iterator[None]:
    """A bulk load into an empty table without its secondary indexes (and, on PostgreSQL, its
    unique and foreign-key constraints), which are built again afterwards: one sort per index
    instead of a million random insertions, and one join to check the keys instead of a trigger
    per row. The rebuilt constraints check everything the load wrote, within the transaction."""
    if connection.vendor == "postgresql":
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype IN ('u', 'f')",
            [table],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
            "AND tablename = %s AND indexname "
            "NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
            [table, table],
        )
        indexes = cursor.fetchall()
        # ALTER TABLE refuses while deferred checks are queued on the tables it touches: run
        # them now (they would run at commit anyway), and defer again afterwards.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for name, _ in constraints:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        yield
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for _, definition in indexes:
            cursor.execute(definition)
        for name, definition in constraints:
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        return
    cursor.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
        "AND sql IS NOT NULL",
        [table],
    )
    indexes = cursor.fetchall()
    for name, _ in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    yield
    for _, definition in indexes:
        cursor.execute(definition)
