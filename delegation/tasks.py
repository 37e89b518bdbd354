"""Periodic maintenance of the delegation protocol (scheduled in ``CELERY_BEAT_SCHEDULE``)."""

from __future__ import annotations

from core.celery import app


@app.task(name="delegation.purge_messages")
def purge_messages(days: int | None = None) -> dict[str, int]:
    """Delete delivered messages past the retention period (see ``inbox.purge_delivered``)."""
    from delegation.inbox import purge_delivered

    return purge_delivered(days)


@app.task(name="delegation.accept_lapsed_intakes")
def accept_lapsed_intakes() -> int:
    """超时默认: accept every received case whose 5-working-day intake window is over."""
    from delegation.services import accept_lapsed_intakes as accept

    return accept()


@app.task(name="delegation.recompute_deadlines")
def recompute_deadlines(since: str | None = None) -> int:
    """Recompute the due dates of open cases after a calendar change (see the service)."""
    import datetime as dt

    from delegation.services import recompute_deadlines as recompute

    return recompute(since=dt.date.fromisoformat(since) if since else None).changed
