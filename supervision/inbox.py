"""Applying 督办 messages at the receiving centre: checked, then applied once.

``receive_batch(messages)`` is what the transport calls (registered in ``SupervisionConfig``
for ``supervision.order`` and ``supervision.outcome``). Each message is first checked like the
delegation protocol's (``delegation.messages``: the envelope, the HMAC signature, the kind's
payload schema); a message that fails is a dead letter, nothing of it applied. Then, in the
recipient's schema and a savepoint of its own: the message id is claimed in the centre's inbox
(``delegation_inboxmessage``, ``INSERT … ON CONFLICT DO NOTHING``; a redelivery finds it there
and does nothing) and the handler of ``supervision.orders`` applies it. A handler that refuses
the message (wrong sender, unknown case) rolls its claim back and records a dead letter.

Order needs no parking here: a stream has two messages, and the outcome cannot be written
before the order was applied at its sender.
"""

from __future__ import annotations

import re

from django.db import connection, transaction

from delegation.messages import (
    NOTE,
    PERSON_NAME,
    _Invalid,
    checked_envelope,
    date_or_none,
    integer,
    obj,
    one_of,
    text,
    timestamp,
)
from delegation.models import State
from messaging import deadletters
from messaging.deadletters import Rejected
from messaging.models import DeadLetterReason
from supervision import orders
from supervision.models import Outcome, Step
from tenants.models import ServiceCentre
from tenants.tenancy import in_centre

APPLIED, DUPLICATE, REJECTED = "applied", "duplicate", "rejected"


def _date(value, where: str) -> None:
    if value is None:
        raise _Invalid(f"{where}: missing")
    date_or_none(value, where)


SCHEMAS = {
    orders.ORDER: obj(
        case_id=integer(1),
        tracking_no=text(30, blank=False, pattern=re.compile(r"^[0-9A-Za-z-]+$")),
        issuer_name=text(100, blank=False, plain=True),
        issued_by=PERSON_NAME,
        step=one_of(*Step.values),
        deadline=_date,
        note=text(orders.NOTE_MAX_LENGTH, blank=False),
        issued_at=timestamp,
    ),
    orders.OUTCOME: obj(
        outcome=one_of(*Outcome.values),
        state=one_of("", *State.values),
        note=NOTE,
        answered_by=PERSON_NAME,
        at=timestamp,
    ),
}
HANDLERS = {orders.ORDER: orders.apply_order, orders.OUTCOME: orders.apply_outcome}
KINDS = list(HANDLERS)


def check(message) -> dict:
    """Verify and validate ``message``; raises ``Rejected`` with the dead-letter reason."""
    schema = checked_envelope(message, SCHEMAS)
    expected_seq = orders.ORDER_SEQ if message["kind"] == orders.ORDER else orders.OUTCOME_SEQ
    try:
        schema(message["payload"], "payload")
        if message["seq"] != expected_seq:
            raise _Invalid(f"seq: {message['seq']}, expected {expected_seq}")
    except _Invalid as exc:
        raise Rejected(DeadLetterReason.INVALID_PAYLOAD, str(exc)) from exc
    return message


def receive(message: dict) -> str:
    return receive_batch([message])[0]


def receive_batch(messages: list[dict]) -> list[str]:
    """Apply ``messages`` (normally all for one centre) in one transaction; outcomes in order."""
    with transaction.atomic():
        return [_receive(message) for message in messages]


def _receive(message) -> str:
    try:
        checked = check(message)
    except Rejected as exc:
        deadletters.record(message, exc.reason, exc.detail)
        return REJECTED
    centre = ServiceCentre.objects.filter(division_code=checked["recipient"]).first()
    if centre is None:
        deadletters.record(message, DeadLetterReason.UNKNOWN_RECIPIENT, checked["recipient"])
        return REJECTED
    with in_centre(centre):
        try:
            with transaction.atomic():
                if not _claim(checked):
                    return DUPLICATE
                HANDLERS[checked["kind"]](centre, checked)
        except Rejected as exc:
            deadletters.record(message, exc.reason, exc.detail)
            return REJECTED
    return APPLIED


def _claim(message: dict) -> bool:
    """Record the message id in the centre's inbox; False if it was there (a redelivery)."""
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO delegation_inboxmessage "
            "(message_id, stream, seq, kind, sender, received_at, applied_at) "
            "VALUES (%s, %s, %s, %s, %s, now(), now()) ON CONFLICT (message_id) DO NOTHING "
            "RETURNING message_id",
            [message["id"], message["stream"], message["seq"], message["kind"], message["sender"]],
        )
        return cur.fetchone() is not None
