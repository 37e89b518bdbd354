"""Record a year's official schedule from CSV: ``calendar_year 2027 2027.csv``."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from core.commands import domain_errors_as_command_errors
from workdays.calendar import year_summary
from workdays.services import publish_year
from workdays.yearfile import read_year_file


class Command(BaseCommand):
    help = (
        "Publish a year's working-day schedule from a CSV (date,is_working_day,note) listing only "
        "the exceptions to Mon–Fri: holidays on weekdays (0) and make-up working days at weekends "
        "(1). Replaces the year's overrides; all or nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("year", type=int)
        parser.add_argument("file", help="CSV file, UTF-8")
        parser.add_argument("--note", default="", help="e.g. the notice's number (国办发明电…)")

    def handle(self, *args, year: int, file: str, note: str, verbosity: int, **options) -> None:
        with domain_errors_as_command_errors():
            report = publish_year(year, read_year_file(file), note=note)
        if verbosity >= 1:
            summary = year_summary(year)
            self.stdout.write(self.style.SUCCESS(report.summary()))
            self.stdout.write(
                _("%(year)s 年共 %(days)s 个工作日。")
                % {"year": year, "days": summary.working_days}
            )
