"""The citizen's rating (好差评) of every hop that served them, and what a bad one sets off.

Public schema, like the case projection: the citizen is anonymous and the centre they rate may
be in another schema from the one they tracked at, so the rating is written beside the
projection by the public service, keyed by (tracking number, centre), never into a centre's
schema (docs/ratings.md). A bad rating opens a rectification (差评整改) of the rated centre,
worked there by its staff: callbacks (回访) and a closing note.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

#: The longest comment a citizen may leave (one screen on a phone).
COMMENT_MAX_LENGTH = 500
#: The longest callback result and closing note.
NOTE_MAX_LENGTH = 1000


class Level(models.IntegerChoices):
    """The five levels of 好差评; the number is the ``Case.rating`` scale (1 … 5)."""

    VERY_SATISFIED = 5, _("非常满意")
    SATISFIED = 4, _("满意")
    FAIRLY_SATISFIED = 3, _("基本满意")
    DISSATISFIED = 2, _("不满意")
    VERY_DISSATISFIED = 1, _("非常不满意")


#: 不满意 and 非常不满意: a rating at or below this opens a rectification.
BAD_AT_MOST = Level.DISSATISFIED


class Source(models.TextChoices):
    APPLICANT_LINK = "applicant_link", _("群众通过评价链接")
    APPLICANT_TRACKING = "applicant_tracking", _("群众通过办件查询")
    DESK = "desk", _("窗口代为录入")


class Rating(models.Model):
    """One rating of one hop (centre) of a chain. One per (tracking number, centre)."""

    tracking_no = models.CharField(_("办件编号"), max_length=30)
    centre = models.ForeignKey("tenants.ServiceCentre", on_delete=models.PROTECT, related_name="+")
    centre_code = models.CharField(max_length=12)
    tier = models.CharField(max_length=10)
    #: The rated case's id in the rated centre's schema (its projection row's ``case_id``).
    case_id = models.BigIntegerField()
    level = models.PositiveSmallIntegerField(_("评价"), choices=Level.choices)
    comment = models.CharField(_("意见"), max_length=COMMENT_MAX_LENGTH, blank=True)
    source = models.CharField(_("来源"), max_length=20, choices=Source.choices)
    #: Desk entries: who entered it and at which centre.
    recorded_by = models.CharField(_("录入人"), max_length=100, blank=True)
    recorded_at_centre = models.CharField(max_length=12, blank=True)
    #: The hop that decided the case: its rating feeds the assessment's satisfaction counters.
    deciding = models.BooleanField(default=False)
    #: The local day the chain was decided (ratings count in the period of the decision).
    decided_on = models.DateField()
    created_at = models.DateTimeField(_("评价时间"))

    class Meta:
        verbose_name = _("评价")
        verbose_name_plural = _("评价")
        constraints = [
            models.UniqueConstraint(fields=["tracking_no", "centre"], name="rating_once_per_hop"),
            models.CheckConstraint(
                name="rating_level_range", condition=Q(level__gte=1, level__lte=5)
            ),
            models.CheckConstraint(
                name="rating_source_valid", condition=Q(source__in=Source.values)
            ),
        ]
        indexes = [models.Index(fields=["centre_code", "decided_on"], name="rating_centre_idx")]

    @property
    def is_bad(self) -> bool:
        return self.level <= BAD_AT_MOST


class RectificationState(models.TextChoices):
    OPEN = "open", _("整改中")
    CLOSED = "closed", pgettext_lazy("rectification", "已办结")


class Rectification(models.Model):
    """差评整改: a bad rating's follow-up by the rated centre, due in 15 working days."""

    rating = models.OneToOneField(Rating, on_delete=models.PROTECT, related_name="rectification")
    centre = models.ForeignKey("tenants.ServiceCentre", on_delete=models.PROTECT, related_name="+")
    centre_code = models.CharField(max_length=12)
    tracking_no = models.CharField(_("办件编号"), max_length=30)
    opened_on = models.DateField(_("发起日期"))
    due_on = models.DateField(_("整改期限"))
    #: Some day of the deadline was counted weekends-only (a year the calendar does not know).
    calendar_fallback = models.BooleanField(default=False)
    state = models.CharField(
        _("状态"), max_length=10, choices=RectificationState.choices, default="open"
    )
    closing_note = models.TextField(_("整改情况"), max_length=NOTE_MAX_LENGTH, blank=True)
    closed_by = models.CharField(_("办结人"), max_length=100, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("差评整改")
        verbose_name_plural = _("差评整改")
        constraints = [
            models.CheckConstraint(
                name="rectification_closed_complete",
                condition=Q(state="open", closed_at__isnull=True, closed_on__isnull=True)
                | Q(state="closed", closed_at__isnull=False, closed_on__isnull=False)
                & ~Q(closing_note=""),
            ),
            models.CheckConstraint(
                name="rectification_due_after_opened",
                condition=Q(due_on__gte=models.F("opened_on")),
            ),
        ]
        indexes = [
            models.Index(fields=["centre", "state", "due_on"], name="rectification_centre_idx"),
            models.Index(fields=["centre_code", "opened_on"], name="rectification_code_idx"),
        ]

    @property
    def is_open(self) -> bool:
        return self.state == RectificationState.OPEN


class Callback(models.Model):
    """回访: the centre called the citizen back about the bad rating."""

    rectification = models.ForeignKey(
        Rectification, on_delete=models.PROTECT, related_name="callbacks"
    )
    called_by = models.CharField(_("回访人"), max_length=100)
    called_at = models.DateTimeField(_("回访时间"))
    result = models.TextField(_("回访结果"), max_length=NOTE_MAX_LENGTH)
    recorded_at = models.DateTimeField()

    class Meta:
        verbose_name = _("回访记录")
        verbose_name_plural = _("回访记录")
        ordering = ["called_at", "id"]
        constraints = [
            models.CheckConstraint(name="callback_result_given", condition=~Q(result="")),
        ]
