"""The outbox (public schema): one table for the whole database, polled by one relay.

It sits in the public schema rather than in each centre's schema so that the relay claims work
from one table with ``FOR UPDATE SKIP LOCKED`` instead of scanning ~1,700 schemas; it is written
in the same transaction as the centre's change, which is what the outbox pattern needs. In a
federation each database has its own outbox and relay, all publishing to the same broker.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=40)
    sender = models.CharField(max_length=12, help_text="division code of the sending centre")
    recipient = models.CharField(max_length=12, help_text="division code of the receiving centre")
    stream = models.UUIDField(help_text="the ordering stream, e.g. a delegation id")
    seq = models.PositiveIntegerField()
    payload = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    #: After a failed attempt, not before this (capped exponential backoff); never given up.
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # The relay's work queue: only unpublished rows are indexed.
            models.Index(
                fields=["created_at"],
                name="outbox_unpublished_idx",
                condition=Q(published_at__isnull=True),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["stream", "sender", "seq"], name="outbox_stream_seq_unique"
            ),
        ]

    def as_message(self) -> dict:
        """The message as it travels: the envelope, the payload and its signature."""
        from messaging.signing import sign

        return sign(
            {
                "id": str(self.id),
                "kind": self.kind,
                "sender": self.sender,
                "recipient": self.recipient,
                "stream": str(self.stream),
                "seq": self.seq,
                "payload": self.payload,
                "created_at": self.created_at.isoformat() if self.created_at else None,
            }
        )


class RelayHeartbeat(models.Model):
    """A running relay's sign of life, renewed every few seconds (the health endpoint reads it)."""

    name = models.CharField(max_length=100, primary_key=True, help_text="host:pid of the relay")
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField()
    transport = models.CharField(max_length=20)
    #: Times the relay lost its database connection and came back.
    reconnects = models.PositiveIntegerField(default=0)


class DeadLetterReason(models.TextChoices):
    UNDECODABLE = "undecodable", _("无法解析")
    BAD_SIGNATURE = "bad_signature", _("签名无效")
    UNKNOWN_RECIPIENT = "unknown_recipient", _("收件中心不存在")
    UNKNOWN_KIND = "unknown_kind", _("未知消息类型")
    WRONG_SENDER = "wrong_sender", _("发件中心无权发送")
    INVALID_PAYLOAD = "invalid_payload", _("消息内容不合规")
    CONFLICT = "conflict", _("序号冲突")
    STALE_PARKED = "stale_parked", _("长期搁置")


class DeadLetterStatus(models.TextChoices):
    DEAD = "dead", _("待处理")
    REPLAYED = "replayed", _("已重放")
    DISCARDED = "discarded", _("已丢弃")


class DeadLetter(models.Model):
    """A message that can never be applied as it is: kept with the reason for a person to see
    (``manage.py dead_letters``), never retried on its own, never silently dropped."""

    message_id = models.UUIDField(null=True, blank=True, unique=True)
    reason = models.CharField(max_length=20, choices=DeadLetterReason.choices)
    detail = models.TextField(blank=True)
    kind = models.CharField(max_length=40, blank=True)
    sender = models.CharField(max_length=40, blank=True)
    recipient = models.CharField(max_length=40, blank=True)
    stream = models.CharField(max_length=40, blank=True)
    seq = models.BigIntegerField(null=True, blank=True)
    #: The message as received; emptied when discarded and by the retention purge.
    body = models.JSONField(null=True, blank=True)
    received_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    times_seen = models.PositiveIntegerField(default=1)
    status = models.CharField(
        max_length=10, choices=DeadLetterStatus.choices, default=DeadLetterStatus.DEAD
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["received_at"], name="deadletter_open_idx", condition=Q(status="dead")
            )
        ]


class DeadLetterAction(models.Model):
    """What an operator did with a dead letter or a parked message: who, when, what, outcome."""

    dead_letter = models.ForeignKey(
        DeadLetter, null=True, blank=True, on_delete=models.PROTECT, related_name="actions"
    )
    message_id = models.UUIDField(null=True, blank=True)
    action = models.CharField(max_length=20)
    actor = models.CharField(max_length=100)
    at = models.DateTimeField()
    note = models.TextField(blank=True)
    outcome = models.TextField(blank=True)


class ParkedMessage(models.Model):
    """The network-wide index of parked inbox rows (ahead of their sequence, or for a delegation
    the centre does not know yet), so health and operators see them without reading ~1,700
    schemas. Written and deleted in the receiving transaction beside the inbox row."""

    message_id = models.UUIDField(primary_key=True)
    recipient = models.CharField(max_length=12)
    sender = models.CharField(max_length=12)
    kind = models.CharField(max_length=40)
    stream = models.UUIDField()
    seq = models.PositiveIntegerField()
    parked_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["parked_at"], name="parked_age_idx")]
