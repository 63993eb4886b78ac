"""Writing the audit trail. Every service that changes domain data calls `audit_record` inside
its own transaction, so the change and its audit row commit or roll back together."""

from __future__ import annotations

import datetime
import decimal
from typing import Any

from django.db import models

from xiezuo.audit import context
from xiezuo.audit.models import AuditEvent


def _jsonable(value: Any) -> Any:
    if isinstance(value, (datetime.date, datetime.datetime, decimal.Decimal)):
        return str(value)
    return value


def snapshot(obj: models.Model, *, exclude: tuple[str, ...] = ("password",)) -> dict[str, Any]:
    """The concrete field values of a model instance, as JSON-able data."""
    values: dict[str, Any] = {}
    for f in obj._meta.concrete_fields:
        if f.name in exclude:
            continue
        values[f.attname] = _jsonable(getattr(obj, f.attname))
    return values


def changed(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields that differ, so the trail shows what a person changed."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    summary: str = "",
) -> AuditEvent:
    ctx = context.current()
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:200]
    user = actor if getattr(actor, "pk", None) is not None else None
    return AuditEvent.objects.create(
        actor=user,
        actor_name=getattr(actor, "username", "") or ("system" if actor is None else str(actor)),
        ip=ctx.ip,
        channel=ctx.channel,
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:200],
        before=before,
        after=after,
        summary=summary,
    )
