"""The one way an import step records where its batch stands (state, progress, message…)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from xiezuo.core.errors import UserError
from xiezuo.imports.models import ImportBatch, ImportIssue


def batch_update(batch: ImportBatch, **fields: Any) -> ImportBatch:
    """Set the fields on the object and in the database at once, without a full save: the page
    polling the batch reads them while the step is still running in its own transaction."""
    for name, value in fields.items():
        setattr(batch, name, value)
    if fields.get("state") in (ImportBatch.State.COMMITTED, ImportBatch.State.FAILED):
        fields["finished_at"] = batch.finished_at = timezone.now()
    ImportBatch.objects.filter(pk=batch.pk).update(**fields)
    return batch


def batch_fail(batch: ImportBatch, exc: UserError) -> ImportBatch:
    """The file itself is unusable (wrong type, truncated, no header): say why, as the batch's
    one issue, so the page shows it where row problems would be."""
    ImportIssue.objects.create(batch=batch, row=0, column="", message=str(exc)[:300])
    return batch_update(batch, state=ImportBatch.State.FAILED, message=str(exc), rows_with_errors=1)


def batch_write_failed(batch: ImportBatch, exc: Exception) -> ImportBatch:
    """A commit broke off: its transaction rolled back, so the batch is as checked before."""
    return batch_update(
        batch, state=ImportBatch.State.PARSED, message=f"写入失败，未做任何修改：{exc}"
    )
