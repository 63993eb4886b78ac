"""Changes of state of the assessment: systems (created from the shipped templates, revised as
new versions), runs (computed whole, replacing the last complete one only when they finish),
assessor assignments and the four steps of each unit's year."""

from __future__ import annotations

import datetime
import shutil
import time
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from xiezuo.accounts.models import User
from xiezuo.assessment import defaults, formula, job, policy, scoring
from xiezuo.assessment.choices import Rule, RunState, Side, Step
from xiezuo.assessment.measures import MEASURES
from xiezuo.assessment.models import (
    Assessment,
    Assignment,
    Deduction,
    Indicator,
    Result,
    Run,
    Score,
    System,
)
from xiezuo.audit.models import AuditEvent
from xiezuo.audit.services import audit_record
from xiezuo.core.errors import NotFound, Problem, UserError
from xiezuo.pairing.choices import Indicator as TargetIndicator

ACTIVE = (RunState.QUEUED, RunState.RUNNING)
STALE = datetime.timedelta(minutes=15)
INDICATOR_FIELDS = ("area", "name", "definition", "unit", "direction", "formula", "weight", "rule")


def _check_year(year: int) -> None:
    if not 2000 <= int(year) <= 2100:
        raise UserError(f"年度 {year} 不对", [Problem(f"年度 {year} 不对", "年度")])


# ---------------------------------------------------------------- systems


def validate_system(
    indicators: list[dict[str, Any]],
    deductions: list[dict[str, Any]],
    grades: list[dict[str, Any]],
) -> None:
    """Every fault at once, each naming the indicator: weights that do not add up to 100, a
    formula naming no measure, a rule without what it needs."""
    problems: list[Problem] = []
    codes = [str(i.get("code", "")) for i in indicators]
    for code in {c for c in codes if codes.count(c) > 1}:
        problems.append(Problem("指标代码重复", f"指标 {code}"))
    total = Decimal(0)
    for ind in indicators:
        where = f"指标 {ind.get('code', '?')}（{ind.get('name', '')}）"
        try:
            weight = Decimal(str(ind.get("weight")))
        except (InvalidOperation, ValueError):
            problems.append(Problem(f"权重“{ind.get('weight')}”不是数字", where))
            continue
        if weight < 0:
            problems.append(Problem("权重不能为负", where))
        total += weight
        rule = ind.get("rule")
        if rule not in Rule.values:
            problems.append(Problem(f"没有“{rule}”这种评分方法", where))
            continue
        params = ind.get("params") or {}
        text = str(ind.get("formula") or "")
        if rule == Rule.JUDGEMENT:
            continue
        if not text.strip():
            problems.append(Problem("须填写计算公式（数据项）", where))
            continue
        try:
            formula.check(text, MEASURES, where=where)
        except UserError as exc:
            problems.append(Problem(exc.summary.split("：", 1)[-1], where))
        if rule == Rule.TARGET_SHARE:
            wanted = params.get("target") or []
            unknown = [t for t in wanted if t not in TargetIndicator.values]
            if not wanted or unknown:
                problems.append(
                    Problem(f"协议目标 {'、'.join(unknown) or '（未填写）'} 不是协议指标", where)
                )
        if rule == Rule.GROWTH and not _positive(params.get("expected")):
            problems.append(Problem("须填写满分增长率（大于 0）", where))
        if rule == Rule.THRESHOLD and not _positive(params.get("threshold")):
            problems.append(Problem("须填写标准值（大于 0）", where))
    if total != 100:
        problems.append(Problem(f"各指标权重合计为 {total.normalize():f}，应为 100", "权重"))
    for d in deductions:
        where = f"扣分项 {d.get('code', '?')}（{d.get('name', '')}）"
        try:
            formula.check(str(d.get("formula") or ""), MEASURES, where=where)
        except UserError as exc:
            problems.append(Problem(exc.summary.split("：", 1)[-1], where))
        if d.get("op") not in (">", ">=", "<", "<="):
            problems.append(Problem(f"比较符“{d.get('op')}”不对", where))
        if not str(d.get("reason") or "").strip():
            problems.append(Problem("须写明扣分理由", where))
    bands = [g for g in grades if str(g.get("grade", "")).strip()]
    if not bands or min(float(g.get("min", 0)) for g in bands) != 0:
        problems.append(Problem("等次须有一档从 0 分起", "等次"))
    if problems:
        raise UserError("考核指标体系有误，未保存", problems)


def _positive(value: Any) -> bool:
    try:
        return float(value) > 0
    except (TypeError, ValueError):
        return False


def _write_system(
    *,
    year: int,
    side: str,
    version: int,
    name: str,
    basis: str,
    grades: list[dict[str, Any]],
    indicators: list[dict[str, Any]],
    deductions: list[dict[str, Any]],
    note: str,
    actor: User | None,
) -> System:
    system = System.objects.create(
        year=year,
        side=side,
        version=version,
        name=name,
        basis=basis,
        grades=grades,
        note=note,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    Indicator.objects.bulk_create(
        Indicator(
            system=system,
            order=n,
            code=i["code"],
            params=i.get("params") or {},
            **{k: i.get(k, "") for k in INDICATOR_FIELDS},
        )
        for n, i in enumerate(indicators)
    )
    Deduction.objects.bulk_create(
        Deduction(
            system=system,
            **{k: d[k] for k in ("code", "name", "reason", "formula", "op", "threshold", "kind")},
            points=d.get("points", 0),
            max_points=d.get("max_points", 0),
        )
        for d in deductions
    )
    return system


def current_system(year: int, side: str) -> System | None:
    return System.objects.filter(year=year, side=side).order_by("-version").first()


@transaction.atomic
def system_ensure(year: int, side: str) -> System:
    """The year's system in force for a side, copied from the shipped template the first time."""
    _check_year(year)
    found = current_system(year, side)
    if found is not None:
        return found
    template = defaults.template_for(year, side)
    if template is None:
        raise UserError(f"{year} 年没有{Side(side).label}的考核指标体系")
    validate_system(template["indicators"], template["deductions"], defaults.GRADES)
    return _write_system(
        year=year,
        side=side,
        version=1,
        name=template["name"],
        basis=template["basis"],
        grades=defaults.GRADES,
        indicators=template["indicators"],
        deductions=template["deductions"],
        note="按系统默认指标体系建立",
        actor=None,
    )


def system_as_data(system: System) -> dict[str, Any]:
    return {
        "indicators": [
            {"code": i.code, "params": i.params, **{k: getattr(i, k) for k in INDICATOR_FIELDS}}
            for i in system.indicators.all()
        ],
        "deductions": [
            {
                k: getattr(d, k)
                for k in (
                    "code",
                    "name",
                    "reason",
                    "formula",
                    "op",
                    "threshold",
                    "kind",
                    "points",
                    "max_points",
                )
            }
            for d in system.deductions.all()
        ],
        "grades": list(system.grades),
    }


@transaction.atomic
def system_revise(
    *,
    actor: User | None,
    system: System,
    changes: Mapping[str, Mapping[str, Any]],
    grades: list[dict[str, Any]] | None = None,
    note: str,
) -> System:
    """A new version of `system` with `changes` ({indicator code: {field: value}}) applied.
    Refused once the year's assessment has started, or if the result would not be valid."""
    policy.require_manage_systems(actor)
    latest = System.objects.select_for_update().filter(pk=system.pk).first()
    if latest is None:
        raise NotFound("没有该考核指标体系")
    if (
        latest.frozen_at
        or System.objects.filter(
            year=system.year, side=system.side, frozen_at__isnull=False
        ).exists()
    ):
        raise UserError(f"{system.year} 年考核已开始，指标体系已冻结，不能再修改")
    newest = current_system(system.year, system.side)
    if newest is not None and newest.pk != system.pk:
        raise UserError(f"该指标体系已有更新的第 {newest.version} 版，请在新版本上修改")
    note = (note or "").strip()
    if not note:
        raise UserError("修改须说明理由", [Problem("修改须说明理由", "修改说明")])
    data = system_as_data(system)
    by_code = {i["code"]: i for i in data["indicators"]}
    unknown = [c for c in changes if c not in by_code]
    if unknown:
        raise UserError(f"没有指标 {'、'.join(unknown)}")
    for code, fields in changes.items():
        for key, value in fields.items():
            if key not in (*INDICATOR_FIELDS, "params"):
                raise UserError(f"指标 {code}：不能修改“{key}”")
            by_code[code][key] = value
    if grades is not None:
        data["grades"] = grades
    for i in data["indicators"]:
        i["weight"] = str(i["weight"])
    validate_system(data["indicators"], data["deductions"], data["grades"])
    revised = _write_system(
        year=system.year,
        side=system.side,
        version=system.version + 1,
        name=system.name,
        basis=system.basis,
        grades=data["grades"],
        indicators=data["indicators"],
        deductions=data["deductions"],
        note=note,
        actor=actor,
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=revised,
        before={"version": system.version},
        after={"version": revised.version, "changes": _plain(changes), "note": note},
    )
    return revised


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value if isinstance(value, int | float | str | bool) or value is None else str(value)


def _freeze(year: int) -> None:
    System.objects.filter(year=year, frozen_at__isnull=True).update(frozen_at=timezone.now())


def spec_of(system: System) -> scoring.SystemSpec:
    return scoring.SystemSpec(
        indicators=[
            scoring.Spec(
                i.code,
                i.area,
                i.name,
                i.unit,
                i.direction,
                i.formula,
                float(i.weight),
                i.rule,
                i.params or {},
            )
            for i in system.indicators.all()
        ],
        deductions=[
            scoring.DeductionSpec(
                d.code,
                d.name,
                d.reason,
                d.formula,
                d.op,
                d.threshold,
                d.kind,
                d.points,
                d.max_points,
            )
            for d in system.deductions.all()
        ],
        grades=list(system.grades),
    )


# ---------------------------------------------------------------- runs


def verification_for(year: int) -> Any:
    """The verification whose findings the year's assessment counts: the latest complete
    national run for that year, or else for all years."""
    from xiezuo.analytics import selectors as verify

    return verify.latest_done("", year) or verify.latest_done("", None)


def run_is_stale(run: Run) -> bool:
    return run.state in ACTIVE and timezone.now() - run.created_at > STALE


@transaction.atomic
def run_create(*, actor: User | None, year: int, engine: str = "duckdb") -> Run:
    from xiezuo.analytics.engines import ENGINES

    policy.require_run(actor)
    _check_year(year)
    if engine not in ENGINES:
        raise UserError(f"没有“{engine}”引擎，可选：{'、'.join(ENGINES)}")
    if verification_for(year) is None:
        raise UserError(
            f"计算 {year} 年考核前须先完成一次全国数据比对：考核只计核实通过的人员",
            [Problem("尚无已完成的全国数据比对", "数据比对")],
        )
    for other in Run.objects.select_for_update().filter(year=year, state__in=ACTIVE):
        if run_is_stale(other):
            run_fail(other.pk, "计算中断（工作进程已停止），请重新计算")
        else:
            raise UserError(f"{year} 年考核计算 #{other.pk} 正在进行，请等它完成")
    east, west = system_ensure(year, Side.EAST), system_ensure(year, Side.WEST)
    _freeze(year)
    run = Run.objects.create(
        year=year,
        engine=engine,
        east_system=east,
        west_system=west,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=run,
        after={"year": year, "engine": engine, "east": east.pk, "west": west.pk},
    )
    return run


def run_submit(*, actor: User | None, year: int, engine: str = "duckdb") -> Run:
    from xiezuo.assessment.tasks import assessment_run_task

    with transaction.atomic():
        run = run_create(actor=actor, year=year, engine=engine)
        assessment_run_task.enqueue(run.pk)
    run.refresh_from_db()
    return run


def _verdicts(verify_run: Any) -> Iterable[tuple[Any, ...]]:
    from xiezuo.analytics.models import Finding

    for kind, rid, id_hash, reporter, year, excludes, decision in verify_run.findings.values_list(
        "record_kind", "record_id", "id_hash", "reporter_code", "year", "excludes", "decision"
    ).iterator(chunk_size=5000):
        yield (
            kind,
            rid,
            id_hash,
            reporter,
            year,
            bool(excludes and id_hash and decision != Finding.Decision.DISMISSED),
            decision == Finding.Decision.CONFIRMED,
        )


def _judgements(year: int) -> dict[tuple[str, str], dict[str, float]]:
    out: dict[tuple[str, str], dict[str, float]] = {}
    for a in Assessment.objects.filter(year=year):
        for code, value in (a.judgements or {}).items():
            if isinstance(value, dict) and value.get("score") is not None:
                out.setdefault((a.side, a.unit_id), {})[code] = float(value["score"])
    return out


def _progress(run_id: int, percent: int) -> None:
    Run.objects.filter(pk=run_id).update(progress=min(percent, 99))


def run_execute(run: Run, *, snapshot_dir: Path | None = None) -> Run:
    """Export (unless given a snapshot), compute every unit's measures, score them, and save the
    run whole. A refused or failed run leaves the last complete one standing."""
    from xiezuo.analytics import snapshot

    Run.objects.filter(pk=run.pk).update(state=RunState.RUNNING)
    started = time.perf_counter()
    work = Path(settings.DATA_DIR) / "assessment" / f"run-{run.pk}"
    work.mkdir(parents=True, exist_ok=True)
    try:
        source = snapshot_dir
        if source is None:
            source = work / "snapshot"
            snapshot.export(source)
        _progress(run.pk, 10)
        verify_run = verification_for(run.year)
        if verify_run is None:
            raise UserError(f"计算 {run.year} 年考核前须先完成一次全国数据比对")
        verdicts = job.write_verdicts(work / "verdicts.parquet", _verdicts(verify_run))
        figures = job.compute(
            source,
            year=run.year,
            verdicts=verdicts,
            engine_name=run.engine,
            step=lambda what, pct: _progress(run.pk, 10 + int(pct * 0.8)),
        )
        assert run.east_system is not None and run.west_system is not None
        systems = {
            Side.EAST.value: spec_of(run.east_system),
            Side.WEST.value: spec_of(run.west_system),
        }
        _name_pairings(figures)
        problems, unassessed = scoring.missing_targets(
            figures.units, figures.tops, figures.targets, systems, figures.pairing_names
        )
        if problems:
            raise UserError(f"{run.year} 年考核未计算：结对协议缺少考核所需的目标", problems)
        assessed = [u for u in figures.units if (u[0], u[1]) not in unassessed]
        scored = scoring.score_all(
            assessed,
            figures.tops,
            figures.targets,
            figures.measures,
            systems,
            _judgements(run.year),
            year=run.year,
        )
        _save(run, scored, verify_run.pk, time.perf_counter() - started)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    run.refresh_from_db()
    return run


def _name_pairings(figures: job.Figures) -> None:
    from xiezuo.pairing.models import Pairing

    for p in Pairing.objects.filter(pk__in=list(figures.pairing_names)).select_related(
        "east_region", "west_region", "east_org"
    ):
        figures.pairing_names[p.pk] = str(p)


@transaction.atomic
def _save(run: Run, scored: list[scoring.UnitScore], verify_run_id: int, seconds: float) -> None:
    for u in scored:
        result = Result.objects.create(
            run=run,
            side=u.side,
            unit_code=u.unit,
            unit_name=u.name,
            total=u.total,
            grade=u.grade,
            rank=u.rank,
            peers=u.peers,
            areas=u.areas(),
            deductions=u.deductions,
            veto=u.veto[:200],
            pairings=u.pairings,
        )
        Score.objects.bulk_create(
            Score(
                result=result,
                code=c.spec.code,
                area=c.spec.area,
                name=c.spec.name,
                unit=c.spec.unit,
                rule=c.spec.rule,
                value=c.value,
                previous=c.previous,
                target=c.target,
                weight=Decimal(str(c.spec.weight)),
                score=c.score,
                note=c.note[:300],
                parts=c.parts,
            )
            for c in u.cells
        )
    Run.objects.filter(pk=run.pk).update(
        state=RunState.DONE,
        progress=100,
        verify_run_id=verify_run_id,
        seconds=round(seconds, 2),
        finished_at=timezone.now(),
    )


def run_fail(run_id: int, message: str) -> None:
    Run.objects.filter(pk=run_id).update(
        state=RunState.FAILED, message=message[:4000], finished_at=timezone.now()
    )


# ---------------------------------------------------------------- the steps of a unit's year


def partners_of(year: int, side: str, unit_code: str) -> list[str]:
    """The regions on the other side of the unit's east–west pairings that run in `year`."""
    from django.db.models import Q

    from xiezuo.pairing.choices import Kind, Status
    from xiezuo.pairing.models import Pairing

    qs = (
        Pairing.objects.filter(kind=Kind.EAST_WEST, start_year__lte=year)
        .filter(Q(end_year__isnull=True) | Q(end_year__gte=year))
        .filter(status__in=[Status.ACTIVE, Status.ENDED])
    )
    if side == Side.EAST:
        return sorted(
            set(qs.filter(east_region_id=unit_code).values_list("west_region_id", flat=True))
        )
    return sorted(
        {
            c
            for c in qs.filter(west_region_id=unit_code).values_list("east_region_id", flat=True)
            if c
        }
    )


@transaction.atomic
def assessment_open(year: int, side: str, unit_code: str) -> Assessment:
    from xiezuo.regions.models import Region

    _check_year(year)
    if side not in Side.values:
        raise UserError(f"没有“{side}”这一方")
    if not Region.objects.filter(code=unit_code).exists():
        raise NotFound(f"没有区划代码为 {unit_code} 的地区")
    found, _ = Assessment.objects.get_or_create(year=year, side=side, unit_id=unit_code)
    return found


def _judged(
    year: int, side: str, judgements: Mapping[str, Mapping[str, Any]], actor: User | None
) -> dict[str, dict[str, Any]]:
    """Checked scores of qualitative indicators: each a judgement indicator of the year's
    system, within 0 … its weight, with a written reason."""
    system = system_ensure(year, side)
    weights = {i.code: i for i in system.indicators.filter(rule=Rule.JUDGEMENT)}
    problems: list[Problem] = []
    out: dict[str, dict[str, Any]] = {}
    for code, given in judgements.items():
        ind = weights.get(code)
        where = f"指标 {code}"
        if ind is None:
            problems.append(Problem("不是需要评审评分的指标", where))
            continue
        where = f"指标 {code}（{ind.name}）"
        try:
            score = Decimal(str(given.get("score")))
        except (InvalidOperation, ValueError):
            problems.append(Problem(f"评分“{given.get('score')}”不是数字", where))
            continue
        if not 0 <= score <= ind.weight:
            problems.append(Problem(f"评分应在 0 到 {ind.weight.normalize():f} 之间", where))
        reason = str(given.get("reason") or "").strip()
        if not reason:
            problems.append(Problem("评分须写明理由", where))
        out[code] = {
            "score": float(score),
            "reason": reason[:1000],
            "by": getattr(actor, "username", "") or "system",
        }
    if problems:
        raise UserError("评分有误，未保存", problems)
    return out


def _require_step(a: Assessment, allowed: tuple[str, ...], what: str) -> None:
    if a.step not in allowed:
        raise UserError(
            f"现在不能{what}：{a.year} 年考核处于“{Step(a.step).label}”",
            [Problem("步骤顺序为 自评 → 对方意见 → 交叉考核 → 最终评定", "步骤")],
        )


def _text(value: str, what: str) -> str:
    value = (value or "").strip()
    if not value:
        raise UserError(f"须填写{what}", [Problem(f"须填写{what}", what)])
    return value[:10000]


def _taken(a: Assessment, actor: User | None, step: str, prefix: str) -> Assessment:
    """Record who took the step and when (`<prefix>_by`, `<prefix>_at`), move to `step`, save and
    audit — the same for every step."""
    setattr(a, f"{prefix}_by", actor if getattr(actor, "pk", None) else None)
    setattr(a, f"{prefix}_at", timezone.now())
    a.step = step
    a.save()
    after: dict[str, Any] = {"step": step}
    if step == Step.FINAL:
        after["grade"] = a.final_grade
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=a, after=after)
    return a


def _locked(year: int, side: str, unit_code: str) -> Assessment:
    """The unit's year, opened if need be, locked for the step: called only once the step's
    policy has let the actor through, so a refused step leaves nothing behind."""
    opened = assessment_open(year, side, unit_code)
    return Assessment.objects.select_for_update().get(pk=opened.pk)


@transaction.atomic
def self_submit(
    *,
    actor: User | None,
    year: int,
    side: str,
    unit_code: str,
    text: str,
    judgements: Mapping[str, Mapping[str, Any]] | None = None,
) -> Assessment:
    policy.require_self(actor, unit_code)
    a = _locked(year, side, unit_code)
    _require_step(a, (Step.OPEN, Step.SELF), "提交自评")
    judged = _judged(a.year, a.side, judgements or {}, actor)
    a.self_text = _text(text, "自评报告")
    a.judgements = {**(a.judgements or {}), **judged}
    _freeze(a.year)
    return _taken(a, actor, Step.SELF, "self")


@transaction.atomic
def partner_comment(
    *, actor: User | None, year: int, side: str, unit_code: str, text: str
) -> Assessment:
    policy.require_partner(actor, partners_of(year, side, unit_code))
    a = _locked(year, side, unit_code)
    _require_step(a, (Step.SELF,), "提出对方意见")
    a.partner_text = _text(text, "对方意见")
    return _taken(a, actor, Step.PARTNER, "partner")


@transaction.atomic
def cross_submit(
    *,
    actor: User | None,
    year: int,
    side: str,
    unit_code: str,
    text: str,
    judgements: Mapping[str, Mapping[str, Any]] | None = None,
) -> Assessment:
    policy.require_cross(actor, year, unit_code, side)
    a = _locked(year, side, unit_code)
    _require_step(a, (Step.PARTNER,), "提交交叉考核意见")
    judged = _judged(a.year, a.side, judgements or {}, actor)
    a.cross_text = _text(text, "交叉考核意见")
    # The cross-assessment's scores replace the self-assessment's proposals.
    a.judgements = {**(a.judgements or {}), **{k: {**v, "cross": True} for k, v in judged.items()}}
    return _taken(a, actor, Step.CROSS, "cross")


@transaction.atomic
def finalise(
    *, actor: User | None, year: int, side: str, unit_code: str, grade: str, reason: str = ""
) -> Assessment:
    policy.require_final(actor)
    a = _locked(year, side, unit_code)
    _require_step(a, (Step.CROSS,), "评定最终等次")
    system = system_ensure(a.year, a.side)
    allowed = [str(g["grade"]) for g in system.grades]
    if grade not in allowed:
        raise UserError(
            f"等次“{grade}”不对，可选：{'、'.join(allowed)}", [Problem("等次不对", "最终等次")]
        )
    from xiezuo.assessment import selectors

    computed = selectors.result_of(a.year, a.side, a.unit_id)
    if computed is not None and computed.grade != grade and not (reason or "").strip():
        raise UserError(
            f"最终等次与计算结果（{computed.grade}）不同，须写明理由",
            [Problem("须写明理由", "理由")],
        )
    a.final_grade = grade
    a.final_reason = (reason or "").strip()[:2000]
    return _taken(a, actor, Step.FINAL, "final")


@transaction.atomic
def assign(
    *, actor: User | None, year: int, assessor: User, unit_code: str, side: str
) -> Assignment:
    policy.require_assign(actor)
    from xiezuo.accounts.models import Role

    if not assessor.has_role(Role.ASSESSOR):
        raise UserError(f"{assessor.username} 没有考核人员角色，不能安排交叉考核")
    assessment_open(year, side, unit_code)
    found, created = Assignment.objects.get_or_create(
        year=year,
        assessor=assessor,
        unit_id=unit_code,
        side=side,
        defaults={"created_by": actor if getattr(actor, "pk", None) else None},
    )
    if created:
        audit_record(
            actor=actor,
            action=AuditEvent.Action.CREATE,
            obj=found,
            after={"assessor": assessor.username, "unit": unit_code, "year": year},
        )
    return found
