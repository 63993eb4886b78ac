"""The registry import: the national system's export layout (one row per member) or our own
template, checked row by row into the staging table, then checked across rows in SQL.

Each row becomes one StagedMember or a list of issues (row, column, reason in Chinese). Nothing
reaches the registry until `commit_batch`, which writes the whole batch or nothing.
"""

from __future__ import annotations

import datetime
import gc
import json
import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pyarrow as pa
from django.db import connection, transaction
from django.utils import timezone

from xiezuo.accounts.scope import RegionScope, scope_for
from xiezuo.audit.models import AuditEvent
from xiezuo.audit.services import audit_record
from xiezuo.core import crypto
from xiezuo.core.errors import UserError
from xiezuo.imports import staging
from xiezuo.imports.batches import batch_fail, batch_update, batch_write_failed
from xiezuo.imports.models import ImportBatch, ImportIssue
from xiezuo.imports.readers import STRIP, Table, clean_cell, open_table
from xiezuo.imports.services import Progress
from xiezuo.regions import codes
from xiezuo.regions.codes import Level
from xiezuo.regions.models import Region
from xiezuo.registry import columnar, idnumbers
from xiezuo.registry.choices import (
    Cause,
    Education,
    Health,
    HouseholdType,
    LabourSkill,
    MigrantStatus,
    Relation,
    SchoolStatus,
    Status,
)
from xiezuo.registry.models import Household, HouseholdIncome, Member, StatusChange
from xiezuo.registry.selectors import poverty_line

KIND = "registry"

# Column name → field. The national export's names first, then our template's additions.
COLUMNS = {
    "县": "county",
    "乡": "township",
    "行政村": "village",
    "自然村": "natural_village",
    "户编号": "household_number",
    "人编号": "person_number",
    "姓名": "name",
    "证件号码": "id_number",
    "人数": "size",
    "与户主关系": "relation",
    "民族": "ethnicity",
    "文化程度": "education",
    "在校生状况": "school_status",
    "健康状况": "health",
    "劳动技能": "labour_skill",
    "务工状况": "migrant_status",
    "务工时间": "migrant_months",
    "参加大病医疗": "medical_insurance",
    "脱贫属性": "status",
    "贫困户属性": "household_type",
    "主要致贫原因": "main_cause",
    "危房户": "dangerous_house",
    "饮水安全": "water_secure",
    "饮水困难": "water_difficulty",
    "人均纯收入": "income",
    "联系电话": "phone",
    # Our template (the national layout plus what it lacks):
    "行政村代码": "village_code",
    "次要致贫原因": "secondary_causes",
    "识别年度": "identified_year",
    "脱贫年度": "exit_year",
    "证件类型": "id_kind",
    "不愁吃穿": "food_clothing_secure",
    "帮扶责任人": "helper_name",
    "帮扶单位": "helper_unit",
    "帮扶人电话": "helper_phone",
    # The year's income by source (收入台账), per household; 人均纯收入 is derived from it when
    # that column is empty.
    "收入年度": "income_year",
    "工资性收入": "wages",
    "生产经营性收入": "business",
    "财产性收入": "property_income",
    "转移性收入": "transfers",
    "生产经营性支出": "production_costs",
}
INCOME_SOURCES = columnar.INCOME_SOURCES
REQUIRED = ("household_number", "name", "id_number", "relation", "main_cause")
TEMPLATE_COLUMNS = [
    "县",
    "乡",
    "行政村",
    "行政村代码",
    "自然村",
    "户编号",
    "人编号",
    "姓名",
    "证件类型",
    "证件号码",
    "人数",
    "与户主关系",
    "民族",
    "文化程度",
    "在校生状况",
    "健康状况",
    "劳动技能",
    "务工状况",
    "务工时间",
    "参加大病医疗",
    "脱贫属性",
    "脱贫年度",
    "识别年度",
    "贫困户属性",
    "主要致贫原因",
    "次要致贫原因",
    "危房户",
    "饮水安全",
    "饮水困难",
    "不愁吃穿",
    "人均纯收入",
    "联系电话",
    "帮扶责任人",
    "帮扶单位",
    "帮扶人电话",
    "收入年度",
    "工资性收入",
    "生产经营性收入",
    "财产性收入",
    "转移性收入",
    "生产经营性支出",
]


def _labels(choices: Any, **synonyms: str) -> dict[str, str]:
    table = {str(label): value for value, label in choices.choices}
    table.update({k: v for k, v in synonyms.items()})
    return table


# What the national export writes in each coded column, with the variants seen in the field.
LABELS: dict[str, dict[str, str]] = {
    "relation": _labels(
        Relation,
        本人="head",
        户主本人="head",
        妻="spouse",
        夫="spouse",
        子="son",
        女="daughter",
        儿子="son",
        女儿="daughter",
        孙子="grandson",
        孙女="granddaughter",
        父亲="father",
        母亲="mother",
    ),
    "education": _labels(
        Education,
        文盲="illiterate",
        半文盲="illiterate",
        中职="vocational",
        大专="college",
        本科及以上="college",
        大学="college",
    ),
    "school_status": _labels(
        SchoolStatus,
        非在校="none",
        学前="preschool",
        七年级="junior",
        八年级="junior",
        九年级="junior",
        一年级="primary",
        二年级="primary",
        三年级="primary",
        四年级="primary",
        五年级="primary",
        六年级="primary",
        高中一年级="senior",
        高中二年级="senior",
        高中三年级="senior",
        中专="vocational",
        大专="higher",
        本科="higher",
    ),
    "health": _labels(Health, 患有大病="serious", 长期慢性病患者="chronic", 残疾人="disabled"),
    "labour_skill": _labels(
        LabourSkill,
        普通="ordinary",
        技能="skilled",
        弱劳动力="weak",
        半劳动力="weak",
        丧失="lost",
        无="none",
    ),
    "migrant_status": _labels(MigrantStatus, 县外省内务工="in_province", 不务工="none", 无="none"),
    "status": _labels(Status, 脱贫="exited", 稳定脱贫="exited", 预脱贫="exited"),
    "household_type": _labels(
        HouseholdType,
        一般户="general",
        低保户="dibao",
        特困户="tekun",
        五保户="tekun",
        特困供养户="tekun",
    ),
    "main_cause": _labels(Cause),
}
YES = {"是", "y", "yes", "1", "√", "有", "true"}
NO = {"否", "n", "no", "0", "×", "无", "false", ""}


@dataclass
class ColumnMap:
    index: dict[str, int]  # field → column position
    names: dict[str, str]  # field → column name as written in the file


def map_columns(table: Table) -> ColumnMap:
    index: dict[str, int] = {}
    names: dict[str, str] = {}
    for i, header in enumerate(table.headers):
        field = COLUMNS.get(header)
        if field and field not in index:
            index[field] = i
            names[field] = header
    missing = [name for name, field in COLUMNS.items() if field in REQUIRED and field not in index]
    if missing:
        raise UserError(f"缺少必需的列：{', '.join(missing)}（表头在第 {table.header_row} 行）")
    if "village_code" not in index and not {"county", "township", "village"} <= set(index):
        raise UserError("需要“行政村代码”列，或“县”“乡”“行政村”三列来确定每户所在的村")
    return ColumnMap(index, names)


class VillageResolver:
    """Finds the village code from a code column or from the county, township and village names,
    only among the villages the importing user may see."""

    def __init__(self, user: Any) -> None:
        # No user means the platform itself (the CLI, the demo, the generator), run by the
        # server's operator; the web and the API always pass the signed-in user.
        # Only the uploader's own villages: a partner's registry is for reading, not for writing.
        self.scope = RegionScope(everything=True) if user is None else scope_for(user).own_only()
        self._by_names: dict[str, dict[tuple[str, str], str] | str] = {}
        self._county_villages: dict[str, frozenset[str]] = {}

    def by_code(self, code: str) -> str | None:
        # One query per county, not per row: a file holds many rows of few counties.
        county = code[:6]
        villages = self._county_villages.get(county)
        if villages is None:
            villages = frozenset()
            if self.scope.covers(county) or self.scope.covers(code):
                villages = frozenset(
                    Region.objects.filter(
                        level=Level.VILLAGE,
                        is_active=True,
                        code__gte=county,
                        code__lt=codes.prefix_upper_bound(county),
                    ).values_list("code", flat=True)
                )
            self._county_villages[county] = villages
        return code if code in villages and self.scope.covers(code) else None

    def by_names(self, county: str, township: str, village: str) -> str | None:
        table = self._by_names.get(county)
        if table is None:
            table = self._load_county(county)
            self._by_names[county] = table
        if isinstance(table, str):
            raise ValueError(table)
        return table.get((township, village))

    def _load_county(self, county: str) -> dict[tuple[str, str], str] | str:
        counties = list(
            self.scope.filter_data(
                Region.objects.filter(level=Level.COUNTY, name=county, is_active=True), "code"
            ).values_list("code", flat=True)
        )
        if not counties:
            return f"县“{county}”不在您的权限范围内，或名称有误"
        if len(counties) > 1:
            return f"县名“{county}”不唯一（{', '.join(counties)}）：请使用“行政村代码”列"
        prefix = counties[0]
        villages = Region.objects.filter(
            level=Level.VILLAGE,
            is_active=True,
            code__gte=prefix,
            code__lt=codes.prefix_upper_bound(prefix),
        ).values_list("code", "name", "parent__name")
        return {(township, name): code for code, name, township in villages}


class RowError(Exception):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


def _age(birth: datetime.date, today: datetime.date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


class RowParser:
    """Turns one row's cells into the values of a StagedMember, or raises RowError.

    This is the hot loop of every import (a million rows a run), so column positions are looked
    up once and the common case (clean ASCII or an exact label) takes the shortest path.
    """

    def __init__(self, cols: ColumnMap, villages: VillageResolver, today: datetime.date) -> None:
        self.cols = cols
        self.villages = villages
        self.today = today
        self.index = cols.index
        self.positions = [(f, i) for f, i in cols.index.items() if f != "id_number"]
        self._line_cache: dict[int, Decimal | None] = {}
        year = today.year
        # The checks of the coded columns, each a function of the row's texts alone: parse calls
        # them per row, columnar.ColumnChecker once per distinct value of the column.
        self.coded: dict[str, Callable[[dict[str, str]], Any]] = {
            "status": lambda t: self._choice(t, "status", Status.NOT_EXITED),
            "household_type": lambda t: self._choice(t, "household_type", HouseholdType.GENERAL),
            "main_cause": lambda t: self._choice(t, "main_cause"),
            "secondary_causes": self._secondary,
            "relation": lambda t: self._choice(t, "relation"),
            "education": lambda t: self._choice(t, "education", ""),
            "school_status": lambda t: self._choice(t, "school_status", SchoolStatus.NONE),
            "health": lambda t: self._choice(t, "health", Health.HEALTHY),
            "labour_skill": lambda t: self._choice(t, "labour_skill", LabourSkill.ORDINARY),
            "migrant_status": lambda t: self._choice(t, "migrant_status", MigrantStatus.NONE),
            "migrant_months": lambda t: self._int(t, "migrant_months", 0, 12) or 0,
            "exit_year": lambda t: self._int(t, "exit_year", 2013, year),
            "identified_year": lambda t: self._int(t, "identified_year", 2013, year),
            "income_year": lambda t: self._int(t, "income_year", 2013, year),
            "size": lambda t: self._int(t, "size", 1, 30),
            "dangerous_house": lambda t: self._flag(t, "dangerous_house"),
            "water_secure": lambda t: self._flag(t, "water_secure", default=True),
            "water_difficulty": lambda t: self._flag(t, "water_difficulty"),
            "medical_insurance": lambda t: self._flag(t, "medical_insurance", default=True),
        }

    def _line(self, year: int) -> Decimal | None:
        if year not in self._line_cache:
            self._line_cache[year] = poverty_line(year)
        return self._line_cache[year]

    def _texts(self, cells: list[Any]) -> dict[str, str]:
        """Every mapped cell of the row as clean text."""
        n = len(cells)
        return {field: clean_cell(cells[i] if i < n else None) for field, i in self.positions}

    def _name(self, field: str) -> str:
        return self.cols.names.get(field, field)

    def _choice(self, t: dict[str, str], field: str, default: str | None = None) -> str:
        text = t.get(field, "")
        if not text:
            if default is None:
                raise RowError(self._name(field), "不能为空")
            return default
        value = LABELS[field].get(text)
        if value is None:
            allowed = "、".join(list(LABELS[field])[:8])
            raise RowError(self._name(field), f"“{text}”不是可用的值（可用：{allowed}…）")
        return value

    def _flag(self, t: dict[str, str], field: str, default: bool = False) -> bool:
        if field not in t:
            return default
        text = t[field].lower()
        if text in YES:
            return True
        if text in NO:
            return False
        raise RowError(self._name(field), f"“{text}”应为“是”或“否”")

    def _int(self, t: dict[str, str], field: str, low: int, high: int) -> int | None:
        text = t.get(field, "")
        if not text:
            return None
        try:
            value = int(text) if text.isdigit() else int(Decimal(text))
        except (InvalidOperation, ValueError):
            raise RowError(self._name(field), f"“{text}”不是整数") from None
        if not low <= value <= high:
            raise RowError(self._name(field), f"{value} 超出范围 {low}–{high}")
        return value

    def _id(self, cells: list[Any], t: dict[str, str]) -> tuple[str, datetime.date, str, str]:
        """(number, birth date, sex, kind) of a valid ID, or RowError with check_id's message."""
        i = self.index["id_number"]
        raw = cells[i] if i < len(cells) else None
        if raw.__class__ is str:
            quick = idnumbers.quick_resident(raw.strip(STRIP), self.today)
            if quick is not None:
                return (*quick, "resident")
        check = idnumbers.check_id(
            raw, allow_disability_card=t.get("id_kind") == "残疾人证", today=self.today
        )
        if not check.ok:
            raise RowError(self._name("id_number"), check.message)
        assert check.birth_date is not None and check.sex is not None
        return check.normalised, check.birth_date, check.sex, str(check.kind)

    def parse(self, cells: list[Any]) -> dict[str, Any]:
        t = self._texts(cells)
        number = t["household_number"]
        if not number:
            raise RowError(self._name("household_number"), "不能为空")
        if len(number) > 30:
            raise RowError(self._name("household_number"), "户编号超过 30 个字符")
        name = t["name"]
        if not name:
            raise RowError(self._name("name"), "不能为空")
        village = self._village(t)
        id_number, birth, sex, id_kind = self._id(cells, t)
        coded = {field: check(t) for field, check in self.coded.items()}
        status = coded["status"]
        exit_year = coded["exit_year"]
        if status == Status.EXITED and exit_year is None and "exit_year" in t:
            raise RowError(self._name("exit_year"), "已脱贫户须填写脱贫年度")
        income = self._amount(t, "income", -100000, 1000000)
        sources = {f: self._amount(t, f, 0, 10000000) for f in INCOME_SOURCES}
        income_year = coded["income_year"]
        if income_year is None and any(v is not None for v in sources.values()):
            raise RowError(self._name("income_year"), "填写了分项收入时须填写收入年度")
        school = coded["school_status"]
        # School age as of the year the data speaks of: the exit year for an exited household
        # (a child born in 2019 was not of school age when the household left in 2020).
        as_of = datetime.date(exit_year, 12, 31) if exit_year else self.today
        age = _age(birth, min(as_of, self.today))
        if "food_clothing_secure" in t:
            food = self._flag(t, "food_clothing_secure")
        else:
            # The national layout has no such column: above the line of the year, enough food
            # and clothing is taken as met.
            line = self._line(exit_year or self.today.year)
            food = income is not None and line is not None and income > line
        phone = self._phone(t, "phone")
        helper_phone = self._phone(t, "helper_phone")
        # The fields of columnar.SCHEMA (all but the row number).
        return {
            "household_number": number,
            "village_id": village,
            "natural_village": t.get("natural_village", "")[:100],
            **coded,
            "income": None if income is None else str(income),
            **{f: None if v is None else str(v) for f, v in sources.items()},
            "food_clothing_secure": food,
            "phone": phone,
            "helper_name": t.get("helper_name", "")[:50],
            "helper_unit": t.get("helper_unit", "")[:100],
            "helper_phone": helper_phone,
            "person_number": t.get("person_number", "")[:30],
            "name": name[:50],
            "id_kind": id_kind,
            "id_hash": crypto.keyed_hash(id_number),
            "id_enc": crypto.encrypt(id_number),
            "id_masked": idnumbers.mask(id_number),
            "sex": sex,
            "birth_date": birth,
            "ethnicity": t.get("ethnicity", "")[:20],
            "school_age_out": 6 <= age <= 15 and school == SchoolStatus.NONE,
        }

    def _amount(self, t: dict[str, str], field: str, low: int, high: int) -> Decimal | None:
        """An amount in yuan with cents, within [low, high], or None for an empty cell."""
        text = t.get(field, "")
        if not text:
            return None
        try:
            amount = Decimal(text).quantize(Decimal("0.01"))
        except InvalidOperation:
            raise RowError(self._name(field), f"“{text}”不是金额") from None
        if not Decimal(low) <= amount <= Decimal(high):
            raise RowError(self._name(field), f"{self._name(field)} {amount} 元不合理")
        return amount

    def _phone(self, t: dict[str, str], field: str) -> str:
        phone = t.get(field, "")
        if phone:
            digits = phone.replace("-", "")
            if not (codes.is_digits(digits) and 7 <= len(digits) <= 20):
                raise RowError(self._name(field), f"“{phone}”不是电话号码")
        return phone

    def _village(self, t: dict[str, str]) -> str:
        code = t.get("village_code", "")
        if code:
            if not (codes.is_digits(code) and len(code) == 12):
                raise RowError(self._name("village_code"), f"“{code}”不是 12 位村级区划代码")
            found = self.villages.by_code(code)
            if found is None:
                raise RowError(
                    self._name("village_code"), f"村代码 {code} 不存在，或不在您的权限范围内"
                )
            return found
        if "village" not in self.index:
            raise RowError(self._name("village_code"), "不能为空")
        county, township, village = (t.get(f, "") for f in ("county", "township", "village"))
        if not (county and township and village):
            raise RowError("县/乡/行政村", "县、乡、行政村都必须填写")
        try:
            found_code = self.villages.by_names(county, township, village)
        except ValueError as exc:
            raise RowError(self._name("county"), str(exc)) from None
        if found_code is None:
            raise RowError(self._name("village"), f"{county}{township}没有名为“{village}”的行政村")
        return found_code

    def _secondary(self, t: dict[str, str]) -> str:
        text = t.get("secondary_causes", "")
        if not text:
            return "[]"
        parts = [p for p in text.replace("、", ",").replace("，", ",").split(",") if p]
        values = []
        for part in parts:
            value = LABELS["main_cause"].get(part.strip())
            if value is None:
                raise RowError(self._name("secondary_causes"), f"“{part}”不是致贫原因")
            values.append(value)
        if len(values) > 2:
            raise RowError(self._name("secondary_causes"), "次要致贫原因最多两项")
        return json.dumps(values)


CHUNK_ROWS = 65536
ISSUE_ROWS = 5000


def parse_batch(batch: ImportBatch, *, user: Any, progress: Progress | None = None) -> ImportBatch:
    """Check every row of the batch's file into its staging file and record every issue."""
    progress = progress or (lambda pct, msg: None)
    batch_update(batch, state=ImportBatch.State.PARSING, progress=0, message="正在检查")
    _clear(batch)
    path = Path(batch.stored_path)
    try:
        table = open_table(path, known_headers=set(COLUMNS), original_name=batch.filename)
        cols = map_columns(table)
    except UserError as exc:
        return _fail(batch, exc)
    parser = RowParser(cols, VillageResolver(user), timezone.localdate())
    checker = columnar.ColumnChecker(parser)
    try:
        with paused_gc():
            try:
                rows, errors = _check_chunks(
                    batch, checker, columnar.csv_chunks(path, table, cols), progress
                )
            except columnar.Irregular:
                # Blank lines, ragged rows or cells over several lines: the fast reader cannot
                # number the rows as Excel does, so read the file row by row instead.
                _clear(batch)
                table = open_table(path, known_headers=set(COLUMNS), original_name=batch.filename)
                rows, errors = _check_chunks(
                    batch, checker, columnar.row_chunks(table, cols, CHUNK_ROWS), progress
                )
    except UserError as exc:  # the file breaks off half way (truncated, bad encoding)
        return _fail(batch, exc)
    if rows == 0:
        ImportIssue.objects.create(batch=batch, row=table.header_row, message="表头以下没有数据")
        errors = 1
    with staging.duck() as duck:
        found, existing = _cross_row_checks(batch, duck)
        errors += found
        summary = _preview_summary(batch, duck, existing)
    return batch_update(
        batch,
        state=ImportBatch.State.PARSED,
        rows_read=rows,
        rows_with_errors=errors,
        progress=100,
        summary=summary,
        message=f"共 {rows} 行，{errors} 处问题" if errors else f"共 {rows} 行，检查通过",
    )


def _clear(batch: ImportBatch) -> None:
    ImportIssue.objects.filter(batch=batch).delete()
    staging.checked_path(batch).unlink(missing_ok=True)


def _fail(batch: ImportBatch, exc: UserError) -> ImportBatch:
    """The file itself is unusable: drop what was staged and say why, as the batch's one issue."""
    staging.checked_path(batch).unlink(missing_ok=True)
    return batch_fail(batch, exc)


@contextmanager
def paused_gc() -> Iterator[None]:
    """The row loop allocates millions of short-lived objects and makes no reference cycles;
    the cyclic collector, triggered by those allocations, would double its running time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _check_chunks(
    batch: ImportBatch,
    checker: columnar.ColumnChecker,
    chunks: Iterator[columnar.Chunk],
    progress: Progress,
) -> tuple[int, int]:
    """Each chunk checked a column at a time; its doubtful rows one by one by RowParser, which
    accepts them or names their problem. Accepted rows go to the staging file."""
    issues: list[ImportIssue] = []
    rows = errors = 0
    # The worker is forked first, before the writer's thread starts: a fork copies no thread,
    # and a lock one held would stay locked in the child for good.
    with (
        _crypto_worker() as worker,
        staging.writer(batch, columnar.SCHEMA) as write,
        _sealer(worker) as seal,
    ):
        for chunk in chunks:
            checked = checker.check(chunk)
            seal(checked, write)
            rescued: list[dict[str, Any]] = []
            for i in checked.doubtful:
                number = chunk.rows[i].as_py()
                try:
                    values = checker.parser.parse(chunk.cells(i))
                except RowError as exc:
                    errors += 1
                    issues.append(
                        ImportIssue(
                            batch=batch,
                            row=number,
                            column=exc.column[:50],
                            message=exc.message[:300],
                        )
                    )
                    continue
                values["row"] = number
                rescued.append(values)
            if rescued:
                write(columnar.table_of(rescued))
            if len(issues) >= ISSUE_ROWS:
                ImportIssue.objects.bulk_create(issues)
                issues.clear()
            rows += len(chunk.rows)
            pct = min(95, rows * 100 // max(chunk.expected, 1))
            progress(pct, f"已检查 {rows} 行")
            ImportBatch.objects.filter(pk=batch.pk).update(progress=pct)
    ImportIssue.objects.bulk_create(issues)
    return rows, errors


class _Here(Executor):
    """The worker of a one-core machine: runs each call at once, in this process."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:
            future.set_exception(exc)
        return future


@contextmanager
def _crypto_worker() -> Iterator[Executor]:
    """A second process for the cryptography of an import (a third of the check's work, most of
    the household phones' in the commit) on a machine with more than one core. Forked at once,
    before DuckDB or the CSV reader start threads: it needs nothing but the keys, derived here
    first, and the interpreter. Calls run in the order they are submitted."""
    if (os.cpu_count() or 1) < 2:
        yield _Here()
        return
    crypto.keys()
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork")) as pool:
        pool.submit(int).result()
        yield pool


@contextmanager
def _sealer(
    worker: Executor,
) -> Iterator[Callable[[columnar.Checked, Callable[[pa.Table], None]], None]]:
    """Hashes and encrypts each chunk's ID numbers in the crypto worker while this process
    checks the next chunk, and hands the sealed rows to `write` in order."""
    pending: list[tuple[columnar.Checked, Callable[[pa.Table], None], Any]] = []

    def flush(keep: int) -> None:
        while len(pending) > keep:
            checked, write, future = pending.pop(0)
            write(checked.seal(future.result()))

    def seal(checked: columnar.Checked, write: Callable[[pa.Table], None]) -> None:
        pending.append((checked, write, worker.submit(columnar.protect, checked.ids)))
        flush(1)

    yield seal
    flush(0)


def _cross_row_checks(batch: ImportBatch, duck: Any) -> tuple[int, int]:
    """Checks that need more than one row, run by DuckDB over the staging file; with the number
    of the batch's households the registry already has."""
    issues: list[ImportIssue] = []
    found = staging.grouped(
        duck,
        batch,
        "id_hash",
        "SELECT MIN(row), MAX(row), COUNT(*) FROM {staged} "
        "GROUP BY id_hash HAVING COUNT(*) > 1 ORDER BY MIN(row) LIMIT 10000",
        first=0,
    )
    for first, last, n in found:
        issues.append(
            ImportIssue(
                batch=batch,
                row=last,
                column="证件号码",
                message=f"证件号码与第 {first} 行相同（共 {n} 人使用同一号码）",
            )
        )
    elsewhere, existing = _against_registry(batch, duck)
    issues += elsewhere
    # One pass over the households for both of their checks: one head each, and the household's
    # attributes the same on every member row. MIN <> MAX rather than COUNT(DISTINCT): the same
    # verdict (neither counts NULLs), in constant memory per household.
    found = staging.grouped(
        duck,
        batch,
        "household_number",
        "SELECT * FROM (SELECT household_number, MIN(row) AS first_row, "
        "SUM(CASE WHEN relation = 'head' THEN 1 ELSE 0 END) AS heads, "
        "MIN(village_id) <> MAX(village_id) OR MIN(status) <> MAX(status) "
        "OR MIN(main_cause) <> MAX(main_cause) OR MIN(household_type) <> MAX(household_type) "
        "OR MIN(exit_year) <> MAX(exit_year) AS mixed FROM {staged} GROUP BY household_number) "
        "WHERE heads <> 1 OR mixed ORDER BY first_row LIMIT 10000",
        first=1,
    )
    for number, row, heads, mixed in found:
        if heads != 1:
            message = f"户 {number} 没有户主" if heads == 0 else f"户 {number} 有 {heads} 个户主"
            issues.append(ImportIssue(batch=batch, row=row, column="与户主关系", message=message))
        if mixed:
            message = f"户 {number} 各成员行的村、脱贫属性、脱贫年度、贫困户属性或致贫原因不一致"
            issues.append(ImportIssue(batch=batch, row=row, column="户编号", message=message))
    ImportIssue.objects.bulk_create(issues)
    return len(issues), existing


def _against_registry(batch: ImportBatch, duck: Any) -> tuple[list[ImportIssue], int]:
    """What the registry already holds of the batch: members whose ID number is registered in
    another household (issues), and how many of the batch's households exist (for the preview).
    The batch's keys go into a temporary table, so the database answers with two joins."""
    if not Household.objects.exists():
        return [], 0
    member = Member._meta.db_table
    household = Household._meta.db_table
    select = (
        "SELECT id_hash, household_number, MIN(row) FROM {staged} "
        "GROUP BY id_hash, household_number"
    )
    issues: list[ImportIssue] = []
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS _batch_keys")
        cursor.execute(
            "CREATE TEMPORARY TABLE _batch_keys (id_hash varchar(32), household_number "
            "varchar(30), row integer)"
        )
        for part in staging.parts(duck, batch, "id_hash"):
            staging.load_query(
                cursor,
                "_batch_keys",
                ["id_hash", "household_number", "row"],
                duck,
                select.format(staged=part),
            )
        cursor.execute(
            f"SELECT MIN(k.row), h.number FROM _batch_keys k JOIN {member} m "
            f"ON m.id_hash = k.id_hash JOIN {household} h ON h.id = m.household_id "
            "WHERE h.number <> k.household_number GROUP BY k.id_hash, h.number "
            "ORDER BY MIN(k.row) LIMIT 10000"
        )
        for row, other in cursor.fetchall():
            issues.append(
                ImportIssue(
                    batch=batch,
                    row=row,
                    column="证件号码",
                    message=f"该证件号码已登记在户 {other} 中",
                )
            )
        cursor.execute(
            "SELECT COUNT(*) FROM (SELECT DISTINCT household_number FROM _batch_keys) k "
            f"JOIN {household} h ON h.number = k.household_number"
        )
        existing = int(cursor.fetchone()[0])
        cursor.execute("DROP TABLE _batch_keys")
    return issues, existing


def _preview_summary(batch: ImportBatch, duck: Any, existing: int) -> dict[str, Any]:
    ((members, households),) = duck.execute(
        f"SELECT COUNT(*), COUNT(DISTINCT household_number) FROM {staging.relation(batch)}"
    ).fetchall()
    return {
        "members": members,
        "households": households,
        "new_households": households - existing,
        "updated_households": existing,
    }


def commit_batch(batch: ImportBatch, *, actor: Any) -> ImportBatch:
    """Write a checked batch into the registry: all of it, or (on any error) none of it."""
    if batch.state not in (ImportBatch.State.PARSED, ImportBatch.State.QUEUED):
        raise UserError(f"该批次状态为“{batch.get_state_display()}”，只有检查完成的批次可以提交")
    if batch.rows_with_errors:
        raise UserError(f"该批次有 {batch.rows_with_errors} 处问题：请修改文件后重新上传")
    if not staging.checked_path(batch).is_file():
        raise UserError("该批次的检查结果已不在：请重新检查后再提交")
    batch_update(batch, state=ImportBatch.State.COMMITTING, progress=0, message="正在写入")
    try:
        with (
            _crypto_worker() as worker,
            transaction.atomic(),
            staging.duck() as duck,
            staging.bulk_session(),
        ):
            counts = _commit_sql(batch, actor, duck, worker)
            audit_record(
                actor=actor,
                action=AuditEvent.Action.LOAD,
                obj=batch,
                object_repr=f"建档立卡导入 {batch.filename}"[:200],
                after=counts,
                summary=f"import batch {batch.pk}",
            )
    except Exception as exc:
        batch_write_failed(batch, exc)
        raise
    staging.checked_path(batch).unlink(missing_ok=True)
    return batch_update(
        batch,
        state=ImportBatch.State.COMMITTED,
        progress=100,
        summary=counts,
        message=_commit_message(counts),
    )


def _commit_message(counts: dict[str, int]) -> str:
    members, households = counts["members"], counts["households"]
    if (counts["members_written"], counts["households_written"]) == (members, households):
        return f"已写入 {members} 人、{households} 户"
    return (
        f"共 {members} 人、{households} 户：写入新增或有变化的 {counts['households_written']} 户、"
        f"{counts['members_written']} 人，其余与登记库相同"
    )


# One row per household: the attributes repeat on every member row (checked equal), the exit
# conditions are derived from the members, the phone is the first one given (the head's row
# comes first in the national export), encrypted here once per household.
HOUSEHOLD_COLUMNS = [
    ("number", "varchar(30)"),
    ("village_id", "varchar(12)"),
    ("natural_village", "varchar(100)"),
    ("household_type", "varchar(10)"),
    ("main_cause", "varchar(12)"),
    ("secondary_causes", "varchar(100)"),
    ("status", "varchar(12)"),
    ("exit_year", "integer"),
    ("identified_year", "integer"),
    ("size", "integer"),
    ("income", "decimal(12, 2)"),
    ("food", "integer"),
    ("education", "integer"),
    ("medical", "integer"),
    ("dangerous", "integer"),
    ("water", "integer"),
    ("water_difficulty", "integer"),
    ("helper_name", "varchar(50)"),
    ("helper_unit", "varchar(100)"),
    ("income_year", "integer"),
    *((source, "decimal(12, 2)") for source in INCOME_SOURCES),
    # What columnar.protect makes of the helper's phone and of the household's, in its order.
    ("helper_phone_hash", "varchar(32)"),
    ("helper_phone_enc", "text"),
    ("phone_hash", "varchar(32)"),
    ("phone_enc", "text"),
]
HOUSEHOLD_SQL = (
    "SELECT household_number, MIN(village_id), MIN(natural_village), MIN(household_type), "
    "MIN(main_cause), MIN(secondary_causes), MIN(status), MAX(exit_year), MIN(identified_year), "
    "COALESCE(MAX(size), COUNT(*)), "
    # 人均纯收入 as given, else derived from the year's income by source.
    "COALESCE(MAX(CAST(income AS DECIMAL(12, 2))), CASE WHEN MAX(income_year) IS NOT NULL THEN "
    "ROUND((COALESCE(MAX(CAST(wages AS DECIMAL(12, 2))), 0) "
    "+ COALESCE(MAX(CAST(business AS DECIMAL(12, 2))), 0) "
    "+ COALESCE(MAX(CAST(property_income AS DECIMAL(12, 2))), 0) "
    "+ COALESCE(MAX(CAST(transfers AS DECIMAL(12, 2))), 0) "
    "- COALESCE(MAX(CAST(production_costs AS DECIMAL(12, 2))), 0)) "
    "/ COALESCE(MAX(size), COUNT(*)), 2) END), "
    "MIN(CASE WHEN food_clothing_secure THEN 1 ELSE 0 END), "
    "MIN(CASE WHEN school_age_out THEN 0 ELSE 1 END), "
    "MIN(CASE WHEN medical_insurance THEN 1 ELSE 0 END), "
    "MAX(CASE WHEN dangerous_house THEN 1 ELSE 0 END), "
    "MIN(CASE WHEN water_secure AND NOT water_difficulty THEN 1 ELSE 0 END), "
    "MAX(CASE WHEN water_difficulty THEN 1 ELSE 0 END), MAX(helper_name), MAX(helper_unit), "
    "MAX(income_year), "
    + "".join(f"MAX(CAST({source} AS DECIMAL(12, 2))), " for source in INCOME_SOURCES)
    + "COALESCE(arg_min(helper_phone, row) FILTER (WHERE helper_phone <> ''), ''), "
    "COALESCE(arg_min(phone, row) FILTER (WHERE phone <> ''), '') "
    "FROM {staged} GROUP BY household_number"
)
HOUSEHOLD_INSERT = (
    "INSERT INTO {household} (number, village_id, natural_village, identified_year, "
    "household_type, main_cause, secondary_causes, status, exit_year, size, "
    "per_capita_income, food_clothing_secure, education_secure, medical_secure, "
    "housing_secure, water_secure, dangerous_house, water_difficulty, phone_enc, phone_hash, "
    "helper_name, helper_unit, helper_phone_enc, helper_phone_hash, created_at, updated_at) "
    "SELECT number, village_id, natural_village, identified_year, household_type, "
    "main_cause, {causes}, status, exit_year, size, income, food = 1, "
    "education = 1, medical = 1, dangerous = 0, water = 1, dangerous = 1, "
    "water_difficulty = 1, phone_enc, phone_hash, helper_name, helper_unit, helper_phone_enc, "
    "helper_phone_hash, %s, %s "
    "FROM _staged_household WHERE true"
)
# What a re-import may change of a household found by its number; the phones are compared by
# their keyed hashes, and a number that is the same keeps its ciphertext.
HOUSEHOLD_UPDATED = [
    "village_id",
    "natural_village",
    "household_type",
    "main_cause",
    "secondary_causes",
    "status",
    "exit_year",
    "size",
    "per_capita_income",
    "food_clothing_secure",
    "education_secure",
    "medical_secure",
    "housing_secure",
    "water_secure",
    "dangerous_house",
    "water_difficulty",
    "helper_name",
    "helper_unit",
    "phone_hash",
    "helper_phone_hash",
]


def _household_upsert(household: str) -> str:
    # The stored ciphertext stays when the hashes agree — unless the file has no number and the
    # registry does (a row from before the hash columns has '' for its hash whatever it holds).
    kept = (
        "CASE WHEN {t}.{hash} = excluded.{hash} AND (excluded.{hash} <> '' OR {t}.{enc} = '') "
        "THEN {t}.{enc} ELSE excluded.{enc} END"
    )
    return _upsert_changed(
        household,
        "number",
        HOUSEHOLD_UPDATED,
        derived={
            # A file without the year keeps the one the registry has.
            "identified_year": f"COALESCE(excluded.identified_year, {household}.identified_year)",
            "phone_enc": kept.format(t=household, hash="phone_hash", enc="phone_enc"),
            "helper_phone_enc": kept.format(
                t=household, hash="helper_phone_hash", enc="helper_phone_enc"
            ),
        },
        touched={"updated_at": "excluded.updated_at"},
    )


MEMBER_COLUMNS = [
    "household_number",
    "person_number",
    "name",
    "id_kind",
    "id_hash",
    "id_enc",
    "id_masked",
    "sex",
    "birth_date",
    "relation",
    "ethnicity",
    "education",
    "school_status",
    "health",
    "labour_skill",
    "migrant_status",
    "migrant_months",
    "medical_insurance",
]
MEMBER_TYPES = {"migrant_months": "integer", "birth_date": "date", "medical_insurance": "boolean"}
# What a re-import may change of a member found by ID number. Not id_enc and id_masked: the same
# hash is the same number (its ciphertext differs each time only by its random nonce). A row
# whose values are all the same is left alone — no new row version, no index entries — so
# re-importing an unchanged export costs a lookup per member.
MEMBER_UPDATED = [c for c in MEMBER_COLUMNS[1:] if c not in ("id_hash", "id_enc", "id_masked")]


def _upsert_changed(
    table: str,
    key: str,
    columns: list[str],
    *,
    derived: dict[str, str] | None = None,
    touched: dict[str, str] | None = None,
) -> str:
    """ON CONFLICT clause that updates the existing row only where something differs: `columns`
    from the new row, `derived` columns from their expressions (compared too), and `touched`
    ones (set, never compared, like a timestamp)."""
    differs = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
    new = {c: f"excluded.{c}" for c in columns} | (derived or {})
    sets = [f"{c} = {value}" for c, value in (new | (touched or {})).items()]
    changed = [f"{table}.{c} {differs} {value}" for c, value in new.items()]
    return (
        f" ON CONFLICT ({key}) DO UPDATE SET " + ", ".join(sets) + " WHERE " + " OR ".join(changed)
    )


def _households(duck: Any, batch: ImportBatch, worker: Executor) -> Iterator[pa.RecordBatch]:
    """The batch's households, a part at a time, their phone numbers encrypted by the crypto
    worker while DuckDB groups the next part and the database writes the one before."""
    pending: tuple[list[pa.Array], list[Future[Any]]] | None = None
    for staged in staging.parts(duck, batch, "household_number"):
        for part in duck.sql(HOUSEHOLD_SQL.format(staged=staged)).to_arrow_reader(
            staging.PART_ROWS
        ):
            *kept, helpers, phones = part.columns
            sealing = [worker.submit(columnar.protect, phone) for phone in (helpers, phones)]
            if pending is not None:
                yield _with_phones(*pending)
            pending = (kept, sealing)
    if pending is not None:
        yield _with_phones(*pending)


def _with_phones(kept: list[pa.Array], sealing: list[Future[Any]]) -> pa.RecordBatch:
    sealed = [column for future in sealing for column in future.result()]
    return pa.RecordBatch.from_arrays(
        [*kept, *sealed], names=[name for name, _ in HOUSEHOLD_COLUMNS]
    )


def _commit_sql(batch: ImportBatch, actor: Any, duck: Any, worker: Executor) -> dict[str, int]:
    household = Household._meta.db_table
    history = StatusChange._meta.db_table
    actor_id = getattr(actor, "pk", None)
    staged = staging.relation(batch)
    now = timezone.now()
    reason = f"导入 {batch.filename}"[:300]
    # The staged JSON list is text; PostgreSQL's jsonb column wants it cast.
    causes = (
        "CAST(secondary_causes AS jsonb)"
        if connection.vendor == "postgresql"
        else "secondary_causes"
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Compiling these one-off statements costs more than it saves.
            cursor.execute("SET LOCAL jit = off")
        cursor.execute("DROP TABLE IF EXISTS _staged_household")
        cursor.execute(
            "CREATE TEMPORARY TABLE _staged_household ("
            + ", ".join(f"{name} {kind}" for name, kind in HOUSEHOLD_COLUMNS)
            + ")"
        )
        staging.load(
            cursor,
            "_staged_household",
            [n for n, _ in HOUSEHOLD_COLUMNS],
            _households(duck, batch, worker),
        )
        cursor.execute(
            f"INSERT INTO {history} (household_id, from_status, to_status, year, reason, at, "
            f"actor_id) SELECT h.id, h.status, s.status, s.exit_year, %s, %s, %s "
            f"FROM _staged_household s JOIN {household} h ON h.number = s.number "
            "WHERE h.status <> s.status",
            [reason, now, actor_id],
        )
        changed = cursor.rowcount
        cursor.execute(
            f"SELECT COUNT(*) FROM _staged_household s JOIN {household} h ON h.number = s.number"
        )
        updated = int(cursor.fetchone()[0])
        incomes = HouseholdIncome._meta.db_table
        initial = staging.initial_load(cursor, [household, Member._meta.db_table, history, incomes])
        with staging.indexes_rebuilt(cursor, household) if initial else nullcontext():
            cursor.execute(
                HOUSEHOLD_INSERT.format(household=household, causes=causes)
                + ("" if initial else _household_upsert(household)),
                [now, now],
            )
            households_written = max(int(cursor.rowcount), 0)
        cursor.execute("SELECT COUNT(*) FROM _staged_household")
        households = int(cursor.fetchone()[0])
        sources = ", ".join(INCOME_SOURCES)
        with staging.indexes_rebuilt(cursor, incomes) if initial else nullcontext():
            cursor.execute(
                f"INSERT INTO {incomes} (household_id, year, {sources}, persons) SELECT h.id, "
                f"s.income_year, {', '.join(f'COALESCE(s.{f}, 0)' for f in INCOME_SOURCES)}, "
                f"s.size FROM _staged_household s JOIN {household} h ON h.number = s.number "
                "WHERE s.income_year IS NOT NULL"
                + (
                    ""
                    if initial
                    else _upsert_changed(
                        incomes, "household_id, year", [*INCOME_SOURCES, "persons"]
                    )
                )
            )
        with staging.indexes_rebuilt(cursor, history) if initial else nullcontext():
            cursor.execute(
                f"INSERT INTO {history} (household_id, from_status, to_status, year, reason, "
                "at, actor_id) SELECT h.id, '', h.status, h.exit_year, %s, %s, %s FROM "
                f"_staged_household s JOIN {household} h ON h.number = s.number "
                f"WHERE NOT EXISTS (SELECT 1 FROM {history} c WHERE c.household_id = h.id)",
                [reason, now, actor_id],
            )
        cursor.execute("DROP TABLE _staged_household")
        written = _commit_members(cursor, duck, staged, initial=initial)
        ((members,),) = duck.execute(f"SELECT COUNT(*) FROM {staged}").fetchall()
        # Fresh planner statistics after a bulk change, so the pages keep their index plans.
        cursor.execute(f"ANALYZE {household}")
        cursor.execute(f"ANALYZE {Member._meta.db_table}")
    return {
        "households": households,
        "new_households": households - updated,
        "updated_households": updated,
        "status_changes": max(int(changed), 0),
        "members": int(members),
        # Added, or found by their key with something changed (the rest are as they were).
        "households_written": households_written,
        "members_written": written,
    }


def _household_ids() -> pa.Table:
    """Every household's number and id, as Arrow columns (a few bytes each, where Python
    objects would take some 150), fetched a part at a time."""
    parts = []
    # A server-side cursor on PostgreSQL (a plain one holds the whole result from the start).
    with connection.chunked_cursor() as ids_cursor:
        ids_cursor.execute(f"SELECT number, id FROM {Household._meta.db_table}")
        while rows := ids_cursor.fetchmany(staging.PART_ROWS):
            numbers, ids = zip(*rows, strict=True)
            parts.append(
                pa.record_batch(
                    [pa.array(numbers, pa.string()), pa.array(ids, pa.int64())], ["number", "id"]
                )
            )
    schema = pa.schema([("number", pa.string()), ("id", pa.int64())])
    return pa.Table.from_batches(parts, schema=schema)


def _commit_members(cursor: Any, duck: Any, staged: str, *, initial: bool) -> int:
    """Every staged member into the registry, keyed by ID number (a re-import updates)."""
    household = Household._meta.db_table
    member = Member._meta.db_table
    names = ", ".join(MEMBER_COLUMNS[1:])
    values = ", ".join(MEMBER_COLUMNS[1:-1]).replace("birth_date", "CAST(birth_date AS VARCHAR)")
    if initial:
        # A first load: every household is new, so DuckDB can give each member its household's
        # id itself, and the rows go straight into the unindexed table (no upsert to decide).
        duck.register("_household_ids", _household_ids())
        with staging.indexes_rebuilt(cursor, member):
            loaded = staging.load_query(
                cursor,
                member,
                ["household_id", *MEMBER_COLUMNS[1:], "pension_insurance"],
                duck,
                f"SELECT h.id, {values}, medical_insurance, false FROM {staged} s "
                "JOIN _household_ids h ON h.number = s.household_number",
            )
        duck.unregister("_household_ids")
        return loaded
    # An unindexed temporary table first (COPY on PostgreSQL, executemany on SQLite), then one
    # set-based upsert that finds each member's household by its number.
    cursor.execute("DROP TABLE IF EXISTS _staged_member")
    cursor.execute(
        "CREATE TEMPORARY TABLE _staged_member ("
        + ", ".join(f"{c} {MEMBER_TYPES.get(c, 'text')}" for c in MEMBER_COLUMNS)
        + ")"
    )
    staging.load_query(
        cursor,
        "_staged_member",
        MEMBER_COLUMNS,
        duck,
        f"SELECT household_number, {values}, medical_insurance FROM {staged}",
    )
    cursor.execute(
        f"INSERT INTO {member} (household_id, {names}, pension_insurance) "
        f"SELECT h.id, {', '.join('s.' + c for c in MEMBER_COLUMNS[1:])}, false "
        f"FROM _staged_member s JOIN {household} h ON h.number = s.household_number "
        "WHERE true" + _upsert_changed(member, "id_hash", ["household_id", *MEMBER_UPDATED])
    )
    members = cursor.rowcount
    cursor.execute("DROP TABLE _staged_member")
    return int(members)
