"""The optimizer against the platform's data: builds an `optimizer.Instance` from the active
province and prefecture pairs, the divisions, the registry (need) and the fiscal panel
(capacity), runs it for a `Proposal`, compares the result with the current pairing, and turns an
accepted proposal into county pairings.

What is real and what is typed: need is the registered poor people of each western poverty
county (the sum of 人数 of its households not cancelled), weighted for deep-poverty areas;
capacity is the eastern unit's fiscal revenue from the NBS panel, split evenly over the counties
of a prefecture where only the prefecture has a figure (marked 估算). A user may type either
figure for any unit, and must where the data has none: the proposal never invents a number.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from xiezuo.accounts.policy import is_national
from xiezuo.audit.models import AuditEvent
from xiezuo.audit.services import audit_record
from xiezuo.core.errors import Problem, UserError
from xiezuo.pairing import fiscal, optimizer, policy, services
from xiezuo.pairing.choices import Kind, Level, Status
from xiezuo.pairing.models import Pairing, Proposal
from xiezuo.regions import codes
from xiezuo.regions.models import Region
from xiezuo.regions.selectors import current_region

if TYPE_CHECKING:
    from xiezuo.accounts.models import User

PANEL_YEARS = (2014, 2020)


@dataclass
class Params:
    """What a user asks for; stored as the proposal's `params` (plain JSON)."""

    west_region: str = ""  # only western counties under this code ("" = every parent pair)
    year: int = 2020  # the fiscal year capacities are read for
    max_per_east: int = 3
    deep_weight: float = 1.5  # need multiplier for deep-poverty areas (三区三州)
    time_limit: float = 60.0
    needs: dict[str, float] = field(default_factory=dict)  # typed: west code -> people
    capacities: dict[str, float] = field(default_factory=dict)  # typed: east code -> 万元
    locked: list[tuple[str, str]] = field(default_factory=list)  # (east, west)
    forbidden: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Params:
        return cls(
            west_region=str(data.get("west_region", "")),
            year=int(data.get("year", 2020)),
            max_per_east=int(data.get("max_per_east", 3)),
            deep_weight=float(data.get("deep_weight", 1.5)),
            time_limit=float(data.get("time_limit", 60.0)),
            needs={str(k): float(v) for k, v in dict(data.get("needs", {})).items()},
            capacities={str(k): float(v) for k, v in dict(data.get("capacities", {})).items()},
            locked=[(str(e), str(w)) for e, w in data.get("locked", [])],
            forbidden=[(str(e), str(w)) for e, w in data.get("forbidden", [])],
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "west_region": self.west_region,
            "year": self.year,
            "max_per_east": self.max_per_east,
            "deep_weight": self.deep_weight,
            "time_limit": self.time_limit,
            "needs": self.needs,
            "capacities": self.capacities,
            "locked": [list(p) for p in self.locked],
            "forbidden": [list(p) for p in self.forbidden],
        }


@dataclass
class Built:
    instance: optimizer.Instance
    names: dict[str, str]
    parents: dict[str, str]  # parent pairs' east unit code -> name, for the prefecture view
    sources: dict[str, str]  # unit code -> where its figure comes from
    current: dict[str, list[str]]  # west -> east partners in the active county pairings
    parent_current: dict[str, list[str]]  # west -> east units of the parent pairs holding it


def _parent_pairs(west_region: str) -> list[Pairing]:
    qs = Pairing.objects.filter(
        status=Status.ACTIVE,
        kind=Kind.EAST_WEST,
        level__lte=Level.PREFECTURE,
        east_region__isnull=False,
    ).select_related("east_region", "west_region")
    pairs = list(qs)
    if west_region:
        pairs = [
            p
            for p in pairs
            if west_region.startswith(p.west_region.prefix)
            or p.west_region_id.startswith(codes.prefix(west_region, codes.level_of(west_region)))
        ]
    return pairs


def _east_units(pairs: Iterable[Pairing]) -> list[Region]:
    """County-level units under each eastern side; a prefecture with none (东莞, 中山) is a unit
    itself."""
    units: dict[str, Region] = {}
    for pair in pairs:
        east = pair.east_region
        assert east is not None
        counties = list(
            Region.objects.filter(codes.subtree_q("code", east.code), level=Level.COUNTY)
            .filter(is_active=True)
            .exclude(name="市辖区")
        )
        if not counties and east.level == Level.PREFECTURE:
            counties = [east]
        for county in counties:
            units[county.code] = county
    return sorted(units.values(), key=lambda r: r.code)


def _west_units(pairs: Iterable[Pairing], west_region: str) -> list[Region]:
    q = None
    for pair in pairs:
        sub = codes.subtree_q("code", pair.west_region_id)
        q = sub if q is None else q | sub
    if q is None:
        return []
    qs = Region.objects.filter(q, level=Level.COUNTY, is_poverty_county=True, is_active=True)
    if west_region:
        qs = qs.filter(codes.subtree_q("code", west_region))
    return list(qs.order_by("code"))


def registered_people(county_codes: list[str]) -> dict[str, int]:
    """Registered poor people per county: the households' 人数, cancelled records left out —
    one grouped query for all the counties (a national instance has some 500)."""
    from django.db.models.functions import Substr

    from xiezuo.registry.choices import Status as HouseholdStatus
    from xiezuo.registry.models import Household

    rows = (
        Household.objects.exclude(status=HouseholdStatus.CANCELLED)
        .annotate(county=Substr("village_id", 1, 6))
        .filter(county__in=county_codes)
        .values("county")
        .annotate(n=Sum("size"))
        .values_list("county", "n")
    )
    return {county: int(n) for county, n in rows if n}


def build(params: Params) -> Built:
    """The instance for these parameters, or a UserError naming every unit without a figure."""
    if not PANEL_YEARS[0] <= params.year <= PANEL_YEARS[1] + 10:
        raise UserError(f"财政年度 {params.year} 不在可用范围内", [Problem("年度不合理", "year")])
    pairs = _parent_pairs(params.west_region)
    if not pairs:
        raise UserError("没有可在其中提出县级结对的省级或市级结对（请先加载 2016 年结对名单）")
    east_regions = _east_units(pairs)
    west_regions = _west_units(pairs, params.west_region)
    if not west_regions:
        raise UserError("所选范围内没有国家级贫困县")
    used_pairs = [
        p for p in pairs if any(w.code.startswith(p.west_region.prefix) for w in west_regions)
    ]
    east_regions = [
        r
        for r in east_regions
        if any(r.code.startswith(p.east_region.prefix) for p in used_pairs)  # type: ignore[union-attr]
    ]
    names = {r.code: r.name for r in [*east_regions, *west_regions]}
    sources: dict[str, str] = {}
    problems: list[Problem] = []

    people = registered_people([r.code for r in west_regions])
    west_units = []
    for region in west_regions:
        typed = params.needs.get(region.code)
        base = typed if typed is not None else people.get(region.code)
        if base is None:
            problems.append(
                Problem(f"{region.name}（{region.code}）没有建档立卡数据：请填写需求人数", "needs")
            )
            continue
        weight = params.deep_weight if region.is_deep_poverty else 1.0
        west_units.append(optimizer.Unit(region.code, region.name, float(base) * weight))
        what = "填写" if typed is not None else "建档立卡人数"
        sources[region.code] = what + (f" × 深度贫困权重 {weight:g}" if weight != 1.0 else "")

    panel_units = fiscal.county_units_by_panel_unit(
        Region.objects.filter(
            level=Level.COUNTY,
            is_active=True,
            code__regex=r"^(" + "|".join(sorted({r.code[:2] for r in east_regions})) + r")",
        )
        .exclude(name="市辖区")
        .values_list("code", flat=True)
    )
    table = fiscal.capacities(
        [r.code for r in east_regions if r.code not in params.capacities], panel_units, params.year
    )
    east_units = []
    for region in east_regions:
        if region.code in params.capacities:
            value, sources[region.code] = params.capacities[region.code], "填写"
        elif region.code in table.by_code:
            cap = table.by_code[region.code]
            value, sources[region.code] = cap.value, cap.source
        else:
            why = table.missing.get(region.code, "无财政数据")
            problems.append(
                Problem(
                    f"{region.name}（{region.code}）{why}：请填写帮扶能力（万元）", "capacities"
                )
            )
            continue
        east_units.append(optimizer.Unit(region.code, region.name, value))
    if problems:
        raise UserError(f"有 {len(problems)} 个单位缺少数据，无法求解", problems)

    allowed = optimizer.allowed_arcs(
        [u.code for u in east_units],
        [u.code for u in west_units],
        [(p.east_region_id or "", p.west_region_id) for p in used_pairs],
    )
    instance = optimizer.Instance(
        east=tuple(east_units),
        west=tuple(west_units),
        allowed=allowed,
        max_per_east=params.max_per_east,
        locked=frozenset(params.locked),
        forbidden=frozenset(params.forbidden),
    )
    return Built(
        instance=instance,
        names=names,
        parents={p.east_region_id or "": p.east_name for p in used_pairs},
        sources=sources,
        current=_current(east_units, west_units),
        parent_current=_parent_current(used_pairs, west_units),
    )


def _current(
    east: Iterable[optimizer.Unit], west: Iterable[optimizer.Unit]
) -> dict[str, list[str]]:
    east_codes = {u.code for u in east}
    west_codes = [u.code for u in west]
    current: dict[str, list[str]] = {}
    rows = Pairing.objects.filter(
        status=Status.ACTIVE,
        kind=Kind.EAST_WEST,
        west_region_id__in=west_codes,
        east_region_id__in=east_codes,
    ).values_list("west_region_id", "east_region_id")
    for w, e in rows:
        current.setdefault(w, []).append(e or "")
    return current


def _parent_current(pairs: list[Pairing], west: Iterable[optimizer.Unit]) -> dict[str, list[str]]:
    """Each western county's helpers in the parent list (the most specific pairs holding it)."""
    out: dict[str, list[str]] = {}
    for unit in west:
        holding = [p for p in pairs if unit.code.startswith(p.west_region.prefix)]
        if not holding:
            continue
        deepest = max(p.west_region.level for p in holding)
        out[unit.code] = sorted(
            {p.east_region_id or "" for p in holding if p.west_region.level == deepest}
        )
    return out


def _parent_instance(built: Built) -> optimizer.Instance:
    """The same instance at the parent pairs' level: each parent east unit with the capacity of
    its counties in the instance (a county counts for its most specific parent only)."""
    ranked = sorted(built.parents, key=lambda c: -len(codes.prefix(c, codes.level_of(c))))
    capacity: dict[str, float] = {}
    for unit in built.instance.east:
        parent = next(
            (p for p in ranked if unit.code.startswith(codes.prefix(p, codes.level_of(p)))),
            unit.code,
        )
        capacity[parent] = capacity.get(parent, 0.0) + unit.value
    return optimizer.Instance(
        east=tuple(optimizer.Unit(c, built.parents.get(c, c), v) for c, v in capacity.items()),
        west=built.instance.west,
        allowed={},
        max_per_east=len(built.instance.west),
    )


def _loads_json(loads: optimizer.Loads) -> dict[str, Any]:
    """The optimizer's own form of the loads, with the eastern units keyed by code for the page."""
    data = optimizer.loads_to_json(loads)
    return {**data, "east": {e["code"]: e for e in data["east"]}}


def compare(built: Built, solution: optimizer.Solution) -> dict[str, Any]:
    """Side by side: the proposal against the current county pairs (where there are any) and,
    summed up to the parent pairs' eastern units, against the parent list itself."""
    out: dict[str, Any] = {}
    if built.current:
        current = optimizer.evaluate(built.instance, built.current)
        out["county"] = {"current": _loads_json(current), "covered": len(built.current)}
    parent_instance = _parent_instance(built)
    current_parent = optimizer.evaluate(parent_instance, built.parent_current)
    proposed_parent = optimizer.aggregate_loads(solution.loads, built.parents)
    out["parent"] = {
        "current": _loads_json(current_parent),
        "proposed": _loads_json(proposed_parent),
    }
    return out


# ---------------------------------------------------------------- proposals


@transaction.atomic
def proposal_create(*, actor: User | None, params: Params, title: str = "") -> Proposal:
    """Record what was asked; the caller solves it (the CLI at once; pages and the API through
    `proposal_submit`, in the background)."""
    policy.require_optimizer(actor)
    problems = []
    if not 1 <= params.max_per_east <= 50:
        problems.append(Problem("每个东部县最多结对数应在 1 到 50 之间", "max_per_east"))
    if not 1.0 <= params.deep_weight <= 5.0:
        problems.append(Problem("深度贫困权重应在 1 到 5 之间", "deep_weight"))
    if not 1 <= params.time_limit <= 600:
        problems.append(Problem("求解时限应在 1 到 600 秒之间", "time_limit"))
    # "inf" and "nan" read as floats, but no need or capacity is infinite, and the stored
    # params (JSON) cannot hold them.
    for where, values in (("needs", params.needs), ("capacities", params.capacities)):
        for code, value in values.items():
            if not math.isfinite(value) or value < 0:
                problems.append(Problem(f"{code} 的值“{value}”应为不小于 0 的有限数", where))
    if params.west_region:
        region = current_region(params.west_region)
        if region is None:
            problems.append(Problem(f"区划代码 {params.west_region} 不存在", "west_region"))
        elif actor is not None and not is_national(actor):
            from xiezuo.accounts.scope import scope_for

            if not scope_for(actor).covers(region.code):
                problems.append(Problem(f"{region.name} 不在您的范围内", "west_region"))
    elif actor is not None and not is_national(actor):
        problems.append(Problem("请选择西部范围（全国范围只有国家级用户可用）", "west_region"))
    if problems:
        raise UserError("方案参数有误：" + problems[0].message, problems)
    where = "全国"
    if params.west_region:
        found = Region.objects.filter(code=params.west_region).first()
        where = found.name if found else params.west_region
    proposal = Proposal.objects.create(
        title=(title or f"{where} 县级结对方案（每县最多 {params.max_per_east} 个）")[:200],
        params=params.to_json(),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, obj=proposal, after=proposal.params)
    return proposal


def proposal_submit(*, actor: User, params: Params, title: str = "") -> Proposal:
    """Record a proposal and queue its solving in one transaction (the task queue lives in the
    same database), so a proposal never waits for a solver nobody will run."""
    from xiezuo.pairing.tasks import solve_proposal_task  # the task calls these services

    with transaction.atomic():
        proposal = proposal_create(actor=actor, params=params, title=title)
        solve_proposal_task.enqueue(proposal.pk)
    proposal.refresh_from_db()
    return proposal


def proposal_solve(proposal: Proposal) -> Proposal:
    """Build and solve; the outcome (or the explanation of infeasibility) goes on the proposal."""
    Proposal.objects.filter(pk=proposal.pk).update(state=Proposal.State.SOLVING)
    params = Params.from_json(proposal.params)
    try:
        built = build(params)
        solution = optimizer.solve(built.instance, time_limit=params.time_limit)
    except UserError as exc:
        state = Proposal.State.INFEASIBLE
        proposal.result = {"problems": [str(p) for p in exc.problems], "summary": exc.summary}
        proposal.message = exc.summary
    else:
        state = Proposal.State.PROPOSED
        proposal.result = {
            "solution": solution.to_json(),
            "names": built.names,
            "sources": built.sources,
            "comparison": compare(built, solution),
        }
        gap = _proof_words(solution)
        proposal.message = (
            f"{len(built.instance.west)} 个西部县、{len(built.instance.east)} 个东部单位；"
            f"最大负担比 {solution.stats.max_ratio:.4g}（{gap}），用时 {solution.seconds:.1f} 秒"
        )
    proposal.state = state
    proposal.save(update_fields=["state", "result", "message"])
    return proposal


PROOF_BOUNDS = {
    optimizer.CP_SAT: "CP-SAT 下界",
    optimizer.HIGHS: "HiGHS 混合整数规划下界",
    optimizer.SIMPLE: "简单下界",
}


def _proof_words(solution: optimizer.Solution) -> str:
    """Whether the largest load is proven, in words: the deciding component's proof."""
    proof = solution.proof
    if proof is None:
        return "已证明最优" if solution.status == optimizer.OPTIMAL else f"差距 {solution.gap:.2%}"
    if proof.proven:
        return f"已证明最优：{PROOF_BOUNDS[proof.method]}"
    return f"未证明，与最优界差距 {proof.gap:.2%}"


@transaction.atomic
def proposal_accept(
    *, actor: User | None, proposal: Proposal, start_year: int | None = None
) -> int:
    """Make the proposal real: one county pairing per western county. A county's other active
    county pairs (of this type) end the year before; pairs already as proposed are kept.
    Returns the number of pairings created. All or nothing. Pairings made by a western office
    wait for their eastern counties to confirm them, as any pairing one side registers."""
    if proposal.state != Proposal.State.PROPOSED:
        raise UserError(f"方案状态为“{proposal.get_state_display()}”，只有待确认的方案可以采纳")
    assignment: dict[str, str] = proposal.result["solution"]["assignment"]
    policy.require_accept(actor, assignment)
    year = start_year or timezone.localdate().year
    regions = Region.objects.in_bulk([*assignment, *assignment.values()])
    created = 0
    for west_code, east_code in sorted(assignment.items()):
        active = Pairing.objects.filter(
            status=Status.ACTIVE, kind=Kind.EAST_WEST, level=Level.COUNTY, west_region_id=west_code
        )
        keep = False
        for pair in active:
            if pair.east_region_id == east_code:
                keep = True
            else:
                services.pairing_end(
                    actor=actor,
                    pairing=pair,
                    end_year=max(year - 1, pair.start_year),
                    reason=f"采纳结对方案 {proposal.pk}",
                )
        if not keep:
            services.pairing_create(
                actor=actor,
                east_region=regions[east_code],
                west=regions[west_code],
                start_year=year,
                source=f"结对方案 {proposal.pk}（{proposal.title}）"[:200],
            )
            created += 1
    proposal.state = Proposal.State.ACCEPTED
    proposal.decided_by = actor if getattr(actor, "pk", None) else None
    proposal.decided_at = timezone.now()
    proposal.save(update_fields=["state", "decided_by", "decided_at"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=proposal,
        after={"state": "accepted", "created": created},
    )
    return created


def proposal_fail(*, proposal_id: int, message: str) -> None:
    """The solver broke off (a bug, not bad input): the page stops waiting and says so."""
    proposal = Proposal.objects.filter(pk=proposal_id).first()
    if proposal is None:
        return
    proposal.state = Proposal.State.FAILED
    proposal.message = f"求解失败：{message}"[:500]
    proposal.save(update_fields=["state", "message"])
    audit_record(
        actor=None, action=AuditEvent.Action.UPDATE, obj=proposal, after={"state": "failed"}
    )


@transaction.atomic
def proposal_discard(*, actor: User | None, proposal: Proposal) -> Proposal:
    policy.require_proposal(actor, proposal)
    if proposal.state in (Proposal.State.ACCEPTED, Proposal.State.DISCARDED):
        raise UserError(f"方案已{proposal.get_state_display()}")
    proposal.state = Proposal.State.DISCARDED
    proposal.decided_by = actor if getattr(actor, "pk", None) else None
    proposal.decided_at = timezone.now()
    proposal.save(update_fields=["state", "decided_by", "decided_at"])
    audit_record(
        actor=actor, action=AuditEvent.Action.UPDATE, obj=proposal, after={"state": "discarded"}
    )
    return proposal
