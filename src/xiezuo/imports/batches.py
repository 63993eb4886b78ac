"""The one way an import step records where its batch stands (state, progress, message…)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from xiezuo.core.errors import UserError
from xiezuo.imports.models import ImportBatch, ImportIssue


def batch_update(batch: ImportBatch, **fields: Any) -> ImportBatch:
    """Set the fields on the object and in the database at once, without a full save: the page
    polling the batch reads them while the step is still running in its own transaction."""
    previous = batch.state
    for name, value in fields.items():
        setattr(batch, name, value)
    if fields.get("state") in (ImportBatch.State.COMMITTED, ImportBatch.State.FAILED):
        fields["finished_at"] = batch.finished_at = timezone.now()
    ImportBatch.objects.filter(pk=batch.pk).update(**fields)
    if fields.get("state") in TOLD:
        _tell(batch, broke_off=previous == ImportBatch.State.COMMITTING)
    return batch


# A step that ends with the batch waiting for its uploader (checked, or back to checked after a
# commit that broke off), done, or failed: the uploader is told.
TOLD = (ImportBatch.State.PARSED, ImportBatch.State.COMMITTED, ImportBatch.State.FAILED)


def _tell(batch: ImportBatch, *, broke_off: bool) -> None:
    """`broke_off`: a commit that went back to checked (refused or failed, nothing written)."""
    from django.urls import reverse

    from xiezuo.accounts.models import User
    from xiezuo.notifications.models import Kind as Told
    from xiezuo.notifications.services import notify

    if batch.created_by_id is None:
        return  # the platform's own load (the CLI): nobody to tell
    kind = Told.IMPORT_FAILED
    if batch.state == ImportBatch.State.PARSED and not broke_off:
        kind = Told.IMPORT_CHECKED
    elif batch.state == ImportBatch.State.COMMITTED:
        kind = Told.IMPORT_COMMITTED
    notify(
        kind=kind,
        # The uploader: its batches are its own (imports.selectors.batch_list).
        recipients=User.objects.filter(pk=batch.created_by_id, is_active=True),
        params={"file": batch.filename, "message": batch.message},
        link=reverse("web:import_detail", args=[batch.pk]),
    )


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
