"""Several workers at once (threads, each with its own connection): every due message is
handed to the gateway by exactly one of them, and the per-phone rate limit holds across them."""

from __future__ import annotations

import threading
import time

import pytest
from django.conf import settings
from django.db import connection

from notifications.gateways import GatewayReceipt
from notifications.models import SmsKind, SmsMessage, SmsStatus
from notifications.sending import send_due
from notifications.services import notify_applicant
from tenants.models import ServiceCentre

pytestmark = pytest.mark.django_db(transaction=True, available_apps=settings.INSTALLED_APPS)
TOWNSHIP = "420506101000"


@pytest.fixture
def centre(transactional_db):
    from tenants.services import provision_network
    from tenants.spec import load_spec

    provision_network(load_spec("demo"))
    yield ServiceCentre.objects.get(division_code=TOWNSHIP)
    connection.set_schema_to_public()
    SmsMessage.objects.all().delete()
    with connection.cursor() as cur:
        for schema in ServiceCentre.objects.values_list("schema_name", flat=True):
            cur.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


class SlowGateway:
    name = "slow"

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.got: list[str] = []

    def send(self, request):
        time.sleep(0.02)  # long enough for the others to try to claim the same row
        with self.lock:
            self.got.append(request.id)
        return GatewayReceipt(gateway_message_id=request.id)


def write(count: int, phone=lambda n: f"1390000{n:04d}") -> None:
    for n in range(count):
        notify_applicant(
            TOWNSHIP,
            SmsKind.ACCEPTED,
            tracking_no=f"{TOWNSHIP}-20261207-{n:05d}",
            phone=phone(n),
            args={"query_code": "ABCD2345"},
        )


def run_workers(gateway, workers: int = 3) -> None:
    def work():
        try:
            send_due(gateway=gateway)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)


def test_each_message_is_sent_by_one_worker_only(centre):
    write(24)
    gateway = SlowGateway()
    run_workers(gateway)
    assert sorted(gateway.got) == sorted(
        str(i) for i in SmsMessage.objects.values_list("id", flat=True)
    )
    assert len(set(gateway.got)) == len(gateway.got) == 24
    assert set(SmsMessage.objects.values_list("status", flat=True)) == {SmsStatus.SENT}


def test_the_rate_limit_holds_across_workers(centre, settings):
    settings.SMS_PER_PHONE_LIMIT = 3
    write(8, phone=lambda n: "13907171234")
    gateway = SlowGateway()
    run_workers(gateway)
    assert len(gateway.got) == 3
    statuses = list(SmsMessage.objects.values_list("status", "last_error_code"))
    assert statuses.count((SmsStatus.SENT, "")) == 3
    assert statuses.count((SmsStatus.PENDING, "rate_limited")) == 5
