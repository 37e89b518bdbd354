"""Thin Celery tasks (scheduled in ``CELERY_BEAT_SCHEDULE``): all idempotent."""

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


@app.task(name="notifications.redact_old_sms")
def redact_old_sms() -> int:
    """Erase the phone number and text of messages older than ``SMS_RETENTION_DAYS``."""
    from notifications.services import redact_old_sms as redact

    return redact()
