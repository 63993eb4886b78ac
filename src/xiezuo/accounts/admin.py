from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from xiezuo.accounts import services
from xiezuo.accounts.models import ApiToken, Role, User
from xiezuo.core.admin_scope import ScopedAdmin


class UserAdminForm(forms.ModelForm):  # type: ignore[type-arg]
    roles = forms.MultipleChoiceField(
        choices=Role.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = User
        fields = (
            "username",
            "first_name",
            "organisation",
            "email",
            "side",
            "region",
            "roles",
            "is_active",
        )


@admin.register(User)
class UserAdmin(ScopedAdmin):
    """Users of the administrator's own subtree; every save goes through the account services."""

    scope_field = "region_id"
    form = UserAdminForm
    list_display = ("username", "first_name", "side", "region", "roles", "is_active", "last_login")
    list_filter = ("side", "is_active")
    search_fields = ("username", "first_name", "organisation")
    autocomplete_fields = ("region",)

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if change:
            current = User.objects.get(pk=obj.pk)
            fields = {n: data[n] for n in form.changed_data if n != "username"}
            services.user_update(user=current, actor=request.user, **fields)
        else:
            import secrets

            # A new account gets a random password; the administrator sets a real one with
            # `xiezuo users password` or the user resets it.
            created = services.user_create(
                username=data["username"],
                password=secrets.token_urlsafe(16),
                side=data["side"],
                region=data["region"],
                roles=list(data["roles"]),
                actor=request.user,
                full_name=data.get("first_name", ""),
                organisation=data.get("organisation", ""),
            )
            obj.pk = created.pk


@admin.register(ApiToken)
class ApiTokenAdmin(ScopedAdmin):
    scope_field = "user__region_id"
    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    fields = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
