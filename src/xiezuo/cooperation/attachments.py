"""Files that reports, their records and yearly agreements carry: checked by their content (PDF,
images, Office documents only), size-limited, stored under the uploads directory with a random
name, scoped like what carries them, every download audited. Added and deleted only while what
carries them may be changed: a report (or a record's report) still open, an agreement by those
who plan the pairing's work."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path
from typing import IO

from django.conf import settings
from django.db import transaction

from xiezuo.accounts.models import User
from xiezuo.audit.models import AuditEvent
from xiezuo.audit.services import audit_record
from xiezuo.cooperation import policy
from xiezuo.cooperation.choices import EDITABLE
from xiezuo.cooperation.models import Attachment, Record, Report
from xiezuo.core.errors import Problem, UserError
from xiezuo.pairing import policy as pairing_policy
from xiezuo.pairing.models import Agreement

MAX_BYTES = 20 * 1024 * 1024
CHUNK = 1 << 16
# What a file is, from its first bytes, and the suffixes a user may give such a file.
KINDS = (
    (b"%PDF-", "pdf", (".pdf",), "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "png", (".png",), "image/png"),
    (b"\xff\xd8\xff", "jpeg", (".jpg", ".jpeg"), "image/jpeg"),
    (
        b"PK\x03\x04",
        "ooxml",
        (".docx", ".xlsx", ".pptx"),
        "application/vnd.openxmlformats-officedocument",
    ),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole2", (".doc", ".xls", ".ppt"), "application/msword"),
)
CONTENT_TYPES = {kind: ctype for _sig, kind, _suffixes, ctype in KINDS}


def _root() -> Path:
    return Path(settings.XIEZUO_UPLOADS_DIR) / "attachments"


def _problem(message: str) -> UserError:
    return UserError(message, [Problem(message, "附件")])


def _require_change(
    actor: User | None, report: Report | None, agreement: Agreement | None, what: str
) -> None:
    """The one rule for adding and deleting: a report's (or its record's) files while the
    report is open, by those who report for its unit; an agreement's by its pairing's planners."""
    if report is not None:
        policy.require_report_for(actor, report.pairing, report.reporter)
        if report.state not in EDITABLE:
            raise _problem(f"该报送已{report.get_state_display()}：不能再{what}附件")
    elif agreement is not None:
        pairing_policy.require_plan(actor, agreement.pairing, f"{what}协议附件")
    else:
        raise _problem("附件须属于一份报送、一条记录或一份年度协议")


def attachment_add(
    *,
    actor: User | None,
    name: str,
    source: IO[bytes],
    report: Report | None = None,
    agreement: Agreement | None = None,
    record: Record | None = None,
) -> Attachment:
    """Keep a file for a report or one of its records while the report is still open, or for a
    yearly agreement (by those who plan the pairing's work)."""
    if record is not None:
        report = record.report
    _require_change(actor, report, agreement, "添加")
    name = Path(name or "").name[:200]
    head = source.read(16)
    found = next(((k, s) for sig, k, s, _ct in KINDS if head.startswith(sig)), None)
    if found is None:
        raise _problem(f"“{name}”不是 PDF、图片（PNG、JPEG）或 Office 文档：不能作为附件")
    kind, suffixes = found
    if not name.lower().endswith(suffixes):
        raise _problem(f"“{name}”的内容与扩展名不符：应为 {'、'.join(suffixes)} 文件")
    _root().mkdir(parents=True, exist_ok=True)
    stored = f"{uuid.uuid4().hex}.bin"
    path = _root() / stored
    digest = hashlib.sha256(head)
    size = len(head)
    try:
        with path.open("wb") as out:
            out.write(head)
            while chunk := source.read(CHUNK):
                size += len(chunk)
                if size > MAX_BYTES:
                    raise _problem(f"“{name}”超过 {MAX_BYTES // (1024 * 1024)} MB：不能作为附件")
                digest.update(chunk)
                out.write(chunk)
        with transaction.atomic():
            attachment = Attachment.objects.create(
                report=report,
                record_kind=(record._meta.model_name or "") if record is not None else "",
                record_id=record.pk if record is not None else None,
                agreement=agreement,
                name=name,
                kind=kind,
                size=size,
                sha256=digest.hexdigest(),
                stored=stored,
                uploaded_by=actor if getattr(actor, "pk", None) else None,
            )
            audit_record(
                actor=actor,
                action=AuditEvent.Action.CREATE,
                obj=attachment,
                after={
                    "report": report.pk if report else None,
                    "record": f"{attachment.record_kind}:{record.pk}" if record else None,
                    "agreement": agreement.pk if agreement else None,
                    "name": name,
                    "size": size,
                },
            )
    except BaseException:
        path.unlink(missing_ok=True)  # nothing half-kept
        raise
    return attachment


@transaction.atomic
def attachment_delete(*, actor: User | None, attachment: Attachment) -> None:
    """Remove a file while what carries it may still be changed; audited, its stored file
    removed once the deletion has committed."""
    report = None
    if attachment.report_id is not None:
        report = Report.objects.select_for_update().get(pk=attachment.report_id)
    _require_change(actor, report, attachment.agreement, "删除")
    _delete(actor, [attachment])


def attachments_of_record_delete(*, actor: User | None, record: Record) -> None:
    """A record's files go with it (its deletion checked the rules already)."""
    found = Attachment.objects.filter(record_kind=record._meta.model_name, record_id=record.pk)
    _delete(actor, list(found))


def _delete(actor: User | None, found: list[Attachment]) -> None:
    for attachment in found:
        audit_record(
            actor=actor,
            action=AuditEvent.Action.DELETE,
            obj=attachment,
            before={"name": attachment.name, "size": attachment.size, "sha256": attachment.sha256},
        )
    stored = [a.stored for a in found]
    Attachment.objects.filter(pk__in=[a.pk for a in found]).delete()

    def unlink() -> None:
        for name in stored:
            (_root() / name).unlink(missing_ok=True)

    transaction.on_commit(unlink)


def attachment_open(*, actor: User | None, attachment: Attachment) -> IO[bytes]:
    """The file, for a user who read it through the scoped selector; the download is audited."""
    audit_record(
        actor=actor,
        action=AuditEvent.Action.VIEW,
        obj=attachment,
        summary=f"downloaded attachment {attachment.pk}",
    )
    return (_root() / attachment.stored).open("rb")
