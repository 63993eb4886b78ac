"""A county user of A gets 404/403 for B's data on each path: page, API, admin list, export."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.conftest import BIJIANG, YANHE
from tests.factories import UserFactory


@pytest.fixture
def client_a(county_user: Any) -> Client:
    client = Client()
    client.force_login(county_user)
    return client


def test_page(client_a: Client, bijiang_village_code: str, yanhe_village_code: str) -> None:
    assert client_a.get(f"/regions/{YANHE}/").status_code == 200
    assert client_a.get(f"/regions/{yanhe_village_code}/").status_code == 200
    assert client_a.get(f"/regions/{BIJIANG}/").status_code == 404
    assert client_a.get(f"/regions/{bijiang_village_code}/").status_code == 404


def test_search_does_not_reveal_other_regions(client_a: Client) -> None:
    response = client_a.get("/regions/search/", {"q": "5206"})
    assert YANHE in response.content.decode()
    assert BIJIANG not in response.content.decode()


def test_api(client_a: Client, bijiang_village_code: str) -> None:
    assert client_a.get(f"/api/regions/{YANHE}").status_code == 200
    for code in (BIJIANG, bijiang_village_code):
        response = client_a.get(f"/api/regions/{code}")
        assert response.status_code == 404
        assert "不在您的权限范围内" in response.json()["detail"]
    assert client_a.get(f"/api/regions/{BIJIANG}/children").status_code == 404
    codes = {r["code"] for r in client_a.get("/api/regions/search", {"q": "520"}).json()}
    assert YANHE in codes and BIJIANG not in codes


def test_export(client_a: Client) -> None:
    assert client_a.get(f"/regions/{YANHE}/export.xlsx").status_code == 200
    assert client_a.get(f"/regions/{BIJIANG}/export.xlsx").status_code == 404


def test_admin_list(regions: None) -> None:
    admin_a = UserFactory(
        username="yanhe-admin", side="west", region_id=YANHE, roles=["admin"], is_staff=True
    )
    client = Client()
    client.force_login(admin_a)
    listing = client.get("/admin/regions/region/", {"q": "520"})
    assert listing.status_code == 200
    body = listing.content.decode()
    assert f">{YANHE}<" in body
    assert f">{BIJIANG}<" not in body
    change = client.get(f"/admin/regions/region/{BIJIANG}/change/")
    assert change.status_code in (302, 404)  # the admin's "does not exist" redirect
    assert client.get(f"/admin/regions/region/{YANHE}/change/").status_code == 200
    users = client.get("/admin/accounts/user/").content.decode()
    assert "yanhe-admin" in users


def test_admin_is_closed_to_users_without_the_admin_role(client_a: Client) -> None:
    response = client_a.get("/admin/regions/region/")
    assert response.status_code in (302, 403)
    assert "/admin/login/" in response.get("Location", "/admin/login/")


def test_anonymous_gets_login_or_401(regions: None) -> None:
    client = Client()
    assert client.get(f"/regions/{YANHE}/").status_code == 302
    assert client.get(f"/regions/{YANHE}/export.xlsx").status_code == 302
    response = client.get(f"/api/regions/{YANHE}")
    assert response.status_code == 401
    assert "未登录" in response.json()["detail"]
