"""Writing to the outbox, inside the caller's transaction."""

from __future__ import annotations

import uuid

from django.db import connection

from messaging.models import OutboxMessage

NOTIFY_CHANNEL = "outbox"  # must match the trigger in migration 0002


def enqueue(
    *, kind: str, sender: str, recipient: str, stream: uuid.UUID, seq: int, payload: dict
) -> OutboxMessage:
    """Add a message to the outbox. Must run inside the transaction of the change it reports."""
    if not connection.in_atomic_block:
        raise RuntimeError("enqueue() must run inside the transaction of the change it reports")
    message = OutboxMessage.objects.create(
        id=uuid.uuid4(),
        kind=kind,
        sender=sender,
        recipient=recipient,
        stream=stream,
        seq=seq,
        payload=payload,
    )
    # A statement trigger (messaging migration 0002) sends NOTIFY outbox; NOTIFY is
    # transactional, so the relay is woken only if this transaction commits.
    return message
