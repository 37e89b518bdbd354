"""The relay survives its database: terminated connections and restarts cost a few seconds.

Found by fault injection: ``manage.py relay`` exited (``consuming input failed`` at
``listener.notifies``) when its connection was terminated, nothing restarted it, ``/health/``
still said ok, and 389 forwarded cases waited for ever. Here the relay runs as a real process;
its backends are terminated twice; what is written afterwards is still relayed, and health
reports the relay's heartbeat.
"""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection

from delegation import services as s
from delegation.models import Case
from messaging.models import RelayHeartbeat
from tenants.models import ServiceCentre
from tenants.tenancy import in_centre
from tests.delegation.conftest import AGENT, PERSON, TOWNSHIP, VILLAGE, make_items
from tests.support import ROOT, env_for_subprocess, wait_until

pytestmark = pytest.mark.django_db(transaction=True, available_apps=settings.INSTALLED_APPS)
ALL = ["居民身份证", "申请表"]


@pytest.fixture
def network(transactional_db):
    from tenants.services import provision_network
    from tenants.spec import load_spec

    provision_network(load_spec("demo"))
    make_items()
    yield
    connection.set_schema_to_public()
    with connection.cursor() as cur:
        for schema in ServiceCentre.objects.values_list("schema_name", flat=True):
            cur.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture
def relay_process(tmp_path):
    log = tmp_path / "relay.log"
    process = subprocess.Popen(
        [sys.executable, "manage.py", "relay"],
        cwd=ROOT,
        # No broker: the relay applies messages itself (the same loop as with RabbitMQ).
        env=env_for_subprocess(CELERY_BROKER_URL="", LOG_LEVEL="WARNING"),
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    process.log = log
    yield process
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def township_cases() -> int:
    with in_centre(ServiceCentre.objects.get(division_code=TOWNSHIP)):
        return Case.objects.count()


def forward_one() -> None:
    case = s.log_request(VILLAGE, AGENT, applicant=PERSON, item_code="C-1", materials_received=ALL)
    s.forward_case(VILLAGE, AGENT, case.tracking_no)


def terminate_the_relays_backends() -> int:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND application_name = 'relay'"
        )
        return cur.fetchone()[0]


def test_the_relay_reconnects_when_its_connections_are_terminated(network, relay_process, client):
    def log() -> str:
        return relay_process.log.read_text(errors="replace")[-3000:]

    wait_until(RelayHeartbeat.objects.exists, timeout=60, message="the relay's heartbeat")
    assert client.get("/health/").json()["messaging"]["relay"]["alive"] is True
    forward_one()
    wait_until(lambda: township_cases() == 1, timeout=30, message="the first case relayed")

    for round_ in (1, 2):
        assert terminate_the_relays_backends() == 2  # the relay's LISTEN and its Django connection
        forward_one()
        wait_until(
            lambda r=round_: township_cases() == 1 + r,
            timeout=60,
            message=f"a case written after termination {round_} relayed:\n{log()}",
        )
        assert relay_process.poll() is None, log()
    beat = RelayHeartbeat.objects.get()
    wait_until(
        lambda: RelayHeartbeat.objects.get().reconnects >= 2,
        timeout=30,
        message="the reconnects counted in the heartbeat",
    )
    assert RelayHeartbeat.objects.get().beat_at >= beat.beat_at
    assert "relay lost the database" in log()
