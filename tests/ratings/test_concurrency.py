"""A double submit of one rating, from two connections at once, leaves one row: the second
waits on the first's lock (the chain's projection rows, the unique index) and is then refused
with ``already_rated``."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from core.errors import DomainError
from network.models import CaseRecord
from ratings import links
from ratings import services as ratings
from ratings.models import Rating, Rectification
from tenants.models import ServiceCentre

pytestmark = pytest.mark.django_db(transaction=True, available_apps=settings.INSTALLED_APPS)

NO = "420506101201-20261102-0001"


@pytest.fixture
def chain(transactional_db):
    """Projection rows only (the rating reads nothing else): village → township, decided."""
    from tenants.services import provision_network
    from tenants.spec import load_spec

    provision_network(load_spec("demo"))
    at = timezone.make_aware(dt.datetime(2026, 11, 2, 10))
    for n, code, escalated in ((1, "420506101201", at), (2, "420506101000", None)):
        centre = ServiceCentre.objects.get(division_code=code)
        CaseRecord.objects.create(
            centre=centre, centre_code=code, tier=centre.tier, case_id=n, tracking_no=NO,
            origin_centre="420506101201", item_code="T-1", item_version_id=1,
            handling_type="promised", legal_limit_days=20, promised_limit_days=5,
            channel="delegated", state="approved", effective_state="approved",
            submitted_at=at, escalated_at=escalated, decided_at=at, updated_at=at,
        )  # fmt: skip
    yield
    connection.set_schema_to_public()
    with connection.cursor() as cur:
        for schema in ServiceCentre.objects.values_list("schema_name", flat=True):
            cur.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.mark.parametrize("hop", ["420506101000", "420506101201"])  # deciding, and not
def test_a_concurrent_double_submit_gives_one_rating(chain, hop):
    token = links.make_token(NO, hop)
    first_rated, second_started = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def first():
        try:
            with transaction.atomic():
                outcome["first"] = ratings.rate_from_link(token, level=1)
                first_rated.set()
                second_started.wait(10)
                threading.Event().wait(0.5)  # the second is now waiting on our locks
        finally:
            first_rated.set()
            connection.close()

    def second():
        try:
            first_rated.wait(10)
            second_started.set()
            outcome["second"] = ratings.rate_from_link(token, level=2)
        except DomainError as error:
            outcome["second"] = error.code
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert isinstance(outcome["first"], Rating)
    assert outcome["second"] == "already_rated"
    assert list(Rating.objects.values_list("centre_code", "level")) == [(hop, 1)]
    assert Rectification.objects.count() == 1
