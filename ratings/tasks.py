"""Periodic work of the rating app (scheduled in ``CELERY_BEAT_SCHEDULE``)."""

from __future__ import annotations

from core.celery import app


@app.task(name="ratings.warn_rectifications")
def warn_rectifications() -> int:
    """差评整改: tell each rated centre's desk of a rectification turning yellow or red, once."""
    from ratings.services import notify_warnings

    return notify_warnings()
