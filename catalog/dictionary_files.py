"""The dictionary file format: CSV and XLSX, one item per row, machine column names as header.

This module only reads and writes cells; the rules an item must satisfy live in
``catalog.services``. Reading checks what is wrong with the file as a whole (missing, wrong
type, unreadable, bad header, no rows) and reports every such problem at once; row numbers are
the ones a spreadsheet shows (the header is row 1).

Cell formats (also written to the "说明" sheet of an exported XLSX):

* ``materials``: entries separated by ``;``, each ``name|form|count`` with form ``original``,
  ``copy`` or ``original_and_copy`` (or 原件 / 复印件 / 原件及复印件); count may be left out (1).
* ``decision_tiers``: tier values separated by commas or spaces (``county,township``).
* booleans: ``1/0``, ``true/false``, ``yes/no``, ``是/否``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import DomainError, Problem, ValidationFailed

from .models import MaterialForm

COLUMNS = [
    "code",
    "name",
    "category",
    "department_code",
    "department_name",
    "legal_basis",
    "handling_type",
    "legal_limit_days",
    "promised_limit_days",
    "fee",
    "materials",
    "decision_tiers",
    "proxy_eligible",
    "online_eligible",
    "status",
]
#: Columns a file may leave out: ``status`` (keep each item's status; new items are active)
#: and ``change_note`` (import only: the note recorded on versions the import creates).
OPTIONAL_COLUMNS = ["status", "change_note"]
REQUIRED_COLUMNS = [c for c in COLUMNS if c not in OPTIONAL_COLUMNS]
KNOWN_COLUMNS = set(COLUMNS) | set(OPTIONAL_COLUMNS)
SUFFIXES = (".csv", ".xlsx")
DATA_SHEET = "事项库"
HELP_SHEET = "说明"

COLUMN_HELP: dict[str, tuple[Any, Any]] = {
    "code": (
        gettext_lazy("事项编码"),
        gettext_lazy("必填。大写字母、数字和连字符，如 SX-0001；长期不变。"),
    ),
    "name": (gettext_lazy("事项名称"), gettext_lazy("必填，不超过 200 字。")),
    "category": (
        gettext_lazy("事项类别"),
        gettext_lazy(
            "必填：licensing 行政许可、benefit 行政给付、confirmation 行政确认、"
            "public_service 公共服务、other 其他（也可填中文）。"
        ),
    ),
    "department_code": (
        gettext_lazy("责任部门编码"),
        gettext_lazy("必填，如 SCJG；新编码将新建部门。"),
    ),
    "department_name": (
        gettext_lazy("责任部门名称"),
        gettext_lazy("必填，须与已登记的部门名称一致。"),
    ),
    "legal_basis": (gettext_lazy("设定依据"), gettext_lazy("法律、法规、规章名称及条款。")),
    "handling_type": (
        gettext_lazy("办件类型"),
        gettext_lazy("必填：immediate 即办件 或 promised 承诺件（也可填中文）。"),
    ),
    "legal_limit_days": (gettext_lazy("法定时限"), gettext_lazy("必填，工作日数，0–999 的整数。")),
    "promised_limit_days": (
        gettext_lazy("承诺时限"),
        gettext_lazy("工作日数，不超过法定时限；即办件为 0（可留空），承诺件至少为 1。"),
    ),
    "fee": (gettext_lazy("收费标准（元）"), gettext_lazy("不收费填 0 或留空，最多两位小数。")),
    "materials": (
        gettext_lazy("申请材料"),
        gettext_lazy(
            "多项以英文分号 ; 分隔，每项为“名称|形式|份数”，形式为 original 原件、copy 复印件、"
            "original_and_copy 原件及复印件，份数省略时为 1。"
        ),
    ),
    "decision_tiers": (
        gettext_lazy("可办结层级"),
        gettext_lazy("必填：city、county、township、village 中的一个或多个，以逗号或空格分隔。"),
    ),
    "proxy_eligible": (
        gettext_lazy("可全程代办"),
        gettext_lazy("必填：是/否（或 1/0、true/false）。"),
    ),
    "online_eligible": (
        gettext_lazy("可网上申办"),
        gettext_lazy("必填：是/否（或 1/0、true/false）。"),
    ),
    "status": (
        gettext_lazy("状态"),
        gettext_lazy("可选：active 在用、retired 已取消；留空则保持原状态（新事项为在用）。"),
    ),
    "change_note": (
        gettext_lazy("变更说明"),
        gettext_lazy("可选，仅导入时使用：记入本次新建的版本。"),
    ),
}

_TRUE = {"1", "true", "t", "yes", "y", "是", "√", "✓"}
_FALSE = {"0", "false", "f", "no", "n", "否", "×"}
_MATERIAL_SEPARATORS = re.compile(r"[;；]")
_PART_SEPARATORS = re.compile(r"[|｜]")
_TIER_SEPARATORS = re.compile(r"[\s,，、;；]+")
_FORM_ALIASES = {
    **{form.value: form.value for form in MaterialForm},
    **{str(form.label): form.value for form in MaterialForm},
}

Record = tuple[int, dict[str, Any]]


# --- Cell codecs --------------------------------------------------------------------------


def text(value: Any) -> str:
    """A cell as stripped text ('' for empty); integral floats lose their '.0'."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def parse_bool(value: Any, field: str) -> bool:
    if isinstance(value, bool):
        return value
    raw = text(value).lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise DomainError(
        gettext_lazy("“%(value)s”不是是/否值（可填 是/否、1/0、true/false）。"),
        code="invalid_boolean",
        field=field,
        params={"value": raw},
    )


def parse_int(value: Any, field: str) -> int:
    if isinstance(value, bool):  # True is an int to Python, not to a person
        value = text(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raw = text(value)
    if re.fullmatch(r"[+-]?\d+", raw):
        return int(raw)
    raise DomainError(
        gettext_lazy("“%(value)s”不是整数。"),
        code="invalid_number",
        field=field,
        params={"value": raw},
    )


def parse_decimal(value: Any, field: str) -> Decimal:
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        number = Decimal(str(value))
    else:
        raw = text(value)
        try:
            number = Decimal(raw)
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            raise DomainError(
                gettext_lazy("“%(value)s”不是金额。"),
                code="invalid_number",
                field=field,
                params={"value": raw},
            ) from None
    return number


def parse_tiers(value: Any, field: str = "decision_tiers") -> list[str]:
    if isinstance(value, list | tuple | set | frozenset):
        return [text(v).lower() for v in value if text(v)]
    return [part.lower() for part in _TIER_SEPARATORS.split(text(value)) if part]


def format_tiers(tiers: Iterable[str]) -> str:
    return ",".join(tiers)


def parse_materials(value: Any, field: str = "materials") -> list[tuple[str, str, int]]:
    """``"身份证|original_and_copy|1;户口簿|copy"`` → [(name, form, count), ...]."""
    entries = []
    for index, entry in enumerate(_MATERIAL_SEPARATORS.split(text(value)), start=1):
        if not entry.strip():
            continue
        parts = [part.strip() for part in _PART_SEPARATORS.split(entry)]
        if len(parts) not in (2, 3) or not parts[0]:
            raise DomainError(
                gettext_lazy("第 %(index)d 项材料“%(entry)s”格式不对，应为“名称|形式|份数”。"),
                code="malformed_materials",
                field=field,
                params={"index": index, "entry": entry.strip()},
            )
        entries.append(check_material(index, *parts[:2], parts[2] if len(parts) == 3 else 1))
    return entries


def check_material(index: int, name: Any, form: Any, count: Any, field: str = "materials"):
    """One material as ``(name, form, count)``; ``index`` (from 1) places it in messages."""
    name = text(name)
    if not name or _MATERIAL_SEPARATORS.search(name) or _PART_SEPARATORS.search(name):
        raise DomainError(
            gettext_lazy("第 %(index)d 项材料的名称“%(name)s”不能为空，也不能包含“;”或“|”。"),
            code="malformed_materials",
            field=field,
            params={"index": index, "name": name},
        )
    raw_form = text(form)
    cleaned_form = _FORM_ALIASES.get(raw_form.lower(), _FORM_ALIASES.get(raw_form))
    if cleaned_form is None:
        raise DomainError(
            gettext_lazy(
                "第 %(index)d 项材料的形式“%(form)s”无效，"
                "应为 original、copy 或 original_and_copy。"
            ),
            code="invalid_material_form",
            field=field,
            params={"index": index, "form": raw_form},
        )
    raw_count = text(count)
    if isinstance(count, bool) or not re.fullmatch(r"\d+", raw_count) or int(raw_count) < 1:
        raise DomainError(
            gettext_lazy("第 %(index)d 项材料的份数“%(count)s”应为不小于 1 的整数。"),
            code="invalid_material_count",
            field=field,
            params={"index": index, "count": raw_count},
        )
    return (name, cleaned_form, int(raw_count))


def format_materials(materials: Iterable[tuple[str, str, int]]) -> str:
    return ";".join(f"{name}|{form}|{count}" for name, form, count in materials)


def format_bool(value: bool) -> str:
    return "true" if value else "false"


# --- Reading ------------------------------------------------------------------------------


def _fail(code: str, message: str, **where) -> ValidationFailed:
    return ValidationFailed([Problem(code, message, **where)])


def read_records(path: str | Path) -> list[Record]:
    """Rows of a dictionary file as ``(row number, {column: raw value})``, blank rows skipped.

    Raises ``ValidationFailed`` for a missing, unsupported or unreadable file, a bad header
    (every missing, unknown and repeated column at once), cells beyond the header, or a file
    without a single item.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise _fail(
            "unsupported_file_type",
            _(
                "不支持的文件类型“%s”：请使用 .csv 或 .xlsx"
                "（Excel 97–2003 的 .xls 请另存为 .xlsx）。"
            )
            % (path.suffix or path.name),
        )
    if not path.is_file():
        raise _fail("file_not_found", _("找不到文件“%s”。") % path)
    rows = _csv_rows(path) if suffix == ".csv" else _xlsx_rows(path)
    return _records(rows)


def _csv_rows(path: Path) -> list[tuple[int, list[Any]]]:
    data = path.read_bytes()
    if b"\x00" in data:
        raise _fail("unreadable_file", _("无法读取“%s”：不是文本格式的 CSV 文件。") % path.name)
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel on Chinese Windows saves CSV in GBK; GB 18030 is its superset.
        try:
            content = data.decode("gb18030")
        except UnicodeDecodeError:
            raise _fail(
                "unreadable_file", _("无法读取“%s”：编码应为 UTF-8 或 GBK。") % path.name
            ) from None
    try:
        # A spreadsheet's row number is the record's position (quoted cells may span lines).
        return [
            (number, row) for number, row in enumerate(csv.reader(io.StringIO(content)), start=1)
        ]
    except csv.Error as exc:
        raise _fail(
            "unreadable_file",
            _("无法读取“%(name)s”：%(error)s") % {"name": path.name, "error": exc},
        ) from exc


def _xlsx_rows(path: Path) -> list[tuple[int, list[Any]]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise _fail(
            "unreadable_file", _("无法读取“%s”：不是有效的 Excel（.xlsx）文件。") % path.name
        ) from exc
    sheet = workbook[DATA_SHEET] if DATA_SHEET in workbook.sheetnames else workbook.worksheets[0]
    rows = []
    for cells in sheet.iter_rows():
        if cells:
            rows.append((cells[0].row, [cell.value for cell in cells]))
    workbook.close()
    return rows


def _blank(value: Any) -> bool:
    return text(value) == ""


def _records(rows: list[tuple[int, list[Any]]]) -> list[Record]:
    rows = [(number, cells) for number, cells in rows if not all(_blank(c) for c in cells)]
    if not rows:
        raise _fail("empty_file", _("文件是空的：第 1 行应为列名，其后每行一个事项。"))
    header_row, header_cells = rows[0]
    header = [text(cell).lower() for cell in header_cells]
    problems = []
    seen = set()
    for position, name in enumerate(header, start=1):
        if not name:
            continue
        if name in seen:
            problems.append(
                Problem(
                    "duplicate_column",
                    _("列“%s”出现了不止一次。") % name,
                    row=header_row,
                    column=name,
                )
            )
        elif name not in KNOWN_COLUMNS:
            problems.append(
                Problem(
                    "unknown_column",
                    _("未知列“%(name)s”（第 %(position)d 列）。")
                    % {"name": name, "position": position},
                    row=header_row,
                    column=name,
                )
            )
        seen.add(name)
    problems += [
        Problem("missing_column", _("缺少必填列“%s”。") % name, row=header_row, column=name)
        for name in REQUIRED_COLUMNS
        if name not in seen
    ]
    if problems:
        raise ValidationFailed(problems)
    data = rows[1:]
    if not data:
        raise _fail("empty_file", _("文件只有列名，没有事项。"), row=header_row)
    records: list[Record] = []
    for number, cells in data:
        extra = [
            position
            for position, value in enumerate(cells, start=1)
            if not _blank(value) and (position > len(header) or not header[position - 1])
        ]
        if extra:
            problems.append(
                Problem(
                    "too_many_cells",
                    _("第 %s 列没有列名，但填了内容。") % "、".join(map(str, extra)),
                    row=number,
                    column=None,
                )
            )
            continue
        record = {
            name: cells[i] if i < len(cells) else None for i, name in enumerate(header) if name
        }
        records.append((number, record))
    if problems:
        raise ValidationFailed(problems)
    return records


# --- Writing ------------------------------------------------------------------------------


def write_rows(path: str | Path, rows: Sequence[dict[str, Any]]) -> None:
    """Write rows (``COLUMNS`` keys) as CSV (UTF-8 with BOM, for Excel) or XLSX, by suffix."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise DomainError(
            gettext_lazy("不支持导出为“%(suffix)s”：请使用 .csv 或 .xlsx。"),
            code="unsupported_file_type",
            params={"suffix": path.suffix or path.name},
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(COLUMNS)
            writer.writerows([[_csv_cell(row[c]) for c in COLUMNS] for row in rows])
    else:
        _write_xlsx(path, rows)


def _csv_cell(value: Any) -> Any:
    return f"{value:.2f}" if isinstance(value, Decimal) else value


def _write_xlsx(path: Path, rows: Sequence[dict[str, Any]]) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = DATA_SHEET
    sheet.append(COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([row[c] for c in COLUMNS])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str) and cell.data_type == "f":
                cell.data_type = "s"  # text that starts with "=" is text, not a formula
            elif isinstance(cell.value, Decimal):
                cell.number_format = "0.00"
    sheet.freeze_panes = "A2"
    widths = {"name": 36, "legal_basis": 48, "materials": 60, "department_name": 20}
    for index, column in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = widths.get(column, 14)

    notes = workbook.create_sheet(HELP_SHEET)
    notes.append([_("列名"), _("含义"), _("填写要求")])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for column in [*COLUMNS, "change_note"]:
        label, rule = COLUMN_HELP[column]
        notes.append([column, str(label), str(rule)])
    notes.append([])
    notes.append([_("导出时间"), dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M")])
    for letter, width in (("A", 22), ("B", 16), ("C", 90)):
        notes.column_dimensions[letter].width = width
    workbook.save(path)
