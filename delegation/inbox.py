"""Applying delegation messages at the receiving centre: once, and in order per delegation.

``receive(message)`` is what the transport calls. In the receiver's schema and one transaction:

0. check it (``delegation.messages.check``: signature, kind, the payload's schema) and find
   its centre; a message that fails is a dead letter (``messaging.deadletters``), not applied;
1. claim the message id in the inbox (``INSERT … ON CONFLICT DO NOTHING``); if it was there
   already, this is a redelivery: do nothing;
2. lock the delegation this message belongs to; check the sender is its other end (or, for a
   new case, a child centre); a number already applied is a duplicate, a number ahead of the
   next expected one is parked until the gap fills — unless another message id holds that
   number: a conflict, a dead letter;
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

from core import sql
from delegation import services
from delegation.messages import check
from delegation.models import Delegation, Direction, InboxMessage
from messaging import deadletters
from messaging.deadletters import Rejected
from messaging.models import DeadLetterReason
from tenants.models import ServiceCentre
from tenants.tenancy import in_centre

#: Sent (``message=``) once a message's inbox row is claimed, before its delegation is locked
#: and it is applied: the seam for tests that make concurrent batches meet at that point.
claimed = Signal()


class Outcome(enum.StrEnum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    PARKED = "parked"
    REJECTED = "rejected"  # recorded as a dead letter (messaging.deadletters), nothing applied


_UP_HANDLERS = {
    services.SUPPLEMENTED: services.apply_supplemented,
    services.WITHDRAWN: services.apply_withdrawn,
    services.DELIVERED: services.apply_delivered,
}
_DOWN_HANDLERS = {services.STATUS: services.apply_status}
KINDS = [services.FORWARDED, *_UP_HANDLERS, *_DOWN_HANDLERS]


def register_kind(kind: str, schema, handler, *, upward: bool) -> None:
    """Another app's message kind on the delegation streams (``custody``'s papers): checked by
    ``schema``, applied by ``handler(centre, delegation, message)`` once and in order with the
    hop's other messages. An ``upward`` kind travels to the parent centre."""
    from delegation.messages import SCHEMAS
    from messaging import dispatch

    SCHEMAS[kind] = schema
    (_UP_HANDLERS if upward else _DOWN_HANDLERS)[kind] = handler
    dispatch.register(kind, receive, batch=receive_batch)


def receive(message: dict) -> Outcome:
    return receive_batch([message])[0]


def receive_batch(messages: list[dict]) -> list[Outcome]:
    """Apply ``messages`` in one transaction; outcomes in input order.

    Each message is first checked (``delegation.messages.check``: signature, kind, schema); one
    that fails, or whose recipient is unknown, is a dead letter and nothing of it is applied.
    The relay sends one centre's messages per batch; a batch naming several (forged, or from a
    foreign relay) is applied per centre.
    """
    outcomes: list[Outcome] = [Outcome.DUPLICATE] * len(messages)
    by_recipient: dict[str, list[tuple[int, dict, dict]]] = {}
    with transaction.atomic():
        for index, message in enumerate(messages):
            try:
                checked = check(message)
            except Rejected as exc:
                deadletters.record(message, exc.reason, exc.detail)
                outcomes[index] = Outcome.REJECTED
                continue
            by_recipient.setdefault(checked["recipient"], []).append((index, message, checked))
        for code, group in by_recipient.items():
            centre = _centre(code)
            if centre is None:
                for index, message, _checked in group:
                    deadletters.record(message, DeadLetterReason.UNKNOWN_RECIPIENT, code)
                    outcomes[index] = Outcome.REJECTED
                continue
            with in_centre(centre):
                _receive_at(centre, group, outcomes)
    return outcomes


def _centre(code: str) -> ServiceCentre | None:
    return sql.one(ServiceCentre, "WHERE division_code = %s LIMIT 1", [code])


def _receive_at(centre: ServiceCentre, group: list[tuple[int, dict, dict]], outcomes: list) -> None:
    """``group``: (position in the batch, the message as received, the message as checked)."""
    new_ids = _claim([message for _index, _raw, message in group])
    order = sorted(group, key=lambda entry: (str(entry[2]["stream"]), entry[2]["seq"], entry[0]))
    for index, raw, message in order:
        if message["id"] not in new_ids:
            continue  # applied before, or earlier in this batch
        new_ids.discard(message["id"])
        claimed.send(sender=receive_batch, message=message)
        try:
            outcomes[index] = _apply_in_order(centre, message, raw=raw)
        except Rejected as exc:
            # Raised before anything was written; its claim goes too, so the inbox never
            # says "applied" of a message that was not.
            _unclaim(message)
            deadletters.record(raw, exc.reason, exc.detail)
            outcomes[index] = Outcome.REJECTED
            continue
        if outcomes[index] is Outcome.APPLIED:
            # Looked up under the delegation's lock: a successor parked by a concurrent
            # batch that committed after this one began is seen here.
            _drain_parked(centre, message["stream"])


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


def _unclaim(message: dict) -> None:
    with connection.cursor() as cur:
        cur.execute("DELETE FROM delegation_inboxmessage WHERE message_id = %s", [message["id"]])
        cur.execute(
            "DELETE FROM public.messaging_parkedmessage WHERE message_id = %s", [message["id"]]
        )


def _conflicting(message: dict) -> str | None:
    """The id of another message this centre holds with the same (stream, seq), if any."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT message_id FROM delegation_inboxmessage "
            "WHERE stream = %s AND seq = %s AND message_id <> %s LIMIT 1",
            [message["stream"], message["seq"], message["id"]],
        )
        row = cur.fetchone()
    return str(row[0]) if row else None


def _check_sender(centre: ServiceCentre, delegation: Delegation | None, message: dict) -> None:
    """The sender must be the other end of the delegation; a new case must come from a child
    centre of this one in the registry."""
    sender = message["sender"]
    if delegation is not None:
        if delegation.peer_centre != sender:
            raise Rejected(
                DeadLetterReason.WRONG_SENDER,
                f"delegation {delegation.pk} is with {delegation.peer_centre}, not {sender}",
            )
        return
    if message["kind"] == services.FORWARDED:
        child = _centre(sender)
        if child is None or child.parent_id != centre.pk:
            raise Rejected(
                DeadLetterReason.WRONG_SENDER,
                f"{sender} is not a centre under {centre.division_code}",
            )


def _apply_in_order(
    centre: ServiceCentre, message: dict, *, raw: dict, from_parking: bool = False
) -> Outcome:
    """Apply ``message`` (checked; ``raw`` is what travelled, the form a parked one is kept in)
    if it is the next of its stream. Its inbox row was claimed as applied; only a parked message
    (and one applied later from parking) needs the row changed.

    Raises ``Rejected``, before writing anything, for a message from the wrong sender or one
    that conflicts with another message of the same (stream, seq)."""
    kind, seq = message["kind"], message["seq"]
    # The receiver's side of the hop: a message coming up lands on a "down" record.
    direction = Direction.DOWN if kind in (services.FORWARDED, *_UP_HANDLERS) else Direction.UP
    delegation = sql.one(
        Delegation, "WHERE id = %s AND direction = %s FOR UPDATE", [message["stream"], direction]
    )
    _check_sender(centre, delegation, message)
    expected = (delegation.received_seq if delegation else 0) + 1
    if seq < expected or seq > expected:
        # Off the hot path: a second message claiming a number another one holds is a
        # conflict (a forgery, or a sender's bug), never a silent duplicate and never applied.
        other = _conflicting(message)
        if other is not None:
            raise Rejected(
                DeadLetterReason.CONFLICT,
                f"stream {message['stream']} seq {seq} is already held by message {other}",
            )
    if seq < expected:
        if from_parking:
            _mark(message, applied=True)
        return Outcome.DUPLICATE
    if seq > expected or (delegation is None and kind != services.FORWARDED):
        _mark(message, applied=False, body=raw)
        _park(centre, message)
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


def _park(centre: ServiceCentre, message: dict) -> None:
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO public.messaging_parkedmessage "
            "(message_id, recipient, sender, kind, stream, seq, parked_at) "
            "VALUES (%s, %s, %s, %s, %s, %s, now()) ON CONFLICT (message_id) DO NOTHING",
            [
                message["id"],
                centre.division_code,
                message["sender"],
                message["kind"],
                message["stream"],
                message["seq"],
            ],
        )


def _drain_parked(centre: ServiceCentre, stream: str) -> None:
    while True:
        with connection.cursor() as cur:
            cur.execute(
                "SELECT body FROM delegation_inboxmessage WHERE stream = %s "
                "AND applied_at IS NULL AND body IS NOT NULL ORDER BY seq LIMIT 1",
                [stream],
            )
            parked = cur.fetchone()
        if parked is None:
            return
        raw = json.loads(parked[0])  # Django's connection hands jsonb over as text
        try:
            outcome = _apply_in_order(centre, check(raw), raw=raw, from_parking=True)
        except Rejected as exc:
            _unclaim(raw)
            deadletters.record(raw, exc.reason, exc.detail)
            continue
        if outcome is Outcome.PARKED:
            return
        with connection.cursor() as cur:
            cur.execute(
                "DELETE FROM public.messaging_parkedmessage WHERE message_id = %s", [raw["id"]]
            )


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

    from messaging.retention import purge_dead_letter_bodies, purge_outbox

    days = settings.MESSAGES_RETENTION_DAYS if days is None else days
    if days < 1:
        raise ValueError("keep delivered messages at least one day")
    before = (now or timezone.now()) - dt.timedelta(days=days)
    connection.set_schema_to_public()
    centres = list(ServiceCentre.objects.order_by("division_code").only("schema_name"))
    with transaction.atomic():
        outbox = purge_outbox(before)
        dead = purge_dead_letter_bodies(before)
    with transaction.atomic():
        inbox = purge(centres, before)
    return {"outbox": outbox, "inbox": inbox, "centres": len(centres), "dead_letters": dead}
