"""Network-wide reads on a PostgreSQL streaming replica, when one is configured.

With ``REPLICA_DATABASE_URL`` set, ``DATABASES`` has a second alias, ``replica`` (a hot
standby of the primary, made with ``pg_basebackup -R``), and ``ReplicaRouter`` sends to it the
reads made inside ``network_reads()`` — the assessment's computation, dashboard and workload
aggregates, the supervision evaluation: large reads over the public network projection that
can be a few moments old. Everything else, and every write, stays on ``default``:

* ``db_for_write`` is always ``default`` (a standby refuses writes anyway);
* outside ``network_reads()`` reads go to ``default`` too, so a service that writes and reads
  back never meets replica lag;
* migrations never run on ``replica`` (it replays the primary's); every other decision is left
  to django-tenants' ``TenantSyncRouter``, listed after this one.

Only the public schema is read there: django-tenants switches schemas on ``default``'s
connection, and the replica's connection stays on ``public`` — which is where the network
projection (``network_caserecord``, the activity buckets, the registry) lives.

A replica is behind by however long its replay takes. ``freshness()`` says how fresh its data
is: the commit time of the last transaction it replayed (``pg_last_xact_replay_timestamp()``)
and the lag behind now; callers report it with their figures (``as of …``). A case written a
moment ago on the primary may not be visible yet; that is the contract of these reads.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db import connections

REPLICA = "replica"
DEFAULT = "default"

_network_reads: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "network_reads", default=False
)


def configured() -> bool:
    return REPLICA in settings.DATABASES


def read_alias() -> str:
    """Where a read made now goes: ``replica`` inside ``network_reads()`` when configured."""
    return REPLICA if _network_reads.get() and configured() else DEFAULT


@contextlib.contextmanager
def network_reads() -> Iterator[str]:
    """Reads in this block may be served by the replica (and may lag); yields the alias."""
    token = _network_reads.set(True)
    try:
        yield read_alias()
    finally:
        _network_reads.reset(token)


def read_connection():
    """The connection for raw SQL of a network-wide read (``read_alias()``'s)."""
    return connections[read_alias()]


@dataclass(frozen=True)
class Freshness:
    alias: str
    #: Commit time of the last transaction replayed (None: nothing replayed yet, or primary).
    replayed_at: dt.datetime | None
    #: Seconds the data may be behind the primary (0 on the primary itself).
    lag_seconds: float | None

    def as_dict(self) -> dict:
        return {
            "alias": self.alias,
            "replayed_at": self.replayed_at.isoformat() if self.replayed_at else None,
            "lag_seconds": None if self.lag_seconds is None else round(self.lag_seconds, 3),
        }


def freshness(alias: str | None = None) -> Freshness:
    """How fresh the data read through ``alias`` (default: ``read_alias()``) is.

    On a standby: the last replayed commit and now − that (when the standby has replayed all it
    received, the lag is 0 however old the last commit: nothing newer exists). On the primary:
    lag 0."""
    alias = alias or read_alias()
    with connections[alias].cursor() as cur:
        cur.execute(
            "SELECT pg_is_in_recovery(), pg_last_xact_replay_timestamp(), "
            "pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn(), now()"
        )
        standby, replayed_at, caught_up, now = cur.fetchone()
    if not standby:
        return Freshness(alias, None, 0.0)
    if replayed_at is None:
        return Freshness(alias, None, None)
    lag = 0.0 if caught_up else max((now - replayed_at).total_seconds(), 0.0)
    return Freshness(alias, replayed_at, lag)


class ReplicaRouter:
    """Reads inside ``network_reads()`` to the replica; writes and migrations never."""

    def db_for_read(self, model, **hints):
        alias = read_alias()
        return alias if alias == REPLICA else None

    def db_for_write(self, model, **hints):
        return DEFAULT

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the same rows as the primary: objects from both may be related.
        if {obj1._state.db, obj2._state.db} <= {DEFAULT, REPLICA}:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        if db == REPLICA:
            return False
        return None
