"""A plain kombu consumer of the message queue: what the Celery worker does with
``messaging.deliver`` and ``messaging.deliver_batch``, without a Celery task per batch.

    python manage.py consume [--prefetch 64]

The relay's messages are unchanged (Celery's task message format, protocol 2, on
``MESSAGES_QUEUE``), so a Celery worker and this consumer can serve the same queue, and any
number of either compete for it. Celery stays for the periodic work (beat and the ``celery``
queue). The guarantees are the worker's:

* a broker message is acknowledged only after its transaction committed; if the process dies
  first, RabbitMQ hands it to another consumer, and the inbox recognises what was applied;
* a batch that fails is applied message by message (``dispatch.apply_batch``); the ones that
  still fail stay unacknowledged and are tried again after a backoff (2, 4, 8 … 30 s, for ever,
  as the Celery task retries), the rest of the queue flowing meanwhile — their order does not
  matter here, the inbox parks a message that arrives before its predecessor;
* a body that cannot be decoded, or names no task this consumer knows, is kept as a dead letter
  and then dropped from the queue (never retried for ever, never lost silently).

Measured against the Celery worker in ``bench/delegation.py --consumer`` (docs/benchmarks.md).
"""

from __future__ import annotations

import heapq
import itertools
import logging
import time
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection
from kombu.mixins import ConsumerMixin

from messaging import dispatch
from messaging.consumer import keep_as_dead_letter
from messaging.models import DeadLetterReason

log = logging.getLogger(__name__)

TASKS = ("messaging.deliver", "messaging.deliver_batch")


def backoff(retries: int) -> int:
    """Seconds before a failed message is tried again: the Celery task's schedule."""
    return min(30, 2 ** min(retries, 5))


def messages_of(body: Any, headers: dict) -> list[dict] | None:
    """The protocol messages a Celery task message carries, or None if it is not one of ours."""
    task = headers.get("task")
    if task not in TASKS or not isinstance(body, (list, tuple)) or not body:
        return None
    args = body[0]
    if not isinstance(args, (list, tuple)) or len(args) != 1:
        return None
    if task == "messaging.deliver":
        return [args[0]]
    return list(args[0]) if isinstance(args[0], (list, tuple)) else None


class MessageConsumer(ConsumerMixin):
    def __init__(self, broker, queue, *, prefetch: int = 64) -> None:
        self.connection = broker
        self.queue = queue
        self.prefetch = prefetch
        self.applied = 0
        # (due, n, message, messages, retries): failed messages held unacknowledged until due.
        self._waiting: list[tuple[float, int, Any, list[dict], int]] = []
        self._order = itertools.count()

    def get_consumers(self, Consumer, channel):
        return [
            Consumer(
                queues=[self.queue],
                callbacks=[self.on_message],
                accept=["json"],
                prefetch_count=self.prefetch,
            )
        ]

    def on_connection_revived(self) -> None:
        # Deliveries of the lost channel are void: the broker gives them out again.
        self._waiting.clear()

    def on_decode_error(self, message, exc) -> None:
        keep_as_dead_letter(message, DeadLetterReason.UNDECODABLE, f"{type(exc).__name__}: {exc}")
        message.ack()

    def on_message(self, body, message) -> None:
        messages = messages_of(body, dict(message.headers or {}))
        if messages is None:
            task = (message.headers or {}).get("task")
            reason = DeadLetterReason.UNKNOWN_KIND if task else DeadLetterReason.UNDECODABLE
            keep_as_dead_letter(message, reason, f"not a message task: {str(task)[:100]}")
            message.ack()
            return
        retries = int((message.headers or {}).get("retries") or 0)
        self._apply(message, messages, retries)

    def on_iteration(self) -> None:
        now = time.monotonic()
        while self._waiting and self._waiting[0][0] <= now:
            _due, _n, message, messages, retries = heapq.heappop(self._waiting)
            self._apply(message, messages, retries)

    def _apply(self, message, messages: list[dict], retries: int) -> None:
        try:
            close_old_connections()  # as Django does around a request (CONN_MAX_AGE, broken)
            connection.set_schema_to_public()
            results, failed, error = dispatch.apply_batch(messages)
        except Exception as exc:  # the database itself: keep the message, try again later
            results, failed, error = [], messages, exc
        self.applied += len(results)
        if not failed:
            message.ack()
            return
        level = logging.ERROR if retries + 1 >= 10 else logging.INFO
        log.log(
            level,
            "%d message(s) failed %d time(s), retrying in %d s: %s: %s",
            len(failed),
            retries + 1,
            backoff(retries),
            type(error).__name__,
            error,
        )
        due = time.monotonic() + backoff(retries)
        heapq.heappush(self._waiting, (due, next(self._order), message, failed, retries + 1))


def run(prefetch: int = 64) -> None:
    """Consume ``MESSAGES_QUEUE`` until stopped (SIGTERM or Ctrl-C)."""
    import signal

    from core.celery import app

    queue = app.amqp.queues[settings.MESSAGES_QUEUE]  # declared as Celery declares it
    consumer = MessageConsumer(app.connection_for_read(), queue, prefetch=prefetch)

    def stop(_signum, _frame) -> None:
        consumer.should_stop = True

    signal.signal(signal.SIGTERM, stop)
    log.info("consuming %s (prefetch %d)", settings.MESSAGES_QUEUE, prefetch)
    print(f"consumer ready: {settings.MESSAGES_QUEUE}", flush=True)
    try:
        consumer.run()
    except KeyboardInterrupt:
        pass
