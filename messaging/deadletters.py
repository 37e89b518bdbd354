"""The dead-letter store: messages that can never be applied as they are.

Permanent failures (undecodable, bad signature, unknown recipient or kind, a sender that is not
the other end of the delegation, a payload that breaks its kind's schema, a sequence conflict)
are recorded here with the reason instead of being dropped or retried for ever; transient ones
(a deadlock, the database away) are retried with backoff by the transport. An operator lists,
shows, replays or discards them (``manage.py dead_letters``); every action is recorded.

``record`` runs in the receiver's transaction (so a rolled-back batch records nothing and the
one-by-one retry records it once); recording the same message again counts it, nothing more.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError, NotFound
from messaging.models import (
    DeadLetter,
    DeadLetterAction,
    DeadLetterReason,
    DeadLetterStatus,
    ParkedMessage,
)

log = logging.getLogger(__name__)


class Rejected(Exception):
    """A message that must go to the dead letters: ``reason`` is a ``DeadLetterReason``."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = DeadLetterReason(reason)
        self.detail = detail


def _uuid_or_none(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


def _text(value, limit: int = 40) -> str:
    return "" if value is None else str(value)[:limit]


def _storable(value):
    """``value`` with NUL characters replaced (PostgreSQL's jsonb and text refuse them)."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, dict):
        return {_storable(str(k)): _storable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_storable(v) for v in value]
    return value


def record(message, reason: str, detail: str = "") -> None:
    """Keep ``message`` (whatever it is) as a dead letter with ``reason``; log it at ERROR."""
    reason = DeadLetterReason(reason)
    message, detail = _storable(message), _storable(detail)
    envelope = message if isinstance(message, dict) else {}
    body = message if isinstance(message, dict) else {"raw": _text(message, 100_000)}
    now = timezone.now()
    message_id = _uuid_or_none(envelope.get("id"))
    seq = envelope.get("seq")
    seq = seq if isinstance(seq, int) and not isinstance(seq, bool) and abs(seq) < 2**62 else None
    row = [
        message_id,
        reason,
        detail[:4000],
        _text(envelope.get("kind")),
        _text(envelope.get("sender")),
        _text(envelope.get("recipient")),
        _text(envelope.get("stream")),
        seq,
        json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False, default=str),
        now,
        now,
    ]
    with connection.cursor() as cur:
        # The public table, whatever centre's schema the caller is in.
        cur.execute(
            "INSERT INTO public.messaging_deadletter (message_id, reason, detail, kind, sender, "
            "recipient, stream, seq, body, received_at, last_seen_at, times_seen, status) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s, %s, 1, 'dead') "
            "ON CONFLICT (message_id) DO UPDATE SET last_seen_at = EXCLUDED.last_seen_at, "
            "times_seen = messaging_deadletter.times_seen + 1, reason = EXCLUDED.reason, "
            "detail = EXCLUDED.detail, status = 'dead', resolved_at = NULL, "
            "body = COALESCE(messaging_deadletter.body, EXCLUDED.body)",
            row,
        )
    log.error(
        "dead letter (%s): message %s of kind %r from %r to %r: %s",
        reason,
        envelope.get("id"),
        envelope.get("kind"),
        envelope.get("sender"),
        envelope.get("recipient"),
        detail,
    )


# --- what operators do (manage.py dead_letters) ----------------------------------------------


@dataclass(frozen=True)
class Summary:
    open_dead_letters: int
    parked: int
    stale_parked: int
    oldest_parked_seconds: float | None


def summary(now=None) -> Summary:
    from django.conf import settings

    now = now or timezone.now()
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM public.messaging_deadletter WHERE status = 'dead'")
        (dead,) = cur.fetchone()
        cur.execute(
            "SELECT count(*), min(parked_at), count(*) FILTER (WHERE parked_at < %s) "
            "FROM public.messaging_parkedmessage",
            [now - timezone.timedelta(seconds=settings.MESSAGES_PARKED_ALERT_SECONDS)],
        )
        parked, oldest, stale = cur.fetchone()
    return Summary(
        open_dead_letters=dead,
        parked=parked,
        stale_parked=stale,
        oldest_parked_seconds=(now - oldest).total_seconds() if oldest else None,
    )


def _act(
    dead_letter: DeadLetter | None,
    action: str,
    actor: str,
    note: str,
    outcome: str,
    *,
    message_id=None,
) -> DeadLetterAction:
    return DeadLetterAction.objects.create(
        dead_letter=dead_letter,
        message_id=message_id or (dead_letter.message_id if dead_letter else None),
        action=action,
        actor=actor,
        at=timezone.now(),
        note=note,
        outcome=outcome,
    )


def get(dead_letter_id: int, *, lock: bool = False) -> DeadLetter:
    """The dead letter ``dead_letter_id`` (coded ``dead_letter_not_found`` error if none)."""
    rows = DeadLetter.objects.select_for_update() if lock else DeadLetter.objects
    letter = rows.filter(pk=dead_letter_id).first()
    if letter is None:
        raise NotFound(
            _("没有编号为 %(id)s 的死信。"),
            code="dead_letter_not_found",
            params={"id": dead_letter_id},
        )
    return letter


def _open(letter: DeadLetter) -> None:
    if letter.status != DeadLetterStatus.DEAD:
        raise DomainError(
            _("死信 %(id)s 已处理（%(status)s），不能再操作。"),
            code="dead_letter_closed",
            params={"id": letter.pk, "status": letter.get_status_display()},
        )


@dataclass(frozen=True)
class Replay:
    accepted: bool  # false: rejected again (the dead letter stays open, counted once more)
    outcome: str


def replay(dead_letter_id: int, *, actor: str, note: str = "") -> Replay:
    """Deliver the dead letter's message again, through every check (after the cause was fixed:
    a centre provisioned, the registry corrected, a new kind deployed, a key rolled out)."""
    from messaging import dispatch

    connection.set_schema_to_public()
    with transaction.atomic():
        letter = get(dead_letter_id, lock=True)
        _open(letter)
        if letter.body is None:
            raise DomainError(
                _("死信 %(id)s 的内容已按保存期限清除，无法重放。"),
                code="dead_letter_purged",
                params={"id": letter.pk},
            )
        times = letter.times_seen
        outcome = str(dispatch.deliver(letter.body))
        connection.set_schema_to_public()
        letter.refresh_from_db()
        accepted = letter.times_seen == times
        if accepted:
            letter.status = DeadLetterStatus.REPLAYED
            letter.resolved_at = timezone.now()
            letter.save(update_fields=["status", "resolved_at"])
        else:
            outcome = f"rejected again: {letter.reason}: {letter.detail}"
        _act(letter, "replay", actor, note, outcome)
    return Replay(accepted, outcome)


def discard(dead_letter_id: int, *, actor: str, note: str = "") -> None:
    """Give up on a dead letter on purpose (a forgery, a test message): its body is erased."""
    connection.set_schema_to_public()
    with transaction.atomic():
        letter = get(dead_letter_id, lock=True)
        _open(letter)
        letter.status = DeadLetterStatus.DISCARDED
        letter.resolved_at = timezone.now()
        letter.body = None
        letter.save(update_fields=["status", "resolved_at", "body"])
        _act(letter, "discard", actor, note, "discarded")


def bury_parked(message_id: uuid.UUID | str, *, actor: str, note: str = "") -> DeadLetter:
    """Move a parked message (one that waits for a predecessor or delegation that will never
    come) to the dead letters, out of its centre's inbox."""
    from tenants.models import ServiceCentre
    from tenants.tenancy import in_centre

    connection.set_schema_to_public()
    with transaction.atomic():
        parked = ParkedMessage.objects.select_for_update().filter(pk=message_id).first()
        if parked is None:
            raise NotFound(
                _("没有编号为 %(id)s 的搁置消息。"),
                code="parked_message_not_found",
                params={"id": message_id},
            )
        centre = ServiceCentre.objects.get(division_code=parked.recipient)
        with in_centre(centre), connection.cursor() as cur:
            cur.execute(
                "DELETE FROM delegation_inboxmessage WHERE message_id = %s AND applied_at IS NULL "
                "RETURNING body",
                [parked.message_id],
            )
            row = cur.fetchone()
        body = json.loads(row[0]) if row and isinstance(row[0], str) else (row[0] if row else None)
        record(
            body or {"id": str(parked.message_id)},
            DeadLetterReason.STALE_PARKED,
            f"parked since {parked.parked_at.isoformat()}",
        )
        letter = DeadLetter.objects.get(message_id=parked.message_id)
        parked.delete()
        _act(letter, "bury", actor, note, "moved from parking to dead letters")
    return letter


def purge_bodies(before) -> int:
    """Erase the bodies (personal data) of dead letters older than ``before``; the rows, their
    reasons and the operators' actions stay."""
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE public.messaging_deadletter SET body = NULL "
            "WHERE body IS NOT NULL AND received_at < %s",
            [before],
        )
        return cur.rowcount
