"""Delivered messages are purged after the retention period; nothing undelivered is, and a
message redelivered after its inbox row is gone is still applied only once."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone, translation

from delegation import inbox
from delegation import services as s
from delegation.models import Case, CaseEvent, InboxMessage
from delegation.tasks import purge_messages
from messaging.models import OutboxMessage
from tenants.models import ServiceCentre
from tenants.tenancy import in_centre
from tests.delegation.conftest import AGENT, PERSON, TOWN_STAFF, TOWNSHIP, VILLAGE
from tests.delegation.test_chain import drain

ALL = ["居民身份证", "申请表"]
LATER = dt.timedelta(days=31)


def _centre(code: str) -> ServiceCentre:
    return ServiceCentre.objects.get(division_code=code)


def _inbox(code: str):
    with in_centre(_centre(code)):
        return list(InboxMessage.objects.values_list("seq", "applied_at"))


def test_delivered_messages_go_undelivered_ones_stay(network):
    case = s.log_request(VILLAGE, AGENT, applicant=PERSON, item_code="C-1", materials_received=ALL)
    s.forward_case(VILLAGE, AGENT, case.tracking_no)
    drain()  # the forward is published and applied at the township
    forwarded = OutboxMessage.objects.get(kind=s.FORWARDED).as_message()
    s.accept_case(TOWNSHIP, TOWN_STAFF, case.tracking_no)  # status 1, left unpublished
    s.escalate_case(TOWNSHIP, TOWN_STAFF, case.tracking_no)  # status 2
    second = OutboxMessage.objects.get(kind=s.STATUS, seq=2).as_message()
    assert inbox.receive(second) is inbox.Outcome.PARKED  # parked at the village

    recent = inbox.purge_delivered(30)
    assert (recent["outbox"], recent["inbox"]) == (0, 0)  # all delivered just now
    assert recent["centres"] == ServiceCentre.objects.count()
    counts = inbox.purge_delivered(30, now=timezone.now() + LATER)
    assert counts["outbox"] == 1 and counts["inbox"] == 1  # the forward, both ends
    assert sorted(OutboxMessage.objects.values_list("kind", "sender", "seq")) == [
        (s.FORWARDED, TOWNSHIP, 1),  # the escalation, to the county
        (s.STATUS, TOWNSHIP, 1),
        (s.STATUS, TOWNSHIP, 2),
    ]  # unpublished: kept, however old
    assert _inbox(TOWNSHIP) == []
    assert [(seq, at) for seq, at in _inbox(VILLAGE)] == [(2, None)]  # parked: kept

    # The forward delivered again after its inbox row is gone: its sequence number says it was
    # applied, so it is a duplicate, not a second case.
    assert inbox.receive(forwarded) is inbox.Outcome.DUPLICATE
    with in_centre(_centre(TOWNSHIP)):
        assert Case.objects.count() == 1
        assert CaseEvent.objects.filter(action="receive").count() == 1
    # And what is still waiting is delivered as usual, in order.
    drain()
    with in_centre(_centre(VILLAGE)):
        village_case = Case.objects.get()  # escalated: now waiting at the county
        assert (village_case.upstream_state, village_case.upstream_centre) == (
            "submitted",
            "420506",
        )
        assert not InboxMessage.objects.filter(applied_at__isnull=True).exists()


def test_the_command_and_the_task(network):
    case = s.log_request(VILLAGE, AGENT, applicant=PERSON, item_code="C-1", materials_received=ALL)
    s.forward_case(VILLAGE, AGENT, case.tracking_no)
    drain()
    out = StringIO()
    with translation.override("en"):
        call_command("purge_messages", stdout=out)
        with pytest.raises(CommandError, match="at least 1"):
            call_command("purge_messages", "--days", "0")
    assert out.getvalue().startswith("Deleted messages delivered more than 30 days ago: outbox 0")
    OutboxMessage.objects.update(published_at=timezone.now() - LATER)
    assert purge_messages(30)["outbox"] == 1  # the beat task, run in place
    with pytest.raises(ValueError):
        inbox.purge_delivered(0)
