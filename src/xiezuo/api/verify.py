"""Verification (数据比对) over the API: start a run, follow it, review its findings, export."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema

from xiezuo.accounts.requests import actor
from xiezuo.analytics import exports, selectors, services
from xiezuo.analytics.models import Finding, Run
from xiezuo.api.schemas import ERRORS, WRITE_ERRORS, ObjectId
from xiezuo.core import xlsx

router = Router(tags=["verification"])


class RunIn(Schema):
    scope: str = Field("", description="区划代码、pairing:结对编号，或留空（全国）", max_length=40)
    year: int | None = Field(None, ge=2000, le=2100)
    engine: str = Field("duckdb", pattern=r"^(duckdb|spark)$")


class RunOut(Schema):
    id: int
    scope: str
    year: int | None
    engine: str
    state: str
    progress: int
    step: str
    message: str
    counts: dict[str, Any]


class FindingOut(Schema):
    id: int
    rule: str
    title: str
    severity: str
    reason: str
    record_kind: str
    record_id: int
    reporter: str
    year: int | None
    indicator: str
    decision: str
    decision_reason: str


class DecideIn(Schema):
    decision: str = Field(pattern=r"^(confirmed|dismissed)$")
    reason: str = Field(max_length=2000)


class QueueFilters(Schema):
    rule: str = Field("", pattern=r"^(V[0-9]{2})?$")
    decision: str = Field("open", pattern=r"^(open|confirmed|dismissed|)$")


def _run(run: Run) -> dict[str, Any]:
    return {
        "id": run.pk,
        "scope": run.scope,
        "year": run.year,
        "engine": run.engine,
        "state": run.state,
        "progress": run.progress,
        "step": run.step,
        "message": run.message,
        "counts": run.counts,
    }


@router.post("/verify/runs", response={201: RunOut, **WRITE_ERRORS}, summary="Start a run")
def run_start(request: HttpRequest, data: RunIn) -> Any:
    run = services.run_submit(
        actor=actor(request), scope=data.scope, year=data.year, engine=data.engine
    )
    return 201, _run(run)


@router.get("/verify/runs/{int:run_id}", response={200: RunOut, **ERRORS}, summary="A run")
def run_detail(request: HttpRequest, run_id: ObjectId) -> Any:
    return _run(selectors.run_get(request.user, run_id))


@router.get(
    "/verify/runs/{int:run_id}/findings",
    response={200: list[FindingOut], **ERRORS},
    summary="The review queue of a run",
)
def run_findings(request: HttpRequest, run_id: ObjectId, filters: Query[QueueFilters]) -> Any:
    run = selectors.run_get(request.user, run_id)
    qs = selectors.queue(request.user, run, rule=filters.rule, decision=filters.decision)
    return [services.as_json(f) for f in qs[:1000]]


@router.get(
    "/verify/runs/{int:run_id}/overview",
    response={200: list[dict[str, Any]], **ERRORS},
    summary="People passed and excluded per indicator",
)
def run_overview(request: HttpRequest, run_id: ObjectId) -> Any:
    return selectors.overview(selectors.run_get(request.user, run_id))


@router.get("/verify/runs/{int:run_id}/findings.xlsx", summary="Findings as Excel")
def run_export(request: HttpRequest, run_id: ObjectId) -> HttpResponse:
    run = selectors.run_get(request.user, run_id)
    body = exports.findings_xlsx(selectors.queue(request.user, run, decision=""))
    response = HttpResponse(body, content_type=xlsx.XLSX)
    response["Content-Disposition"] = f'attachment; filename="findings-{run.pk}.xlsx"'
    return response


@router.post(
    "/verify/findings/{int:finding_id}/decide",
    response={200: FindingOut, **WRITE_ERRORS},
    summary="Confirm or dismiss a finding, with a reason (reviewer)",
)
def finding_decide(request: HttpRequest, finding_id: ObjectId, data: DecideIn) -> Any:
    finding: Finding = selectors.finding_get(request.user, finding_id)
    finding = services.finding_decide(
        actor=actor(request), finding=finding, decision=data.decision, reason=data.reason
    )
    return services.as_json(finding)
