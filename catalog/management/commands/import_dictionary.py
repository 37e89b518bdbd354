"""Import the item dictionary: ``import_dictionary FILE.csv|FILE.xlsx|sample``."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from catalog.services import import_dictionary
from core.commands import domain_errors_as_command_errors


class Command(BaseCommand):
    help = (
        "Bring the common item dictionary in line with a CSV or XLSX file (or the bundled "
        "`sample`). Every row is checked first; any problem and nothing is imported."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="a .csv or .xlsx file, or `sample` for the bundled sample")

    def handle(self, *args, file: str, verbosity: int, **options):
        with domain_errors_as_command_errors():
            report = import_dictionary(file)
        if verbosity >= 1:
            self.stdout.write(self.style.SUCCESS(report.summary()))
        if verbosity >= 2:
            for label, codes in (
                (_("新增"), report.created),
                (_("调整"), report.adjusted),
                (_("取消"), report.retired),
                (_("恢复"), report.reinstated),
            ):
                if codes:
                    self.stdout.write(
                        _("%(label)s：%(codes)s") % {"label": label, "codes": "、".join(codes)}
                    )
