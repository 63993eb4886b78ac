"""Reads of pairings, agreements, targets and tasks, always through the user's region scope."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from django.db.models import Prefetch, Q, QuerySet

from xiezuo.accounts.scope import RegionScope, scope_for
from xiezuo.core.errors import NotFound
from xiezuo.pairing import progress
from xiezuo.pairing.choices import Kind, Level, Status, TaskStatus
from xiezuo.pairing.models import Agreement, Pairing, Proposal, Target, Task
from xiezuo.regions import codes

AT_RISK_DAYS = 14  # an open task due within two weeks is at risk


def partner_codes(region_code: str) -> list[str]:
    """The regions paired with `region_code`'s subtree: for each active pairing with one side in
    the subtree, the other side. A province office sees the partners of all its counties' pairs;
    a county office only those of its own pairs (not its prefecture's partner as a whole)."""
    this_year = datetime.date.today().year
    current = Q(end_year__isnull=True) | Q(end_year__gte=this_year)
    rows = Pairing.objects.filter(current, status=Status.ACTIVE).filter(
        codes.subtree_q("east_region_id", region_code)
        | codes.subtree_q("west_region_id", region_code)
    )
    pfx = codes.prefix(region_code, codes.level_of(region_code))
    out: set[str] = set()
    for east, west in rows.values_list("east_region_id", "west_region_id"):
        if east is not None and east.startswith(pfx):
            out.add(west)
        elif east is not None:
            out.add(east)
    return sorted(out)


def visible_q(scope: RegionScope) -> Q:
    return scope.pairing_q()


def pairing_list(
    *,
    user: Any,
    level: int | None = None,
    kind: str = "",
    status: str = "",
    region: str = "",
    text: str = "",
) -> QuerySet[Pairing]:
    qs = Pairing.objects.filter(visible_q(scope_for(user))).select_related(
        "east_region",
        "east_org",
        "west_region",
        # The list shows each pair's parent by name.
        "parent__east_region",
        "parent__east_org",
        "parent__west_region",
    )
    if level:
        qs = qs.filter(level=level)
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    if region and codes.is_well_formed(region):
        qs = qs.filter(
            codes.subtree_q("east_region_id", region) | codes.subtree_q("west_region_id", region)
        )
    if text:
        qs = qs.filter(
            Q(east_region__name__contains=text)
            | Q(west_region__name__contains=text)
            | Q(east_org__name__contains=text)
        )
    return qs


def pairing_visible(*, user: Any, pk: int) -> Pairing | None:
    """The pairing if the user may see it, else None."""
    return (
        Pairing.objects.filter(visible_q(scope_for(user)), pk=pk)
        .select_related("east_region", "east_org", "west_region", "parent", "created_by")
        .first()
    )


def pairing_get(*, user: Any, pk: int) -> Pairing:
    found = pairing_visible(user=user, pk=pk)
    if found is None:
        raise NotFound(f"没有编号为 {pk} 的结对，或您无权查看")
    return found


def pairing_children(pairing: Pairing) -> QuerySet[Pairing]:
    return pairing.children.select_related("east_region", "east_org", "west_region")


def containing_pairs(east_code: str, west_code: str, *, above_level: int) -> list[Pairing]:
    """Active region pairs whose two sides contain the given ones, most specific first."""
    found = [
        p
        for p in Pairing.objects.filter(
            status=Status.ACTIVE,
            east_region__isnull=False,
            level__lt=above_level,
            east_region_id__in=[east_code, *codes.ancestors(east_code)],
            west_region_id__in=[west_code, *codes.ancestors(west_code)],
        ).select_related("east_region", "west_region")
    ]
    found.sort(key=lambda p: (-p.level, -len(p.east_region_id or "")))
    return found


def agreements_of(pairing: Pairing) -> QuerySet[Agreement]:
    return pairing.agreements.prefetch_related(
        Prefetch(
            "targets",
            queryset=Target.objects.select_related("owner").prefetch_related(
                Prefetch("tasks", queryset=Task.objects.select_related("owner"))
            ),
        )
    )


M = TypeVar("M", Agreement, Target, Task)


def _get_under_pairing(
    model: type[M], *, user: Any, pk: int, path: str, what: str, related: tuple[str, ...]
) -> M:
    """One object that hangs off a pairing (by `path`), if the user may see that pairing."""
    found = (
        model._default_manager.filter(pk=pk)
        .filter(_pairing_visible(user, path))
        .select_related(*related)
        .first()
    )
    if found is None:
        raise NotFound(f"没有编号为 {pk} 的{what}，或您无权查看")
    return found


def agreement_get(*, user: Any, pk: int) -> Agreement:
    return _get_under_pairing(
        Agreement,
        user=user,
        pk=pk,
        path="pairing__",
        what="协议",
        related=("pairing", "pairing__east_region", "pairing__west_region"),
    )


def target_get(*, user: Any, pk: int) -> Target:
    return _get_under_pairing(
        Target,
        user=user,
        pk=pk,
        path="agreement__pairing__",
        what="目标",
        related=("agreement", "agreement__pairing", "owner"),
    )


def task_get(*, user: Any, pk: int) -> Task:
    return _get_under_pairing(
        Task,
        user=user,
        pk=pk,
        path="target__agreement__pairing__",
        what="任务",
        related=("target", "target__agreement__pairing", "owner"),
    )


def _pairing_visible(user: Any, path: str) -> Q:
    return scope_for(user).pairing_q(path)


@dataclass(frozen=True)
class TargetProgress:
    actual: Decimal | None  # None: nothing recorded yet that measures this indicator
    share: float | None  # actual / target
    expected: float  # share of the target the schedule expects by today
    state: str  # done / on_track / at_risk / overdue / unmeasured

    @property
    def percent(self) -> int | None:
        return None if self.share is None else round(self.share * 100)


def target_progress(target: Target, *, today: datetime.date) -> TargetProgress:
    actual = progress.measure(target)
    start = datetime.date(target.agreement.year, 1, 1)
    span = max((target.deadline - start).days, 1)
    expected = min(max((today - start).days / span, 0.0), 1.0)
    if actual is None:
        return TargetProgress(None, None, expected, "unmeasured")
    share = float(actual / target.value)
    if share >= 1:
        state = "done"
    elif today > target.deadline:
        state = "overdue"
    elif share + 0.2 < expected:  # more than 20 points behind the calendar
        state = "at_risk"
    else:
        state = "on_track"
    return TargetProgress(actual, share, expected, state)


@dataclass(frozen=True)
class TaskAlerts:
    overdue: list[Task]
    at_risk: list[Task]


def tasks_alerts(*, user: Any, today: datetime.date) -> TaskAlerts:
    """The open tasks the user owns that are overdue or due soon: the home page's warning list."""
    if not getattr(user, "is_authenticated", False):
        return TaskAlerts([], [])
    open_tasks = (
        Task.objects.filter(owner=user)
        # Only pairings the owner belongs to: an owner named by someone else sees nothing more.
        .filter(_pairing_visible(user, "target__agreement__pairing__"))
        .exclude(status=TaskStatus.DONE)
        .filter(due__lte=today + datetime.timedelta(days=AT_RISK_DAYS))
        .select_related(
            "target",
            "target__agreement",
            "target__agreement__pairing__east_region",
            "target__agreement__pairing__east_org",
            "target__agreement__pairing__west_region",
        )
    )
    progress_of: dict[int, TargetProgress] = {}
    tasks = []
    for task in open_tasks:
        if task.target_id not in progress_of:
            progress_of[task.target_id] = target_progress(task.target, today=today)
        if not milestone_met(task, progress=progress_of[task.target_id]):
            tasks.append(task)
    return TaskAlerts(
        overdue=[t for t in tasks if t.due < today], at_risk=[t for t in tasks if t.due >= today]
    )


def milestone_met(task: Task, *, progress: TargetProgress) -> bool:
    """A milestone whose share the recorded data already reaches needs no one's attention.
    `progress` is its target's, computed once for all the target's tasks."""
    if task.share is None:
        return False
    return progress.share is not None and progress.share * 100 >= task.share


def task_state(task: Task, *, today: datetime.date, progress: TargetProgress | None = None) -> str:
    """A milestone is done when the recorded data reaches its share. Marked done by its owner
    while the data says less, it is "marked": the page shows the measure beside the mark, so a
    task list never claims more than the target's own progress."""
    if task.share is not None:
        progress = progress or target_progress(task.target, today=today)
        if milestone_met(task, progress=progress):
            return "done"
        if task.status == TaskStatus.DONE:
            return "marked" if progress.share is not None else "done"
    if task.status == TaskStatus.DONE:
        return "done"
    if task.due < today:
        return "overdue"
    if (task.due - today).days <= AT_RISK_DAYS:
        return "at_risk"
    return "open"


def network(*, user: Any, pairings: Iterable[Pairing] | None = None) -> dict[str, Any]:
    """Nodes (units, grouped by province) and links (pairings) for the ECharts graph."""
    rows = (
        list(pairings)
        if pairings is not None
        else list(pairing_list(user=user, status=Status.ACTIVE).filter(level__lte=3))
    )
    from xiezuo.regions.models import Region

    nodes: dict[str, dict[str, Any]] = {}
    provinces: dict[str, str] = {}
    for p in rows:
        for key, name, side, code in (
            (_east_key(p), p.east_name, "east", p.east_region_id or ""),
            (p.west_region_id, p.west_region.name, "west", p.west_region_id),
        ):
            node = nodes.setdefault(
                key, {"id": key, "name": name, "side": side, "province": code[:2], "degree": 0}
            )
            node["degree"] += 1
            if code:
                provinces.setdefault(code[:2], "")
    names = dict(
        Region.objects.filter(code__in=[p + "0000" for p in provinces]).values_list("code", "name")
    )
    categories = sorted(provinces)
    for node in nodes.values():
        node["category"] = (
            categories.index(node["province"]) if node["province"] in provinces else len(categories)
        )
    return {
        "categories": [names.get(p + "0000", p) for p in categories] + ["中央单位与企业"],
        "nodes": list(nodes.values()),
        "links": [
            {"source": _east_key(p), "target": p.west_region_id, "id": p.pk, "level": p.level}
            for p in rows
        ],
    }


def _east_key(p: Pairing) -> str:
    return p.east_region_id or f"org:{p.east_org_id}"


def proposal_list(*, user: Any) -> QuerySet[Proposal]:
    """The proposals a user may read: its own, and those for a western region in its own
    subtree — the office whose counties a proposal rewrites sees it (and may accept it, see
    policy.require_accept). A county does not see its prefecture's proposals: those are the
    prefecture's business until accepted, like the prefecture's other objects."""
    from xiezuo.accounts.policy import own_prefix

    qs = Proposal.objects.select_related("created_by", "decided_by")
    if scope_for(user).everything:
        return qs
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    visible = Q(created_by=user)
    own = own_prefix(user)
    if own:
        visible |= Q(params__west_region__startswith=own)
    return qs.filter(visible)


def proposal_get(*, user: Any, pk: int) -> Proposal:
    found = proposal_list(user=user).filter(pk=pk).first()
    if found is None:
        raise NotFound(f"没有编号为 {pk} 的结对方案，或您无权查看")
    return found


def target_list(
    *, user: Any, pairings: QuerySet[Pairing], year: int | None = None
) -> QuerySet[Target]:
    """The targets of the agreements of these (already scoped) pairings."""
    qs = Target.objects.filter(agreement__pairing__in=pairings).select_related(
        "agreement", "agreement__pairing", "owner"
    )
    return qs.filter(agreement__year=year) if year else qs


def pairings_to_confirm(*, user: Any) -> list[Pairing]:
    """Pairings the other side proposed that this user may confirm or decline."""
    from xiezuo.accounts.policy import allows
    from xiezuo.pairing import policy

    proposed = pairing_list(user=user, status=Status.PROPOSED).order_by("-id")[:200]
    return [p for p in proposed if allows(policy.require_confirm, user, p)]


def current_county_partners(west_codes: Iterable[str]) -> dict[str, set[str]]:
    """The eastern units each western county is paired with now (active county pairs)."""
    found: dict[str, set[str]] = {}
    pairs = Pairing.objects.filter(
        status=Status.ACTIVE,
        kind=Kind.EAST_WEST,
        level=Level.COUNTY,
        west_region_id__in=list(west_codes),
        east_region__isnull=False,
    ).values_list("west_region_id", "east_region_id")
    for west, east in pairs:
        found.setdefault(west, set()).add(east)
    return found


def pairing_confirmers(pairing: Pairing) -> list[Any]:
    """The offices asked to confirm a proposed pairing: the users of the other side's own
    region whom the policy lets confirm it and whose scope shows it (an eastern organisation
    without a region: the national office)."""
    from xiezuo.accounts.models import Side, User
    from xiezuo.accounts.policy import allows
    from xiezuo.pairing import policy

    east = pairing.east_region_id or (pairing.east_org.region_id if pairing.east_org else None)
    other = east if pairing.confirm_side == "east" else pairing.west_region_id
    users = User.objects.filter(is_active=True).select_related("region")
    users = users.filter(region_id=other) if other else users.filter(side=Side.NATIONAL)
    return [
        u
        for u in users
        if allows(policy.require_confirm, u, pairing)
        and pairing_list(user=u).filter(pk=pairing.pk).exists()
    ]
