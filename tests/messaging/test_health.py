"""``/health/`` says whether messaging flows: a live relay, no backlog past its threshold, and
how many messages are parked or dead. It used to say ``ok`` while the relay was gone."""

from __future__ import annotations

import datetime as dt
import uuid

from django.utils import timezone

from delegation import services as s
from messaging import dispatch
from messaging.models import OutboxMessage, ParkedMessage, RelayHeartbeat
from messaging.relay import heartbeat
from tests.delegation.conftest import AGENT, PERSON, TOWNSHIP, VILLAGE

ALL = ["居民身份证", "申请表"]


def beat(seconds_ago: float = 0) -> None:
    now = timezone.now()
    heartbeat("host:1", "local", now, 0)
    RelayHeartbeat.objects.update(beat_at=now - dt.timedelta(seconds=seconds_ago))


def test_no_relay_is_a_failing_health_check(client, db):
    response = client.get("/health/")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "failing"
    assert body["messaging"]["relay"] == {
        "alive": False,
        "last_heartbeat": None,
        "heartbeat_age_seconds": None,
    }


def test_a_relay_that_stopped_beating_is_dead(client, db, settings):
    settings.MESSAGES_RELAY_DEAD_AFTER_SECONDS = 30
    beat(seconds_ago=5)
    assert client.get("/health/").status_code == 200
    beat(seconds_ago=45)
    response = client.get("/health/")
    assert response.status_code == 503 and response.json()["messaging"]["relay"]["alive"] is False


def test_a_backlog_past_its_threshold_fails_and_parked_and_dead_letters_are_counted(
    client, network, settings
):
    settings.MESSAGES_BACKLOG_ALERT_SECONDS = 300
    beat()
    case = s.log_request(VILLAGE, AGENT, applicant=PERSON, item_code="C-1", materials_received=ALL)
    s.forward_case(VILLAGE, AGENT, case.tracking_no)
    body = client.get("/health/").json()
    assert body["status"] == "ok"
    assert body["messaging"]["outbox"]["unsent"] == 1
    OutboxMessage.objects.update(created_at=timezone.now() - dt.timedelta(minutes=6))
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["messaging"]["outbox"]["backlog"] is True

    OutboxMessage.objects.update(published_at=timezone.now())
    dispatch.deliver({"id": str(uuid.uuid4()), "kind": "case.beamed"})
    ParkedMessage.objects.create(
        message_id=uuid.uuid4(), recipient=TOWNSHIP, sender=VILLAGE, kind=s.STATUS,
        stream=uuid.uuid4(), seq=3, parked_at=timezone.now() - dt.timedelta(hours=2),
    )  # fmt: skip
    response = client.get("/health/")
    assert response.status_code == 200  # a person must look, but messaging flows
    messaging = response.json()["messaging"]
    assert messaging["dead_letters"] == {"open": 1}
    assert (messaging["parked"]["count"], messaging["parked"]["stale"]) == (1, 1)
    assert messaging["attention"] is True
