"""Agreement targets measured from cooperation records: which records count toward which
indicator, county pairs inside the prefecture pair included, other years and pairings not, and
the part that approved reports make up."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

from tests.conftest import SUZHOU, TONGREN, WUZHONG, YANHE
from xiezuo.cooperation import services
from xiezuo.cooperation.models import Record, Report
from xiezuo.pairing import progress
from xiezuo.pairing import services as pairing_services
from xiezuo.pairing.choices import Indicator
from xiezuo.pairing.models import Pairing, Target
from xiezuo.pairing.selectors import target_progress
from xiezuo.regions.models import Region

pytestmark = pytest.mark.django_db

# One valid record of each kind, by field name; tests change what they measure.
RAW: dict[str, dict[str, str]] = {
    "fund": {
        "kind": "财政援助资金",
        "source": "苏州市财政局",
        "recipient": YANHE,
        "amount": "1000",
    },
    "project": {
        "name": "茶叶加工厂",
        "sector": "产业",
        "place": YANHE,
        "budget_east": "100",
        "status": "在建",
    },
    "talent": {
        "direction": "东部派往西部",
        "talent_kind": "党政干部",
        "name": "张三",
        "post": "副县长",
    },
    "training": {"training_kind": "贫困劳动力", "title": "家政培训", "days": "5", "trainees": "10"},
    "industry": {
        "enterprise": "苏州某食品有限公司",
        "credit_code": "91110000100010433L",
        "investment": "500",
        "place": YANHE,
    },
    "consumption": {
        "buyer": "苏州某超市",
        "seller": "沿河某合作社",
        "product": "白茶",
        "amount": "80",
    },
    "social": {
        "donor_kind": "企业",
        "donor": "苏州某集团",
        "gift": "校服",
        "value": "40",
        "recipient": YANHE,
    },
}


def record(
    pairing: Pairing,
    what: str,
    /,
    *,
    reporter: str = SUZHOU,
    year: int = 2026,
    people: Any = (),
    **change: str,
) -> Record:
    raw = {**RAW[what], "date": f"{year}-05-01", **change}
    return services.record_create(
        actor=None,
        kind=what,
        pairing=pairing,
        reporter=Region.objects.get(code=reporter),
        year=year,
        raw=raw,
        people=people,
    )


def approve(pairing: Pairing, reporter: str, year: int = 2026) -> None:
    report = Report.objects.get(pairing=pairing, reporter_id=reporter, year=year)
    services.report_submit(actor=None, report=report)
    services.report_review(actor=None, report=report, approve=True)


@pytest.fixture
def wuzhong_yanhe(suzhou_tongren: Pairing) -> Pairing:
    return pairing_services.pairing_create(
        actor=None,
        east_region=Region.objects.get(code=WUZHONG),
        west=Region.objects.get(code=YANHE),
        start_year=2017,
    )


def target(pairing: Pairing, indicator: str, year: int = 2026) -> Target:
    agreement = pairing.agreements.filter(year=year).first() or pairing_services.agreement_create(
        actor=None, pairing=pairing, year=year
    )
    return pairing_services.target_set(
        actor=None,
        agreement=agreement,
        indicator=indicator,
        value="100",
        deadline=datetime.date(year, 12, 31),
        responsible_unit="苏州市对口帮扶合作办公室",
    )


def test_each_indicator_counts_its_records_with_the_county_pairs_inside(
    suzhou_tongren: Pairing, wuzhong_yanhe: Pairing
) -> None:
    p, c = suzhou_tongren, wuzhong_yanhe
    record(p, "fund", amount="1000")
    record(c, "fund", reporter=WUZHONG, amount="250.5")
    record(c, "fund", reporter=YANHE, kind="社会捐赠资金", amount="30")
    record(p, "fund", kind="捐赠物资折款", amount="12")
    # 铜仁 records receiving 999 万元 of fiscal aid: a receipt, not more of the east's aid.
    record(p, "fund", reporter=TONGREN, amount="999")
    record(p, "project")
    record(c, "project", reporter=YANHE)
    record(p, "talent")
    record(p, "talent", talent_kind="教师")
    record(c, "talent", reporter=WUZHONG, talent_kind="医生")
    record(p, "talent", direction="西部派往东部", reporter=TONGREN)  # west→east: not "sent"
    record(p, "training", training_kind="党政干部", trainees="30")
    record(c, "training", reporter=YANHE, training_kind="基层干部", trainees="20")
    record(p, "training", training_kind="致富带头人", trainees="15")
    record(p, "training", training_kind="专业技术人才", trainees="5")
    record(c, "training", reporter=YANHE, trainees="40")
    record(p, "industry", investment="500", workshop="是")
    record(c, "industry", reporter=WUZHONG, investment="120.25", credit_code="914403001922038216")
    # The first enterprise again, reported by the county: its money counts, the firm once.
    record(c, "industry", reporter=WUZHONG, investment="10", enterprise="同一企业")
    record(p, "consumption", amount="80")
    record(c, "consumption", reporter=YANHE, amount="20")
    record(p, "social")  # social help has no indicator of its own
    expected = {
        Indicator.FISCAL_AID: "1250.5",
        Indicator.SOCIAL_FUNDS: "42",
        Indicator.PROJECTS: "2",
        Indicator.CADRES_SENT: "1",
        Indicator.PROFESSIONALS_SENT: "2",
        Indicator.CADRES_TRAINED: "50",
        Indicator.PROFESSIONALS_TRAINED: "20",
        Indicator.LABOURERS_TRAINED: "40",
        Indicator.ENTERPRISES: "2",
        Indicator.INVESTMENT: "630.25",
        Indicator.WORKSHOPS: "1",
        Indicator.CONSUMPTION_AID: "100",
    }
    for indicator, value in expected.items():
        assert progress.measure(target(p, indicator)) == Decimal(value), indicator
    # The county pair's own agreement counts only its own records.
    assert progress.measure(target(c, Indicator.FISCAL_AID)) == Decimal("250.5")
    assert progress.measure(target(c, Indicator.PROJECTS)) == 1


def test_other_years_and_pairings_outside_do_not_count(
    suzhou_tongren: Pairing, wuzhong_yanhe: Pairing
) -> None:
    record(suzhou_tongren, "fund", amount="1000")
    record(suzhou_tongren, "fund", amount="777", year=2025)
    hangzhou = Pairing.objects.get(east_region_id="330100", west_region_id="522600")
    record(hangzhou, "fund", reporter="330100", recipient="522600", amount="555")
    assert progress.measure(target(suzhou_tongren, Indicator.FISCAL_AID)) == 1000
    assert progress.measure(target(suzhou_tongren, Indicator.FISCAL_AID, 2025)) == 777
    assert progress.measure(target(hangzhou, Indicator.FISCAL_AID)) == 555


def test_progress_counts_every_report_and_says_how_much_is_locked(
    suzhou_tongren: Pairing, wuzhong_yanhe: Pairing
) -> None:
    record(suzhou_tongren, "fund", amount="600")
    record(wuzhong_yanhe, "fund", reporter=WUZHONG, amount="400")
    aid = target(suzhou_tongren, Indicator.FISCAL_AID)
    assert progress.measure(aid) == 1000 and progress.measure_locked(aid) == 0
    approve(wuzhong_yanhe, WUZHONG)
    assert progress.measure(aid) == 1000 and progress.measure_locked(aid) == 400
    # A figure over the target reads as done on the agreement's progress.
    shown = target_progress(aid, today=datetime.date(2026, 6, 1))
    assert shown.actual == 1000 and shown.state == "done" and shown.percent == 1000


def test_a_target_is_unmeasured_until_the_year_has_a_report_then_zero(
    suzhou_tongren: Pairing, wuzhong_yanhe: Pairing
) -> None:
    projects = target(suzhou_tongren, Indicator.PROJECTS)
    aid = target(suzhou_tongren, Indicator.FISCAL_AID)
    record(suzhou_tongren, "project", year=2025)  # another year's report
    assert progress.measure(projects) is None and progress.measure(aid) is None
    assert progress.measure_locked(aid) is None
    record(wuzhong_yanhe, "project", reporter=YANHE)
    assert progress.measure(projects) == 1 and progress.measure(aid) == 0
    assert progress.measure_locked(aid) == 0


def test_placements_and_pairs_have_no_locked_part_and_placements_stay_unmeasured(
    suzhou_tongren: Pairing,
) -> None:
    record(suzhou_tongren, "fund")
    placements = target(suzhou_tongren, Indicator.PLACEMENTS)
    assert progress.measure(placements) is None
    assert target_progress(placements, today=datetime.date(2026, 6, 1)).state == "unmeasured"
    pairs = target(suzhou_tongren, Indicator.COUNTY_PAIRS)
    assert progress.measure(pairs) == 0 and progress.measure_locked(pairs) is None
