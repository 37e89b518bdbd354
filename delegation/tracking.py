"""The read side of a chain: where a tracking number's case is, tier by tier.

Read from the network projection (``network.CaseRecord``), so any centre on the chain or the
citizen sees it without reading another centre's schema.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError, NotFound
from tenants.divisions import TIER_RANK

#: The query code's characters: digits and capitals without 0/O, 1/I/L, so that a code read
#: off a paper receipt or over the phone is typed back right.
QUERY_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
QUERY_CODE_LENGTH = 8  # 31**8 ≈ 8.5e11 codes per tracking number


class TooManyLookups(DomainError):
    code = "too_many_attempts"


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


def new_query_code() -> str:
    """A random query code (查询码) for a new case's receipt."""
    return "".join(secrets.choice(QUERY_CODE_ALPHABET) for _ in range(QUERY_CODE_LENGTH))


def normalize_query_code(raw: str) -> str:
    """What the citizen typed, as stored: case, spaces and dashes do not matter."""
    return "".join((raw or "").split()).replace("-", "").upper()


def query_code_hash(tracking_no: str, query_code: str) -> str:
    """The stored form of a case's query code: salted by its tracking number, so equal codes
    of two cases do not look alike. Computed once at the logging centre and carried up the
    chain with the case, so every tier's projection row checks the same value."""
    text = f"{tracking_no}:{normalize_query_code(query_code)}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_NO_SUCH_CASE = "0" * 64  # compared against when no row exists, so both misses cost the same


def track_public(tracking_no: str, query_code: str, *, client: str) -> list[Hop]:
    """The chain of a case for the citizen, who proves it is theirs with the query code of the
    receipt (a tracking number alone is guessable: ``<centre>-<date>-<seq>``).

    A wrong number and a wrong code get the same answer (``case_not_found``, one message), after
    the same work (one indexed read, one hash compare), and both count as a failure of
    ``client`` (the caller's address); past ``TRACKING_FAILURES_PER_CLIENT`` failures in
    ``TRACKING_FAILURE_WINDOW_MINUTES`` every lookup of that client is refused
    (``too_many_attempts``) until the window has passed. The failure is written in its own
    statement before the error is raised: call this outside a transaction.
    """
    from network.models import CaseRecord, TrackingFailure

    client = (client or "unknown")[:64]
    window = dt.timedelta(minutes=settings.TRACKING_FAILURE_WINDOW_MINUTES)
    since = timezone.now() - window
    TrackingFailure.objects.filter(at__lt=since).delete()  # expired: nothing to keep
    failures = TrackingFailure.objects.filter(client=client, at__gte=since).count()
    if failures >= settings.TRACKING_FAILURES_PER_CLIENT:
        raise TooManyLookups(
            _("查询次数过多，请 %(minutes)d 分钟后再试。"),
            params={"minutes": settings.TRACKING_FAILURE_WINDOW_MINUTES},
            field="query_code",
        )
    number = (tracking_no or "").strip()[:30]
    records = list(CaseRecord.objects.filter(tracking_no=number).select_related("centre"))
    wanted = query_code_hash(number, query_code)
    stored = {r.query_code_hash for r in records if r.query_code_hash} or {_NO_SUCH_CASE}
    matches = [hmac.compare_digest(wanted, h) for h in stored]
    if not any(matches):
        TrackingFailure.objects.create(client=client)
        raise NotFound(
            _("没有找到该办件，请核对回执上的办件编号和查询码。"),
            code="case_not_found",
            field="query_code",
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
