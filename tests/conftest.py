from __future__ import annotations

import csv
import datetime
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.factories import UserFactory
from xiezuo.registry import generator
from xiezuo.registry.services import poverty_lines_load
from xiezuo.registry.vocabulary import TEMPLATE_COLUMNS

DIVISIONS = Path(__file__).parent / "data" / "divisions"
# The suite reads the team's reference data from its own copy (tests/data), not from a
# ../shared beside the checkout, which a clean clone elsewhere does not have.
os.environ.setdefault("XIEZUO_SHARED_DATA", str(Path(__file__).parent / "data"))

# Codes in the test slice of the divisions (tests/data/divisions).
GUIZHOU, TONGREN, YANHE, BIJIANG = "520000", "520600", "520627", "520602"
JIANGSU, SUZHOU, WUZHONG = "320000", "320500", "320506"


@pytest.fixture(autouse=True)
def tasks_inline(settings: Any) -> None:
    """Background tasks run inline in tests, so a request's import finishes before it returns."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True)
def default_language() -> Any:
    """Each test starts in the site's language: a request in English (LocaleMiddleware leaves
    its language active in the thread) must not carry over into the next test."""
    from django.conf import settings as django_settings
    from django.utils import translation

    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.activate(django_settings.LANGUAGE_CODE)


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


@pytest.fixture
def lines(regions: None) -> None:
    poverty_lines_load(actor=None)


@pytest.fixture
def generated_rows(lines: None) -> list[dict[str, str]]:
    """About 60 people of 沿河 in the template layout, deterministic."""
    counties = [c for c in generator.target_counties(["52"]) if c.code == "520627"]
    return list(
        generator.generate_rows(
            people=60, counties=counties, seed=7, today=datetime.date(2020, 12, 31)
        )
    )


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[..., Path]:
    def write(
        rows: list[dict[str, Any]],
        *,
        name: str = "registry.csv",
        encoding: str = "utf-8",
        columns: list[str] | None = None,
    ) -> Path:
        path = tmp_path / name
        with path.open("w", encoding=encoding, newline="") as handle:
            writer = csv.DictWriter(
                handle, fieldnames=columns or TEMPLATE_COLUMNS, extrasaction="ignore"
            )
            writer.writeheader()
            writer.writerows(rows)
        return path

    return write
