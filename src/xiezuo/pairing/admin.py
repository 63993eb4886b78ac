"""Admin: organisations are kept here (central units, enterprises, social organisations that
help); pairings and proposals are shown read-only — they change only through their services
(rules, audit), on the pages, the API and the import."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from xiezuo.accounts.scope import scope_for
from xiezuo.audit.models import AuditEvent
from xiezuo.audit.services import audit_record, snapshot
from xiezuo.core.admin_scope import ScopedAdmin, is_admin
from xiezuo.pairing.models import Organisation, Pairing, Proposal


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "kind", "credit_code", "region")
    list_filter = ("kind",)
    search_fields = ("name", "credit_code")
    autocomplete_fields = ("region",)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_admin(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_admin(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_admin(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_admin(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # pairings point at it; end them instead

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        action = AuditEvent.Action.UPDATE if change else AuditEvent.Action.CREATE
        audit_record(actor=request.user, action=action, obj=obj, after=snapshot(obj))


class ReadOnlyPairingAdmin(ScopedAdmin):
    """Shown to administrators within their region scope (pairings they belong to); changed only
    through the services."""

    pairing_path = ""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = admin.ModelAdmin.get_queryset(self, request)
        return qs.filter(scope_for(request.user).pairing_q(self.pairing_path))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Pairing)
class PairingAdmin(ReadOnlyPairingAdmin):
    list_display = ("id", "east_region", "east_org", "west_region", "level", "kind", "status")
    list_filter = ("level", "kind", "status")
    search_fields = ("east_region__name", "west_region__name", "east_org__name")
    list_select_related = ("east_region", "east_org", "west_region")


@admin.register(Proposal)
class ProposalAdmin(ScopedAdmin):
    list_display = ("id", "title", "state", "created_by", "created_at")
    list_filter = ("state",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = admin.ModelAdmin.get_queryset(self, request)
        return qs if scope_for(request.user).everything else qs.filter(created_by=request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
