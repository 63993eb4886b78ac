from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.conftest import YANHE
from xiezuo.audit.models import AuditEvent
from xiezuo.core.errors import UserError
from xiezuo.regions.models import Region
from xiezuo.regions.services import region_update


def test_region_edit_records_who_when_where_and_what(national_user: Any) -> None:
    region = Region.objects.get(code=YANHE)
    region_update(region=region, actor=national_user, is_deep_poverty=True)
    event = AuditEvent.objects.filter(object_type="regions.region", object_id=YANHE).get()
    assert event.action == "update"
    assert event.actor == national_user and event.actor_name == "national"
    assert event.before == {"is_deep_poverty": False}
    assert event.after == {"is_deep_poverty": True}
    assert event.at is not None and event.channel == "cli"


def test_bad_region_edit_changes_nothing(national_user: Any) -> None:
    region = Region.objects.get(code="320506")  # 吴中区: not a poverty county
    with pytest.raises(UserError, match="只有国家级贫困县才有摘帽年份"):
        region_update(region=region, actor=national_user, poverty_exit_year=2018)
    assert Region.objects.get(code="320506").poverty_exit_year is None
    assert not AuditEvent.objects.filter(object_id="320506").exists()


def test_admin_edit_goes_on_the_trail_with_the_address(national_user: Any) -> None:
    client = Client(REMOTE_ADDR="127.0.0.9")
    client.force_login(national_user)
    region = Region.objects.get(code=YANHE)
    response = client.post(
        f"/admin/regions/region/{YANHE}/change/",
        {
            "name": region.name,
            "is_poverty_county": "on",
            "poverty_exit_year": "2019",
            "is_poor_village": "",
            "is_deep_poverty": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    event = AuditEvent.objects.filter(object_id=YANHE, action="update").get()
    assert event.ip == "127.0.0.9" and event.channel == "admin"
    assert event.after == {"poverty_exit_year": 2019, "is_deep_poverty": True}


def test_audit_rows_cannot_be_changed_or_deleted(national_user: Any) -> None:
    region_update(
        region=Region.objects.get(code=YANHE),
        actor=national_user,
        is_poor_village=False,
        is_deep_poverty=True,
    )
    event = AuditEvent.objects.latest("at")
    event.summary = "tampered"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(summary="x")


def test_admin_trail_is_searchable_and_read_only(national_user: Any) -> None:
    region_update(region=Region.objects.get(code=YANHE), actor=national_user, is_deep_poverty=True)
    event = AuditEvent.objects.filter(object_id=YANHE).get()
    client = Client()
    client.force_login(national_user)
    found = client.get("/admin/audit/auditevent/", {"q": YANHE})
    assert found.status_code == 200 and "沿河" in found.content.decode()
    # The object's type by its model's name, not the stored "regions.region".
    listing = found.content.decode().split('id="result_list"')[1].split("</table>")[0]
    assert "regions.region" not in listing and str(Region._meta.verbose_name) in listing
    assert client.get(f"/admin/audit/auditevent/{event.pk}/delete/").status_code == 403
    assert (
        client.post(f"/admin/audit/auditevent/{event.pk}/change/", {"summary": "x"}).status_code
        == 403
    )
    assert client.get("/admin/audit/auditevent/add/").status_code == 403
    assert AuditEvent.objects.get(pk=event.pk).summary == ""
