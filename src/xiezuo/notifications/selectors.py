"""A user's own notifications: nobody reads another's (see policy)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from xiezuo.accounts.policy import is_user
from xiezuo.core.errors import NotFound
from xiezuo.notifications.models import Notification


def notification_list(*, user: Any, unread: bool = False) -> QuerySet[Notification]:
    if not is_user(user):
        return Notification.objects.none()
    qs = Notification.objects.filter(recipient=user)
    return qs.filter(read_at__isnull=True) if unread else qs


def notification_get(*, user: Any, pk: int) -> Notification:
    found = notification_list(user=user).filter(pk=pk).first()
    if found is None:
        raise NotFound(f"没有编号为 {pk} 的通知")
    return found


def unread_count(*, user: Any) -> int:
    return notification_list(user=user, unread=True).count()
