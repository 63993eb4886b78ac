from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import SUZHOU, TONGREN
from tests.factories import UserFactory
from xiezuo.pairing import services as pairing_services
from xiezuo.pairing.models import Pairing


@pytest.fixture
def suzhou_tongren(regions: None) -> Pairing:
    pairing_services.pairs_2016_load(actor=None)
    return Pairing.objects.get(east_region=SUZHOU, west_region=TONGREN)


@pytest.fixture
def suzhou_reporter(regions: None) -> Any:
    return UserFactory(username="sz-rep", side="east", region_id=SUZHOU, roles=["reporter"])


@pytest.fixture
def jiangsu_reviewer(regions: None) -> Any:
    return UserFactory(username="js-rev", side="east", region_id="320000", roles=["reviewer"])


FUND = {
    "date": "2026-04-01",
    "kind": "财政援助资金",
    "source": "苏州市财政局",
    "recipient": "520627",
    "amount": "1200",
    "purpose": "产业发展",
}
