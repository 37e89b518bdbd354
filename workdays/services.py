"""Services for the working-day calendar: every write to overrides and published years.

The admin and the ``calendar_year`` / ``calendar_day`` commands call these functions. Each is
one transaction, serialised against the other calendar writes by an advisory lock, and tells
``workdays.calendar`` so the change shows at once in this process (other processes within
``WORKDAYS_REFRESH_SECONDS``). Once the write has committed, every open case in the network
whose clock window touches a changed day gets its promised date recomputed
(``delegation.services.recompute_deadlines``, see ``_Reschedule``). Bad input raises a
``DomainError`` (a batch: ``ValidationFailed`` listing every problem) and writes nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError, NotFound, Problem, ValidationFailed
from workdays import calendar
from workdays.models import FIRST_YEAR, LAST_YEAR, CalendarOverride, PublishedYear

logger = logging.getLogger(__name__)

NOTE_MAX_LENGTH = CalendarOverride._meta.get_field("note").max_length
#: pg_advisory_xact_lock key shared by every calendar write ("workdays" in ASCII).
_LOCK_KEY = 0x776F726B64617973


@dataclass(frozen=True, slots=True)
class DayEntry:
    """One exception to Mon–Fri in a year's schedule; ``row`` says where it came from (a CSV
    line) so problems point there."""

    date: dt.date
    is_working_day: bool
    note: str = ""
    row: int | None = None


@dataclass(frozen=True, slots=True)
class PublishReport:
    year: int
    holidays: int  # days recorded as non-working
    makeup_working_days: int  # days recorded as working (调休上班)
    removed: int  # overrides of the year that the new record no longer lists
    republished: bool  # the year had been published before
    #: open cases whose promised date or calendar flag changed; None if the repair waits for
    #: the caller's transaction to commit
    rescheduled: int | None = 0

    def summary(self) -> str:
        text = gettext("%(year)d 年安排已记录：休息日 %(holidays)d 天，调休上班 %(makeup)d 天") % {
            "year": self.year,
            "holidays": self.holidays,
            "makeup": self.makeup_working_days,
        }
        if self.removed:
            text += gettext("，删除不再列出的调整 %(removed)d 天") % {"removed": self.removed}
        if self.republished:
            text += gettext("（重新发布）")
        text += gettext("。")
        if self.rescheduled:
            text += gettext("已重新计算 %(count)d 件在办办件的承诺办结日。") % {
                "count": self.rescheduled
            }
        return text


# --- Checks -----------------------------------------------------------------------------------


#: A failed check: (code, message, params). The message stays lazy so a DomainError renders in
#: the caller's language; a Problem in a batch is rendered at once.
Check = tuple[str, Any, dict[str, Any]] | None


def _date_problem(value: Any) -> Check:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        return (
            "invalid_date",
            _("日期“%(value)s”无效，应为 YYYY-MM-DD 格式的日期。"),
            {"value": value},
        )
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        return (
            "date_out_of_range",
            _("日期 %(value)s 超出可记录的范围（%(first)d–%(last)d 年）。"),
            {"value": value, "first": FIRST_YEAR, "last": LAST_YEAR},
        )
    return None


def _flag_problem(value: Any) -> Check:
    if not isinstance(value, bool):
        return (
            "invalid_working_flag",
            _("“是否工作日”应为是或否（1 或 0），给出的是“%(value)s”。"),
            {"value": value},
        )
    return None


def _note_problem(value: Any) -> Check:
    if not isinstance(value, str):
        return "invalid_note", _("说明应为文字。"), {}
    if len(value) > NOTE_MAX_LENGTH:
        return (
            "note_too_long",
            _("说明不能超过 %(max)d 个字（现有 %(length)d 个）。"),
            {"max": NOTE_MAX_LENGTH, "length": len(value)},
        )
    return None


def _raise_first(*checks: tuple[str, Check]) -> None:
    for field, problem in checks:
        if problem is not None:
            code, message, params = problem
            raise DomainError(message, code=code, field=field, params=params)


def _problem(check: tuple[str, Any, dict[str, Any]], row: int | None, column: str) -> Problem:
    code, message, params = check
    return Problem(code, str(message) % params if params else str(message), row=row, column=column)


def validate_year(year: Any) -> int:
    if isinstance(year, bool) or not isinstance(year, int) or not FIRST_YEAR <= year <= LAST_YEAR:
        raise DomainError(
            _("年份“%(year)s”无效，应为 %(first)d–%(last)d 之间的整数。"),
            code="invalid_year",
            field="year",
            params={"year": year, "first": FIRST_YEAR, "last": LAST_YEAR},
        )
    return year


def _lock() -> None:
    """Serialise calendar writes (a year's replace must not interleave with another write)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])


class _Reschedule:
    """Recompute the promised dates of the open cases whose window touches [since, until], once
    the calendar write has committed (``transaction.on_commit``: at once when the write was the
    outermost transaction, as in the commands; after the caller's commit otherwise, as in the
    admin). Not inside the write's transaction: repairing a prefecture's schemas in one
    transaction would take more locks than PostgreSQL holds, so the repair commits per batch
    of centres. It is idempotent; should it fail, ``manage.py recompute_deadlines`` finishes it.
    ``changed`` is the number of cases it changed (None until it has run)."""

    def __init__(self, since: dt.date, until: dt.date) -> None:
        self.since, self.until, self.changed = since, until, None
        transaction.on_commit(self)

    def __call__(self) -> None:
        from delegation.services import recompute_deadlines

        self.changed = recompute_deadlines(since=self.since, until=self.until).changed
        if self.changed:
            logger.info(
                "calendar %s–%s: %s case(s) rescheduled", self.since, self.until, self.changed
            )


def _actor(actor: Any):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


# --- Single days ------------------------------------------------------------------------------


def validate_override(date: Any, is_working_day: Any, note: Any) -> None:
    """Raise the DomainError ``set_override`` would raise for these values, if any."""
    _raise_first(
        ("date", _date_problem(date)),
        ("is_working_day", _flag_problem(is_working_day)),
        ("note", _note_problem(note)),
    )
    if not note.strip():
        raise DomainError(_("请说明调整的原因。"), code="note_required", field="note")


def recorded_days(year: int) -> list[DayEntry]:
    """The overrides recorded for dates in ``year``, as entries ``publish_year`` accepts."""
    return [
        DayEntry(date, is_working, note)
        for date, is_working, note in CalendarOverride.objects.filter(date__year=year)
        .order_by("date")
        .values_list("date", "is_working_day", "note")
    ]


def set_override(date: dt.date, is_working_day: bool, *, note: str, actor=None) -> CalendarOverride:
    """Fix one date as a working day or a rest day, beating the package and the fallback.

    ``note`` says why (a local adjustment must explain itself). Setting a date again records the
    new value, by ``actor``, now.
    """
    validate_override(date, is_working_day, note)
    note = note.strip()
    with transaction.atomic():
        _lock()
        override, _created = CalendarOverride.objects.update_or_create(
            date=date,
            defaults={
                "is_working_day": is_working_day,
                "note": note,
                "created_at": timezone.now(),
                "created_by": _actor(actor),
            },
        )
        calendar.note_write()
    _Reschedule(date, date)
    logger.info("calendar override %s working=%s by %s: %s", date, is_working_day, actor, note)
    return override


def remove_override(date: dt.date, *, actor=None) -> None:
    """Drop a date's override: the package (or the published year's Mon–Fri, or the fallback)
    decides again."""
    _raise_first(("date", _date_problem(date)))
    with transaction.atomic():
        _lock()
        deleted, _by_model = CalendarOverride.objects.filter(date=date).delete()
        if not deleted:
            raise NotFound(
                _("%(date)s 没有工作日调整记录。"),
                code="override_not_found",
                field="date",
                params={"date": date.isoformat()},
            )
        calendar.note_write()
    _Reschedule(date, date)
    logger.info("calendar override %s removed by %s", date, actor)


# --- Whole years ------------------------------------------------------------------------------


def check_year_days(year: int, days: Iterable[Any]) -> tuple[list[DayEntry], list[Problem]]:
    """The entries of a year's record that pass, and the problems of those that do not."""
    entries: list[DayEntry] = []
    problems: list[Problem] = []
    first_row: dict[dt.date, int] = {}
    for position, item in enumerate(days, start=1):
        if isinstance(item, DayEntry):
            entry = (
                item
                if item.row is not None
                else DayEntry(item.date, item.is_working_day, item.note, position)
            )
        elif isinstance(item, tuple | list) and len(item) in (2, 3):
            entry = DayEntry(*item, row=position)
        else:
            problems.append(
                Problem(
                    "invalid_entry",
                    gettext("每项应为（日期, 是否工作日, 说明）。"),
                    row=position,
                )
            )
            continue
        row_problems = [
            _problem(check, entry.row, column)
            for column, check in (
                ("date", _date_problem(entry.date)),
                ("is_working_day", _flag_problem(entry.is_working_day)),
                ("note", _note_problem(entry.note)),
            )
            if check is not None
        ]
        if not any(p.column == "date" for p in row_problems):
            if entry.date.year != year:
                row_problems.append(
                    Problem(
                        "date_outside_year",
                        gettext("日期 %(date)s 不在 %(year)d 年内。")
                        % {"date": entry.date, "year": year},
                        row=entry.row,
                        column="date",
                    )
                )
            elif entry.date in first_row:
                row_problems.append(
                    Problem(
                        "duplicate_date",
                        gettext("日期 %(date)s 重复（第 %(first)d 行已列出）。")
                        % {"date": entry.date, "first": first_row[entry.date]},
                        row=entry.row,
                        column="date",
                    )
                )
            else:
                first_row[entry.date] = entry.row
        problems += row_problems
        if not row_problems:
            entries.append(entry)
    if not entries and not problems:
        problems.append(
            Problem(
                "no_days", gettext("%(year)d 年的安排没有列出任何节假日或调休日。") % {"year": year}
            )
        )
    return entries, problems


def publish_year(year: int, days: Iterable[Any], *, note: str = "", actor=None) -> PublishReport:
    """Record a year's whole schedule and mark the year published.

    ``days`` lists the exceptions to Mon–Fri as ``(date, is_working_day, note)`` tuples or
    ``DayEntry`` objects: holidays falling on weekdays (False) and make-up working days at
    weekends (True). The record replaces the year's overrides (dates it no longer lists are
    dropped), so a corrected file can be published again. From then on the year counts as known
    (not flagged), the package is not consulted for it. All or nothing: any bad entry raises
    ``ValidationFailed`` listing every problem, and nothing is written.
    """
    validate_year(year)
    _raise_first(("note", _note_problem(note)))
    entries, problems = check_year_days(year, days)
    if problems:
        raise ValidationFailed(problems)
    now = timezone.now()
    recorded_by = _actor(actor)
    with transaction.atomic():
        _lock()
        listed = {entry.date for entry in entries}
        removed, _by_model = (
            CalendarOverride.objects.filter(date__year=year).exclude(date__in=listed).delete()
        )
        CalendarOverride.objects.bulk_create(
            [
                CalendarOverride(
                    date=entry.date,
                    is_working_day=entry.is_working_day,
                    note=entry.note.strip(),
                    created_at=now,
                    created_by=recorded_by,
                )
                for entry in entries
            ],
            update_conflicts=True,
            unique_fields=["date"],
            update_fields=["is_working_day", "note", "created_at", "created_by"],
        )
        _published, created = PublishedYear.objects.update_or_create(
            year=year,
            defaults={"note": note.strip(), "created_at": now, "created_by": recorded_by},
        )
        calendar.note_write()
    rescheduled = _Reschedule(dt.date(year, 1, 1), dt.date(year, 12, 31))
    report = PublishReport(
        year=year,
        holidays=sum(not entry.is_working_day for entry in entries),
        makeup_working_days=sum(entry.is_working_day for entry in entries),
        removed=removed,
        republished=not created,
        rescheduled=rescheduled.changed,
    )
    logger.info("calendar year %s published by %s: %s", year, actor, report)
    return report


def unpublish_year(year: int, *, actor=None) -> None:
    """Stop treating ``year`` as recorded. Its overrides stay; days without one go back to the
    package, or to the flagged weekends-only fallback if the package does not know the year."""
    validate_year(year)
    with transaction.atomic():
        _lock()
        deleted, _by_model = PublishedYear.objects.filter(year=year).delete()
        if not deleted:
            raise NotFound(
                _("%(year)d 年的安排未发布。"),
                code="year_not_published",
                field="year",
                params={"year": year},
            )
        calendar.note_write()
    _Reschedule(dt.date(year, 1, 1), dt.date(year, 12, 31))
    logger.info("calendar year %s unpublished by %s", year, actor)
