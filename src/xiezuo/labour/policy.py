"""Who may do what with labour cooperation data.

A western office manages the workers of its own subtree and decides on the matches proposed for
them; an eastern unit enters and closes the postings it brought, for workplaces at home or in the
regions it is paired with; placements are recorded by the office of the person's home county or
by the unit that organised the job for a person of a region it is paired with. National offices and
the platform (actor None) may do everything.
"""

from __future__ import annotations

from xiezuo.accounts import policy
from xiezuo.accounts.models import User
from xiezuo.accounts.scope import scope_for
from xiezuo.core.errors import Forbidden
from xiezuo.labour.models import Match, Posting


def require_workers(actor: User | None, region_code: str) -> None:
    policy.require_role(actor, policy.IMPORT_ROLES, "只有填报人或管理员可以管理劳动力信息")
    if not policy.in_own_subtree(actor, region_code):
        raise Forbidden.because("只能管理本地区的劳动力")


def require_quarter_check(actor: User | None, region_code: str) -> None:
    """The quarterly check is the county's (its human-resources bureau keeps the employment
    records): an office above it does not overwrite what each county recorded by hand."""
    require_workers(actor, region_code)
    from xiezuo.regions import codes

    if not codes.is_well_formed(region_code) or codes.level_of(region_code) != codes.Level.COUNTY:
        raise Forbidden.because("季度就业核对由县级协作办对本县劳动力进行")


def _reaches(actor: User | None, code: str) -> bool:
    """Is `code` in the actor's own subtree or a partner's (its region scope)?"""
    return policy.in_own_subtree(actor, code) or scope_for(actor).covers(code)


def require_posting(actor: User | None, east_unit_code: str) -> None:
    policy.require_role(actor, policy.IMPORT_ROLES, "只有填报人或管理员可以发布岗位")
    if not policy.in_own_subtree(actor, east_unit_code):
        raise Forbidden.because("只能以本单位（或下级单位）的名义发布岗位")


def require_posting_place(actor: User | None, place_code: str) -> None:
    # A posting shows in the lists of the region it lies in and is offered to its workers: a
    # unit places jobs at home or with the regions it is paired with, not in anyone's county.
    if not _reaches(actor, place_code):
        raise Forbidden.because(f"工作地 {place_code} 不在本地区或结对地区内，不能发布该岗位")


def require_change_posting(actor: User | None, posting: Posting) -> None:
    require_posting(actor, posting.east_unit_id)


def require_match_run(actor: User | None, west_code: str) -> None:
    require_workers(actor, west_code)


def require_decide(actor: User | None, match: Match) -> None:
    policy.require_role(actor, policy.IMPORT_ROLES, "只有填报人或管理员可以确认匹配")
    if not policy.in_own_subtree(actor, match.worker.county_id):
        raise Forbidden.because("只能确认本地区劳动力的匹配")


def require_placement(
    actor: User | None, home_code: str | None, organiser_code: str | None
) -> None:
    policy.require_role(actor, policy.IMPORT_ROLES, "只有填报人或管理员可以登记就业")
    if policy.in_own_subtree(actor, home_code):
        return
    # The organising unit records the jobs it found for people of the regions it is paired
    # with. A person of any other county is that county's business: the placement would sit in
    # its lists and count in its measures. (No known home county: nobody else's.)
    if policy.in_own_subtree(actor, organiser_code) and (
        home_code is None or _reaches(actor, home_code)
    ):
        return
    raise Forbidden.because("只能登记本地区人员，或本单位为结对地区人员组织的就业")


def require_import(actor: User | None) -> None:
    policy.require_role(actor, policy.IMPORT_ROLES, "只有填报人或管理员可以导入就业记录")
