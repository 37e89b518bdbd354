"""How the relay hands a committed outbox message to its receiver.

* ``CeleryTransport`` (production and CI): a Celery task on RabbitMQ, published with publisher
  confirms, task id = message id. The worker (acks late, requeue if the worker dies) calls the
  receiver; a redelivery is harmless because receivers dedupe by message id.
* ``LocalTransport`` (the embedded default, no broker): the relay calls the receiver itself, in
  a savepoint of its own batch transaction. Messages are still durable (the outbox is in
  PostgreSQL) and still applied once; they are just not spread over workers.

``CELERY_BROKER_URL`` chooses: set → Celery, empty → local.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from messaging import dispatch


class TransportError(Exception):
    """The message could not be handed over; it stays in the outbox for the next attempt."""


class LocalTransport:
    name = "local"

    def send(self, message: dict) -> None:
        try:
            with transaction.atomic():
                dispatch.deliver(message)
        except Exception as exc:  # the receiver failed: keep the message, record why
            raise TransportError(f"{type(exc).__name__}: {exc}") from exc


class CeleryTransport:
    name = "celery"

    def __init__(self) -> None:
        from core.celery import app

        self.app = app
        self._schemas: dict[str, str | None] = {}  # a centre's schema name never changes

    def _schema(self, code: str) -> str | None:
        from tenants.models import ServiceCentre

        if code not in self._schemas:
            self._schemas[code] = (
                ServiceCentre.objects.filter(division_code=code)
                .values_list("schema_name", flat=True)
                .first()
            )
        return self._schemas[code]

    def send(self, message: dict) -> None:
        schema = self._schema(message["recipient"])
        try:
            self.app.send_task(
                "messaging.deliver",
                args=[message],
                task_id=message["id"],
                queue=settings.MESSAGES_QUEUE,
                # tenant-schemas-celery switches the worker's connection to this schema.
                headers={"_schema_name": schema} if schema else None,
                retry=False,
            )
        except Exception as exc:  # broker unreachable, connection reset, no confirm
            raise TransportError(f"{type(exc).__name__}: {exc}") from exc


def default_transport():
    return CeleryTransport() if settings.CELERY_BROKER_URL else LocalTransport()
