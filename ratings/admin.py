"""Admin for ratings: read-only. Ratings, rectifications and callbacks are written through
``ratings.services`` only (one rating per hop, a rectification per bad one, closing rules)."""

from __future__ import annotations

from django.contrib import admin

from ratings.models import Callback, Rating, Rectification


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Rating)
class RatingAdmin(ReadOnlyAdmin):
    list_display = ["tracking_no", "centre_code", "level", "source", "deciding", "created_at"]
    list_filter = ["level", "source", "deciding"]
    search_fields = ["tracking_no", "centre_code"]


class CallbackInline(admin.TabularInline):
    model = Callback
    extra = 0
    can_delete = False
    fields = ["called_by", "called_at", "result"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Rectification)
class RectificationAdmin(ReadOnlyAdmin):
    list_display = ["tracking_no", "centre_code", "state", "opened_on", "due_on", "closed_on"]
    list_filter = ["state"]
    search_fields = ["tracking_no", "centre_code"]
    inlines = [CallbackInline]
