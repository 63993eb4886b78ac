"""The demo's labour cooperation, made deterministically: 铜仁's workers from its registry, jobs
that 苏州's counties brought, a matching run whose proposals 铜仁 accepted, and placements since
last spring — most still on, some ended within three months, a few found by the workers
themselves — so the labour pages, the agreement indicator and the assessment have figures."""

from __future__ import annotations

import datetime
import random
from typing import Any

from django.utils import timezone

from xiezuo.core import crypto

WEST = "520600"
# (employer, county of the workplace, sector, monthly wage, slots, dormitory)
JOBS = [
    ("苏州吴中精密制造有限公司", "320506", "manufacturing", 5200, 40, True),
    ("昆山电子装配有限公司", "320583", "manufacturing", 5600, 60, True),
    ("张家港港区物流有限公司", "320582", "logistics", 6000, 25, True),
    ("苏州姑苏家政服务有限公司", "320508", "care", 4800, 20, False),
    ("吴江建筑安装工程有限公司", "320509", "construction", 6500, 30, True),
]


def demo_labour(*, stdout: Any) -> None:
    from xiezuo.cooperation.demo import Demo
    from xiezuo.labour import services
    from xiezuo.labour.choices import MatchState, Organiser
    from xiezuo.labour.models import Match, Posting, Worker

    if Posting.objects.exists():
        stdout.write("劳务协作演示数据已存在，跳过")
        return
    today = timezone.localdate()
    last = today.year - 1
    rng = random.Random(20170101)  # noqa: S311 - demo data, repeatable by seed
    maker = Demo(rng, today)
    synced = services.workers_sync(actor=None, region_code=WEST, today=datetime.date(last, 1, 15))
    for employer, county, sector, wage, slots, dorm in JOBS:
        services.posting_create(
            actor=None,
            data=services.PostingIn(
                employer=employer,
                employer_code=maker.credit_code(county),
                place=county,
                sector=sector,
                wage=wage,
                slots=slots,
                start=datetime.date(last, 3, 1),
                east_unit=county,
                age_max=55,
                dorm=dorm,
                transport=True,
            ),
        )
    run = services.match_run(actor=None, west_code=WEST, today=datetime.date(last, 2, 20))
    proposed = list(Match.objects.filter(run=run, state=MatchState.PROPOSED).order_by("id")[:120])
    services.matches_decide(actor=None, match_ids=[m.pk for m in proposed], accept=True)
    placed = 0
    for i, match in enumerate(proposed):
        match.refresh_from_db()
        start = datetime.date(last, 3, 1) + datetime.timedelta(days=rng.randint(0, 200))
        services.placement_from_match(
            actor=None, match=match, start=start, proofs=["contract", "wages"]
        )
        placed += 1
        if i % 6 == 5:  # some leave within three months: the stability figures are not all 100 %
            services.placement_end(
                actor=None,
                placement=Match.objects.get(pk=match.pk).placement,
                end=min(start + datetime.timedelta(days=rng.randint(20, 80)), today),
            )
    # A few found work on their own, outside any pairing's organisation.
    for worker in Worker.objects.filter(placements__isnull=True).order_by("id")[:15]:
        member = worker.member
        if member is None or not member.id_enc:
            continue
        services.placement_create(
            actor=None,
            data=services.PlacementIn(
                person_name=worker.name,
                id_number=crypto.decrypt(member.id_enc),
                employer="广州白云服装厂",
                place="440111",
                start=datetime.date(last, 4, 1),
                wage=4500,
                organiser=Organiser.SELF,
            ),
        )
        placed += 1
    stdout.write(
        f"铜仁劳务协作：劳动力 {synced.created} 人，岗位 {len(JOBS)} 个，"
        f"接受匹配 {len(proposed)} 个，就业记录 {placed} 条"
    )
