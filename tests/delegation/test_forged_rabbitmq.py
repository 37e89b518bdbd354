# ruff: noqa: F811  (the broker fixtures are imported from the reliability tests)
"""Forged and malformed messages published to the real broker, consumed by a real worker.

Anyone who can publish to the queue tries: a forward signed with no key, one from a centre
that is not a child, one with ``not-an-id`` and a ``<script>`` name, a task argument that is no
message, a body that is not JSON, a task nobody knows. None creates anything; each is a dead
letter with its reason; and the genuine message after them is applied as usual.
"""

from __future__ import annotations

import uuid

import pytest
from django.conf import settings
from kombu import Connection, Exchange, Producer

from delegation import services as s
from delegation.models import Case
from messaging import relay
from messaging.models import DeadLetter, OutboxMessage
from messaging.signing import sign
from messaging.transport import CeleryTransport
from tenants.models import ServiceCentre
from tenants.tenancy import in_centre
from tests.delegation.conftest import AGENT, OTHER_VILLAGE, PERSON, TOWNSHIP, VILLAGE
from tests.delegation.test_reliability_rabbitmq import (  # noqa: F401 (fixtures)
    _broker,
    network,
    queue,
    workers,
)
from tests.support import broker_url, wait_until

pytestmark = [
    pytest.mark.rabbitmq,
    pytest.mark.django_db(transaction=True, available_apps=settings.INSTALLED_APPS),
]
ALL = ["居民身份证", "申请表"]


def township_cases() -> list[str]:
    with in_centre(ServiceCentre.objects.get(division_code=TOWNSHIP)):
        return list(Case.objects.values_list("tracking_no", flat=True))


def publish_raw(queue: str, body: bytes, content_type: str, headers: dict | None = None) -> None:
    with Connection(broker_url()) as conn:
        Producer(conn.default_channel, exchange=Exchange("")).publish(
            body,
            routing_key=queue,
            content_type=content_type,
            content_encoding="utf-8",
            headers=headers or {},
            declare=[],
        )


def test_forged_and_malformed_messages_on_the_broker_become_dead_letters(network, workers, queue):
    workers()
    case = s.log_request(VILLAGE, AGENT, applicant=PERSON, item_code="C-1", materials_received=ALL)
    s.forward_case(VILLAGE, AGENT, case.tracking_no)
    real = OutboxMessage.objects.get()
    genuine = real.as_message()
    body = {k: v for k, v in genuine.items() if k != "signature"}

    def forged(**changes) -> dict:
        return {**body, "id": str(uuid.uuid4()), "stream": str(uuid.uuid4()), **changes}

    bad_applicant = {**body["payload"]["applicant"], "id_number": "not-an-id",
                     "name": "<script>alert(1)</script>"}  # fmt: skip
    transport = CeleryTransport()
    transport.send(forged())  # unsigned
    transport.send(sign(forged(sender=OTHER_VILLAGE)))  # not a child of the township
    transport.send(sign(forged(payload={**body["payload"], "applicant": bad_applicant})))
    transport._publish("messaging.deliver", ["not a message"], str(uuid.uuid4()), TOWNSHIP)
    publish_raw(queue, b"{not json", "application/json",
                {"task": "messaging.deliver", "id": str(uuid.uuid4())})  # fmt: skip
    transport._publish("messaging.teleport", [genuine], str(uuid.uuid4()), TOWNSHIP)

    wait_until(lambda: DeadLetter.objects.count() == 6, timeout=60, message="six dead letters")
    assert sorted(DeadLetter.objects.values_list("reason", flat=True)) == [
        "bad_signature",
        "invalid_payload",
        "undecodable",
        "undecodable",
        "unknown_kind",
        "wrong_sender",
    ]
    assert township_cases() == []

    assert relay.relay_batch(CeleryTransport()) == (1, 0)  # and the real one still arrives
    wait_until(lambda: township_cases() == [case.tracking_no], message="the genuine case")
    assert DeadLetter.objects.count() == 6
