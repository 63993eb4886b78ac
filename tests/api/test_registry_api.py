from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.conftest import BIJIANG, YANHE
from tests.factories import UserFactory
from xiezuo.audit.models import AuditEvent
from xiezuo.core import crypto
from xiezuo.imports import services as imports
from xiezuo.imports.models import ImportBatch
from xiezuo.registry import generator
from xiezuo.registry.models import Household, HouseholdIncome, Member, StatusChange
from xiezuo.registry.selectors import exit_eligibility
from xiezuo.registry.services import poverty_lines_load
from xiezuo.registry.vocabulary import TEMPLATE_COLUMNS

HOUSEHOLDS = "/api/registry/households"


@pytest.fixture(autouse=True)
def tasks_inline(settings: Any) -> None:
    """Background tasks run inline, so an upload is checked before the request returns."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def rows(regions: None) -> list[dict[str, str]]:
    """About 60 people of 沿河 in the template layout, deterministic, with the poverty lines."""
    poverty_lines_load(actor=None)
    counties = [c for c in generator.target_counties(["52"]) if c.code == YANHE]
    return list(
        generator.generate_rows(
            people=60, counties=counties, seed=7, today=datetime.date(2020, 12, 31)
        )
    )


def _csv(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=TEMPLATE_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


@pytest.fixture
def loaded(rows: list[dict[str, str]]) -> None:
    batch = imports.batch_create(
        kind="registry", filename="registry.csv", source=io.BytesIO(_csv(rows)), actor=None
    )
    imports.batch_commit(imports.batch_parse(batch, user=None), actor=None)
    assert Household.objects.exists()


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _yanhe(username: str, roles: list[str]) -> Any:
    return UserFactory(username=username, side="west", region_id=YANHE, roles=roles)


def _household(status: str) -> Household:
    found = Household.objects.filter(status=status).order_by("number").first()
    assert found is not None, f"the generated data has no household with status {status}"
    return found


# --- registry reads ----------------------------------------------------------------------------


def test_list_pages_filters_and_is_scoped(
    loaded: None, county_user: Any, other_county_user: Any
) -> None:
    client = _client(county_user)
    total = Household.objects.count()
    data = client.get(HOUSEHOLDS, {"page_size": 7}).json()
    assert data["count"] == total and data["page"] == 1 and len(data["results"]) == 7
    numbers = list(Household.objects.order_by("number").values_list("number", flat=True))
    assert [h["number"] for h in data["results"]] == numbers[:7]
    second = client.get(HOUSEHOLDS, {"page_size": 7, "page": 2}).json()
    assert [h["number"] for h in second["results"]] == numbers[7:14]

    first = data["results"][0]
    household = Household.objects.select_related("village").get(number=first["number"])
    assert first["village_code"] == household.village_id
    assert first["village_name"] == household.village.name
    assert first["household_type"]["code"] == household.household_type
    assert first["household_type"]["label"] == household.get_household_type_display()
    assert first["status"]["code"] == household.status
    assert first["size"] == household.size

    exited = client.get(HOUSEHOLDS, {"status": "exited", "page_size": 200}).json()
    assert exited["count"] == Household.objects.filter(status="exited").count() > 0
    assert {h["status"]["code"] for h in exited["results"]} == {"exited"}
    cause = household.main_cause
    by_cause = client.get(HOUSEHOLDS, {"main_cause": cause}).json()
    assert by_cause["count"] == Household.objects.filter(main_cause=cause).count()
    village = client.get(HOUSEHOLDS, {"region": household.village_id}).json()
    assert village["count"] == Household.objects.filter(village=household.village).count()
    assert client.get(HOUSEHOLDS, {"region": BIJIANG}).json()["count"] == 0

    too_big = client.get(HOUSEHOLDS, {"page_size": 201})
    assert too_big.status_code == 422 and too_big.json()["problems"]
    assert client.get(HOUSEHOLDS, {"status": "nonsense"}).status_code == 422

    other = _client(other_county_user)
    assert other.get(HOUSEHOLDS).json() == {"count": 0, "page": 1, "results": []}
    hidden = other.get(f"{HOUSEHOLDS}/{household.number}")
    assert hidden.status_code == 404 and hidden.json()["detail"]
    assert Client().get(HOUSEHOLDS).status_code == 401


def test_list_query_count_does_not_grow_with_the_page(loaded: None, county_user: Any) -> None:
    client = _client(county_user)
    counts = []
    for size in (2, Household.objects.count()):
        with CaptureQueriesContext(connection) as queries:
            assert len(client.get(HOUSEHOLDS, {"page_size": size}).json()["results"]) == size
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 6


def test_detail_has_members_incomes_history_and_no_full_id(
    loaded: None, county_user: Any, rows: list[dict[str, str]]
) -> None:
    household = _household("exited")
    # The import keeps the file's income record (收入年度 2014 or later); 2013 is another year.
    HouseholdIncome.objects.create(
        household=household, year=2013, wages=Decimal(9000), transfers=Decimal(1000), persons=4
    )
    response = _client(county_user).get(f"{HOUSEHOLDS}/{household.number}")
    assert response.status_code == 200
    body = response.content.decode()
    data = response.json()
    members = list(Member.objects.filter(household=household))
    assert sorted(m["id"] for m in data["members"]) == sorted(m.pk for m in members)
    for member in members:
        full = crypto.decrypt(member.id_enc)
        assert full not in body
        assert member.id_masked in body
    assert "id_enc" not in body and "id_hash" not in body
    assert all(full["证件号码"] not in body for full in rows)
    assert data["history"][-1]["to_status"]["code"] == "exited"
    check = exit_eligibility(household, household.exit_year or 0)
    assert data["exit_check"]["year"] == household.exit_year
    assert data["exit_check"]["eligible"] == check.eligible
    assert data["exit_check"]["reasons"] == check.reasons
    incomes = [(i["year"], i["net_income"], i["per_capita_net"]) for i in data["incomes"]]
    assert incomes[0] == (2013, "10000.00", "2500.00")
    assert incomes == [
        (i.year, f"{i.net_income:.2f}", f"{i.per_capita_net:.2f}")
        for i in HouseholdIncome.objects.filter(household=household).order_by("year")
    ]
    assert len(incomes) == 2  # and the one the import wrote


def test_exit_check_lists_exited_households_failing_the_rules(
    loaded: None, county_user: Any
) -> None:
    household = _household("exited")
    Household.objects.filter(pk=household.pk).update(per_capita_income=0)
    client = _client(county_user)
    data = client.get("/api/registry/exit-check").json()
    found = {f["number"]: f for f in data["results"]}
    assert household.number in found
    assert any("人均纯收入" in r for r in found[household.number]["reasons"])
    assert data["count"] >= 1 and all(f["reasons"] for f in data["results"])
    other_year = 2000 if household.exit_year != 2000 else 2001
    same_year = client.get("/api/registry/exit-check", {"year": household.exit_year}).json()
    assert household.number in {f["number"] for f in same_year["results"]}
    elsewhere = client.get("/api/registry/exit-check", {"year": other_year}).json()
    assert household.number not in {f["number"] for f in elsewhere["results"]}


def test_statistics_match_the_data(loaded: None, county_user: Any, other_county_user: Any) -> None:
    data = _client(county_user).get("/api/registry/statistics").json()
    assert data["households"] == Household.objects.count()
    assert data["people"] == Member.objects.count()
    assert data["by_status"]["exited"] == Household.objects.filter(status="exited").count()
    assert sum(data["by_cause"].values()) == Household.objects.count()
    exits = Household.objects.filter(exit_year__isnull=False)
    assert sum(data["exits"].values()) == exits.count()
    village = Household.objects.order_by("number").first().village_id  # type: ignore[union-attr]
    narrowed = _client(county_user).get("/api/registry/statistics", {"region": village}).json()
    assert narrowed["region"] == village
    assert narrowed["households"] == Household.objects.filter(village_id=village).count()
    assert _client(other_county_user).get("/api/registry/statistics").json()["households"] == 0
    bad = _client(county_user).get("/api/registry/statistics", {"region": "52x"})
    assert bad.status_code == 422


# --- registry writes ---------------------------------------------------------------------------


def test_status_change_allowed_forbidden_and_bad_transition(loaded: None, county_user: Any) -> None:
    household = _household("exited")
    url = f"{HOUSEHOLDS}/{household.number}/status"

    def post(client: Client, body: dict[str, Any]) -> Any:
        return client.post(url, body, content_type="application/json")

    forbidden = post(_client(_yanhe("yanhe-viewer", ["viewer"])), {"status": "returned"})
    assert forbidden.status_code == 403 and "角色" in forbidden.json()["detail"]
    outsider = UserFactory(username="bj-rep", side="west", region_id=BIJIANG, roles=["reporter"])
    assert post(_client(outsider), {"status": "returned"}).status_code == 404
    household.refresh_from_db()
    assert household.status == "exited"
    assert not StatusChange.objects.filter(household=household, to_status="returned").exists()

    client = _client(county_user)
    returned = post(client, {"status": "returned", "reason": "因病返贫"})
    assert returned.status_code == 200, returned.json()
    assert returned.json()["status"]["code"] == "returned"
    assert returned.json()["history"][-1]["reason"] == "因病返贫"
    household.refresh_from_db()
    assert household.status == "returned"
    change = StatusChange.objects.filter(household=household).latest("at", "id")
    assert (change.to_status, change.reason, change.actor_id) == (
        "returned",
        "因病返贫",
        county_user.pk,
    )

    no_year = post(client, {"status": "exited"})
    assert no_year.status_code == 400 and "脱贫年份" in no_year.json()["detail"]
    again = post(client, {"status": "exited", "year": 2021, "reason": "再次脱贫"})
    assert again.status_code == 200 and again.json()["exit_year"] == 2021
    assert again.json()["exit_check"]["year"] == 2021

    bad = post(client, {"status": "new"})
    assert bad.status_code == 400
    assert "状态不能从“已脱贫”改为“新识别”" in bad.json()["detail"] and bad.json()["problems"]
    household.refresh_from_db()
    assert (household.status, household.exit_year) == ("exited", 2021)
    assert post(client, {"status": "gone"}).status_code == 422


def test_reveal_id_for_a_reviewer_is_audited_and_refused_to_a_viewer(
    loaded: None, other_county_user: Any
) -> None:
    member = Member.objects.order_by("pk").first()
    assert member is not None
    url = f"/api/registry/members/{member.pk}/reveal-id"
    views = AuditEvent.objects.filter(action="view", object_id=str(member.pk))

    refused = _client(_yanhe("yanhe-viewer", ["viewer"])).post(url)
    assert refused.status_code == 403 and refused.json()["detail"]
    assert not views.exists()

    reviewer = _yanhe("yanhe-reviewer", ["viewer", "reviewer"])
    shown = _client(reviewer).post(url)
    assert shown.status_code == 200
    assert shown.json() == {"id_number": crypto.decrypt(member.id_enc)}
    assert "no-store" in shown["Cache-Control"]
    event = views.get()
    assert event.actor_id == reviewer.pk

    outsider = UserFactory(username="bj-rev", side="west", region_id=BIJIANG, roles=["reviewer"])
    assert _client(outsider).post(url).status_code == 404
    assert views.count() == 1
    assert _client(reviewer).get(url).status_code == 405


# --- imports -----------------------------------------------------------------------------------


def _upload(client: Client, content: bytes, name: str = "registry.csv") -> Any:
    upload = io.BytesIO(content)
    upload.name = name
    return client.post("/api/imports", {"kind": "registry", "file": upload})


def test_upload_parse_commit_end_to_end(
    rows: list[dict[str, str]], county_user: Any, other_county_user: Any, national_user: Any
) -> None:
    client = _client(county_user)
    uploaded = _upload(client, _csv(rows))
    assert uploaded.status_code == 202, uploaded.json()
    batch = uploaded.json()
    households = len({r["户编号"] for r in rows})
    assert batch["state"]["code"] == "parsed" and batch["created_by"] == "yanhe"
    assert batch["rows_read"] == len(rows) and batch["rows_with_errors"] == 0
    assert batch["summary"]["households"] == households and batch["issues"] == []
    assert not Household.objects.exists()  # checked, not yet written

    url = f"/api/imports/{batch['id']}"
    assert client.get(url).json()["state"]["code"] == "parsed"
    assert _client(other_county_user).get(url).status_code == 404
    assert _client(national_user).get(url).status_code == 200
    assert _client(national_user).post(f"{url}/commit").status_code == 403
    assert not Household.objects.exists()

    committed = client.post(f"{url}/commit")
    assert committed.status_code == 202, committed.json()
    assert committed.json()["state"]["code"] == "committed"
    assert Household.objects.count() == households and Member.objects.count() == len(rows)
    assert ImportBatch.objects.get(pk=batch["id"]).state == "committed"
    again = client.post(f"{url}/commit")
    assert again.status_code == 400 and "不能提交" in again.json()["detail"]
    assert Household.objects.count() == households

    listed = client.get(HOUSEHOLDS).json()
    assert listed["count"] == households


def test_upload_is_for_reporters_and_known_kinds(rows: list[dict[str, str]], regions: None) -> None:
    viewer = _client(_yanhe("yanhe-viewer", ["viewer"]))
    refused = _upload(viewer, _csv(rows))
    assert refused.status_code == 403 and refused.json()["detail"]
    assert not ImportBatch.objects.exists()
    reporter = _client(_yanhe("yanhe-rep", ["reporter"]))
    upload = io.BytesIO(_csv(rows))
    upload.name = "x.csv"
    unknown = reporter.post("/api/imports", {"kind": "nonsense", "file": upload})
    assert unknown.status_code == 400 and "nonsense" in unknown.json()["detail"]
    assert reporter.post("/api/imports", {"kind": "registry"}).status_code == 422


def test_bad_file_shows_issues_with_row_and_column(
    rows: list[dict[str, str]], county_user: Any
) -> None:
    rows[1]["与户主关系"] = "邻居"
    client = _client(county_user)
    batch = _upload(client, _csv(rows)).json()
    assert batch["state"]["code"] == "parsed" and batch["rows_with_errors"] >= 1
    assert batch["issue_count"] == len(batch["issues"]) >= 1
    issue = next(i for i in batch["issues"] if "邻居" in i["message"])
    assert (issue["row"], issue["column"]) == (3, "与户主关系")
    refused = client.post(f"/api/imports/{batch['id']}/commit")
    assert refused.status_code == 400 and "不能提交" in refused.json()["detail"]
    assert not Household.objects.exists()

    # A file that is no workbook is refused at the upload, with its own words and no row.
    broken = _upload(client, b"\x00\x01 not a table", name="broken.xlsx")
    assert broken.status_code == 400
    assert "不是 Excel 工作簿" in broken.json()["detail"] and "行" not in broken.json()["detail"]
    assert ImportBatch.objects.filter(filename="broken.xlsx").count() == 0
