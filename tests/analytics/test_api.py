from __future__ import annotations

import io
from typing import Any

from django.test import Client
from openpyxl import load_workbook

from tests.analytics.conftest import World
from tests.conftest import SUZHOU, TONGREN
from tests.factories import UserFactory
from xiezuo.accounts import services as accounts


def client_of(user: Any) -> Client:
    _token, key = accounts.api_token_create(user=user, name="test", actor=user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def test_run_review_and_export_over_the_api(world: World, national_user: Any) -> None:
    suzhou = client_of(
        UserFactory(username="sz", side="east", region_id=SUZHOU, roles=["reporter"])
    )
    refused = suzhou.post("/api/verify/runs", {"scope": ""}, content_type="application/json")
    assert refused.status_code == 403 and "全国" in refused.json()["detail"]
    nation = client_of(national_user)
    started = nation.post("/api/verify/runs", {"year": 2026}, content_type="application/json")
    assert started.status_code == 201, started.content
    run = started.json()
    assert run["state"] == "done" and run["progress"] == 100
    queue = nation.get(f"/api/verify/runs/{run['id']}/findings").json()
    assert len(queue) == 12
    stray = next(f for f in queue if f["rule"] == "V04")
    assert "既不在帮扶方" in stray["reason"]
    # 铜仁's reviewer sees 铜仁's findings only, and decides one with a reason.
    reviewer = client_of(
        UserFactory(username="tr", side="west", region_id=TONGREN, roles=["reviewer"])
    )
    own = reviewer.get(f"/api/verify/runs/{run['id']}/findings")
    assert own.status_code == 200, own.content
    assert {f["reporter"][:4] for f in own.json()} == {"5206"}
    decided = reviewer.post(
        f"/api/verify/findings/{stray['id']}/decide",
        {"decision": "confirmed", "reason": "已通知碧江改正"},
        content_type="application/json",
    )
    assert decided.status_code == 200 and decided.json()["decision"] == "confirmed"
    other = next(f for f in queue if f["reporter"] == SUZHOU)
    assert (
        reviewer.post(
            f"/api/verify/findings/{other['id']}/decide",
            {"decision": "dismissed", "reason": "x"},
            content_type="application/json",
        ).status_code
        == 404
    )  # not in its scope: not found, not even forbidden
    overview = nation.get(f"/api/verify/runs/{run['id']}/overview").json()
    assert {r["indicator"] for r in overview} >= {"labourers_trained", "poor_employed"}
    book = load_workbook(
        io.BytesIO(nation.get(f"/api/verify/runs/{run['id']}/findings.xlsx").content)
    )
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][0] == "规则" and len(rows) == 13
    assert any(r[9] == "确认有误" for r in rows[1:])
