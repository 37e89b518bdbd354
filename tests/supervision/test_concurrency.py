"""Two evaluations at once, from two connections, record each warning once: the second waits on
the first's advisory lock, then its anti-join skips what the first committed."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from network.models import CaseRecord
from supervision import services as sup
from supervision.models import Warning
from tenants.models import ServiceCentre

pytestmark = pytest.mark.django_db(transaction=True, available_apps=settings.INSTALLED_APPS)


@pytest.fixture
def projection(transactional_db):
    """Projection rows only (the evaluation reads nothing else): three received cases."""
    from tenants.services import provision_network
    from tenants.spec import load_spec

    provision_network(load_spec("demo"))
    township = ServiceCentre.objects.get(division_code="420506101000")
    received = timezone.make_aware(dt.datetime(2026, 9, 29, 10))
    for n in range(1, 4):
        CaseRecord.objects.create(
            centre=township, centre_code=township.division_code, tier=township.tier, case_id=n,
            tracking_no=f"T-{n}", origin_centre=township.division_code, item_code="T-1",
            item_version_id=1, handling_type="promised", legal_limit_days=20,
            promised_limit_days=5, channel="window", state="submitted",
            effective_state="submitted", submitted_at=received, intake_on=received.date(),
            updated_at=received,
        )  # fmt: skip
    yield
    connection.set_schema_to_public()
    with connection.cursor() as cur:
        for schema in ServiceCentre.objects.values_list("schema_name", flat=True):
            cur.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def test_two_concurrent_evaluations_record_each_warning_once(projection):
    today = dt.date(2026, 11, 2)
    first_inserted, second_started = threading.Event(), threading.Event()
    results = {}

    def first():
        try:
            with transaction.atomic():
                results["first"] = sup.evaluate(today=today)
                first_inserted.set()
                second_started.wait(10)
                threading.Event().wait(0.5)  # the second is now waiting for our lock
        finally:
            first_inserted.set()
            connection.close()

    def second():
        try:
            first_inserted.wait(10)
            second_started.set()
            results["second"] = sup.evaluate(today=today)
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert results["first"].recorded == {("intake", "red"): 3}
    assert results["second"].total == 0
    assert Warning.objects.count() == 3
