"""Create the demo users on the demo network: ``seed_demo_users [--password P]``."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from accounts.demo import DEMO_PASSWORD, seed_demo_users
from core.commands import domain_errors_as_command_errors


class Command(BaseCommand):
    help = (
        "Create (or refresh) one demo user per role on the demo network, all with the same "
        "documented password. Refuses to run on a production setup unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--password", default=DEMO_PASSWORD, help="password for every demo user"
        )
        parser.add_argument(
            "--force", action="store_true", help="run even with DEBUG off on a database server"
        )

    def handle(self, *args, password: str, force: bool, verbosity: int, **options):
        if not (settings.DEBUG or getattr(settings, "EMBEDDED_DATABASE", False) or force):
            raise CommandError(
                _("演示账号的密码是公开的：生产环境中请勿创建（确需创建请加 --force）。")
            )
        with domain_errors_as_command_errors():
            seeded = seed_demo_users(password)
        if verbosity >= 1:
            for demo, created in seeded:
                state = _("新建") if created else _("已更新")
                self.stdout.write(
                    f"{state} {demo.username:<22} {demo.display_name}  {demo.role:<16} {demo.centre}"
                )
            self.stdout.write(
                self.style.SUCCESS(_("演示账号密码：%(password)s") % {"password": password})
            )
