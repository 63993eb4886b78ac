"""Pages. Each view parses the request, calls a selector or service, and renders."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from xiezuo.accounts.scope import scope_for
from xiezuo.core import params
from xiezuo.pairing import selectors as pairing_selectors
from xiezuo.regions import selectors
from xiezuo.regions.codes import Level
from xiezuo.regions.models import Region
from xiezuo.web import exports
from xiezuo.web.todo import todo_of


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def _level_labels() -> dict[int, str]:
    return {int(v): str(v.label) for v in Level}


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    region = user.region
    exits = selectors.poverty_exits_by_year(user=user, region=region)
    context = {
        "region": region,
        "path": selectors.region_path(region) if region else [],
        "level_counts": _counted_levels(user, region),
        "exits": exits,
        "exit_years": list(exits.keys()),
        "exit_counts": list(exits.values()),
        "todo": todo_of(request),
    }
    return render(request, "web/home.html", context)


def _counted_levels(user: Any, region: Region | None) -> list[tuple[str, int]]:
    counts = selectors.region_level_counts(user=user, region=region)
    labels = _level_labels()
    return [(labels[level], n) for level, n in sorted(counts.items())]


@login_required
@require_GET
def region_root(request: HttpRequest) -> HttpResponse:
    """The top of what the user may browse: the whole country, or its region's province."""
    scope = scope_for(request.user)
    if scope.everything:
        children = selectors.region_children(user=request.user, region=None)
        return render(
            request,
            "web/region_detail.html",
            {
                "region": None,
                "path": [],
                "children": children,
                "level_counts": _counted_levels(request.user, None),
            },
        )
    user: Any = request.user
    if user.region is None:
        raise Http404("no region")
    top = selectors.region_path(user.region)[0]
    return redirect("web:region_detail", code=top.code)


@login_required
@require_GET
def region_detail(request: HttpRequest, code: str) -> HttpResponse:
    resolved = selectors.region_get(user=request.user, code=code)
    if resolved.replaced:
        return redirect("web:region_detail", code=resolved.region.code)
    region = resolved.region
    return render(
        request,
        "web/region_detail.html",
        {
            "region": region,
            "path": selectors.region_path(region),
            "children": selectors.region_children(user=request.user, region=region),
            "level_counts": _counted_levels(request.user, region),
            "child_level_label": _level_labels().get(region.level + 1, ""),
        },
    )


@login_required
@require_GET
def region_search(request: HttpRequest) -> HttpResponse:
    picker = request.GET.get("format") == "options"
    # A picker sends its own field's value (?field=recipient&recipient=沿河): read that.
    field = request.GET.get("field", "q")[:30] if picker else "q"
    query = request.GET.get(field, "")[:50]
    within = None
    if picker and (pairing_id := params.id_or_none(request.GET.get("pairing"))) is not None:
        # A record's places lie in the helped side of its pairing: offer only those (a
        # pairing the user may not see narrows nothing, and says nothing either).
        pairing = pairing_selectors.pairing_visible(user=request.user, pk=pairing_id)
        within = pairing.west_region_id if pairing is not None else None
    results = selectors.region_search(
        user=request.user, query=query, limit=20 if picker else 50, within=within
    )
    if picker:
        template = "web/_region_options.html"
    elif request.headers.get("HX-Request"):
        template = "web/_region_search_results.html"
    else:
        template = "web/region_search.html"
    return render(
        request, template, {"query": query, "results": results, "level_labels": _level_labels()}
    )


@login_required
@require_GET
def region_export(request: HttpRequest, code: str) -> HttpResponse:
    resolved = selectors.region_get(user=request.user, code=code)
    region = resolved.region
    children = selectors.region_children(user=request.user, region=region)
    return exports.regions_xlsx(request=request, region=region, children=children)
