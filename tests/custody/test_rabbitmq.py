"""The papers' messages over a real RabbitMQ and real Celery workers: sent up with the case,
signed for at the township, the receipt back at the village, each applied once.

Committing test (other processes must see the data); skipped without a broker, except with
CI=true."""

from __future__ import annotations

import pytest
from django.conf import settings

from custody import services as custody
from custody.models import Handover
from delegation import services as s
from tests.custody.helpers import FORM, ID_CARD, at
from tests.delegation.conftest import AGENT, PERSON, TOWN_STAFF, TOWNSHIP, VILLAGE
from tests.delegation.test_reliability_rabbitmq import (  # noqa: F401 (fixtures)
    _broker,
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


def handover(code: str, no: str, **where) -> Handover | None:
    with at(code):
        return Handover.objects.filter(case__tracking_no=no, route="up", **where).first()


def test_papers_and_their_receipt_travel_over_the_broker(network, workers):  # noqa: F811
    workers()
    case = s.log_request(
        VILLAGE,
        AGENT,
        applicant=PERSON,
        item_code="C-1",
        materials_received=["居民身份证", "申请表"],
    )
    no = case.tracking_no
    custody.authorize_proxy(VILLAGE, AGENT, no, papers=[ID_CARD, FORM])
    s.forward_case(VILLAGE, AGENT, no)
    relay_until_empty()
    wait_until(
        lambda: handover(TOWNSHIP, no, incoming=True) is not None,
        timeout=60,
        message="the papers announced at the township",
    )
    incoming = handover(TOWNSHIP, no, incoming=True)
    custody.confirm_receipt(TOWNSHIP, TOWN_STAFF, no, incoming.pk, arrived=[ID_CARD])
    relay_until_empty()
    wait_until(
        lambda: handover(VILLAGE, no, incoming=False).received_by == TOWN_STAFF.name,
        timeout=60,
        message="the township's receipt back at the village",
    )
    sent = handover(VILLAGE, no, incoming=False)
    assert sent.pk == incoming.pk and sent.discrepancy
    with at(TOWNSHIP):
        assert Handover.objects.filter(case__tracking_no=no).count() == 1  # applied once
