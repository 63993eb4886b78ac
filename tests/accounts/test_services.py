from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import YANHE
from xiezuo.accounts import services
from xiezuo.accounts.models import User
from xiezuo.audit.models import AuditEvent
from xiezuo.core.errors import UserError
from xiezuo.regions.models import Region


def test_user_create_validates_and_audits(national_user: Any) -> None:
    user = services.user_create(
        username="new",
        password="a-long enough pass phrase",
        side="west",
        region=Region.objects.get(code=YANHE),
        roles=["reporter"],
        actor=national_user,
    )
    assert user.check_password("a-long enough pass phrase")
    event = AuditEvent.objects.get(
        action="create", object_type="accounts.user", object_id=str(user.pk)
    )
    assert event.actor == national_user
    assert "password" not in event.after  # type: ignore[operator]


@pytest.mark.parametrize(
    ("kwargs", "where"),
    [
        ({"side": "west", "region": None, "roles": ["viewer"]}, "字段 region"),
        ({"side": "national", "region": None, "roles": ["boss"]}, "字段 roles"),
    ],
)
def test_user_create_refuses_bad_input(
    national_user: Any, kwargs: dict[str, Any], where: str
) -> None:
    with pytest.raises(UserError) as caught:
        services.user_create(
            username="bad", password="a-long enough pass phrase", actor=national_user, **kwargs
        )
    assert where in str(caught.value)
    assert not User.objects.filter(username="bad").exists()


def test_weak_password_is_refused(national_user: Any) -> None:
    with pytest.raises(UserError, match="账号信息有误"):
        services.user_create(
            username="weak",
            password="123",
            side="national",
            region=None,
            roles=[],
            actor=national_user,
        )


def test_user_update_records_before_and_after(national_user: Any, county_user: Any) -> None:
    services.user_update(user=county_user, actor=national_user, roles=["viewer", "reviewer"])
    event = AuditEvent.objects.filter(action="update", object_id=str(county_user.pk)).latest("at")
    assert event.before == {"roles": ["viewer", "reporter"]}
    assert event.after == {"roles": ["viewer", "reviewer"]}
