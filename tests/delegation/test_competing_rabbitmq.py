"""Competing relays and workers: two relay processes (and a third relay in the test process)
and two worker processes against one network, over the real RabbitMQ, while cases flow. Every message is applied once and in order
per delegation (SKIP LOCKED keeps the relays apart; the inbox orders and dedupes)."""

from __future__ import annotations

import subprocess
import sys
import uuid

import pytest
from django.conf import settings

from delegation import services as s
from delegation.models import Case, InboxMessage
from messaging.relay import relay_batch
from messaging.transport import CeleryTransport
from tenants.tenancy import in_centre
from tests.delegation.conftest import COUNTY, TOWN_STAFF, TOWNSHIP, VILLAGE
from tests.delegation.test_reliability_rabbitmq import (  # noqa: F401 (fixtures)
    _broker,
    actions,
    cases,
    forward_one,
    network,
    queue,
    workers,
)
from tests.support import ROOT, broker_url, env_for_subprocess, wait_until

pytestmark = [
    pytest.mark.rabbitmq,
    pytest.mark.django_db(transaction=True, available_apps=settings.INSTALLED_APPS),
]


def test_two_relays_and_two_workers_apply_every_message_once_and_in_order(
    network,  # noqa: F811 (the fixtures of test_reliability_rabbitmq)
    workers,  # noqa: F811
    queue,  # noqa: F811
    tmp_path,
):
    for _ in range(2):
        workers(concurrency=1)  # two worker processes competing on the queue
    env = env_for_subprocess(CELERY_BROKER_URL=broker_url(), MESSAGES_QUEUE=queue)
    relays = [
        subprocess.Popen(
            [sys.executable, "manage.py", "relay"],
            cwd=ROOT,
            env=env,
            stdout=(tmp_path / f"relay-{k}-{uuid.uuid4().hex[:6]}.log").open("w"),
            stderr=subprocess.STDOUT,
        )
        for k in range(2)
    ]
    try:
        numbers = []
        for _ in range(12):  # cases flow while both relays run
            numbers.append(forward_one())
        # A third relay, in this process, publishing to the same queue as the other two.
        transport, failures = CeleryTransport(), []
        wait_until(
            lambda: (failures.append(relay_batch(transport)[1]), len(cases(TOWNSHIP)) == 12)[1],
            timeout=90,
            message="12 at the township",
        )
        for no in numbers:  # two statuses per case back down, and a forward up to the county
            s.accept_case(TOWNSHIP, TOWN_STAFF, no)
            s.escalate_case(TOWNSHIP, TOWN_STAFF, no)
        wait_until(lambda: inbox(network[VILLAGE]) == 24, timeout=120, message="24 statuses")
        wait_until(lambda: inbox(network[COUNTY]) == 12, timeout=60, message="12 at the county")
    finally:
        for relay in relays:
            relay.terminate()
        for relay in relays:
            relay.wait(20)
    assert sum(failures) == 0  # all relays declare the queue alike (tests/support.py)
    township = cases(TOWNSHIP)
    assert sorted(c.tracking_no for c in township) == sorted(numbers)  # each exactly once
    assert len(cases(COUNTY)) == 12
    for no in numbers:  # in order, each once: accepted, then escalated
        assert actions(VILLAGE, no) == ["log", "forward", "upstream_status", "upstream_status"]
        with in_centre(network[VILLAGE]):
            village_case = Case.objects.get(tracking_no=no)
            assert village_case.upstream_centre == COUNTY
    for code, count in ((VILLAGE, 24), (TOWNSHIP, 12), (COUNTY, 12)):
        with in_centre(network[code]):
            assert InboxMessage.objects.count() == count, code
            assert not InboxMessage.objects.filter(applied_at__isnull=True).exists(), code


def inbox(centre) -> int:
    with in_centre(centre):
        return InboxMessage.objects.filter(applied_at__isnull=False).count()
