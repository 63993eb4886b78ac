"""Analysis of the cooperation records over the API: the east's fiscal promise and targeting.

Read-only; both go through `cooperation.analysis`, which reads through the scoped selectors, so
a unit or pairing outside the user's scope is a 404 (or simply absent from a list).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from xiezuo.api.schemas import ERRORS, ChoiceOut, RegionPrefix
from xiezuo.api.schemas import choice as _choice
from xiezuo.cooperation import analysis
from xiezuo.regions import codes

router = Router(tags=["analysis"])


class FiscalYearOut(Schema):
    year: int
    aid: Decimal = Field(description="财政援助资金（万元），含未审核的报送")
    aid_locked: Decimal = Field(description="其中已审核锁定的（万元）")
    revenue: Decimal | None = Field(description="本级一般公共预算收入（万元）；无数据为 null")
    revenue_source: str = Field(description="收入数据的来源，或没有数据的原因")
    aid_growth: float | None = Field(description="比上年增长（0.1 即 10%）；上年无记录为 null")
    revenue_growth: float | None
    flags: list[ChoiceOut]
    notes: list[str]
    complete: bool = Field(description="年度已结束")


class FiscalUnitOut(Schema):
    code: str
    name: str
    level: int
    years: list[FiscalYearOut]


class FiscalFilters(Schema):
    unit: str | None = Field(
        None, pattern=r"^[0-9]{6}$", description="帮扶方单位（省或市）的区划代码"
    )


class MoneyOut(Schema):
    total: Decimal = Field(description="万元")
    poverty_counties: Decimal
    poor_villages: Decimal | None = Field(description="受援方没有标记贫困村时为 null（未知）")
    poverty_county_share: float | None
    poor_village_share: float | None


class PairingRefOut(Schema):
    id: int
    east: str
    west: str
    west_code: str


class TargetingRowOut(Schema):
    year: int
    pairing: PairingRefOut | None = Field(description="null：该年合计")
    projects: MoneyOut = Field(description="项目资金（东部财政、地方配套、社会资金合计）")
    east: MoneyOut = Field(description="其中东部财政资金")
    people: int = Field(description="培训和产业合作记录中列出的人数（按证件去重）")
    registered: int = Field(description="其中建档立卡人员")
    registered_share: float | None


class TargetingOut(Schema):
    villages_known: bool
    rows: list[TargetingRowOut]
    totals: list[TargetingRowOut]


class TargetingFilters(Schema):
    pairing: int | None = Field(None, ge=1)
    region: RegionPrefix | None = None
    year: int | None = Field(None, ge=2000, le=2100)


def _fiscal_year_out(y: analysis.FiscalYear) -> dict[str, Any]:
    return {
        "year": y.year,
        "aid": y.aid,
        "aid_locked": y.aid_locked,
        "revenue": y.revenue.value,
        "revenue_source": y.revenue.source,
        "aid_growth": None if y.aid_growth is None else float(y.aid_growth),
        "revenue_growth": None if y.revenue_growth is None else float(y.revenue_growth),
        "flags": [_choice(analysis.Flag, f) for f in y.flags],
        "notes": list(y.notes),
        "complete": y.complete,
    }


def _money_out(m: analysis.Money) -> dict[str, Any]:
    return {
        "total": m.total,
        "poverty_counties": m.poverty_counties,
        "poor_villages": m.poor_villages,
        "poverty_county_share": m.poverty_county_share,
        "poor_village_share": m.poor_village_share,
    }


def _targeting_out(t: analysis.Targeting) -> dict[str, Any]:
    p = t.pairing
    return {
        "year": t.year,
        "pairing": None
        if p is None
        else {
            "id": p.pk,
            "east": p.east_name,
            "west": p.west_region.name,
            "west_code": p.west_region_id,
        },
        "projects": _money_out(t.projects),
        "east": _money_out(t.east),
        "people": t.people,
        "registered": t.registered,
        "registered_share": t.registered_share,
    }


@router.get(
    "/analysis/fiscal",
    response={200: list[FiscalUnitOut], **ERRORS},
    summary="The east's fiscal promise: aid growth against revenue growth per eastern unit",
)
def fiscal_promise(request: HttpRequest, filters: Query[FiscalFilters]) -> Any:
    units = analysis.fiscal_promise(user=request.user, unit=filters.unit or "")
    return [
        {
            "code": u.code,
            "name": u.name,
            "level": u.level,
            "years": [_fiscal_year_out(y) for y in u.years],
        }
        for u in units
    ]


@router.get(
    "/analysis/targeting",
    response={200: TargetingOut, **ERRORS},
    summary="Targeting: project money in poverty counties and poor villages, people served who "
    "are registered poor",
)
def targeting(request: HttpRequest, filters: Query[TargetingFilters]) -> Any:
    found = analysis.targeting(
        user=request.user,
        pairing=filters.pairing,
        region=codes.normalise(filters.region or ""),
        year=filters.year,
    )
    return {
        "villages_known": found.villages_known,
        "rows": [_targeting_out(r) for r in found.rows],
        "totals": [_targeting_out(t) for t in found.totals],
    }
