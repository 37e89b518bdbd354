"""Fixtures for the assessment: a clock the services read, the demo network, a May of cases."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.utils import timezone

from core.roles import Actor, Role
from tests import layers

CITY = "420500"


class Clock:
    """``django.utils.timezone.now`` under the test's control (local Asia/Shanghai times)."""

    def __init__(self) -> None:
        self.now = timezone.make_aware(dt.datetime(2025, 12, 31, 9, 0))

    def set(self, text: str) -> None:
        self.now = timezone.make_aware(dt.datetime.fromisoformat(text))

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock():
    clock = Clock()
    with mock.patch("django.utils.timezone.now", clock):
        yield clock


def build_network() -> None:
    """The demo network and the scenario's items, as on 2025-12-31 09:00 (the clock's start)."""
    from tenants.services import provision_network
    from tenants.spec import load_spec
    from tests.assessment.scenario import make_items

    with mock.patch("django.utils.timezone.now", Clock()):
        provision_network(load_spec("demo"))
        make_items()


layers.register("assessment", build_network)


@pytest.fixture
def _layer_assessment() -> bool:
    return layers.layers.provides("assessment")


@pytest.fixture
def network(_layer_assessment, db, clock):
    """The demo network, provisioned (and its status history begun) on 2025-12-31; built once
    for the tests that use it (tests/layers.py)."""
    from tenants.models import ServiceCentre

    if not layers.layers.provides("assessment"):
        build_network()
    return {c.division_code: c for c in ServiceCentre.objects.all()}


@pytest.fixture
def assessor() -> Actor:
    return Actor(name="考核员甲", role=Role.ASSESSOR, centre=CITY)


@pytest.fixture
def may(network, clock):
    """The cases of May 2026 (tests/assessment/scenario.py), the clock left at 2026-06-15."""
    from tests.assessment.scenario import build_may

    cases = build_may(clock, network)
    clock.set("2026-06-15 09:00")
    return cases


@pytest.fixture(scope="module")
def may_module(django_db_setup, django_db_blocker):
    """The May network built once for a module (rolled back at its end): tests that only read
    it share it, each in its own savepoint."""
    from django.db import connection, transaction

    from tenants.models import ServiceCentre
    from tenants.services import provision_network
    from tenants.spec import load_spec
    from tests.assessment.scenario import build_may, make_items

    clock = Clock()
    with django_db_blocker.unblock(), mock.patch("django.utils.timezone.now", clock):
        with transaction.atomic():
            provision_network(load_spec("demo"))
            make_items()
            network = {c.division_code: c for c in ServiceCentre.objects.all()}
            cases = build_may(clock, network)
            connection.set_schema_to_public()
            clock.set("2026-06-15 09:00")
            yield {"clock": clock, "network": network, "cases": cases}
            transaction.set_rollback(True)
