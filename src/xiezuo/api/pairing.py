"""Pairings, yearly agreements, targets and tasks over the API.

Reads go through `pairing.selectors` (region scope: a pairing with neither side in the user's
scope is a 404); writes through `pairing.services`, which check roles and rules exactly as for
the pages and the Excel import. Permission refusals are 403, rule violations 400 with the
field named in `problems`.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.responses import Status as Reply

from xiezuo.accounts.models import User
from xiezuo.accounts.requests import actor
from xiezuo.accounts.selectors import active_user
from xiezuo.api.schemas import (
    ERRORS,
    WRITE_ERRORS,
    ChoiceOut,
    ObjectId,
    Paging,
    RegionPrefix,
    api_enum,
)
from xiezuo.api.schemas import choice as _choice
from xiezuo.core.errors import Problem, UserError
from xiezuo.pairing import selectors, services
from xiezuo.pairing.choices import Indicator, Kind, Level, Status, TaskStatus
from xiezuo.pairing.models import Agreement, Organisation, Pairing, Proposal, Target, Task
from xiezuo.regions.models import Region
from xiezuo.regions.selectors import region_from_text

router = Router(tags=["pairing"])

# Code lists under names of their own in the OpenAPI document (see schemas.api_enum); the
# type checker sees the apps' own choices, which they accept the values of.
if TYPE_CHECKING:
    PairingLevel = Level
    PairingKind = Kind
    PairingStatus = Status
    TargetIndicator = Indicator
    TaskState = TaskStatus
else:
    PairingLevel = api_enum("PairingLevel", Level)
    PairingKind = api_enum("PairingKind", Kind)
    PairingStatus = api_enum("PairingStatus", Status)
    TargetIndicator = api_enum("TargetIndicator", Indicator)
    TaskState = api_enum("TaskState", TaskStatus)


class PairingFilters(Paging):
    level: PairingLevel | None = None
    kind: PairingKind | None = None
    status: PairingStatus | None = None
    region: RegionPrefix | None = None
    q: str | None = Field(None, max_length=40, description="名称包含")


class UnitOut(Schema):
    code: str | None
    name: str


class PairingOut(Schema):
    id: int
    kind: ChoiceOut
    level: ChoiceOut
    east: UnitOut
    west: UnitOut
    start_year: int
    end_year: int | None
    status: ChoiceOut
    parent_id: int | None
    outside_parent_reason: str
    confirm_side: str = Field(description="待确认时须由哪一方确认：east / west；已生效为空")


class PairingPage(Schema):
    count: int
    page: int
    results: list[PairingOut]


class TaskOut(Schema):
    id: int
    title: str
    due: datetime.date
    share: int | None
    status: ChoiceOut
    state: str = Field(description="open / at_risk / overdue / done")
    owner: str | None


class TargetOut(Schema):
    id: int
    indicator: ChoiceOut
    value: Decimal
    unit: str
    deadline: datetime.date
    responsible_unit: str
    responsible_person: str
    owner: str | None
    actual: Decimal | None = Field(description="measured from recorded data; null if none yet")
    percent: int | None
    progress: str = Field(description="done / on_track / at_risk / overdue / unmeasured")
    tasks: list[TaskOut]


class AgreementOut(Schema):
    id: int
    year: int
    signed_on: datetime.date | None
    note: str
    targets: list[TargetOut]


class PairingDetailOut(PairingOut):
    children: list[PairingOut]
    agreements: list[AgreementOut]


class PairingIn(Schema):
    west_code: str = Field(pattern=r"^[0-9]{6}([0-9]{3}([0-9]{3})?)?$")
    east_code: str | None = Field(None, pattern=r"^[0-9]{6}([0-9]{3}([0-9]{3})?)?$")
    east_org: str | None = Field(None, max_length=200, description="帮扶单位名称（已登记的单位）")
    kind: PairingKind = PairingKind(Kind.EAST_WEST.value)
    start_year: int = Field(ge=2000, le=2100)
    end_year: int | None = Field(None, ge=2000, le=2100)
    parent_id: int | None = None
    outside_parent_reason: str = Field("", max_length=500)


class EndIn(Schema):
    end_year: int = Field(ge=2000, le=2100)
    reason: str = Field("", max_length=300)


class DeclineIn(Schema):
    reason: str = Field(min_length=1, max_length=300)


class AgreementIn(Schema):
    year: int = Field(ge=2000, le=2100)
    signed_on: datetime.date | None = None
    note: str = Field("", max_length=2000)


class TargetIn(Schema):
    value: Decimal
    deadline: datetime.date
    responsible_unit: str = Field(max_length=200)
    responsible_person: str = Field("", max_length=100)
    owner: str | None = Field(None, description="责任人的用户名")


class ScheduleIn(Schema):
    shares: list[int] = Field([25, 50, 75, 100], min_length=1, max_length=12)


class TaskIn(Schema):
    title: str = Field(max_length=200)
    due: datetime.date
    owner: str | None = None


class TaskStatusIn(Schema):
    status: TaskState


class AlertsOut(Schema):
    overdue: list[TaskOut]
    at_risk: list[TaskOut]


# --- shaping -----------------------------------------------------------------------------------


def _pairing_out(p: Pairing) -> dict[str, Any]:
    return {
        "id": p.pk,
        "kind": _choice(Kind, p.kind),
        "level": {"code": str(p.level), "label": str(Level(p.level).label)},
        "east": {"code": p.east_region_id, "name": p.east_name},
        "west": {"code": p.west_region_id, "name": p.west_region.name},
        "start_year": p.start_year,
        "end_year": p.end_year,
        "status": _choice(Status, p.status),
        "parent_id": p.parent_id,
        "outside_parent_reason": p.outside_parent_reason,
        "confirm_side": p.confirm_side,
    }


def _task_out(
    t: Task, today: datetime.date, progress: selectors.TargetProgress | None = None
) -> dict[str, Any]:
    return {
        "id": t.pk,
        "title": t.title,
        "due": t.due,
        "share": t.share,
        "status": _choice(TaskStatus, t.status),
        "state": selectors.task_state(t, today=today, progress=progress),
        "owner": t.owner.username if t.owner else None,
    }


def _target_out(t: Target, today: datetime.date) -> dict[str, Any]:
    progress = selectors.target_progress(t, today=today)
    return {
        "id": t.pk,
        "indicator": _choice(Indicator, t.indicator),
        "value": t.value,
        "unit": t.unit,
        "deadline": t.deadline,
        "responsible_unit": t.responsible_unit,
        "responsible_person": t.responsible_person,
        "owner": t.owner.username if t.owner else None,
        "actual": progress.actual,
        "percent": progress.percent,
        "progress": progress.state,
        "tasks": [_task_out(task, today, progress) for task in t.tasks.all()],
    }


def _agreement_out(a: Agreement, today: datetime.date) -> dict[str, Any]:
    return {
        "id": a.pk,
        "year": a.year,
        "signed_on": a.signed_on,
        "note": a.note,
        "targets": [_target_out(t, today) for t in a.targets.all()],
    }


def _detail(p: Pairing) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        **_pairing_out(p),
        "children": [_pairing_out(c) for c in selectors.pairing_children(p)],
        "agreements": [_agreement_out(a, today) for a in selectors.agreements_of(p)],
    }


def _user_named(username: str | None, field: str) -> User | None:
    if not username:
        return None
    user = active_user(username)
    if user is None:
        message = f"没有用户名为“{username}”的在用账号"
        raise UserError(message, [Problem(message, field)])
    return user


def _region(code: str | None, field: str) -> Region | None:
    if code is None:
        return None
    try:
        return region_from_text(code)
    except UserError as exc:
        raise UserError(exc.summary, [Problem(exc.summary, field)]) from None


# --- endpoints ---------------------------------------------------------------------------------


@router.get("/pairings", response={200: PairingPage, **ERRORS}, summary="Pairings in scope")
def pairing_list(request: HttpRequest, filters: Query[PairingFilters]) -> Any:
    qs = selectors.pairing_list(
        user=request.user,
        level=filters.level,
        kind=filters.kind or "",
        status=filters.status or "",
        region=filters.region or "",
        text=filters.q or "",
    )
    start = (filters.page - 1) * filters.page_size
    rows = list(qs[start : start + filters.page_size])
    return {"count": qs.count(), "page": filters.page, "results": [_pairing_out(p) for p in rows]}


@router.post(
    "/pairings",
    response={201: PairingDetailOut, **WRITE_ERRORS},
    summary="Register a pairing (reviewer or admin; province and prefecture pairs: national)",
)
def pairing_create(request: HttpRequest, data: PairingIn) -> Any:
    org = None
    if data.east_org:
        org = Organisation.objects.filter(name=data.east_org).first()
        if org is None:
            message = f"没有名为“{data.east_org}”的帮扶单位"
            raise UserError(message, [Problem(message, "east_org")])
    parent = selectors.pairing_get(user=request.user, pk=data.parent_id) if data.parent_id else None
    west = _region(data.west_code, "west_code")
    assert west is not None
    made = services.pairing_create(
        actor=actor(request),
        west=west,
        east_region=_region(data.east_code, "east_code"),
        east_org=org,
        kind=data.kind,
        start_year=data.start_year,
        end_year=data.end_year,
        parent=parent,
        outside_parent_reason=data.outside_parent_reason,
    )
    return Reply(201, _detail(selectors.pairing_get(user=request.user, pk=made.pk)))


@router.get("/pairings/network", summary="Nodes and links of the active pairings in scope")
def pairing_network(request: HttpRequest) -> Any:
    return selectors.network(user=request.user)


@router.get(
    "/pairings/{int:pairing_id}",
    response={200: PairingDetailOut, **ERRORS},
    summary="One pairing with the pairs inside it, its agreements, targets, progress and tasks",
)
def pairing_get(request: HttpRequest, pairing_id: ObjectId) -> Any:
    return _detail(selectors.pairing_get(user=request.user, pk=pairing_id))


@router.post(
    "/pairings/{int:pairing_id}/end",
    response={200: PairingDetailOut, **WRITE_ERRORS},
    summary="End a pairing (its history stays)",
)
def pairing_end(request: HttpRequest, pairing_id: ObjectId, data: EndIn) -> Any:
    pairing = selectors.pairing_get(user=request.user, pk=pairing_id)
    services.pairing_end(
        actor=actor(request), pairing=pairing, end_year=data.end_year, reason=data.reason
    )
    return _detail(selectors.pairing_get(user=request.user, pk=pairing_id))


@router.post(
    "/pairings/{int:pairing_id}/confirm",
    response={200: PairingDetailOut, **WRITE_ERRORS},
    summary="Confirm a pairing the other side proposed (the other side's office, or national)",
)
def pairing_confirm(request: HttpRequest, pairing_id: ObjectId) -> Any:
    pairing = selectors.pairing_get(user=request.user, pk=pairing_id)
    services.pairing_confirm(actor=actor(request), pairing=pairing)
    return _detail(selectors.pairing_get(user=request.user, pk=pairing_id))


@router.post(
    "/pairings/{int:pairing_id}/decline",
    response={200: PairingDetailOut, **WRITE_ERRORS},
    summary="Decline a pairing the other side proposed, saying why",
)
def pairing_decline(request: HttpRequest, pairing_id: ObjectId, data: DeclineIn) -> Any:
    pairing = selectors.pairing_get(user=request.user, pk=pairing_id)
    services.pairing_decline(actor=actor(request), pairing=pairing, reason=data.reason)
    return _detail(selectors.pairing_get(user=request.user, pk=pairing_id))


@router.post(
    "/pairings/{int:pairing_id}/agreements",
    response={201: AgreementOut, **WRITE_ERRORS},
    summary="Create the pairing's agreement for a year",
)
def agreement_create(request: HttpRequest, pairing_id: ObjectId, data: AgreementIn) -> Any:
    pairing = selectors.pairing_get(user=request.user, pk=pairing_id)
    made = services.agreement_create(
        actor=actor(request),
        pairing=pairing,
        year=data.year,
        signed_on=data.signed_on,
        note=data.note,
    )
    return Reply(201, _agreement_out(made, timezone.localdate()))


@router.put(
    "/agreements/{int:agreement_id}/targets/{indicator}",
    response={200: TargetOut, **WRITE_ERRORS},
    summary="Set (create or update) the agreement's target for one indicator",
)
def target_set(
    request: HttpRequest, agreement_id: ObjectId, indicator: TargetIndicator, data: TargetIn
) -> Any:
    agreement = selectors.agreement_get(user=request.user, pk=agreement_id)
    target = services.target_set(
        actor=actor(request),
        agreement=agreement,
        indicator=indicator,
        value=data.value,
        deadline=data.deadline,
        responsible_unit=data.responsible_unit,
        responsible_person=data.responsible_person,
        owner=_user_named(data.owner, "owner"),
    )
    return _target_out(target, timezone.localdate())


@router.post(
    "/targets/{int:target_id}/schedule",
    response={200: TargetOut, **WRITE_ERRORS},
    summary="Schedule milestones back from the target's deadline (replaces open tasks)",
)
def target_schedule(request: HttpRequest, target_id: ObjectId, data: ScheduleIn) -> Any:
    target = selectors.target_get(user=request.user, pk=target_id)
    services.target_schedule(actor=actor(request), target=target, shares=data.shares)
    return _target_out(selectors.target_get(user=request.user, pk=target_id), timezone.localdate())


@router.post(
    "/targets/{int:target_id}/tasks",
    response={201: TaskOut, **WRITE_ERRORS},
    summary="Add a task toward a target",
)
def task_create(request: HttpRequest, target_id: ObjectId, data: TaskIn) -> Any:
    target = selectors.target_get(user=request.user, pk=target_id)
    task = services.task_create(
        actor=actor(request),
        target=target,
        title=data.title,
        due=data.due,
        owner=_user_named(data.owner, "owner"),
    )
    return Reply(201, _task_out(task, timezone.localdate()))


@router.post(
    "/tasks/{int:task_id}/status",
    response={200: TaskOut, **WRITE_ERRORS},
    summary="Move a task on (its owner, or a planner of the pairing)",
)
def task_status(request: HttpRequest, task_id: ObjectId, data: TaskStatusIn) -> Any:
    task = selectors.task_get(user=request.user, pk=task_id)
    task = services.task_set_status(actor=actor(request), task=task, status=data.status)
    return _task_out(task, timezone.localdate())


@router.get(
    "/tasks/mine",
    response={200: AlertsOut, **ERRORS},
    summary="My open tasks that are overdue or due within two weeks",
)
def tasks_mine(request: HttpRequest) -> Any:
    today = timezone.localdate()
    alerts = selectors.tasks_alerts(user=request.user, today=today)
    return {
        "overdue": [_task_out(t, today) for t in alerts.overdue],
        "at_risk": [_task_out(t, today) for t in alerts.at_risk],
    }


# --- optimizer ---------------------------------------------------------------------------------


class ProposalIn(Schema):
    west_region: str = Field(
        "", pattern=r"^([0-9]{6})?$", description="西部范围；空为全国（国家级）"
    )
    year: int = Field(2020, ge=2014, le=2030, description="帮扶能力所用的财政年度")
    max_per_east: int = Field(3, ge=1, le=50)
    deep_weight: float = Field(1.5, ge=1, le=5)
    time_limit: float = Field(60, ge=1, le=600)
    needs: dict[str, float] = Field({}, description="县代码 → 需求人数（填写）")
    capacities: dict[str, float] = Field({}, description="东部单位代码 → 帮扶能力万元（填写）")
    locked: list[tuple[str, str]] = Field([], description="(东部代码, 西部代码)")
    forbidden: list[tuple[str, str]] = Field([], description="(东部代码, 西部代码)")


class ProposalOut(Schema):
    id: int
    title: str
    state: ChoiceOut
    message: str
    params: dict[str, Any]
    result: dict[str, Any]


class AcceptIn(Schema):
    start_year: int | None = Field(None, ge=2000, le=2100)


class AcceptOut(Schema):
    created: int
    proposal: ProposalOut


def _proposal_out(p: Proposal) -> dict[str, Any]:
    return {
        "id": p.pk,
        "title": p.title,
        "state": _choice(Proposal.State, p.state),
        "message": p.message,
        "params": p.params,
        "result": p.result,
    }


@router.post(
    "/pairings/proposals",
    response={202: ProposalOut, **WRITE_ERRORS},
    summary="Ask the optimizer for balanced county pairs (solved in the background; poll GET)",
)
def proposal_create(request: HttpRequest, data: ProposalIn) -> Any:
    from xiezuo.pairing import optimizing

    params = optimizing.Params.from_json(data.model_dump())
    proposal = optimizing.proposal_submit(actor=actor(request), params=params)
    return Reply(202, _proposal_out(selectors.proposal_get(user=request.user, pk=proposal.pk)))


@router.get(
    "/pairings/proposals/{int:proposal_id}",
    response={200: ProposalOut, **ERRORS},
    summary="A proposal: its state, and once solved the pairs, loads, optimality and comparison",
)
def proposal_get(request: HttpRequest, proposal_id: ObjectId) -> Any:
    return _proposal_out(selectors.proposal_get(user=request.user, pk=proposal_id))


@router.post(
    "/pairings/proposals/{int:proposal_id}/accept",
    response={200: AcceptOut, **WRITE_ERRORS},
    summary="Accept a proposal: its county pairings are created, replaced ones ended",
)
def proposal_accept(request: HttpRequest, proposal_id: ObjectId, data: AcceptIn) -> Any:
    from xiezuo.pairing import optimizing

    proposal = selectors.proposal_get(user=request.user, pk=proposal_id)
    created = optimizing.proposal_accept(
        actor=actor(request), proposal=proposal, start_year=data.start_year
    )
    return {"created": created, "proposal": _proposal_out(proposal)}


@router.post(
    "/pairings/proposals/{int:proposal_id}/discard",
    response={200: ProposalOut, **WRITE_ERRORS},
    summary="Discard a proposal",
)
def proposal_discard(request: HttpRequest, proposal_id: ObjectId) -> Any:
    from xiezuo.pairing import optimizing

    proposal = selectors.proposal_get(user=request.user, pk=proposal_id)
    return _proposal_out(optimizing.proposal_discard(actor=actor(request), proposal=proposal))
