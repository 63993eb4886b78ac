"""Who may run verification and decide findings.

A run covers what the actor's office answers for: a national office the nation, any other office
its own subtree or a pairing one of whose sides lies in it. Findings are decided by reviewers
(or administrators) whose own subtree holds the reporting unit — one level up, as with reports.
"""

from __future__ import annotations

from xiezuo.accounts import policy
from xiezuo.accounts.models import User
from xiezuo.analytics.jobs import Scope
from xiezuo.core.errors import Forbidden, NotFound

RUN_ROLES = policy.STATUS_ROLES  # reporter, reviewer, admin: an office checks its own data


def require_run(actor: User | None, scope: Scope) -> None:
    policy.require_role(actor, RUN_ROLES, "您的角色不能运行数据比对")
    if actor is None or policy.is_national(actor):
        return
    if scope.kind == "nation":
        raise Forbidden.because("只有国家级用户可以对全国运行数据比对")
    if scope.kind == "region":
        if not policy.in_own_subtree(actor, scope.code):
            raise Forbidden.because(f"{scope.code} 不在您所在地区内，不能对其运行数据比对")
        return
    from xiezuo.pairing import policy as pairing_policy
    from xiezuo.pairing.models import Pairing

    pairing = Pairing.objects.filter(pk=int(scope.code)).select_related("east_org").first()
    if pairing is None:
        raise NotFound(f"没有编号为 {scope.code} 的结对")
    pairing_policy.require_side(actor, pairing, what="对该结对运行数据比对")


def require_decide(actor: User | None, reporter_code: str) -> None:
    policy.require_role(actor, policy.REVIEW_ROLES, "只有审核人或管理员可以核实比对结果")
    if actor is not None and not policy.in_own_subtree(actor, reporter_code):
        raise Forbidden.because("该记录的填报单位不在您所在地区内，不能核实")
