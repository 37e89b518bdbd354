"""Give a red card (红牌) to every supervision order (督办) past its deadline without an outcome.

    manage.py issue_red_cards [--today YYYY-MM-DD]

The same as the hourly Celery beat task ``supervision.red_cards``; one statement, and running it
again records nothing twice.
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext

from supervision.orders import issue_red_cards


class Command(BaseCommand):
    help = "Record a red card for every supervision order past its deadline without an outcome."

    def add_arguments(self, parser):
        parser.add_argument("--today", help="as of this day (default: today)")

    def handle(self, *args, today=None, **options):
        try:
            day = dt.date.fromisoformat(today) if today else timezone.localdate()
        except ValueError as exc:
            raise CommandError(gettext("日期格式应为 YYYY-MM-DD。")) from exc
        total = issue_red_cards(today=day)
        self.stdout.write(
            gettext("%(day)s：新增红牌 %(total)d 张。") % {"day": day, "total": total}
        )
