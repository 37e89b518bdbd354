"""Recording a calendar day or year recomputes the promised dates of the open cases it touches,
in every centre, and the provisional dates show (a sentence on the case, a worklist filter)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from delegation import queries
from delegation import services as s
from delegation.models import Case, CaseEvent, State
from network.models import CaseRecord
from tenants.models import ServiceCentre
from tenants.tenancy import in_centre
from tests.delegation.conftest import COUNTY, COUNTY_STAFF, TOWN_STAFF, TOWNSHIP
from tests.delegation.test_chain import actions_at, case_at, drain, log_and_forward
from workdays import calendar
from workdays.calendar import add_working_days, package_years
from workdays.models import CalendarOverride
from workdays.services import DayEntry, publish_year, remove_override, set_override

#: The first year the calendar package does not know: its dates are guessed (weekends-only).
BEYOND = package_years().stop
#: Late December of the last known year: a 5-day clock started then runs into BEYOND.
START = dt.date(BEYOND - 1, 12, 29)
NEW_YEAR = [  # a New Year holiday of three weekdays in BEYOND, as a schedule would list it
    DayEntry(day, False, "元旦")
    for day in (dt.date(BEYOND, 1, d) for d in range(1, 8))
    if day.weekday() < 5
][:3]


@pytest.fixture(autouse=True)
def fresh_calendar():
    """No calendar cache leaks out of a test: a write "committed" below, or one around the
    service layer, is loaded into the process's snapshot, and the test's rollback undoes it."""
    calendar.reset_cache()
    yield calendar
    calendar.reset_cache()


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a calendar write as if its transaction committed (the test's own transaction never
    does): the repair it queues with ``on_commit`` runs at the end of the call."""

    def run(write, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return write(*args, **kwargs)

    return run


def started_on(code: str, no: str, day: dt.date) -> None:
    """Pretend the clock of ``no`` at ``code`` started on ``day``, with the due date and flag the
    service gave it then (its case row and its projection row)."""
    centre = ServiceCentre.objects.get(division_code=code)
    with in_centre(centre):
        case = Case.objects.get(tracking_no=no)
        deadline = add_working_days(day, case.promised_limit_days)
        Case.objects.filter(pk=case.pk).update(
            clock_started_on=day, due_on=deadline.due, calendar_fallback=deadline.fallback
        )
    CaseRecord.objects.filter(centre=centre, case_id=case.pk).update(
        clock_started_on=day, due_on=deadline.due, calendar_fallback=deadline.fallback
    )


def accepted_at_township_and_county() -> tuple[str, str]:
    """Two open cases whose clocks started on START: one at the township (accepted there), one
    at the county (escalated from another township case and accepted there)."""
    town = log_and_forward("T-1")
    s.accept_case(TOWNSHIP, TOWN_STAFF, town)
    county = log_and_forward("C-1")
    s.escalate_case(TOWNSHIP, TOWN_STAFF, county)
    drain()
    s.accept_case(COUNTY, COUNTY_STAFF, county)
    started_on(TOWNSHIP, town, START)
    started_on(COUNTY, county, START)
    return town, county


def test_publishing_a_year_repairs_the_open_cases_it_touches_in_every_centre(committed, network):
    town, county = accepted_at_township_and_county()
    before = case_at(TOWNSHIP, town)
    assert before.calendar_fallback is True  # counted on guessed days of BEYOND
    # An open case whose window ends before BEYOND is not touched.
    early = log_and_forward("T-1")
    s.accept_case(TOWNSHIP, TOWN_STAFF, early)
    started_on(TOWNSHIP, early, dt.date(BEYOND - 1, 6, 1))
    early_events = actions_at(TOWNSHIP, early)

    committed(publish_year, BEYOND, NEW_YEAR, note="国务院办公厅通知")

    for code, no in ((TOWNSHIP, town), (COUNTY, county)):
        case = case_at(code, no)
        # The same date a case accepted now, on the recorded calendar, would get.
        assert case.due_on == add_working_days(START, case.promised_limit_days).due
        assert case.calendar_fallback is False
        record = CaseRecord.objects.get(tracking_no=no, centre_code=code)
        assert (record.due_on, record.calendar_fallback) == (case.due_on, False)
        with in_centre(ServiceCentre.objects.get(division_code=code)):
            event = CaseEvent.objects.filter(case__tracking_no=no).order_by("seq").last()
        assert (event.action, event.role, event.to_state) == (
            "recompute_deadline",
            "system",
            case.state,
        )
        assert event.data["calendar_fallback"] is False
    # Three weekday holidays inside the window: the township case is due three working days later.
    assert case_at(TOWNSHIP, town).due_on > before.due_on
    # The untouched case got no event.
    assert actions_at(TOWNSHIP, early) == early_events
    # Idempotent: nothing left to change.
    assert s.recompute_deadlines().changed == 0


def test_a_single_day_moves_the_dates_that_contain_it_and_back(committed, network):
    town = log_and_forward("T-1")
    accepted = s.accept_case(TOWNSHIP, TOWN_STAFF, town)
    start, due = accepted.clock_started_on, accepted.due_on
    inside = next(
        start + dt.timedelta(days=n)
        for n in range(1, 30)
        if calendar.is_working_day(start + dt.timedelta(days=n))
    )
    committed(set_override, inside, False, note="本地调整：停电")
    moved = case_at(TOWNSHIP, town).due_on
    assert moved == add_working_days(start, accepted.promised_limit_days).due and moved > due
    committed(remove_override, inside)
    assert case_at(TOWNSHIP, town).due_on == due
    assert actions_at(TOWNSHIP, town)[-2:] == ["recompute_deadline"] * 2
    # A day after the due date changes nothing.
    events = actions_at(TOWNSHIP, town)
    committed(set_override, due + dt.timedelta(days=30), False, note="远期调整")
    assert actions_at(TOWNSHIP, town) == events
    assert case_at(TOWNSHIP, town).due_on == due


def test_closed_cases_keep_their_history(committed, network):
    town = log_and_forward("T-1")
    s.accept_case(TOWNSHIP, TOWN_STAFF, town)
    s.start_review(TOWNSHIP, TOWN_STAFF, town)
    s.approve_case(TOWNSHIP, TOWN_STAFF, town)
    started_on(TOWNSHIP, town, START)  # as if its window had run into BEYOND
    due = case_at(TOWNSHIP, town).due_on
    committed(publish_year, BEYOND, NEW_YEAR)
    assert case_at(TOWNSHIP, town).due_on == due
    assert case_at(TOWNSHIP, town).state == State.APPROVED


def test_the_command_repairs_after_a_write_around_the_service(network):
    town, _county = accepted_at_township_and_county()
    for entry in NEW_YEAR:  # as an upgrade of the calendar would: no service involved
        CalendarOverride.objects.create(date=entry.date, is_working_day=False, note="元旦")
    calendar.reset_cache()
    assert case_at(TOWNSHIP, town).calendar_fallback is True
    call_command("recompute_deadlines", since=f"{BEYOND}-01-01", verbosity=0)
    case = case_at(TOWNSHIP, town)
    assert case.due_on == add_working_days(START, case.promised_limit_days).due


def test_provisional_dates_are_told_and_can_be_listed(network):
    town, _county = accepted_at_township_and_county()
    other = log_and_forward("T-1")
    s.accept_case(TOWNSHIP, TOWN_STAFF, other)
    centre = ServiceCentre.objects.get(division_code=TOWNSHIP)
    with in_centre(centre):
        flagged = queries.worklist(centre, TOWN_STAFF, calendar_fallback=True)
        assert [c.tracking_no for c in flagged] == [town]
        case = flagged.get()
        notice = queries.calendar_notice(case)
        assert case.due_on.isoformat() in notice and "自动重新计算" in notice
        assert queries.calendar_notice(Case.objects.get(tracking_no=other)) is None
        assert other in [
            c.tracking_no for c in queries.worklist(centre, TOWN_STAFF, calendar_fallback=False)
        ]


def test_the_calendar_commands_repair_too(committed, network, tmp_path):
    town, county = accepted_at_township_and_county()
    first = NEW_YEAR[0].date
    committed(call_command, "calendar_day", first.isoformat(), "--holiday", "--note", "元旦")
    case = case_at(TOWNSHIP, town)
    assert case.due_on == add_working_days(START, case.promised_limit_days).due
    assert case.calendar_fallback is True  # the rest of BEYOND is still a guess
    assert actions_at(COUNTY, county)[-1] == "recompute_deadline"
    schedule = tmp_path / "year.csv"
    schedule.write_text(
        "date,is_working_day,note\n" + "".join(f"{e.date.isoformat()},0,元旦\n" for e in NEW_YEAR),
        encoding="utf-8",
    )
    committed(call_command, "calendar_year", str(BEYOND), str(schedule), verbosity=0)
    assert case_at(TOWNSHIP, town).calendar_fallback is False


def test_the_year_report_says_how_many_cases_were_rescheduled():
    from workdays.services import PublishReport

    told = PublishReport(BEYOND, 3, 0, 0, False, rescheduled=41).summary()
    assert "41 件" in told
    assert "件" not in PublishReport(BEYOND, 3, 0, 0, False, rescheduled=None).summary()


def test_a_write_inside_a_transaction_repairs_only_once_it_commits(network):
    town, _county = accepted_at_township_and_county()
    report = publish_year(BEYOND, NEW_YEAR)  # the test's transaction has not committed
    assert report.rescheduled is None
    assert case_at(TOWNSHIP, town).calendar_fallback is True


def test_the_repair_counts_the_pauses_of_the_clock(committed, network):
    from delegation.models import CasePause
    from workdays.calendar import due_date_with_pauses

    town = log_and_forward("T-1")
    s.accept_case(TOWNSHIP, TOWN_STAFF, town)
    s.request_supplement(TOWNSHIP, TOWN_STAFF, town, materials=["收入证明"])
    s.receive_supplement(TOWNSHIP, TOWN_STAFF, town, materials=["收入证明"])
    started_on(TOWNSHIP, town, START)
    paused = [(START + dt.timedelta(days=1), START + dt.timedelta(days=2))]
    with in_centre(ServiceCentre.objects.get(division_code=TOWNSHIP)):
        CasePause.objects.update(started_on=paused[0][0], ended_on=paused[0][1])
    committed(publish_year, BEYOND, NEW_YEAR)
    case = case_at(TOWNSHIP, town)
    assert case.due_on == due_date_with_pauses(START, case.promised_limit_days, paused).due
    assert case.due_on > add_working_days(START, case.promised_limit_days).due


def test_a_day_recorded_in_the_admin_repairs_once_the_admin_commits(
    network, admin_client, django_capture_on_commit_callbacks
):
    town, _county = accepted_at_township_and_county()
    first = NEW_YEAR[0].date
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/workdays/calendaroverride/add/",
            {"date": first.isoformat(), "note": "元旦"},  # unchecked: a rest day
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        assert actions_at(TOWNSHIP, town)[-1] != "recompute_deadline"  # not before the commit
    case = case_at(TOWNSHIP, town)
    assert case.due_on == add_working_days(START, case.promised_limit_days).due
    assert actions_at(TOWNSHIP, town)[-1] == "recompute_deadline"
