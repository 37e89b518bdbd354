"""The Celery side of the transport: apply one message, idempotently."""

from __future__ import annotations

from core.celery import app
from messaging import dispatch


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
    except dispatch.UnknownMessageKind:
        raise
    except Exception as exc:
        # Back off and try again; the inbox makes the retry harmless.
        raise self.retry(exc=exc, countdown=min(30, 2 ** min(self.request.retries, 5))) from exc
