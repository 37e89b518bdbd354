"""Counting working days, and the clock stopping while materials are awaited (一次性告知/补正)."""

from __future__ import annotations

import datetime as dt

import pytest

from workdays.calendar import (
    Count,
    Deadline,
    due_date_with_pauses,
    elapsed_working_days,
    working_days_between,
)

pytestmark = pytest.mark.django_db

D = dt.date
# A plain fortnight: Mon 9 June 2025 … Fri 20 June 2025, no holiday.
MON, TUE, WED, THU, FRI = (D(2025, 6, d) for d in (9, 10, 11, 12, 13))
NEXT_MON, NEXT_TUE, NEXT_FRI = D(2025, 6, 16), D(2025, 6, 17), D(2025, 6, 20)


def test_the_interval_is_half_open():
    assert working_days_between(MON, TUE) == Count(1, False)
    assert working_days_between(MON, MON).days == 0
    assert working_days_between(TUE, MON).days == 0
    assert working_days_between(D(2025, 9, 30), D(2025, 10, 9)).days == 1  # golden week


def test_a_pause_removes_its_working_days():
    # Six working days from Monday to the next Tuesday; notice on Wednesday, materials on
    # Friday: Thursday and Friday do not count.
    assert working_days_between(MON, NEXT_TUE).days == 6
    assert elapsed_working_days(MON, NEXT_TUE, [(WED, FRI)]) == Count(6 - 2, False)


def test_overlapping_pauses_count_once():
    pauses = [(TUE, THU), (WED, FRI), (THU, FRI)]
    assert elapsed_working_days(MON, NEXT_TUE, pauses).days == 6 - 3


def test_an_open_pause_runs_to_the_end():
    assert elapsed_working_days(MON, NEXT_TUE, [(FRI, None)]).days == 6 - 2


def test_pauses_outside_the_interval_are_clipped_or_ignored():
    before = (D(2025, 6, 2), D(2025, 6, 5))
    after = (NEXT_FRI, D(2025, 6, 25))
    straddling_start = (D(2025, 6, 5), TUE)  # only Tuesday is inside
    straddling_end = (NEXT_MON, NEXT_FRI)  # only Tuesday 17th is inside
    assert elapsed_working_days(MON, NEXT_TUE, [before, after]).days == 6
    assert elapsed_working_days(MON, NEXT_TUE, [straddling_start]).days == 5
    assert elapsed_working_days(MON, NEXT_TUE, [straddling_end]).days == 5


def test_a_pause_that_ends_before_it_starts_is_refused():
    with pytest.raises(ValueError):
        elapsed_working_days(MON, NEXT_TUE, [(THU, WED)])


def test_the_deadline_is_pushed_by_the_working_days_paused():
    assert due_date_with_pauses(MON, 5, []) == Deadline(NEXT_MON, False)
    assert due_date_with_pauses(MON, 5, [(WED, FRI)]).due == D(2025, 6, 18)


def test_the_deadline_is_the_first_day_the_clock_reaches_the_limit():
    pauses = [(D(2025, 9, 25), D(2025, 9, 29)), (D(2025, 10, 10), D(2025, 10, 14))]
    start = D(2025, 9, 22)
    for days in range(1, 25):
        due = due_date_with_pauses(start, days, pauses).due
        assert elapsed_working_days(start, due, pauses).days == days
        assert elapsed_working_days(start, due - dt.timedelta(days=1), pauses).days < days


def test_an_immediate_item_paused_at_once_is_due_when_the_materials_arrive():
    assert due_date_with_pauses(MON, 0, [(MON, WED)]).due == WED
    assert due_date_with_pauses(MON, 0, [(D(2025, 6, 6), WED)]).due == WED
    assert due_date_with_pauses(MON, 0, [(TUE, WED)]).due == MON


def test_an_open_pause_pushes_the_deadline_to_the_day_given():
    # Still awaiting materials on the next Monday: 2 days run (Tue, Wed), Thu…Mon are paused.
    assert due_date_with_pauses(MON, 5, [(WED, None)], open_until=NEXT_MON).due == D(2025, 6, 19)
    # Without a day to run to, the earliest the case can be due.
    assert due_date_with_pauses(MON, 5, [(WED, None)]).due == NEXT_MON
