"""The http gateway against a real HTTP server on 127.0.0.1 (a random port) that fails in the
ways gateways do: 5xx, slowness past the timeout, garbage bodies, and duplicates. Nothing is
lost, nothing is taken twice, every failure is a coded error recorded on the message and
retried by the policy; the phone number is never logged in full."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from delegation import services as s
from notifications.gateways import GatewayError, HttpGateway, SmsRequest
from notifications.models import SmsStatus
from notifications.sending import send_due
from tests.delegation.conftest import PERSON, TOWN_STAFF, TOWNSHIP
from tests.notifications.conftest import sms

SECRET = "gateway-test-secret"
ALL = ["居民身份证", "申请表"]


class FakeGateway:
    """The SMS provider: checks the signature, keeps each idempotency key once, and answers
    the next scripted way ("ok", "500", "slow", "garbage", "html", "empty") for each request."""

    def __init__(self) -> None:
        self.script: list[str] = []
        self.taken: dict[str, dict] = {}  # idempotency key → body (what would reach a phone)
        self.requests: list[str] = []
        self.lock = threading.Lock()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep the test output quiet
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
                if not hmac.compare_digest(self.headers.get("X-Signature", ""), expected):
                    return self._answer(401, b'{"error": "bad signature"}')
                key = self.headers["Idempotency-Key"]
                message = json.loads(body)
                assert message["id"] == key
                with gateway.lock:
                    gateway.requests.append(key)
                    how = gateway.script.pop(0) if gateway.script else "ok"
                    duplicate = key in gateway.taken
                    if how != "500" and not duplicate:
                        gateway.taken[key] = message  # taken, whatever the answer says
                if how == "500":
                    return self._answer(503, b"Service Unavailable")
                if how == "slow":
                    time.sleep(0.6)  # past the client's timeout: it never hears the answer
                if how == "garbage":
                    return self._answer(200, b"\x00\xffnot json at all 13907171234")
                if how == "html":
                    return self._answer(200, b"<html>ok</html>")
                if how == "empty":
                    return self._answer(200, b"{}")
                if duplicate:
                    return self._answer(409, json.dumps({"id": f"p-{key[:8]}"}).encode())
                return self._answer(
                    200, json.dumps({"id": f"p-{key[:8]}", "status": "accepted"}).encode()
                )

            def _answer(self, status: int, body: bytes):
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def provider():
    with FakeGateway() as server:
        yield server


def gateway(provider, secret=SECRET) -> HttpGateway:
    return HttpGateway(url=provider.url, secret=secret, timeout=0.3)


def request(n: int = 1) -> SmsRequest:
    return SmsRequest(
        id=f"00000000-0000-0000-0000-00000000000{n}",
        phone=PERSON.phone,
        text="【测试】你好",
        sender="测试",
    )


def test_an_accepted_message(provider):
    receipt = gateway(provider).send(request())
    assert receipt.gateway_message_id.startswith("p-") and not receipt.duplicate
    assert provider.taken[request().id]["to"] == PERSON.phone  # the full number: only here


@pytest.mark.parametrize(
    ("how", "code"),
    [
        ("500", "gateway_unavailable"),
        ("slow", "gateway_timeout"),
        ("garbage", "gateway_bad_response"),
        ("html", "gateway_bad_response"),
        ("empty", "gateway_bad_response"),
    ],
)
def test_each_fault_is_a_coded_retryable_error(provider, how, code):
    provider.script = [how]
    with pytest.raises(GatewayError) as failure:
        gateway(provider).send(request())
    assert failure.value.code == code and failure.value.retryable
    assert PERSON.phone not in failure.value.detail  # a body echoing the number is masked


def test_a_bad_signature_is_refused_for_good(provider):
    with pytest.raises(GatewayError) as failure:
        gateway(provider, secret="wrong").send(request())
    assert failure.value.code == "gateway_rejected" and not failure.value.retryable
    assert provider.taken == {}


def test_a_second_copy_is_dropped_by_the_gateway_and_counts_as_sent(provider):
    first = gateway(provider).send(request())
    again = gateway(provider).send(request())
    assert again.duplicate and again.gateway_message_id == first.gateway_message_id
    assert len(provider.taken) == 1


def test_nothing_lost_nothing_sent_twice_through_every_fault(network, provider, caplog, settings):
    settings.SMS_RETRY_BASE_SECONDS, settings.SMS_RETRY_CAP_SECONDS = 1, 4
    settings.SMS_PER_PHONE_LIMIT = 100
    caplog.set_level(logging.DEBUG)
    numbers = []
    for _ in range(6):
        case = s.log_request(
            TOWNSHIP, TOWN_STAFF, applicant=PERSON, item_code="T-1", materials_received=ALL
        )
        s.accept_case(TOWNSHIP, TOWN_STAFF, case.tracking_no)
        numbers.append(case.tracking_no)
    ids = {str(m.id) for m in sms()}
    assert len(ids) == 6
    # First pass: one message each way. The slow and the garbage ones were taken by the
    # gateway although the worker never heard so; their retries come back as duplicates.
    provider.script = ["500", "slow", "garbage", "ok", "html", "500"]
    now = timezone.now()
    report = send_due(gateway=gateway(provider), now=now)
    assert report.sent == 1 and report.retried == 5
    codes = {m.tracking_no: m.last_error_code for m in sms()}
    assert sorted(codes.values()) == sorted(
        [
            "gateway_unavailable",
            "gateway_timeout",
            "gateway_bad_response",
            "",
            "gateway_bad_response",
            "gateway_unavailable",
        ]
    )
    assert all(m.attempts == 1 for m in sms())
    provider.script = ["500", "ok", "ok", "ok", "ok"]
    for _ in range(6):  # time moves on past each backoff
        now += __import__("datetime").timedelta(seconds=5)
        send_due(gateway=gateway(provider), now=now)
    messages = sms()
    assert {m.status for m in messages} == {SmsStatus.SENT}  # nothing lost
    assert set(provider.taken) == ids  # each taken once: nothing sent twice
    assert len(provider.requests) > len(ids)  # although some were handed over again
    assert max(m.attempts for m in messages) >= 3
    # The number never reached a log line in full (the worker's warnings name the message).
    assert caplog.records
    assert not [r for r in caplog.records if PERSON.phone in r.getMessage()]
    assert not [m for m in messages if PERSON.phone in m.last_error]


def test_the_console_gateway_masks_the_phone(network, caplog, settings, tmp_path):
    from notifications.gateways import ConsoleGateway

    settings.SMS_OUTBOX_FILE = tmp_path / "sms" / "outbox.log"
    caplog.set_level(logging.INFO, logger="notifications")
    case = s.log_request(
        TOWNSHIP, TOWN_STAFF, applicant=PERSON, item_code="T-1", materials_received=ALL
    )
    s.accept_case(TOWNSHIP, TOWN_STAFF, case.tracking_no)
    assert send_due(gateway=ConsoleGateway()).sent == 1
    written = settings.SMS_OUTBOX_FILE.read_text(encoding="utf-8")
    assert case.tracking_no in written and "139****1234" in written
    assert PERSON.phone not in written
    assert any("139****1234" in r.getMessage() for r in caplog.records)
    assert not [r for r in caplog.records if PERSON.phone in r.getMessage()]
