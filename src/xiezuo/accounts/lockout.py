"""Login lockout: five failures lock a user name *from one address*; the name alone locks only
after far more failures from anywhere (USERNAME_LIMIT), so nobody can lock `national` out by
typing wrong passwords from their own desk, and a password spray from many addresses still
stops. An administrator lifts a lockout (`xiezuo users unlock NAME`, or the admin).

django-axes keeps the attempts (per user name and address, AXES_LOCKOUT_PARAMETERS); this handler
adds the second, per-name threshold over the same rows.
"""

from __future__ import annotations

from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.db import transaction
from django.db.models import Sum

from xiezuo.accounts import policy
from xiezuo.accounts.models import User
from xiezuo.audit.models import AuditEvent
from xiezuo.audit.services import audit_record
from xiezuo.core.errors import Forbidden

USERNAME_LIMIT = 50


def failures_of(username: str) -> int:
    """Failures of this user name from every address, within axes' cool-off window (expired
    attempts are removed by axes before each check)."""
    total = AccessAttempt.objects.filter(username=username).aggregate(
        n=Sum("failures_since_start")
    )["n"]
    return int(total or 0)


class LockoutHandler(AxesDatabaseHandler):  # type: ignore[misc]
    def is_locked(self, request: Any, credentials: dict[str, Any] | None = None) -> bool:
        if super().is_locked(request, credentials):
            return True
        username = get_client_username(request, credentials)
        return bool(username) and failures_of(str(username)) >= USERNAME_LIMIT


def unlock(*, username: str, actor: User | None) -> int:
    """Lift every lockout of a user name; an administrator may do it for accounts it manages."""
    target = User.objects.filter(username=username).first()
    if target is not None:
        policy.require_manage_user(actor, target)
    elif actor is not None and not policy.is_national(actor):
        # A name with no account: only a national administrator clears it (nothing to scope by).
        raise Forbidden.because("只有全国管理员可以解除不存在账号的锁定")
    with transaction.atomic():
        removed, _ = AccessAttempt.objects.filter(username=username).delete()
        audit_record(
            actor=actor,
            action=AuditEvent.Action.UPDATE,
            obj=target,
            object_type="" if target is not None else "accounts.user",
            object_repr=username[:150],
            summary=f"login lockout lifted ({removed} attempts)",
        )
    return int(removed)
