"""Admin access goes through the same region scope and roles as every page and API call."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from xiezuo.accounts.scope import scope_for


def is_admin(request: HttpRequest) -> bool:
    user: Any = request.user
    return bool(user.is_active and (user.is_superuser or user.has_role("admin")))


class ScopedAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Lists only what the user's region scope covers; only administrators get in."""

    scope_field = "code"
    scope_kind = "data"  # "regions" for the division hierarchy (path above included)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        scope = scope_for(request.user)
        qs = super().get_queryset(request)
        if self.scope_kind == "regions":
            return scope.filter_regions(qs, self.scope_field)
        return scope.filter_data(qs, self.scope_field)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_admin(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_admin(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_admin(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_admin(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
