"""The custody message kinds on the delegation streams: their schemas and their handlers.

Papers sent up or down a hop, and the receipt going back, travel on the hop's delegation stream
(numbered with the case's own messages), so they are checked, signed, applied once and in order
by ``delegation.inbox`` like every other message of the protocol.
"""

from __future__ import annotations

from custody import services
from custody.models import PaperForm
from delegation import messages as m

PAPER = m.obj(name=m.MATERIAL, form=m.one_of(*PaperForm.values), count=m.integer(1))
UUID = m.text(36, blank=False, plain=True)

HANDED = m.obj(
    handover=UUID,
    papers=m.list_of(PAPER),
    sent_by=m.PERSON_NAME,
    at=m.timestamp,
    note=m.NOTE,
)
RECEIVED = m.obj(
    handover=UUID,
    received_by=m.PERSON_NAME,
    at=m.timestamp,
    arrived=m.list_of(PAPER),
    extra=m.list_of(PAPER),
    note=m.NOTE,
)

#: kind → (schema, handler, travels up)
KINDS = {
    services.HANDED_UP: (HANDED, services.apply_handed, True),
    services.HANDED_DOWN: (HANDED, services.apply_handed, False),
    services.RECEIVED_UP: (RECEIVED, services.apply_received, True),
    services.RECEIVED_DOWN: (RECEIVED, services.apply_received, False),
}


def register() -> None:
    from delegation.inbox import register_kind

    for kind, (schema, handler, upward) in KINDS.items():
        register_kind(kind, schema, handler, upward=upward)
