"""Thin Celery tasks (scheduled in ``CELERY_BEAT_SCHEDULE``): both idempotent."""

from __future__ import annotations

from core.celery import app


@app.task(name="notifications.send_due")
def send_due(limit: int = 200) -> dict:
    """Send the SMS that are due (retries, backoff, rate limits: ``notifications.sending``)."""
    from notifications.sending import send_due as send

    report = send(limit)
    return {"sent": report.sent, "retried": report.retried, "failed": report.failed}


@app.task(name="notifications.invite_ratings")
def invite_ratings() -> int:
    """Invite the applicants of finished, still unrated cases to rate the service."""
    from notifications.services import invite_ratings as invite

    return invite()
