"""The Celery app. Tasks are tenant-aware (tenant-schemas-celery): a task published from a
centre's schema, or with an explicit ``_schema_name`` header, runs in that schema.

    celery -A core worker -Q messages,celery --concurrency 2
"""

from __future__ import annotations

import os

from celery.signals import task_prerun
from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")

app = CeleryApp("network")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
def _connections_like_a_request(**_kwargs) -> None:
    """Before each task, what Django does before each request: close connections that are too
    old (CONN_MAX_AGE) or broken, keep the rest (CELERY_DB_REUSE_MAX stops Celery closing them)."""
    from django.db import close_old_connections

    close_old_connections()
