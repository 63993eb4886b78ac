"""Who may do what with pairings, agreements, targets, tasks and optimizer proposals.

A pairing joins two regions' offices, and it widens what each sees of the other: so one side
alone only *proposes* it, and it takes effect when the other side (its region or above, with
the right role) or a national office confirms. Offices act only for pairings one of whose sides
lies in their own subtree; a partner is never a way into another pairing.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from xiezuo.accounts import policy
from xiezuo.accounts.models import User
from xiezuo.core.errors import Forbidden
from xiezuo.pairing.choices import Level, Status

if TYPE_CHECKING:
    from xiezuo.pairing.models import Organisation, Pairing, Proposal, Task
    from xiezuo.regions.models import Region

MANAGE = "只有协作办的审核人或管理员可以"


def _sides(pairing: Pairing) -> list[str]:
    east = pairing.east_region_id or (pairing.east_org.region_id if pairing.east_org else None)
    return [c for c in (east, pairing.west_region_id) if c]


def require_side(actor: User | None, pairing: Pairing, *, what: str) -> None:
    """Offices act only for pairings one of whose sides lies in their own region."""
    if not any(policy.in_own_subtree(actor, code) for code in _sides(pairing) or [""]):
        raise Forbidden.because(f"您所在地区不是该结对的任何一方，不能{what}")


def require_import(actor: User | None) -> None:
    policy.require_role(actor, policy.PAIRING_ROLES, MANAGE + "导入结对")


def require_plan_import(actor: User | None) -> None:
    policy.require_role(actor, policy.PLAN_ROLES, "您的角色不能导入年度协议目标")


def require_register(actor: User | None) -> None:
    policy.require_role(actor, policy.PAIRING_ROLES, MANAGE + "登记结对")


def require_create(
    actor: User | None, east_region: Region | None, east_org: Organisation | None, west: Region
) -> None:
    """Register (propose) a pairing: a pairing office of one of its sides. Province and
    prefecture pairs are national decisions."""
    require_register(actor)
    if actor is None or policy.is_national(actor):
        return
    if west.level < Level.COUNTY:
        raise Forbidden.because("省级、市级结对由国家统一确定，只有国家级用户可以登记")
    east = east_region.code if east_region else (east_org.region_id if east_org else None)
    if not any(policy.in_own_subtree(actor, c) for c in (east, west.code) if c):
        raise Forbidden.because("结对的任何一方都不在您所在地区，不能登记")


def takes_effect_at_once(actor: User | None) -> bool:
    """The platform (the published lists, the demo) and national offices register pairings that
    hold at once; anyone else's waits for the other side."""
    return actor is None or policy.is_national(actor)


def confirm_side(actor: User | None, east: str | None, west: str) -> str:
    """Which side must confirm a pairing this actor proposes: the one outside its subtree."""
    if takes_effect_at_once(actor):
        return ""
    return "west" if policy.in_own_subtree(actor, east) else "east"


def require_confirm(actor: User | None, pairing: Pairing) -> None:
    """The other side confirms (or declines) what one side proposed: an office of that side's
    region or above with the right role, or a national office."""
    policy.require_role(actor, policy.PAIRING_ROLES, MANAGE + "确认结对")
    if pairing.status != Status.PROPOSED:
        raise Forbidden.because("该结对不在待确认状态")
    if actor is None or policy.is_national(actor):
        return
    east = pairing.east_region_id or (pairing.east_org.region_id if pairing.east_org else None)
    other = east if pairing.confirm_side == "east" else pairing.west_region_id
    if not other:
        raise Forbidden.because("帮扶单位没有所在地区：只有国家级用户可以确认")
    if not policy.in_own_subtree(actor, other):
        raise Forbidden.because("结对须由对方（或其上级）协作办确认：您不能确认本方提出的结对")


def require_change(actor: User | None, pairing: Pairing, *, what: str = "修改它") -> None:
    policy.require_role(actor, policy.PAIRING_ROLES, MANAGE + "修改结对")
    require_side(actor, pairing, what=what)


def require_plan(actor: User | None, pairing: Pairing, what: str) -> None:
    policy.require_role(actor, policy.PLAN_ROLES, f"您的角色不能{what}")
    require_side(actor, pairing, what=what)
    if pairing.status != Status.ACTIVE:
        raise Forbidden.because(f"该结对{pairing.get_status_display()}，不能{what}")


def require_task_status(actor: User | None, task: Task) -> None:
    """A task's owner moves it on, or a planner of the pairing."""
    if actor is not None and task.owner_id == actor.pk:
        return
    require_plan(actor, task.target.agreement.pairing, "更新任务")


def require_optimizer(actor: User | None) -> None:
    policy.require_role(actor, policy.PAIRING_ROLES, MANAGE + "使用结对优化")


def require_proposal(actor: User | None, proposal: Proposal) -> None:
    """Discard or read a proposal as its own: who made it, or a national office."""
    require_optimizer(actor)
    if actor is None or policy.is_national(actor) or proposal.created_by_id == actor.pk:
        return
    raise Forbidden.because("只有方案的创建者或国家级用户可以处理该方案")


def require_accept(actor: User | None, west_codes: Iterable[str]) -> None:
    """A proposal rewrites the county pairings of the western units it covers: only an office
    whose own subtree holds every one of them (or a national office) may accept it — an eastern
    partner cannot rewrite the west's pairings."""
    require_optimizer(actor)
    if actor is None or policy.is_national(actor):
        return
    outside = sorted(c for c in west_codes if not policy.in_own_subtree(actor, c))
    if outside:
        raise Forbidden.because(
            f"方案涉及的 {len(outside)} 个西部单位不在您所在地区之内："
            "须由其所在地区或国家级用户采纳"
        )


def require_organisation(actor: User | None, seat: str | None) -> None:
    """Helping organisations are shared reference data: a national office keeps them all; an
    office registers or changes those whose seat lies in its own region."""
    policy.require_role(actor, policy.PAIRING_ROLES, MANAGE + "登记或修改帮扶单位")
    if actor is None or policy.is_national(actor):
        return
    if not policy.in_own_subtree(actor, seat):
        raise Forbidden.because("只能登记或修改所在地在本地区的帮扶单位")
