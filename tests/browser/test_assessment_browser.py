"""The national office looks at the year's ranking and a scorecard; 铜仁 files its
self-assessment in the page; both charts are drawn."""

from __future__ import annotations

from typing import Any

import pytest

from tests.analytics.conftest import world  # noqa: F401  (fixture)
from tests.assessment.test_runs import YEAR, scored  # noqa: F401  (fixture)
from tests.conftest import TONGREN
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(page: Any, url: str, username: str) -> None:
    page.goto(f"{url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("[data-testid=login-submit]")
    page.wait_for_url(f"{url}/")


def test_ranking_scorecard_and_self_assessment(
    scored: Any,  # noqa: F811
    live_server: Any,
    browser_page: Any,
) -> None:
    page = browser_page
    UserFactory(username="nat", side="national", roles=["viewer", "reviewer", "admin"])
    UserFactory(username="tr-rep", side="west", region_id=TONGREN, roles=["viewer", "reporter"])
    _login(page, live_server.url, "nat")
    page.click("nav >> text=考核评价")
    page.wait_for_url("**/assessment/")
    assert page.locator("[data-testid=ranking-west]").inner_text().count("铜仁市") == 1
    page.wait_for_selector("#chart-west canvas")
    page.wait_for_selector("#chart-network canvas")  # the pairs coloured by grade
    page.click("[data-testid=ranking-west] >> text=铜仁市")
    page.wait_for_url(f"**/assessment/{YEAR}/west/{TONGREN}/")
    page.wait_for_selector("#chart-radar canvas")
    assert page.locator("[data-testid=scores] tbody tr").count() == 11
    # Every figure links to the list behind it.
    link = page.locator("[data-testid=score-W09] a").first
    assert "/cooperation/fund/" in (link.get_attribute("href") or "")
    page.context.clear_cookies()  # a new session: 铜仁's office

    _login(page, live_server.url, "tr-rep")
    page.goto(f"{live_server.url}/assessment/{YEAR}/west/{TONGREN}/")
    form = page.locator("[data-testid=step-self]")
    form.locator("textarea[name=text]").fill("全年目标基本完成")
    form.locator("input[name=score_W01]").fill("8")
    form.locator("input[name=reason_W01]").fill("联席会议 2 次")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    steps = page.locator("[data-testid=steps]").inner_text()
    assert "tr-rep" in steps and "全年目标基本完成" in steps
    assert page.locator("[data-testid=step-self]").count() == 1  # may amend until commented on
