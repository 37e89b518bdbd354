"""Export the item dictionary: ``export_dictionary FILE.csv|FILE.xlsx [--active-only]``."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from catalog.services import export_dictionary
from core.commands import domain_errors_as_command_errors


class Command(BaseCommand):
    help = (
        "Write the common item dictionary (current versions) to a CSV or XLSX file with the "
        "import columns, so the file can be edited and imported back."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="target .csv or .xlsx file")
        parser.add_argument("--active-only", action="store_true", help="leave out retired items")

    def handle(self, *args, file: str, active_only: bool, verbosity: int, **options):
        with domain_errors_as_command_errors():
            count = export_dictionary(file, include_retired=not active_only)
        if verbosity >= 1:
            self.stdout.write(
                self.style.SUCCESS(
                    _("已导出 %(count)s 个事项到 %(file)s。") % {"count": count, "file": file}
                )
            )
