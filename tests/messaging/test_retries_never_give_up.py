"""No message is ever given up: failed messages back off (capped) and are retried until sent.

Found by fault injection: after a 480 s broker outage two status messages had 50 attempts, and
``attempts__lt=MAX_ATTEMPTS`` skipped them for ever, silently. Here a transport fails a hundred
passes in a row (time moved on between passes so each retry is due), then is repaired.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.utils import timezone

from delegation import services as s
from delegation.models import Case
from messaging import relay
from messaging.models import OutboxMessage
from messaging.transport import LocalTransport, TransportError
from tenants.models import ServiceCentre
from tenants.tenancy import in_centre
from tests.delegation.conftest import AGENT, PERSON, TOWNSHIP, VILLAGE

ALL = ["居民身份证", "申请表"]


class BrokerDown(LocalTransport):
    name = "celery"  # a broker transport: the pass stops at the first failure

    def send_batch(self, messages):
        raise TransportError("ConnectionRefusedError: [Errno 111] Connection refused")


def forward_one() -> str:
    case = s.log_request(VILLAGE, AGENT, applicant=PERSON, item_code="C-1", materials_received=ALL)
    s.forward_case(VILLAGE, AGENT, case.tracking_no)
    return case.tracking_no


def test_a_message_is_retried_until_delivered_however_many_passes_fail(network, settings):
    settings.MESSAGES_RETRY_CAP_SECONDS = 60
    no = forward_one()
    clock = timezone.now()
    for _ in range(100):
        clock += dt.timedelta(minutes=2)  # past any backoff: the retry is due
        assert relay.relay_batch(BrokerDown(), now=clock) == (0, 1)
    row = OutboxMessage.objects.get()
    assert row.attempts == 100 and row.published_at is None
    # The backoff is capped: the next attempt is at most a minute away, never "never".
    assert row.next_attempt_at - timezone.now() <= dt.timedelta(seconds=61)

    clock += dt.timedelta(minutes=2)  # the broker is back
    assert relay.relay_batch(LocalTransport(), now=clock) == (1, 0)
    with in_centre(ServiceCentre.objects.get(division_code=TOWNSHIP)):
        assert list(Case.objects.values_list("tracking_no", flat=True)) == [no]


def test_a_failed_message_waits_its_backoff_and_the_waits_grow_to_the_cap(network, settings):
    settings.MESSAGES_RETRY_CAP_SECONDS = 60
    assert [relay.retry_delay(n).total_seconds() for n in (1, 2, 3, 4, 6, 7, 50, 10_000)] == [
        1, 2, 4, 8, 32, 60, 60, 60,
    ]  # fmt: skip
    forward_one()
    assert relay.relay_batch(BrokerDown()) == (0, 1)
    assert relay.relay_batch(LocalTransport()) == (0, 0)  # not yet due
    later = timezone.now() + dt.timedelta(seconds=5)
    assert relay.relay_batch(LocalTransport(), now=later) == (1, 0)


def test_the_oldest_unsent_message_is_visible_and_alarms_past_its_threshold(
    network, settings, caplog
):
    settings.MESSAGES_BACKLOG_ALERT_SECONDS = 300
    assert relay.oldest_unsent_age() is None
    forward_one()
    OutboxMessage.objects.update(created_at=timezone.now() - dt.timedelta(minutes=10))
    assert 599 < relay.oldest_unsent_age() < 700
    with caplog.at_level(logging.ERROR, logger="messaging.relay"):
        relay._Watch("celery").tick()
    (alarm,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "the oldest unsent message is 60" in alarm.getMessage()  # 600 s and a little
