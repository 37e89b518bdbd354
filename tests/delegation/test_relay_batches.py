"""The relay hands messages over in batches per recipient; a bad message does not hold up the
others, and what fails stays in the outbox with the reason."""

from __future__ import annotations

import pytest

from delegation import services as s
from delegation.models import Case, InboxMessage
from messaging import dispatch
from messaging.models import OutboxMessage
from messaging.relay import relay_batch
from messaging.transport import LocalTransport
from tenants.models import ServiceCentre
from tenants.tenancy import in_centre
from tests.delegation.conftest import AGENT, PERSON, TOWNSHIP, VILLAGE

ALL = ["居民身份证", "申请表"]


class Recording(LocalTransport):
    def __init__(self) -> None:
        self.batches: list[list[dict]] = []

    def send_batch(self, messages):
        self.batches.append(list(messages))
        return super().send_batch(messages)


def forward(n: int) -> list[str]:
    numbers = []
    for _ in range(n):
        case = s.log_request(
            VILLAGE, AGENT, applicant=PERSON, item_code="C-1", materials_received=ALL
        )
        s.forward_case(VILLAGE, AGENT, case.tracking_no)
        numbers.append(case.tracking_no)
    return numbers


def township_cases() -> list[str]:
    with in_centre(ServiceCentre.objects.get(division_code=TOWNSHIP)):
        return sorted(Case.objects.values_list("tracking_no", flat=True))


def test_messages_to_one_centre_travel_as_batches_of_the_given_size(network):
    numbers = forward(5)
    transport = Recording()
    assert relay_batch(transport, group=2) == (5, 0)
    assert [len(b) for b in transport.batches] == [2, 2, 1]
    assert {m["recipient"] for b in transport.batches for m in b} == {TOWNSHIP}
    assert township_cases() == sorted(numbers)
    assert not OutboxMessage.objects.filter(published_at__isnull=True).exists()


def test_a_failing_message_stays_behind_and_the_rest_of_its_batch_is_applied(network):
    numbers = forward(3)
    bad = OutboxMessage.objects.get(payload__tracking_no=numbers[1])
    real, real_batch = dispatch.handlers(s.FORWARDED)

    def refuse(message):
        if message["id"] == str(bad.id):
            raise RuntimeError("receiver broke")
        return real(message)

    def refuse_batch(messages):
        return (
            [refuse(m) for m in messages]
            if any(m["id"] == str(bad.id) for m in messages)
            else real_batch(messages)
        )

    with dispatch.handlers_replaced(s.FORWARDED, refuse, refuse_batch):
        assert relay_batch(LocalTransport()) == (2, 1)
    assert township_cases() == sorted([numbers[0], numbers[2]])
    bad.refresh_from_db()
    assert bad.published_at is None and bad.attempts == 1 and "receiver broke" in bad.last_error

    # The receiver is repaired: the next pass delivers it, once.
    assert relay_batch(LocalTransport()) == (1, 0)
    assert township_cases() == sorted(numbers)
    with in_centre(ServiceCentre.objects.get(division_code=TOWNSHIP)):
        assert InboxMessage.objects.count() == 3


def test_an_unknown_kind_in_a_batch_is_refused_not_applied(network):
    with pytest.raises(dispatch.UnknownMessageKind):
        dispatch.deliver_batch([{"id": "x", "kind": "no.such.kind", "recipient": TOWNSHIP}])


def test_replaced_handlers_come_back_after_the_block():
    real = dispatch.handlers(s.FORWARDED)

    def refuse(message):
        raise RuntimeError("no")

    with dispatch.handlers_replaced(s.FORWARDED, refuse):
        assert dispatch.handlers(s.FORWARDED) == (refuse, None)  # singly, no batch handler
    assert dispatch.handlers(s.FORWARDED) == real
    with pytest.raises(dispatch.UnknownMessageKind):
        dispatch.handlers("no.such.kind")
