"""Delete delivered messages past the retention period: ``manage.py purge_messages [--days N]``."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from delegation.inbox import purge_delivered


class Command(BaseCommand):
    help = (
        "Delete published outbox rows and applied inbox rows older than --days "
        "(default MESSAGES_RETENTION_DAYS). Unpublished and parked messages are never deleted."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="keep this many days (≥ 1)")

    def handle(self, *args, days: int | None, verbosity: int, **options):
        days = settings.MESSAGES_RETENTION_DAYS if days is None else days
        if days < 1:
            raise CommandError(_("--days 至少为 1：已送达的消息至少保留一天。"))
        counts = purge_delivered(days)
        if verbosity >= 1:
            self.stdout.write(
                _(
                    "已删除 %(days)s 天前送达的消息：发件箱 %(outbox)s 条，"
                    "%(centres)s 个中心的收件箱共 %(inbox)s 条。"
                )
                % {"days": days, **counts}
            )
