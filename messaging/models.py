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
        return {
            "id": str(self.id),
            "kind": self.kind,
            "sender": self.sender,
            "recipient": self.recipient,
            "stream": str(self.stream),
            "seq": self.seq,
            "payload": self.payload,
            "created_at": self.created_at.isoformat() if self.created_at else None,
        }
