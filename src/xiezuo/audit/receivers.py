"""Login, logout and failed logins go on the trail. Django reports these only through its auth
signals, so this is the one place the project listens to signals."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import signals
from django.dispatch import receiver

from xiezuo.audit.models import AuditEvent
from xiezuo.audit.services import audit_record


@receiver(signals.user_logged_in)
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit_record(actor=user, action=AuditEvent.Action.LOGIN, obj=user)


@receiver(signals.user_logged_out)
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit_record(actor=user, action=AuditEvent.Action.LOGOUT, obj=user)


@receiver(signals.user_login_failed)
def _login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    # The credentials dict holds the password too: only the user name is kept.
    audit_record(
        actor=None,
        action=AuditEvent.Action.LOGIN_FAILED,
        object_type="accounts.user",
        object_repr=str(credentials.get("username", ""))[:150],
        summary="failed login",
    )
