"""Fixtures for the calendar tests. Every test touches the database: the calendar reads the
network's overrides from it."""

from __future__ import annotations

import pytest

from workdays import calendar


@pytest.fixture
def fresh_calendar():
    """For tests that write around the service layer (as another process would): start and end
    with an empty overrides cache so nothing leaks into the next test."""
    calendar.reset_cache()
    yield calendar
    calendar.reset_cache()
