"""Changes to the registry: poverty lines, household status (with its history), and exits."""

from __future__ import annotations

import csv
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import transaction

from xiezuo.accounts.permissions import may_reveal_ids
from xiezuo.accounts.scope import scope_for
from xiezuo.audit.models import AuditEvent
from xiezuo.audit.services import audit_record
from xiezuo.core.errors import Forbidden, Problem, UserError
from xiezuo.paths import PACKAGE_DIR
from xiezuo.registry.choices import PovertyLineKind, Status
from xiezuo.registry.models import Household, PovertyLine, StatusChange

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


@transaction.atomic
def household_set_status(
    *, household: Household, status: str, actor: Any, year: int | None = None, reason: str = ""
) -> Household:
    """Move a household to a new status, keeping the history and the audit trail. Only an office
    of the household's own region may: a partner reads the registry, it does not change it."""
    if actor is not None and not scope_for(actor).covers_own(household.village_id):
        raise Forbidden("只有户籍所在地区的协作办可以修改贫困户状态")
    current = Status(household.status)
    target = Status(status)
    if target not in ALLOWED[current]:
        raise UserError(
            f"状态不能从“{current.label}”改为“{target.label}”",
            [Problem("不允许的状态变更", "字段 status")],
        )
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


@transaction.atomic
def member_reveal_id(*, member: Any, user: Any) -> str:
    """The full ID number of one member, for a user whose role allows it; every look is audited.

    The caller must already have fetched `member` through a scoped selector.
    """
    from xiezuo.core import crypto

    if not may_reveal_ids(user):
        raise PermissionError("您的角色不能查看完整证件号码")
    if not scope_for(user).covers_own(member.household.village_id):
        raise PermissionError("结对对方的完整证件号码不能查看：只能查看本地区的")
    audit_record(
        actor=user,
        action=AuditEvent.Action.VIEW,
        obj=member,
        object_repr=f"{member.name} {member.id_masked}",
        summary="viewed full ID number",
    )
    return crypto.decrypt(member.id_enc)
