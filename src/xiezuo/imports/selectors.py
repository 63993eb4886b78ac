from __future__ import annotations

import uuid
from typing import Any

from django.db.models import Q, QuerySet

from xiezuo.accounts.policy import is_national
from xiezuo.imports.models import ImportBatch


def batch_list(*, user: Any) -> QuerySet[ImportBatch]:
    """A user's own batches; national users and superusers see every batch."""
    qs = ImportBatch.objects.select_related("created_by")
    if user.is_superuser or is_national(user):
        return qs
    return qs.filter(Q(created_by=user))


def batch_get(*, user: Any, batch_id: str) -> ImportBatch | None:
    try:
        key = uuid.UUID(str(batch_id))
    except ValueError:
        return None
    return batch_list(user=user).filter(pk=key).first()
