"""What each kind of record holds, in one place: the fields with their Chinese labels, types and
rules. Forms, the Excel import and template, the API and the exports are all built from these
specs, and every value passes `parse` — so a record is read the same whichever door it uses.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext

from xiezuo.cooperation.choices import (
    ABSURD,
    Direction,
    DonorKind,
    FundKind,
    Kind,
    ProjectStatus,
    Sector,
    TalentKind,
    TrainingKind,
)
from xiezuo.cooperation.models import (
    Consumption,
    Fund,
    Industry,
    Project,
    Record,
    Social,
    Talent,
    Training,
)
from xiezuo.core import creditcode
from xiezuo.core.errors import Problem, UserError
from xiezuo.core.i18n import chinese_labels
from xiezuo.regions.models import Region
from xiezuo.regions.selectors import region_from_text

YES = {"是", "y", "yes", "1", "true", "√", "有"}
NO = {"否", "n", "no", "0", "false", "×", "无", ""}


@dataclass(frozen=True)
class Field:
    name: str  # the model field
    label: str  # the Chinese label: form label, import column, export header
    type: str  # text | amount | int | date | choice | region | bool | credit_code | numbers
    required: bool = True
    choices: Any = None
    synonyms: tuple[str, ...] = ()
    note: str = ""
    example: str = ""
    max_length: int = 200

    # The Chinese texts are data (import columns and the messages' field names); pages show
    # them through the catalogue.
    @property
    def shown_label(self) -> str:
        return gettext(self.label)

    @property
    def shown_note(self) -> str:
        return gettext(self.note) if self.note else ""

    @property
    def shown_example(self) -> str:
        return gettext(self.example) if self.example else ""


LISTED = 5  # columns of a record list besides the number, pairing, unit and report


@dataclass(frozen=True)
class Spec:
    kind: str
    label: str
    model: type[Record]
    fields: tuple[Field, ...]
    people: bool = False  # may list the people it served (name + ID number)
    rules: Callable[[Mapping[str, Any]], list[Problem]] | None = None

    @property
    def shown_label(self) -> str:
        return gettext(self.label)

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    @property
    def amounts(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.type == "amount")

    @property
    def listed(self) -> tuple[Field, ...]:
        """The columns of a list, so it fits a 1366 px screen: the date, the amounts, then the
        first other required fields; every field is on the record's own page."""
        dates = [f for f in self.fields if f.type == "date"][:1]
        amounts = [f for f in self.amounts if f.required]
        rest = [
            f
            for f in self.fields
            if f.required and f not in dates and f.type not in ("amount", "numbers", "bool")
        ]
        optional = [f for f in self.amounts if not f.required]
        return tuple([*dates, *amounts, *rest, *optional][:LISTED])


class Invalid(Exception):
    def __init__(self, field: Field, message: str) -> None:
        super().__init__(message)
        self.problem = Problem(message, field.label)


def _choice(field: Field, raw: str) -> str:
    by_label: dict[str, str] = {k: str(v) for k, v in chinese_labels(field.choices).items()}
    if raw in by_label:
        return by_label[raw]
    if raw in field.choices.values:
        return raw
    allowed = "、".join(by_label)
    raise Invalid(field, f"“{raw}”不是可用的值（可用：{allowed}）")


def _amount(field: Field, raw: Any) -> Decimal:
    text = str(raw).strip().replace(",", "").replace("，", "")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise Invalid(field, f"“{raw}”不是数字") from None
    if not value.is_finite():
        raise Invalid(field, f"“{raw}”不是数字")
    if value < 0:
        raise Invalid(field, f"金额不能为负数（{value}）")
    if value >= ABSURD:
        raise Invalid(
            field,
            f"{value} 万元（{value / 10000:,.0f} 亿元）不合常理，疑似按元填写："
            f"若为 {value} 元，应填 {value / 10000:.4f} 万元",
        )
    return value.quantize(Decimal("0.0001"))


def _int(field: Field, raw: Any) -> int:
    text = str(raw).strip()
    if text.endswith(".0"):
        text = text[:-2]
    if not (text.isascii() and text.isdigit()):
        raise Invalid(field, f"“{raw}”应为不小于 0 的整数")
    value = int(text)
    if value > 10_000_000:
        raise Invalid(field, f"{value} 超出合理范围")
    return value


def _date(field: Field, raw: Any) -> datetime.date:
    if isinstance(raw, datetime.datetime):
        return raw.date()
    if isinstance(raw, datetime.date):
        return raw
    from xiezuo.imports.tabular import RowError, parse_date

    try:
        return parse_date(str(raw), field.name)
    except RowError as exc:
        raise Invalid(field, exc.message) from None


def _region(field: Field, raw: Any) -> Region:
    if isinstance(raw, Region):
        return raw
    try:
        return region_from_text(str(raw))
    except UserError as exc:
        raise Invalid(field, exc.summary) from None


_SEPARATORS = re.compile(r"[；;，,、\s]+")


def _numbers(field: Field, raw: Any) -> list[str]:
    """Registry household numbers, as a list or as text separated by ；, commas or new lines."""
    items = raw if isinstance(raw, list) else _SEPARATORS.split(str(raw))
    numbers: list[str] = []
    for i, item in enumerate((str(x).strip() for x in items if str(x).strip()), start=1):
        if not (item.isascii() and item.isdigit() and 6 <= len(item) <= 30):
            raise Invalid(field, f"第 {i} 个户编号“{item}”应为 6–30 位数字")
        if item in numbers:
            raise Invalid(field, f"户编号 {item} 重复")
        numbers.append(item)
    return numbers


def _bool(field: Field, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise Invalid(field, f"“{raw}”应填“是”或“否”")


def parse_value(field: Field, raw: Any) -> Any:
    """One value from a form, a cell or JSON, typed; raises Invalid naming the field."""
    empty = raw is None or (isinstance(raw, str) and not raw.strip())
    if empty:
        if field.required and field.type != "bool":
            raise Invalid(field, "必填")
        return {"bool": False, "text": "", "int": 0}.get(field.type)
    if field.type == "text":
        text = str(raw).strip()
        if len(text) > field.max_length:
            raise Invalid(field, f"超过 {field.max_length} 个字")
        return text
    if field.type == "amount":
        return _amount(field, raw)
    if field.type == "int":
        return raw if isinstance(raw, int) and raw >= 0 else _int(field, raw)
    if field.type == "date":
        return _date(field, raw)
    if field.type == "choice":
        return _choice(field, str(raw).strip())
    if field.type == "region":
        return _region(field, raw)
    if field.type == "bool":
        return _bool(field, raw)
    if field.type == "numbers":
        return _numbers(field, raw)
    if field.type == "credit_code":
        code = str(raw).strip().upper()
        message = creditcode.problem(code)
        if message:
            raise Invalid(field, message)
        return code
    raise AssertionError(field.type)


def parse(spec: Spec, raw: Mapping[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    """Every field of `raw` (keyed by field name) typed, and every problem found."""
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    for field in spec.fields:
        try:
            values[field.name] = parse_value(field, raw.get(field.name))
        except Invalid as exc:
            problems.append(exc.problem)
    if not problems and spec.rules is not None:
        problems += spec.rules(values)
    return values, problems


# ---------------------------------------------------------------- the kinds

DATE = Field("date", "日期", "date", note="发生日期，须在报送年度内", example="2026-05-20")
NOTE = Field("note", "备注", "text", required=False, max_length=2000)


def _fund_rules(v: Mapping[str, Any]) -> list[Problem]:
    out = []
    if v.get("disbursed") is not None and v["disbursed"] > v["amount"]:
        out.append(
            Problem(f"已拨付 {v['disbursed']} 万元超过资金总额 {v['amount']} 万元", "已拨付金额")
        )
    if v.get("disbursed_on") and v["disbursed_on"] < v["date"]:
        out.append(Problem("拨付日期早于资金日期", "拨付日期"))
    if v.get("disbursed_on") and v.get("disbursed") is None:
        out.append(Problem("填写了拨付日期，须同时填写已拨付金额", "已拨付金额"))
    return out


def _project_rules(v: Mapping[str, Any]) -> list[Problem]:
    if v["budget_east"] + (v["budget_local"] or 0) + (v["budget_social"] or 0) <= 0:
        return [Problem("项目总投资须大于 0", "东部财政资金")]
    return []


def _talent_rules(v: Mapping[str, Any]) -> list[Problem]:
    if v.get("end") and v["end"] < v["date"]:
        return [Problem("结束日期早于开始日期", "结束日期")]
    return []


def _industry_rules(v: Mapping[str, Any]) -> list[Problem]:
    if v["poor_employed"] > v["jobs"]:
        return [
            Problem(
                f"带动贫困人口就业 {v['poor_employed']} 人多于吸纳就业 {v['jobs']} 人",
                "带动贫困人口就业",
            )
        ]
    return []


SPECS: dict[str, Spec] = {
    Kind.FUND: Spec(
        Kind.FUND,
        "帮扶资金",
        Fund,
        (
            DATE,
            Field("kind", "资金类型", "choice", choices=FundKind, example="财政援助资金"),
            Field("source", "资金来源", "text", synonyms=("来源单位",), example="苏州市财政局"),
            Field(
                "recipient",
                "拨付至",
                "region",
                synonyms=("受援地区代码",),
                note="受援地区的区划代码",
                example="520627",
            ),
            Field("amount", "金额（万元）", "amount", synonyms=("金额",), example="1200"),
            Field("purpose", "用途", "text", required=False, max_length=300, example="产业发展"),
            Field(
                "disbursed",
                "已拨付金额（万元）",
                "amount",
                required=False,
                synonyms=("已拨付金额",),
            ),
            Field("disbursed_on", "拨付日期", "date", required=False),
            NOTE,
        ),
        rules=_fund_rules,
    ),
    Kind.PROJECT: Spec(
        Kind.PROJECT,
        "帮扶项目",
        Project,
        (
            DATE,
            Field("name", "项目名称", "text", example="沿河县茶叶加工厂"),
            Field("sector", "项目类别", "choice", choices=Sector, example="产业"),
            Field(
                "place",
                "实施地点代码",
                "region",
                synonyms=("实施地点",),
                note="县、乡或村的区划代码",
                example="520627",
            ),
            Field(
                "budget_east",
                "东部财政资金（万元）",
                "amount",
                synonyms=("东部财政资金",),
                example="800",
            ),
            Field(
                "budget_local",
                "地方配套资金（万元）",
                "amount",
                required=False,
                synonyms=("地方配套资金",),
                example="200",
            ),
            Field(
                "budget_social",
                "社会资金（万元）",
                "amount",
                required=False,
                synonyms=("社会资金",),
                example="0",
            ),
            Field("status", "项目状态", "choice", choices=ProjectStatus, example="在建"),
            Field("households", "受益贫困户数", "int", required=False, example="320"),
            Field(
                "beneficiary_numbers",
                "受益户编号",
                "numbers",
                required=False,
                note="建档立卡户编号，多户用分号或换行隔开；在册的与建档立卡关联，不在册的保留并标注",
            ),
            Field(
                "confirmed_large",
                "确认大额",
                "bool",
                required=False,
                note="县级项目总投资超过 10 亿元时填“是”以确认",
            ),
            NOTE,
        ),
        rules=_project_rules,
    ),
    Kind.TALENT: Spec(
        Kind.TALENT,
        "人才交流",
        Talent,
        (
            Field("date", "开始日期", "date", synonyms=("日期",), example="2026-03-01"),
            Field("direction", "派出方向", "choice", choices=Direction, example="东部派往西部"),
            Field("talent_kind", "人员类别", "choice", choices=TalentKind, example="教师"),
            Field("name", "姓名", "text", max_length=50, example="李四"),
            Field(
                "post", "挂职或支援岗位", "text", synonyms=("岗位",), example="沿河县第一中学副校长"
            ),
            Field("workplace", "工作单位", "text", required=False, example="苏州市第十中学"),
            Field("end", "结束日期", "date", required=False, example="2027-02-28"),
            NOTE,
        ),
        rules=_talent_rules,
    ),
    Kind.TRAINING: Spec(
        Kind.TRAINING,
        "培训",
        Training,
        (
            Field("date", "开班日期", "date", synonyms=("日期",), example="2026-06-10"),
            Field(
                "training_kind", "培训对象", "choice", choices=TrainingKind, example="贫困劳动力"
            ),
            Field("title", "培训名称", "text", example="家政服务技能培训"),
            Field("place", "培训地点", "text", required=False, example="苏州"),
            Field("days", "培训天数", "int", example="7"),
            Field(
                "trainees",
                "培训人数",
                "int",
                note="列出学员时可不填，按学员人数计",
                required=False,
                example="45",
            ),
            NOTE,
        ),
        people=True,
    ),
    Kind.INDUSTRY: Spec(
        Kind.INDUSTRY,
        "产业合作",
        Industry,
        (
            DATE,
            Field("enterprise", "企业名称", "text", example="苏州某食品有限公司"),
            Field("credit_code", "统一社会信用代码", "credit_code", example="91320500MA1MXY3K4K"),
            Field(
                "investment", "实际投资（万元）", "amount", synonyms=("实际投资",), example="3000"
            ),
            Field("place", "落地地点代码", "region", synonyms=("落地地点",), example="520627"),
            Field("jobs", "吸纳就业人数", "int", required=False, example="120"),
            Field("poor_employed", "带动贫困人口就业", "int", required=False, example="60"),
            Field("workshop", "扶贫车间", "bool", required=False, example="否"),
            NOTE,
        ),
        people=True,
        rules=_industry_rules,
    ),
    Kind.CONSUMPTION: Spec(
        Kind.CONSUMPTION,
        "消费扶贫",
        Consumption,
        (
            DATE,
            Field("buyer", "东部采购方", "text", synonyms=("采购方",), example="苏州某超市"),
            Field("seller", "西部销售方", "text", synonyms=("销售方",), example="沿河县某合作社"),
            Field("product", "产品", "text", example="沿河白茶"),
            Field("amount", "金额（万元）", "amount", synonyms=("金额",), example="85"),
            Field("households", "带动贫困户数", "int", required=False, example="40"),
            NOTE,
        ),
    ),
    Kind.SOCIAL: Spec(
        Kind.SOCIAL,
        "社会帮扶",
        Social,
        (
            DATE,
            Field("donor_kind", "捐赠方类型", "choice", choices=DonorKind, example="企业"),
            Field("donor", "捐赠方", "text", example="苏州某集团"),
            Field("gift", "捐赠内容", "text", max_length=300, example="校服 2000 套"),
            Field("value", "折合金额（万元）", "amount", synonyms=("折合金额",), example="40"),
            Field("recipient", "受赠地区代码", "region", synonyms=("受赠地区",), example="520627"),
            NOTE,
        ),
    ),
}


def spec(kind: str) -> Spec:
    found = SPECS.get(kind)
    if found is None:
        raise KeyError(kind)
    return found
