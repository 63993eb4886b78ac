"""Who may change a region. The division list itself comes from the statistical codes; what can
be edited are names and flags. The national lists (the 832 poverty counties, their exit years,
the deep-poverty areas) are national decisions; a region's own office keeps the poor-village
flags and names of its own subtree — never above it, never a partner's."""

from __future__ import annotations

from collections.abc import Iterable

from xiezuo.accounts import policy
from xiezuo.accounts.models import User
from xiezuo.core.errors import Forbidden
from xiezuo.regions.models import Region

NATIONAL_FLAGS = frozenset({"is_poverty_county", "poverty_exit_year", "is_deep_poverty"})


def require_change(actor: User | None, region: Region, fields: Iterable[str] = ()) -> None:
    if actor is None:
        return
    policy.require_role(actor, policy.ADMIN_ROLES, "只有管理员可以修改区划信息")
    if policy.is_national(actor):
        return
    if not policy.in_own_subtree(actor, region.code):
        raise Forbidden.because("只能修改本地区及下级地区的区划信息")
    national = sorted(NATIONAL_FLAGS & set(fields))
    if national:
        raise Forbidden.because(
            "国家级贫困县、摘帽年份和深度贫困地区由国家认定，只有全国管理员可以修改"
        )
