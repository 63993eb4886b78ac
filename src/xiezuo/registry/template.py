"""The registry import template: the national export's columns plus ours, with the code lists as
drop-downs and every identifier column formatted as text before anyone types into it."""

from __future__ import annotations

from xiezuo.core import xlsx
from xiezuo.registry import vocabulary as importing

# Identifiers and codes: Excel would turn 18 digits into 4.30101E+17 in a General cell.
TEXT_COLUMNS = {"行政村代码", "户编号", "人编号", "证件号码", "联系电话", "帮扶人电话"}
NOTES = {
    "县": "县（市、区）名称；有“行政村代码”或户编号以村代码开头时可不填",
    "乡": "乡（镇、街道）名称，按导出当年的名称填写即可",
    "行政村": "行政村名称，按导出当年的名称填写即可（旧名称、“村委会”写法都能识别）",
    "行政村代码": "12 位统计用区划代码；户编号前 12 位即村代码时可不填",
    "户编号": "同户成员相同；国家系统的户编号以 12 位村代码开头",
    "证件号码": "18 位居民身份证号，或残疾人证号（证件类型填“残疾人证”）",
    "人数": "全户人数，应与本户成员行数一致",
    "脱贫年度": "已脱贫户必填",
    "人均纯收入": "元；空缺时由分项收入算出",
    "收入年度": "填写分项收入时必填",
}
EXAMPLE = {
    "县": "沿河土家族自治县",
    "乡": "团结街道",
    "行政村代码": "520627001001",
    "户编号": "520627001001001",
    "人编号": "52062700100100101",
    "姓名": "张三",
    "证件类型": "居民身份证",
    "证件号码": "",
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
}


def registry_template() -> tuple[str, bytes]:
    required = {name for name, f in importing.COLUMNS.items() if f in importing.REQUIRED}
    columns = [
        xlsx.TemplateColumn(
            label=name,
            required=name in required,
            note=NOTES.get(name, ""),
            choices=importing.choices_of(importing.COLUMNS[name]),
            text=name in TEXT_COLUMNS,
            width=20 if name in TEXT_COLUMNS else 0,
        )
        for name in importing.TEMPLATE_COLUMNS
    ]
    content = xlsx.template(
        title="建档立卡",
        columns=columns,
        examples=[EXAMPLE],
        instructions=[
            "一行一人；同户成员户编号相同，每户须有且只有一个户主。",
            "村的确定：先按行政村代码（或户编号前 12 位），再按县、乡、行政村名称"
            "（导出当年的名称也能识别）。",
            "证件号码、户编号等代码列已设为文本格式：请直接粘贴为文本，不要改成“常规”或“数值”，"
            "否则 Excel 会把 18 位号码变成 4.30101E+17 或把末几位变成 0。",
            "代码列可从下拉列表选择；国家系统各时期的写法（如“低保户”“五保户”）也能识别。",
        ],
    )
    return "建档立卡导入模板.xlsx", content
