"""Notifications: text messages to applicants and notices to a centre's staff (public schema).

Both tables are network-wide, like the outbox: they are written in the centre's transaction
(same database, ``public`` is on every centre's search path) and a worker claims the SMS that
are due with ``FOR UPDATE SKIP LOCKED`` from one table instead of polling ~1,700 schemas.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.personal_data import EncryptedTextField


class SmsKind(models.TextChoices):
    ACCEPTED = "accepted", _("受理通知")
    NOTICE = "notice", _("补正告知")
    DECIDED = "decided", _("办结通知")
    READY = "ready", _("领取提醒")
    RATING = "rating", _("评价邀请")


#: Sent whatever the applicant chose: what the law or the case itself needs them to know
#: (acceptance, the one-time notice, the decision). The others (a reminder, the rating
#: invitation) are withheld when the applicant opted out of non-essential messages.
ESSENTIAL_KINDS = frozenset({SmsKind.ACCEPTED, SmsKind.NOTICE, SmsKind.DECIDED})


class SmsStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")
    SUPPRESSED = "suppressed", _("未发送（已退订）")


class SmsMessage(models.Model):
    """One text message to an applicant, written with the change it reports, sent by a worker.

    ``id`` is also the idempotency key given to the gateway, so a message handed over twice
    (a timeout after the gateway took it) is sent once. ``dedupe_key`` is unique: the same
    case, kind and recipient (and, for a one-time notice, the same notice) gives one row,
    however often the event that causes it is applied.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    centre = models.ForeignKey(
        "tenants.ServiceCentre",
        verbose_name=_("发送中心"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text="the centre of application: its signature, and where the applicant goes",
    )
    kind = models.CharField(_("类型"), max_length=10, choices=SmsKind.choices)
    tracking_no = models.CharField(_("办件编号"), max_length=30, db_index=True)
    dedupe_key = models.CharField(max_length=200, unique=True)
    # Sealed at rest (core.personal_data); rate limits count by the keyed hash.
    phone = EncryptedTextField(_("手机号码"))
    phone_hash = models.CharField(max_length=64)
    language = models.CharField(_("语言"), max_length=10, default="zh-hans")
    #: Sealed too: the acceptance carries the query code, the second factor of tracking.
    text = EncryptedTextField(_("短信内容"))
    status = models.CharField(
        _("状态"), max_length=10, choices=SmsStatus.choices, default=SmsStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error_code = models.CharField(max_length=40, blank=True)
    last_error = models.TextField(blank=True)
    gateway = models.CharField(max_length=20, blank=True)
    gateway_message_id = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(_("生成时间"))
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    #: When the phone number and the text were erased (``SMS_RETENTION_DAYS`` after the message
    #: was written; the row stays: what was sent to whom-no-longer-known, and how it went).
    redacted_at = models.DateTimeField(_("脱敏时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("短信")
        verbose_name_plural = _("短信")
        indexes = [
            models.Index(
                fields=["next_attempt_at", "created_at"],
                name="sms_due_idx",
                condition=Q(status="pending"),
            ),
            models.Index(
                fields=["phone_hash", "sent_at"],
                name="sms_phone_sent_idx",
                condition=Q(status="sent"),
            ),
            models.Index(fields=["centre", "-created_at"], name="sms_centre_created_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                name="sms_status_valid",
                condition=Q(status__in=["pending", "sent", "failed", "suppressed"]),
            ),
        ]


class SmsPreference(models.Model):
    """What the applicant of one case chose for text messages: the language, and whether to
    receive the non-essential ones. Recorded at intake, changeable by the centre's desk."""

    centre = models.ForeignKey("tenants.ServiceCentre", on_delete=models.PROTECT, related_name="+")
    tracking_no = models.CharField(_("办件编号"), max_length=30)
    opt_out = models.BooleanField(_("退订非必要短信"), default=False)
    language = models.CharField(_("短信语言"), max_length=10, default="zh-hans")
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = _("短信偏好")
        verbose_name_plural = _("短信偏好")
        constraints = [
            models.UniqueConstraint(fields=["centre", "tracking_no"], name="sms_preference_once")
        ]


class StaffKind(models.TextChoices):
    INCOMING = "incoming", _("新收办件")
    SUPPLEMENT = "supplement", _("收到补正材料")
    WARNING_YELLOW = "warning_yellow", _("黄色预警")
    WARNING_RED = "warning_red", _("红色预警")
    DUBAN = "duban", _("督办")
    RECTIFICATION_YELLOW = "rectification_yellow", _("整改黄色预警")
    RECTIFICATION_RED = "rectification_red", _("整改红色预警")


class StaffNotification(models.Model):
    """A notice to the desk of one centre (the worklist's bell). Read by anyone working there."""

    centre = models.ForeignKey("tenants.ServiceCentre", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("类型"), max_length=20, choices=StaffKind.choices)
    tracking_no = models.CharField(_("办件编号"), max_length=30)
    #: The values the kind's text is filled with when shown (in the reader's language).
    text_args = models.JSONField(default=dict, blank=True)
    dedupe_key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(_("时间"))
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    read_by = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = _("工作通知")
        verbose_name_plural = _("工作通知")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["centre", "-created_at"], name="staff_note_centre_idx"),
            models.Index(
                fields=["centre"], name="staff_note_unread_idx", condition=Q(read_at__isnull=True)
            ),
        ]
