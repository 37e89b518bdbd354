"""The full chain: village → township → county → back down to the village, through the services.

Messages go through the real outbox and inbox; the relay is drained in-process (the transport
used without a broker). The RabbitMQ path is covered by test_reliability_rabbitmq.py.
"""

from __future__ import annotations

import pytest

from delegation import services as s
from delegation.models import Case, CaseEvent, State
from delegation.tracking import track
from messaging import relay
from messaging.models import OutboxMessage
from messaging.transport import LocalTransport
from network.models import CaseRecord
from tenants.tenancy import in_centre
from tests.delegation.conftest import (
    AGENT,
    CITY,
    COUNTY,
    COUNTY_STAFF,
    MATERIALS,
    PERSON,
    TOWN_STAFF,
    TOWNSHIP,
    VILLAGE,
)

ALL = ["居民身份证", "申请表"]


def drain() -> int:
    return relay.drain(LocalTransport())


def case_at(centre_code: str, tracking_no: str) -> Case:
    from tenants.models import ServiceCentre

    with in_centre(ServiceCentre.objects.get(division_code=centre_code)):
        return Case.objects.get(tracking_no=tracking_no)


def actions_at(centre_code: str, tracking_no: str) -> list[str]:
    from tenants.models import ServiceCentre

    with in_centre(ServiceCentre.objects.get(division_code=centre_code)):
        return list(
            CaseEvent.objects.filter(case__tracking_no=tracking_no)
            .order_by("seq")
            .values_list("action", flat=True)
        )


def log_and_forward(item="C-1"):
    case = s.log_request(VILLAGE, AGENT, applicant=PERSON, item_code=item, materials_received=ALL)
    s.forward_case(VILLAGE, AGENT, case.tracking_no)
    drain()
    return case.tracking_no


def test_village_to_county_and_back(network):
    no = log_and_forward("C-1")
    assert no.startswith(f"{VILLAGE}-")
    town = case_at(TOWNSHIP, no)
    assert (town.state, town.channel, town.origin_centre) == (State.SUBMITTED, "delegated", VILLAGE)

    s.accept_case(TOWNSHIP, TOWN_STAFF, no)
    s.escalate_case(TOWNSHIP, TOWN_STAFF, no, note="县级审批事项")
    drain()
    county = case_at(COUNTY, no)
    assert county.state == State.SUBMITTED
    assert case_at(VILLAGE, no).effective_state == State.SUBMITTED
    assert case_at(VILLAGE, no).upstream_centre == COUNTY

    s.accept_case(COUNTY, COUNTY_STAFF, no)
    s.start_review(COUNTY, COUNTY_STAFF, no)
    drain()
    village = case_at(VILLAGE, no)
    assert (village.state, village.effective_state, village.upstream_centre) == (
        State.ESCALATED,
        State.IN_REVIEW,
        COUNTY,
    )

    s.approve_case(COUNTY, COUNTY_STAFF, no, note="符合条件")
    drain()
    for code in (TOWNSHIP, VILLAGE):
        case = case_at(code, no)
        assert case.state == State.APPROVED, code
        assert case.decision_reason == "符合条件"
    assert case_at(VILLAGE, no).on_time is True

    s.deliver_case(VILLAGE, AGENT, no, note="已电话告知并送达")
    drain()
    assert {code: case_at(code, no).state for code in (VILLAGE, TOWNSHIP, COUNTY)} == {
        VILLAGE: State.DELIVERED,
        TOWNSHIP: State.DELIVERED,
        COUNTY: State.DELIVERED,
    }
    # Every status reached the village in order.
    assert actions_at(VILLAGE, no) == [
        "log",
        "forward",
        "upstream_status",  # township accepted
        "upstream_status",  # escalated: now submitted at the county
        "upstream_status",  # county accepted
        "upstream_status",  # county in review
        "upstream_approved",
        "deliver",
    ]
    assert OutboxMessage.objects.filter(published_at__isnull=True).count() == 0


def test_township_decides_within_its_authority(network):
    no = log_and_forward("T-1")
    s.accept_case(TOWNSHIP, TOWN_STAFF, no)
    with pytest.raises(s.DomainError) as exc:
        s.escalate_case(TOWNSHIP, TOWN_STAFF, no)
    assert exc.value.code == "decide_here"
    s.start_review(TOWNSHIP, TOWN_STAFF, no)
    s.deny_case(TOWNSHIP, TOWN_STAFF, no, reason="家庭收入超过标准")
    drain()
    village = case_at(VILLAGE, no)
    assert (village.state, village.decision_reason) == (State.DENIED, "家庭收入超过标准")


def test_city_items_travel_two_escalations(network):
    no = log_and_forward("S-1")
    s.escalate_case(TOWNSHIP, TOWN_STAFF, no)
    drain()
    with pytest.raises(s.DomainError) as exc:
        s.start_review(COUNTY, COUNTY_STAFF, no)
    assert exc.value.code == "not_decision_tier"
    s.escalate_case(COUNTY, COUNTY_STAFF, no)
    drain()
    city_staff = s.Actor(name="赵", role="staff", centre=CITY)
    s.accept_case(CITY, city_staff, no)
    s.start_review(CITY, city_staff, no)
    s.approve_case(CITY, city_staff, no)
    drain()
    assert [case_at(c, no).state for c in (VILLAGE, TOWNSHIP, COUNTY, CITY)] == [State.APPROVED] * 4
    hops = track(no)
    assert [h.centre_code for h in hops] == [VILLAGE, TOWNSHIP, COUNTY, CITY]


def test_supplement_travels_down_and_materials_travel_up(network):
    no = log_and_forward("C-1")
    s.escalate_case(TOWNSHIP, TOWN_STAFF, no)
    drain()
    s.accept_case(COUNTY, COUNTY_STAFF, no)
    due_before = case_at(COUNTY, no).due_on
    s.request_supplement(
        COUNTY, COUNTY_STAFF, no, materials=["申请表", "收入证明"], note="一次性告知"
    )
    drain()
    village = case_at(VILLAGE, no)
    assert village.effective_state == State.SUPPLEMENT_NEEDED
    assert village.missing_materials == ["申请表", "收入证明"]
    # The agent collects the materials at the village; the citizen never travels.
    s.receive_supplement(VILLAGE, AGENT, no, materials=["申请表", "收入证明"])
    drain()
    county = case_at(COUNTY, no)
    assert county.state == State.ACCEPTED
    assert county.missing_materials == []
    from tenants.models import ServiceCentre

    with in_centre(ServiceCentre.objects.get(division_code=COUNTY)):
        assert county.pauses.get().ended_on is not None
    assert county.due_on >= due_before
    assert case_at(VILLAGE, no).effective_state == State.ACCEPTED


def test_withdrawal_travels_up(network):
    no = log_and_forward("C-1")
    s.escalate_case(TOWNSHIP, TOWN_STAFF, no)
    drain()
    s.withdraw_case(VILLAGE, AGENT, no, reason="申请人撤回")
    drain()
    assert [case_at(c, no).state for c in (VILLAGE, TOWNSHIP, COUNTY)] == [State.WITHDRAWN] * 3


def test_tracking_shows_the_chain_from_any_centre_on_it(network):
    no = log_and_forward("C-1")
    s.escalate_case(TOWNSHIP, TOWN_STAFF, no)
    drain()
    for viewer in (VILLAGE, TOWNSHIP, COUNTY):
        hops = track(no, viewer_centre=viewer)
        assert [h.centre_code for h in hops] == [VILLAGE, TOWNSHIP, COUNTY]
        assert hops[0].left_at is not None and hops[0].working_days is not None
        assert hops[-1].left_at is None
    with pytest.raises(s.NotFound):
        track(no, viewer_centre="420581101201")  # a village elsewhere sees nothing
    with pytest.raises(s.NotFound):
        track("420506101201-20990101-00001")


def test_projection_follows_every_case(network):
    no = log_and_forward("C-1")
    records = CaseRecord.objects.filter(tracking_no=no).order_by("tier")
    assert {(r.centre_code, r.state) for r in records} == {
        (VILLAGE, State.ESCALATED),
        (TOWNSHIP, State.SUBMITTED),
    }
    village = records.get(centre_code=VILLAGE)
    assert village.forwarded_to_centre == TOWNSHIP
    assert records.get(centre_code=TOWNSHIP).received_from_centre == VILLAGE


def test_materials_spec_is_what_the_cases_copy(network):
    case = s.log_request(
        VILLAGE, AGENT, applicant=PERSON, item_code="C-1", materials_received=["居民身份证"]
    )
    assert [(m["name"], m["received"]) for m in case.materials] == [
        ("居民身份证", True),
        ("申请表", False),
    ]
    assert MATERIALS.startswith("居民身份证")
