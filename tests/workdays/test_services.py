"""The service layer: who may write what, with coded errors and nothing written on bad input."""

from __future__ import annotations

import datetime as dt

import pytest

from core.errors import DomainError, ValidationFailed
from workdays.calendar import is_working_day, package_years, year_summary
from workdays.models import CalendarOverride, PublishedYear
from workdays.services import (
    DayEntry,
    publish_year,
    remove_override,
    set_override,
    unpublish_year,
)

pytestmark = pytest.mark.django_db

D = dt.date
BEYOND = package_years().stop + 3


def _nothing_written():
    return not CalendarOverride.objects.exists() and not PublishedYear.objects.exists()


def test_set_override_records_who_and_why(admin_user):
    override = set_override(D(2025, 10, 8), True, note="  本地调整  ", actor=admin_user)
    assert (override.is_working_day, override.note, override.created_by) == (
        True,
        "本地调整",
        admin_user,
    )
    again = set_override(D(2025, 10, 8), False, note="撤回调整")
    assert (
        again.pk == override.pk
        and again.created_by is None
        and again.created_at >= override.created_at
    )
    assert CalendarOverride.objects.count() == 1


@pytest.mark.parametrize(
    ("date", "flag", "note", "code", "field"),
    [
        (D(2025, 10, 8), 1, "调整", "invalid_working_flag", "is_working_day"),
        (D(2025, 10, 8), "yes", "调整", "invalid_working_flag", "is_working_day"),
        (dt.datetime(2025, 10, 8, 9), True, "调整", "invalid_date", "date"),
        ("2025-10-08", True, "调整", "invalid_date", "date"),
        (D(1900, 1, 1), True, "调整", "date_out_of_range", "date"),
        (D(2025, 10, 8), True, "  ", "note_required", "note"),
        (D(2025, 10, 8), True, "很长" * 101, "note_too_long", "note"),
    ],
)
def test_set_override_refuses_bad_input_and_writes_nothing(date, flag, note, code, field):
    with pytest.raises(DomainError) as exc:
        set_override(date, flag, note=note)
    assert (exc.value.code, exc.value.field) == (code, field)
    assert exc.value.message  # a sentence for people, in Chinese by default
    assert _nothing_written()


def test_remove_override_hands_the_date_back_to_the_package():
    set_override(D(2025, 10, 8), True, note="调整")
    remove_override(D(2025, 10, 8))
    assert not is_working_day(D(2025, 10, 8))
    assert not CalendarOverride.objects.exists()


def test_removing_a_missing_override_is_an_error():
    with pytest.raises(DomainError) as exc:
        remove_override(D(2025, 10, 8))
    assert exc.value.code == "override_not_found"


def test_publish_year_records_the_days_and_marks_the_year(admin_user):
    report = publish_year(
        BEYOND,
        [(D(BEYOND, 1, 1), False, "元旦"), DayEntry(D(BEYOND, 2, 6), True, "春节调休")],
        note="国办发明电〔XXXX〕X号",
        actor=admin_user,
    )
    assert (report.holidays, report.makeup_working_days, report.removed, report.republished) == (
        1,
        1,
        0,
        False,
    )
    assert PublishedYear.objects.get().created_by == admin_user
    assert year_summary(BEYOND).source == "published"
    assert "休息日 1 天" in report.summary()


def test_publishing_again_replaces_the_years_record():
    publish_year(BEYOND, [(D(BEYOND, 1, 1), False, "元旦"), (D(BEYOND, 1, 2), False, "误列")])
    set_override(D(BEYOND + 1, 1, 1), False, note="下一年，不受影响")
    report = publish_year(BEYOND, [(D(BEYOND, 1, 1), False, "元旦")])
    assert (report.removed, report.republished) == (1, True)
    assert sorted(CalendarOverride.objects.values_list("date", flat=True)) == [
        D(BEYOND, 1, 1),
        D(BEYOND + 1, 1, 1),
    ]


def test_publish_year_lists_every_problem_with_its_row_and_writes_nothing():
    days = [
        (D(BEYOND, 1, 1), False, "元旦"),
        (D(BEYOND + 1, 1, 1), False, "下一年"),  # row 2: outside the year
        (D(BEYOND, 1, 1), False, "重复"),  # row 3: duplicate of row 1
        (D(BEYOND, 5, 1), "0", "劳动节"),  # row 4: not a bool
        ("not a date", False, ""),  # row 5
        "2027-05-01",  # row 6: not an entry
    ]
    with pytest.raises(ValidationFailed) as exc:
        publish_year(BEYOND, days)
    found = sorted((p.row, p.code) for p in exc.value.problems)
    assert found == [
        (2, "date_outside_year"),
        (3, "duplicate_date"),
        (4, "invalid_working_flag"),
        (5, "invalid_date"),
        (6, "invalid_entry"),
    ]
    assert exc.value.code == "validation_failed"
    assert _nothing_written()
    assert year_summary(BEYOND).source == "fallback"


@pytest.mark.parametrize("year", [True, "2027", 225, 3000])
def test_publish_year_refuses_a_bad_year(year):
    with pytest.raises(DomainError) as exc:
        publish_year(year, [(D(2027, 1, 1), False, "元旦")])
    assert (exc.value.code, exc.value.field) == ("invalid_year", "year")
    assert _nothing_written()


def test_publish_year_refuses_an_empty_schedule():
    with pytest.raises(ValidationFailed) as exc:
        publish_year(BEYOND, [])
    assert [p.code for p in exc.value.problems] == ["no_days"]
    assert _nothing_written()


def test_unpublish_year_makes_the_year_a_guess_again_and_keeps_its_overrides():
    publish_year(BEYOND, [(D(BEYOND, 1, 1), False, "元旦")])
    unpublish_year(BEYOND)
    assert year_summary(BEYOND).source == "fallback"
    assert CalendarOverride.objects.filter(date=D(BEYOND, 1, 1)).exists()
    with pytest.raises(DomainError) as exc:
        unpublish_year(BEYOND)
    assert exc.value.code == "year_not_published"
