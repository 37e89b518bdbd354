"""Writing to the outbox, inside the caller's transaction."""

from __future__ import annotations

import json
import uuid

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.utils import timezone

from messaging.models import OutboxMessage

NOTIFY_CHANNEL = "outbox"  # must match the trigger in migration 0002
_INSERT = (
    f"INSERT INTO public.{OutboxMessage._meta.db_table} "
    "(id, kind, sender, recipient, stream, seq, payload, created_at, attempts, last_error) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s::jsonb, %s, 0, '')"
)


def enqueue(
    *, kind: str, sender: str, recipient: str, stream: uuid.UUID, seq: int, payload: dict
) -> OutboxMessage:
    """Add a message to the outbox. Must run inside the transaction of the change it reports."""
    if not connection.in_atomic_block:
        raise RuntimeError("enqueue() must run inside the transaction of the change it reports")
    message = OutboxMessage(
        id=uuid.uuid4(),
        kind=kind,
        sender=sender,
        recipient=recipient,
        stream=stream,
        seq=seq,
        payload=payload,
        created_at=timezone.now(),
    )
    with connection.cursor() as cur:  # one INSERT, SQL written once (hot path)
        cur.execute(
            _INSERT,
            [
                message.id,
                kind,
                sender,
                recipient,
                stream,
                seq,
                json.dumps(payload, cls=DjangoJSONEncoder, ensure_ascii=False),
                message.created_at,
            ],
        )
    # A statement trigger (messaging migration 0002) sends NOTIFY outbox; NOTIFY is
    # transactional, so the relay is woken only if this transaction commits.
    return message
