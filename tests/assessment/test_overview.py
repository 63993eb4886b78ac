"""The overview (总览): the figures of a year for the national office and, cut to its scope, for a
county office; the page with its cards and charts' data, the API, and a malformed year.

Built on the verification world, scored (a complete verification run and a complete
assessment run of 2026), with money, people sent and placements added on both the prefecture
pair 苏州 → 铜仁 and the county pair 吴中 → 沿河 so that the county's cut is visible."""

from __future__ import annotations

import datetime
import json
import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from tests.analytics.conftest import World
from tests.assessment.test_runs import YEAR, scored  # noqa: F401  (the scored year, reused)
from tests.conftest import BIJIANG, SUZHOU, TONGREN, WUZHONG, YANHE
from tests.factories import UserFactory
from xiezuo.analytics import selectors as verify
from xiezuo.assessment.models import Run
from xiezuo.assessment.overview import overview
from xiezuo.core import crypto

pytestmark = pytest.mark.django_db
D = datetime.date


def _report(pairing: Any, reporter: str, year: int, side: str, state: str) -> Any:
    from xiezuo.cooperation.models import Report

    report, _ = Report.objects.get_or_create(
        pairing=pairing, reporter_id=reporter, year=year, defaults={"side": side}
    )
    report.state = state
    report.save(update_fields=["state"])
    return report


@pytest.fixture
def added(scored: Run, world: World) -> World:  # noqa: F811
    """What the scored world lacks, added after its runs (the runs stand as they were)."""
    from xiezuo.cooperation.models import Fund, Talent
    from xiezuo.labour.models import Placement
    from xiezuo.pairing.models import Pairing
    from xiezuo.registry.models import Household

    # The county pair's own draft report of 沿河: a social fund and a cadre sent, not approved.
    draft = _report(world.county_pairing, YANHE, YEAR, "west", "draft")
    Fund.objects.create(
        report=draft,
        date=D(YEAR, 4, 1),
        kind="social",
        source="吴中某商会",
        recipient_id=YANHE,
        amount=Decimal("20.5"),
    )
    Talent.objects.create(
        report=draft,
        date=D(YEAR, 3, 1),
        direction="east_west",
        talent_kind="cadre",
        name="挂职甲",
        post="副县长",
    )
    # The prefecture pair's approved report of 苏州: a teacher sent, and one sent the other
    # way (west → east), which is no east → west help.
    approved = _report(world.pairing, SUZHOU, YEAR, "east", "approved")
    for direction in ("east_west", "west_east"):
        Talent.objects.create(
            report=approved,
            date=D(YEAR, 3, 1),
            direction=direction,
            talent_kind="teacher",
            name=f"教师{direction}",
            post="教师",
        )
    # Two years before: an approved fiscal fund of 苏州, for the chart of the years.
    earlier = _report(world.pairing, SUZHOU, YEAR - 2, "east", "approved")
    Fund.objects.create(
        report=earlier,
        date=D(YEAR - 2, 5, 1),
        kind="fiscal",
        source="苏州市财政局",
        recipient_id=TONGREN,
        amount=Decimal("30"),
    )
    # A county pair that ended in 2020: it ran in 2019, not in the scored year.
    Pairing.objects.create(
        level=3,
        east_region_id=WUZHONG,
        west_region_id=BIJIANG,
        parent=world.pairing,
        start_year=2017,
        end_year=2020,
        status="ended",
    )
    # Placements of the year: two people of 沿河 (one organised by 苏州), one of 碧江 placed
    # in 苏州, and one unregistered person, who never counts.
    common = {"employer": "苏州某厂", "source": "form", "wage": 4500, "start": D(YEAR, 3, 1)}
    for name, home, organised in (("张三", YANHE, True), ("李四", YANHE, False)):
        Placement.objects.create(
            person_name=name,
            id_hash=crypto.keyed_hash(world.ids[name]),
            id_masked="x",
            home_county_id=home,
            place_id=SUZHOU if organised else YANHE,
            organised=organised,
            organiser="east" if organised else "self",
            organiser_region_id=SUZHOU if organised else None,
            **common,
        )
    Placement.objects.create(
        person_name="赵六",
        id_hash=crypto.keyed_hash(world.ids["赵六"]),
        id_masked="x",
        home_county_id=BIJIANG,
        place_id=SUZHOU,
        organised=True,
        organiser="east",
        organiser_region_id=SUZHOU,
        **common,
    )
    Placement.objects.create(
        person_name="王五",
        id_hash="unregistered",
        id_masked="x",
        home_county_id=YANHE,
        place_id=SUZHOU,
        organised=True,
        organiser="east",
        flags=["unregistered"],
        **common,
    )
    # The registry: 吴九's household (沿河) left poverty in the year, 3 people; 赵六's (碧江)
    # has returned to poverty, 2 people.
    wu = world.members["吴九"].household
    Household.objects.filter(pk=wu.pk).update(exit_year=YEAR, size=3)
    zhao = world.members["赵六"].household
    Household.objects.filter(pk=zhao.pk).update(status="returned", size=2, exit_year=2019)
    return world


@pytest.fixture
def yanhe_user(added: World) -> Any:
    return UserFactory(username="yh-view", side="west", region_id=YANHE, roles=["viewer"])


def test_national_figures_cover_everything(added: World, national_user: Any) -> None:
    from xiezuo.pairing.models import Pairing

    o = overview(national_user, YEAR, today=D(YEAR, 12, 31))
    assert o["scope"] == {"national": True, "region_code": None, "label": "全国"}
    # Pairs running in the year, by level: the 2016 list's province and prefecture pairs and
    # the county pair 吴中 → 沿河; the county pair that ended in 2020 is not among them.
    levels = {row["level"]: row["count"] for row in o["pairings"]["by_level"]}
    running = Pairing.objects.filter(kind="east_west", status="active", start_year__lte=YEAR)
    assert levels[3] == 1
    assert levels[1] == running.filter(level=1).count() > 0
    assert levels[2] == running.filter(level=2).count() > 0
    assert o["pairings"]["total"] == sum(levels.values())
    # Money: 苏州's approved 150 of fiscal aid; 沿河's draft 20.5 of social funds, which only
    # the all-reports figure holds; 2024's fund is in its own year only.
    assert o["money"]["fiscal_aid"] == {"all": 150.0, "approved": 150.0}
    assert o["money"]["social_funds"] == {"all": 20.5, "approved": 0}
    by_year = {row["year"]: row for row in o["money"]["by_year"]}
    assert sorted(by_year) == [YEAR - 4, YEAR - 3, YEAR - 2, YEAR - 1, YEAR]
    assert by_year[YEAR - 2]["fiscal_aid"] == {"all": 30.0, "approved": 30.0}
    # People sent east → west (the west → east teacher is left out), and trained (the scored
    # world sets every course to 10 trainees, all approved).
    assert o["sent"] == {
        "cadres": {"all": 1, "approved": 0},
        "professionals": {"all": 1, "approved": 1},
    }
    assert o["trained"] == {
        "cadres": {"all": 10, "approved": 10},
        "professionals": {"all": 10, "approved": 10},
        "labourers": {"all": 20, "approved": 20},
    }
    # Placements: three registered people, two of them placed by organisation.
    assert o["placements"]["people"] == 3
    assert o["placements"]["organised_share"] == pytest.approx(2 / 3)
    # Verification: the national run's totals, as its own overview counts them.
    run = verify.latest_done("", YEAR)
    assert run is not None
    rows = verify.overview(run)
    v = o["verification"]
    assert v["run_id"] == run.pk and v["excluded_own"] is None
    assert v["reported"] == sum(r["reported"] for r in rows) > 0
    assert v["excluded"] == sum(r["excluded"] for r in rows) > 0
    assert v["passed"] + v["excluded"] == v["reported"]
    # The registry: eight households of one person, but 吴九's of 3 and 赵六's of 2.
    assert o["registry"] == {
        "households": 8,
        "people": 11,
        "exited_households": 1,
        "exited_people": 3,
        "returned_households": 1,
        "returned_people": 2,
    }
    # Grades: 苏州 and 铜仁, each on its side.
    a = o["assessment"]
    assert {(r["side"], r["unit"]) for r in a["results"]} == {("east", SUZHOU), ("west", TONGREN)}
    for r in a["results"]:
        assert a["grades"][r["side"]][r["grade"]] == 1
    assert sum(sum(g.values()) for g in a["grades"].values()) == 2


def test_a_county_sees_only_its_scope(added: World, yanhe_user: Any) -> None:
    o = overview(yanhe_user, YEAR, today=D(YEAR, 12, 31))
    assert not o["scope"]["national"] and o["scope"]["region_code"] == YANHE
    assert o["scope"]["label"].startswith("您的范围：") and "及结对地区" in o["scope"]["label"]
    # Only its own pair 吴中 → 沿河, not its prefecture's.
    assert o["pairings"]["total"] == 1
    assert {r["level"]: r["count"] for r in o["pairings"]["by_level"]}[3] == 1
    # Only the county pair's records: no fiscal aid of 苏州's, its own draft social fund.
    assert o["money"]["fiscal_aid"] == {"all": 0, "approved": 0}
    assert o["money"]["social_funds"] == {"all": 20.5, "approved": 0}
    assert o["sent"]["cadres"] == {"all": 1, "approved": 0}
    assert o["sent"]["professionals"] == {"all": 0, "approved": 0}
    # The county pair's courses: 吴中's leaders and the stray report's cadres; no labourers.
    assert o["trained"]["labourers"] == {"all": 0, "approved": 0}
    assert o["trained"]["professionals"]["all"] == 10
    # Its own two people, not 碧江's.
    assert o["placements"]["people"] == 2
    assert o["placements"]["organised_share"] == pytest.approx(0.5)
    # 沿河's seven households, not 碧江's returned one.
    assert o["registry"]["households"] == 7
    assert o["registry"]["returned_people"] == 0
    assert o["registry"]["exited_people"] == 3
    # The verification's national totals, said to be national, and the county's own part.
    assert o["verification"]["national_figures"] is True
    assert o["verification"]["excluded_own"] == 0
    # Neither 苏州's nor 铜仁's result is the county's to see.
    assert o["assessment"]["results"] == []
    assert all(n == 0 for side in o["assessment"]["grades"].values() for n in side.values())


def _card(html: str, testid: str) -> str:
    found = re.search(rf'data-testid="{testid}"><span class="n">([^<]*)</span>', html)
    assert found, testid
    return found.group(1)


def test_the_page_shows_the_figures_in_scope(
    added: World, national_user: Any, yanhe_user: Any
) -> None:
    client = Client()
    client.force_login(national_user)
    response = client.get("/overview/", {"year": str(YEAR)})
    assert response.status_code == 200
    html = response.content.decode()
    assert '<p data-testid="scope">全国</p>' in html
    assert _card(html, "fiscal-all") == "150"
    assert _card(html, "social-all") == "20.50"
    assert _card(html, "social-approved") == "0"
    assert _card(html, "placed") == "3"
    assert _card(html, "registry-exited") == "3"
    assert _card(html, "pairings-3") == "1"
    # Each card leads to the list behind it.
    assert f'href="/cooperation/fund/?year={YEAR}&amp;state=approved"' in html
    assert f'href="/assessment/?year={YEAR}"' in html
    assert "苏州市" in html and "铜仁市" in html  # the graded units, in the table
    # The charts' data travels as JSON beside the page's own script, never inline.
    data = json.loads(
        re.search(
            r'<script id="overview-data" type="application/json">(.*?)</script>', html, re.S
        ).group(1)  # type: ignore[union-attr]
    )
    assert data["money"]["years"][-1] == YEAR
    assert {n["grade"] for n in data["network"]["nodes"] if n["id"] in (SUZHOU, TONGREN)} == {
        r["grade"] for r in overview(national_user, YEAR)["assessment"]["results"]
    }
    assert "xiezuo/overview.js" in html and "<script>" not in html

    client.force_login(yanhe_user)
    html = client.get("/overview/", {"year": str(YEAR)}).content.decode()
    assert "您的范围：" in html and "及结对地区" in html
    assert _card(html, "fiscal-all") == "0"
    assert _card(html, "registry-people") == "9"  # seven households, 吴九's of 3
    # No other region's unit is named to the county: not its prefecture, nor the partner's.
    assert "铜仁市" not in html and "苏州市" not in html


def test_the_default_year_is_last_year(national_user: Any, regions: None) -> None:
    client = Client()
    client.force_login(national_user)
    response = client.get("/overview/")
    assert response.status_code == 200
    assert response.context["year"] == datetime.date.today().year - 1


def test_a_malformed_year_is_refused_naming_it(national_user: Any) -> None:
    client = Client()
    client.force_login(national_user)
    for bad in ("二〇二六", "99999", "2026x"):
        response = client.get("/overview/", {"year": bad})
        assert response.status_code == 400, bad
        assert "年度" in response.content.decode()
    # The API takes its parameters typed, as all its operations do: a 422 naming the field.
    response = client.get("/api/overview", {"year": "2026x"})
    assert response.status_code == 422
    assert "year" in " ".join(response.json()["problems"])


def test_the_api_answers_the_same_figures(added: World, yanhe_user: Any) -> None:
    client = Client()
    client.force_login(yanhe_user)
    response = client.get("/api/overview", {"year": YEAR})
    assert response.status_code == 200
    body = response.json()
    expected = json.loads(json.dumps(overview(yanhe_user, YEAR)))
    assert body == expected
    assert body["scope"]["region_code"] == YANHE and body["registry"]["households"] == 7
    assert Client().get("/api/overview").status_code == 401
