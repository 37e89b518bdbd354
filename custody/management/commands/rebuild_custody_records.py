"""Rebuild the custody projection (papers held, hand-over discrepancies) from the centres'
schemas.

    manage.py rebuild_custody_records [--centre CODE ...]

A repair tool, like ``rebuild_projections``: the projection is otherwise written in the same
transaction as every hand-over (``custody.records.projection``).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from core.commands import progress_bar
from custody.records import projection
from tenants.models import ServiceCentre


class Command(BaseCommand):
    help = "Rebuild the custody projection from the centres' schemas."

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
        progress, task = progress_bar(
            _("重建材料交接投影"), len(centres), enabled=options["verbosity"] > 0
        )
        with progress:
            papers, discrepancies = projection.rebuild(
                centres, progress=lambda done, total: progress.update(task, completed=done)
            )
        self.stdout.write(
            _(
                "已重建 %(centres)s 个中心的 %(papers)s 条材料保管投影、%(discrepancies)s 条交接差异。"
            )
            % {"centres": len(centres), "papers": papers, "discrepancies": discrepancies}
        )
