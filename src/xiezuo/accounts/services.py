"""Changes to accounts. Each asks `accounts.policy` first and writes its audit row in the same
transaction; a refused grant is audited too, in a transaction of its own that the refusal does
not roll back."""

from __future__ import annotations

import datetime
import secrets
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from xiezuo.accounts import policy
from xiezuo.accounts.models import ApiToken, Role, User
from xiezuo.audit.models import AuditEvent
from xiezuo.audit.services import audit_record, changed, snapshot
from xiezuo.core.errors import Forbidden, Problem, UserError
from xiezuo.regions.models import Region

TOKEN_DAYS = 90
MAX_TOKEN_DAYS = 366
GRANT_FIELDS = {"side", "region", "roles", "is_active"}
PLAIN_FIELDS = {"first_name", "organisation", "email"}


def _validation_problems(exc: ValidationError) -> list[Problem]:
    if hasattr(exc, "error_dict"):
        return [
            Problem(" ".join(str(m) for m in msgs), f"字段 {field}")
            for field, msgs in exc.message_dict.items()
        ]
    return [Problem(str(m)) for m in exc.messages]


def audit_refusal(*, actor: User | None, what: str, exc: Forbidden, obj: Any = None) -> None:
    """Keep a refused attempt on the trail. Called outside the refused change's transaction (or
    after it rolled back), so the row stays."""
    audit_record(
        actor=actor,
        action=AuditEvent.Action.REFUSED,
        obj=obj,
        object_type="" if obj is not None else "accounts.user",
        object_repr=what[:200],
        summary=exc.summary[:300],
    )


def _checked(actor: User | None, what: str, rule: Any, *args: Any, **kwargs: Any) -> None:
    try:
        rule(*args, **kwargs)
    except Forbidden as exc:
        audit_refusal(actor=actor, what=what, exc=exc)
        raise


def user_create_check(
    *, username: str, side: str, region: Region | None, roles: list[str], actor: User | None
) -> None:
    """Raise Forbidden (audited) unless `actor` may create such an account: the admin form asks
    this before it shows its errors, the service before it writes."""
    _checked(
        actor,
        f"创建账号 {username}",
        policy.require_grant,
        actor,
        side=side,
        region_code=region.code if region else None,
        roles=roles,
    )


def user_create(
    *,
    username: str,
    password: str,
    side: str,
    region: Region | None,
    roles: list[str],
    actor: User | None,
    full_name: str = "",
    organisation: str = "",
    check_password: bool = True,
) -> User:
    user_create_check(username=username, side=side, region=region, roles=roles, actor=actor)
    return _user_create(
        username=username,
        password=password,
        side=side,
        region=region,
        roles=roles,
        actor=actor,
        full_name=full_name,
        organisation=organisation,
        check_password=check_password,
    )


@transaction.atomic
def _user_create(
    *,
    username: str,
    password: str,
    side: str,
    region: Region | None,
    roles: list[str],
    actor: User | None,
    full_name: str,
    organisation: str,
    check_password: bool,
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


def user_update_check(*, user: User, actor: User | None, fields: dict[str, Any]) -> None:
    """Raise Forbidden (audited) unless `actor` may make these changes to `user`."""
    unknown = set(fields) - GRANT_FIELDS - PLAIN_FIELDS
    if unknown:
        raise UserError(f"不能修改字段：{', '.join(sorted(unknown))}")
    what = f"修改账号 {user.username}"
    _checked(actor, what, policy.require_manage_user, actor, user)
    if set(fields) & GRANT_FIELDS:
        region = fields.get("region", user.region)
        _checked(
            actor,
            what,
            policy.require_grant,
            actor,
            side=fields.get("side", user.side),
            region_code=region.code if region is not None else None,
            roles=fields.get("roles", user.roles or []),
        )


def user_update(*, user: User, actor: User | None, **fields: Any) -> User:
    user_update_check(user=user, actor=actor, fields=fields)
    return _user_update(user=user, actor=actor, fields=fields)


@transaction.atomic
def _user_update(*, user: User, actor: User | None, fields: dict[str, Any]) -> User:
    before = snapshot(user)
    for name, value in fields.items():
        setattr(user, name, list(dict.fromkeys(value)) if name == "roles" else value)
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


def user_set_password(*, user: User, password: str, actor: User | None) -> None:
    _checked(actor, f"设置 {user.username} 的密码", policy.require_manage_user, actor, user)
    with transaction.atomic():
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise UserError("密码不符合要求", _validation_problems(exc)) from exc
        user.set_password(password)
        user.save(update_fields=["password"])
        audit_record(
            actor=actor, action=AuditEvent.Action.UPDATE, obj=user, summary="password changed"
        )


def api_token_create(
    *, user: User, name: str, actor: User | None, days: int = TOKEN_DAYS
) -> tuple[ApiToken, str]:
    """Return the token row and the plain token, which is not stored and is shown only once."""
    _checked(actor, f"为 {user.username} 创建令牌", policy.require_manage_user, actor, user)
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise UserError(
            f"令牌有效期应为 1 到 {MAX_TOKEN_DAYS} 天", [Problem(f"现为 {days}", "有效天数")]
        )
    if not name.strip():
        raise UserError("令牌须有名称", [Problem("不能为空", "名称")])
    key = "xz_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name.strip()[:100],
            prefix=key[3:9],
            key_hash=ApiToken.hash_key(key),
            expires_at=timezone.now() + datetime.timedelta(days=days),
        )
        audit_record(
            actor=actor,
            action=AuditEvent.Action.CREATE,
            obj=token,
            after={"user": user.username, "name": token.name, "expires_at": str(token.expires_at)},
        )
    return token, key


def api_token_revoke(*, token: ApiToken, actor: User | None) -> ApiToken:
    _checked(actor, f"吊销令牌 {token.name}", policy.require_manage_user, actor, token.user)
    with transaction.atomic():
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            audit_record(
                actor=actor, action=AuditEvent.Action.UPDATE, obj=token, summary="token revoked"
            )
    return token


def api_token_user(key: str) -> User | None:
    """The active user a bearer token belongs to, or None. A revoked or expired token is refused
    and the attempt kept on the trail (a stolen token being tried shows there)."""
    token = (
        ApiToken.objects.select_related("user", "user__region")
        .filter(key_hash=ApiToken.hash_key(key))
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if not token.is_usable(now) or not token.user.is_active:
        audit_record(
            actor=None,
            action=AuditEvent.Action.REFUSED,
            obj=token,
            object_repr=f"{token.user.username} 的令牌 {token.name}"[:200],
            summary="revoked token used" if token.revoked_at else "expired or inactive token used",
        )
        return None
    # Touch at most once a minute: a busy client should not turn every read into a write.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
