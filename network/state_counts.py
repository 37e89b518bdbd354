"""Per-centre case counts by state, kept by a trigger on the projection.

The window worklist shows a count on each tab (待受理, 办理中, …). Counting a centre's cases on
every page view is a pass over all of them (200,000 at a busy county: ~100 ms). Instead
``network_statecount`` holds one row per (centre, state), moved by a row-level trigger on
``network_caserecord``: an insert adds one to its state, a delete takes one away, an update
that changes the state moves one from the old state to the new. Since the projection row is
written in the same transaction as the case (``network.projection.record_case``), the counts are
exactly as current as the cases the worklist lists.

The trigger is deferred to the commit, and there it takes a per-centre advisory lock before it
touches the centre's rows: a transaction holds a centre's counters only for the last moment of
its life, after every other lock it takes, and two transactions moving cases in opposite
directions (A→B in one, B→A in the other) cannot each hold a row the other wants. An immediate
trigger deadlocked under `bench/delegation.py` (two window-staff drivers and a worker at one
township): the counters were locked in the middle of transactions that went on to lock cases,
activity buckets and each other's counters.

A bulk load (a benchmark, a rebuild of the projection) may switch the trigger off for its
connection (``deferred_state_counts``) and recount what it loaded in one statement
(``rebuild_state_counts``): updating one counter row 200,000 times in one transaction would
leave a chain of 200,000 row versions to walk.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

from core.dbsettings import setting_on

#: The transaction-local setting that makes the trigger do nothing.
DEFER_SETTING = "network.defer_state_counts"
#: The first key of the per-centre advisory lock the trigger takes (the second is the centre).
LOCK_CLASS = 0x5343  # "SC"

FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION network_state_count_on_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
IF current_setting('{DEFER_SETTING}', true) = 'on' THEN RETURN NULL; END IF;
IF TG_OP = 'UPDATE' THEN
    IF NEW.state = OLD.state AND NEW.centre_id = OLD.centre_id THEN RETURN NULL; END IF;
END IF;
-- One writer of a centre's counters at a time, so two transactions never hold two of its
-- state rows in opposite orders (A→B in one, B→A in the other: a deadlock).
PERFORM pg_advisory_xact_lock({LOCK_CLASS}, coalesce(NEW.centre_id, OLD.centre_id)::int);
IF TG_OP = 'UPDATE' AND NEW.centre_id <> OLD.centre_id THEN
    PERFORM pg_advisory_xact_lock({LOCK_CLASS}, OLD.centre_id::int);
END IF;
IF TG_OP <> 'INSERT' THEN
    UPDATE network_statecount SET n = n - 1 WHERE centre_id = OLD.centre_id AND state = OLD.state;
END IF;
IF TG_OP <> 'DELETE' THEN
    INSERT INTO network_statecount AS c (centre_id, state, n) VALUES (NEW.centre_id, NEW.state, 1)
    ON CONFLICT (centre_id, state) DO UPDATE SET n = c.n + 1;
END IF;
RETURN NULL;
END $$;
ALTER FUNCTION network_state_count_on_change() SET search_path = public;
"""
TRIGGER_SQL = (
    FUNCTION_SQL
    + """
CREATE CONSTRAINT TRIGGER network_state_count
AFTER INSERT OR DELETE OR UPDATE OF state, centre_id ON network_caserecord
DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW EXECUTE FUNCTION network_state_count_on_change();
"""
)

DROP_TRIGGER_SQL = """
DROP TRIGGER IF EXISTS network_state_count ON network_caserecord;
DROP FUNCTION IF EXISTS network_state_count_on_change();
"""

#: Two statements, sent one by one (server-side binding prepares one statement at a time).
REBUILD_SQL = (
    "DELETE FROM network_statecount WHERE %(all)s OR centre_id = ANY(%(ids)s)",
    """INSERT INTO network_statecount (centre_id, state, n)
SELECT centre_id, state, count(*) FROM network_caserecord
 WHERE %(all)s OR centre_id = ANY(%(ids)s)
 GROUP BY centre_id, state""",
)


def state_counts(centre_id: int) -> dict[str, int]:
    """The centre's cases by state (states without a case are absent)."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT state, n FROM public.network_statecount WHERE centre_id = %s AND n <> 0",
            [centre_id],
        )
        return dict(cur.fetchall())


@contextmanager
def deferred_state_counts() -> Iterator[None]:
    """Skip the trigger's work on this connection (a bulk load of the projection, in autocommit
    or committed inside the block: the trigger runs at commit); call ``rebuild_state_counts``
    afterwards for the centres loaded."""
    with setting_on(DEFER_SETTING):
        yield


def rebuild_state_counts(centre_ids: list[int] | None = None) -> None:
    """Recount from the projection, for some centres or (None) all: a repair tool."""
    params = {"all": centre_ids is None, "ids": list(centre_ids or [])}
    with connection.cursor() as cur:
        for statement in REBUILD_SQL:
            cur.execute(statement, params)
