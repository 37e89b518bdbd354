"""Network spec files: the centres to provision, as CSV or YAML.

Columns (CSV header / YAML keys): ``division_code, name, tier, parent_code`` are required;
``address, phone, status`` and the 六有 facts (``has_premises, has_signage, has_staff,
has_phone, has_register, has_procedures``, each true/false) with ``facts_checked_on``
(YYYY-MM-DD) are optional. YAML is a list of such mappings, or ``{centres: [...]}``.

Bundled specs are named by file stem: ``demo`` and ``prefecture``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import DomainError, Problem, ValidationFailed
from tenants.divisions import PARENT_TIER, Tier, validate_division_code, validate_parent
from tenants.models import SIX_ESSENTIALS, CentreStatus

BUNDLED_DIR = Path(__file__).resolve().parent / "specs"
REQUIRED_COLUMNS = ["division_code", "name", "tier", "parent_code"]
OPTIONAL_COLUMNS = [
    "address",
    "phone",
    "status",
    *(f for f, _l in SIX_ESSENTIALS),
    "facts_checked_on",
]
KNOWN_COLUMNS = set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS)
_TRUE = {"1", "true", "yes", "y", "是", "有", "✓"}
_FALSE = {"", "0", "false", "no", "n", "否", "无"}


@dataclass
class CentreSpec:
    division_code: str
    name: str
    tier: str
    parent_code: str | None
    address: str = ""
    phone: str = ""
    status: str = CentreStatus.ACTIVE
    essentials: dict[str, bool] = field(default_factory=dict)
    facts_checked_on: dt.date | None = None
    row: int | None = None  # where it came from, for error messages

    @property
    def schema_fields(self) -> dict:
        return {
            "division_code": self.division_code,
            "name": self.name,
            "tier": self.tier,
            "address": self.address,
            "phone": self.phone,
            "status": self.status,
            "facts_checked_on": self.facts_checked_on,
            **self.essentials,
        }


def bundled_spec_path(name: str) -> Path | None:
    for suffix in (".csv", ".yaml", ".yml"):
        path = BUNDLED_DIR / f"{name}{suffix}"
        if path.exists():
            return path
    return None


def load_spec(source: str | Path) -> list[CentreSpec]:
    """Read a spec file (or a bundled spec by name). Raises ValidationFailed listing every problem."""
    path = Path(source)
    if not path.exists():
        bundled = bundled_spec_path(str(source))
        if bundled is None:
            raise DomainError(
                gettext_lazy(
                    "找不到网络规格文件“%(source)s”（也不是内置规格 demo / prefecture）。"
                ),
                code="spec_not_found",
                params={"source": source},
            )
        path = bundled
    text = path.read_bytes().decode("utf-8-sig", errors="strict")
    if path.suffix.lower() in {".yaml", ".yml"}:
        records = _yaml_records(text)
    else:
        records = _csv_records(text)
    return parse_records(records)


def _csv_records(text: str) -> list[tuple[int, dict]]:
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    _check_header(header)
    # Row 1 is the header, so data rows start at 2, as a spreadsheet shows them.
    return [(index + 2, row) for index, row in enumerate(reader)]


def _yaml_records(text: str) -> list[tuple[int, dict]]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValidationFailed([Problem("malformed_spec", _("YAML 无法解析：%s") % exc)]) from exc
    if isinstance(data, dict):
        data = data.get("centres")
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise ValidationFailed(
            [Problem("malformed_spec", _("YAML 规格应为中心列表（或 centres: 下的列表）。"))]
        )
    _check_header(sorted({key for item in data for key in item}), require=False)
    return [(index + 1, item) for index, item in enumerate(data)]


def _check_header(columns: list[str], require: bool = True) -> None:
    problems = []
    if require:
        problems += [
            Problem("missing_column", _("缺少必填列“%s”。") % name, column=name)
            for name in REQUIRED_COLUMNS
            if name not in columns
        ]
    problems += [
        Problem("unknown_column", _("未知列“%s”。") % name, column=name)
        for name in columns
        if name not in KNOWN_COLUMNS
    ]
    if problems:
        raise ValidationFailed(problems)


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def parse_records(records: list[tuple[int, dict]]) -> list[CentreSpec]:
    """Turn raw rows into CentreSpecs, checking each row and the file as a whole."""
    problems: list[Problem] = []
    specs: list[CentreSpec] = []
    for row, record in records:
        row_problems: list[Problem] = []

        def fail(column: str, code: str, message: str, row=row, sink=row_problems) -> None:
            sink.append(Problem(code, message, row=row, column=column))

        code = _text(record.get("division_code"))
        name = _text(record.get("name"))
        tier = _text(record.get("tier")).lower()
        parent_code = _text(record.get("parent_code")) or None
        if tier not in PARENT_TIER:
            fail(
                "tier",
                "invalid_tier",
                _("层级“%s”无效，应为 city、county、township 或 village。") % tier,
            )
        else:
            try:
                validate_division_code(tier, code)
            except DomainError as exc:
                fail("division_code", exc.code, exc.message)
        if not name:
            fail("name", "name_required", _("名称不能为空。"))
        elif len(name) > 100:
            fail("name", "name_too_long", _("名称不能超过 100 个字符。"))
        status = _text(record.get("status")).lower() or CentreStatus.ACTIVE
        if status not in CentreStatus.values:
            fail("status", "invalid_status", _("状态“%s”无效，应为 active 或 suspended。") % status)
        essentials = {}
        for column, _label in SIX_ESSENTIALS:
            raw = _text(record.get(column)).lower()
            if raw in _TRUE:
                essentials[column] = True
            elif raw in _FALSE:
                essentials[column] = False
            else:
                fail(column, "invalid_boolean", _("“%s”不是是/否值。") % raw)
        checked_on = None
        raw_date = record.get("facts_checked_on")
        if isinstance(raw_date, dt.date):
            checked_on = raw_date
        elif _text(raw_date):
            try:
                checked_on = dt.date.fromisoformat(_text(raw_date))
            except ValueError:
                fail("facts_checked_on", "invalid_date", _("日期“%s”应为 YYYY-MM-DD。") % raw_date)
        for column, limit in (("address", 200), ("phone", 40)):
            if len(_text(record.get(column))) > limit:
                fail(
                    column,
                    f"{column}_too_long",
                    _("%(column)s 不能超过 %(limit)d 个字符。")
                    % {"column": column, "limit": limit},
                )
        problems += row_problems
        if not row_problems:
            specs.append(
                CentreSpec(
                    division_code=code,
                    name=name,
                    tier=tier,
                    parent_code=parent_code,
                    address=_text(record.get("address")),
                    phone=_text(record.get("phone")),
                    status=status,
                    essentials=essentials,
                    facts_checked_on=checked_on,
                    row=row,
                )
            )
    seen: dict[str, int | None] = {}
    for spec in specs:
        if spec.division_code in seen:
            problems.append(
                Problem(
                    "duplicate_division_code",
                    _("行政区划代码“%(code)s”重复（首次出现在第 %(first)s 行）。")
                    % {"code": spec.division_code, "first": seen[spec.division_code]},
                    row=spec.row,
                    column="division_code",
                )
            )
        else:
            seen[spec.division_code] = spec.row
    if problems:
        raise ValidationFailed(problems)
    return specs


def check_tree(
    specs: list[CentreSpec], existing: dict[str, tuple[str, str | None]]
) -> list[Problem]:
    """Check parents against the spec and the registry. ``existing``: code → (tier, parent code)."""
    tiers = {code: tier for code, (tier, _parent) in existing.items()}
    tiers.update({spec.division_code: spec.tier for spec in specs})
    problems = []
    for spec in specs:
        try:
            if spec.parent_code and spec.parent_code not in tiers and PARENT_TIER[spec.tier]:
                raise DomainError(
                    _("上级“%s”既不在规格文件中，也不在网络中。") % spec.parent_code,
                    code="parent_not_found",
                    field="parent_code",
                )
            validate_parent(
                spec.tier, spec.division_code, tiers.get(spec.parent_code or ""), spec.parent_code
            )
            if spec.division_code in existing:
                tier, parent = existing[spec.division_code]
                if (tier, parent) != (spec.tier, spec.parent_code):
                    raise DomainError(
                        _(
                            "“%(code)s”已在网络中，但层级或上级不同（现为 %(tier)s，上级 %(parent)s）。"
                        )
                        % {"code": spec.division_code, "tier": tier, "parent": parent or "—"},
                        code="conflicts_with_existing",
                        field="division_code",
                    )
        except DomainError as exc:
            problems.append(
                Problem(exc.code, exc.message, row=spec.row, column=exc.field or "parent_code")
            )
    return problems


def tree_order(specs: list[CentreSpec]) -> list[CentreSpec]:
    """Parents before children: city, county, township, village; by code within a tier."""
    rank = {Tier.CITY: 0, Tier.COUNTY: 1, Tier.TOWNSHIP: 2, Tier.VILLAGE: 3}
    return sorted(specs, key=lambda s: (rank[s.tier], s.division_code))
