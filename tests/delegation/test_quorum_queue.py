"""The messages queue as a RabbitMQ quorum queue (MESSAGES_QUEUE_TYPE), on the real broker."""

from __future__ import annotations

import subprocess
import sys
import uuid

import pytest

from tests.support import ROOT, require_broker


def _setting_in_a_fresh_process(**env) -> str:
    import os

    clean = {
        k: v for k, v in os.environ.items() if k not in ("CELERY_BROKER_URL", "MESSAGES_QUEUE_TYPE")
    }
    out = subprocess.run(
        [sys.executable, "-c", "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'core.settings'); "
         "from django.conf import settings; "
         "print(settings.MESSAGES_QUEUE_TYPE, settings.CELERY_TASK_CREATE_MISSING_QUEUE_TYPE)"],
        cwd=ROOT, env={**clean, "PYTHONPATH": str(ROOT), **env}, capture_output=True, text=True,
        timeout=60, check=True,
    )  # fmt: skip
    return out.stdout.strip()


def test_worker_processes_of_a_test_declare_the_queue_as_the_test_does(db, settings):
    from tests.support import env_for_subprocess

    assert env_for_subprocess()["MESSAGES_QUEUE_TYPE"] == settings.MESSAGES_QUEUE_TYPE


def test_quorum_is_the_default_when_a_broker_is_configured():
    assert _setting_in_a_fresh_process(CELERY_BROKER_URL="amqp://x@127.0.0.1//") == "quorum quorum"
    assert _setting_in_a_fresh_process() == "classic classic"
    assert (
        _setting_in_a_fresh_process(CELERY_BROKER_URL="amqp://x@127.0.0.1//", MESSAGES_QUEUE_TYPE="classic")
        == "classic classic"
    )  # fmt: skip


@pytest.mark.rabbitmq
def test_a_message_travels_through_a_private_quorum_queue(db, settings, monkeypatch):
    from kombu import Connection, Queue

    from core.celery import app
    from messaging.transport import CeleryTransport

    url = require_broker()
    # The setting reaches Celery: the queue it declares on first use has that type.
    assert app.conf.task_create_missing_queue_type == settings.MESSAGES_QUEUE_TYPE
    name = f"scale-quorum-{uuid.uuid4().hex[:10]}"
    settings.CELERY_BROKER_URL, settings.MESSAGES_QUEUE = url, name
    monkeypatch.setattr(app.conf, "broker_url", url)
    # What MESSAGES_QUEUE_TYPE=quorum configures (the test process started without a broker).
    monkeypatch.setattr(app.amqp.queues, "create_missing_queue_type", "quorum")
    assert app.conf.broker_transport_options.get("confirm_publish") is True
    message = {"id": str(uuid.uuid4()), "kind": "ping", "recipient": "420506101201"}
    try:
        CeleryTransport().send(message)  # declares the queue, publishes, waits for the confirm
        with Connection(url) as conn:
            channel = conn.channel()
            # Its type is quorum: declaring it as a classic queue is refused (406).
            with pytest.raises(Exception, match=r"PRECONDITION_FAILED|inequivalent"):
                Queue(name, durable=True, queue_arguments={"x-queue-type": "classic"})(
                    channel
                ).declare()
        with Connection(url) as conn:
            raw = conn.channel().basic_get(name, no_ack=True)
            assert raw is not None
            assert message["id"] in (
                raw.body.decode() if isinstance(raw.body, bytes) else str(raw.body)
            )
            assert raw.headers["id"] == message["id"]
        # A queue of the other type under the same name cannot be had: hence a new name.
        monkeypatch.setattr(app.amqp.queues, "create_missing_queue_type", "classic")
        classic = f"{name}-classic"
        settings.MESSAGES_QUEUE = classic
        CeleryTransport().send(message)
        with (
            Connection(url) as conn,
            pytest.raises(Exception, match=r"PRECONDITION_FAILED|inequivalent"),
        ):
            Queue(classic, durable=True, queue_arguments={"x-queue-type": "quorum"})(
                conn.channel()
            ).declare()
    finally:
        with Connection(url) as conn:
            for queue in (name, f"{name}-classic"):
                try:
                    conn.channel().queue_delete(queue)
                except Exception:
                    pass
