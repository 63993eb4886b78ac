"""Changes to the registry: poverty lines, household status (with its history), and exits."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from xiezuo.audit.models import AuditEvent
from xiezuo.audit.services import audit_record
from xiezuo.core.errors import Forbidden, Problem, UserError
from xiezuo.paths import PACKAGE_DIR
from xiezuo.regions import codes
from xiezuo.registry import policy
from xiezuo.registry.choices import PovertyLineKind, Status
from xiezuo.registry.models import Household, Member, PovertyLine, ScopeConflict, StatusChange

if TYPE_CHECKING:
    from xiezuo.accounts.models import User

POVERTY_LINES_CSV = PACKAGE_DIR / "registry" / "data" / "poverty_lines.csv"

# Which status may follow which: a returned household can exit again; a cancelled record ends.
ALLOWED = {
    Status.NEW: {Status.NOT_EXITED, Status.EXITED, Status.CANCELLED},
    Status.NOT_EXITED: {Status.EXITED, Status.CANCELLED},
    Status.EXITED: {Status.RETURNED, Status.CANCELLED},
    Status.RETURNED: {Status.EXITED, Status.NOT_EXITED, Status.CANCELLED},
    Status.CANCELLED: set(),
}


@transaction.atomic
def poverty_lines_load(*, actor: Any, path: Path = POVERTY_LINES_CSV) -> int:
    """Replace the poverty-line table from a CSV of year, amount, kind, source."""
    problems: list[Problem] = []
    lines: list[PovertyLine] = []
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            for row in reader:
                where = f"{path.name} 第 {reader.line_num} 行"
                try:
                    year = int(row.get("year") or "")
                    amount = Decimal(row.get("amount") or "")
                except (ValueError, InvalidOperation):
                    problems.append(Problem("年份或金额不是数字", where))
                    continue
                kind = (row.get("kind") or PovertyLineKind.POVERTY_LINE).strip()
                if kind not in PovertyLineKind.values:
                    problems.append(Problem(f"未知的标准类型“{kind}”", f"{where} kind 列"))
                    continue
                if not (2000 <= year <= 2100 and 0 < amount < 100000):
                    problems.append(Problem(f"{year} 年标准 {amount} 元不合理", where))
                    continue
                lines.append(
                    PovertyLine(
                        year=year, amount=amount, kind=kind, source=(row.get("source") or "")[:300]
                    )
                )
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise UserError(f"无法读取 {path.name}：{exc}") from exc
    if problems:
        raise UserError(f"扶贫标准表有 {len(problems)} 处错误，未写入任何数据", problems)
    PovertyLine.objects.all().delete()
    PovertyLine.objects.bulk_create(lines)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.LOAD,
        object_type="registry.povertyline",
        object_repr="扶贫标准",
        after={"years": [line.year for line in lines]},
    )
    return len(lines)


def transition_problem(current: str, target: str) -> str | None:
    """Why a household may not move from `current` to `target` (None: it may, or nothing
    changes). The one table every door follows: the status page and API, and the import."""
    if current == target:
        return None
    if Status(target) not in ALLOWED[Status(current)]:
        return f"状态不能从“{Status(current).label}”改为“{Status(target).label}”"
    return None


@transaction.atomic
def household_set_status(
    *,
    household: Household,
    status: str,
    actor: User | None,
    year: int | None = None,
    reason: str = "",
) -> Household:
    """Move a household to a new status, keeping the history and the audit trail. Only an office
    of the household's own region may: a partner reads the registry, it does not change it."""
    policy.require_change_status(actor, household)
    if status not in Status.values:
        raise UserError(f"未知的状态“{status}”", [Problem("未知的状态", "字段 status")])
    current = Status(household.status)
    target = Status(status)
    problem = transition_problem(current, target) if current != target else "状态没有变化"
    if problem:
        raise UserError(problem, [Problem("不允许的状态变更", "字段 status")])
    if target == Status.EXITED and year is None:
        raise UserError("标记脱贫须注明脱贫年份", [Problem("缺少脱贫年份", "字段 year")])
    before = {"status": household.status, "exit_year": household.exit_year}
    household.status = target
    if target == Status.EXITED:
        household.exit_year = year
    household.save(update_fields=["status", "exit_year", "updated_at"])
    StatusChange.objects.create(
        household=household,
        from_status=current,
        to_status=target,
        year=year,
        reason=reason[:300],
        actor=actor if getattr(actor, "pk", None) else None,
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=household,
        before=before,
        after={"status": household.status, "exit_year": household.exit_year},
        summary=reason[:200],
    )
    return household


def member_reveal_id(*, member: Member, user: User) -> str:
    """The full ID number of one member, for a user whose role allows it; every look, and every
    refused look, is audited. The caller fetched `member` through a scoped selector."""
    from xiezuo.accounts.services import audit_refusal
    from xiezuo.core import crypto

    try:
        policy.require_reveal(user, member)
    except Forbidden as exc:
        audit_refusal(actor=user, what=f"查看 {member.name} 的完整证件号码", exc=exc, obj=member)
        raise
    audit_record(
        actor=user,
        action=AuditEvent.Action.VIEW,
        obj=member,
        object_repr=f"{member.name} {member.id_masked}",
        summary="viewed full ID number",
    )
    return crypto.decrypt(member.id_enc)


# ---------------------------------------------------------------- scope conflicts


@dataclass(frozen=True)
class Conflict:
    """What a checked import row asked for that lies outside its uploader's subtree."""

    kind: str  # ScopeConflict.Kind
    number: str  # the household number the file gives
    existing: int  # the registered household (pk) it collides with
    village: str  # the village the file puts it in
    member: int | None = None
    row: int | None = None


def nearest_office(a: str, b: str) -> str | None:
    """The deepest region whose subtree holds both codes (None: only the nation does)."""
    above_a = [a, *codes.ancestors(a)]
    above_b = {b, *codes.ancestors(b)}
    return next((code for code in above_a if code in above_b), None)


def conflicts_raise(*, actor: User | None, batch: Any, conflicts: list[Conflict]) -> int:
    """Put each refused cross-scope row before the office above both sides, once (checking the
    same file again adds nothing), and keep the refusal on the audit trail. How many are new."""
    from xiezuo.accounts.services import audit_refusal

    villages = dict(
        Household.objects.filter(pk__in={c.existing for c in conflicts}).values_list(
            "pk", "village_id"
        )
    )
    new = 0
    with transaction.atomic():
        for c in conflicts:
            found = ScopeConflict.objects.filter(
                state=ScopeConflict.State.OPEN,
                kind=c.kind,
                existing_id=c.existing,
                member__isnull=c.member is None,
                **({"member_id": c.member} if c.member is not None else {}),
                wanted_village_id=c.village,
                household_number=c.number,
            )
            if found.exists():
                continue
            ScopeConflict.objects.create(
                kind=c.kind,
                household_number=c.number,
                existing_id=c.existing,
                member_id=c.member,
                wanted_village_id=c.village,
                office_id=nearest_office(villages[c.existing], c.village),
                batch=batch,
                row=c.row,
                raised_by=actor if getattr(actor, "pk", None) else None,
            )
            new += 1
    if actor is not None:
        audit_refusal(
            actor=actor,
            what=f"导入批次 {batch.pk}：{len(conflicts)} 处涉及管辖范围以外的户或人",
            exc=Forbidden("导入涉及管辖范围以外的户或人，已提交上级协作办核实"),
            obj=batch,
        )
    return new


@transaction.atomic
def conflict_resolve(
    *, actor: User | None, conflict: ScopeConflict, transfer: bool, note: str
) -> ScopeConflict:
    """The office above both sides decides. Transfer: the household moves to the village the
    file gave (a member moves to the file's household, or leaves the old one when that
    household is not registered yet, so the file can register him). Dismiss: nothing moves.
    Either way with a written reason, on the audit trail."""
    policy.require_resolve(actor, conflict)
    if conflict.state != ScopeConflict.State.OPEN:
        raise UserError(f"该冲突已{conflict.get_state_display()}")
    if not note.strip():
        raise UserError("处理冲突须说明理由", [Problem("处理冲突须说明理由", "理由")])
    if transfer:
        _transfer(actor, conflict)
    before = {"state": conflict.state}
    conflict.state = ScopeConflict.State.TRANSFERRED if transfer else ScopeConflict.State.DISMISSED
    conflict.note = note.strip()[:300]
    conflict.decided_by = actor if getattr(actor, "pk", None) else None
    conflict.decided_at = timezone.now()
    conflict.save(update_fields=["state", "note", "decided_by", "decided_at"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=conflict,
        before=before,
        after={"state": conflict.state},
        summary=conflict.note[:200],
    )
    return conflict


def _transfer(actor: User | None, conflict: ScopeConflict) -> None:
    household = conflict.existing
    if conflict.kind == ScopeConflict.Kind.HOUSEHOLD:
        before = {"village": household.village_id}
        household.village_id = conflict.wanted_village_id
        household.save(update_fields=["village", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditEvent.Action.UPDATE,
            obj=household,
            before=before,
            after={"village": household.village_id},
            summary=f"scope conflict {conflict.pk}: transferred",
        )
        return
    member = conflict.member
    if member is None:
        raise UserError("该成员已不在登记中：请驳回该冲突")
    target = Household.objects.filter(number=conflict.household_number).first()
    if target is not None and not codes.within(target.village_id, conflict.wanted_village_id):
        target = None  # a household of that number elsewhere is not the one the file meant
    snap = {"household": member.household_id, "name": member.name}
    if target is None:
        member.delete()
        after: dict[str, Any] = {"household": None}
    else:
        member.household = target
        member.save(update_fields=["household"])
        after = {"household": target.pk}
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=household,
        before=snap,
        after=after,
        summary=f"scope conflict {conflict.pk}: member transferred",
    )
