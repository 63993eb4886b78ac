"""The registry file's vocabulary: the column names of the national export and of our template,
the fields they fill, and the labels each coded column may hold."""

from __future__ import annotations

import csv
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from xiezuo.core.errors import UserError
from xiezuo.imports.readers import STRIP, Table
from xiezuo.registry import columnar

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
    "识别标准": "standard",
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
    "识别标准",
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


CODE_LISTS = Path(__file__).parent / "data" / "code_lists.csv"


def fold(text: str) -> str:
    """A label as labels are compared: trimmed, full-width folded to half-width (NFKC)."""
    text = text.strip(STRIP)
    return text if text.isascii() else unicodedata.normalize("NFKC", text)


def _code_lists(path: Path = CODE_LISTS) -> tuple[dict[str, dict[str, str]], dict[str, list[str]]]:
    """(field → folded label → code, field → the official labels in order) from the data file:
    every label of every period maps to one code (see data/README.md for the sources)."""
    labels: dict[str, dict[str, str]] = {}
    official: dict[str, list[str]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            field, code, label = row["field"], row["code"], row["label"]
            labels.setdefault(field, {})[fold(label).lower()] = code
            if row["official"] == "1":
                official.setdefault(field, []).append(label)
    return labels, official


LABELS, OFFICIAL = _code_lists()
# 次要致贫原因 holds the labels of 主要致贫原因.
LABELS["secondary_causes"] = LABELS["main_cause"]
OFFICIAL["secondary_causes"] = OFFICIAL["main_cause"]
YES = {label for label, code in LABELS["flag"].items() if code == "yes"}
NO = {label for label, code in LABELS["flag"].items() if code == "no"} | {""}


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
    return list(OFFICIAL.get(field, []))
