"""Shared test fixtures. Tests run against real PostgreSQL schemas (embedded by default)."""

from __future__ import annotations

import pytest
from django.db import connection

from tenants.services import provision_network
from tenants.spec import load_spec


@pytest.fixture(autouse=True, scope="session")
def _plain_static_storage():
    """Tests render templates without a collectstatic: plain static storage, not the hashed
    manifest one core.settings uses when DEBUG is off (tests/core/test_static.py covers that)."""
    from django.conf import settings
    from django.test import override_settings

    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns without it
    with override_settings(STORAGES=storages):
        yield


@pytest.fixture(autouse=True)
def _public_schema_between_tests():
    connection.set_schema_to_public()
    yield
    connection.set_schema_to_public()


@pytest.fixture
def demo_network(db):
    """The bundled demo network (1 city, 2 counties, 4 townships, 12 villages), in this test's
    transaction: schemas and rows vanish with the rollback."""
    provision_network(load_spec("demo"))
    from tenants.models import ServiceCentre

    return {c.division_code: c for c in ServiceCentre.objects.all()}
