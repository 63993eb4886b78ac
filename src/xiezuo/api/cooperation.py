"""Cooperation records and their reports over the API.

Records of every kind share one shape built from `cooperation.specs`: `values` keyed by field
name (coded values as {code, label}, regions as {code, name}), and the people a training or an
industry record served, with masked ID numbers only. Reads go through `cooperation.selectors`
(out of scope is a 404); writes through `cooperation.services`, the same rules as the form and
the Excel import: a rule broken is a 400 naming the field in `problems`, a role or region
refusal a 403, a malformed body a 422.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import ValidationError
from ninja.responses import Status as Reply

from xiezuo.accounts.requests import actor
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
from xiezuo.cooperation import selectors, services, specs
from xiezuo.cooperation.choices import Kind, State
from xiezuo.cooperation.importing import reporting_unit
from xiezuo.cooperation.models import Record, Report
from xiezuo.pairing import selectors as pairing_selectors

router = Router(tags=["cooperation"])

# Code lists under names of their own in the OpenAPI document (see schemas.api_enum); the
# type checker sees the apps' own choices, which they accept the values of.
if TYPE_CHECKING:
    RecordKind = Kind
    ReportState = State
else:
    RecordKind = api_enum("RecordKind", Kind)
    ReportState = api_enum("ReportState", State)

Value = str | int | float | bool | None


class RecordFilters(Paging):
    pairing: ObjectId | None = Field(None, description="结对编号")
    region: RegionPrefix | None = None
    year: int | None = Field(None, ge=2000, le=2100)
    state: ReportState | None = None


class ReportFilters(Paging):
    state: ReportState | None = None
    year: int | None = Field(None, ge=2000, le=2100)


class UnitOut(Schema):
    code: str
    name: str


class ReportOut(Schema):
    id: int
    pairing_id: ObjectId
    pairing: str
    reporter: UnitOut
    year: int
    state: ChoiceOut
    submitted_at: datetime.datetime | None
    reviewed_at: datetime.datetime | None
    comment: str


class ReportPage(Schema):
    count: int
    page: int
    results: list[ReportOut]


class PersonOut(Schema):
    name: str
    id_masked: str
    in_registry: bool


class RecordOut(Schema):
    id: int
    kind: ChoiceOut
    report: ReportOut
    values: dict[str, Any] = Field(
        description="字段名 → 值；代码值为 {code,label}，地区为 {code,name}"
    )
    people: list[PersonOut]
    created_at: datetime.datetime
    updated_at: datetime.datetime


class RecordPage(Schema):
    count: int
    page: int
    results: list[RecordOut]


class PersonIn(Schema):
    name: str = Field(max_length=50)
    id_number: str = Field(max_length=30, description="身份证号或残疾人证号；只保存加密值和掩码")


class RecordChangeIn(Schema):
    values: dict[str, Value] = Field(description="字段名 → 值（代码值可填代码或中文名称）")
    people: list[PersonIn] | None = Field(
        None, description="培训学员或带动就业的贫困人口；修改时不填则保留原名单"
    )
    confirm_large: bool = Field(False, description="确认超过 10 亿元的金额属实（不是按元填写）")


class RecordIn(RecordChangeIn):
    pairing_id: ObjectId
    reporter_code: str | None = Field(
        None,
        pattern=r"^[0-9]{6}([0-9]{3}([0-9]{3})?)?$",
        description="填报单位；不填为您所在的地区",
    )
    year: int = Field(ge=2000, le=2100)


class ReviewIn(Schema):
    approve: bool
    comment: str = Field("", max_length=2000)


class UnlockIn(Schema):
    reason: str = Field(max_length=500)


# --- shaping -----------------------------------------------------------------------------------


def _report_out(r: Report) -> dict[str, Any]:
    return {
        "id": r.pk,
        "pairing_id": r.pairing_id,
        "pairing": str(r.pairing),
        "reporter": {"code": r.reporter_id, "name": r.reporter.name},
        "year": r.year,
        "state": _choice(State, r.state),
        "submitted_at": r.submitted_at,
        "reviewed_at": r.reviewed_at,
        "comment": r.comment,
    }


def _value(field: specs.Field, value: Any) -> Any:
    if value is None:
        return None
    if field.type == "choice":
        return _choice(field.choices, value)
    if field.type == "region":
        return {"code": value.code, "name": value.name}
    if field.type == "amount":
        return str(value)  # exact, as stored (万元 to four places)
    return value


def _record_out(spec: specs.Spec, record: Record) -> dict[str, Any]:
    people = getattr(record, "people").all() if spec.people else []  # noqa: B009 (reverse FK)
    return {
        "id": record.pk,
        "kind": _choice(Kind, spec.kind),
        "report": _report_out(record.report),
        "values": {f.name: _value(f, getattr(record, f.name)) for f in spec.fields},
        "people": [
            {"name": p.name, "id_masked": p.id_masked, "in_registry": p.in_registry} for p in people
        ],
        "created_at": record.created_at,
        "updated_at": record.updated_at,
    }


def _shaped(spec: specs.Spec, qs: QuerySet[Record]) -> QuerySet[Record]:
    """The places and people a record's answer shows, loaded with it rather than one by one."""
    regions = [f.name for f in spec.fields if f.type == "region"]
    if regions:  # (select_related() without names would replace the selector's own joins)
        qs = qs.select_related(*regions)
    # Only training and industry have people (the abstract Record does not, hence a list).
    people = ["people"] if spec.people else []
    return qs.prefetch_related(*people)


def _page(qs: QuerySet[Any], paging: Paging) -> tuple[int, list[Any]]:
    start = (paging.page - 1) * paging.page_size
    return qs.count(), list(qs[start : start + paging.page_size])


def _one(request: HttpRequest, spec: specs.Spec, pk: int) -> Record:
    selectors.record_get(user=request.user, kind=spec.kind, pk=pk)  # 404 out of scope
    return _shaped(spec, selectors.record_list(user=request.user, kind=spec.kind)).get(pk=pk)


def _people(data: RecordChangeIn) -> list[services.PersonIn] | None:
    if data.people is None:
        return None
    return [services.PersonIn(p.name, p.id_number) for p in data.people]


def _known(spec: specs.Spec, values: dict[str, Value]) -> None:
    """A field the kind does not have is a malformed body (422), not a silently dropped value."""
    names = {f.name for f in spec.fields}
    unknown = [name for name in values if name not in names]
    if unknown:
        raise ValidationError(
            [
                {"loc": ("body", "values", name), "msg": f"{spec.label}没有字段“{name}”"}
                for name in unknown
            ]
        )


# --- records -----------------------------------------------------------------------------------


@router.get(
    "/records/{kind}",
    response={200: RecordPage, **ERRORS},
    summary="One kind's records in scope, filtered by pairing, region, year and report state",
)
def record_list(request: HttpRequest, kind: RecordKind, filters: Query[RecordFilters]) -> Any:
    spec = specs.spec(kind)
    qs = selectors.record_list(
        user=request.user,
        kind=kind,
        pairing=filters.pairing,
        region=filters.region or "",
        year=filters.year,
        state=filters.state or "",
    )
    count, rows = _page(_shaped(spec, qs), filters)
    return {
        "count": count,
        "page": filters.page,
        "results": [_record_out(spec, r) for r in rows],
    }


@router.get(
    "/records/{kind}/{int:record_id}",
    response={200: RecordOut, **ERRORS},
    summary="One record",
)
def record_get(request: HttpRequest, kind: RecordKind, record_id: ObjectId) -> Any:
    spec = specs.spec(kind)
    return _record_out(spec, _one(request, spec, record_id))


@router.post(
    "/records/{kind}",
    response={201: RecordOut, **WRITE_ERRORS},
    summary="Report a record (reporter or admin) into the unit's report of the pairing and year",
)
def record_create(request: HttpRequest, kind: RecordKind, data: RecordIn) -> Any:
    spec = specs.spec(kind)
    _known(spec, data.values)
    pairing = pairing_selectors.pairing_get(user=request.user, pk=data.pairing_id)
    record = services.record_create(
        actor=actor(request),
        kind=kind,
        pairing=pairing,
        reporter=reporting_unit(request.user, data.reporter_code),
        year=data.year,
        raw=data.values,
        people=_people(data) or (),
        confirm_large=data.confirm_large,
    )
    return Reply(201, _record_out(spec, _one(request, spec, record.pk)))


@router.put(
    "/records/{kind}/{int:record_id}",
    response={200: RecordOut, **WRITE_ERRORS},
    summary="Change a record: all its values (people kept unless given)",
)
def record_update(
    request: HttpRequest, kind: RecordKind, record_id: ObjectId, data: RecordChangeIn
) -> Any:
    spec = specs.spec(kind)
    _known(spec, data.values)
    record = selectors.record_get(user=request.user, kind=kind, pk=record_id)
    services.record_update(
        actor=actor(request),
        record=record,
        raw=data.values,
        people=_people(data),
        confirm_large=data.confirm_large,
    )
    return _record_out(spec, _one(request, spec, record_id))


@router.delete(
    "/records/{kind}/{int:record_id}",
    response={204: None, **WRITE_ERRORS},
    summary="Delete a record of a report still being filled in",
)
def record_delete(request: HttpRequest, kind: RecordKind, record_id: ObjectId) -> Any:
    record = selectors.record_get(user=request.user, kind=kind, pk=record_id)
    services.record_delete(actor=actor(request), record=record)
    return Reply(204, None)


# --- reports -----------------------------------------------------------------------------------


def _report_page(qs: QuerySet[Report], paging: Paging) -> dict[str, Any]:
    count, rows = _page(qs, paging)
    return {"count": count, "page": paging.page, "results": [_report_out(r) for r in rows]}


@router.get("/reports", response={200: ReportPage, **ERRORS}, summary="Reports in scope")
def report_list(request: HttpRequest, filters: Query[ReportFilters]) -> Any:
    qs = selectors.report_list(user=request.user, state=filters.state or "", year=filters.year)
    return _report_page(qs, filters)


@router.get(
    "/reports/review",
    response={200: ReportPage, **ERRORS},
    summary="Submitted reports of the units below the caller's region, waiting for review",
)
def report_queue(request: HttpRequest, paging: Query[Paging]) -> Any:
    return _report_page(selectors.reports_to_review(user=request.user), paging)


@router.post(
    "/reports/{int:report_id}/submit",
    response={200: ReportOut, **WRITE_ERRORS},
    summary="Submit a report for review (its records are locked while it waits)",
)
def report_submit(request: HttpRequest, report_id: ObjectId) -> Any:
    report = selectors.report_get(user=request.user, pk=report_id)
    return _report_out(services.report_submit(actor=actor(request), report=report))


@router.post(
    "/reports/{int:report_id}/review",
    response={200: ReportOut, **WRITE_ERRORS},
    summary="Approve (lock) or return a submitted report — a reviewer one level up",
)
def report_review(request: HttpRequest, report_id: ObjectId, data: ReviewIn) -> Any:
    report = selectors.report_get(user=request.user, pk=report_id)
    reviewed = services.report_review(
        actor=actor(request), report=report, approve=data.approve, comment=data.comment
    )
    return _report_out(reviewed)


@router.post(
    "/reports/{int:report_id}/unlock",
    response={200: ReportOut, **WRITE_ERRORS},
    summary="Reopen an approved report, with a reason kept in the audit trail",
)
def report_unlock(request: HttpRequest, report_id: ObjectId, data: UnlockIn) -> Any:
    report = selectors.report_get(user=request.user, pk=report_id)
    return _report_out(
        services.report_unlock(actor=actor(request), report=report, reason=data.reason)
    )
