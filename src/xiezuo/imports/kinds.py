"""The kinds of file the staged import takes, registered by the apps that own them.

`imports` owns the batch's whole life (upload → check → preview → commit) and knows no app by
name: each app registers its kinds in its `AppConfig.ready()` — a label, how to check a stored
file, how to commit a checked one, its template, and the policy that says who may bring such a
file in — as Django's own admin collects ModelAdmins.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.functional import Promise

from xiezuo.core.errors import UserError

if TYPE_CHECKING:
    from xiezuo.accounts.models import User
    from xiezuo.imports.models import ImportBatch

Progress = Callable[[int, str], None]


@dataclass(frozen=True)
class ImportKind:
    kind: str  # stored on the batch; also the CLI's `xiezuo import KIND`
    label: str | Promise
    # parse(batch, user=…, progress=…) checks the stored file into issues and a preview.
    parse: Callable[..., ImportBatch]
    # commit(batch, actor=…) writes a checked batch, all or nothing.
    commit: Callable[..., ImportBatch]
    # The downloadable template: (file name, .xlsx bytes).
    template: Callable[[], tuple[str, bytes]]
    # Raise Forbidden unless the actor may bring this kind of file in at all (each row's own
    # scope is the kind's check to enforce).
    require: Callable[[User | None], None]
    order: int = 100


_KINDS: dict[str, ImportKind] = {}


def register(kind: ImportKind) -> None:
    if kind.kind in _KINDS and _KINDS[kind.kind] != kind:
        raise ValueError(f"import kind {kind.kind!r} registered twice")
    _KINDS[kind.kind] = kind


def registered(kind: str) -> ImportKind | None:
    return _KINDS.get(kind)


def get(kind: str) -> ImportKind:
    found = registered(kind)
    if found is None:
        raise UserError(f"未知的导入类型“{kind}”")
    return found


def all_kinds() -> list[ImportKind]:
    return sorted(_KINDS.values(), key=lambda k: (k.order, k.kind))


def choices() -> list[tuple[str, Any]]:
    return [(k.kind, k.label) for k in all_kinds()]
