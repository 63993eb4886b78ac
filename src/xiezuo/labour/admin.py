from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from xiezuo.core.admin_scope import ScopedAdmin
from xiezuo.labour.models import Match, MatchRun, Placement, Posting, Skill, Worker


class ReadOnlyScopedAdmin(ScopedAdmin):
    """Labour data changes only through the services (pages, API, import, CLI), which check
    the policy and audit; the admin shows it within the user's scope."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("code", "name", "occupation")


@admin.register(Worker)
class WorkerAdmin(ReadOnlyScopedAdmin):
    scope_field = "county_id"
    list_display = ("name", "county", "min_wage", "needs_dorm", "flag")
    list_filter = ("flag", "needs_dorm")
    search_fields = ("name",)
    exclude = ("id_hash",)
    raw_id_fields = ("member", "county")


@admin.register(Posting)
class PostingAdmin(ReadOnlyScopedAdmin):
    scope_field = "east_unit_id"
    list_display = ("employer", "place", "wage", "slots", "start", "state")
    list_filter = ("state", "sector", "dorm")
    raw_id_fields = ("place", "east_unit")


@admin.register(MatchRun)
class MatchRunAdmin(ReadOnlyScopedAdmin):
    scope_field = "west_region_id"
    list_display = ("west_region", "method", "status", "matched", "total", "created_at")


@admin.register(Match)
class MatchAdmin(ReadOnlyScopedAdmin):
    scope_field = "worker__county_id"
    list_display = ("worker", "posting", "score", "state")
    list_filter = ("state",)
    raw_id_fields = ("run", "worker", "posting")


@admin.register(Placement)
class PlacementAdmin(ReadOnlyScopedAdmin):
    scope_field = "place_id"
    list_display = (
        "person_name",
        "id_masked",
        "employer",
        "place",
        "start",
        "end",
        "organised",
        "flags",
    )
    list_filter = ("organised", "organiser", "source")
    exclude = ("id_hash",)
    raw_id_fields = ("worker", "home_county", "place", "organiser_region", "match")
