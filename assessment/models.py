"""The assessment's tables (public schema): activity buckets, scoring schemes, stored runs."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


def _counter(label: str) -> models.IntegerField:
    return models.IntegerField(label, default=0)


class Grain(models.TextChoices):
    DAY = "d", _("日")
    MONTH = "m", _("月")


class ActivityBucket(models.Model):
    """Counts of one centre's case events on one day or in one month (see assessment.activity).

    Maintained by triggers on ``network_caserecord`` in the projection's transaction; never
    written by Python except ``assessment.activity.rebuild_activity``.
    """

    centre = models.ForeignKey("tenants.ServiceCentre", on_delete=models.PROTECT, related_name="+")
    centre_code = models.CharField(max_length=12)
    tier = models.CharField(max_length=10)
    grain = models.CharField(max_length=1, choices=Grain.choices)
    starts_on = models.DateField()

    received = _counter(_("收件数"))
    accepted = _counter(_("受理数"))
    refused = _counter(_("不予受理数"))
    completed = _counter(_("办结数"))
    completed_immediate = _counter(_("即办件办结数"))
    completed_on_time = _counter(_("按期办结数"))
    completed_early = _counter(_("提前办结数"))
    completed_late = _counter(_("超期办结数"))
    saved_vs_legal = _counter(_("较法定时限节约工作日"))
    saved_vs_promised = _counter(_("较承诺时限节约工作日"))
    rated_1 = _counter(_("非常不满意"))
    rated_2 = _counter(_("不满意"))
    rated_3 = _counter(_("基本满意"))
    rated_4 = _counter(_("满意"))
    rated_5 = _counter(_("非常满意"))
    forwarded = _counter(_("代办转报数"))
    escalated = _counter(_("上报数"))
    departed = _counter(_("流出件数"))
    held_days = _counter(_("停留工作日合计"))

    class Meta:
        verbose_name = _("办件活动统计")
        verbose_name_plural = _("办件活动统计")
        constraints = [
            models.UniqueConstraint(
                fields=["centre", "grain", "starts_on"], name="activity_bucket_unique"
            ),
            models.CheckConstraint(
                name="activity_month_starts_on_first",
                condition=Q(grain=Grain.DAY) | Q(grain=Grain.MONTH, starts_on__day=1),
            ),
        ]
        indexes = [
            models.Index(
                fields=["grain", "starts_on", "centre_code"], name="activity_bucket_period_idx"
            )
        ]


class ScoringScheme(models.Model):
    """One version of a scoring scheme (考核办法) as data. Versions are never edited: a change
    is a new version (``assessment.services.revise_scheme``), and runs keep the one they used.

    ``indicators``: ``[{"key", "weight", "better": "higher"|"lower", "bands": [[threshold,
    share], …]}]``; without bands the share is the rate itself. ``adjustments``: ``[{"key",
    "kind": "bonus"|"penalty", "points", "cap"}]``, ``points`` per unit of the indicator,
    at most ``cap``. See ``assessment.scoring``.
    """

    name = models.CharField(_("方案名称"), max_length=100)
    version = models.PositiveIntegerField(_("版本"))
    description = models.TextField(_("说明"), blank=True)
    indicators = models.JSONField(_("计分指标"))
    adjustments = models.JSONField(_("加减分项"), default=list)
    stuck_after_working_days = models.PositiveSmallIntegerField(_("滞留阈值（工作日）"), default=10)
    satisfied_min_rating = models.PositiveSmallIntegerField(_("满意的最低评价"), default=3)
    created_by = models.CharField(_("创建人"), max_length=100)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("考核方案")
        verbose_name_plural = _("考核方案")
        ordering = ["name", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="scheme_name_version_unique"),
            models.CheckConstraint(name="scheme_version_positive", condition=Q(version__gte=1)),
            models.CheckConstraint(
                name="scheme_satisfied_rating_range",
                condition=Q(satisfied_min_rating__gte=1, satisfied_min_rating__lte=5),
            ),
            models.CheckConstraint(
                name="scheme_stuck_threshold_positive", condition=Q(stuck_after_working_days__gte=1)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class AssessmentRun(models.Model):
    """One assessment: who ran it, when, for which period, subtree and scheme version.

    Its results are computed and stored in the same transaction and never change afterwards,
    so a stored run is always complete, and a case that arrives later does not move it.
    """

    created_by = models.CharField(_("执行人"), max_length=100)
    created_by_user_id = models.BigIntegerField(null=True, blank=True)
    actor_centre = models.CharField(_("执行人所在中心"), max_length=12)
    created_at = models.DateTimeField(_("执行时间"), auto_now_add=True)
    period_start = models.DateField(_("考核期起"))
    period_end = models.DateField(_("考核期止"))
    #: When the open-case indicators (overdue open, stuck chains) were observed: the end of
    #: the period, or the run time if the period had not ended yet.
    as_of = models.DateTimeField(_("未办结统计时点"))
    subtree = models.ForeignKey(
        "tenants.ServiceCentre",
        verbose_name=_("考核范围"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    subtree_code = models.CharField(_("考核范围代码"), max_length=12)
    scheme = models.ForeignKey(
        ScoringScheme, verbose_name=_("考核方案"), on_delete=models.PROTECT, related_name="runs"
    )
    #: Coverage per tier, 六有 and the totals of the whole subtree, as shown on the summary.
    summary = models.JSONField(_("汇总"))
    duration_ms = models.PositiveIntegerField(_("耗时（毫秒）"), default=0)

    class Meta:
        verbose_name = _("考核批次")
        verbose_name_plural = _("考核批次")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="run_period_ordered", condition=Q(period_end__gte=F("period_start"))
            )
        ]
        indexes = [models.Index(fields=["subtree_code", "-created_at"], name="run_subtree_idx")]

    def __str__(self) -> str:
        return f"{self.subtree_code} {self.period_start}–{self.period_end} #{self.pk}"


class Scope(models.TextChoices):
    CENTRE = "centre", _("中心")
    SUBTREE = "subtree", _("辖区")


class AssessmentResult(models.Model):
    """The indicators, score and rank of one centre (its own cases) or one subtree (the centre
    and everything under it) in one run."""

    run = models.ForeignKey(AssessmentRun, on_delete=models.CASCADE, related_name="results")
    scope = models.CharField(max_length=10, choices=Scope.choices)
    code = models.CharField(_("行政区划代码"), max_length=12)
    tier = models.CharField(_("层级"), max_length=10)
    name = models.CharField(_("名称"), max_length=100)
    parent_code = models.CharField(max_length=12, blank=True)
    indicators = models.JSONField(_("指标"))
    #: Points earned per scored indicator (None where it does not apply to this unit).
    points = models.JSONField(_("分项得分"), default=dict)
    base_score = models.FloatField(_("基础分"))
    bonus = models.FloatField(_("加分"))
    penalty = models.FloatField(_("扣分"))
    score = models.FloatField(_("得分"))
    #: No case activity in the period: its case indicators scored by the scheme's
    #: ``without_data`` (default: no points), see ``assessment.scoring``.
    idle = models.BooleanField(_("无办件"), default=False)
    #: Among results of the same scope and tier in the run (1 = best; ties share a rank).
    rank = models.PositiveIntegerField(_("排名"))
    peers = models.PositiveIntegerField(_("参评数"))

    class Meta:
        verbose_name = _("考核结果")
        verbose_name_plural = _("考核结果")
        ordering = ["scope", "tier", "rank", "code"]
        constraints = [
            models.UniqueConstraint(fields=["run", "scope", "code"], name="result_unit_unique")
        ]
        indexes = [
            models.Index(fields=["run", "scope", "tier", "rank"], name="result_rank_idx"),
        ]
