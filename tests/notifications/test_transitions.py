"""Each kind of notification is written by the transition that causes it, in its transaction:
at the centre of application for the applicant, at the receiving centre for staff."""

from __future__ import annotations

import pytest
from django.db import transaction

from delegation import services as s
from messaging import relay
from messaging.transport import LocalTransport
from notifications.models import SmsKind, SmsStatus, StaffKind
from tests.delegation.conftest import (
    AGENT,
    COUNTY,
    COUNTY_STAFF,
    PERSON,
    TOWN_STAFF,
    TOWNSHIP,
    VILLAGE,
)
from tests.notifications.conftest import sms, staff

pytestmark = pytest.mark.usefixtures("network")
ALL = ["居民身份证", "申请表"]


def drain() -> int:
    return relay.drain(LocalTransport())


def proxy_case(item: str = "C-1", **kwargs) -> str:
    case = s.log_request(
        VILLAGE, AGENT, applicant=PERSON, item_code=item, materials_received=ALL, **kwargs
    )
    s.forward_case(VILLAGE, AGENT, case.tracking_no)
    drain()
    return case.tracking_no


def window_case(code: str = TOWNSHIP, actor=TOWN_STAFF, item: str = "T-1", received=ALL) -> str:
    case = s.log_request(code, actor, applicant=PERSON, item_code=item, materials_received=received)
    return case.tracking_no


def test_a_window_case_tells_the_applicant_each_step_from_its_centre():
    number = window_case()
    assert sms(number) == []
    s.accept_case(TOWNSHIP, TOWN_STAFF, number)
    (accepted,) = sms(number, SmsKind.ACCEPTED)
    assert accepted.centre.division_code == TOWNSHIP
    assert accepted.phone == PERSON.phone and accepted.status == SmsStatus.PENDING
    assert number in accepted.text and "【龙泉镇便民中心】" in accepted.text
    from delegation.models import Case
    from tenants.tenancy import in_centre

    with in_centre(accepted.centre):
        code = Case.objects.get(tracking_no=number).query_code
    assert f"查询码{code}" in accepted.text
    s.start_review(TOWNSHIP, TOWN_STAFF, number)
    s.approve_case(TOWNSHIP, TOWN_STAFF, number)
    (decided,) = sms(number, SmsKind.DECIDED)
    assert "准予许可" in decided.text
    assert sms(number, SmsKind.READY) == []  # collected at the window, not a village


def test_a_one_time_notice_lists_every_material_and_where_to_bring_them():
    number = window_case(received=[])
    s.request_supplement(TOWNSHIP, TOWN_STAFF, number, materials=ALL)
    (notice,) = sms(number, SmsKind.NOTICE)
    assert "居民身份证、申请表" in notice.text
    assert "龙泉镇便民服务中心" in notice.text and "0717-7710001" in notice.text
    assert "龙泉镇龙泉大道 66 号" in notice.text


def test_a_proxy_case_is_told_from_the_village_whatever_tier_acts():
    number = proxy_case("C-1")  # decided at the county: township escalates
    assert staff(TOWNSHIP, StaffKind.INCOMING)[0].tracking_no == number
    s.accept_case(TOWNSHIP, TOWN_STAFF, number)
    drain()
    (accepted,) = sms(number, SmsKind.ACCEPTED)
    assert accepted.centre.division_code == VILLAGE
    assert accepted.text.startswith("【龙泉镇龙泉村】")
    s.escalate_case(TOWNSHIP, TOWN_STAFF, number)
    drain()
    assert staff(COUNTY, StaffKind.INCOMING)[0].tracking_no == number
    s.accept_case(COUNTY, COUNTY_STAFF, number)
    drain()
    assert len(sms(number, SmsKind.ACCEPTED)) == 1  # the county's acceptance: no second SMS
    s.request_supplement(COUNTY, COUNTY_STAFF, number, materials=["申请表"])
    drain()
    (notice,) = sms(number, SmsKind.NOTICE)
    assert notice.centre.division_code == VILLAGE and "申请表" in notice.text
    assert "龙泉镇龙泉村便民服务室" in notice.text  # brought to the village: full-process proxy
    s.receive_supplement(VILLAGE, AGENT, number, materials=["申请表"])
    drain()
    assert [n.text_args["materials"] for n in staff(COUNTY, StaffKind.SUPPLEMENT)] == [["申请表"]]
    assert staff(TOWNSHIP, StaffKind.SUPPLEMENT) == []  # passed up, not the asking centre
    s.start_review(COUNTY, COUNTY_STAFF, number)
    s.deny_case(COUNTY, COUNTY_STAFF, number, reason="不符合条件")
    drain()
    (decided,) = sms(number, SmsKind.DECIDED)
    assert decided.centre.division_code == VILLAGE and "不予许可" in decided.text
    (ready,) = sms(number, SmsKind.READY)
    assert "龙泉镇龙泉村便民服务室" in ready.text
    assert {m.centre.division_code for m in sms(number)} == {VILLAGE}


def test_a_refusal_is_the_decision_the_applicant_hears():
    number = proxy_case("T-1")
    s.refuse_case(TOWNSHIP, TOWN_STAFF, number, reason="不属于受理范围")
    drain()
    (decided,) = sms(number, SmsKind.DECIDED)
    assert "不予受理" in decided.text
    assert sms(number, SmsKind.READY) == []


def test_no_phone_no_sms():
    from dataclasses import replace

    case = s.log_request(
        TOWNSHIP,
        TOWN_STAFF,
        applicant=replace(PERSON, phone=""),
        item_code="T-1",
        materials_received=ALL,
    )
    s.accept_case(TOWNSHIP, TOWN_STAFF, case.tracking_no)
    assert sms(case.tracking_no) == []


def test_nothing_is_written_when_the_transition_rolls_back():
    number = window_case()

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        s.accept_case(TOWNSHIP, TOWN_STAFF, number)
        assert len(sms(number, SmsKind.ACCEPTED)) == 1  # written inside the transaction
        raise Boom
    assert sms(number) == []
    # A transition refused by a rule writes nothing either.
    with pytest.raises(s.DomainError):
        s.approve_case(TOWNSHIP, TOWN_STAFF, number)
    assert sms(number) == []


def test_an_incoming_case_rolled_back_at_the_receiver_notifies_nobody():
    case = s.log_request(VILLAGE, AGENT, applicant=PERSON, item_code="C-1", materials_received=ALL)
    s.forward_case(VILLAGE, AGENT, case.tracking_no)

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        drain()
        assert len(staff(TOWNSHIP, StaffKind.INCOMING)) == 1
        raise Boom
    assert staff(TOWNSHIP, StaffKind.INCOMING) == []
    drain()
    assert len(staff(TOWNSHIP, StaffKind.INCOMING)) == 1


def test_a_redelivered_message_writes_nothing_twice():
    from messaging.models import OutboxMessage

    case = s.log_request(VILLAGE, AGENT, applicant=PERSON, item_code="T-1", materials_received=ALL)
    s.forward_case(VILLAGE, AGENT, case.tracking_no)
    drain()
    s.accept_case(TOWNSHIP, TOWN_STAFF, case.tracking_no)
    drain()
    from delegation.inbox import receive_batch

    sent = [m.as_message() for m in OutboxMessage.objects.order_by("created_at")]
    receive_batch(sent)  # the transport delivers everything again
    assert len(sms(case.tracking_no, SmsKind.ACCEPTED)) == 1
    assert len(staff(TOWNSHIP, StaffKind.INCOMING)) == 1


def test_the_phone_and_the_text_are_sealed_at_rest():
    from django.db import connection

    number = window_case()
    s.accept_case(TOWNSHIP, TOWN_STAFF, number)
    with connection.cursor() as cur:
        cur.execute(
            "SELECT phone, text, phone_hash FROM public.notifications_smsmessage "
            "WHERE tracking_no = %s",
            [number],
        )
        ((phone, text, phone_hash),) = cur.fetchall()
    assert phone.startswith("pd1.") and text.startswith("pd1.")
    assert PERSON.phone not in phone + text + phone_hash and number not in text
    (message,) = sms(number)
    assert message.phone == PERSON.phone and number in message.text  # opened by the model


def test_a_key_rotation_reseals_the_messages_and_keeps_dedupe(settings):
    import base64
    import os

    from django.core.management import call_command

    def key() -> str:
        return base64.b64encode(os.urandom(32)).decode()

    old, new = f"old:{key()}", f"new:{key()}"
    settings.PERSONAL_DATA_KEYS = old
    number = window_case()
    s.accept_case(TOWNSHIP, TOWN_STAFF, number)
    settings.PERSONAL_DATA_KEYS = f"{new},{old}"
    call_command("reseal_personal_data", verbosity=0)
    settings.PERSONAL_DATA_KEYS = new  # the old key dropped: the message still opens
    (message,) = sms(number)
    assert message.phone == PERSON.phone and number in message.text
    from core import personal_data

    assert message.phone_hash == personal_data.lookup_hash(PERSON.phone)
    # Written again after the rotation, the same message is still recognised as written.
    from notifications.services import notify_applicant

    assert not notify_applicant(
        TOWNSHIP, SmsKind.ACCEPTED, tracking_no=number, phone=PERSON.phone, args={"query_code": "X"}
    )
