"""Scores from measures: a pure module (no database), so both engines' measures are scored by the
same code and a test can state every rule's arithmetic.

Scoring rules (score = weight × fraction, the fraction in [0, 1]):
- target_share: value ÷ the sum of the unit's agreement targets named by `target`, capped at
  `cap` (default 1) and scaled so reaching the cap earns the whole weight;
- growth: (value − last year's) ÷ last year's, divided by `expected` (the growth that earns the
  whole weight); no figure last year → 0, said so;
- threshold: value ÷ `threshold` for "higher is better"; for "lower is better" whole at or below
  the threshold, falling linearly to 0 at twice it;
- rank: among units of the same side with a value, (n − place) ÷ (n − 1), the best whole;
- judgement: the reviewer's score (0 … weight) with its written reason.
A deduction whose condition holds takes `points` per unit of its value (at most `max_points`);
a veto sets the grade to the lowest band whatever the score. The total never falls below 0.
Units are ranked by total within their side; equal totals share a place (1, 1, 3).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from xiezuo.assessment import formula
from xiezuo.core.errors import Problem

CENT = Decimal("0.01")

Key = tuple[str, str]  # (side, unit code)


@dataclass(frozen=True)
class Spec:
    code: str
    area: str
    name: str
    unit: str
    direction: str
    formula: str
    weight: float
    rule: str
    params: Mapping[str, Any]


@dataclass(frozen=True)
class DeductionSpec:
    code: str
    name: str
    reason: str
    formula: str
    op: str
    threshold: float
    kind: str
    points: float
    max_points: float


@dataclass(frozen=True)
class SystemSpec:
    indicators: Sequence[Spec]
    deductions: Sequence[DeductionSpec]
    grades: Sequence[Mapping[str, Any]]


@dataclass
class Cell:
    spec: Spec
    value: float | None
    previous: float | None
    target: float | None
    score: Decimal
    note: str
    parts: Mapping[str, float | None]


@dataclass
class UnitScore:
    side: str
    unit: str
    name: str
    pairings: list[int]
    cells: list[Cell] = field(default_factory=list)
    deductions: list[dict[str, Any]] = field(default_factory=list)
    veto: str = ""
    total: Decimal = Decimal(0)
    grade: str = ""
    rank: int = 0
    peers: int = 0

    def areas(self) -> dict[str, dict[str, float]]:
        out: dict[str, dict[str, float]] = {}
        for c in self.cells:
            a = out.setdefault(c.spec.area, {"score": 0.0, "weight": 0.0})
            a["score"] = round(a["score"] + float(c.score), 2)
            a["weight"] = round(a["weight"] + c.spec.weight, 2)
        return out


def _money(x: float) -> Decimal:
    return Decimal(repr(round(x, 6))).quantize(CENT, rounding=ROUND_HALF_UP)


def _holds(value: float, op: str, threshold: float) -> bool:
    return {
        ">": value > threshold,
        ">=": value >= threshold,
        "<": value < threshold,
        "<=": value <= threshold,
    }.get(op, False)


def missing_targets(
    units: Sequence[tuple[str, str, str]],
    tops: Mapping[Key, Sequence[int]],
    targets: Mapping[int, Mapping[str, float]],
    systems: Mapping[str, SystemSpec],
    pairing_names: Mapping[int, str],
) -> tuple[list[Problem], set[Key]]:
    """The agreement targets a target-share indicator needs and does not find (a problem per
    pairing and indicator), and the units with no agreement at all that year (not assessed)."""
    problems: list[Problem] = []
    unassessed: set[Key] = set()
    for side, unit, name in units:
        pids = list(tops.get((side, unit), ()))
        if not any(targets.get(p) for p in pids):
            unassessed.add((side, unit))
            continue
        for spec in systems[side].indicators:
            if spec.rule != "target_share":
                continue
            for pid in pids:
                have = targets.get(pid, {})
                lacking = [t for t in spec.params.get("target", []) if t not in have]
                if lacking:
                    problems.append(
                        Problem(
                            f"{pairing_names.get(pid, pid)} 的协议缺少目标 {'、'.join(lacking)}",
                            f"{name} 指标 {spec.code}（{spec.name}）",
                        )
                    )
    return problems, unassessed


def score_all(
    units: Sequence[tuple[str, str, str]],
    tops: Mapping[Key, Sequence[int]],
    targets: Mapping[int, Mapping[str, float]],
    measures: Mapping[Key, Mapping[int, Mapping[str, float]]],
    systems: Mapping[str, SystemSpec],
    judgements: Mapping[Key, Mapping[str, float]],
    *,
    year: int,
) -> list[UnitScore]:
    out: list[UnitScore] = []
    for side, unit, name in units:
        key = (side, unit)
        pids = sorted(tops.get(key, ()))
        now = measures.get(key, {}).get(year, {})
        before = measures.get(key, {}).get(year - 1, {})
        result = UnitScore(side, unit, name, pids)
        for spec in systems[side].indicators:
            result.cells.append(_cell(spec, now, before, pids, targets, judgements.get(key, {})))
        out.append(result)
    for side, system in systems.items():
        mine = [u for u in out if u.side == side]
        _rank_cells(mine, system)
        for u in mine:
            _finish(u, system, measures.get((u.side, u.unit), {}).get(year, {}))
        _rank_units(mine)
    return out


def _cell(
    spec: Spec,
    now: Mapping[str, float],
    before: Mapping[str, float],
    pids: Sequence[int],
    targets: Mapping[int, Mapping[str, float]],
    judged: Mapping[str, float],
) -> Cell:
    w = spec.weight
    if spec.rule == "judgement":
        given = judged.get(spec.code)
        if given is None:
            return Cell(spec, None, None, None, Decimal(0), "待评审评分", {})
        return Cell(spec, given, None, None, _money(min(max(given, 0.0), w)), "评审评分", {})
    names = formula.names(spec.formula, where=spec.code)
    parts: dict[str, float | None] = {n: now.get(n, 0.0) for n in names}
    value = formula.evaluate(spec.formula, parts)
    previous = formula.evaluate(spec.formula, {n: before.get(n, 0.0) for n in names})
    if value is None:
        return Cell(spec, None, previous, None, Decimal(0), "无数据（分母为 0）", parts)
    if spec.rule == "target_share":
        target = sum(targets.get(p, {}).get(t, 0.0) for p in pids for t in spec.params["target"])
        cap = float(spec.params.get("cap", 1.0))
        if target <= 0:
            return Cell(spec, value, previous, target, _money(w), "目标为 0，按完成计", parts)
        share = min(value / target, cap) / cap
        return Cell(spec, value, previous, target, _money(w * share), f"完成 {share:.0%}", parts)
    if spec.rule == "growth":
        if not previous:
            return Cell(spec, value, previous, None, Decimal(0), "上年无数据，不计增长", parts)
        growth = (value - previous) / previous
        expected = float(spec.params.get("expected", 0.1))
        frac = min(max(growth / expected, 0.0), 1.0) if expected > 0 else float(growth >= 0)
        return Cell(spec, value, previous, None, _money(w * frac), f"增长 {growth:.1%}", parts)
    if spec.rule == "threshold":
        limit = float(spec.params.get("threshold", 1.0))
        if spec.direction == "down":
            frac = 1.0 if value <= limit else max(0.0, 1.0 - (value - limit) / (limit or 1.0))
        else:
            frac = 1.0 if limit <= 0 else min(value / limit, 1.0)
        return Cell(spec, value, previous, limit, _money(w * max(frac, 0.0)), "", parts)
    # rank: scored once every unit's value is known (_rank_cells)
    return Cell(spec, value, previous, None, Decimal(0), "", parts)


def _rank_cells(units: Sequence[UnitScore], system: SystemSpec) -> None:
    for i, spec in enumerate(system.indicators):
        if spec.rule != "rank":
            continue
        cells = [u.cells[i] for u in units if u.cells[i].value is not None]
        sign = 1 if spec.direction == "down" else -1
        ordered = sorted(cells, key=lambda c: sign * (c.value or 0.0))
        n = len(ordered)
        for cell in cells:
            assert cell.value is not None
            place = sum(1 for c in ordered if sign * (c.value or 0.0) < sign * cell.value)
            frac = 1.0 if n == 1 else (n - 1 - place) / (n - 1)
            cell.score = _money(spec.weight * frac)
            cell.note = f"第 {place + 1} 名（共 {n} 个单位）"


def _finish(u: UnitScore, system: SystemSpec, now: Mapping[str, float]) -> None:
    total = sum((c.score for c in u.cells), Decimal(0))
    for d in system.deductions:
        names = formula.names(d.formula, where=d.code)
        value = formula.evaluate(d.formula, {n: now.get(n, 0.0) for n in names})
        if value is None or not _holds(value, d.op, d.threshold):
            continue
        if d.kind == "veto":
            u.veto = f"{d.name}：{d.reason}"
            u.deductions.append({"code": d.code, "name": d.name, "reason": d.reason, "points": 0})
            continue
        points = min(d.points * value, d.max_points) if d.max_points else d.points * value
        u.deductions.append(
            {"code": d.code, "name": d.name, "reason": d.reason, "points": float(_money(points))}
        )
        total -= _money(points)
    u.total = max(total, Decimal(0)).quantize(CENT)
    bands = sorted(system.grades, key=lambda g: -float(g["min"]))
    u.grade = (
        str(bands[-1]["grade"])
        if u.veto
        else next(
            (str(g["grade"]) for g in bands if float(u.total) >= float(g["min"])),
            str(bands[-1]["grade"]),
        )
    )


def _rank_units(units: Sequence[UnitScore]) -> None:
    for u in units:
        u.rank = 1 + sum(1 for o in units if o.total > u.total)
        u.peers = len(units)


def spec_from_data(data: Mapping[str, Any], grades: Sequence[Mapping[str, Any]]) -> SystemSpec:
    """A system from plain data (a shipped template): for benchmarks and engine comparisons that
    score without a database."""
    return SystemSpec(
        indicators=[
            Spec(
                i["code"],
                i["area"],
                i["name"],
                i.get("unit", ""),
                i.get("direction", "up"),
                i.get("formula", ""),
                float(i["weight"]),
                i["rule"],
                i.get("params") or {},
            )
            for i in data["indicators"]
        ],
        deductions=[
            DeductionSpec(
                d["code"],
                d["name"],
                d["reason"],
                d["formula"],
                d["op"],
                float(d["threshold"]),
                d["kind"],
                float(d.get("points", 0)),
                float(d.get("max_points", 0)),
            )
            for d in data["deductions"]
        ],
        grades=list(grades),
    )


def score_figures(figures: Any, year: int) -> list[UnitScore]:
    """Every unit of `figures` (job.Figures) scored by the shipped systems of `year`."""
    from xiezuo.assessment import defaults

    systems = {}
    for side in ("east", "west"):
        template = defaults.template_for(year, side)
        assert template is not None
        systems[side] = spec_from_data(template, defaults.GRADES)
    return score_all(
        figures.units, figures.tops, figures.targets, figures.measures, systems, {}, year=year
    )
