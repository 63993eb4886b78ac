from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from xiezuo.imports import kinds


class ImportBatch(models.Model):
    """One uploaded file on its way in: uploaded → parsed (with its issues) → committed.

    Shared by every kind of record; `kind` names the importer (see xiezuo.imports.registry).
    """

    class State(models.TextChoices):
        UPLOADED = "uploaded", _("uploaded")
        PARSING = "parsing", _("checking")
        PARSED = "parsed", _("checked")
        # Commit asked for, waiting for the background worker: the page polls from here on,
        # and a second click finds nothing left to ask for.
        QUEUED = "queued", _("waiting to write")
        COMMITTING = "committing", _("committing")
        COMMITTED = "committed", _("committed")
        FAILED = "failed", _("failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=30)
    filename = models.CharField(_("file"), max_length=255)
    stored_path = models.CharField(max_length=500)
    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.UPLOADED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    rows_read = models.PositiveIntegerField(default=0)
    rows_with_errors = models.PositiveIntegerField(default=0)
    progress = models.PositiveSmallIntegerField(default=0)  # percent of the current step
    message = models.TextField(blank=True)
    summary = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.filename} ({self.state})"

    @property
    def kind_label(self) -> Any:
        """The kind's name as its app registered it (the stored code if no app does now)."""
        found = kinds.registered(self.kind)
        return found.label if found is not None else self.kind

    @property
    def shown_message(self) -> str:
        """The message in the reader's language where the step kept its parts: the registry's
        words with their numbers (`summary["said"]`: a Chinese msgid and its parameters), or a
        table's counts (`summary["written"]`: Chinese msgid → number). Else as stored."""
        summary = self.summary if isinstance(self.summary, dict) else {}
        said = summary.get("said")
        if self.state == self.State.COMMITTED and isinstance(said, dict) and "msgid" in said:
            return str(gettext(said["msgid"]) % said.get("params", {}))
        written = summary.get("written")
        if self.state == self.State.COMMITTED and isinstance(written, dict):
            done = gettext(", ").join(f"{gettext(k)} {v}" for k, v in written.items())
            return gettext("Written: %(done)s") % {"done": done}
        return self.message


class ImportIssue(models.Model):
    """A problem found in one row (and column) of a batch, in words a person can act on."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="issues")
    row = models.PositiveIntegerField()
    column = models.CharField(max_length=50, blank=True)
    # The cell as the user typed it, for the problems workbook.
    value = models.CharField(max_length=200, blank=True)
    message = models.CharField(max_length=300)
    # A problem of a whole household (no head, two heads, …) is named on each of its rows and
    # counted once per household: the household's number, and the kind of problem.
    household = models.CharField(max_length=30, blank=True)
    kind = models.CharField(max_length=30, blank=True)

    class Meta:
        ordering = ["batch", "row", "id"]

    def __str__(self) -> str:
        return f"第 {self.row} 行 {self.column}: {self.message}"
