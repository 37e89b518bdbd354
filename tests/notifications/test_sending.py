"""The worker: each due SMS is handed to the gateway once, retried with capped exponential
backoff, held back by the per-phone rate limit, withheld after an opt-out, its status kept."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from core.roles import Role
from delegation import services as s
from notifications import services as notify
from notifications.gateways import GatewayError, GatewayReceipt
from notifications.models import SmsKind, SmsStatus
from notifications.sending import retry_delay, send_due
from tests.delegation.conftest import PERSON, TOWN_STAFF, TOWNSHIP, actor
from tests.notifications.conftest import sms

pytestmark = pytest.mark.usefixtures("network")
ALL = ["居民身份证", "申请表"]


class Recording:
    """A gateway that takes everything (or fails as told) and remembers what it got."""

    name = "test"

    def __init__(self, failures=()) -> None:
        self.failures = list(failures)
        self.got = []

    def send(self, request):
        self.got.append(request)
        if self.failures:
            raise self.failures.pop(0)
        return GatewayReceipt(gateway_message_id=f"gw-{len(self.got)}")


def accepted_case(phone: str = PERSON.phone, **kwargs) -> str:
    from dataclasses import replace

    case = s.log_request(
        TOWNSHIP,
        TOWN_STAFF,
        applicant=replace(PERSON, phone=phone),
        item_code="T-1",
        materials_received=ALL,
        **kwargs,
    )
    s.accept_case(TOWNSHIP, TOWN_STAFF, case.tracking_no)
    return case.tracking_no


def unavailable():
    return GatewayError("down", code="gateway_unavailable", retryable=True, detail="HTTP 503")


def test_a_due_message_is_sent_once_and_its_status_recorded():
    number = accepted_case()
    gateway = Recording()
    report = send_due(gateway=gateway)
    assert report.sent == 1
    (message,) = sms(number)
    assert message.status == SmsStatus.SENT and message.attempts == 1
    assert message.gateway_message_id == "gw-1" and message.sent_at is not None
    assert gateway.got[0].id == str(message.id) and gateway.got[0].phone == PERSON.phone
    assert gateway.got[0].sender == "龙泉镇便民中心"
    assert send_due(gateway=gateway).handled == 0  # a second run sends nothing
    assert len(gateway.got) == 1


def test_failures_back_off_exponentially_up_to_the_cap_then_fail(settings):
    settings.SMS_RETRY_BASE_SECONDS, settings.SMS_RETRY_CAP_SECONDS = 30, 100
    settings.SMS_MAX_ATTEMPTS = 4
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 4, 5)] == [30, 60, 100, 100, 100]
    number = accepted_case()
    gateway = Recording([unavailable() for _ in range(4)])
    now = timezone.now()
    waits = []
    for _ in range(4):
        report = send_due(gateway=gateway, now=now)
        assert report.handled == 1
        (message,) = sms(number)
        assert send_due(gateway=gateway, now=now).handled == 0  # not before its time
        if message.status == SmsStatus.PENDING:
            waits.append((message.next_attempt_at - now).total_seconds())
            now = message.next_attempt_at
    assert waits == [30, 60, 100]
    assert message.status == SmsStatus.FAILED and message.attempts == 4
    assert message.last_error_code == "gateway_unavailable" and "HTTP 503" in message.last_error


def test_a_refusal_fails_at_once():
    number = accepted_case()
    refused = GatewayError("no", code="gateway_rejected", retryable=False, detail="HTTP 400")
    report = send_due(gateway=Recording([refused]))
    assert report.failed == 1
    (message,) = sms(number)
    assert message.status == SmsStatus.FAILED and message.last_error_code == "gateway_rejected"


def test_the_rate_limit_per_phone_defers_never_drops(settings):
    settings.SMS_PER_PHONE_LIMIT, settings.SMS_RATE_WINDOW_SECONDS = 2, 3600
    numbers = [accepted_case() for _ in range(3)]
    other = accepted_case(phone="13800000000")
    gateway = Recording()
    now = timezone.now()
    report = send_due(gateway=gateway, now=now)
    assert (report.sent, report.deferred) == (3, 1)  # two to the phone, one to the other
    late = [m for m in sms() if m.status == SmsStatus.PENDING]
    assert len(late) == 1 and late[0].tracking_no == numbers[2]
    assert late[0].last_error_code == "rate_limited" and late[0].attempts == 0
    first_sent = min(m.sent_at for m in sms() if m.phone == PERSON.phone and m.sent_at)
    assert late[0].next_attempt_at == first_sent + dt.timedelta(hours=1)
    assert send_due(gateway=gateway, now=now + dt.timedelta(minutes=30)).handled == 0
    report = send_due(gateway=gateway, now=late[0].next_attempt_at + dt.timedelta(seconds=1))
    assert report.sent == 1
    assert {m.status for m in sms()} == {SmsStatus.SENT}
    assert sum(1 for r in gateway.got if r.phone == "13800000000") == 1
    assert other


def test_opting_out_withholds_only_the_non_essential_kinds():
    number = accepted_case(sms_opt_out=True)
    # Essential: the acceptance goes out.
    assert [m.status for m in sms(number)] == [SmsStatus.PENDING]
    s.start_review(TOWNSHIP, TOWN_STAFF, number)
    s.approve_case(TOWNSHIP, TOWN_STAFF, number)
    notify.notify_applicant(
        TOWNSHIP, SmsKind.RATING, tracking_no=number, phone=PERSON.phone, args={"link": "x"}
    )
    rating = sms(number, SmsKind.RATING)[0]
    assert rating.status == SmsStatus.SUPPRESSED and rating.last_error_code == "opted_out"
    assert sms(number, SmsKind.DECIDED)[0].status == SmsStatus.PENDING
    gateway = Recording()
    assert send_due(gateway=gateway).sent == 2
    sent_ids = {r.id for r in gateway.got}
    assert sent_ids == {str(m.id) for m in sms(number) if m.kind != SmsKind.RATING}
    assert sms(number, SmsKind.RATING)[0].status == SmsStatus.SUPPRESSED


def test_an_opt_out_after_writing_still_withholds_and_can_be_undone():
    number = accepted_case()
    staff = actor(TOWNSHIP, Role.STAFF, "李窗口")
    notify.notify_applicant(
        TOWNSHIP, SmsKind.READY, tracking_no=number, phone=PERSON.phone, args={}
    )
    centre = sms(number)[0].centre
    notify.set_sms_preference(centre, staff, number, opt_out=True)
    assert sms(number, SmsKind.READY)[0].status == SmsStatus.SUPPRESSED
    assert sms(number, SmsKind.ACCEPTED)[0].status == SmsStatus.PENDING
    preference = notify.set_sms_preference(centre, staff, number, opt_out=False, language="en")
    assert (preference.opt_out, preference.language, preference.updated_by) == (
        False,
        "en",
        "李窗口",
    )
    s.start_review(TOWNSHIP, TOWN_STAFF, number)
    s.approve_case(TOWNSHIP, TOWN_STAFF, number)
    decided = sms(number, SmsKind.DECIDED)[0]
    assert decided.language == "en" and "approved" in decided.text.lower()


def test_the_preference_is_refused_at_another_centre_and_for_bad_input():
    number = accepted_case()
    centre = sms(number)[0].centre
    with pytest.raises(notify.PermissionDenied):
        notify.set_sms_preference(centre, actor("420506"), number, opt_out=True)
    with pytest.raises(notify.DomainError) as bad:
        notify.set_sms_preference(centre, TOWN_STAFF, number, opt_out=True, language="fr")
    assert bad.value.code == "invalid_language"
    with pytest.raises(notify.DomainError) as missing:
        notify.set_sms_preference(centre, TOWN_STAFF, "nope", opt_out=True)
    assert missing.value.code == "case_not_found"


def test_the_same_message_is_written_once_per_case_kind_and_recipient():
    number = accepted_case()
    again = notify.notify_applicant(
        TOWNSHIP,
        SmsKind.ACCEPTED,
        tracking_no=number,
        phone=PERSON.phone,
        args={"query_code": "X"},
    )
    assert again is False and len(sms(number)) == 1
    # Another recipient of the same case and kind is another message.
    assert notify.notify_applicant(
        TOWNSHIP,
        SmsKind.ACCEPTED,
        tracking_no=number,
        phone="13800000000",
        args={"query_code": "X"},
    )


def test_without_a_broker_the_relay_sends_them_in_process(settings, tmp_path):
    """``messaging.relay.run_forever`` calls ``send_in_process`` after each pass with the local
    transport: what is due goes out through the configured gateway, at most every few seconds,
    and a failure there never stops the relay."""
    from notifications import sending

    settings.SMS_OUTBOX_FILE = tmp_path / "outbox.log"
    number = accepted_case()
    sending._last_in_process = 0.0
    sending.send_in_process(every=60)
    assert sms(number)[0].status == SmsStatus.SENT
    assert number in settings.SMS_OUTBOX_FILE.read_text(encoding="utf-8")
    second = accepted_case()
    sending.send_in_process(every=60)  # within the interval: not yet
    assert sms(second)[0].status == SmsStatus.PENDING
    settings.SMS_OUTBOX_FILE = "/proc/no/such/dir/outbox.log"  # the gateway fails
    from pathlib import Path

    settings.SMS_OUTBOX_FILE = Path(settings.SMS_OUTBOX_FILE)
    sending._last_in_process = 0.0
    sending.send_in_process(every=60)  # recorded and retried, never raised into the relay
    failed = sms(second)[0]
    assert (failed.status, failed.attempts, failed.last_error_code) == (
        SmsStatus.PENDING,
        1,
        "gateway_error",
    )


def test_the_command_sends_what_is_due(settings, tmp_path):
    from io import StringIO

    from django.core.management import call_command

    settings.SMS_OUTBOX_FILE = tmp_path / "outbox.log"
    number = accepted_case()
    out = StringIO()
    call_command("send_notifications", stdout=out)
    assert "已发送 1" in out.getvalue()
    assert sms(number)[0].status == SmsStatus.SENT


def test_old_messages_lose_phone_and_text_after_the_retention_period_pending_ones_never(
    settings,
):
    from django.db import connection

    from notifications.models import SmsMessage

    settings.SMS_RETENTION_DAYS = 180
    old_sent, old_pending, recent = accepted_case(), accepted_case(), accepted_case()
    send_due(gateway=Recording())
    long_ago = timezone.now() - dt.timedelta(days=181)
    SmsMessage.objects.filter(tracking_no__in=[old_sent, old_pending]).update(created_at=long_ago)
    SmsMessage.objects.filter(tracking_no=old_pending).update(status=SmsStatus.PENDING)

    assert notify.redact_old_sms() == 1
    (erased,) = sms(old_sent)
    assert (erased.phone, erased.phone_hash, erased.text) == ("", "", "")
    assert erased.redacted_at is not None and erased.status == SmsStatus.SENT  # the record stays
    (pending,) = sms(old_pending)
    assert pending.phone == PERSON.phone and pending.redacted_at is None
    assert sms(recent)[0].phone == PERSON.phone
    with connection.cursor() as cur:  # the columns themselves are empty, not a sealed copy
        cur.execute("SELECT phone, text FROM notifications_smsmessage WHERE id = %s", [erased.pk])
        assert cur.fetchone() == ("", "")
    assert notify.redact_old_sms() == 0  # nothing erased twice
