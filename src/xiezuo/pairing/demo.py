"""A plausible pairing picture for the demo, made deterministically.

The 2016 province and prefecture pairs are real. County pairs are not public (see
shared/data/SOURCES.md), so the demo makes them: for 铜仁 the optimizer proposes them from the
demo registry and the proposal is accepted, as a national office would; everywhere else each
western poverty county is given the allowed eastern county with the fewest partners so far (ties
by code), marked as generated. 苏州 → 铜仁 then gets this year's agreement with targets, owners
and tasks scheduled back from the deadlines, so the owners' home pages have something to say.
"""

from __future__ import annotations

import calendar
import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from xiezuo.accounts.models import User
from xiezuo.cooperation.demo import demo_records
from xiezuo.pairing import optimizer, optimizing, services
from xiezuo.pairing.choices import Indicator, Kind, Level, Status, TaskStatus
from xiezuo.pairing.models import Agreement, Pairing

GENERATED = "演示数据（按规则生成，非真实结对）"
TONGREN = "520600"


def demo_pairings(*, stdout: Any) -> None:
    created = services.pairs_2016_load(actor=None)
    stdout.write(f"已加载 2016 年省市结对 {created} 个")
    if Pairing.objects.filter(level=Level.COUNTY).exists():
        stdout.write("县级结对已存在，跳过生成")
    else:
        _tongren_by_optimizer(stdout)
        stdout.write(f"生成其他县级结对 {_round_robin()} 个")
    _agreement(stdout)
    demo_records(stdout=stdout)


def _tongren_by_optimizer(stdout: Any) -> None:
    params = optimizing.Params(west_region=TONGREN, max_per_east=2, time_limit=20)
    try:
        proposal = optimizing.proposal_solve(
            optimizing.proposal_create(actor=None, params=params, title="铜仁县级结对方案（演示）")
        )
        made = optimizing.proposal_accept(actor=None, proposal=proposal, start_year=2017)
    except Exception as exc:  # the demo goes on without it, and says why
        stdout.write(f"铜仁结对方案未能生成：{exc}")
        return
    stdout.write(f"铜仁：优化方案 {proposal.pk} 已采纳，县级结对 {made} 个（{proposal.message}）")


@transaction.atomic
def _round_robin() -> int:
    parents = list(
        Pairing.objects.filter(
            status=Status.ACTIVE, level__lte=Level.PREFECTURE, east_region__isnull=False
        ).select_related("east_region", "west_region")
    )
    covered = set(
        Pairing.objects.filter(level=Level.COUNTY, status=Status.ACTIVE).values_list(
            "west_region_id", flat=True
        )
    )
    east = optimizing._east_units(parents)
    west = [w for w in optimizing._west_units(parents, "") if w.code not in covered]
    arcs = optimizer.allowed_arcs(
        [e.code for e in east],
        [w.code for w in west],
        [(p.east_region_id or "", p.west_region_id) for p in parents],
    )
    by_code = {r.code: r for r in [*east, *west]}
    taken: dict[str, int] = {}
    made = 0
    for county in west:
        options = sorted(arcs.get(county.code, ()), key=lambda e: (taken.get(e, 0), e))
        if not options:
            continue
        chosen = options[0]
        taken[chosen] = taken.get(chosen, 0) + 1
        services.pairing_create(
            actor=None,
            east_region=by_code[chosen],
            west=county,
            kind=Kind.EAST_WEST,
            start_year=2017,
            source=GENERATED,
        )
        made += 1
    return made


TARGETS = [
    # indicator, value, month of deadline, responsible unit, owner
    (Indicator.FISCAL_AID, "32000", 12, "苏州市对口帮扶合作办公室", "suzhou"),
    (Indicator.PROJECTS, "60", 11, "苏州市对口帮扶合作办公室", "suzhou"),
    (Indicator.CADRES_SENT, "40", 6, "苏州市委组织部", "suzhou"),
    (Indicator.LABOURERS_TRAINED, "6000", 10, "铜仁市人力资源和社会保障局", "tongren"),
    (Indicator.PLACEMENTS, "5000", 12, "铜仁市人力资源和社会保障局", "tongren"),
    (Indicator.CONSUMPTION_AID, "50000", 12, "铜仁市东西部协作办公室", "tongren"),
    (Indicator.COUNTY_PAIRS, "10", 3, "苏州市对口帮扶合作办公室", "suzhou"),
]


def _agreement(stdout: Any) -> None:
    pairing = Pairing.objects.filter(
        east_region_id="320500", west_region_id=TONGREN, status=Status.ACTIVE
    ).first()
    if pairing is None:
        return
    year = timezone.localdate().year
    if Agreement.objects.filter(pairing=pairing, year=year).exists():
        stdout.write(f"苏州—铜仁 {year} 年度协议已存在，跳过")
        return
    with transaction.atomic():
        agreement = services.agreement_create(
            actor=None, pairing=pairing, year=year, signed_on=datetime.date(year, 2, 20)
        )
        owners = User.objects.in_bulk(["suzhou", "tongren"], field_name="username")
        for indicator, value, month, unit, owner in TARGETS:
            deadline = datetime.date(year, month, calendar.monthrange(year, month)[1])
            target = services.target_set(
                actor=None,
                agreement=agreement,
                indicator=indicator,
                value=value,
                deadline=deadline,
                responsible_unit=unit,
                owner=owners.get(owner),
            )
            tasks = services.target_schedule(actor=None, target=target)
            # A year under way: what fell due over a month ago was done; the rest is open.
            for task in tasks:
                if task.due < timezone.localdate() - datetime.timedelta(days=30):
                    services.task_set_status(actor=None, task=task, status=TaskStatus.DONE)
    stdout.write(f"苏州—铜仁 {year} 年度协议：{len(TARGETS)} 项目标，已倒排工期")
