"""The official working-day calendar and the case clock.

Which days are working days
---------------------------
Deadlines count working days by China's official calendar: public holidays and the make-up
working days (调休) that the State Council publishes each year (around November, for the next
year). The ``chinesecalendar`` package (import name ``chinese_calendar``) carries those
schedules; it raises ``NotImplementedError`` for any date outside the years it knows. The
installed version, 1.11.0, knows **2004–2026** (``package_years()`` probes the installed package,
so an upgrade widens the range without a code change).

For each date the first of these that applies decides, and ``DayInfo.source`` says which:

1. ``"override"``: a ``CalendarOverride`` row (a local adjustment, or a day of a year the network
   recorded itself).
2. ``"official"``: if the year is a ``PublishedYear`` (its whole schedule recorded as overrides),
   Mon–Fri is a working day; the package is not consulted for it, so deadlines in a recorded year
   do not move when the package is upgraded. Otherwise, if the package knows the year, the
   package's answer.
3. ``"fallback"``: neither the package nor the network knows the year: Mon–Fri are working days.
   This is a guess. It never raises; every result that consulted such a day carries
   ``fallback=True`` so the case can be flagged, and recording the year fixes it.

Counting conventions
--------------------
* ``add_working_days(start, 0)`` is ``start`` itself: immediate items are due the same day.
* ``add_working_days(start, n)`` for n ≥ 1 is the n-th working day strictly after ``start``; the
  start day is never counted, whether or not it is a working day.
* ``working_days_between(start, end)`` counts working days in the half-open interval
  ``(start, end]``, 0 if ``end <= start``. So ``working_days_between(s, add_working_days(s, n).due)
  == n``.
* A pause ``(p_from, p_to)`` (the clock stopped while materials are awaited, 一次性告知/补正)
  removes the working days in ``(p_from, p_to]``: the day the notice is issued still counts, the
  day the materials arrive does not, the clock runs again from the next day. Pauses are clipped
  to the interval and merged where they overlap; an open pause (``p_to is None``) runs to the end
  of the interval being measured.
* Dates are ``datetime.date``; a ``datetime`` is refused (TypeError) so a timezone slip cannot
  move a deadline: use ``timezone.localdate(moment)``.

Speed and caching
-----------------
Each year becomes a table (working flag per day, prefix sums, the index of each working day), so
a deadline or a count is a few index look-ups per year touched: microseconds. The package's
answers are cached per year for the life of the process. The network's overrides are loaded once
into a snapshot; the snapshot checks a fingerprint of the override tables (one small query) at
most every ``WORKDAYS_REFRESH_SECONDS`` (default 10), so other processes see an admin's change
within that time. A write through ``workdays.services`` is visible at once to the writing thread
(inside its transaction) and to the whole process as soon as it commits; a rolled-back write is
forgotten.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Literal

import chinese_calendar
from chinese_calendar.constants import Holiday
from django.conf import settings
from django.db import connection, transaction

Source = Literal["override", "official", "fallback"]
YearSource = Literal["published", "package", "fallback"]
Pause = tuple[dt.date, dt.date | None]

DEFAULT_REFRESH_SECONDS = 10.0

__all__ = [
    "Count",
    "DayInfo",
    "Deadline",
    "Timeliness",
    "YearSummary",
    "add_working_days",
    "assess_completion",
    "day_info",
    "due_date_with_pauses",
    "elapsed_working_days",
    "is_working_day",
    "package_years",
    "reset_cache",
    "working_days_between",
    "year_exceptions",
    "year_summary",
]


# --- Results ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DayInfo:
    date: dt.date
    is_working_day: bool
    source: Source
    #: The official holiday the package ties the date to (Chinese, e.g. "国庆节"; also set on
    #: that holiday's make-up working days), "" if none or the package does not know the year.
    name: str = ""
    #: The override's note, "" unless ``source == "override"``.
    note: str = ""

    @property
    def fallback(self) -> bool:
        return self.source == "fallback"


@dataclass(frozen=True, slots=True)
class Deadline:
    due: dt.date
    #: Some day consulted to find ``due`` was a weekends-only guess.
    fallback: bool = False


@dataclass(frozen=True, slots=True)
class Count:
    days: int
    #: Some day counted (or skipped) was a weekends-only guess.
    fallback: bool = False


@dataclass(frozen=True, slots=True)
class Timeliness:
    #: Working days the case took, pauses excluded.
    elapsed: int
    #: The promised deadline, pushed by the pauses.
    due: dt.date
    on_time: bool
    early: bool
    overdue: bool
    saved_vs_promised: int
    saved_vs_legal: int
    fallback: bool


@dataclass(frozen=True, slots=True)
class YearSummary:
    year: int
    source: YearSource
    working_days: int
    #: Override rows recorded for dates in the year.
    overrides: int
    #: Days of the year whose status is a weekends-only guess.
    fallback_days: int
    #: Dates whose status differs from the package's (empty if the package does not know the year).
    differs_from_package: tuple[dt.date, ...]


# --- The package, per year, cached for the process ------------------------------------------

_CHINESE_NAMES = {holiday.value: holiday.chinese for holiday in Holiday}
_ENGLISH_NAMES = {holiday.chinese: holiday.value for holiday in Holiday}


def holiday_label(name: str) -> str:
    """A holiday's name (Chinese, as ``DayInfo.name`` has it) in the active language: the
    package's own English name when English is active."""
    from django.utils.translation import get_language

    if name and (get_language() or "").startswith("en"):
        return _ENGLISH_NAMES.get(name, name)
    return name


@lru_cache(maxsize=1)
def package_years() -> range:
    """The years the installed ``chinesecalendar`` knows (2004–2026 for 1.11.0)."""
    known = []
    for year in range(1949, 2200):
        try:
            chinese_calendar.is_workday(dt.date(year, 1, 1))
        except NotImplementedError:
            continue
        known.append(year)
    return range(known[0], known[-1] + 1) if known else range(0)


@cache
def _package_year(year: int) -> tuple[bytes, tuple[str, ...]] | None:
    """(working flag per day, holiday name per day) from the package, None if it lacks the year."""
    first = dt.date(year, 1, 1).toordinal()
    working = bytearray(_days_in_year(year))
    names: list[str] = []
    try:
        for index in range(len(working)):
            is_holiday, name = chinese_calendar.get_holiday_detail(
                dt.date.fromordinal(first + index)
            )
            working[index] = not is_holiday
            names.append(_CHINESE_NAMES.get(name, name) if name else "")
    except NotImplementedError:
        return None
    return bytes(working), tuple(names)


def _days_in_year(year: int) -> int:
    return 366 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 365


def _weekdays_only(year: int) -> bytes:
    first = dt.date(year, 1, 1)
    offset = first.weekday()
    return bytes(int((offset + index) % 7 < 5) for index in range(_days_in_year(year)))


# --- A year's table: the package (or the record, or the guess) plus the overrides ------------


@dataclass(frozen=True, slots=True)
class _YearTable:
    year: int
    first: int  # ordinal of 1 January
    source: YearSource
    working: bytes  # 1 if the day (index from 1 January) is a working day
    fallback: bytes  # 1 if that is a guess
    cum_working: tuple[int, ...]  # cum_working[i]: working days among the first i days
    cum_fallback: tuple[int, ...]
    working_index: tuple[int, ...]  # day index of the k-th working day of the year


def _build_year(
    year: int, overrides: dict[dt.date, tuple[bool, str]], published: bool
) -> _YearTable:
    n = _days_in_year(year)
    package = None if published else _package_year(year)
    if published:
        source, working, fallback = "published", bytearray(_weekdays_only(year)), bytearray(n)
    elif package is not None:
        source, working, fallback = "package", bytearray(package[0]), bytearray(n)
    else:
        source, working, fallback = (
            "fallback",
            bytearray(_weekdays_only(year)),
            bytearray(b"\1" * n),
        )
    first = dt.date(year, 1, 1).toordinal()
    for day, (is_working, _note) in overrides.items():
        working[day.toordinal() - first] = is_working
        fallback[day.toordinal() - first] = 0
    return _YearTable(
        year=year,
        first=first,
        source=source,
        working=bytes(working),
        fallback=bytes(fallback),
        cum_working=tuple(itertools.accumulate(working, initial=0)),
        cum_fallback=tuple(itertools.accumulate(fallback, initial=0)),
        working_index=tuple(index for index, flag in enumerate(working) if flag),
    )


# --- The overrides snapshot and its invalidation ---------------------------------------------


class _Snapshot:
    __slots__ = ("checked_at", "fingerprint", "overrides", "published", "tables")

    def __init__(self, overrides, published, fingerprint, checked_at):
        self.overrides: dict[int, dict[dt.date, tuple[bool, str]]] = overrides
        self.published: frozenset[int] = published
        self.fingerprint: str = fingerprint
        #: When the database was last compared (monotonic clock); the interval is read at each
        #: check, so a changed ``WORKDAYS_REFRESH_SECONDS`` applies at once.
        self.checked_at: float = checked_at
        self.tables: dict[int, _YearTable] = {}

    def table(self, year: int) -> _YearTable:
        table = self.tables.get(year)
        if table is None:
            table = self.tables[year] = _build_year(
                year, self.overrides.get(year, {}), year in self.published
            )
        return table


def _refresh_seconds() -> float:
    return float(getattr(settings, "WORKDAYS_REFRESH_SECONDS", DEFAULT_REFRESH_SECONDS))


def _fingerprint() -> str:
    """A digest of everything in the database that shapes the calendar: one cheap query."""
    from workdays.models import CalendarOverride, PublishedYear

    overrides = connection.ops.quote_name(CalendarOverride._meta.db_table)
    published = connection.ops.quote_name(PublishedYear._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT md5(concat("
            f"(SELECT json_agg(json_build_array(date, is_working_day, note) ORDER BY date)"
            f" FROM {overrides})::text, '#',"
            f"(SELECT json_agg(year ORDER BY year) FROM {published})::text))"
        )
        return cursor.fetchone()[0]


def _load() -> _Snapshot:
    from workdays.models import CalendarOverride, PublishedYear

    # Fingerprint first: a write landing in between makes the next check reload, never miss.
    fingerprint = _fingerprint()
    overrides: dict[int, dict[dt.date, tuple[bool, str]]] = {}
    for day, is_working, note in CalendarOverride.objects.values_list(
        "date", "is_working_day", "note"
    ):
        overrides.setdefault(day.year, {})[day] = (is_working, note)
    published = frozenset(PublishedYear.objects.values_list("year", flat=True))
    return _Snapshot(overrides, published, fingerprint, time.monotonic())


class _PendingWrite:
    """Queued with ``on_commit`` by a calendar write. While it sits in the connection's queue the
    write is uncommitted; Django drops it from the queue when its savepoint or transaction rolls
    back, and calls it on commit."""

    __slots__ = ()

    def __call__(self) -> None:
        reset_cache()


_shared: _Snapshot | None = None  # the committed view, shared by the process's threads
_local = threading.local()  # .pending: [_PendingWrite], .private: _Snapshot (uncommitted view)


def _snapshot() -> _Snapshot:
    global _shared
    pending = getattr(_local, "pending", None)
    if pending:
        queued = {id(func) for _sids, func, _robust in connection.run_on_commit}
        alive = [marker for marker in pending if id(marker) in queued]
        if alive:
            if len(alive) != len(pending):  # part of the writes was rolled back
                _local.pending, _local.private = alive, None
            private = getattr(_local, "private", None)
            if private is None:
                private = _local.private = _load()
            return private
        # Committed (the marker ran and reset everything) or rolled back: the shared view holds.
        _local.pending = _local.private = None
    snapshot = _shared
    if snapshot is None:
        snapshot = _shared = _load()
    elif time.monotonic() - snapshot.checked_at >= _refresh_seconds():
        if _fingerprint() == snapshot.fingerprint:
            snapshot.checked_at = time.monotonic()
        else:
            snapshot = _shared = _load()
    return snapshot


def note_write() -> None:
    """Called by the service layer inside the transaction that changed overrides or published
    years: this thread sees the change at once, the process after commit, nobody after a
    rollback."""
    marker = _PendingWrite()
    _local.pending = [*(getattr(_local, "pending", None) or []), marker]
    _local.private = None
    transaction.on_commit(marker)


def reset_cache() -> None:
    """Forget the overrides snapshot; the next call reloads it. The package cache is kept."""
    global _shared
    _shared = None
    _local.pending = _local.private = None


# --- Arguments --------------------------------------------------------------------------------


def _as_date(value: object, name: str) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise TypeError(
            f"{name} must be a datetime.date, not {type(value).__name__} "
            "(convert a moment with django.utils.timezone.localdate())"
        )
    return value


def _as_days(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{name} must not be negative, got {value}")
    return value


# --- Counting on a snapshot ------------------------------------------------------------------


def _count(snapshot: _Snapshot, start: dt.date, end: dt.date) -> tuple[int, int]:
    """(working days, guessed days) in (start, end]."""
    if end <= start:
        return 0, 0
    days = guessed = 0
    start_ordinal, end_ordinal = start.toordinal(), end.toordinal()
    for year in range(start.year, end.year + 1):
        table = snapshot.table(year)
        low = start_ordinal - table.first + 1 if year == start.year else 0
        high = end_ordinal - table.first + 1 if year == end.year else len(table.working)
        days += table.cum_working[high] - table.cum_working[low]
        guessed += table.cum_fallback[high] - table.cum_fallback[low]
    return days, guessed


def _add(snapshot: _Snapshot, start: dt.date, days: int) -> tuple[dt.date, bool]:
    """The ``days``-th (≥ 1) working day after ``start``, and whether a guess was consulted."""
    table = snapshot.table(start.year)
    low = start.toordinal() - table.first + 1  # index of the first day that may count
    guessed = False
    while True:
        before = table.cum_working[low]
        available = table.cum_working[-1] - before
        if days <= available:
            index = table.working_index[before + days - 1]
            guessed = guessed or table.cum_fallback[index + 1] > table.cum_fallback[low]
            return dt.date.fromordinal(table.first + index), guessed
        days -= available
        guessed = guessed or table.cum_fallback[-1] > table.cum_fallback[low]
        table, low = snapshot.table(table.year + 1), 0


def _pause_intervals(
    start: dt.date, end: dt.date | None, pauses: Iterable[Pause], open_until: dt.date | None
) -> list[tuple[dt.date, dt.date]]:
    """The pauses as merged, sorted half-open intervals (low, high] clipped to (start, end]."""
    intervals = []
    for pause in pauses:
        paused_from, paused_to = pause
        _as_date(paused_from, "pause start")
        if paused_to is None:
            paused_to = open_until if open_until is not None else paused_from
        else:
            _as_date(paused_to, "pause end")
            if paused_to < paused_from:
                raise ValueError(f"pause ends ({paused_to}) before it starts ({paused_from})")
        low = max(paused_from, start)
        high = paused_to if end is None else min(paused_to, end)
        if high > low:
            intervals.append((low, high))
    intervals.sort()
    merged: list[tuple[dt.date, dt.date]] = []
    for low, high in intervals:
        if merged and low <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    return merged


# --- Public API ------------------------------------------------------------------------------


def day_info(d: dt.date) -> DayInfo:
    """Whether ``d`` is a working day, by what authority, and the holiday's name if any."""
    _as_date(d, "d")
    snapshot = _snapshot()
    index = d.toordinal() - dt.date(d.year, 1, 1).toordinal()
    package = _package_year(d.year)
    name = package[1][index] if package is not None else ""
    override = snapshot.overrides.get(d.year, {}).get(d)
    if override is not None:
        return DayInfo(d, override[0], "override", name, override[1])
    table = snapshot.table(d.year)
    source: Source = "fallback" if table.fallback[index] else "official"
    return DayInfo(d, bool(table.working[index]), source, name, "")


def is_working_day(d: dt.date) -> bool:
    _as_date(d, "d")
    table = _snapshot().table(d.year)
    return bool(table.working[d.toordinal() - table.first])


def add_working_days(start: dt.date, days: int) -> Deadline:
    """``days == 0``: ``start`` (due the same day). ``days == n ≥ 1``: the n-th working day
    strictly after ``start``."""
    _as_date(start, "start")
    _as_days(days, "days")
    if days == 0:
        return Deadline(start, False)
    due, guessed = _add(_snapshot(), start, days)
    return Deadline(due, guessed)


def working_days_between(start: dt.date, end: dt.date) -> Count:
    """Working days in (start, end]; 0 if ``end <= start``."""
    _as_date(start, "start")
    _as_date(end, "end")
    days, guessed = _count(_snapshot(), start, end)
    return Count(days, guessed > 0)


def elapsed_working_days(start: dt.date, end: dt.date, pauses: Iterable[Pause] = ()) -> Count:
    """Working days in (start, end] minus those in each pause (p_from, p_to]. Pauses are clipped
    to the interval and merged; an open pause (``p_to is None``) runs to ``end``."""
    _as_date(start, "start")
    _as_date(end, "end")
    snapshot = _snapshot()
    intervals = _pause_intervals(start, end, pauses, open_until=end)
    days, guessed = _count(snapshot, start, end)
    for low, high in intervals:
        paused, _ = _count(snapshot, low, high)
        days -= paused
    return Count(days, guessed > 0)


def due_date_with_pauses(
    start: dt.date, days: int, pauses: Iterable[Pause] = (), *, open_until: dt.date | None = None
) -> Deadline:
    """The first date D with ``elapsed_working_days(start, D, pauses) >= days``: the deadline
    pushed later by the working days spent in pauses.

    ``days == 0``: ``start``, or, if a pause covers ``start`` (p_from ≤ start < p_to), the end
    of that pause. An open pause runs to ``open_until`` (pass today for the live deadline of a
    case awaiting materials); without it the open pause counts as ending the day it began, which
    gives the earliest the case can be due.
    """
    _as_date(start, "start")
    _as_days(days, "days")
    if open_until is not None:
        _as_date(open_until, "open_until")
    intervals = _pause_intervals(start, None, pauses, open_until)
    if days == 0:
        if intervals and intervals[0][0] == start:
            return Deadline(intervals[0][1], False)
        return Deadline(start, False)
    snapshot = _snapshot()
    resume_from, remaining = start, days
    for low, high in intervals:
        before_pause, _ = _count(snapshot, resume_from, low)
        if remaining <= before_pause:
            break
        remaining -= before_pause
        resume_from = high
    due, _ = _add(snapshot, resume_from, remaining)
    _, guessed = _count(snapshot, start, due)
    return Deadline(due, guessed > 0)


def assess_completion(
    start: dt.date,
    completed: dt.date,
    promised_days: int,
    legal_days: int,
    pauses: Iterable[Pause] = (),
) -> Timeliness:
    """How a completed case did against its limits (an open pause runs to ``completed``).

    ``on_time``: elapsed ≤ promised; ``early``: elapsed < promised; ``overdue``: elapsed >
    promised. An immediate item (promised 0) done the day it started, or before the next working
    day, is on time and not early.
    """
    _as_date(start, "start")
    _as_date(completed, "completed")
    _as_days(promised_days, "promised_days")
    _as_days(legal_days, "legal_days")
    if completed < start:
        raise ValueError(f"completed ({completed}) is before start ({start})")
    pauses = list(pauses)
    elapsed = elapsed_working_days(start, completed, pauses)
    deadline = due_date_with_pauses(start, promised_days, pauses, open_until=completed)
    return Timeliness(
        elapsed=elapsed.days,
        due=deadline.due,
        on_time=elapsed.days <= promised_days,
        early=elapsed.days < promised_days,
        overdue=elapsed.days > promised_days,
        saved_vs_promised=promised_days - elapsed.days,
        saved_vs_legal=legal_days - elapsed.days,
        fallback=elapsed.fallback or deadline.fallback,
    )


def year_summary(year: int) -> YearSummary:
    """The year's working-day count and where its schedule comes from (for people and checks)."""
    _as_days(year, "year")
    snapshot = _snapshot()
    table = snapshot.table(year)
    package = _package_year(year)
    differs: tuple[dt.date, ...] = ()
    if package is not None:
        differs = tuple(
            dt.date.fromordinal(table.first + index)
            for index, (ours, theirs) in enumerate(zip(table.working, package[0], strict=True))
            if ours != theirs
        )
    return YearSummary(
        year=year,
        source=table.source,
        working_days=table.cum_working[-1],
        overrides=len(snapshot.overrides.get(year, {})),
        fallback_days=table.cum_fallback[-1],
        differs_from_package=differs,
    )


def year_exceptions(year: int) -> list[DayInfo]:
    """The days of ``year`` that break the Mon–Fri rule (rest days on weekdays, working days at
    weekends): what ``calendar_year`` expects in its CSV."""
    _as_days(year, "year")
    table = _snapshot().table(year)
    weekday = dt.date(year, 1, 1).weekday()
    return [
        day_info(dt.date.fromordinal(table.first + index))
        for index, working in enumerate(table.working)
        if bool(working) != ((weekday + index) % 7 < 5)
    ]
