"""What the cooperation records say about two of the speech's promises. Read-only selectors,
scoped through `cooperation.selectors` like every other read.

**The east's fiscal promise** — "东部地区要根据财力增长情况，逐步增加对口帮扶财政投入". For
each eastern unit (a helping province, or a prefecture inside one, that helps in an active
pairing) and year: the fiscal aid reported in the records of every pairing whose eastern side
lies in the unit (Fund records of kind 财政援助资金, in reports of any state, with the approved
part shown), the unit's own revenue, the growth of each, and flags: aid fell; aid grew, but
slower than revenue; no revenue figure to compare with. Revenue comes from the NBS figures the
product packages — prefectures and the four municipalities from the prefecture panel
(`pairing.fiscal`, 2014–2020), other provinces from the province table in `data/` (2014–2017,
see its README for why the panel's prefectures are not summed instead). A year the tables do not
cover has no figure, and says so: the latest earlier year is never used as a stand-in, since
growth against a repeated figure would read as zero. A year with no aid records is left out
rather than read as zero aid: nothing recorded is not the same as nothing given.

**Targeting (扶到点上)** — per pairing and year: the share of project money (all three budget
sources, and eastern fiscal money alone) placed in national poverty counties and in poor
villages, and the share of the people served (trainees and workers listed by ID in trainings
and industry records) who are registered poor. Poor villages are flagged only where an office
has marked them; where no village of a pairing's western side is flagged, the village share is
unknown (None), not 0 %.
"""

from __future__ import annotations

import csv
import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from django.db import models
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from xiezuo.accounts.scope import scope_for
from xiezuo.cooperation import selectors
from xiezuo.cooperation.choices import FundKind, Kind, Side, State
from xiezuo.cooperation.models import Person
from xiezuo.core.errors import NotFound
from xiezuo.pairing import fiscal
from xiezuo.pairing.choices import Status
from xiezuo.pairing.models import Pairing
from xiezuo.pairing.selectors import pairing_get, pairing_list
from xiezuo.regions import codes
from xiezuo.regions.models import Region

PROVINCE_CSV = Path(__file__).parent / "data" / "province_revenue_2014_2017.csv"
# Province-level cities are one fiscal unit: their districts are not prefectures of their own.
MUNICIPALITIES = frozenset({"11", "12", "31", "50"})
YI = Decimal(10000)  # 亿元 -> 万元
WHOLE = Decimal(1)  # both tables hold whole 万元


class Flag(models.TextChoices):
    AID_FELL = "aid_fell", gettext_lazy("援助资金下降")
    SLOWER = "slower", gettext_lazy("援助增速低于财政收入增速")
    NO_REVENUE = "no_revenue", gettext_lazy("缺少财政收入数据")


# ---------------------------------------------------------------- the east's fiscal promise


@dataclass(frozen=True)
class Revenue:
    value: Decimal | None  # 万元; None: no figure for that year
    source: str  # where the figure comes from, or why there is none


@cache
def _province_revenue() -> dict[str, dict[int, Decimal]]:
    table: dict[str, dict[int, Decimal]] = {}
    with PROVINCE_CSV.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            value = (Decimal(row["general_budget_revenue_100m_yuan"]) * YI).quantize(WHOLE)
            table.setdefault(row["province_code"], {})[int(row["year"])] = value
    return table


def unit_revenue(code: str, name: str, year: int) -> Revenue:
    """The unit's own general budget revenue for exactly `year`, or why there is none."""
    if code[2:] == "0000" and code[:2] not in MUNICIPALITIES:
        years = _province_revenue().get(code, {})
        if year not in years:
            why = gettext("省级财政收入表中没有%(name)s %(year)s 年的数据（表中为 2014–2017 年）")
            return Revenue(None, why % {"name": name, "year": year})
        source = gettext("%(name)s %(year)s 年一般公共预算收入（国家统计局）")
        return Revenue(years[year], source % {"name": name, "year": year})
    found = fiscal.revenue(code, year)
    if found is None:
        return Revenue(None, gettext("财政面板中没有%(name)s的数据") % {"name": name})
    if found.year != year:
        why = gettext("财政面板中没有%(name)s %(year)s 年的数据（最近一年为 %(last)s 年）")
        return Revenue(None, why % {"name": name, "year": year, "last": found.year})
    value = Decimal(str(found.value)).quantize(WHOLE)
    source = gettext("%(name)s %(year)s 年地方一般公共预算收入（国家统计局）")
    return Revenue(value, source % {"name": found.name, "year": year})


def growth(now: Decimal | None, before: Decimal | None) -> Decimal | None:
    """(now - before) / before, or None when either is missing or before is not positive."""
    if now is None or before is None or before <= 0:
        return None
    return (now - before) / before


def percent(share: Decimal | float | None) -> float | None:
    """A share as a percentage with one decimal, for pages and charts."""
    return None if share is None else round(float(share) * 100, 1)


@dataclass(frozen=True)
class FiscalYear:
    year: int
    aid: Decimal  # 万元, every report of the year
    aid_locked: Decimal  # of which in approved (locked) reports
    revenue: Revenue
    aid_growth: Decimal | None = None  # against the year before, when it has records
    revenue_growth: Decimal | None = None
    flags: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    complete: bool = True  # the year is over, so its records can be complete

    @property
    def flag_labels(self) -> list[str]:
        return [str(Flag(f).label) for f in self.flags]

    @property
    def flag_choices(self) -> list[tuple[str, str]]:
        return [(f, str(Flag(f).label)) for f in self.flags]

    @property
    def aid_growth_percent(self) -> float | None:
        return percent(self.aid_growth)

    @property
    def revenue_growth_percent(self) -> float | None:
        return percent(self.revenue_growth)


@dataclass(frozen=True)
class FiscalUnit:
    code: str
    name: str
    level: int
    years: tuple[FiscalYear, ...]

    @property
    def flagged(self) -> list[FiscalYear]:
        return [y for y in self.years if y.flags]


def fiscal_units_of(east_code: str) -> list[str]:
    """The fiscal units an eastern region's aid counts for: its province and, below a province
    (not a municipality), its prefecture."""
    province = east_code[:2] + "0000"
    if east_code == province or east_code[:2] in MUNICIPALITIES:
        return [province]
    return [province, east_code[:4] + "00"]


def fiscal_units(*, user: Any) -> list[Region]:
    """The eastern units the user may see that help in an active pairing it may see."""
    east = (
        pairing_list(user=user, status=Status.ACTIVE)
        .filter(east_region__isnull=False)
        .order_by()
        .values_list("east_region_id", flat=True)
        .distinct()
    )
    scope = scope_for(user)
    wanted = {u for code in east for u in fiscal_units_of(code) if scope.covers(u)}
    return list(Region.objects.filter(code__in=wanted).order_by("code"))


def fiscal_promise(
    *, user: Any, unit: str = "", today: datetime.date | None = None
) -> list[FiscalUnit]:
    """Each visible eastern unit's fiscal aid against its revenue, year by year (see module)."""
    today = today or timezone.localdate()
    units = fiscal_units(user=user)
    if unit:
        units = [u for u in units if u.code == unit]
        if not units:
            raise NotFound(f"没有帮扶方单位 {unit}，或您无权查看")
    funds: QuerySet[Any] = selectors.record_list(user=user, kind=Kind.FUND)
    rows = (
        # Reported by the east: the west's receipts of the same money would double it.
        funds.filter(
            kind=FundKind.FISCAL, report__side=Side.EAST, report__pairing__east_region__isnull=False
        )
        .order_by()
        .values("report__pairing__east_region_id", "report__year")
        .annotate(aid=Sum("amount"), locked=Sum("amount", filter=Q(report__state=State.APPROVED)))
    )
    wanted = {u.code for u in units}
    aid: dict[str, dict[int, list[Decimal]]] = defaultdict(dict)
    for row in rows:
        for code in fiscal_units_of(row["report__pairing__east_region_id"]):
            if code in wanted:
                sums = aid[code].setdefault(row["report__year"], [Decimal(0), Decimal(0)])
                sums[0] += row["aid"] or 0
                sums[1] += row["locked"] or 0
    return [
        FiscalUnit(u.code, u.name, u.level, _fiscal_years(u, aid.get(u.code, {}), today))
        for u in units
    ]


def _fiscal_years(
    unit: Region, aid: dict[int, list[Decimal]], today: datetime.date
) -> tuple[FiscalYear, ...]:
    out: list[FiscalYear] = []
    by_year: dict[int, FiscalYear] = {}
    for year in sorted(aid):
        given, locked = aid[year]
        revenue = unit_revenue(unit.code, unit.name, year)
        before = by_year.get(year - 1)
        complete = year < today.year
        notes = [] if complete else [gettext("%(year)s 年尚未结束，记录还不完整") % {"year": year}]
        if before is None:
            missing = gettext("没有 %(year)s 年的财政援助记录，无法计算增长")
            notes.append(missing % {"year": year - 1})
            found = FiscalYear(year, given, locked, revenue, notes=tuple(notes), complete=complete)
        else:
            found = _compared(year, given, locked, revenue, before, notes, complete)
        by_year[year] = found
        out.append(found)
    return tuple(out)


def _compared(
    year: int,
    given: Decimal,
    locked: Decimal,
    revenue: Revenue,
    before: FiscalYear,
    notes: list[str],
    complete: bool,
) -> FiscalYear:
    aid_growth = growth(given, before.aid)
    revenue_growth = growth(revenue.value, before.revenue.value)
    flags = []
    # A year under way is not yet comparable with a whole one: its growth shows, its flags wait.
    if complete and given < before.aid:
        flags.append(Flag.AID_FELL)
    elif (
        complete
        and aid_growth is not None
        and revenue_growth is not None
        and aid_growth < revenue_growth
    ):
        flags.append(Flag.SLOWER)
    if revenue_growth is None:
        flags.append(Flag.NO_REVENUE)
        # Say why once: this year's gap, or else last year's (already said on its own row).
        notes.append(revenue.source if revenue.value is None else before.revenue.source)
    return FiscalYear(
        year,
        given,
        locked,
        revenue,
        aid_growth,
        revenue_growth,
        tuple(str(f) for f in flags),
        tuple(notes),
        complete,
    )


# ---------------------------------------------------------------- targeting (扶到点上)


@dataclass
class Money:
    """Project money (万元) of one budget basis and where it landed."""

    total: Decimal = Decimal(0)
    poverty_counties: Decimal = Decimal(0)
    poor_villages: Decimal | None = Decimal(0)  # None: no village of the area is flagged

    @property
    def poverty_county_share(self) -> float | None:
        return float(self.poverty_counties / self.total) if self.total else None

    @property
    def poor_village_share(self) -> float | None:
        if self.poor_villages is None or not self.total:
            return None
        return float(self.poor_villages / self.total)

    @property
    def poverty_county_percent(self) -> float | None:
        return percent(self.poverty_county_share)

    @property
    def poor_village_percent(self) -> float | None:
        return percent(self.poor_village_share)

    def add(self, other: Money) -> None:
        self.total += other.total
        self.poverty_counties += other.poverty_counties
        if self.poor_villages is None or other.poor_villages is None:
            self.poor_villages = None
        else:
            self.poor_villages += other.poor_villages


@dataclass
class Targeting:
    """One pairing's year (or, with pairing None, the year's total over the rows shown)."""

    year: int
    pairing: Pairing | None = None
    projects: Money = field(default_factory=Money)  # all three budget sources
    east: Money = field(default_factory=Money)  # eastern fiscal money alone
    people: int = 0  # distinct people listed by ID in trainings and industry records
    registered: int = 0  # of whom registered poor (linked to a registry member)

    @property
    def registered_share(self) -> float | None:
        return self.registered / self.people if self.people else None

    @property
    def registered_percent(self) -> float | None:
        return percent(self.registered_share)


@dataclass(frozen=True)
class TargetingResult:
    rows: list[Targeting]
    totals: list[Targeting]  # one per year, newest first
    villages_known: bool  # every western side shown has poor villages flagged


def targeting(
    *, user: Any, pairing: int | None = None, region: str = "", year: int | None = None
) -> TargetingResult:
    """Where project money landed and whom the records served, per pairing and year. A pairing
    asked for that the user may not see is a NotFound, not an empty answer."""
    if pairing is not None:
        pairing_get(user=user, pk=pairing)
    filters: dict[str, Any] = {"user": user, "pairing": pairing, "region": region, "year": year}
    rows: dict[tuple[int, int], Targeting] = {}

    def row(pk: int, y: int) -> Targeting:
        return rows.setdefault((pk, y), Targeting(year=y))

    projects: QuerySet[Any] = selectors.record_list(kind=Kind.PROJECT, **filters)
    places = list(
        projects.order_by()
        .values("report__pairing_id", "report__year", "place_id")
        .annotate(
            total=Sum(F("budget_east") + F("budget_local") + F("budget_social")),
            east=Sum("budget_east"),
        )
    )
    for p in _people(filters):
        found = row(p["pairing"], p["year"])
        found.people, found.registered = p["people"], p["registered"]
    pairings = Pairing.objects.select_related("east_region", "east_org", "west_region").in_bulk(
        {pk for pk, _ in rows} | {p["report__pairing_id"] for p in places}
    )
    known = _villages_flagged({p.west_region_id for p in pairings.values()})
    poverty_counties, poor_villages = _flags_of({p["place_id"] for p in places})
    for p in places:
        found = row(p["report__pairing_id"], p["report__year"])
        code = p["place_id"]
        in_county = code[:6] in poverty_counties
        in_village = code in poor_villages
        for money, amount in ((found.projects, p["total"]), (found.east, p["east"])):
            money.total += amount
            money.poverty_counties += amount if in_county else 0
            if money.poor_villages is not None:
                money.poor_villages += amount if in_village else 0
    for (pk, _), found in rows.items():
        found.pairing = pairings[pk]
        if found.pairing.west_region_id not in known:
            found.projects.poor_villages = found.east.poor_villages = None
    ordered = sorted(rows.values(), key=lambda r: (-r.year, r.pairing.pk if r.pairing else 0))
    return TargetingResult(
        ordered, _totals(ordered), all(p.west_region_id in known for p in pairings.values())
    )


def _people(filters: dict[str, Any]) -> Iterable[dict[str, Any]]:
    trainings = selectors.record_list(kind=Kind.TRAINING, **filters).order_by().values("pk")
    industry = selectors.record_list(kind=Kind.INDUSTRY, **filters).order_by().values("pk")
    # A person both trained and employed in one pairing's year is one person served.
    return (
        Person.objects.filter(Q(training__in=trainings) | Q(industry__in=industry))
        .annotate(
            pairing=Coalesce("training__report__pairing_id", "industry__report__pairing_id"),
            year=Coalesce("training__report__year", "industry__report__year"),
        )
        .order_by()
        .values("pairing", "year")
        .annotate(
            people=Count("id_hash", distinct=True),
            registered=Count("id_hash", distinct=True, filter=Q(member__isnull=False)),
        )
    )


def _flags_of(place_codes: set[str]) -> tuple[set[str], set[str]]:
    """Of the places' counties, the national poverty counties; of the places, the poor villages.
    A place above county level (a prefecture-wide project) lies in no one poverty county."""
    counties = {c[:6] for c in place_codes if codes.level_of(c) >= codes.Level.COUNTY}
    poor = Region.objects.filter(
        Q(code__in=counties, is_poverty_county=True)
        | Q(code__in=[c for c in place_codes if len(c) == 12], is_poor_village=True)
    ).values_list("code", "level")
    found = list(poor)
    return (
        {c for c, level in found if level == codes.Level.COUNTY},
        {c for c, level in found if level == codes.Level.VILLAGE},
    )


def _villages_flagged(west_codes: set[str]) -> set[str]:
    """The western regions with at least one village flagged poor: where the flags were loaded.
    One indexed range probe per region, stopping at the first flagged village."""
    return {
        code
        for code in west_codes
        if Region.objects.filter(
            codes.subtree_q("code", code), level=codes.Level.VILLAGE, is_poor_village=True
        ).exists()
    }


def _totals(rows: list[Targeting]) -> list[Targeting]:
    totals: dict[int, Targeting] = {}
    for r in rows:
        total = totals.setdefault(r.year, Targeting(year=r.year))
        total.projects.add(r.projects)
        total.east.add(r.east)
        total.people += r.people
        total.registered += r.registered
    return [totals[y] for y in sorted(totals, reverse=True)]
