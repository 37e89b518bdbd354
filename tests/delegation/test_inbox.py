"""The inbox: each message applied once, in order per delegation, whatever the transport does."""

from __future__ import annotations

from delegation import inbox
from delegation import services as s
from delegation.models import Case, CaseEvent, InboxMessage, State
from messaging.models import OutboxMessage
from tenants.models import ServiceCentre
from tenants.tenancy import in_centre
from tests.delegation.conftest import AGENT, PERSON, TOWN_STAFF, TOWNSHIP, VILLAGE
from tests.delegation.test_chain import drain

ALL = ["居民身份证", "申请表"]


def messages(kind: str) -> list[dict]:
    return [m.as_message() for m in OutboxMessage.objects.filter(kind=kind).order_by("seq")]


def test_a_redelivered_message_is_applied_once(network):
    case = s.log_request(VILLAGE, AGENT, applicant=PERSON, item_code="C-1", materials_received=ALL)
    s.forward_case(VILLAGE, AGENT, case.tracking_no)
    (message,) = messages(s.FORWARDED)
    assert inbox.receive(message) == inbox.Outcome.APPLIED
    assert inbox.receive(message) == inbox.Outcome.DUPLICATE
    with in_centre(ServiceCentre.objects.get(division_code=TOWNSHIP)):
        assert Case.objects.count() == 1
        assert InboxMessage.objects.count() == 1


def test_messages_arriving_out_of_order_wait_for_their_predecessor(network):
    case = s.log_request(VILLAGE, AGENT, applicant=PERSON, item_code="C-1", materials_received=ALL)
    s.forward_case(VILLAGE, AGENT, case.tracking_no)
    drain()
    no = case.tracking_no
    s.accept_case(TOWNSHIP, TOWN_STAFF, no)  # status seq 1
    s.escalate_case(TOWNSHIP, TOWN_STAFF, no)  # status seq 2
    down = [m for m in messages(s.STATUS) if m["recipient"] == VILLAGE]
    assert [m["seq"] for m in down] == [1, 2]
    assert inbox.receive(down[1]) == inbox.Outcome.PARKED
    village = ServiceCentre.objects.get(division_code=VILLAGE)
    with in_centre(village):
        assert Case.objects.get().upstream_state == State.SUBMITTED  # nothing applied yet
    assert inbox.receive(down[0]) == inbox.Outcome.APPLIED  # applies 1, then the parked 2
    with in_centre(village):
        case = Case.objects.get()
        assert (case.upstream_state, case.upstream_centre) == (State.SUBMITTED, "420506")
        events = list(
            CaseEvent.objects.order_by("seq").values_list("action", "data__upstream_state")
        )
        assert events[-2:] == [("upstream_status", "accepted"), ("upstream_status", "submitted")]
        assert not InboxMessage.objects.filter(applied_at__isnull=True).exists()
    assert inbox.receive(down[1]) == inbox.Outcome.DUPLICATE


# --- batches: several messages to one centre in one transaction -----------------------------------


def _two_statuses_down() -> list[dict]:
    case = s.log_request(VILLAGE, AGENT, applicant=PERSON, item_code="C-1", materials_received=ALL)
    s.forward_case(VILLAGE, AGENT, case.tracking_no)
    drain()
    s.accept_case(TOWNSHIP, TOWN_STAFF, case.tracking_no)
    s.escalate_case(TOWNSHIP, TOWN_STAFF, case.tracking_no)
    return [m for m in messages(s.STATUS) if m["recipient"] == VILLAGE]


def test_a_batch_applies_in_stream_order_whatever_order_it_came_in(network):
    first, second = _two_statuses_down()
    outcomes = inbox.receive_batch([second, first, second])  # reversed, and one id twice
    assert outcomes == [inbox.Outcome.APPLIED, inbox.Outcome.APPLIED, inbox.Outcome.DUPLICATE]
    with in_centre(ServiceCentre.objects.get(division_code=VILLAGE)):
        ups = list(
            CaseEvent.objects.filter(action="upstream_status")
            .order_by("seq")
            .values_list("data__upstream_state", flat=True)
        )
        assert ups == ["accepted", "submitted"]
        assert InboxMessage.objects.count() == 2
        assert not InboxMessage.objects.filter(applied_at__isnull=True).exists()
    assert inbox.receive_batch([first, second]) == [inbox.Outcome.DUPLICATE] * 2


def test_a_batch_fills_the_gap_of_a_message_parked_by_an_earlier_one(network):
    first, second = _two_statuses_down()
    assert inbox.receive_batch([second]) == [inbox.Outcome.PARKED]
    assert inbox.receive_batch([first]) == [inbox.Outcome.APPLIED]
    with in_centre(ServiceCentre.objects.get(division_code=VILLAGE)):
        assert Case.objects.get().upstream_centre == "420506"  # the parked second applied too
        assert not InboxMessage.objects.filter(applied_at__isnull=True).exists()


def test_a_batch_naming_two_centres_is_applied_per_centre_and_an_altered_message_rejected(
    network,
):
    """The relay sends one centre's messages per batch; a batch that names another centre
    (re-addressed in transit: its signature no longer matches) cannot smuggle it in."""
    from messaging.models import DeadLetter

    case = s.log_request(VILLAGE, AGENT, applicant=PERSON, item_code="C-1", materials_received=ALL)
    s.forward_case(VILLAGE, AGENT, case.tracking_no)
    (up,) = messages(s.FORWARDED)
    readdressed = {**up, "id": "00000000-0000-0000-0000-000000000001", "recipient": VILLAGE}
    assert inbox.receive_batch([up, readdressed]) == [
        inbox.Outcome.APPLIED,
        inbox.Outcome.REJECTED,
    ]
    assert DeadLetter.objects.get().reason == "bad_signature"
    with in_centre(ServiceCentre.objects.get(division_code=VILLAGE)):
        assert not InboxMessage.objects.exists()
    with in_centre(ServiceCentre.objects.get(division_code=TOWNSHIP)):
        assert InboxMessage.objects.count() == 1
