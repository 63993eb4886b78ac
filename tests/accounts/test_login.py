from __future__ import annotations

from typing import Any

from django.test import Client

from tests.factories import PASSWORD
from xiezuo.audit.models import AuditEvent


def _login(client: Client, username: str, password: str) -> Any:
    return client.post("/login/", {"username": username, "password": password})


def test_passwords_are_hashed_with_argon2(county_user: Any) -> None:
    assert county_user.password.startswith("argon2")


def test_login_succeeds_and_is_audited(county_user: Any) -> None:
    client = Client()
    response = _login(client, "yanhe", PASSWORD)
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="login", actor=county_user).exists()
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


def test_five_failures_lock_the_account(county_user: Any) -> None:
    client = Client()
    for _ in range(5):
        assert _login(client, "yanhe", "wrong password").status_code in (200, 429)
    locked = _login(client, "yanhe", PASSWORD)
    assert locked.status_code == 429
    assert "账号已锁定" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    failures = AuditEvent.objects.filter(action="login_failed")
    assert failures.count() >= 5
    assert all("wrong password" not in str(e.after) + e.summary for e in failures)


def test_login_form_requires_csrf(county_user: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    assert _login(client, "yanhe", PASSWORD).status_code == 403


def test_inactive_user_cannot_log_in(county_user: Any) -> None:
    county_user.is_active = False
    county_user.save()
    response = _login(Client(), "yanhe", PASSWORD)
    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()
