"""Electronic supervision (电子监察): the time limit of every step and the warnings it raises.

Public schema. The scheme is versioned (an edit is a new version, never an update), the warnings
are append-only: one row per case, step and level, recorded once (``services.evaluate``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

#: Bounds of a step's limit in working days (a guard against typos, not a legal rule).
MAX_LIMIT_DAYS = 60


class Step(models.TextChoices):
    FORWARD = "forward", _("代办报送")
    INTAKE = "intake", _("受理")
    DECIDE = "decide", _("办结")
    DELIVER = "deliver", _("送达")


class Level(models.TextChoices):
    YELLOW = "yellow", _("黄色预警")
    RED = "red", _("红色预警")


class SupervisionScheme(models.Model):
    """One version of the city's supervision rules. The latest version is in force."""

    version = models.PositiveIntegerField(_("版本"), unique=True)
    #: 全程代办: the village agent forwards a logged request within this many working days.
    forward_days = models.PositiveSmallIntegerField(_("代办报送时限（工作日）"))
    #: The receiving centre accepts, refuses or issues the one-time notice within this many.
    intake_days = models.PositiveSmallIntegerField(_("受理时限（工作日）"))
    #: The result is handed over (送达) within this many working days of the decision.
    deliver_days = models.PositiveSmallIntegerField(_("送达时限（工作日）"))
    #: Yellow when this many working days or fewer are left …
    yellow_days_left = models.PositiveSmallIntegerField(_("剩余工作日预警"))
    #: … or when this share of the limit (percent) is used.
    yellow_percent = models.PositiveSmallIntegerField(_("已用时限比例预警（%）"))
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("修订时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("修订人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by_name = models.CharField(_("修订人"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("监察方案")
        verbose_name_plural = _("监察方案")
        ordering = ["-version"]
        constraints = [
            models.CheckConstraint(
                name="supervision_scheme_limits_in_range",
                condition=Q(forward_days__gte=1, forward_days__lte=MAX_LIMIT_DAYS)
                & Q(intake_days__gte=1, intake_days__lte=MAX_LIMIT_DAYS)
                & Q(deliver_days__gte=1, deliver_days__lte=MAX_LIMIT_DAYS),
            ),
            models.CheckConstraint(
                name="supervision_scheme_yellow_in_range",
                condition=Q(yellow_days_left__lte=MAX_LIMIT_DAYS)
                & Q(yellow_percent__gte=1, yellow_percent__lte=100),
            ),
        ]

    def __str__(self) -> str:
        return f"v{self.version}"


class ItemLimit(models.Model):
    """A per-item override of a scheme version's limits (blank: the scheme's own)."""

    scheme = models.ForeignKey(
        SupervisionScheme, on_delete=models.CASCADE, related_name="item_limits"
    )
    item_code = models.CharField(_("事项编码"), max_length=40)
    forward_days = models.PositiveSmallIntegerField(
        _("代办报送时限（工作日）"), null=True, blank=True
    )
    intake_days = models.PositiveSmallIntegerField(_("受理时限（工作日）"), null=True, blank=True)
    deliver_days = models.PositiveSmallIntegerField(_("送达时限（工作日）"), null=True, blank=True)

    class Meta:
        verbose_name = _("事项监察时限")
        verbose_name_plural = _("事项监察时限")
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "item_code"], name="supervision_item_limit_unique"
            ),
            models.CheckConstraint(
                name="supervision_item_limit_in_range",
                condition=Q(forward_days__isnull=True)
                | Q(forward_days__gte=1, forward_days__lte=MAX_LIMIT_DAYS),
            ),
            models.CheckConstraint(
                name="supervision_item_intake_in_range",
                condition=Q(intake_days__isnull=True)
                | Q(intake_days__gte=1, intake_days__lte=MAX_LIMIT_DAYS),
            ),
            models.CheckConstraint(
                name="supervision_item_deliver_in_range",
                condition=Q(deliver_days__isnull=True)
                | Q(deliver_days__gte=1, deliver_days__lte=MAX_LIMIT_DAYS),
            ),
        ]


class Warning(models.Model):
    """A step of a case ran short of time (yellow) or over it (red) at the centre holding it.

    Append-only: written by ``services.evaluate`` with ``INSERT … ON CONFLICT DO NOTHING`` on
    (centre, case, step, level), so a second or concurrent evaluation records nothing twice.
    ``centre`` is the centre that held the case at that step (环节超时): the one to answer for it.
    """

    # No database-level foreign keys here: the rows come from the projection, whose own keys
    # already hold, and checking two per row cost more than the rest of an evaluation's insert.
    centre = models.ForeignKey(
        "tenants.ServiceCentre",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    centre_code = models.CharField(max_length=12)
    tier = models.CharField(max_length=10)
    case_id = models.BigIntegerField()
    tracking_no = models.CharField(max_length=30)
    item_code = models.CharField(max_length=40)
    step = models.CharField(max_length=10, choices=Step.choices)
    level = models.CharField(max_length=10, choices=Level.choices)
    #: The step's deadline (the last day it was in time).
    deadline = models.DateField()
    #: The day the evaluation found it, and the working days then left (negative: over).
    raised_on = models.DateField()
    working_days_left = models.IntegerField()
    limit_days = models.IntegerField()
    scheme = models.ForeignKey(
        SupervisionScheme,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("监察预警")
        verbose_name_plural = _("监察预警")
        # The one index: it makes a warning unique and serves a centre's reads by case.
        constraints = [
            models.UniqueConstraint(
                fields=["centre", "case_id", "step", "level"], name="supervision_warning_once"
            )
        ]
