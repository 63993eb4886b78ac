"""Labour cooperation over the API: postings, matching runs, proposed matches and decisions,
placements. Reads through `labour.selectors` (region scope), writes through `labour.services`
with the same rules as the pages and the import: a rule broken is a 400 naming the field, a
role or region refusal a 403, a malformed body a 422."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status as Reply

from xiezuo.accounts.requests import actor
from xiezuo.api.schemas import ERRORS, WRITE_ERRORS, ObjectId, Paging, RegionPrefix
from xiezuo.labour import matching, selectors, services

router = Router(tags=["labour"])


class PostingOut(Schema):
    id: int
    employer: str
    employer_code: str
    place: str
    sector: str
    wage: int
    slots: int
    taken: int
    start: datetime.date
    age_min: int
    age_max: int
    dorm: bool
    transport: bool
    east_unit: str
    state: str


class PostingPage(Schema):
    count: int
    results: list[PostingOut]


class PostingIn(Schema):
    employer: str = Field(..., max_length=200)
    employer_code: str = Field(..., max_length=18, description="统一社会信用代码（GB 32100）")
    place: str = Field(..., pattern=r"^[0-9]{6}$", description="工作地县级区划代码")
    sector: str
    wage: int = Field(..., ge=0, le=1_000_000, description="月工资（元）")
    slots: int = Field(..., ge=0, le=1_000_000)
    start: datetime.date
    east_unit: str = Field(..., pattern=r"^[0-9]{6}$", description="引进岗位的东部单位区划代码")
    skills: list[str] = []
    age_min: int = Field(16, ge=0, le=100)
    age_max: int = Field(60, ge=0, le=100)
    dorm: bool = False
    transport: bool = False
    requirements: str = Field("", max_length=2000)
    sex_reason: str = Field("", max_length=200)


class MatchOut(Schema):
    id: int
    worker_id: int
    worker_name: str
    posting_id: int
    employer: str
    score: int
    explanation: str
    state: str


class MatchPage(Schema):
    count: int
    results: list[MatchOut]


class DecisionIn(Schema):
    match_ids: list[ObjectId] = Field(..., min_length=1, max_length=5000)
    accept: bool


class RunIn(Schema):
    west_code: RegionPrefix
    method: str = Field(matching.AUTO, pattern=r"^(exact|scalable|auto)$")


class RunOut(Schema):
    id: int
    method: str
    status: str
    matched: int
    total: int
    seconds: float
    proof: str


class PlacementIn(Schema):
    person_name: str = Field(..., max_length=50)
    id_number: str = Field(..., max_length=20)
    employer: str = Field(..., max_length=200)
    employer_code: str = Field("", max_length=18)
    place: str = Field(..., pattern=r"^[0-9]{6}$")
    start: datetime.date
    end: datetime.date | None = None
    wage: int = Field(..., ge=0, le=1_000_000)
    organiser: str = Field(..., description="east / west / agency / station / self")
    organiser_region: str = Field("", max_length=12)
    proofs: list[str] = []


class PlacementOut(Schema):
    id: int
    person_name: str
    id_masked: str
    employer: str
    place: str
    start: datetime.date
    end: datetime.date | None
    organised: bool
    flags: list[str]


def _placement(p: Any) -> dict[str, Any]:
    return {
        "id": p.pk, "person_name": p.person_name, "id_masked": p.id_masked,
        "employer": p.employer, "place": p.place_id, "start": p.start, "end": p.end,
        "organised": p.organised, "flags": p.flags,
    }  # fmt: skip


def _page(qs: Any, paging: Paging) -> tuple[int, list[Any]]:
    start = (paging.page - 1) * paging.page_size
    return qs.count(), list(qs[start : start + paging.page_size])


def _posting(p: Any) -> dict[str, Any]:
    return {
        "id": p.pk, "employer": p.employer, "employer_code": p.employer_code,
        "place": p.place_id, "sector": p.sector, "wage": p.wage, "slots": p.slots,
        "taken": getattr(p, "taken", 0), "start": p.start, "age_min": p.age_min,
        "age_max": p.age_max, "dorm": p.dorm, "transport": p.transport,
        "east_unit": p.east_unit_id, "state": p.state,
    }  # fmt: skip


@router.get("/labour/postings", response={200: PostingPage, **ERRORS}, summary="Open postings")
def posting_list(request: HttpRequest, paging: Query[Paging]) -> Any:
    count, rows = _page(selectors.posting_list(user=request.user), paging)
    return {"count": count, "results": [_posting(p) for p in rows]}


@router.post(
    "/labour/postings",
    response={201: PostingOut, **WRITE_ERRORS},
    summary="Publish a posting for the caller's eastern unit",
)
def posting_create(request: HttpRequest, data: PostingIn) -> Any:
    posting = services.posting_create(actor=actor(request), data=services.PostingIn(**data.dict()))
    return Reply(201, _posting(posting))


@router.post(
    "/labour/runs",
    response={201: RunOut, **WRITE_ERRORS},
    summary="Match the available workers of a western region to the open postings",
)
def run_create(request: HttpRequest, data: RunIn) -> Any:
    run = services.match_run(actor=actor(request), west_code=data.west_code, method=data.method)
    return Reply(
        201,
        {
            "id": run.pk, "method": run.method, "status": run.status, "matched": run.matched,
            "total": run.total, "seconds": run.seconds, "proof": run.proof,
        },
    )  # fmt: skip


@router.get(
    "/labour/matches", response={200: MatchPage, **ERRORS}, summary="Proposed matches in scope"
)
def match_list(request: HttpRequest, paging: Query[Paging]) -> Any:
    count, rows = _page(selectors.match_list(user=request.user), paging)
    return {
        "count": count,
        "results": [
            {
                "id": m.pk, "worker_id": m.worker_id, "worker_name": m.worker.name,
                "posting_id": m.posting_id, "employer": m.posting.employer, "score": m.score,
                "explanation": m.explanation, "state": m.state,
            }
            for m in rows
        ],
    }  # fmt: skip


@router.post(
    "/labour/matches/decide",
    response={200: dict[str, int], **WRITE_ERRORS},
    summary="Accept or reject proposed matches (one or many)",
)
def match_decide(request: HttpRequest, data: DecisionIn) -> Any:
    n = services.matches_decide(actor=actor(request), match_ids=data.match_ids, accept=data.accept)
    return {"decided": n}


@router.post(
    "/labour/placements",
    response={201: PlacementOut, **WRITE_ERRORS},
    summary="Record a placement (flagged, not refused, when it overlaps, starts under 16 or "
    "names an unregistered person)",
)
def placement_create(request: HttpRequest, data: PlacementIn) -> Any:
    from xiezuo.labour.choices import Source

    p = services.placement_create(
        actor=actor(request), data=services.PlacementIn(**data.dict(), source=Source.API)
    )
    return Reply(201, _placement(p))


class EndIn(Schema):
    end: datetime.date | None = Field(None, description="结束日期；留空表示仍在岗")


@router.post(
    "/labour/placements/{int:placement_id}/end",
    response={200: PlacementOut, **WRITE_ERRORS},
    summary="End a placement on a day (or clear its end)",
)
def placement_end(request: HttpRequest, placement_id: ObjectId, data: EndIn) -> Any:
    p = services.placement_end(
        actor=actor(request),
        placement=selectors.placement_get(user=request.user, pk=placement_id),
        end=data.end,
    )
    return _placement(p)


class QuarterIn(Schema):
    region: str = Field(pattern=r"^[0-9]{6,12}$")
    year: int = Field(ge=2000, le=2100)
    quarter: int = Field(ge=1, le=4)


class EmploymentIn(Schema):
    year: int = Field(ge=2000, le=2100)
    quarter: int = Field(ge=1, le=4)
    status: str = Field(pattern=r"^(employed|unemployed|self|public)$")


@router.post(
    "/labour/quarters",
    response={200: dict[str, Any], **WRITE_ERRORS},
    summary="The quarterly employment check of a region's workers against the placements",
)
def quarter_check(request: HttpRequest, data: QuarterIn) -> Any:
    report = services.quarter_check(
        actor=actor(request), region_code=data.region, year=data.year, quarter=data.quarter
    )
    return {"year": report.year, "quarter": report.quarter, "counts": report.counts}


@router.post(
    "/labour/workers/{int:worker_id}/quarters",
    response={200: dict[str, Any], **WRITE_ERRORS},
    summary="A worker's employment status in one quarter (e.g. a public-welfare job)",
)
def employment_set(request: HttpRequest, worker_id: ObjectId, data: EmploymentIn) -> Any:
    worker = selectors.worker_get(user=request.user, pk=worker_id)
    found = services.employment_set(
        actor=actor(request), worker=worker, year=data.year, quarter=data.quarter,
        status=data.status,
    )  # fmt: skip
    return {"worker": worker.pk, "year": found.year, "quarter": found.quarter,
            "status": found.status}  # fmt: skip
