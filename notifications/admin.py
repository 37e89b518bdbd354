"""Admin for notifications: read-only (written by the services, sent by the worker); phones
masked and message texts not shown in lists."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.permissions import mask_phone
from notifications.models import SmsMessage, SmsPreference, StaffNotification


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SmsMessage)
class SmsMessageAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "centre",
        "tracking_no",
        "kind",
        "masked_phone",
        "status",
        "attempts",
        "last_error_code",
    ]
    list_filter = ["status", "kind"]
    search_fields = ["tracking_no"]
    fields = [
        "id",
        "centre",
        "tracking_no",
        "kind",
        "masked_phone",
        "language",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error_code",
        "last_error",
        "gateway",
        "gateway_message_id",
        "created_at",
        "sent_at",
    ]
    readonly_fields = fields

    @admin.display(description=_("手机号码"))
    def masked_phone(self, message: SmsMessage) -> str:
        return mask_phone(message.phone)


@admin.register(StaffNotification)
class StaffNotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "centre", "kind", "tracking_no", "read_at", "read_by"]
    list_filter = ["kind"]
    search_fields = ["tracking_no"]


@admin.register(SmsPreference)
class SmsPreferenceAdmin(ReadOnlyAdmin):
    list_display = ["centre", "tracking_no", "opt_out", "language", "updated_at", "updated_by"]
    search_fields = ["tracking_no"]
