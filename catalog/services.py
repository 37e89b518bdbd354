"""Services for the common item dictionary: the one place for its rules.

Admin actions, management commands and the API call these functions; each runs in one
transaction and fails with a ``DomainError`` (stable ``code``, the ``field`` concerned, a
Chinese message). Writers take one advisory lock, so concurrent adjustments and imports queue
up instead of racing for the next version number.

Versions are never updated: ``adjust_item`` writes version n+1 and moves the item's
``current_version`` to it, so a case filed under version n keeps exactly what it was filed
under. Retiring an item only stamps ``retired_at``; its versions stay readable.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import sql
from core.errors import DomainError, NotFound, Problem, ValidationFailed
from tenants.divisions import TIER_ORDER, Tier

from . import dictionary_files as files
from .models import (
    DEPARTMENT_CODE_REGEX,
    ITEM_CODE_REGEX,
    MAX_LIMIT_DAYS,
    Category,
    Department,
    HandlingType,
    Material,
    ServiceItem,
    ServiceItemVersion,
)

SAMPLE_DICTIONARY = Path(__file__).resolve().parent / "data" / "sample_dictionary.csv"
#: pg_advisory_xact_lock key shared by every writer of the dictionary ("catalog").
_LOCK_KEY = 0x636174616C6F67

MAX_FEE = Decimal("99999999.99")
FIELD_LABELS = {
    "code": gettext_lazy("事项编码"),
    "name": gettext_lazy("事项名称"),
    "category": gettext_lazy("事项类别"),
    "department": gettext_lazy("责任部门"),
    "department_code": gettext_lazy("责任部门编码"),
    "department_name": gettext_lazy("责任部门名称"),
    "legal_basis": gettext_lazy("设定依据"),
    "handling_type": gettext_lazy("办件类型"),
    "legal_limit_days": gettext_lazy("法定时限"),
    "promised_limit_days": gettext_lazy("承诺时限"),
    "fee": gettext_lazy("收费标准"),
    "materials": gettext_lazy("申请材料"),
    "decision_tiers": gettext_lazy("可办结层级"),
    "proxy_eligible": gettext_lazy("可全程代办"),
    "online_eligible": gettext_lazy("可网上申办"),
    "change_note": gettext_lazy("变更说明"),
}
_CATEGORY_ALIASES = {
    **{c.value: c.value for c in Category},
    **{str(c.label): c.value for c in Category},
}
_HANDLING_ALIASES = {
    **{h.value: h.value for h in HandlingType},
    **{str(h.label): h.value for h in HandlingType},
}


# --- Attributes of a version --------------------------------------------------------------


@dataclass(frozen=True)
class MaterialSpec:
    name: str
    form: str
    count: int = 1

    def as_tuple(self) -> tuple[str, str, int]:
        return (self.name, self.form, self.count)


@dataclass(frozen=True)
class ItemAttrs:
    """Everything a version says about an item, cleaned; equal attrs mean "no change"."""

    name: str
    category: str
    department: str  # the department's code
    legal_basis: str
    handling_type: str
    legal_limit_days: int
    promised_limit_days: int
    fee: Decimal
    decision_tiers: tuple[str, ...]
    proxy_eligible: bool
    online_eligible: bool
    materials: tuple[MaterialSpec, ...]

    @classmethod
    def of(cls, version: ServiceItemVersion) -> ItemAttrs:
        return cls(
            name=version.name,
            category=version.category,
            department=version.department.code,
            legal_basis=version.legal_basis,
            handling_type=version.handling_type,
            legal_limit_days=version.legal_limit_days,
            promised_limit_days=version.promised_limit_days,
            fee=version.fee,
            decision_tiers=tuple(version.decision_tiers),
            proxy_eligible=version.proxy_eligible,
            online_eligible=version.online_eligible,
            materials=tuple(MaterialSpec(m.name, m.form, m.count) for m in version.materials.all()),
        )

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def changed_fields(self, other: ItemAttrs) -> list[str]:
        return [f.name for f in fields(self) if getattr(self, f.name) != getattr(other, f.name)]


ATTRIBUTES = tuple(f.name for f in fields(ItemAttrs))
_DEFAULTS: dict[str, Any] = {"legal_basis": "", "fee": Decimal("0"), "materials": ()}


def _error(code: str, field: str, message, /, **params) -> DomainError:
    return DomainError(message, code=code, field=field, params=params)


def _required(field: str) -> DomainError:
    return _error("required", field, gettext_lazy("%(label)s不能为空。"), label=FIELD_LABELS[field])


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value in ((), [])


def _clean_text(value: Any, field: str, max_length: int | None, required: bool = True) -> str:
    cleaned = files.text(value)
    if required and not cleaned:
        raise _required(field)
    if max_length and len(cleaned) > max_length:
        raise _error(
            "too_long",
            field,
            gettext_lazy("%(label)s不能超过 %(max)d 个字符（现为 %(length)d 个）。"),
            label=FIELD_LABELS[field],
            max=max_length,
            length=len(cleaned),
        )
    return cleaned


def _clean_choice(value: Any, field: str, aliases: dict[str, str], code: str, allowed: str) -> str:
    raw = files.text(value)
    if not raw:
        raise _required(field)
    choice = aliases.get(raw.lower(), aliases.get(raw))
    if choice is None:
        raise _error(
            code,
            field,
            gettext_lazy("%(label)s“%(value)s”无效，应为 %(allowed)s。"),
            label=FIELD_LABELS[field],
            value=raw,
            allowed=allowed,
        )
    return choice


def _clean_days(value: Any, field: str) -> int:
    if _blank(value):
        raise _required(field)
    days = files.parse_int(value, field)
    if not 0 <= days <= MAX_LIMIT_DAYS:
        raise _error(
            "out_of_range",
            field,
            gettext_lazy("%(label)s应为 0–%(max)d 个工作日（现为 %(value)d）。"),
            label=FIELD_LABELS[field],
            max=MAX_LIMIT_DAYS,
            value=days,
        )
    return days


def _clean_fee(value: Any) -> Decimal:
    if _blank(value) or files.text(value) in {"免费", "无"}:
        return Decimal("0.00")
    fee = files.parse_decimal(value, "fee")
    if fee != fee.quantize(Decimal("0.01")):
        raise _error(
            "invalid_number", "fee", gettext_lazy("收费标准“%(value)s”最多两位小数。"), value=fee
        )
    if not 0 <= fee <= MAX_FEE:
        raise _error(
            "out_of_range", "fee", gettext_lazy("收费标准应在 0 到 %(max)s 元之间。"), max=MAX_FEE
        )
    return fee.quantize(Decimal("0.01"))


def _clean_tiers(value: Any) -> tuple[str, ...]:
    tiers = files.parse_tiers(value)
    if not tiers:
        raise _required("decision_tiers")
    unknown = [t for t in tiers if t not in Tier.values]
    if unknown:
        raise _error(
            "invalid_tier",
            "decision_tiers",
            gettext_lazy("层级“%(tiers)s”无效，应为 city、county、township 或 village。"),
            tiers="、".join(unknown),
        )
    # One canonical order (village → city), so equal sets compare equal.
    return tuple(t for t in TIER_ORDER if t in tiers)


def _clean_materials(value: Any) -> tuple[MaterialSpec, ...]:
    if value is None or isinstance(value, str):
        entries = files.parse_materials(value)
    else:
        entries = [
            files.check_material(index, *_material_parts(entry))
            for index, entry in enumerate(value, start=1)
        ]
    seen = set()
    for name, _form, _count in entries:
        if len(name) > 200:
            raise _error(
                "too_long",
                "materials",
                gettext_lazy("材料名称“%(name)s”超过 200 个字符。"),
                name=name,
            )
        if name in seen:
            raise _error(
                "duplicate_material",
                "materials",
                gettext_lazy("材料“%(name)s”重复出现。"),
                name=name,
            )
        seen.add(name)
    return tuple(MaterialSpec(name, form, count) for name, form, count in entries)


def _material_parts(entry: Any) -> tuple[Any, Any, Any]:
    if isinstance(entry, MaterialSpec | Material):
        return entry.name, entry.form, entry.count
    if isinstance(entry, Mapping):
        return entry.get("name"), entry.get("form"), entry.get("count", 1)
    if isinstance(entry, list | tuple) and len(entry) in (2, 3):
        return entry[0], entry[1], entry[2] if len(entry) == 3 else 1
    return entry, None, None  # reported as an invalid form


def _clean_bool(value: Any, field: str) -> bool:
    if _blank(value):
        raise _required(field)
    return files.parse_bool(value, field)


def _check_limits(attrs: Mapping[str, Any]) -> None:
    handling, legal, promised = (
        attrs["handling_type"],
        attrs["legal_limit_days"],
        attrs["promised_limit_days"],
    )
    if handling == HandlingType.IMMEDIATE and promised != 0:
        raise _error(
            "immediate_with_promised_days",
            "promised_limit_days",
            gettext_lazy("即办件的承诺时限应为 0（现为 %(promised)d 个工作日）。"),
            promised=promised,
        )
    if handling == HandlingType.PROMISED and promised < 1:
        raise _error(
            "promised_days_required",
            "promised_limit_days",
            gettext_lazy("承诺件的承诺时限至少为 1 个工作日。"),
        )
    if promised > legal:
        raise _error(
            "promised_exceeds_legal",
            "promised_limit_days",
            gettext_lazy(
                "承诺时限（%(promised)d 个工作日）不能超过法定时限（%(legal)d 个工作日）。"
            ),
            promised=promised,
            legal=legal,
        )


def clean_item_attrs(raw: Mapping[str, Any]) -> tuple[ItemAttrs | None, list[DomainError]]:
    """Check every attribute of ``raw`` (typed values or spreadsheet cells alike).

    Returns the cleaned attributes, or None and every problem found (each with its ``field``).
    """
    errors: list[DomainError] = []
    cleaned: dict[str, Any] = {}

    def attempt(name: str, clean) -> None:
        try:
            cleaned[name] = clean(raw.get(name, _DEFAULTS.get(name)))
        except DomainError as exc:
            errors.append(exc)

    attempt("name", lambda v: _clean_text(v, "name", 200))
    attempt(
        "category",
        lambda v: _clean_choice(
            v,
            "category",
            _CATEGORY_ALIASES,
            "invalid_category",
            "licensing、benefit、confirmation、public_service 或 other",
        ),
    )
    attempt("department", _clean_department_code)
    attempt("legal_basis", lambda v: _clean_text(v, "legal_basis", None, required=False))
    attempt(
        "handling_type",
        lambda v: _clean_choice(
            v, "handling_type", _HANDLING_ALIASES, "invalid_handling_type", "immediate 或 promised"
        ),
    )
    attempt("legal_limit_days", lambda v: _clean_days(v, "legal_limit_days"))
    promised = raw.get("promised_limit_days")
    if _blank(promised) and cleaned.get("handling_type") == HandlingType.IMMEDIATE:
        cleaned["promised_limit_days"] = 0
    else:
        attempt("promised_limit_days", lambda v: _clean_days(v, "promised_limit_days"))
    attempt("fee", _clean_fee)
    attempt("decision_tiers", _clean_tiers)
    for flag in ("proxy_eligible", "online_eligible"):
        attempt(flag, lambda v, flag=flag: _clean_bool(v, flag))
    attempt("materials", _clean_materials)
    if {"handling_type", "legal_limit_days", "promised_limit_days"} <= cleaned.keys():
        try:
            _check_limits(cleaned)
        except DomainError as exc:
            errors.append(exc)
    if errors:
        return None, errors
    return ItemAttrs(**cleaned), []


def _clean_department_code(value: Any) -> str:
    if isinstance(value, Department):
        return value.code
    return _clean_code(value, "department", DEPARTMENT_CODE_REGEX, "invalid_department_code", 20)


def _clean_code(value: Any, field: str, regex: str, code: str, max_length: int) -> str:
    raw = files.text(value).upper()  # codes are stored upper-case; people may type either
    if not raw:
        raise _required(field)
    if not re.fullmatch(regex, raw):
        raise _error(
            code,
            field,
            gettext_lazy(
                "编码“%(value)s”无效：应由字母、数字和连字符组成，不以连字符开头或结尾，"
                "不超过 %(max)d 个字符（如 SX-0001）。"
            ),
            value=raw,
            max=max_length,
        )
    return raw


def clean_department_code(code: Any) -> str:
    """A department code as stored (upper-case), or ``DomainError`` invalid_department_code."""
    return _clean_code(
        code, "department_code", DEPARTMENT_CODE_REGEX, "invalid_department_code", 20
    )


def clean_item_code(code: Any) -> str:
    """An item code as stored (upper-case), or ``DomainError`` invalid_code / required."""
    return _clean_code(code, "code", ITEM_CODE_REGEX, "invalid_code", 40)


def _first_error(raw: Mapping[str, Any]) -> ItemAttrs:
    attrs, errors = clean_item_attrs(raw)
    if errors:
        raise errors[0]
    return attrs


def _reject_unknown(kwargs: Mapping[str, Any]) -> None:
    unknown = sorted(set(kwargs) - set(ATTRIBUTES))
    if unknown:
        raise TypeError(f"unknown item attributes: {', '.join(unknown)}")


# --- Writing ------------------------------------------------------------------------------


def _lock_dictionary() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])


def _authorise(actor) -> None:
    """Only a dictionary admin (事项管理员) changes the dictionary.

    ``actor`` is the user acting; ``None`` (a management command, a migration) and superusers
    (the admin site's operators) act as the system. Every entry point comes through here.
    """
    if actor is None or getattr(actor, "is_superuser", False):
        return
    from accounts.permissions import require_dictionary_admin

    require_dictionary_admin(actor)


def _actor(actor) -> Any:
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _department(code: str) -> Department:
    try:
        return Department.objects.get(code=code)
    except Department.DoesNotExist:
        raise _error(
            "unknown_department",
            "department",
            gettext_lazy("责任部门“%(code)s”未登记。"),
            code=code,
        ) from None


def _item(code: str, *, for_update: bool = False) -> ServiceItem:
    """The item with its current version and that version's department, in one statement
    written once (every logged request asks it; ``core.sql``); locked if ``for_update``."""
    items, versions = sql.shape(ServiceItem, "i"), sql.shape(ServiceItemVersion, "v")
    departments = sql.shape(Department, "d")
    found = sql.joined(
        [items, versions, departments],
        f"FROM {items.table} i LEFT JOIN {versions.table} v ON v.id = i.current_version_id"
        f" LEFT JOIN {departments.table} d ON d.id = v.department_id WHERE i.code = %s"
        + (" FOR UPDATE OF i" if for_update else ""),
        [files.text(code).upper()],
    )
    if not found:
        raise NotFound(
            gettext_lazy("事项“%(code)s”不在事项库中。"),
            code="unknown_item",
            field="item",
            params={"code": code},
        )
    ((item, version, department),) = found
    if version is not None:
        version.department = department
    item.current_version = version
    return item


def versions_with_item(pks) -> list[ServiceItemVersion]:
    """Dictionary versions with their item and department, in one statement written once
    (every case a worklist or case page shows names its version; ``core.sql``)."""
    versions, items = sql.shape(ServiceItemVersion, "v"), sql.shape(ServiceItem, "i")
    departments = sql.shape(Department, "d")
    result = []
    for version, item, department in sql.joined(
        [versions, items, departments],
        f"FROM {versions.table} v JOIN {items.table} i ON i.id = v.item_id"
        f" JOIN {departments.table} d ON d.id = v.department_id WHERE v.id = ANY(%s)",
        [list(pks)],
    ):
        version.item, version.department = item, department
        result.append(version)
    return result


def _write_version(
    item: ServiceItem,
    attrs: ItemAttrs,
    department: Department,
    *,
    actor,
    change_note: str,
) -> ServiceItemVersion:
    number = item.current_version.version + 1 if item.current_version_id else 1
    values = attrs.as_dict()
    materials = values.pop("materials")
    values.pop("department")
    version = ServiceItemVersion.objects.create(
        item=item,
        version=number,
        department=department,
        change_note=change_note,
        created_by=_actor(actor),
        **{**values, "decision_tiers": list(attrs.decision_tiers)},
    )
    Material.objects.bulk_create(
        Material(version=version, position=position, name=m.name, form=m.form, count=m.count)
        for position, m in enumerate(materials, start=1)
    )
    item.current_version = version
    item.save(update_fields=["current_version"])
    return version


@transaction.atomic
def add_department(*, code: str, name: str, actor=None) -> Department:
    """Register a responsible department."""
    code = clean_department_code(code)
    name = files.text(name)
    if not name:
        raise _required("department_name")
    _authorise(actor)
    _lock_dictionary()
    if Department.objects.filter(code=code).exists():
        raise _error(
            "duplicate_department",
            "department_code",
            gettext_lazy("部门编码“%(code)s”已登记。"),
            code=code,
        )
    if Department.objects.filter(name=name).exists():
        raise _error(
            "department_name_taken",
            "department_name",
            gettext_lazy("部门名称“%(name)s”已被其他部门编码使用。"),
            name=name,
        )
    return Department.objects.create(code=code, name=name)


@transaction.atomic
def rename_department(code: str, *, name: str, actor=None) -> Department:
    """Give a department its new name (its versions show the new name too)."""
    name = files.text(name)
    if not name:
        raise _required("department_name")
    _authorise(actor)
    _lock_dictionary()
    department = _department(files.text(code).upper())
    if Department.objects.filter(name=name).exclude(pk=department.pk).exists():
        raise _error(
            "department_name_taken",
            "department_name",
            gettext_lazy("部门名称“%(name)s”已被其他部门编码使用。"),
            name=name,
        )
    department.name = name
    department.save(update_fields=["name"])
    return department


@transaction.atomic
def add_item(*, code: str, actor=None, change_note: str = "", **attrs: Any) -> ServiceItemVersion:
    """Add an item to the dictionary; returns its version 1.

    ``attrs``: name, category, department (a Department or its code), legal_basis,
    handling_type, legal_limit_days, promised_limit_days (may be left out for immediate
    items), fee, decision_tiers, proxy_eligible, online_eligible, materials (``(name, form,
    count)`` tuples, mappings, ``MaterialSpec`` or the ``name|form|count;…`` text).
    """
    _reject_unknown(attrs)
    code = clean_item_code(code)
    cleaned = _first_error(attrs)
    _authorise(actor)
    _lock_dictionary()
    department = _department(cleaned.department)
    if ServiceItem.objects.filter(code=code).exists():
        raise _error(
            "duplicate_item", "code", gettext_lazy("事项编码“%(code)s”已存在。"), code=code
        )
    item = ServiceItem.objects.create(code=code)
    return _write_version(
        item, cleaned, department, actor=actor, change_note=files.text(change_note)
    )


@transaction.atomic
def adjust_item(code: str, *, actor=None, change_note: str, **changes: Any) -> ServiceItemVersion:
    """Create version n+1 of an item: the current attributes (materials too) with ``changes``."""
    _reject_unknown(changes)
    note = files.text(change_note)
    if not note:
        raise _required("change_note")
    _authorise(actor)
    _lock_dictionary()
    item = _item(code, for_update=True)
    if item.is_retired:
        raise _retired(item)
    current = ItemAttrs.of(item.current_version)
    cleaned = _first_error({**current.as_dict(), **changes})
    if cleaned == current:
        raise _error(
            "no_change",
            "item",
            gettext_lazy("调整没有改变事项“%(code)s”的任何内容。"),
            code=item.code,
        )
    department = (
        item.current_version.department
        if cleaned.department == current.department
        else _department(cleaned.department)
    )
    return _write_version(item, cleaned, department, actor=actor, change_note=note)


def _retired(item: ServiceItem) -> DomainError:
    return DomainError(
        gettext_lazy("事项“%(code)s”已于 %(date)s 取消。"),
        code="retired_item",
        field="item",
        params={"code": item.code, "date": timezone.localtime(item.retired_at).date().isoformat()},
    )


@transaction.atomic
def retire_item(code: str, *, actor=None) -> ServiceItem:
    """Retire (取消) an item: no new cases; its versions stay readable for old ones."""
    _authorise(actor)
    _lock_dictionary()
    item = _item(code, for_update=True)
    if item.is_retired:
        raise DomainError(
            gettext_lazy("事项“%(code)s”已经取消。"),
            code="already_retired",
            field="item",
            params={"code": item.code},
        )
    item.retired_at = timezone.now()
    item.retired_by = _actor(actor)
    item.save(update_fields=["retired_at", "retired_by"])
    return item


@transaction.atomic
def reinstate_item(code: str, *, actor=None) -> ServiceItem:
    """Put a retired item back in use, with the version it had."""
    _authorise(actor)
    _lock_dictionary()
    item = _item(code, for_update=True)
    if not item.is_retired:
        raise DomainError(
            gettext_lazy("事项“%(code)s”没有取消，无需恢复。"),
            code="not_retired",
            field="item",
            params={"code": item.code},
        )
    item.retired_at = None
    item.retired_by = None
    item.save(update_fields=["retired_at", "retired_by"])
    return item


# --- Reading ------------------------------------------------------------------------------


def active_version(code: str) -> ServiceItemVersion:
    """The version a new case of item ``code`` is filed under."""
    item = _item(code)
    if item.is_retired:
        raise _retired(item)
    version = item.current_version
    version.item = item  # spare callers a query for version.item.code
    return version


def search_items(
    text: str | None = None,
    department: Department | str | None = None,
    include_retired: bool = False,
) -> QuerySet[ServiceItemVersion]:
    """Current versions matching ``text`` (code prefix or name substring) and ``department``
    (a Department, or a code or part of a name), ordered by item code."""
    versions = ServiceItemVersion.objects.filter(item__current_version=F("pk")).select_related(
        "item", "department"
    )
    if not include_retired:
        versions = versions.filter(item__retired_at__isnull=True)
    text = files.text(text)
    if text:
        matches = Q(name__icontains=text)
        # Codes are ASCII, so Chinese text only searches names (and can use the trigram index).
        if re.fullmatch(r"[A-Za-z0-9-]+", text):
            matches |= Q(item__code__startswith=text.upper())
        versions = versions.filter(matches)
    if isinstance(department, Department):
        versions = versions.filter(department=department)
    elif files.text(department):
        wanted = files.text(department)
        versions = versions.filter(
            Q(department__code=wanted.upper()) | Q(department__name__icontains=wanted)
        )
    return versions.order_by("item__code")


# --- Import and export --------------------------------------------------------------------


@dataclass
class ImportReport:
    """Item codes by what the import did to them."""

    created: list[str] = field(default_factory=list)
    adjusted: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    reinstated: list[str] = field(default_factory=list)
    departments_created: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return _(
            "新增 %(created)d 项，调整 %(adjusted)d 项，未变 %(unchanged)d 项，"
            "取消 %(retired)d 项，恢复 %(reinstated)d 项；新登记部门 %(departments)d 个。"
        ) % {
            "created": len(self.created),
            "adjusted": len(self.adjusted),
            "unchanged": len(self.unchanged),
            "retired": len(self.retired),
            "reinstated": len(self.reinstated),
            "departments": len(self.departments_created),
        }


@dataclass
class _Row:
    number: int
    code: str
    attrs: ItemAttrs
    status: str | None  # "active", "retired" or None (keep the item's status)
    change_note: str


_STATUS_ALIASES = {
    "active": "active",
    "在用": "active",
    "retired": "retired",
    "取消": "retired",
    "已取消": "retired",
}
#: Where a service field's problem shows in a file.
_COLUMN_OF_FIELD = {"department": "department_code", "item": "code"}


def _all_items() -> dict[str, ServiceItem]:
    items = ServiceItem.objects.select_related("current_version__department").prefetch_related(
        Prefetch("current_version__materials", queryset=Material.objects.order_by("position"))
    )
    return {item.code: item for item in items}


class _FileCheck:
    """Checks a file's rows against each other and the dictionary as it stands."""

    def __init__(self) -> None:
        self.items = _all_items()
        self.departments = {d.code: d for d in Department.objects.all()}
        self.department_names = {d.name: d.code for d in self.departments.values()}
        self.new_departments: dict[str, tuple[str, int]] = {}  # code → (name, first row)
        self.first_row_of: dict[str, int] = {}
        self.rows: list[_Row] = []
        self.problems: list[Problem] = []

    def check(self, number: int, record: dict[str, Any]) -> None:
        errors: list[DomainError] = []
        code = self._code(record, number, errors)
        attrs, attr_errors = clean_item_attrs(
            {**record, "department": record.get("department_code")}
        )
        errors += attr_errors
        status = self._status(record, errors)
        self._department(record, number, errors)
        item = self.items.get(code)
        if item is not None and attrs is not None:
            stays_retired = item.is_retired and status != "active"
            if stays_retired and ItemAttrs.of(item.current_version) != attrs:
                errors.append(
                    DomainError(
                        gettext_lazy(
                            "事项“%(code)s”已取消，不能调整；如需恢复，请将 status 填为 active。"
                        ),
                        code="retired_item",
                        field="status",
                        params={"code": code},
                    )
                )
        if errors:
            self.problems += [
                Problem(
                    exc.code,
                    exc.message,
                    row=number,
                    column=_COLUMN_OF_FIELD.get(exc.field, exc.field),
                )
                for exc in errors
            ]
        else:
            note = files.text(record.get("change_note"))
            self.rows.append(_Row(number, code, attrs, status, note))

    def _code(self, record: dict[str, Any], number: int, errors: list[DomainError]) -> str | None:
        try:
            code = clean_item_code(record.get("code"))
        except DomainError as exc:
            errors.append(exc)
            return None
        if code in self.first_row_of:
            errors.append(
                _error(
                    "duplicate_code",
                    "code",
                    gettext_lazy("事项编码“%(code)s”重复（首次出现在第 %(first)d 行）。"),
                    code=code,
                    first=self.first_row_of[code],
                )
            )
        else:
            self.first_row_of[code] = number
        return code

    def _status(self, record: dict[str, Any], errors: list[DomainError]) -> str | None:
        raw = files.text(record.get("status"))
        if not raw:
            return None
        status = _STATUS_ALIASES.get(raw.lower())
        if status is None:
            errors.append(
                _error(
                    "invalid_status",
                    "status",
                    gettext_lazy("状态“%(value)s”无效，应为 active、retired 或留空。"),
                    value=raw,
                )
            )
        return status

    def _department(self, record: dict[str, Any], number: int, errors: list[DomainError]) -> None:
        """A department is named by code and name; both must agree with what is known."""
        name = files.text(record.get("department_name"))
        if not name:
            errors.append(_required("department_name"))
            return
        try:
            code = clean_department_code(record.get("department_code"))
        except DomainError:
            return  # reported by clean_item_attrs
        known = self.departments.get(code)
        if known is not None and known.name != name:
            errors.append(
                _error(
                    "department_name_mismatch",
                    "department_name",
                    gettext_lazy(
                        "部门编码“%(code)s”已登记为“%(known)s”，与本行的“%(name)s”不一致。"
                    ),
                    code=code,
                    known=known.name,
                    name=name,
                )
            )
        elif code in self.new_departments and self.new_departments[code][0] != name:
            first_name, first_row = self.new_departments[code]
            errors.append(
                _error(
                    "department_name_mismatch",
                    "department_name",
                    gettext_lazy(
                        "部门编码“%(code)s”在第 %(first)d 行名为“%(known)s”，"
                        "与本行的“%(name)s”不一致。"
                    ),
                    code=code,
                    first=first_row,
                    known=first_name,
                    name=name,
                )
            )
        elif self.department_names.get(name, code) != code:
            errors.append(
                _error(
                    "department_name_taken",
                    "department_name",
                    gettext_lazy("部门名称“%(name)s”属于部门编码“%(owner)s”，不是“%(code)s”。"),
                    name=name,
                    owner=self.department_names[name],
                    code=code,
                )
            )
        elif known is None and code not in self.new_departments:
            self.new_departments[code] = (name, number)
            self.department_names[name] = code


@transaction.atomic
def import_dictionary(path: str | Path, *, actor=None) -> ImportReport:
    """Bring the dictionary in line with a CSV or XLSX file (see ``catalog.dictionary_files``),
    or with the bundled sample when ``path`` is ``"sample"``.

    A new code adds an item; an existing one whose attributes differ gets a new version;
    identical rows change nothing; ``status`` retires (``retired``) or reinstates
    (``active``) an item, empty keeps its status. Every row is checked first: any problem
    and nothing is imported (``ValidationFailed`` lists each with row, column and code).
    """
    if str(path) == "sample" and not Path(path).exists():
        path = SAMPLE_DICTIONARY
    records = files.read_records(path)
    _authorise(actor)
    _lock_dictionary()
    check = _FileCheck()
    for number, record in records:
        check.check(number, record)
    if check.problems:
        raise ValidationFailed(check.problems)

    report = ImportReport()
    departments = check.departments
    for code, (name, _first_row) in check.new_departments.items():
        departments[code] = Department.objects.create(code=code, name=name)
        report.departments_created.append(code)
    for row in check.rows:
        _import_row(
            row, check.items.get(row.code), departments[row.attrs.department], actor, report
        )
    return report


def _import_row(
    row: _Row, item: ServiceItem | None, department: Department, actor, report: ImportReport
) -> None:
    if item is None:
        item = ServiceItem.objects.create(code=row.code)
        note = row.change_note or _("导入新增")
        _write_version(item, row.attrs, department, actor=actor, change_note=note)
        report.created.append(row.code)
        if row.status == "retired":
            _stamp_retired(item, actor)
            report.retired.append(row.code)
        return
    reinstated = item.is_retired and row.status == "active"
    if reinstated:
        item.retired_at, item.retired_by = None, None
        item.save(update_fields=["retired_at", "retired_by"])
        report.reinstated.append(row.code)
    changed = ItemAttrs.of(item.current_version).changed_fields(row.attrs)
    if changed:
        labels = "、".join(str(FIELD_LABELS[name]) for name in changed)
        note = row.change_note or _("导入调整：%s") % labels
        _write_version(item, row.attrs, department, actor=actor, change_note=note)
        report.adjusted.append(row.code)
    if row.status == "retired" and not item.is_retired:
        _stamp_retired(item, actor)
        report.retired.append(row.code)
    elif not changed and not reinstated:
        report.unchanged.append(row.code)


def _stamp_retired(item: ServiceItem, actor) -> None:
    item.retired_at = timezone.now()
    item.retired_by = _actor(actor)
    item.save(update_fields=["retired_at", "retired_by"])


def dictionary_rows(*, include_retired: bool = True) -> list[dict[str, Any]]:
    """The dictionary as rows of ``dictionary_files.COLUMNS`` (current versions, by code)."""
    items = ServiceItem.objects.order_by("code").select_related("current_version__department")
    if not include_retired:
        items = items.filter(retired_at__isnull=True)
    items = items.prefetch_related(
        Prefetch("current_version__materials", queryset=Material.objects.order_by("position"))
    )
    rows = []
    for item in items:
        version = item.current_version
        rows.append(
            {
                "code": item.code,
                "name": version.name,
                "category": version.category,
                "department_code": version.department.code,
                "department_name": version.department.name,
                "legal_basis": version.legal_basis,
                "handling_type": version.handling_type,
                "legal_limit_days": version.legal_limit_days,
                "promised_limit_days": version.promised_limit_days,
                "fee": version.fee,
                "materials": files.format_materials(
                    (m.name, m.form, m.count) for m in version.materials.all()
                ),
                "decision_tiers": files.format_tiers(version.decision_tiers),
                "proxy_eligible": files.format_bool(version.proxy_eligible),
                "online_eligible": files.format_bool(version.online_eligible),
                "status": "retired" if item.is_retired else "active",
            }
        )
    return rows


def export_dictionary(path: str | Path, *, include_retired: bool = True) -> int:
    """Write the dictionary to ``path`` (.csv or .xlsx); returns the number of items written.

    The file has the import columns, so importing it back changes nothing.
    """
    with transaction.atomic():  # one consistent snapshot
        rows = dictionary_rows(include_retired=include_retired)
    files.write_rows(path, rows)
    return len(rows)
