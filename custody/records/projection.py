"""Writing the custody projection (public schema) from a centre's transaction.

One statement each, ``INSERT … ON CONFLICT``: the rows are keyed by centre and case (papers) or
centre and hand-over (discrepancies), so a replayed write changes nothing it should not.
"""

from __future__ import annotations

from django.db import connection
from django.utils import timezone


def record_papers(centre, case, papers_held: int, pending: int) -> None:
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO public.custody_records_paperrecord "
            "(centre_id, centre_code, tier, case_id, tracking_no, papers_held, pending, updated_at) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (centre_id, case_id) DO UPDATE SET papers_held = EXCLUDED.papers_held, "
            "pending = EXCLUDED.pending, updated_at = EXCLUDED.updated_at",
            [
                centre.pk,
                centre.division_code,
                centre.tier,
                case.pk,
                case.tracking_no,
                papers_held,
                pending,
                timezone.now(),
            ],
        )


def record_discrepancy(centre, case, handover, *, missing: int, extra: int) -> None:
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO public.custody_records_discrepancyrecord "
            "(centre_id, centre_code, tier, case_id, tracking_no, handover_id, flagged_at, "
            " missing, extra) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (centre_id, handover_id) DO NOTHING",
            [
                centre.pk,
                centre.division_code,
                centre.tier,
                case.pk,
                case.tracking_no,
                handover.pk,
                handover.received_at,
                missing,
                extra,
            ],
        )
