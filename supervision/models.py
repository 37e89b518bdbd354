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

    Append-only: written by ``services.evaluate`` (one at a time, under an advisory lock) for the
    (centre, case, step, level) not recorded yet, so a second or concurrent evaluation records
    nothing twice; the primary key is that quadruple and guards it.
    ``centre`` is the centre that held the case at that step (环节超时): the one to answer for it.

    The key is the table's one index (no surrogate id beside a unique constraint): a first
    evaluation of a prefecture writes ~224,000 rows at once, and every index is written per row.
    It also serves a centre's reads by case. (Django's admin cannot list a model with a composite
    key; warnings are read on the web pages and through the API.)
    """

    pk = models.CompositePrimaryKey("centre_id", "case_id", "step", "level")

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


# --- 督办: supervision orders and red cards ------------------------------------------------------


class Outcome(models.TextChoices):
    MOVED = "moved", _("已推进")
    EXPLAINED = "explained", _("已说明")


class SupervisionOrder(models.Model):
    """督办: a supervisor's order to act on a red case, as the issuing side records it.

    Public schema (the network-wide list, the red cards). The handling centre learns of it by a
    message (``supervision.orders``) and keeps its own copy (``supervision.centre``); its
    outcome comes back the same way. The id is also the stream of both messages.
    """

    id = models.UUIDField(primary_key=True, editable=False)
    issuer_centre = models.ForeignKey(
        "tenants.ServiceCentre",
        verbose_name=_("督办单位"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    issuer_code = models.CharField(_("督办单位"), max_length=12)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("督办人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    issued_by_name = models.CharField(_("督办人"), max_length=100)
    #: The centre that holds the case (the one the red warning names).
    centre = models.ForeignKey(
        "tenants.ServiceCentre",
        verbose_name=_("承办中心"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    centre_code = models.CharField(_("承办中心"), max_length=12)
    #: The county the centre is in ("" for the city centre itself): the city's filter.
    county_code = models.CharField(_("所属县"), max_length=6, blank=True)
    case_id = models.BigIntegerField()
    tracking_no = models.CharField(_("办件编号"), max_length=30)
    step = models.CharField(_("环节"), max_length=10, choices=Step.choices)
    # The red warning the order was issued on is (centre, case_id, step, "red").
    deadline = models.DateField(_("督办期限"))
    note = models.TextField(_("督办意见"))
    issued_at = models.DateTimeField(_("督办时间"))
    outcome = models.CharField(_("办理结果"), max_length=10, choices=Outcome.choices, blank=True)
    outcome_note = models.TextField(_("情况说明"), blank=True)
    moved_to = models.CharField(max_length=20, blank=True)
    #: When the handling centre answered, and when its answer arrived here.
    answered_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    answered_by = models.CharField(_("答复人"), max_length=100, blank=True)
    outcome_received_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("督办")
        verbose_name_plural = _("督办")
        ordering = ["-issued_at"]
        constraints = [
            # One open order per case at a centre; a new one once the last was answered.
            models.UniqueConstraint(
                fields=["centre", "case_id"],
                condition=Q(outcome=""),
                name="supervision_order_one_open",
            ),
            models.CheckConstraint(
                name="supervision_order_answered_has_time",
                condition=Q(outcome="") | Q(answered_at__isnull=False),
            ),
        ]
        indexes = [
            models.Index(fields=["county_code", "issued_at"], name="supervision_order_county_idx"),
            models.Index(
                fields=["deadline"], condition=Q(outcome=""), name="supervision_order_due"
            ),
        ]

    def __str__(self) -> str:
        return f"督办 {self.tracking_no} @ {self.centre_code}"


class RedCard(models.Model):
    """红牌: a supervision order whose deadline passed without an outcome. Recorded once per
    order (``supervision.orders.issue_red_cards``, set-based, idempotent); append-only: an
    outcome that arrives later is recorded on the order, the card stays."""

    order = models.OneToOneField(
        SupervisionOrder, on_delete=models.PROTECT, related_name="red_card", primary_key=True
    )
    centre = models.ForeignKey(
        "tenants.ServiceCentre", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    centre_code = models.CharField(max_length=12)
    county_code = models.CharField(max_length=6, blank=True)
    issuer_code = models.CharField(max_length=12)
    tracking_no = models.CharField(max_length=30)
    deadline = models.DateField()
    #: The day the evaluation found the deadline passed.
    raised_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("红牌")
        verbose_name_plural = _("红牌")
        ordering = ["-raised_on", "centre_code"]
        indexes = [
            models.Index(fields=["centre", "raised_on"], name="red_card_centre_idx"),
            models.Index(fields=["county_code", "raised_on"], name="red_card_county_idx"),
        ]
