"""The calendar commands: thin callers of the services, clear messages, non-zero exit on errors."""

from __future__ import annotations

import datetime as dt
import textwrap
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from workdays.calendar import day_info, package_years, year_summary
from workdays.models import CalendarOverride, PublishedYear

pytestmark = pytest.mark.django_db

D = dt.date
BEYOND = package_years().stop + 3


def _run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def _csv(tmp_path, text: str):
    path = tmp_path / "year.csv"
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return str(path)


def test_calendar_year_publishes_a_csv(tmp_path):
    path = _csv(
        tmp_path,
        f"""
        date,is_working_day,note
        {BEYOND}-01-01,0,元旦
        {BEYOND}-01-02,否,元旦

        {BEYOND}-01-05,1,元旦调休上班
        """,
    )
    output = _run("calendar_year", str(BEYOND), path, "--note", "国办发明电")
    assert "休息日 2 天，调休上班 1 天" in output
    assert f"{BEYOND} 年共 {year_summary(BEYOND).working_days} 个工作日" in output
    assert PublishedYear.objects.get().note == "国办发明电"
    assert day_info(D(BEYOND, 1, 5)).is_working_day


def test_calendar_year_reports_every_bad_line_and_writes_nothing(tmp_path):
    path = _csv(
        tmp_path,
        f"""
        date,is_working_day,note
        {BEYOND}-01-01,0,元旦
        {BEYOND + 1}-01-01,0,下一年
        {BEYOND}-01-01,0,重复
        {BEYOND}-13-01,0,坏日期
        {BEYOND}-05-01,也许,坏标记
        """,
    )
    with pytest.raises(CommandError) as exc:
        _run("calendar_year", str(BEYOND), path)
    message = str(exc.value)
    for line, code in [
        (3, "date_outside_year"),
        (4, "duplicate_date"),
        (5, "invalid_date"),
        (6, "invalid_working_flag"),
    ]:
        assert f"第 {line} 行" in message and code in message
    assert not CalendarOverride.objects.exists() and not PublishedYear.objects.exists()


def test_calendar_year_refuses_a_file_without_its_columns(tmp_path):
    path = _csv(tmp_path, "day,working\n2030-01-01,0\n")
    with pytest.raises(CommandError, match="missing_column"):
        _run("calendar_year", str(BEYOND), path)
    with pytest.raises(CommandError, match="file_not_found"):
        _run("calendar_year", str(BEYOND), str(tmp_path / "missing.csv"))


def test_calendar_day_records_shows_and_removes_an_override():
    output = _run("calendar_day", "2025-10-08", "--working", "--note", "本地调整")
    assert "2025-10-08 工作日（本网络调整）：国庆节，本地调整" in output
    assert CalendarOverride.objects.get().is_working_day
    assert "休息日（官方安排）" in _run("calendar_day", "2025-10-08", "--remove")
    assert not CalendarOverride.objects.exists()
    assert "推定" in _run("calendar_day", f"{BEYOND}-06-03")


def test_calendar_day_needs_a_reason_and_a_real_date():
    with pytest.raises(CommandError, match="note_required"):
        _run("calendar_day", "2025-10-08", "--holiday")
    with pytest.raises(CommandError, match="override_not_found"):
        _run("calendar_day", "2025-10-08", "--remove")
    with pytest.raises(CommandError):
        _run("calendar_day", "2025-02-30", "--holiday", "--note", "x")
    assert not CalendarOverride.objects.exists()


def test_calendar_check_prints_the_count_and_the_source():
    output = _run("calendar_check", "2025")
    assert "2025 年：248 个工作日" in output and "chinesecalendar" in output
    assert "推定" in _run("calendar_check", str(BEYOND))
    with pytest.raises(CommandError, match="invalid_year"):
        _run("calendar_check", "225")


def test_calendar_check_csv_round_trips_through_calendar_year(tmp_path):
    exported = _run("calendar_check", "2025", "--csv")
    lines = exported.splitlines()
    assert lines[0] == "date,is_working_day,note"
    assert "2025-09-28,1,国庆节调休上班" in lines and "2025-10-01,0,国庆节" in lines
    assert len(lines) == 1 + 18 + 5  # 18 weekday holidays, 5 make-up working days
    path = tmp_path / "2025.csv"
    path.write_text(exported, encoding="utf-8")
    _run("calendar_year", "2025", str(path))
    summary = year_summary(2025)
    assert (summary.source, summary.working_days) == ("published", 248)
    assert summary.differs_from_package == ()


def test_the_commands_speak_the_active_language():
    """Chinese by default (above), English when that is the active language
    (``LANGUAGE_CODE=en`` for the whole process, or a caller's override)."""
    from django.utils import translation

    with translation.override("en"):
        check = _run("calendar_check", "2025")
        day = _run("calendar_day", "2025-10-01")
        with pytest.raises(CommandError, match="Invalid date “2025-02-30”"):
            _run("calendar_day", "2025-02-30", "--holiday", "--note", "x")
    assert "2025: 248 working days" in check
    assert "Source: official schedule (chinesecalendar package)" in check
    assert day == "2025-10-01 Rest day (official schedule): National Day\n"
