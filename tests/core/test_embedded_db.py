"""``manage.py embedded_db status`` reports on the embedded PostgreSQL without starting it."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation

from core import embedded
from tests.support import ROOT


def embedded_db(action: str, var_dir) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY")}
    env.update(NETWORK_VAR_DIR=str(var_dir), LANGUAGE_CODE="zh-hans", PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "manage.py", "embedded_db", action],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_status_of_a_stopped_database_does_not_start_it(tmp_path):
    try:
        result = embedded_db("status", tmp_path)
        assert result.returncode == 0, result.stderr
        assert "未在运行" in result.stdout
        assert not (tmp_path / "pgdata").exists()  # not even initialised
        assert embedded.stop(tmp_path) is False  # nor does stop start it first
        assert not (tmp_path / "pgdata").exists()
    finally:
        if (tmp_path / "pgdata" / "postmaster.pid").exists():  # what it did before the fix
            embedded.stop(tmp_path)


@pytest.mark.skipif(not settings.EMBEDDED_DATABASE, reason="the suite runs on DATABASE_URL")
def test_status_of_the_running_database_names_its_socket():
    info = embedded.running(settings.VAR_DIR)
    assert info is not None  # the suite's own database
    out = io.StringIO()
    with translation.override("zh-hans"):
        call_command("embedded_db", "status", stdout=out)
    assert "运行中" in out.getvalue() and str(info.socket_dir) in out.getvalue()
