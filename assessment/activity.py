"""The activity read model: per centre, per day and per month, counts of case events.

``ActivityBucket`` rows are fed by the case projection (``network.CaseRecord``) through a
row-level trigger on ``network_caserecord``, so they change in the same transaction as the
projection row, whatever writes it (the delegation services, ``network.projection.rebuild``, a
bulk load). The trigger adds the difference between the row's old and new contributions: an
update that changes no counter writes nothing, and a changed case moves its counts from one
bucket to another. A bulk load may defer it (``deferred_activity``) and rebuild the buckets of
what it loaded in one statement (``rebuild_activity``).

Each projection row contributes, on the local date (``settings.TIME_ZONE``) of each event, to
the bucket of that day (``grain='d'``) and of that month (``grain='m'``):

===============  =====================================================  ===========================
event            when                                                   counters
===============  =====================================================  ===========================
arrival          ``submitted_at`` (logged here or received from below)  received
acceptance       ``accepted_at``                                        accepted
refusal here     ``closed_at`` of a refused case never handed up        refused
decision here    ``decided_at`` of a case never handed up (so the        completed, completed_*,
                 decisions mirrored down a chain are not counted again) saved_vs_legal/promised
rating           ``decided_at`` (rated cases are decided), at the       rated_1 … rated_5
                 centre where the rating was recorded
hand-up          ``escalated_at``: at a village a forward (转报),       forwarded / escalated
                 at township, county or city an escalation (上报)
departure        ``left_at``: handed up, decided or closed here         departed, held_days
===============  =====================================================  ===========================

A period is then the sum of its whole months' month buckets and the day buckets of its partial
months: ~1,700 × 12 rows for a year, whatever the number of cases.

``rebuild_activity`` recomputes the buckets from the projection in one statement (a repair
tool; ``manage.py rebuild_projections`` runs it after rebuilding the projection).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connection, transaction

from core.dbsettings import setting_on

#: The counters of a bucket, in column order.
COUNTERS = [
    "received",
    "accepted",
    "refused",
    "completed",
    "completed_immediate",
    "completed_on_time",
    "completed_early",
    "completed_late",
    "saved_vs_legal",
    "saved_vs_promised",
    "rated_1",
    "rated_2",
    "rated_3",
    "rated_4",
    "rated_5",
    "forwarded",
    "escalated",
    "departed",
    "held_days",
]

TABLE = "assessment_activitybucket"


def _local(expression: str, tz: str) -> str:
    return f"({expression} AT TIME ZONE '{tz}')::date"


def _events(tz: str) -> list[tuple[str, dict[str, str]]]:
    """(day expression, {counter: expression}) per event; a NULL day means no such event."""
    decided_here = "r.decided_at IS NOT NULL AND r.escalated_at IS NULL"
    return [
        (_local("r.submitted_at", tz), {"received": "1"}),
        (_local("r.accepted_at", tz), {"accepted": "1"}),
        (
            f"CASE WHEN r.state = 'refused' AND r.escalated_at IS NULL THEN {_local('r.closed_at', tz)} END",
            {"refused": "1"},
        ),
        (
            f"CASE WHEN {decided_here} THEN {_local('r.decided_at', tz)} END",
            {
                "completed": "1",
                "completed_immediate": "(r.handling_type = 'immediate')::int",
                "completed_on_time": "(r.on_time IS TRUE)::int",
                "completed_early": "(r.early IS TRUE)::int",
                "completed_late": "(r.on_time IS FALSE)::int",
                "saved_vs_legal": "coalesce(r.saved_vs_legal, 0)",
                "saved_vs_promised": "coalesce(r.saved_vs_promised, 0)",
            },
        ),
        (
            f"CASE WHEN r.rating IS NOT NULL THEN {_local('coalesce(r.decided_at, r.closed_at, r.submitted_at)', tz)} END",
            {f"rated_{k}": f"(r.rating = {k})::int" for k in range(1, 6)},
        ),
        (
            _local("r.escalated_at", tz),
            {
                "forwarded": "(r.tier = 'village')::int",
                "escalated": "(r.tier <> 'village')::int",
            },
        ),
        (
            _local("r.left_at", tz),
            {"departed": "1", "held_days": "coalesce(r.working_days_held, 0)"},
        ),
    ]


def events_sql(source: str, sign: int = 1, where: str = "", tz: str | None = None) -> str:
    """One row per (projection row, event) of ``source`` (alias ``r``), counters × ``sign``."""
    tz = tz or settings.TIME_ZONE
    rows = []
    for day, counters in _events(tz):
        values = [day] + [
            f"{sign} * {counters[name]}" if name in counters else "0" for name in COUNTERS
        ]
        rows.append("(" + ", ".join(values) + ")")
    columns = ", ".join(["day", *COUNTERS])
    return (
        f"SELECT r.centre_id, r.centre_code, r.tier, e.* FROM {source} r "
        f"CROSS JOIN LATERAL (VALUES {', '.join(rows)}) AS e({columns}) "
        f"WHERE e.day IS NOT NULL{' AND ' + where if where else ''}"
    )


def bucket_sql(events: Iterable[str], *, upsert: bool) -> str:
    """Group events into day and month buckets and add them to the table."""
    sums = ", ".join(f"sum(e.{name})" for name in COUNTERS)
    nonzero = " OR ".join(f"sum(e.{name}) <> 0" for name in COUNTERS)
    union = " UNION ALL ".join(events)
    sql = (
        f"INSERT INTO {TABLE} AS b (centre_id, centre_code, tier, grain, starts_on, "
        f"{', '.join(COUNTERS)}) "
        f"SELECT e.centre_id, e.centre_code, e.tier, g.grain, "
        f"CASE g.grain WHEN 'd' THEN e.day ELSE date_trunc('month', e.day)::date END, {sums} "
        f"FROM ({union}) e CROSS JOIN (VALUES ('d'), ('m')) AS g(grain) "
        f"GROUP BY 1, 2, 3, 4, 5 HAVING {nonzero} "
        # One lock order for every writer of a centre's buckets: no deadlock between them.
        f"ORDER BY 1, 4, 5"
    )
    if upsert:
        sql += " ON CONFLICT (centre_id, grain, starts_on) DO UPDATE SET " + ", ".join(
            f"{name} = b.{name} + EXCLUDED.{name}" for name in COUNTERS
        )
    return sql


#: Columns whose change can move a counter; an update that changes none of them (a status
#: mirrored from upstream, a new ``updated_at``) leaves the buckets alone at once.
RELEVANT = [
    "tier", "submitted_at", "accepted_at", "escalated_at", "decided_at", "closed_at", "left_at",
    "handling_type", "on_time", "early", "saved_vs_legal", "saved_vs_promised", "rating",
    "working_days_held",
]  # fmt: skip

#: A session setting that makes the trigger skip its work, for bulk loads followed by
#: ``rebuild_activity`` (see ``deferred_activity``).
DEFER_SETTING = "assessment.defer_activity"


def trigger_sql(tz: str) -> str:
    """A row-level trigger that adds the difference between a row's old and new contributions.

    Row-level, so its statement only sees ``NEW``/``OLD`` as parameters and PL/pgSQL keeps its
    plan: a statement-level trigger reading transition tables is planned again on every call,
    which costs more than the work on the one row a case change writes.
    """
    new, old = "(SELECT (NEW).*)", "(SELECT (OLD).*)"
    insert = bucket_sql([events_sql(new, 1, tz=tz)], upsert=True)
    delete = bucket_sql([events_sql(old, -1, tz=tz)], upsert=True)
    update = bucket_sql([events_sql(new, 1, tz=tz), events_sql(old, -1, tz=tz)], upsert=True)
    state = "(NEW.state = 'refused') IS DISTINCT FROM (OLD.state = 'refused')"
    changed = " OR ".join(
        [state, *(f"NEW.{name} IS DISTINCT FROM OLD.{name}" for name in RELEVANT)]
    )
    return (
        "CREATE OR REPLACE FUNCTION assessment_activity_on_change() RETURNS trigger "
        "LANGUAGE plpgsql AS $$\nBEGIN\n"
        f"IF current_setting('{DEFER_SETTING}', true) = 'on' THEN RETURN NULL; END IF;\n"
        f"IF TG_OP = 'INSERT' THEN\n{insert};\n"
        f"ELSIF TG_OP = 'DELETE' THEN\n{delete};\n"
        f"ELSIF {changed} THEN\n{update};\n"
        "END IF;\nRETURN NULL;\nEND $$;\n"
        "DROP TRIGGER IF EXISTS assessment_activity ON network_caserecord;\n"
        "CREATE TRIGGER assessment_activity AFTER INSERT OR UPDATE OR DELETE "
        "ON network_caserecord FOR EACH ROW EXECUTE FUNCTION assessment_activity_on_change();\n"
    )


DROP_TRIGGERS_SQL = (
    "DROP TRIGGER IF EXISTS assessment_activity ON network_caserecord;"
    "DROP FUNCTION IF EXISTS assessment_activity_on_change();"
)


@contextmanager
def deferred_activity() -> Iterator[None]:
    """Skip the trigger's work on this connection (a bulk load of the projection); call
    ``rebuild_activity`` afterwards for the centres loaded."""
    with setting_on(DEFER_SETTING):
        yield


def rebuild_activity(centre_ids: list[int] | None = None) -> int:
    """Recompute the buckets (of ``centre_ids``, or all) from the projection. Returns rows."""
    with transaction.atomic(), connection.cursor() as cur:
        if centre_ids is None:
            cur.execute(f"DELETE FROM {TABLE}")
            cur.execute(bucket_sql([events_sql("network_caserecord")], upsert=False))
        else:
            cur.execute(f"DELETE FROM {TABLE} WHERE centre_id = ANY(%s)", [centre_ids])
            cur.execute(
                bucket_sql(
                    [events_sql("network_caserecord", where="r.centre_id = ANY(%s)")],
                    upsert=False,
                ),
                [centre_ids],
            )
        return cur.rowcount


def bucket_rows() -> list[tuple]:
    """The non-empty buckets as comparable tuples (for the rebuild test)."""
    columns = ", ".join(["centre_code", "tier", "grain", "starts_on", *COUNTERS])
    nonzero = " OR ".join(f"{name} <> 0" for name in COUNTERS)
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT {columns} FROM {TABLE} WHERE {nonzero} ORDER BY centre_code, grain, starts_on"
        )
        return cur.fetchall()
