"""Admin for memberships and tokens. Changes go through accounts.services."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError

from . import services
from .models import ApiToken, LoginFailure, Membership


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "centre", "role", "is_active", "created_at", "ended_at"]
    list_filter = ["role", "is_active", "centre_tier"]
    search_fields = ["user__username", "user__first_name", "centre__division_code", "centre__name"]
    autocomplete_fields = ["user"]
    raw_id_fields = ["centre"]
    actions = ["end_selected"]

    def get_readonly_fields(self, request, obj=None):
        return ["user", "centre", "role", "is_active", "ended_at"] if obj else ["is_active"]

    def save_model(self, request, obj, form, change):
        if change:
            return
        try:
            saved = services.grant_membership(obj.user, obj.centre, obj.role)
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return
        obj.pk = saved.pk

    @admin.action(description=_("结束所选任职"))
    def end_selected(self, request, queryset):
        for membership in queryset:
            services.end_membership(membership)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["prefix", "user", "centre", "label", "created_at", "expires_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["user__username", "prefix"]
    readonly_fields = [
        "user",
        "centre",
        "prefix",
        "label",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]
    exclude = ["key_hash"]
    actions = ["revoke_selected"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # tokens are issued by logging in

    @admin.action(description=_("注销所选令牌"))
    def revoke_selected(self, request, queryset):
        for token in queryset:
            services.logout(token)


@admin.register(LoginFailure)
class LoginFailureAdmin(admin.ModelAdmin):
    """Failed logins within the throttle window. Deleting a username's rows lifts its lock
    (e.g. after a call from the agent who mistyped)."""

    list_display = ["username", "address", "at"]
    search_fields = ["username", "address"]
    readonly_fields = ["username", "address", "at"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
