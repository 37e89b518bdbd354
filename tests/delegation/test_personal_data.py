"""ID numbers and phones are sealed at rest and in messages (core.personal_data).

The proofs: every text column of every schema of the test database holds neither the ID number
nor the phone in clear after a case went up a chain and was decided; the raw bodies published to
RabbitMQ neither; keys rotate; an invalid number is never echoed back in full.
"""

from __future__ import annotations

import base64
import json
import os
import uuid

import pytest
from django.core.management import call_command
from django.db import connection

from core import personal_data as pd
from core.errors import DomainError
from delegation import queries
from delegation import services as s
from delegation.models import Case
from messaging import relay
from messaging.models import OutboxMessage
from messaging.signing import sign
from messaging.transport import CeleryTransport, LocalTransport
from tenants.tenancy import in_centre
from tests.delegation.conftest import (
    AGENT,
    COUNTY,
    PERSON,
    TOWN_STAFF,
    TOWNSHIP,
    VILLAGE,
)
from tests.support import broker_reachable, broker_url

ALL = ["居民身份证", "申请表"]
SECRETS = (PERSON.id_number, PERSON.phone)


def _key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def clear_text_hits(needles) -> list[tuple[str, str, str]]:
    """(schema, table, column) of every text, varchar or json column anywhere in the database
    whose content holds one of ``needles`` — what a ``pg_dump`` of it would show."""
    hits = []
    with connection.cursor() as cur:
        cur.execute(
            "SELECT c.table_schema, c.table_name, c.column_name FROM information_schema.columns c "
            "JOIN information_schema.tables t USING (table_schema, table_name) "
            "WHERE t.table_type = 'BASE TABLE' "
            "AND c.table_schema NOT IN ('pg_catalog', 'information_schema') "
            "AND c.data_type IN ('text', 'character varying', 'json', 'jsonb', 'ARRAY')"
        )
        for schema, table, column in cur.fetchall():
            for needle in needles:
                cur.execute(
                    f'SELECT 1 FROM "{schema}"."{table}" WHERE "{column}"::text LIKE %s LIMIT 1',
                    [f"%{needle}%"],
                )
                if cur.fetchone():
                    hits.append((schema, table, column))
    return hits


def _up_the_chain() -> str:
    case = s.log_request(VILLAGE, AGENT, applicant=PERSON, item_code="C-1", materials_received=ALL)
    s.forward_case(VILLAGE, AGENT, case.tracking_no)
    relay.drain(LocalTransport())
    s.accept_case(TOWNSHIP, TOWN_STAFF, case.tracking_no)
    s.escalate_case(TOWNSHIP, TOWN_STAFF, case.tracking_no)
    relay.drain(LocalTransport())
    return case.tracking_no


def test_seal_and_open():
    sealed = pd.seal(PERSON.id_number)
    assert sealed.startswith("pd1.") and PERSON.id_number not in sealed
    assert pd.seal(PERSON.id_number) != sealed  # a new nonce each time
    assert pd.open_sealed(sealed) == PERSON.id_number
    assert pd.seal("") == ""
    tampered = sealed[:-3] + ("AAA" if not sealed.endswith("AAA") else "BBB")
    with pytest.raises(pd.PersonalDataError):
        pd.open_sealed(tampered)


def test_the_database_holds_no_id_number_or_phone_in_clear(network):
    tracking_no = _up_the_chain()
    # The case lives at village, township and county, with events, outbox rows and inbox rows.
    with in_centre(network[COUNTY]):
        case = Case.objects.get(tracking_no=tracking_no)
        assert (case.applicant_id_number, case.applicant_phone) == SECRETS  # the ORM opens them
        with connection.cursor() as cur:
            cur.execute(
                "SELECT applicant_id_number, applicant_phone FROM delegation_case WHERE id = %s",
                [case.pk],
            )
            raw = cur.fetchone()
    assert all(value.startswith("pd1.") for value in raw)
    assert OutboxMessage.objects.filter(kind=s.FORWARDED).count() == 2
    assert clear_text_hits(SECRETS) == []


def test_a_parked_forward_is_sealed_too(network):
    """A forward parked in the inbox (waiting for an earlier message) keeps its body: sealed."""
    case = s.log_request(VILLAGE, AGENT, applicant=PERSON, item_code="C-1", materials_received=ALL)
    s.forward_case(VILLAGE, AGENT, case.tracking_no)
    message = OutboxMessage.objects.get(kind=s.FORWARDED).as_message()
    # Far ahead of its stream, and signed as the village would sign it (unsigned is refused).
    message = sign({**message, "id": str(uuid.uuid4()), "seq": message["seq"] + 1})
    from delegation import inbox

    inbox.receive(message)
    with in_centre(network[TOWNSHIP]), connection.cursor() as cur:
        cur.execute("SELECT body::text FROM delegation_inboxmessage WHERE body IS NOT NULL")
        (body,) = cur.fetchone()
    assert "pd1." in body and not any(secret in body for secret in SECRETS)


@pytest.mark.rabbitmq
def test_messages_on_the_broker_hold_no_id_number_or_phone(network, settings):
    url = broker_url()
    if not broker_reachable(url):
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"RabbitMQ is not reachable at {url}")
        pytest.skip(f"RabbitMQ is not reachable at {url}")
    from kombu import Connection

    from core.celery import app

    name = f"harden-pd-{uuid.uuid4().hex[:10]}"
    settings.CELERY_BROKER_URL, settings.MESSAGES_QUEUE = url, name
    app.conf.broker_url = url
    case = s.log_request(VILLAGE, AGENT, applicant=PERSON, item_code="C-1", materials_received=ALL)
    s.forward_case(VILLAGE, AGENT, case.tracking_no)
    try:
        assert relay.drain(CeleryTransport()) == 1
        with Connection(url) as conn:
            channel = conn.channel()
            raw = channel.basic_get(name, no_ack=True)
            assert raw is not None
            body = raw.body.decode() if isinstance(raw.body, bytes) else str(raw.body)
    finally:
        with Connection(url) as conn:
            conn.default_channel.queue_delete(name)
    assert "pd1." in body and s.FORWARDED in body
    assert not any(secret in body for secret in SECRETS)


def test_keys_rotate_and_the_command_reseals(network, settings):
    old, new = f"old:{_key()}", f"new:{_key()}"
    settings.PERSONAL_DATA_KEYS = old
    case = s.log_request(VILLAGE, AGENT, applicant=PERSON, item_code="C-1", materials_received=ALL)
    s.forward_case(VILLAGE, AGENT, case.tracking_no)  # an unsent forward, sealed under "old"
    settings.PERSONAL_DATA_KEYS = f"{new},{old}"  # rotate: the new key seals, both open
    village = network[VILLAGE]
    with in_centre(village):
        assert Case.objects.get(pk=case.pk).applicant_id_number == PERSON.id_number
        found = queries.worklist(
            village, AGENT, applicant_id_number=PERSON.id_number
        )  # the old hash still found
        assert [c.pk for c in found] == [case.pk]
    call_command("reseal_personal_data", verbosity=0)
    settings.PERSONAL_DATA_KEYS = new  # the old key dropped: everything still opens
    with in_centre(village):
        assert Case.objects.get(pk=case.pk).applicant_phone == PERSON.phone
        assert [
            c.pk for c in queries.worklist(village, AGENT, applicant_id_number=PERSON.id_number)
        ] == [case.pk]
        with connection.cursor() as cur:
            cur.execute("SELECT applicant_id_number FROM delegation_case WHERE id = %s", [case.pk])
            assert pd.sealed_with(cur.fetchone()[0]) == "new"
    payload = OutboxMessage.objects.get(kind=s.FORWARDED).payload
    assert pd.sealed_with(payload["applicant"]["id_number"]) == "new"
    relay.drain(LocalTransport())  # the township opens it under the new key alone
    with in_centre(network[TOWNSHIP]):
        assert Case.objects.get(tracking_no=case.tracking_no).applicant_phone == PERSON.phone


def test_rows_from_before_encryption_are_read_and_sealed_by_the_command(network):
    case = s.log_request(VILLAGE, AGENT, applicant=PERSON, item_code="C-1", materials_received=ALL)
    with in_centre(network[VILLAGE]), connection.cursor() as cur:
        cur.execute(
            "UPDATE delegation_case SET applicant_id_number = %s, applicant_phone = %s, "
            "applicant_id_hash = '' WHERE id = %s",
            [*SECRETS, case.pk],
        )
    with in_centre(network[VILLAGE]):
        assert Case.objects.get(pk=case.pk).applicant_id_number == PERSON.id_number
    assert clear_text_hits(SECRETS) == [
        (network[VILLAGE].schema_name, "delegation_case", c)
        for c in ("applicant_id_number", "applicant_phone")
    ]  # the scan sees clear text
    call_command("reseal_personal_data", verbosity=0)
    assert clear_text_hits(SECRETS) == []
    with in_centre(network[VILLAGE]):
        assert [
            c.pk
            for c in queries.worklist(network[VILLAGE], AGENT, applicant_id_number=PERSON.id_number)
        ] == [case.pk]


def test_an_invalid_id_number_is_not_echoed_in_full(network):
    bad = "420581199001010012"  # wrong checksum
    with pytest.raises(DomainError) as caught:
        s.log_request(
            VILLAGE,
            AGENT,
            applicant=s.Applicant(kind="person", name="刘桂兰", id_number=bad, phone=""),
            item_code="C-1",
            materials_received=ALL,
        )
    assert caught.value.code == "invalid_id_number"
    for text in (caught.value.message_in("zh-hans"), caught.value.message_in("en")):
        assert bad not in text and "4205" in text
    assert bad not in json.dumps(caught.value.as_dict(), ensure_ascii=False)


def test_broker_tls_options_follow_the_url_scheme():
    import ssl

    from core.settings import broker_use_ssl

    assert broker_use_ssl("amqp://guest:guest@127.0.0.1:5672//") is None
    options = broker_use_ssl("amqps://u:p@broker:5671/zw", {"BROKER_CA_FILE": "/etc/ca.pem"})
    assert options == {"cert_reqs": ssl.CERT_REQUIRED, "ca_certs": "/etc/ca.pem"}


def test_filtering_on_a_sealed_column_is_refused(network):
    from django.core.exceptions import FieldError

    with in_centre(network[VILLAGE]):
        with pytest.raises(FieldError, match="sealed"):
            list(Case.objects.filter(applicant_id_number=PERSON.id_number))
        assert list(Case.objects.filter(applicant_phone__isnull=True)) == []
