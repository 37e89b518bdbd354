"""Rebuild the read-side projections from the centres' own schemas.

    manage.py rebuild_projections [--centre CODE ...]

Recomputes ``network.CaseRecord`` from every centre's cases (``network.projection.rebuild``,
one centre at a time, with a progress bar), then the assessment's activity buckets from the
projection in one statement (their trigger is deferred meanwhile). A repair tool: the projections are otherwise kept in step in the
same transaction as every case change.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from core.commands import progress_bar
from network import projection
from tenants.models import ServiceCentre


class Command(BaseCommand):
    help = "Rebuild network.CaseRecord (and the assessment buckets) from the centres' schemas."

    def add_arguments(self, parser):
        parser.add_argument(
            "--centre", action="append", dest="centres", help="only this centre (repeatable)"
        )

    def handle(self, *args, **options):
        centres = ServiceCentre.objects.order_by("division_code")
        if options["centres"]:
            centres = centres.filter(division_code__in=options["centres"])
            missing = set(options["centres"]) - set(centres.values_list("division_code", flat=True))
            if missing:
                raise CommandError(
                    _("没有这些中心：%(codes)s") % {"codes": "、".join(sorted(missing))}
                )
        centres = list(centres)
        started = time.perf_counter()
        progress, task = progress_bar(
            _("重建办件投影"), len(centres), enabled=options["verbosity"] > 0
        )
        with progress, self._deferred():
            rows = projection.rebuild(
                centres, progress=lambda done, total: progress.update(task, completed=done)
            )
        buckets = self._rebuild_buckets(None if not options["centres"] else [c.id for c in centres])
        self.stdout.write(
            _("已重建 %(centres)s 个中心的 %(rows)s 条办件投影")
            % {"centres": len(centres), "rows": rows}
            + (_("、%(buckets)s 条考核统计") % {"buckets": buckets} if buckets is not None else "")
            + _("（%(seconds).1f 秒）。") % {"seconds": time.perf_counter() - started}
        )

    @staticmethod
    def _deferred():
        """The assessment's buckets are rebuilt in one statement afterwards, not row by row."""
        from contextlib import nullcontext

        from django.apps import apps

        if not apps.is_installed("assessment"):
            return nullcontext()
        from assessment.activity import deferred_activity

        return deferred_activity()

    @staticmethod
    def _rebuild_buckets(centre_ids):
        from django.apps import apps

        if not apps.is_installed("assessment"):
            return None
        from assessment.activity import rebuild_activity

        return rebuild_activity(centre_ids)
