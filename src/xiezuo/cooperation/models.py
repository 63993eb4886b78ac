"""Cooperation records: seven kinds, each dated, in one reporting unit's yearly report of one
pairing. A report is drafted, submitted, and approved (locked) or returned by a reviewer one
level up; every record of a locked report is read-only (see services)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from xiezuo.cooperation.choices import (
    Direction,
    DonorKind,
    FundKind,
    ProjectStatus,
    Sector,
    Side,
    State,
    TalentKind,
    TrainingKind,
)

USER = settings.AUTH_USER_MODEL


def _region(verbose: Any, *, null: bool = False) -> Any:
    return models.ForeignKey(
        "regions.Region",
        verbose_name=verbose,
        on_delete=models.PROTECT,
        related_name="+",
        null=null,
        blank=null,
    )


def _amount(verbose: Any, *, null: bool = False) -> Any:
    # 万元 with four decimals: one yuan is 0.0001 万元.
    return models.DecimalField(verbose, max_digits=14, decimal_places=4, null=null, blank=null)


class Report(models.Model):
    """One reporting unit's records of one pairing for one year, on their way to review."""

    pairing = models.ForeignKey(
        "pairing.Pairing", verbose_name=_("pairing"), on_delete=models.PROTECT, related_name="+"
    )
    reporter = _region(_("reporting unit"))
    year = models.PositiveSmallIntegerField(_("year"))
    # Which side of the pairing the reporting unit is on. The east's fiscal aid counts from the
    # east's own reports: a western county recording the same transfer as received must not
    # double it.
    side = models.CharField(_("side"), max_length=4, choices=Side.choices, default=Side.EAST)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.DRAFT, db_index=True
    )
    submitted_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(_("review comment"), blank=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-year", "pairing_id", "reporter_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["pairing", "reporter", "year"], name="report_one_per_unit_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.year} 年 {self.reporter_id} 报送（结对 {self.pairing_id}）"


class ReportStep(models.Model):
    """One step of a report's way, kept for good: the report itself holds only its present
    state, so a resubmission would otherwise overwrite the return reason it answered."""

    class Action(models.TextChoices):
        DRAFTED = "drafted", _("drafted")
        SUBMITTED = "submitted", _("submitted")
        RETURNED = "returned", _("returned")
        APPROVED = "approved", _("approved and locked")
        UNLOCKED = "unlocked", _("unlocked")

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="steps")
    action = models.CharField(_("step"), max_length=10, choices=Action.choices)
    actor = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("time"), auto_now_add=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("report step")
        verbose_name_plural = _("report steps")
        ordering = ["report_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.report_id}: {self.action}"


class Record(models.Model):
    report = models.ForeignKey(
        Report, verbose_name=_("report"), on_delete=models.PROTECT, related_name="+"
    )
    date = models.DateField(_("date"), db_index=True)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Who last changed it: a reviewer who did may not approve the report (four eyes).
    updated_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
        ordering = ["-date", "-id"]


class Fund(Record):
    kind = models.CharField(_("fund type"), max_length=10, choices=FundKind.choices)
    source = models.CharField(_("from"), max_length=200)
    recipient = _region(_("to"))
    amount = _amount(_("amount (10,000 yuan)"))
    purpose = models.CharField(_("purpose"), max_length=300, blank=True)
    disbursed = _amount(_("disbursed (10,000 yuan)"), null=True)
    disbursed_on = models.DateField(_("disbursed on"), null=True, blank=True)

    class Meta(Record.Meta):
        verbose_name = _("fund")
        verbose_name_plural = _("funds")

    def __str__(self) -> str:
        return f"{self.source} {self.amount} 万元（{self.date}）"


class Project(Record):
    name = models.CharField(_("project"), max_length=200)
    sector = models.CharField(_("sector"), max_length=16, choices=Sector.choices)
    place = _region(_("place"))
    budget_east = _amount(_("eastern fiscal funds"))
    budget_local = _amount(_("local funds"))
    budget_social = _amount(_("social funds"))
    status = models.CharField(
        _("status"), max_length=10, choices=ProjectStatus.choices, default=ProjectStatus.PLANNED
    )
    households = models.PositiveIntegerField(_("beneficiary households"), default=0)
    confirmed_large = models.BooleanField(_("large amount confirmed"), default=False)

    class Meta(Record.Meta):
        verbose_name = _("project")
        verbose_name_plural = _("projects")

    def __str__(self) -> str:
        return self.name

    @property
    def budget(self) -> object:
        return self.budget_east + self.budget_local + self.budget_social

    @property
    def beneficiary_numbers(self) -> str:
        """The households listed as beneficiaries, as the import and the form write them."""
        return "；".join(b.number for b in self.beneficiaries.all())


class Talent(Record):
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    talent_kind = models.CharField(_("kind"), max_length=12, choices=TalentKind.choices)
    name = models.CharField(_("name"), max_length=50)
    post = models.CharField(_("post"), max_length=200)
    workplace = models.CharField(_("workplace"), max_length=200, blank=True)
    end = models.DateField(_("until"), null=True, blank=True)

    class Meta(Record.Meta):
        verbose_name = _("talent exchange")
        verbose_name_plural = _("talent exchanges")

    def __str__(self) -> str:
        return f"{self.name} {self.post}"


class Training(Record):
    training_kind = models.CharField(_("trainees"), max_length=14, choices=TrainingKind.choices)
    title = models.CharField(_("training"), max_length=200)
    place = models.CharField(_("place"), max_length=200, blank=True)
    days = models.PositiveSmallIntegerField(_("days"), default=1)
    trainees = models.PositiveIntegerField(_("number trained"))

    class Meta(Record.Meta):
        verbose_name = _("training")
        verbose_name_plural = _("trainings")

    def __str__(self) -> str:
        return self.title


class Industry(Record):
    enterprise = models.CharField(_("enterprise"), max_length=200)
    credit_code = models.CharField(_("unified social credit code"), max_length=18)
    investment = _amount(_("investment (10,000 yuan)"))
    place = _region(_("place"))
    jobs = models.PositiveIntegerField(_("jobs"), default=0)
    poor_employed = models.PositiveIntegerField(_("registered poor employed"), default=0)
    workshop = models.BooleanField(_("poverty workshop"), default=False)

    class Meta(Record.Meta):
        verbose_name = _("industry cooperation")
        verbose_name_plural = _("industry cooperation")

    def __str__(self) -> str:
        return self.enterprise


class Consumption(Record):
    buyer = models.CharField(_("eastern buyer"), max_length=200)
    seller = models.CharField(_("western seller"), max_length=200)
    product = models.CharField(_("product"), max_length=200)
    amount = _amount(_("amount (10,000 yuan)"))
    households = models.PositiveIntegerField(_("households benefiting"), default=0)

    class Meta(Record.Meta):
        verbose_name = _("consumption aid")
        verbose_name_plural = _("consumption aid")

    def __str__(self) -> str:
        return f"{self.buyer} ← {self.seller} {self.product}"


class Social(Record):
    donor_kind = models.CharField(_("donor type"), max_length=14, choices=DonorKind.choices)
    donor = models.CharField(_("donor"), max_length=200)
    gift = models.CharField(_("what was given"), max_length=300)
    value = _amount(_("value (10,000 yuan)"))
    recipient = _region(_("to"))

    class Meta(Record.Meta):
        verbose_name = _("social help")
        verbose_name_plural = _("social help")

    def __str__(self) -> str:
        return f"{self.donor} {self.gift}"


class Person(models.Model):
    """Someone a record serves (a trainee, a worker employed), linked to the registry by the keyed
    hash of the ID number. A person not in the registry is kept and flagged, never dropped."""

    training = models.ForeignKey(
        Training, null=True, blank=True, on_delete=models.CASCADE, related_name="people"
    )
    industry = models.ForeignKey(
        Industry, null=True, blank=True, on_delete=models.CASCADE, related_name="people"
    )
    name = models.CharField(_("name"), max_length=50)
    id_hash = models.CharField(max_length=32, db_index=True)
    id_enc = models.TextField()
    id_masked = models.CharField(_("ID number"), max_length=20)
    member = models.ForeignKey(
        "registry.Member", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("person served")
        verbose_name_plural = _("people served")
        constraints = [
            models.CheckConstraint(
                condition=Q(training__isnull=False, industry__isnull=True)
                | Q(training__isnull=True, industry__isnull=False),
                name="person_one_record",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.id_masked}"

    @property
    def in_registry(self) -> bool:
        return self.member_id is not None


class Beneficiary(models.Model):
    """A household a project lists as benefiting, by its registry number; linked to the registry
    household when there is one, kept and flagged when there is not."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="beneficiaries")
    number = models.CharField(_("household number"), max_length=30)
    household = models.ForeignKey(
        "registry.Household", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("beneficiary household")
        verbose_name_plural = _("beneficiary households")
        ordering = ["project_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="beneficiary_once")
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def in_registry(self) -> bool:
        return self.household_id is not None


MODELS: dict[str, type[Record]] = {
    "fund": Fund,
    "project": Project,
    "talent": Talent,
    "training": Training,
    "industry": Industry,
    "consumption": Consumption,
    "social": Social,
}


class Attachment(models.Model):
    """A file a report carries (a voucher, a photo), one of its records does, or a yearly
    agreement (its signed text). Read by whoever may read the report (a record's file: its
    report is set too, so it is scoped like the record) or the agreement's pairing; every
    download is audited."""

    report = models.ForeignKey(
        Report, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    # The record of the report it belongs to, if any: records are seven models, so the kind
    # and the id (the record's deletion removes its files, see services.record_delete).
    record_kind = models.CharField(_("record kind"), max_length=12, blank=True)
    record_id = models.PositiveBigIntegerField(null=True, blank=True)
    agreement = models.ForeignKey(
        "pairing.Agreement",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    name = models.CharField(_("file"), max_length=200)
    kind = models.CharField(_("type"), max_length=10)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    stored = models.CharField(max_length=200)  # under XIEZUO_UPLOADS_DIR
    uploaded_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at", "id"]
        indexes = [models.Index(fields=["record_kind", "record_id"], name="attachment_record")]
        constraints = [
            models.CheckConstraint(
                condition=Q(record_id__isnull=True) | Q(report__isnull=False),
                name="attachment_record_in_report",
            )
        ]

    def __str__(self) -> str:
        return self.name
