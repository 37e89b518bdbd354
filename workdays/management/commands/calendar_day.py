"""Show or adjust one date: ``calendar_day 2027-10-08 --working --note "调休上班"``."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.commands import domain_errors_as_command_errors
from workdays.calendar import day_info, holiday_label
from workdays.services import remove_override, set_override

SOURCES = {
    "override": gettext_lazy("本网络调整"),
    "official": gettext_lazy("官方安排"),
    "fallback": gettext_lazy("未知年份，按周一至周五推定"),
}


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(_("日期“%(value)s”无效，应为 YYYY-MM-DD。") % {"value": value}) from exc


class Command(BaseCommand):
    help = (
        "Show how a date counts; with --working or --holiday record an override (needs --note), "
        "with --remove drop it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("date", type=_date, help="YYYY-MM-DD")
        action = parser.add_mutually_exclusive_group()
        action.add_argument("--working", action="store_true", help="make it a working day")
        action.add_argument("--holiday", action="store_true", help="make it a rest day")
        action.add_argument("--remove", action="store_true", help="drop the date's override")
        parser.add_argument("--note", default="", help="why (required with --working/--holiday)")

    def handle(
        self, *args, date: dt.date, working: bool, holiday: bool, remove: bool, note: str, **options
    ) -> None:
        with domain_errors_as_command_errors():
            if working or holiday:
                set_override(date, working, note=note)
            elif remove:
                remove_override(date)
        info = day_info(date)
        kind = _("工作日") if info.is_working_day else _("休息日")
        name = holiday_label(info.name)
        if name and info.is_working_day and date.weekday() >= 5:
            name = _("%(holiday)s调休上班") % {"holiday": name}
        details = _("，").join(part for part in (name, info.note) if part)
        line = _("%(date)s %(kind)s（%(source)s）") % {
            "date": date.isoformat(),
            "kind": kind,
            "source": SOURCES[info.source],
        }
        if details:
            line += _("：%(details)s") % {"details": details}
        self.stdout.write(self.style.WARNING(line) if info.fallback else line)
