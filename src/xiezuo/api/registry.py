"""The registry (建档立卡) and its staged import over the API.

Reads go through the registry and import selectors, so region scope applies exactly as on the
pages: a household outside the user's scope is a 404, never a 403 that would confirm it exists.
Writes go through the same services as the pages. Members carry only the masked ID number; the
full number is one audited POST away, for the roles the service allows, and never in a URL.
Imports run in the background (django-tasks): upload and commit answer 202 with the batch, to
be polled at GET /imports/{id}.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, File, Form, Query, Router, Schema
from ninja.files import UploadedFile
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
from xiezuo.core.errors import NotFound, UserError
from xiezuo.imports import selectors as import_selectors
from xiezuo.imports import services as import_services
from xiezuo.imports.models import ImportBatch
from xiezuo.registry import selectors, services
from xiezuo.registry.choices import (
    Cause,
    Education,
    Health,
    HouseholdType,
    IdKind,
    LabourSkill,
    MigrantStatus,
    Relation,
    SchoolStatus,
    Sex,
    Status,
)
from xiezuo.registry.models import Household, HouseholdIncome, Member, StatusChange

router = Router()

# Code lists under names of their own in the OpenAPI document (see schemas.api_enum); the
# type checker sees the apps' own choices, which they accept the values of.
if TYPE_CHECKING:
    HouseholdStatus = Status
else:
    HouseholdStatus = api_enum("HouseholdStatus", Status)


ISSUES_SHOWN = 200


# --- schemas -----------------------------------------------------------------------------------


class HouseholdFilters(Paging):
    region: RegionPrefix | None = None
    status: HouseholdStatus | None = None
    main_cause: Cause | None = None
    exit_year: int | None = Field(None, ge=2000, le=2100)
    household_type: HouseholdType | None = None


class HouseholdOut(Schema):
    number: str
    village_code: str
    village_name: str
    household_type: ChoiceOut
    main_cause: ChoiceOut
    status: ChoiceOut
    exit_year: int | None
    size: int
    per_capita_income: Decimal | None


class HouseholdPage(Schema):
    count: int
    page: int
    results: list[HouseholdOut]


class MemberOut(Schema):
    id: int
    person_number: str
    name: str
    id_kind: ChoiceOut
    id_masked: str
    sex: ChoiceOut
    birth_date: datetime.date
    relation: ChoiceOut
    ethnicity: str
    education: ChoiceOut | None
    school_status: ChoiceOut
    health: ChoiceOut
    labour_skill: ChoiceOut
    migrant_status: ChoiceOut
    migrant_months: int
    medical_insurance: bool
    pension_insurance: bool


class IncomeOut(Schema):
    year: int
    wages: Decimal
    business: Decimal
    property_income: Decimal
    transfers: Decimal
    production_costs: Decimal
    persons: int
    net_income: Decimal
    per_capita_net: Decimal


class StatusChangeOut(Schema):
    from_status: ChoiceOut | None
    to_status: ChoiceOut
    year: int | None
    reason: str
    at: datetime.datetime
    actor: str | None


class ExitCheckOut(Schema):
    year: int
    poverty_line: Decimal | None
    eligible: bool
    reasons: list[str]


class HouseholdDetailOut(HouseholdOut):
    natural_village: str
    identified_year: int | None
    secondary_causes: list[ChoiceOut]
    food_clothing_secure: bool
    education_secure: bool
    medical_secure: bool
    housing_secure: bool
    water_secure: bool
    dangerous_house: bool
    water_difficulty: bool
    helper_name: str
    helper_unit: str
    members: list[MemberOut]
    incomes: list[IncomeOut]
    history: list[StatusChangeOut]
    exit_check: ExitCheckOut


class StatusIn(Schema):
    status: HouseholdStatus
    year: int | None = Field(None, ge=2000, le=2100)
    reason: str = Field("", max_length=300)


class RevealedIdOut(Schema):
    id_number: str


class StatisticsFilters(Schema):
    region: RegionPrefix | None = None


class ExitCheckFilters(Paging):
    year: int | None = Field(None, ge=2000, le=2100, description="脱贫年度")


class StatisticsOut(Schema):
    region: str | None
    households: int
    people: int
    by_status: dict[str, int]
    by_cause: dict[str, int]
    exits: dict[int, int]


class ExitFindingOut(Schema):
    number: str
    village_code: str
    village_name: str
    exit_year: int | None
    per_capita_income: Decimal | None
    reasons: list[str]


class ExitCheckPage(Schema):
    count: int
    page: int
    results: list[ExitFindingOut]


class ImportIssueOut(Schema):
    row: int
    column: str
    message: str


class ImportBatchOut(Schema):
    id: str
    kind: str
    filename: str
    state: ChoiceOut
    created_by: str | None
    created_at: datetime.datetime
    finished_at: datetime.datetime | None
    rows_read: int
    rows_with_errors: int
    progress: int
    message: str
    summary: dict[str, Any]
    issue_count: int
    issues: list[ImportIssueOut]


# --- presenters --------------------------------------------------------------------------------


def _household_out(household: Household) -> dict[str, Any]:
    return {
        "number": household.number,
        "village_code": household.village_id,
        "village_name": household.village.name,
        "household_type": _choice(HouseholdType, household.household_type),
        "main_cause": _choice(Cause, household.main_cause),
        "status": _choice(Status, household.status),
        "exit_year": household.exit_year,
        "size": household.size,
        "per_capita_income": household.per_capita_income,
    }


def _member_out(member: Member) -> dict[str, Any]:
    # Listed field by field: the encrypted number and its hash must never leave the server.
    return {
        "id": member.pk,
        "person_number": member.person_number,
        "name": member.name,
        "id_kind": _choice(IdKind, member.id_kind),
        "id_masked": member.id_masked,
        "sex": _choice(Sex, member.sex),
        "birth_date": member.birth_date,
        "relation": _choice(Relation, member.relation),
        "ethnicity": member.ethnicity,
        "education": _choice(Education, member.education) if member.education else None,
        "school_status": _choice(SchoolStatus, member.school_status),
        "health": _choice(Health, member.health),
        "labour_skill": _choice(LabourSkill, member.labour_skill),
        "migrant_status": _choice(MigrantStatus, member.migrant_status),
        "migrant_months": member.migrant_months,
        "medical_insurance": member.medical_insurance,
        "pension_insurance": member.pension_insurance,
    }


def _income_out(income: HouseholdIncome) -> dict[str, Any]:
    return {
        "year": income.year,
        "wages": income.wages,
        "business": income.business,
        "property_income": income.property_income,
        "transfers": income.transfers,
        "production_costs": income.production_costs,
        "persons": income.persons,
        "net_income": income.net_income,
        "per_capita_net": income.per_capita_net,
    }


def _status_change_out(change: StatusChange) -> dict[str, Any]:
    return {
        "from_status": _choice(Status, change.from_status) if change.from_status else None,
        "to_status": _choice(Status, change.to_status),
        "year": change.year,
        "reason": change.reason,
        "at": change.at,
        "actor": change.actor.username if change.actor is not None else None,
    }


def _household_detail(household: Household) -> dict[str, Any]:
    year = household.exit_year or timezone.localdate().year
    check = selectors.exit_eligibility(household, year)
    return {
        **_household_out(household),
        "natural_village": household.natural_village,
        "identified_year": household.identified_year,
        "secondary_causes": [_choice(Cause, c) for c in household.secondary_causes or []],
        "food_clothing_secure": household.food_clothing_secure,
        "education_secure": household.education_secure,
        "medical_secure": household.medical_secure,
        "housing_secure": household.housing_secure,
        "water_secure": household.water_secure,
        "dangerous_house": household.dangerous_house,
        "water_difficulty": household.water_difficulty,
        "helper_name": household.helper_name,
        "helper_unit": household.helper_unit,
        "members": [_member_out(m) for m in household.members.all()],
        "incomes": [_income_out(i) for i in household.incomes.all()],
        "history": [
            _status_change_out(c) for c in household.status_changes.select_related("actor")
        ],
        "exit_check": {
            "year": year,
            "poverty_line": selectors.poverty_line(year),
            "eligible": check.eligible,
            "reasons": check.reasons,
        },
    }


def _page(items: QuerySet[Household] | list[Any], paging: Paging) -> tuple[int, list[Any]]:
    start = (paging.page - 1) * paging.page_size
    count = items.count() if isinstance(items, QuerySet) else len(items)
    return count, list(items[start : start + paging.page_size])


def _batch_out(batch: ImportBatch) -> dict[str, Any]:
    issues = batch.issues.all()
    return {
        "id": str(batch.pk),
        "kind": batch.kind,
        "filename": batch.filename,
        "state": _choice(ImportBatch.State, batch.state),
        "created_by": batch.created_by.username if batch.created_by is not None else None,
        "created_at": batch.created_at,
        "finished_at": batch.finished_at,
        "rows_read": batch.rows_read,
        "rows_with_errors": batch.rows_with_errors,
        "progress": batch.progress,
        "message": batch.message,
        "summary": batch.summary or {},
        "issue_count": issues.count(),
        "issues": [
            {"row": i.row, "column": i.column, "message": i.message} for i in issues[:ISSUES_SHOWN]
        ],
    }


def _batch(request: HttpRequest, batch_id: str) -> ImportBatch:
    batch = import_selectors.batch_get(user=request.user, batch_id=batch_id)
    if batch is None:
        raise NotFound("没有该导入批次，或不是您上传的")
    return batch


# --- registry ----------------------------------------------------------------------------------


@router.get(
    "/registry/households",
    response={200: HouseholdPage, **ERRORS},
    tags=["registry"],
    summary="Registered households in scope, filtered and paged",
)
def household_list(request: HttpRequest, filters: Query[HouseholdFilters]) -> Any:
    wanted = filters.model_dump(exclude={"page", "page_size"}, exclude_none=True)
    households = selectors.household_list(user=request.user, filters=wanted)
    count, rows = _page(households, filters)
    return {"count": count, "page": filters.page, "results": [_household_out(h) for h in rows]}


@router.get(
    "/registry/households/{number}",
    response={200: HouseholdDetailOut, **ERRORS},
    tags=["registry"],
    summary="One household with members (masked IDs), incomes, history and its exit check",
)
def household_get(request: HttpRequest, number: str) -> Any:
    return _household_detail(selectors.household_get(user=request.user, number=number))


@router.post(
    "/registry/households/{number}/status",
    response={200: HouseholdDetailOut, **WRITE_ERRORS},
    tags=["registry"],
    summary="Change a household's status (reporter, reviewer or admin)",
)
def household_set_status(request: HttpRequest, number: str, change: StatusIn) -> Any:
    household = selectors.household_get(user=request.user, number=number)
    services.household_set_status(
        household=household,
        status=change.status,
        actor=actor(request),
        year=change.year,
        reason=change.reason,
    )
    return _household_detail(household)


@router.post(
    "/registry/members/{member_id}/reveal-id",
    response={200: RevealedIdOut, **ERRORS},
    tags=["registry"],
    summary="The full ID number of one member (reviewer or admin; every look is audited)",
)
def member_reveal_id(request: HttpRequest, member_id: ObjectId) -> Any:
    member = selectors.member_get(user=request.user, member_id=member_id)
    return {"id_number": services.member_reveal_id(member=member, user=actor(request))}


@router.get(
    "/registry/statistics",
    response={200: StatisticsOut, **ERRORS},
    tags=["registry"],
    summary="Households, people, status, causes and exits per year in scope",
)
def registry_statistics(request: HttpRequest, filters: Query[StatisticsFilters]) -> Any:
    stats = selectors.registry_statistics(user=request.user, region_prefix=filters.region)
    return {"region": filters.region, **stats}


@router.get(
    "/registry/exit-check",
    response={200: ExitCheckPage, **ERRORS},
    tags=["registry"],
    summary="Households marked exited whose data fails the exit rules, with the reasons",
)
def exit_check(request: HttpRequest, filters: Query[ExitCheckFilters]) -> Any:
    findings = selectors.exited_not_meeting_rules(user=request.user, year=filters.year)
    count, rows = _page(findings, filters)
    return {
        "count": count,
        "page": filters.page,
        "results": [
            {
                "number": household.number,
                "village_code": household.village_id,
                "village_name": household.village.name,
                "exit_year": household.exit_year,
                "per_capita_income": household.per_capita_income,
                "reasons": check.reasons,
            }
            for household, check in rows
        ],
    }


# --- imports -----------------------------------------------------------------------------------


@router.post(
    "/imports",
    response={202: ImportBatchOut, **WRITE_ERRORS},
    tags=["imports"],
    summary="Upload a file (reporter or admin); it is checked in the background",
)
def import_upload(request: HttpRequest, kind: Form[str], file: File[UploadedFile]) -> Any:
    if file.file is None:
        raise UserError("没有收到文件内容")
    batch = import_services.batch_upload(
        kind=kind, filename=file.name or "upload", source=file.file, actor=actor(request)
    )
    return Reply(202, _batch_out(_batch(request, str(batch.pk))))


@router.get(
    "/imports/{batch_id}",
    response={200: ImportBatchOut, **ERRORS},
    tags=["imports"],
    summary="A batch's state, progress, summary and first issues (uploader or national user)",
)
def import_get(request: HttpRequest, batch_id: str) -> Any:
    return _batch_out(_batch(request, batch_id))


@router.post(
    "/imports/{batch_id}/commit",
    response={202: ImportBatchOut, **WRITE_ERRORS},
    tags=["imports"],
    summary="Write a checked batch into the registry, in the background (uploader only)",
)
def import_commit(request: HttpRequest, batch_id: str) -> Any:
    batch = _batch(request, batch_id)
    # Refused here as well as in the worker, so the caller hears why at once, not on a poll.
    if not import_services.batch_queue_commit(batch, actor=actor(request)):
        raise UserError(
            f"该批次不能提交（{batch.get_state_display()}，{batch.rows_with_errors} 处问题）："
            "只有检查通过、尚未提交的批次可以提交"
        )
    return Reply(202, _batch_out(_batch(request, batch_id)))
