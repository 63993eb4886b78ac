from __future__ import annotations

import secrets
from typing import Any, cast

from axes.models import AccessAttempt
from django import forms
from django.contrib import admin, messages
from django.contrib.auth.models import Group
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from xiezuo.accounts import lockout, policy, services
from xiezuo.accounts.models import ApiToken, Role, User
from xiezuo.accounts.requests import actor
from xiezuo.accounts.scope import scope_for
from xiezuo.core.admin_scope import ScopedAdmin
from xiezuo.core.errors import UserError

# Groups and Django's model permissions are not how Xiezuo grants rights (roles, region and side
# are): an unused door is a door less.
admin.site.unregister(Group)


class UserAdminForm(forms.ModelForm):  # type: ignore[type-arg]
    roles = forms.MultipleChoiceField(
        label=_("roles"), choices=Role.choices, required=False, widget=forms.CheckboxSelectMultiple
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

    # Set by UserAdmin.get_form: the grant rules are the service's, asked before saving so a
    # refusal shows on the form instead of failing the save.
    acting: User | None = None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        try:
            if self.instance.pk is None:
                services.user_create_check(
                    username=data.get("username", ""),
                    side=data.get("side", ""),
                    region=data.get("region"),
                    roles=list(data.get("roles") or []),
                    actor=self.acting,
                )
            else:
                current = User.objects.get(pk=self.instance.pk)
                fields = {n: data[n] for n in self.changed_data if n != "username" and n in data}
                services.user_update_check(user=current, actor=self.acting, fields=fields)
        except UserError as exc:
            raise forms.ValidationError(exc.summary) from exc
        return data


@admin.register(User)
class UserAdmin(ScopedAdmin):
    """Users of the administrator's own subtree (never a partner's); every save goes through the
    account services and their grant rules."""

    scope_field = "region_id"
    scope_kind = "own"
    form = UserAdminForm
    list_display = ("username", "first_name", "side", "region", "role_labels", "is_active")
    list_filter = ("side", "is_active")
    search_fields = ("username", "first_name", "organisation")
    autocomplete_fields = ("region",)

    @admin.display(description=_("roles"))
    def role_labels(self, obj: User) -> str:
        return "、".join(str(Role(r).label) for r in obj.roles or [] if r in Role.values)

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = cast(type[UserAdminForm], super().get_form(request, obj, change=change, **kwargs))
        form.acting = actor(request)
        return form

    def may_change(self, request: HttpRequest, obj: Any) -> bool:
        return policy.allows(policy.require_manage_user, actor(request), obj)

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if change:
            current = User.objects.get(pk=obj.pk)
            fields = {n: data[n] for n in form.changed_data if n != "username"}
            services.user_update(user=current, actor=actor(request), **fields)
        else:
            # A new account gets a random password; the administrator sets a real one with
            # `xiezuo users password` or the user resets it.
            created = services.user_create(
                username=data["username"],
                password=secrets.token_urlsafe(16),
                side=data["side"],
                region=data["region"],
                roles=list(data["roles"]),
                actor=actor(request),
                full_name=data.get("first_name", ""),
                organisation=data.get("organisation", ""),
            )
            obj.pk = created.pk


@admin.register(ApiToken)
class ApiTokenAdmin(ScopedAdmin):
    """Tokens of the administrator's own subtree. No token material is shown (only a hash is
    kept, and the prefix is part of the secret); a token is created by `xiezuo users token` and
    shown there once; here it can be revoked."""

    scope_field = "user__region_id"
    scope_kind = "own"
    list_display = ("name", "user", "created_at", "expires_at", "last_used_at", "revoked_at")
    fields = ("name", "user", "created_at", "expires_at", "last_used_at", "revoked_at")
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        done = 0
        for token in queryset.select_related("user"):
            try:
                services.api_token_revoke(token=token, actor=actor(request))
                done += 1
            except UserError as exc:
                messages.error(request, f"{token.name}：{exc.summary}")
        if done:
            messages.success(request, _("%(n)d token(s) revoked.") % {"n": done})


@admin.register(AccessAttempt)
class LoginLockoutAdmin(ScopedAdmin):
    """Failed logins of the accounts the administrator manages; unlocking lifts a lockout."""

    list_display = ("username", "ip_address", "failures_since_start", "attempt_time")
    search_fields = ("username",)
    fields = ("username", "ip_address", "failures_since_start", "attempt_time")
    readonly_fields = fields
    actions = ["unlock"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = admin.ModelAdmin.get_queryset(self, request)
        if policy.is_national(request.user):
            return qs
        users = scope_for(request.user).own_only().filter_data(User.objects.all(), "region_id")
        return qs.filter(username__in=users.values("username"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Lift the lockout of the selected user names"))
    def unlock(self, request: HttpRequest, queryset: QuerySet[AccessAttempt]) -> None:
        names = sorted({a.username for a in queryset if a.username})
        for name in names:
            try:
                lockout.unlock(username=name, actor=actor(request))
            except UserError as exc:
                messages.error(request, f"{name}：{exc.summary}")
        messages.success(request, _("Lockouts lifted: %(names)s") % {"names": "、".join(names)})
