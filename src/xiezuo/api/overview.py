"""The overview (总览) over the API: the page's figures of one year, in the caller's scope."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from xiezuo.api.schemas import ERRORS
from xiezuo.assessment import overview as figures

router = Router(tags=["overview"])


class YearIn(Schema):
    year: int | None = Field(None, ge=2000, le=2100, description="年度；不填为上一年")


class ScopeOut(Schema):
    national: bool
    region_code: str | None
    label: str


class LevelCountOut(Schema):
    level: int
    label: str
    count: int


class PairingsOut(Schema):
    total: int
    by_level: list[LevelCountOut]


class AmountOut(Schema):
    all: float = Field(description="全部报送（含未审核）")
    approved: float = Field(description="只计审核通过（锁定）的报送")


class CountOut(Schema):
    all: int = Field(description="全部报送（含未审核）")
    approved: int = Field(description="只计审核通过（锁定）的报送")


class MoneyYearOut(Schema):
    year: int
    fiscal_aid: AmountOut
    social_funds: AmountOut


class MoneyOut(Schema):
    unit: str
    fiscal_aid: AmountOut
    social_funds: AmountOut
    by_year: list[MoneyYearOut]


class SentOut(Schema):
    cadres: CountOut
    professionals: CountOut


class TrainedOut(Schema):
    cadres: CountOut
    professionals: CountOut
    labourers: CountOut


class PlacementsOut(Schema):
    people: int
    organised_share: float | None


class VerifiedIndicatorOut(Schema):
    indicator: str
    label: str
    reported: int
    passed: int
    excluded: int


class VerificationOut(Schema):
    run_id: int | None
    run_year: int | None
    reported: int
    passed: int
    excluded: int
    excluded_own: int | None = Field(
        description="本单位报送中被剔除的人数（全国用户为空）；其余数字为全国比对的全国数字"
    )
    national_figures: bool
    indicators: list[VerifiedIndicatorOut]


class RegistryOut(Schema):
    households: int
    people: int
    exited_households: int
    exited_people: int
    returned_households: int
    returned_people: int


class GradedOut(Schema):
    side: str
    unit: str
    name: str
    total: float
    grade: str
    rank: int
    peers: int


class AssessmentOut(Schema):
    run_id: int | None
    grade_order: list[str]
    grades: dict[str, dict[str, int]]
    results: list[GradedOut]


class OverviewOut(Schema):
    year: int
    scope: ScopeOut
    pairings: PairingsOut
    money: MoneyOut
    sent: SentOut
    trained: TrainedOut
    placements: PlacementsOut
    verification: VerificationOut
    registry: RegistryOut
    assessment: AssessmentOut


@router.get(
    "/overview",
    response={200: OverviewOut, **ERRORS},
    summary="One year's pairs, money, people, placements, verified people, exits and grades",
)
def overview_get(request: HttpRequest, filters: Query[YearIn]) -> Any:
    return figures.overview(request.user, filters.year or figures.default_year())
