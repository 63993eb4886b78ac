"""The rest of issue 11: each server error the attack found is now a clear 4xx; the security
headers; uploads refused by their declared size; bearer tokens that write and are withdrawn;
lockout by name and address; grants and region edits bounded by the administrator's subtree."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client

from tests.conftest import SUZHOU, TONGREN, YANHE
from tests.factories import PASSWORD, UserFactory
from xiezuo.accounts import services as accounts
from xiezuo.accounts.models import ApiToken, User
from xiezuo.audit.models import AuditEvent
from xiezuo.core.errors import Forbidden
from xiezuo.pairing import services as pairing
from xiezuo.pairing.models import Pairing, Proposal, Target
from xiezuo.regions.models import Region

pytestmark = pytest.mark.django_db

SUPERSCRIPT_TWO = "²"  # passes str.isdigit(), is no number


def login(user: Any, **extra: Any) -> Client:
    client = Client(**extra)
    client.force_login(user)
    return client


@pytest.fixture
def suzhou_tongren(regions: None) -> Pairing:
    pairing.pairs_2016_load(actor=None)
    return Pairing.objects.get(east_region=SUZHOU, west_region=TONGREN)


@pytest.fixture
def suzhou(regions: None) -> Any:
    return UserFactory(
        username="sz", side="east", region_id=SUZHOU, roles=["viewer", "reporter", "reviewer"]
    )


# ------------------------------------------------------------------ the 500s, now 4xx


@pytest.mark.parametrize(
    "path",
    [
        "/registry/exit-check/",
        "/registry/",
        "/registry/export.xlsx",
        "/pairings/targets.xlsx",
        "/cooperation/fund/",
        "/cooperation/fund/export.xlsx",
        "/analysis/targeting/",
    ],
)
@pytest.mark.parametrize("name", ["year", "pairing"])
def test_superscript_digits_in_a_query_are_a_clear_400(
    path: str, name: str, suzhou: Any, suzhou_tongren: Pairing
) -> None:
    response = login(suzhou).get(path, {name: SUPERSCRIPT_TWO})
    # A page that reads the parameter refuses it by name; one that does not ignores it.
    reads = (name == "year" and path not in ("/registry/", "/registry/export.xlsx")) or (
        name == "pairing" and path.startswith(("/cooperation/", "/analysis/"))
    )
    assert response.status_code == (400 if reads else 200), response.status_code
    if reads:
        body = response.content.decode()
        assert "年份“²”不可用" in body or "编号“²”不可用" in body


@pytest.mark.parametrize(
    "path",
    [
        "/api/pairings",
        "/api/records/fund",
        "/api/reports",
        "/api/reports/review",
        "/api/registry/households",
    ],
)
def test_a_huge_page_number_is_a_json_4xx(path: str, suzhou: Any, suzhou_tongren: Pairing) -> None:
    response = login(suzhou).get(path, {"page": "99999999999999999999"})
    assert 400 <= response.status_code < 500, response.status_code
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"]


def test_a_huge_pairing_id_is_a_json_4xx(suzhou: Any, suzhou_tongren: Pairing) -> None:
    response = login(suzhou).get("/api/records/fund", {"pairing": "99999999999999999999"})
    assert 400 <= response.status_code < 500, response.status_code
    assert response.json()["detail"]


def test_pairing_page_actions_refuse_with_a_message_and_change_nothing(
    suzhou: Any, suzhou_tongren: Pairing
) -> None:
    before = Pairing.objects.filter(pk=suzhou_tongren.pk).values().get()
    planner = UserFactory(
        username="sz-admin", side="east", region_id=SUZHOU, roles=["viewer", "reviewer", "admin"]
    )
    client = login(planner)
    url = f"/pairings/{suzhou_tongren.pk}/"
    # An end before the start is refused by the service, in words, not with a 500.
    ended = client.post(url, {"form": "end", "end_year": "2000"}, follow=True)
    assert ended.status_code < 500
    assert "结束" in ended.content.decode()
    # A target that does not exist.
    scheduled = client.post(url, {"form": "schedule", "target": "999999"}, follow=True)
    assert scheduled.status_code in (200, 404)
    assert not Target.objects.exists()
    # A user who may not end it: 403, not 500.
    viewer = UserFactory(username="sz-viewer", side="east", region_id=SUZHOU, roles=["viewer"])
    refused = login(viewer).post(url, {"form": "end", "end_year": "2026"})
    assert refused.status_code in (302, 403), refused.status_code
    assert Pairing.objects.filter(pk=suzhou_tongren.pk).values().get() == before


def test_an_infinite_need_in_the_optimizer_form_is_refused(regions: None) -> None:
    pairing.pairs_2016_load(actor=None)
    tongren = UserFactory(
        username="tr", side="west", region_id=TONGREN, roles=["viewer", "reporter", "reviewer"]
    )
    response = login(tongren).post(
        "/pairings/optimizer/",
        {
            "west_region": TONGREN,
            "year": "2020",
            "max_per_east": "3",
            "deep_weight": "1.5",
            "time_limit": "5",
            "needs": f"{YANHE},inf",
        },
    )
    assert response.status_code in (200, 400)
    assert "有限数" in response.content.decode()
    # The API reads JSON's Infinity as a float too: the service refuses it for every door.
    api = login(tongren).post(
        "/api/pairings/proposals",
        f'{{"west_region": "{TONGREN}", "needs": {{"{YANHE}": Infinity}}}}',
        content_type="application/json",
    )
    assert 400 <= api.status_code < 500, api.status_code
    assert not Proposal.objects.exists()


# ------------------------------------------------------------------------------ headers


def test_pages_and_api_answers_carry_the_security_headers(county_user: Any) -> None:
    client = login(county_user)
    for path in ("/", f"/regions/{YANHE}/", "/registry/", f"/api/regions/{YANHE}", "/api/me"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "no-store" in response["Cache-Control"], path
        assert "camera=()" in response["Permissions-Policy"], path
        csp = response["Content-Security-Policy"]
        directives = dict(
            (part.split()[0], part.split()[1:]) for part in csp.split(";") if part.strip()
        )
        scripts = directives.get("script-src", directives.get("default-src", []))
        assert "'self'" in scripts and "'unsafe-inline'" not in scripts, (path, csp)
    # Error answers too.
    missing = client.get("/api/regions/999999")
    assert missing.status_code == 404 and "no-store" in missing["Cache-Control"]


# ------------------------------------------------------------------------------ uploads


class Unreadable:
    """A request body that fails the test if anyone reads it."""

    def read(self, *args: Any) -> bytes:
        raise AssertionError("the body was read")

    readline = read


@pytest.mark.parametrize("path", ["/imports/", "/api/imports"])
def test_an_upload_over_the_limit_is_refused_before_its_body_is_read(
    path: str, county_user: Any
) -> None:
    from xiezuo.imports.models import ImportBatch
    from xiezuo.web.security import BODY_LIMIT

    client = login(county_user)
    response = client.generic(
        "POST",
        path,
        b"",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(BODY_LIMIT + 1),
        **{"wsgi.input": Unreadable()},
    )
    assert response.status_code == 413
    assert "MB" in response.content.decode() or "过大" in response.content.decode()
    assert not ImportBatch.objects.exists()


# --------------------------------------------------------------------------- API tokens


def test_a_bearer_token_writes_without_csrf_and_a_withdrawn_one_is_refused_and_audited(
    suzhou_tongren: Pairing, regions: None
) -> None:
    from xiezuo.cooperation.models import Fund

    reporter = UserFactory(username="sz-rep", side="east", region_id=SUZHOU, roles=["reporter"])
    token, key = accounts.api_token_create(user=reporter, name="脚本", actor=None)
    client = Client(enforce_csrf_checks=True)
    body = {
        "values": {
            "date": "2026-04-01",
            "kind": "财政援助资金",
            "source": "苏州市财政局",
            "recipient": YANHE,
            "amount": "10",
        },
        "pairing_id": suzhou_tongren.pk,
        "year": 2026,
    }
    auth = {"Authorization": f"Bearer {key}"}
    created = client.post("/api/records/fund", body, content_type="application/json", headers=auth)
    assert created.status_code in (200, 201), created.content
    assert Fund.objects.count() == 1

    # The same write from a browser session without its CSRF token is refused.
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(reporter)
    forged = browser.post("/api/records/fund", body, content_type="application/json")
    assert forged.status_code == 403 and Fund.objects.count() == 1

    accounts.api_token_revoke(token=token, actor=None)
    refused = client.post("/api/records/fund", body, content_type="application/json", headers=auth)
    assert refused.status_code == 401 and Fund.objects.count() == 1
    events = AuditEvent.objects.filter(action=AuditEvent.Action.REFUSED, object_id=str(token.pk))
    assert events.filter(summary__contains="revoked").exists()

    old, old_key = accounts.api_token_create(user=reporter, name="过期", actor=None)
    ApiToken.objects.filter(pk=old.pk).update(
        expires_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    )
    expired = client.get("/api/me", headers={"Authorization": f"Bearer {old_key}"})
    assert expired.status_code == 401
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.REFUSED, object_id=str(old.pk), summary__contains="expired"
    ).exists()


# ------------------------------------------------------------------------------- login


def _login(address: str, password: str) -> Any:
    return Client(REMOTE_ADDR=address).post("/login/", {"username": "yanhe", "password": password})


def test_lockout_is_by_name_and_address_and_an_admin_lifts_it(county_user: Any) -> None:
    from axes.models import AccessAttempt

    for _ in range(5):
        _login("10.0.0.1", "wrong")
    # Locked from that address, even with the right password.
    assert _login("10.0.0.1", PASSWORD).status_code != 302
    # Another address still gets in: nobody can lock a colleague out from their own desk.
    assert _login("10.0.0.2", PASSWORD).status_code == 302
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_FAILED).exists()

    admin = UserFactory(
        username="yanhe-admin",
        side="west",
        region_id=YANHE,
        roles=["viewer", "reporter", "admin"],
        is_staff=True,
    )
    attempts = AccessAttempt.objects.filter(username="yanhe")
    response = login(admin).post(
        "/admin/axes/accessattempt/",
        {"action": "unlock", "_selected_action": [str(a.pk) for a in attempts]},
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="yanhe").exists()
    assert _login("10.0.0.1", PASSWORD).status_code == 302


# ------------------------------------------------------------------------------- grants


@pytest.fixture
def suzhou_admin(regions: None) -> Any:
    return UserFactory(
        username="sz-admin",
        side="east",
        region_id=SUZHOU,
        roles=["viewer", "reporter", "admin"],
        is_staff=True,
    )


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"side": "national", "region": None, "roles": ["viewer"]}, "全国"),
        ({"side": "east", "region": "320000", "roles": ["viewer"]}, "区划"),  # above
        ({"side": "west", "region": YANHE, "roles": ["viewer"]}, "本方"),  # the partner
        ({"side": "east", "region": "320506", "roles": ["reviewer"]}, "角色"),  # not held
    ],
)
def test_a_regional_admin_grants_only_inside_its_subtree_side_and_roles(
    suzhou_admin: Any, fields: dict[str, Any], words: str
) -> None:
    region = Region.objects.get(code=fields["region"]) if fields["region"] else None
    with pytest.raises(Forbidden, match=words):
        accounts.user_create(
            username="granted",
            password="Granted-password-1",
            side=fields["side"],
            region=region,
            roles=fields["roles"],
            actor=suzhou_admin,
        )
    assert not User.objects.filter(username="granted").exists()
    # Nor by changing an account it manages.
    own = UserFactory(username="wz", side="east", region_id="320506", roles=["viewer"])
    with pytest.raises(Forbidden):
        accounts.user_update(
            user=own,
            actor=suzhou_admin,
            side=fields["side"],
            region=region,
            roles=fields["roles"],
        )
    own.refresh_from_db()
    assert (own.side, own.region_id, own.roles) == ("east", "320506", ["viewer"])


def test_the_admin_pages_refuse_the_same_grants(suzhou_admin: Any) -> None:
    client = login(suzhou_admin)
    own = UserFactory(username="wz", side="east", region_id="320506", roles=["viewer"])
    partner = UserFactory(username="yh", side="west", region_id=YANHE, roles=["viewer"])
    # The partner's user is not even there to change.
    assert client.get(f"/admin/accounts/user/{partner.pk}/change/").status_code in (302, 404)
    form = {
        "username": "wz",
        "side": "national",
        "region": "",
        "roles": ["viewer", "reviewer"],
        "is_active": "on",
    }
    client.post(f"/admin/accounts/user/{own.pk}/change/", form)
    own.refresh_from_db()
    assert (own.side, own.roles) == ("east", ["viewer"])
    client.post(
        "/admin/accounts/user/add/",
        {
            "username": "new-national",
            "password1": "Granted-password-1",
            "password2": "Granted-password-1",
            "side": "national",
            "region": "",
            "roles": ["admin"],
        },
    )
    assert not User.objects.filter(username="new-national").exists()


def test_a_region_admin_cannot_edit_regions_outside_its_subtree(suzhou_admin: Any) -> None:
    from xiezuo.regions import services as regions

    client = login(suzhou_admin)
    for code in ("520000", YANHE, "320000"):  # another province, the partner, above
        region = Region.objects.get(code=code)
        with pytest.raises(Forbidden, match="只能修改本地区"):
            regions.region_update(region=region, actor=suzhou_admin, name="改名")
        client.post(f"/admin/regions/region/{code}/change/", {"name": "改名"})
        assert Region.objects.get(code=code).name == region.name
    # Inside its own subtree it may change a name, but not the national flags.
    own = Region.objects.get(code="320506")
    with pytest.raises(Forbidden, match="全国管理员"):
        regions.region_update(region=own, actor=suzhou_admin, is_deep_poverty=True)
    regions.region_update(region=own, actor=suzhou_admin, name="吴中区（测试）")
    assert Region.objects.get(code="320506").name == "吴中区（测试）"


def test_full_width_digits_are_the_same_number(suzhou: Any, suzhou_tongren: Pairing) -> None:
    # What a Chinese input method types: ２０２６ is 2026, not an error and not ignored.
    page = login(suzhou).get("/cooperation/fund/", {"year": "２０２６"})
    assert page.status_code == 200 and page.context["filters"]["year"] == "２０２６"
    assert all(r["record"].report.year == 2026 for r in page.context["rows"])
    assert login(suzhou).get("/cooperation/fund/", {"year": "２０２"}).status_code == 400
