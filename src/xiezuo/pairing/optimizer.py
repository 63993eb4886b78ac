"""Balanced county pairing (携手奔小康): which eastern unit helps which western poverty county.

Pure data in, pure data out: no Django, no database. The services turn rows into an `Instance`
and a `Solution` back into a proposal.

Model. Every western county gets exactly one eastern partner among the arcs it may use (its
`allowed` east units plus its locked pair, minus forbidden pairs); an eastern unit takes at most
`max_per_east` counties. The load ratio of an eastern unit is the need of its counties divided by
its capacity. Objectives, lexicographic:
  1. minimise the largest load ratio;
  2. with that ratio held, minimise Σ_e |need_e − capacity_e·r̄|, where r̄ is the component's
     total need over total capacity: the capacity-weighted L1 distance of the ratios from the
     fair share. It is linear (so CP-SAT's LP relaxation bounds it well) and, unlike max−min, it
     also counts idle capacity, which pushes counties toward units that have room.
The allowed graph splits into connected components (in practice one per province or prefecture
pair); each is solved on its own, which is exact because no constraint crosses components: the
overall maximum is the maximum of the components' optima.

`check` runs before any solving and explains infeasibility in Chinese, naming the units; a
solver status never reaches the user.

Proof. The largest load overall is decided by one component (the one whose largest ratio is the
overall maximum). When CP-SAT has not proven that component within its time, the same model —
same constraints, same rounded needs and capacities, the same largest ratio — goes to HiGHS as a
MILP (through OR-Tools MathOpt), whose dual bound certifies the pairing or states the gap left.
HiGHS works in floating point: a gap within `PROOF_TOLERANCE` (about CP-SAT's own resolution of
the ratio) counts as proven. The certifier has its own time limit and may fail: then the
proposal stands, marked not proven, with the best bound either solver found.
"""

from __future__ import annotations

import datetime
import math
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ortools.graph.python import max_flow
from ortools.math_opt.python import mathopt
from ortools.sat.python import cp_model

from xiezuo.core.errors import Problem, UserError

OPTIMAL = "optimal"
FEASIBLE = "feasible"

# Integer scaling for CP-SAT. Needs and capacities are each scaled so the largest is 2^24 and
# rounded (relative error ≤ 2^-24 ≈ 6e-8 for the largest, larger only for values many orders of
# magnitude smaller). The ratio variable R stands for ratio·S with S chosen so the ratio's lower
# bound is about 2^20: the optimum is proven to a resolution of about one part in a million.
# S is reduced when S·load or capacity·R could leave int64 (checked against 2^60 for headroom).
_VALUE_BITS = 24
_RATIO_BITS = 20
_INT_LIMIT = 2**60
_NAMES_SHOWN = 20

# Whose bound proves the largest load: CP-SAT's own (exact, on the integer model), HiGHS's MILP
# dual bound (floating point), or, for a pairing no solver has searched (`certify`), the simple
# bound max(total need / total capacity, each county's need / its largest partner's capacity).
CP_SAT = "CP-SAT"
HIGHS = "HiGHS"
SIMPLE = "simple"
# What became of the MILP: not run (CP-SAT had proven it, or no time given), proven, stopped at
# its time limit with a bound short of the pairing, finished with a better pairing than the one
# proposed (which stays; the gap says by how much it could improve), or failed (no bound).
MILP_NOT_RUN = "not run"
MILP_PROVEN = "proven"
MILP_LIMIT = "limit"
MILP_BETTER = "better"
MILP_ERROR = "error"
# A relative gap this small counts as proven: HiGHS's feasibility tolerances are about 1e-7 on
# the normalised rows, and CP-SAT resolves the ratio to 2^-20 ≈ 9.5e-7 of its lower bound.
PROOF_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Unit:
    code: str  # region code, e.g. "320505"; a prefecture code for an east unit with no counties
    name: str
    value: float  # east: capacity (万元 fiscal revenue, > 0); west: need (weighted poor people)


@dataclass(frozen=True)
class Instance:
    east: tuple[Unit, ...]
    west: tuple[Unit, ...]
    allowed: Mapping[str, frozenset[str]]  # west code -> east codes it may pair with
    max_per_east: int  # most western counties one eastern unit may take
    locked: frozenset[tuple[str, str]] = frozenset()  # (east, west) pairs that must be kept
    forbidden: frozenset[tuple[str, str]] = frozenset()  # (east, west) pairs that must not


class Infeasible(UserError):
    """The constraints admit no pairing; `problems` name the units that make it so."""


@dataclass(frozen=True)
class EastLoad:
    code: str
    name: str
    need: float
    capacity: float
    west: tuple[str, ...]

    @property
    def ratio(self) -> float:
        return self.need / self.capacity


@dataclass(frozen=True)
class LoadStats:
    """Over the east units given. max/min/spread/std_dev count only units with at least one
    partner (an idle unit's ratio 0 says nothing about balance); `deviation` is Σ|need −
    capacity·mean_ratio| over all of them, idle ones included."""

    max_ratio: float
    min_ratio: float
    spread: float
    std_dev: float
    mean_ratio: float  # total need / total capacity
    deviation: float
    east_used: int


@dataclass(frozen=True)
class Loads:
    east: tuple[EastLoad, ...]
    stats: LoadStats
    unassigned: tuple[str, ...] = ()  # west codes with no partner (evaluate only)

    def by_code(self) -> dict[str, EastLoad]:
        return {load.code: load for load in self.east}


@dataclass(frozen=True)
class ComponentResult:
    east: int
    west: int
    status: str  # "optimal": the largest ratio is proven minimal; else "feasible"
    max_ratio: float
    ratio_bound: float
    gap: float  # relative: (max_ratio − bound) / max_ratio, on the scaled model
    deviation_status: str  # the same for the tie-break
    deviation: float  # in need units, from the component's own mean ratio
    deviation_bound: float
    deviation_gap: float
    seconds: float


@dataclass(frozen=True)
class Proof:
    """How far the deciding component's largest ratio (the overall largest load) may be from
    the best possible: its value in the pairing against the best lower bound found. Ratios are
    in need per capacity (people per 万元), computed on the model's rounded figures."""

    component: int  # index into Solution.components
    incumbent: float  # the component's largest ratio in the pairing
    bound: float  # the best lower bound: the larger of the two below
    gap: float  # relative: (incumbent − bound) / incumbent
    status: str  # "optimal" when gap ≤ PROOF_TOLERANCE, else "feasible" (未证明)
    method: str  # whose bound it is: CP_SAT, HIGHS or SIMPLE
    seconds: float  # CP-SAT's time on the component's largest ratio plus the MILP's
    cp_sat_bound: float  # CP-SAT's bound on the component (SIMPLE's in `certify`)
    milp_status: str  # MILP_NOT_RUN, MILP_PROVEN, MILP_LIMIT, MILP_BETTER or MILP_ERROR
    milp_bound: float | None  # HiGHS's dual bound; None when not run or it gave none
    milp_seconds: float

    @property
    def proven(self) -> bool:
        return self.status == OPTIMAL


@dataclass(frozen=True)
class Solution:
    assignment: dict[str, str]  # west -> east
    loads: Loads
    status: str  # "optimal" when every component's largest ratio is proven minimal
    gap: float  # the largest relative gap of that primary objective over the components
    deviation_status: str  # the same for the deviation tie-break
    deviation_gap: float
    seconds: float
    components: tuple[ComponentResult, ...] = field(default=())
    # The proof of the overall largest load (the deciding component's); None without components
    # and in results stored before there were proofs.
    proof: Proof | None = None

    @property
    def stats(self) -> LoadStats:
        return self.loads.stats

    @property
    def component_count(self) -> int:
        return len(self.components)

    @property
    def overall_gap(self) -> float:
        """Relative gap of the overall largest ratio alone: 0 as soon as the component that
        attains it is proven, whatever the others (each of which is minimised on its own too,
        which `gap` reports)."""
        if not self.components:
            return 0.0
        bound = max(c.ratio_bound for c in self.components)
        if self.proof is not None:
            bound = max(bound, self.proof.bound)
        return _relative_gap(max(c.max_ratio for c in self.components), bound)

    def to_json(self) -> dict[str, Any]:
        return {
            "assignment": dict(self.assignment),
            "loads": loads_to_json(self.loads),
            "status": self.status,
            "gap": self.gap,
            "deviation_status": self.deviation_status,
            "deviation_gap": self.deviation_gap,
            "seconds": self.seconds,
            "components": [vars(c).copy() for c in self.components],
            "proof": vars(self.proof).copy() if self.proof is not None else None,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Solution:
        return cls(
            assignment={str(w): str(e) for w, e in data["assignment"].items()},
            loads=_loads_from_json(data["loads"]),
            status=str(data["status"]),
            gap=float(data["gap"]),
            deviation_status=str(data["deviation_status"]),
            deviation_gap=float(data["deviation_gap"]),
            seconds=float(data["seconds"]),
            components=tuple(ComponentResult(**c) for c in data["components"]),
            proof=Proof(**data["proof"]) if data.get("proof") else None,
        )


# --- the allowed graph ---------------------------------------------------------------------


def _prefix(code: str) -> str:
    """A unit's subtree is every code starting with this prefix."""
    if code[2:] == "0000":
        return code[:2]
    if code[4:] == "00":
        return code[:4]
    return code


def _contains(side: str, code: str) -> bool:
    return code.startswith(_prefix(side))


def _most_specific(code: str, sides: Sequence[tuple[int, str]]) -> set[int]:
    """Indices of the pairs whose side contains `code` with the deepest (longest) prefix."""
    containing = [(len(_prefix(side)), index) for index, side in sides if _contains(side, code)]
    if not containing:
        return set()
    deepest = max(depth for depth, _ in containing)
    return {index for depth, index in containing if depth == deepest}


def allowed_arcs(
    east: Iterable[str], west: Iterable[str], parent_pairs: Iterable[tuple[str, str]]
) -> dict[str, frozenset[str]]:
    """West code -> the east codes it may pair with, staying inside the parent pairs.

    e and w may pair iff some parent pair contains both and is among the most specific pairs for
    w (deepest west side containing w) and for e (deepest east side containing e): a 苏州 county
    may take only 铜仁 counties, and 上海 may not help 昭通, which 中山 and 东莞 pair with.
    Every west code is a key, with an empty set when nothing is allowed.
    """
    pairs = list(parent_pairs)
    east_sides = [(i, e) for i, (e, _) in enumerate(pairs)]
    west_sides = [(i, w) for i, (_, w) in enumerate(pairs)]
    east_of_pair: dict[int, set[str]] = {}
    for code in east:
        for index in _most_specific(code, east_sides):
            east_of_pair.setdefault(index, set()).add(code)
    arcs: dict[str, frozenset[str]] = {}
    for code in west:
        partners: set[str] = set()
        for index in _most_specific(code, west_sides):
            partners |= east_of_pair.get(index, set())
        arcs[code] = frozenset(partners)
    return arcs


# --- feasibility --------------------------------------------------------------------------


def _label(unit: Unit) -> str:
    return f"{unit.code} {unit.name}"


def _labels(units: Sequence[Unit]) -> str:
    shown = "、".join(_label(u) for u in units[:_NAMES_SHOWN])
    more = len(units) - _NAMES_SHOWN
    return f"{shown} 等 {len(units)} 个" if more > 0 else shown


def _options(instance: Instance) -> dict[str, list[str]]:
    """West code -> the east codes it may use: its locked partner alone, else allowed minus
    forbidden. A locked pair is a user's explicit decision, kept even outside `allowed`."""
    east_codes = {u.code for u in instance.east}
    locked_to: dict[str, list[str]] = {}
    for e, w in sorted(instance.locked):
        locked_to.setdefault(w, []).append(e)
    options: dict[str, list[str]] = {}
    for unit in instance.west:
        if unit.code in locked_to:
            options[unit.code] = locked_to[unit.code]
            continue
        allowed = instance.allowed.get(unit.code, frozenset())
        options[unit.code] = sorted(
            e for e in allowed if e in east_codes and (e, unit.code) not in instance.forbidden
        )
    return options


def _input_problems(instance: Instance) -> list[Problem]:
    problems: list[Problem] = []
    east = {u.code: u for u in instance.east}
    west = {u.code: u for u in instance.west}
    for side, side_units, label, what in (
        ("east", instance.east, "东部单位", "帮扶能力"),
        ("west", instance.west, "西部县", "需求"),
    ):
        seen: set[str] = set()
        for unit in side_units:
            if unit.code in seen:
                problems.append(Problem(f"{label} {_label(unit)} 重复出现", side))
            seen.add(unit.code)
            if not (math.isfinite(unit.value) and unit.value > 0):
                problems.append(
                    Problem(f"{label} {_label(unit)} 的{what}为 {unit.value}，须大于 0", side)
                )
    if instance.max_per_east < 1:
        problems.append(
            Problem(f"每个东部单位最多结对数为 {instance.max_per_east}，须至少为 1", "max_per_east")
        )
    for e, w in sorted(instance.locked | instance.forbidden):
        for code, units, label in ((e, east, "东部单位"), (w, west, "西部县")):
            if code not in units:
                problems.append(Problem(f"结对 {e}→{w} 中的{label} {code} 不在本次范围内", "pairs"))
    for e, w in sorted(instance.locked & instance.forbidden):
        if e in east and w in west:
            problems.append(
                Problem(f"{_label(east[e])} → {_label(west[w])} 既被锁定又被禁止", "locked")
            )
    locks_of_west: dict[str, list[str]] = {}
    locks_of_east: dict[str, list[str]] = {}
    for e, w in instance.locked:
        locks_of_west.setdefault(w, []).append(e)
        locks_of_east.setdefault(e, []).append(w)
    for w, es in sorted(locks_of_west.items()):
        if len(es) > 1 and w in west and all(e in east for e in es):
            problems.append(
                Problem(
                    f"西部县 {_label(west[w])} 被锁定给多个东部单位："
                    f"{_labels([east[e] for e in sorted(es)])}；每个西部县只能锁定一个",
                    "locked",
                )
            )
    for e, ws in sorted(locks_of_east.items()):
        if len(ws) > instance.max_per_east >= 1 and e in east and all(w in west for w in ws):
            problems.append(
                Problem(
                    f"东部单位 {_label(east[e])} 锁定了 {len(ws)} 个西部县"
                    f"（{_labels([west[w] for w in sorted(ws)])}），"
                    f"超过每个东部单位最多 {instance.max_per_east} 个的上限",
                    "locked",
                )
            )
    return problems


def _flow_assignment(
    east: Sequence[str], west: Sequence[str], options: Mapping[str, Sequence[str]], limit: int
) -> tuple[dict[str, str], list[str], list[str]]:
    """Max flow source → east (cap `limit`) → west (uncapped arcs) → sink (cap 1).

    Returns (assignment of the west units the flow covers, Hall violator west S, N(S)). When the
    flow falls short, the sink side of the min cut holds a set S of west units whose neighbours
    all lie on the sink side too (no uncapped arc crosses a min cut), so limit·|N(S)| < |S|.
    """
    index_east = {e: i + 1 for i, e in enumerate(east)}
    index_west = {w: len(east) + 1 + i for i, w in enumerate(west)}
    source, sink = 0, len(east) + len(west) + 1
    flow = max_flow.SimpleMaxFlow()
    for i in index_east.values():
        flow.add_arc_with_capacity(source, i, limit)
    arcs: list[tuple[int, str, str]] = []
    for w, j in index_west.items():
        for e in options[w]:
            arcs.append((flow.add_arc_with_capacity(index_east[e], j, len(west)), e, w))
        flow.add_arc_with_capacity(j, sink, 1)
    if flow.solve(source, sink) != flow.OPTIMAL:  # pragma: no cover - capacities are small ints
        raise RuntimeError("max flow failed on a well-formed network")
    assignment = {w: e for arc, e, w in arcs if flow.flow(arc) > 0}
    if len(assignment) == len(west):
        return assignment, [], []
    sink_side = set(flow.get_sink_side_min_cut())
    violators = [w for w, j in index_west.items() if j in sink_side]
    neighbours = sorted({e for w in violators for e in options[w]})
    return assignment, violators, neighbours


def check(instance: Instance) -> None:
    """Raise `Infeasible`, naming the units concerned, when no pairing satisfies the constraints."""
    problems = _input_problems(instance)
    if problems:
        raise Infeasible("结对条件有误，无法计算", problems)
    east = {u.code: u for u in instance.east}
    west = {u.code: u for u in instance.west}
    options = _options(instance)
    lonely = [west[w] for w, es in options.items() if not es]
    if lonely:
        raise Infeasible(
            "有西部县没有可结对的东部单位",
            [
                Problem(
                    f"西部县 {_label(u)} 在省、市结对范围内没有可结对的东部单位（除去禁止的结对后）"
                )
                for u in lonely
            ],
        )
    _, violators, _ = _flow_assignment(list(east), list(west), options, instance.max_per_east)
    if violators:
        limit = instance.max_per_east
        problems = []
        # The min cut may join deficits of unrelated regions; name each connected part that is
        # short on its own (at least one is, since the parts' shortfalls add up).
        for part_east, part_west in _components({w: options[w] for w in violators}):
            if limit * len(part_east) >= len(part_west):
                continue
            message = (
                f"{len(part_west)} 个西部县（{_labels([west[w] for w in sorted(part_west)])}）"
                f"只能与 {len(part_east)} 个东部单位"
                f"（{_labels([east[e] for e in sorted(part_east)])}）结对，"
                f"每个东部单位最多 {limit} 个，最多只能覆盖 {limit * len(part_east)} 个"
            )
            problems.append(
                Problem(message + "；请放宽每个东部单位的上限、增加可结对单位或减少禁止的结对")
            )
        raise Infeasible("东部单位数量不足以覆盖西部县", problems)


def tightest_max_per_east(instance: Instance) -> int:
    """The smallest `max_per_east` under which the instance is feasible (other inputs as given).
    Raises `Infeasible` when no limit makes it feasible."""
    low, high = 1, max(1, len(instance.west))
    check(_with_limit(instance, high))
    while low < high:
        middle = (low + high) // 2
        try:
            check(_with_limit(instance, middle))
        except Infeasible:
            low = middle + 1
        else:
            high = middle
    return low


def _with_limit(instance: Instance, limit: int) -> Instance:
    return Instance(
        east=instance.east,
        west=instance.west,
        allowed=instance.allowed,
        max_per_east=limit,
        locked=instance.locked,
        forbidden=instance.forbidden,
    )


# --- loads and their statistics ------------------------------------------------------------


def _stats(loads: Sequence[EastLoad]) -> LoadStats:
    total_need = sum(load.need for load in loads)
    total_capacity = sum(load.capacity for load in loads)
    mean = total_need / total_capacity if total_capacity > 0 else 0.0
    used = [load.ratio for load in loads if load.west]
    average = sum(used) / len(used) if used else 0.0
    return LoadStats(
        max_ratio=max(used, default=0.0),
        min_ratio=min(used, default=0.0),
        spread=(max(used) - min(used)) if used else 0.0,
        std_dev=math.sqrt(sum((r - average) ** 2 for r in used) / len(used)) if used else 0.0,
        mean_ratio=mean,
        deviation=sum(abs(load.need - load.capacity * mean) for load in loads),
        east_used=len(used),
    )


def _loads(
    east: Sequence[Unit], need: Mapping[str, float], west_of: Mapping[str, Sequence[str]]
) -> tuple[EastLoad, ...]:
    return tuple(
        EastLoad(
            code=u.code,
            name=u.name,
            need=need.get(u.code, 0.0),
            capacity=u.value,
            west=tuple(sorted(west_of.get(u.code, ()))),
        )
        for u in east
    )


def evaluate(instance: Instance, assignment: Mapping[str, Sequence[str]]) -> Loads:
    """Load ratios of any pairing (west -> its east partners), e.g. the current one. A west unit
    with several partners splits its need across them in proportion to their capacity."""
    east = {u.code: u for u in instance.east}
    west = {u.code: u for u in instance.west}
    unknown = sorted(
        {w for w in assignment if w not in west}
        | {e for es in assignment.values() for e in es if e not in east}
    )
    if unknown:
        raise UserError(
            "结对中有不在本次范围内的单位",
            [Problem(f"单位 {code} 不在本次范围内") for code in unknown],
        )
    need: dict[str, float] = {}
    west_of: dict[str, list[str]] = {}
    unassigned: list[str] = []
    for unit in instance.west:
        partners = sorted(set(assignment.get(unit.code, ())))
        if not partners:
            unassigned.append(unit.code)
            continue
        capacity = sum(east[e].value for e in partners)
        for e in partners:
            need[e] = need.get(e, 0.0) + unit.value * east[e].value / capacity
            west_of.setdefault(e, []).append(unit.code)
    loads = _loads(instance.east, need, west_of)
    return Loads(east=loads, stats=_stats(loads), unassigned=tuple(unassigned))


def aggregate_loads(loads: Loads, parents: Mapping[str, str]) -> Loads:
    """Sum east loads up to parent units (code -> name), e.g. the 2016 list's prefecture and
    province east units, so a proposal can be compared "at prefecture level". Each unit goes to
    the most specific parent containing it (苏州 counties to 苏州, not 江苏); a unit under no
    parent stays as itself."""
    ranked = sorted(parents, key=lambda code: -len(_prefix(code)))
    sums: dict[str, tuple[str, float, float, list[str]]] = {}
    for load in loads.east:
        parent = next((p for p in ranked if _contains(p, load.code)), None)
        code, name = (parent, parents[parent]) if parent is not None else (load.code, load.name)
        _, need, capacity, west = sums.get(code, (name, 0.0, 0.0, []))
        sums[code] = (name, need + load.need, capacity + load.capacity, [*west, *load.west])
    merged = tuple(
        EastLoad(code=code, name=name, need=need, capacity=capacity, west=tuple(sorted(west)))
        for code, (name, need, capacity, west) in sums.items()
    )
    return Loads(east=merged, stats=_stats(merged), unassigned=loads.unassigned)


def loads_to_json(loads: Loads) -> dict[str, Any]:
    return {
        "east": [
            {
                "code": load.code,
                "name": load.name,
                "need": load.need,
                "capacity": load.capacity,
                "ratio": load.ratio,
                "west": list(load.west),
            }
            for load in loads.east
        ],
        "stats": vars(loads.stats).copy(),
        "unassigned": list(loads.unassigned),
    }


def _loads_from_json(data: Mapping[str, Any]) -> Loads:
    return Loads(
        east=tuple(
            EastLoad(
                code=str(item["code"]),
                name=str(item["name"]),
                need=float(item["need"]),
                capacity=float(item["capacity"]),
                west=tuple(str(w) for w in item["west"]),
            )
            for item in data["east"]
        ),
        stats=LoadStats(**data["stats"]),
        unassigned=tuple(str(w) for w in data["unassigned"]),
    )


# --- solving ------------------------------------------------------------------------------


def _components(options: Mapping[str, Sequence[str]]) -> list[tuple[list[str], list[str]]]:
    """Connected components of the arc graph as (east codes, west codes), smallest first."""
    parent: dict[str, str] = {}

    def find(node: str) -> str:
        while parent.setdefault(node, node) != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for w, es in options.items():
        for e in es:
            parent[find("w" + w)] = find("e" + e)
    groups: dict[str, tuple[list[str], list[str]]] = {}
    for w, es in options.items():
        group = groups.setdefault(find("w" + w), ([], []))
        group[1].append(w)
        for e in es:
            if e not in group[0]:
                group[0].append(e)
    return sorted(groups.values(), key=lambda g: (len(g[0]) * len(g[1]), g[1][0]))


def _greedy(
    west: Sequence[str],
    options: Mapping[str, Sequence[str]],
    need: Mapping[str, int],
    capacity: Mapping[str, int],
    limit: int,
) -> dict[str, str] | None:
    """Largest need first, each to the partner whose ratio grows least. None when it paints
    itself into a corner under the per-unit limit (the max-flow assignment is used instead)."""
    load = dict.fromkeys(capacity, 0)
    count = dict.fromkeys(capacity, 0)
    assignment: dict[str, str] = {}
    for w in sorted(west, key=lambda w: (len(options[w]) > 1, -need[w], w)):
        free = [e for e in options[w] if count[e] < limit]
        if not free:
            return None
        best = min(free, key=lambda e: ((load[e] + need[w]) / capacity[e], e))
        assignment[w] = best
        load[best] += need[w]
        count[best] += 1
    return assignment


def _scaled(values: Mapping[str, float]) -> tuple[dict[str, int], float]:
    """Values as integers, the largest 2^24, and the factor used."""
    factor = 2**_VALUE_BITS / max(values.values())
    return {code: max(1, round(value * factor)) for code, value in values.items()}, factor


def _relative_gap(objective: float, bound: float) -> float:
    return max(0.0, (objective - bound) / objective) if objective > 0 else 0.0


class _Component:
    """One connected component as a CP-SAT model, solved in two stages on the same model."""

    def __init__(
        self,
        instance: Instance,
        east: Sequence[str],
        west: Sequence[str],
        options: Mapping[str, Sequence[str]],
    ) -> None:
        self.units = {u.code: u for u in (*instance.east, *instance.west)}
        self.east, self.west, self.options = east, west, options
        limit = instance.max_per_east
        need, self.need_factor = _scaled({w: self.units[w].value for w in west})
        capacity, self.capacity_factor = _scaled({e: self.units[e].value for e in east})
        self.need, self.capacity = need, capacity
        west_of: dict[str, list[str]] = {e: [] for e in east}
        for w in west:
            for e in options[w]:
                west_of[e].append(w)
        start = _greedy(west, options, need, capacity, limit)
        if start is None:
            start, _, _ = _flow_assignment(east, west, options, limit)
        self.best: dict[str, str] = start

        self.total_need, total_capacity = sum(need.values()), sum(capacity.values())
        lower = max(
            self.total_need / total_capacity,
            *(need[w] / max(capacity[e] for e in options[w]) for w in west),
        )
        self.lower = lower  # the simple bound, in the scaled figures' ratio (need / capacity)
        self.limit = limit
        self.west_of = west_of
        upper = self._ratio_of(start)
        most_load = max(sum(sorted(need.values(), reverse=True)[:limit]), 1)
        scale = 2**_RATIO_BITS / lower
        worst = max(scale * most_load, max(capacity.values()) * (scale * upper + 2))
        if worst > _INT_LIMIT:
            scale *= _INT_LIMIT / worst
        self.scale = max(1, int(scale))

        model = cp_model.CpModel()
        self.model = model
        self.x = {(e, w): model.new_bool_var(f"x_{e}_{w}") for w in west for e in options[w]}
        for w in west:
            model.add_exactly_one(self.x[e, w] for e in options[w])
        self.load = {e: sum(need[w] * self.x[e, w] for w in west_of[e]) for e in east}
        for e in east:
            if len(west_of[e]) > limit:
                model.add(sum(self.x[e, w] for w in west_of[e]) <= limit)
        self.ratio = model.new_int_var(
            math.floor(self.scale * lower), math.ceil(self.scale * upper) + 1, "ratio"
        )
        for e in east:
            model.add(self.scale * self.load[e] <= capacity[e] * self.ratio)
        # No symmetry breaking among interchangeable east units (same capacity and candidates,
        # as even-split estimates produce): ordering their loads was measured to cripple
        # CP-SAT's search for good pairings; its own symmetry detection is used instead.
        self.ratio_found = math.ceil(self.scale * upper)
        self.ratio_bound = math.floor(self.scale * lower)
        self.ratio_proven = False
        self.deviation_found = 0.0
        self.deviation_bound = 0.0
        self.deviation_proven = False
        self.seconds = 0.0
        self.ratio_seconds = 0.0  # of `seconds`, those spent minimising the largest ratio

    def _ratio_of(self, assignment: Mapping[str, str]) -> float:
        loads = dict.fromkeys(self.east, 0)
        for w, e in assignment.items():
            loads[e] += self.need[w]
        return max(loads[e] / self.capacity[e] for e in self.east)

    def _run(
        self, seconds: float, workers: int | None, gap_limit: float = 0.0
    ) -> tuple[bool, float, float] | None:
        """Solve from the current best; (proven, objective, bound), None without a solution."""
        started = time.perf_counter()
        self.model.clear_hints()  # type: ignore[no-untyped-call]  # untyped in OR-Tools 9.15
        for (e, w), var in self.x.items():
            self.model.add_hint(var, self.best[w] == e)
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(seconds, 0.05)
        solver.parameters.relative_gap_limit = gap_limit
        if workers is not None:
            solver.parameters.num_workers = workers
        status = solver.solve(self.model)
        self.seconds += time.perf_counter() - started
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        self.best = {
            w: next(e for e in self.options[w] if solver.boolean_value(self.x[e, w]))
            for w in self.west
        }
        return status == cp_model.OPTIMAL, solver.objective_value, solver.best_objective_bound

    def minimise_ratio(self, seconds: float, workers: int | None, gap_limit: float) -> None:
        self.model.minimize(self.ratio)
        found = self._run(seconds, workers, gap_limit)
        self.ratio_seconds = self.seconds
        if found is not None:
            # OPTIMAL also answers a solve stopped by the gap limit: judge by the gap itself.
            self.ratio_proven = found[0] and found[1] == found[2]
            self.ratio_found, self.ratio_bound = round(found[1]), round(found[2])
        # else the start stays: feasible (check passed), bounded by the scaling's lower bound

    def minimise_deviation(self, seconds: float, workers: int | None) -> None:
        """Keep the largest ratio found, bring every unit toward its fair share."""
        model = self.model
        model.add(self.ratio <= self.ratio_found)
        total_capacity = sum(self.capacity.values())
        fair = {e: round(self.capacity[e] * self.total_need / total_capacity) for e in self.east}
        deviation = []
        for e in self.east:
            d = model.new_int_var(0, max(fair[e], self.total_need), f"d_{e}")
            model.add(d >= self.load[e] - fair[e])
            model.add(d >= fair[e] - self.load[e])
            deviation.append(d)
        model.minimize(sum(deviation))
        found = self._run(seconds, workers)
        if found is not None:
            self.deviation_proven, self.deviation_found, self.deviation_bound = found
        else:
            loads = dict.fromkeys(self.east, 0)
            for w, e in self.best.items():
                loads[e] += self.need[w]
            self.deviation_found = float(sum(abs(loads[e] - fair[e]) for e in self.east))

    def _real(self, ratio: float) -> float:
        """A ratio of the scaled figures (need·fn / capacity·fc) in need per capacity."""
        return ratio * self.capacity_factor / self.need_factor

    def _highs(self, incumbent: float, seconds: float) -> tuple[bool, float, float]:
        """The ratio model as a MILP for HiGHS: (finished, dual bound, objective found), both in
        units of `incumbent`. Raises whatever MathOpt raises."""
        model = mathopt.Model(name="pairing")
        x = {arc: model.add_binary_variable() for arc in self.x}
        # t is the largest ratio over the incumbent's, kept ≤ 1: the incumbent is among the
        # pairings left, so the minimum is the same, and presolve drops arcs that are too heavy.
        t = model.add_variable(lb=0.0, ub=1.0)
        for w in self.west:
            model.add_linear_constraint(mathopt.fast_sum(x[e, w] for e in self.options[w]) == 1)
        for e in self.east:
            if len(self.west_of[e]) > self.limit:
                model.add_linear_constraint(
                    mathopt.fast_sum(x[e, w] for w in self.west_of[e]) <= self.limit
                )
            weight = 1.0 / (self.capacity[e] * incumbent)
            model.add_linear_constraint(
                mathopt.fast_sum(self.need[w] * weight * x[e, w] for w in self.west_of[e]) <= t
            )
        model.minimize(t)
        hint = {var: float(self.best[w] == e) for (e, w), var in x.items()}
        hint[t] = 1.0
        result = mathopt.solve(
            model,
            mathopt.SolverType.HIGHS,
            params=mathopt.SolveParameters(
                time_limit=datetime.timedelta(seconds=seconds),
                relative_gap_tolerance=PROOF_TOLERANCE / 2,
                absolute_gap_tolerance=0.0,
            ),
            model_params=mathopt.ModelSolveParameters(
                solution_hints=[mathopt.SolutionHint(variable_values=hint)]
            ),
        )
        reason = result.termination.reason
        if reason not in (
            mathopt.TerminationReason.OPTIMAL,
            mathopt.TerminationReason.FEASIBLE,
            mathopt.TerminationReason.NO_SOLUTION_FOUND,
        ):
            raise RuntimeError(f"HiGHS ended with {reason.name}")  # the incumbent is feasible
        bounds = result.termination.objective_bounds
        return reason == mathopt.TerminationReason.OPTIMAL, bounds.dual_bound, bounds.primal_bound

    def milp_bound(self, seconds: float) -> tuple[str, float | None, float]:
        """Certify the current best pairing with HiGHS: (outcome, lower bound on the largest
        ratio in the scaled figures or None, seconds spent)."""
        started = time.perf_counter()
        incumbent = self._ratio_of(self.best)
        try:
            finished, dual, primal = self._highs(incumbent, seconds)
        except Exception:  # any failure of a certifier: the pairing stands, unproven
            return MILP_ERROR, None, time.perf_counter() - started
        spent = time.perf_counter() - started
        if not math.isfinite(dual) or dual <= 0:
            return MILP_LIMIT, None, spent
        bound = min(dual, 1.0) * incumbent
        if _relative_gap(incumbent, bound) <= PROOF_TOLERANCE:
            return MILP_PROVEN, bound, spent
        if finished and primal < 1.0 - PROOF_TOLERANCE:
            return MILP_BETTER, bound, spent
        return MILP_LIMIT, bound, spent

    def proof(
        self,
        index: int,
        first_bound: float,
        first_method: str,
        first_seconds: float,
        milp_seconds: float | None,
    ) -> Proof:
        """The proof of the current best pairing: `first_bound` (scaled figures) from
        `first_method`, then HiGHS for `milp_seconds` unless None."""
        incumbent = self._ratio_of(self.best)
        milp: tuple[str, float | None, float] = (MILP_NOT_RUN, None, 0.0)
        if milp_seconds is not None and milp_seconds > 0:
            milp = self.milp_bound(milp_seconds)
        outcome, milp_bound, spent = milp
        bound, method = first_bound, first_method
        if milp_bound is not None and milp_bound > first_bound:
            bound, method = milp_bound, HIGHS
        gap = _relative_gap(incumbent, bound)
        return Proof(
            component=index,
            incumbent=self._real(incumbent),
            bound=self._real(bound),
            gap=gap,
            status=OPTIMAL if gap <= PROOF_TOLERANCE else FEASIBLE,
            method=method,
            seconds=first_seconds + spent,
            cp_sat_bound=self._real(first_bound),
            milp_status=outcome,
            milp_bound=self._real(milp_bound) if milp_bound is not None else None,
            milp_seconds=spent,
        )

    def result(self) -> ComponentResult:
        need = dict.fromkeys(self.east, 0.0)
        for w, e in self.best.items():
            need[e] += self.units[w].value
        capacity = {e: self.units[e].value for e in self.east}
        mean = sum(need.values()) / sum(capacity.values())
        # The tie-break may lower the largest ratio further: judge the gap on the final pairing.
        ratio_gap = _relative_gap(self._ratio_of(self.best) * self.scale, self.ratio_bound)
        deviation_gap = _relative_gap(self.deviation_found, self.deviation_bound)
        return ComponentResult(
            east=len(self.east),
            west=len(self.west),
            status=OPTIMAL if self.ratio_proven else FEASIBLE,
            max_ratio=max(need[e] / capacity[e] for e in self.east),
            # The ratio variable stands for (need·fn)/(capacity·fc)·S: undo both scalings.
            ratio_bound=self.ratio_bound * self.capacity_factor / self.need_factor / self.scale,
            gap=ratio_gap,
            deviation_status=OPTIMAL if self.deviation_proven else FEASIBLE,
            deviation=sum(abs(need[e] - capacity[e] * mean) for e in self.east),
            deviation_bound=self.deviation_bound / self.need_factor,
            deviation_gap=deviation_gap,
            seconds=self.seconds,
        )


def _share(total: float, left: int) -> float:
    """An equal split of the time left among the components left: most components are proven
    in well under a second and hand their time on to the hard ones."""
    return total / left


def solve(
    instance: Instance,
    *,
    time_limit: float = 60.0,
    workers: int | None = None,
    tie_break_limit: float = 10.0,
    gap_limit: float = 0.0,
    certify_limit: float = 10.0,
    certify_always: bool = False,
) -> Solution:
    """The balanced pairing: see the module docstring. Raises `Infeasible` (from `check`).

    The largest ratio is minimised first in every component, within `time_limit` seconds in all;
    the deviation tie-break then gets what is left, at most `tie_break_limit` seconds. Its LP
    bound is weak (a fractional pairing balances perfectly), so it is seldom proven: it improves
    the pairing without delaying the proof that matters. `gap_limit` (relative, e.g. 0.01)
    lets a caller accept a largest ratio proven within that gap instead of waiting for a proof.

    Then the deciding component's pairing is certified: by CP-SAT's own bound when it suffices,
    else by HiGHS within `certify_limit` seconds more (0: never). `certify_always` runs HiGHS
    even when CP-SAT has proven it, as an independent check (`Proof.milp_*`).
    """
    started = time.perf_counter()
    check(instance)
    options = _options(instance)
    components = [_Component(instance, e, w, options) for e, w in _components(options)]

    def left() -> float:
        return time_limit - (time.perf_counter() - started)

    for index, component in enumerate(components):
        component.minimise_ratio(_share(left(), len(components) - index), workers, gap_limit)
    tie_break = min(tie_break_limit, left())
    tie_break_started = time.perf_counter()
    for index, component in enumerate(components):
        remaining = tie_break - (time.perf_counter() - tie_break_started)
        component.minimise_deviation(_share(remaining, len(components) - index), workers)
    results = tuple(c.result() for c in components)
    proof = None
    if components:
        index = max(range(len(results)), key=lambda i: (results[i].max_ratio, -results[i].gap))
        deciding = components[index]
        # The valid bound from CP-SAT's: the integer R is ⌈S·ratio⌉, so ratio > (R − 1) / S.
        cp_bound = max(deciding.lower, (deciding.ratio_bound - 1) / deciding.scale)
        cp_proven = _relative_gap(deciding._ratio_of(deciding.best), cp_bound) <= PROOF_TOLERANCE
        proof = deciding.proof(
            index,
            cp_bound,
            CP_SAT,
            deciding.ratio_seconds,
            certify_limit if certify_always or not cp_proven else None,
        )
    assignment = {w: e for c in components for w, e in c.best.items()}
    loads = evaluate(instance, {w: [e] for w, e in assignment.items()})
    return Solution(
        assignment=assignment,
        loads=loads,
        status=OPTIMAL if all(r.status == OPTIMAL for r in results) else FEASIBLE,
        gap=max((r.gap for r in results), default=0.0),
        deviation_status=(
            OPTIMAL if all(r.deviation_status == OPTIMAL for r in results) else FEASIBLE
        ),
        deviation_gap=max((r.deviation_gap for r in results), default=0.0),
        seconds=time.perf_counter() - started,
        components=results,
        proof=proof,
    )


def certify(
    instance: Instance, assignment: Mapping[str, str], *, time_limit: float = 10.0
) -> Proof:
    """How far any complete pairing (west -> east) is from the least largest load: HiGHS on the
    component deciding its largest ratio, against the simple bound when HiGHS gives less.
    Raises `Infeasible` for an infeasible instance and `UserError` for a pairing that breaks
    the constraints."""
    check(instance)
    options = _options(instance)
    units = {u.code: u for u in (*instance.east, *instance.west)}
    problems = []
    counts: dict[str, int] = {}
    for w, allowed in options.items():
        e = assignment.get(w)
        if e is None:
            problems.append(Problem(f"西部县 {_label(units[w])} 没有结对"))
        elif e not in allowed:
            problems.append(Problem(f"结对 {e}→{_label(units[w])} 不在可结对范围内"))
        else:
            counts[e] = counts.get(e, 0) + 1
    for e, count in sorted(counts.items()):
        if count > instance.max_per_east:
            problems.append(
                Problem(
                    f"东部单位 {_label(units[e])} 结对 {count} 个西部县，"
                    f"超过上限 {instance.max_per_east} 个"
                )
            )
    if problems:
        raise UserError("该结对方案不满足结对条件，无法证明", problems)
    components = [_Component(instance, e, w, options) for e, w in _components(options)]
    for component in components:
        component.best = {w: assignment[w] for w in component.west}
    ratios = [c._real(c._ratio_of(c.best)) for c in components]
    index = ratios.index(max(ratios))
    deciding = components[index]
    return deciding.proof(index, deciding.lower, SIMPLE, 0.0, time_limit)
