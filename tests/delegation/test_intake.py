"""Intake by 行政许可法 art. 32: the one-time notice before acceptance, the supplement returning
the case to the step it was at, acceptance by default after 5 working days, and the agent
completing materials before forwarding."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from core.errors import DomainError
from core.roles import Actor, Role
from delegation import services as s
from delegation.models import Case, CaseEvent, State
from network.models import CaseRecord
from tenants.models import ServiceCentre
from tenants.tenancy import in_centre
from tests.delegation.conftest import (
    AGENT,
    COUNTY,
    COUNTY_STAFF,
    PERSON,
    TOWN_STAFF,
    TOWNSHIP,
    VILLAGE,
)
from tests.delegation.test_chain import ALL, actions_at, case_at, drain, log_and_forward
from workdays.calendar import add_working_days


def events_at(code: str, no: str) -> list[CaseEvent]:
    with in_centre(ServiceCentre.objects.get(division_code=code)):
        return list(CaseEvent.objects.filter(case__tracking_no=no).order_by("seq"))


def backdate(code: str, no: str, day: dt.date) -> None:
    """Pretend ``no`` arrived at ``code`` on ``day`` (its case row and its projection row)."""
    moment = timezone.make_aware(dt.datetime.combine(day, dt.time(9, 30)))
    with in_centre(ServiceCentre.objects.get(division_code=code)):
        Case.objects.filter(tracking_no=no).update(submitted_at=moment)
    CaseRecord.objects.filter(tracking_no=no, centre_code=code).update(submitted_at=moment)


def test_a_notice_before_acceptance_and_its_supplement_return_the_case_to_received(network):
    no = log_and_forward("T-1")
    town = s.request_supplement(
        TOWNSHIP, TOWN_STAFF, no, materials=["申请表", "收入证明"], note="一次性告知"
    )
    assert (town.state, town.accepted_at, town.clock_started_on) == (
        State.SUPPLEMENT_NEEDED,
        None,
        None,
    )
    drain()
    village = case_at(VILLAGE, no)
    assert village.effective_state == State.SUPPLEMENT_NEEDED
    assert village.missing_materials == ["申请表", "收入证明"]

    # The agent collects both at the village; the case goes back to where the notice found it.
    s.receive_supplement(VILLAGE, AGENT, no, materials=["申请表", "收入证明"])
    drain()
    town = case_at(TOWNSHIP, no)
    assert (town.state, town.missing_materials, town.clock_started_on) == (
        State.SUBMITTED,
        [],
        None,
    )
    assert actions_at(TOWNSHIP, no)[-1] == "receive_supplement_at_intake"
    assert case_at(VILLAGE, no).effective_state == State.SUBMITTED
    # Then the usual way: accepted, and the promised clock starts at acceptance.
    town = s.accept_case(TOWNSHIP, TOWN_STAFF, no)
    assert town.clock_started_on == timezone.localdate()
    assert town.due_on == add_working_days(town.clock_started_on, town.promised_limit_days).due


def test_a_notice_after_acceptance_still_returns_to_accepted(network):
    no = log_and_forward("T-1")
    s.accept_case(TOWNSHIP, TOWN_STAFF, no)
    s.request_supplement(TOWNSHIP, TOWN_STAFF, no, materials=["申请表"])
    town = s.receive_supplement(TOWNSHIP, TOWN_STAFF, no, materials=["申请表"])
    assert town.state == State.ACCEPTED
    assert actions_at(TOWNSHIP, no)[-1] == "receive_supplement"


def test_a_pre_acceptance_notice_travels_through_escalated_hops(network):
    no = log_and_forward("C-1")
    s.escalate_case(TOWNSHIP, TOWN_STAFF, no)
    drain()
    s.request_supplement(COUNTY, COUNTY_STAFF, no, materials=["收入证明"])
    drain()
    assert case_at(TOWNSHIP, no).upstream_state == State.SUPPLEMENT_NEEDED
    assert case_at(VILLAGE, no).effective_state == State.SUPPLEMENT_NEEDED
    s.receive_supplement(VILLAGE, AGENT, no, materials=["收入证明"])
    drain()
    assert case_at(COUNTY, no).state == State.SUBMITTED
    assert [case_at(c, no).effective_state for c in (VILLAGE, TOWNSHIP)] == [State.SUBMITTED] * 2


def test_a_received_case_left_five_working_days_is_accepted_from_its_receipt(network):
    no = log_and_forward("T-1")
    received = timezone.localdate()
    last_day = add_working_days(received, s.INTAKE_WINDOW_WORKING_DAYS).due
    assert s.accept_lapsed_intakes(today=last_day) == 0  # still in time on the fifth day
    assert case_at(TOWNSHIP, no).state == State.SUBMITTED

    after = last_day + dt.timedelta(days=1)
    assert s.accept_lapsed_intakes(today=after) == 1
    town = case_at(TOWNSHIP, no)
    assert town.state == State.ACCEPTED
    assert town.clock_started_on == received
    assert town.accepted_at == town.submitted_at
    assert town.due_on == add_working_days(received, town.promised_limit_days).due
    deemed = events_at(TOWNSHIP, no)[-1]
    assert (deemed.action, deemed.role, deemed.from_state, deemed.to_state) == (
        "deemed_accept",
        Role.SYSTEM,
        State.SUBMITTED,
        State.ACCEPTED,
    )
    assert "视为受理" in deemed.note and deemed.data["deemed_from"] == received.isoformat()
    record = CaseRecord.objects.get(tracking_no=no, centre_code=TOWNSHIP)
    assert (record.state, record.clock_started_on) == (State.ACCEPTED, received)
    drain()
    assert case_at(VILLAGE, no).effective_state == State.ACCEPTED
    # Idempotent: a second sweep (or the command) finds nothing to do.
    assert s.accept_lapsed_intakes(today=after) == 0
    assert actions_at(TOWNSHIP, no).count("deemed_accept") == 1


def test_village_register_entries_have_no_intake_window(network):
    case = s.log_request(VILLAGE, AGENT, applicant=PERSON, item_code="T-1", materials_received=ALL)
    assert s.accept_lapsed_intakes(today=timezone.localdate() + dt.timedelta(days=30)) == 0
    assert case_at(VILLAGE, case.tracking_no).state == State.SUBMITTED


def test_the_window_runs_again_from_the_day_the_materials_are_complete(network):
    no = log_and_forward("T-1")
    backdate(TOWNSHIP, no, timezone.localdate() - dt.timedelta(days=3))
    s.request_supplement(TOWNSHIP, TOWN_STAFF, no, materials=["申请表"])
    s.receive_supplement(TOWNSHIP, TOWN_STAFF, no, materials=["申请表"])
    complete = timezone.localdate()
    with in_centre(ServiceCentre.objects.get(division_code=TOWNSHIP)):
        town = Case.objects.get(tracking_no=no)
        assert s.intake_window_ends(town) == add_working_days(complete, 5).due
    assert s.accept_lapsed_intakes(today=add_working_days(complete, 5).due) == 0
    assert s.accept_lapsed_intakes(today=add_working_days(complete, 6).due) == 1
    town = case_at(TOWNSHIP, no)
    assert town.clock_started_on == complete
    assert timezone.localdate(town.accepted_at) == complete


def test_late_actions_respect_the_acceptance_the_law_already_made(network):
    no = log_and_forward("T-1")
    received = timezone.localdate() - dt.timedelta(days=20)
    backdate(TOWNSHIP, no, received)
    with pytest.raises(DomainError) as exc:
        s.refuse_case(TOWNSHIP, TOWN_STAFF, no, reason="不符合条件")
    assert exc.value.code == "intake_deemed_accepted"
    # Accepting late: the clock runs from the receipt, as the law counts it.
    town = s.accept_case(TOWNSHIP, TOWN_STAFF, no)
    assert town.clock_started_on == received
    assert events_at(TOWNSHIP, no)[-1].data["deemed_from"] == received.isoformat()


def test_a_late_notice_first_accepts_the_case_then_stops_its_clock(network):
    no = log_and_forward("T-1")
    received = timezone.localdate() - dt.timedelta(days=20)
    backdate(TOWNSHIP, no, received)
    town = s.request_supplement(TOWNSHIP, TOWN_STAFF, no, materials=["收入证明"])
    assert town.state == State.SUPPLEMENT_NEEDED
    assert town.clock_started_on == received
    assert actions_at(TOWNSHIP, no)[-2:] == ["deemed_accept", "request_supplement"]
    assert s.receive_supplement(TOWNSHIP, TOWN_STAFF, no, materials=["收入证明"]).state == (
        State.ACCEPTED
    )


def test_the_command_and_the_beat_task(network, settings):
    no = log_and_forward("T-1")
    backdate(TOWNSHIP, no, timezone.localdate() - dt.timedelta(days=20))
    call_command("accept_lapsed_intakes", verbosity=0)
    assert case_at(TOWNSHIP, no).state == State.ACCEPTED
    from delegation.tasks import accept_lapsed_intakes

    assert accept_lapsed_intakes() == 0  # idempotent
    assert any(
        entry["task"] == "delegation.accept_lapsed_intakes"
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
    )


def test_the_agent_completes_materials_before_forwarding(network):
    case = s.log_request(
        VILLAGE, AGENT, applicant=PERSON, item_code="T-1", materials_received=["居民身份证"]
    )
    no = case.tracking_no
    with pytest.raises(DomainError) as exc:
        s.forward_case(VILLAGE, AGENT, no)
    assert exc.value.code == "materials_missing"
    with pytest.raises(DomainError) as exc:  # no notice was given: not a supplement
        s.receive_supplement(VILLAGE, AGENT, no, materials=["申请表"])
    assert exc.value.code == "no_notice_in_force" and "补齐材料" in exc.value.message
    case = s.complete_materials(VILLAGE, AGENT, no, materials=["申请表"], note="申请人补交")
    assert all(m["received"] for m in case.materials)
    assert actions_at(VILLAGE, no)[-1] == "complete_materials"
    s.forward_case(VILLAGE, AGENT, no)
    drain()
    assert case_at(TOWNSHIP, no).state == State.SUBMITTED


def test_completing_materials_rules(network):
    clerk = Actor("窗口", Role.STAFF, TOWNSHIP)
    window = s.log_request(
        TOWNSHIP, clerk, applicant=PERSON, item_code="T-1", materials_received=["居民身份证"]
    )
    assert s.complete_materials(TOWNSHIP, clerk, window.tracking_no, materials=["申请表"])
    no = log_and_forward("T-1")
    for call, code in [
        (lambda: s.complete_materials(VILLAGE, AGENT, no, materials=["申请表"]), "forbidden_transition"),
        (lambda: s.complete_materials(TOWNSHIP, TOWN_STAFF, no, materials=["申请表"]), "materials_from_below"),
        (lambda: s.complete_materials(TOWNSHIP, AGENT, no, materials=["申请表"]), "wrong_centre"),
    ]:  # fmt: skip
        with pytest.raises(DomainError) as exc:
            call()
        assert exc.value.code == code
    fresh = s.log_request(VILLAGE, AGENT, applicant=PERSON, item_code="T-1")
    for materials, code in [([], "materials_empty"), (["户口簿"], "unknown_material")]:
        with pytest.raises(DomainError) as exc:
            s.complete_materials(VILLAGE, AGENT, fresh.tracking_no, materials=materials)
        assert exc.value.code == code
    assert actions_at(VILLAGE, fresh.tracking_no) == ["log"]
