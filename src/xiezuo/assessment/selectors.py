"""Reads for pages, the API and exports: the standing run of a year, results in the reader's
scope, one unit's scorecard and its history, and the steps waiting for someone."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from xiezuo.assessment import policy
from xiezuo.assessment.choices import RunState, Step
from xiezuo.assessment.models import Assessment, Assignment, Result, Run, System


def latest_run(year: int) -> Run | None:
    """The scores that stand for a year: its last complete run."""
    return (
        Run.objects.filter(year=year, state=RunState.DONE).order_by("-finished_at", "-id").first()
    )


def years() -> list[int]:
    return sorted(
        set(Run.objects.filter(state=RunState.DONE).values_list("year", flat=True)), reverse=True
    )


def result_of(year: int, side: str, unit_code: str) -> Result | None:
    run = latest_run(year)
    if run is None:
        return None
    return run.results.filter(side=side, unit_code=unit_code).first()


def _sides(results: list[Result]) -> dict[int, tuple[str | None, str]]:
    """(east, west) region of every top pairing the results name, in one query."""
    from xiezuo.pairing.models import Pairing

    ids = {pid for r in results for pid in r.pairings}
    return {
        pk: (east, west)
        for pk, east, west in Pairing.objects.filter(pk__in=ids).values_list(
            "pk", "east_region_id", "west_region_id"
        )
    }


def _partners(result: Result, sides: dict[int, tuple[str | None, str]]) -> list[str]:
    others = (
        sides[pid][1 if result.side == "east" else 0] for pid in result.pairings if pid in sides
    )
    return sorted({code for code in others if code})


def partner_codes(result: Result) -> list[str]:
    """The regions on the other side of the unit's top pairings."""
    return _partners(result, _sides([result]))


def results_for(actor: Any, run: Run, side: str = "") -> list[Result]:
    """The run's results the reader may see, ranked: the pairings behind them read once."""
    qs: QuerySet[Result] = run.results.all()
    if side:
        qs = qs.filter(side=side)
    results = list(qs.order_by("side", "rank", "unit_code"))
    sides = _sides(results)
    return [
        r
        for r in results
        if policy.may_view(actor, run.year, r.unit_code, r.side, _partners(r, sides))
    ]


def result_row(r: Result) -> dict[str, Any]:
    """A result as the API and the overview list it."""
    return {
        "side": r.side,
        "unit": r.unit_code,
        "name": r.unit_name,
        "total": float(r.total),
        "grade": r.grade,
        "rank": r.rank,
        "peers": r.peers,
    }


def assessment_of(year: int, side: str, unit_code: str) -> Assessment | None:
    """The unit's steps of the year with their authors (None before its first step)."""
    return (
        Assessment.objects.filter(year=year, side=side, unit_id=unit_code)
        .select_related("self_by", "partner_by", "cross_by", "final_by")
        .first()
    )


def trend(side: str, unit_code: str) -> list[tuple[int, float, str]]:
    """(year, total, grade) of the unit in every year's standing run."""
    out = []
    for year in sorted(years()):
        r = result_of(year, side, unit_code)
        if r is not None:
            out.append((year, float(r.total), r.grade))
    return out


def systems(year: int | None = None) -> QuerySet[System]:
    qs = System.objects.all()
    return qs.filter(year=year) if year else qs


def assessed_codes(user: Any) -> tuple[list[str], list[str]]:
    """The units an assessor is assigned to, and the partners of their pairings in those years:
    what its cross-assessment reads (accounts.scope adds them to what it sees)."""
    from xiezuo.assessment.services import partners_of

    units: set[str] = set()
    partners: set[str] = set()
    for year, unit, side in Assignment.objects.filter(assessor=user).values_list(
        "year", "unit_id", "side"
    ):
        units.add(unit)
        partners.update(partners_of(year, side, unit))
    return sorted(units), sorted(partners - units)


def steps_waiting(actor: Any) -> list[tuple[Assessment, str]]:
    """Steps this user may take now: (assessment, what to do)."""
    from xiezuo.accounts import policy as access
    from xiezuo.assessment.services import partners_of

    if not access.is_user(actor):
        return []
    out: list[tuple[Assessment, str]] = []
    if actor.region_id:
        for a in Assessment.objects.filter(unit_id=actor.region_id, step=Step.OPEN).select_related(
            "unit"
        ):
            if access.allows(policy.require_self, actor, a.unit_id):
                out.append((a, "self"))
        # Only units on the other side of one of the actor's own pairings can be its partners;
        # partners_of then checks the pairing ran in that assessment's year.
        from xiezuo.pairing.choices import Kind
        from xiezuo.pairing.models import Pairing

        mine = Pairing.objects.filter(kind=Kind.EAST_WEST)
        across = set(
            mine.filter(east_region_id=actor.region_id).values_list("west_region_id", flat=True)
        ) | set(
            mine.filter(west_region_id=actor.region_id).values_list("east_region_id", flat=True)
        )
        waiting = Assessment.objects.filter(step=Step.SELF, unit_id__in=across)
        for a in waiting.select_related("unit"):
            if actor.region_id in partners_of(a.year, a.side, a.unit_id) and access.allows(
                policy.require_partner, actor, [actor.region_id]
            ):
                out.append((a, "partner"))
    assigned = Assignment.objects.filter(assessor=actor).values_list("year", "unit_id", "side")
    for year, unit, side in assigned:
        for a in Assessment.objects.filter(
            year=year, unit_id=unit, side=side, step=Step.PARTNER
        ).select_related("unit"):
            out.append((a, "cross"))
    if access.is_national(actor) and access.is_admin(actor):
        out.extend(
            (a, "final") for a in Assessment.objects.filter(step=Step.CROSS).select_related("unit")
        )
    return out
