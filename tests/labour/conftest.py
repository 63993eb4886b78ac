"""Shared fixtures of the labour tests: a few registry members of 沿河, the 2016 pairs, an
eastern reporter, and valid posting and placement input."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from tests.conftest import SUZHOU, WUZHONG, YANHE
from tests.factories import UserFactory
from xiezuo.core import crypto
from xiezuo.labour import services
from xiezuo.labour.choices import Sector
from xiezuo.registry import idnumbers
from xiezuo.registry.choices import LabourSkill, Status
from xiezuo.registry.models import Household, Member

TODAY = datetime.date(2020, 6, 30)
CODE = "91110000100010433L"  # a published code (GB 32100 check characters valid)


@pytest.fixture
def pairs(regions: None) -> None:
    from xiezuo.pairing import services as pairing_services

    pairing_services.pairs_2016_load(actor=None)


def person(
    village: str,
    n: int,
    *,
    born: datetime.date,
    skill: str = LabourSkill.ORDINARY,
    sex: str = "male",
    status: str = Status.NOT_EXITED,
) -> Member:
    household = Household.objects.create(
        number=f"H{village}{n:03d}", village_id=village, main_cause="illness", status=status
    )
    number = idnumbers.make_resident_id(YANHE, born, n, male=sex == "male")
    return Member.objects.create(
        household=household,
        name=f"人{n}",
        id_hash=crypto.keyed_hash(number),
        id_enc="x",
        id_masked=idnumbers.mask(number),
        sex=sex,
        birth_date=born,
        relation="head",
        labour_skill=skill,
    )


@pytest.fixture
def members(yanhe_village_code: str) -> list[Member]:
    v = yanhe_village_code
    return [
        person(v, 1, born=datetime.date(1990, 1, 1)),
        person(v, 2, born=datetime.date(1985, 5, 5), skill=LabourSkill.SKILLED),
        person(v, 3, born=datetime.date(2010, 1, 1)),  # a child
        person(v, 4, born=datetime.date(1950, 1, 1)),  # past retirement
        person(v, 5, born=datetime.date(1990, 1, 1), skill=LabourSkill.LOST),
        person(v, 6, born=datetime.date(1962, 1, 1), sex="female"),  # 58: past 55
    ]


@pytest.fixture
def suzhou_reporter(regions: None) -> Any:
    return UserFactory(username="sz", side="east", region_id=SUZHOU, roles=["reporter"])


def posting_in(**over: Any) -> services.PostingIn:
    data = dict(
        employer="苏州某电子有限公司",
        employer_code=CODE,
        place=WUZHONG,
        sector=Sector.MANUFACTURING,
        wage=5000,
        slots=2,
        start=datetime.date(2020, 7, 1),
        east_unit=SUZHOU,
        dorm=True,
    )
    data.update(over)
    return services.PostingIn(**data)  # type: ignore[arg-type]


def placement_in(number: str, **over: Any) -> services.PlacementIn:
    data = dict(
        person_name="人1",
        id_number=number,
        employer="苏州某电子有限公司",
        place=WUZHONG,
        start=datetime.date(2020, 3, 1),
        wage=4500,
        organiser="east",
        organiser_region=SUZHOU,
        proofs=["contract"],
    )
    data.update(over)
    return services.PlacementIn(**data)  # type: ignore[arg-type]
