from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from xiezuo.registry.choices import (
    Cause,
    Education,
    Health,
    HouseholdType,
    IdKind,
    LabourSkill,
    MigrantStatus,
    PovertyLineKind,
    Relation,
    SchoolStatus,
    Sex,
    Standard,
    Status,
)


class PovertyLine(models.Model):
    """The income line per person per year, by year: editable data with its source."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    amount = models.DecimalField(_("yuan per person per year"), max_digits=8, decimal_places=0)
    kind = models.CharField(
        _("kind"),
        max_length=20,
        choices=PovertyLineKind.choices,
        default=PovertyLineKind.POVERTY_LINE,
    )
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("poverty line")
        verbose_name_plural = _("poverty lines")
        ordering = ["year"]

    def __str__(self) -> str:
        return f"{self.year}: {self.amount}"


class Household(models.Model):
    """A registered poor household (建档立卡户), keyed by the national household number."""

    # Unique by a constraint rather than unique=True, and no index of the village's own, so that
    # PostgreSQL keeps no pattern (LIKE) indexes nobody queries: each index costs every import.
    # The constraint is written over an expression (F) so that SQLite too makes it a unique
    # index of its own, which a first load can drop and build again once, sorted
    # (`imports.staging.indexes_rebuilt`); a plain one sits inside SQLite's table definition.
    number = models.CharField(_("household number"), max_length=30)
    village = models.ForeignKey(
        "regions.Region",
        verbose_name=_("village"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # (village, status) below serves every region filter
    )
    natural_village = models.CharField(_("natural village"), max_length=100, blank=True)
    identified_year = models.PositiveSmallIntegerField(
        _("identification year"), null=True, blank=True
    )
    # 识别标准: the national line, or a higher one a province or city set.
    standard = models.CharField(
        _("identification standard"), max_length=12, choices=Standard.choices, blank=True
    )
    household_type = models.CharField(
        _("household type"),
        max_length=10,
        choices=HouseholdType.choices,
        default=HouseholdType.GENERAL,
    )
    main_cause = models.CharField(_("main cause"), max_length=12, choices=Cause.choices)
    secondary_causes = models.JSONField(_("secondary causes"), default=list, blank=True)
    status = models.CharField(  # indexed first in household_status_cause
        _("status"), max_length=12, choices=Status.choices, default=Status.NOT_EXITED
    )
    exit_year = models.PositiveSmallIntegerField(
        _("exit year"), null=True, blank=True, db_index=True
    )
    size = models.PositiveSmallIntegerField(_("members"), default=1)
    per_capita_income = models.DecimalField(
        _("per-capita net income"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    # 两不愁三保障 and safe drinking water: the exit conditions.
    food_clothing_secure = models.BooleanField(_("enough food and clothing"), default=False)
    education_secure = models.BooleanField(_("compulsory education secured"), default=False)
    medical_secure = models.BooleanField(_("basic medical care secured"), default=False)
    housing_secure = models.BooleanField(_("safe housing secured"), default=False)
    water_secure = models.BooleanField(_("safe drinking water"), default=False)
    dangerous_house = models.BooleanField(_("dangerous house"), default=False)
    water_difficulty = models.BooleanField(_("drinking water difficulty"), default=False)
    phone_enc = models.TextField(_("phone (encrypted)"), blank=True)
    # Keyed hashes of the phone numbers (crypto.keyed_hash, '' for none): a re-import compares
    # them to leave unchanged numbers, and their rows, as they are — each ciphertext differs
    # from the last by its random nonce, so ciphertexts cannot be compared.
    phone_hash = models.CharField(_("phone (keyed hash)"), max_length=32, blank=True, default="")
    helper_name = models.CharField(_("responsible helper"), max_length=50, blank=True)
    helper_unit = models.CharField(_("helper's unit"), max_length=100, blank=True)
    helper_phone_enc = models.TextField(_("helper's phone (encrypted)"), blank=True)
    helper_phone_hash = models.CharField(
        _("helper's phone (keyed hash)"), max_length=32, blank=True, default=""
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["number"]
        constraints = [models.UniqueConstraint(F("number"), name="household_number_unique")]
        indexes = [
            models.Index(fields=["village", "status"]),
            # The list's most used filters without a region (national and province users).
            models.Index(fields=["status", "main_cause", "number"], name="household_status_cause"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def meets_two_assurances(self) -> bool:
        return all(
            (
                self.food_clothing_secure,
                self.education_secure,
                self.medical_secure,
                self.housing_secure,
                self.water_secure,
            )
        )


class Member(models.Model):
    """A member of a registered household. The ID number is stored encrypted, with a keyed hash
    for lookups and joins and a masked form for display."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="members")
    person_number = models.CharField(_("person number"), max_length=30, blank=True)
    name = models.CharField(_("name"), max_length=50)
    id_kind = models.CharField(
        _("ID kind"), max_length=10, choices=IdKind.choices, default=IdKind.RESIDENT
    )
    id_hash = models.CharField(max_length=32)  # unique: see Meta
    id_enc = models.TextField()
    id_masked = models.CharField(_("ID number"), max_length=20)
    sex = models.CharField(_("sex"), max_length=6, choices=Sex.choices)
    birth_date = models.DateField(_("birth date"))
    relation = models.CharField(_("relation to head"), max_length=16, choices=Relation.choices)
    ethnicity = models.CharField(_("ethnicity"), max_length=20, blank=True)
    education = models.CharField(
        _("education"), max_length=12, choices=Education.choices, blank=True
    )
    school_status = models.CharField(
        _("in school"), max_length=12, choices=SchoolStatus.choices, default=SchoolStatus.NONE
    )
    health = models.CharField(
        _("health"), max_length=10, choices=Health.choices, default=Health.HEALTHY
    )
    labour_skill = models.CharField(
        _("labour capacity"),
        max_length=10,
        choices=LabourSkill.choices,
        default=LabourSkill.ORDINARY,
    )
    migrant_status = models.CharField(
        _("migrant work"), max_length=12, choices=MigrantStatus.choices, default=MigrantStatus.NONE
    )
    migrant_months = models.PositiveSmallIntegerField(_("months of migrant work"), default=0)
    medical_insurance = models.BooleanField(_("medical insurance"), default=False)
    pension_insurance = models.BooleanField(_("pension insurance"), default=False)

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["household_id", "id"]
        # Over an expression for the reason given at Household.number.
        constraints = [models.UniqueConstraint(F("id_hash"), name="member_id_hash_unique")]

    def __str__(self) -> str:
        return f"{self.name} ({self.id_masked})"


class HouseholdIncome(models.Model):
    """One year's income by source; per-capita net income is derived from it."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="incomes")
    year = models.PositiveSmallIntegerField(_("year"))
    wages = models.DecimalField(_("wages"), max_digits=10, decimal_places=2, default=Decimal(0))
    business = models.DecimalField(
        _("family business"), max_digits=10, decimal_places=2, default=Decimal(0)
    )
    property_income = models.DecimalField(
        _("property income"), max_digits=10, decimal_places=2, default=Decimal(0)
    )
    transfers = models.DecimalField(
        _("transfer income"), max_digits=10, decimal_places=2, default=Decimal(0)
    )
    production_costs = models.DecimalField(
        _("production costs"), max_digits=10, decimal_places=2, default=Decimal(0)
    )
    persons = models.PositiveSmallIntegerField(_("persons"), default=1)

    class Meta:
        verbose_name = _("household income")
        verbose_name_plural = _("household incomes")
        constraints = [
            models.UniqueConstraint(
                fields=["household", "year"], name="income_one_per_household_year"
            )
        ]
        ordering = ["household_id", "year"]

    def __str__(self) -> str:
        return f"{self.household_id} {self.year}"

    @property
    def net_income(self) -> Decimal:
        return net_income(
            self.wages, self.business, self.property_income, self.transfers, self.production_costs
        )

    @property
    def per_capita_net(self) -> Decimal:
        return per_capita_net(self.net_income, self.persons)


def net_income(
    wages: Decimal,
    business: Decimal,
    property_income: Decimal,
    transfers: Decimal,
    production_costs: Decimal,
) -> Decimal:
    """A year's net income: the sources less production costs. A function as well as the
    model's property, so bulk readers (the snapshot) work it out from stored columns alike."""
    return wages + business + property_income + transfers - production_costs


def per_capita_net(net: Decimal, persons: int) -> Decimal:
    """Net income over the persons (at least one), to the fen."""
    return (net / max(persons, 1)).quantize(Decimal("0.01"))


class StatusChange(models.Model):
    """The status history of a household: every change, by whom, when and why."""

    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(max_length=12, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=Status.choices)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["household_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.household_id}: {self.from_status} → {self.to_status}"

    @property
    def shown_reason(self) -> str:
        """The reason in the reader's language where an import wrote it (IMPORT_REASON)."""
        prefix = IMPORT_REASON.split("%", 1)[0]
        if self.reason.startswith(prefix):
            return gettext(IMPORT_REASON) % {"file": self.reason.removeprefix(prefix)}
        return self.reason


# What an import writes as the reason of the status changes it brings (registry.writing).
IMPORT_REASON = gettext_noop("导入 %(file)s")


class ScopeConflict(models.Model):
    """An import row that would have taken a household or a person registered outside the
    uploader's own subtree. The row is refused with words that say nothing of the other region;
    the conflict waits for the nearest office whose scope covers both sides (`office`, None for
    the national office), who sees both and transfers or dismisses it."""

    class Kind(models.TextChoices):
        HOUSEHOLD = "household", _("household number registered in another area")
        MEMBER = "member", _("ID number registered in another area")

    class State(models.TextChoices):
        OPEN = "open", _("waiting")
        TRANSFERRED = "transferred", _("transferred")
        DISMISSED = "dismissed", _("dismissed")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    state = models.CharField(max_length=12, choices=State.choices, default=State.OPEN)
    household_number = models.CharField(max_length=30)  # as the file gave it
    member = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    existing = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="+")
    wanted_village = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    office = models.ForeignKey(
        "regions.Region", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    batch = models.ForeignKey(
        "imports.ImportBatch", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    row = models.PositiveIntegerField(null=True, blank=True)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    raised_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-raised_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.household_number}"
