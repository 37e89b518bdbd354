"""Sending the SMS that are due: one message per transaction, claimed with
``FOR UPDATE SKIP LOCKED`` so that several workers never take the same row.

For each message, in its transaction:

1. a non-essential message whose applicant has opted out since it was written is withheld
   (``suppressed``);
2. the phone's rate limit: under a transaction-level advisory lock on the phone's hash (two
   workers sending to one phone take turns), the messages sent to it within
   ``SMS_RATE_WINDOW_SECONDS`` are counted; at ``SMS_PER_PHONE_LIMIT`` the message waits until
   the oldest of them leaves the window (deferred, not an attempt, never dropped);
3. the gateway gets it with the row's id as idempotency key. Accepted (or "already have it"):
   ``sent``. A retryable failure: ``attempts + 1`` and the next try after
   ``SMS_RETRY_BASE_SECONDS`` × 2^(attempts − 1), capped at ``SMS_RETRY_CAP_SECONDS``; after
   ``SMS_MAX_ATTEMPTS``, or at once for a refusal, ``failed`` with the error's code and text.

A crash after the gateway took a message but before the commit leaves the row pending: it is
sent again under the same idempotency key and the gateway drops the copy.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from notifications.gateways import GatewayError, SmsRequest, default_gateway
from notifications.models import ESSENTIAL_KINDS, SmsMessage, SmsPreference, SmsStatus
from notifications.texts import short_name

log = logging.getLogger(__name__)


@dataclass
class SendReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    deferred: int = 0
    suppressed: int = 0
    codes: dict[str, int] = field(default_factory=dict)

    @property
    def handled(self) -> int:
        return self.sent + self.retried + self.failed + self.deferred + self.suppressed


def retry_delay(attempts: int) -> dt.timedelta:
    """The wait after the ``attempts``-th failed try: base, 2×base, 4×base … up to the cap."""
    base, cap = settings.SMS_RETRY_BASE_SECONDS, settings.SMS_RETRY_CAP_SECONDS
    return dt.timedelta(seconds=min(cap, base * 2 ** min(max(attempts - 1, 0), 30)))


def _claim(now: dt.datetime) -> SmsMessage | None:
    return (
        SmsMessage.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("centre")
        .filter(status=SmsStatus.PENDING)
        .exclude(next_attempt_at__gt=now)
        .order_by("created_at")
        .first()
    )


def _opted_out(message: SmsMessage) -> bool:
    if message.kind in ESSENTIAL_KINDS:
        return False
    return SmsPreference.objects.filter(
        centre_id=message.centre_id, tracking_no=message.tracking_no, opt_out=True
    ).exists()


def _rate_limited(message: SmsMessage, now: dt.datetime) -> dt.datetime | None:
    """When the phone may get its next message, if it has had its fill in the window."""
    window = dt.timedelta(seconds=settings.SMS_RATE_WINDOW_SECONDS)
    with connection.cursor() as cur:
        # hashtextextended: a 64-bit key from the phone's hash (itself keyed, never the number).
        cur.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [message.phone_hash])
    recent = list(
        SmsMessage.objects.filter(
            phone_hash=message.phone_hash, status=SmsStatus.SENT, sent_at__gt=now - window
        )
        .order_by("sent_at")
        .values_list("sent_at", flat=True)[: settings.SMS_PER_PHONE_LIMIT]
    )
    if len(recent) < settings.SMS_PER_PHONE_LIMIT:
        return None
    return recent[0] + window


def send_one(gateway, now: dt.datetime | None = None, report: SendReport | None = None) -> bool:
    """Claim and handle the oldest due message; False when none is due."""
    report = report if report is not None else SendReport()
    now = now or timezone.now()
    connection.set_schema_to_public()
    with transaction.atomic():
        message = _claim(now)
        if message is None:
            return False
        if _opted_out(message):
            message.status = SmsStatus.SUPPRESSED
            message.last_error_code = "opted_out"
            message.save(update_fields=["status", "last_error_code"])
            report.suppressed += 1
            return True
        wait_until = _rate_limited(message, now)
        if wait_until is not None:
            message.next_attempt_at = wait_until
            message.last_error_code = "rate_limited"
            message.save(update_fields=["next_attempt_at", "last_error_code"])
            report.deferred += 1
            log.info("SMS %s to %s waits for the rate limit", message.id, _masked(message))
            return True
        message.attempts += 1
        message.gateway = gateway.name
        request = SmsRequest(
            id=str(message.id),
            phone=message.phone,
            text=message.text,
            sender=short_name(message.centre.name),
        )
        try:
            receipt = _send(gateway, request)
        except GatewayError as exc:
            message.last_error_code = exc.code
            message.last_error = f"{exc.message_in('zh-hans')} {exc.detail}".strip()[:2000]
            report.codes[exc.code] = report.codes.get(exc.code, 0) + 1
            if exc.retryable and message.attempts < settings.SMS_MAX_ATTEMPTS:
                message.next_attempt_at = now + retry_delay(message.attempts)
                report.retried += 1
                log.warning(
                    "SMS %s to %s not sent (%s, try %d): retry at %s",
                    message.id,
                    _masked(message),
                    exc.code,
                    message.attempts,
                    message.next_attempt_at.isoformat(),
                )
            else:
                message.status = SmsStatus.FAILED
                report.failed += 1
                log.error(
                    "SMS %s to %s failed for good (%s, %d tries)",
                    message.id,
                    _masked(message),
                    exc.code,
                    message.attempts,
                )
        else:
            message.status = SmsStatus.SENT
            message.sent_at = now
            message.next_attempt_at = None
            message.last_error_code = ""
            message.gateway_message_id = receipt.gateway_message_id[:100]
            report.sent += 1
        message.save(
            update_fields=[
                "status",
                "attempts",
                "gateway",
                "next_attempt_at",
                "last_error_code",
                "last_error",
                "gateway_message_id",
                "sent_at",
            ]
        )
        return True


def _send(gateway, request: SmsRequest):
    """The gateway's answer; any failure of its own (a full disk under the console gateway, a
    bug) becomes a retryable ``gateway_error``, recorded on the message like the others."""
    try:
        return gateway.send(request)
    except GatewayError:
        raise
    except Exception as exc:
        raise GatewayError(
            _("短信网关出错。"),
            code="gateway_error",
            retryable=True,
            detail=f"{type(exc).__name__}: {exc}",
        ) from exc


def _masked(message: SmsMessage) -> str:
    from accounts.permissions import mask_phone

    return mask_phone(message.phone)


def send_due(
    limit: int = 200,
    *,
    gateway=None,
    now: dt.datetime | None = None,
    budget_seconds: float | None = None,
) -> SendReport:
    """Handle up to ``limit`` due messages (each in its own transaction), or as many as fit in
    ``budget_seconds``. Idempotent and safe to run from several workers at once."""
    gateway = gateway or default_gateway()
    report = SendReport()
    started = time.monotonic()
    for _pass in range(limit):
        if not send_one(gateway, now, report):
            break
        if budget_seconds is not None and time.monotonic() - started > budget_seconds:
            break
    return report


_last_in_process = 0.0


def send_in_process(every: float = 2.0) -> None:
    """The relay's turn for notifications when there is no broker (no Celery worker): at most
    every ``every`` seconds, send what is due, for at most about a second (a slow gateway must
    not hold up the messages between centres). Never raises (the relay must keep relaying)."""
    global _last_in_process
    if time.monotonic() - _last_in_process < every:
        return
    _last_in_process = time.monotonic()
    try:
        send_due(limit=50, budget_seconds=1.0)
    except Exception:
        log.exception("sending notifications failed; the next pass tries again")
