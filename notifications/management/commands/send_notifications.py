"""Send the SMS that are due: ``manage.py send_notifications [--limit N] [--loop]``.

For setups without a broker (the relay also sends them there) and for operators: what the
Celery task ``notifications.send_due`` does, once or in a loop.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from notifications.sending import send_due


class Command(BaseCommand):
    help = "Send the text messages that are due (retries with backoff, per-phone rate limit)."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=200, help="messages per pass")
        parser.add_argument("--loop", action="store_true", help="keep sending every few seconds")
        parser.add_argument("--every", type=float, default=5.0, help="seconds between passes")

    def handle(self, *args, limit: int, loop: bool, every: float, verbosity: int, **options):
        while True:
            report = send_due(limit)
            if verbosity and (report.handled or not loop):
                self.stdout.write(
                    _(
                        "短信：已发送 %(sent)d，待重试 %(retried)d，失败 %(failed)d，"
                        "限流推迟 %(deferred)d，退订未发 %(suppressed)d"
                    )
                    % {
                        "sent": report.sent,
                        "retried": report.retried,
                        "failed": report.failed,
                        "deferred": report.deferred,
                        "suppressed": report.suppressed,
                    }
                )
            if not loop:
                return
            time.sleep(every)
