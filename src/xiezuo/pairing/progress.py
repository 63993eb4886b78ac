"""Progress toward a target, measured from recorded data.

Each indicator that has data to count registers a measure here. Pairings themselves measure the
county and village pairs an agreement promises; the cooperation records (funds, projects, people
sent, trainings, placements, enterprises, consumption aid) register theirs when they exist. An
indicator without a measure shows "no recorded data yet", never a made-up figure.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Q

from xiezuo.pairing.choices import Indicator, Level

if TYPE_CHECKING:
    from xiezuo.pairing.models import Pairing, Target

# None: nothing recorded yet that could measure the target.
Measure = Callable[["Target"], Decimal | None]
MEASURES: dict[str, Measure] = {}
# The part of a measure that approved (locked) reports make up. Progress counts every record,
# since it is a working view; the assessment counts only locked data, and this says how much of
# the figure is already that. Pairings are not reported, so their measures have no locked part.
LOCKED: dict[str, Measure] = {}


def register(indicator: str, *, locked: Measure | None = None) -> Callable[[Measure], Measure]:
    def wrap(fn: Measure) -> Measure:
        MEASURES[indicator] = fn
        if locked is not None:
            LOCKED[indicator] = locked
        return fn

    return wrap


def measure(target: Target) -> Decimal | None:
    fn = MEASURES.get(target.indicator)
    return None if fn is None else fn(target)


def measure_locked(target: Target) -> Decimal | None:
    """How much of `measure(target)` comes from approved reports; None if not reported data."""
    fn = LOCKED.get(target.indicator)
    return None if fn is None else fn(target)


def within_q(pairing: Pairing, path: str = "") -> Q:
    """Pairings inside `pairing` (itself included): the western side within its western region,
    the helper within its eastern region (a region, or an organisation seated there) or the
    same organisation. `path` leads from the queried model to the pairing ("report__pairing__").
    """
    from xiezuo.regions import codes

    q = codes.subtree_q(f"{path}west_region_id", pairing.west_region_id)
    if pairing.east_region_id:
        east = pairing.east_region_id
        return q & (
            codes.subtree_q(f"{path}east_region_id", east)
            | codes.subtree_q(f"{path}east_org__region_id", east)
        )
    return q & Q(**{f"{path}east_org_id": pairing.east_org_id})


def _pairs_below(target: Target, levels: tuple[int, ...]) -> Decimal:
    """Pairs inside the agreement's pairing (both sides within it) that ran in its year — by their
    years, not their status today, so a past year's count does not shrink once pairs end."""
    from xiezuo.pairing.models import Pairing

    pairing = target.agreement.pairing
    year = target.agreement.year
    q = (
        Pairing.objects.filter(level__in=levels, start_year__lte=year)
        .filter(Q(end_year__isnull=True) | Q(end_year__gte=year))
        .filter(within_q(pairing))
    )
    return Decimal(q.exclude(pk=pairing.pk).count())


@register(Indicator.COUNTY_PAIRS)
def _county_pairs(target: Target) -> Decimal:
    return _pairs_below(target, (Level.COUNTY,))


@register(Indicator.VILLAGE_PAIRS)
def _village_pairs(target: Target) -> Decimal:
    return _pairs_below(target, (Level.VILLAGE, Level.ENTERPRISE_VILLAGE))
