"""Changes to accounts. Each writes its audit row in the same transaction."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from xiezuo.accounts.models import ApiToken, Role, User
from xiezuo.audit.models import AuditEvent
from xiezuo.audit.services import audit_record, changed, snapshot
from xiezuo.core.errors import Problem, UserError
from xiezuo.regions.models import Region


def _validation_problems(exc: ValidationError) -> list[Problem]:
    if hasattr(exc, "error_dict"):
        return [
            Problem(" ".join(str(m) for m in msgs), f"字段 {field}")
            for field, msgs in exc.message_dict.items()
        ]
    return [Problem(str(m)) for m in exc.messages]


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str,
    side: str,
    region: Region | None,
    roles: list[str],
    actor: Any,
    full_name: str = "",
    organisation: str = "",
    check_password: bool = True,
) -> User:
    if User.objects.filter(username=username).exists():
        raise UserError(f"用户名 {username} 已存在", [Problem("已存在", "字段 username")])
    user = User(
        username=username,
        side=side,
        region=region,
        roles=sorted(set(roles)),
        first_name=full_name,
        organisation=organisation,
        is_staff=Role.ADMIN in roles,
    )
    try:
        if check_password:
            validate_password(password, user)
        user.full_clean(exclude=["password"])
    except ValidationError as exc:
        raise UserError("账号信息有误，未创建", _validation_problems(exc)) from exc
    user.set_password(password)
    user.save()
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, obj=user, after=snapshot(user))
    return user


@transaction.atomic
def user_update(*, user: User, actor: Any, **fields: Any) -> User:
    allowed = {"side", "region", "roles", "first_name", "organisation", "is_active", "email"}
    unknown = set(fields) - allowed
    if unknown:
        raise UserError(f"不能修改字段：{', '.join(sorted(unknown))}")
    before = snapshot(user)
    for name, value in fields.items():
        setattr(user, name, value)
    user.is_staff = user.is_superuser or Role.ADMIN in (user.roles or [])
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as exc:
        raise UserError("账号信息有误，未保存", _validation_problems(exc)) from exc
    user.save()
    old, new = changed(before, snapshot(user))
    if new:
        audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=user, before=old, after=new)
    return user


@transaction.atomic
def user_set_password(*, user: User, password: str, actor: Any) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise UserError("密码不符合要求", _validation_problems(exc)) from exc
    user.set_password(password)
    user.save(update_fields=["password"])
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=user, summary="password changed")


@transaction.atomic
def api_token_create(*, user: User, name: str, actor: Any) -> tuple[ApiToken, str]:
    """Return the token row and the plain token, which is not stored and is shown only once."""
    key = "xz_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=key[3:9], key_hash=ApiToken.hash_key(key)
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=token,
        after={"user": user.username, "name": name, "prefix": token.prefix},
    )
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: Any) -> None:
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=token, summary="token revoked")


def api_token_user(key: str) -> User | None:
    """The active user a bearer token belongs to, or None."""
    token = (
        ApiToken.objects.select_related("user", "user__region")
        .filter(key_hash=ApiToken.hash_key(key), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    # Touch at most once a minute: a busy client should not turn every read into a write.
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
