"""Placements through the staged Excel/CSV import (a kind of its own, registered in apps.py).

Each row is checked with the same rules as the form (services.placement_problems) and written
through services.placement_create, so an overlap, a start before 16 or an unregistered person
is flagged on the record, not dropped, whichever door it came through.
"""

from __future__ import annotations

from typing import Any

from xiezuo.core.errors import UserError
from xiezuo.core.i18n import chinese_labels
from xiezuo.imports.tabular import Column, Context, RowError, TableKind, parse_date
from xiezuo.labour import policy, services
from xiezuo.labour.choices import Organiser, Proof, Source

ORGANISER_OF = chinese_labels(Organiser)
PROOF_OF = chinese_labels(Proof)

COLUMNS = (
    Column("person_name", "姓名", True, (), "", "张三"),
    Column("id_number", "证件号码", True, ("身份证号码",), "18 位居民身份证号码", ""),
    Column("employer", "用工单位", True, ("单位名称",), "", "某电子有限公司"),
    Column("employer_code", "统一社会信用代码", False, (), "18 位，可不填", ""),
    Column("place", "工作地代码", True, ("工作地区划代码",), "县级行政区划代码", "440305"),
    Column("start", "开始日期", True, (), "如 2020-03-01", "2020-03-01"),
    Column("end", "结束日期", False, (), "仍在岗不填", ""),
    Column("wage", "月工资", True, ("月工资（元）",), "元", "4500"),
    Column(
        "organiser", "组织方", True, (), "有组织就业填组织方；自主就业填“自主就业”", "东部单位",
        tuple(ORGANISER_OF),
    ),
    Column("organiser_region", "组织单位代码", False, (), "组织就业的单位的区划代码", ""),
    Column("proofs", "证明材料", False, (), "劳动合同、工资流水，用“;”分隔", "劳动合同"),
)  # fmt: skip


def check_row(row: dict[str, str], ctx: Context, line: int) -> services.PlacementIn:
    start = parse_date(row.get("start", ""), "start")
    end = parse_date(row["end"], "end") if row.get("end") else None
    try:
        wage = int(float(row.get("wage", "") or "x"))
    except ValueError as exc:
        raise RowError("wage", f"月工资“{row.get('wage', '')}”不是数字") from exc
    organiser = ORGANISER_OF.get(row.get("organiser", "").strip())
    if organiser is None:
        raise RowError("organiser", f"组织方应为：{'、'.join(ORGANISER_OF)}")
    proofs = []
    for part in row.get("proofs", "").replace("；", ";").split(";"):
        if part.strip():
            if part.strip() not in PROOF_OF:
                raise RowError("proofs", f"证明材料应为：{'、'.join(PROOF_OF)}")
            proofs.append(PROOF_OF[part.strip()])
    data = services.PlacementIn(
        person_name=row.get("person_name", ""),
        id_number=row.get("id_number", ""),
        employer=row.get("employer", ""),
        employer_code=row.get("employer_code", ""),
        place=row.get("place", "").strip(),
        start=start,
        end=end,
        wage=wage,
        organiser=organiser,
        organiser_region=row.get("organiser_region", "").strip(),
        proofs=proofs,
        source=Source.IMPORT,
    )
    problems, _check = services.placement_problems(data)
    if problems:
        first, *rest = problems
        raise RowError(first.where, first.message, tuple((p.where, p.message) for p in rest))
    ctx.once((data.id_number, data.start), "id_number", "同一人同一开始日期", line)
    return data


def write(prepared: list[Any], actor: Any) -> dict[str, int]:
    flagged = 0
    for data in prepared:
        try:
            placement = services.placement_create(actor=actor, data=data)
        except UserError:
            raise
        flagged += bool(placement.flags)
    return {"就业记录": len(prepared), "其中有标记": flagged}


TABLE = TableKind(
    kind="labour_placements",
    label="转移就业",
    columns=COLUMNS,
    check=check_row,
    write=write,
    notes="一行一段就业。与同一人的另一段就业时间重叠、开始时未满 16 周岁、不是建档立卡人员的记录"
    "照常写入并加标记，供核实。",
)


def require_import(actor: Any) -> None:
    policy.require_import(actor)
