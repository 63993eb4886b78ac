from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from xiezuo.accounts.policy import allows, is_national
from xiezuo.accounts.requests import actor
from xiezuo.core.admin_scope import ScopedAdmin
from xiezuo.regions import policy, services
from xiezuo.regions.models import Region, RegionCodeChange


@admin.register(Region)
class RegionAdmin(ScopedAdmin):
    scope_kind = "regions"
    list_display = (
        "code",
        "name",
        "level",
        "is_poverty_county",
        "poverty_exit_year",
        "is_poor_village",
        "is_deep_poverty",
        "is_active",
    )
    list_filter = ("level", "is_poverty_county", "poverty_exit_year", "is_active")
    search_fields = ("^code", "name")
    fields = (
        "code",
        "name",
        "level",
        "parent",
        "edition",
        "is_active",
        "is_poverty_county",
        "poverty_exit_year",
        "is_poor_village",
        "is_deep_poverty",
    )
    readonly_fields = ("code", "level", "parent", "edition", "is_active")
    show_full_result_count = False  # counting 660k rows on every page view is wasted work

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # divisions come from the statistical list, not from typing

    def may_change(self, request: HttpRequest, obj: Any) -> bool:
        return allows(policy.require_change, actor(request), obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # The national lists stay read-only for everyone but a national administrator, so the
        # form never offers what the service would refuse.
        fixed = tuple(self.readonly_fields)
        if is_national(request.user):
            return fixed
        return fixed + tuple(sorted(policy.NATIONAL_FLAGS))

    def save_model(self, request: HttpRequest, obj: Region, form: Any, change: bool) -> None:
        fields = {
            name: form.cleaned_data[name]
            for name in form.changed_data
            if name in services.EDITABLE_FIELDS
        }
        current = Region.objects.get(pk=obj.pk)
        services.region_update(region=current, actor=actor(request), **fields)


@admin.register(RegionCodeChange)
class RegionCodeChangeAdmin(ScopedAdmin):
    scope_field = "new_code"
    list_display = ("old_code", "old_name", "new_code", "year", "kind", "source")
    search_fields = ("=old_code", "=new_code", "old_name")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
