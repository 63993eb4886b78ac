from __future__ import annotations

from decimal import ROUND_CEILING, Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from xiezuo.core.i18n import chinese
from xiezuo.pairing.choices import (
    UNITS,
    WHOLE,
    Indicator,
    Kind,
    Level,
    OrganisationKind,
    Status,
    TaskStatus,
)


class Organisation(models.Model):
    """A helper that is not a region: a central unit (定点帮扶), an enterprise or a social
    organisation (万企帮万村), or an eastern body that pairs in its own name."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=OrganisationKind.choices)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("seat"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Pairing(models.Model):
    """An eastern unit (a region or an organisation) helps a western region."""

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.EAST_WEST)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices, db_index=True)
    east_region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("helping region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    east_org = models.ForeignKey(
        Organisation,
        verbose_name=_("helping organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="pairings",
    )
    west_region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("helped region"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent pairing"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    outside_parent_reason = models.TextField(_("reason for pairing outside a parent"), blank=True)
    start_year = models.PositiveSmallIntegerField(_("start year"))
    end_year = models.PositiveSmallIntegerField(_("end year"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE, db_index=True
    )
    source = models.CharField(_("source"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # A proposed pairing waits for this side ("east" or "west") to confirm it.
    confirm_side = models.CharField(_("to be confirmed by"), max_length=4, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("pairing")
        verbose_name_plural = _("pairings")
        ordering = ["level", "east_region_id", "west_region_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(east_region__isnull=False, east_org__isnull=True)
                | Q(east_region__isnull=True, east_org__isnull=False),
                name="pairing_one_helper",
            ),
            # The service says which pair already exists; these keep a race from doubling it.
            models.UniqueConstraint(
                fields=["kind", "east_region", "west_region"],
                condition=Q(status=Status.ACTIVE, east_region__isnull=False),
                name="pairing_unique_active_region",
            ),
            models.UniqueConstraint(
                fields=["kind", "east_org", "west_region"],
                condition=Q(status=Status.ACTIVE, east_org__isnull=False),
                name="pairing_unique_active_org",
            ),
            models.CheckConstraint(
                condition=Q(end_year__isnull=True) | Q(end_year__gte=models.F("start_year")),
                name="pairing_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.east_name} → {self.west_region.name}"

    @property
    def east_name(self) -> str:
        if self.east_org_id:
            assert self.east_org is not None
            return self.east_org.name
        assert self.east_region is not None
        return self.east_region.name


class Agreement(models.Model):
    """The yearly agreement (年度协议) of one pairing: targets per indicator."""

    pairing = models.ForeignKey(
        Pairing, verbose_name=_("pairing"), on_delete=models.PROTECT, related_name="agreements"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        ordering = ["pairing_id", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["pairing", "year"], name="agreement_one_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.pairing} {self.year} 年度协议"


class Target(models.Model):
    """One indicator's target in an agreement, with its deadline and who answers for it."""

    agreement = models.ForeignKey(
        Agreement, verbose_name=_("agreement"), on_delete=models.CASCADE, related_name="targets"
    )
    indicator = models.CharField(_("indicator"), max_length=30, choices=Indicator.choices)
    value = models.DecimalField(_("target"), max_digits=14, decimal_places=2)
    deadline = models.DateField(_("deadline"))
    responsible_unit = models.CharField(_("responsible unit"), max_length=200)
    responsible_person = models.CharField(_("responsible person"), max_length=100, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_targets",
    )

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["agreement_id", "deadline", "indicator"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "indicator"], name="target_one_per_kind"),
            models.CheckConstraint(condition=Q(value__gt=0), name="target_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_indicator_display()} {self.value} {self.unit}"

    @property
    def unit(self) -> str:
        return UNITS.get(self.indicator, "")

    @property
    def shown_unit(self) -> str:
        return gettext(self.unit) if self.unit else ""

    def milestone_amount(self, share: int) -> Decimal:
        """What `share` percent of the target is, as a milestone names it."""
        amount = (self.value * share / 100).quantize(Decimal("0.01"))
        if self.indicator in WHOLE:  # 2.5 county pairs is no milestone: round up
            amount = amount.to_integral_value(rounding=ROUND_CEILING)
        return amount.normalize()

    def task_title(self, share: int | None, *, shown: bool = False) -> str:
        """The title back-scheduling gives a task of this target — the plan (no share) or the
        milestone of `share` percent: Chinese as stored, or (`shown`) in the reader's language."""
        indicator = Indicator(self.indicator).label
        if share is None:
            msgid, params = PLAN_TITLE, {}
        else:
            amount = f"{self.milestone_amount(share):f}"
            msgid, params = MILESTONE_TITLE, {"share": share, "amount": amount}
        if shown:
            return gettext(msgid) % {**params, "indicator": indicator, "unit": self.shown_unit}
        return msgid % {**params, "indicator": chinese(indicator), "unit": self.unit}


PLAN_TITLE = gettext_noop("制定%(indicator)s实施方案，明确责任分工")
MILESTONE_TITLE = gettext_noop("%(indicator)s完成 %(share)s%%（%(amount)s %(unit)s）")


class Task(models.Model):
    """A milestone toward a target, scheduled back from its deadline (倒排工期), with an owner."""

    target = models.ForeignKey(
        Target, verbose_name=_("target"), on_delete=models.CASCADE, related_name="tasks"
    )
    title = models.CharField(_("task"), max_length=200)
    due = models.DateField(_("due"), db_index=True)
    # Share of the target expected done by the due date (percent), for milestone tasks.
    share = models.PositiveSmallIntegerField(_("share of target"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=TaskStatus.choices, default=TaskStatus.TODO
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="pairing_tasks",
    )
    done_on = models.DateField(_("done on"), null=True, blank=True)

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["due", "id"]
        indexes = [models.Index(fields=["owner", "status", "due"], name="task_owner_open")]

    def __str__(self) -> str:
        return self.title

    @property
    def shown_title(self) -> str:
        """The title in the reader's language while it is the one back-scheduling gave (stored
        in Chinese); a title someone wrote, or one the target's later change left behind, as is."""
        if self.title == self.target.task_title(self.share):
            return self.target.task_title(self.share, shown=True)
        return self.title


class Proposal(models.Model):
    """A balanced pairing proposed by the optimizer; it becomes pairings only when accepted."""

    class State(models.TextChoices):
        QUEUED = "queued", _("排队中")
        SOLVING = "solving", _("求解中")
        PROPOSED = "proposed", _("待确认")
        INFEASIBLE = "infeasible", _("无可行方案")
        ACCEPTED = "accepted", _("已采纳")
        DISCARDED = "discarded", _("已放弃")
        FAILED = "failed", _("失败")

    title = models.CharField(_("title"), max_length=200)
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.QUEUED)
    params = models.JSONField(_("input"), default=dict)
    result = models.JSONField(_("result"), default=dict, blank=True)
    message = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("pairing proposal")
        verbose_name_plural = _("pairing proposals")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title
