"""The east's fiscal promise and targeting on small hand-made records: exact figures, flags both
ways, missing revenue said rather than guessed, unknown poor villages, scope; the API and pages
that show them."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from tests.conftest import JIANGSU, SUZHOU, TONGREN, WUZHONG, YANHE
from tests.cooperation.test_measures import approve, record
from tests.factories import UserFactory
from xiezuo.cooperation import analysis, services
from xiezuo.core.errors import NotFound
from xiezuo.pairing import services as pairing_services
from xiezuo.pairing.models import Pairing
from xiezuo.regions import services as region_services
from xiezuo.regions.models import Region
from xiezuo.registry.idnumbers import make_resident_id

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 27)
BIJIANG = "520602"

# 苏州's revenue in the NBS panel (万元): 2016 17,300,400; 2017 19,081,002; 2018 21,199,931.
# 江苏's in the province table (亿元): 2016 8,121.23; 2017 8,171.53; nothing from 2018.


@pytest.fixture
def wuzhong_yanhe(suzhou_tongren: Pairing) -> Pairing:
    return pairing_services.pairing_create(
        actor=None,
        east_region=Region.objects.get(code=WUZHONG),
        west=Region.objects.get(code=YANHE),
        start_year=2017,
    )


@pytest.fixture
def fiscal_records(suzhou_tongren: Pairing, wuzhong_yanhe: Pairing) -> None:
    p = suzhou_tongren
    record(p, "fund", year=2016, amount="1000")
    record(p, "fund", year=2017, amount="900")
    record(wuzhong_yanhe, "fund", year=2017, reporter=WUZHONG, amount="300")  # county pair: 苏州's
    record(p, "fund", year=2017, kind="社会捐赠资金", amount="5000")  # not fiscal: not counted
    record(p, "fund", year=2018, amount="1250")
    record(p, "fund", year=2019, amount="1100")
    record(p, "fund", year=2021, amount="1300")
    record(p, "fund", year=2022, amount="1400")
    approve(p, SUZHOU, 2016)
    # 江苏's own province pair counts for 江苏, not for 苏州.
    shaanxi = Pairing.objects.get(east_region_id=JIANGSU, west_region_id="610000")
    record(shaanxi, "fund", year=2017, reporter=JIANGSU, recipient="610000", amount="500")


def years_of(units: list[analysis.FiscalUnit], code: str) -> dict[int, analysis.FiscalYear]:
    unit = next(u for u in units if u.code == code)
    return {y.year: y for y in unit.years}


def test_fiscal_aid_against_revenue_flags_a_fall_and_slower_growth(
    fiscal_records: None, national_user: Any, django_assert_num_queries: Any
) -> None:
    with django_assert_num_queries(3):  # helpers, their regions, the aid: not one per unit
        units = analysis.fiscal_promise(user=national_user, today=TODAY)
    suzhou = years_of(units, SUZHOU)
    assert sorted(suzhou) == [2016, 2017, 2018, 2019, 2021, 2022]  # 2020: no records, left out
    first = suzhou[2016]
    assert (first.aid, first.aid_locked, first.flags) == (Decimal(1000), Decimal(1000), ())
    assert first.revenue.value == Decimal(17300400) and "国家统计局" in first.revenue.source
    assert first.aid_growth is None and "没有 2015 年的财政援助记录" in first.notes[0]
    # 2017: aid +20 % (900 + the county pair's 300) against revenue +10.29 %: kept.
    grew = suzhou[2017]
    assert grew.aid == 1200 and grew.aid_locked == 0 and grew.aid_growth == Decimal("0.2")
    assert round(float(grew.revenue_growth or 0), 4) == 0.1029 and grew.flags == ()
    # 2018: aid +4.17 % against revenue +11.11 %: slower.
    slower = suzhou[2018]
    assert slower.aid_growth_percent == 4.2 and slower.revenue_growth_percent == 11.1
    assert slower.flags == ("slower",)
    # 2019: aid fell (the panel has revenue, so only the fall is flagged).
    assert suzhou[2019].flags == ("aid_fell",) and suzhou[2019].aid_growth_percent == -12.0
    # 2021: 2020 has no records, so there is nothing to compare with.
    assert suzhou[2021].flags == () and suzhou[2021].aid_growth is None
    # 2022: aid grew, but the panel ends in 2020: no revenue figure, said, never the 2020 one.
    late = suzhou[2022]
    assert late.revenue.value is None and late.flags == ("no_revenue",)
    assert any("没有苏州市 2022 年的数据（最近一年为 2020 年）" in n for n in late.notes)
    assert round(float(late.aid_growth or 0), 4) == 0.0769


def test_a_province_counts_every_pairing_inside_it_against_its_own_revenue(
    fiscal_records: None, national_user: Any
) -> None:
    jiangsu = years_of(analysis.fiscal_promise(user=national_user, today=TODAY), JIANGSU)
    assert jiangsu[2016].revenue.value == Decimal(81212300)
    assert jiangsu[2017].aid == 1700 and jiangsu[2017].aid_growth == Decimal("0.7")
    assert round(float(jiangsu[2017].revenue_growth or 0), 5) == 0.00619
    assert jiangsu[2017].flags == ()
    # The province table stops in 2017: no figure for 2018, yet the fall is still flagged.
    assert jiangsu[2018].aid == 1250 and jiangsu[2018].flags == ("aid_fell", "no_revenue")
    assert "省级财政收入表中没有江苏省 2018 年的数据" in jiangsu[2018].notes[0]
    assert jiangsu[2019].flags == ("aid_fell", "no_revenue")


def test_the_year_under_way_is_marked_incomplete(
    suzhou_tongren: Pairing, national_user: Any
) -> None:
    record(suzhou_tongren, "fund", year=2025, amount="100")
    record(suzhou_tongren, "fund", year=2026, amount="90")
    this = years_of(analysis.fiscal_promise(user=national_user, today=TODAY), SUZHOU)[2026]
    assert not this.complete and this.notes[0] == "2026 年尚未结束，记录还不完整"
    # Its growth shows, but a part year is no ground for "aid fell": that flag waits.
    assert this.aid_growth is not None and this.aid_growth < 0
    assert this.flags == ("no_revenue",)


def test_fiscal_units_follow_the_users_scope(fiscal_records: None, national_user: Any) -> None:
    def seen(**user: Any) -> list[str]:
        return [u.code for u in analysis.fiscal_promise(user=UserFactory(**user), today=TODAY)]

    assert seen(username="js", side="east", region_id=JIANGSU) == [JIANGSU, SUZHOU]
    assert seen(username="sz", side="east", region_id=SUZHOU) == [SUZHOU]
    assert seen(username="tr", side="west", region_id=TONGREN) == [SUZHOU]  # its helper
    assert seen(username="hz", side="east", region_id="330100") == ["330100"]  # no records
    assert seen(username="wz", side="east", region_id=WUZHONG) == []  # not a fiscal unit
    national = [u.code for u in analysis.fiscal_promise(user=national_user)]
    assert {JIANGSU, SUZHOU, "310000", "440100"} <= set(national)
    assert "310100" not in national  # a municipality's districts are not prefectures
    hangzhou = UserFactory(username="hz2", side="east", region_id="330100")
    with pytest.raises(NotFound):
        analysis.fiscal_promise(user=hangzhou, unit=SUZHOU)


# ---------------------------------------------------------------- targeting


@pytest.fixture
def targeted(suzhou_tongren: Pairing, wuzhong_yanhe: Pairing, yanhe_village_code: str) -> Any:
    """Projects in a poverty county's village, in a county no longer flagged, and prefecture-wide;
    trainees and workers, registered or not."""
    region_services.region_update(
        region=Region.objects.get(code=BIJIANG),
        actor=None,
        is_poverty_county=False,
        poverty_exit_year=None,
    )
    p, c = suzhou_tongren, wuzhong_yanhe
    record(p, "project", reporter=TONGREN, place=yanhe_village_code, budget_east="100",
           budget_local="50", budget_social="10")  # fmt: skip
    record(p, "project", reporter=TONGREN, place=BIJIANG, budget_east="300")
    record(p, "project", reporter=TONGREN, place=TONGREN, budget_east="100")
    record(c, "project", reporter=YANHE, place=YANHE, budget_east="40")
    record(p, "project", reporter=TONGREN, place=YANHE, budget_east="50", year=2025)
    return p, c


def people(generated_rows: list[dict[str, str]], write_csv: Any) -> list[services.PersonIn]:
    """Two registered people (imported into the registry) and two strangers."""
    from xiezuo.imports import services as imports

    path = write_csv(generated_rows)
    batch = imports.batch_create(kind="registry", filename=path.name, source=path, actor=None)
    imports.batch_commit(imports.batch_parse(batch, user=None), actor=None)
    registered = [services.PersonIn(r["姓名"], r["证件号码"]) for r in generated_rows[:2]]
    strangers = [
        services.PersonIn(
            f"外来{i}", make_resident_id(YANHE, datetime.date(1990, 1, 1), i, male=True)
        )
        for i in (7, 8)
    ]
    return registered + strangers


def test_targeting_shares_with_unknown_then_known_poor_villages(
    targeted: Any, national_user: Any, yanhe_village_code: str, django_assert_max_num_queries: Any
) -> None:
    p, c = targeted
    # Projects, people, pairings, place flags, and one probe per western side (铜仁, 沿河).
    with django_assert_max_num_queries(6):
        found = analysis.targeting(user=national_user, year=2026)
    assert not found.villages_known
    rows = {r.pairing.pk: r for r in found.rows if r.pairing}
    prefecture = rows[p.pk]
    assert prefecture.projects.total == 560 and prefecture.projects.poverty_counties == 160
    assert prefecture.projects.poverty_county_percent == 28.6
    assert prefecture.east.total == 500 and prefecture.east.poverty_county_share == 0.2
    assert prefecture.projects.poor_villages is None  # no village flagged: unknown, not 0 %
    assert prefecture.projects.poor_village_share is None
    assert rows[c.pk].projects.poverty_county_share == 1.0
    (total,) = found.totals
    assert total.projects.total == 600 and total.projects.poverty_counties == 200
    assert total.east.poverty_counties == 140 and total.projects.poor_villages is None
    # A poor village flagged elsewhere in 铜仁: the flags are there, and this money missed them.
    other = Region.objects.filter(level=5, code__startswith=BIJIANG).order_by("code").first()
    assert other is not None
    region_services.region_update(region=other, actor=None, is_poor_village=True)
    found = analysis.targeting(user=national_user, year=2026, pairing=p.pk)
    (row,) = found.rows
    assert found.villages_known and row.projects.poor_villages == 0
    assert row.projects.poor_village_share == 0.0
    region_services.region_update(
        region=Region.objects.get(code=yanhe_village_code), actor=None, is_poor_village=True
    )
    (row,) = analysis.targeting(user=national_user, year=2026, pairing=p.pk).rows
    assert row.projects.poor_villages == 160 and row.east.poor_villages == 100
    assert row.east.poor_village_percent == 20.0


def test_people_served_who_are_registered_poor_counted_once_per_pairing_year(
    targeted: Any, national_user: Any, generated_rows: list[dict[str, str]], write_csv: Any
) -> None:
    p, c = targeted
    listed = people(generated_rows, write_csv)
    record(p, "training", reporter=TONGREN, trainees="", people=listed[:3])
    # The same registered person employed by an enterprise of the same pairing: one person.
    record(p, "industry", people=[listed[0]])
    record(c, "industry", reporter=WUZHONG, people=[listed[1], listed[3]])
    found = analysis.targeting(user=national_user, year=2026)
    rows = {r.pairing.pk: r for r in found.rows if r.pairing}
    assert (rows[p.pk].people, rows[p.pk].registered) == (3, 2)
    assert round(rows[p.pk].registered_share or 0, 4) == 0.6667
    assert (rows[c.pk].people, rows[c.pk].registered, rows[c.pk].registered_percent) == (
        2,
        1,
        50.0,
    )
    assert (found.totals[0].people, found.totals[0].registered) == (5, 3)


def test_targeting_follows_scope_and_filters(targeted: Any, county_user: Any) -> None:
    p, c = targeted
    # 沿河 sees its own county pair, not the prefecture pair above it.
    found = analysis.targeting(user=county_user)
    assert [(r.pairing.pk, r.year) for r in found.rows if r.pairing] == [(c.pk, 2026)]
    hangzhou = UserFactory(username="hz", side="east", region_id="330100")
    assert analysis.targeting(user=hangzhou).rows == []
    with pytest.raises(NotFound):
        analysis.targeting(user=hangzhou, pairing=p.pk)
    suzhou = UserFactory(username="sz", side="east", region_id=SUZHOU)
    years = [r.year for r in analysis.targeting(user=suzhou, pairing=p.pk).rows]
    assert years == [2026, 2025]
    # A region picks the pairings with a side (or the reporter) in it.
    only = analysis.targeting(user=suzhou, region=YANHE, year=2026)
    assert [r.pairing.pk for r in only.rows if r.pairing] == [c.pk]


# ---------------------------------------------------------------- API and pages


def p_of(targeted: Any) -> int:
    return int(targeted[0].pk)


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_api_fiscal_and_targeting(fiscal_records: None, targeted: Any, county_user: Any) -> None:
    suzhou = UserFactory(username="sz", side="east", region_id=SUZHOU, roles=["viewer"])
    client = client_for(suzhou)
    reply = client.get("/api/analysis/fiscal")
    assert reply.status_code == 200
    (unit,) = reply.json()
    assert unit["code"] == SUZHOU
    slower = next(y for y in unit["years"] if y["year"] == 2018)
    assert slower["flags"] == [{"code": "slower", "label": "援助增速低于财政收入增速"}]
    assert round(slower["aid_growth"], 4) == 0.0417 and slower["revenue"] == "21199931"
    assert client.get("/api/analysis/fiscal", {"unit": JIANGSU}).status_code == 404
    assert client.get("/api/analysis/fiscal", {"unit": "32"}).status_code == 422
    reply = client.get("/api/analysis/targeting", {"year": 2026, "region": "5206"})
    body = reply.json()
    assert reply.status_code == 200 and body["villages_known"] is False
    assert body["totals"][0]["projects"]["poor_villages"] is None
    assert Decimal(body["totals"][0]["projects"]["poverty_counties"]) == 200
    assert {r["pairing"]["west_code"] for r in body["rows"]} == {TONGREN, YANHE}
    assert Client().get("/api/analysis/targeting").status_code == 401
    hangzhou = client_for(UserFactory(username="hz", side="east", region_id="330100"))
    assert hangzhou.get("/api/analysis/targeting", {"pairing": p_of(targeted)}).status_code == 404
    yanhe = client_for(county_user).get("/api/analysis/targeting").json()
    assert [r["pairing"]["west_code"] for r in yanhe["rows"]] == [YANHE]


def test_pages_show_flags_and_shares_in_scope(
    fiscal_records: None, targeted: Any, county_user: Any
) -> None:
    suzhou = UserFactory(username="sz", side="east", region_id=SUZHOU, roles=["viewer"])
    client = client_for(suzhou)
    page = client.get("/analysis/fiscal/")
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="fiscal-chart"' in html
    assert 'id="fiscal-data"' in html and "xiezuo/analysis.js" in html
    assert "援助增速低于财政收入增速" in html and "援助资金下降" in html
    assert "苏州市 (320500)" in html and "江苏省 (320000)" not in html
    assert client.get("/analysis/fiscal/", {"unit": JIANGSU}).status_code == 404
    page = client.get("/analysis/targeting/", {"year": "2026"})
    html = page.content.decode()
    assert page.status_code == 200 and 'id="targeting-data"' in html
    assert 'data-testid="villages-unknown"' in html and "28.6%" in html
    assert 'data-testid="targeting-total-2026"' in html
    yanhe = client_for(county_user).get("/analysis/targeting/").content.decode()
    assert "沿河土家族自治县" in yanhe and "28.6%" not in yanhe
    assert client_for(county_user).get("/analysis/fiscal/").status_code == 200
    assert Client().get("/analysis/fiscal/").status_code == 302  # to the login page
    home = client.get("/").content.decode()
    assert "/analysis/fiscal/" in home and "/analysis/targeting/" in home


def test_charts_put_years_in_order_and_mark_the_gaps() -> None:
    from types import SimpleNamespace

    from xiezuo.web import analysis_views

    def year(y: int) -> Any:
        return SimpleNamespace(
            year=y,
            aid=1,
            aid_growth_percent=None,
            revenue_growth_percent=None,
            flags=[],
            flag_labels=[],
        )

    unit = SimpleNamespace(years=(year(2019), year(2020), year(2025)))
    chart = analysis_views._fiscal_chart(unit)  # type: ignore[arg-type]
    assert chart["years"] == [str(y) for y in range(2019, 2026)]
    assert chart["aid"][2:6] == [None] * 4
    assert [f["year"] for f in chart["flags"] if f.get("gap")] == ["2021", "2022", "2023", "2024"]
    totals = [SimpleNamespace(year=2026), SimpleNamespace(year=2025)]
    found = SimpleNamespace(rows=[], totals=totals)
    for r in totals:
        r.projects = r.east = SimpleNamespace(poverty_county_share=None, poor_village_share=None)
        r.registered_share = None
    targeting = analysis_views._targeting_chart(found, by_pairing=False)  # type: ignore[arg-type]
    assert targeting["labels"] == ["2025", "2026"]
