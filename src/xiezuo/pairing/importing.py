"""Excel import of pairings and of agreement targets, through the shared staged import.

Rows go through the same checks as the form and the API (`services.pairing_check`,
`services.check_target`); a re-import updates by the natural key — an active pairing by
(type, helper, helped), a target by (pairing, year, indicator) — and never duplicates.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from xiezuo.accounts.selectors import active_user
from xiezuo.core.errors import UserError
from xiezuo.core.i18n import chinese_labels
from xiezuo.imports.tabular import (
    Column,
    Context,
    RowError,
    TableKind,
    parse_date,
    parse_year,
)
from xiezuo.pairing import policy, services
from xiezuo.pairing.choices import (
    HELPING_PROVINCES,
    UNITS,
    Indicator,
    Kind,
    OrganisationKind,
    Status,
)
from xiezuo.pairing.models import Agreement, Organisation, Pairing
from xiezuo.regions.models import Region
from xiezuo.regions.selectors import region_from_text

PAIRINGS = "pairings"
AGREEMENTS = "agreements"

_KINDS = chinese_labels(Kind)
_ORG_KINDS = chinese_labels(OrganisationKind)
_INDICATORS = chinese_labels(Indicator) | {v: v for v in Indicator.values}
_INDICATORS_SHOWN = tuple(chinese_labels(Indicator))

PAIRING_COLUMNS = (
    Column("east_code", "帮扶方代码", False, ("帮扶地区代码",), "东部帮扶地区的区划代码", "320506"),
    Column(
        "east_name", "帮扶方名称", False, ("帮扶方", "帮扶单位"), "地区名称或单位名称", "吴中区"
    ),
    Column(
        "org_kind",
        "帮扶单位类型",
        False,
        (),
        "帮扶方是单位而非地区时填写：" + "、".join(_ORG_KINDS),
    ),
    Column(
        "west_code", "受帮扶方代码", True, ("受帮扶地区代码",), "西部受帮扶地区的区划代码", "520627"
    ),
    Column(
        "west_name", "受帮扶方名称", False, ("受帮扶方",), "填写时须与代码一致", "沿河土家族自治县"
    ),
    Column(
        "kind",
        "结对类型",
        False,
        (),
        "、".join(_KINDS) + "；不填为东西部扶贫协作",
        "东西部扶贫协作",
    ),
    Column("start_year", "开始年份", True, ("起始年份",), "四位年份", "2017"),
    Column("end_year", "结束年份", False, (), "四位年份；仍在结对则不填"),
    Column(
        "reason",
        "不在上级结对内的理由",
        False,
        ("理由",),
        "县级及以下结对不在任何省、市结对之内时必填",
    ),
)

# A problem's `where` from the services, as the import's column.
_FIELD_COLUMNS = {
    "帮扶方": "east_name",
    "受帮扶方": "west_code",
    "结对类型": "kind",
    "开始年份": "start_year",
    "结束年份": "end_year",
    "不在上级结对内的理由": "reason",
    "上级结对": "west_code",
    "权限": "",
}


def _as_row_error(exc: UserError) -> RowError:
    first = exc.problems[0] if exc.problems else None
    column = _FIELD_COLUMNS.get(first.where, first.where) if first else ""
    return RowError(column, first.message if first else exc.summary)


def _region(code: str, column: str) -> Region:
    try:
        return region_from_text(code)
    except UserError as exc:
        raise RowError(column, exc.summary) from None


def _east(row: dict[str, str]) -> tuple[Region | None, Organisation | Any]:
    """The helper: a region by code (or unique name), or an organisation by name and kind."""
    code, name, kind = row.get("east_code", ""), row.get("east_name", ""), row.get("org_kind", "")
    if kind:
        if kind not in _ORG_KINDS:
            raise RowError("org_kind", f"未知的单位类型“{kind}”，可用：{'、'.join(_ORG_KINDS)}")
        if not name:
            raise RowError("east_name", "帮扶方是单位时须填写单位名称")
        org = Organisation.objects.filter(name=name).first()
        seat = _region(code, "east_code") if code else None
        return None, org or ("new", name, _ORG_KINDS[kind], seat)
    if code:
        region = _region(code, "east_code")
        if name and name != region.name:
            raise RowError("east_name", f"名称“{name}”与代码 {code}（{region.name}）不符")
        return region, None
    if not name:
        raise RowError("east_code", "须填写帮扶方代码或名称")
    found = list(Region.objects.filter(name=name, is_active=True, level__lte=3)[:2])
    if len(found) != 1:
        what = "没有" if not found else "有多个"
        raise RowError("east_name", f"{what}名为“{name}”的地区：请填写帮扶方代码")
    return found[0], None


@dataclass
class PairingRow:
    draft: services.PairingDraft | None
    existing: Pairing | None
    new_org: tuple[str, str, Region | None] | None
    end_year: int | None
    reason: str


def check_pairing(row: dict[str, str], ctx: Context, number: int) -> PairingRow:
    east_region, org = _east(row)
    new_org = None
    if isinstance(org, tuple):
        _, name, kind, seat = org
        new_org, org = (name, kind, seat), None
    west = _region(row.get("west_code", ""), "west_code")
    west_name = row.get("west_name", "")
    if west_name and west_name != west.name:
        raise RowError("west_name", f"名称“{west_name}”与代码 {west.code}（{west.name}）不符")
    kind_label = row.get("kind", "")
    kind = _KINDS.get(kind_label, kind_label) if kind_label else Kind.EAST_WEST
    if kind not in Kind.values:
        raise RowError("kind", f"未知的结对类型“{kind_label}”，可用：{'、'.join(_KINDS)}")
    start = parse_year(row.get("start_year", ""), "start_year")
    end = parse_year(row["end_year"], "end_year") if row.get("end_year") else None
    helper = east_region.code if east_region else (org.pk if org else f"new:{new_org}")
    ctx.once((kind, helper, west.code), "west_code", "同一对帮扶方与受帮扶方", number)
    # A proposed pairing is the same pairing too: importing a file twice updates it.
    existing = Pairing.objects.filter(
        kind=kind,
        status__in=(Status.ACTIVE, Status.PROPOSED),
        west_region=west,
        east_region=east_region,
        east_org=org,
    ).first()
    if existing is not None and new_org is None:
        try:
            services.may_change_pairing(ctx.user, existing)
        except UserError as exc:
            raise _as_row_error(exc) from exc
        if end is not None and end < existing.start_year:
            raise RowError("end_year", f"结束年份 {end} 早于该结对的开始年份")
        return PairingRow(None, existing, None, end, row.get("reason", ""))
    if new_org is not None:
        # A new organisation: the rules that need it saved run at write time, inside the
        # transaction; here only what can be checked without it.
        name, kind_value, seat = new_org
        if kind_value != OrganisationKind.CENTRAL and (
            seat is None or seat.code[:2] not in HELPING_PROVINCES
        ):
            raise RowError("east_code", f"单位“{name}”不是中央单位：须填写其所在东部地区代码")
        draft = services.PairingDraft(west=west, start_year=start, kind=kind, end_year=end)
        return PairingRow(draft, None, new_org, end, row.get("reason", ""))
    draft = services.PairingDraft(
        west=west,
        start_year=start,
        east_region=east_region,
        east_org=org,
        kind=kind,
        end_year=end,
        outside_parent_reason=row.get("reason", ""),
        source="Excel 导入",
    )
    try:
        services.pairing_check(actor=ctx.user, draft=draft)
    except UserError as exc:
        raise _as_row_error(exc) from exc
    return PairingRow(draft, None, None, end, row.get("reason", ""))


def write_pairings(rows: list[PairingRow], actor: Any) -> dict[str, int]:
    created = updated = 0
    # Higher levels first, so a county pair finds a province or prefecture pair of the same file.
    for item in sorted(rows, key=lambda r: r.draft.west.level if r.draft else 9):
        if item.existing is not None:
            if services.pairing_update(
                actor=actor,
                pairing=item.existing,
                end_year=item.end_year,
                outside_parent_reason=item.reason,
            ):
                updated += 1
            continue
        assert item.draft is not None
        if item.new_org is not None:
            name, kind, seat = item.new_org
            item.draft.east_org = services.organisation_get_or_create(
                actor=actor, name=name, kind=kind, region=seat
            )
            item.draft.outside_parent_reason = item.reason
            services.pairing_check(actor=actor, draft=item.draft)
        services.pairing_save(actor=actor, draft=item.draft)
        created += 1
    return {"新增结对": created, "更新结对": updated}


PAIRINGS_KIND = TableKind(
    kind=PAIRINGS,
    label="结对关系",
    columns=PAIRING_COLUMNS,
    check=check_pairing,
    write=write_pairings,
    notes="一行一个结对。帮扶方为地区时填代码（或唯一的名称）；为中央单位、企业或社会组织时填"
    "单位名称和单位类型。已存在的在结对结对按“类型 + 帮扶方 + 受帮扶方”更新结束年份和理由，"
    "不会重复。",
)


AGREEMENT_COLUMNS = (
    Column(
        "pairing_id", "结对编号", False, (), "系统中的结对编号；不填则按帮扶方、受帮扶方代码查找"
    ),
    Column("east_code", "帮扶方代码", False, ("帮扶地区代码",), "", "320500"),
    Column("west_code", "受帮扶方代码", False, ("受帮扶地区代码",), "", "520600"),
    Column("year", "年度", True, ("协议年度",), "四位年份", "2019"),
    Column("signed_on", "签订日期", False, (), "例如 2019-03-01", "2019-03-01"),
    Column("indicator", "指标", True, (), "、".join(_INDICATORS_SHOWN), "财政援助资金"),
    Column("value", "目标值", True, ("目标",), "按指标的单位填写数字", "30000"),
    Column("unit", "单位", False, (), "可不填；填写时须与指标的单位一致", "万元"),
    Column("deadline", "截止日期", True, ("完成时限",), "须在协议年度内", "2019-12-31"),
    Column("unit_name", "责任单位", True, (), "", "苏州市对口帮扶合作办公室"),
    Column("person", "责任人", False, (), "", "张三"),
    Column("owner", "责任人账号", False, (), "平台用户名：任务提醒显示在其首页", ""),
)


@dataclass
class TargetRow:
    pairing: Pairing
    year: int
    signed_on: Any
    fields: dict[str, Any]


def pairing_of(row: dict[str, str], user: Any) -> Pairing:
    from xiezuo.pairing.selectors import pairing_list

    visible = pairing_list(user=user, status=Status.ACTIVE) if user is not None else None
    qs = visible if visible is not None else Pairing.objects.filter(status=Status.ACTIVE)
    if row.get("pairing_id"):
        if not row["pairing_id"].isdigit():
            raise RowError("pairing_id", f"“{row['pairing_id']}”不是结对编号")
        found = qs.filter(pk=int(row["pairing_id"])).first()
        if found is None:
            raise RowError(
                "pairing_id", f"没有编号为 {row['pairing_id']} 的在结对结对，或您无权查看"
            )
        return found
    east, west = row.get("east_code", ""), row.get("west_code", "")
    if not (east and west):
        raise RowError("pairing_id", "须填写结对编号，或帮扶方代码和受帮扶方代码")
    found = qs.filter(east_region_id=east, west_region_id=west).first()
    if found is None:
        raise RowError("west_code", f"没有 {east} → {west} 的在结对结对，或您无权查看")
    return found


def check_target_row(row: dict[str, str], ctx: Context, number: int) -> TargetRow:
    pairing = pairing_of(row, ctx.user)
    year = parse_year(row.get("year", ""), "year")
    label = row.get("indicator", "")
    indicator = _INDICATORS.get(label)
    if indicator is None:
        raise RowError("indicator", f"未知的指标“{label}”")
    unit = row.get("unit", "")
    if unit and unit != UNITS[indicator]:
        raise RowError("unit", f"{label}以“{UNITS[indicator]}”计，表中写的是“{unit}”：请换算后填写")
    deadline = parse_date(row.get("deadline", ""), "deadline")
    signed_on = parse_date(row["signed_on"], "signed_on") if row.get("signed_on") else None
    owner = None
    if row.get("owner"):
        owner = active_user(row["owner"])
        if owner is None:
            raise RowError("owner", f"没有用户名为“{row['owner']}”的在用账号")
    probe = Agreement(pairing=pairing, year=year)
    for problem in services.check_target(probe, indicator, row.get("value", ""), deadline):
        column = {"目标值": "value", "截止日期": "deadline", "指标": "indicator"}.get(
            problem.where, "value"
        )
        raise RowError(column, problem.message)
    if not row.get("unit_name"):
        raise RowError("unit_name", "须填写责任单位")
    policy.require_plan(ctx.user, pairing, "导入协议目标")
    # Last, so a row already wrong in itself is not also reported as a repeat.
    ctx.once((pairing.pk, year, indicator), "indicator", "同一结对、年度和指标", number)
    return TargetRow(
        pairing,
        year,
        signed_on,
        {
            "indicator": indicator,
            "value": row["value"],
            "deadline": deadline,
            "responsible_unit": row["unit_name"],
            "responsible_person": row.get("person", ""),
            "owner": owner,
        },
    )


def write_targets(rows: list[TargetRow], actor: Any) -> dict[str, int]:
    agreements = targets = 0
    for item in rows:
        agreement = Agreement.objects.filter(pairing=item.pairing, year=item.year).first()
        if agreement is None:
            agreement = services.agreement_create(
                actor=actor, pairing=item.pairing, year=item.year, signed_on=item.signed_on
            )
            agreements += 1
        services.target_set(actor=actor, agreement=agreement, **item.fields)
        targets += 1
    return {"新增协议": agreements, "写入目标": targets}


AGREEMENTS_KIND = TableKind(
    kind=AGREEMENTS,
    label="年度协议目标",
    columns=AGREEMENT_COLUMNS,
    check=check_target_row,
    write=write_targets,
    notes="一行一个指标目标。同一结对同一年度的各行属于同一份年度协议（没有则新建）；"
    "已有的目标按“结对 + 年度 + 指标”更新，不会重复。金额以万元计。",
)
