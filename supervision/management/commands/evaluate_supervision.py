"""Evaluate every open case of the network against the supervision scheme (电子监察).

    manage.py evaluate_supervision [--today YYYY-MM-DD]

The same as the hourly Celery beat tasks ``supervision.evaluate`` and
``ratings.warn_rectifications`` (差评整改 turning yellow or red tell the rated desk); running it
again records and tells nothing twice.
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext

from core.commands import domain_errors_as_command_errors
from ratings.services import notify_warnings
from supervision import services
from supervision.models import Level, Step


class Command(BaseCommand):
    help = "Evaluate every open case against the supervision scheme and record new warnings."

    def add_arguments(self, parser):
        parser.add_argument("--today", help="evaluate as of this day (default: today)")

    def handle(self, *args, today=None, **options):
        try:
            day = dt.date.fromisoformat(today) if today else None
        except ValueError as exc:
            raise CommandError(gettext("日期格式应为 YYYY-MM-DD。")) from exc
        with domain_errors_as_command_errors():
            result = services.evaluate(today=day)
        self.stdout.write(
            gettext("监察方案 v%(version)d，%(day)s：新增预警 %(total)d 条。")
            % {"version": result.scheme_version, "day": result.today, "total": result.total}
        )
        for (step, level), count in sorted(result.recorded.items()):
            self.stdout.write(f"  {Step(step).label} {Level(level).label}: {count}")
        told = notify_warnings(today=day)
        self.stdout.write(gettext("差评整改预警通知：%(count)d 条。") % {"count": told})
