from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import SUZHOU, TONGREN, WUZHONG, YANHE
from tests.factories import UserFactory
from xiezuo.pairing import services
from xiezuo.pairing.models import Pairing
from xiezuo.regions.models import Region


@pytest.fixture
def pairs_2016(regions: None) -> None:
    services.pairs_2016_load(actor=None)


@pytest.fixture
def suzhou_user(regions: None) -> Any:
    """苏州市协作办: plans pairings and agreements for 苏州."""
    return UserFactory(
        username="suzhou", side="east", region_id=SUZHOU, roles=["viewer", "reporter", "reviewer"]
    )


@pytest.fixture
def tongren_user(regions: None) -> Any:
    """铜仁市协作办: the western office that decides its counties' pairings."""
    return UserFactory(
        username="tongren", side="west", region_id=TONGREN, roles=["viewer", "reporter", "reviewer"]
    )


@pytest.fixture
def wuzhong_user(regions: None) -> Any:
    return UserFactory(
        username="wuzhong", side="east", region_id=WUZHONG, roles=["viewer", "reporter"]
    )


@pytest.fixture
def wuzhong_yanhe(pairs_2016: None) -> Pairing:
    """A county pair 吴中区 → 沿河县 inside 苏州 → 铜仁."""
    return services.pairing_create(
        actor=None,
        east_region=Region.objects.get(code=WUZHONG),
        west=Region.objects.get(code=YANHE),
        start_year=2017,
    )
