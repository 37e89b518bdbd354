"""The site serves its static files itself (whitenoise), with DEBUG off as bin/run runs it."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client, override_settings


def test_static_files_are_served_with_debug_off(settings):
    settings.DEBUG = False
    settings.WHITENOISE_USE_FINDERS = True  # no collectstatic in a test: serve from the apps
    response = Client().get("/static/admin/css/base.css")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"/*")


def test_collectstatic_writes_hashed_compressed_files_when_not_debug(tmp_path):
    """What bin/run does before starting gunicorn, with the storage core.settings configures
    when DEBUG is off (the tests themselves run on plain storage: tests/conftest.py)."""
    import core.settings as configured

    if configured.DEBUG:
        pytest.skip("run with DEBUG=1: the manifest storage is what DEBUG off uses")
    backend = configured.STORAGES["staticfiles"]["BACKEND"]
    assert backend == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    with override_settings(STORAGES=configured.STORAGES, STATIC_ROOT=tmp_path):
        call_command("collectstatic", interactive=False, verbosity=0)
    assert "admin/css/base.css" in (tmp_path / "staticfiles.json").read_text()
    assert list(tmp_path.glob("admin/css/base.*.css.gz"))
