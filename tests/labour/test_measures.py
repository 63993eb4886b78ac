"""Placements measure the agreement indicator 帮助贫困人口转移就业 and the county summaries:
registered poor only, the year's placements, east-side jobs only."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from tests.conftest import SUZHOU, TONGREN, YANHE
from tests.labour.conftest import placement_in
from xiezuo.labour import measures, services
from xiezuo.pairing import progress
from xiezuo.pairing import services as pairing_services
from xiezuo.pairing.choices import Indicator
from xiezuo.pairing.models import Pairing
from xiezuo.registry import idnumbers


def target(pairing: Pairing, year: int):  # type: ignore[no-untyped-def]
    agreement = pairing_services.agreement_create(actor=None, pairing=pairing, year=year)
    return pairing_services.target_set(
        actor=None,
        agreement=agreement,
        indicator=Indicator.PLACEMENTS,
        value="100",
        deadline=datetime.date(year, 12, 31),
        responsible_unit="苏州市对口帮扶合作办公室",
    )


@pytest.fixture
def suzhou_tongren(regions: None) -> Pairing:
    pairing_services.pairs_2016_load(actor=None)
    return Pairing.objects.get(east_region=SUZHOU, west_region=TONGREN)


def number(n: int, born: datetime.date = datetime.date(1990, 1, 1)) -> str:
    return idnumbers.make_resident_id(YANHE, born, n, male=True)


def test_placements_measure_the_agreement_indicator(members, suzhou_tongren):
    t = target(suzhou_tongren, 2020)
    assert progress.measure(t) is None  # nothing recorded yet: unmeasured, not 0
    services.placement_create(actor=None, data=placement_in(number(1)))
    # The same person twice (an overlap, flagged) counts once; a local job does not count.
    services.placement_create(
        actor=None, data=placement_in(number(1), start=datetime.date(2020, 8, 1))
    )
    services.placement_create(
        actor=None,
        data=placement_in(
            number(2, datetime.date(1985, 5, 5)),
            place=YANHE,
            organiser="west",
            organiser_region=YANHE,
        ),
    )
    # An unregistered person is kept, flagged, and not counted.
    services.placement_create(actor=None, data=placement_in(number(40)))
    # Another year's placement does not count.
    services.placement_create(
        actor=None,
        data=placement_in(
            number(2, datetime.date(1985, 5, 5)),
            start=datetime.date(2018, 1, 1),
            end=datetime.date(2018, 12, 31),
        ),
    )
    assert progress.measure(t) == Decimal(1)


def test_county_summary(members):
    today = datetime.date(2020, 12, 31)
    services.placement_create(
        actor=None, data=placement_in(number(1), start=datetime.date(2020, 3, 1))
    )
    services.placement_create(
        actor=None,
        data=placement_in(
            number(2, datetime.date(1985, 5, 5)),
            place=YANHE,
            organiser="self",
            organiser_region="",
            start=datetime.date(2020, 5, 1),
            end=datetime.date(2020, 7, 15),
        ),
    )
    s = measures.summary(YANHE, 2020, today)
    assert s.people == 2
    assert s.organised_share == 0.5
    assert s.cross_province_share == 0.5
    assert s.stable_3 == 0.5  # the second left after 2½ months
    assert s.stable_6 == 0.5
    assert s.months_per_person == (10 + 3) / 2
    assert s.mean_wage == 4500
