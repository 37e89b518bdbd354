"""Cases at one centre, their events, delegations and inbox (tenant schema: one set per centre).

The schema is the centre: a case has no centre column. What a case knows of other centres it
learnt from messages (``Delegation``, ``InboxMessage``), never by reading their schemas.
"""

from __future__ import annotations

import uuid

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.personal_data import EncryptedTextField
from core.sql import QuickFromDb


class State(models.TextChoices):
    SUBMITTED = "submitted", _("已登记")
    ACCEPTED = "accepted", _("已受理")
    REFUSED = "refused", _("不予受理")
    SUPPLEMENT_NEEDED = "supplement_needed", _("待补正")
    IN_REVIEW = "in_review", _("审核中")
    APPROVED = "approved", _("准予许可")
    DENIED = "denied", _("不予许可")
    ESCALATED = "escalated", _("已上报")
    WITHDRAWN = "withdrawn", _("已撤回")
    DELIVERED = "delivered", _("已送达")


OPEN_STATES = {
    State.SUBMITTED,
    State.ACCEPTED,
    State.SUPPLEMENT_NEEDED,
    State.IN_REVIEW,
    State.ESCALATED,
}
DECIDED_STATES = {State.APPROVED, State.DENIED}
FINAL_STATES = {State.REFUSED, State.WITHDRAWN, State.DELIVERED}


class Channel(models.TextChoices):
    WINDOW = "window", _("窗口")
    VILLAGE_PROXY = "village_proxy", _("村级代办")
    ONLINE = "online", _("网上申请")
    DELEGATED = "delegated", _("下级转报")


class ApplicantKind(models.TextChoices):
    PERSON = "person", _("自然人")
    ENTERPRISE = "enterprise", _("法人/企业")


class Case(QuickFromDb, models.Model):
    """One request being handled at this centre (办件)."""

    tracking_no = models.CharField(_("办件编号"), max_length=30, unique=True)
    state = models.CharField(
        _("状态"), max_length=20, choices=State.choices, default=State.SUBMITTED
    )
    channel = models.CharField(_("渠道"), max_length=20, choices=Channel.choices)

    applicant_kind = models.CharField(_("申请人类型"), max_length=12, choices=ApplicantKind.choices)
    applicant_name = models.CharField(_("申请人"), max_length=100)
    # Sealed at rest (core.personal_data): the column holds AES-GCM ciphertext, the attribute
    # the clear text. Equality lookups go through applicant_id_hash (an HMAC of the number).
    applicant_id_number = EncryptedTextField(_("证件号码"))
    applicant_phone = EncryptedTextField(_("联系电话"), blank=True)
    applicant_id_hash = models.CharField(max_length=64, blank=True, default="", editable=False)

    item_version = models.ForeignKey(
        "catalog.ServiceItemVersion",
        verbose_name=_("事项版本"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    item_code = models.CharField(_("事项编码"), max_length=40, db_index=True)
    item_name = models.CharField(_("事项名称"), max_length=200)
    handling_type = models.CharField(max_length=10)
    legal_limit_days = models.PositiveSmallIntegerField()
    promised_limit_days = models.PositiveSmallIntegerField()
    #: Required materials with what was received: [{"name", "form", "count", "received": bool}].
    materials = models.JSONField(default=list)
    #: The one-time notice (一次性告知) in force while state is supplement_needed.
    missing_materials = ArrayField(models.CharField(max_length=200), default=list, blank=True)

    handler_name = models.CharField(_("经办人"), max_length=100, blank=True)
    idempotency_key = models.CharField(max_length=80, null=True, blank=True, unique=True)
    #: The query code (查询码) printed on the applicant's receipt: kept in clear only at the
    #: centre that logged the case (to reprint the receipt); every tier keeps its hash
    #: (``delegation.tracking.query_code_hash``), which the public projection checks.
    query_code = models.CharField(_("查询码"), max_length=8, blank=True)
    query_code_hash = models.CharField(max_length=64, blank=True)
    note = models.TextField(blank=True)
    decision_reason = models.TextField(_("决定理由"), blank=True)

    # The clock, in working days (workdays.calendar); pauses live in CasePause.
    submitted_at = models.DateTimeField(auto_now_add=True)
    clock_started_on = models.DateField(null=True, blank=True)
    due_on = models.DateField(_("承诺办结日"), null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    elapsed_working_days = models.IntegerField(null=True, blank=True)
    on_time = models.BooleanField(null=True)
    early = models.BooleanField(null=True)
    saved_vs_legal = models.IntegerField(null=True, blank=True)
    saved_vs_promised = models.IntegerField(null=True, blank=True)
    calendar_fallback = models.BooleanField(
        default=False, help_text="a date beyond the known calendar was used"
    )
    rating = models.PositiveSmallIntegerField(null=True, blank=True)

    # Where the case came from and where it went (the delegation chain).
    origin_centre = models.CharField(
        max_length=12, help_text="division code where the citizen applied"
    )
    received_from = models.ForeignKey(
        "Delegation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    forwarded_to = models.ForeignKey(
        "Delegation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    #: While escalated: the state of the case at the tier that holds it now.
    upstream_state = models.CharField(max_length=20, choices=State.choices, blank=True)
    upstream_centre = models.CharField(max_length=12, blank=True)

    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("办件")
        verbose_name_plural = _("办件")
        indexes = [
            models.Index(fields=["state", "due_on"], name="case_state_due_idx"),
            models.Index(fields=["-submitted_at"], name="case_submitted_idx"),
            models.Index(fields=["applicant_id_hash"], name="case_applicant_id_hash_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                name="case_promised_within_legal",
                condition=Q(promised_limit_days__lte=models.F("legal_limit_days")),
            ),
            models.CheckConstraint(
                name="case_rating_range",
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
            ),
            models.CheckConstraint(
                name="case_escalated_has_delegation",
                condition=~Q(state="escalated") | Q(forwarded_to__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tracking_no} {self.item_name}（{self.get_state_display()}）"

    @property
    def effective_state(self) -> str:
        """What the citizen should be told: the upper tier's state while the case is handed up."""
        if self.state == State.ESCALATED and self.upstream_state:
            return self.upstream_state
        return self.state


class CaseEvent(QuickFromDb, models.Model):
    """An append-only record of one transition (or one status report from upstream)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField()
    action = models.CharField(max_length=30)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20)
    actor = models.CharField(max_length=100)
    role = models.CharField(max_length=20)
    centre = models.CharField(max_length=12, help_text="division code where it happened")
    at = models.DateTimeField()
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["case_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["case", "seq"], name="case_event_seq_unique")
        ]


class CasePause(models.Model):
    """A stop of the clock while supplements are awaited (一次性告知 → 补正)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="pauses")
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    materials = ArrayField(models.CharField(max_length=200))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=Q(ended_on__isnull=True), name="one_open_pause_per_case"
            ),
        ]


class Direction(models.TextChoices):
    UP = "up", _("上报（本中心 → 上级）")
    DOWN = "down", _("承接（下级 → 本中心）")


class Delegation(QuickFromDb, models.Model):
    """One hop of a chain, as this centre knows it.

    The lower centre holds the ``up`` record (it forwarded the case), the upper centre the
    ``down`` record (it received it); both carry the same id. Messages on a hop are numbered per
    direction: ``sent_seq`` is the last number this side used, ``received_seq`` the last it applied.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    direction = models.CharField(max_length=4, choices=Direction.choices)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="delegations")
    peer_centre = models.CharField(max_length=12)
    peer_tier = models.CharField(max_length=10)
    tracking_no = models.CharField(max_length=30)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_seq = models.PositiveIntegerField(default=0)
    received_seq = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["case", "direction"], name="one_delegation_per_case_direction"
            )
        ]


class InboxMessage(models.Model):
    """Messages this centre received: applied once (keyed by message id), in order per stream."""

    message_id = models.UUIDField(primary_key=True)
    stream = models.UUIDField()
    seq = models.PositiveIntegerField()
    kind = models.CharField(max_length=40)
    sender = models.CharField(max_length=12)
    received_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)
    #: Kept only while the message waits for an earlier one of its stream.
    body = models.JSONField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["stream", "seq"], name="inbox_stream_seq_idx")]


class DailyCounter(models.Model):
    """The last case sequence number used at this centre on a day (for tracking numbers)."""

    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)
