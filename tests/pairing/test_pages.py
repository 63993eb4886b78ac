"""Pairing pages as users use them: list and network, registering, one pairing with its
agreements and tasks, the owner's home-page warnings, export and scope."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from tests.conftest import SUZHOU, TONGREN, WUZHONG, YANHE
from xiezuo.pairing.choices import Indicator
from xiezuo.pairing.models import Agreement, Pairing, Target, Task

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_pages_need_login(pairs_2016: None) -> None:
    for url in ("/pairings/", "/pairings/network.json", "/pairings/1/", "/pairings/export.xlsx"):
        response = Client().get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_list_network_and_export_are_scoped(
    wuzhong_yanhe: Pairing, wuzhong_user: Any, national_user: Any
) -> None:
    page = client_for(wuzhong_user).get("/pairings/").content.decode()
    assert "吴中区" in page and "沿河土家族自治县" in page
    assert "杭州市" not in page  # 杭州 → 黔东南 is none of 吴中's business
    graph = client_for(wuzhong_user).get("/pairings/network.json").json()
    assert {n["id"] for n in graph["nodes"]} == {WUZHONG, YANHE}
    assert graph["links"] == [
        {"source": WUZHONG, "target": YANHE, "id": wuzhong_yanhe.pk, "level": 3}
    ]
    national = client_for(national_user).get("/pairings/network.json").json()
    assert len(national["links"]) == 33 and "江苏省" in national["categories"]
    response = client_for(wuzhong_user).get("/pairings/export.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][0] == WUZHONG and rows[1][3] == YANHE


def test_filters(pairs_2016: None, national_user: Any) -> None:
    client = client_for(national_user)
    page = client.get("/pairings/?level=1").content.decode()
    assert "四川省" in page and "铜仁市" not in page
    page = client.get(f"/pairings/?region={TONGREN}").content.decode()
    assert "苏州市" in page and "四川省" not in page


def test_register_a_pairing_from_the_page_with_field_errors(
    pairs_2016: None, suzhou_user: Any, wuzhong_user: Any
) -> None:
    client = client_for(suzhou_user)
    bad = client.post(
        "/pairings/",
        {"east_code": "440103", "west_code": YANHE, "kind": "east_west", "start_year": "2017"},
    )
    assert bad.status_code == 200
    assert "结对的任何一方都不在您所在地区" in bad.content.decode()
    response = client.post(
        "/pairings/",
        {"east_code": WUZHONG, "west_code": YANHE, "kind": "east_west", "start_year": "2017"},
    )
    made = Pairing.objects.get(east_region=WUZHONG, west_region=YANHE)
    assert response.status_code == 302 and response["Location"] == f"/pairings/{made.pk}/"
    forbidden = client_for(wuzhong_user).post(
        "/pairings/",
        {"east_code": WUZHONG, "west_code": "520602", "kind": "east_west", "start_year": "2017"},
    )
    assert forbidden.status_code == 403
    assert "只有协作办的审核人或管理员可以" in forbidden.content.decode()
    assert not Pairing.objects.filter(east_region=WUZHONG, west_region="520602").exists()


def test_detail_agreement_target_schedule_and_task_status(
    pairs_2016: None, suzhou_user: Any, other_county_user: Any
) -> None:
    pairing = Pairing.objects.get(east_region=SUZHOU, west_region=TONGREN)
    client = client_for(suzhou_user)
    url = f"/pairings/{pairing.pk}/"
    assert client.get(url).status_code == 200
    client.post(url, {"form": "agreement", "year": "2026"})
    agreement = Agreement.objects.get(pairing=pairing, year=2026)
    bad = client.post(
        url,
        {
            "form": "target",
            "agreement": agreement.pk,
            "indicator": "projects",
            "value": "2.5",
            "deadline": "2026-12-31",
            "responsible_unit": "苏州市协作办",
        },
    )
    assert "整数" in bad.content.decode()
    client.post(
        url,
        {
            "form": "target",
            "agreement": agreement.pk,
            "indicator": Indicator.PROJECTS,
            "value": "12",
            "deadline": "2026-12-31",
            "responsible_unit": "苏州市协作办",
            "owner": "suzhou",
        },
    )
    target = Target.objects.get(agreement=agreement)
    client.post(url, {"form": "schedule", "target": target.pk})
    assert Task.objects.filter(target=target).count() == 5
    page = client.get(url).content.decode()
    assert "完成 50%（6 个）" in page and "尚无记录数据" in page
    task = Task.objects.filter(target=target).order_by("due").first()
    assert task is not None
    fragment = client.post(
        f"/pairings/tasks/{task.pk}/status/", {"status": "done"}, HTTP_HX_REQUEST="true"
    )
    assert fragment.status_code == 200 and f'id="task-{task.pk}"' in fragment.content.decode()
    task.refresh_from_db()
    assert task.status == "done"
    # 碧江 sees 苏州 → 铜仁? It is not in its subtree and 碧江 has no pairing: not found.
    assert client_for(other_county_user).get(url).status_code == 404
    assert (
        client_for(other_county_user)
        .post(f"/pairings/tasks/{task.pk}/status/", {"status": "todo"})
        .status_code
        == 404
    )


def test_home_page_shows_the_owners_overdue_tasks(pairs_2016: None, suzhou_user: Any) -> None:
    from xiezuo.pairing import services

    pairing = Pairing.objects.get(east_region=SUZHOU, west_region=TONGREN)
    this_year = datetime.date.today().year
    agreement = services.agreement_create(actor=suzhou_user, pairing=pairing, year=this_year)
    target = services.target_set(
        actor=suzhou_user,
        agreement=agreement,
        indicator=Indicator.PLACEMENTS,
        value="100",
        deadline=datetime.date(this_year, 12, 31),
        responsible_unit="苏州市人社局",
        owner=suzhou_user,
    )
    services.task_create(
        actor=suzhou_user,
        target=target,
        title="落实岗位",
        due=datetime.date.today() - datetime.timedelta(days=3),
        owner=suzhou_user,
    )
    page = client_for(suzhou_user).get("/").content.decode()
    assert 'data-testid="todo-overdue"' in page and "落实岗位" in page


def test_alerts_show_only_pairings_the_owner_belongs_to(pairs_2016: None, suzhou_user: Any) -> None:
    from tests.factories import UserFactory
    from xiezuo.pairing import services

    pairing = Pairing.objects.get(east_region=SUZHOU, west_region=TONGREN)
    this_year = datetime.date.today().year
    agreement = services.agreement_create(actor=suzhou_user, pairing=pairing, year=this_year)
    target = services.target_set(
        actor=suzhou_user,
        agreement=agreement,
        indicator=Indicator.PLACEMENTS,
        value="100",
        deadline=datetime.date(this_year, 12, 31),
        responsible_unit="苏州市人社局",
    )
    bijiang = UserFactory(side="west", region_id="520602", roles=["reporter"])
    # Owners are checked when tasks are made; a task left with an owner who has moved to 碧江
    # (inside 铜仁, not a side of 苏州 → 铜仁) must not leak the pairing's name to them.
    Task.objects.create(
        target=target,
        title="落实岗位",
        due=datetime.date.today() - datetime.timedelta(days=3),
        owner=bijiang,
    )
    page = client_for(bijiang).get("/").content.decode()
    assert "落实岗位" not in page


def test_pairing_list_queries_do_not_grow_with_rows(pairs_2016: None, national_user: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(national_user)
    client.get("/pairings/?level=2")  # warm the session (and its to-do count)
    with CaptureQueriesContext(connection) as few:
        client.get("/pairings/?level=1")
    with CaptureQueriesContext(connection) as many:
        client.get("/pairings/")
    assert len(many) == len(few)


def test_a_request_works_out_the_users_partners_once(
    wuzhong_yanhe: Pairing, wuzhong_user: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(wuzhong_user)
    for url in ("/", "/pairings/", f"/pairings/{wuzhong_yanhe.pk}/", "/registry/"):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200, url
        partner_lookups = [
            q for q in queries if "pairing_pairing" in q["sql"] and '"end_year" >=' in q["sql"]
        ]
        assert len(partner_lookups) == 1, (url, len(partner_lookups))


def test_admin_keeps_organisations_and_shows_pairings_read_only(
    wuzhong_yanhe: Pairing, national_user: Any, wuzhong_user: Any
) -> None:
    from xiezuo.audit.models import AuditEvent
    from xiezuo.pairing.models import Organisation

    admin = client_for(national_user)
    assert admin.get("/admin/pairing/pairing/").status_code == 200
    assert admin.get(f"/admin/pairing/pairing/{wuzhong_yanhe.pk}/change/").status_code == 200
    response = admin.post(
        f"/admin/pairing/pairing/{wuzhong_yanhe.pk}/change/", {"start_year": "1999"}
    )
    assert response.status_code == 403
    added = admin.post(
        "/admin/pairing/organisation/add/", {"name": "国家开发银行", "kind": "central"}
    )
    assert added.status_code == 302
    org = Organisation.objects.get(name="国家开发银行")
    assert AuditEvent.objects.filter(
        object_type="pairing.organisation", object_id=str(org.pk)
    ).exists()
    assert client_for(wuzhong_user).get("/admin/pairing/pairing/").status_code == 302
    assert admin.get("/admin/cooperation/report/").status_code == 200
