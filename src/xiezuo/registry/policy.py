"""Who may change the registry or see whole ID numbers. The registry belongs to the office of
the region where a household is registered: partners read it (masked), they do not change it."""

from __future__ import annotations

from xiezuo.accounts import policy
from xiezuo.accounts.models import User
from xiezuo.core.errors import Forbidden
from xiezuo.registry.models import Household, Member, ScopeConflict


def require_change_status(actor: User | None, household: Household) -> None:
    policy.require_role(actor, policy.STATUS_ROLES, "您的角色不能修改贫困户状态")
    if not policy.in_own_subtree(actor, household.village_id):
        raise Forbidden.because("只有户籍所在地区的协作办可以修改贫困户状态")


def require_reveal_any(actor: User | None, household: Household) -> None:
    """May the actor see whole ID numbers of this household's members?"""
    policy.require_role(actor, policy.REVEAL_ROLES, "您的角色不能查看完整证件号码")
    if not policy.in_own_subtree(actor, household.village_id):
        raise Forbidden.because("结对对方的完整证件号码不能查看：只能查看本地区的")


def require_reveal(actor: User | None, member: Member) -> None:
    require_reveal_any(actor, member.household)


def require_import(actor: User | None) -> None:
    """Bringing a registry file in at all; each row's scope is checked by the import itself
    (only the uploader's own subtree is written)."""
    policy.require_role(actor, policy.IMPORT_ROLES, "您的角色不能导入建档立卡数据")


def sees_conflict(actor: User | None, office: str | None) -> bool:
    """A scope conflict is for the nearest office that covers both sides, and those above it:
    only they may see both households."""
    if actor is None or policy.is_national(actor):
        return True
    return office is not None and policy.in_own_subtree(actor, office)


def require_resolve(actor: User | None, conflict: ScopeConflict) -> None:
    policy.require_role(actor, policy.STATUS_ROLES, "您的角色不能处理跨地区冲突")
    if not sees_conflict(actor, conflict.office_id):
        raise Forbidden.because("只有覆盖冲突双方的上级协作办可以处理该冲突")
