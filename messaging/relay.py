"""The relay: publish committed outbox rows, oldest first, and mark them sent.

Several relays may run (``FOR UPDATE SKIP LOCKED`` keeps them off each other's rows). A row is
marked sent only after the transport accepted it, so a crash between the two sends it again;
receivers dedupe. When the transport fails (broker down), the batch stops, the failure is
recorded on the row, and the next pass tries again: an outage delays messages, never loses them.
"""

from __future__ import annotations

import logging
import select
import time

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from messaging.models import OutboxMessage
from messaging.outbox import NOTIFY_CHANNEL
from messaging.transport import TransportError, default_transport

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 50
PASS_LIMIT = 500  # messages per relay pass


def relay_batch(
    transport=None, limit: int = PASS_LIMIT, group: int | None = None
) -> tuple[int, int]:
    """Publish up to ``limit`` pending messages, oldest first. Returns (sent, failed).

    The messages of one pass are handed over in groups of up to ``group`` per recipient (one
    broker message and one receiving transaction per group); the order within a recipient is
    kept, and that is the only order that matters (each stream has one recipient).
    """
    transport = transport or default_transport()
    group = group or settings.MESSAGES_RELAY_GROUP
    sent = failed = 0
    connection.set_schema_to_public()
    with transaction.atomic():
        rows = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(published_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
            .order_by("created_at", "seq")[:limit]
        )
        by_recipient: dict[str, list[OutboxMessage]] = {}
        for row in rows:
            by_recipient.setdefault(row.recipient, []).append(row)
        batches = [
            group_rows[i : i + group]
            for group_rows in by_recipient.values()
            for i in range(0, len(group_rows), group)
        ]
        done = []
        for batch in batches:
            try:
                transport.send_batch([row.as_message() for row in batch])
            except TransportError as exc:
                bad = set(exc.failed) or {str(row.id) for row in batch}
                for row in batch:
                    if str(row.id) in bad:
                        failed += 1
                        OutboxMessage.objects.filter(pk=row.pk).update(
                            attempts=row.attempts + 1, last_error=str(exc)[:2000]
                        )
                    else:
                        done.append(row.pk)
                        sent += 1
                log.warning(
                    "%d outbox message(s) to %s not sent: %s", len(bad), batch[0].recipient, exc
                )
                if transport.name != "local":
                    break  # the broker is down: keep order, try the rest next pass
                continue
            finally:
                connection.set_schema_to_public()
            done.extend(row.pk for row in batch)
            sent += len(batch)
        if done:
            OutboxMessage.objects.filter(pk__in=done).update(published_at=timezone.now())
    return sent, failed


def pending_count() -> int:
    connection.set_schema_to_public()
    return OutboxMessage.objects.filter(published_at__isnull=True).count()


def drain(transport=None, max_passes: int = 1000) -> int:
    """Relay until the outbox is empty (or nothing more can be sent). For tests and scripts."""
    total = 0
    for _ in range(max_passes):
        sent, _failed = relay_batch(transport)
        total += sent
        if sent == 0:
            break
    return total


def run_forever(
    transport=None, idle_timeout: float = 1.0, stop=None, linger: float | None = None
) -> None:
    """Long-running relay: wakes on NOTIFY outbox (sent on commit), polls every second anyway.

    After a pass that found fewer messages than a full pass, it lingers ``linger`` seconds
    (``MESSAGES_RELAY_LINGER``) before the next one, so that under load messages leave in
    batches (one broker message and one receiving transaction per recipient) rather than one by
    one; an idle network pays at most that much extra latency per hop.
    """
    import psycopg

    transport = transport or default_transport()
    linger = settings.MESSAGES_RELAY_LINGER if linger is None else linger
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    listener = psycopg.connect(**params, autocommit=True)
    listener.execute(f"LISTEN {NOTIFY_CHANNEL}")
    log.warning("relay running with %s transport", transport.name)
    try:
        while stop is None or not stop():
            try:
                sent, failed = relay_batch(transport, limit=PASS_LIMIT)
            except Exception:  # database hiccup: log and keep going
                log.exception("relay pass failed")
                connection.close()
                time.sleep(1)
                continue
            if sent >= PASS_LIMIT and not failed:
                continue  # a full pass: more are waiting
            if sent and not failed:
                time.sleep(linger)  # let the next batch gather
                continue
            if failed:
                time.sleep(min(5.0, idle_timeout * 2))
            # Sleep until a commit notifies us, or the timeout passes.
            select.select([listener.fileno()], [], [], idle_timeout)
            for _ in listener.notifies(timeout=0):
                pass
    finally:
        listener.close()
