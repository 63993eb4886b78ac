"""A county office uploads the registry file in the browser, watches it being checked, commits
it and finds a household with its members' IDs masked."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DIVISIONS, YANHE
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def county_office(transactional_db: None) -> None:
    from xiezuo.regions import services
    from xiezuo.registry.services import poverty_lines_load

    services.regions_load(source_dir=DIVISIONS, actor=None)
    services.poverty_counties_load(actor=None)
    poverty_lines_load(actor=None)
    UserFactory(username="yanhe", side="west", region_id=YANHE, roles=["viewer", "reporter"])


def test_upload_check_commit_and_browse(
    county_office: None, live_server: Any, browser_page: Any, write_csv: Callable[..., Path]
) -> None:
    import datetime

    from xiezuo.registry import generator

    counties = [c for c in generator.target_counties(["52"]) if c.code == YANHE]
    rows = list(
        generator.generate_rows(
            people=30, counties=counties, seed=3, today=datetime.date(2020, 12, 31)
        )
    )
    path = write_csv(rows)
    page = browser_page
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "yanhe")
    page.fill("input[name=password]", PASSWORD)
    page.click("[data-testid=login-submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.click("nav >> text=数据导入")
    page.set_input_files("input[name=file]", str(path))
    page.click("[data-testid=upload-submit]")
    page.wait_for_selector("[data-testid=preview]")
    assert "新增" in page.locator("[data-testid=preview]").inner_text()
    page.click("[data-testid=commit]")
    page.wait_for_function(
        "document.querySelector('[data-testid=batch-state]').textContent.includes('已写入')"
    )
    page.click("nav >> text=建档立卡")
    page.locator("[data-testid=households] tbody a").first.click()
    page.wait_for_selector("[data-testid=members]")
    masked = page.locator("[data-testid=members] code").first.inner_text()
    assert "**********" in masked and len(masked) == 18
    assert page.locator("[data-testid=members] button").count() == 0  # no reveal for a reporter
