"""Home is a to-do list: what waits for each user, with its count in the navigation."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.conftest import SUZHOU, YANHE
from tests.cooperation.conftest import FUND
from tests.factories import UserFactory
from xiezuo.cooperation import services
from xiezuo.pairing import services as pairing_services
from xiezuo.pairing.models import Pairing
from xiezuo.regions.models import Region

pytestmark = pytest.mark.django_db


def _home(user: Any) -> str:
    client = Client()
    client.force_login(user)
    return client.get("/").content.decode()


def test_returned_and_waiting_reports_and_proposed_pairings_show_on_home(
    suzhou_tongren: Pairing, suzhou_reporter: Any, jiangsu_reviewer: Any
) -> None:
    report = services.record_create(
        actor=suzhou_reporter,
        kind="fund",
        pairing=suzhou_tongren,
        reporter=Region.objects.get(code=SUZHOU),
        year=2026,
        raw=FUND,
    ).report
    assert 'data-testid="todo-drafts"' in _home(suzhou_reporter)
    services.report_submit(actor=suzhou_reporter, report=report)
    waiting = _home(jiangsu_reviewer)
    assert (
        'data-testid="todo-review"' in waiting and f"/cooperation/reports/{report.pk}/" in waiting
    )
    assert 'data-testid="todo-count"' in waiting
    services.report_review(actor=jiangsu_reviewer, report=report, approve=False, comment="凭证不全")
    home = _home(suzhou_reporter)
    assert 'data-testid="todo-returned"' in home and "凭证不全" in home
    assert 'data-testid="todo-review"' not in _home(jiangsu_reviewer)

    # 吴中 proposes itself as helper of 沿河: 沿河's office (the other side) is asked to confirm.
    suzhou_office = UserFactory(username="sz", side="east", region_id=SUZHOU, roles=["reviewer"])
    proposed = pairing_services.pairing_create(
        actor=suzhou_office,
        east_region=Region.objects.get(code="320506"),
        west=Region.objects.get(code=YANHE),
        start_year=2026,
    )
    assert proposed.status == "proposed"
    yanhe = UserFactory(username="yh", side="west", region_id=YANHE, roles=["reviewer"])
    assert f"/pairings/{proposed.pk}/" in _home(yanhe)
    assert f"/pairings/{proposed.pk}/" not in _home(suzhou_office)


def test_nothing_waiting_says_so(regions: None) -> None:
    viewer = UserFactory(username="v", side="west", region_id=YANHE, roles=["viewer"])
    home = _home(viewer)
    assert 'data-testid="todo-empty"' in home and 'data-testid="todo-count"' not in home
