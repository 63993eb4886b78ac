"""An eastern prefecture office works on its pairing in a real browser: the network, the
optimizer from form to accepted county pairs, and its agreement's back-scheduled tasks."""

from __future__ import annotations

import os
from typing import Any

import pytest

from tests.conftest import DIVISIONS, SUZHOU, TONGREN
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def loaded(transactional_db: None) -> None:
    from xiezuo.pairing import services
    from xiezuo.regions import services as regions

    regions.regions_load(source_dir=DIVISIONS, actor=None)
    regions.poverty_counties_load(actor=None)
    services.pairs_2016_load(actor=None)
    UserFactory(
        username="suzhou",
        side="east",
        region_id=SUZHOU,
        roles=["viewer", "reporter", "reviewer"],
        first_name="苏州市协作办",
    )
    UserFactory(
        username="tongren",
        side="west",
        region_id=TONGREN,
        roles=["viewer", "reporter", "reviewer"],
        first_name="铜仁市协作办",
    )


def login(page: Any, url: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("[data-testid=login-submit]")
    page.wait_for_url(f"{url}/")


def shot(page: Any, name: str) -> None:
    folder = os.environ.get("XIEZUO_SCREENSHOTS")
    if folder:
        os.makedirs(folder, exist_ok=True)
        page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)


def test_network_optimizer_and_agreement(loaded: None, live_server: Any, browser_page: Any) -> None:
    from xiezuo.pairing.models import Pairing
    from xiezuo.regions.models import Region

    page = browser_page
    login(page, live_server.url, "suzhou")

    page.click("nav >> text=结对")
    page.wait_for_url("**/pairings/")
    page.wait_for_selector("[data-testid=network][data-ready]")
    assert page.locator("[data-testid=network] canvas").count() >= 1
    assert page.get_attribute("[data-testid=network]", "data-ready") == "2"  # 苏州 and 铜仁
    # A unit found by name: its pairings listed beside the chart, linked to each pairing.
    page.fill("[data-testid=network-find]", "铜仁市")
    page.dispatch_event("[data-testid=network-find]", "change")
    page.wait_for_selector("[data-testid=network-focus]:not([hidden])")
    focus = page.inner_text("[data-testid=network-focus]")
    assert "铜仁市" in focus and "苏州市" in focus
    href = page.get_attribute("[data-testid=network-focus] a", "href")
    pairing_id = Pairing.objects.get(east_region=SUZHOU, west_region=TONGREN).pk
    assert href is not None and href.endswith(f"/pairings/{pairing_id}/")
    shot(page, "pairings")

    # 铜仁 decides its own counties' pairings: the optimizer is run and accepted by its office.
    login(page, live_server.url, "tongren")
    page.goto(f"{live_server.url}/pairings/")
    page.click("[data-testid=optimizer-link]")
    page.wait_for_url("**/pairings/optimizer/")
    counties = Region.objects.filter(
        code__startswith="5206", level=3, is_poverty_county=True
    ).values_list("code", flat=True)
    page.fill("input[name=west_region]", TONGREN)
    page.fill("input[name=max_per_east]", "2")
    page.fill("input[name=time_limit]", "20")
    page.click("text=填写数据、锁定与禁止的结对")
    page.fill(
        "textarea[name=needs]",
        "\n".join(f"{code},{20000 + 3000 * i}" for i, code in enumerate(counties)),
    )
    page.click("[data-testid=optimizer-submit]")
    page.wait_for_url("**/pairings/proposals/*/")
    page.wait_for_selector("[data-testid=proposal][data-state=proposed]")
    assert page.locator("[data-testid=optimality]").inner_text() == "已证明最优"
    page.wait_for_selector("[data-testid=comparison-chart] canvas")
    rows = page.locator("[data-testid=proposal-rows] tbody tr")
    assert rows.count() >= 5
    shot(page, "proposal")
    page.click("[data-testid=accept]")
    page.wait_for_selector("text=已采纳方案")
    assert Pairing.objects.filter(level=3).count() == len(counties)
    # Made by the west, the new county pairs wait for their eastern counties to confirm.
    assert not Pairing.objects.filter(level=3, status="proposed").exclude(confirm_side="east")

    login(page, live_server.url, "suzhou")

    # The 苏州 → 铜仁 page: a yearly agreement, a target, and tasks back from its deadline.
    parent = Pairing.objects.get(east_region=SUZHOU, west_region=TONGREN)
    page.goto(f"{live_server.url}/pairings/{parent.pk}/")
    assert page.locator("[data-testid=children] summary").inner_text().startswith("其下有")
    page.click("text=新建年度协议")
    page.click("[data-testid=agreement-submit]")
    page.click("[data-testid=target-form] summary")
    page.select_option("select[name=indicator]", "placements")
    page.fill("input[name=value]", "5000")
    year = page.locator("[data-testid^=agreement-]").first.get_attribute("data-testid")
    assert year is not None
    page.fill("input[name=deadline]", f"{year.split('-')[1]}-12-31")
    page.fill("input[name=responsible_unit]", "苏州市人社局")
    page.fill("input[name=owner]", "suzhou")
    page.click("[data-testid=target-submit]")
    page.click("[data-testid=schedule-placements]")
    page.wait_for_selector("text=已按截止日期倒排 5 项任务")
    assert page.locator("table.tasks tr").count() == 5
    shot(page, "pairing-detail")
