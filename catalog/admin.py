"""Admin for the item dictionary: read-only views; every change goes through catalog.services.

Items are added and adjusted by importing a dictionary file (``import_dictionary``); versions
are immutable, so nothing here edits one. The retire / reinstate actions call the services.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError

from . import services
from .models import Department, Material, ServiceItem, ServiceItemVersion


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class DepartmentForm(forms.ModelForm):
    class Meta:
        model = Department
        fields = ["code", "name"]

    def clean_code(self) -> str:
        try:
            return services.clean_department_code(self.cleaned_data["code"])
        except DomainError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from exc


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    form = DepartmentForm
    list_display = ["code", "name"]
    search_fields = ["code", "name"]

    def get_readonly_fields(self, request, obj=None):
        return ["code"] if obj else []

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # departments are referenced by immutable versions

    def save_model(self, request, obj, form, change):
        try:
            if change:
                services.rename_department(obj.code, name=obj.name, actor=request.user)
            else:
                saved = services.add_department(code=obj.code, name=obj.name, actor=request.user)
                obj.pk = saved.pk
        except DomainError as exc:
            # The form validated already; a rule the service knows better is reported here.
            self.message_user(request, exc.message, messages.ERROR)


class MaterialInline(ReadOnlyMixin, admin.TabularInline):
    model = Material
    fields = ["position", "name", "form", "count"]
    readonly_fields = fields
    extra = 0


class VersionInline(ReadOnlyMixin, admin.TabularInline):
    model = ServiceItemVersion
    fields = [
        "version",
        "name",
        "department",
        "handling_type",
        "legal_limit_days",
        "promised_limit_days",
        "change_note",
        "created_at",
        "created_by",
    ]
    readonly_fields = fields
    extra = 0
    show_change_link = True
    ordering = ["-version"]


@admin.register(ServiceItem)
class ServiceItemAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["code", "current_name", "current_department", "current_number", "retired_at"]
    list_select_related = ["current_version__department"]
    list_filter = [
        ("retired_at", admin.EmptyFieldListFilter),
        "current_version__category",
        "current_version__department",
    ]
    search_fields = ["code", "current_version__name"]
    fields = ["code", "current_version", "created_at", "retired_at", "retired_by"]
    readonly_fields = fields
    inlines = [VersionInline]
    actions = ["retire", "reinstate"]

    @admin.display(description=_("事项名称"), ordering="current_version__name")
    def current_name(self, item: ServiceItem) -> str:
        return item.current_version.name if item.current_version_id else ""

    @admin.display(description=_("责任部门"))
    def current_department(self, item: ServiceItem) -> str:
        return str(item.current_version.department) if item.current_version_id else ""

    @admin.display(description=_("当前版本"))
    def current_number(self, item: ServiceItem) -> int | None:
        return item.current_version.version if item.current_version_id else None

    def has_retire_permission(self, request) -> bool:
        return request.user.has_perm("catalog.change_serviceitem")

    @admin.action(description=_("取消所选事项"), permissions=["retire"])
    def retire(self, request, queryset):
        self._apply(request, queryset, services.retire_item, gettext("已取消 %d 个事项。"))

    @admin.action(description=_("恢复所选事项"), permissions=["retire"])
    def reinstate(self, request, queryset):
        self._apply(request, queryset, services.reinstate_item, gettext("已恢复 %d 个事项。"))

    def _apply(self, request, queryset, service, done: str) -> None:
        count = 0
        for item in queryset:
            try:
                service(item.code, actor=request.user)
            except DomainError as exc:
                self.message_user(request, exc.message, messages.WARNING)
            else:
                count += 1
        if count:
            self.message_user(request, done % count, messages.SUCCESS)


@admin.register(ServiceItemVersion)
class ServiceItemVersionAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "item",
        "version",
        "name",
        "category",
        "department",
        "handling_type",
        "legal_limit_days",
        "promised_limit_days",
        "created_at",
    ]
    list_select_related = ["item", "department"]
    list_filter = ["category", "handling_type", "department", "proxy_eligible", "online_eligible"]
    search_fields = ["item__code", "name"]
    readonly_fields = [
        "item",
        "version",
        "name",
        "category",
        "department",
        "legal_basis",
        "handling_type",
        "legal_limit_days",
        "promised_limit_days",
        "fee",
        "decision_tiers",
        "proxy_eligible",
        "online_eligible",
        "change_note",
        "created_at",
        "created_by",
    ]
    fields = readonly_fields
    inlines = [MaterialInline]
