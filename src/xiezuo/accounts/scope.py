"""Region scope: the ONE place that decides what a user may see.

A user sees its own region's subtree; for navigation it also sees the chain of regions above it
(a county office reaches its county through its province and prefecture, without seeing their
other children). National users and superusers see everything. The partner regions of the
active pairings in the user's subtree join what it sees (see `pairing.selectors.partner_codes`).

Selectors, the admin, the API and exports all filter through `RegionScope`; nothing else writes a
region filter of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import models
from django.db.models import Q

from xiezuo.accounts.policy import is_national
from xiezuo.regions import codes

M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True)
class RegionScope:
    everything: bool
    # Region-code prefixes whose whole subtree is visible.
    prefixes: tuple[str, ...] = ()
    # Codes above the user's region: visible as places to pass through, not as data owners.
    path: frozenset[str] = frozenset()
    # The user's own subtree, without its partners': where it may act (change, import, reveal
    # whole ID numbers) and whose pairings it belongs to. Partners are for reading only.
    own: tuple[str, ...] = ()
    # Units an assessor was assigned to cross-assess: their pairings are read as the units'
    # own offices read them (never changed: they are not in `own`).
    assessed: tuple[str, ...] = ()

    def data_q(self, field: str) -> Q:
        """Rows whose region code (in `field`) lies in a visible subtree."""
        if self.everything:
            return Q()
        if not self.prefixes:
            return Q(pk__in=[])
        q = Q()
        for pfx in self.prefixes:
            q |= Q(**{f"{field}__gte": pfx, f"{field}__lt": codes.prefix_upper_bound(pfx)})
        return q

    def regions_q(self, field: str = "code") -> Q:
        """Regions themselves: the visible subtrees plus the path above them."""
        if self.everything:
            return Q()
        return self.data_q(field) | Q(**{f"{field}__in": sorted(self.path)})

    def covers(self, code: str) -> bool:
        """Is data of this region code visible (in a visible subtree)?"""
        return self.everything or any(code.startswith(p) for p in self.prefixes)

    def covers_own(self, code: str) -> bool:
        """Is this region code in the user's own subtree (not only a partner's)?"""
        return self.everything or any(code.startswith(p) for p in self.own)

    def own_only(self) -> RegionScope:
        """The same user without its partners: for changes, imports and whole-ID views."""
        return RegionScope(
            everything=self.everything, prefixes=self.own, path=self.path, own=self.own
        )  # an assessor's assigned units are for reading: not carried over

    def own_q(self, field: str) -> Q:
        return self.own_only().data_q(field)

    def pairing_q(self, path: str = "") -> Q:
        """Pairings (at `path`, e.g. "report__pairing__") the user's region belongs to: one side
        in its own subtree. A partner's other pairings are none of its business."""
        if self.everything:
            return Q()
        q = self.own_q(f"{path}east_region_id") | self.own_q(f"{path}west_region_id")
        if self.assessed:
            units = RegionScope(everything=False, prefixes=self.assessed)
            q |= units.data_q(f"{path}east_region_id") | units.data_q(f"{path}west_region_id")
        return q

    def can_see_region(self, code: str) -> bool:
        return self.covers(code) or code in self.path

    def filter_data(self, queryset: models.QuerySet[M], field: str) -> models.QuerySet[M]:
        return queryset if self.everything else queryset.filter(self.data_q(field))

    def filter_regions(
        self, queryset: models.QuerySet[M], field: str = "code"
    ) -> models.QuerySet[M]:
        return queryset if self.everything else queryset.filter(self.regions_q(field))


NOTHING = RegionScope(everything=False)


def _partner_codes(region_code: str) -> list[str]:
    # The pairing app owns the rule of who is whose partner; imported here, not at module
    # level, because pairing itself reads scope.
    from xiezuo.pairing.selectors import partner_codes

    return partner_codes(region_code)


# One request computes each user's scope once (it costs a query for the partners), however many
# selectors ask; outside a request (services called from the CLI, tests) nothing is cached, so a
# change of pairings is seen at once.
_cache: ContextVar[dict[int, RegionScope] | None] = ContextVar("xiezuo_scope_cache", default=None)


@contextmanager
def scope_cache() -> Iterator[None]:
    token = _cache.set({})
    try:
        yield
    finally:
        _cache.reset(token)


def scope_for(user: Any) -> RegionScope:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOTHING
    cache = _cache.get()
    if cache is None:
        return _scope(user)
    if user.pk not in cache:
        cache[user.pk] = _scope(user)
    return cache[user.pk]


def _assessed_codes(user: Any) -> tuple[list[str], list[str]]:
    """(units, their partners): an assessor reads everything of the units the national office
    assigned it to cross-assess, and of their pairings' partners — reads only: none of it joins
    its own subtree. The assessment app owns the assignments; imported here for the same reason
    as the partners."""
    if not user.has_role("assessor"):
        return [], []
    from xiezuo.assessment.selectors import assessed_codes

    return assessed_codes(user)


def _scope(user: Any) -> RegionScope:
    if is_national(user):
        return RegionScope(everything=True)
    region = user.region
    units, their_partners = _assessed_codes(user)
    if region is None and not units:
        return NOTHING
    own = (region.prefix,) if region is not None else ()
    partners = _partner_codes(region.code) if region is not None else []
    read = [*partners, *units, *their_partners]
    prefixes = _outermost([*own, *(codes.prefix(c, codes.level_of(c)) for c in read)])
    # The partners' ancestors join the path so a user can browse down to them.
    mine = [region.code] if region is not None else []
    path = frozenset(a for c in (*mine, *read) for a in codes.ancestors(c))
    return RegionScope(
        everything=False,
        prefixes=prefixes,
        path=path - set(read),
        own=own,
        assessed=tuple(codes.prefix(c, codes.level_of(c)) for c in units),
    )


def _outermost(prefixes: list[str]) -> tuple[str, ...]:
    """Drop prefixes inside another one (a province partner covers its counties' pairs)."""
    kept: list[str] = []
    for pfx in sorted(set(prefixes), key=len):
        if not any(pfx.startswith(k) for k in kept):
            kept.append(pfx)
    return tuple(sorted(kept))
