"""Two batches for the same centre racing: a successor parked by one batch while the other is
already running must still be applied when its predecessor arrives (found by the benchmark: a
parked-message check made before taking the delegation's lock missed such successors)."""

from __future__ import annotations

import threading

import pytest
from django.conf import settings
from django.db import connection

from delegation import inbox
from delegation import services as s
from delegation.models import Case, InboxMessage
from messaging.models import OutboxMessage
from messaging.relay import drain
from messaging.transport import LocalTransport
from tenants.models import ServiceCentre
from tenants.tenancy import in_centre
from tests.delegation.conftest import AGENT, PERSON, TOWN_STAFF, TOWNSHIP, VILLAGE, make_items

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


def test_a_successor_parked_by_a_concurrent_batch_is_applied(network):
    case = s.log_request(VILLAGE, AGENT, applicant=PERSON, item_code="C-1", materials_received=ALL)
    s.forward_case(VILLAGE, AGENT, case.tracking_no)
    drain(LocalTransport())
    s.accept_case(TOWNSHIP, TOWN_STAFF, case.tracking_no)
    s.escalate_case(TOWNSHIP, TOWN_STAFF, case.tracking_no)
    first, second = [
        m.as_message()
        for m in OutboxMessage.objects.filter(kind=s.STATUS, recipient=VILLAGE).order_by("seq")
    ]
    outcome_of_second = []

    def let_the_other_batch_run_first(sender, message, **kwargs):
        if message["id"] == first["id"] and not outcome_of_second:
            # Batch 1 has begun and claimed its message; batch 2 parks the successor and
            # commits before batch 1 takes the delegation's lock.
            other = threading.Thread(
                target=lambda: (
                    outcome_of_second.extend(inbox.receive_batch([second])),
                    connection.close(),
                )
            )
            other.start()
            other.join(30)

    inbox.claimed.connect(let_the_other_batch_run_first)
    try:
        assert inbox.receive_batch([first]) == [inbox.Outcome.APPLIED]
    finally:
        inbox.claimed.disconnect(let_the_other_batch_run_first)
    assert outcome_of_second == [inbox.Outcome.PARKED]
    with in_centre(ServiceCentre.objects.get(division_code=VILLAGE)):
        assert not InboxMessage.objects.filter(applied_at__isnull=True).exists()
        assert Case.objects.get().upstream_centre == "420506"  # the second status, applied
