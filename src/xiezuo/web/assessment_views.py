"""Assessment pages (考核评价): the year's rankings, one unit's scorecard with its steps, the
indicator systems, and the Excel export of every score."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xiezuo.accounts import policy as access
from xiezuo.accounts.requests import actor
from xiezuo.assessment import defaults, exports, policy, selectors, services
from xiezuo.assessment.choices import RunState, Side, Step
from xiezuo.assessment.measures import MEASURES
from xiezuo.assessment.models import Assessment, Run, System
from xiezuo.core import params, xlsx
from xiezuo.core.errors import Forbidden, NotFound, UserError


def _year(request: HttpRequest) -> int:
    if request.GET.get("year", "").strip():
        return params.required_int(request.GET, "year", "年度", low=2000, high=2100)
    found = selectors.years()
    return found[0] if found else timezone.localdate().year - 1


@login_required
@require_http_methods(["GET", "POST"])
def assessment_index(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            year = params.required_int(request.POST, "year", "年度", low=2000, high=2100)
            run = services.run_submit(
                actor=actor(request), year=year, engine=request.POST.get("engine", "duckdb")
            )
        except Forbidden:
            raise
        except UserError as exc:
            messages.error(request, str(exc))
            return redirect(reverse("web:assessment_index"))
        return redirect("web:assessment_run", pk=run.pk)
    year = _year(request)
    latest = selectors.latest_run(year)
    results = selectors.results_for(request.user, latest) if latest else []
    east = [r for r in results if r.side == Side.EAST]
    west = [r for r in results if r.side == Side.WEST]
    chart: dict[str, Any] = {
        side: {"units": [r.unit_name for r in rows], "totals": [float(r.total) for r in rows]}
        for side, rows in (("east", east), ("west", west))
    }
    system = latest.east_system if latest else None
    grades = [str(g["grade"]) for g in (system.grades if system else defaults.GRADES)]
    chart["network"] = _network(east, west, grades)
    return render(
        request,
        "web/assessment/index.html",
        {
            "year": year,
            "years": sorted({*selectors.years(), year}, reverse=True),
            "run": latest,
            "east": east,
            "west": west,
            "chart": chart,
            "recent": Run.objects.filter(year=year)[:5],
            "may_run": access.allows(policy.require_run, actor(request)),
        },
    )


def _network(east: list[Any], west: list[Any], grades: list[str]) -> dict[str, Any]:
    """The assessed pairs as a two-column network, each unit coloured by its grade: eastern
    units on the left, western on the right, best ranked on top; a line for each pairing both
    of whose sides the reader may see."""
    nodes: list[dict[str, Any]] = []
    by_pairing: dict[int, list[str]] = {}
    for column, rows in enumerate((east, west)):
        for i, r in enumerate(rows):
            key = f"{r.side}:{r.unit_code}"
            nodes.append(
                {
                    "id": key,
                    "name": r.unit_name,
                    "grade": r.grade,
                    "x": column,
                    "y": i,
                    "total": float(r.total),
                }
            )
            for pid in r.pairings:
                by_pairing.setdefault(pid, []).append(key)
    links = [
        {"source": a, "target": b}
        for ends in by_pairing.values()
        if len(ends) == 2
        for a, b in [ends]
    ]
    return {"nodes": nodes, "links": links, "grades": grades}


@login_required
@require_GET
def assessment_run(request: HttpRequest, pk: int) -> HttpResponse:
    if not access.allows(policy.require_run, actor(request)):
        raise NotFound(f"没有编号为 {pk} 的考核计算")
    run = Run.objects.filter(pk=pk).first()
    if run is None:
        raise NotFound(f"没有编号为 {pk} 的考核计算")
    running = run.state in (RunState.QUEUED, RunState.RUNNING)
    context = {"run": run, "running": running}
    if request.headers.get("HX-Request"):
        return render(request, "web/assessment/_run.html", context)
    return render(request, "web/assessment/run.html", context)


def _card(request: HttpRequest, year: int, side: str, code: str) -> dict[str, Any]:
    if side not in Side.values:
        raise NotFound("没有这一方")
    result = selectors.result_of(year, side, code)
    partners = selectors.partner_codes(result) if result else services.partners_of(year, side, code)
    policy.require_view(actor(request), year, code, side, partners)
    if result is None:
        raise NotFound(f"{code} 的 {year} 年考核尚未计算")
    scores: list[Any] = list(result.scores.all())
    for s in scores:
        # A share is stored as a fraction and read as a percentage.
        pct = 100.0 if s.unit == "%" else 1.0
        s.shown = None if s.value is None else round(s.value * pct, 2)
        s.limit = None if s.target is None else round(s.target * pct, 2)
        s.links = [
            (MEASURES[name].label, value, _drill(name, result, year))
            for name, value in (s.parts or {}).items()
            if name in MEASURES
        ]
    radar = {
        "areas": list(result.areas),
        "scores": [a["score"] for a in result.areas.values()],
        "weights": [a["weight"] for a in result.areas.values()],
        "trend": selectors.trend(side, code),
        "names": {"score": str(_("得分")), "weight": str(_("权重"))},
    }
    return {"result": result, "scores": scores, "radar": radar, "year": year}


def _drill(name: str, result: Any, year: int) -> str:
    """Where the records or people behind a measure are listed, filtered to the unit (for an
    eastern unit's registry results, to the area it helps)."""
    m = MEASURES[name]
    code = result.unit_code
    if m.drill == "records":
        return f"{reverse('web:coop_list', args=[m.kind])}?year={year}&region={code}&state=approved"
    if m.drill == "placements":
        return f"{reverse('web:labour')}?region={code}&year={year}"
    if m.drill == "pairings":
        return f"{reverse('web:pairing_list')}?region={code}"
    if m.drill == "findings":
        return f"{reverse('web:verify_index')}?scope={code}&year={year}"
    if result.side == Side.EAST:
        helped = selectors.partner_codes(result)
        code = helped[0] if helped else code
    if m.kind.startswith("counties"):
        return reverse("web:region_detail", args=[code])
    query = {"exited": f"&exit_year={year}", "returned": "&status=returned"}.get(m.kind, "")
    return f"{reverse('web:household_list')}?region={code}{query}"


@login_required
@require_http_methods(["GET", "POST"])
def assessment_card(request: HttpRequest, year: int, side: str, code: str) -> HttpResponse:
    context = _card(request, year, side, code)
    who = actor(request)
    if request.method == "POST":
        return _step(request, year, side, code)
    a = Assessment.objects.filter(year=year, side=side, unit_id=code).first()
    partners = selectors.partner_codes(context["result"])
    system = services.current_system(year, side)
    judged = [i for i in system.indicators.all() if i.rule == "judgement"] if system else []
    context.update(
        {
            "a": a,
            "steps": Step,
            "judged": judged,
            "may_self": access.allows(policy.require_self, who, code),
            "may_partner": access.allows(policy.require_partner, who, partners),
            "may_cross": access.allows(policy.require_cross, who, year, code, side),
            "may_final": access.allows(policy.require_final, who),
            "grades": [g["grade"] for g in (system.grades if system else [])],
        }
    )
    return render(request, "web/assessment/card.html", context)


def _judgements(request: HttpRequest, year: int, side: str) -> dict[str, dict[str, Any]]:
    system = services.current_system(year, side)
    out: dict[str, dict[str, Any]] = {}
    for ind in system.indicators.filter(rule="judgement") if system else []:
        score = request.POST.get(f"score_{ind.code}", "").strip()
        if score:
            out[ind.code] = {"score": score, "reason": request.POST.get(f"reason_{ind.code}", "")}
    return out


def _step(request: HttpRequest, year: int, side: str, code: str) -> HttpResponse:
    who = actor(request)
    what = request.POST.get("step", "")
    try:
        unit: dict[str, Any] = {"year": year, "side": side, "unit_code": code}
        text = request.POST.get("text", "")
        if what == "self":
            services.self_submit(
                actor=who, text=text, judgements=_judgements(request, year, side), **unit
            )
        elif what == "partner":
            services.partner_comment(actor=who, text=text, **unit)
        elif what == "cross":
            services.cross_submit(
                actor=who, text=text, judgements=_judgements(request, year, side), **unit
            )
        elif what == "final":
            services.finalise(
                actor=who,
                grade=request.POST.get("grade", ""),
                reason=request.POST.get("reason", ""),
                **unit,
            )
        else:
            raise UserError(f"没有“{what}”这一步")
        messages.success(request, "已保存")
    except Forbidden:
        raise
    except UserError as exc:
        messages.error(request, str(exc))
    return redirect("web:assessment_card", year=year, side=side, code=code)


@login_required
@require_GET
def assessment_export(request: HttpRequest, year: int) -> HttpResponse:
    run = selectors.latest_run(year)
    if run is None:
        raise NotFound(f"{year} 年考核尚未计算")
    body = exports.scores_xlsx(run, selectors.results_for(request.user, run))
    response = HttpResponse(body, content_type=xlsx.XLSX)
    response["Content-Disposition"] = f'attachment; filename="assessment-{year}.xlsx"'
    return response


@login_required
@require_GET
def assessment_systems(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "web/assessment/systems.html",
        {"systems": System.objects.all()[:100]},
    )


@login_required
@require_http_methods(["GET", "POST"])
def assessment_system(request: HttpRequest, pk: int) -> HttpResponse:
    system = System.objects.filter(pk=pk).first()
    if system is None:
        raise NotFound(f"没有编号为 {pk} 的指标体系")
    who = actor(request)
    if request.method == "POST":
        try:
            changes = _changes(request, system)
            revised = services.system_revise(
                actor=who, system=system, changes=changes, note=request.POST.get("note", "")
            )
        except Forbidden:
            raise
        except UserError as exc:
            messages.error(request, str(exc))
            return redirect("web:assessment_system", pk=system.pk)
        messages.success(request, f"已保存为第 {revised.version} 版")
        return redirect("web:assessment_system", pk=revised.pk)
    newest = services.current_system(system.year, system.side)
    return render(
        request,
        "web/assessment/system.html",
        {
            "system": system,
            "indicators": _with_json(system),
            "deductions": system.deductions.all(),
            "may_edit": access.allows(policy.require_manage_systems, who)
            and not system.frozen_at
            and newest is not None
            and newest.pk == system.pk,
            "versions": System.objects.filter(year=system.year, side=system.side),
        },
    )


def _with_json(system: System) -> list[Any]:
    import json

    out: list[Any] = list(system.indicators.all())
    for ind in out:
        ind.params_json = json.dumps(ind.params, ensure_ascii=False)
    return out


def _changes(request: HttpRequest, system: System) -> dict[str, dict[str, Any]]:
    """What the form changes, per indicator: weight, formula, parameters (JSON)."""
    import json

    changes: dict[str, dict[str, Any]] = {}
    for ind in system.indicators.all():
        fields: dict[str, Any] = {}
        weight = request.POST.get(f"weight_{ind.code}", "").strip()
        if weight and weight != f"{ind.weight.normalize():f}":
            fields["weight"] = weight
        formula = request.POST.get(f"formula_{ind.code}")
        if formula is not None and formula.strip() != ind.formula:
            fields["formula"] = formula.strip()
        raw = request.POST.get(f"params_{ind.code}")
        if raw is not None and raw.strip():
            try:
                params = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise UserError(f"指标 {ind.code}：参数不是有效的 JSON（{exc.msg}）") from exc
            if not isinstance(params, dict):
                raise UserError(f'指标 {ind.code}：参数应写作 {{"名称": 值}}')
            if params != ind.params:
                fields["params"] = params
        if fields:
            changes[ind.code] = fields
    return changes


@login_required
@require_POST
def assessment_assign(request: HttpRequest, year: int, side: str, code: str) -> HttpResponse:
    from xiezuo.accounts.models import User

    who = actor(request)
    _card(request, year, side, code)  # not found outside the reader's scope
    policy.require_assign(who)
    try:
        assessor = User.objects.filter(username=request.POST.get("assessor", "")).first()
        if assessor is None:
            raise UserError("没有这个账号", [])
        services.assign(actor=who, year=year, assessor=assessor, unit_code=code, side=side)
        messages.success(request, f"已安排 {assessor.username} 交叉考核")
    except UserError as exc:
        messages.error(request, str(exc))
    return redirect("web:assessment_card", year=year, side=side, code=code)
