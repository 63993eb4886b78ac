"""Downloadable templates: the header row, one example row and a sheet explaining each column."""

from __future__ import annotations

from collections.abc import Callable
from io import BytesIO
from urllib.parse import quote

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from xiezuo.cooperation.choices import Kind
from xiezuo.core.errors import UserError
from xiezuo.imports import tabular

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def registry_template() -> tuple[str, bytes]:
    from xiezuo.registry import importing

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "建档立卡"
    sheet.append(importing.TEMPLATE_COLUMNS)
    required = {name for name, field in importing.COLUMNS.items() if field in importing.REQUIRED}
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        if cell.value in required:
            cell.fill = PatternFill("solid", fgColor="FFE699")
    example = {
        "县": "沿河土家族自治县",
        "乡": "团结街道",
        "行政村": "",
        "行政村代码": "520627001001",
        "户编号": "520627000000001",
        "人编号": "52062700000000101",
        "姓名": "张三",
        "证件类型": "居民身份证",
        "证件号码": "（18 位身份证号，单元格设为文本）",
        "人数": 3,
        "与户主关系": "户主",
        "民族": "土家族",
        "文化程度": "初中",
        "在校生状况": "非在校生",
        "健康状况": "健康",
        "劳动技能": "普通劳动力",
        "务工状况": "省外务工",
        "务工时间": 8,
        "参加大病医疗": "是",
        "脱贫属性": "已脱贫",
        "脱贫年度": 2019,
        "识别年度": 2014,
        "贫困户属性": "一般贫困户",
        "主要致贫原因": "缺技术",
        "次要致贫原因": "缺资金",
        "危房户": "否",
        "饮水安全": "是",
        "饮水困难": "否",
        "不愁吃穿": "是",
        "人均纯收入": 5120.5,
        "联系电话": "13800000000",
    }
    sheet.append([example.get(c, "") for c in importing.TEMPLATE_COLUMNS])
    from openpyxl.utils import get_column_letter

    for index in range(1, len(importing.TEMPLATE_COLUMNS) + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 14
    sheet.column_dimensions["J"].number_format = "@"
    notes = book.create_sheet("说明")
    notes.append(["列", "说明", "可用的值"])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for name in importing.TEMPLATE_COLUMNS:
        field = importing.COLUMNS[name]
        allowed = (
            "、".join(importing.LABELS.get(field, {}).keys()) if field in (importing.LABELS) else ""
        )
        if field in (
            "dangerous_house",
            "water_secure",
            "water_difficulty",
            "medical_insurance",
            "food_clothing_secure",
        ):
            allowed = "是、否"
        need = "必填" if name in required else "选填"
        notes.append([name, need, allowed])
    notes.append([])
    notes.append(
        [
            "说明",
            "一行一人；同户成员户编号相同，每户须有且只有一个户主。"
            "有“行政村代码”时按代码定位，否则按县、乡、行政村名称定位。"
            "证件号码列请设为文本，否则 Excel 会把后几位变成 0。",
        ]
    )
    buffer = BytesIO()
    book.save(buffer)
    return "建档立卡导入模板.xlsx", buffer.getvalue()


def _tabular_template(kind: str) -> Callable[[], tuple[str, bytes]]:
    def make() -> tuple[str, bytes]:
        from xiezuo.cooperation import importing as cooperation
        from xiezuo.pairing import importing as pairing

        spec = {
            pairing.PAIRINGS: pairing.PAIRINGS_KIND,
            pairing.AGREEMENTS: pairing.AGREEMENTS_KIND,
            **cooperation.TABLES,
        }[kind]
        return f"{spec.label}导入模板.xlsx", tabular.template(spec)

    return make


TEMPLATES = {
    "registry": registry_template,
    "pairings": _tabular_template("pairings"),
    "agreements": _tabular_template("agreements"),
    # One per kind of cooperation record, named as cooperation.importing names them.
    **{f"coop_{kind}": _tabular_template(f"coop_{kind}") for kind in Kind.values},
}


def template_response(kind: str) -> HttpResponse:
    maker = TEMPLATES.get(kind)
    if maker is None:
        raise UserError(f"没有“{kind}”的导入模板")
    filename, content = maker()
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
