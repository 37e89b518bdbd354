# ruff: noqa: F811  (the broker fixtures are imported from the reliability tests)
"""The plain kombu consumer (``manage.py consume``, messaging.stream) keeps the worker's promises.

The reliability, forgery and competition scenarios written for the Celery worker run here again
with consumer processes in its place (the scenarios take "start a worker" as a parameter), and
the two whose proof reads the worker's log are restated for the consumer: a process killed inside
its transaction leaves nothing and the message is applied once by the next one; a message that
cannot be applied is retried after a backoff while the others, and later ones, flow.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from delegation.models import InboxMessage
from messaging import relay
from messaging.stream import backoff, messages_of
from messaging.transport import CeleryTransport
from tenants.tenancy import in_centre
from tests.delegation import test_competing_rabbitmq as competing
from tests.delegation import test_forged_rabbitmq as forged
from tests.delegation import test_reliability_rabbitmq as reliability
from tests.delegation.conftest import TOWNSHIP
from tests.delegation.test_reliability_rabbitmq import (  # noqa: F401 (fixtures)
    _broker,
    cases,
    forward_one,
    killed_while_blocked,
    network,
    queue,
    relay_until_empty,
    three_good_and_one_bad,
)
from tests.support import Consumer, starting, wait_until

pytestmark = [
    pytest.mark.rabbitmq,
    pytest.mark.django_db(transaction=True, available_apps=settings.INSTALLED_APPS),
]


@pytest.fixture
def consumers(tmp_path, queue):
    with starting(Consumer, queue, tmp_path) as start:
        yield start


def test_a_broker_outage_delays_but_loses_and_duplicates_nothing(network, consumers):
    reliability.test_broker_outage_delays_but_loses_and_duplicates_nothing(network, consumers)


def test_a_rolled_back_change_sends_nothing(network, consumers):
    reliability.test_a_rolled_back_change_sends_nothing(network, consumers)


def test_the_consumer_keeps_its_database_connection(network, consumers):
    reliability.test_the_worker_keeps_its_database_connection_between_tasks(network, consumers)


def test_forgeries_on_the_broker_become_dead_letters(network, consumers, queue):
    forged.test_forged_and_malformed_messages_on_the_broker_become_dead_letters(
        network, consumers, queue
    )


def test_two_relays_and_two_consumers_apply_every_message_once_and_in_order(
    network, consumers, queue, tmp_path
):
    competing.test_two_relays_and_two_workers_apply_every_message_once_and_in_order(
        network, consumers, queue, tmp_path
    )


def test_a_consumer_killed_inside_its_transaction_leaves_nothing_and_the_next_applies_it_once(
    network, consumers
):
    first = consumers(concurrency=1)
    no = killed_while_blocked(network, first, "the consumer blocked inside its transaction")
    assert cases(TOWNSHIP) == []
    consumers(concurrency=1)  # RabbitMQ hands the unacknowledged message to the next one
    wait_until(lambda: len(cases(TOWNSHIP)) == 1, timeout=60, message="the redelivered case")
    assert [c.tracking_no for c in cases(TOWNSHIP)] == [no]
    with in_centre(network[TOWNSHIP]):
        assert InboxMessage.objects.filter(applied_at__isnull=False).count() == 1


def test_a_message_that_fails_is_retried_after_a_backoff_while_the_others_flow(network, consumers):
    consumer = consumers(concurrency=1)
    good, bad = three_good_and_one_bad()
    assert relay.relay_batch(CeleryTransport()) == (4, 0)  # one batch to the township
    wait_until(lambda: len(cases(TOWNSHIP)) == 3, message="the three good cases")
    consumer.wait_for_log("applying one by one", timeout=30)
    consumer.wait_for_log("failed 1 time(s), retrying in 1 s", timeout=30)
    consumer.wait_for_log("failed 2 time(s), retrying in 2 s", timeout=30)  # tried again
    later = forward_one()  # the queue is not held up by the one that keeps failing
    relay_until_empty()
    wait_until(lambda: len(cases(TOWNSHIP)) == 4, message="a case sent after the bad one")
    assert sorted(c.tracking_no for c in cases(TOWNSHIP)) == sorted([*good, later])
    with in_centre(network[TOWNSHIP]):
        assert not InboxMessage.objects.filter(message_id=bad.id).exists()


def test_what_a_task_message_carries():
    message = {"kind": "forwarded", "id": "x"}
    assert messages_of([[message], {}, {}], {"task": "messaging.deliver"}) == [message]
    assert messages_of([[[message, message]], {}, {}], {"task": "messaging.deliver_batch"}) == [
        message,
        message,
    ]
    assert messages_of([[message], {}, {}], {"task": "messaging.teleport"}) is None
    assert messages_of("not a list", {"task": "messaging.deliver"}) is None
    assert messages_of([[], {}, {}], {"task": "messaging.deliver"}) is None
    assert messages_of([["x"], {}, {}], {"task": "messaging.deliver_batch"}) is None
    assert [backoff(n) for n in (0, 1, 2, 3, 4, 5, 6, 50)] == [1, 2, 4, 8, 16, 30, 30, 30]


def test_the_command_needs_a_broker(settings):
    settings.CELERY_BROKER_URL = ""
    with pytest.raises(CommandError, match="CELERY_BROKER_URL"):
        call_command("consume")
