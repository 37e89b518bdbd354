"""The Celery side of the transport: apply messages, idempotently."""

from __future__ import annotations

import logging

from core.celery import app
from messaging import dispatch

log = logging.getLogger(__name__)


RETRIES_BEFORE_ALARM = 10  # a transient failure this persistent is logged at ERROR


def _backoff(retries: int) -> int:
    return min(30, 2 ** min(retries, 5))


def _log_retry(retries: int, what: str, exc: Exception) -> None:
    level = logging.ERROR if retries >= RETRIES_BEFORE_ALARM else logging.INFO
    log.log(
        level, "%s failed %d time(s), retrying: %s: %s", what, retries + 1, type(exc).__name__, exc
    )


@app.task(
    name="messaging.deliver",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=None,
)
def deliver(self, message: dict) -> str:
    try:
        return str(dispatch.deliver(message))
    except Exception as exc:
        # Transient (permanent failures became dead letters and returned): back off and try
        # again; the inbox makes the retry harmless.
        what = message.get("id") if isinstance(message, dict) else "?"
        _log_retry(self.request.retries, f"message {what}", exc)
        raise self.retry(exc=exc, countdown=_backoff(self.request.retries)) from exc


@app.task(
    name="messaging.deliver_batch",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=None,
)
def deliver_batch(self, messages: list[dict]) -> str:
    """Apply a batch of messages for one recipient in one transaction.

    If anything in the batch fails, the transaction rolls back and the messages are applied one
    by one, each in its own transaction; the ones that still fail are retried later as a smaller
    batch. Messages applied before a failure are not lost and are not applied twice: the inbox
    recognises them on the retry.
    """
    results, failed, error = dispatch.apply_batch(messages)
    if failed:
        _log_retry(self.request.retries, f"{len(failed)} message(s) of a batch", error)
        raise self.retry(
            args=[failed], exc=error, countdown=_backoff(self.request.retries)
        ) from error
    return ",".join(str(r) for r in results)
