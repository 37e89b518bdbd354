"""Inspect or stop the embedded PostgreSQL: ``manage.py embedded_db status|stop``."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from core import embedded


class Command(BaseCommand):
    help = "Show where the embedded PostgreSQL runs, or stop it."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["status", "stop"])

    def handle(self, *args, action: str, **options):
        if not settings.EMBEDDED_DATABASE:
            raise CommandError(_("已设置 DATABASE_URL：本项目没有使用内置 PostgreSQL。"))
        if action == "stop":
            from django.db import connections

            connections.close_all()
            stopped = embedded.stop(settings.VAR_DIR)
            self.stdout.write(_("已停止") if stopped else _("未在运行"))
            return
        # Only looks (manage.py does not let the settings start the server for this command).
        info = embedded.running(settings.VAR_DIR)
        if info is None:
            self.stdout.write(
                _("未在运行（数据目录 %(data)s）") % {"data": settings.VAR_DIR / "pgdata"}
            )
            return
        self.stdout.write(
            _("运行中：数据库 %(name)s，套接字 %(host)s（数据目录 %(data)s）")
            % {
                "name": settings.DATABASES["default"]["NAME"],
                "host": info.socket_dir,
                "data": settings.VAR_DIR / "pgdata",
            }
        )
