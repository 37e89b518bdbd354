"""Shared test fixtures. Tests run against real PostgreSQL schemas (embedded by default)."""

from __future__ import annotations

import pytest
from django.db import connection

from tests import layers
from tests.support import build_demo_network


@pytest.fixture(autouse=True, scope="session")
def _test_settings():
    """Settings for the whole run:
    - plain static storage: tests render templates without a collectstatic, not the hashed
      manifest storage core.settings uses when DEBUG is off (tests/core/test_static.py);
    - Argon2 with test-sized costs (tests/support.py), production costs checked in tests/api.
    """
    from django.conf import settings
    from django.test import override_settings

    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns without it
    with override_settings(
        STORAGES=storages, PASSWORD_HASHERS=["tests.support.FastArgon2PasswordHasher"]
    ):
        yield


@pytest.fixture(autouse=True)
def _public_schema_between_tests():
    connection.set_schema_to_public()
    yield
    connection.set_schema_to_public()


# --- Layers: data built once and shared, each test rolled back to it (tests/layers.py) --------


def pytest_collection_modifyitems(items):
    layers.arrange(items)


@pytest.fixture
def _layers(request, django_db_blocker):
    """First fixture of every test (layers.arrange): open the layer it uses, close others."""
    name = layers.wanted(request.node)
    if name is None:
        layers.layers.leave(django_db_blocker)
    else:
        request.getfixturevalue("_layers_session")
        layers.layers.enter(name, django_db_blocker)


@pytest.fixture(scope="session")
def _layers_session(django_db_setup, django_db_blocker):
    """Closes the last layer before the test database goes."""
    yield
    layers.layers.leave(django_db_blocker)


layers.register("demo", build_demo_network)


@pytest.fixture
def _layer_demo() -> bool:
    return layers.layers.provides("demo")


@pytest.fixture
def demo_network(_layer_demo, db):
    """The bundled demo network (1 city, 2 counties, 4 townships, 12 villages). Built once and
    shared (tests/layers.py); each test starts from it and its changes vanish with its
    rollback. A transactional test builds (and must drop) its own."""
    from tenants.models import ServiceCentre

    if not layers.layers.provides("demo"):
        build_demo_network()
    return {c.division_code: c for c in ServiceCentre.objects.all()}


def build_sample_dictionary() -> None:
    from catalog.services import SAMPLE_DICTIONARY, import_dictionary

    import_dictionary(SAMPLE_DICTIONARY)


layers.register("sample", build_sample_dictionary)


@pytest.fixture
def _layer_sample() -> bool:
    return layers.layers.provides("sample")


@pytest.fixture
def sample_dictionary(_layer_sample, db) -> None:
    """The bundled sample item dictionary (73 items, 16 departments), imported once for the
    tests that use it (tests/layers.py)."""
    if not layers.layers.provides("sample"):
        build_sample_dictionary()


def pytest_terminal_summary(terminalreporter):
    if layers.layers.builds:
        built = ", ".join(f"{name} ×{n}" for name, n in sorted(layers.layers.builds.items()))
        terminalreporter.write_line(f"test layers built: {built}")


@pytest.fixture
def calendar_kept(settings):
    """The working-day calendar re-checks the database for other processes' changes every
    ``WORKDAYS_REFRESH_SECONDS`` (10 by default): one more query in whichever request falls due.
    Tests that count a page's queries keep it for an hour, so the count does not depend on how
    long the test took on a loaded machine."""
    settings.WORKDAYS_REFRESH_SECONDS = 3600
