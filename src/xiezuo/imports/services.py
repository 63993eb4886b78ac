"""The staged import, shared by every kind of record: upload → check → preview → commit.

Each kind registers itself (`imports.kinds`); the web page, the API and the CLI all come through
these functions, so a file is handled the same way whichever door it uses, and the rules of who
may bring a file in and who may commit it (`imports.policy`) hold at every door.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import IO

from django.conf import settings
from django.db import transaction

from xiezuo.accounts.models import User
from xiezuo.audit.models import AuditEvent
from xiezuo.audit.services import audit_record
from xiezuo.core.errors import UserError
from xiezuo.imports import kinds, policy, safety
from xiezuo.imports.kinds import Progress
from xiezuo.imports.models import ImportBatch


def batch_create(
    *, kind: str, filename: str, source: Path | IO[bytes], actor: User | None
) -> ImportBatch:
    """Keep the uploaded file in the data directory and open a batch for it; the caller checks
    it (the CLI in the foreground). Pages and the API use `batch_upload`, which also queues the
    check."""
    import_kind = kinds.get(kind)
    policy.require_upload(actor, import_kind)
    safe_name = Path(filename).name[:200] or "upload"
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            kind=kind, filename=safe_name, created_by=actor if getattr(actor, "pk", None) else None
        )
        directory = Path(settings.XIEZUO_UPLOADS_DIR) / str(batch.pk)
        directory.mkdir(parents=True, exist_ok=True)
        stored = directory / ("upload" + Path(safe_name).suffix.lower())
        try:
            _store(source, stored)
            # A workbook that would expand past the limits is refused before anything parses it.
            safety.check_stored(stored, original_name=safe_name)
        except UserError:
            shutil.rmtree(directory, ignore_errors=True)
            raise
        batch.stored_path = str(stored)
        batch.save(update_fields=["stored_path"])
        audit_record(
            actor=actor,
            action=AuditEvent.Action.CREATE,
            obj=batch,
            after={"kind": kind, "file": safe_name},
        )
    return batch


def _store(source: Path | IO[bytes], stored: Path) -> None:
    if isinstance(source, Path):
        if not source.is_file():
            raise UserError(f"文件不存在：{source}")
        if source.stat().st_size > safety.MAX_UPLOAD_BYTES:
            raise UserError(safety.too_large_message())
        shutil.copyfile(source, stored)
        return
    with stored.open("wb") as out:
        copied = 0
        while chunk := source.read(1 << 20):
            copied += len(chunk)
            if copied > safety.MAX_UPLOAD_BYTES:
                raise UserError(safety.too_large_message())
            out.write(chunk)


def batch_upload(*, kind: str, filename: str, source: Path | IO[bytes], actor: User) -> ImportBatch:
    """Open a batch and queue its check, in one transaction (the task queue lives in the same
    database): a batch never waits for a check nobody will run."""
    from xiezuo.imports.tasks import parse_batch_task  # the tasks call these services

    with transaction.atomic():
        batch = batch_create(kind=kind, filename=filename, source=source, actor=actor)
        parse_batch_task.enqueue(str(batch.pk), actor.pk)
    batch.refresh_from_db()
    return batch


def batch_parse(
    batch: ImportBatch, *, user: User | None, progress: Progress | None = None
) -> ImportBatch:
    return kinds.get(batch.kind).parse(batch, user=user, progress=progress)


def batch_commit(batch: ImportBatch, *, actor: User | None) -> ImportBatch:
    policy.require_commit(actor, batch)
    return kinds.get(batch.kind).commit(batch, actor=actor)


def batch_queue_commit(batch: ImportBatch, *, actor: User | None) -> bool:
    """A checked batch without problems waits for its commit, which the background worker runs
    as `actor`: True once, for the request that queued it; False when it was not (or no longer)
    waiting to be committed — a second click or a second client adds no second commit. The
    state and the task are stored together or not at all (the task queue is in the same
    database), so a batch never waits for a commit nobody will run."""
    from xiezuo.imports.tasks import commit_batch_task  # the tasks call these services

    policy.require_commit(actor, batch)
    with transaction.atomic():
        moved = ImportBatch.objects.filter(
            pk=batch.pk, state=ImportBatch.State.PARSED, rows_with_errors=0
        ).update(state=ImportBatch.State.QUEUED, message="已排队，等待写入")
        if moved:
            commit_batch_task.enqueue(str(batch.pk), getattr(actor, "pk", None))
    batch.refresh_from_db()
    return bool(moved)
