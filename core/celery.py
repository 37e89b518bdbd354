"""The Celery app. Tasks are tenant-aware (tenant-schemas-celery): a task published from a
centre's schema, or with an explicit ``_schema_name`` header, runs in that schema.

    celery -A core worker -Q messages,celery --concurrency 2
"""

from __future__ import annotations

import os

from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")

app = CeleryApp("network")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
