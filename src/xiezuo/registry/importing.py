"""The registry import: the national system's export layout (one row per member) or our own
template, checked row by row into the staging table, then checked across rows in SQL.

Each row becomes one StagedMember or a list of issues (row, column, reason in Chinese). Nothing
reaches the registry until `commit_batch`, which writes the whole batch or nothing.
"""

from __future__ import annotations

import datetime
import gc
import json
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from xiezuo.accounts.scope import RegionScope, scope_for
from xiezuo.audit.models import AuditEvent
from xiezuo.audit.services import audit_record
from xiezuo.core import crypto
from xiezuo.core.errors import UserError
from xiezuo.imports.batches import batch_fail, batch_update, batch_write_failed
from xiezuo.imports.models import ImportBatch, ImportIssue
from xiezuo.imports.readers import STRIP, Table, clean_text, open_table
from xiezuo.imports.services import Progress
from xiezuo.regions import codes
from xiezuo.regions.codes import Level
from xiezuo.regions.models import Region
from xiezuo.registry import idnumbers
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
from xiezuo.registry.models import Household, Member, StagedMember, StatusChange
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
}
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

    def _line(self, year: int) -> Decimal | None:
        if year not in self._line_cache:
            self._line_cache[year] = poverty_line(year)
        return self._line_cache[year]

    def _texts(self, cells: list[Any]) -> dict[str, str]:
        """Every mapped cell of the row as clean text, in one pass (the hot path)."""
        n = len(cells)
        out: dict[str, str] = {}
        for field, i in self.positions:
            value = cells[i] if i < n else None
            if value.__class__ is str:
                text: str = value.strip(STRIP)
            elif value is None:
                text = ""
            else:
                text = clean_text(value)
            out[field] = text if text.isascii() else unicodedata.normalize("NFKC", text)
        return out

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
        status = self._choice(t, "status", Status.NOT_EXITED)
        exit_year = self._int(t, "exit_year", 2013, self.today.year)
        if status == Status.EXITED and exit_year is None and "exit_year" in t:
            raise RowError(self._name("exit_year"), "已脱贫户须填写脱贫年度")
        income_text = t.get("income", "")
        income: Decimal | None = None
        if income_text:
            try:
                income = Decimal(income_text).quantize(Decimal("0.01"))
            except InvalidOperation:
                raise RowError(self._name("income"), f"“{income_text}”不是金额") from None
            if not Decimal(-100000) <= income <= Decimal(1000000):
                raise RowError(self._name("income"), f"人均纯收入 {income} 元不合理")
        school = self._choice(t, "school_status", SchoolStatus.NONE)
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
        # Plain str/int/bool values: the database driver binds them without Python adapters.
        return {
            "household_number": number,
            "village_id": village,
            "natural_village": t.get("natural_village", "")[:100],
            "household_type": self._choice(t, "household_type", HouseholdType.GENERAL),
            "main_cause": self._choice(t, "main_cause"),
            "secondary_causes": self._secondary(t),
            "status": status,
            "exit_year": exit_year,
            "identified_year": self._int(t, "identified_year", 2013, self.today.year),
            "size": self._int(t, "size", 1, 30),
            "income": None if income is None else str(income),
            "food_clothing_secure": food,
            "dangerous_house": self._flag(t, "dangerous_house"),
            "water_secure": self._flag(t, "water_secure", default=True),
            "water_difficulty": self._flag(t, "water_difficulty"),
            "phone_enc": crypto.encrypt(phone),
            "helper_name": t.get("helper_name", "")[:50],
            "helper_unit": t.get("helper_unit", "")[:100],
            "helper_phone_enc": crypto.encrypt(helper_phone),
            "person_number": t.get("person_number", "")[:30],
            "name": name[:50],
            "id_kind": id_kind,
            "id_hash": crypto.keyed_hash(id_number),
            "id_enc": crypto.encrypt(id_number),
            "id_masked": idnumbers.mask(id_number),
            "sex": sex,
            "birth_date": birth.isoformat(),
            "relation": self._choice(t, "relation"),
            "ethnicity": t.get("ethnicity", "")[:20],
            "education": self._choice(t, "education", ""),
            "school_status": school,
            "health": self._choice(t, "health", Health.HEALTHY),
            "labour_skill": self._choice(t, "labour_skill", LabourSkill.ORDINARY),
            "migrant_status": self._choice(t, "migrant_status", MigrantStatus.NONE),
            "migrant_months": self._int(t, "migrant_months", 0, 12) or 0,
            "medical_insurance": self._flag(t, "medical_insurance", default=True),
            "school_age_out": 6 <= age <= 15 and school == SchoolStatus.NONE,
        }

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


STAGED_FIELDS = [f.column for f in StagedMember._meta.concrete_fields if f.column != "id"]
BATCH_ROWS = 5000


def parse_batch(batch: ImportBatch, *, user: Any, progress: Progress | None = None) -> ImportBatch:
    """Check every row of the batch's file into the staging table and record every issue."""
    progress = progress or (lambda pct, msg: None)
    batch_update(batch, state=ImportBatch.State.PARSING, progress=0, message="正在检查")
    StagedMember.objects.filter(batch=batch).delete()
    ImportIssue.objects.filter(batch=batch).delete()
    path = Path(batch.stored_path)
    try:
        table = open_table(path, known_headers=set(COLUMNS), original_name=batch.filename)
        cols = map_columns(table)
    except UserError as exc:
        return _fail(batch, exc)
    parser = RowParser(cols, VillageResolver(user), timezone.localdate())
    try:
        with paused_gc():
            rows, errors = _parse_rows(batch, table, parser, max(path.stat().st_size, 1), progress)
    except UserError as exc:  # the file breaks off half way (truncated, bad encoding)
        return _fail(batch, exc)
    if rows == 0:
        ImportIssue.objects.create(batch=batch, row=table.header_row, message="表头以下没有数据")
        errors = 1
    errors += _cross_row_checks(batch)
    summary = _preview_summary(batch)
    return batch_update(
        batch,
        state=ImportBatch.State.PARSED,
        rows_read=rows,
        rows_with_errors=errors,
        progress=100,
        summary=summary,
        message=f"共 {rows} 行，{errors} 处问题" if errors else f"共 {rows} 行，检查通过",
    )


def _fail(batch: ImportBatch, exc: UserError) -> ImportBatch:
    """The file itself is unusable: drop what was staged and say why, as the batch's one issue."""
    StagedMember.objects.filter(batch=batch).delete()
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


def _parse_rows(
    batch: ImportBatch, table: Table, parser: RowParser, size: int, progress: Progress
) -> tuple[int, int]:
    batch_key = _key(batch)
    staged: list[tuple[Any, ...]] = []
    issues: list[ImportIssue] = []
    rows = errors = 0
    for number, cells in _rows_with_progress(table, size, progress, batch):
        rows += 1
        try:
            values = parser.parse(cells)
        except RowError as exc:
            errors += 1
            issues.append(
                ImportIssue(
                    batch=batch, row=number, column=exc.column[:50], message=exc.message[:300]
                )
            )
            continue
        values["batch_id"] = batch_key
        values["row"] = number
        staged.append(tuple(values[f] for f in STAGED_FIELDS))
        if len(staged) >= BATCH_ROWS:
            _insert_staged(staged)
            staged.clear()
        if len(issues) >= BATCH_ROWS:
            ImportIssue.objects.bulk_create(issues)
            issues.clear()
    _insert_staged(staged)
    ImportIssue.objects.bulk_create(issues)
    return rows, errors


def _rows_with_progress(
    table: Table, size: int, progress: Progress, batch: ImportBatch
) -> Iterator[tuple[int, list[Any]]]:
    # Excel sheets know their height; for CSV the row count is estimated from the file size and
    # the bytes of the first rows (an exact count would need a second pass over the file).
    estimate = max(table.total_rows or size // 300, 1)
    sampled = 0
    for i, item in enumerate(table.rows, start=1):
        if table.total_rows is None and i <= 1000:
            sampled += len(",".join(clean_text(c) for c in item[1]).encode()) + 2
            if i == 1000:
                estimate = max(size * 1000 // max(sampled, 1), 1)
        if i % 20000 == 0:
            pct = min(95, int(i * 100 / estimate))
            progress(pct, f"已检查 {i} 行")
            ImportBatch.objects.filter(pk=batch.pk).update(progress=pct)
        yield item


def _insert_staged(rows: list[tuple[Any, ...]]) -> None:
    if not rows:
        return
    table = StagedMember._meta.db_table
    columns = ", ".join(STAGED_FIELDS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            # The DB-API connection under Django's: no per-call query rewriting, and the values
            # are already plain types, so sqlite3 binds them without adapters.
            marks = ", ".join(["?"] * len(STAGED_FIELDS))
            raw = connection.connection
            assert raw is not None
            with transaction.atomic():
                raw.executemany(
                    f"INSERT INTO {table} ({columns}) VALUES ({marks})",
                    rows,
                )


def _cross_row_checks(batch: ImportBatch) -> int:
    """Checks that need more than one row, run as SQL over the staging table."""
    table = StagedMember._meta.db_table
    member = Member._meta.db_table
    household = Household._meta.db_table
    key = _key(batch)
    issues: list[ImportIssue] = []
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT MIN(row), MAX(row), COUNT(*) FROM {table} WHERE batch_id = %s "
            "GROUP BY id_hash HAVING COUNT(*) > 1 ORDER BY MIN(row) LIMIT 10000",
            [key],
        )
        for first, last, n in cursor.fetchall():
            issues.append(
                ImportIssue(
                    batch=batch,
                    row=last,
                    column="证件号码",
                    message=f"证件号码与第 {first} 行相同（共 {n} 人使用同一号码）",
                )
            )
        cursor.execute(
            f"SELECT MIN(s.row), h.number FROM {table} s JOIN {member} m "
            f"ON m.id_hash = s.id_hash JOIN {household} h ON h.id = m.household_id "
            "WHERE s.batch_id = %s AND h.number <> s.household_number "
            "GROUP BY s.id_hash, h.number LIMIT 10000",
            [key],
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
            f"SELECT household_number, MIN(row), "
            "SUM(CASE WHEN relation = 'head' THEN 1 ELSE 0 END) FROM "
            f"{table} WHERE batch_id = %s GROUP BY household_number "
            "HAVING SUM(CASE WHEN relation = 'head' THEN 1 ELSE 0 END) <> 1 LIMIT 10000",
            [key],
        )
        for number, row, heads in cursor.fetchall():
            message = f"户 {number} 没有户主" if heads == 0 else f"户 {number} 有 {heads} 个户主"
            issues.append(ImportIssue(batch=batch, row=row, column="与户主关系", message=message))
        cursor.execute(
            f"SELECT household_number, MIN(row) FROM {table} WHERE batch_id = %s "
            "GROUP BY household_number HAVING COUNT(DISTINCT village_id) > 1 "
            "OR COUNT(DISTINCT status) > 1 OR COUNT(DISTINCT main_cause) > 1 "
            "OR COUNT(DISTINCT household_type) > 1 OR COUNT(DISTINCT exit_year) > 1 LIMIT 10000",
            [key],
        )
        for number, row in cursor.fetchall():
            issues.append(
                ImportIssue(
                    batch=batch,
                    row=row,
                    column="户编号",
                    message=f"户 {number} 各成员行的村、脱贫属性、脱贫年度、"
                    "贫困户属性或致贫原因不一致",
                )
            )
    ImportIssue.objects.bulk_create(issues)
    return len(issues)


def _preview_summary(batch: ImportBatch) -> dict[str, Any]:
    staged = StagedMember.objects.filter(batch=batch)
    households = staged.values("household_number").distinct().count()
    existing = Household.objects.filter(number__in=staged.values("household_number")).count()
    return {
        "members": staged.count(),
        "households": households,
        "new_households": households - existing,
        "updated_households": existing,
    }


def _key(batch: ImportBatch) -> Any:
    """The batch id as the database stores it (hex text on SQLite, uuid on PostgreSQL)."""
    pk = ImportBatch._meta.pk
    assert pk is not None
    return pk.get_db_prep_value(batch.pk, connection)


def commit_batch(batch: ImportBatch, *, actor: Any) -> ImportBatch:
    """Write a checked batch into the registry: all of it, or (on any error) none of it."""
    if batch.state != ImportBatch.State.PARSED:
        raise UserError(f"该批次状态为“{batch.get_state_display()}”，只有检查完成的批次可以提交")
    if batch.rows_with_errors:
        raise UserError(f"该批次有 {batch.rows_with_errors} 处问题：请修改文件后重新上传")
    batch_update(batch, state=ImportBatch.State.COMMITTING, progress=0, message="正在写入")
    try:
        with transaction.atomic():
            counts = _commit_sql(batch, actor)
            audit_record(
                actor=actor,
                action=AuditEvent.Action.LOAD,
                obj=batch,
                object_repr=f"建档立卡导入 {batch.filename}"[:200],
                after=counts,
                summary=f"import batch {batch.pk}",
            )
            StagedMember.objects.filter(batch=batch).delete()
    except Exception as exc:
        batch_write_failed(batch, exc)
        raise
    return batch_update(
        batch,
        state=ImportBatch.State.COMMITTED,
        progress=100,
        summary=counts,
        message=f"已写入 {counts['members']} 人、{counts['households']} 户",
    )


def _commit_sql(batch: ImportBatch, actor: Any) -> dict[str, int]:
    staged = StagedMember._meta.db_table
    household = Household._meta.db_table
    member = Member._meta.db_table
    history = StatusChange._meta.db_table
    actor_id = getattr(actor, "pk", None)
    key = _key(batch)
    now = timezone.now()
    # The staged JSON list is text; PostgreSQL's jsonb column wants it cast.
    causes = (
        "CAST(secondary_causes AS jsonb)"
        if connection.vendor == "postgresql"
        else ("secondary_causes")
    )
    # PostgreSQL fills its id_hash indexes in key order at about half the cost of random order
    # (measured: 200,000 members into the empty table, 0.85 s sorted against 1.5 s); SQLite's
    # small page cache gains nothing from it and pays for the sort.
    member_order = "ORDER BY s.id_hash " if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        # One row per household: the attributes repeat on every member row (checked equal),
        # and the exit conditions are derived from the members.
        cursor.execute("DROP TABLE IF EXISTS _staged_household")
        cursor.execute(
            "CREATE TEMPORARY TABLE _staged_household AS SELECT household_number AS number, "
            "MIN(village_id) AS village_id, MIN(natural_village) AS natural_village, "
            "MIN(household_type) AS household_type, MIN(main_cause) AS main_cause, "
            "MIN(secondary_causes) AS secondary_causes, MIN(status) AS status, "
            "MAX(exit_year) AS exit_year, MIN(identified_year) AS identified_year, "
            "COALESCE(MAX(size), COUNT(*)) AS size, MAX(income) AS income, "
            "MIN(CASE WHEN food_clothing_secure THEN 1 ELSE 0 END) AS food, "
            "MIN(CASE WHEN school_age_out THEN 0 ELSE 1 END) AS education, "
            "MIN(CASE WHEN medical_insurance THEN 1 ELSE 0 END) AS medical, "
            "MAX(CASE WHEN dangerous_house THEN 1 ELSE 0 END) AS dangerous, "
            "MIN(CASE WHEN water_secure AND NOT water_difficulty THEN 1 ELSE 0 END) AS water, "
            "MAX(CASE WHEN water_difficulty THEN 1 ELSE 0 END) AS water_difficulty, "
            "MAX(helper_name) AS helper_name, MAX(helper_unit) AS helper_unit, "
            "MAX(helper_phone_enc) AS helper_phone_enc, "
            f"MAX(phone_enc) AS phone_enc FROM {staged} WHERE batch_id = %s "
            "GROUP BY household_number",
            [key],
        )
        cursor.execute(
            f"INSERT INTO {history} (household_id, from_status, to_status, year, reason, at, "
            f"actor_id) SELECT h.id, h.status, s.status, s.exit_year, %s, %s, %s "
            f"FROM _staged_household s JOIN {household} h ON h.number = s.number "
            "WHERE h.status <> s.status",
            [f"导入 {batch.filename}"[:300], now, actor_id],
        )
        changed = cursor.rowcount
        cursor.execute(
            f"SELECT COUNT(*) FROM _staged_household s JOIN {household} h ON h.number = s.number"
        )
        updated = int(cursor.fetchone()[0])
        cursor.execute(
            f"INSERT INTO {household} (number, village_id, natural_village, identified_year, "
            "household_type, main_cause, secondary_causes, status, exit_year, size, "
            "per_capita_income, food_clothing_secure, education_secure, medical_secure, "
            "housing_secure, water_secure, dangerous_house, water_difficulty, phone_enc, "
            "helper_name, helper_unit, helper_phone_enc, created_at, updated_at) "
            "SELECT number, village_id, natural_village, identified_year, household_type, "
            f"main_cause, {causes}, status, exit_year, size, income, food = 1, "
            "education = 1, medical = 1, dangerous = 0, water = 1, dangerous = 1, "
            "water_difficulty = 1, phone_enc, helper_name, helper_unit, helper_phone_enc, %s, %s "
            "FROM _staged_household "
            "WHERE true ON CONFLICT (number) DO UPDATE SET village_id = excluded.village_id, "
            "natural_village = excluded.natural_village, "
            "identified_year = COALESCE(excluded.identified_year, "
            f"{household}.identified_year), household_type = excluded.household_type, "
            "main_cause = excluded.main_cause, secondary_causes = excluded.secondary_causes, "
            "status = excluded.status, exit_year = excluded.exit_year, size = excluded.size, "
            "per_capita_income = excluded.per_capita_income, "
            "food_clothing_secure = excluded.food_clothing_secure, "
            "education_secure = excluded.education_secure, "
            "medical_secure = excluded.medical_secure, housing_secure = excluded.housing_secure, "
            "water_secure = excluded.water_secure, dangerous_house = excluded.dangerous_house, "
            "water_difficulty = excluded.water_difficulty, phone_enc = excluded.phone_enc, "
            "helper_name = excluded.helper_name, helper_unit = excluded.helper_unit, "
            "helper_phone_enc = excluded.helper_phone_enc, "
            "updated_at = excluded.updated_at",
            [now, now],
        )
        cursor.execute("SELECT COUNT(*) FROM _staged_household")
        households = int(cursor.fetchone()[0])
        cursor.execute(
            f"INSERT INTO {history} (household_id, from_status, to_status, year, reason, at, "
            "actor_id) SELECT h.id, '', h.status, h.exit_year, %s, %s, %s FROM "
            f"_staged_household s JOIN {household} h ON h.number = s.number "
            f"WHERE NOT EXISTS (SELECT 1 FROM {history} c WHERE c.household_id = h.id)",
            [f"导入 {batch.filename}"[:300], now, actor_id],
        )
        cursor.execute("DROP TABLE _staged_household")
        cursor.execute(
            f"INSERT INTO {member} (household_id, person_number, name, id_kind, id_hash, "
            "id_enc, id_masked, sex, birth_date, relation, ethnicity, education, school_status, "
            "health, labour_skill, migrant_status, migrant_months, medical_insurance, "
            "pension_insurance) SELECT h.id, s.person_number, s.name, s.id_kind, s.id_hash, "
            "s.id_enc, s.id_masked, s.sex, s.birth_date, s.relation, s.ethnicity, s.education, "
            "s.school_status, s.health, s.labour_skill, s.migrant_status, s.migrant_months, "
            f"s.medical_insurance, false FROM {staged} s JOIN {household} h "
            f"ON h.number = s.household_number WHERE s.batch_id = %s "
            f"{member_order}ON CONFLICT (id_hash) DO UPDATE SET "
            "household_id = excluded.household_id, "
            "person_number = excluded.person_number, name = excluded.name, "
            "id_kind = excluded.id_kind, id_enc = excluded.id_enc, "
            "id_masked = excluded.id_masked, sex = excluded.sex, "
            "birth_date = excluded.birth_date, relation = excluded.relation, "
            "ethnicity = excluded.ethnicity, education = excluded.education, "
            "school_status = excluded.school_status, health = excluded.health, "
            "labour_skill = excluded.labour_skill, migrant_status = excluded.migrant_status, "
            "migrant_months = excluded.migrant_months, "
            "medical_insurance = excluded.medical_insurance",
            [key],
        )
        members = cursor.rowcount
        # Fresh planner statistics after a bulk change, so the pages keep their index plans.
        cursor.execute(f"ANALYZE {household}")
        cursor.execute(f"ANALYZE {member}")
    return {
        "households": households,
        "new_households": households - updated,
        "updated_households": updated,
        "status_changes": max(int(changed), 0),
        "members": int(members),
    }
