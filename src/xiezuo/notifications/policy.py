"""Who may read and mark a notification: its recipient, and no one else — not an administrator,
not the national office (a notification says what its recipient may see, nothing more)."""

from __future__ import annotations

from xiezuo.accounts.models import User
from xiezuo.accounts.policy import is_user
from xiezuo.core.errors import Forbidden, NotFound
from xiezuo.notifications.models import Notification


def require_own(actor: User | None, notification: Notification) -> None:
    """Refused as not found: another user's notification does not exist for this one."""
    if not is_user(actor) or actor is None or notification.recipient_id != actor.pk:
        raise NotFound(f"没有编号为 {notification.pk} 的通知")


def require_reader(actor: User | None) -> None:
    """Marking all read is done for oneself: a signed-in user (the platform has no inbox)."""
    if not is_user(actor):
        raise Forbidden.because("请先登录")
