from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from xiezuo.regions.codes import PREFIX_LENGTH, Level


class Region(models.Model):
    """One unit of the division hierarchy, keyed by its statistical code."""

    code = models.CharField(_("code"), max_length=12, primary_key=True)
    name = models.CharField(_("name"), max_length=100, db_index=True)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # 832 national poverty counties (国家级贫困县) and the year each left poverty (脱贫摘帽).
    is_poverty_county = models.BooleanField(_("national poverty county"), default=False)
    poverty_exit_year = models.PositiveSmallIntegerField(
        _("poverty exit year"), null=True, blank=True
    )
    is_poor_village = models.BooleanField(_("poor village"), default=False)
    is_deep_poverty = models.BooleanField(_("deep poverty area"), default=False)
    # A code that a later edition no longer lists stays (records may point at it) but is retired.
    is_active = models.BooleanField(_("current"), default=True)
    edition = models.CharField(_("edition"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(poverty_exit_year__isnull=True)
                | models.Q(poverty_exit_year__gte=2016, poverty_exit_year__lte=2020),
                name="region_exit_year_2016_2020",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def prefix(self) -> str:
        return self.code[: PREFIX_LENGTH[Level(self.level)]]


class RegionCodeChange(models.Model):
    """An old code and the current code that took its place (merged, renamed, re-coded).

    Data keyed by an old code lands on the current unit through `resolve_code`.
    """

    class Kind(models.TextChoices):
        RENAMED = "renamed", _("renamed or re-coded")
        MERGED = "merged", _("merged into")

    old_code = models.CharField(_("old code"), max_length=12, primary_key=True)
    old_name = models.CharField(_("old name"), max_length=100, blank=True)
    new_code = models.CharField(_("new code"), max_length=12, db_index=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.RENAMED)
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("code change")
        verbose_name_plural = _("code changes")
        ordering = ["old_code"]

    def __str__(self) -> str:
        return f"{self.old_code} → {self.new_code}"


class FormerName(models.Model):
    """A name (and code) a village had in an older edition of the divisions, and the current
    unit it is now: registry files carry the names of the year they were made (the 2021 list
    says 黄龙村委会 where the 2023 list says 黄龙村村民委员会), and an office cannot rename
    100,000 rows by hand. Loaded with the divisions from the older village list."""

    region = models.ForeignKey(
        Region, verbose_name=_("current unit"), on_delete=models.CASCADE, related_name="+"
    )
    old_code = models.CharField(_("old code"), max_length=12, db_index=True)
    name = models.CharField(_("name"), max_length=100)
    edition = models.CharField(_("edition"), max_length=20)

    class Meta:
        verbose_name = _("former name")
        verbose_name_plural = _("former names")
        ordering = ["old_code"]
        constraints = [
            models.UniqueConstraint(fields=["old_code", "edition"], name="former_name_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.old_code}, {self.edition}) → {self.region_id}"
