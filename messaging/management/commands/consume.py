"""Apply the message queue with a plain kombu consumer: ``manage.py consume`` (messaging.stream)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from messaging import stream


class Command(BaseCommand):
    help = "Apply the messages on MESSAGES_QUEUE (RabbitMQ) without a Celery task per batch."

    def add_arguments(self, parser):
        parser.add_argument(
            "--prefetch", type=int, default=64, help="broker messages held at once (default 64)"
        )

    def handle(self, *args, prefetch: int, **options):
        if not settings.CELERY_BROKER_URL:
            raise CommandError(_("没有配置消息代理（CELERY_BROKER_URL），无需消费者。"))
        if prefetch < 1:
            raise CommandError(_("--prefetch 至少为 1。"))
        stream.run(prefetch=prefetch)
