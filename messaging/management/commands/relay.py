"""Run the outbox relay: ``manage.py relay`` (long-running) or ``manage.py relay --drain``."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from messaging import relay
from messaging.transport import default_transport


class Command(BaseCommand):
    help = "Publish committed outbox messages (RabbitMQ via Celery if CELERY_BROKER_URL is set, else in-process)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--drain", action="store_true", help="relay until the outbox is empty, then exit"
        )

    def handle(self, *args, drain: bool, verbosity: int, **options):
        transport = default_transport()
        if drain:
            sent = relay.drain(transport)
            if verbosity:
                self.stdout.write(
                    _("已转发 %(sent)s 条消息（%(transport)s 传输）")
                    % {"sent": sent, "transport": transport.name}
                )
            return
        if verbosity:
            self.stdout.write(
                _("转发器运行中（%(transport)s 传输），按 Ctrl-C 停止")
                % {"transport": transport.name}
            )
        relay.run_forever(transport)
