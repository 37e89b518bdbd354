"""Admin for the calendar records. Every write goes through ``workdays.services``."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from workdays import services
from workdays.calendar import year_summary
from workdays.models import CalendarOverride, PublishedYear

WEEKDAYS = "一二三四五六日"


class CalendarOverrideForm(forms.ModelForm):
    class Meta:
        model = CalendarOverride
        fields = ["date", "is_working_day", "note"]

    def clean(self):
        data = super().clean()
        date = data.get("date", self.instance.date)
        if date is not None and "note" in data:
            try:
                services.validate_override(date, data.get("is_working_day"), data["note"])
            except DomainError as exc:
                self.add_error(exc.field if exc.field in self.fields else None, exc.message)
        return data


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    form = CalendarOverrideForm
    list_display = ["date", "weekday", "is_working_day", "note", "created_by", "created_at"]
    list_filter = ["is_working_day"]
    date_hierarchy = "date"
    search_fields = ["note"]
    readonly_fields = ["created_by", "created_at"]

    @admin.display(description=_("星期"))
    def weekday(self, obj: CalendarOverride) -> str:
        return "星期" + WEEKDAYS[obj.date.weekday()]

    def get_readonly_fields(self, request, obj=None):
        # A date's override is changed or removed, never moved to another date.
        return [*self.readonly_fields, "date"] if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        saved = services.set_override(
            obj.date, obj.is_working_day, note=obj.note, actor=request.user
        )
        obj.pk, obj.created_at, obj.created_by = saved.pk, saved.created_at, saved.created_by

    def delete_model(self, request, obj):
        services.remove_override(obj.date, actor=request.user)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for date in queryset.values_list("date", flat=True):
                services.remove_override(date, actor=request.user)


class PublishedYearForm(forms.ModelForm):
    class Meta:
        model = PublishedYear
        fields = ["year", "note"]

    def clean(self):
        data = super().clean()
        year = data.get("year", self.instance.year)
        if year is None:
            return data
        try:
            services.validate_year(year)
        except DomainError as exc:
            self.add_error("year" if "year" in self.fields else None, exc.message)
            return data
        _entries, problems = services.check_year_days(year, services.recorded_days(year))
        for problem in problems:
            self.add_error(None, problem.message)
        return data


@admin.register(PublishedYear)
class PublishedYearAdmin(admin.ModelAdmin):
    """Publishing here marks the year's overrides recorded so far as its whole schedule: record
    the days first (or use ``manage.py calendar_year YEAR FILE.csv``)."""

    form = PublishedYearForm
    list_display = ["year", "working_days", "recorded_days", "note", "created_by", "created_at"]
    readonly_fields = ["working_days", "recorded_days", "created_by", "created_at"]

    @admin.display(description=_("工作日数"))
    def working_days(self, obj: PublishedYear) -> int | None:
        return year_summary(obj.year).working_days if obj.year else None

    @admin.display(description=_("记录的调整天数"))
    def recorded_days(self, obj: PublishedYear) -> int | None:
        return year_summary(obj.year).overrides if obj.year else None

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "year"] if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        services.publish_year(
            obj.year, services.recorded_days(obj.year), note=obj.note, actor=request.user
        )
        saved = PublishedYear.objects.get(year=obj.year)
        obj.pk, obj.created_at, obj.created_by = saved.pk, saved.created_at, saved.created_by

    def delete_model(self, request, obj):
        services.unpublish_year(obj.year, actor=request.user)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for year in queryset.values_list("year", flat=True):
                services.unpublish_year(year, actor=request.user)
