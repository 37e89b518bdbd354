"""The WSGI module gunicorn loads is ready to answer when its worker starts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def test_a_worker_loads_the_urlconfs_and_the_schemas_before_the_first_request():
    """Importing ``core.wsgi`` imports both URLconfs and builds the GraphQL schemas (with the
    error-code scan), which the first request of every new worker used to pay for."""
    probe = (
        "import sys\n"
        "import core.wsgi\n"
        "from core.error_codes import error_codes\n"
        "loaded = [m in sys.modules for m in ('core.urls', 'core.urls_centre', 'core.schema')]\n"
        "print(loaded, error_codes.cache_info().currsize)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["[True,", "True,", "True]", "1"]
