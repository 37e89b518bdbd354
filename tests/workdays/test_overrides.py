"""The network's own records: overrides beat the package, unknown years fall back (flagged),
published years are known, and the cache follows every change."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from workdays.calendar import (
    add_working_days,
    day_info,
    due_date_with_pauses,
    elapsed_working_days,
    is_working_day,
    package_years,
    working_days_between,
    year_summary,
)
from workdays.models import CalendarOverride
from workdays.services import publish_year, set_override

pytestmark = pytest.mark.django_db


class CalendarQueries(CaptureQueriesContext):
    """The queries run, leaving out django-tenants' ``SET search_path``."""

    def __init__(self):
        super().__init__(connection)

    @property
    def selects(self) -> int:
        return sum(not q["sql"].startswith("SET ") for q in self.captured_queries)


D = dt.date
BEYOND = package_years().stop + 3  # a year nobody knows
# A Monday in that year, to build dates from.
BEYOND_MONDAY = D(BEYOND, 6, 1) + dt.timedelta(days=-D(BEYOND, 6, 1).weekday())


def test_an_override_beats_the_package():
    set_override(D(2025, 10, 8), True, note="本地调整：10 月 8 日上班")
    info = day_info(D(2025, 10, 8))
    assert (info.is_working_day, info.source, info.note, info.name) == (
        True,
        "override",
        "本地调整：10 月 8 日上班",
        "国庆节",
    )
    assert add_working_days(D(2025, 9, 30), 1).due == D(2025, 10, 8)


def test_a_date_beyond_the_package_falls_back_to_weekdays_and_is_flagged():
    info = day_info(BEYOND_MONDAY)
    assert (info.is_working_day, info.source, info.fallback) == (True, "fallback", True)
    assert not is_working_day(BEYOND_MONDAY + dt.timedelta(days=5))  # Saturday
    deadline = add_working_days(BEYOND_MONDAY, 5)
    assert deadline.due == BEYOND_MONDAY + dt.timedelta(days=7)
    assert deadline.fallback
    assert year_summary(BEYOND).source == "fallback"


def test_a_deadline_running_into_an_unknown_year_is_flagged_only_then():
    last = package_years().stop - 1
    assert not add_working_days(D(last, 12, 1), 5).fallback
    assert add_working_days(D(last, 12, 20), 20).fallback
    assert working_days_between(D(last, 12, 20), D(last + 1, 1, 20)).fallback
    assert elapsed_working_days(D(last, 12, 20), D(last + 1, 1, 20), []).fallback
    assert due_date_with_pauses(D(last, 12, 20), 20, []).fallback


def test_an_override_in_an_unknown_year_is_not_a_guess_but_its_neighbours_are():
    set_override(BEYOND_MONDAY, False, note="地方性假日")
    assert day_info(BEYOND_MONDAY).source == "override"
    assert not day_info(BEYOND_MONDAY).fallback
    assert add_working_days(BEYOND_MONDAY, 1).fallback


def test_a_published_year_beyond_the_package_is_known_and_uses_its_record():
    holiday, makeup = BEYOND_MONDAY, BEYOND_MONDAY + dt.timedelta(days=5)
    publish_year(BEYOND, [(holiday, False, "端午节"), (makeup, True, "端午调休上班")])
    assert day_info(holiday) == day_info(holiday) and not is_working_day(holiday)
    assert is_working_day(makeup)
    tuesday = day_info(holiday + dt.timedelta(days=1))
    assert (tuesday.is_working_day, tuesday.source) == (True, "official")
    deadline = add_working_days(holiday - dt.timedelta(days=3), 6)  # from the Friday before
    assert deadline == type(deadline)(makeup + dt.timedelta(days=2), False)
    assert year_summary(BEYOND).source == "published"
    assert year_summary(BEYOND).fallback_days == 0


def test_a_published_year_is_authoritative_over_the_package():
    # The record lists only New Year's Day: the package's other 2025 holidays no longer apply.
    publish_year(2025, [(D(2025, 1, 1), False, "元旦")])
    assert is_working_day(D(2025, 10, 8))
    assert not is_working_day(D(2025, 9, 28))  # no longer a make-up Sunday
    assert D(2025, 10, 8) in year_summary(2025).differs_from_package


def test_the_cache_shows_a_service_write_at_once():
    assert not is_working_day(D(2025, 10, 2))  # cache warm
    set_override(D(2025, 10, 2), True, note="调整")
    assert is_working_day(D(2025, 10, 2))


def test_a_rolled_back_write_is_forgotten():
    class Abandon(Exception):
        pass

    with pytest.raises(Abandon), transaction.atomic():
        set_override(D(2025, 10, 2), True, note="调整")
        assert is_working_day(D(2025, 10, 2))  # the writer sees its own change
        raise Abandon
    assert not is_working_day(D(2025, 10, 2))


def test_a_committed_write_reaches_the_shared_cache(django_capture_on_commit_callbacks):
    is_working_day(D(2025, 10, 2))
    with django_capture_on_commit_callbacks(execute=True):
        set_override(D(2025, 10, 2), True, note="调整")
    with CalendarQueries() as reload:
        assert is_working_day(D(2025, 10, 2))
    assert reload.selects == 3  # fingerprint, overrides, published years
    with CalendarQueries() as again:
        assert is_working_day(D(2025, 10, 2))
    assert again.selects == 0  # shared from then on


def test_another_processs_write_is_noticed_within_the_refresh_interval(fresh_calendar, settings):
    settings.WORKDAYS_REFRESH_SECONDS = 3600
    assert not is_working_day(D(2025, 10, 3))
    # As another process would: straight to the table, this process's cache is not told.
    CalendarOverride.objects.create(date=D(2025, 10, 3), is_working_day=True, note="他处写入")
    assert not is_working_day(D(2025, 10, 3))  # still within the interval
    settings.WORKDAYS_REFRESH_SECONDS = 0
    fresh_calendar.reset_cache()
    assert is_working_day(D(2025, 10, 3))
    CalendarOverride.objects.filter(date=D(2025, 10, 3)).delete()
    assert not is_working_day(D(2025, 10, 3))  # interval 0: checked on every call


def test_an_unchanged_database_costs_one_small_query_per_interval(fresh_calendar, settings):
    settings.WORKDAYS_REFRESH_SECONDS = 0
    is_working_day(D(2025, 10, 3))
    with CalendarQueries() as check:
        add_working_days(D(2025, 9, 26), 20)
    assert check.selects == 1


def test_a_longer_refresh_interval_applies_at_once(fresh_calendar, settings):
    """The interval is read at each check: after checks every call (0 s), a test or an operator
    that sets a longer one gets no further check, not one more at the old deadline."""
    settings.WORKDAYS_REFRESH_SECONDS = 0
    is_working_day(D(2025, 10, 3))
    settings.WORKDAYS_REFRESH_SECONDS = 3600
    with CalendarQueries() as kept:
        add_working_days(D(2025, 9, 26), 20)
    assert kept.selects == 0
