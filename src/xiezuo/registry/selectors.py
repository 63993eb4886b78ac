"""Reads of the registry, through the user's region scope."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from xiezuo.accounts.scope import scope_for
from xiezuo.core.errors import NotFound
from xiezuo.registry.choices import Status
from xiezuo.registry.models import Household, Member, PovertyLine, ScopeConflict


def poverty_line(year: int) -> Decimal | None:
    """The line in force for `year`: that year's figure, or the latest one before it."""
    line = PovertyLine.objects.filter(year__lte=year).order_by("-year").first()
    return line.amount if line is not None else None


@dataclass
class Eligibility:
    eligible: bool
    reasons: list[str] = field(default_factory=list)


CONDITIONS = (
    ("food_clothing_secure", _("不愁吃、不愁穿未达标")),
    ("education_secure", _("义务教育未保障")),
    ("medical_secure", _("基本医疗未保障")),
    ("housing_secure", _("住房安全未保障")),
    ("water_secure", _("饮水安全未保障")),
)


def poverty_lines_in_force(years: set[int]) -> dict[int, Decimal | None]:
    """poverty_line for several years with one query."""
    table = list(PovertyLine.objects.order_by("year").values_list("year", "amount"))
    return {y: next((amount for year, amount in reversed(table) if year <= y), None) for y in years}


_UNSET: Any = object()


def exit_eligibility(household: Household, year: int, *, line: Any = _UNSET) -> Eligibility:
    """Exit needs income above the year's line and every 两不愁三保障 condition met.

    `line` may be given when the caller already has the year's line (reports over many rows)."""
    reasons: list[str] = []
    if line is _UNSET:
        line = poverty_line(year)
    income = household.per_capita_income
    if line is None:
        reasons.append(gettext("没有 %(year)s 年的扶贫标准") % {"year": year})
    elif income is None:
        reasons.append(gettext("没有人均纯收入"))
    elif income <= line:
        reasons.append(
            gettext("人均纯收入 %(income)s 元未超过 %(year)s 年标准 %(line)s 元")
            % {"income": income, "year": year, "line": line}
        )
    reasons.extend(str(text) for name, text in CONDITIONS if not getattr(household, name))
    return Eligibility(not reasons, reasons)


def household_list(*, user: Any, filters: dict[str, Any] | None = None) -> QuerySet[Household]:
    filters = filters or {}
    qs = scope_for(user).filter_data(Household.objects.all(), "village_id")
    if filters.get("region"):
        from xiezuo.regions import codes

        # A city or province code means its whole subtree: 520600 → every code under 5206.
        prefix = codes.subtree_prefix(filters["region"])
        qs = qs.filter(village_id__gte=prefix, village_id__lt=codes.prefix_upper_bound(prefix))
    for name in ("status", "main_cause", "exit_year", "household_type"):
        if filters.get(name) not in (None, ""):
            qs = qs.filter(**{name: filters[name]})
    text = (filters.get("q") or "").strip()
    if text:
        # A household number (or its start), or a member's name.
        people = Member.objects.filter(name=text).values("household_id")
        qs = qs.filter(Q(number__startswith=text) | Q(pk__in=people))
    if filters.get("id_hash"):
        # An exact ID number, matched by its keyed hash: the number itself is never stored
        # in clear, and never travels in a URL.
        qs = qs.filter(
            pk__in=Member.objects.filter(id_hash=filters["id_hash"]).values("household_id")
        )
    return qs.select_related("village").order_by("number")


def household_get(*, user: Any, number: str) -> Household:
    household = household_list(user=user).filter(number=number).first()
    if household is None:
        raise NotFound(f"没有户编号为 {number} 的贫困户，或不在您的权限范围内")
    return household


def exited_not_meeting_rules(
    *, user: Any, year: int | None = None
) -> list[tuple[Household, Eligibility]]:
    """Households marked as exited whose data does not meet the exit rules of their exit year."""
    qs = household_list(user=user, filters={"status": Status.EXITED})
    if year is not None:
        qs = qs.filter(exit_year=year)
    years = set(qs.order_by().values_list("exit_year", flat=True).distinct())
    lines = poverty_lines_in_force({y or 0 for y in years})
    # Only the failing households leave the database: a condition not met, no income, or an
    # income not above its exit year's line (one term per year, a dozen at most).
    failing = Q(per_capita_income__isnull=True) | Q(exit_year__isnull=True)
    for name, _text in CONDITIONS:
        failing |= Q(**{name: False})
    for y, line in lines.items():
        failing |= Q(exit_year=y) if line is None else Q(exit_year=y, per_capita_income__lte=line)
    out: list[tuple[Household, Eligibility]] = []
    for household in qs.filter(failing).iterator(chunk_size=2000):
        exit_year = household.exit_year or 0
        check = exit_eligibility(household, exit_year, line=lines.get(exit_year))
        if not check.eligible:
            out.append((household, check))
    return out


def registry_statistics(*, user: Any, region_prefix: str | None = None) -> dict[str, Any]:
    qs = household_list(user=user, filters={"region": region_prefix}).order_by()
    # 人数 is the household's size as the registry records it (the national statistic sums it);
    # counting member rows would join a million rows on every page view.
    by_status: dict[str, int] = {}
    by_cause: dict[str, int] = {}
    exits: dict[int, int] = {}
    people = 0
    if connection.vendor == "sqlite":
        # SQLite groups by sorting: its covering indexes answer each breakdown on its own faster
        # than one sort of every household (measured 41 ms against 70 ms for 59,114 households).
        by_status = dict(qs.values_list("status").annotate(n=Count("id")))
        by_cause = dict(qs.values_list("main_cause").annotate(n=Count("id")))
        exits = dict(
            qs.filter(exit_year__isnull=False).values_list("exit_year").annotate(n=Count("id"))
        )
        people = qs.aggregate(n=Sum("size"))["n"] or 0
    else:
        # PostgreSQL aggregates by hashing: one pass grouped by everything the page breaks down
        # by (a few hundred groups), folded here, instead of four passes over a million rows.
        groups = qs.values_list("status", "main_cause", "exit_year").annotate(
            n=Count("id"), size=Sum("size")
        )
        for status, cause, exit_year, n, size in groups:
            by_status[status] = by_status.get(status, 0) + n
            by_cause[cause] = by_cause.get(cause, 0) + n
            if exit_year is not None:
                exits[exit_year] = exits.get(exit_year, 0) + n
            people += size or 0
    return {
        "households": sum(by_status.values()),
        "people": people,
        "by_status": by_status,
        "by_cause": by_cause,
        "exits": dict(sorted(exits.items())),
    }


def member_get(*, user: Any, member_id: int) -> Any:
    from xiezuo.registry.models import Member

    member = (
        scope_for(user)
        .filter_data(Member.objects.select_related("household"), "household__village_id")
        .filter(pk=member_id)
        .first()
    )
    if member is None:
        raise NotFound("没有该成员，或不在您的权限范围内")
    return member


def conflicts_for(*, user: Any, state: str | None = "open") -> QuerySet[ScopeConflict]:
    """The scope conflicts put before this user's office: those whose nearest common office is
    the user's own region or lies inside it (all of them for a national user)."""
    from xiezuo.accounts import policy as access
    from xiezuo.regions import codes

    qs = ScopeConflict.objects.select_related("existing__village", "wanted_village", "office")
    if state:
        qs = qs.filter(state=state)
    own = access.own_prefix(user)
    if own is not None:
        if not own:
            return qs.none()
        qs = qs.filter(office_id__gte=own, office_id__lt=codes.prefix_upper_bound(own))
    return qs


def conflict_get(*, user: Any, pk: int) -> ScopeConflict:
    found = conflicts_for(user=user, state=None).filter(pk=pk).first()
    if found is None:
        raise NotFound("没有该冲突，或不在您的权限范围内")
    return found


def members_by_person_number(*, user: Any, numbers: list[str]) -> dict[str, Member]:
    """Registered members by their 人编号, among the households the user may read (a partner
    reports the trainees of the county it helps)."""
    if not numbers:
        return {}
    qs = scope_for(user).filter_data(
        Member.objects.filter(person_number__in=numbers), "household__village_id"
    )
    return {m.person_number: m for m in qs}
