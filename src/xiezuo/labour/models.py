"""Labour cooperation (劳务协作): workers from the registry, job postings, matching runs and
their proposed matches, placements and how long they last."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from xiezuo.labour.choices import (
    Employment,
    MatchState,
    Organiser,
    PostingState,
    Sector,
    Source,
    WorkerFlag,
)

USER = settings.AUTH_USER_MODEL


def _region(verbose: Any, *, null: bool = False, related: str = "+") -> Any:
    return models.ForeignKey(
        "regions.Region",
        verbose_name=verbose,
        on_delete=models.PROTECT,
        related_name=related,
        null=null,
        blank=null,
    )


class Skill(models.Model):
    """The shared skill list (see skills.SKILLS); `occupation` is the 职业分类大典 code."""

    code = models.CharField(_("code"), max_length=20, primary_key=True)
    name = models.CharField(_("name"), max_length=50)
    occupation = models.CharField(_("occupation code"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("skill")
        verbose_name_plural = _("skills")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Worker(models.Model):
    """A registered member of working age with labour capacity, available for placement. A
    member who leaves working age, leaves the registry or whose household is cancelled is
    flagged (`flag`), never deleted: placements and measures keep pointing at the profile."""

    member = models.OneToOneField(
        "registry.Member",
        verbose_name=_("member"),
        on_delete=models.SET_NULL,  # a member removed from the registry leaves a flagged worker
        null=True,
        related_name="worker",
    )
    name = models.CharField(_("name"), max_length=50)
    id_hash = models.CharField(max_length=32, db_index=True)
    county = _region(_("county"))
    birth_date = models.DateField(_("birth date"))
    sex = models.CharField(_("sex"), max_length=6)
    skills = models.ManyToManyField(Skill, verbose_name=_("skills"), blank=True)
    min_wage = models.PositiveIntegerField(_("lowest monthly wage accepted"), default=0)
    places = models.JSONField(_("wished places"), default=list, blank=True)  # codes / prefixes
    sectors = models.JSONField(_("wished sectors"), default=list, blank=True)
    needs_dorm = models.BooleanField(_("needs a dormitory"), default=False)
    available_from = models.DateField(_("available from"), null=True, blank=True)
    flag = models.CharField(
        _("flag"), max_length=10, choices=WorkerFlag.choices, default="", blank=True
    )
    flagged_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("worker")
        verbose_name_plural = _("workers")
        ordering = ["county_id", "name"]
        indexes = [models.Index(fields=["county", "flag"])]

    def __str__(self) -> str:
        return self.name

    @property
    def available(self) -> bool:
        return not self.flag


class EmploymentStatus(models.Model):
    """A worker's employment each quarter (就业人员 / 未就业人员 信息采集)."""

    worker = models.ForeignKey(Worker, on_delete=models.CASCADE, related_name="quarters")
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"))
    status = models.CharField(_("status"), max_length=12, choices=Employment.choices)

    class Meta:
        verbose_name = _("employment status")
        verbose_name_plural = _("employment statuses")
        constraints = [
            models.UniqueConstraint(
                fields=["worker", "year", "quarter"], name="employment_one_per_quarter"
            ),
            models.CheckConstraint(
                condition=models.Q(quarter__gte=1, quarter__lte=4), name="employment_quarter"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year}Q{self.quarter} {self.get_status_display()}"


class Posting(models.Model):
    """A job posting an eastern unit brought (or a western county's own local employer)."""

    employer = models.CharField(_("employer"), max_length=200)
    employer_code = models.CharField(_("unified social credit code"), max_length=18)
    place = _region(_("workplace"))
    sector = models.CharField(_("sector"), max_length=16, choices=Sector.choices)
    wage = models.PositiveIntegerField(_("monthly wage"))
    slots = models.PositiveIntegerField(_("slots"))
    start = models.DateField(_("start date"))
    skills = models.ManyToManyField(Skill, verbose_name=_("required skills"), blank=True)
    age_min = models.PositiveSmallIntegerField(_("minimum age"), default=16)
    age_max = models.PositiveSmallIntegerField(_("maximum age"), default=60)
    dorm = models.BooleanField(_("dormitory offered"), default=False)
    transport = models.BooleanField(_("transport offered"), default=False)
    requirements = models.TextField(_("other requirements"), blank=True)
    sex_reason = models.CharField(
        _("legal reason for a sex requirement"), max_length=200, blank=True
    )
    east_unit = _region(_("eastern unit that brought it"), related="labour_postings")
    state = models.CharField(
        _("state"), max_length=8, choices=PostingState.choices, default=PostingState.OPEN
    )
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("job posting")
        verbose_name_plural = _("job postings")
        ordering = ["-start", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(slots__gt=0), name="posting_slots_positive"),
            models.CheckConstraint(
                condition=models.Q(age_min__lte=models.F("age_max")), name="posting_age_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.employer}（{self.place_id}）"


class MatchRun(models.Model):
    """One run of the engine for the workers of a western region."""

    west_region = _region(_("western region"))
    method = models.CharField(_("method"), max_length=10)
    status = models.CharField(_("status"), max_length=10)
    matched = models.PositiveIntegerField(default=0)
    total = models.PositiveBigIntegerField(default=0)
    seconds = models.FloatField(default=0)
    proof = models.TextField(blank=True)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("matching run")
        verbose_name_plural = _("matching runs")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.west_region_id} {self.created_at:%Y-%m-%d %H:%M}"


class Match(models.Model):
    """A worker proposed for a posting by a run; accepted or rejected by the county."""

    run = models.ForeignKey(MatchRun, on_delete=models.CASCADE, related_name="matches")
    worker = models.ForeignKey(Worker, on_delete=models.PROTECT, related_name="matches")
    posting = models.ForeignKey(Posting, on_delete=models.PROTECT, related_name="matches")
    score = models.PositiveIntegerField(_("score"))
    parts = models.JSONField(default=dict)
    explanation = models.TextField(_("why"))
    state = models.CharField(
        _("state"),
        max_length=10,
        choices=MatchState.choices,
        default=MatchState.PROPOSED,
        db_index=True,
    )
    decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("proposed match")
        verbose_name_plural = _("proposed matches")
        ordering = ["-score", "pk"]

    def __str__(self) -> str:
        return f"{self.worker_id} → {self.posting_id} ({self.score})"


class Placement(models.Model):
    """A person in a job. Kept even when flagged (overlap, under age, unregistered): the flags
    say what to check, nothing is silently dropped."""

    worker = models.ForeignKey(
        Worker, null=True, blank=True, on_delete=models.PROTECT, related_name="placements"
    )
    person_name = models.CharField(_("name"), max_length=50)
    id_hash = models.CharField(max_length=32, db_index=True)
    id_masked = models.CharField(_("ID number"), max_length=20)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    home_county = _region(_("home county"), null=True)
    employer = models.CharField(_("employer"), max_length=200)
    employer_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    place = _region(_("workplace"))
    start = models.DateField(_("start"))
    end = models.DateField(_("end"), null=True, blank=True)
    wage = models.PositiveIntegerField(_("monthly wage"))
    organised = models.BooleanField(_("organised"), default=True)
    organiser = models.CharField(_("organiser"), max_length=10, choices=Organiser.choices)
    organiser_region = _region(_("organising unit"), null=True)
    proofs = models.JSONField(_("proof held"), default=list, blank=True)
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    match = models.OneToOneField(
        Match, null=True, blank=True, on_delete=models.SET_NULL, related_name="placement"
    )
    flags = models.JSONField(_("flags"), default=list, blank=True)
    created_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("placement")
        verbose_name_plural = _("placements")
        ordering = ["-start", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__isnull=True) | models.Q(end__gte=models.F("start")),
                name="placement_end_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_name} @ {self.employer}"

    def months_until(self, day: object) -> int:
        """Whole months employed from the start to `day` (or the end, if earlier)."""
        import datetime

        assert isinstance(day, datetime.date)
        last = min(day, self.end) if self.end else day
        if last < self.start:
            return 0
        months = (last.year - self.start.year) * 12 + last.month - self.start.month
        return months - (1 if last.day < self.start.day else 0)
