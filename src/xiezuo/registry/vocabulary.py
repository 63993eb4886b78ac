"""The registry file's vocabulary: the column names of the national export and of our template,
the fields they fill, and the labels each coded column may hold."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from xiezuo.core.errors import UserError
from xiezuo.imports.readers import Table
from xiezuo.registry import columnar
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


_CHOICES: dict[str, Any] = {
    "relation": Relation,
    "education": Education,
    "school_status": SchoolStatus,
    "health": Health,
    "labour_skill": LabourSkill,
    "migrant_status": MigrantStatus,
    "status": Status,
    "household_type": HouseholdType,
    "main_cause": Cause,
    "secondary_causes": Cause,
}
FLAGS = {
    "dangerous_house",
    "water_secure",
    "water_difficulty",
    "medical_insurance",
    "food_clothing_secure",
}


def choices_of(field: str) -> list[str]:
    """The values a coded column offers (its official labels, not every variant it accepts)."""
    if field in FLAGS:
        return ["是", "否"]
    choices = _CHOICES.get(field)
    return [str(label) for _value, label in choices.choices] if choices is not None else []
