"""What a delegation message may contain: the envelope, and one schema per kind.

``check(message)`` runs before anything is applied (``delegation.inbox``): the signature over
what travelled, then ``open_payload`` (the payload as the handler will see it: the hook where
encrypted fields are opened), then the kind's schema on that opened payload — required fields,
types, lengths, the applicant's ID number through ``services.validate_applicant`` (GB 11643 /
GB 32100 check digits, on the clear value), and no markup or control characters in names.
Anything wrong raises ``Rejected``: the message goes to the dead letters, nothing is applied.

The checks that need the receiving centre's data (the sender is the other end of the
delegation; a forwarded case comes from a child centre; sequence conflicts) are in the inbox,
under the delegation's lock.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable

from core import personal_data
from core.errors import DomainError
from delegation import services
from delegation.models import ApplicantKind, State
from messaging.deadletters import Rejected
from messaging.models import DeadLetterReason
from messaging.signing import BadSignature, verify
from tenants.divisions import Tier

Check = Callable[[object, str], None]

_CODE = re.compile(r"^\d{6,12}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # tab, LF and CR allowed in notes
_MARKUP = re.compile(r"[<>&\"'`\\{}\x00-\x1f\x7f]")  # nothing a page or a template could run


class _Invalid(Exception):
    pass


def _fail(where: str, what: str) -> None:
    raise _Invalid(f"{where}: {what}")


def text(max_length: int, *, blank: bool = True, plain: bool = False, pattern=None) -> Check:
    def check(value, where: str) -> None:
        if not isinstance(value, str):
            _fail(where, "not a string")
        if len(value) > max_length:
            _fail(where, f"longer than {max_length}")
        if not blank and not value.strip():
            _fail(where, "empty")
        if (_MARKUP if plain else _CONTROL).search(value):
            _fail(where, "markup or control characters")
        if pattern is not None and value and not pattern.match(value):
            _fail(where, "wrong format")

    return check


def integer(minimum: int = 0) -> Check:
    def check(value, where: str) -> None:
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            _fail(where, f"not an integer ≥ {minimum}")

    return check


def boolean(value, where: str) -> None:
    if not isinstance(value, bool):
        _fail(where, "not true or false")


def one_of(*choices: str) -> Check:
    def check(value, where: str) -> None:
        if value not in choices:
            _fail(where, f"not one of {', '.join(choices)}")

    return check


def timestamp(value, where: str) -> None:
    if not isinstance(value, str) or len(value) > 40:
        _fail(where, "not a timestamp")
    try:
        dt.datetime.fromisoformat(value)
    except ValueError:
        _fail(where, "not a timestamp")


def date_or_none(value, where: str) -> None:
    if value is None:
        return
    if not isinstance(value, str) or len(value) > 10:
        _fail(where, "not a date")
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        _fail(where, "not a date")


def list_of(item: Check, max_items: int = 100) -> Check:
    def check(value, where: str) -> None:
        if not isinstance(value, list) or len(value) > max_items:
            _fail(where, f"not a list of at most {max_items}")
        for n, element in enumerate(value):
            item(element, f"{where}[{n}]")

    return check


def obj(**fields: Check) -> Check:
    """A JSON object with (at least) these fields; extra fields are tolerated (newer senders)
    but may hold no control characters."""

    def check(value, where: str) -> None:
        if not isinstance(value, dict):
            _fail(where, "not an object")
        for name, field_check in fields.items():
            if name not in value:
                _fail(f"{where}.{name}", "missing")
            field_check(value[name], f"{where}.{name}")
        for name in value.keys() - fields.keys():
            _no_control(value[name], f"{where}.{name}")

    return check


def _no_control(value, where: str) -> None:
    if isinstance(value, str) and _CONTROL.search(value):
        _fail(where, "control characters")
    elif isinstance(value, dict):
        for k, v in value.items():
            _no_control(v, f"{where}.{k}")
    elif isinstance(value, list):
        for n, v in enumerate(value):
            _no_control(v, f"{where}[{n}]")


CODE = text(12, blank=False, pattern=_CODE)
NAME = text(100, blank=False, plain=True)
NOTE = text(2000)
PERSON_NAME = text(100, plain=True)  # who acted (an agent's name)
MATERIAL = text(200, blank=False, plain=True)
TIER = one_of(*Tier.values)

SCHEMAS: dict[str, Check] = {
    services.FORWARDED: obj(
        tracking_no=text(30, blank=False, pattern=re.compile(r"^[0-9A-Za-z-]+$")),
        origin_centre=CODE,
        item_version=integer(1),
        applicant=obj(
            kind=one_of(*ApplicantKind.values),
            name=NAME,
            id_number=text(18, blank=False, plain=True),
            phone=text(20, plain=True),
        ),
        materials=list_of(
            obj(name=MATERIAL, form=text(20, plain=True), count=integer(0), received=boolean)
        ),
        note=NOTE,
        forwarded_by=PERSON_NAME,
        sender_tier=TIER,
        at=timestamp,
    ),
    services.STATUS: obj(
        centre=CODE,
        tier=TIER,
        action=text(40, plain=True),
        at=timestamp,
        note=NOTE,
        state=one_of(*State.values),
        holder=CODE,
        decision_reason=NOTE,
        missing_materials=list_of(MATERIAL),
        due_on=date_or_none,
    ),
    services.SUPPLEMENTED: obj(materials=list_of(MATERIAL), note=NOTE, by=PERSON_NAME),
    services.WITHDRAWN: obj(reason=NOTE, by=PERSON_NAME),
    services.DELIVERED: obj(at=timestamp),
}

ENVELOPE = obj(
    id=text(36, blank=False),
    kind=text(40, blank=False),
    sender=CODE,
    recipient=CODE,
    stream=text(36, blank=False),
    seq=integer(1),
    payload=lambda value, where: None if isinstance(value, dict) else _fail(where, "not an object"),
)


def open_payload(message: dict) -> dict:
    """The message as the handler will see it: the applicant's ID number and phone, sealed in
    transit (``core.personal_data``), opened; validation below runs on what this returns. A
    sealed value that does not open (tampered, or a key this centre lacks) is refused for good."""
    payload = message.get("payload")
    if message.get("kind") != services.FORWARDED or not isinstance(payload, dict):
        return message
    applicant = payload.get("applicant")
    if not isinstance(applicant, dict):
        return message  # the schema refuses it
    try:
        opened = personal_data.open_applicant(applicant)
    except personal_data.PersonalDataError as exc:
        raise Rejected(DeadLetterReason.INVALID_PAYLOAD, f"payload.applicant: {exc}") from exc
    return {**message, "payload": {**payload, "applicant": opened}}


def checked_envelope(message, schemas: dict):
    """The checks every message of the network passes before its payload is read: the
    envelope's shape and ids, the signature, a kind ``schemas`` knows. Returns the kind's payload
    schema; raises ``Rejected`` (with the dead-letter reason) otherwise."""
    try:
        ENVELOPE(message, "message")
        uuid.UUID(message["id"])
        uuid.UUID(message["stream"])
    except (_Invalid, ValueError) as exc:
        raise Rejected(DeadLetterReason.UNDECODABLE, str(exc)) from exc
    try:
        verify(message)
    except BadSignature as exc:
        raise Rejected(DeadLetterReason.BAD_SIGNATURE, str(exc)) from exc
    schema = schemas.get(message["kind"])
    if schema is None:
        raise Rejected(DeadLetterReason.UNKNOWN_KIND, message["kind"])
    return schema


def check(message) -> dict:
    """Verify, open and validate ``message``; return it as the handler will see it.
    Raises ``Rejected`` (with the dead-letter reason) if it may not be applied."""
    schema = checked_envelope(message, SCHEMAS)
    opened = open_payload(message)
    try:
        schema(opened["payload"], "payload")
    except _Invalid as exc:
        raise Rejected(DeadLetterReason.INVALID_PAYLOAD, str(exc)) from exc
    if message["kind"] == services.FORWARDED:
        applicant = opened["payload"]["applicant"]
        try:
            services.validate_applicant(
                services.Applicant(
                    kind=applicant["kind"],
                    name=applicant["name"],
                    id_number=applicant["id_number"],
                    phone=applicant["phone"],
                )
            )
        except DomainError as exc:
            # The code only: the message would echo the ID number back into the logs.
            raise Rejected(
                DeadLetterReason.INVALID_PAYLOAD, f"payload.applicant: {exc.code}"
            ) from exc
    return opened
