"""How the relay hands committed outbox messages to their receiver.

* ``CeleryTransport`` (production and CI): Celery tasks on RabbitMQ, published with publisher
  confirms. The relay groups the messages of one pass by recipient and publishes each group as
  one ``messaging.deliver_batch`` task, routed to the recipient's schema; the worker (acks late,
  requeue if the worker dies) applies the group in one transaction. A redelivery is harmless
  because receivers dedupe by message id. ``send`` publishes a single ``messaging.deliver``.
* ``LocalTransport`` (the embedded default, no broker): the relay calls the receiver itself, in
  a savepoint of its own batch transaction. Messages are still durable (the outbox is in
  PostgreSQL) and still applied once; they are just not spread over workers.

``CELERY_BROKER_URL`` chooses: set → Celery, empty → local.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from django.conf import settings
from django.db import transaction

from messaging import dispatch


class TransportError(Exception):
    """The message could not be handed over; it stays in the outbox for the next attempt."""

    def __init__(self, text: str, failed: Sequence[str] = ()) -> None:
        super().__init__(text)
        #: Ids of the messages that were not handed over (all of them when empty).
        self.failed = list(failed)


class LocalTransport:
    name = "local"

    def send(self, message: dict) -> None:
        try:
            with transaction.atomic():
                dispatch.deliver(message)
        except Exception as exc:  # the receiver failed: keep the message, record why
            raise TransportError(f"{type(exc).__name__}: {exc}") from exc

    def send_batch(self, messages: Sequence[dict]) -> None:
        """Apply the batch in one savepoint; if any message fails, apply them one by one and
        report the ones that still fail (they stay in the outbox)."""
        try:
            with transaction.atomic():
                dispatch.deliver_batch(messages)
            return
        except Exception:
            pass
        failed, last = [], None
        for message in messages:
            try:
                self.send(message)
            except TransportError as exc:
                failed.append(message["id"])
                last = exc
        if failed:
            raise TransportError(str(last), failed)


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

    def _publish(self, task: str, args: list, task_id: str, recipient: str) -> None:
        schema = self._schema(recipient)
        try:
            self.app.send_task(
                task,
                args=args,
                task_id=task_id,
                queue=settings.MESSAGES_QUEUE,
                # tenant-schemas-celery switches the worker's connection to this schema.
                headers={"_schema_name": schema} if schema else None,
                retry=False,
            )
        except Exception as exc:  # broker unreachable, connection reset, no confirm
            raise TransportError(f"{type(exc).__name__}: {exc}") from exc

    def send(self, message: dict) -> None:
        self._publish("messaging.deliver", [message], message["id"], message["recipient"])

    def send_batch(self, messages: Sequence[dict]) -> None:
        if len(messages) == 1:
            return self.send(messages[0])
        self._publish(
            "messaging.deliver_batch", [list(messages)], str(uuid.uuid4()), messages[0]["recipient"]
        )


def default_transport():
    return CeleryTransport() if settings.CELERY_BROKER_URL else LocalTransport()
