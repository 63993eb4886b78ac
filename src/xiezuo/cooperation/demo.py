"""A plausible two years of cooperation records for the demo, made deterministically.

For 苏州 → 铜仁 and the county pairs inside it, last year and this year: fiscal and social
funds, projects in 铜仁's counties and villages, cadres and professionals sent both ways,
trainings (some trainees registered poor, taken from the demo registry, some not), enterprises
with valid credit codes, consumption aid and social help. Last year's reports are submitted and
approved; this year's are partly drafts, partly submitted, and one is returned with a comment.
Fiscal aid for 2017–2020 is added too (approved, fiscal records only), so the fiscal-promise page
can set aid against 苏州's real revenue, which the NBS panel has up to 2020; in 2019 the aid grows
slower than the revenue and the page flags it. Every record goes through `services.record_create`,
so the demo data passes the same rules as anything a user enters. Figures are in 万元 and sized
for a prefecture pair: about 3 亿元 of fiscal aid a year.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from xiezuo.cooperation import services
from xiezuo.cooperation.choices import (
    Direction,
    DonorKind,
    FundKind,
    ProjectStatus,
    Sector,
    TalentKind,
    TrainingKind,
)
from xiezuo.cooperation.models import Report
from xiezuo.core import creditcode, crypto
from xiezuo.pairing.choices import Level, Status
from xiezuo.pairing.models import Pairing
from xiezuo.pairing.progress import within_q
from xiezuo.regions import codes
from xiezuo.regions.models import Region
from xiezuo.registry.idnumbers import make_resident_id
from xiezuo.registry.models import Member

SUZHOU, TONGREN = "320500", "520600"
# Fiscal aid 苏州 → 铜仁 before the demo's two years (万元): +21 % in 2018 against revenue +11 %,
# +3 % in 2019 against revenue +4.8 % (flagged), +6.5 % in 2020 against revenue +3.7 %.
HISTORY = {2017: 21000, 2018: 25500, 2019: 26300, 2020: 28000}
# Fiscal aid of the pair in total, prefecture and counties together: last year, this year.
FISCAL = (30000, 31200)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何罗田龙杨冉"
GIVEN = "明华军芳丽强敏静伟霞勇杰娟涛超秀英兰平刚桂红"
PRODUCTS = [
    ("梵净山翠峰茶", "江口县梵净山茶业专业合作社"),
    ("沿河山羊", "沿河土家族自治县山羊养殖专业合作社"),
    ("思南红薯粉", "思南县农产品加工有限公司"),
    ("石阡苔茶", "石阡县苔茶专业合作社"),
    ("松桃大米", "松桃苗族自治县粮油专业合作社"),
    ("印江绿壳鸡蛋", "印江土家族苗族自治县生态养殖合作社"),
    ("德江天麻", "德江县中药材专业合作社"),
]
BUYERS = ["苏州市机关事务管理局食堂", "苏州某连锁超市", "苏州市工会职工服务中心", "苏州某电商平台"]
SECTORS = [
    (Sector.INDUSTRY, "产业基地建设"),
    (Sector.INFRASTRUCTURE, "通组道路硬化"),
    (Sector.EDUCATION, "学校教学楼改造"),
    (Sector.HEALTH, "卫生室标准化建设"),
    (Sector.EMPLOYMENT, "就业扶贫车间"),
    (Sector.RELOCATION, "易地扶贫搬迁安置点后续扶持"),
    (Sector.LIVING, "人居环境整治"),
]


class Demo:
    """One run: the seeded random source and the records it makes, kind by kind."""

    def __init__(self, rng: random.Random, today: datetime.date) -> None:
        self.rng = rng
        self.today = today
        self.made = 0

    def add(
        self,
        kind: str,
        pairing: Pairing,
        reporter: str,
        year: int,
        raw: dict[str, Any],
        people: list[services.PersonIn] | None = None,
    ) -> None:
        services.record_create(
            actor=None,
            kind=kind,
            pairing=pairing,
            reporter=Region.objects.get(code=reporter),
            year=year,
            raw={"date": self.date(year), **raw},
            people=people or (),
        )
        self.made += 1

    def date(self, year: int) -> datetime.date:
        """A day of the year, no later than today."""
        last = min(datetime.date(year, 12, 31), self.today)
        start = datetime.date(year, 1, 1)
        return start + datetime.timedelta(days=self.rng.randint(0, (last - start).days))

    def name(self) -> str:
        return self.rng.choice(SURNAMES) + "".join(self.rng.sample(GIVEN, self.rng.randint(1, 2)))

    def credit_code(self, registered_in: str) -> str:
        """A valid GB 32100 code: the GB 11714 organisation code inside it is found by trying
        its check character, so only the public checks of `creditcode` are relied on."""
        body = f"91{registered_in}{self.rng.randint(0, 99999999):08d}"
        for check in "0123456789X":
            code = creditcode.make(body + check)
            if not creditcode.problem(code):
                return code
        raise AssertionError("no organisation check character fits")  # pragma: no cover

    def place(self, county: str) -> str:
        """A village of the county when the divisions have its villages, else the county."""
        villages = list(
            Region.objects.filter(
                codes.subtree_q("code", county), level=codes.Level.VILLAGE, is_active=True
            ).values_list("code", flat=True)[:60]
        )
        return self.rng.choice(villages) if villages else county

    def trainees(self, county: str, registered: int, others: int) -> list[services.PersonIn]:
        """Registered poor people of the county from the demo registry, and people who are not."""
        members = list(
            Member.objects.filter(codes.subtree_q("household__village_id", county))
            .order_by("id")
            .values_list("name", "id_enc")[: registered * 5]
        )
        chosen = self.rng.sample(members, min(registered, len(members)))
        people = [services.PersonIn(name, crypto.decrypt(enc)) for name, enc in chosen]
        for _ in range(others):
            born = datetime.date(self.rng.randint(1970, 2002), self.rng.randint(1, 12), 1)
            number = make_resident_id(
                county, born, self.rng.randint(0, 99), male=self.rng.random() < 0.5
            )
            people.append(services.PersonIn(self.name(), number))
        return people


def demo_records(*, stdout: Any) -> None:
    pairing = Pairing.objects.filter(
        east_region_id=SUZHOU, west_region_id=TONGREN, status=Status.ACTIVE
    ).first()
    if pairing is None:
        return
    if Report.objects.filter(within_q(pairing, "pairing__")).exists():
        stdout.write("苏州—铜仁帮扶记录已存在，跳过生成")
        return
    counties = list(
        Pairing.objects.filter(within_q(pairing), level=Level.COUNTY, status=Status.ACTIVE)
        .select_related("east_region", "west_region")
        .order_by("west_region_id")
    )
    today = timezone.localdate()
    demo = Demo(random.Random(2016), today)  # noqa: S311 - demo data, repeatable by seed
    with transaction.atomic():
        for year, total in HISTORY.items():
            _fiscal(demo, pairing, year, Decimal(total), parts=4)
        for year, total in zip((today.year - 1, today.year), FISCAL, strict=True):
            _year(demo, pairing, counties, year, Decimal(total))
        _review(pairing, today.year)
    stdout.write(
        f"苏州—铜仁帮扶记录 {demo.made} 条（{today.year - 1}、{today.year} 年，"
        f"另有 2017–2020 年财政援助），含县级结对 {len(counties)} 个"
    )


def _fiscal(demo: Demo, pairing: Pairing, year: int, total: Decimal, *, parts: int) -> None:
    """The prefecture's own fiscal aid, split over a few allocations to 铜仁 and its counties."""
    shares = [demo.rng.randint(8, 12) for _ in range(parts)]
    left = total
    for i, share in enumerate(shares):
        amount = left if i == parts - 1 else (total * share / sum(shares)).quantize(Decimal(10))
        left -= amount
        demo.add(
            "fund",
            pairing,
            SUZHOU,
            year,
            {
                "kind": FundKind.FISCAL,
                "source": "苏州市财政局",
                "recipient": TONGREN if i == 0 else _county(demo, pairing),
                "amount": amount,
                "purpose": demo.rng.choice(["产业发展", "基础设施", "教育医疗", "劳务协作"]),
                "disbursed": amount,
            },
        )


def _county(demo: Demo, pairing: Pairing) -> str:
    counties = Region.objects.filter(
        codes.subtree_q("code", pairing.west_region_id), level=codes.Level.COUNTY
    ).order_by("code")
    return str(demo.rng.choice(list(counties.values_list("code", flat=True))))


def _year(
    demo: Demo, pairing: Pairing, counties: list[Pairing], year: int, fiscal: Decimal
) -> None:
    rng = demo.rng
    county_fiscal = Decimal(0)
    for pair in counties:
        east, west = pair.east_region_id or "", pair.west_region_id
        amount = Decimal(rng.randint(15, 20) * 100)
        county_fiscal += amount
        source = f"{pair.east_name}财政局"
        demo.add(
            "fund",
            pair,
            east,
            year,
            {"kind": FundKind.FISCAL, "source": source, "recipient": west, "amount": amount},
        )
        demo.add(
            "fund",
            pair,
            east,
            year,
            {
                "kind": rng.choice([FundKind.SOCIAL, FundKind.IN_KIND]),
                "source": f"{pair.east_name}慈善总会",
                "recipient": west,
                "amount": rng.randint(5, 30) * 10,
            },
        )
        _talent(demo, pair, east, year, Direction.EAST_TO_WEST, TalentKind.CADRE, 1)
        for kind in rng.sample([TalentKind.TEACHER, TalentKind.DOCTOR, TalentKind.AGRONOMIST], 2):
            _talent(demo, pair, east, year, Direction.EAST_TO_WEST, kind, 1)
        for _ in range(4):
            _project(demo, pair, west, year, west)
        _training(demo, pair, west, year, TrainingKind.LABOURERS, west)
        _training(demo, pair, west, year, TrainingKind.GRASSROOTS, west)
        demo.add(
            "social",
            pair,
            east,
            year,
            {
                "donor_kind": rng.choice(list(DonorKind)),
                "donor": f"{pair.east_name}{rng.choice(['某实业公司', '爱心基金会', '商会'])}",
                "gift": rng.choice(["校服 1500 套", "助学金", "医疗设备一批", "农用机械 20 台"]),
                "value": rng.randint(2, 30) * 10,
                "recipient": west,
            },
        )
    _fiscal(demo, pairing, year, fiscal - county_fiscal, parts=3)
    _prefecture_year(demo, pairing, year)


def _prefecture_year(demo: Demo, pairing: Pairing, year: int) -> None:
    rng = demo.rng
    for _ in range(12):
        _talent(demo, pairing, SUZHOU, year, Direction.EAST_TO_WEST, TalentKind.CADRE, 1)
    for talent in (TalentKind.TEACHER, TalentKind.DOCTOR, TalentKind.OTHER):
        _talent(demo, pairing, SUZHOU, year, Direction.EAST_TO_WEST, talent, 3)
    _talent(demo, pairing, TONGREN, year, Direction.WEST_TO_EAST, TalentKind.CADRE, 6)
    _talent(demo, pairing, TONGREN, year, Direction.WEST_TO_EAST, TalentKind.TEACHER, 2)
    for _ in range(3):
        _project(demo, pairing, TONGREN, year, _county(demo, pairing))
    _project(demo, pairing, TONGREN, year, TONGREN)  # a prefecture-wide project
    for kind in (TrainingKind.CADRES, TrainingKind.LEADERS, TrainingKind.PROFESSIONALS):
        _training(demo, pairing, TONGREN, year, kind, _county(demo, pairing))
    _training(demo, pairing, TONGREN, year, TrainingKind.LABOURERS, _county(demo, pairing))
    for _ in range(5):
        _industry(demo, pairing, year)
    for product, seller in rng.sample(PRODUCTS, 6):
        demo.add(
            "consumption",
            pairing,
            SUZHOU,
            year,
            {
                "buyer": rng.choice(BUYERS),
                "seller": seller,
                "product": product,
                "amount": rng.randint(40, 110) * 100,
                "households": rng.randint(300, 2500),
            },
        )


POSTS = {
    TalentKind.CADRE: ("挂职副县长", "挂职副局长", "挂职乡镇党委副书记"),
    TalentKind.TEACHER: ("支教教师", "挂职副校长"),
    TalentKind.DOCTOR: ("县人民医院帮扶医生", "挂职副院长"),
    TalentKind.AGRONOMIST: ("农技推广站技术员",),
    TalentKind.OTHER: ("规划设计师", "电商运营顾问"),
}


def _talent(
    demo: Demo, pairing: Pairing, reporter: str, year: int, direction: str, kind: str, n: int
) -> None:
    for _ in range(n):
        start = demo.date(year)
        east = direction == Direction.EAST_TO_WEST
        place = pairing.west_region.name if east else pairing.east_name
        demo.add(
            "talent",
            pairing,
            reporter,
            year,
            {
                "date": start,
                "direction": direction,
                "talent_kind": kind,
                "name": demo.name(),
                "post": f"{place}{demo.rng.choice(POSTS[TalentKind(kind)])}",
                "workplace": pairing.east_name if east else pairing.west_region.name,
                "end": start + datetime.timedelta(days=demo.rng.choice([180, 365, 730])),
            },
        )


def _project(demo: Demo, pairing: Pairing, reporter: str, year: int, county: str) -> None:
    rng = demo.rng
    sector, what = rng.choice(SECTORS)
    place = county if len(county) == 6 and county.endswith("00") else demo.place(county)
    region = Region.objects.get(code=place)
    done = year < demo.today.year or rng.random() < 0.3
    demo.add(
        "project",
        pairing,
        reporter,
        year,
        {
            "name": f"{region.name}{what}",
            "sector": sector,
            "place": place,
            "budget_east": rng.randint(2, 12) * 100,
            "budget_local": rng.randint(0, 3) * 100,
            "budget_social": rng.randint(0, 2) * 50,
            "status": ProjectStatus.DONE if done else ProjectStatus.UNDERWAY,
            "households": rng.randint(40, 600),
        },
    )


TRAININGS = {
    TrainingKind.LABOURERS: (
        "{}贫困劳动力{}技能培训",
        ("家政服务", "电工", "电商", "厨师"),
        400,
        650,
    ),
    TrainingKind.GRASSROOTS: ("{}村党组织书记{}培训", ("乡村振兴", "基层治理"), 40, 80),
    TrainingKind.CADRES: ("{}党政干部赴苏州{}专题培训", ("产业招商", "园区管理"), 50, 70),
    TrainingKind.LEADERS: ("{}致富带头人{}培训", ("创业", "合作社经营"), 30, 60),
    TrainingKind.PROFESSIONALS: ("{}{}专业技术人才培训", ("教师", "医护"), 40, 90),
}


def _training(
    demo: Demo, pairing: Pairing, reporter: str, year: int, kind: str, county: str
) -> None:
    title, topics, low, high = TRAININGS[TrainingKind(kind)]
    where = Region.objects.get(code=county).name
    people = None
    if kind == TrainingKind.LABOURERS:
        # The named trainees are those whose ID was taken at enrolment: most registered poor.
        people = demo.trainees(county, registered=8, others=3)
    demo.add(
        "training",
        pairing,
        reporter,
        year,
        {
            "training_kind": kind,
            "title": title.format(where, demo.rng.choice(topics)),
            "place": "苏州" if kind == TrainingKind.CADRES else where,
            "days": demo.rng.choice([3, 5, 7, 10]),
            "trainees": demo.rng.randint(low, high),
        },
        people,
    )


def _industry(demo: Demo, pairing: Pairing, year: int) -> None:
    rng = demo.rng
    county = _county(demo, pairing)
    workshop = rng.random() < 0.5
    jobs = rng.randint(30, 300)
    east = rng.choice(["320505", "320506", "320507", "320581", "320582", "320583"])
    trade = rng.choice(["食品", "电子", "纺织", "农业科技", "服装"])
    demo.add(
        "industry",
        pairing,
        SUZHOU,
        year,
        {
            "enterprise": f"苏州{rng.choice('恒瑞苏新吴越金鸡沙洲')}{trade}有限公司",
            "credit_code": demo.credit_code(east),
            "investment": rng.randint(5, 50) * 100,
            "place": county,
            "jobs": jobs,
            "poor_employed": rng.randint(jobs // 4, jobs // 2),
            "workshop": workshop,
        },
        demo.trainees(county, registered=3, others=1) if workshop else None,
    )


def _review(pairing: Pairing, this_year: int) -> None:
    """Last years' reports approved; this year's partly drafts, partly submitted, one returned.
    The system (None) reviews, as the demo has no reviewer at work yet."""
    reports = Report.objects.filter(within_q(pairing, "pairing__")).order_by(
        "year", "pairing_id", "reporter_id"
    )
    returned = False
    for i, report in enumerate(reports):
        if report.year < this_year:
            services.report_submit(actor=None, report=report)
            services.report_review(actor=None, report=report, approve=True)
        elif i % 3 == 0:
            services.report_submit(actor=None, report=report)
            if not returned and report.reporter.level == codes.Level.COUNTY:
                services.report_review(
                    actor=None,
                    report=report,
                    approve=False,
                    comment="培训学员名单不完整，请补充证件号码后重新报送",
                )
                returned = True
