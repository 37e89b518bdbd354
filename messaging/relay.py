"""The relay: publish committed outbox rows, oldest first, and mark them sent.

Several relays may run (``FOR UPDATE SKIP LOCKED`` keeps them off each other's rows). A row is
marked sent only after the transport accepted it, so a crash between the two sends it again;
receivers dedupe. When the transport fails (broker down), the batch stops, the failure is
recorded on the row, and the next pass tries again: an outage delays messages, never loses them.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import select
import socket
import time

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Min, Q
from django.utils import timezone

from messaging.models import OutboxMessage, RelayHeartbeat
from messaging.outbox import NOTIFY_CHANNEL
from messaging.transport import TransportError, default_transport

log = logging.getLogger(__name__)
PASS_LIMIT = 500  # messages per relay pass
HEARTBEAT_EVERY = 5.0  # seconds between heartbeats (and backlog checks) of a running relay
ALERT_EVERY = 60.0  # seconds between two ERROR lines about the same backlog
RECONNECT_CAP = 30.0  # seconds: the longest wait between two attempts to reach the database


def retry_delay(attempts: int) -> dt.timedelta:
    """How long an unsent message waits after its ``attempts``-th failure: 1 s, 2 s, 4 s, … up
    to ``MESSAGES_RETRY_CAP_SECONDS``. It is never given up."""
    cap = settings.MESSAGES_RETRY_CAP_SECONDS
    return dt.timedelta(seconds=min(cap, 2 ** min(max(attempts - 1, 0), 30)))


def relay_batch(
    transport=None, limit: int = PASS_LIMIT, group: int | None = None, *, now=None
) -> tuple[int, int]:
    """Publish up to ``limit`` pending messages, oldest first. Returns (sent, failed).

    The messages of one pass are handed over in groups of up to ``group`` per recipient (one
    broker message and one receiving transaction per group); the order within a recipient is
    kept, and that is the only order that matters (each stream has one recipient). A message
    that failed waits its backoff (``next_attempt_at``) before it is tried again; ``now`` is
    the time the pass runs at (tests and the chaos script move it on).
    """
    transport = transport or default_transport()
    group = group or settings.MESSAGES_RELAY_GROUP
    now = now or timezone.now()
    sent = failed = 0
    connection.set_schema_to_public()
    with transaction.atomic():
        rows = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(published_at__isnull=True)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
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
                            attempts=row.attempts + 1,
                            last_error=str(exc)[:2000],
                            next_attempt_at=timezone.now() + retry_delay(row.attempts + 1),
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


def oldest_unsent_age(now=None) -> float | None:
    """Seconds since the oldest unsent message was written (None when all are sent)."""
    connection.set_schema_to_public()
    oldest = OutboxMessage.objects.filter(published_at__isnull=True).aggregate(t=Min("created_at"))
    if oldest["t"] is None:
        return None
    return ((now or timezone.now()) - oldest["t"]).total_seconds()


def heartbeat(name: str, transport_name: str, started_at, reconnects: int) -> None:
    """Renew this relay's sign of life (the health endpoint reads it)."""
    connection.set_schema_to_public()
    RelayHeartbeat.objects.update_or_create(
        name=name,
        defaults={
            "beat_at": timezone.now(),
            "started_at": started_at,
            "transport": transport_name,
            "reconnects": reconnects,
        },
    )


class _Watch:
    """The running relay's own checks, every ``HEARTBEAT_EVERY`` seconds: heartbeat, and an
    ERROR line (at most once a minute) while the backlog or parked messages are past their
    thresholds, so that nothing silently stops."""

    def __init__(self, transport_name: str) -> None:
        self.name = f"{socket.gethostname()}:{os.getpid()}"[:100]
        self.transport_name = transport_name
        self.started_at = timezone.now()
        self.reconnects = 0
        self.next_beat = 0.0
        self.next_alert = 0.0

    def tick(self) -> None:
        if time.monotonic() < self.next_beat:
            return
        heartbeat(self.name, self.transport_name, self.started_at, self.reconnects)
        self.next_beat = time.monotonic() + HEARTBEAT_EVERY
        if time.monotonic() < self.next_alert:
            return
        from messaging.deadletters import summary

        age = oldest_unsent_age()
        facts = summary()
        alarms = []
        if age is not None and age > settings.MESSAGES_BACKLOG_ALERT_SECONDS:
            alarms.append(f"the oldest unsent message is {age:.0f} s old")
        if facts.stale_parked:
            alarms.append(
                f"{facts.stale_parked} message(s) parked for over "
                f"{settings.MESSAGES_PARKED_ALERT_SECONDS} s"
            )
        if alarms:
            log.error("messaging needs attention: %s", "; ".join(alarms))
            self.next_alert = time.monotonic() + ALERT_EVERY


def _listen():
    import psycopg

    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    listener = psycopg.connect(**{**params, "application_name": "relay"}, autocommit=True)
    listener.execute(f"LISTEN {NOTIFY_CHANNEL}")
    return listener


def _close(listener) -> None:
    if listener is not None:
        try:
            listener.close()
        except Exception:
            pass


def run_forever(
    transport=None,
    idle_timeout: float = 1.0,
    stop=None,
    linger: float | None = None,
    sleep=time.sleep,
) -> None:
    """Long-running relay: wakes on NOTIFY outbox (sent on commit), polls every second anyway.

    After a pass that found fewer messages than a full pass, it lingers ``linger`` seconds
    (``MESSAGES_RELAY_LINGER``) before the next one, so that under load messages leave in
    batches (one broker message and one receiving transaction per recipient) rather than one by
    one; an idle network pays at most that much extra latency per hop.

    It never exits on a database error: when its connections are terminated or PostgreSQL
    restarts it drops them, waits (1 s, 2 s, … up to ``RECONNECT_CAP``), connects again and
    LISTENs again. Missed notifications do not matter: every pass reads the table.
    """
    transport = transport or default_transport()
    linger = settings.MESSAGES_RELAY_LINGER if linger is None else linger
    # Named in pg_stat_activity (operators, and the chaos script, find the relay's backends),
    # on every connection Django opens from now on.
    connection.close()
    connection.settings_dict.setdefault("OPTIONS", {})["application_name"] = "relay"
    watch = _Watch(transport.name)
    listener = None
    failures = 0
    log.warning("relay running with %s transport", transport.name)
    try:
        while stop is None or not stop():
            try:
                if listener is None:
                    listener = _listen()
                    if failures:
                        watch.reconnects += 1
                        log.warning(
                            "relay reconnected to the database after %d failure(s)", failures
                        )
                watch.tick()
                sent, failed = relay_batch(transport, limit=PASS_LIMIT)
                failures = 0
                if transport.name == "local":  # no broker, no Celery worker: send SMS here
                    from notifications.sending import send_in_process

                    send_in_process()
                if sent >= PASS_LIMIT and not failed:
                    continue  # a full pass: more are waiting
                if sent and not failed:
                    sleep(linger)  # let the next batch gather
                    continue
                if failed:
                    sleep(min(5.0, idle_timeout * 2))
                # Sleep until a commit notifies us, or the timeout passes.
                select.select([listener.fileno()], [], [], idle_timeout)
                for _ in listener.notifies(timeout=0):
                    pass
            except Exception:  # the database went away (terminated, restarting): start again
                failures += 1
                delay = min(RECONNECT_CAP, 2.0 ** min(failures - 1, 10))
                log.exception(
                    "relay lost the database (failure %d); retrying in %.0f s", failures, delay
                )
                _close(listener)
                listener = None
                try:
                    connection.close()
                except Exception:
                    pass
                sleep(delay)
    finally:
        _close(listener)
