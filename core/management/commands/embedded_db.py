"""Inspect or stop the embedded PostgreSQL: ``manage.py embedded_db status|stop``."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core import embedded


class Command(BaseCommand):
    help = "Show where the embedded PostgreSQL runs, or stop it."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["status", "stop"])

    def handle(self, *args, action: str, **options):
        if not settings.EMBEDDED_DATABASE:
            raise CommandError(
                "DATABASE_URL is set: this project is not using the embedded PostgreSQL."
            )
        if action == "stop":
            from django.db import connections

            connections.close_all()
            stopped = embedded.stop(settings.VAR_DIR)
            self.stdout.write("stopped" if stopped else "not running")
        else:
            db = settings.DATABASES["default"]
            self.stdout.write(
                f"running: database {db['NAME']} on socket {db['HOST']} (data in {settings.VAR_DIR / 'pgdata'})"
            )
