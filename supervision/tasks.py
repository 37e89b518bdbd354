"""The periodic evaluation (scheduled in ``CELERY_BEAT_SCHEDULE``)."""

from __future__ import annotations

from core.celery import app


@app.task(name="supervision.evaluate")
def evaluate() -> int:
    """电子监察: record the warnings of every open case of the network; idempotent."""
    from supervision.services import evaluate as run

    return run().total


@app.task(name="supervision.red_cards")
def red_cards() -> int:
    """红牌: supervision orders past their deadline without an outcome; idempotent."""
    from supervision.orders import issue_red_cards

    return issue_red_cards()
