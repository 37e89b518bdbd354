"""超时默认: ``manage.py accept_lapsed_intakes [--today YYYY-MM-DD]``."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from delegation.services import INTAKE_WINDOW_WORKING_DAYS, accept_lapsed_intakes


class Command(BaseCommand):
    help = (
        "Accept, from their intake day, the received cases that nobody accepted, refused or "
        "notified within the intake window (5 working days, 行政许可法 art. 32). Idempotent; "
        "the beat schedule runs it every hour."
    )

    def add_arguments(self, parser):
        parser.add_argument("--today", default=None, help="count as if today were this date")

    def handle(self, *args, today: str | None, verbosity: int, **options):
        try:
            day = dt.date.fromisoformat(today) if today else None
        except ValueError as exc:
            raise CommandError(
                _("日期“%(value)s”无效，应为 YYYY-MM-DD。") % {"value": today}
            ) from exc
        accepted = accept_lapsed_intakes(today=day)
        if verbosity >= 1:
            self.stdout.write(
                _("%(count)d 件办件超过 %(days)d 个工作日未受理、未告知，已依法视为受理。")
                % {"count": accepted, "days": INTAKE_WINDOW_WORKING_DAYS}
            )
