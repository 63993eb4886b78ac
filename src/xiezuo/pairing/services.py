"""Changes to pairings, agreements, targets and tasks: each checks its rules, writes the audit
trail, and raises a UserError that names the field for anything it refuses."""

from __future__ import annotations

import csv
import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from xiezuo.audit.models import AuditEvent
from xiezuo.audit.services import audit_record, changed, snapshot
from xiezuo.core.errors import Problem, UserError
from xiezuo.pairing import policy, selectors
from xiezuo.pairing.choices import (
    HELPING_PROVINCES,
    MAX_TARGET,
    UNITS,
    WHOLE,
    Indicator,
    Kind,
    Level,
    OrganisationKind,
    Status,
    TaskStatus,
)
from xiezuo.pairing.models import Agreement, Organisation, Pairing, Target, Task
from xiezuo.paths import PACKAGE_DIR
from xiezuo.regions import codes
from xiezuo.regions.models import Region

if TYPE_CHECKING:
    from xiezuo.accounts.models import User

PAIRS_2016_CSV = PACKAGE_DIR / "pairing" / "data" / "east_west_pairs_2016.csv"
SOURCE_2016 = "2016 年东西部扶贫协作结对关系（《关于进一步加强东西部扶贫协作工作的指导意见》）"
YEARS = (2000, 2100)


# ---------------------------------------------------------------- pairings


def _level_for(west: Region, east_org: Organisation | None) -> int:
    if east_org is not None and east_org.kind in (
        OrganisationKind.ENTERPRISE,
        OrganisationKind.SOCIAL,
    ):
        return Level.ENTERPRISE_VILLAGE if west.level == Level.VILLAGE else west.level
    return int(west.level)


def _check_helper(
    east_region: Region | None, east_org: Organisation | None, west: Region, level: int
) -> list[Problem]:
    problems: list[Problem] = []
    if (east_region is None) == (east_org is None):
        return [Problem("须填写帮扶地区或帮扶单位，且只填其一", "帮扶方")]
    if level == Level.ENTERPRISE_VILLAGE and west.level != Level.VILLAGE:
        problems.append(Problem("万企帮万村的受帮扶方应是行政村", "受帮扶方"))
    if east_org is not None:
        seat = east_org.region_id or ""
        if east_org.kind != OrganisationKind.CENTRAL and seat[:2] not in HELPING_PROVINCES:
            problems.append(
                Problem(
                    f"帮扶单位“{east_org.name}”既不是中央单位，所在地也不在东部协作省市",
                    "帮扶方",
                )
            )
        return problems
    if west.code[:2] in HELPING_PROVINCES:
        problems.append(
            Problem(
                f"{west.name}（{west.code}）在东部协作省市，不能作为受帮扶方：受帮扶方应是西部地区",
                "受帮扶方",
            )
        )
    assert east_region is not None
    if east_region.code[:2] not in HELPING_PROVINCES:
        problems.append(
            Problem(
                f"{east_region.name}（{east_region.code}）不在东部协作省市，不能作为帮扶方；"
                "中央单位请按帮扶单位登记",
                "帮扶方",
            )
        )
    east_pfx, west_pfx = east_region.prefix, west.prefix
    if west.code.startswith(east_pfx) or east_region.code.startswith(west_pfx):
        problems.append(
            Problem(f"{east_region.name} 与 {west.name} 是同一地区或上下级，不能结对", "受帮扶方")
        )
    elif east_region.level > west.level:
        problems.append(
            Problem(
                f"帮扶方 {east_region.name} 的层级低于受帮扶方 {west.name}，请检查是否填反",
                "帮扶方",
            )
        )
    return problems


def _check_years(start_year: int, end_year: int | None) -> list[Problem]:
    problems = []
    if not YEARS[0] <= start_year <= YEARS[1]:
        problems.append(Problem(f"开始年份 {start_year} 不合理", "开始年份"))
    if end_year is not None and end_year < start_year:
        problems.append(Problem(f"结束年份 {end_year} 早于开始年份 {start_year}", "结束年份"))
    return problems


def _duplicate(
    kind: str,
    east_region: Region | None,
    east_org: Organisation | None,
    west: Region,
    *,
    exclude: int | None = None,
    statuses: tuple[str, ...] = (Status.ACTIVE,),
) -> Pairing | None:
    found = Pairing.objects.filter(
        kind=kind, status__in=statuses, west_region=west, east_region=east_region, east_org=east_org
    )
    if exclude is not None:
        found = found.exclude(pk=exclude)
    return found.select_related("east_region", "east_org", "west_region").first()


def _check_parent(
    east_region: Region | None, west: Region, level: int, parent: Pairing | None, reason: str
) -> tuple[Pairing | None, list[Problem]]:
    """A county (or lower) pair sits inside a higher pair; outside one it needs a reason."""
    if east_region is None or level < Level.COUNTY:
        if parent is not None and parent.level >= level:
            return parent, [Problem("上级结对的层级应高于本结对", "上级结对")]
        return parent, []
    if parent is None:
        found = selectors.containing_pairs(east_region.code, west.code, above_level=level)
        if found:
            return found[0], []
        if reason.strip():
            return None, []
        return None, [
            Problem(
                f"{east_region.name} → {west.name} 不在任何在结对的上级结对之内：请说明理由",
                "不在上级结对内的理由",
            )
        ]
    inside = parent.east_region_id is not None and (
        codes.within(east_region.code, parent.east_region_id)
        and codes.within(west.code, parent.west_region_id)
    )
    if parent.level >= level:
        return parent, [Problem("上级结对的层级应高于本结对", "上级结对")]
    if not inside and not reason.strip():
        return parent, [
            Problem(f"本结对不在上级结对（{parent}）之内：请说明理由", "不在上级结对内的理由")
        ]
    return parent, []


@dataclass
class PairingDraft:
    """A pairing before it is saved: what the form, the API or one import row asks for."""

    west: Region
    start_year: int
    east_region: Region | None = None
    east_org: Organisation | None = None
    kind: str = Kind.EAST_WEST
    end_year: int | None = None
    parent: Pairing | None = None
    outside_parent_reason: str = ""
    source: str = ""
    level: int = field(default=0, init=False)


def pairing_check(*, actor: User | None, draft: PairingDraft) -> PairingDraft:
    """Every rule of a new pairing; fills in its level and parent, or raises a UserError whose
    problems name the field they concern. Writes nothing."""
    draft.level = _level_for(draft.west, draft.east_org)
    policy.require_create(actor, draft.east_region, draft.east_org, draft.west)
    problems = _check_helper(draft.east_region, draft.east_org, draft.west, draft.level)
    if draft.kind not in Kind.values:
        problems.append(Problem(f"未知的结对类型“{draft.kind}”", "结对类型"))
    problems += _check_years(draft.start_year, draft.end_year)
    if not problems:
        existing = _duplicate(
            draft.kind,
            draft.east_region,
            draft.east_org,
            draft.west,
            statuses=(Status.ACTIVE, Status.PROPOSED),
        )
        if existing is not None:
            problems.append(
                Problem(
                    f"已有{existing.get_status_display()}的相同结对"
                    f"（编号 {existing.pk}：{existing}，自 {existing.start_year} 年）",
                    "受帮扶方",
                )
            )
    if not problems:
        draft.parent, found = _check_parent(
            draft.east_region, draft.west, draft.level, draft.parent, draft.outside_parent_reason
        )
        problems += found
    if problems:
        raise UserError("结对未登记：" + problems[0].message, problems)
    return draft


@transaction.atomic
def pairing_save(*, actor: User | None, draft: PairingDraft) -> Pairing:
    """Save a draft that `pairing_check` passed (the import checks all rows first). Registered by
    one side, it is proposed and waits for the other; the platform's and a national office's
    hold at once."""
    ended = bool(draft.end_year and draft.end_year < timezone.localdate().year)
    east = draft.east_region.code if draft.east_region else None
    if east is None and draft.east_org is not None:
        east = draft.east_org.region_id
    awaiting = "" if ended else policy.confirm_side(actor, east, draft.west.code)
    pairing = Pairing.objects.create(
        kind=draft.kind,
        level=draft.level,
        east_region=draft.east_region,
        east_org=draft.east_org,
        west_region=draft.west,
        parent=draft.parent,
        outside_parent_reason=draft.outside_parent_reason.strip(),
        start_year=draft.start_year,
        end_year=draft.end_year,
        status=Status.ENDED if ended else Status.PROPOSED if awaiting else Status.ACTIVE,
        confirm_side=awaiting,
        source=draft.source[:200],
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, obj=pairing, after=snapshot(pairing))
    if awaiting:
        _tell_proposed(pairing, actor)
    return pairing


def _tell_proposed(pairing: Pairing, actor: User | None) -> None:
    """The other side's offices are asked to confirm (those the policy lets, who can see it)."""
    from django.urls import reverse

    from xiezuo.notifications.models import Kind as Told
    from xiezuo.notifications.services import notify
    from xiezuo.pairing.selectors import pairing_confirmers

    proposer = pairing.west_region.name if pairing.confirm_side == "east" else pairing.east_name
    notify(
        kind=Told.PAIRING_PROPOSED,
        recipients=pairing_confirmers(pairing),
        params={"proposer": proposer, "pairing": str(pairing)},
        link=reverse("web:pairing_detail", args=[pairing.pk]),
        actor=actor,
    )


@transaction.atomic
def pairing_create(
    *,
    actor: User | None,
    west: Region,
    start_year: int,
    east_region: Region | None = None,
    east_org: Organisation | None = None,
    kind: str = Kind.EAST_WEST,
    end_year: int | None = None,
    parent: Pairing | None = None,
    outside_parent_reason: str = "",
    source: str = "",
) -> Pairing:
    """Register a pairing after checking every rule."""
    draft = PairingDraft(
        west=west,
        start_year=start_year,
        east_region=east_region,
        east_org=east_org,
        kind=kind,
        end_year=end_year,
        parent=parent,
        outside_parent_reason=outside_parent_reason,
        source=source,
    )
    return pairing_save(actor=actor, draft=pairing_check(actor=actor, draft=draft))


def may_change_pairing(actor: User | None, pairing: Pairing) -> None:
    """Raise Forbidden unless the actor may change this pairing (the import asks before its
    preview, so a file it cannot write never looks clean)."""
    policy.require_change(actor, pairing)


def _decide(actor: User | None, pairing: Pairing, *, confirm: bool, reason: str) -> Pairing:
    policy.require_confirm(actor, pairing)
    if not confirm and not reason.strip():
        raise UserError("不确认须说明理由", [Problem("不确认须说明理由", "理由")])
    if confirm and _duplicate(
        pairing.kind, pairing.east_region, pairing.east_org, pairing.west_region, exclude=pairing.pk
    ):
        raise UserError("已有在结对的相同结对：该提议不能再确认")
    before = snapshot(pairing)
    pairing.status = Status.ACTIVE if confirm else Status.DECLINED
    pairing.confirmed_by = actor if getattr(actor, "pk", None) else None
    pairing.confirmed_at = timezone.now()
    pairing.save(update_fields=["status", "confirmed_by", "confirmed_at"])
    b, a = changed(before, snapshot(pairing))
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=pairing,
        before=b,
        after=a,
        summary=("confirmed" if confirm else f"declined: {reason.strip()}")[:200],
    )
    return pairing


@transaction.atomic
def pairing_confirm(*, actor: User | None, pairing: Pairing) -> Pairing:
    """The other side confirms a proposed pairing: from now on it holds, and each side sees the
    other."""
    return _decide(actor, _locked(pairing), confirm=True, reason="")


@transaction.atomic
def pairing_decline(*, actor: User | None, pairing: Pairing, reason: str) -> Pairing:
    """The other side declines a proposed pairing, saying why; it never takes effect."""
    return _decide(actor, _locked(pairing), confirm=False, reason=reason)


def _locked(pairing: Pairing) -> Pairing:
    pairing.status = (
        Pairing.objects.select_for_update().values_list("status", flat=True).get(pk=pairing.pk)
    )
    return pairing


@transaction.atomic
def pairing_update(
    *, actor: User | None, pairing: Pairing, end_year: int | None, outside_parent_reason: str = ""
) -> bool:
    """Change a pairing's planned end year and its reason; returns whether anything changed."""
    may_change_pairing(actor, pairing)
    problems = _check_years(pairing.start_year, end_year)
    if problems:
        raise UserError("结对未修改：" + problems[0].message, problems)
    before = snapshot(pairing)
    pairing.end_year = end_year
    if outside_parent_reason.strip():
        pairing.outside_parent_reason = outside_parent_reason.strip()
    if end_year is not None and end_year < timezone.localdate().year:
        pairing.status = Status.ENDED  # an end year in the past ends it now, as on creation
    b, a = changed(before, snapshot(pairing))
    if not a:
        return False
    pairing.save(update_fields=["end_year", "outside_parent_reason", "status"])
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=pairing, before=b, after=a)
    return True


@transaction.atomic
def pairing_end(
    *, actor: User | None, pairing: Pairing, end_year: int, reason: str = ""
) -> Pairing:
    """End a pairing (its history stays). Pairs inside it must be ended first, so none dangles."""
    policy.require_change(actor, pairing, what="结束它")
    if pairing.status == Status.ENDED:
        raise UserError(f"结对 {pairing} 已于 {pairing.end_year} 年结束")
    if end_year < pairing.start_year:
        raise UserError(
            f"结束年份 {end_year} 早于开始年份 {pairing.start_year}",
            [Problem(f"结束年份 {end_year} 早于开始年份 {pairing.start_year}", "结束年份")],
        )
    open_children = pairing.children.filter(status=Status.ACTIVE).count()
    if open_children:
        raise UserError(f"该结对下还有 {open_children} 个在结对的下级结对：请先结束它们")
    before = snapshot(pairing)
    pairing.status, pairing.end_year = Status.ENDED, end_year
    pairing.save(update_fields=["status", "end_year"])
    b, a = changed(before, snapshot(pairing))
    audit_record(
        actor=actor, action=AuditEvent.Action.UPDATE, obj=pairing, before=b, after=a, summary=reason
    )
    return pairing


@transaction.atomic
def organisation_get_or_create(
    *, actor: User | None, name: str, kind: str, region: Region | None = None, credit_code: str = ""
) -> Organisation:
    name = name.strip()
    if not name:
        raise UserError("单位名称不能为空", [Problem("单位名称不能为空", "帮扶单位")])
    if kind not in OrganisationKind.values:
        raise UserError(f"未知的单位类型“{kind}”", [Problem(f"未知的单位类型“{kind}”", "单位类型")])
    org = Organisation.objects.filter(name=name).first()
    if org is not None:
        return org
    policy.require_organisation(actor, region.code if region else None)
    org = Organisation.objects.create(name=name, kind=kind, region=region, credit_code=credit_code)
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, obj=org, after=snapshot(org))
    return org


@transaction.atomic
def pairs_2016_load(*, actor: User | None, path: Path = PAIRS_2016_CSV) -> int:
    """Load the published 2016 province and prefecture pairs; those already present are kept.

    Returns the number of pairings created."""
    problems: list[Problem] = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = [(reader.line_num, row) for row in reader]
    wanted = {row[k] for _, row in rows for k in ("east_code", "west_code")}
    regions = Region.objects.in_bulk(list(wanted))
    created = 0
    for line, row in rows:
        east, west = regions.get(row["east_code"]), regions.get(row["west_code"])
        for code, region, col in (
            (row["east_code"], east, "east_code"),
            (row["west_code"], west, "west_code"),
        ):
            if region is None:
                problems.append(
                    Problem(f"区划代码 {code} 未加载", f"{path.name} 第 {line} 行 {col} 列")
                )
        if east is None or west is None:
            continue
        if _duplicate(Kind.EAST_WEST, east, None, west) is not None:
            continue
        pairing_create(
            actor=actor, east_region=east, west=west, start_year=2016, source=SOURCE_2016
        )
        created += 1
    if problems:
        raise UserError(f"2016 年结对名单有 {len(problems)} 处错误，未写入任何数据", problems)
    return created


# ---------------------------------------------------------------- agreements, targets, tasks


@transaction.atomic
def agreement_create(
    *,
    actor: User | None,
    pairing: Pairing,
    year: int,
    signed_on: datetime.date | None = None,
    note: str = "",
) -> Agreement:
    policy.require_plan(actor, pairing, "签订协议")
    problems = []
    last = pairing.end_year or YEARS[1]
    if not pairing.start_year <= year <= last:
        problems.append(
            Problem(
                f"{year} 年不在结对期间（{pairing.start_year}–{pairing.end_year or ''}）", "年度"
            )
        )
    if Agreement.objects.filter(pairing=pairing, year=year).exists():
        problems.append(Problem(f"该结对已有 {year} 年度协议", "年度"))
    if signed_on is not None and signed_on.year not in (year - 1, year):
        problems.append(Problem(f"签订日期 {signed_on} 与协议年度 {year} 不符", "签订日期"))
    if problems:
        raise UserError("协议未创建：" + problems[0].message, problems)
    agreement = Agreement.objects.create(
        pairing=pairing,
        year=year,
        signed_on=signed_on,
        note=note.strip(),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    audit_record(
        actor=actor, action=AuditEvent.Action.CREATE, obj=agreement, after=snapshot(agreement)
    )
    return agreement


def _decimal(raw: Any, field: str) -> Decimal:
    try:
        value = Decimal(str(raw).strip().replace(",", ""))
    except InvalidOperation:
        raise UserError(f"“{raw}”不是数字", [Problem(f"“{raw}”不是数字", field)]) from None
    if not value.is_finite():
        raise UserError(f"“{raw}”不是数字", [Problem(f"“{raw}”不是数字", field)])
    return value


def check_target(
    agreement: Agreement, indicator: str, value: Any, deadline: datetime.date | None
) -> list[Problem]:
    """The rules of one target, shared by the form, the API and the Excel import."""
    problems = []
    if indicator not in Indicator.values:
        problems.append(Problem(f"未知的指标“{indicator}”", "指标"))
    try:
        amount = _decimal(value, "目标值")
    except UserError as exc:
        return problems + exc.problems
    unit = UNITS.get(indicator, "")
    if amount <= 0:
        problems.append(Problem(f"目标值应大于 0（现为 {amount}）", "目标值"))
    elif amount > MAX_TARGET:
        problems.append(Problem(f"目标值 {amount} {unit} 超出合理范围，请检查单位", "目标值"))
    elif indicator in WHOLE and amount != amount.to_integral_value():
        problems.append(Problem(f"{unit}数应为整数（现为 {amount}）", "目标值"))
    if deadline is None:
        problems.append(Problem("须填写截止日期", "截止日期"))
    elif deadline.year != agreement.year:
        problems.append(
            Problem(f"截止日期 {deadline} 不在协议年度 {agreement.year} 内", "截止日期")
        )
    return problems


@transaction.atomic
def target_set(
    *,
    actor: User | None,
    agreement: Agreement,
    indicator: str,
    value: Any,
    deadline: datetime.date | None,
    responsible_unit: str,
    responsible_person: str = "",
    owner: Any = None,
) -> Target:
    """Create or update the agreement's target for one indicator (one target per indicator)."""
    policy.require_plan(actor, agreement.pairing, "设定目标")
    problems = check_target(agreement, indicator, value, deadline)
    if not responsible_unit.strip():
        problems.append(Problem("须填写责任单位", "责任单位"))
    problems += _owner_problems(owner, agreement.pairing)
    if problems:
        raise UserError("目标未保存：" + problems[0].message, problems)
    assert deadline is not None
    target = Target.objects.filter(agreement=agreement, indicator=indicator).first()
    before = snapshot(target) if target else None
    if target is None:
        target = Target(agreement=agreement, indicator=indicator)
    target.value = _decimal(value, "目标值")
    target.deadline = deadline
    target.responsible_unit = responsible_unit.strip()[:200]
    target.responsible_person = responsible_person.strip()[:100]
    target.owner = owner
    target.save()
    after = snapshot(target)
    if before is None:
        audit_record(actor=actor, action=AuditEvent.Action.CREATE, obj=target, after=after)
    else:
        b, a = changed(before, after)
        if a:
            audit_record(
                actor=actor, action=AuditEvent.Action.UPDATE, obj=target, before=b, after=a
            )
    return target


def _owner_problems(owner: Any, pairing: Pairing) -> list[Problem]:
    """An owner works in the office of one side of the pairing or above it (its own region, not
    a partner's): whoever answers for a target belongs to the pairing, and sees it."""
    if owner is None:
        return []
    region = owner.region_id or ""
    sides = [c for c in (pairing.east_region_id, pairing.west_region_id) if c]
    if region and any(codes.within(side, region) for side in sides):
        return []
    return [Problem(f"责任人账号 {owner.username} 不属于该结对的任何一方", "责任人账号")]


DEFAULT_MILESTONES = (25, 50, 75, 100)


@transaction.atomic
def target_schedule(
    *,
    actor: User | None,
    target: Target,
    shares: Sequence[int] = DEFAULT_MILESTONES,
    plan_days: int = 30,
) -> list[Task]:
    """Schedule back from the deadline (倒排工期): a work plan first, then milestones that reach
    each share of the target at equal steps ending on the deadline. Open tasks of an earlier
    schedule are replaced; finished ones stay as the record of what was done."""
    policy.require_plan(actor, target.agreement.pairing, "安排任务")
    start = target.agreement.signed_on or datetime.date(target.agreement.year, 1, 1)
    span = (target.deadline - start).days
    if span < len(shares):
        raise UserError(
            f"从 {start} 到截止日期 {target.deadline} 时间太短，排不下 {len(shares)} 个节点",
            [Problem("截止日期过近", "截止日期")],
        )
    if sorted(shares) != list(shares) or not shares or shares[-1] != 100 or shares[0] <= 0:
        raise UserError("节点比例应从小到大排列，最后一个为 100%")
    target.tasks.exclude(status=TaskStatus.DONE).delete()
    owner = target.owner
    # The plan comes first: due before the first milestone even when the time is short, and
    # the milestones share what is left after it.
    plan_due = start + datetime.timedelta(days=min(plan_days, span // (len(shares) + 1)))
    tasks = [
        Task(
            target=target,
            title=target.task_title(None),
            due=plan_due,
            owner=owner,
        )
    ]
    step = (target.deadline - plan_due).days / len(shares)
    for i, share in enumerate(shares):
        # Counted back from the deadline: the last milestone is the deadline itself.
        due = target.deadline - datetime.timedelta(days=round(step * (len(shares) - 1 - i)))
        tasks.append(
            Task(
                target=target,
                title=target.task_title(share),
                due=due,
                share=share,
                owner=owner,
            )
        )
    Task.objects.bulk_create(tasks)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=target,
        after={"tasks": [f"{t.due} {t.title}" for t in tasks]},
        summary="倒排工期",
    )
    return tasks


@transaction.atomic
def task_create(
    *, actor: User | None, target: Target, title: str, due: datetime.date, owner: Any = None
) -> Task:
    policy.require_plan(actor, target.agreement.pairing, "安排任务")
    problems = []
    if not title.strip():
        problems.append(Problem("须填写任务内容", "任务"))
    if due > target.deadline:
        problems.append(Problem(f"任务期限 {due} 晚于目标截止日期 {target.deadline}", "期限"))
    problems += _owner_problems(owner, target.agreement.pairing)
    if problems:
        raise UserError("任务未创建：" + problems[0].message, problems)
    task = Task.objects.create(target=target, title=title.strip()[:200], due=due, owner=owner)
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, obj=task, after=snapshot(task))
    return task


@transaction.atomic
def task_set_status(*, actor: User | None, task: Task, status: str) -> Task:
    """The task's owner, or a planner of the pairing, moves it on."""
    if status not in TaskStatus.values:
        raise UserError(f"未知的任务状态“{status}”", [Problem(f"未知的任务状态“{status}”", "状态")])
    policy.require_task_status(actor, task)
    before = snapshot(task)
    task.status = status
    task.done_on = timezone.localdate() if status == TaskStatus.DONE else None
    task.save(update_fields=["status", "done_on"])
    b, a = changed(before, snapshot(task))
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=task, before=b, after=a)
    return task


@transaction.atomic
def organisation_save(*, actor: User | None, organisation: Organisation, created: bool) -> None:
    """The admin's way in for helping organisations: checked against the seat before and after
    the change (nobody moves an organisation out of another office's region, or into its own)."""
    if not created:
        current = Organisation.objects.filter(pk=organisation.pk).values_list(
            "region_id", flat=True
        )
        policy.require_organisation(actor, current.first())
    policy.require_organisation(actor, organisation.region_id)
    before = None if created else snapshot(Organisation.objects.get(pk=organisation.pk))
    organisation.save()
    after = snapshot(organisation)
    if before is None:
        audit_record(actor=actor, action=AuditEvent.Action.CREATE, obj=organisation, after=after)
    else:
        b, a = changed(before, after)
        if a:
            audit_record(
                actor=actor, action=AuditEvent.Action.UPDATE, obj=organisation, before=b, after=a
            )
