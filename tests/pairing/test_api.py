"""The pairing API: scoped reads, writes through the services, 403 for roles, 400 naming the
field for rules, and an import of pairings through the shared import endpoints."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client

from tests.conftest import SUZHOU, TONGREN, WUZHONG, YANHE
from xiezuo.accounts import services as accounts
from xiezuo.pairing.models import Pairing, Task

pytestmark = pytest.mark.django_db


def bearer(user: Any) -> dict[str, str]:
    _token, key = accounts.api_token_create(user=user, name="test", actor=user)
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_unauthenticated_is_401(pairs_2016: None) -> None:
    response = Client().get("/api/pairings")
    assert response.status_code == 401


def test_list_and_detail_are_scoped(
    wuzhong_yanhe: Pairing, wuzhong_user: Any, other_county_user: Any
) -> None:
    client = Client()
    listed = client.get("/api/pairings", **bearer(wuzhong_user)).json()
    assert listed["count"] == 1
    assert listed["results"][0]["east"] == {"code": WUZHONG, "name": "吴中区"}
    assert listed["results"][0]["level"]["code"] == "3"
    detail = client.get(f"/api/pairings/{wuzhong_yanhe.parent_id}", **bearer(wuzhong_user))
    assert detail.status_code == 404  # 苏州 → 铜仁 as a whole is not 吴中's to read
    hidden = client.get(f"/api/pairings/{wuzhong_yanhe.pk}", **bearer(other_county_user))
    assert hidden.status_code == 404


def test_create_with_rules_and_roles(pairs_2016: None, suzhou_user: Any, wuzhong_user: Any) -> None:
    client = Client()
    body = {"east_code": WUZHONG, "west_code": YANHE, "start_year": 2017}
    denied = client.post(
        "/api/pairings", body, content_type="application/json", **bearer(wuzhong_user)
    )
    assert denied.status_code == 403
    made = client.post(
        "/api/pairings", body, content_type="application/json", **bearer(suzhou_user)
    )
    assert made.status_code == 201, made.content
    assert (
        made.json()["parent_id"] == Pairing.objects.get(east_region=SUZHOU, west_region=TONGREN).pk
    )
    again = client.post(
        "/api/pairings", body, content_type="application/json", **bearer(suzhou_user)
    )
    assert again.status_code == 400
    assert again.json()["problems"][0].startswith("受帮扶方: 已有待对方确认的相同结对")
    bad = client.post(
        "/api/pairings",
        {"west_code": "52062", "start_year": 2017},
        content_type="application/json",
        **bearer(suzhou_user),
    )
    assert bad.status_code == 422


def test_agreement_target_schedule_and_my_tasks(pairs_2016: None, suzhou_user: Any) -> None:
    client = Client()
    auth = bearer(suzhou_user)
    pairing = Pairing.objects.get(east_region=SUZHOU, west_region=TONGREN)
    year = datetime.date.today().year
    agreement = client.post(
        f"/api/pairings/{pairing.pk}/agreements",
        {"year": year},
        content_type="application/json",
        **auth,
    )
    assert agreement.status_code == 201
    agreement_id = agreement.json()["id"]
    wrong = client.put(
        f"/api/agreements/{agreement_id}/targets/projects",
        {"value": "2.5", "deadline": f"{year}-12-31", "responsible_unit": "苏州市协作办"},
        content_type="application/json",
        **auth,
    )
    assert wrong.status_code == 400 and "目标值" in wrong.json()["problems"][0]
    target = client.put(
        f"/api/agreements/{agreement_id}/targets/county_pairs",
        {
            "value": "10",
            "deadline": f"{year}-12-31",
            "responsible_unit": "苏州市协作办",
            "owner": "suzhou",
        },
        content_type="application/json",
        **auth,
    ).json()
    assert target["progress"] in ("at_risk", "on_track") and target["actual"] == "0"
    scheduled = client.post(
        f"/api/targets/{target['id']}/schedule",
        {"shares": [50, 100]},
        content_type="application/json",
        **auth,
    ).json()
    assert [t["share"] for t in scheduled["tasks"]] == [None, 50, 100]
    task = Task.objects.filter(target_id=target["id"]).order_by("due").first()
    assert task is not None
    Task.objects.filter(pk=task.pk).update(due=datetime.date.today() - datetime.timedelta(days=1))
    mine = client.get("/api/tasks/mine", **auth).json()
    assert task.pk in [t["id"] for t in mine["overdue"]]
    done = client.post(
        f"/api/tasks/{task.pk}/status",
        {"status": "done"},
        content_type="application/json",
        **auth,
    ).json()
    assert done["state"] == "done"
    assert task.pk not in [t["id"] for t in client.get("/api/tasks/mine", **auth).json()["overdue"]]


def test_openapi_lists_the_pairing_endpoints(national_user: Any) -> None:
    client = Client()
    client.force_login(national_user)
    schema = client.get("/api/openapi.json").json()
    assert "/api/pairings" in schema["paths"]
    assert "/api/agreements/{agreement_id}/targets/{indicator}" in schema["paths"]
