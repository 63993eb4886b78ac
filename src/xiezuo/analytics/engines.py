"""Two engines, one job: DuckDB on this machine, Apache Spark where the data outgrows it.

Both read the snapshot's Parquet files as tables of the same names and run the same SQL text
(rules.BASE_VIEWS, rules.RULES). Spark gets the text translated by SQLGlot from DuckDB's dialect;
nothing else differs. Results come back as sorted tuples so two engines' findings compare
exactly.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from xiezuo.analytics.snapshot import SCHEMAS
from xiezuo.core.errors import UserError

ENGINES = ("duckdb", "spark")


class Engine(Protocol):
    name: str

    def view(self, name: str, sql: str) -> None: ...

    def table(self, name: str, sql: str) -> None: ...

    def rows(self, sql: str) -> list[tuple[Any, ...]]: ...

    def attach(self, name: str, path: Path) -> None: ...

    def close(self) -> None: ...


class DuckDBEngine:
    name = "duckdb"

    def __init__(self, snapshot: Path, *, memory_limit: str = "4GB", threads: int = 2) -> None:
        import duckdb

        self.con = duckdb.connect(config={"memory_limit": memory_limit, "threads": threads})
        for table in SCHEMAS:
            path = str(snapshot / f"{table}.parquet").replace("'", "''")
            self.con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{path}')")

    def view(self, name: str, sql: str) -> None:
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS {sql}")

    def table(self, name: str, sql: str) -> None:
        """Computed once: every rule reads it, and re-joining 20 million members per rule
        would cost each rule what the join costs."""
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in self.con.execute(sql).fetchall()]

    def attach(self, name: str, path: Path) -> None:
        """A Parquet file beside the snapshot (a job's own input) as a table."""
        where = str(path).replace("'", "''")
        self.con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM read_parquet('{where}')")

    def close(self) -> None:
        self.con.close()


def to_spark(sql: str) -> str:
    """The DuckDB text of a rule in Spark SQL."""
    import sqlglot

    return sqlglot.transpile(sql, read="duckdb", write="spark")[0]


def spark_master() -> str:
    """local[2] unless XIEZUO_SPARK_MASTER names a cluster (spark://host:7077, yarn, k8s://…),
    whose executors must then read the snapshot from shared storage."""
    return os.environ.get("XIEZUO_SPARK_MASTER", "local[2]")


@cache
def spark_session(master: str) -> Any:
    """One Spark session per process and master; in local mode bound to 127.0.0.1 only."""
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # pragma: no cover - pyspark is a dependency
        raise UserError("未安装 PySpark，不能用 Spark 引擎运行比对") from exc
    return (
        SparkSession.builder.master(master)
        .appName("xiezuo-verify")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.ansi.enabled", "false")
        .getOrCreate()
    )


class SparkEngine:
    name = "spark"

    def __init__(self, snapshot: Path, *, master: str | None = None) -> None:
        self.spark = spark_session(master or spark_master())
        for table in SCHEMAS:
            self.spark.read.parquet(str(snapshot / f"{table}.parquet")).createOrReplaceTempView(
                table
            )

    def view(self, name: str, sql: str) -> None:
        self.spark.sql(to_spark(sql)).createOrReplaceTempView(name)

    def table(self, name: str, sql: str) -> None:
        frame = self.spark.sql(to_spark(sql)).cache()
        frame.count()  # computed now, once, like DuckDB's temp table
        frame.createOrReplaceTempView(name)

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in self.spark.sql(to_spark(sql)).collect()]

    def attach(self, name: str, path: Path) -> None:
        self.spark.read.parquet(str(path)).createOrReplaceTempView(name)

    def close(self) -> None:
        # The session is kept for the process (starting a JVM costs seconds); views are
        # replaced by the next run.
        pass


def engine(name: str, snapshot: Path) -> Engine:
    if name == "duckdb":
        return DuckDBEngine(snapshot)
    if name == "spark":
        return SparkEngine(snapshot)
    raise UserError(f"没有“{name}”引擎，可选：{'、'.join(ENGINES)}")
