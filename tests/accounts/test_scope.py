from __future__ import annotations

from typing import Any

from tests.conftest import BIJIANG, GUIZHOU, JIANGSU, TONGREN, YANHE
from tests.factories import UserFactory
from xiezuo.accounts.scope import scope_for
from xiezuo.regions import selectors
from xiezuo.regions.models import Region


def _visible(user: Any) -> set[str]:
    return set(selectors.region_list(user=user).values_list("code", flat=True))


def test_county_user_sees_its_subtree_and_the_path_above(
    county_user: Any, yanhe_village_code: str, bijiang_village_code: str
) -> None:
    visible = _visible(county_user)
    assert {GUIZHOU, TONGREN, YANHE, yanhe_village_code} <= visible
    assert BIJIANG not in visible and bijiang_village_code not in visible
    assert JIANGSU not in visible
    own = Region.objects.filter(code__startswith=YANHE).count()
    assert len(visible) == own + 2  # its subtree, plus 贵州省 and 铜仁市 on the path
    scope = scope_for(county_user)
    assert scope.covers(yanhe_village_code) and not scope.covers(TONGREN)


def test_prefecture_user_sees_all_its_counties(regions: None) -> None:
    user = UserFactory(side="west", region_id=TONGREN)
    visible = _visible(user)
    assert {YANHE, BIJIANG} <= visible
    assert scope_for(user).covers(BIJIANG)


def test_national_user_and_superuser_see_everything(national_user: Any) -> None:
    assert _visible(national_user) == set(Region.objects.values_list("code", flat=True))
    admin = UserFactory(side="east", region_id=JIANGSU, is_superuser=True)
    assert scope_for(admin).everything


def test_inactive_user_or_user_without_region_sees_nothing(regions: None) -> None:
    assert _visible(UserFactory(side="west", region_id=YANHE, is_active=False)) == set()
    assert _visible(UserFactory(side="east", region_id=None)) == set()
