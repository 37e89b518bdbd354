"""What the health endpoint says about messaging: is a relay alive, how old is the oldest
unsent message, how many messages are parked or dead. Cheap: a few indexed reads of public
tables (``/health/`` is polled)."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from messaging.deadletters import summary
from messaging.models import OutboxMessage, RelayHeartbeat
from messaging.relay import oldest_unsent_age


def messaging_health(now=None) -> tuple[dict, bool]:
    """(the report, healthy?). Unhealthy: no relay heartbeat within
    ``MESSAGES_RELAY_DEAD_AFTER_SECONDS``, or an unsent message older than
    ``MESSAGES_BACKLOG_ALERT_SECONDS``. Parked and dead messages need a person, not a restart:
    they are reported (``attention``) without failing the check."""
    now = now or timezone.now()
    beat = RelayHeartbeat.objects.aggregate(at=Max("beat_at"))["at"]
    beat_age = (now - beat).total_seconds() if beat else None
    relay_alive = beat_age is not None and beat_age <= settings.MESSAGES_RELAY_DEAD_AFTER_SECONDS
    oldest = oldest_unsent_age(now)
    backlog = oldest is not None and oldest > settings.MESSAGES_BACKLOG_ALERT_SECONDS
    facts = summary(now)
    report = {
        "relay": {
            "alive": relay_alive,
            "last_heartbeat": beat.isoformat() if beat else None,
            "heartbeat_age_seconds": round(beat_age, 1) if beat_age is not None else None,
        },
        "outbox": {
            "unsent": OutboxMessage.objects.filter(published_at__isnull=True).count(),
            "oldest_unsent_seconds": round(oldest, 1) if oldest is not None else None,
            "backlog": backlog,
        },
        "parked": {
            "count": facts.parked,
            "stale": facts.stale_parked,
            "oldest_seconds": (
                round(facts.oldest_parked_seconds, 1)
                if facts.oldest_parked_seconds is not None
                else None
            ),
        },
        "dead_letters": {"open": facts.open_dead_letters},
    }
    report["attention"] = bool(facts.stale_parked or facts.open_dead_letters)
    return report, relay_alive and not backlog
