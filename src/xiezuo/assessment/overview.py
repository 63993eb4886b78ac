"""The national overview (总览): pairs, money, people sent and trained, placements, verified
people, exits and grades of one year on one screen — everything for a national user, the
user's own scope for anyone else.

Reads only, and each figure through the selector or measure that already owns it, so the
region scope is the one the list behind each card applies (`accounts.scope`, via the apps'
selectors) and a figure means what it means on that list:

- pairings: `pairing.selectors.pairing_list` — the pairs the user's region belongs to;
- cooperation figures: `cooperation.selectors.record_list`, counted by the agreement tallies
  (`cooperation.measures.TALLIES`), each once over every report ("all": the working view, as
  agreement progress counts) and once over approved reports only ("approved": what the
  assessment counts);
- placements: `labour.selectors.placement_list`, measured by `labour.measures.summary_of`;
- registry: `registry.selectors.household_list`;
- verification: the latest complete national run (`analytics.selectors`). Its counts are
  kept for the whole country only, so a scoped user sees the national totals, said so, and
  beside them the people its own findings leave out;
- assessment: the year's latest complete run, the results `assessment.selectors.results_for`
  lets the user see.

Every figure is an aggregate query (or a handful of rows), so the page stays fast on a
national database.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext

from xiezuo.accounts.scope import scope_for
from xiezuo.analytics import selectors as verify
from xiezuo.analytics.models import Finding
from xiezuo.analytics.snapshot import INDUSTRY_INDICATOR
from xiezuo.assessment import selectors as assessment
from xiezuo.assessment.choices import Side
from xiezuo.assessment.defaults import GRADES
from xiezuo.cooperation import selectors as cooperation
from xiezuo.cooperation.choices import State
from xiezuo.cooperation.measures import TALLIES, Tally
from xiezuo.cooperation.models import MODELS
from xiezuo.labour import measures as labour_measures
from xiezuo.labour import selectors as labour
from xiezuo.pairing import selectors as pairing
from xiezuo.pairing.choices import Indicator, Kind, Level
from xiezuo.pairing.choices import Status as PairingStatus
from xiezuo.registry import selectors as registry
from xiezuo.registry.choices import Status as HouseholdStatus

# The levels the overview counts pairs at: the helped side's province, prefecture, county and
# village (township pairs and enterprises helping villages are other programmes' business).
LEVELS = (Level.PROVINCE, Level.PREFECTURE, Level.COUNTY, Level.VILLAGE)
MONEY = (Indicator.FISCAL_AID, Indicator.SOCIAL_FUNDS)
SENT = {"cadres": Indicator.CADRES_SENT, "professionals": Indicator.PROFESSIONALS_SENT}
TRAINED = {
    "cadres": Indicator.CADRES_TRAINED,
    "professionals": Indicator.PROFESSIONALS_TRAINED,
    "labourers": Indicator.LABOURERS_TRAINED,
}
MONEY_YEARS = 5  # the money chart's bars: the year and the four before it

_KIND_OF = {model: kind for kind, model in MODELS.items()}


def default_year() -> int:
    """Last year: the latest year whose reports are complete."""
    return timezone.localdate().year - 1


def overview(user: Any, year: int, *, today: datetime.date | None = None) -> dict[str, Any]:
    today = today or timezone.localdate()
    money_years = list(range(year - MONEY_YEARS + 1, year + 1))
    money = _tallied(user, MONEY, money_years)
    people = _tallied(user, [*SENT.values(), *TRAINED.values()], [year])[year]
    return {
        "year": year,
        "scope": _scope(user),
        "pairings": _pairings(user, year),
        "money": {
            "unit": "万元",
            "fiscal_aid": money[year][Indicator.FISCAL_AID],
            "social_funds": money[year][Indicator.SOCIAL_FUNDS],
            "by_year": [
                {
                    "year": y,
                    "fiscal_aid": money[y][Indicator.FISCAL_AID],
                    "social_funds": money[y][Indicator.SOCIAL_FUNDS],
                }
                for y in money_years
            ],
        },
        "sent": {name: people[ind] for name, ind in SENT.items()},
        "trained": {name: people[ind] for name, ind in TRAINED.items()},
        "placements": _placements(user, year, today),
        "verification": _verification(user, year),
        "registry": _registry(user, year),
        "assessment": _assessment(user, year),
    }


def _scope(user: Any) -> dict[str, Any]:
    if scope_for(user).everything:
        return {"national": True, "region_code": None, "label": gettext("全国")}
    region = getattr(user, "region", None)
    if region is None:
        return {
            "national": False,
            "region_code": None,
            "label": gettext("您的范围：未指定地区（无数据）"),
        }
    return {
        "national": False,
        "region_code": region.code,
        "label": gettext("您的范围：%(region)s 及结对地区") % {"region": region.name},
    }


def _pairings(user: Any, year: int) -> dict[str, Any]:
    """East–west pairs running in `year`: confirmed (active, or ended since), begun by the
    year and not ended before it — a pair that ended in 2020 still counts for 2019."""
    running = Q(start_year__lte=year) & (Q(end_year__isnull=True) | Q(end_year__gte=year))
    rows = (
        pairing.pairing_list(user=user, kind=Kind.EAST_WEST)
        .filter(running, status__in=[PairingStatus.ACTIVE, PairingStatus.ENDED])
        .filter(level__in=LEVELS)
        .order_by()
        .values_list("level")
        .annotate(n=Count("pk"))
    )
    found = dict(rows)
    by_level = [
        {"level": int(lv), "label": str(lv.label), "count": found.get(lv, 0)} for lv in LEVELS
    ]
    return {"total": sum(r["count"] for r in by_level), "by_level": by_level}


def _tallied(
    user: Any, indicators: Iterable[str], years: list[int]
) -> dict[int, dict[str, dict[str, float]]]:
    """{year: {indicator: {"all": x, "approved": y}}} for agreement tallies, one grouped query
    per kind of record over the visible records of those years."""
    by_model: dict[type, list[tuple[str, Tally]]] = defaultdict(list)
    for ind in indicators:
        by_model[TALLIES[ind].model].append((ind, TALLIES[ind]))
    approved = Q(report__state=State.APPROVED)
    out: dict[int, dict[str, dict[str, float]]] = {
        y: {ind: {"all": 0, "approved": 0} for ind in indicators} for y in years
    }
    for model, tallies in by_model.items():
        aggregates: dict[str, Any] = {}
        for ind, tally in tallies:
            aggregates[f"{ind}__all"] = _aggregate(tally, tally.where)
            aggregates[f"{ind}__approved"] = _aggregate(tally, tally.where & approved)
        rows = (
            cooperation.record_list(user=user, kind=_KIND_OF[model])
            .filter(report__year__in=years)
            .order_by()
            .values("report__year")
            .annotate(**aggregates)
        )
        for row in rows:
            for ind, _tally in tallies:
                for part in ("all", "approved"):
                    value = row[f"{ind}__{part}"] or 0
                    # Amounts (万元) as numbers with their two decimals, people as whole ones.
                    out[row["report__year"]][ind][part] = (
                        round(float(value), 2) if isinstance(value, Decimal) else int(value)
                    )
    return out


def _aggregate(tally: Tally, where: Q) -> Any:
    # What the tally adds up (a sum, distinct values or records), narrowed by `where`.
    if tally.total:
        return Sum(tally.total, filter=where)
    if tally.distinct:
        return Count(tally.distinct, distinct=True, filter=where)
    return Count("pk", filter=where)


def _placements(user: Any, year: int, today: datetime.date) -> dict[str, Any]:
    s = labour_measures.summary_of(labour.placement_list(user=user), year, today)
    return {"people": s.people, "organised_share": s.organised_share}


def _verification(user: Any, year: int) -> dict[str, Any]:
    """The latest complete national run of the year (else over all years): people reported,
    passed and excluded, added up over the indicators (a person under two indicators counts
    under each, as the assessment counts them)."""
    run = verify.latest_done("", year) or verify.latest_done("", None)
    if run is None:
        return {
            "run_id": None,
            "run_year": None,
            "reported": 0,
            "passed": 0,
            "excluded": 0,
            "excluded_own": None,
            "national_figures": True,
            "indicators": [],
        }
    rows = verify.overview(run)
    labels = {**dict(Indicator.choices), INDUSTRY_INDICATOR: "企业吸纳贫困人口就业"}
    excluded_own = None
    if not scope_for(user).everything:
        # The findings on the user's own records (the review queue it works through).
        excluded_own = (
            verify.queue(user, run, decision="")
            .filter(excludes=True)
            .exclude(decision=Finding.Decision.DISMISSED)
            .exclude(id_hash="")
            .order_by()
            .values("id_hash")
            .distinct()
            .count()
        )
    return {
        "run_id": run.pk,
        "run_year": run.year,
        "reported": sum(r["reported"] for r in rows),
        "passed": sum(r["passed"] for r in rows),
        "excluded": sum(r["excluded"] for r in rows),
        "excluded_own": excluded_own,
        "national_figures": True,
        "indicators": [
            {
                "indicator": r["indicator"],
                "label": str(labels.get(r["indicator"], r["indicator"])),
                "reported": r["reported"],
                "passed": r["passed"],
                "excluded": r["excluded"],
            }
            for r in rows
        ],
    }


def _registry(user: Any, year: int) -> dict[str, int]:
    """Registered households and people (people: the households' recorded size, as the
    registry statistics count them), those who left poverty in `year` (exit year), and those
    whose household has returned to poverty (status 返贫 now)."""
    exited = Q(exit_year=year)
    returned = Q(status=HouseholdStatus.RETURNED)
    row = (
        registry.household_list(user=user)
        .order_by()
        .aggregate(
            households=Count("pk"),
            people=Sum("size"),
            exited_households=Count("pk", filter=exited),
            exited_people=Sum("size", filter=exited),
            returned_households=Count("pk", filter=returned),
            returned_people=Sum("size", filter=returned),
        )
    )
    return {k: int(v or 0) for k, v in row.items()}


def _assessment(user: Any, year: int) -> dict[str, Any]:
    run = assessment.latest_run(year)
    order = [str(g["grade"]) for g in GRADES]
    grades: dict[str, dict[str, int]] = {side: dict.fromkeys(order, 0) for side in Side.values}
    if run is None:
        return {"run_id": None, "grade_order": order, "grades": grades, "results": []}
    results = assessment.results_for(user, run)
    for r in results:
        if r.grade not in order:  # a year's system may band otherwise than the defaults
            order.append(r.grade)
            for counts in grades.values():
                counts[r.grade] = 0
        grades.setdefault(r.side, dict.fromkeys(order, 0))[r.grade] += 1
    return {
        "run_id": run.pk,
        "grade_order": order,
        "grades": grades,
        "results": [assessment.result_row(r) for r in results],
    }


def grade_network(user: Any, year: int, results: list[dict[str, Any]]) -> dict[str, Any]:
    """The top-level east–west pairs running in `year` (the units the assessment grades are
    their sides) as `pairing.selectors.network` draws them, each unit with the grade of its
    result when the user may see that result (`results`, from `overview`), else none."""
    running = Q(start_year__lte=year) & (Q(end_year__isnull=True) | Q(end_year__gte=year))
    pairs = (
        pairing.pairing_list(user=user, kind=Kind.EAST_WEST)
        .filter(running, parent__isnull=True)
        .filter(status__in=[PairingStatus.ACTIVE, PairingStatus.ENDED])
    )
    data = pairing.network(user=user, pairings=pairs[:500])
    grade = {(r["side"], r["unit"]): r["grade"] for r in results}
    for node in data["nodes"]:
        node["grade"] = grade.get((node["side"], node["id"]), "")
    return data
