"""Excel import of cooperation records, one table per kind (`coop_fund`, `coop_project`, …),
built from `specs.SPECS` through the shared staged import.

A table's columns are: the pairing (结对编号, or 帮扶方代码 + 受帮扶方代码 — only pairings the
uploader can see), 填报单位代码 (optional: the uploader's own region; a national uploader must
give it), 年度, then the spec's fields in order; kinds that list the people they served
(training, industry) add 人员名单, and funds add 确认大额 (the 10 亿元 confirmation a project
carries as a field of its own). Each row passes `services.record_check`, the same rules as the
form and the API, and the commit writes through `services.record_save`.

A re-import updates, never duplicates: a row whose natural key matches a record of the same
report (pairing + reporting unit + year) updates that record. The keys, also on each template's
说明 sheet:

* 帮扶资金: 日期 + 资金来源 + 拨付至 + 金额
* 帮扶项目: 项目名称
* 人才交流: 姓名 + 开始日期
* 培训: 培训名称 + 开班日期
* 产业合作: 统一社会信用代码
* 消费扶贫: 日期 + 东部采购方 + 西部销售方 + 产品
* 社会帮扶: 日期 + 捐赠方 + 捐赠内容
"""

from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from xiezuo.cooperation import services, specs
from xiezuo.cooperation.choices import Kind
from xiezuo.cooperation.models import Record
from xiezuo.core.errors import Problem, UserError
from xiezuo.core.i18n import chinese_labels
from xiezuo.imports.readers import clean_header
from xiezuo.imports.tabular import Column, Context, RowError, TableKind, parse_year
from xiezuo.pairing.importing import AGREEMENT_COLUMNS, pairing_of
from xiezuo.regions import codes
from xiezuo.regions.models import Region
from xiezuo.regions.selectors import current_region
from xiezuo.registry import idnumbers

PREFIX = "coop_"

# The fields that, with the report, identify a record across imports.
KEYS: dict[str, tuple[str, ...]] = {
    Kind.FUND: ("date", "source", "recipient", "amount"),
    Kind.PROJECT: ("name",),
    Kind.TALENT: ("name", "date"),
    Kind.TRAINING: ("title", "date"),
    Kind.INDUSTRY: ("credit_code",),
    Kind.CONSUMPTION: ("date", "buyer", "seller", "product"),
    Kind.SOCIAL: ("date", "donor", "gift"),
}

# Kinds whose amounts the services hold for confirmation above 10 亿元; the project spec has
# the confirmation as a field, a fund gets the same column here.
_CONFIRM = specs.SPECS[Kind.PROJECT].field("confirmed_large")
# Every kind with an amount may need a large one confirmed (see services._large_problems).
_CONFIRMED_KINDS = tuple(k for k, spec in specs.SPECS.items() if spec.amounts)
CONFIRM_COLUMN = _CONFIRM.label

# The pairing is found as the agreement import finds it (`pairing_of` reads these columns).
_SIDE_NOTES = {"east_code": "结对东部一方的区划代码", "west_code": "结对西部一方的区划代码"}
_UNIT_COLUMNS = (
    *(
        replace(c, note=_SIDE_NOTES.get(c.key, c.note))
        for c in AGREEMENT_COLUMNS
        if c.key in ("pairing_id", "east_code", "west_code")
    ),
    Column(
        "reporter_code",
        "填报单位代码",
        False,
        ("填报单位",),
        "填报记录的地区代码；不填为您所在的地区，国家级用户须填写",
    ),
    Column("year", "年度", True, ("报送年度",), "四位年份；记录的日期须在该年内", "2026"),
)
# Exports carry each record's number, so an edited export updates exactly those records even
# where a key field itself was corrected (a fund's amount, a training's date).
_RECORD_ID = Column("record_id", "记录编号", False, (), "导出时带出的记录编号；新增记录不填")

_EXAMPLE_PEOPLE = "；".join(
    f"{name} {idnumbers.make_resident_id('520627', datetime.date(1990 + i, 3, 1), i, male=i == 1)}"
    for i, name in ((1, "张三"), (2, "李梅"))
)
_PEOPLE = Column(
    "people",
    "人员名单",
    False,
    ("学员名单", "就业贫困人口名单"),
    "每人写“姓名 证件号码”（18 位身份证号或残疾人证号），人与人之间用分号或换行隔开；"
    "不在建档立卡系统中的人员照样保存并标注。留空则保留已有名单",
    _EXAMPLE_PEOPLE,
)

# "第 3 名人员" from the services: the person's place in the list.
_PERSON_WHERE = re.compile(r"第 \d+ 名人员")
_LIST_SEPARATORS = re.compile(r"[;；\r\n]+")
_NAME_TRIM = " \t\u3000,，:：、"


def _note(field: specs.Field) -> str:
    if field.type == "choice":
        extra = "可用：" + "、".join(chinese_labels(field.choices))
    elif field.type == "bool":
        extra = "填“是”或“否”"
    elif field.type == "date":
        extra = "例如 2026-05-20"
    elif field.type == "amount":
        extra = "以万元计，不能为负数"
    else:
        extra = ""
    return "；".join(part for part in (field.note, extra) if part)


def _column(field: specs.Field) -> Column:
    return Column(
        field.name, field.label, field.required, field.synonyms, _note(field), field.example
    )


def columns(spec: specs.Spec) -> tuple[Column, ...]:
    extra: list[Column] = []
    if spec.people:
        extra.append(_PEOPLE)
    if spec.kind in _CONFIRMED_KINDS and _CONFIRM not in spec.fields:
        extra.append(_column(_CONFIRM))
    return (_RECORD_ID, *_UNIT_COLUMNS, *(_column(f) for f in spec.fields), *extra)


def reporting_unit(user: Any, code: str | None) -> Region:
    """The unit a record is reported for: the code given, else the user's own region (shared
    with the API, so both doors default alike)."""
    where = "填报单位代码"
    if not code:
        own = getattr(user, "region", None)
        if own is None:
            message = "国家级用户须填写填报单位代码"
            raise UserError(message, [Problem(message, where)])
        return own  # type: ignore[no-any-return]
    region = None
    if codes.is_digits(code) and codes.is_well_formed(code):
        region = current_region(code)
    if region is None:
        message = f"“{code}”不是现行的区划代码"
        raise UserError(message, [Problem(message, where)])
    return region


# How an export names a registered person: by the registry's 人编号, which imports back to the
# same member without the ID number ever being written to the file.
BY_PERSON_NUMBER = re.compile(r"^(?P<name>.+?)\s*[\[［]人编号\s*(?P<number>[0-9A-Za-z]+)[\]］]$")


def person_cell(name: str, person_number: str, id_masked: str) -> str:
    return f"{name} [人编号 {person_number}]" if person_number else f"{name} {id_masked}"


def _by_person_number(items: list[str], user: Any) -> dict[int, services.PersonIn]:
    """The items written as `姓名 [人编号 N]`, resolved to their registered members."""
    from xiezuo.core import crypto
    from xiezuo.registry import selectors as registry

    wanted = {i: m for i, item in enumerate(items, start=1) if (m := BY_PERSON_NUMBER.match(item))}
    found = registry.members_by_person_number(
        user=user, numbers=[m.group("number") for m in wanted.values()]
    )
    out = {}
    for i, match in wanted.items():
        member = found.get(match.group("number"))
        if member is None:
            raise RowError(
                "people",
                f"第 {i} 名人员的人编号 {match.group('number')} 不在登记库中，或不在您的权限范围内",
            )
        out[i] = services.PersonIn(match.group("name").strip(), crypto.decrypt(member.id_enc))
    return out


def parse_people(text: str, user: Any = None) -> list[services.PersonIn]:
    """`姓名 证件号码` pairs — or `姓名 [人编号 N]` for a registered person, as the export writes
    them — separated by semicolons or new lines. An error names the person by place and shows
    an ID number only masked."""
    people = []
    items = [item.strip() for item in _LIST_SEPARATORS.split(text) if item.strip()]
    registered = _by_person_number(items, user)
    hidden = [i for i, item in enumerate(items, start=1) if "*" in item and i not in registered]
    if hidden and len(hidden) + len(registered) == len(items):
        # A list as our export writes it, with people outside the registry masked: the
        # people stay as they are.
        return []
    if hidden:
        raise RowError(
            "people",
            f"第 {hidden[0]} 名人员的证件号码是导出时遮盖的号码：新增或修改人员须填写完整号码，"
            "不改人员时保留导出的整列原样",
        )
    for i, item in enumerate(items, start=1):
        if i in registered:
            people.append(registered[i])
            continue
        digit = next((pos for pos, ch in enumerate(item) if ch.isdigit()), None)
        name = item[:digit].strip(_NAME_TRIM) if digit is not None else item.strip(_NAME_TRIM)
        number = item[digit:].strip() if digit is not None else ""
        if not number:
            raise RowError("people", f"第 {i} 名人员“{name}”缺少证件号码：应写作“姓名 证件号码”")
        if not name:
            masked = idnumbers.mask(idnumbers.normalise(number))
            raise RowError("people", f"第 {i} 名人员（证件号码 {masked}）缺少姓名")
        people.append(services.PersonIn(name, number))
    return people


@dataclass
class RecordRow:
    checked: services.Checked
    existing: Record | None


def _as_row_error(exc: UserError, table: dict[str, str]) -> RowError:
    """The services name fields by label; the import names the column. Every problem of the row
    is told, each as an issue under its own column."""

    def column(where: str) -> str:
        if _PERSON_WHERE.fullmatch(where):
            return "people"
        return table.get(
            clean_header(where), {"权限": "reporter_code", "报送状态": "year"}.get(where, where)
        )

    if not exc.problems:
        return RowError("", exc.summary)

    def issue(problem: Problem) -> tuple[str, str]:
        # The people column holds the whole list: the person's place goes into the message.
        person = _PERSON_WHERE.fullmatch(problem.where)
        message = f"{problem.where} {problem.message}" if person else problem.message
        return column(problem.where), message

    first, *rest = (issue(p) for p in exc.problems)
    return RowError(*first, also=tuple(rest))


def check_row(spec: specs.Spec, row: dict[str, str], ctx: Context, number: int) -> RecordRow:
    table = TABLES[PREFIX + str(spec.kind)].headers()
    pairing = pairing_of(row, ctx.user)
    try:
        reporter = reporting_unit(ctx.user, row.get("reporter_code", ""))
    except UserError as exc:
        raise _as_row_error(exc, table) from exc
    year = parse_year(row.get("year", ""), "year")
    people = parse_people(row["people"], ctx.user) if spec.people and row.get("people") else []
    confirm = False
    if spec.kind in _CONFIRMED_KINDS:
        try:
            confirm = specs.parse_value(_CONFIRM, row.get(_CONFIRM.name, ""))
        except specs.Invalid as exc:
            raise RowError(_CONFIRM.name, exc.problem.message) from exc
    try:
        checked = services.record_check(
            actor=ctx.user,
            kind=spec.kind,
            pairing=pairing,
            reporter=reporter,
            year=year,
            raw={f.name: row.get(f.name, "") for f in spec.fields},
            people=people,
            confirm_large=confirm,
        )
    except UserError as exc:
        raise _as_row_error(exc, table) from exc
    key = {name: checked.values[name] for name in KEYS[spec.kind]}
    labels = " + ".join(spec.field(name).label for name in key)
    shown = tuple(v.code if isinstance(v, Region) else v for v in key.values())
    # Last, so a row already wrong in itself is not also reported as a repeat.
    ctx.once(
        (pairing.pk, reporter.code, year, shown), KEYS[spec.kind][0], f"同一报送中{labels}", number
    )
    same_report = {"report__pairing": pairing, "report__reporter": reporter, "report__year": year}
    records = spec.model._default_manager.filter(**same_report)
    if row.get("record_id"):
        given = row["record_id"]
        existing = records.filter(pk=int(given)).first() if given.isdigit() else None
        if existing is None:
            raise RowError(
                "record_id", f"该结对、填报单位和年度的{spec.label}中没有编号为 {given} 的记录"
            )
    else:
        existing = records.filter(**key).order_by("pk").first()
    return RecordRow(checked, existing)


def _writer(spec: specs.Spec) -> Callable[[list[RecordRow], Any], dict[str, int]]:
    def write(rows: list[RecordRow], actor: Any) -> dict[str, int]:
        created = updated = 0
        for item in rows:
            services.record_save(actor=actor, checked=item.checked, record=item.existing)
            if item.existing is None:
                created += 1
            else:
                updated += 1
        return {f"新增{spec.label}": created, f"更新{spec.label}": updated}

    return write


def _table(spec: specs.Spec) -> TableKind:
    key = " + ".join(("结对", "填报单位", "年度", *(spec.field(n).label for n in KEYS[spec.kind])))
    people = "人员名单留空，或保留导出时遮盖号码的名单原样，则已有名单不变。" if spec.people else ""
    return TableKind(
        kind=PREFIX + str(spec.kind),
        label=spec.label,
        columns=columns(spec),
        check=functools.partial(check_row, spec),
        write=_writer(spec),
        notes=f"一行一条{spec.label}记录，记入该结对、填报单位和年度的报送（没有则新建）。"
        "结对按结对编号，或帮扶方代码和受帮扶方代码查找，只限您能看到的结对；"
        "填报单位不填为您所在的地区。"
        f"重复导入时按“{key}”找到已有记录并更新，不会重复。{people}"
        "已提交或已审核锁定的报送不能导入，须先退回或解锁。金额以万元计。",
    )


TABLES: dict[str, TableKind] = {PREFIX + str(k): _table(s) for k, s in specs.SPECS.items()}
