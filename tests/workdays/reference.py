"""Naive reference answers straight from the package, to check the fast tables against."""

from __future__ import annotations

import datetime as dt

import chinese_calendar


def package_workdays_between(start: dt.date, end: dt.date) -> int:
    """Naive reference count straight from the package: working days in (start, end]."""
    days = (end - start).days
    return sum(chinese_calendar.is_workday(start + dt.timedelta(i)) for i in range(1, days + 1))


def package_add(start: dt.date, n: int) -> dt.date:
    """Naive reference: the n-th working day after start, straight from the package."""
    day = start
    while n:
        day += dt.timedelta(days=1)
        n -= chinese_calendar.is_workday(day)
    return day
