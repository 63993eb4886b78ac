"""Deterministic, realistic registry data for the demo and the benchmarks.

Households are spread over the villages of real poverty counties; household sizes, ages, causes
and incomes follow rough national shapes; exits happen in or before the county's own exit year;
ID numbers are valid, with the county as their prefix and a birth date that matches the age.
The same seed gives the same rows, so a benchmark is repeatable.
"""

from __future__ import annotations

import csv
import datetime
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from xiezuo.core.i18n import chinese
from xiezuo.regions.codes import Level, prefix_upper_bound
from xiezuo.regions.models import Region
from xiezuo.registry import idnumbers
from xiezuo.registry.choices import Cause, Education, Health, LabourSkill, MigrantStatus
from xiezuo.registry.vocabulary import TEMPLATE_COLUMNS

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华玉兰红梅兵建国文斌志军春花金凤云海林波宇浩"
ETHNIC = {
    "52": ["汉族", "苗族", "土家族", "侗族", "布依族", "仡佬族"],
    "53": ["汉族", "彝族", "哈尼族", "白族", "傣族"],
    "54": ["藏族"],
    "45": ["壮族", "汉族", "瑶族"],
    "65": ["维吾尔族", "汉族", "哈萨克族"],
    "62": ["汉族", "回族", "藏族", "东乡族"],
    "63": ["藏族", "汉族", "回族", "土族"],
    "64": ["回族", "汉族"],
    "15": ["汉族", "蒙古族"],
}
CAUSES = [
    (Cause.ILLNESS, 42),
    (Cause.SKILLS, 18),
    (Cause.FUNDS, 12),
    (Cause.LABOUR, 8),
    (Cause.DISABILITY, 6),
    (Cause.SCHOOLING, 5),
    (Cause.DISASTER, 2),
    (Cause.LAND, 2),
    (Cause.TRANSPORT, 2),
    (Cause.WATER, 1),
    (Cause.MOTIVATION, 1),
    (Cause.OTHER, 1),
]
SIZES = [(1, 10), (2, 20), (3, 22), (4, 25), (5, 15), (6, 8)]
LINES = {2014: 2800, 2015: 2855, 2016: 2952, 2017: 2952, 2018: 2995, 2019: 3218, 2020: 4000}
YES, NO = "是", "否"


def _pick(rng: random.Random, weighted: list[tuple[Any, int]]) -> Any:
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


def target_counties(provinces: list[str] | None) -> list[Region]:
    qs = Region.objects.filter(level=Level.COUNTY, is_poverty_county=True, is_active=True)
    if provinces:
        from django.db.models import Q

        cond = Q()
        for p in provinces:
            cond |= Q(code__gte=p[:2], code__lt=prefix_upper_bound(p[:2]))
        qs = qs.filter(cond)
    return list(qs.order_by("code"))


def _villages(county: Region) -> list[tuple[str, str, str]]:
    rows = Region.objects.filter(
        level=Level.VILLAGE,
        is_active=True,
        code__gte=county.code,
        code__lt=prefix_upper_bound(county.code),
    ).values_list("code", "name", "parent__name")
    return [(code, township, name) for code, name, township in rows]


def generate_rows(
    *, people: int, counties: list[Region], seed: int, today: datetime.date | None = None
) -> Iterator[dict[str, str]]:
    """Rows in our import template's layout (a superset of the national export)."""
    if not counties:
        raise ValueError("no poverty county to generate households in (load the regions first)")
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets; repeatable by seed
    today = today or datetime.date(2020, 12, 31)
    village_cache: dict[str, list[tuple[str, str, str]]] = {}
    used: set[str] = set()  # real IDs are unique: a clash takes the next sequence number
    made = 0
    household_seq = 0
    while made < people:
        county = counties[household_seq % len(counties)]
        household_seq += 1
        villages = village_cache.get(county.code)
        if villages is None:
            villages = village_cache[county.code] = _villages(county) or [
                (county.code + "000000", "", "")
            ]
        if not villages[0][1]:
            continue  # a county without loaded villages cannot hold households
        village_code, township, village = rng.choice(villages)
        size = min(_pick(rng, SIZES), people - made)
        rows = _household(
            rng, county, village_code, township, village, household_seq, size, today, used
        )
        made += len(rows)
        yield from rows


def _household(
    rng: random.Random,
    county: Region,
    village_code: str,
    township: str,
    village: str,
    seq: int,
    size: int,
    today: datetime.date,
    used: set[str],
) -> list[dict[str, str]]:
    number = f"{county.code}{seq:09d}"
    exit_year_county = county.poverty_exit_year or 2020
    roll = rng.random()
    if roll < 0.95:
        status, exit_year = "已脱贫", rng.randint(max(2014, exit_year_county - 3), exit_year_county)
    elif roll < 0.97:
        status, exit_year = "返贫", rng.randint(2015, 2019)
    else:
        status, exit_year = "未脱贫", None
    line = LINES.get(exit_year or 2020, 4000)
    factor = rng.lognormvariate(0.45, 0.25) if status == "已脱贫" else rng.uniform(0.55, 0.98)
    income = round(line * factor, 2)
    cause = _pick(rng, CAUSES)
    secondary = [
        chinese(c.label)
        for c in rng.sample([c for c, _ in CAUSES if c != cause], 2)
        if rng.random() < 0.4
    ]
    ethnic_pool = ETHNIC.get(county.code[:2], ["汉族"])
    ethnicity = rng.choice(ethnic_pool)
    surname = rng.choice(SURNAMES)
    head_age = rng.randint(28, 78)
    members: list[tuple[str, int, bool]] = [("户主", head_age, rng.random() < 0.8)]
    if size >= 2:
        members.append(("配偶", max(20, head_age + rng.randint(-5, 5)), not members[0][2]))
    for _ in range(size - len(members)):
        if head_age > 60 and rng.random() < 0.5:
            members.append((rng.choice(["之孙子", "之孙女"]), rng.randint(1, 16), False))
        else:
            members.append(
                (rng.choice(["之子", "之女"]), rng.randint(0, max(1, head_age - 20)), False)
            )
    rows = []
    dangerous = rng.random() < 0.02
    household_type = rng.choice(["一般贫困户"] * 6 + ["低保贫困户"] * 3 + ["特困供养贫困户"])
    identified = str(rng.choice([2014, 2014, 2014, 2015, 2016]))
    food = YES if status == "已脱贫" or rng.random() < 0.5 else NO
    helper = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
    helper_unit = f"{county.name}{rng.choice(['农业农村局', '教育局', '卫生健康局', '交通运输局'])}"
    helper_phone = f"1{rng.choice('3578')}{rng.randint(0, 999999999):09d}"
    sources = _income_sources(number, income, size, exit_year or 2020)
    for i, (relation, age, male_head) in enumerate(members):
        male = male_head if relation in ("户主", "配偶") else relation in ("之子", "之孙子")
        birth = today - datetime.timedelta(days=age * 365 + rng.randint(0, 364))
        id_number = _unique_id(county.code, birth, rng.randrange(100), male, used)
        name = (surname if relation != "配偶" else rng.choice(SURNAMES)) + "".join(
            rng.choice(GIVEN) for _ in range(rng.randint(1, 2))
        )
        school = "非在校生"
        education = chinese(Education.JUNIOR.label)
        if age < 6:
            education, school = (
                chinese(Education.PRESCHOOL.label),
                ("学前教育" if age >= 3 else "非在校生"),
            )
        elif age <= 15:
            education, school = chinese(Education.PRIMARY.label), ("小学" if age <= 12 else "初中")
        elif age <= 18 and rng.random() < 0.6:
            education, school = chinese(Education.JUNIOR.label), "高中"
        elif age > 55:
            education = rng.choice(
                [chinese(Education.ILLITERATE.label), chinese(Education.PRIMARY.label)]
            )
        health = chinese(Health.HEALTHY.label)
        if cause == Cause.ILLNESS and relation == "户主":
            health = rng.choice([chinese(Health.CHRONIC.label), chinese(Health.SERIOUS.label)])
        elif cause == Cause.DISABILITY and relation == "户主":
            health = chinese(Health.DISABLED.label)
        if age < 16 or age > 75:
            skill = chinese(LabourSkill.NONE.label)
        elif health != chinese(Health.HEALTHY.label):
            skill = rng.choice([chinese(LabourSkill.WEAK.label), chinese(LabourSkill.LOST.label)])
        else:
            skill = rng.choice(
                [chinese(LabourSkill.ORDINARY.label)] * 4 + [chinese(LabourSkill.SKILLED.label)]
            )
        migrant = chinese(MigrantStatus.NONE.label)
        months = 0
        if (
            skill in (chinese(LabourSkill.ORDINARY.label), chinese(LabourSkill.SKILLED.label))
            and rng.random() < 0.55
        ):
            migrant = rng.choice(
                [
                    chinese(MigrantStatus.IN_COUNTY.label),
                    chinese(MigrantStatus.IN_PROVINCE.label),
                    chinese(MigrantStatus.OUT_PROVINCE.label),
                    chinese(MigrantStatus.OUT_PROVINCE.label),
                ]
            )
            months = rng.randint(3, 12)
        rows.append(
            {
                "县": county.name,
                "乡": township,
                "行政村": village,
                "行政村代码": village_code,
                "自然村": "",
                "户编号": number,
                "人编号": f"{number}{i + 1:02d}",
                "姓名": name,
                "证件类型": "居民身份证",
                "证件号码": id_number,
                "人数": str(size),
                "与户主关系": relation,
                "民族": ethnicity,
                "文化程度": education,
                "在校生状况": school,
                "健康状况": health,
                "劳动技能": skill,
                "务工状况": migrant,
                "务工时间": str(months),
                "参加大病医疗": YES if rng.random() < 0.99 else NO,
                "脱贫属性": status,
                "脱贫年度": str(exit_year or ""),
                "识别年度": identified,
                "贫困户属性": household_type,
                "主要致贫原因": chinese(cause.label),
                "次要致贫原因": "、".join(secondary),
                "危房户": YES if dangerous else NO,
                "饮水安全": YES,
                "饮水困难": NO,
                "不愁吃穿": food,
                "人均纯收入": f"{income:.2f}",
                "联系电话": f"1{rng.choice('3578')}{rng.randint(0, 999999999):09d}",
                "帮扶责任人": helper,
                "帮扶单位": helper_unit,
                "帮扶人电话": helper_phone,
                **sources,
            }
        )
    return rows


def _income_sources(number: str, per_capita: float, size: int, year: int) -> dict[str, str]:
    """The year's income by source, adding up to the per-capita net income. Drawn from a
    generator of its own (seeded by the household number), so that the rest of the data stays
    what the same seed always gave."""
    rng = random.Random(number)  # noqa: S311 (test data, not secrets)
    net = round(per_capita * size, 2)
    costs = round(net * rng.uniform(0.05, 0.2), 2)
    gross = net + costs
    wages = round(gross * rng.uniform(0.3, 0.7), 2)
    business = round(gross * rng.uniform(0.05, 0.25), 2)
    property_income = round(gross * rng.uniform(0, 0.03), 2)
    transfers = round(gross - wages - business - property_income, 2)
    return {
        "收入年度": str(year),
        "工资性收入": f"{wages:.2f}",
        "生产经营性收入": f"{business:.2f}",
        "财产性收入": f"{property_income:.2f}",
        "转移性收入": f"{transfers:.2f}",
        "生产经营性支出": f"{costs:.2f}",
    }


def _unique_id(county: str, birth: datetime.date, start: int, male: bool, used: set[str]) -> str:
    for shift in range(366):
        day = birth - datetime.timedelta(days=shift)
        for step in range(100):
            candidate = idnumbers.make_resident_id(county, day, (start + step) % 100, male=male)
            if candidate not in used:
                used.add(candidate)
                return candidate
    raise ValueError(f"no free ID number left around {birth} in {county}")


def write_csv(path: Path, rows: Iterator[dict[str, str]]) -> int:
    count = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=TEMPLATE_COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
            count += 1
    return count
