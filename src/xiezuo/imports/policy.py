"""Who may bring a file in, and who may commit it. Each kind says who may import it at all
(`ImportKind.require`); a checked batch is committed by the person who uploaded it — the one
who saw its preview — or by the platform itself."""

from __future__ import annotations

from xiezuo.accounts.models import User
from xiezuo.core.errors import Forbidden
from xiezuo.imports.kinds import ImportKind
from xiezuo.imports.models import ImportBatch


def require_upload(actor: User | None, kind: ImportKind) -> None:
    # The kind alone decides: pairings are imported by reviewers, registry files by reporters.
    kind.require(actor)


def require_commit(actor: User | None, batch: ImportBatch) -> None:
    if actor is None:
        return
    if batch.created_by_id != actor.pk:
        raise Forbidden.because("只有上传者可以提交该批次")
