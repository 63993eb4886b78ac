"""A small world with one case of every rule: a registry in 沿河 and 碧江 (both in 铜仁), the
2016 pairs, a county pair 吴中 → 沿河, and trainings and an enterprise naming people —
some registered, some not, some whose ID was mistyped or damaged by Excel."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.conftest import BIJIANG, SUZHOU, TONGREN, WUZHONG, YANHE
from xiezuo.core import crypto
from xiezuo.registry import idnumbers


def rid(county: str, birth: datetime.date, seq: int, male: bool = True) -> str:
    return idnumbers.make_resident_id(county, birth, seq, male=male)


def mistype(number: str) -> str:
    """One digit of the sequence part changed: the check character no longer fits."""
    digit = "5" if number[15] != "5" else "6"
    bad = number[:15] + digit + number[16:]
    assert not idnumbers.check_id(bad).ok
    return bad


@dataclass
class World:
    pairing: Any  # 苏州 → 铜仁
    county_pairing: Any  # 吴中 → 沿河
    members: dict[str, Any] = field(default_factory=dict)
    records: dict[str, Any] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)


def _household(number: str, village: str, status: str = "not_exited") -> Any:
    from xiezuo.registry.models import Household

    return Household.objects.create(
        number=number, village_id=village, main_cause="illness", status=status
    )


def _member(household: Any, name: str, number: str, birth: datetime.date) -> Any:
    from xiezuo.registry.models import Member

    return Member.objects.create(
        household=household,
        name=name,
        id_hash=crypto.keyed_hash(number),
        id_enc=crypto.encrypt(number),
        id_masked=idnumbers.mask(number),
        sex="male",
        birth_date=birth,
        relation="head",
    )


def _person(record: Any, name: str, number: str) -> Any:
    from xiezuo.cooperation.models import Person
    from xiezuo.registry.models import Member

    check = idnumbers.check_id(number, allow_disability_card=True)
    key = crypto.keyed_hash(check.normalised or number)
    link = {"training" if record._meta.model_name == "training" else "industry": record}
    return Person.objects.create(
        **link,
        name=name,
        id_hash=key,
        id_enc=crypto.encrypt(number),
        id_masked=idnumbers.mask(idnumbers.normalise(number)),
        member=Member.objects.filter(id_hash=key).first(),
    )


def _report(pairing: Any, reporter: str, year: int = 2026, side: str = "east") -> Any:
    from xiezuo.cooperation.models import Report

    return Report.objects.get_or_create(
        pairing=pairing, reporter_id=reporter, year=year, defaults={"side": side}
    )[0]


def training(pairing: Any, reporter: str, kind: str, date: str, side: str = "east") -> Any:
    from xiezuo.cooperation.models import Training

    return Training.objects.create(
        report=_report(pairing, reporter, int(date[:4]), side),
        date=datetime.date.fromisoformat(date),
        training_kind=kind,
        title=f"{kind} 培训",
        trainees=1,
    )


@pytest.fixture
def world(regions: None, yanhe_village_code: str, bijiang_village_code: str) -> World:
    from xiezuo.cooperation.models import Industry
    from xiezuo.pairing import services as pairing_services
    from xiezuo.pairing.models import Pairing
    from xiezuo.registry.models import StatusChange

    pairing_services.pairs_2016_load(actor=None)
    pairing = Pairing.objects.get(east_region=SUZHOU, west_region=TONGREN)
    county = Pairing.objects.create(
        level=3, east_region_id=WUZHONG, west_region_id=YANHE, parent=pairing, start_year=2021
    )
    w = World(pairing, county)
    yv, bv = yanhe_village_code, bijiang_village_code
    people = {
        # name, county of the ID, birth date, village, status
        "张三": (YANHE, datetime.date(1985, 3, 1), yv, "not_exited"),
        "李四": (YANHE, datetime.date(1990, 5, 2), yv, "not_exited"),
        "王芳": (YANHE, datetime.date(1988, 7, 3), yv, "not_exited"),
        "赵六": (BIJIANG, datetime.date(1979, 1, 4), bv, "not_exited"),
        "孙七": (YANHE, datetime.date(1970, 2, 5), yv, "cancelled"),
        "周八": (YANHE, datetime.date(2015, 6, 6), yv, "not_exited"),  # a child
        "吴九": (YANHE, datetime.date(1950, 8, 7), yv, "exited"),  # over 60
        "郑十": (YANHE, datetime.date(1992, 9, 8), yv, "not_exited"),
    }
    for i, (name, (cty, birth, village, status)) in enumerate(people.items()):
        number = rid(cty, birth, 10 + i)
        household = _household(f"H{i:04d}", village, status)
        w.members[name] = _member(household, name, number, birth)
        w.ids[name] = number
        if status == "cancelled":
            StatusChange.objects.create(
                household=household,
                from_status="not_exited",
                to_status="cancelled",
                year=2024,
                reason="死亡",
            )
    stranger = rid(YANHE, datetime.date(1991, 1, 1), 77)

    # 苏州 trains labourers of 铜仁: each person one case.
    t = training(pairing, SUZHOU, "labourers", "2026-05-10")
    w.records["suzhou_labour"] = t
    _person(t, "张三", w.ids["张三"])  # clean
    _person(t, "王五", stranger)  # V02 not registered
    _person(t, "孙七", w.ids["孙七"])  # V05 cancelled 2024 (死亡)
    _person(t, "周八", w.ids["周八"])  # V08 a child
    _person(t, "李四", w.ids["李四"])  # V09 also counted by 铜仁 below
    _person(t, "汪芳", mistype(w.ids["王芳"]))  # V01 + V11: one digit wrong, homophone name
    _person(t, "郑十", "5.20627E+17")  # V01 + V11: Excel-damaged, same name and county
    # 铜仁 reports the same labourer 李四 for the same indicator and year.
    t2 = training(pairing, TONGREN, "labourers", "2026-07-01", side="west")
    w.records["tongren_labour"] = t2
    _person(t2, "李四", w.ids["李四"])
    # The county pair 吴中 → 沿河 trains a 碧江 person: outside 沿河 (V03).
    t3 = training(county, WUZHONG, "leaders", "2026-04-01")
    w.records["wuzhong_leaders"] = t3
    _person(t3, "赵六", w.ids["赵六"])
    # An enterprise employs someone over 60 (V07).
    ind = Industry.objects.create(
        report=_report(pairing, SUZHOU),
        date=datetime.date(2026, 3, 3),
        enterprise="某公司",
        credit_code="91110000100010433L",
        investment=100,
        place_id=YANHE,
        jobs=10,
        poor_employed=1,
    )
    w.records["industry"] = ind
    _person(ind, "吴九", w.ids["吴九"])
    # A report by a unit that is no side of the pairing (V04): 碧江 reports for 吴中 → 沿河.
    t4 = training(county, BIJIANG, "cadres", "2026-02-02", side="west")
    w.records["stray"] = t4
    return w


def place(world: World, name: str, start: str, end: str | None, *, place: str = SUZHOU) -> Any:
    """A labour placement of one of the world's registered people (a plain row: the labour
    service would flag an overlap itself; verification must find it from the snapshot)."""
    from xiezuo.labour.models import Placement

    number = world.ids[name]
    return Placement.objects.create(
        person_name=name,
        id_hash=crypto.keyed_hash(number),
        id_masked=idnumbers.mask(number),
        home_county_id=YANHE,
        employer="某工厂",
        place_id=place,
        start=datetime.date.fromisoformat(start),
        end=datetime.date.fromisoformat(end) if end else None,
        wage=4000,
        organiser="east",
        organiser_region_id=SUZHOU,
        source="form",
    )


@pytest.fixture
def placed(world: World) -> dict[str, Any]:
    """张三 placed twice at once (V10, both placements), 郑十 twice one after the other (no
    finding)."""
    return {
        "first": place(world, "张三", "2026-01-05", None),
        "second": place(world, "张三", "2026-06-01", "2026-09-30"),
        "before": place(world, "郑十", "2025-03-01", "2025-12-31"),
        "after": place(world, "郑十", "2026-01-01", None),
    }
