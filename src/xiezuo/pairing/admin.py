"""Admin: organisations are kept here (central units, enterprises, social organisations that
help); pairings and proposals are shown read-only — they change only through their services
(rules, audit), on the pages, the API and the import."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from xiezuo.accounts.policy import allows, is_national
from xiezuo.accounts.requests import actor
from xiezuo.accounts.scope import scope_for
from xiezuo.core.admin_scope import ScopedAdmin, is_admin
from xiezuo.core.errors import UserError
from xiezuo.pairing import policy, services
from xiezuo.pairing.models import Organisation, Pairing, Proposal


class OrganisationForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Organisation
        fields = ("name", "kind", "credit_code", "region")

    acting: Any = None  # set by the admin: the seat rules are asked before saving

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        seats = [data["region"].code if data.get("region") else None]
        if self.instance.pk is not None:
            seats.append(Organisation.objects.get(pk=self.instance.pk).region_id)
        for seat in seats:
            try:
                policy.require_organisation(self.acting, seat)
            except UserError as exc:
                raise forms.ValidationError(exc.summary) from exc
        return data


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = OrganisationForm

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = cast(type[OrganisationForm], super().get_form(request, obj, change=change, **kwargs))
        form.acting = actor(request)
        return form

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
        if not is_admin(request):
            return False
        return obj is None or allows(policy.require_organisation, actor(request), obj.region_id)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # pairings point at it; end them instead

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        services.organisation_save(actor=actor(request), organisation=obj, created=not change)


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
        return qs if is_national(request.user) else qs.filter(created_by=request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
