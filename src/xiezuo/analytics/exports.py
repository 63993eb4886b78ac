"""Findings as an Excel workbook, written the way every export of the platform is (xlsx)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from openpyxl import Workbook

from xiezuo.analytics.models import Finding
from xiezuo.core import xlsx

COLUMNS = [
    "规则",
    "问题",
    "严重程度",
    "原因",
    "记录类型",
    "记录编号",
    "填报单位",
    "年度",
    "指标",
    "核实结果",
    "核实理由",
]


def findings_xlsx(findings: Iterable[Finding]) -> bytes:
    book = Workbook()
    sheet: Any = book.active
    sheet.title = "比对结果"
    # Not xlsx.header: its frozen pane touches row 2, and sheet.append would then skip it.
    xlsx.append(sheet, COLUMNS)
    for cell in sheet[1]:
        cell.font = xlsx.BOLD
    for f in findings:
        xlsx.append(
            sheet,
            [
                f.rule,
                f.title,
                f.get_severity_display(),
                f.reason,
                f.record_kind,
                f.record_id,
                f.reporter_code,
                f.year,
                f.indicator,
                f.get_decision_display(),
                f.decision_reason,
            ],
        )
    sheet.freeze_panes = "A2"
    return xlsx.to_bytes(book)
