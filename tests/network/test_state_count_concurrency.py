"""Two transactions moving cases of one centre through states in opposite orders never deadlock
on the centre's counters (network_statecount), and the counts stay exact."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from network.models import CaseRecord
from network.state_counts import state_counts
from tenants.models import ServiceCentre

pytestmark = pytest.mark.django_db(transaction=True, available_apps=settings.INSTALLED_APPS)


@pytest.fixture
def township(transactional_db):
    from tenants.services import provision_network
    from tenants.spec import load_spec

    provision_network(load_spec("demo"))
    centre = ServiceCentre.objects.get(division_code="420506101000")
    received = timezone.make_aware(dt.datetime(2026, 9, 29, 10))
    for n, state in enumerate(["submitted", "accepted", "in_review", "approved"], start=1):
        CaseRecord.objects.create(
            centre=centre, centre_code=centre.division_code, tier=centre.tier, case_id=n,
            tracking_no=f"T-{n}", origin_centre=centre.division_code, item_code="T-1",
            item_version_id=1, handling_type="promised", legal_limit_days=20,
            promised_limit_days=5, channel="window", state=state, effective_state=state,
            submitted_at=received, updated_at=received,
        )  # fmt: skip
    yield centre
    connection.set_schema_to_public()
    with connection.cursor() as cur:
        for schema in ServiceCentre.objects.values_list("schema_name", flat=True):
            cur.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def move(case_id: int, state: str) -> None:
    CaseRecord.objects.filter(case_id=case_id).update(state=state)


def test_opposite_orders_do_not_deadlock(township):
    """Without a per-centre lock: the first holds submitted/accepted, the second in_review/
    approved, then each wants a row the other holds: PostgreSQL aborts one as a deadlock."""
    first_moved, second_moved = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def first():
        try:
            with transaction.atomic():
                move(1, "accepted")  # submitted −1, accepted +1
                first_moved.set()
                second_moved.wait(1.5)  # with the lock, the second cannot move meanwhile
                move(3, "approved")  # in_review −1, approved +1
        except BaseException as exc:
            errors.append(exc)
        finally:
            first_moved.set()
            connection.close()

    def second():
        try:
            first_moved.wait(10)
            with transaction.atomic():
                move(4, "in_review")  # approved −1, in_review +1
                second_moved.set()
                move(2, "submitted")  # accepted −1, submitted +1
        except BaseException as exc:
            errors.append(exc)
        finally:
            second_moved.set()
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    counted = state_counts(township.id)
    actual = {}
    for state in CaseRecord.objects.values_list("state", flat=True):
        actual[state] = actual.get(state, 0) + 1
    assert counted == actual == {"submitted": 1, "accepted": 1, "in_review": 1, "approved": 1}
