"""Export the API contract: ``export_schema_sdl`` writes graphql/network.graphql and
graphql/centre.graphql; ``--check`` only says whether they are up to date (exit 1 if not)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from graphql_api import sdl


class Command(BaseCommand):
    help = "Write each GraphQL endpoint's schema (SDL) to graphql/, or --check it is current."

    def add_arguments(self, parser):
        parser.add_argument(
            "--check", action="store_true", help="change nothing; exit 1 if a file is stale"
        )

    def handle(self, *args, check: bool, verbosity: int, **options):
        if check:
            stale = sdl.drifted()
            if stale:
                raise CommandError(
                    _(
                        "接口契约与代码不一致：%(files)s。请运行 python manage.py export_schema_sdl。"
                    )
                    % {"files": ", ".join(stale)},
                    returncode=1,
                )
            if verbosity >= 1:
                self.stdout.write(self.style.SUCCESS(_("接口契约与代码一致。")))
            return
        for path in sdl.export():
            if verbosity >= 1:
                self.stdout.write(
                    _("已写入 %(path)s") % {"path": path.relative_to(sdl.CONTRACT_DIR.parent)}
                )
