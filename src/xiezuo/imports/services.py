"""The staged import, shared by every kind of record: upload → check → preview → commit.

Each kind registers a checker and a committer (see IMPORTERS); the web page, the API and the CLI
all come through these functions, so a file is handled the same way whichever door it uses.
"""

from __future__ import annotations

import functools
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import transaction

from xiezuo.audit.models import AuditEvent
from xiezuo.audit.services import audit_record
from xiezuo.core.errors import UserError
from xiezuo.imports import tabular
from xiezuo.imports.models import ImportBatch
from xiezuo.imports.tabular import TableKind

Progress = Callable[[int, str], None]


@dataclass(frozen=True)
class Importer:
    label: str
    parse: Callable[..., ImportBatch]
    commit: Callable[..., ImportBatch]


def _tabular(spec: TableKind) -> Importer:
    return Importer(
        spec.label,
        functools.partial(tabular.parse, spec),
        functools.partial(tabular.commit, spec),
    )


def _importers() -> dict[str, Importer]:
    from xiezuo.cooperation import importing as cooperation
    from xiezuo.pairing import importing as pairing
    from xiezuo.registry import importing as registry

    return {
        registry.KIND: Importer("建档立卡户与成员", registry.parse_batch, registry.commit_batch),
        pairing.PAIRINGS: _tabular(pairing.PAIRINGS_KIND),
        pairing.AGREEMENTS: _tabular(pairing.AGREEMENTS_KIND),
        **{kind: _tabular(table) for kind, table in cooperation.TABLES.items()},
    }


def importer_choices() -> list[tuple[str, str]]:
    return [(kind, imp.label) for kind, imp in _importers().items()]


def importer(kind: str) -> Importer:
    found = _importers().get(kind)
    if found is None:
        raise UserError(f"未知的导入类型“{kind}”")
    return found


MAX_UPLOAD_BYTES = 512 * 1024 * 1024


@transaction.atomic
def batch_create(*, kind: str, filename: str, source: Path | IO[bytes], user: Any) -> ImportBatch:
    """Keep the uploaded file in the data directory and open a batch for it."""
    importer(kind)
    safe_name = Path(filename).name[:200] or "upload"
    batch = ImportBatch.objects.create(
        kind=kind, filename=safe_name, created_by=user if getattr(user, "pk", None) else None
    )
    directory = Path(settings.XIEZUO_UPLOADS_DIR) / str(batch.pk)
    directory.mkdir(parents=True, exist_ok=True)
    stored = directory / ("upload" + Path(safe_name).suffix.lower())
    if isinstance(source, Path):
        if not source.is_file():
            raise UserError(f"文件不存在：{source}")
        shutil.copyfile(source, stored)
    else:
        with stored.open("wb") as out:
            shutil.copyfileobj(source, out)
    if stored.stat().st_size > MAX_UPLOAD_BYTES:
        stored.unlink()
        raise UserError("文件超过 512 MB：请分县或分乡拆分后上传")
    batch.stored_path = str(stored)
    batch.save(update_fields=["stored_path"])
    audit_record(
        actor=user,
        action=AuditEvent.Action.CREATE,
        obj=batch,
        after={"kind": kind, "file": safe_name},
    )
    return batch


def batch_parse(batch: ImportBatch, *, user: Any, progress: Progress | None = None) -> ImportBatch:
    return importer(batch.kind).parse(batch, user=user, progress=progress)


def batch_commit(batch: ImportBatch, *, actor: Any) -> ImportBatch:
    return importer(batch.kind).commit(batch, actor=actor)


def batch_queue_commit(batch: ImportBatch, *, user: Any) -> bool:
    """A checked batch without problems waits for its commit, which the background worker runs
    as `user`: True once, for the request that queued it; False when it was not (or no longer)
    waiting to be committed — a second click or a second client adds no second commit. The
    state and the task are stored together or not at all (the task queue is in the same
    database), so a batch never waits for a commit nobody will run."""
    from xiezuo.imports.tasks import commit_batch_task  # the tasks call these services

    with transaction.atomic():
        moved = ImportBatch.objects.filter(
            pk=batch.pk, state=ImportBatch.State.PARSED, rows_with_errors=0
        ).update(state=ImportBatch.State.QUEUED, message="已排队，等待写入")
        if moved:
            commit_batch_task.enqueue(str(batch.pk), getattr(user, "pk", None))
    batch.refresh_from_db()
    return bool(moved)
