"""Recompute the promised dates of open cases by the calendar as it is now:
``manage.py recompute_deadlines [--since YYYY-MM-DD]``."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from delegation.services import recompute_deadlines


class Command(BaseCommand):
    help = (
        "Recompute the promised date of every open case in every centre (with --since: those "
        "due on or after that date) and clear the calendar flag where the calendar now knows "
        "the days. Recording a calendar day or year does this by itself; run it after an "
        "upgrade of the calendar package, or to repair. Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument("--since", default=None, help="only cases due on or after this date")

    def handle(self, *args, since: str | None, verbosity: int, **options):
        try:
            day = dt.date.fromisoformat(since) if since else None
        except ValueError as exc:
            raise CommandError(
                _("日期“%(value)s”无效，应为 YYYY-MM-DD。") % {"value": since}
            ) from exc
        repair = recompute_deadlines(since=day)
        if verbosity >= 1:
            self.stdout.write(
                _("已检查 %(centres)d 个中心的 %(checked)d 件在办办件，调整 %(changed)d 件。")
                % {"centres": repair.centres, "checked": repair.checked, "changed": repair.changed}
            )
