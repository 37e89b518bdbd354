"""差评整改: a bad rating opens a rectification of the rated centre, due in 15 working days;
the centre records callbacks (回访) and closes it with a note; overdue ones warn like cases."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from core.errors import DomainError
from ratings import links
from ratings import services as ratings
from ratings.models import Callback, Rectification
from tests.ratings.conftest import AGENT, COUNTY, COUNTY_STAFF, TOWN_STAFF, TOWNSHIP, actor

COUNTY_HEAD = actor(COUNTY, "head", "县中心主任")


def code_of(call) -> str:
    with pytest.raises(DomainError) as error:
        call()
    return error.value.code


def bad(chain, centre=COUNTY, level=1):
    return ratings.rate_from_link(links.make_token(chain.tracking_no, centre), level=level)


@pytest.mark.parametrize("level,opens", [(1, True), (2, True), (3, False), (4, False), (5, False)])
def test_only_a_bad_rating_opens_a_rectification(decided, level, opens):
    bad(decided, level=level)
    assert Rectification.objects.exists() is opens


def test_the_rectification_is_the_rated_centres_due_in_15_working_days_across_a_holiday(
    decided, at
):
    at("2026-09-28 10:00")  # a Monday before the National Day week (1–7 Oct, 10 Oct worked)
    rating = bad(decided, centre=TOWNSHIP, level=2)
    r = Rectification.objects.get()
    assert (r.rating_id, r.centre_code, r.tracking_no, r.state) == (
        rating.pk,
        TOWNSHIP,
        decided.tracking_no,
        "open",
    )
    # 29, 30 Sep; 8, 9, 10 (make-up Saturday), 12–16, 19–23 Oct: the 15th is Friday 23 Oct
    # (weekends only it would be 19 Oct).
    assert (r.opened_on, r.due_on, r.calendar_fallback) == (
        dt.date(2026, 9, 28),
        dt.date(2026, 10, 23),
        False,
    )


def test_callback_then_close(decided):
    r = bad(decided).rectification
    called = timezone.now() - dt.timedelta(hours=2)
    ratings.record_callback(
        COUNTY, COUNTY_STAFF, r.pk, result="已致歉并说明办理依据", called_at=called
    )
    ratings.record_callback(COUNTY, COUNTY_HEAD, r.pk, result="群众表示理解")
    calls = list(Callback.objects.filter(rectification=r))
    assert [(c.called_by, c.called_at == called) for c in calls] == [
        (COUNTY_STAFF.name, True),
        (COUNTY_HEAD.name, False),
    ]
    closed = ratings.close_rectification(COUNTY, COUNTY_HEAD, r.pk, note="窗口规范告知流程，已培训")
    assert (closed.state, closed.closed_by, closed.closed_on) == (
        "closed",
        COUNTY_HEAD.name,
        timezone.localdate(),
    )
    assert ratings.warning(closed).level is None
    # A closed rectification takes no more callbacks and is not closed twice.
    assert code_of(lambda: ratings.record_callback(COUNTY, COUNTY_STAFF, r.pk, result="再访")) == (
        "rectification_closed"
    )
    assert code_of(lambda: ratings.close_rectification(COUNTY, COUNTY_HEAD, r.pk, note="x")) == (
        "rectification_closed"
    )


def test_closing_without_a_callback_is_refused(decided):
    r = bad(decided).rectification
    assert code_of(
        lambda: ratings.close_rectification(COUNTY, COUNTY_HEAD, r.pk, note="已整改")
    ) == ("callback_required")
    r.refresh_from_db()
    assert (r.state, r.closing_note, r.closed_at) == ("open", "", None)


def test_bad_callback_and_close_input(decided):
    r = bad(decided).rectification
    future = timezone.now() + dt.timedelta(days=1)
    cases = [
        (
            lambda: ratings.record_callback(COUNTY, COUNTY_STAFF, r.pk, result="  "),
            "result_required",
        ),
        (
            lambda: ratings.record_callback(COUNTY, COUNTY_STAFF, r.pk, result="x" * 1001),
            "note_too_long",
        ),
        (
            lambda: ratings.record_callback(
                COUNTY, COUNTY_STAFF, r.pk, result="已回访", called_at=future
            ),
            "invalid_called_at",
        ),
        (lambda: ratings.close_rectification(COUNTY, COUNTY_HEAD, r.pk, note=""), "note_required"),
        (
            lambda: ratings.record_callback(COUNTY, COUNTY_STAFF, "abc", result="x"),
            "rectification_not_found",
        ),
    ]
    for call, code in cases:
        assert code_of(call) == code
    assert not Callback.objects.exists()


def test_a_centre_sees_and_works_only_its_own_rectifications(decided):
    county_case = bad(decided, centre=COUNTY).rectification
    township_case = bad(decided, centre=TOWNSHIP).rectification
    assert [r.pk for r in ratings.list_rectifications(COUNTY, COUNTY_STAFF)] == [county_case.pk]
    assert [r.pk for r in ratings.list_rectifications(TOWNSHIP, TOWN_STAFF)] == [township_case.pk]
    # The township's staff at their own centre cannot reach the county's rectification …
    for call in (
        lambda: ratings.get_rectification(TOWNSHIP, TOWN_STAFF, county_case.pk),
        lambda: ratings.record_callback(TOWNSHIP, TOWN_STAFF, county_case.pk, result="x"),
        lambda: ratings.close_rectification(TOWNSHIP, TOWN_STAFF, county_case.pk, note="x"),
    ):
        assert code_of(call) == "rectification_not_found"
    # … nor act at the county with their township membership.
    assert code_of(lambda: ratings.list_rectifications(COUNTY, TOWN_STAFF)) == "not_member"
    assert code_of(lambda: ratings.get_rectification(COUNTY, AGENT, county_case.pk)) == "not_member"
    assert not Callback.objects.exists()


def test_an_open_rectification_warns_yellow_then_red(decided, at):
    at("2026-09-28 10:00")
    r = bad(decided).rectification  # due Friday 23 October
    assert ratings.warning(r, dt.date(2026, 9, 29)).level is None
    # 80 % of 15 working days used (12): 20 October, 3 left.
    assert ratings.warning(r, dt.date(2026, 10, 19)).level is None
    assert ratings.warning(r, dt.date(2026, 10, 20)).level == "yellow"
    assert ratings.warning(r, dt.date(2026, 10, 23)) == ratings.Warning("yellow", 0)
    red = ratings.warning(r, dt.date(2026, 10, 27))
    assert (red.level, red.days_left, red.overdue) == ("red", -2, 2)
    assert ratings.overdue_counts(dt.date(2026, 10, 27)) == {COUNTY: 1}
    assert ratings.overdue_counts(dt.date(2026, 10, 23)) == {}


def test_a_rectification_turning_yellow_then_red_tells_the_rated_desk_once_each(decided, at):
    from django.core.management import call_command

    from notifications.models import StaffNotification
    from notifications.texts import staff_text

    at("2026-09-28 10:00")
    r = bad(decided).rectification  # the county's, due Friday 23 October

    def notes():
        return list(
            StaffNotification.objects.filter(kind__startswith="rectification_").order_by("id")
        )

    assert ratings.notify_warnings(dt.date(2026, 10, 19)) == 0 and notes() == []
    assert ratings.notify_warnings(dt.date(2026, 10, 20)) == 1
    assert ratings.notify_warnings(dt.date(2026, 10, 21)) == 0  # still yellow: told already
    (yellow,) = notes()
    assert (yellow.centre.division_code, yellow.kind, yellow.tracking_no) == (
        COUNTY,
        "rectification_yellow",
        decided.tracking_no,
    )
    assert yellow.text_args == {"rectification": r.pk, "due_on": "2026-10-23"}
    assert staff_text(yellow.kind, yellow.text_args, yellow.tracking_no) == (
        f"办件 {decided.tracking_no} 的差评整改将于 2026-10-23 到期（黄色预警）。"
    )
    # The command the hourly task shares a run with says how many it told.
    call_command("evaluate_supervision", "--today", "2026-10-27")
    assert [n.kind for n in notes()] == ["rectification_yellow", "rectification_red"]
    assert ratings.notify_warnings(dt.date(2026, 10, 28)) == 0


def test_an_unknown_state_or_centre_is_refused(decided):
    assert code_of(lambda: ratings.list_rectifications(COUNTY, COUNTY_STAFF, state="lost")) == (
        "invalid_state"
    )
    assert code_of(lambda: ratings.list_rectifications("999999", COUNTY_STAFF)) == (
        "centre_not_found"
    )
    assert [r.pk for r in ratings.list_rectifications(COUNTY, COUNTY_STAFF, state="open")] == []
