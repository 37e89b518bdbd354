"""Writing and rebuilding the case projection."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.utils import timezone

from network.models import CaseRecord

PROJECTED_FIELDS = [
    "tracking_no", "origin_centre", "item_code", "item_version_id", "handling_type", "legal_limit_days",
    "promised_limit_days", "channel", "state", "submitted_at", "accepted_at", "escalated_at", "decided_at",
    "closed_at", "clock_started_on", "due_on", "elapsed_working_days", "on_time", "early", "saved_vs_legal",
    "saved_vs_promised", "calendar_fallback", "rating", "query_code_hash",
]  # fmt: skip


#: Columns derived at write time (not copied from the case), compared by the rebuild test too.
DERIVED_FIELDS = ["left_at", "intake_on", "working_days_held"]


def record_values(case, centre, received_from: str = "", forwarded_to: str = "") -> dict:
    values = {name: getattr(case, name) for name in PROJECTED_FIELDS}
    left_at, held = holding_time(case)
    values.update(
        centre_code=centre.division_code,
        tier=centre.tier,
        effective_state=case.effective_state,
        received_from_centre=received_from,
        forwarded_to_centre=forwarded_to,
        left_at=left_at,
        working_days_held=held,
        intake_on=intake_day(case, centre),
    )
    return values


def intake_day(case, centre) -> dt.date | None:
    """The day the intake window of a received case runs from (supervision and 超时默认 count
    from it), None once accepted, closed or at a village (the agent forwards, not accepts)."""
    if case.state != "submitted" or case.accepted_at is not None or centre.tier == "village":
        return None
    received = timezone.localdate(case.submitted_at)
    if not case.pk:
        return received
    ended = [p.ended_on for p in case.pauses.all() if p.ended_on is not None]
    return max([received, *ended])


def holding_time(case) -> tuple[dt.datetime | None, int | None]:
    """When ``case`` left this centre and the working days it was held here.

    It leaves when handed up (``escalated_at``), else when decided here (``decided_at``), else
    when closed here (refused or withdrawn). The time held counts working days in
    (arrival day, leaving day] by the official calendar, minus the working days the clock was
    stopped for supplements (the applicant's time, not the centre's). ``(None, None)`` while the
    case is still here.
    """
    from workdays.calendar import elapsed_working_days

    left_at = case.escalated_at or case.decided_at or case.closed_at
    if left_at is None:
        return None, None
    arrived = timezone.localdate(case.submitted_at)
    left = timezone.localdate(left_at)
    if left <= arrived:
        return left_at, 0
    pauses = [(p.started_on, p.ended_on) for p in case.pauses.all()] if case.pk else []
    return left_at, elapsed_working_days(arrived, left, pauses).days


def record_case(case, centre, *, received_from: str = "", forwarded_to: str = "") -> None:
    """Upsert the projection row of ``case`` at ``centre``, in the caller's transaction."""
    values = record_values(case, centre, received_from, forwarded_to)
    values["updated_at"] = timezone.now()
    row = {"centre_id": centre.id, "case_id": case.id, **values}
    # One INSERT … ON CONFLICT DO UPDATE, its SQL written once per column set: building it with
    # the ORM (bulk_create with update_conflicts) cost more than running it.
    with connection.cursor() as cur:
        cur.execute(_upsert_sql(tuple(row)), list(row.values()))


_upsert_cache: dict[tuple[str, ...], str] = {}


def _upsert_sql(columns: tuple[str, ...]) -> str:
    sql = _upsert_cache.get(columns)
    if sql is None:
        table = CaseRecord._meta.db_table
        updates = ", ".join(_update(table, c) for c in columns if c not in ("centre_id", "case_id"))
        sql = _upsert_cache[columns] = (
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))}) "
            f"ON CONFLICT (centre_id, case_id) DO UPDATE SET {updates}"
        )
    return sql


def _update(table: str, column: str) -> str:
    # The deciding hop's rating is set on its row by ratings.services (public schema), not
    # carried by the case: a later write of the case must not clear it.
    if column == "rating":
        return f"rating = coalesce(EXCLUDED.rating, {table}.rating)"
    return f"{column} = EXCLUDED.{column}"


def projection_rows(centre_codes: list[str] | None = None) -> list[tuple]:
    """The projection as comparable tuples (for the rebuild test)."""
    qs = CaseRecord.objects.order_by("centre_code", "case_id")
    if centre_codes is not None:
        qs = qs.filter(centre_code__in=centre_codes)
    names = [
        "centre_code",
        "tier",
        "case_id",
        "effective_state",
        "received_from_centre",
        "forwarded_to_centre",
        *PROJECTED_FIELDS,
        *DERIVED_FIELDS,
    ]
    return list(qs.values_list(*names))


def rebuild(centres=None, progress=None) -> int:
    """Recompute the projection from the centres' own schemas. Returns the number of rows.

    This is the one place that loops over schemas, on purpose: it is a repair tool, run rarely.
    """
    from delegation.models import Case, Delegation, Direction
    from tenants.models import ServiceCentre

    centres = list(
        centres if centres is not None else ServiceCentre.objects.order_by("division_code")
    )
    total = 0
    CaseRecord.objects.filter(centre__in=centres).delete()
    for index, centre in enumerate(centres, start=1):
        connection.set_tenant(centre)
        peers = {
            (d.case_id, d.direction): d.peer_centre
            for d in Delegation.objects.only("case_id", "direction", "peer_centre")
        }
        rows = []
        now = timezone.now()
        for case in Case.objects.prefetch_related("pauses").iterator(chunk_size=2000):
            values = record_values(
                case,
                centre,
                received_from=peers.get((case.id, Direction.DOWN), ""),
                forwarded_to=peers.get((case.id, Direction.UP), ""),
            )
            rows.append(CaseRecord(centre_id=centre.id, case_id=case.id, updated_at=now, **values))
        connection.set_schema_to_public()
        CaseRecord.objects.bulk_create(rows, batch_size=2000)
        total += len(rows)
        if progress:
            progress(index, len(centres))
    from ratings.projection import reapply_ratings

    reapply_ratings([c.id for c in centres])  # the deciding hops' ratings live in ratings
    return total
