from __future__ import annotations

from pathlib import Path

import pytest

from tests.factories import UserFactory

DIVISIONS = Path(__file__).parent / "data" / "divisions"

# Codes in the test slice of the divisions (tests/data/divisions).
GUIZHOU, TONGREN, YANHE, BIJIANG = "520000", "520600", "520627", "520602"
JIANGSU, SUZHOU, WUZHONG = "320000", "320500", "320506"


@pytest.fixture
def regions(db: None) -> None:
    """The test slice of the divisions with the 832 poverty flags and the code changes."""
    from xiezuo.regions import services

    services.regions_load(source_dir=DIVISIONS, actor=None)
    services.poverty_counties_load(actor=None)
    services.code_changes_load(actor=None)


@pytest.fixture
def county_user(regions: None) -> object:
    """A county office of 沿河 (west): viewer and reporter."""
    return UserFactory(username="yanhe", side="west", region_id=YANHE, roles=["viewer", "reporter"])


@pytest.fixture
def other_county_user(regions: None) -> object:
    return UserFactory(username="bijiang", side="west", region_id=BIJIANG, roles=["viewer"])


@pytest.fixture
def national_user(regions: None) -> object:
    return UserFactory(
        username="national",
        side="national",
        region_id=None,
        roles=["viewer", "admin"],
        is_staff=True,
    )


@pytest.fixture
def yanhe_village_code(regions: None) -> str:
    from xiezuo.regions.models import Region

    return Region.objects.filter(level=5, code__startswith=YANHE).order_by("code").first().code  # type: ignore[union-attr]


@pytest.fixture
def bijiang_village_code(regions: None) -> str:
    from xiezuo.regions.models import Region

    return Region.objects.filter(level=5, code__startswith=BIJIANG).order_by("code").first().code  # type: ignore[union-attr]
