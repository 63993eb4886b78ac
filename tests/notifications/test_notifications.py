"""Notifications: who is told of each event (from the region scope, never beyond it), the
optional e-mail, the page, the bell and the API — each user reads only their own."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from tests.conftest import SUZHOU, TONGREN, YANHE
from tests.cooperation.conftest import FUND
from tests.factories import UserFactory
from xiezuo.cooperation import services
from xiezuo.imports import services as imports
from xiezuo.notifications.models import Kind, Notification
from xiezuo.pairing import services as pairing_services
from xiezuo.pairing.models import Pairing
from xiezuo.regions.models import Region

pytestmark = pytest.mark.django_db


def _kinds(user: Any) -> list[str]:
    return list(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def _report(actor: Any, pairing: Pairing, reporter: str = SUZHOU, raw: Any = None) -> Any:
    return services.record_create(
        actor=actor,
        kind="fund",
        pairing=pairing,
        reporter=Region.objects.get(code=reporter),
        year=2026,
        raw=raw or FUND,
    ).report


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_report_s_way_tells_its_reviewers_and_its_unit_and_no_one_else(
    suzhou_tongren: Pairing, suzhou_reporter: Any, jiangsu_reviewer: Any
) -> None:
    colleague = UserFactory(username="sz-view", side="east", region_id=SUZHOU, roles=["viewer"])
    wuzhong = UserFactory(username="wz", side="east", region_id="320506", roles=["reporter"])
    zhejiang = UserFactory(username="zj-rev", side="east", region_id="330000", roles=["reviewer"])
    jiangsu_viewer = UserFactory(username="js-v", side="east", region_id="320000", roles=["viewer"])
    national = UserFactory(username="nat", side="national", roles=["reviewer"])
    report = _report(suzhou_reporter, suzhou_tongren)

    services.report_submit(actor=suzhou_reporter, report=report)
    # The office one level up reviews: only its reviewers are told; never the submitter, a
    # viewer, another province, or the national office (a prefecture's report is the
    # province's business).
    assert _kinds(jiangsu_reviewer) == [Kind.REPORT_SUBMITTED]
    for user in (suzhou_reporter, jiangsu_viewer, zhejiang, national, wuzhong):
        assert _kinds(user) == []
    told = Notification.objects.get(recipient=jiangsu_reviewer)
    assert told.link == f"/cooperation/reports/{report.pk}/"
    assert "苏州市 提交了 2026 年报送" in told.text

    services.report_review(actor=jiangsu_reviewer, report=report, approve=False, comment="凭证不全")
    # The reporting unit's own users are told, with the reason; not its county below, not the
    # reviewer who did it.
    for user in (suzhou_reporter, colleague):
        n = Notification.objects.get(recipient=user)
        assert n.kind == Kind.REPORT_RETURNED and "凭证不全" in n.text
    assert _kinds(wuzhong) == [] and _kinds(jiangsu_reviewer) == [Kind.REPORT_SUBMITTED]
    with translation.override("en"):
        english = Notification.objects.get(recipient=suzhou_reporter).text
    assert english.startswith("The 2026 report (苏州市 → 铜仁市) was returned: 凭证不全")

    services.report_submit(actor=suzhou_reporter, report=report)
    services.report_review(actor=jiangsu_reviewer, report=report, approve=True)
    services.report_unlock(actor=jiangsu_reviewer, report=report, reason="金额有误")
    assert _kinds(suzhou_reporter) == [
        Kind.REPORT_UNLOCKED,
        Kind.REPORT_APPROVED,
        Kind.REPORT_RETURNED,
    ]
    assert "金额有误" in Notification.objects.filter(recipient=colleague).first().text  # type: ignore[union-attr]


def test_a_county_is_told_of_its_own_report_under_its_prefectures_pairing_and_others_not(
    suzhou_tongren: Pairing, regions: None
) -> None:
    """沿河 may report under its prefecture's pairing 苏州 → 铜仁 and opens its own reports there
    (not the pairing's others): its users are told when one is returned; 碧江, another county
    under the same pairing, is told nothing of it."""
    yanhe = UserFactory(username="yh-rep", side="west", region_id=YANHE, roles=["reporter"])
    tongren = UserFactory(username="tr-rev", side="west", region_id=TONGREN, roles=["reviewer"])
    bijiang = UserFactory(username="bj-rep", side="west", region_id="520602", roles=["reporter"])
    report = _report(yanhe, suzhou_tongren, reporter=YANHE, raw={**FUND, "source": "沿河县财政局"})
    services.report_submit(actor=yanhe, report=report)
    assert _kinds(tongren) == [Kind.REPORT_SUBMITTED]  # 铜仁 sees its own pairing's reports
    services.report_review(actor=tongren, report=report, approve=False, comment="缺凭证")
    assert _kinds(yanhe) == [Kind.REPORT_RETURNED]
    assert "缺凭证" in Notification.objects.get(recipient=yanhe).text
    assert _kinds(bijiang) == []


def test_a_proposed_pairing_asks_the_other_side_s_offices(suzhou_tongren: Pairing) -> None:
    suzhou_office = UserFactory(username="sz", side="east", region_id=SUZHOU, roles=["reviewer"])
    yanhe_office = UserFactory(username="yh", side="west", region_id=YANHE, roles=["reviewer"])
    yanhe_viewer = UserFactory(username="yh-v", side="west", region_id=YANHE, roles=["viewer"])
    bijiang = UserFactory(username="bj", side="west", region_id="520602", roles=["reviewer"])
    proposed = pairing_services.pairing_create(
        actor=suzhou_office,
        east_region=Region.objects.get(code="320506"),
        west=Region.objects.get(code=YANHE),
        start_year=2026,
    )
    assert proposed.status == "proposed"
    n = Notification.objects.get(recipient=yanhe_office)
    assert n.kind == Kind.PAIRING_PROPOSED and n.link == f"/pairings/{proposed.pk}/"
    assert n.text == f"吴中区 提议结对 {proposed}，等待您方确认"
    for user in (suzhou_office, yanhe_viewer, bijiang):
        assert _kinds(user) == []


def test_an_import_tells_its_uploader_when_checked_committed_or_failed(
    generated_rows: list[dict[str, str]], write_csv: Callable[..., Path], county_user: Any
) -> None:
    other = UserFactory(username="yh-other", side="west", region_id=YANHE, roles=["reporter"])
    path = write_csv(generated_rows)
    batch = imports.batch_create(
        kind="registry", filename=path.name, source=path, actor=county_user
    )
    batch = imports.batch_parse(batch, user=county_user)
    imports.batch_commit(batch, actor=county_user)
    assert _kinds(county_user) == [Kind.IMPORT_COMMITTED, Kind.IMPORT_CHECKED]
    done = Notification.objects.filter(recipient=county_user).first()
    assert done is not None and done.link == f"/imports/{batch.pk}/" and path.name in done.text

    bad = path.parent / "bad.csv"
    bad.write_text("不是表头\n1\n", encoding="utf-8")
    failed = imports.batch_create(
        kind="registry", filename="bad.csv", source=bad, actor=county_user
    )
    failed = imports.batch_parse(failed, user=county_user)
    latest = Notification.objects.filter(recipient=county_user).first()
    assert latest is not None and "bad.csv" in latest.text
    assert failed.state == "failed" and latest.kind == Kind.IMPORT_FAILED
    assert _kinds(other) == []


def test_e_mail_is_off_by_default_and_sent_after_the_commit_when_on(
    suzhou_tongren: Pairing,
    suzhou_reporter: Any,
    jiangsu_reviewer: Any,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    jiangsu_reviewer.email = "review@js.example"
    jiangsu_reviewer.save(update_fields=["email"])
    no_address = UserFactory(
        username="js-rev2", side="east", region_id="320000", roles=["reviewer"]
    )
    report = _report(suzhou_reporter, suzhou_tongren)
    with django_capture_on_commit_callbacks(execute=True):
        services.report_submit(actor=suzhou_reporter, report=report)
    assert mail.outbox == [] and _kinds(no_address) == [Kind.REPORT_SUBMITTED]

    settings.XIEZUO_NOTIFY_EMAIL = True
    settings.XIEZUO_SITE_URL = "https://xiezuo.example"
    services.report_review(actor=jiangsu_reviewer, report=report, approve=False, comment="补")
    services.report_submit(actor=suzhou_reporter, report=report)
    assert mail.outbox == []  # nothing before the commit
    with django_capture_on_commit_callbacks(execute=True):
        services.report_review(actor=jiangsu_reviewer, report=report, approve=False, comment="再补")
        services.report_submit(actor=suzhou_reporter, report=report)
    assert [m.to for m in mail.outbox] == [["review@js.example"]]  # the one with an address
    sent = mail.outbox[0]
    assert "报送待审核" in sent.subject
    assert f"https://xiezuo.example/cooperation/reports/{report.pk}/" in sent.body


def test_the_page_and_the_bell_show_only_one_s_own_and_mark_them_read(
    suzhou_tongren: Pairing, suzhou_reporter: Any, jiangsu_reviewer: Any
) -> None:
    report = _report(suzhou_reporter, suzhou_tongren)
    services.report_submit(actor=suzhou_reporter, report=report)
    services.report_review(actor=jiangsu_reviewer, report=report, approve=False, comment="凭证不全")
    mine = Notification.objects.get(recipient=suzhou_reporter)
    theirs = Notification.objects.get(recipient=jiangsu_reviewer)
    client = _client(suzhou_reporter)
    page = client.get("/notifications/").content.decode()
    assert f'data-testid="notification-{mine.pk}"' in page and "凭证不全" in page
    assert f'data-testid="notification-{theirs.pk}"' not in page
    assert 'data-testid="unread-count">1<' in page

    # The bell's count is kept in the session: other pages do not query the notifications.
    with CaptureQueriesContext(connection) as queries:
        client.get("/cooperation/")
    assert not [q for q in queries if "notifications_notification" in q["sql"]]

    # Another's notification does not exist for this user.
    assert client.post(f"/notifications/{theirs.pk}/read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None

    opened = client.post(f"/notifications/{mine.pk}/read/", {"open": "1"})
    assert opened.status_code == 302 and opened["Location"] == f"/cooperation/reports/{report.pk}/"
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert 'data-testid="unread-count"' not in client.get("/cooperation/").content.decode()

    services.report_submit(actor=suzhou_reporter, report=report)
    services.report_review(actor=jiangsu_reviewer, report=report, approve=True)
    assert client.post("/notifications/read-all/").status_code == 302
    assert not Notification.objects.filter(recipient=suzhou_reporter, read_at=None).exists()
    assert Notification.objects.filter(recipient=jiangsu_reviewer, read_at=None).exists()


def test_a_link_leaving_the_site_is_not_followed(suzhou_reporter: Any) -> None:
    n = Notification.objects.create(
        recipient=suzhou_reporter, kind=Kind.IMPORT_FAILED, params={}, link="https://evil.example/"
    )
    got = _client(suzhou_reporter).post(f"/notifications/{n.pk}/read/", {"open": "1"})
    assert got["Location"] == "/notifications/"


def test_the_api_lists_and_marks_only_one_s_own(
    suzhou_tongren: Pairing, suzhou_reporter: Any, jiangsu_reviewer: Any
) -> None:
    report = _report(suzhou_reporter, suzhou_tongren)
    services.report_submit(actor=suzhou_reporter, report=report)
    theirs = Notification.objects.get(recipient=jiangsu_reviewer)
    client = _client(suzhou_reporter)
    listed = client.get("/api/notifications").json()
    assert listed["count"] == 0 and listed["results"] == []
    assert client.post(f"/api/notifications/{theirs.pk}/read").status_code == 404

    reviewer = _client(jiangsu_reviewer)
    listed = reviewer.get("/api/notifications", {"unread": "true"}).json()
    assert listed["unread"] == 1 and listed["results"][0]["kind"] == "report_submitted"
    assert listed["results"][0]["link"] == f"/cooperation/reports/{report.pk}/"
    reviewer.cookies["django_language"] = "en"  # the language switch's cookie
    english = reviewer.get("/api/notifications").json()
    assert english["results"][0]["text"].endswith("waiting for your review")
    read = reviewer.post(f"/api/notifications/{theirs.pk}/read")
    assert read.status_code == 200 and read.json()["read_at"] is not None
    assert reviewer.post("/api/notifications/read-all").json() == {"marked": 0}
    assert reviewer.get("/api/notifications", {"unread": "true"}).json()["count"] == 0
