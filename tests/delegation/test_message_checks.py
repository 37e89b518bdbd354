"""Inbound messages are authenticated and checked before anything is applied.

Found by fault injection: anyone who could publish to the broker created a case from a
non-child centre with ID ``not-an-id`` and a ``<script>`` name, and a forged sequence-1 status
was applied while the real one, 0.6 s later, was discarded as a duplicate. Each forgery here
goes to the dead letters with its reason, and nothing of it is applied.
"""

from __future__ import annotations

import base64
import logging
import uuid

import pytest

from delegation import inbox
from delegation import services as s
from delegation.models import Case, CaseEvent, InboxMessage, State
from messaging.models import DeadLetter, OutboxMessage, ParkedMessage
from messaging.signing import sign
from tenants.models import ServiceCentre
from tenants.tenancy import in_centre
from tests.delegation.conftest import (
    AGENT,
    OTHER_VILLAGE,
    PERSON,
    TOWN_STAFF,
    TOWNSHIP,
    VILLAGE,
)
from tests.delegation.test_chain import drain

ALL = ["居民身份证", "申请表"]
OTHER_KEY = "other:" + base64.b64encode(b"a key the network never had!").decode()


def forwarded() -> dict:
    case = s.log_request(VILLAGE, AGENT, applicant=PERSON, item_code="C-1", materials_received=ALL)
    s.forward_case(VILLAGE, AGENT, case.tracking_no)
    row = OutboxMessage.objects.get(kind=s.FORWARDED, payload__tracking_no=case.tracking_no)
    OutboxMessage.objects.filter(pk=row.pk).delete()  # delivered by hand below, not by the relay
    return row.as_message()


def forged(message: dict, **changes) -> dict:
    """``message`` changed and signed again with the network's key (a sender that has it)."""
    body = {k: v for k, v in message.items() if k != "signature"}
    return sign({**body, "id": str(uuid.uuid4()), **changes})


def township_cases() -> list[Case]:
    with in_centre(ServiceCentre.objects.get(division_code=TOWNSHIP)):
        return list(Case.objects.all())


def reasons() -> list[str]:
    return list(DeadLetter.objects.order_by("pk").values_list("reason", flat=True))


def test_an_unsigned_message_is_a_dead_letter_and_nothing_is_applied(network):
    message = forwarded()
    del message["signature"]
    assert inbox.receive(message) is inbox.Outcome.REJECTED
    assert township_cases() == []
    letter = DeadLetter.objects.get()
    assert (letter.reason, str(letter.message_id), letter.detail) == (
        "bad_signature",
        message["id"],
        "unsigned",
    )
    with in_centre(ServiceCentre.objects.get(division_code=TOWNSHIP)):
        assert not InboxMessage.objects.exists()  # no claim left behind


def test_a_message_altered_in_transit_or_signed_with_another_key_is_rejected(network, settings):
    message = forwarded()
    altered = {**message, "payload": {**message["payload"], "tracking_no": "420506101201-X"}}
    assert inbox.receive(altered) is inbox.Outcome.REJECTED
    settings.MESSAGES_SIGNING_KEYS = OTHER_KEY
    foreign = sign({k: v for k, v in message.items() if k != "signature"})
    settings.MESSAGES_SIGNING_KEYS = settings.MESSAGES_SIGNING_KEYS_REAL
    assert inbox.receive({**foreign, "id": str(uuid.uuid4())}) is inbox.Outcome.REJECTED
    assert township_cases() == []
    assert reasons() == ["bad_signature", "bad_signature"]
    assert inbox.receive(message) is inbox.Outcome.APPLIED  # the real one still goes through


@pytest.fixture(autouse=True)
def _remember_the_key(settings):
    settings.MESSAGES_SIGNING_KEYS_REAL = settings.MESSAGES_SIGNING_KEYS


def test_keys_rotate_the_first_signs_and_every_one_verifies(network, settings):
    message = forwarded()  # signed with the current key
    settings.MESSAGES_SIGNING_KEYS = f"{OTHER_KEY},{settings.MESSAGES_SIGNING_KEYS_REAL}"
    newer = forged(message, stream=str(uuid.uuid4()), payload={**message["payload"]})
    assert newer["signature"].startswith("other:")  # the new first key signs
    assert inbox.receive(message) is inbox.Outcome.APPLIED  # the old key still verifies
    settings.MESSAGES_SIGNING_KEYS = settings.MESSAGES_SIGNING_KEYS_REAL
    assert inbox.receive(newer) is inbox.Outcome.REJECTED  # until the key is known here
    assert reasons() == ["bad_signature"]


def test_a_case_forwarded_by_a_centre_that_is_not_a_child_is_rejected(network):
    message = forwarded()
    other = forged(message, sender=OTHER_VILLAGE, stream=str(uuid.uuid4()))
    assert inbox.receive(other) is inbox.Outcome.REJECTED
    assert township_cases() == []
    letter = DeadLetter.objects.get()
    assert letter.reason == "wrong_sender" and "not a centre under" in letter.detail
    with in_centre(ServiceCentre.objects.get(division_code=TOWNSHIP)):
        assert not InboxMessage.objects.exists()


def test_a_status_from_a_centre_that_is_not_the_other_end_is_rejected(network):
    message = forwarded()
    inbox.receive(message)
    no = message["payload"]["tracking_no"]
    s.accept_case(TOWNSHIP, TOWN_STAFF, no)
    (status,) = [m.as_message() for m in OutboxMessage.objects.filter(kind=s.STATUS)]
    impostor = forged(
        status, sender=OTHER_VILLAGE, payload={**status["payload"], "state": "approved"}
    )
    assert inbox.receive(impostor) is inbox.Outcome.REJECTED
    assert reasons() == ["wrong_sender"]
    assert inbox.receive(status) is inbox.Outcome.APPLIED  # the real seq 1 is not taken
    with in_centre(ServiceCentre.objects.get(division_code=VILLAGE)):
        assert Case.objects.get().upstream_state == State.ACCEPTED


def _applicant(**changes):
    def change(payload: dict) -> dict:
        return {**payload, "applicant": {**payload["applicant"], **changes}}

    return change


def _without(field):
    return lambda payload: {k: v for k, v in payload.items() if k != field}


@pytest.mark.parametrize(
    "change",
    [
        _applicant(id_number="not-an-id"),
        _applicant(id_number="420581199001010012"),  # wrong check digit
        _applicant(name="<script>alert(1)</script>"),
        _applicant(name="刘桂兰\x00"),
        _applicant(name=""),
        _applicant(kind="robot"),
        _applicant(phone=12345),
        _without("materials"),
        _without("applicant"),
        lambda p: {**p, "item_version": str(p["item_version"])},
        lambda p: {
            **p,
            "materials": [{"name": "<b>x</b>", "form": "copy", "count": 1, "received": True}],
        },
        lambda p: {**p, "at": "yesterday"},
        lambda p: {**p, "note": "a\x1bb"},
        lambda p: {**p, "extra": "\x00"},
    ],
    ids=[
        "not-an-id",
        "check-digit",
        "script-name",
        "nul-in-name",
        "empty-name",
        "kind",
        "phone-type",
        "no-materials",
        "no-applicant",
        "version-type",
        "markup-material",
        "timestamp",
        "control-in-note",
        "control-in-extra",
    ],
)
def test_a_forward_that_breaks_its_schema_is_rejected_before_anything_is_applied(network, change):
    message = forwarded()
    bad = forged(message, payload=change(message["payload"]))
    assert inbox.receive(bad) is inbox.Outcome.REJECTED
    assert township_cases() == []
    letter = DeadLetter.objects.get()
    assert letter.reason == "invalid_payload", letter.detail
    assert "not-an-id" not in letter.detail  # the ID number is not echoed into logs
    assert inbox.receive(message) is inbox.Outcome.APPLIED


@pytest.mark.parametrize(
    "change, reason",
    [
        (lambda m: {**m, "kind": "case.teleported"}, "unknown_kind"),
        (lambda m: {**m, "seq": "1"}, "undecodable"),
        (lambda m: {**m, "stream": "not-a-uuid"}, "undecodable"),
        (lambda m: {k: v for k, v in m.items() if k != "payload"}, "undecodable"),
        (lambda m: {**m, "recipient": "999999"}, "unknown_recipient"),
    ],
    ids=["kind", "seq", "stream", "payload", "recipient"],
)
def test_a_malformed_envelope_is_a_dead_letter(network, change, reason):
    message = forwarded()
    body = change({k: v for k, v in message.items() if k not in ("signature",)})
    assert inbox.receive(sign({**body, "id": str(uuid.uuid4())})) is inbox.Outcome.REJECTED
    assert reasons() == [reason]
    assert township_cases() == []


def _a_status_down() -> tuple[dict, str]:
    message = forwarded()
    inbox.receive(message)
    no = message["payload"]["tracking_no"]
    s.accept_case(TOWNSHIP, TOWN_STAFF, no)
    (status,) = [m.as_message() for m in OutboxMessage.objects.filter(kind=s.STATUS)]
    OutboxMessage.objects.filter(kind=s.STATUS).delete()
    return status, no


def test_a_second_message_with_the_same_number_is_a_conflict_not_a_duplicate(network, caplog):
    status, _no = _a_status_down()
    assert inbox.receive(status) is inbox.Outcome.APPLIED
    other = forged(status, payload={**status["payload"], "state": "approved"})
    with caplog.at_level(logging.ERROR, logger="messaging.deadletters"):
        assert inbox.receive(other) is inbox.Outcome.REJECTED
    letter = DeadLetter.objects.get()
    assert letter.reason == "conflict" and status["id"] in letter.detail
    assert any("conflict" in r.getMessage() for r in caplog.records if r.levelno == logging.ERROR)
    with in_centre(ServiceCentre.objects.get(division_code=VILLAGE)):
        case = Case.objects.get()
        assert case.upstream_state == State.ACCEPTED  # not applied over the real one
        assert CaseEvent.objects.filter(action="upstream_status").count() == 1
    assert inbox.receive(status) is inbox.Outcome.DUPLICATE  # a true redelivery stays quiet


def test_a_forged_status_first_does_not_cost_the_real_one(network):
    """The loss the fault injection found: forged seq 1 applied, the real seq 1 discarded."""
    status, _no = _a_status_down()
    unsigned = {k: v for k, v in status.items() if k != "signature"}
    forgery = {
        **unsigned,
        "id": str(uuid.uuid4()),
        "payload": {**status["payload"], "state": "approved"},
    }
    assert inbox.receive(forgery) is inbox.Outcome.REJECTED
    assert inbox.receive(status) is inbox.Outcome.APPLIED
    with in_centre(ServiceCentre.objects.get(division_code=VILLAGE)):
        assert Case.objects.get().upstream_state == State.ACCEPTED


def test_a_conflict_with_a_parked_message_is_recorded_and_neither_is_lost(network):
    message = forwarded()
    inbox.receive(message)
    no = message["payload"]["tracking_no"]
    s.accept_case(TOWNSHIP, TOWN_STAFF, no)
    s.escalate_case(TOWNSHIP, TOWN_STAFF, no)
    first, second = [
        m.as_message()
        for m in OutboxMessage.objects.filter(kind=s.STATUS, recipient=VILLAGE).order_by("seq")
    ]
    assert inbox.receive(second) is inbox.Outcome.PARKED
    assert ParkedMessage.objects.get().message_id == uuid.UUID(second["id"])
    rival = forged(second, payload={**second["payload"], "state": "approved"})
    assert inbox.receive(rival) is inbox.Outcome.REJECTED
    assert reasons() == ["conflict"]
    assert inbox.receive(first) is inbox.Outcome.APPLIED  # and the parked real one after it
    assert not ParkedMessage.objects.exists()
    with in_centre(ServiceCentre.objects.get(division_code=VILLAGE)):
        assert not InboxMessage.objects.filter(applied_at__isnull=True).exists()
        assert Case.objects.get().upstream_centre == "420506"
    drain()
