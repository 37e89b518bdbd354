"""Reading a year's schedule from CSV: ``date,is_working_day,note``, one exception to Mon–Fri a row.

Only the file's shape is checked here (it exists, it has the columns). Values are converted where
they can be and passed on raw where they cannot, so ``services.publish_year`` reports every
problem of the file at once, each with its line number.

Example (2025, from the State Council's notice)::

    date,is_working_day,note
    2025-01-01,0,元旦
    2025-01-26,1,春节调休上班
    2025-01-28,0,春节
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

from django.utils.translation import gettext as _

from core.errors import DomainError, Problem, ValidationFailed
from workdays.services import DayEntry

COLUMNS = ("date", "is_working_day", "note")
REQUIRED_COLUMNS = ("date", "is_working_day")
_FLAGS = {
    "1": True,
    "true": True,
    "yes": True,
    "是": True,
    "班": True,
    "0": False,
    "false": False,
    "no": False,
    "否": False,
    "休": False,
}


def read_year_file(source: str | Path) -> list[DayEntry]:
    path = Path(source)
    if not path.is_file():
        raise DomainError(
            _("找不到年度安排文件“%(path)s”。"), code="file_not_found", params={"path": str(path)}
        )
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DomainError(
            _("年度安排文件应为 UTF-8 编码的 CSV。"), code="malformed_file", field="file"
        ) from exc
    return parse_year_csv(text)


def parse_year_csv(text: str) -> list[DayEntry]:
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip() for name in reader.fieldnames or []]
    reader.fieldnames = header
    problems = [
        Problem("missing_column", _("缺少必填列“%s”。") % name, column=name)
        for name in REQUIRED_COLUMNS
        if name not in header
    ] + [
        Problem("unknown_column", _("未知列“%s”。") % name, column=name)
        for name in header
        if name not in COLUMNS
    ]
    if problems:
        raise ValidationFailed(problems)
    entries = []
    for record in reader:
        raw_date = (record.get("date") or "").strip()
        raw_flag = (record.get("is_working_day") or "").strip()
        try:
            date: dt.date | str = dt.date.fromisoformat(raw_date)
        except ValueError:
            date = raw_date
        flag = _FLAGS.get(raw_flag.lower(), raw_flag)
        note = (record.get("note") or "").strip()
        # line_num is the line the record ended on: what a text editor shows.
        entries.append(DayEntry(date, flag, note, row=reader.line_num))  # type: ignore[arg-type]
    return entries
