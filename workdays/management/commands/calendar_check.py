"""How many working days a year has and where its schedule comes from: ``calendar_check 2026``.

``calendar_check 2026 --csv`` prints the year's exceptions to Mon–Fri in the format
``calendar_year`` reads: a template for the next year's file, or a way to pin a known year.
"""

from __future__ import annotations

import csv
import io

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.commands import domain_errors_as_command_errors
from workdays.calendar import package_years, year_exceptions, year_summary
from workdays.services import validate_year

SOURCES = {
    "package": gettext_lazy("官方安排（chinesecalendar 软件包）"),
    "published": gettext_lazy("本网络记录的年度安排"),
    "fallback": gettext_lazy("未知年份：按周一至周五推定，期限将被标记"),
}


class Command(BaseCommand):
    help = (
        "Print a year's number of working days and the source of its schedule; with --csv, its "
        "exceptions to Mon–Fri as a calendar_year file."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("year", type=int)
        parser.add_argument(
            "--csv",
            action="store_true",
            dest="as_csv",
            help="print the year's exceptions to Mon–Fri in the calendar_year CSV format instead",
        )

    def handle(self, *args, year: int, as_csv: bool, **options) -> None:
        with domain_errors_as_command_errors():
            validate_year(year)
        if as_csv:
            self._write_csv(year)
            return
        summary = year_summary(year)
        known = package_years()
        lines = [
            _("%(year)s 年：%(days)s 个工作日") % {"year": year, "days": summary.working_days},
            _("来源：%(source)s") % {"source": SOURCES[summary.source]},
            _("本网络调整：%(days)s 天") % {"days": summary.overrides},
        ]
        if summary.fallback_days:
            lines.append(_("推定的日期：%(days)s 天") % {"days": summary.fallback_days})
        if summary.differs_from_package:
            dates = "、".join(d.isoformat() for d in summary.differs_from_package)
            lines.append(_("与软件包不同的日期：%(dates)s") % {"dates": dates})
        lines.append(
            _("软件包已知年份：%(first)s–%(last)s") % {"first": known.start, "last": known.stop - 1}
            if known
            else _("软件包无数据")
        )
        style = self.style.WARNING if summary.source == "fallback" else self.style.SUCCESS
        self.stdout.write(style(lines[0]))
        for line in lines[1:]:
            self.stdout.write(line)

    def _write_csv(self, year: int) -> None:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["date", "is_working_day", "note"])
        for info in year_exceptions(year):
            note = info.note or (info.name + ("调休上班" if info.is_working_day else ""))
            writer.writerow([info.date.isoformat(), int(info.is_working_day), note])
        self.stdout.write(buffer.getvalue(), ending="")
