"""Periodic maintenance of the delegation protocol (scheduled in ``CELERY_BEAT_SCHEDULE``)."""

from __future__ import annotations

from core.celery import app


@app.task(name="delegation.purge_messages")
def purge_messages(days: int | None = None) -> dict[str, int]:
    """Delete delivered messages past the retention period (see ``inbox.purge_delivered``)."""
    from delegation.inbox import purge_delivered

    return purge_delivered(days)
