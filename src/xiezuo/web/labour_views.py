"""Labour cooperation pages: a western county's workers, its partners' open postings and the
proposed matches to accept or reject (one by one or in bulk); an eastern unit's postings and
who took them; placements and their stability."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from xiezuo.accounts.requests import actor
from xiezuo.core import params
from xiezuo.core.errors import Forbidden, UserError
from xiezuo.labour import measures, selectors, services


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    user = request.user
    region = getattr(user, "region", None)
    today = timezone.localdate()
    summary = measures.summary(region.code, today.year, today) if region is not None else None
    asked = request.GET.get("placement", "")
    person_of = int(asked) if asked.isdigit() and len(asked) < 19 else None
    return render(
        request,
        "web/labour/index.html",
        {
            "workers": Paginator(selectors.worker_list(user=user), 50).get_page(
                request.GET.get("page")
            ),
            "postings": selectors.posting_list(user=user)[:100],
            "matches": selectors.match_list(user=user)[:200],
            "takers": selectors.posting_takers(user=user)[:200],
            "placements": _with_controls(
                user, list(selectors.placement_list(user=user, person_of=person_of)[:100])
            ),
            "person_of": person_of,
            "summary": summary,
            "region": region,
            "quarter": _quarter_context(user, today),
        },
    )


def _quarter_context(user: Any, today: datetime.date) -> dict[str, Any]:
    from xiezuo.accounts.policy import allows
    from xiezuo.labour import policy
    from xiezuo.labour.choices import Employment

    checked, counts = selectors.quarter_counts(user=user)
    region = getattr(user, "region", None)
    return {
        "checked": checked,
        "counts": [(label, counts.get(value, 0)) for value, label in Employment.choices],
        "may_check": region is not None and allows(policy.require_quarter_check, user, region.code),
        "year": today.year,
        "quarter": (today.month - 1) // 3 + 1,
    }


@login_required
@require_POST
def quarter_check(request: HttpRequest) -> HttpResponse:
    """The quarterly employment check of the user's own region's workers."""
    region = getattr(request.user, "region", None)
    try:
        if region is None:
            raise UserError("请指定地区")
        year = params.required_int(request.POST, "year", "年度", low=2000, high=2100)
        quarter = params.required_int(request.POST, "quarter", "季度", low=1, high=4)
        report = services.quarter_check(
            actor=actor(request), region_code=region.code, year=year, quarter=quarter
        )
    except Forbidden:
        raise
    except UserError as exc:
        messages.error(request, str(exc))
        return redirect("web:labour")
    done = "，".join(f"{k} {v}" for k, v in sorted(report.counts.items()))
    messages.success(request, f"{year} 年第 {quarter} 季度就业核对完成：{done or '没有劳动力'}")
    return redirect("web:labour")


@login_required
@require_POST
def run(request: HttpRequest) -> HttpResponse:
    region = getattr(request.user, "region", None)
    code = params.code_or_empty(request.POST.get("region", "")) or (region.code if region else "")
    if not code:
        messages.error(request, "请指定地区")
        return redirect("web:labour")
    try:
        result = services.match_run(actor=actor(request), west_code=code)
    except Forbidden:
        raise
    except UserError as exc:
        messages.error(request, str(exc))
        return redirect("web:labour")
    messages.success(
        request, f"匹配完成：{result.matched} 人，总分 {result.total}（{result.method}）"
    )
    return redirect("web:labour")


@login_required
@require_POST
def decide(request: HttpRequest) -> HttpResponse:
    ids = [int(v) for v in request.POST.getlist("match") if v.isdigit()]
    accept = request.POST.get("decision") == "accept"
    if not ids:
        messages.error(request, "请先勾选匹配")
        return redirect("web:labour")
    try:
        n = services.matches_decide(actor=actor(request), match_ids=ids, accept=accept)
    except Forbidden:
        raise
    except UserError as exc:
        messages.error(request, str(exc))
        return redirect("web:labour")
    messages.success(request, f"已{'接受' if accept else '拒绝'} {n} 个匹配")
    return redirect("web:labour")


def _with_controls(user: Any, placements: list[Any]) -> list[Any]:
    """Each placement with whether this user may end it: the service's own rule."""
    from xiezuo.accounts.policy import allows
    from xiezuo.labour import policy

    for p in placements:
        p.may_end = allows(policy.require_placement, user, p.home_county_id, p.organiser_region_id)
    return placements


def _date(raw: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError as exc:
        raise UserError(f"结束日期“{raw}”不是日期（应写作 2025-06-30）") from exc


@login_required
@require_POST
def placement_end(request: HttpRequest, pk: int) -> HttpResponse:
    """End a job on the day given (empty: still on)."""
    placement = selectors.placement_get(user=request.user, pk=pk)
    raw = request.POST.get("end", "").strip()
    try:
        end = _date(raw) if raw else None
        services.placement_end(actor=actor(request), placement=placement, end=end)
    except Forbidden:
        raise
    except UserError as exc:
        messages.error(request, str(exc))
        return redirect("web:labour")
    messages.success(request, f"{placement.person_name}：就业{'至 ' + str(end) if end else '在岗'}")
    return redirect("web:labour")
