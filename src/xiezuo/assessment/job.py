"""The assessment job: the measures of every assessed unit for a year (and the year before) over
a snapshot, on DuckDB or Spark. No database here — the service hands in the verification
verdicts and turns the figures into scores (`scoring`), so both engines are scored alike."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from xiezuo.analytics import engines, snapshot
from xiezuo.assessment import measures

VERDICTS = pa.schema(
    [
        ("record_kind", pa.string()),
        ("record_id", pa.int64()),
        ("id_hash", pa.string()),
        ("reporter_code", pa.string()),
        ("year", pa.int16()),
        ("excluded", pa.bool_()),
        ("confirmed", pa.bool_()),
    ]
)

Step = Callable[[str, int], None]
Key = tuple[str, str]


@dataclass
class Figures:
    units: list[tuple[str, str, str]] = field(default_factory=list)  # (side, code, name)
    levels: dict[Key, int] = field(default_factory=dict)
    tops: dict[Key, list[int]] = field(default_factory=dict)
    pairing_names: dict[int, str] = field(default_factory=dict)
    targets: dict[int, dict[str, float]] = field(default_factory=dict)
    measures: dict[Key, dict[int, dict[str, float]]] = field(default_factory=dict)

    def rows(self) -> list[tuple[Any, ...]]:
        """Every figure as sorted tuples: two engines' runs compare exactly."""
        out: list[tuple[Any, ...]] = []
        for (side, unit), years in self.measures.items():
            for year, values in years.items():
                out.extend((side, unit, year, k, v) for k, v in values.items())
        return sorted(out)


def write_verdicts(path: Path, rows: Iterable[tuple[Any, ...]]) -> Path:
    columns: list[Any] = list(zip(*rows, strict=True)) or [[] for _ in VERDICTS.names]
    table = pa.table(
        {
            n: pa.array(c, VERDICTS.field(n).type)
            for n, c in zip(VERDICTS.names, columns, strict=True)
        }
    )
    pq.write_table(table, path)
    return path


def compute(
    snapshot_dir: Path,
    *,
    year: int,
    verdicts: Path,
    engine_name: str = "duckdb",
    step: Step | None = None,
) -> Figures:
    snapshot.open_snapshot(snapshot_dir)
    say = step or (lambda what, pct: None)
    eng = engines.engine(engine_name, snapshot_dir)
    try:
        eng.attach("verdicts", verdicts)
        subst = {"{y}": str(int(year)), "{p}": str(int(year) - 1)}

        def fill(sql: str) -> str:
            for k, v in subst.items():
                sql = sql.replace(k, v)
            return sql

        for i, (name, sql, keep) in enumerate(measures.VIEWS):
            (eng.table if keep else eng.view)(name, fill(sql))
            say(name, 10 + 60 * (i + 1) // len(measures.VIEWS))
        fig = Figures()
        regions = {}
        for side, code, name, level in eng.rows(fill(measures.UNITS_SQL)):
            fig.units.append((side, code, name))
            fig.levels[(side, code)] = int(level)
            regions[code] = name
        for side, unit, pid, east, west in eng.rows(fill(measures.TOPS_SQL)):
            fig.tops.setdefault((side, unit), []).append(int(pid))
            fig.pairing_names[int(pid)] = f"{east} → {west}"
        for pid, indicator, value in eng.rows(fill(measures.TARGETS_SQL)):
            fig.targets.setdefault(int(pid), {})[str(indicator)] = float(value)
        say("measures", 80)
        for y, side, unit, measure, value in eng.rows(fill(measures.MEASURES_SQL)):
            if value is None:
                continue
            # Rounded so that two engines summing doubles in another order still agree.
            fig.measures.setdefault((side, unit), {}).setdefault(int(y), {})[str(measure)] = round(
                float(value), 4
            )
        for years in fig.measures.values():
            for values in years.values():
                for ind in measures.VERIFIED:
                    if ind in values:
                        left = values[ind] - values.get(f"excluded_{ind}", 0.0)
                        values[f"verified_{ind}"] = round(max(left, 0.0), 4)
        say("done", 95)
        return fig
    finally:
        eng.close()
