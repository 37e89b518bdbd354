"""督办: a supervisor's order on a red case travels to the handling centre through the outbox,
its outcome (the case moved, or an explanation) comes back the same way, and an order left
unanswered past its deadline becomes a red card — once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from core.errors import DomainError
from core.roles import Actor, Role
from delegation import services as s
from messaging.models import DeadLetter, OutboxMessage
from messaging.signing import sign
from supervision import orders
from supervision import services as sup
from supervision.centre.models import ReceivedOrder
from supervision.inbox import receive
from supervision.models import RedCard, SupervisionOrder
from tenants.models import ServiceCentre
from tenants.tenancy import in_centre
from tests.delegation.conftest import (
    CITY,
    COUNTY,
    COUNTY_STAFF,
    OTHER_VILLAGE,
    TOWN_STAFF,
    TOWNSHIP,
    VILLAGE,
)
from tests.delegation.test_chain import drain, log_and_forward
from tests.supervision.test_evaluation import DAY0, at, move

CITY_SUPERVISOR = Actor(name="吴督办", role=Role.SUPERVISOR, centre=CITY)
COUNTY_SUPERVISOR = Actor(name="郑督办", role=Role.SUPERVISOR, centre=COUNTY)
OTHER_COUNTY_SUPERVISOR = Actor(name="冯督办", role=Role.SUPERVISOR, centre="420581")
LATE = dt.date(2026, 10, 20)  # the township's 5 working days from DAY0 are long over


def red_at_township(item: str = "C-1") -> str:
    """A case received at the township on DAY0 and still not accepted: red intake there."""
    no = log_and_forward(item)
    move(TOWNSHIP, no, submitted_at=at(DAY0), intake_on=DAY0)
    sup.evaluate(today=LATE)
    return no


def at_centre(code: str):
    return in_centre(ServiceCentre.objects.get(division_code=code))


def received(code: str, order_id) -> ReceivedOrder | None:
    with at_centre(code):
        return ReceivedOrder.objects.filter(pk=order_id).first()


def outbox(kind: str) -> int:
    return OutboxMessage.objects.filter(kind=kind).count()


def test_the_case_moves_and_the_issuer_hears_of_it(network):
    no = red_at_township()
    order = orders.issue_order(COUNTY_SUPERVISOR, TOWNSHIP, no, note="请今日受理或一次性告知")
    assert (order.issuer_code, order.centre_code, order.county_code) == (COUNTY, TOWNSHIP, COUNTY)
    assert order.step == "intake" and order.outcome == ""
    # The default deadline: three working days after today, by the project's calendar.
    from workdays.calendar import add_working_days

    assert order.deadline == add_working_days(timezone.localdate(), 3).due
    message = OutboxMessage.objects.get(kind=orders.ORDER)
    assert (message.sender, message.recipient, message.stream, message.seq) == (
        COUNTY,
        TOWNSHIP,
        order.id,
        1,
    )
    assert received(TOWNSHIP, order.id) is None  # nothing crossed until the relay carried it

    drain()
    copy = received(TOWNSHIP, order.id)
    assert (copy.tracking_no, copy.state_at_arrival, copy.deadline, copy.note) == (
        no,
        "submitted",
        order.deadline,
        "请今日受理或一次性告知",
    )
    assert copy.issuer_name and copy.issued_by == "郑督办"
    with at_centre(TOWNSHIP):
        assert [o.pk for o in orders.open_orders_here()] == [order.id]

    s.accept_case(TOWNSHIP, TOWN_STAFF, no)  # the hook after the transition answers it
    copy = received(TOWNSHIP, order.id)
    assert (copy.outcome, copy.moved_to, copy.answered_by) == ("moved", "accepted", "李窗口")
    order.refresh_from_db()
    assert order.outcome == ""  # still on its way back
    drain()
    order.refresh_from_db()
    assert (order.outcome, order.moved_to, order.answered_by) == ("moved", "accepted", "李窗口")
    assert order.outcome_received_at is not None
    # A later move sends nothing more.
    before = outbox(orders.OUTCOME)
    s.escalate_case(TOWNSHIP, TOWN_STAFF, no)
    assert outbox(orders.OUTCOME) == before


def test_the_centre_explains_and_the_explanation_returns(network):
    no = red_at_township()
    order = orders.issue_order(
        CITY_SUPERVISOR, TOWNSHIP, no, note="逾期未受理", deadline=dt.date(2027, 1, 5)
    )
    drain()
    answered = orders.answer_order(
        TOWNSHIP, TOWN_STAFF, order.id, note="申请人材料原件在途，明日受理"
    )
    assert answered.outcome == "explained"
    with pytest.raises(DomainError) as again:
        orders.answer_order(TOWNSHIP, TOWN_STAFF, order.id, note="再说明一次")
    assert again.value.code == "supervision_order_answered"
    drain()
    order.refresh_from_db()
    assert (order.outcome, order.outcome_note, order.answered_by, order.issuer_code) == (
        "explained",
        "申请人材料原件在途，明日受理",
        "李窗口",
        CITY,
    )
    # Answered: the case may be ordered again while it stays red.
    second = orders.issue_order(CITY_SUPERVISOR, TOWNSHIP, no, note="仍未受理")
    assert second.pk != order.pk
    # The case moving now answers only the open one (here: before the order even arrived,
    # so the handling centre answers it on arrival).
    s.accept_case(TOWNSHIP, TOWN_STAFF, no)
    drain()
    assert received(TOWNSHIP, second.pk).answered_by == "system"
    second.refresh_from_db()
    order.refresh_from_db()
    assert (order.outcome, second.outcome) == ("explained", "moved")


def test_a_redelivered_order_or_outcome_is_applied_once(network):
    no = red_at_township()
    orders.issue_order(COUNTY_SUPERVISOR, TOWNSHIP, no, note="督办")
    message = OutboxMessage.objects.get(kind=orders.ORDER).as_message()
    drain()
    assert receive(message) == "duplicate"
    with at_centre(TOWNSHIP):
        assert ReceivedOrder.objects.count() == 1
    s.accept_case(TOWNSHIP, TOWN_STAFF, no)
    outcome = OutboxMessage.objects.get(kind=orders.OUTCOME).as_message()
    drain()
    assert receive(outcome) == "duplicate"


def test_forged_or_misdirected_messages_are_dead_letters(network):
    no = red_at_township()
    orders.issue_order(COUNTY_SUPERVISOR, TOWNSHIP, no, note="督办")
    message = OutboxMessage.objects.get(kind=orders.ORDER).as_message()
    OutboxMessage.objects.all().delete()
    forged = {**message, "payload": {**message["payload"], "note": "改过的意见"}}
    assert receive(forged) == "rejected"  # the signature no longer matches
    # Signed, but from a county that does not supervise this township.
    import uuid

    stranger = sign({**message, "id": str(uuid.uuid4()), "sender": "420581"})
    assert receive(stranger) == "rejected"
    unknown_case = sign(
        {**message, "id": str(uuid.uuid4()), "payload": {**message["payload"], "case_id": 99999}}
    )
    assert receive(unknown_case) == "rejected"
    assert set(DeadLetter.objects.values_list("reason", flat=True)) == {
        "bad_signature",
        "wrong_sender",
        "invalid_payload",
    }
    with at_centre(TOWNSHIP):
        assert ReceivedOrder.objects.count() == 0
    assert receive(message) == "applied"  # the genuine one still applies


def test_another_centre_cannot_see_or_answer_the_order(network):
    no = red_at_township()
    order = orders.issue_order(COUNTY_SUPERVISOR, TOWNSHIP, no, note="督办")
    drain()
    with at_centre(COUNTY):
        assert orders.open_orders_here() == []
    with pytest.raises(DomainError) as wrong:
        orders.answer_order(TOWNSHIP, COUNTY_STAFF, order.id, note="不是我的")
    assert wrong.value.code == "wrong_centre"
    with pytest.raises(DomainError) as elsewhere:
        orders.answer_order(COUNTY, COUNTY_STAFF, order.id, note="不是我的")
    assert elsewhere.value.code == "supervision_order_not_found"
    with pytest.raises(DomainError) as empty:
        orders.answer_order(TOWNSHIP, TOWN_STAFF, order.id, note="  ")
    assert empty.value.code == "supervision_explanation_required"
    with pytest.raises(DomainError) as bad_id:
        orders.answer_order(TOWNSHIP, TOWN_STAFF, "not-an-id", note="说明")
    assert bad_id.value.code == "supervision_order_not_found"
    assert received(TOWNSHIP, order.id).outcome == ""
    # Nor read the network list outside their jurisdiction.
    assert list(orders.network_orders(OTHER_COUNTY_SUPERVISOR)) == []
    assert [o.pk for o in orders.network_orders(CITY_SUPERVISOR, county=COUNTY)] == [order.pk]
    with pytest.raises(DomainError) as outside:
        orders.network_orders(OTHER_COUNTY_SUPERVISOR, county=COUNTY)
    assert outside.value.code == "out_of_jurisdiction"
    with pytest.raises(DomainError) as staff:
        orders.network_orders(COUNTY_STAFF)
    assert staff.value.code == "not_supervisor"


@pytest.mark.parametrize(
    ("actor", "where", "kwargs", "code"),
    [
        (COUNTY_STAFF, TOWNSHIP, {}, "not_supervisor"),
        (Actor(name="孙考核", role=Role.ASSESSOR, centre=CITY), TOWNSHIP, {}, "not_supervisor"),
        (OTHER_COUNTY_SUPERVISOR, TOWNSHIP, {}, "out_of_jurisdiction"),
        (COUNTY_SUPERVISOR, CITY, {}, "out_of_jurisdiction"),  # above the county
        (COUNTY_SUPERVISOR, "420506999000", {}, "out_of_jurisdiction"),  # no such centre
        (COUNTY_SUPERVISOR, VILLAGE, {}, "case_not_red"),  # forwarded: no step there now
        (COUNTY_SUPERVISOR, TOWNSHIP, {"tracking_no": "NO-SUCH"}, "case_not_found"),
        (COUNTY_SUPERVISOR, TOWNSHIP, {"note": " "}, "supervision_note_required"),
        (COUNTY_SUPERVISOR, TOWNSHIP, {"note": "长" * 1001}, "supervision_note_too_long"),
        (COUNTY_SUPERVISOR, TOWNSHIP, {"deadline": "today"}, "supervision_deadline_past"),
        (COUNTY_SUPERVISOR, TOWNSHIP, {"deadline": "yesterday"}, "supervision_deadline_past"),
        (
            COUNTY_SUPERVISOR,
            TOWNSHIP,
            {"deadline": dt.date(2027, 10, 2)},  # National Day
            "supervision_deadline_not_working_day",
        ),
        (COUNTY_SUPERVISOR, TOWNSHIP, {"deadline": "next year"}, "supervision_deadline_too_far"),
        (COUNTY_SUPERVISOR, TOWNSHIP, {"deadline": "2027-01-05"}, "supervision_deadline_invalid"),
    ],
)
def test_bad_orders_are_refused_and_nothing_is_written(network, actor, where, kwargs, code):
    no = red_at_township()
    today = timezone.localdate()
    days = {
        "today": today,
        "yesterday": today - dt.timedelta(days=1),
        "next year": today + dt.timedelta(days=400),
    }
    kwargs = {"note": "督办", "tracking_no": no, **kwargs}
    if kwargs.get("deadline") in days:
        kwargs["deadline"] = days[kwargs["deadline"]]
    tracking_no = kwargs.pop("tracking_no")
    with pytest.raises(DomainError) as refused:
        orders.issue_order(actor, where, tracking_no, **kwargs)
    assert refused.value.code == code
    assert str(refused.value.message) and refused.value.message_in("en")
    assert SupervisionOrder.objects.count() == 0
    assert outbox(orders.ORDER) == 0


def test_a_case_that_is_not_red_cannot_be_ordered(network):
    no = log_and_forward("C-1")  # received today: nothing late
    with pytest.raises(DomainError) as refused:
        orders.issue_order(COUNTY_SUPERVISOR, TOWNSHIP, no, note="督办")
    assert refused.value.code == "case_not_red"
    assert outbox(orders.ORDER) == 0


def test_a_second_open_order_on_the_same_case_is_refused(network):
    no = red_at_township()
    orders.issue_order(COUNTY_SUPERVISOR, TOWNSHIP, no, note="督办")
    with pytest.raises(DomainError) as refused:
        orders.issue_order(CITY_SUPERVISOR, TOWNSHIP, no, note="再督办")
    assert refused.value.code == "supervision_order_open"
    assert SupervisionOrder.objects.count() == 1
    assert outbox(orders.ORDER) == 1


def test_an_unanswered_order_becomes_one_red_card(network):
    late, answered = red_at_township(), red_at_township("T-1")
    deadline = dt.date(2027, 1, 6)
    missed = orders.issue_order(COUNTY_SUPERVISOR, TOWNSHIP, late, note="督办", deadline=deadline)
    kept = orders.issue_order(COUNTY_SUPERVISOR, TOWNSHIP, answered, note="督办", deadline=deadline)
    drain()
    orders.answer_order(TOWNSHIP, TOWN_STAFF, kept.id, note="已电话联系申请人")
    drain()
    assert orders.issue_red_cards(today=deadline) == 0  # the deadline day is still in time
    assert orders.issue_red_cards(today=deadline + dt.timedelta(days=1)) == 1
    assert orders.issue_red_cards(today=deadline + dt.timedelta(days=1)) == 0
    assert orders.issue_red_cards(today=deadline + dt.timedelta(days=9)) == 0
    card = RedCard.objects.get()
    assert (card.order_id, card.centre_code, card.county_code, card.raised_on) == (
        missed.pk,
        TOWNSHIP,
        COUNTY,
        deadline + dt.timedelta(days=1),
    )
    assert [c.pk for c in orders.network_red_cards(CITY_SUPERVISOR, county=COUNTY)] == [missed.pk]
    assert list(orders.network_red_cards(OTHER_COUNTY_SUPERVISOR)) == []
    # An outcome arriving after the card is recorded on the order; the card stays.
    s.accept_case(TOWNSHIP, TOWN_STAFF, late)
    drain()
    missed.refresh_from_db()
    assert missed.outcome == "moved" and RedCard.objects.count() == 1


def test_the_red_card_command_is_idempotent(network):
    from io import StringIO

    from django.core.management import call_command

    no = red_at_township()
    order = orders.issue_order(COUNTY_SUPERVISOR, TOWNSHIP, no, note="督办")
    day = (order.deadline + dt.timedelta(days=1)).isoformat()
    first, second = StringIO(), StringIO()
    call_command("issue_red_cards", today=day, stdout=first)
    call_command("issue_red_cards", today=day, stdout=second)
    assert "1" in first.getvalue() and "0" in second.getvalue()
    assert RedCard.objects.count() == 1
    from supervision.tasks import red_cards

    assert red_cards() == 0  # today is before the deadline's next day


def test_the_village_agent_forwarding_ends_an_order_on_a_late_forward(network):
    case = s.log_request(
        VILLAGE,
        Actor(name="王代办", role=Role.AGENT, centre=VILLAGE),
        applicant=s.Applicant(
            kind="person", name="刘桂兰", id_number="420581199001010011", phone="13907171234"
        ),
        item_code="C-1",
        materials_received=["居民身份证", "申请表"],
    )
    move(VILLAGE, case.tracking_no, submitted_at=at(DAY0))
    sup.evaluate(today=LATE)
    order = orders.issue_order(CITY_SUPERVISOR, VILLAGE, case.tracking_no, note="请报送")
    assert order.step == "forward" and order.county_code == COUNTY
    drain()
    s.forward_case(VILLAGE, Actor(name="王代办", role=Role.AGENT, centre=VILLAGE), case.tracking_no)
    drain()
    order.refresh_from_db()
    assert (order.outcome, order.moved_to) == ("moved", "escalated")
    assert OTHER_VILLAGE  # (a village of another county: see the jurisdiction cases above)


def test_an_order_arriving_notifies_the_centre_desk_once(network):
    from notifications.models import StaffNotification

    no = red_at_township()
    orders.issue_order(COUNTY_SUPERVISOR, TOWNSHIP, no, note="请于期限内受理")
    assert not StaffNotification.objects.filter(kind="duban").exists()  # not before it arrives
    message = OutboxMessage.objects.get(kind=orders.ORDER).as_message()
    drain()
    assert receive(message) == "duplicate"
    notices = StaffNotification.objects.filter(kind="duban", tracking_no=no)
    assert [(n.centre.division_code, n.text_args["note"]) for n in notices] == [
        (TOWNSHIP, "请于期限内受理")
    ]
