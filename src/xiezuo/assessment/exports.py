"""Every score of a run as an Excel workbook: a sheet of units (total, grade, rank, areas) and a
sheet of indicator scores with the measures behind each — the drill-down counts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook

from xiezuo.assessment.measures import MEASURES
from xiezuo.assessment.models import Result, Run
from xiezuo.core import xlsx


def _bold_header(sheet: Any, names: Sequence[str]) -> None:
    xlsx.append(sheet, names)
    for cell in sheet[1]:
        cell.font = xlsx.BOLD
    sheet.freeze_panes = "A2"


def scores_xlsx(run: Run, results: Sequence[Result]) -> bytes:
    book = Workbook()
    units: Any = book.active
    units.title = "单位得分"
    areas = sorted({a for r in results for a in r.areas})
    _bold_header(
        units,
        ["方", "单位代码", "单位", "总分", "等次", "名次", "参评单位数", *areas, "扣分", "否决"],
    )
    for r in results:
        xlsx.append(
            units,
            [
                r.get_side_display(),
                r.unit_code,
                r.unit_name,
                float(r.total),
                r.grade,
                r.rank,
                r.peers,
                *[r.areas.get(a, {}).get("score") for a in areas],
                "；".join(f"{d['name']} −{d['points']}" for d in r.deductions if d["points"]),
                r.veto,
            ],
        )
    cells: Any = book.create_sheet("指标得分")
    _bold_header(
        cells,
        [
            "单位代码",
            "单位",
            "指标",
            "领域",
            "名称",
            "评分方法",
            "数值",
            "上年",
            "目标或标准",
            "权重",
            "得分",
            "说明",
            "数据项及其数值（可下钻）",
        ],
    )
    for r in results:
        for s in r.scores.all():
            parts = "；".join(
                f"{MEASURES[k].label} {v:g}" if k in MEASURES and v is not None else f"{k} —"
                for k, v in (s.parts or {}).items()
            )
            xlsx.append(
                cells,
                [
                    r.unit_code,
                    r.unit_name,
                    s.code,
                    s.area,
                    s.name,
                    s.get_rule_display(),
                    s.value,
                    s.previous,
                    s.target,
                    float(s.weight),
                    float(s.score),
                    s.note,
                    parts,
                ],
            )
    about: Any = book.create_sheet("说明")
    xlsx.append(about, [f"{run.year} 年考核计算 #{run.pk}（{run.engine}）"])
    xlsx.append(about, [f"计算完成：{run.finished_at:%Y-%m-%d %H:%M}" if run.finished_at else ""])
    xlsx.append(about, [f"核实依据：数据比对 #{run.verify_run_id}"])
    xlsx.append(
        about, ["只计已审核（锁定）报告的记录和数据比对通过的人员。权重为系统默认值，非官方权重。"]
    )
    return xlsx.to_bytes(book)
