"""Poison messages go somewhere a person can see: the dead letters, and the parked report.

Found by fault injection: undecodable or unknown messages were dropped with a log line,
unknown recipients and missing fields retried for ever at INFO, and parked messages waited for
ever, never reported. Here they are kept with their reason, counted by health, and an operator
lists, shows, replays, discards or buries them, each action recorded.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone, translation

from delegation import inbox
from delegation import services as s
from delegation.models import Case, InboxMessage
from messaging import dispatch
from messaging.deadletters import summary
from messaging.models import DeadLetter, DeadLetterAction, OutboxMessage, ParkedMessage
from messaging.signing import sign
from tenants.models import ServiceCentre
from tenants.tenancy import in_centre
from tests.delegation.conftest import AGENT, PERSON, TOWN_STAFF, TOWNSHIP, VILLAGE
from tests.delegation.test_chain import drain

ALL = ["居民身份证", "申请表"]
NEW_KEY = "new:" + base64.b64encode(b"the key a centre rolled out early").decode()


def command(*args: str) -> str:
    out = StringIO()
    with translation.override("en"):
        call_command("dead_letters", *args, stdout=out)
    return out.getvalue()


def township_cases() -> int:
    with in_centre(ServiceCentre.objects.get(division_code=TOWNSHIP)):
        return Case.objects.count()


def test_garbage_and_unknown_kinds_are_kept_not_dropped(network):
    assert dispatch.deliver("\x00not json at all") == dispatch.REJECTED
    assert dispatch.deliver({"id": str(uuid.uuid4()), "kind": "case.beamed"}) == dispatch.REJECTED
    assert sorted(DeadLetter.objects.values_list("reason", flat=True)) == [
        "undecodable",
        "unknown_kind",
    ]
    raw = DeadLetter.objects.get(reason="undecodable").body["raw"]
    assert raw.endswith("not json at all")  # kept, NUL made storable
    assert summary().open_dead_letters == 2


def test_an_operator_replays_a_dead_letter_once_its_cause_is_fixed(network, settings):
    """A centre signed with a key the others did not have yet (rotation done in the wrong
    order): dead letter; the key is rolled out; the operator replays it; the case arrives."""
    case = s.log_request(VILLAGE, AGENT, applicant=PERSON, item_code="C-1", materials_received=ALL)
    s.forward_case(VILLAGE, AGENT, case.tracking_no)
    row = OutboxMessage.objects.get()
    known = settings.MESSAGES_SIGNING_KEYS
    settings.MESSAGES_SIGNING_KEYS = f"{NEW_KEY},{known}"
    message = row.as_message()  # signed with the new key
    settings.MESSAGES_SIGNING_KEYS = known
    assert inbox.receive(message) is inbox.Outcome.REJECTED
    letter = DeadLetter.objects.get()
    listed = command("list")
    assert "Bad signature" in listed and f"{letter.pk:>6}" in listed

    with pytest.raises(CommandError):  # still unknown here: rejected again, kept open
        command("replay", str(letter.pk), "--by", "值班员甲")
    letter.refresh_from_db()
    assert (letter.status, letter.times_seen) == ("dead", 2)

    settings.MESSAGES_SIGNING_KEYS = f"{known},{NEW_KEY}"  # the key rolled out everywhere
    out = command("replay", str(letter.pk), "--by", "值班员甲", "--note", "key rolled out")
    assert "applied" in out
    assert township_cases() == 1
    letter.refresh_from_db()
    assert letter.status == "replayed" and letter.resolved_at is not None
    actions = list(
        DeadLetterAction.objects.order_by("at").values_list("action", "actor", "outcome")
    )
    assert actions[-1] == ("replay", "值班员甲", "applied")
    assert actions[0][2].startswith("rejected again: bad_signature")
    shown = json.loads(command("show", str(letter.pk)))
    assert [a["action"] for a in shown["actions"]] == ["replay", "replay"]
    with pytest.raises(CommandError, match="already been handled"):
        command("discard", str(letter.pk))


def test_an_operator_discards_a_forgery_and_its_body_is_erased(network):
    forged = {"id": str(uuid.uuid4()), "kind": s.FORWARDED, "sender": VILLAGE,
              "recipient": TOWNSHIP, "stream": str(uuid.uuid4()), "seq": 1,
              "payload": {"applicant": {"id_number": "420581199001010011"}}}  # fmt: skip
    assert inbox.receive(forged) is inbox.Outcome.REJECTED
    letter = DeadLetter.objects.get()
    command("discard", str(letter.pk), "--by", "值班员乙", "--note", "forged")
    letter.refresh_from_db()
    assert (letter.status, letter.body) == ("discarded", None)
    assert DeadLetterAction.objects.get().actor == "值班员乙"
    with pytest.raises(CommandError, match="no dead letter"):
        command("show", "999999")


def test_parked_messages_past_the_threshold_are_reported_and_can_be_buried(network, settings):
    settings.MESSAGES_PARKED_ALERT_SECONDS = 3600
    case = s.log_request(VILLAGE, AGENT, applicant=PERSON, item_code="C-1", materials_received=ALL)
    s.forward_case(VILLAGE, AGENT, case.tracking_no)
    drain()
    s.accept_case(TOWNSHIP, TOWN_STAFF, case.tracking_no)
    s.escalate_case(TOWNSHIP, TOWN_STAFF, case.tracking_no)
    second = OutboxMessage.objects.get(kind=s.STATUS, seq=2).as_message()
    assert inbox.receive(second) is inbox.Outcome.PARKED
    assert (summary().parked, summary().stale_parked) == (1, 0)
    ParkedMessage.objects.update(parked_at=timezone.now() - dt.timedelta(hours=2))
    assert summary().stale_parked == 1
    assert second["id"] in command("list", "--parked")

    out = command("bury", second["id"], "--by", "值班员丙")
    assert "dead letter" in out
    assert not ParkedMessage.objects.exists()
    letter = DeadLetter.objects.get()
    assert (letter.reason, letter.body["id"]) == ("stale_parked", second["id"])
    with in_centre(ServiceCentre.objects.get(division_code=VILLAGE)):
        assert not InboxMessage.objects.filter(message_id=second["id"]).exists()
    # Buried by mistake? Replayed, it parks again (its predecessor is still unsent).
    assert "parked" in command("replay", str(letter.pk))
    assert ParkedMessage.objects.count() == 1


def test_retention_erases_the_bodies_of_old_dead_letters(network):
    message = sign({"id": str(uuid.uuid4()), "kind": "case.beamed", "payload": {}})
    dispatch.deliver(message)
    assert inbox.purge_delivered(30)["dead_letters"] == 0
    counts = inbox.purge_delivered(30, now=timezone.now() + dt.timedelta(days=31))
    assert counts["dead_letters"] == 1
    letter = DeadLetter.objects.get()
    assert letter.body is None and letter.reason == "unknown_kind"  # the record stays


def test_messages_parked_before_the_index_existed_are_indexed_by_the_migration(network):
    import importlib

    from django.db import connection

    migration = importlib.import_module("messaging.migrations.0004_index_parked_messages")
    case = s.log_request(VILLAGE, AGENT, applicant=PERSON, item_code="C-1", materials_received=ALL)
    s.forward_case(VILLAGE, AGENT, case.tracking_no)
    drain()
    s.accept_case(TOWNSHIP, TOWN_STAFF, case.tracking_no)
    s.escalate_case(TOWNSHIP, TOWN_STAFF, case.tracking_no)
    second = OutboxMessage.objects.get(kind=s.STATUS, seq=2).as_message()
    assert inbox.receive(second) is inbox.Outcome.PARKED
    ParkedMessage.objects.all().delete()  # as before migration 0003

    class Editor:
        pass

    editor = Editor()
    editor.connection = connection
    migration.index_parked(None, editor)
    parked = ParkedMessage.objects.get()
    assert (str(parked.message_id), parked.recipient, parked.seq) == (second["id"], VILLAGE, 2)
