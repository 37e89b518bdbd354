"""The official calendar from the package: holidays, make-up working days, names, known years."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest

from workdays.calendar import day_info, is_working_day, package_years

pytestmark = pytest.mark.django_db

D = dt.date


def test_the_package_years_are_probed_from_the_installed_package():
    years = package_years()
    assert 2004 in years and 2025 in years and 2026 in years
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(D(years.stop, 1, 1))
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(D(years.start - 1, 12, 31))


def test_national_day_2025_is_eight_days_off():
    for offset in range(8):
        info = day_info(D(2025, 10, 1) + dt.timedelta(days=offset))
        assert not info.is_working_day, info
        assert info.source == "official"
    assert day_info(D(2025, 10, 1)).name == "国庆节"
    assert day_info(D(2025, 10, 6)).name == "中秋"
    assert is_working_day(D(2025, 10, 9))


def test_make_up_working_days_count_as_working():
    sunday, saturday = D(2025, 9, 28), D(2025, 10, 11)
    assert (sunday.weekday(), saturday.weekday()) == (6, 5)
    for day in (sunday, saturday):
        info = day_info(day)
        assert info.is_working_day and info.source == "official" and info.name == "国庆节"


def test_an_ordinary_weekend_is_off_and_an_ordinary_weekday_is_on():
    assert not is_working_day(D(2025, 10, 12))  # Sunday
    info = day_info(D(2025, 10, 13))
    assert info == day_info(D(2025, 10, 13))
    assert info.is_working_day and info.name == "" and not info.fallback


@pytest.mark.skipif(2026 not in package_years(), reason="the package does not know 2026")
def test_spring_festival_2026():
    for offset in range(9):  # 15–23 February
        assert not is_working_day(D(2026, 2, 15) + dt.timedelta(days=offset))
    assert day_info(D(2026, 2, 17)).name == "春节"
    assert is_working_day(D(2026, 2, 14)) and is_working_day(D(2026, 2, 28))  # Saturdays


def test_a_datetime_is_refused_so_a_timezone_slip_cannot_move_a_deadline():
    with pytest.raises(TypeError):
        is_working_day(dt.datetime(2025, 10, 1, 23, 30))
    with pytest.raises(TypeError):
        day_info("2025-10-01")
