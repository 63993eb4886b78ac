"""Cooperation records and reports over the API: the same services and scope as the pages and
the import, 400 naming the field, 403 for roles and regions, 404 out of scope, 422 for bodies."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from django.test import Client

from tests.conftest import SUZHOU, TONGREN, YANHE
from tests.cooperation.conftest import FUND
from tests.factories import UserFactory
from xiezuo.accounts import services as accounts
from xiezuo.audit.models import AuditEvent
from xiezuo.cooperation.models import Fund, Report
from xiezuo.imports import kinds
from xiezuo.pairing.models import Pairing
from xiezuo.registry.idnumbers import make_resident_id

pytestmark = pytest.mark.django_db

FUNDS = "/api/records/fund"


def client_of(user: Any) -> Client:
    _token, key = accounts.api_token_create(user=user, name="test", actor=user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, body, content_type="application/json")


def put(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.put(url, body, content_type="application/json")


def fund_body(pairing: Pairing, **values: Any) -> dict[str, Any]:
    return {"pairing_id": pairing.pk, "year": 2026, "values": {**FUND, **values}}


def test_unauthenticated_is_401(suzhou_tongren: Pairing) -> None:
    assert Client().get(FUNDS).status_code == 401


def test_create_list_get_update_delete(suzhou_tongren: Pairing, suzhou_reporter: Any) -> None:
    client = client_of(suzhou_reporter)
    made = post(client, FUNDS, fund_body(suzhou_tongren))
    assert made.status_code == 201, made.json()
    record = made.json()
    assert record["kind"] == {"code": "fund", "label": "帮扶资金"}
    assert record["values"]["kind"] == {"code": "fiscal", "label": "财政援助资金"}
    assert record["values"]["recipient"] == {"code": YANHE, "name": "沿河土家族自治县"}
    assert record["values"]["amount"] == "1200.0000" and record["values"]["disbursed"] is None
    assert record["values"]["date"] == "2026-04-01" and record["people"] == []
    report = record["report"]
    assert report["reporter"] == {"code": SUZHOU, "name": "苏州市"}
    assert (report["year"], report["state"]["code"]) == (2026, "draft")
    assert report["pairing"] == "苏州市 → 铜仁市"

    listed = client.get(FUNDS, {"year": 2026, "pairing": suzhou_tongren.pk}).json()
    assert listed["count"] == 1 and listed["results"][0]["id"] == record["id"]
    assert client.get(FUNDS, {"year": 2025}).json()["count"] == 0
    assert client.get(FUNDS, {"region": "330100"}).json()["count"] == 0
    assert client.get(FUNDS, {"state": "draft", "region": TONGREN}).json()["count"] == 1
    assert client.get(FUNDS, {"state": "approved"}).json()["count"] == 0

    url = f"{FUNDS}/{record['id']}"
    assert client.get(url).json()["values"]["source"] == "苏州市财政局"
    changed = put(client, url, {"values": {**FUND, "amount": "1300", "kind": "social"}})
    assert changed.status_code == 200, changed.json()
    assert changed.json()["values"]["amount"] == "1300.0000"
    assert changed.json()["values"]["kind"]["label"] == "社会捐赠资金"
    assert AuditEvent.objects.filter(object_type="cooperation.fund", action="update").exists()

    assert client.delete(url).status_code == 204
    assert client.get(url).status_code == 404
    assert not Fund.objects.exists()


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        ({"amount": "-5"}, "金额（万元）: 金额不能为负数"),
        ({"amount": 12000000}, "金额（万元）: 12000000"),
        ({"amount": "150000"}, "金额（万元）: 县级帮扶资金"),
        ({"date": "2025-12-31"}, "日期: 日期 2025-12-31 不在报送年度 2026 年内"),
        ({"recipient": "330102"}, "拨付至: "),
        ({"source": None}, "资金来源: 必填"),
    ],
)
def test_rule_violations_are_400_naming_the_field(
    suzhou_tongren: Pairing, suzhou_reporter: Any, values: dict[str, Any], problem: str
) -> None:
    response = post(client_of(suzhou_reporter), FUNDS, fund_body(suzhou_tongren, **values))
    assert response.status_code == 400
    assert any(p.startswith(problem) for p in response.json()["problems"]), response.json()
    assert not Fund.objects.exists() and not Report.objects.exists()


def test_a_large_county_amount_needs_confirmation(
    suzhou_tongren: Pairing, suzhou_reporter: Any
) -> None:
    client = client_of(suzhou_reporter)
    body = fund_body(suzhou_tongren, amount="150000")
    assert post(client, FUNDS, body).status_code == 400
    made = post(client, FUNDS, {**body, "confirm_large": True})
    assert made.status_code == 201 and made.json()["values"]["amount"] == "150000.0000"


def test_scope_roles_and_malformed_bodies(
    suzhou_tongren: Pairing, suzhou_reporter: Any, national_user: Any
) -> None:
    client = client_of(suzhou_reporter)
    record = post(client, FUNDS, fund_body(suzhou_tongren)).json()
    url = f"{FUNDS}/{record['id']}"

    hangzhou = client_of(UserFactory(side="east", region_id="330100", roles=["reporter"]))
    assert hangzhou.get(url).status_code == 404
    assert hangzhou.get(FUNDS).json()["count"] == 0
    assert put(hangzhou, url, {"values": FUND}).status_code == 404
    assert hangzhou.delete(url).status_code == 404
    assert post(hangzhou, FUNDS, fund_body(suzhou_tongren)).status_code == 404
    other = Pairing.objects.get(east_region="330100", west_region="522600")
    assert post(client, FUNDS, fund_body(other)).status_code == 404  # not 苏州's to see

    viewer = client_of(UserFactory(side="east", region_id=SUZHOU, roles=["viewer"]))
    assert viewer.get(url).status_code == 200
    refused = post(viewer, FUNDS, fund_body(suzhou_tongren))
    assert refused.status_code == 403 and refused.json()["detail"]
    assert put(viewer, url, {"values": FUND}).status_code == 403
    assert viewer.delete(url).status_code == 403
    tongren = client_of(UserFactory(side="west", region_id=TONGREN, roles=["reporter"]))
    as_suzhou = post(tongren, FUNDS, {**fund_body(suzhou_tongren), "reporter_code": SUZHOU})
    assert as_suzhou.status_code == 403
    national = post(client_of(national_user), FUNDS, fund_body(suzhou_tongren))
    assert national.status_code == 400
    assert national.json()["problems"] == ["填报单位代码: 国家级用户须填写填报单位代码"]

    unknown = post(client, FUNDS, fund_body(suzhou_tongren, colour="red"))
    assert unknown.status_code == 422 and "colour" in unknown.json()["problems"][0]
    assert post(client, FUNDS, {"pairing_id": suzhou_tongren.pk, "values": FUND}).status_code == 422
    assert post(client, "/api/records/loans", fund_body(suzhou_tongren)).status_code == 422
    bad_code = {**fund_body(suzhou_tongren), "reporter_code": "3205"}
    assert post(client, FUNDS, bad_code).status_code == 422
    assert Fund.objects.count() == 1


def test_people_are_shown_masked_and_flagged(suzhou_tongren: Pairing, suzhou_reporter: Any) -> None:
    number = make_resident_id(YANHE, datetime.date(1990, 1, 1), 7, male=True)
    body = {
        "pairing_id": suzhou_tongren.pk,
        "year": 2026,
        "values": {"date": "2026-06-10", "training_kind": "labourers", "title": "家政", "days": 7},
        "people": [{"name": "王五", "id_number": number}],
    }
    made = post(client_of(suzhou_reporter), "/api/records/training", body)
    assert made.status_code == 201, made.json()
    assert number not in made.content.decode()
    assert made.json()["people"] == [
        {"name": "王五", "id_masked": number[:4] + "*" * 10 + number[-4:], "in_registry": False}
    ]
    assert made.json()["values"]["trainees"] == 1
    wrong = {**body, "people": [{"name": "赵六", "id_number": number[:-1] + "0"}]}
    if number.endswith("0"):
        wrong["people"][0]["id_number"] = number[:-1] + "1"
    refused = post(client_of(suzhou_reporter), "/api/records/training", wrong)
    assert refused.status_code == 400
    assert refused.json()["problems"][0].startswith("第 1 名人员: 赵六：校验位错误")


def test_submit_return_resubmit_approve_unlock(
    suzhou_tongren: Pairing, suzhou_reporter: Any, jiangsu_reviewer: Any
) -> None:
    reporter, reviewer = client_of(suzhou_reporter), client_of(jiangsu_reviewer)
    record = post(reporter, FUNDS, fund_body(suzhou_tongren)).json()
    url, report_id = f"{FUNDS}/{record['id']}", record["report"]["id"]
    reports = reporter.get("/api/reports", {"state": "draft", "year": 2026}).json()
    assert [r["id"] for r in reports["results"]] == [report_id]
    assert reviewer.get("/api/reports/review").json()["count"] == 0  # nothing submitted yet

    submitted = post(reporter, f"/api/reports/{report_id}/submit", {})
    assert submitted.status_code == 200 and submitted.json()["state"]["code"] == "submitted"
    locked = put(reporter, url, {"values": {**FUND, "purpose": "改"}})
    assert locked.status_code == 400 and "报送状态" in locked.json()["problems"][0]
    queue = reviewer.get("/api/reports/review").json()
    assert [r["id"] for r in queue["results"]] == [report_id]
    assert reporter.get("/api/reports/review").json()["count"] == 0  # not one level up

    review = f"/api/reports/{report_id}/review"
    assert post(reporter, review, {"approve": True}).status_code == 403
    no_reason = post(reviewer, review, {"approve": False})
    assert no_reason.status_code == 400
    assert no_reason.json()["problems"] == ["审核意见: 退回须说明理由"]
    returned = post(reviewer, review, {"approve": False, "comment": "用途不明"})
    assert returned.json()["state"]["code"] == "returned"
    assert returned.json()["comment"] == "用途不明"
    fixed = put(reporter, url, {"values": {**FUND, "purpose": "茶产业"}})
    assert fixed.status_code == 200 and fixed.json()["report"]["state"]["code"] == "returned"

    assert post(reporter, f"/api/reports/{report_id}/submit", {}).status_code == 200
    approved = post(reviewer, review, {"approve": True})
    assert approved.status_code == 200 and approved.json()["state"]["code"] == "approved"
    assert put(reporter, url, {"values": FUND}).status_code == 400
    assert reporter.delete(url).status_code == 400
    assert reporter.get(FUNDS, {"state": "approved"}).json()["count"] == 1

    unlock = f"/api/reports/{report_id}/unlock"
    assert post(reporter, unlock, {"reason": "改错"}).status_code == 403
    assert post(reviewer, unlock, {"reason": " "}).status_code == 400
    assert post(reviewer, unlock, {}).status_code == 422
    opened = post(reviewer, unlock, {"reason": "审计发现金额有误"})
    assert opened.status_code == 200 and opened.json()["state"]["code"] == "returned"
    assert put(reporter, url, {"values": {**FUND, "amount": "1100"}}).status_code == 200
    assert AuditEvent.objects.filter(summary__startswith="unlock: 审计发现").exists()
    hangzhou = client_of(UserFactory(side="east", region_id="330000", roles=["reviewer"]))
    assert post(hangzhou, f"/api/reports/{report_id}/submit", {}).status_code == 404


def test_a_record_file_goes_in_through_the_import_endpoints(
    suzhou_tongren: Pairing, suzhou_reporter: Any
) -> None:
    client = client_of(suzhou_reporter)
    filename, content = kinds.get("coop_fund").template()
    upload = io.BytesIO(content)
    upload.name = filename
    uploaded = client.post("/api/imports", {"kind": "coop_fund", "file": upload})
    assert uploaded.status_code == 202, uploaded.json()
    batch = uploaded.json()
    assert batch["state"]["code"] == "parsed" and batch["issues"] == []
    assert client.get(FUNDS).json()["count"] == 0  # checked, not yet written
    committed = client.post(f"/api/imports/{batch['id']}/commit")
    assert committed.status_code == 202 and committed.json()["state"]["code"] == "committed"
    listed = client.get(FUNDS).json()
    assert listed["count"] == 1 and listed["results"][0]["values"]["source"] == "苏州市财政局"


@pytest.mark.parametrize("kind", ["training", "fund"])
def test_listing_costs_the_same_queries_for_one_record_or_many(
    suzhou_tongren: Pairing, suzhou_reporter: Any, kind: str
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_of(suzhou_reporter)
    url = f"/api/records/{kind}"

    def add(seq: int) -> None:
        body: dict[str, Any] = fund_body(suzhou_tongren, purpose=f"第 {seq} 笔")
        if kind == "training":
            number = make_resident_id(YANHE, datetime.date(1990, 1, 1), seq, male=True)
            values = {"date": "2026-06-10", "training_kind": "leaders", "title": f"{seq} 期"}
            body = {**body, "values": {**values, "days": 3}}
            body["people"] = [{"name": "甲", "id_number": number}]
        assert post(client, url, body).status_code == 201

    def listing() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    add(1)
    one = listing()
    add(2)
    add(3)
    assert listing() == one  # regions, reports and people come with the page, not per record
    assert client.get(url).json()["count"] == 3
