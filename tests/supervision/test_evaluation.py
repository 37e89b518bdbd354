"""电子监察: each step's yellow and red on the demo network, over the National Day holiday of
2026 and its make-up working day (Sat 10 October), attributed to the centre holding the case;
recorded once; a case that moves on stops warning."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from delegation import services as s
from network.models import CaseRecord
from supervision import services as sup
from supervision.models import Warning
from tests.delegation.conftest import (
    AGENT,
    COUNTY,
    COUNTY_STAFF,
    PERSON,
    TOWN_STAFF,
    TOWNSHIP,
    VILLAGE,
)
from tests.delegation.test_chain import ALL, drain, log_and_forward
from workdays.calendar import add_working_days

#: Tuesday before the holiday: 1–7 October off, Saturday 10 October worked (调休).
DAY0 = dt.date(2026, 9, 29)


def at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))


def move(code: str, no: str, **fields) -> None:
    """Set dates of the projection row of ``no`` at ``code`` (the evaluation reads only it)."""
    assert CaseRecord.objects.filter(tracking_no=no, centre_code=code).update(**fields) == 1


def warned(no: str | None = None) -> set[tuple[str, str, str]]:
    qs = Warning.objects.all() if no is None else Warning.objects.filter(tracking_no=no)
    return set(qs.values_list("centre_code", "step", "level"))


def test_a_village_agent_forwards_within_three_working_days(network):
    case = s.log_request(VILLAGE, AGENT, applicant=PERSON, item_code="T-1", materials_received=ALL)
    no = case.tracking_no
    move(VILLAGE, no, submitted_at=at(DAY0))
    # 30 Sep, 8 Oct, 9 Oct: the holiday does not count.
    assert add_working_days(DAY0, 3).due == dt.date(2026, 10, 9)
    assert sup.evaluate(today=dt.date(2026, 10, 5)).total == 0  # a weekends-only count: red
    assert sup.evaluate(today=dt.date(2026, 10, 7)).total == 0  # 2 working days left
    assert sup.evaluate(today=dt.date(2026, 10, 8)).recorded == {("forward", "yellow"): 1}
    assert warned(no) == {(VILLAGE, "forward", "yellow")}
    assert sup.evaluate(today=dt.date(2026, 10, 9)).total == 0  # still yellow, already recorded
    # Saturday 10 October is a working day: the deadline (9 October) is past.
    assert sup.evaluate(today=dt.date(2026, 10, 10)).recorded == {("forward", "red"): 1}
    red = Warning.objects.get(tracking_no=no, level="red")
    assert (red.tier, red.deadline, red.working_days_left, red.limit_days) == (
        "village",
        dt.date(2026, 10, 9),
        -1,
        3,
    )

    # Forwarded: the village's step is over, the township's intake (received today) begins.
    s.forward_case(VILLAGE, AGENT, no)
    drain()
    later = dt.date(2026, 10, 20)
    move(TOWNSHIP, no, submitted_at=at(later), intake_on=later)
    assert sup.evaluate(today=later).total == 0
    assert warned(no) == {(VILLAGE, "forward", "yellow"), (VILLAGE, "forward", "red")}


def test_a_receiving_centre_accepts_within_five_working_days_of_receipt(network):
    no = log_and_forward("T-1")
    move(TOWNSHIP, no, submitted_at=at(DAY0), intake_on=DAY0)
    # 30 Sep, 8, 9, 10 (Saturday, worked), 12 October.
    assert add_working_days(DAY0, 5).due == dt.date(2026, 10, 12)
    assert sup.evaluate(today=dt.date(2026, 10, 9)).total == 0  # 2 left
    assert sup.evaluate(today=dt.date(2026, 10, 10)).recorded == {("intake", "yellow"): 1}
    assert sup.evaluate(today=dt.date(2026, 10, 12)).total == 0
    assert sup.evaluate(today=dt.date(2026, 10, 13)).recorded == {("intake", "red"): 1}
    assert warned(no) == {(TOWNSHIP, "intake", "yellow"), (TOWNSHIP, "intake", "red")}

    # Accepted: no more intake warnings; the decision step is measured against its due date.
    s.accept_case(TOWNSHIP, TOWN_STAFF, no)
    record = CaseRecord.objects.get(tracking_no=no, centre_code=TOWNSHIP)
    move(TOWNSHIP, no, due_on=dt.date(2026, 12, 31))
    assert sup.evaluate(today=dt.date(2026, 10, 14)).total == 0
    assert record.state == "accepted"


def test_the_intake_window_runs_from_the_supplement_after_a_pre_acceptance_notice(network):
    no = log_and_forward("T-1")
    s.request_supplement(TOWNSHIP, TOWN_STAFF, no, materials=["申请表"])
    assert CaseRecord.objects.get(tracking_no=no, centre_code=TOWNSHIP).intake_on is None
    assert sup.evaluate(today=dt.date(2027, 6, 1)).total == 0  # the applicant's time
    s.receive_supplement(TOWNSHIP, TOWN_STAFF, no, materials=["申请表"])
    record = CaseRecord.objects.get(tracking_no=no, centre_code=TOWNSHIP)
    assert record.state == "submitted"
    assert record.intake_on == timezone.localdate()


def test_the_deciding_centre_decides_by_the_promised_due_date(network):
    no = log_and_forward("C-1")
    s.accept_case(TOWNSHIP, TOWN_STAFF, no)
    s.escalate_case(TOWNSHIP, TOWN_STAFF, no)
    drain()
    s.accept_case(COUNTY, COUNTY_STAFF, no)
    due = add_working_days(DAY0, 10).due  # promised 10 working days
    assert due == dt.date(2026, 10, 19)
    move(COUNTY, no, due_on=due)
    # 80 % of 10 used (8 working days) on 15 October: 2 left (16 and 19 October).
    assert sup.evaluate(today=dt.date(2026, 10, 14)).total == 0
    assert sup.evaluate(today=dt.date(2026, 10, 15)).recorded == {("decide", "yellow"): 1}
    assert sup.evaluate(today=dt.date(2026, 10, 19)).total == 0  # the due day itself: in time
    assert sup.evaluate(today=dt.date(2026, 10, 20)).recorded == {("decide", "red"): 1}
    # The county held it: the township (which handed it up) is not named.
    assert warned(no) == {(COUNTY, "decide", "yellow"), (COUNTY, "decide", "red")}

    # Decided: the county's step is over (its row no longer warns, even long after).
    s.start_review(COUNTY, COUNTY_STAFF, no)
    s.approve_case(COUNTY, COUNTY_STAFF, no)
    drain()
    Warning.objects.all().delete()
    move(VILLAGE, no, decided_at=at(dt.date(2026, 10, 20)))
    sup.evaluate(today=dt.date(2026, 10, 21))
    assert warned(no) == set()


def test_the_result_is_handed_over_within_the_schemes_days(network):
    no = log_and_forward("T-1")
    s.accept_case(TOWNSHIP, TOWN_STAFF, no)
    s.start_review(TOWNSHIP, TOWN_STAFF, no)
    s.approve_case(TOWNSHIP, TOWN_STAFF, no)
    drain()
    scheme = sup.current_scheme()
    move(VILLAGE, no, decided_at=at(DAY0))
    move(TOWNSHIP, no, decided_at=at(DAY0))
    deadline = add_working_days(DAY0, scheme.deliver_days).due
    assert deadline == dt.date(2026, 10, 19)
    # Yellow with 80 % of 10 used: 2 working days left (16 and 19 October) on the 15th.
    assert sup.evaluate(today=dt.date(2026, 10, 14)).total == 0
    assert sup.evaluate(today=dt.date(2026, 10, 15)).recorded == {("deliver", "yellow"): 1}
    assert sup.evaluate(today=deadline + dt.timedelta(days=1)).recorded == {("deliver", "red"): 1}
    # Named: the village, where the applicant collects the result (the township decided).
    assert warned(no) == {(VILLAGE, "deliver", "yellow"), (VILLAGE, "deliver", "red")}

    s.deliver_case(VILLAGE, AGENT, no)
    drain()
    Warning.objects.all().delete()
    assert sup.evaluate(today=dt.date(2027, 3, 1)).total == 0


def test_a_per_item_override_replaces_the_schemes_limit(network):
    from core.roles import Actor, Role

    city_head = Actor(name="市中心主任", role=Role.HEAD, centre="420500")
    sup.revise_scheme(city_head, item_limits=[{"item_code": "T-1", "forward_days": 1}])
    case = s.log_request(VILLAGE, AGENT, applicant=PERSON, item_code="T-1", materials_received=ALL)
    move(VILLAGE, case.tracking_no, submitted_at=at(DAY0))
    # One working day: due 30 September, red on 8 October (the first working day after).
    assert sup.evaluate(today=dt.date(2026, 10, 8)).recorded == {("forward", "red"): 1}


@pytest.mark.parametrize("runs", [2])
def test_evaluating_twice_records_each_warning_once(network, runs):
    numbers = [log_and_forward("T-1") for _ in range(3)]
    for no in numbers:
        move(TOWNSHIP, no, submitted_at=at(DAY0), intake_on=DAY0)
    first = sup.evaluate(today=dt.date(2026, 11, 2))
    assert first.recorded == {("intake", "red"): 3}
    assert all(sup.evaluate(today=dt.date(2026, 11, 2)).total == 0 for _ in range(runs))
    assert Warning.objects.count() == 3
