"""SMS gateways behind one interface: ``send(request) -> GatewayReceipt`` or ``GatewayError``.

* ``ConsoleGateway`` (the default): writes what it would send to the log and to
  ``SMS_OUTBOX_FILE`` (var/sms/outbox.log), the phone masked in both.
* ``HttpGateway``: a JSON POST to ``SMS_GATEWAY_URL``, the body signed with HMAC-SHA256 under
  ``SMS_GATEWAY_SECRET`` (``X-Signature: sha256=<hex>``), with the message's id as
  ``Idempotency-Key`` so the gateway can drop a second copy (a retry after a timeout), and
  with timeouts. Its answers are read strictly: anything but the documented JSON is a coded
  error (``gateway_bad_response``), retried like an outage.

The full phone number is only ever in the sealed row and in the request to the gateway: never
in a log line, an error text or the console file (``scrub``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import re
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts.permissions import mask_phone
from core.errors import DomainError

log = logging.getLogger(__name__)

_PHONE = re.compile(r"(?<!\d)(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})(?!\d)")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def scrub(text: str) -> str:
    """``text`` with every phone number in it masked and control characters (a NUL cannot
    even be stored) replaced: for logs and recorded errors."""
    return _CONTROL.sub("?", _PHONE.sub(lambda m: mask_phone(m.group(0)), text or ""))


@dataclass(frozen=True)
class SmsRequest:
    id: str  # the idempotency key
    phone: str
    text: str
    sender: str  # the signature's short name

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


@dataclass(frozen=True)
class GatewayReceipt:
    gateway_message_id: str = ""
    duplicate: bool = False


class GatewayError(DomainError):
    """The gateway did not take the message. ``retryable``: try again later (an outage, a
    timeout, an answer that cannot be read); otherwise it refused the message for good."""

    code = "gateway_error"

    def __init__(
        self, message, *, code: str, retryable: bool, detail: str = "", params=None
    ) -> None:
        super().__init__(message, code=code, params=params)
        self.retryable = retryable
        self.detail = scrub(detail)[:500]


class ConsoleGateway:
    name = "console"

    def send(self, request: SmsRequest) -> GatewayReceipt:
        line = {
            "id": request.id,
            "at": dt.datetime.now(dt.UTC).isoformat(),
            "to": request.masked_phone,
            "text": request.text,
        }
        log.info("SMS %s to %s: %s", request.id, request.masked_phone, request.text)
        path = settings.SMS_OUTBOX_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
        return GatewayReceipt(gateway_message_id=f"console-{request.id}")


def sign(body: bytes, secret: str) -> str:
    """The ``X-Signature`` header of ``body``: ``sha256=<hex HMAC-SHA256>``."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


class HttpGateway:
    """POST {"id", "to", "text", "sign"} as JSON; the gateway answers 2xx with
    {"id": "<its message id>", "status": "accepted" | "duplicate"}, or 409 for an id it has
    already taken (counted as sent)."""

    name = "http"
    OK = {"accepted", "queued", "sent", "duplicate"}

    def __init__(self, url: str | None = None, secret: str | None = None, timeout=None) -> None:
        self.url = url or settings.SMS_GATEWAY_URL
        self.secret = secret if secret is not None else settings.SMS_GATEWAY_SECRET
        self.timeout = timeout or settings.SMS_GATEWAY_TIMEOUT

    def send(self, request: SmsRequest) -> GatewayReceipt:
        body = json.dumps(
            {"id": request.id, "to": request.phone, "text": request.text, "sign": request.sender},
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode("utf-8")
        http_request = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Idempotency-Key": request.id,
                "X-Signature": sign(body, self.secret),
            },
        )
        try:
            with urllib.request.urlopen(http_request, timeout=self.timeout) as response:
                status, raw = response.status, response.read(64 * 1024)
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, exc.read(64 * 1024) if exc.fp else b""
        except TimeoutError as exc:
            raise GatewayError(
                _("短信网关超时未答复。"), code="gateway_timeout", retryable=True, detail=str(exc)
            ) from exc
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            code = "gateway_timeout" if isinstance(reason, TimeoutError) else "gateway_unreachable"
            raise GatewayError(
                _("无法连接短信网关。"), code=code, retryable=True, detail=str(reason)
            ) from exc
        return self._read(status, raw, request)

    def _read(self, status: int, raw: bytes, request: SmsRequest) -> GatewayReceipt:
        text = raw.decode("utf-8", "replace")
        if status == 409:
            return GatewayReceipt(gateway_message_id=self._id(raw) or "", duplicate=True)
        if status == 429 or status >= 500:
            raise GatewayError(
                _("短信网关暂时不可用（HTTP %(status)s）。"),
                code="gateway_unavailable",
                retryable=True,
                detail=f"HTTP {status}: {text}",
                params={"status": status},
            )
        if not 200 <= status < 300:
            raise GatewayError(
                _("短信网关拒绝了该短信（HTTP %(status)s）。"),
                code="gateway_rejected",
                retryable=False,
                detail=f"HTTP {status}: {text}",
                params={"status": status},
            )
        try:
            answer = json.loads(text)
        except ValueError:
            answer = None
        if (
            not isinstance(answer, dict)
            or answer.get("status") not in self.OK
            or not isinstance(answer.get("id"), str)
            or not answer["id"]
        ):
            raise GatewayError(
                _("短信网关的答复无法识别。"),
                code="gateway_bad_response",
                retryable=True,
                detail=f"HTTP {status}: {text}",
            )
        return GatewayReceipt(answer["id"][:100], duplicate=answer["status"] == "duplicate")

    @staticmethod
    def _id(raw: bytes) -> str | None:
        try:
            answer = json.loads(raw)
        except ValueError:
            return None
        value = answer.get("id") if isinstance(answer, dict) else None
        return value[:100] if isinstance(value, str) else None


def default_gateway():
    return HttpGateway() if settings.SMS_GATEWAY == "http" else ConsoleGateway()
