"""督办 over a real RabbitMQ and a real Celery worker: the order reaches the township, the case
moves, and the outcome comes back to the issuer, each message applied once. Skipped without a
broker (a failure with CI=true), like the delegation protocol's broker tests."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from core.roles import Actor, Role
from delegation import services as s
from delegation.models import InboxMessage
from network.models import CaseRecord
from supervision import orders
from supervision import services as sup
from supervision.centre.models import ReceivedOrder
from supervision.models import SupervisionOrder
from tenants.tenancy import in_centre
from tests.delegation.conftest import TOWN_STAFF, TOWNSHIP
from tests.delegation.test_reliability_rabbitmq import (  # noqa: F401 (fixtures)
    _broker,
    forward_one,
    network,
    queue,
    relay_until_empty,
    workers,
)
from tests.support import wait_until

pytestmark = [
    pytest.mark.rabbitmq,
    pytest.mark.django_db(transaction=True, available_apps=settings.INSTALLED_APPS),
]


def test_an_order_and_its_outcome_travel_through_rabbitmq(network, workers):  # noqa: F811
    workers()
    no = forward_one()
    relay_until_empty()
    wait_until(
        lambda: CaseRecord.objects.filter(tracking_no=no, centre_code=TOWNSHIP).exists(),
        message="the case at the township",
    )
    CaseRecord.objects.filter(tracking_no=no, centre_code=TOWNSHIP).update(
        intake_on=dt.date(2026, 9, 29),
        submitted_at=timezone.make_aware(dt.datetime(2026, 9, 29, 9)),
    )
    sup.evaluate(today=dt.date(2026, 10, 20))
    supervisor = Actor(name="郑督办", role=Role.SUPERVISOR, centre="420506")
    order = orders.issue_order(supervisor, TOWNSHIP, no, note="请即受理")
    relay_until_empty()

    def received() -> ReceivedOrder | None:
        with in_centre(network[TOWNSHIP]):
            return ReceivedOrder.objects.filter(pk=order.pk).first()

    wait_until(lambda: received() is not None, message="the order at the township")
    s.accept_case(TOWNSHIP, TOWN_STAFF, no)
    relay_until_empty()
    wait_until(
        lambda: SupervisionOrder.objects.get(pk=order.pk).outcome == "moved",
        message="the outcome back at the county",
    )
    assert received().outcome == "moved"
    with in_centre(network[TOWNSHIP]):
        assert InboxMessage.objects.filter(stream=order.pk).count() == 1
    with in_centre(network["420506"]):
        assert InboxMessage.objects.filter(stream=order.pk).count() == 1
