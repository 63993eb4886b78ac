"""Reads of accounts."""

from __future__ import annotations

from xiezuo.accounts.models import User


def active_user(username: str) -> User | None:
    """The account a typed user name names, if it is in use (an owner, a responsible person)."""
    return User.objects.filter(username=username.strip(), is_active=True).first()
