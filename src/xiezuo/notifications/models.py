"""A notification: one event told to one user. Its text is the kind's Chinese message (a msgid,
translated when it is shown, in the reader's language) filled with the event's names; the link
opens what it is about."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    REPORT_SUBMITTED = "report_submitted", _("报送待审核")
    REPORT_RETURNED = "report_returned", _("报送被退回")
    REPORT_APPROVED = "report_approved", _("报送已审核通过")
    REPORT_UNLOCKED = "report_unlocked", _("报送已解锁")
    PAIRING_PROPOSED = "pairing_proposed", _("结对待确认")
    IMPORT_CHECKED = "import_checked", _("导入已检查")
    IMPORT_COMMITTED = "import_committed", _("导入已写入")
    IMPORT_FAILED = "import_failed", _("导入失败")


# The text of each kind: a msgid, kept as such so each reader gets it in its own language.
TEXTS: dict[str, str] = {
    Kind.REPORT_SUBMITTED: gettext_noop(
        "%(unit)s 提交了 %(year)s 年报送（%(pairing)s），等待您审核"
    ),
    Kind.REPORT_RETURNED: gettext_noop("%(year)s 年报送（%(pairing)s）被退回，理由：%(reason)s"),
    Kind.REPORT_APPROVED: gettext_noop("%(year)s 年报送（%(pairing)s）已审核通过并锁定"),
    Kind.REPORT_UNLOCKED: gettext_noop("%(year)s 年报送（%(pairing)s）已解锁，理由：%(reason)s"),
    Kind.PAIRING_PROPOSED: gettext_noop("%(proposer)s 提议结对 %(pairing)s，等待您方确认"),
    Kind.IMPORT_CHECKED: gettext_noop("导入文件“%(file)s”已检查：%(message)s"),
    Kind.IMPORT_COMMITTED: gettext_noop("导入文件“%(file)s”已写入：%(message)s"),
    Kind.IMPORT_FAILED: gettext_noop("导入文件“%(file)s”失败：%(message)s"),
}


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("类别"), max_length=30, choices=Kind.choices)
    # The names the text is filled with (a unit, a year, a reason): data, never translated.
    params = models.JSONField(default=dict, blank=True)
    link = models.CharField(_("链接"), max_length=300, blank=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        template = TEXTS.get(self.kind)
        if template is None:
            return str(self.kind)
        values: dict[str, Any] = {k: str(v) for k, v in (self.params or {}).items()}
        try:
            return gettext(template) % values
        except (KeyError, TypeError, ValueError):
            return template  # a row written under an older text: shown unfilled, not a crash

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
