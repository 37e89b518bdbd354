"""Run the outbox relay: ``manage.py relay`` (long-running) or ``manage.py relay --drain``."""

from __future__ import annotations

from django.core.management.base import BaseCommand

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
                self.stdout.write(f"relayed {sent} message(s) via {transport.name}")
            return
        if verbosity:
            self.stdout.write(f"relay running ({transport.name} transport); Ctrl-C to stop")
        relay.run_forever(transport)
