"""Admin for supervision: read-only. Schemes are versioned and warnings append-only, both
written through ``supervision.services`` (the scheme by the city, warnings by the evaluation);
督办 and red cards through ``supervision.orders`` (an order's outcome arrives as a message).
Warnings are not listed here: their key is composite, which Django's admin cannot show; the web
pages and the API read them."""

from __future__ import annotations

from django.contrib import admin

from supervision.models import ItemLimit, RedCard, SupervisionOrder, SupervisionScheme


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


@admin.register(SupervisionOrder)
class SupervisionOrderAdmin(ReadOnlyAdmin):
    list_display = [
        "tracking_no", "centre_code", "issuer_code", "issued_by_name", "step", "deadline",
        "outcome", "answered_at",
    ]  # fmt: skip
    list_filter = ["outcome", "step", "county_code"]
    search_fields = ["tracking_no", "centre_code", "issuer_code"]


@admin.register(RedCard)
class RedCardAdmin(ReadOnlyAdmin):
    list_display = ["tracking_no", "centre_code", "county_code", "deadline", "raised_on"]
    list_filter = ["county_code", "raised_on"]
    search_fields = ["tracking_no", "centre_code"]
