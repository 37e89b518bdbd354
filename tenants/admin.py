"""Admin for the registry. Every write goes through tenants.services."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from tenants import services
from tenants.divisions import validate_division_code, validate_parent
from tenants.models import (
    SIX_ESSENTIALS,
    CentreStatus,
    CentreStatusChange,
    Domain,
    ServiceCentre,
    ServicePointCheck,
)

ESSENTIAL_FIELDS = [name for name, _label in SIX_ESSENTIALS]


class CentreForm(forms.ModelForm):
    class Meta:
        model = ServiceCentre
        fields = [
            "tier",
            "division_code",
            "name",
            "parent",
            "address",
            "phone",
            *ESSENTIAL_FIELDS,
            "facts_checked_on",
        ]

    def clean(self):
        data = super().clean()
        if self.instance.pk:
            return data
        tier, code, parent = data.get("tier"), data.get("division_code"), data.get("parent")
        try:
            validate_division_code(tier, code)
            validate_parent(
                tier,
                code,
                parent.tier if parent else None,
                parent.division_code if parent else None,
            )
        except DomainError as exc:
            field = exc.field if exc.field in self.fields else None
            self.add_error(field, exc.message)
        return data


class _History(admin.TabularInline):
    """Append-only history, shown for reference: written by tenants.services only."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class FactCheckInline(_History):
    model = ServicePointCheck
    fields = readonly_fields = ["checked_on", *ESSENTIAL_FIELDS, "recorded_at", "recorded_by"]
    ordering = ["-checked_on", "-id"]
    verbose_name_plural = _("六有核查记录")


class StatusChangeInline(_History):
    model = CentreStatusChange
    fields = readonly_fields = ["status", "changed_at"]
    ordering = ["-changed_at", "-id"]
    verbose_name_plural = _("中心状态变更")


@admin.register(ServiceCentre)
class ServiceCentreAdmin(admin.ModelAdmin):
    form = CentreForm
    inlines = [FactCheckInline, StatusChangeInline]
    list_display = [
        "division_code",
        "name",
        "tier",
        "parent",
        "status",
        "six_count",
        "facts_checked_on",
    ]
    list_filter = ["tier", "status", *ESSENTIAL_FIELDS]
    search_fields = ["division_code", "name"]
    ordering = ["division_code"]
    list_select_related = ["parent"]
    raw_id_fields = ["parent"]
    readonly_fields = ["schema_name", "status", "status_changed_at", "created_at", "updated_at"]
    actions = ["suspend", "activate"]

    def get_inlines(self, request, obj=None):
        return self.inlines if obj is not None else []  # a new centre has no history yet

    def get_readonly_fields(self, request, obj=None):
        fixed = ["tier", "division_code", "parent"] if obj else []
        return [*fixed, *self.readonly_fields]

    @admin.display(description=_("六有"))
    def six_count(self, obj: ServiceCentre) -> str:
        return f"{sum(obj.six_essentials.values())}/6"

    def save_model(self, request, obj, form, change):
        if change:
            essentials = {name: form.cleaned_data[name] for name in ESSENTIAL_FIELDS}
            if any(name in form.changed_data for name in [*ESSENTIAL_FIELDS, "facts_checked_on"]):
                services.record_service_point_facts(
                    obj,
                    checked_on=form.cleaned_data.get("facts_checked_on") or timezone.localdate(),
                    recorded_by=request.user.get_username(),
                    **essentials,
                )
            obj.save(update_fields=["name", "address", "phone", "updated_at"])
            return
        data = form.cleaned_data
        centre = services.create_centre(
            tier=data["tier"],
            division_code=data["division_code"],
            name=data["name"],
            parent=data.get("parent"),
            address=data.get("address", ""),
            phone=data.get("phone", ""),
            essentials={name: data[name] for name in ESSENTIAL_FIELDS},
            facts_checked_on=data.get("facts_checked_on"),
        )
        obj.pk = centre.pk
        obj._state.adding = False

    def delete_model(self, request, obj):
        messages.error(request, _("服务中心不能删除，请改为暂停。"))

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description=_("暂停所选中心"))
    def suspend(self, request, queryset):
        self._set_status(request, queryset, CentreStatus.SUSPENDED)

    @admin.action(description=_("恢复所选中心"))
    def activate(self, request, queryset):
        self._set_status(request, queryset, CentreStatus.ACTIVE)

    def _set_status(self, request, queryset, status):
        for centre in queryset:
            services.set_centre_status(centre, status)
        self.message_user(request, _("已更新 %(n)d 个中心。") % {"n": queryset.count()})


@admin.register(Domain)
class DomainAdmin(admin.ModelAdmin):
    list_display = ["domain", "tenant", "is_primary"]
    raw_id_fields = ["tenant"]
