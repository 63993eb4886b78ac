"""The verification job: every rule over a snapshot, on one engine, limited to one scope.

The rules look at all the data — a double count needs the other unit's report, wherever it
is — and only the findings are limited to the records in scope (one unit's subtree, one pairing
and the pairings inside it, or the nation), and to one year if asked.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings

from xiezuo.analytics import engines, linkage, rules, snapshot
from xiezuo.core.errors import UserError

Step = Callable[[str, int], None]  # (what, percent)

FindingRow = tuple[
    str, str, int, int | None, str | None, str
]  # rule, kind, id, person, hash, detail


def default_snapshot_dir() -> Path:
    return Path(settings.DATA_DIR) / "snapshot"


@dataclass(frozen=True)
class Scope:
    kind: str  # "nation", "region" or "pairing"
    code: str = ""  # region code, or pairing id as text

    @property
    def text(self) -> str:
        return {"nation": "", "region": self.code, "pairing": f"pairing:{self.code}"}[self.kind]


def parse_scope(text: str | None) -> Scope:
    """'' (the nation), a region code ('520627'), or a pairing ('pairing:12')."""
    value = (text or "").strip()
    if not value:
        return Scope("nation")
    if value.lower().startswith("pairing:"):
        number = value.split(":", 1)[1]
        if not number.isdigit():
            raise UserError(f"范围“{value}”有误：结对应写作 pairing:编号")
        return Scope("pairing", str(int(number)))
    from xiezuo.regions import codes

    if not codes.is_well_formed(value):
        raise UserError(f"范围“{value}”既不是区划代码，也不是 pairing:编号")
    return Scope("region", value)


# Placements are the labour app's, not a pairing's records: the unit that answers for one is
# the person's home county (else the organising unit, else the workplace), its year is the
# year it started, and it counts toward the placements indicator.
PLACEMENT_RECORDS = """
    SELECT 'placement' AS record_kind, placement_id AS record_id,
           COALESCE(home_county, organiser_code, place_code) AS reporter_code,
           CAST(NULL AS BIGINT) AS pairing_id, CAST(YEAR(start) AS SMALLINT) AS year,
           'placements' AS indicator, home_county, place_code, organiser_code
    FROM placements
"""


def scope_sql(scope: Scope, year: int | None) -> str:
    """The records in scope. Every value is checked digits (parse_scope), never user text."""
    where = ["1 = 1"]
    placed = ["1 = 1"]
    if scope.kind == "region":
        from xiezuo.regions import codes

        prefix = codes.prefix(scope.code, codes.level_of(scope.code))
        assert prefix.isdigit()
        where.append(f"SUBSTR(reporter_code, 1, {len(prefix)}) = '{prefix}'")
        placed.append(f"SUBSTR(pl.reporter_code, 1, {len(prefix)}) = '{prefix}'")
    elif scope.kind == "pairing":
        n = int(scope.code)
        where.append(
            f"(pairing_id = {n} OR pairing_id IN (SELECT pairing_id FROM pairings"
            f" WHERE parent_id = {n}))"
        )
        # A pairing's placements: people of its western side placed (or organised) within its
        # eastern side, as the assessment counts them.
        placed.append(
            "pl.record_id IN (SELECT q.record_id FROM placement_records q"
            " JOIN pair_sides ps ON ps.pairing_id = " + str(n) + " AND ps.east_prefix IS NOT NULL"
            " WHERE SUBSTR(q.home_county, 1, LENGTH(ps.west_prefix)) = ps.west_prefix"
            " AND (SUBSTR(q.place_code, 1, LENGTH(ps.east_prefix)) = ps.east_prefix"
            " OR SUBSTR(COALESCE(q.organiser_code, ''), 1, LENGTH(ps.east_prefix))"
            " = ps.east_prefix))"
        )
    if year is not None:
        where.append(f"year = {int(year)}")
        placed.append(f"pl.year = {int(year)}")
    return (
        "SELECT record_kind, record_id, reporter_code, pairing_id, year, indicator "
        f"FROM records WHERE {' AND '.join(where)} "
        "UNION ALL SELECT pl.record_kind, pl.record_id, pl.reporter_code, pl.pairing_id, "
        f"pl.year, pl.indicator FROM placement_records pl WHERE {' AND '.join(placed)}"
    )


@dataclass
class JobResult:
    findings: list[FindingRow]
    # Per indicator: record-person rows and distinct people in scope (what an overview counts).
    served: dict[str, dict[str, int]]
    per_rule: dict[str, int] = field(default_factory=dict)
    records: dict[tuple[str, int], dict[str, Any]] = field(default_factory=dict)


def run_job(
    snapshot_dir: Path,
    *,
    engine_name: str = "duckdb",
    scope: Scope | None = None,
    year: int | None = None,
    step: Step | None = None,
) -> JobResult:
    scope = scope or Scope("nation")
    snapshot.open_snapshot(snapshot_dir)
    say = step or (lambda what, pct: None)
    say("open", 5)
    eng = engines.engine(engine_name, snapshot_dir)
    try:
        total, hashed = eng.rows("SELECT COUNT(*), COUNT(id_hash) FROM members")[0]
        if total and not hashed:
            raise UserError(
                "快照中的建档立卡成员没有证件号码哈希，无法比对；请先导入带证件号码的名单后重新导出"
            )
        for name, sql in rules.BASE_VIEWS.items():
            if name in rules.MATERIALISED:
                eng.table(name, sql)
            else:
                eng.view(name, sql)
        eng.view("placement_records", PLACEMENT_RECORDS)
        eng.view("scope_records", scope_sql(scope, year))
        findings: list[FindingRow] = []
        found_meta: dict[tuple[str, int], dict[str, Any]] = {}
        sql_rules = [r for r in rules.RULES if r.sql]
        for i, rule in enumerate(sql_rules):
            say(rule.code, 10 + int(70 * i / len(sql_rules)))
            rows = eng.rows(
                f"SELECT DISTINCT f.record_kind, f.record_id, f.person_id, f.id_hash, f.detail, "
                f"sr.reporter_code, sr.pairing_id, sr.year, sr.indicator "
                f"FROM ({rule.sql}) f JOIN scope_records sr "
                "ON sr.record_kind = f.record_kind AND sr.record_id = f.record_id"
            )
            for k, i_, p, h, d, rep, pa, y, ind in rows:
                findings.append((rule.code, k, int(i_), p, h, d or ""))
                found_meta[(k, int(i_))] = {
                    "reporter": rep,
                    "pairing": pa,
                    "year": y,
                    "indicator": ind,
                }
        served = {
            ind: {"rows": int(n), "people": int(d)}
            for ind, n, d in eng.rows(
                "SELECT s.indicator, COUNT(*), COUNT(DISTINCT s.id_hash) FROM served s "
                "JOIN scope_records sr ON sr.record_kind = s.record_kind "
                "AND sr.record_id = s.record_id GROUP BY s.indicator"
            )
        }
        records = {
            (k, int(i_)): {"reporter": rep, "pairing": pa, "year": y, "indicator": ind}
            for k, i_, rep, pa, y, ind in eng.rows(
                # Placements (there are many, and only the linkage needs the whole list, which
                # names no placement) come with their findings.
                "SELECT * FROM scope_records WHERE record_kind <> 'placement'"
            )
        }
        records.update(found_meta)
    finally:
        eng.close()
    say(rules.LINKAGE, 85)
    findings += near_duplicates(snapshot_dir, set(records))
    findings.sort(key=lambda f: (f[0], f[1], f[2], f[3] or 0, f[4] or "", f[5]))
    per_rule: dict[str, int] = {}
    for f in findings:
        per_rule[f[0]] = per_rule.get(f[0], 0) + 1
    say("done", 100)
    return JobResult(findings, served, per_rule, records)


def near_duplicates(snapshot_dir: Path, in_scope: set[tuple[str, int]]) -> list[FindingRow]:
    """V11 by linkage on DuckDB, whichever engine ran the SQL rules: it reads only the few
    unmatched people and the registry members sharing a blocking key with them."""
    duck = engines.DuckDBEngine(snapshot_dir)
    try:
        links = linkage.link(duck.con)
    finally:
        duck.close()
    return [
        (
            rules.LINKAGE,
            link.record_kind,
            int(link.record_id),
            link.person_id,
            link.id_hash,
            f"{link.member_id}|{link.how}",
        )
        for link in links
        if (link.record_kind, int(link.record_id)) in in_scope
    ]


def same_findings(a: list[FindingRow], b: list[FindingRow]) -> bool:
    return sorted(a, key=repr) == sorted(b, key=repr)


CODE_RE = re.compile(r"^V[0-9]{2}$")
