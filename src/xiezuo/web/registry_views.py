"""Registry pages: household list, detail, statistics and the exit check."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST

from xiezuo.accounts.policy import allows
from xiezuo.accounts.requests import actor
from xiezuo.core import crypto, params
from xiezuo.core.errors import Forbidden, UserError
from xiezuo.registry import idnumbers, policy, selectors, services
from xiezuo.registry.choices import Cause, HouseholdType, Status
from xiezuo.registry.models import ScopeConflict
from xiezuo.web import exports

FILTERS = ("region", "status", "main_cause", "exit_year", "household_type")


ID_SEARCH = "registry_id_search"  # session key: the keyed hash of the ID number searched for


def _filters(request: HttpRequest) -> dict[str, str]:
    values = {name: request.GET.get(name, "").strip()[:20] for name in FILTERS}
    year = params.year_or_none(values["exit_year"])
    values["exit_year"] = str(year) if year else ""
    values["region"] = params.code_or_empty(values["region"])
    values["q"] = request.GET.get("q", "").strip()[:30]
    values["id_hash"] = request.session.get(ID_SEARCH, "") if request.GET.get("id") else ""
    return values


@login_required
@require_POST
def household_search(request: HttpRequest) -> HttpResponse:
    """Search by name, household number or whole ID number. An ID number is posted, kept in
    the session only as its keyed hash, and the list is shown with ?id=1: it never appears in
    a URL, a log line or the browser's history."""
    text = request.POST.get("q", "").strip()[:40]
    number = idnumbers.normalise(text)
    if len(number) == 18 and number[:17].isascii() and number[:17].isdigit():
        request.session[ID_SEARCH] = crypto.keyed_hash(number)
        return redirect(reverse("web:household_list") + "?id=1")
    request.session.pop(ID_SEARCH, None)
    return redirect(reverse("web:household_list") + "?" + urlencode({"q": text} if text else {}))


@login_required
@require_GET
def household_list(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    qs = selectors.household_list(user=request.user, filters=filters)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    query = urlencode(
        {k: v for k, v in filters.items() if v and k != "id_hash"}
        | ({"id": "1"} if filters["id_hash"] else {})
    )
    return render(
        request,
        "web/registry/household_list.html",
        {
            "page": page,
            "filters": filters,
            "query": query,
            "statuses": Status.choices,
            "causes": Cause.choices,
            "types": HouseholdType.choices,
            "conflicts_open": selectors.conflicts_for(user=request.user).count(),
        },
    )


@login_required
@require_GET
def household_export(request: HttpRequest) -> HttpResponseBase:
    qs = selectors.household_list(user=request.user, filters=_filters(request))
    return exports.households_xlsx(request=request, households=qs)


@login_required
@require_GET
def household_detail(request: HttpRequest, number: str) -> HttpResponse:
    household = selectors.household_get(user=request.user, number=number)
    year = household.exit_year or timezone.localdate().year
    return render(
        request,
        "web/registry/household_detail.html",
        {
            "household": household,
            "members": household.members.all(),
            "incomes": household.incomes.all(),
            "history": household.status_changes.select_related("actor"),
            "check": selectors.exit_eligibility(household, year),
            "check_year": year,
            "line": selectors.poverty_line(year),
            "may_reveal": allows(policy.require_reveal_any, actor(request), household),
        },
    )


@login_required
@require_POST
def member_reveal(request: HttpRequest, member_id: int) -> HttpResponse:
    member = selectors.member_get(user=request.user, member_id=member_id)
    full = services.member_reveal_id(member=member, user=actor(request))
    response = render(request, "web/registry/_revealed_id.html", {"id_number": full})
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def statistics(request: HttpRequest) -> HttpResponse:
    region = _filters(request)["region"] or None
    stats = selectors.registry_statistics(user=request.user, region_prefix=region)
    status_labels = dict(Status.choices)
    cause_labels = dict(Cause.choices)
    return render(
        request,
        "web/registry/statistics.html",
        {
            "stats": stats,
            "region": region or "",
            "by_status": [(status_labels.get(k, k), v) for k, v in stats["by_status"].items()],
            "cause_chart": [
                {"name": cause_labels.get(k, k), "value": v}
                for k, v in sorted(stats["by_cause"].items(), key=lambda kv: -kv[1])
            ],
            "exit_years": [str(y) for y in stats["exits"]],
            "exit_counts": list(stats["exits"].values()),
        },
    )


@login_required
@require_GET
def exit_check(request: HttpRequest) -> HttpResponse:
    year = params.year_or_none(request.GET.get("year"))
    findings = selectors.exited_not_meeting_rules(user=request.user, year=year)
    return render(
        request,
        "web/registry/exit_check.html",
        {"findings": findings[:500], "total": len(findings), "year": year or ""},
    )


@login_required
@require_GET
def conflict_list(request: HttpRequest) -> HttpResponse:
    """The cross-region conflicts put before this office: rows of other offices' files that
    named a household or person registered elsewhere in this office's area."""
    state = request.GET.get("state", "open")
    state = state if state in ScopeConflict.State.values else ""
    qs = selectors.conflicts_for(user=request.user, state=state or None).select_related(
        "existing__village__parent", "wanted_village__parent", "raised_by", "member"
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    user = actor(request)
    for conflict in page:
        # The buttons only where the service would accept the decision.
        conflict.may_resolve = conflict.state == ScopeConflict.State.OPEN and allows(  # type: ignore[attr-defined]
            policy.require_resolve, user, conflict
        )
    return render(
        request,
        "web/registry/conflicts.html",
        {
            "page": page,
            "state": state,
            "states": ScopeConflict.State.choices,
            "query": f"state={state}",
        },
    )


@login_required
@require_POST
def conflict_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    conflict = selectors.conflict_get(user=request.user, pk=pk)
    decision = request.POST.get("decision", "")
    if decision not in ("transfer", "dismiss"):
        messages.error(request, "请求不完整：请选择转移或驳回")
        return redirect("web:registry_conflicts")
    try:
        services.conflict_resolve(
            actor=actor(request),
            conflict=conflict,
            transfer=decision == "transfer",
            note=request.POST.get("note", ""),
        )
    except Forbidden:
        raise
    except UserError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "已转移" if decision == "transfer" else "已驳回：登记保持不变")
    return redirect("web:registry_conflicts")
