"""Background steps of an import, run by `xiezuo db_worker` (django-tasks, database backend)."""

from __future__ import annotations

from django_tasks import task

from xiezuo.accounts.models import User
from xiezuo.core.errors import UserError
from xiezuo.imports import services
from xiezuo.imports.models import ImportBatch
from xiezuo.imports.models import ImportBatch as Batch


class _Gone(Exception):
    """The uploader's account is gone or stopped: the batch fails rather than run as anyone."""


def _user(batch_id: str, user_id: int | None) -> User | None:
    """The uploader, or None for the platform itself: a batch never runs with more rights than
    the person who sent it."""
    if user_id is None:
        return None
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        Batch.objects.filter(pk=batch_id).update(
            state=Batch.State.FAILED, message="上传该文件的账号已停用"
        )
        raise _Gone
    return user


@task()
def parse_batch_task(batch_id: str, user_id: int | None) -> None:
    batch = ImportBatch.objects.get(pk=batch_id)
    try:
        user = _user(batch_id, user_id)
    except _Gone:
        return
    services.batch_parse(batch, user=user)


@task()
def commit_batch_task(batch_id: str, user_id: int | None) -> None:
    batch = ImportBatch.objects.get(pk=batch_id)
    try:
        user = _user(batch_id, user_id)
    except _Gone:
        return
    try:
        services.batch_commit(batch, actor=user)
    except UserError as exc:
        # Refused before writing (its check result gone, say): a batch still waiting goes back
        # to checked, so the page stops polling and shows why.
        ImportBatch.objects.filter(pk=batch_id, state=ImportBatch.State.QUEUED).update(
            state=ImportBatch.State.PARSED
        )
        ImportBatch.objects.filter(pk=batch_id).update(message=str(exc))
