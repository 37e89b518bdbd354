"""Build or extend the network from a spec file: ``provision_network demo|prefecture|FILE``."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from core.commands import domain_errors_as_command_errors, progress_bar
from tenants.services import provision_network
from tenants.spec import load_spec


class Command(BaseCommand):
    help = (
        "Provision centres from a CSV or YAML spec (or the bundled `demo` / `prefecture`). "
        "Idempotent and resumable: centres that exist are skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("spec", help="spec file path, or a bundled spec name: demo, prefecture")

    def handle(self, *args, spec: str, verbosity: int, **options):
        with domain_errors_as_command_errors():
            specs = load_spec(spec)
            progress, task = progress_bar(_("开通服务中心"), len(specs), enabled=verbosity >= 1)
            started = time.monotonic()
            with progress:
                report = provision_network(
                    specs,
                    progress=lambda index, total, _spec: progress.update(task, completed=index),
                )
        elapsed = time.monotonic() - started
        if verbosity >= 1:
            per = 1000 * elapsed / len(report.created) if report.created else 0
            self.stdout.write(
                self.style.SUCCESS(report.summary())
                + _("（%(seconds).1f 秒，每个新建中心 %(ms).1f 毫秒）")
                % {"seconds": elapsed, "ms": per}
            )
