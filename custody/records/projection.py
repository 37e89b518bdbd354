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


def rebuild(centres, *, progress=None) -> tuple[int, int]:
    """Recompute the custody projection of ``centres`` from their own schemas (a repair tool:
    it is otherwise written in the same transaction as every hand-over). One transaction per
    centre; returns (paper rows, discrepancy rows) written."""
    from django.db import transaction

    from custody.models import Handover
    from custody.records.models import DiscrepancyRecord, PaperRecord
    from custody.services import held
    from tenants.tenancy import in_centre

    papers = discrepancies = 0
    for done, centre in enumerate(centres, start=1):
        with in_centre(centre), transaction.atomic():
            PaperRecord.objects.filter(centre=centre).delete()
            DiscrepancyRecord.objects.filter(centre=centre).delete()
            handovers = list(
                Handover.objects.select_related("case")
                .prefetch_related("lines")
                .order_by("sent_at")
            )
            cases = {h.case_id: h.case for h in handovers}
            for case in cases.values():
                pending = sum(1 for h in handovers if h.case_id == case.pk and h.pending)
                record_papers(centre, case, sum(p.count for p in held(case)), pending)
                papers += 1
            for handover in handovers:
                if handover.discrepancy and handover.incoming:
                    lines = handover.lines.all()
                    record_discrepancy(
                        centre,
                        handover.case,
                        handover,
                        missing=sum(line.count for line in lines if line.arrived is False),
                        extra=sum(1 for line in lines if not line.listed),
                    )
                    discrepancies += 1
        if progress:
            progress(done, len(centres))
    return papers, discrepancies
