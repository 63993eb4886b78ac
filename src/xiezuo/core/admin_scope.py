"""Admin access goes through the same region scope, roles and policies as every page and API call.

The admin is a door like the others: it lists only what the user may see, opens for change only
what the owning app's policy lets the user change (read-only otherwise), and saves through the
services, so a rule never depends on which door was used.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from xiezuo.accounts import policy
from xiezuo.accounts.scope import scope_for


def is_admin(request: HttpRequest) -> bool:
    return policy.is_admin(request.user)


class ScopedAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Lists only what the user's region scope covers; only administrators get in.

    scope_kind: "data" — rows in the visible subtrees (own and partners'); "own" — the user's own
    subtree only (accounts, tokens: a partner's users are none of its business); "regions" — the
    division hierarchy (the path above included, for navigation).
    """

    scope_field = "code"
    scope_kind = "data"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        scope = scope_for(request.user)
        qs = super().get_queryset(request)
        if self.scope_kind == "regions":
            return scope.filter_regions(qs, self.scope_field)
        if self.scope_kind == "own":
            return scope.own_only().filter_data(qs, self.scope_field)
        return scope.filter_data(qs, self.scope_field)

    def may_change(self, request: HttpRequest, obj: Any) -> bool:
        """The owning app's policy for one object; read-only where it says no."""
        return True

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_admin(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_admin(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_admin(request) and (obj is None or self.may_change(request, obj))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_admin(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
