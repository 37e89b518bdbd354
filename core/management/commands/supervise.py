"""Run and watch the relay, the Celery worker and the web server: ``manage.py supervise``.

``bin/run`` calls it once the database is ready; see core/supervisor.py for the policy (a child
that exits stops everything, with a plain message and a non-zero exit).
"""

from __future__ import annotations

import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from core import supervisor


class Command(BaseCommand):
    help = "Start the relay, the Celery worker (with CELERY_BROKER_URL) and the web server, and stop them all if one dies."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--web-workers", type=int, default=2)
        parser.add_argument("--log-dir", help="where the children's logs go (var/log)")

    def handle(self, *args, port: int, web_workers: int, log_dir: str | None, **options):
        children = supervisor.network_children(
            python=sys.executable,
            port=port,
            log_dir=Path(log_dir) if log_dir else settings.VAR_DIR / "log",
            broker_url=settings.CELERY_BROKER_URL,
            messages_queue=settings.MESSAGES_QUEUE,
            default_queue=settings.CELERY_TASK_DEFAULT_QUEUE,
            var_dir=settings.VAR_DIR,
            web_workers=web_workers,
            consumer=settings.MESSAGES_CONSUMER,
        )
        code = supervisor.supervise(children, sys.stderr)
        if code:
            sys.exit(code)
