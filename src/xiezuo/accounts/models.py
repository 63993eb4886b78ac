from __future__ import annotations

import hashlib
from typing import Any

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class Side(models.TextChoices):
    EAST = "east", _("East (helping side)")
    WEST = "west", _("West (helped side)")
    NATIONAL = "national", _("National")


class Role(models.TextChoices):
    VIEWER = "viewer", _("viewer")
    REPORTER = "reporter", _("reporter")
    REVIEWER = "reviewer", _("reviewer")
    ADMIN = "admin", _("administrator")
    ASSESSOR = "assessor", _("assessor")


class User(AbstractUser):
    """A person in a cooperation office: one region, one side, one or more roles."""

    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    side = models.CharField(_("side"), max_length=10, choices=Side.choices, default=Side.WEST)
    roles = models.JSONField(_("roles"), default=list, blank=True)
    organisation = models.CharField(_("office"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def has_role(self, role: str) -> bool:
        return self.is_superuser or role in (self.roles or [])

    @property
    def is_national(self) -> bool:
        return self.side == Side.NATIONAL

    def clean(self) -> None:
        super().clean()
        unknown = [r for r in (self.roles or []) if r not in Role.values]
        if unknown:
            raise ValidationError({"roles": _("Unknown role: %s") % ", ".join(unknown)})
        if self.side != Side.NATIONAL and self.region_id is None and not self.is_superuser:
            raise ValidationError({"region": _("Every east or west user needs a region.")})


class ApiToken(models.Model):
    """A bearer token for the API. Only a hash is stored; the token is shown once at creation."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=8, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # Every token ends: a script's token found years later must not still open the registry.
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return self.name

    def is_usable(self, now: Any) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    @staticmethod
    def hash_key(key: str) -> str:
        # Tokens are 256-bit random strings: a plain SHA-256 suffices (no need for a slow hash).
        return hashlib.sha256(key.encode("ascii", "replace")).hexdigest()
