"""Telling users what happened, and marking what they have read.

The services where an event happens call `notify` themselves (a review, a submission, a
proposed pairing, an import step), inside their own transaction, with the recipients their app's
selectors computed from the region scope: a review that rolls back tells no one, and no app's
rule of who sees what is repeated here. Signals were the other way; they would hide who is told
from the code that decides it (STYLE: no signals for business logic).

E-mail is optional (XIEZUO_NOTIFY_EMAIL, off by default): sent through Django's mail settings
once the transaction has committed, to recipients with an address, in the site's language.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core import mail
from django.db import transaction
from django.utils import timezone, translation

from xiezuo.accounts.models import User
from xiezuo.notifications import policy
from xiezuo.notifications.models import Kind, Notification

log = logging.getLogger(__name__)


def notify(
    *,
    kind: Kind,
    recipients: Iterable[User],
    params: Mapping[str, Any],
    link: str = "",
    actor: User | None = None,
) -> list[Notification]:
    """One notification per recipient (each once; never the actor, who knows what it did).
    `recipients` must already be limited to users who may see what it is about."""
    actor_pk = getattr(actor, "pk", None)
    values = {k: str(v) for k, v in params.items()}
    told: dict[int, User] = {}
    for user in recipients:
        if user.is_active and user.pk != actor_pk:
            told.setdefault(user.pk, user)
    made = Notification.objects.bulk_create(
        Notification(recipient=user, kind=kind, params=values, link=link[:300])
        for user in told.values()
    )
    if made and getattr(settings, "XIEZUO_NOTIFY_EMAIL", False):
        messages = _emails(made)
        if messages:
            transaction.on_commit(lambda: _send(messages))
    return made


def _emails(made: list[Notification]) -> list[mail.EmailMessage]:
    site = getattr(settings, "XIEZUO_SITE_URL", "").rstrip("/")
    out = []
    with translation.override(settings.LANGUAGE_CODE):
        for n in made:
            address = (n.recipient.email or "").strip()
            if not address:
                continue
            body = n.text
            if n.link:
                body += "\n\n" + (site + n.link if site else n.link)
            subject = f"【{translation.gettext('东西部协作')}】{n.get_kind_display()}"
            out.append(mail.EmailMessage(subject=subject, body=body, to=[address]))
    return out


def _send(messages: list[mail.EmailMessage]) -> None:
    """After the commit: a mail server that is down must not undo or fail the event."""
    try:
        with mail.get_connection() as connection:
            connection.send_messages(messages)
    except Exception:
        log.warning("notification e-mail not sent (%d messages)", len(messages), exc_info=True)


def mark_read(*, actor: User | None, notification: Notification) -> Notification:
    policy.require_own(actor, notification)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
    return notification


def mark_all_read(*, actor: User | None) -> int:
    """Every unread notification of the actor's own; returns how many."""
    policy.require_reader(actor)
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).update(
        read_at=timezone.now()
    )
