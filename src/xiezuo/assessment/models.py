"""Indicator systems (versioned per year and side), runs with their scores, and each unit's
assessment steps. Systems and steps change only through `services`; runs are written whole."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xiezuo.assessment.choices import Direction, Rule, RunState, Side, Step

USER = settings.AUTH_USER_MODEL


class System(models.Model):
    """One version of one year's indicator system for one side. The newest version is the one in
    force; a revision is a new version, so every past run still names what it was scored by."""

    year = models.PositiveSmallIntegerField(_("year"))
    side = models.CharField(_("side"), max_length=4, choices=Side.choices)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    name = models.CharField(_("name"), max_length=100)
    basis = models.TextField(_("basis"), blank=True)
    grades = models.JSONField(_("grade bands"), default=list)  # [{"grade": "好", "min": 90}, ...]
    note = models.TextField(_("what changed"), blank=True)
    # Set when the year's assessment starts (its first run or first self-assessment): a frozen
    # system takes no new version, so every unit of the year is scored by the same rules.
    frozen_at = models.DateTimeField(_("frozen at"), null=True, blank=True)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("indicator system")
        verbose_name_plural = _("indicator systems")
        ordering = ["-year", "side", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["year", "side", "version"], name="system_version")
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.name} 第 {self.version} 版"


class Indicator(models.Model):
    system = models.ForeignKey(System, on_delete=models.CASCADE, related_name="indicators")
    code = models.CharField(_("code"), max_length=10)
    area = models.CharField(_("area"), max_length=30)
    name = models.CharField(_("name"), max_length=100)
    definition = models.TextField(_("definition"), blank=True)
    unit = models.CharField(_("unit"), max_length=10, blank=True)
    direction = models.CharField(
        _("direction"), max_length=4, choices=Direction.choices, default=Direction.UP
    )
    formula = models.CharField(_("formula"), max_length=200, blank=True)
    weight = models.DecimalField(_("weight"), max_digits=6, decimal_places=2)
    rule = models.CharField(_("scoring rule"), max_length=14, choices=Rule.choices)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["system_id", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["system", "code"], name="indicator_code_once")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Deduction(models.Model):
    """A deduction or a veto: when `formula op threshold` holds, points off (per unit of the
    value, up to `max_points`) or the grade set to the lowest, with the reason shown."""

    class Kind(models.TextChoices):
        POINTS = "points", _("扣分")
        VETO = "veto", _("一票否决")

    system = models.ForeignKey(System, on_delete=models.CASCADE, related_name="deductions")
    code = models.CharField(_("code"), max_length=10)
    name = models.CharField(_("name"), max_length=100)
    reason = models.TextField(_("reason"))
    formula = models.CharField(_("formula"), max_length=200)
    op = models.CharField(_("comparison"), max_length=2, default=">")
    threshold = models.FloatField(_("threshold"), default=0)
    kind = models.CharField(_("kind"), max_length=6, choices=Kind.choices)
    points = models.FloatField(_("points per unit"), default=0)
    max_points = models.FloatField(_("maximum points"), default=0)

    class Meta:
        verbose_name = _("deduction")
        verbose_name_plural = _("deductions")
        ordering = ["system_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["system", "code"], name="deduction_code_once")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Run(models.Model):
    """One computation of a year's assessment, for every unit. It is written whole when it
    finishes: pages read the latest complete run, so a failed or running one changes nothing."""

    year = models.PositiveSmallIntegerField(_("year"))
    engine = models.CharField(_("engine"), max_length=10, default="duckdb")
    state = models.CharField(
        _("state"), max_length=10, choices=RunState.choices, default=RunState.QUEUED
    )
    progress = models.PositiveSmallIntegerField(default=0)
    message = models.TextField(blank=True)
    east_system = models.ForeignKey(System, null=True, on_delete=models.PROTECT, related_name="+")
    west_system = models.ForeignKey(System, null=True, on_delete=models.PROTECT, related_name="+")
    verify_run_id = models.BigIntegerField(null=True, blank=True)  # whose findings it counted
    seconds = models.FloatField(null=True, blank=True)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("assessment run")
        verbose_name_plural = _("assessment runs")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.year} 年考核计算 #{self.pk}"


class Result(models.Model):
    """One unit's result in one run: total, grade, rank among its side, area subtotals."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="results")
    side = models.CharField(_("side"), max_length=4, choices=Side.choices)
    unit_code = models.CharField(_("unit"), max_length=12, db_index=True)
    unit_name = models.CharField(_("unit name"), max_length=100)
    total = models.DecimalField(_("score"), max_digits=6, decimal_places=2)
    grade = models.CharField(_("grade"), max_length=4)
    rank = models.PositiveSmallIntegerField(_("rank"))
    peers = models.PositiveSmallIntegerField(_("units ranked"))
    areas = models.JSONField(default=dict)  # {area: {"score": x, "weight": w}}
    deductions = models.JSONField(default=list)  # [{"code", "name", "reason", "points"}]
    veto = models.CharField(max_length=200, blank=True)
    pairings = models.JSONField(default=list)  # the top pairings' ids

    class Meta:
        verbose_name = _("assessment result")
        verbose_name_plural = _("assessment results")
        ordering = ["run_id", "side", "rank", "unit_code"]
        constraints = [
            models.UniqueConstraint(fields=["run", "side", "unit_code"], name="result_once")
        ]

    def __str__(self) -> str:
        return f"{self.unit_name} {self.total} {self.grade}"


class Score(models.Model):
    result = models.ForeignKey(Result, on_delete=models.CASCADE, related_name="scores")
    code = models.CharField(max_length=10)
    area = models.CharField(max_length=30)
    name = models.CharField(max_length=100)
    unit = models.CharField(max_length=10, blank=True)
    rule = models.CharField(max_length=14, choices=Rule.choices)
    value = models.FloatField(null=True, blank=True)
    previous = models.FloatField(null=True, blank=True)
    target = models.FloatField(null=True, blank=True)
    weight = models.DecimalField(max_digits=6, decimal_places=2)
    score = models.DecimalField(max_digits=6, decimal_places=2)
    note = models.CharField(max_length=300, blank=True)
    # The measures the formula names, with their values: each links to the list behind it.
    parts = models.JSONField(default=dict)

    class Meta:
        ordering = ["result_id", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.score}"


class Assessment(models.Model):
    """One unit's year: its self-assessment, its partner's comments, the cross-assessment and
    the final grade — each with its author and time, taken in that order."""

    year = models.PositiveSmallIntegerField(_("year"))
    side = models.CharField(_("side"), max_length=4, choices=Side.choices)
    unit = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    step = models.CharField(_("step"), max_length=8, choices=Step.choices, default=Step.OPEN)
    self_text = models.TextField(_("self-assessment"), blank=True)
    self_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    self_at = models.DateTimeField(null=True, blank=True)
    partner_text = models.TextField(_("partner's comments"), blank=True)
    partner_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    partner_at = models.DateTimeField(null=True, blank=True)
    cross_text = models.TextField(_("cross-assessment findings"), blank=True)
    cross_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    cross_at = models.DateTimeField(null=True, blank=True)
    # Reviewers' scores of qualitative indicators: {code: {"score": x, "reason": "...", "by": ...}}
    # — the self-assessment's proposal first, replaced by the cross-assessment's.
    judgements = models.JSONField(default=dict, blank=True)
    final_grade = models.CharField(_("final grade"), max_length=4, blank=True)
    final_reason = models.TextField(_("reason"), blank=True)
    final_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    final_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("unit assessment")
        verbose_name_plural = _("unit assessments")
        ordering = ["-year", "side", "unit_id"]
        constraints = [
            models.UniqueConstraint(fields=["year", "side", "unit"], name="assessment_once")
        ]

    def __str__(self) -> str:
        return f"{self.year} 年 {self.unit_id} 考核"

    def judgement(self, code: str) -> dict[str, Any] | None:
        value = (self.judgements or {}).get(code)
        return value if isinstance(value, dict) else None


class Assignment(models.Model):
    """An assessor in a cross-assessment group, assigned to one unit's year by the national
    office: it reads everything of that unit's assessment and writes only its findings."""

    year = models.PositiveSmallIntegerField(_("year"))
    assessor = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    side = models.CharField(_("side"), max_length=4, choices=Side.choices)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("assessor assignment")
        verbose_name_plural = _("assessor assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["year", "assessor", "unit", "side"], name="assignment_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.assessor_id} → {self.unit_id}"
