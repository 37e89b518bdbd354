"""Applying delegation messages at the receiving centre: once, and in order per delegation.

``receive(message)`` is what the transport calls. In the receiver's schema and one transaction:

1. claim the message id in the inbox (``INSERT … ON CONFLICT DO NOTHING``); if it was there
   already, this is a redelivery: do nothing;
2. lock the delegation this message belongs to; a number already applied is a duplicate, a
   number ahead of the next expected one is parked until the gap fills;
3. apply it through the service layer, then apply any parked successors.

``receive_batch(messages)`` does the same for several messages to one centre in one transaction
(one claim statement for all of them, one commit): in (stream, seq) order, so concurrent batches
lock delegations in the same order.

A crash anywhere rolls all of it back, the transport delivers again, and step 1 lets the
retry through because the claim rolled back too.
"""

from __future__ import annotations

import enum
import json

from django.db import connection, transaction
from django.dispatch import Signal
from django.utils import timezone

from delegation import services
from delegation.models import Delegation, Direction, InboxMessage
from tenants.models import ServiceCentre
from tenants.tenancy import in_centre

#: Sent (``message=``) once a message's inbox row is claimed, before its delegation is locked
#: and it is applied: the seam for tests that make concurrent batches meet at that point.
claimed = Signal()


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
    return receive_batch([message])[0]


def receive_batch(messages: list[dict]) -> list[Outcome]:
    """Apply ``messages`` (all to the same centre) in one transaction; outcomes in input order."""
    recipients = {m["recipient"] for m in messages}
    if len(recipients) != 1:
        raise ValueError(f"a batch goes to one centre, not {sorted(recipients)}")
    centre = ServiceCentre.objects.get(division_code=recipients.pop())
    outcomes: list[Outcome] = [Outcome.DUPLICATE] * len(messages)
    with in_centre(centre), transaction.atomic():
        new_ids = _claim(messages)
        order = sorted(
            range(len(messages)), key=lambda i: (str(messages[i]["stream"]), messages[i]["seq"], i)
        )
        for index in order:
            message = messages[index]
            if message["id"] not in new_ids:
                continue  # applied before, or earlier in this batch
            new_ids.discard(message["id"])
            claimed.send(sender=receive_batch, message=message)
            outcomes[index] = _apply_in_order(centre, message)
            if outcomes[index] is Outcome.APPLIED:
                # Looked up under the delegation's lock: a successor parked by a concurrent
                # batch that committed after this one began is seen here.
                _drain_parked(centre, message["stream"])
    return outcomes


def _claim(messages: list[dict]) -> set[str]:
    """Insert the inbox rows (marked applied: the transaction commits only if they are); return
    the ids that were new. One statement for the whole batch."""
    rows = {m["id"]: m for m in messages}  # the same id twice: one row
    values = ", ".join(["(%s, %s, %s, %s, %s, now(), now())"] * len(rows))
    params = [
        v for m in rows.values() for v in (m["id"], m["stream"], m["seq"], m["kind"], m["sender"])
    ]
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO delegation_inboxmessage "
            "(message_id, stream, seq, kind, sender, received_at, applied_at) "
            f"VALUES {values} ON CONFLICT (message_id) DO NOTHING RETURNING message_id",
            params,
        )
        return {str(row[0]) for row in cur.fetchall()}


def _apply_in_order(centre: ServiceCentre, message: dict, *, from_parking: bool = False) -> Outcome:
    """Apply ``message`` if it is the next of its stream. Its inbox row was claimed as applied;
    only a parked message (and one applied later from parking) needs the row changed."""
    kind, seq = message["kind"], message["seq"]
    # The receiver's side of the hop: a message coming up lands on a "down" record.
    direction = Direction.DOWN if kind in (services.FORWARDED, *_UP_HANDLERS) else Direction.UP
    delegation = next(
        iter(
            Delegation.objects.raw(
                "SELECT * FROM delegation_delegation WHERE id = %s AND direction = %s FOR UPDATE",
                [message["stream"], direction],
            )
        ),
        None,
    )
    expected = (delegation.received_seq if delegation else 0) + 1
    if seq < expected:
        if from_parking:
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
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE delegation_delegation SET received_seq = %s WHERE id = %s", [seq, delegation.pk]
        )
    if from_parking:
        _mark(message, applied=True)
    return Outcome.APPLIED


def _drain_parked(centre: ServiceCentre, stream: str) -> None:
    while True:
        with connection.cursor() as cur:
            cur.execute(
                "SELECT body FROM delegation_inboxmessage WHERE stream = %s "
                "AND applied_at IS NULL AND body IS NOT NULL ORDER BY seq LIMIT 1",
                [stream],
            )
            parked = cur.fetchone()
        if parked is None or (
            # Django's connection hands jsonb over as text.
            _apply_in_order(centre, json.loads(parked[0]), from_parking=True) is not Outcome.APPLIED
        ):
            return


def _mark(message: dict, *, applied: bool, body: dict | None = None) -> None:
    InboxMessage.objects.filter(pk=message["id"]).update(
        applied_at=timezone.now() if applied else None, body=body
    )


def purge(centres, before) -> int:
    """Delete the inbox rows of ``centres`` applied before ``before``. Returns how many.

    Safe because the inbox is only the first of two guards: a message redelivered after its row
    is gone is still recognised by its sequence number, already applied on its delegation
    (``_apply_in_order``: a number below the next expected one is a duplicate). Parked messages
    (not yet applied) are never deleted. One statement per centre's schema, on purpose: this is
    a maintenance job (``manage.py purge_messages``), not a hot path.
    """
    total = 0
    with connection.cursor() as cur:
        for centre in centres:
            cur.execute(
                f'DELETE FROM "{centre.schema_name}".delegation_inboxmessage '
                "WHERE applied_at IS NOT NULL AND applied_at < %s",
                [before],
            )
            total += cur.rowcount
    return total


def purge_delivered(days: int | None = None, *, now=None) -> dict[str, int]:
    """Delete delivered messages older than ``days`` (``MESSAGES_RETENTION_DAYS``): published
    outbox rows and applied inbox rows of every centre. Returns the counts."""
    import datetime as dt

    from django.conf import settings

    from messaging.retention import purge_outbox

    days = settings.MESSAGES_RETENTION_DAYS if days is None else days
    if days < 1:
        raise ValueError("keep delivered messages at least one day")
    before = (now or timezone.now()) - dt.timedelta(days=days)
    connection.set_schema_to_public()
    centres = list(ServiceCentre.objects.order_by("division_code").only("schema_name"))
    with transaction.atomic():
        outbox = purge_outbox(before)
    with transaction.atomic():
        inbox = purge(centres, before)
    return {"outbox": outbox, "inbox": inbox, "centres": len(centres)}
