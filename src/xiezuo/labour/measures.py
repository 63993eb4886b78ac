"""Labour measures: people placed, organised share, months employed, stability after 3 and 6
months, cross-province share and wages, per region and year — registered poor only (a
placement flagged as unregistered is kept for checking but never counted).

The agreement indicator 帮助贫困人口转移就业 (pairing.progress) counts the distinct registered
people from the pairing's western side who worked during the agreement's year in a job placed
on the eastern side (workplace in the eastern region, or organised by a unit there). Until any
placement of the western side's people is recorded for that year the target is unmeasured
(None), not 0, as for the other indicators.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from xiezuo.labour.choices import PlacementFlag
from xiezuo.labour.models import Placement
from xiezuo.pairing import progress
from xiezuo.pairing.choices import Indicator
from xiezuo.regions import codes

if TYPE_CHECKING:
    from xiezuo.pairing.models import Target


def _registered_ids(qs: QuerySet[Placement]) -> list[Placement]:
    # JSON containment is not on every backend (SQLite); filter the few flagged rows in Python.
    return [p for p in qs if PlacementFlag.UNREGISTERED.value not in (p.flags or [])]


def during(year: int) -> Q:
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    return Q(start__lte=last) & (Q(end__isnull=True) | Q(end__gte=first))


@dataclass(frozen=True)
class Summary:
    people: int
    organised_share: float | None
    months_per_person: float | None
    stable_3: float | None  # share of placements started ≥ 3 months ago still on at 3 months
    stable_6: float | None
    cross_province_share: float | None
    mean_wage: float | None


def summary(region_code: str, year: int, today: datetime.date) -> Summary:
    """The placements of people whose home county lies under `region_code`, active in `year`."""
    return summary_of(
        Placement.objects.filter(codes.subtree_q("home_county_id", region_code)), year, today
    )


def summary_of(placements: QuerySet[Placement], year: int, today: datetime.date) -> Summary:
    """The same measures over any set of placements (a user's scoped list, say), active in
    `year`: the caller decides which placements, this decides what counts."""
    rows = _registered_ids(placements.filter(during(year)))
    people = {p.id_hash for p in rows}
    if not rows:
        return Summary(0, None, None, None, None, None, None)
    year_end = min(today, datetime.date(year, 12, 31))
    year_start = datetime.date(year, 1, 1)
    months = 0
    for p in rows:
        clipped_start = max(p.start, year_start)
        last = min(p.end, year_end) if p.end else year_end
        if last >= clipped_start:
            months += (last.year - clipped_start.year) * 12 + last.month - clipped_start.month + 1

    cross = sum(1 for p in rows if p.home_county_id and p.place_id[:2] != p.home_county_id[:2])
    return Summary(
        people=len(people),
        organised_share=sum(p.organised for p in rows) / len(rows),
        months_per_person=months / len(people),
        stable_3=_lasted(rows, 3, today),
        stable_6=_lasted(rows, 6, today),
        cross_province_share=cross / len(rows),
        mean_wage=sum(p.wage for p in rows) / len(rows),
    )


def _add_months(day: datetime.date, n: int) -> datetime.date:
    month = day.month - 1 + n
    year, month = day.year + month // 12, month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return datetime.date(year, month, d)
        except ValueError:
            continue
    raise AssertionError(day)


@progress.register(Indicator.PLACEMENTS)
def placements(target: Target) -> Decimal | None:
    agreement = target.agreement
    pairing = agreement.pairing
    east = pairing.east_region_id or (pairing.east_org.region_id if pairing.east_org else None)
    home = codes.subtree_q("home_county_id", pairing.west_region_id)
    mine = Placement.objects.filter(home).filter(during(agreement.year))
    if not mine.exists():
        return None
    if east is None:
        return Decimal(0)
    helped = mine.filter(
        codes.subtree_q("place_id", east) | codes.subtree_q("organiser_region_id", east)
    )
    return Decimal(len({p.id_hash for p in _registered_ids(helped)}))


@dataclass(frozen=True)
class Month:
    month: str  # "2020-06"
    started: int  # placements that began in the month
    on_job: int  # placements running on the month's last day (today, for this month)
    organised_share: float | None  # of those started in the month
    stable_3: float | None  # of those started in the month, once 3 months have passed
    stable_6: float | None


def monthly(placements: QuerySet[Placement], today: datetime.date, months: int = 24) -> list[Month]:
    """Month by month over the last `months` months up to today (from the first placement's
    month, if later): placements started and on the job, and for each month's starters the
    organised share and how many lasted 3 and 6 months — registered poor only, as `summary`."""
    first = _add_months(today.replace(day=1), 1 - months)
    rows = _registered_ids(
        placements.filter(Q(end__isnull=True) | Q(end__gte=first), start__lte=today)
        .select_related(None)
        .only("start", "end", "organised", "flags")
        .order_by()
    )
    if not rows:
        return []
    first = max(first, min(p.start for p in rows).replace(day=1))
    out = []
    month = first
    while month <= today:
        nxt = _add_months(month, 1)
        last = min(nxt - datetime.timedelta(days=1), today)
        began = [p for p in rows if month <= p.start <= last]
        out.append(
            Month(
                month=f"{month:%Y-%m}",
                started=len(began),
                on_job=sum(1 for p in rows if p.start <= last and (p.end is None or p.end >= last)),
                organised_share=sum(p.organised for p in began) / len(began) if began else None,
                stable_3=_lasted(began, 3, today),
                stable_6=_lasted(began, 6, today),
            )
        )
        month = nxt
    return out


def _lasted(started: list[Placement], n: int, today: datetime.date) -> float | None:
    """Of the placements whose first `n` months have passed, the share still on after them."""
    due = [p for p in started if _add_months(p.start, n) <= today]
    if not due:
        return None
    return sum(1 for p in due if p.months_until(today) >= n) / len(due)
