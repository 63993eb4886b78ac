"""Files on single records (and deleting any attachment): the report's rules — content-checked,
size-limited, scoped like the record, downloads audited, changed only while the report is open."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.conftest import SUZHOU
from tests.cooperation.conftest import FUND
from tests.factories import UserFactory
from xiezuo.audit.models import AuditEvent
from xiezuo.cooperation import attachments, services
from xiezuo.cooperation.models import Attachment
from xiezuo.core.errors import Forbidden, UserError
from xiezuo.pairing import services as pairing_services
from xiezuo.pairing.models import Pairing
from xiezuo.regions.models import Region

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n" + b"x" * 1000


@pytest.fixture(autouse=True)
def uploads(settings: Any, tmp_path: Path) -> Path:
    settings.XIEZUO_UPLOADS_DIR = tmp_path / "uploads"
    return tmp_path / "uploads" / "attachments"


def _fund(actor: Any, pairing: Pairing) -> Any:
    return services.record_create(
        actor=actor,
        kind="fund",
        pairing=pairing,
        reporter=Region.objects.get(code=SUZHOU),
        year=2026,
        raw=FUND,
    )


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_record_carries_files_scoped_like_it_while_its_report_is_open(
    suzhou_tongren: Pairing, suzhou_reporter: Any, jiangsu_reviewer: Any, uploads: Path
) -> None:
    fund = _fund(suzhou_reporter, suzhou_tongren)
    client = _client(suzhou_reporter)
    page = client.post(
        f"/cooperation/fund/{fund.pk}/attachments/",
        {"file": SimpleUploadedFile("拨付凭证.pdf", PDF)},
    )
    assert page.status_code == 302 and page["Location"] == f"/cooperation/fund/{fund.pk}/"
    made = Attachment.objects.get()
    assert (made.record_kind, made.record_id, made.report_id) == ("fund", fund.pk, fund.report_id)
    shown = client.get(f"/cooperation/fund/{fund.pk}/").content.decode()
    assert "拨付凭证.pdf" in shown and f'data-testid="attachment-delete-{made.pk}"' in shown
    assert 'data-testid="attachment-form"' in shown
    # The report's page lists it too, with the record it belongs to.
    assert (
        f"/cooperation/fund/{fund.pk}/"
        in client.get(f"/cooperation/reports/{fund.report_id}/").content.decode()
    )

    # Checked by content, like a report's files.
    with pytest.raises(UserError, match="不是 PDF"):
        attachments.attachment_add(
            actor=suzhou_reporter, record=fund, name="a.pdf", source=io.BytesIO(b"MZ\x90\x00")
        )
    # Scoped like the record: the reviewer above reads it (audited), a stranger does not.
    reviewer = _client(jiangsu_reviewer)
    got = reviewer.get(f"/cooperation/attachments/{made.pk}/")
    assert got.status_code == 200 and b"".join(got.streaming_content) == PDF  # type: ignore[attr-defined]
    assert AuditEvent.objects.filter(summary=f"downloaded attachment {made.pk}").exists()
    stranger = _client(UserFactory(username="hz", side="east", region_id="330100", roles=ROLES))
    assert stranger.get(f"/cooperation/attachments/{made.pk}/").status_code == 404
    assert stranger.post(f"/cooperation/attachments/{made.pk}/delete/").status_code == 404
    upload = {"file": SimpleUploadedFile("x.pdf", PDF)}
    assert stranger.post(f"/cooperation/fund/{fund.pk}/attachments/", upload).status_code == 404
    # Those who may read but not report do not add (the reviewer: 403), nor delete.
    with pytest.raises(Forbidden):
        attachments.attachment_add(
            actor=jiangsu_reviewer, record=fund, name="b.pdf", source=io.BytesIO(PDF)
        )
    with pytest.raises(Forbidden):
        attachments.attachment_delete(actor=jiangsu_reviewer, attachment=made)
    assert (
        'data-testid="attachment-form"'
        not in reviewer.get(f"/cooperation/fund/{fund.pk}/").content.decode()
    )

    # Submitted: nothing is added or deleted, and the page offers neither.
    services.report_submit(actor=suzhou_reporter, report=fund.report)
    fund.report.refresh_from_db()
    with pytest.raises(UserError, match="不能再添加附件"):
        attachments.attachment_add(
            actor=suzhou_reporter, record=fund, name="c.pdf", source=io.BytesIO(PDF)
        )
    refused = client.post(f"/cooperation/attachments/{made.pk}/delete/")
    assert refused.status_code == 302 and Attachment.objects.filter(pk=made.pk).exists()
    shown = client.get(f"/cooperation/fund/{fund.pk}/").content.decode()
    assert "attachment-delete" not in shown and 'data-testid="attachment-form"' not in shown


ROLES = ["viewer", "reporter", "reviewer", "admin"]


def test_deleting_a_file_is_audited_and_removes_it(
    suzhou_tongren: Pairing,
    suzhou_reporter: Any,
    uploads: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    fund = _fund(suzhou_reporter, suzhou_tongren)
    on_record = attachments.attachment_add(
        actor=suzhou_reporter,
        record=fund,
        name="照片.jpg",
        source=io.BytesIO(b"\xff\xd8\xff" + b"j" * 50),
    )
    on_report = attachments.attachment_add(
        actor=suzhou_reporter, report=fund.report, name="说明.pdf", source=io.BytesIO(PDF)
    )
    assert (uploads / on_report.stored).exists()
    with django_capture_on_commit_callbacks(execute=True):
        got = _client(suzhou_reporter).post(f"/cooperation/attachments/{on_report.pk}/delete/")
    assert got.status_code == 302 and got["Location"] == f"/cooperation/reports/{fund.report_id}/"
    assert not Attachment.objects.filter(pk=on_report.pk).exists()
    assert not (uploads / on_report.stored).exists()
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.DELETE,
        object_type="cooperation.attachment",
        object_id=str(on_report.pk),
    ).exists()

    # A record's files go with the record.
    with django_capture_on_commit_callbacks(execute=True):
        services.record_delete(actor=suzhou_reporter, record=fund)
    assert not Attachment.objects.filter(pk=on_record.pk).exists()
    assert not (uploads / on_record.stored).exists()


def test_an_agreement_s_file_is_deleted_by_its_planners_only(
    suzhou_tongren: Pairing, suzhou_reporter: Any, uploads: Path
) -> None:
    agreement = pairing_services.agreement_create(actor=None, pairing=suzhou_tongren, year=2026)
    made = attachments.attachment_add(
        actor=None, agreement=agreement, name="协议.pdf", source=io.BytesIO(PDF)
    )
    outsider = UserFactory(username="hz2", side="east", region_id="330100", roles=ROLES)
    with pytest.raises(Forbidden):
        attachments.attachment_delete(actor=outsider, attachment=made)
    got = _client(suzhou_reporter).post(f"/cooperation/attachments/{made.pk}/delete/")
    assert got.status_code == 302 and got["Location"] == f"/pairings/{suzhou_tongren.pk}/"
    assert not Attachment.objects.filter(pk=made.pk).exists()
