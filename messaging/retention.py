"""How long delivered messages are kept: published outbox rows are deleted after a while, and
the bodies of dead letters (personal data) are erased after the same time.

The outbox is a transport, not a record: a case's history is its events, and the broker holds
its own copy of what was published. Rows not yet published are never deleted, however old (a
broker outage delays messages; it must not lose them).
"""

from __future__ import annotations

import datetime as dt

from django.db import connection

from messaging.models import OutboxMessage


def purge_outbox(before: dt.datetime) -> int:
    """Delete the outbox rows published before ``before``. Returns how many."""
    with connection.cursor() as cur:
        cur.execute(
            f"DELETE FROM public.{OutboxMessage._meta.db_table} "
            "WHERE published_at IS NOT NULL AND published_at < %s",
            [before],
        )
        return cur.rowcount


def purge_dead_letter_bodies(before: dt.datetime) -> int:
    """Erase the bodies of dead letters received before ``before``; their rows (reason, ids,
    the operators' actions) stay as the record. Returns how many."""
    from messaging.deadletters import purge_bodies

    return purge_bodies(before)
