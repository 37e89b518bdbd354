"""The read side of a chain: where a tracking number's case is, tier by tier.

Read from the network projection (``network.CaseRecord``), so any centre on the chain or the
citizen sees it without reading another centre's schema.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from core.errors import NotFound
from tenants.divisions import TIER_RANK


@dataclass(frozen=True)
class Hop:
    centre_code: str
    centre_name: str
    tier: str
    state: str
    effective_state: str
    received_at: dt.datetime
    left_at: dt.datetime | None
    working_days: int | None
    fallback: bool


def track(tracking_no: str, *, viewer_centre: str | None = None) -> list[Hop]:
    """The whole chain of a tracking number, village first, with the time spent at each tier.

    Read from the network projection, so any centre on the chain (``viewer_centre``) or the
    citizen sees it without reading another centre's schema. A centre not on the chain gets
    ``case_not_found``, exactly as for an unknown number.
    """
    from network.models import CaseRecord

    records = list(CaseRecord.objects.filter(tracking_no=tracking_no).select_related("centre"))
    if not records or (viewer_centre and viewer_centre not in {r.centre_code for r in records}):
        raise NotFound(
            _("没有编号为“%(no)s”的办件。"), code="case_not_found", params={"no": tracking_no}
        )
    return hops_of(records)


def hops_of(records) -> list[Hop]:
    """The hops of one chain from its projection rows, village first, with the working days
    each centre held the case (computed once, when it left: ``network.projection.holding_time``)."""
    records.sort(key=lambda r: TIER_RANK[r.tier])
    return [
        Hop(
            r.centre_code,
            r.centre.name,
            r.tier,
            r.state,
            r.effective_state,
            r.submitted_at,
            r.left_at,
            r.working_days_held,
            r.calendar_fallback,
        )
        for r in records
    ]
