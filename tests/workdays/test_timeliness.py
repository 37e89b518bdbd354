"""How a completed case did: on time, early, overdue, working days saved."""

from __future__ import annotations

import datetime as dt

import pytest

from workdays.calendar import Timeliness, assess_completion

pytestmark = pytest.mark.django_db

D = dt.date
MON = D(2025, 6, 9)


def test_done_before_the_promised_limit_is_early_and_on_time():
    result = assess_completion(MON, D(2025, 6, 12), promised_days=5, legal_days=20, pauses=[])
    assert result == Timeliness(
        elapsed=3,
        due=D(2025, 6, 16),
        on_time=True,
        early=True,
        overdue=False,
        saved_vs_promised=2,
        saved_vs_legal=17,
        fallback=False,
    )


def test_done_on_the_promised_day_is_on_time_but_not_early():
    result = assess_completion(MON, D(2025, 6, 16), 5, 20, [])
    assert (result.on_time, result.early, result.overdue, result.saved_vs_promised) == (
        True,
        False,
        False,
        0,
    )


def test_done_after_the_limit_is_overdue_and_can_beat_no_limit():
    result = assess_completion(MON, D(2025, 7, 11), 5, 20, [])
    assert result.elapsed == 24
    assert (result.on_time, result.early, result.overdue) == (False, False, True)
    assert (result.saved_vs_promised, result.saved_vs_legal) == (-19, -4)


def test_an_immediate_item_done_the_same_day_is_on_time_not_early():
    result = assess_completion(MON, MON, 0, 0, [])
    assert (result.elapsed, result.due, result.on_time, result.early, result.overdue) == (
        0,
        MON,
        True,
        False,
        False,
    )


def test_an_immediate_item_done_the_next_working_day_is_overdue():
    friday, saturday, monday = D(2025, 6, 13), D(2025, 6, 14), D(2025, 6, 16)
    assert assess_completion(friday, saturday, 0, 0, []).on_time  # no working day has passed
    late = assess_completion(friday, monday, 0, 0, [])
    assert late.overdue and late.saved_vs_promised == -1


def test_time_awaiting_materials_is_not_held_against_the_centre():
    # 7 working days from start to end, of which Thu and Fri were spent awaiting materials.
    result = assess_completion(MON, D(2025, 6, 18), 5, 20, [(D(2025, 6, 11), D(2025, 6, 13))])
    assert (result.elapsed, result.due, result.on_time, result.early) == (
        5,
        D(2025, 6, 18),
        True,
        False,
    )


def test_completed_before_it_started_is_refused():
    with pytest.raises(ValueError):
        assess_completion(MON, D(2025, 6, 6), 5, 20, [])
