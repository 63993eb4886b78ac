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

from xiezuo.pairing.choices import Indicator, Level, Status

if TYPE_CHECKING:
    from xiezuo.pairing.models import Target

Measure = Callable[["Target"], Decimal]
MEASURES: dict[str, Measure] = {}


def register(indicator: str) -> Callable[[Measure], Measure]:
    def wrap(fn: Measure) -> Measure:
        MEASURES[indicator] = fn
        return fn

    return wrap


def measure(target: Target) -> Decimal | None:
    fn = MEASURES.get(target.indicator)
    return None if fn is None else fn(target)


def _pairs_below(target: Target, levels: tuple[int, ...]) -> Decimal:
    """Active pairs inside the agreement's pairing (both sides within it) started by its year."""
    from xiezuo.pairing.models import Pairing
    from xiezuo.regions import codes

    pairing = target.agreement.pairing
    q = Pairing.objects.filter(
        status=Status.ACTIVE,
        level__in=levels,
        start_year__lte=target.agreement.year,
    ).filter(codes.subtree_q("west_region_id", pairing.west_region_id))
    if pairing.east_region_id:
        east = pairing.east_region_id
        q = q.filter(
            codes.subtree_q("east_region_id", east) | codes.subtree_q("east_org__region_id", east)
        )
    else:
        q = q.filter(east_org_id=pairing.east_org_id)
    return Decimal(q.exclude(pk=pairing.pk).count())


@register(Indicator.COUNTY_PAIRS)
def _county_pairs(target: Target) -> Decimal:
    return _pairs_below(target, (Level.COUNTY,))


@register(Indicator.VILLAGE_PAIRS)
def _village_pairs(target: Target) -> Decimal:
    return _pairs_below(target, (Level.VILLAGE, Level.ENTERPRISE_VILLAGE))
