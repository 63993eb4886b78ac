"""A county office logs in and drills from its province down to one of its villages."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import DIVISIONS, YANHE
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def loaded(transactional_db: None) -> None:
    from xiezuo.regions import services

    services.regions_load(source_dir=DIVISIONS, actor=None)
    services.poverty_counties_load(actor=None)
    UserFactory(
        username="yanhe", side="west", region_id=YANHE, roles=["viewer"], first_name="沿河县协作办"
    )


def test_county_user_drills_from_province_to_village(
    loaded: None, live_server: Any, browser_page: Any
) -> None:
    page = browser_page
    page.goto(f"{live_server.url}/login/")
    # Chinese even though the browser asks for English.
    assert page.locator("[data-testid=login-submit]").inner_text() == "登录"
    page.fill("input[name=username]", "yanhe")
    page.fill("input[name=password]", PASSWORD)
    page.click("[data-testid=login-submit]")
    page.wait_for_url(f"{live_server.url}/")
    assert "沿河县协作办" in page.locator("[data-testid=who]").inner_text()

    page.click("nav >> text=行政区划")
    page.wait_for_url(f"{live_server.url}/regions/520000/")
    assert page.locator("[data-testid=region-name]").inner_text() == "贵州省"
    rows = page.locator("[data-testid=children] tbody tr")
    assert rows.count() == 1  # only 铜仁市: the other prefectures are not the user's
    page.click("[data-testid=children] >> text=铜仁市")
    page.wait_for_url("**/regions/520600/")
    page.click("[data-testid=children] >> text=沿河土家族自治县")
    page.wait_for_url(f"**/regions/{YANHE}/")
    assert "2020" in page.locator("[data-testid=poverty-flag]").inner_text()
    township = page.locator("[data-testid=children] tbody tr a").first
    township_name = township.inner_text()
    township.click()
    page.wait_for_url("**/regions/520627*/")
    assert page.locator("[data-testid=region-name]").inner_text() == township_name
    village = page.locator("[data-testid=children] tbody tr a").first
    village_name = village.inner_text()
    village.click()
    page.wait_for_function("document.location.pathname.length == '/regions/520627000000/'.length")
    assert page.locator("[data-testid=region-name]").inner_text() == village_name
    assert "村" in page.locator("hgroup p").inner_text()
    crumbs = page.locator("[data-testid=breadcrumb]").inner_text()
    for name in ("贵州省", "铜仁市", "沿河土家族自治县", township_name):
        assert name in crumbs

    # Live search through HTMX finds the user's own places only.
    page.fill("[data-testid=region-search]", "5206")
    page.wait_for_selector("[data-testid=search-results]")
    results = page.locator("[data-testid=search-results]").inner_text()
    assert YANHE in results and "520602" not in results


def test_other_county_is_not_found_in_the_browser(
    loaded: None, live_server: Any, browser_page: Any
) -> None:
    page = browser_page
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "yanhe")
    page.fill("input[name=password]", PASSWORD)
    page.click("[data-testid=login-submit]")
    page.wait_for_url(f"{live_server.url}/")
    response = page.goto(f"{live_server.url}/regions/520602/")
    assert response is not None and response.status == 404
    assert "不在您的权限范围内" in page.locator("[data-testid=error]").inner_text()
