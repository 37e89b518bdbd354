"""What the network records about the calendar on top of the official package (public schema).

Write these rows through ``workdays.services`` only: the services validate, serialise writers and
tell the in-process cache of ``workdays.calendar`` at once (other processes notice within
``WORKDAYS_REFRESH_SECONDS``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

#: Years a record may concern. Wide on purpose: it only guards against typos such as 225.
FIRST_YEAR = 1949
LAST_YEAR = 2199


class CalendarOverride(models.Model):
    """One date whose status the network fixes itself; it beats the package and the fallback.

    A newly published year is recorded as its exceptions to Mon–Fri (holidays on weekdays,
    make-up working days at weekends); a local adjustment is a single row.
    ``created_at``/``created_by`` say who recorded the value in force and when: changing a date's
    override records it anew.
    """

    date = models.DateField(_("日期"), unique=True)
    is_working_day = models.BooleanField(_("是否工作日"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("工作日调整")
        verbose_name_plural = _("工作日调整")
        ordering = ["date"]
        constraints = [
            models.CheckConstraint(
                name="calendar_override_date_in_range",
                condition=Q(date__year__gte=FIRST_YEAR) & Q(date__year__lte=LAST_YEAR),
            ),
        ]

    def __str__(self) -> str:
        kind = _("工作日") if self.is_working_day else _("休息日")
        return f"{self.date.isoformat()} {kind}"


class PublishedYear(models.Model):
    """A year whose whole schedule is recorded as overrides: treat it as known, not as a guess.

    For such a year the record is authoritative: its overrides plus Mon–Fri, without consulting
    the package, so deadlines in it do not move when the package is upgraded.
    """

    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("已发布年度安排")
        verbose_name_plural = _("已发布年度安排")
        ordering = ["year"]
        constraints = [
            models.CheckConstraint(
                name="published_year_in_range",
                condition=Q(year__gte=FIRST_YEAR) & Q(year__lte=LAST_YEAR),
            ),
        ]

    def __str__(self) -> str:
        return str(self.year)
