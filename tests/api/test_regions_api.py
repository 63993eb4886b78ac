from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.conftest import TONGREN, YANHE
from xiezuo.accounts.services import api_token_create, api_token_revoke


@pytest.fixture
def api_client(county_user: Any) -> Client:
    client = Client()
    client.force_login(county_user)
    return client


def test_get_region_with_path_and_counts(api_client: Client) -> None:
    data = api_client.get(f"/api/regions/{YANHE}").json()
    assert data["name"] == "沿河土家族自治县"
    assert data["is_poverty_county"] and data["poverty_exit_year"] == 2020
    assert [r["code"] for r in data["path"]] == ["520000", TONGREN, YANHE]
    assert data["level_counts"]["4"] > 0


def test_children_and_search(api_client: Client) -> None:
    children = api_client.get(f"/api/regions/{YANHE}/children").json()
    assert children and all(c["parent_code"] == YANHE and c["level"] == 4 for c in children)
    assert all(c["n_children"] >= 0 for c in children)
    found = api_client.get("/api/regions/search", {"q": "沿河"}).json()
    assert next(r["code"] for r in found) == YANHE


def test_old_code_answers_with_the_current_region(national_user: Any) -> None:
    client = Client()
    client.force_login(national_user)
    data = client.get("/api/regions/130721").json()
    assert data["code"] == "130705" and data["replaced"] and data["requested_code"] == "130721"


def test_errors_are_json_with_a_clear_message(api_client: Client) -> None:
    malformed = api_client.get("/api/regions/52x")
    assert malformed.status_code == 404 and "不是有效的区划代码" in malformed.json()["detail"]
    unknown = api_client.get("/api/regions/529999")
    assert unknown.status_code == 404 and "529999" in unknown.json()["detail"]
    bad_limit = api_client.get("/api/regions/search", {"q": "沿", "limit": 0})
    assert bad_limit.status_code == 400 and "limit" in bad_limit.json()["detail"]
    missing = api_client.get("/api/regions/search")
    assert missing.status_code == 422 and missing.json()["problems"]


def test_bearer_token_auth_and_revocation(county_user: Any) -> None:
    token, key = api_token_create(user=county_user, name="test", actor=county_user)
    client = Client()
    headers = {"Authorization": f"Bearer {key}"}
    assert client.get(f"/api/regions/{YANHE}", headers=headers).status_code == 200
    assert client.get("/api/regions/520602", headers=headers).status_code == 404
    assert client.get("/api/me", headers=headers).json()["username"] == "yanhe"
    api_token_revoke(token=token, actor=county_user)
    assert client.get(f"/api/regions/{YANHE}", headers=headers).status_code == 401
    bad = {"Authorization": "Bearer xz_not-a-token"}
    assert client.get(f"/api/regions/{YANHE}", headers=bad).status_code == 401


def test_openapi_docs(api_client: Client) -> None:
    schema = api_client.get("/api/openapi.json").json()
    assert "/api/regions/{code}" in schema["paths"]
    docs = api_client.get("/api/docs")
    assert docs.status_code == 200 and "cdn" not in docs.content.decode().lower()
    assert Client().get("/api/openapi.json").status_code == 302  # sign in first
