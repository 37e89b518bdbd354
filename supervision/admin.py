"""Admin for supervision: read-only. Schemes are versioned and warnings append-only, both
written through ``supervision.services`` (the scheme by the city, warnings by the evaluation)."""

from __future__ import annotations

from django.contrib import admin

from supervision.models import ItemLimit, SupervisionScheme, Warning


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ItemLimitInline(admin.TabularInline):
    model = ItemLimit
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SupervisionScheme)
class SupervisionSchemeAdmin(ReadOnlyAdmin):
    list_display = [
        "version", "forward_days", "intake_days", "deliver_days", "yellow_days_left",
        "yellow_percent", "created_by_name", "created_at",
    ]  # fmt: skip
    inlines = [ItemLimitInline]


@admin.register(Warning)
class WarningAdmin(ReadOnlyAdmin):
    list_display = [
        "tracking_no", "centre_code", "tier", "step", "level", "deadline", "working_days_left",
        "raised_on",
    ]  # fmt: skip
    list_filter = ["step", "level", "tier", "raised_on"]
    search_fields = ["tracking_no", "centre_code", "item_code"]
