"""The worker's consumer, with poison messages kept instead of dropped.

Celery acknowledges a message it cannot decode (logging it) and rejects one naming an unknown
task or an invalid one; without a dead-letter exchange either is gone. This consumer records
each as a dead letter first (``messaging.deadletters``), then lets Celery do what it does.
Set by ``CELERY_WORKER_CONSUMER``; it runs in the worker's main process, so it closes the
database connection it used (the pool's children are forked from this process).
"""

from __future__ import annotations

import logging

from celery.worker.consumer import Consumer as CeleryConsumer

from messaging.models import DeadLetterReason

log = logging.getLogger(__name__)


def _body(message) -> str:
    body = getattr(message, "body", b"")
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="replace")
    return str(body)[:100_000]


def keep_as_dead_letter(message, reason: str, detail: str) -> None:
    """Record a broker message no consumer can use (``messaging.deadletters``), never raising:
    Celery's consumer here and the plain one (``messaging.stream``) then drop it from the queue."""
    from django.db import close_old_connections, connection

    from messaging import deadletters

    headers = dict(getattr(message, "headers", None) or {})
    try:
        close_old_connections()
        deadletters.record(
            {
                "raw": _body(message),
                "task": str(headers.get("task", ""))[:200],
                "task_id": str(headers.get("id", ""))[:100],
                "content_type": str(getattr(message, "content_type", ""))[:100],
            },
            reason,
            detail[:2000],
        )
    except Exception:  # never let the consumer die over a dead letter
        log.exception("could not record a poison message as a dead letter")
    finally:
        connection.close()


class Consumer(CeleryConsumer):
    def on_decode_error(self, message, exc):
        keep_as_dead_letter(message, DeadLetterReason.UNDECODABLE, f"{type(exc).__name__}: {exc}")
        return super().on_decode_error(message, exc)

    def on_unknown_message(self, body, message):
        keep_as_dead_letter(message, DeadLetterReason.UNDECODABLE, "not a task message")
        return super().on_unknown_message(body, message)

    def on_unknown_task(self, body, message, exc):
        keep_as_dead_letter(message, DeadLetterReason.UNKNOWN_KIND, f"unknown task: {exc}")
        return super().on_unknown_task(body, message, exc)

    def on_invalid_task(self, body, message, exc):
        keep_as_dead_letter(message, DeadLetterReason.UNDECODABLE, f"invalid task: {exc}")
        return super().on_invalid_task(body, message, exc)
