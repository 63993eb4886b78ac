"""The assessment (考核评价) over the API: compute a year, read the rankings and a unit's
scorecard (as data or as its PDF report), take a unit's next step."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Path, Router, Schema

from xiezuo.accounts import policy as access
from xiezuo.accounts.requests import actor
from xiezuo.api.schemas import ERRORS, WRITE_ERRORS, ObjectId
from xiezuo.assessment import policy, report, selectors, services
from xiezuo.assessment.models import Assessment, Result, Run, System
from xiezuo.core.errors import NotFound, UserError

router = Router(tags=["assessment"])

Year = Annotated[int, Path(ge=2000, le=2100)]
SideParam = Annotated[str, Path(pattern=r"^(east|west)$")]
Code = Annotated[str, Path(pattern=r"^[0-9]{6}$")]


class RunIn(Schema):
    year: int = Field(ge=2000, le=2100)
    engine: str = Field("duckdb", pattern=r"^(duckdb|spark)$")


class RunOut(Schema):
    id: int
    year: int
    engine: str
    state: str
    progress: int
    message: str
    seconds: float | None


class ScoreOut(Schema):
    code: str
    area: str
    name: str
    rule: str
    value: float | None
    previous: float | None
    target: float | None
    weight: float
    score: float
    note: str
    parts: dict[str, float | None]


class ResultOut(Schema):
    side: str
    unit: str
    name: str
    total: float
    grade: str
    rank: int
    peers: int
    veto: str
    areas: dict[str, Any]


class CardOut(ResultOut):
    year: int
    scores: list[ScoreOut]
    step: str
    final_grade: str


class StepIn(Schema):
    step: str = Field(pattern=r"^(self|partner|cross|final)$")
    text: str = Field("", max_length=10000)
    judgements: dict[str, dict[str, Any]] = Field(default_factory=dict)
    grade: str = Field("", max_length=4)
    reason: str = Field("", max_length=2000)


def _run(run: Run) -> dict[str, Any]:
    return {
        "id": run.pk,
        "year": run.year,
        "engine": run.engine,
        "state": run.state,
        "progress": run.progress,
        "message": run.message,
        "seconds": run.seconds,
    }


def _result(r: Result) -> dict[str, Any]:
    return {**selectors.result_row(r), "veto": r.veto, "areas": r.areas}


@router.post("/assessment/runs", response={201: RunOut, **WRITE_ERRORS}, summary="Compute a year")
def assessment_run_start(request: HttpRequest, data: RunIn) -> Any:
    return 201, _run(services.run_submit(actor=actor(request), year=data.year, engine=data.engine))


@router.get("/assessment/runs/{int:run_id}", response={200: RunOut, **ERRORS}, summary="A run")
def assessment_run_detail(request: HttpRequest, run_id: ObjectId) -> Any:
    run = Run.objects.filter(pk=run_id).first()
    if run is None or not access.allows(policy.require_run, actor(request)):
        raise NotFound(f"没有编号为 {run_id} 的考核计算")
    return _run(run)


@router.get(
    "/assessment/{int:year}/results",
    response={200: list[ResultOut], **ERRORS},
    summary="The year's results in your scope, ranked",
)
def assessment_results(request: HttpRequest, year: Year) -> Any:
    run = selectors.latest_run(year)
    return [] if run is None else [_result(r) for r in selectors.results_for(request.user, run)]


def _visible(request: HttpRequest, year: int, side: str, code: str) -> Result:
    """The unit's standing result, if the reader may see it; otherwise it does not exist."""
    result = selectors.result_of(year, side, code)
    partners = selectors.partner_codes(result) if result else []
    policy.require_view(actor(request), year, code, side, partners)
    if result is None:
        raise NotFound(f"{code} 的 {year} 年考核尚未计算")
    return result


def _card(request: HttpRequest, year: int, side: str, code: str) -> dict[str, Any]:
    result = _visible(request, year, side, code)
    a = Assessment.objects.filter(year=year, side=side, unit_id=code).first()
    return {
        **_result(result),
        "year": year,
        "step": a.step if a else "open",
        "final_grade": a.final_grade if a else "",
        "scores": [
            {
                "code": s.code,
                "area": s.area,
                "name": s.name,
                "rule": s.rule,
                "value": s.value,
                "previous": s.previous,
                "target": s.target,
                "weight": float(s.weight),
                "score": float(s.score),
                "note": s.note,
                "parts": s.parts,
            }
            for s in result.scores.all()
        ],
    }


@router.get(
    "/assessment/{int:year}/{side}/{code}",
    response={200: CardOut, **ERRORS},
    summary="A unit's scorecard",
)
def assessment_card(request: HttpRequest, year: Year, side: SideParam, code: Code) -> Any:
    return _card(request, year, side, code)


@router.get("/assessment/{int:year}/{side}/{code}/report.pdf", summary="A unit's PDF report")
def assessment_report(
    request: HttpRequest, year: Year, side: SideParam, code: Code
) -> HttpResponse:
    result = _visible(request, year, side, code)
    body = report.unit_pdf(
        result, selectors.assessment_of(year, side, code), selectors.trend(side, code)
    )
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="assessment-{year}-{result.side}-{result.unit_code}.pdf"'
    )
    return response


@router.post(
    "/assessment/{int:year}/{side}/{code}/steps",
    response={200: CardOut, **WRITE_ERRORS},
    summary="Take the unit's next step: self, partner, cross or final",
)
def assessment_step(
    request: HttpRequest, year: Year, side: SideParam, code: Code, data: StepIn
) -> Any:
    card = _card(request, year, side, code)
    who = actor(request)
    unit: dict[str, Any] = {"year": year, "side": side, "unit_code": code}
    if data.step == "self":
        services.self_submit(actor=who, text=data.text, judgements=data.judgements, **unit)
    elif data.step == "partner":
        services.partner_comment(actor=who, text=data.text, **unit)
    elif data.step == "cross":
        services.cross_submit(actor=who, text=data.text, judgements=data.judgements, **unit)
    elif data.step == "final":
        services.finalise(actor=who, grade=data.grade, reason=data.reason, **unit)
    else:  # pragma: no cover - the schema's pattern admits nothing else
        raise UserError(f"没有“{data.step}”这一步")
    return {**card, **_card(request, year, side, code)}


class IndicatorOut(Schema):
    code: str
    area: str
    name: str
    definition: str
    unit: str
    direction: str
    formula: str
    weight: float
    rule: str
    params: dict[str, Any]


class SystemOut(Schema):
    id: int
    year: int
    side: str
    version: int
    name: str
    basis: str
    frozen: bool
    grades: list[dict[str, Any]]
    indicators: list[IndicatorOut]


class ReviseIn(Schema):
    changes: dict[str, dict[str, Any]] = Field(
        description="指标代码 → 要修改的字段（weight、formula、params、name …）"
    )
    grades: list[dict[str, Any]] | None = None
    note: str = Field(max_length=2000, description="修改说明（必填）")


def _system(s: System) -> dict[str, Any]:
    return {
        "id": s.pk,
        "year": s.year,
        "side": s.side,
        "version": s.version,
        "name": s.name,
        "basis": s.basis,
        "frozen": s.frozen_at is not None,
        "grades": list(s.grades),
        "indicators": [
            {
                "code": i.code,
                "area": i.area,
                "name": i.name,
                "definition": i.definition,
                "unit": i.unit,
                "direction": i.direction,
                "formula": i.formula,
                "weight": float(i.weight),
                "rule": i.rule,
                "params": i.params,
            }
            for i in s.indicators.all()
        ],
    }


def _system_get(pk: int) -> System:
    found = System.objects.filter(pk=pk).first()
    if found is None:
        raise NotFound(f"没有编号为 {pk} 的指标体系")
    return found


@router.get(
    "/assessment/systems/{int:system_id}",
    response={200: SystemOut, **ERRORS},
    summary="An indicator system (one version)",
)
def assessment_system(request: HttpRequest, system_id: ObjectId) -> Any:
    return _system(_system_get(system_id))


@router.post(
    "/assessment/systems/{int:system_id}/revise",
    response={201: SystemOut, **WRITE_ERRORS},
    summary="Revise a system: a new version (national administrator, before the year starts)",
)
def assessment_system_revise(request: HttpRequest, system_id: ObjectId, data: ReviseIn) -> Any:
    revised = services.system_revise(
        actor=actor(request),
        system=_system_get(system_id),
        changes=data.changes,
        grades=data.grades,
        note=data.note,
    )
    return 201, _system(revised)
