from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from xiezuo.accounts.policy import is_national
from xiezuo.audit.models import AuditEvent
from xiezuo.core.admin_scope import is_admin


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Searchable, read-only: nobody adds, edits or deletes audit rows through the app."""

    list_display = ("at", "actor_name", "action", "object_kind", "object_repr", "ip", "channel")
    list_filter = ("action", "channel", "object_type")
    search_fields = ("actor_name", "object_id", "object_repr", "summary", "ip")
    date_hierarchy = "at"
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    @admin.display(description=_("object type"), ordering="object_type")
    def object_kind(self, event: AuditEvent) -> str:
        """The model's own name in the reader's language ("accounts.user" → 用户), the stored
        label where no model of that name exists any more."""
        try:
            model = apps.get_model(event.object_type)
        except (LookupError, ValueError):
            return event.object_type
        return str(model._meta.verbose_name)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_admin(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The full trail shows every region's activity: national administrators only.
        user: Any = request.user
        return is_admin(request) and (user.is_superuser or is_national(user))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
