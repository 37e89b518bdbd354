"""Applying delegation messages at the receiving centre: once, and in order per delegation.

``receive(message)`` is what the transport calls. In the receiver's schema and one transaction:

1. claim the message id in the inbox (``INSERT … ON CONFLICT DO NOTHING``); if it was there
   already, this is a redelivery: do nothing;
2. lock the delegation this message belongs to; a number already applied is a duplicate, a
   number ahead of the next expected one is parked until the gap fills;
3. apply it through the service layer, then apply any parked successors.

A crash anywhere rolls all of it back, the transport delivers again, and step 1 lets the
retry through because the claim rolled back too.
"""

from __future__ import annotations

import enum

from django.db import connection, transaction
from django.utils import timezone

from delegation import services
from delegation.models import Delegation, Direction, InboxMessage
from tenants.models import ServiceCentre


class Outcome(enum.StrEnum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    PARKED = "parked"


_UP_HANDLERS = {
    services.SUPPLEMENTED: services.apply_supplemented,
    services.WITHDRAWN: services.apply_withdrawn,
    services.DELIVERED: services.apply_delivered,
}
_DOWN_HANDLERS = {services.STATUS: services.apply_status}
KINDS = [services.FORWARDED, *_UP_HANDLERS, *_DOWN_HANDLERS]


def receive(message: dict) -> Outcome:
    centre = ServiceCentre.objects.get(division_code=message["recipient"])
    with services.in_centre(centre), transaction.atomic():
        if not _claim(message):
            return Outcome.DUPLICATE
        outcome = _apply_in_order(centre, message)
        if outcome is Outcome.APPLIED:
            _drain_parked(centre, message["stream"])
        return outcome


def _claim(message: dict) -> bool:
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO delegation_inboxmessage (message_id, stream, seq, kind, sender, received_at) "
            "VALUES (%s, %s, %s, %s, %s, now()) ON CONFLICT (message_id) DO NOTHING RETURNING message_id",
            [message["id"], message["stream"], message["seq"], message["kind"], message["sender"]],
        )
        return cur.fetchone() is not None


def _apply_in_order(centre: ServiceCentre, message: dict) -> Outcome:
    kind, seq = message["kind"], message["seq"]
    # The receiver's side of the hop: a message coming up lands on a "down" record.
    direction = Direction.DOWN if kind in (services.FORWARDED, *_UP_HANDLERS) else Direction.UP
    delegation = (
        Delegation.objects.select_for_update()
        .filter(pk=message["stream"], direction=direction)
        .first()
    )
    expected = (delegation.received_seq if delegation else 0) + 1
    if seq < expected:
        _mark(message, applied=True)
        return Outcome.DUPLICATE
    if seq > expected or (delegation is None and kind != services.FORWARDED):
        _mark(message, applied=False, body=message)
        return Outcome.PARKED
    if kind == services.FORWARDED:
        delegation = services.apply_forwarded(centre, message)
    else:
        handler = (_UP_HANDLERS if direction == Direction.DOWN else _DOWN_HANDLERS)[kind]
        handler(centre, delegation, message)
    delegation.received_seq = seq
    delegation.save(update_fields=["received_seq"])
    _mark(message, applied=True)
    return Outcome.APPLIED


def _drain_parked(centre: ServiceCentre, stream: str) -> None:
    while True:
        parked = (
            InboxMessage.objects.filter(stream=stream, applied_at__isnull=True, body__isnull=False)
            .order_by("seq")
            .first()
        )
        if parked is None or _apply_in_order(centre, parked.body) is not Outcome.APPLIED:
            return


def _mark(message: dict, *, applied: bool, body: dict | None = None) -> None:
    InboxMessage.objects.filter(pk=message["id"]).update(
        applied_at=timezone.now() if applied else None, body=body
    )
