from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import YANHE
from xiezuo.audit.models import AuditEvent
from xiezuo.core import crypto
from xiezuo.core.errors import UserError
from xiezuo.registry import selectors, services
from xiezuo.registry.models import Household, PovertyLine, StatusChange


@pytest.fixture
def household(lines: None) -> Household:
    return Household.objects.create(
        number="5206270000001",
        village_id=_first_village(),
        main_cause="illness",
        status="not_exited",
        per_capita_income=Decimal("3500"),
        food_clothing_secure=True,
        education_secure=True,
        medical_secure=True,
        housing_secure=True,
        water_secure=True,
    )


def _first_village() -> str:
    from xiezuo.regions.models import Region

    village = Region.objects.filter(level=5, code__startswith=YANHE).order_by("code").first()
    assert village is not None
    return village.code


def test_poverty_line_by_year_with_sources(lines: None) -> None:
    assert selectors.poverty_line(2010) == Decimal(2300)
    assert selectors.poverty_line(2014) == Decimal(2800)
    assert selectors.poverty_line(2020) == Decimal(4000)
    assert selectors.poverty_line(2025) == Decimal(6000)  # the monitoring threshold holds on
    assert selectors.poverty_line(2009) is None
    assert all(line.source for line in PovertyLine.objects.all())


def test_bad_poverty_line_file_changes_nothing(lines: None, tmp_path: Path) -> None:
    bad = tmp_path / "lines.csv"
    bad.write_text("year,amount,kind,source\n2014,abc,poverty_line,x\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"lines\.csv 第 2 行"):
        services.poverty_lines_load(actor=None, path=bad)
    assert selectors.poverty_line(2014) == Decimal(2800)


def test_exit_eligibility_needs_income_above_the_line_and_every_condition(
    household: Household,
) -> None:
    assert selectors.exit_eligibility(household, 2016).eligible  # 3500 > 2952
    low = selectors.exit_eligibility(household, 2020)  # 3500 <= 4000
    assert not low.eligible and "未超过 2020 年标准 4000 元" in low.reasons[0]
    household.housing_secure = False
    check = selectors.exit_eligibility(household, 2016)
    assert check.reasons == ["住房安全未保障"]


def test_status_changes_keep_history_and_audit(household: Household, national_user: Any) -> None:
    services.household_set_status(
        household=household, status="exited", year=2018, reason="验收通过", actor=national_user
    )
    household.refresh_from_db()
    assert household.status == "exited" and household.exit_year == 2018
    change = StatusChange.objects.get(household=household)
    assert (change.from_status, change.to_status, change.year) == ("not_exited", "exited", 2018)
    assert change.actor == national_user
    event = AuditEvent.objects.get(object_type="registry.household", action="update")
    assert event.before == {"status": "not_exited", "exit_year": None}
    services.household_set_status(household=household, status="returned", actor=national_user)
    assert household.status_changes.count() == 2


@pytest.mark.parametrize(
    ("start", "target", "message"),
    [
        ("cancelled", "exited", "不能从“注销”改为“已脱贫”"),
        ("not_exited", "returned", "不能从“未脱贫”改为“返贫”"),
    ],
)
def test_illegal_transitions_are_refused(
    household: Household, start: str, target: str, message: str
) -> None:
    Household.objects.filter(pk=household.pk).update(status=start)
    household.refresh_from_db()
    with pytest.raises(UserError, match=message):
        services.household_set_status(household=household, status=target, year=2019, actor=None)
    assert not StatusChange.objects.exists()


def test_exit_needs_a_year(household: Household) -> None:
    with pytest.raises(UserError, match="须注明脱贫年份"):
        services.household_set_status(household=household, status="exited", actor=None)


def test_exit_report_lists_paper_exits(household: Household, county_user: Any) -> None:
    Household.objects.filter(pk=household.pk).update(status="exited", exit_year=2020)
    findings = selectors.exited_not_meeting_rules(user=county_user)
    assert [h.number for h, _ in findings] == [household.number]
    assert selectors.exited_not_meeting_rules(user=county_user, year=2019) == []


def test_encryption_round_trip_and_keyed_hash() -> None:
    token = crypto.encrypt("52062719800101001X")
    assert "52062719800101001X" not in token and token != crypto.encrypt("52062719800101001X")
    assert crypto.decrypt(token) == "52062719800101001X"
    assert crypto.keyed_hash("a") == crypto.keyed_hash("a") != crypto.keyed_hash("b")
    assert len(crypto.keyed_hash("a")) == 32
