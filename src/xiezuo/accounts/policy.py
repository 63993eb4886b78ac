"""Who may do what with accounts, and the role vocabulary every other app's policy uses.

Region scope (what a user sees) lives in `accounts.scope`; this module says what a user may *do*:
which roles open which doors, whether an actor is national, and — the rule an attacker tried
first — what an administrator may grant. Every service asks these functions; pages ask the same
ones (through `allows`) whether to show a control, so a button is never shown that the server
then refuses.

An actor is a `User`, or `None` for the platform itself (the CLI run by the server's operator,
the demo, a data migration): the platform may do anything.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, ParamSpec

from xiezuo.accounts.models import Role, Side, User
from xiezuo.core.errors import Forbidden

P = ParamSpec("P")

IMPORT_ROLES = (Role.REPORTER, Role.ADMIN)
STATUS_ROLES = (Role.REPORTER, Role.REVIEWER, Role.ADMIN)
REVEAL_ROLES = (Role.REVIEWER, Role.ADMIN)  # may see a whole ID number (each look is audited)
PAIRING_ROLES = (Role.REVIEWER, Role.ADMIN)  # offices that set up pairings and accept proposals
PLAN_ROLES = (Role.REPORTER, Role.REVIEWER, Role.ADMIN)  # agreements, targets and tasks
REVIEW_ROLES = (Role.REVIEWER, Role.ADMIN)  # review reported data one level down
ADMIN_ROLES = (Role.ADMIN,)


def allows(rule: Callable[P, Any], /, *args: P.args, **kwargs: P.kwargs) -> bool:
    """Would `rule` let this through? For pages deciding whether to show a control: the same
    rule the service applies, so what is shown is what is allowed."""
    try:
        rule(*args, **kwargs)
    except Forbidden:
        return False
    return True


def is_user(actor: Any) -> bool:
    return isinstance(actor, User) and actor.is_authenticated and actor.is_active


def is_national(actor: Any) -> bool:
    """The one place that says whether an account acts for the whole country."""
    return is_user(actor) and (actor.is_superuser or actor.side == Side.NATIONAL)


def has_any_role(actor: Any, roles: Iterable[str]) -> bool:
    return is_user(actor) and any(actor.has_role(role) for role in roles)


def require_role(actor: User | None, roles: Iterable[str], message: str) -> None:
    """The platform passes; a user needs one of `roles`."""
    if actor is not None and not has_any_role(actor, roles):
        raise Forbidden.because(message)


def may_import(actor: Any) -> bool:
    return has_any_role(actor, IMPORT_ROLES)


def may_change_status(actor: Any) -> bool:
    return has_any_role(actor, STATUS_ROLES)


def may_reveal_ids(actor: Any) -> bool:
    return has_any_role(actor, REVEAL_ROLES)


def may_manage_pairings(actor: Any) -> bool:
    return has_any_role(actor, PAIRING_ROLES)


def may_plan(actor: Any) -> bool:
    return has_any_role(actor, PLAN_ROLES)


def may_review(actor: Any) -> bool:
    return has_any_role(actor, REVIEW_ROLES)


def is_admin(actor: Any) -> bool:
    return has_any_role(actor, ADMIN_ROLES)


def own_prefix(actor: Any) -> str | None:
    """The code prefix of the actor's own subtree — where it may act, partners left out — or None
    for national users and the platform ('' for a user without a region: nowhere)."""
    if actor is None or is_national(actor):
        return None
    region = getattr(actor, "region", None)
    return region.prefix if region is not None else ""


def in_own_subtree(actor: Any, code: str | None) -> bool:
    own = own_prefix(actor)
    return own is None or bool(own and code and code.startswith(own))


# ---------------------------------------------------------------- granting


def _roles_held(actor: User) -> set[str]:
    return set(Role.values) if actor.is_superuser else set(actor.roles or [])


def require_user_admin(actor: User | None) -> None:
    require_role(actor, ADMIN_ROLES, "只有管理员可以管理账号")


def require_manage_user(actor: User | None, target: User) -> None:
    """An administrator manages the accounts of its own subtree and side whose roles it holds
    itself: never a partner's, never one above it, never a national or more powerful account.
    A user may always manage itself within the same limits (it cannot raise itself)."""
    if actor is None:
        return
    if actor.pk is not None and actor.pk == target.pk:
        return
    require_user_admin(actor)
    if target.is_superuser and not actor.is_superuser:
        raise Forbidden.because("超级管理员账号只能由超级管理员管理")
    if is_national(actor):
        return
    if target.side == Side.NATIONAL or target.side != actor.side:
        raise Forbidden.because("只能管理本方、本地区及下级地区的账号")
    if not in_own_subtree(actor, target.region_id):
        raise Forbidden.because("只能管理本方、本地区及下级地区的账号")
    if not set(target.roles or []) <= _roles_held(actor):
        raise Forbidden.because("该账号拥有您没有的角色，您不能管理它")


def require_grant(
    actor: User | None, *, side: str, region_code: str | None, roles: Iterable[str]
) -> None:
    """May `actor` give an account this side, region and roles? A regional administrator gives
    only roles it holds itself, inside its own subtree, on its own side; a national
    administrator sets up any account, and only it gives the national side."""
    if actor is None:
        return
    require_user_admin(actor)
    if is_national(actor):
        return  # the top of the hierarchy sets up every office's accounts
    missing = set(roles) - _roles_held(actor)
    if missing:
        labels = "、".join(str(Role(r).label) for r in sorted(missing) if r in Role.values)
        raise Forbidden.because(f"您不能授予自己没有的角色：{labels or '、'.join(sorted(missing))}")
    if side == Side.NATIONAL:
        raise Forbidden.because("只有全国管理员可以设置“全国”一方")
    if side != actor.side:
        raise Forbidden.because("只能为本方（东部或西部）设置账号")
    if not in_own_subtree(actor, region_code):
        raise Forbidden.because("账号的区划须在您所在地区之内（不能是上级、平级或结对对方）")
