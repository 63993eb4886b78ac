"""Reads of the division data, always through the user's region scope."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from xiezuo.accounts.scope import scope_for
from xiezuo.core.errors import NotFound, UserError
from xiezuo.regions import codes
from xiezuo.regions.codes import Level
from xiezuo.regions.models import Region, RegionCodeChange


def region_list(*, user: Any) -> QuerySet[Region]:
    return scope_for(user).filter_regions(Region.objects.all())


@dataclass(frozen=True)
class ResolvedRegion:
    region: Region
    asked_code: str  # the code the user gave, which may be an old one

    @property
    def replaced(self) -> bool:
        return self.asked_code != self.region.code


def region_resolve(code: str) -> ResolvedRegion | None:
    """The current region for a code, following old → new code changes (merged or renamed)."""
    asked = code
    seen: set[str] = set()
    while code not in seen:
        seen.add(code)
        region = Region.objects.filter(code=code).first()
        if region is not None and region.is_active:
            return ResolvedRegion(region, asked)
        change = RegionCodeChange.objects.filter(old_code=code).first()
        if change is None:
            return ResolvedRegion(region, asked) if region is not None else None
        code = change.new_code
    return None


def region_get(*, user: Any, code: str) -> ResolvedRegion:
    """One region the user may see, by current or old code; NotFound otherwise (the same answer
    for "does not exist" and "not yours", so scope does not leak what exists)."""
    code = codes.normalise(code)
    if not codes.is_well_formed(code):
        raise NotFound(f"“{code}”不是有效的区划代码（省/市/县 6 位，乡 9 位，村 12 位数字）")
    resolved = region_resolve(code)
    if resolved is None or not scope_for(user).can_see_region(resolved.region.code):
        raise NotFound(f"没有代码为 {code} 的区划，或不在您的权限范围内")
    return resolved


def region_path(region: Region) -> list[Region]:
    """The regions from the province down to (and including) `region`, in one query."""
    chain = [region.code, *codes.ancestors(region.code)]
    by_code = Region.objects.in_bulk(chain)
    return [by_code[c] for c in reversed(chain) if c in by_code]


def region_children(*, user: Any, region: Region | None) -> list[Region]:
    """The visible children of `region` (provinces when None), each with `n_children`, the
    number of its own visible children."""
    scope = scope_for(user)
    qs = (
        Region.objects.filter(parent=region)
        if region is not None
        else Region.objects.filter(level=Level.PROVINCE)
    )
    children = list(scope.filter_regions(qs).order_by("code"))
    counts = dict(
        scope.filter_regions(Region.objects.filter(parent__in=[c.code for c in children]))
        .values_list("parent")
        .annotate(n=Count("code"))
        .values_list("parent", "n")
    )
    for child in children:
        child.n_children = counts.get(child.code, 0)  # type: ignore[attr-defined]
    return children


def region_level_counts(*, user: Any, region: Region | None) -> dict[int, int]:
    """How many visible regions of each level lie under `region` (the whole country if None)."""
    qs = Region.objects.filter(is_active=True)
    if region is not None:
        qs = qs.filter(
            code__gte=region.prefix,
            code__lt=codes.prefix_upper_bound(region.prefix),
            level__gt=region.level,
        )
    rows = scope_for(user).filter_regions(qs).values_list("level").annotate(n=Count("code"))
    return {level: n for level, n in rows}


def region_search(
    *, user: Any, query: str, limit: int = 50, within: str | None = None
) -> list[Region]:
    """Regions whose name contains `query`, or whose code starts with it; only those under
    the region `within` when given."""
    query = query.strip()
    if not query:
        return []
    cond = Q(name__contains=query)
    if codes.is_digits(query):
        cond = Q(code__gte=query, code__lt=codes.prefix_upper_bound(query))
    if within is not None:
        cond &= codes.subtree_q("code", within)
    qs = scope_for(user).filter_regions(Region.objects.filter(cond, is_active=True))
    return list(qs.select_related("parent").order_by("level", "code")[:limit])


def poverty_exits_by_year(*, user: Any, region: Region | None) -> dict[int, int]:
    """National poverty counties under `region` by the year they left poverty."""
    qs = Region.objects.filter(is_poverty_county=True)
    if region is not None:
        qs = qs.filter(code__gte=region.prefix, code__lt=codes.prefix_upper_bound(region.prefix))
    rows = (
        scope_for(user)
        .filter_regions(qs)
        .values_list("poverty_exit_year")
        .annotate(n=Count("code"))
        .order_by("poverty_exit_year")
    )
    return {year: n for year, n in rows if year is not None}


def regions_named(name: str, *, within: str) -> list[Region]:
    """Current regions under `within` (itself included) called `name`, or whose name begins
    with it (官舟 → 官舟镇): how a place typed by name instead of by code is found."""
    name = name.strip()
    if not name:
        return []
    qs = Region.objects.filter(codes.subtree_q("code", within), is_active=True)
    exact = list(qs.filter(name=name).order_by("code")[:10])
    return exact or list(qs.filter(name__startswith=name).order_by("level", "code")[:10])


def current_region(code: str) -> Region | None:
    """The region with this code if it is current (not retired): what a typed code must name."""
    return Region.objects.filter(code=code.strip(), is_active=True).first()


def region_from_text(text: str) -> Region:
    """A typed code as its current region, or a UserError saying what is wrong with it — the
    one reading of a code a user typed, for forms, imports and the API alike."""
    code = text.strip()
    if not (codes.is_digits(code) and codes.is_well_formed(code)):
        raise UserError(f"“{text}”不是区划代码（6、9 或 12 位数字）")
    region = current_region(code)
    if region is None:
        raise UserError(f"区划代码 {code} 不存在或已撤销")
    return region
