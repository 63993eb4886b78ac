"""The demo's assessment: last year's agreement of 苏州 → 铜仁 with a target for every indicator
the year's systems ask for, a national verification of that year, the year's assessment
computed, 苏州's self-assessment filed, and the demo assessor assigned to both units — so each
demo user finds the step that is theirs to take."""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils import timezone

from xiezuo.assessment import services
from xiezuo.assessment.choices import Side
from xiezuo.assessment.models import Assessment
from xiezuo.core.errors import UserError

EAST, WEST = "320500", "520600"


def _wanted(year: int) -> list[str]:
    out: set[str] = set()
    for side in Side.values:
        system = services.system_ensure(year, side)
        for ind in system.indicators.filter(rule="target_share"):
            out.update(ind.params.get("target", []))
    return sorted(out)


def _agreement(year: int, stdout: Any) -> None:
    from xiezuo.pairing import progress
    from xiezuo.pairing import services as pairing_services
    from xiezuo.pairing.choices import WHOLE, Status
    from xiezuo.pairing.models import Agreement, Pairing, Target

    pairing = Pairing.objects.filter(
        east_region_id=EAST, west_region_id=WEST, status=Status.ACTIVE
    ).first()
    if pairing is None:
        return
    agreement = Agreement.objects.filter(pairing=pairing, year=year).first()
    if agreement is None:
        agreement = pairing_services.agreement_create(
            actor=None, pairing=pairing, year=year, signed_on=datetime.date(year, 2, 20)
        )
    for indicator in _wanted(year):
        if agreement.targets.filter(indicator=indicator).exists():
            continue
        probe = Target(agreement=agreement, indicator=indicator, value=Decimal(1))
        done = progress.measure(probe) or Decimal(0)
        # A target a little above what was done, so the scores are neither all full nor empty.
        value = max(done * Decimal("1.15"), Decimal(1))
        value = value.quantize(Decimal(1) if indicator in WHOLE else Decimal("0.01"), ROUND_HALF_UP)
        pairing_services.target_set(
            actor=None,
            agreement=agreement,
            indicator=indicator,
            value=value,
            deadline=datetime.date(year, 12, 31),
            responsible_unit="苏州市对口帮扶合作办公室",
        )
    stdout.write(f"苏州—铜仁 {year} 年度协议：考核所需目标 {agreement.targets.count()} 项")


def demo_assessment(*, stdout: Any) -> None:
    from xiezuo.accounts.models import User
    from xiezuo.analytics import services as verify

    year = timezone.localdate().year - 1
    _agreement(year, stdout)
    east = services.assessment_open(year, Side.EAST, EAST)
    services.assessment_open(year, Side.WEST, WEST)
    suzhou = User.objects.filter(username="suzhou").first()
    if east.step == "open" and suzhou is not None:
        services.self_submit(
            actor=suzhou,
            year=year,
            side=Side.EAST,
            unit_code=EAST,
            text="全年完成协议目标，财政援助资金比上年增长；劳务协作稳定就业比例仍需提高。",
            judgements={"E01": {"score": 9, "reason": "召开联席会议 2 次，主要负责同志互访 1 次"}},
        )
    check = verify.run_execute(verify.run_create(actor=None, scope="", year=year))
    stdout.write(f"{year} 年全国数据比对 #{check.pk}：{check.findings.count()} 条发现")
    try:
        run = services.run_execute(services.run_create(actor=None, year=year))
    except UserError as exc:
        stdout.write(f"{year} 年考核未能计算：{exc}")
        return
    stdout.write(f"{year} 年考核计算 #{run.pk}：{run.results.count()} 个单位")
    assessor = User.objects.filter(username="assessor").first()
    if assessor is not None:
        for side, code in ((Side.EAST, EAST), (Side.WEST, WEST)):
            services.assign(actor=None, year=year, assessor=assessor, unit_code=code, side=side)
    waiting = Assessment.objects.filter(year=year).count()
    stdout.write(f"{year} 年考核步骤：{waiting} 个单位，苏州已自评，铜仁待自评")
