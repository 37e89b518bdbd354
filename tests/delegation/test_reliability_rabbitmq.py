"""Reliability of the delegation protocol over a real RabbitMQ and real Celery workers.

These tests commit (other processes must see the data), start worker processes on a private
queue, and stop and start the local broker with rabbitmqctl. Without a broker they are skipped,
except with CI=true, where a missing broker is a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid

import pytest
from django.conf import settings
from django.db import connection, transaction

from delegation import services as s
from delegation.models import Case, CaseEvent, InboxMessage, State
from messaging import relay
from messaging.models import OutboxMessage
from messaging.transport import CeleryTransport
from tenants.models import ServiceCentre
from tenants.tenancy import in_centre
from tests.delegation.conftest import AGENT, PERSON, TOWN_STAFF, TOWNSHIP, VILLAGE, make_items
from tests.support import Worker, broker_reachable, broker_url, starting, wait_until

# available_apps makes the flush after each test TRUNCATE … CASCADE: centre_template's tables
# reference the dictionary, which a plain TRUNCATE of the public tables refuses.
pytestmark = [
    pytest.mark.rabbitmq,
    pytest.mark.django_db(transaction=True, available_apps=settings.INSTALLED_APPS),
]
ALL = ["居民身份证", "申请表"]


@pytest.fixture(scope="module", autouse=True)
def _broker():
    url = broker_url()
    if not broker_reachable(url):
        message = f"RabbitMQ is not reachable at {url}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + " (CI=true: the broker tests must run)")
        pytest.skip(message)
    os.environ["CELERY_BROKER_URL"] = url
    yield


@pytest.fixture
def queue(settings):
    name = f"messages-test-{uuid.uuid4().hex[:10]}"
    settings.CELERY_BROKER_URL = broker_url()
    settings.MESSAGES_QUEUE = name
    from core.celery import app

    app.conf.broker_url = broker_url()
    yield name
    with app.connection_for_write() as conn:
        try:
            conn.default_channel.queue_delete(name)
        except Exception:
            pass


@pytest.fixture
def network(transactional_db):
    from tenants.services import provision_network
    from tenants.spec import load_spec

    provision_network(load_spec("demo"))
    make_items()
    yield {c.division_code: c for c in ServiceCentre.objects.all()}
    connection.set_schema_to_public()
    with connection.cursor() as cur:
        for schema in ServiceCentre.objects.values_list("schema_name", flat=True):
            cur.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture
def workers(tmp_path, queue):
    with starting(Worker, queue, tmp_path) as start:
        yield start


def cases(code: str) -> list[Case]:
    with in_centre(ServiceCentre.objects.get(division_code=code)):
        return list(Case.objects.order_by("tracking_no"))


def actions(code: str, no: str) -> list[str]:
    with in_centre(ServiceCentre.objects.get(division_code=code)):
        return list(
            CaseEvent.objects.filter(case__tracking_no=no)
            .order_by("seq")
            .values_list("action", flat=True)
        )


def forward_one() -> str:
    case = s.log_request(VILLAGE, AGENT, applicant=PERSON, item_code="C-1", materials_received=ALL)
    s.forward_case(VILLAGE, AGENT, case.tracking_no)
    return case.tracking_no


def three_good_and_one_bad() -> tuple[list[str], OutboxMessage]:
    """Three forwarded cases and, in the outbox beside them, a forward that can never be applied
    (its dictionary version does not exist): the tracking numbers and the bad row."""
    good = [forward_one() for _ in range(3)]
    template = OutboxMessage.objects.filter(kind=s.FORWARDED).first()
    bad = OutboxMessage.objects.create(
        id=uuid.uuid4(),
        kind=template.kind,
        sender=template.sender,
        recipient=template.recipient,
        stream=uuid.uuid4(),
        seq=1,
        payload={**template.payload, "tracking_no": "BAD-1", "item_version": 987654321},
    )
    return good, bad


def relay_until_empty(timeout: float = 60.0) -> None:
    transport = CeleryTransport()
    wait_until(
        lambda: (relay.relay_batch(transport), relay.pending_count() == 0)[1],
        timeout,
        0.2,
        "an empty outbox",
    )


def rabbitmqctl(*args: str) -> None:
    exe = shutil.which("rabbitmqctl")
    if exe is None:
        pytest.fail("rabbitmqctl is needed to stop and start the broker")
    subprocess.run([exe, *args], check=True, capture_output=True, timeout=120)


def test_broker_outage_delays_but_loses_and_duplicates_nothing(network, workers):
    workers()
    before = [forward_one() for _ in range(10)]
    relay_until_empty()
    wait_until(lambda: len(cases(TOWNSHIP)) == 10, message="the first 10 cases at the township")

    rabbitmqctl("stop_app")
    try:
        during = [forward_one() for _ in range(10)]
        for no in before[:5]:
            s.accept_case(TOWNSHIP, TOWN_STAFF, no)  # statuses that must travel back down
        _sent, failed = relay.relay_batch(CeleryTransport())
        assert failed >= 1
        assert relay.pending_count() == 15
        assert OutboxMessage.objects.filter(attempts__gte=1).exists()
    finally:
        rabbitmqctl("start_app")
        rabbitmqctl("await_startup")

    relay_until_empty(timeout=120)
    wait_until(
        lambda: len(cases(TOWNSHIP)) == 20, timeout=90, message="all 20 cases at the township"
    )
    wait_until(
        lambda: sum(c.effective_state == State.ACCEPTED for c in cases(VILLAGE)) == 5,
        timeout=60,
        message="5 acceptances back at the village",
    )
    township = cases(TOWNSHIP)
    assert sorted(c.tracking_no for c in township) == sorted(before + during)  # each exactly once
    for no in before[:5]:
        assert actions(VILLAGE, no) == ["log", "forward", "upstream_status"]
    with in_centre(network[TOWNSHIP]):
        assert InboxMessage.objects.filter(applied_at__isnull=True).count() == 0
        assert InboxMessage.objects.count() == 20


def killed_while_blocked(network, process, what: str) -> str:
    """Forward a case while the township's case table is held, wait until ``process`` (a
    worker or consumer applying it) blocks inside its transaction, kill it, then let go of the
    table. The forwarded case's tracking number."""
    import psycopg

    params = connection.get_connection_params()
    for key in ("cursor_factory", "context"):
        params.pop(key, None)
    blocker = psycopg.connect(**params)
    watcher = psycopg.connect(
        **params, autocommit=True
    )  # pg_stat_activity is frozen per transaction
    blocker.execute(
        f'LOCK TABLE "{network[TOWNSHIP].schema_name}".delegation_case IN ACCESS EXCLUSIVE MODE'
    )
    try:
        no = forward_one()
        relay_until_empty()
        wait_until(
            lambda: (
                watcher.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                    " AND datname = current_database()"
                ).fetchone()[0]
                >= 1
            ),
            message=what,
        )
        process.kill()
    finally:
        blocker.rollback()
        blocker.close()
        watcher.close()
    return no


def test_a_worker_killed_mid_task_is_redelivered_and_applied_once(network, workers, tmp_path):
    no = killed_while_blocked(network, workers(concurrency=1), "the worker blocked mid-task")
    assert cases(TOWNSHIP) == []  # the killed worker's transaction did not commit
    second = workers(concurrency=1)
    second.wait_for_log("succeeded", timeout=60)
    wait_until(lambda: len(cases(TOWNSHIP)) == 1, message="the redelivered case")
    assert [c.tracking_no for c in cases(TOWNSHIP)] == [no]
    with in_centre(network[TOWNSHIP]):
        assert InboxMessage.objects.filter(applied_at__isnull=False).count() == 1


def test_the_same_message_delivered_twice_is_applied_once(network, workers):
    worker = workers()
    no = forward_one()
    relay_until_empty()
    wait_until(lambda: len(cases(TOWNSHIP)) == 1, message="the case at the township")
    message = OutboxMessage.objects.get(kind=s.FORWARDED).as_message()
    CeleryTransport().send(message)  # the broker hands it over again
    worker.wait_for_log(f"Task messaging.deliver[{message['id']}] succeeded", count=2, timeout=60)
    assert "'duplicate'" in worker.log.read_text()
    assert [c.tracking_no for c in cases(TOWNSHIP)] == [no]
    with in_centre(network[TOWNSHIP]):
        assert InboxMessage.objects.count() == 1
        assert CaseEvent.objects.filter(action="receive").count() == 1


def test_a_rolled_back_change_sends_nothing(network, workers):
    workers()

    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        forward_one()
        raise Abort
    assert OutboxMessage.objects.count() == 0
    assert relay.drain(CeleryTransport()) == 0
    assert cases(VILLAGE) == []
    # The pipeline works, so the silence above means something.
    no = forward_one()
    relay_until_empty()
    wait_until(
        lambda: [c.tracking_no for c in cases(TOWNSHIP)] == [no], message="the committed case"
    )


def test_the_worker_keeps_its_database_connection_between_tasks(network, workers):
    """Celery closes Django's connections around every task unless told not to; that cost a new
    PostgreSQL backend per message (5,506 sessions for 400 benchmark cases)."""
    from django.utils import timezone

    workers(concurrency=1)
    forward_one()
    relay_until_empty()
    wait_until(lambda: len(cases(TOWNSHIP)) == 1, message="the first case at the township")
    after_first = timezone.now()
    for n in range(2, 5):
        forward_one()
        relay_until_empty()  # one task per case
        wait_until(lambda n=n: len(cases(TOWNSHIP)) == n, message=f"case {n} at the township")
    with connection.cursor() as cur:
        cur.execute(
            "SELECT backend_start FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        )
        starts = [row[0] for row in cur.fetchall()]
    assert starts, "the worker holds no connection between tasks"
    assert all(start < after_first for start in starts), "the worker reconnected for later tasks"


def test_a_bad_message_in_a_batch_does_not_hold_up_the_others(network, workers):
    """The relay sends the township's messages as one batch; one of them cannot be applied (its
    dictionary version does not exist). The worker rolls the batch back, applies the others one
    by one, and retries only the bad one."""
    worker = workers(concurrency=1)
    good, bad = three_good_and_one_bad()
    assert OutboxMessage.objects.filter(published_at__isnull=True).count() == 4
    assert relay.relay_batch(CeleryTransport()) == (4, 0)  # one batch to the township
    wait_until(lambda: len(cases(TOWNSHIP)) == 3, message="the three good cases")
    worker.wait_for_log("applying one by one", timeout=30)
    worker.wait_for_log("Retry in", timeout=30)
    assert sorted(c.tracking_no for c in cases(TOWNSHIP)) == sorted(good)
    with in_centre(network[TOWNSHIP]):
        assert not InboxMessage.objects.filter(message_id=bad.id).exists()
        assert InboxMessage.objects.count() == 3
