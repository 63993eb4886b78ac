"""Who may report, change, submit, review and unlock cooperation records.

An office reports for units of its own subtree that are a side of the pairing; a reviewer is the
office one level above the reporting unit (a province's reports: the national office), never the
person who submitted the report, and never one who entered or last changed a record in it (four
eyes: whoever approves has not written what is approved).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q

from xiezuo.accounts import policy
from xiezuo.accounts.models import User
from xiezuo.cooperation.models import Record, Report
from xiezuo.core.errors import Forbidden
from xiezuo.pairing.choices import Status as PairingStatus
from xiezuo.pairing.models import Pairing
from xiezuo.regions import codes
from xiezuo.regions.models import Region


def require_import(actor: User | None) -> None:
    policy.require_role(actor, policy.IMPORT_ROLES, "只有填报人或管理员可以填报帮扶记录")


def require_report_for(actor: User | None, pairing: Pairing, reporter: Region) -> None:
    """Report (enter, change, delete, submit) records of `reporter` under `pairing`."""
    require_import(actor)
    if pairing.status in (PairingStatus.PROPOSED, PairingStatus.DECLINED):
        raise Forbidden.because(f"该结对{pairing.get_status_display()}，不能填报帮扶记录")
    if not policy.in_own_subtree(actor, reporter.code):
        raise Forbidden.because(f"您不能代 {reporter.name} 填报：只能填报本地区的记录")


def require_record(actor: User | None, record: Record) -> None:
    report = record.report
    require_report_for(actor, report.pairing, report.reporter)


def touched_by(actor: User, report_ids: Iterable[int]) -> set[int]:
    """Of these reports, those holding a record `actor` entered or last changed (one query per
    kind of record, however many reports a list shows)."""
    from xiezuo.cooperation.models import MODELS

    ids = list(report_ids)
    touched = Q(created_by=actor) | Q(updated_by=actor)
    found: set[int] = set()
    for model in MODELS.values():
        found.update(
            model._default_manager.filter(touched, report_id__in=ids).values_list(
                "report_id", flat=True
            )
        )
    return found


def require_review(
    actor: User | None, report: Report, *, approving: bool = True, touched: bool | None = None
) -> None:
    """`touched`: whether the actor wrote in the report, when the caller knows already."""
    if actor is None:
        return
    policy.require_role(actor, policy.REVIEW_ROLES, "只有审核人或管理员可以审核报送")
    if report.submitted_by_id is not None and report.submitted_by_id == actor.pk:
        raise Forbidden.because("报送人不能审核自己上报的报送")
    if not policy.is_national(actor) and actor.region_id != codes.parent_code(report.reporter_id):
        raise Forbidden.because("报送由上一级协作办审核：您不能审核本级、隔级或其他地区的报送")
    if touched is None:
        touched = approving and report.pk in touched_by(actor, [report.pk])
    if approving and touched:
        raise Forbidden.because("您填报或修改过该报送中的记录，不能审核通过它（须由他人审核）")
