"""Analysis pages: the east's fiscal promise (aid growth against revenue growth, flagged years)
and targeting (where project money landed, whom the records served). Both read through
`cooperation.analysis`; charts get their data through json_script and static/xiezuo/analysis.js.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from xiezuo.cooperation import analysis
from xiezuo.core import params
from xiezuo.regions import codes

CHART_ROWS = 40  # pairings drawn in one year's targeting chart; the table lists them all


@login_required
@require_GET
def fiscal(request: HttpRequest) -> HttpResponse:
    units = analysis.fiscal_promise(user=request.user)
    wanted = request.GET.get("unit", "").strip()[:12]
    if wanted:  # a unit outside the user's scope is a 404, said by the selector
        chosen: analysis.FiscalUnit | None = analysis.fiscal_promise(
            user=request.user, unit=wanted
        )[0]
    else:
        own = getattr(request.user, "region_id", None)
        chosen = next((u for u in units if u.code == own), None) or next(
            (u for u in units if u.years), None
        )
    return render(
        request,
        "web/analysis/fiscal.html",
        {
            "units": units,
            "unit": chosen,
            "chart": _fiscal_chart(chosen) if chosen is not None and chosen.years else None,
        },
    )


def _fiscal_chart(unit: analysis.FiscalUnit) -> dict[str, Any]:
    # Every year from the first to the last on the axis: a year without records is a gap in
    # the lines, marked, not a silent jump from 2020 to 2025.
    by_year = {y.year: y for y in unit.years}
    span = range(min(by_year), max(by_year) + 1) if by_year else range(0)
    rows = [by_year.get(year) for year in span]
    return {
        "years": [str(year) for year in span],
        "aid": [float(y.aid) if y else None for y in rows],
        "aid_growth": [y.aid_growth_percent if y else None for y in rows],
        "revenue_growth": [y.revenue_growth_percent if y else None for y in rows],
        # Pinned: the years the promise was not kept, and the years without records; a missing
        # revenue figure is said in the table, not pinned as a failing.
        "flags": [
            {"year": str(y.year), "label": "、".join(y.flag_labels)}
            for y in unit.years
            if set(y.flags) - {analysis.Flag.NO_REVENUE}
        ]
        + [
            {"year": str(year), "label": str(_("no records")), "gap": True}
            for year in span
            if year not in by_year
        ],
        "names": {
            "aid": _("Fiscal aid (10,000 yuan)"),
            "aid_growth": _("Aid growth (%)"),
            "revenue_growth": _("Revenue growth (%)"),
        },
    }


@login_required
@require_GET
def targeting(request: HttpRequest) -> HttpResponse:
    region = codes.normalise(request.GET.get("region", "").strip()[:12])
    year = params.year_or_none(request.GET.get("year"))
    pairing = params.id_or_none(request.GET.get("pairing"))
    found = analysis.targeting(user=request.user, pairing=pairing, region=region, year=year)
    return render(
        request,
        "web/analysis/targeting.html",
        {
            "found": found,
            "filters": {"year": year or "", "region": region, "pairing": pairing or ""},
            "chart": _targeting_chart(found, by_pairing=year is not None),
        },
    )


def _targeting_chart(found: analysis.TargetingResult, *, by_pairing: bool) -> dict[str, Any]:
    """One year asked: a bar group per pairing; otherwise one per year's total."""
    rows = found.rows[:CHART_ROWS] if by_pairing else found.totals
    if by_pairing:
        labels = [f"{r.pairing.east_name}→{r.pairing.west_region.name}" for r in rows if r.pairing]
    else:
        rows = sorted(rows, key=lambda r: r.year)  # years in order on the axis
        labels = [str(r.year) for r in rows]
    series = [
        (_("Project money in poverty counties"), [r.projects.poverty_county_share for r in rows]),
        (
            _("Eastern fiscal money in poverty counties"),
            [r.east.poverty_county_share for r in rows],
        ),
        (_("Project money in poor villages"), [r.projects.poor_village_share for r in rows]),
        (_("People served who are registered poor"), [r.registered_share for r in rows]),
    ]
    return {
        "labels": labels,
        "series": [
            {"name": name, "data": [analysis.percent(v) for v in data]} for name, data in series
        ],
    }
