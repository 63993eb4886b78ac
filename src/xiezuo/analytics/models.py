"""Verification runs and their findings. These are analytics' own tables: a run reads the
snapshot, never writes the other apps' data."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xiezuo.analytics.rules import Severity


class Run(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("比对中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    # '' the nation, a region code (that unit's subtree), or 'pairing:<id>'.
    scope = models.CharField(_("scope"), max_length=40, blank=True, db_index=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    engine = models.CharField(_("engine"), max_length=10, default="duckdb")
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)  # percent
    step = models.CharField(max_length=40, blank=True)
    message = models.TextField(blank=True)
    counts = models.JSONField(default=dict, blank=True)  # per rule, served per indicator
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Touched at every step: a run whose worker was killed stops touching it and is taken as
    # interrupted after STALE (services.run_is_stale).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("verification run")
        verbose_name_plural = _("verification runs")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"比对 #{self.pk} {self.scope or '全国'} {self.year or ''}"


class Finding(models.Model):
    class Decision(models.TextChoices):
        OPEN = "open", _("待核实")
        CONFIRMED = "confirmed", _("确认有误")
        DISMISSED = "dismissed", _("核实无误")

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="findings")
    # The same finding in another run has the same key: its decision carries over.
    key = models.CharField(max_length=40, db_index=True)
    rule = models.CharField(_("rule"), max_length=4, db_index=True)
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices)
    record_kind = models.CharField(_("record kind"), max_length=12)
    record_id = models.BigIntegerField(_("record"))
    person_id = models.BigIntegerField(null=True, blank=True)  # cooperation.Person at the run
    id_hash = models.CharField(max_length=32, blank=True)
    detail = models.CharField(max_length=500, blank=True)
    reporter_code = models.CharField(max_length=12, blank=True, db_index=True)
    pairing_id = models.BigIntegerField(null=True, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    indicator = models.CharField(max_length=30, blank=True)
    # Whether the person is left out of the counts while the finding stands. A double count
    # (V09) leaves the person counted once: on the first unit's record, not on the others.
    excludes = models.BooleanField(default=True)
    decision = models.CharField(
        _("decision"), max_length=10, choices=Decision.choices, default=Decision.OPEN
    )
    decision_reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["run_id", "rule", "record_kind", "record_id", "id"]
        indexes = [models.Index(fields=["record_kind", "record_id"], name="finding_record")]
        constraints = [models.UniqueConstraint(fields=["run", "key"], name="finding_once_per_run")]

    def __str__(self) -> str:
        return f"{self.rule} {self.record_kind}#{self.record_id}"

    @property
    def reason(self) -> str:
        from xiezuo.analytics.rules import BY_CODE

        return BY_CODE[self.rule].explain(self.detail)

    @property
    def title(self) -> str:
        from xiezuo.analytics.rules import BY_CODE

        return str(BY_CODE[self.rule].title)
