"""Login, logout and failed logins go on the trail. Django reports these only through its auth
signals, so this is the one place the project listens to signals."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
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


@receiver(user_locked_out)
def _locked_out(
    sender: Any, request: Any = None, username: str = "", ip_address: str = "", **kwargs: Any
) -> None:
    audit_record(
        actor=None,
        action=AuditEvent.Action.LOCKED_OUT,
        object_type="accounts.user",
        object_repr=str(username or "")[:150],
        summary=f"login locked out from {ip_address or 'unknown address'}",
    )
