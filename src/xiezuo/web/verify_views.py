"""Verification pages (数据比对): start a run, follow its progress, review the findings."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xiezuo.accounts import policy as accounts_policy
from xiezuo.accounts.requests import actor
from xiezuo.analytics import exports, rules, selectors, services
from xiezuo.analytics.models import Finding, Run
from xiezuo.core import params, xlsx
from xiezuo.core.errors import UserError


@login_required
@require_http_methods(["GET", "POST"])
def verify_index(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            raw_year = request.POST.get("year", "").strip()
            year = (
                params.required_int(request.POST, "year", "年度", low=2000, high=2100)
                if raw_year
                else None
            )
            run = services.run_submit(
                actor=actor(request),
                scope=request.POST.get("scope", ""),
                year=year,
                engine=request.POST.get("engine", "duckdb"),
            )
        except UserError as exc:
            messages.error(request, str(exc))
            return redirect("web:verify_index")
        return redirect("web:verify_run", pk=run.pk)
    runs = selectors.runs_for(request.user)[:50]
    own = getattr(getattr(request.user, "region", None), "code", "")
    return render(
        request,
        "web/verify/index.html",
        {"runs": runs, "default_scope": own, "rules": rules.RULES, "skipped": rules.SKIPPED},
    )


@login_required
@require_GET
def verify_run(request: HttpRequest, pk: int) -> HttpResponse:
    run = selectors.run_get(request.user, pk)
    running = run.state in (Run.State.QUEUED, Run.State.RUNNING)
    context = {
        "run": run,
        "running": running,
        "overview": selectors.overview(run) if run.state == Run.State.DONE else [],
    }
    if request.headers.get("HX-Request"):
        return render(request, "web/verify/_run.html", context)
    return render(request, "web/verify/run.html", context)


@login_required
@require_GET
def verify_queue(request: HttpRequest, pk: int) -> HttpResponse:
    run = selectors.run_get(request.user, pk)
    rule = request.GET.get("rule", "")
    decision = request.GET.get("decision", Finding.Decision.OPEN)
    if rule not in rules.BY_CODE:
        rule = ""
    if decision not in Finding.Decision.values:
        decision = ""
    qs = selectors.queue(request.user, run, rule=rule, decision=decision)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "web/verify/queue.html",
        {
            "run": run,
            "page": page,
            "rule": rule,
            "decision": decision,
            "rules": rules.RULES,
            "decisions": Finding.Decision.choices,
            "may_decide": accounts_policy.may_review(request.user),
        },
    )


@login_required
@require_POST
def verify_decide(request: HttpRequest, pk: int) -> HttpResponse:
    finding = selectors.finding_get(request.user, pk)
    try:
        services.finding_decide(
            actor=actor(request),
            finding=finding,
            decision=request.POST.get("decision", ""),
            reason=request.POST.get("reason", ""),
        )
        messages.success(request, f"已核实：{finding.title}")
    except UserError as exc:
        messages.error(request, str(exc))
    back = request.POST.get("next", "")
    if back.startswith("/") and not back.startswith("//"):
        return redirect(back)
    return redirect("web:verify_queue", pk=finding.run_id)


@login_required
@require_GET
def verify_export(request: HttpRequest, pk: int) -> HttpResponse:
    run = selectors.run_get(request.user, pk)
    body = exports.findings_xlsx(selectors.queue(request.user, run, decision=""))
    response = HttpResponse(body, content_type=xlsx.XLSX)
    response["Content-Disposition"] = f'attachment; filename="findings-{run.pk}.xlsx"'
    return response


@login_required
@require_GET
def verify_record(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """The standing findings on one record, as a fragment the record page loads."""
    findings = selectors.findings_of_record(request.user, kind, pk)
    return render(request, "web/verify/_record.html", {"findings": findings})
