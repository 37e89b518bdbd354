"""Deadlines: n working days after a start, immediate items, golden weeks, year ends, speed."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from tests.workdays.reference import package_add, package_workdays_between
from workdays.calendar import Deadline, add_working_days, working_days_between

pytestmark = pytest.mark.django_db

D = dt.date


def test_an_immediate_item_is_due_the_same_day_even_on_a_holiday():
    assert add_working_days(D(2025, 6, 10), 0) == Deadline(D(2025, 6, 10), False)
    assert add_working_days(D(2025, 10, 3), 0).due == D(2025, 10, 3)


def test_the_start_day_is_never_counted():
    assert add_working_days(D(2025, 6, 10), 1).due == D(2025, 6, 11)  # Tuesday → Wednesday
    assert add_working_days(D(2025, 6, 7), 1).due == D(2025, 6, 9)  # Saturday → Monday
    assert add_working_days(D(2025, 6, 6), 1).due == D(2025, 6, 9)  # Friday → Monday


def test_a_deadline_spanning_the_golden_week():
    # 26 Sep 2025 (Fri) + 20: 28 Sep (Sun, make-up) is the 1st, 1–8 Oct are off, 11 Oct (Sat,
    # make-up) is the 6th.
    deadline = add_working_days(D(2025, 9, 26), 20)
    assert deadline == Deadline(D(2025, 10, 30), False)
    assert add_working_days(D(2025, 9, 30), 1).due == D(2025, 10, 9)


def test_a_deadline_crosses_the_year_end():
    # 1–3 Jan 2026 are off; Sunday 4 Jan 2026 is a make-up working day.
    assert add_working_days(D(2025, 12, 31), 1).due == D(2026, 1, 4)


def test_deadlines_and_counts_agree_with_the_package_day_by_day():
    for start in (D(2025, 1, 20), D(2025, 4, 30), D(2025, 9, 27), D(2025, 12, 24), D(2026, 2, 13)):
        for n in (1, 2, 5, 15, 20, 60):
            due = add_working_days(start, n).due
            assert due == package_add(start, n), (start, n)
            assert working_days_between(start, due).days == n
            assert working_days_between(start, due).days == package_workdays_between(start, due)


def test_a_negative_or_non_integer_limit_is_refused():
    with pytest.raises(ValueError):
        add_working_days(D(2025, 6, 10), -1)
    with pytest.raises(TypeError):
        add_working_days(D(2025, 6, 10), True)
    with pytest.raises(TypeError):
        add_working_days(D(2025, 6, 10), 2.0)


def test_a_twenty_day_deadline_takes_microseconds():
    add_working_days(D(2025, 9, 26), 20)  # warm the cache
    starts = [D(2025, 1, 1) + dt.timedelta(days=i % 360) for i in range(20_000)]
    began = time.perf_counter()
    for start in starts:
        add_working_days(start, 20)
    per_call = (time.perf_counter() - began) / len(starts)
    assert per_call < 50e-6, f"{per_call * 1e6:.1f} µs per deadline"
