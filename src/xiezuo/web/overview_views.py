"""The overview page (总览): one year's pairs, money, people, placements, verified people,
exits and grades on one screen, each card linking to the list behind it. The figures are
`assessment.overview`'s, in the user's scope."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from xiezuo.assessment import overview as figures
from xiezuo.core import params

FIRST_YEAR = 2016  # the 2016 pairing list: the first year the platform holds pairs for


def _year(request: HttpRequest) -> int:
    if request.GET.get("year", "").strip():
        return params.required_int(request.GET, "year", "年度", low=2000, high=2100)
    return figures.default_year()


def _money(money: dict[str, Any]) -> list[dict[str, Any]]:
    """Per kind of fund, two bars stacked: the approved part and the rest of what the reports
    hold, so each stack is as high as all reports and its lower part is what is approved."""
    out = []
    for key, label in (("fiscal_aid", "财政援助资金"), ("social_funds", "社会帮扶资金")):
        rows = money["by_year"]
        approved = [row[key]["approved"] for row in rows]
        rest = [round(row[key]["all"] - row[key]["approved"], 2) for row in rows]
        out.append({"name": f"{label}（已审核）", "stack": key, "data": approved})
        out.append({"name": f"{label}（未审核）", "stack": key, "data": rest})
    return out


@login_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    data = figures.overview(request.user, year)
    money = data["money"]
    grades = data["assessment"]
    chart: dict[str, Any] = {
        "money": {"years": [row["year"] for row in money["by_year"]], "series": _money(money)},
        "grades": {
            "sides": ["东部帮扶方", "西部被帮扶方"],
            "series": [
                {
                    "name": grade,
                    "data": [grades["grades"]["east"][grade], grades["grades"]["west"][grade]],
                }
                for grade in grades["grade_order"]
            ],
        },
        "network": figures.grade_network(request.user, year, grades["results"]),
    }
    this_year = timezone.localdate().year
    return render(
        request,
        "web/overview.html",
        {
            "year": year,
            "years": sorted({*range(FIRST_YEAR, this_year + 1), year}, reverse=True),
            "o": data,
            "chart": chart,
            "east": [r for r in grades["results"] if r["side"] == "east"],
            "west": [r for r in grades["results"] if r["side"] == "west"],
        },
    )
