"""Who may do what in the assessment.

- Indicator systems are the national office's: a national administrator revises them.
- A run (the computation of a year's scores for every unit) is started by a national reviewer
  or administrator.
- The steps of one unit's year, in order: its own office self-assesses (reporter or
  administrator of exactly that unit); an office on the other side of one of its top pairings
  comments; an assessor the national office assigned to it cross-assesses — reading everything
  of the unit's assessment and writing nothing but its findings and judgement scores; a
  national administrator sets the final grade.
- A unit's scorecard is read by the national office, by the unit's office and the offices above
  it, by its partners (and the offices above them) and by its assigned assessors — the
  platform's scope (a county does not read its prefecture's data). Anyone else is told it does
  not exist.
"""

from __future__ import annotations

from collections.abc import Collection

from xiezuo.accounts import policy
from xiezuo.accounts.models import Role, User
from xiezuo.core.errors import Forbidden, NotFound

SELF_ROLES = (Role.REPORTER, Role.ADMIN)
PARTNER_ROLES = (Role.REPORTER, Role.REVIEWER, Role.ADMIN)


def require_manage_systems(actor: User | None) -> None:
    if actor is None:
        return
    if not (policy.is_national(actor) and policy.is_admin(actor)):
        raise Forbidden.because("只有国家级管理员可以修改考核指标体系")


def require_run(actor: User | None) -> None:
    if actor is None:
        return
    if not (policy.is_national(actor) and policy.may_review(actor)):
        raise Forbidden.because("只有国家级审核人或管理员可以计算年度考核")


def require_assign(actor: User | None) -> None:
    if actor is None:
        return
    if not (policy.is_national(actor) and policy.is_admin(actor)):
        raise Forbidden.because("只有国家级管理员可以安排交叉考核人员")


def is_assigned(actor: User | None, year: int, unit_code: str, side: str) -> bool:
    from xiezuo.assessment.models import Assignment

    return (
        policy.is_user(actor)
        and policy.has_any_role(actor, (Role.ASSESSOR,))
        and Assignment.objects.filter(
            year=year, assessor=actor, unit_id=unit_code, side=side
        ).exists()
    )


def may_view(
    actor: User | None, year: int, unit_code: str, side: str, partners: Collection[str]
) -> bool:
    if actor is None or policy.is_national(actor):
        return True
    if not policy.is_user(actor):
        return False
    if is_assigned(actor, year, unit_code, side):
        return True
    if actor.region is None:
        return False
    own = actor.region.prefix
    return unit_code.startswith(own) or any(p.startswith(own) for p in partners)


def require_view(
    actor: User | None, year: int, unit_code: str, side: str, partners: Collection[str]
) -> None:
    if not may_view(actor, year, unit_code, side, partners):
        raise NotFound(f"没有 {unit_code} 的 {year} 年考核，或不在您的范围内")


def require_self(actor: User | None, unit_code: str) -> None:
    if actor is None:
        return
    policy.require_role(actor, SELF_ROLES, "只有本单位的填报人或管理员可以提交自评")
    if actor.region_id != unit_code:
        raise Forbidden.because("自评由被考核单位本级协作办提交")


def require_partner(actor: User | None, partners: Collection[str]) -> None:
    if actor is None:
        return
    policy.require_role(actor, PARTNER_ROLES, "您的角色不能提出对方意见")
    if actor.region_id not in partners:
        raise Forbidden.because("对方意见由结对另一方的协作办提出")


def require_cross(actor: User | None, year: int, unit_code: str, side: str) -> None:
    if actor is None:
        return
    if not is_assigned(actor, year, unit_code, side):
        raise Forbidden.because("只有国家安排到该单位的交叉考核人员可以提交交叉考核意见")


def require_final(actor: User | None) -> None:
    if actor is None:
        return
    if not (policy.is_national(actor) and policy.is_admin(actor)):
        raise Forbidden.because("最终等次由国家级管理员评定")
