"""Changes to the division data: bulk loads of divisions, poverty flags and code changes, and
single edits from the admin. Each runs in one transaction with its audit row."""

from __future__ import annotations

import csv
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.db.models import Q

from xiezuo.audit.models import AuditEvent
from xiezuo.audit.services import audit_record, changed, snapshot
from xiezuo.core.errors import Problem, UserError
from xiezuo.paths import PACKAGE_DIR, shared_data_dir
from xiezuo.regions import codes, policy
from xiezuo.regions.codes import Level
from xiezuo.regions.loading import ParsedDivisions, parse_divisions, village_rows
from xiezuo.regions.models import FormerName, Region, RegionCodeChange
from xiezuo.regions.villages import stem

if TYPE_CHECKING:
    from xiezuo.accounts.models import User

DATA_DIR = PACKAGE_DIR / "regions" / "data"
POVERTY_COUNTIES_CSV = DATA_DIR / "poverty_counties_832.csv"
DEEP_POVERTY_CSV = DATA_DIR / "deep_poverty_areas.csv"
CODE_CHANGES_CSV = DATA_DIR / "code_changes.csv"
# The older village list whose names registry files of 2019–2021 carry (see SOURCES.md of the
# shared data): its names become FormerName rows of the villages loaded.
FORMER_VILLAGES = "villages_2021.csv.gz"


def former_villages_file(source_dir: Path) -> Path | None:
    """The 2021 village list: beside the divisions loaded, else in the shared reference data."""
    for candidate in (
        source_dir / FORMER_VILLAGES,
        shared_data_dir() / "divisions" / FORMER_VILLAGES,
    ):
        if candidate.is_file():
            return candidate
    return None


@dataclass
class LoadReport:
    counts: dict[int, int]
    retired: int
    orphans: int
    orphan_examples: list[str]
    seconds: float
    former_names: int = 0
    former_source: str = ""

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def regions_load(
    *,
    source_dir: Path,
    actor: Any,
    edition: str = "",
    max_level: Level = Level.VILLAGE,
    former: Path | bool | None = True,
) -> LoadReport:
    """Load (insert or update) every division in `source_dir`, and the 2021 names of its
    villages (`former`: that file, True to look for it, False not to).

    All rows are read and checked first; a single bad row stops the load before anything is
    written. Codes that are no longer listed at the loaded levels are retired (kept, because
    records may point at them, but marked not current).
    """
    started = time.perf_counter()
    parsed = parse_divisions(source_dir, max_level=max_level)
    edition = (edition or source_dir.name)[:20]
    if former is True:
        former = former_villages_file(source_dir)
    former_path = former if isinstance(former, Path) and max_level >= Level.VILLAGE else None
    with transaction.atomic():
        retired = _upsert(parsed, edition=edition, max_level=max_level)
        former_count = _former_names_load(parsed, former_path) if former_path else 0
        audit_record(
            actor=actor,
            action=AuditEvent.Action.LOAD,
            object_type="regions.region",
            object_repr=f"区划 {edition}",
            after={
                "counts": {str(k): v for k, v in parsed.counts.items()},
                "retired": retired,
                "source": str(source_dir.name),
                "former_names": former_count,
            },
            summary=f"loaded {len(parsed.rows)} regions from {source_dir.name}",
        )
    return LoadReport(
        parsed.counts,
        retired,
        parsed.orphans,
        parsed.orphan_examples,
        time.perf_counter() - started,
        former_count,
        former_path.name if former_path else "",
    )


def _former_names_load(parsed: ParsedDivisions, path: Path) -> int:
    """The older list's village names, each kept with the current village it is now: the same
    code when the code is still listed, else the code under the county that took the old
    county's place (code_changes.csv), else the one village of the same township with the same
    name stem. Villages of none of these kinds are not kept: nothing current to land on.
    Replaces the edition's rows as a whole."""
    villages = [(c, n, p) for c, n, level, p in parsed.rows if level == Level.VILLAGE]
    if not villages:
        villages = list(
            Region.objects.filter(level=Level.VILLAGE, is_active=True).values_list(
                "code", "name", "parent_id"
            )
        )
    current = {code for code, _name, _parent in villages}
    # A village re-coded within its township (merged, split): found by its name's stem, when
    # exactly one current village of the township has that stem.
    stems: dict[tuple[str, str], str | None] = {}
    for code, name, parent in villages:
        key = (parent or code[:9], stem(name))
        stems[key] = None if key in stems else code
    counties = {
        (row.get("old_code") or "").strip(): (row.get("new_code") or "").strip()
        for _line, row in _read_csv(CODE_CHANGES_CSV, ("old_code", "new_code"))
    }
    edition = path.name.split(".")[0].removeprefix("villages_")[:20]
    rows: list[tuple[str, str, str, str]] = []
    for code, name in village_rows(path):
        target = code if code in current else counties.get(code[:6], "") + code[6:]
        if target not in current:
            target = stems.get((code[:9], stem(name))) or ""
        if target in current:
            rows.append((target, code, name[:100], edition))
    table = FormerName._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE edition = %s", [edition])
        if connection.vendor == "postgresql":
            with cursor.copy(
                f"COPY {table} (region_id, old_code, name, edition) FROM STDIN"
            ) as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            raw = connection.connection
            assert raw is not None
            raw.executemany(
                f"INSERT INTO {table} (region_id, old_code, name, edition) VALUES (?, ?, ?, ?)",
                rows,
            )
    return len(rows)


def _upsert(parsed: ParsedDivisions, *, edition: str, max_level: Level) -> int:
    table = Region._meta.db_table
    rows = ((code, name, level, parent, edition) for code, name, level, parent in parsed.rows)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS _region_load")
        cursor.execute(
            "CREATE TEMPORARY TABLE _region_load (code varchar(12) NOT NULL, "
            "name varchar(100) NOT NULL, level smallint NOT NULL, "
            "parent varchar(12), edition varchar(20) NOT NULL)"
        )
        _bulk_insert(cursor, rows)
        # The index is built after the rows are in: far faster than inserting into it.
        cursor.execute("CREATE UNIQUE INDEX _region_load_code ON _region_load (code)")
        # Parents first (ORDER BY level) so each row's parent already exists.
        cursor.execute(
            f"INSERT INTO {table} (code, name, level, parent_id, is_poverty_county, "
            "is_poor_village, is_deep_poverty, is_active, edition) "
            "SELECT code, name, level, parent, false, false, false, true, edition "
            "FROM _region_load WHERE true ORDER BY level, code "
            "ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level, "
            "parent_id = excluded.parent_id, is_active = true, edition = excluded.edition"
        )
        cursor.execute(
            f"UPDATE {table} SET is_active = false WHERE is_active AND level <= %s "
            "AND NOT EXISTS (SELECT 1 FROM _region_load l WHERE l.code = "
            f"{table}.code)",
            [int(max_level)],
        )
        retired = int(cursor.rowcount)
        cursor.execute("DROP TABLE _region_load")
        # Fresh planner statistics: without them SQLite takes the 5-valued level index over
        # the code range for "villages of this county" and reads 620,000 rows instead of 500.
        cursor.execute(f"ANALYZE {table}")
    return max(retired, 0)


def _bulk_insert(cursor: Any, rows: Iterable[tuple[str, str, int, str | None, str]]) -> None:
    if connection.vendor == "postgresql":
        with cursor.copy(
            "COPY _region_load (code, name, level, parent, edition) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(row)
    else:
        # The DB-API connection underneath Django's: executemany without per-row SQL rewriting.
        raw = connection.connection
        assert raw is not None
        raw.executemany("INSERT INTO _region_load VALUES (?, ?, ?, ?, ?)", rows)


def _read_csv(path: Path, required: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    if not path.is_file():
        raise UserError(f"文件不存在：{path}")
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in required if c not in (reader.fieldnames or [])]
            if missing:
                raise UserError(f"{path.name} 缺少列：{', '.join(missing)}")
            return [(reader.line_num, row) for row in reader]
    except (UnicodeDecodeError, csv.Error) as exc:
        raise UserError(f"无法读取 {path.name}：{exc}") from exc


@transaction.atomic
def poverty_counties_load(*, actor: Any, path: Path = POVERTY_COUNTIES_CSV) -> int:
    """Flag the 832 national poverty counties and the year each left poverty.

    Replaces the previous flags as a whole. Returns the number of distinct counties flagged.
    """
    rows = _read_csv(path, ("county_code", "county_name_listed", "delisting_year"))
    problems: list[Problem] = []
    years: dict[str, int] = {}
    for line, row in rows:
        where = f"{path.name} 第 {line} 行"
        code = (row.get("county_code") or "").strip()
        year_text = (row.get("delisting_year") or "").strip()
        if not (codes.is_digits(code) and len(code) == 6):
            problems.append(Problem(f"“{code}”不是 6 位县级区划代码", f"{where} county_code 列"))
            continue
        if not (codes.is_digits(year_text) and 2016 <= int(year_text) <= 2020):
            problems.append(
                Problem(f"摘帽年份“{year_text}”应在 2016–2020 之间", f"{where} delisting_year 列")
            )
            continue
        # Two listed counties merged into one current unit (冷湖 and 茫崖): the later year holds.
        years[code] = max(years.get(code, 0), int(year_text))
    known = dict(
        Region.objects.filter(code__in=list(years), is_active=True).values_list("code", "level")
    )
    for line, row in rows:
        code = (row.get("county_code") or "").strip()
        if code in years and code not in known:
            problems.append(
                Problem(
                    f"区划代码 {code}（{row.get('county_name_listed')}）不在已加载的区划中",
                    f"{path.name} 第 {line} 行 county_code 列",
                )
            )
        elif code in known and known[code] > Level.COUNTY:
            problems.append(
                Problem(f"{code} 不是县级区划", f"{path.name} 第 {line} 行 county_code 列")
            )
    if problems:
        raise UserError(f"贫困县名单有 {len(problems)} 处错误，未写入任何数据", problems)
    Region.objects.filter(is_poverty_county=True).update(
        is_poverty_county=False, poverty_exit_year=None, is_deep_poverty=False
    )
    for year in sorted(set(years.values())):
        Region.objects.filter(code__in=[c for c, y in years.items() if y == year]).update(
            is_poverty_county=True, poverty_exit_year=year
        )
    # The poverty counties of 三区三州 are the deep-poverty areas (see data/README.md).
    deep = Q()
    for _line, row in _read_csv(DEEP_POVERTY_CSV, ("code",)):
        code = row["code"].strip()
        deep |= Q(code__startswith=codes.prefix(code, codes.level_of(code)))
    Region.objects.filter(deep, is_poverty_county=True).update(is_deep_poverty=True)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.LOAD,
        object_type="regions.region",
        object_repr="国家级贫困县名单",
        after={"counties": len(years), "source": path.name},
        summary=f"flagged {len(years)} national poverty counties",
    )
    return len(years)


@transaction.atomic
def code_changes_load(*, actor: Any, path: Path = CODE_CHANGES_CSV) -> int:
    """Replace the old-code → current-code table. Each current code must be a loaded region."""
    rows = _read_csv(path, ("old_code", "new_code"))
    problems: list[Problem] = []
    changes: list[RegionCodeChange] = []
    new_codes = {(row.get("new_code") or "").strip() for _, row in rows}
    known = set(Region.objects.filter(code__in=new_codes).values_list("code", flat=True))
    old_codes = {(row.get("old_code") or "").strip() for _, row in rows}
    for line, row in rows:
        where = f"{path.name} 第 {line} 行"
        old, new = (row.get("old_code") or "").strip(), (row.get("new_code") or "").strip()
        if not codes.is_well_formed(old):
            problems.append(Problem(f"“{old}”不是有效的区划代码", f"{where} old_code 列"))
        elif new not in known and new not in old_codes:
            problems.append(Problem(f"新代码 {new} 不在已加载的区划中", f"{where} new_code 列"))
        elif old == new:
            problems.append(Problem("新旧代码相同", f"{where} new_code 列"))
        else:
            year = (row.get("year") or "").strip()
            changes.append(
                RegionCodeChange(
                    old_code=old,
                    old_name=(row.get("old_name") or "").strip()[:100],
                    new_code=new,
                    year=int(year) if codes.is_digits(year) else None,
                    kind=(row.get("kind") or "renamed").strip() or "renamed",
                    source=(row.get("source") or "").strip()[:200],
                )
            )
    if problems:
        raise UserError(f"区划代码变更表有 {len(problems)} 处错误，未写入任何数据", problems)
    RegionCodeChange.objects.all().delete()
    RegionCodeChange.objects.bulk_create(changes)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.LOAD,
        object_type="regions.regioncodechange",
        object_repr="区划代码变更表",
        after={"changes": len(changes), "source": path.name},
    )
    return len(changes)


EDITABLE_FIELDS = (
    "name",
    "is_poverty_county",
    "poverty_exit_year",
    "is_poor_village",
    "is_deep_poverty",
)


@transaction.atomic
def region_update(*, region: Region, actor: User | None, **fields: Any) -> Region:
    """Edit the flags or name of one region (the admin's way in)."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise UserError(f"不能修改字段：{', '.join(sorted(unknown))}")
    policy.require_change(actor, region, fields)
    before = snapshot(region)
    for name, value in fields.items():
        setattr(region, name, value)
    if region.poverty_exit_year is not None and not region.is_poverty_county:
        raise UserError(
            "只有国家级贫困县才有摘帽年份", [Problem("须先标记为贫困县", "字段 poverty_exit_year")]
        )
    if region.poverty_exit_year is not None and not 2016 <= region.poverty_exit_year <= 2020:
        raise UserError(
            "摘帽年份应在 2016–2020 之间", [Problem("超出范围", "字段 poverty_exit_year")]
        )
    region.save(update_fields=list(fields))
    old, new = changed(before, snapshot(region))
    if new:
        audit_record(
            actor=actor, action=AuditEvent.Action.UPDATE, obj=region, before=old, after=new
        )
    return region
