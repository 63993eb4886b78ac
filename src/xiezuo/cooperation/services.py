"""Changes to cooperation records and to their reports. Every door (form, Excel import, API)
comes through `record_check` and `record_save`, so the same rules hold everywhere:

* the actor reports for a unit inside its own region, and that unit is a side of the pairing
  (or inside one);
* the record's date lies in the report year, within the pairing's years;
* amounts are in 万元: negative is refused, yuan typed into the 万元 column is caught, and a
  county project or fund over 10 亿元 needs an explicit confirmation;
* places and recipients lie in the pairing's western side;
* people served are kept with the keyed hash of their ID and linked to the registry when they
  are registered; someone not registered is kept and flagged, not dropped;
* nothing in a submitted or approved report changes: a reviewer one level up returns or
  approves it, and unlocking approved data needs a reason — all audited.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from xiezuo.audit.models import AuditEvent
from xiezuo.audit.services import audit_record, changed, snapshot
from xiezuo.cooperation import attachments, policy, selectors, specs
from xiezuo.cooperation.choices import CONFIRM, EDITABLE, Kind, Side, State
from xiezuo.cooperation.models import Beneficiary, Person, Record, Report, ReportStep
from xiezuo.core import crypto
from xiezuo.core.errors import Problem, UserError
from xiezuo.notifications.models import Kind as Told
from xiezuo.notifications.services import notify
from xiezuo.pairing.models import Pairing
from xiezuo.regions import codes
from xiezuo.regions import selectors as region_selectors
from xiezuo.regions.codes import Level
from xiezuo.regions.models import Region
from xiezuo.registry import idnumbers
from xiezuo.registry.models import Member

if TYPE_CHECKING:
    from xiezuo.accounts.models import User


@dataclass(frozen=True)
class PersonIn:
    name: str
    id_number: str


@dataclass
class Checked:
    """A record that passed every rule, ready to save (the import keeps a file of these)."""

    spec: specs.Spec
    pairing: Pairing
    reporter: Region
    year: int
    values: dict[str, Any]
    people: list[tuple[str, str]] = field(default_factory=list)  # (name, normalised ID)


def _sides(pairing: Pairing) -> list[str]:
    return [c for c in (pairing.east_region_id, pairing.west_region_id) if c]


def check_reporter(actor: User | None, pairing: Pairing, reporter: Region) -> None:
    """The reporting unit is a side of the pairing (or inside one), and the actor's own."""
    policy.require_import(actor)
    if not any(codes.within(reporter.code, side) for side in _sides(pairing)):
        raise UserError(
            f"{reporter.name} 不属于结对 {pairing} 的任何一方，不能为其填报",
            [Problem(f"{reporter.name} 不属于该结对", "填报单位")],
        )
    policy.require_report_for(actor, pairing, reporter)


def _year_problems(pairing: Pairing, year: int, date: datetime.date | None) -> list[Problem]:
    problems = []
    last = pairing.end_year or 9999
    if not pairing.start_year <= year <= last:
        problems.append(
            Problem(
                f"{year} 年不在结对期间（{pairing.start_year}–{pairing.end_year or ''}）", "年度"
            )
        )
    if date is not None and date.year != year:
        problems.append(Problem(f"日期 {date} 不在报送年度 {year} 年内", "日期"))
    return problems


def _places_by_name(
    spec: specs.Spec, pairing: Pairing, raw: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Problem]]:
    """Region fields given by name rather than code, found on the helped (western) side of the
    pairing: the one region of that name (or beginning with it) in its place; the problem of
    each field where there is none or more than one, keyed by the field's label."""
    out = dict(raw)
    problems: dict[str, Problem] = {}
    west = pairing.west_region
    for f in spec.fields:
        text = raw.get(f.name)
        if f.type != "region" or not isinstance(text, str):
            continue
        text = text.strip()
        if not text or codes.is_digits(text):
            continue
        found = region_selectors.regions_named(text, within=west.code)
        if len(found) == 1:
            out[f.name] = found[0]
        elif found:
            listed = "、".join(f"{r.name}（{r.code}）" for r in found[:5])
            problems[f.label] = Problem(
                f"{west.name} 有 {len(found)} 处名为“{text}”的地区：{listed}，"
                "请填写代码或从列表中选择",
                f.label,
            )
        else:
            problems[f.label] = Problem(
                f"受帮扶方 {west.name} 之内没有名为“{text}”的地区：请填写区划代码或从列表中选择",
                f.label,
            )
    return out, problems


def _place_problems(spec: specs.Spec, pairing: Pairing, values: Mapping[str, Any]) -> list[Problem]:
    """Places and recipients lie in the helped (western) side of the pairing."""
    problems = []
    for f in spec.fields:
        region = values.get(f.name) if f.type == "region" else None
        if isinstance(region, Region) and not codes.within(region.code, pairing.west_region_id):
            problems.append(
                Problem(
                    f"{region.name}（{region.code}）不在受帮扶方 {pairing.west_region.name} 之内",
                    f.label,
                )
            )
    return problems


def _beneficiary_problems(pairing: Pairing, values: dict[str, Any]) -> list[Problem]:
    """Listed beneficiary households that are registered must live on the helped side; the
    count of households is at least the list's length."""
    from xiezuo.registry.models import Household

    numbers: list[str] = values["beneficiary_numbers"]
    villages = dict(
        Household.objects.filter(number__in=numbers).values_list("number", "village_id")
    )
    outside = [n for n, v in villages.items() if not codes.within(v, pairing.west_region_id)]
    if outside:
        return [
            Problem(
                f"户 {'、'.join(sorted(outside)[:5])} 登记在受帮扶方"
                f" {pairing.west_region.name} 以外",
                "受益户编号",
            )
        ]
    values["households"] = max(values.get("households") or 0, len(numbers))
    return []


def _large_problems(spec: specs.Spec, values: Mapping[str, Any], confirmed: bool) -> list[Problem]:
    """An amount over 10 亿元 in one record is rare — a county project of that size, or yuan
    typed into the 万元 column (5,000,000 元 read as 500 亿元): ask before saving. (Figures so
    large that they can only be yuan are refused outright by the spec.)"""
    if confirmed:
        return []
    if spec.kind == Kind.PROJECT:
        amounts = [
            (
                "东部财政资金（万元）",
                values["budget_east"]
                + (values["budget_local"] or 0)
                + (values["budget_social"] or 0),
            )
        ]
    else:
        amounts = [(f.label, values.get(f.name)) for f in spec.amounts]
    where = values.get("place") or values.get("recipient")
    level = "县级" if isinstance(where, Region) and where.level >= Level.COUNTY else ""
    return [
        Problem(
            f"{level}{spec.label} {total} 万元（{total / 10000:.2f} 亿元）超过 10 亿元："
            f"若是按元填写，应为 {total / 10000:.4f} 万元；确属实，请勾选或填写“确认大额”",
            label,
        )
        for label, total in amounts
        if total is not None and total > CONFIRM
    ]


def _people(raw: Sequence[PersonIn]) -> tuple[list[tuple[str, str]], list[Problem]]:
    out: list[tuple[str, str]] = []
    problems: list[Problem] = []
    seen: set[str] = set()
    for i, person in enumerate(raw, start=1):
        where = f"第 {i} 名人员"
        name = person.name.strip()
        if not name:
            problems.append(Problem("缺少姓名", where))
            continue
        check = idnumbers.check_id(person.id_number, allow_disability_card=True)
        if not check.ok:
            problems.append(Problem(f"{name}：{check.message}", where))
            continue
        if check.normalised in seen:
            problems.append(Problem(f"{name} 的证件号码在本条记录中重复", where))
            continue
        seen.add(check.normalised)
        out.append((name[:50], check.normalised))
    return out, problems


def record_check(
    *,
    actor: User | None,
    kind: str,
    pairing: Pairing,
    reporter: Region,
    year: int,
    raw: Mapping[str, Any],
    people: Sequence[PersonIn] = (),
    confirm_large: bool = False,
    record: Record | None = None,
) -> Checked:
    """Every rule of one record; raises UserError naming each field that is wrong. Writes
    nothing. `record` is the record being changed, if any."""
    spec = specs.spec(kind)
    check_reporter(actor, pairing, reporter)
    raw, named = _places_by_name(spec, pairing, raw)
    values, problems = specs.parse(spec, raw)
    # A place typed by a name that names nothing (or several) on the helped side: that, not
    # "not a code", is what its field is told.
    problems = [p for p in problems if p.where not in named] + list(named.values())
    if spec.people and people and not values.get("trainees") and "trainees" in values:
        values["trainees"] = len(people)
    if kind == Kind.TRAINING and not values.get("trainees"):
        problems.append(Problem("须填写培训人数，或列出学员", "培训人数"))
    if kind == Kind.PROJECT and not problems:
        values["budget_local"] = values["budget_local"] or 0
        values["budget_social"] = values["budget_social"] or 0
        values["confirmed_large"] = bool(values.get("confirmed_large")) or confirm_large
    problems += _year_problems(pairing, year, values.get("date"))
    if not problems and values.get("beneficiary_numbers"):
        problems += _beneficiary_problems(pairing, values)
    if not problems:
        problems += _place_problems(spec, pairing, values)
        problems += _large_problems(
            spec, values, confirm_large or bool(values.get("confirmed_large"))
        )
    checked_people, person_problems = _people(people) if spec.people else ([], [])
    problems += person_problems
    report = Report.objects.filter(pairing=pairing, reporter=reporter, year=year).first()
    if report is not None and report.state not in EDITABLE:
        problems.append(
            Problem(f"{year} 年报送已{report.get_state_display()}，记录不能再改动", "报送状态")
        )
    if record is not None and record.report.state not in EDITABLE:
        problems.append(Problem(f"该记录所在报送已{record.report.get_state_display()}", "报送状态"))
    if problems:
        raise UserError(f"{spec.label}记录未保存：{problems[0]}", problems)
    return Checked(spec, pairing, reporter, year, values, checked_people)


def _lock(report: Report) -> Report:
    """Hold the report's row until the transaction ends and read its state afresh: a submit and
    a save racing each other then run one after the other, never both on a stale state."""
    report.state = (
        Report.objects.select_for_update().values_list("state", flat=True).get(pk=report.pk)
    )
    return report


def _step(report: Report, action: str, actor: User | None, comment: str = "") -> None:
    ReportStep.objects.create(
        report=report,
        action=action,
        actor=actor if getattr(actor, "pk", None) else None,
        comment=comment,
    )


def _report_for(checked: Checked, actor: User | None) -> Report:
    east = checked.pairing.east_region_id
    side = Side.EAST if east and codes.within(checked.reporter.code, east) else Side.WEST
    report, made = Report.objects.get_or_create(
        pairing=checked.pairing,
        reporter=checked.reporter,
        year=checked.year,
        defaults={"side": side},
    )
    if made:
        _step(report, ReportStep.Action.DRAFTED, actor)
    _lock(report)
    if report.state not in EDITABLE:  # checked before, but a submit may have come in between
        raise UserError(f"{checked.year} 年报送已{report.get_state_display()}，记录不能再改动")
    return report


def _save_people(record: Record, people: list[tuple[str, str]]) -> None:
    link = {"training" if record._meta.model_name == "training" else "industry": record}
    hashes = {crypto.keyed_hash(number): (name, number) for name, number in people}
    members = dict(Member.objects.filter(id_hash__in=list(hashes)).values_list("id_hash", "pk"))
    Person.objects.filter(**link).delete()
    Person.objects.bulk_create(
        Person(
            **link,
            name=name,
            id_hash=key,
            id_enc=crypto.encrypt(number),
            id_masked=idnumbers.mask(number),
            member_id=members.get(key),
        )
        for key, (name, number) in hashes.items()
    )


def _save_beneficiaries(record: Record, numbers: list[str]) -> None:
    from xiezuo.registry.models import Household

    households = dict(Household.objects.filter(number__in=numbers).values_list("number", "pk"))
    Beneficiary.objects.filter(project_id=record.pk).delete()
    Beneficiary.objects.bulk_create(
        Beneficiary(project_id=record.pk, number=n, household_id=households.get(n)) for n in numbers
    )


@transaction.atomic
def record_save(*, actor: User | None, checked: Checked, record: Record | None = None) -> Record:
    """Write a checked record (new, or `record` changed)."""
    report = _report_for(checked, actor)
    values = dict(checked.values)
    before = snapshot(record) if record is not None else None
    who = actor if getattr(actor, "pk", None) else None
    if record is None:
        record = checked.spec.model(report=report, created_by=who)
    else:
        record.report = report
    record.updated_by = who
    # Lists stored beside the record (None: keep what is there).
    numbers = values.pop("beneficiary_numbers", None)
    for name, value in values.items():
        setattr(record, name, value)
    record.save()
    if numbers is not None:
        _save_beneficiaries(record, numbers)
    if checked.spec.people and checked.people:
        _save_people(record, checked.people)
    if before is None:
        audit_record(
            actor=actor, action=AuditEvent.Action.CREATE, obj=record, after=snapshot(record)
        )
    else:
        b, a = changed(before, snapshot(record))
        if a:
            audit_record(
                actor=actor, action=AuditEvent.Action.UPDATE, obj=record, before=b, after=a
            )
    return record


def record_create(
    *,
    actor: User | None,
    kind: str,
    pairing: Pairing,
    reporter: Region,
    year: int,
    raw: Mapping[str, Any],
    people: Sequence[PersonIn] = (),
    confirm_large: bool = False,
) -> Record:
    checked = record_check(
        actor=actor,
        kind=kind,
        pairing=pairing,
        reporter=reporter,
        year=year,
        raw=raw,
        people=people,
        confirm_large=confirm_large,
    )
    return record_save(actor=actor, checked=checked)


def record_update(
    *,
    actor: User | None,
    record: Record,
    raw: Mapping[str, Any],
    people: Sequence[PersonIn] | None = None,
    confirm_large: bool = False,
) -> Record:
    report = record.report
    kind = record._meta.model_name or ""
    checked = record_check(
        actor=actor,
        kind=kind,
        pairing=report.pairing,
        reporter=report.reporter,
        year=report.year,
        raw=raw,
        people=people or (),
        confirm_large=confirm_large,
        record=record,
    )
    return record_save(actor=actor, checked=checked, record=record)


@transaction.atomic
def record_delete(*, actor: User | None, record: Record) -> None:
    report = _lock(record.report)
    check_reporter(actor, report.pairing, report.reporter)
    if report.state not in EDITABLE:
        raise UserError(f"该记录所在报送已{report.get_state_display()}，不能删除")
    audit_record(actor=actor, action=AuditEvent.Action.DELETE, obj=record, before=snapshot(record))
    attachments.attachments_of_record_delete(actor=actor, record=record)
    record.delete()


# ---------------------------------------------------------------- report → review → lock


def report_records(report: Report) -> dict[str, int]:
    from xiezuo.cooperation.models import MODELS

    return {
        kind: model._default_manager.filter(report=report).count() for kind, model in MODELS.items()
    }


@transaction.atomic
def report_submit(*, actor: User | None, report: Report) -> Report:
    check_reporter(actor, report.pairing, report.reporter)
    _lock(report)
    if report.state not in EDITABLE:
        raise UserError(f"该报送已{report.get_state_display()}")
    if not any(report_records(report).values()):
        raise UserError("该报送还没有任何记录")
    report.state = State.SUBMITTED
    report.submitted_by = actor if getattr(actor, "pk", None) else None
    report.submitted_at = timezone.now()
    report.save(update_fields=["state", "submitted_by", "submitted_at"])
    _step(report, ReportStep.Action.SUBMITTED, actor)
    audit_record(
        actor=actor, action=AuditEvent.Action.UPDATE, obj=report, after={"state": "submitted"}
    )
    _tell(report, Told.REPORT_SUBMITTED, selectors.report_reviewers(report), actor)
    return report


@transaction.atomic
def report_review(
    *, actor: User | None, report: Report, approve: bool, comment: str = ""
) -> Report:
    _lock(report)
    policy.require_review(actor, report, approving=approve)
    if report.state != State.SUBMITTED:
        raise UserError(f"只有待审核的报送可以审核（现为“{report.get_state_display()}”）")
    if not approve and not comment.strip():
        raise UserError("退回须说明理由", [Problem("退回须说明理由", "审核意见")])
    report.state = State.APPROVED if approve else State.RETURNED
    report.reviewed_by = actor if getattr(actor, "pk", None) else None
    report.reviewed_at = timezone.now()
    report.comment = comment.strip()
    report.save(update_fields=["state", "reviewed_by", "reviewed_at", "comment"])
    _step(
        report,
        ReportStep.Action.APPROVED if approve else ReportStep.Action.RETURNED,
        actor,
        report.comment,
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=report,
        after={"state": report.state, "comment": report.comment},
    )
    told = Told.REPORT_APPROVED if approve else Told.REPORT_RETURNED
    _tell(report, told, selectors.report_unit_users(report), actor, reason=report.comment)
    return report


@transaction.atomic
def report_unlock(*, actor: User | None, report: Report, reason: str) -> Report:
    """Reopen approved data: only with a reason, which the audit trail keeps."""
    _lock(report)
    policy.require_review(actor, report, approving=False)
    if report.state != State.APPROVED:
        raise UserError("只有已审核锁定的报送需要解锁")
    if not reason.strip():
        raise UserError("解锁须说明理由", [Problem("解锁须说明理由", "理由")])
    report.state = State.RETURNED
    report.comment = f"解锁：{reason.strip()}"
    report.save(update_fields=["state", "comment"])
    _step(report, ReportStep.Action.UNLOCKED, actor, reason.strip())
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=report,
        before={"state": "approved"},
        after={"state": "returned"},
        summary=f"unlock: {reason.strip()}"[:200],
    )
    _tell(
        report,
        Told.REPORT_UNLOCKED,
        selectors.report_unit_users(report),
        actor,
        reason=reason.strip(),
    )
    return report


def _tell(
    report: Report, kind: Told, recipients: list[Any], actor: User | None, **more: str
) -> None:
    """A step of the report's way, told to those it concerns (computed by the selectors from
    each recipient's own scope)."""
    notify(
        kind=kind,
        recipients=recipients,
        params={
            "unit": report.reporter.name,
            "year": report.year,
            "pairing": str(report.pairing),
            **more,
        },
        link=reverse("web:coop_report", args=[report.pk]),
        actor=actor,
    )
