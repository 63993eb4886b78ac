"""A year of cooperation in a real browser: 苏州's reporter enters a fund through the form
(meeting a field error on the way) and submits the report; 江苏's reviewer approves it; the
pairing's aid overview draws its charts."""

from __future__ import annotations

from typing import Any

import pytest

# The regions and the 2016 pairs, loaded as the pairing browser test loads them.
from tests.browser.test_pairing_browser import loaded, shot  # noqa: F401
from tests.conftest import SUZHOU, TONGREN, YANHE
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def people(loaded: None) -> None:  # noqa: F811 (the imported fixture, requested)
    """苏州's reporter and, one level up, 江苏's reviewer."""
    UserFactory(
        username="sz-rep",
        side="east",
        region_id=SUZHOU,
        roles=["viewer", "reporter"],
        first_name="苏州市协作办填报员",
    )
    UserFactory(
        username="js-rev",
        side="east",
        region_id="320000",
        roles=["viewer", "reviewer"],
        first_name="江苏省协作办审核员",
    )


def login(page: Any, url: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("[data-testid=login-submit]")
    page.wait_for_url(f"{url}/")


def test_fund_entered_submitted_approved_and_charted(
    people: None, live_server: Any, browser_page: Any
) -> None:
    from django.utils import timezone

    from xiezuo.cooperation import services
    from xiezuo.cooperation.models import Fund, Report
    from xiezuo.pairing.models import Pairing
    from xiezuo.regions.models import Region

    pairing = Pairing.objects.get(east_region=SUZHOU, west_region=TONGREN)
    year = timezone.localdate().year
    page = browser_page
    login(page, live_server.url, "sz-rep")

    page.click("nav >> text=帮扶记录")
    page.wait_for_url("**/cooperation/")
    page.click("[data-testid=new-fund]")
    page.wait_for_url("**/cooperation/fund/new/")
    page.select_option("select[name=pairing]", str(pairing.pk))
    assert page.input_value("select[name=reporter]") == SUZHOU
    page.fill("input[name=date]", f"{year}-04-01")
    page.select_option("select[name=kind]", label="财政援助资金")
    page.fill("input[name=source]", "苏州市财政局")
    # By name, as an office types it: found on the helped side of the chosen pairing.
    page.fill("input[name=recipient]", "沿河土家族自治县")
    page.fill("input[name=amount]", "-5")
    page.fill("input[name=purpose]", "茶产业发展")
    page.click("[data-testid=record-save]")
    page.wait_for_selector("[data-testid=error-amount]")
    assert "负数" in page.inner_text("[data-testid=error-amount]")
    shot(page, "coop-fund-error")
    page.fill("input[name=amount]", "1200")
    page.click("[data-testid=record-save]")
    page.wait_for_url("**/cooperation/reports/*/")
    report = Report.objects.get()
    assert Fund.objects.get().amount == 1200 and Fund.objects.get().recipient_id == YANHE
    assert page.inner_text("[data-testid=report-state]") == "填报中"
    shot(page, "coop-report-draft")
    page.click(f"[data-testid=submit-{report.pk}]")
    page.wait_for_selector("[data-testid=report-state]:has-text('待审核')")

    login(page, live_server.url, "js-rev")
    page.goto(f"{live_server.url}/cooperation/reports/")
    page.wait_for_selector(f"[data-testid=to-review] [data-testid=report-{report.pk}]")
    shot(page, "coop-review-queue")
    # Approving locks the report, so the page asks first (app.js, no inline script).
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.click(f"[data-testid=approve-{report.pk}]")
    page.wait_for_selector("text=报送已审核通过并锁定")
    assert asked
    report.refresh_from_db()
    assert report.state == "approved"
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{live_server.url}/cooperation/fund/")
    # The list fits the screen: no horizontal scroll of the main table.
    assert page.evaluate(
        "(() => { const t = document.querySelector('table.records');"
        " return t.scrollWidth <= t.parentElement.clientWidth + 1; })()"
    )
    assert page.locator("[data-testid=records-total]").count() == 1
    fund = Fund.objects.get()
    assert page.locator(f"[data-testid=record-{fund.pk}] .badge.locked").count() == 1
    shot(page, "coop-fund-list")
    page.click(f"[data-testid=record-{fund.pk}] a >> nth=0")
    page.wait_for_selector("[data-testid=locked]")
    assert page.locator("[data-testid=record-form]").count() == 0
    shot(page, "coop-fund-record")

    # An earlier year and some trainings, so the overview has stacks to draw.
    earlier = {"date": f"{year - 1}-05-01", "kind": "社会捐赠资金", "source": "苏州某商会"}
    entered = {**earlier, "recipient": YANHE, "amount": "300"}
    services.record_create(
        actor=None,
        kind="fund",
        pairing=pairing,
        reporter=report.reporter,
        year=year - 1,
        raw=entered,
    )
    for kind, trainees in (("贫困劳动力", "45"), ("致富带头人", "12")):
        training = {"date": f"{year}-06-10", "training_kind": kind, "title": "培训", "days": "3"}
        services.record_create(
            actor=None,
            kind="training",
            pairing=pairing,
            reporter=Region.objects.get(code=TONGREN),
            year=year,
            raw={**training, "trainees": trainees},
        )
    page.goto(f"{live_server.url}/pairings/{pairing.pk}/")
    page.click("[data-testid=aid-link]")
    page.wait_for_url(f"**/pairings/{pairing.pk}/aid/")
    # The trainings above are in a draft report: counted once drafts are asked for.
    page.click("[data-testid=all-states]")
    page.wait_for_url(f"**/pairings/{pairing.pk}/aid/?state=all")
    page.wait_for_selector("[data-testid=chart-funds] canvas")
    page.wait_for_selector("[data-testid=chart-trainees] canvas")
    table = page.inner_text("[data-testid=aid-table]")
    assert "1200" in table and "300" in table and "57" in table
    shot(page, "coop-aid")
