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


def test_monthly_series_count_starts_the_job_and_each_months_stability(members):
    from xiezuo.labour.models import Placement

    today = datetime.date(2020, 12, 31)
    # 人1 from March, still on; 人2 from March, left after 2½ months; an unregistered person
    # from May (kept, flagged, never counted).
    services.placement_create(
        actor=None, data=placement_in(number(1), start=datetime.date(2020, 3, 1))
    )
    services.placement_create(
        actor=None,
        data=placement_in(
            number(2, datetime.date(1985, 5, 5)),
            organiser="self",
            organiser_region="",
            start=datetime.date(2020, 3, 10),
            end=datetime.date(2020, 5, 25),
        ),
    )
    services.placement_create(
        actor=None,
        data=placement_in(number(9), person_name="外人", start=datetime.date(2020, 5, 1)),
    )
    months = measures.monthly(Placement.objects.all(), today, months=12)
    assert [m.month for m in months][:2] == ["2020-03", "2020-04"]  # from the first start
    assert months[-1].month == "2020-12" and len(months) == 10
    march, may, dec = months[0], months[2], months[-1]
    assert (march.started, march.on_job, march.organised_share) == (2, 2, 0.5)
    assert (march.stable_3, march.stable_6) == (0.5, 0.5)  # 人2 left before 3 months
    assert (may.started, may.on_job, may.organised_share) == (0, 1, None)  # 人2 gone by 31 May
    assert (dec.started, dec.on_job, dec.stable_3) == (0, 1, None)
    # Not yet due: starters of a month less than 3 months ago have no stability yet.
    services.placement_create(
        actor=None,
        data=placement_in(number(1), start=datetime.date(2020, 11, 2), employer="另一家"),
    )
    nov = measures.monthly(Placement.objects.all(), today, months=12)[-2]
    assert (nov.month, nov.started, nov.stable_3, nov.organised_share) == ("2020-11", 1, None, 1.0)
    assert measures.monthly(Placement.objects.none(), today) == []
