"""Factories and helpers for dictionary tests. Items are made through the services, as in life."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import factory

from catalog.dictionary_files import COLUMNS
from catalog.models import Department
from catalog.services import add_item


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"D{n:03d}")
    name = factory.Sequence(lambda n: f"测试部门{n}")


def item_attrs(department: Department, /, **overrides) -> dict:
    attrs = {
        "name": "个体工商户设立登记",
        "category": "licensing",
        "department": department,
        "legal_basis": "《中华人民共和国市场主体登记管理条例》",
        "handling_type": "promised",
        "legal_limit_days": 20,
        "promised_limit_days": 5,
        "fee": Decimal("0"),
        "decision_tiers": ["county", "township"],
        "proxy_eligible": True,
        "online_eligible": False,
        "materials": [("居民身份证", "original_and_copy", 1), ("经营场所使用证明", "copy", 1)],
    }
    attrs.update(overrides)
    return attrs


def make_item(code: str = "SX-0001", department: Department | None = None, **overrides):
    department = department or DepartmentFactory(code="SCJG", name="市场监督管理局")
    return add_item(code=code, **item_attrs(department, **overrides))


def csv_row(**overrides) -> dict:
    """One valid dictionary row (as cells), with overrides."""
    row = {
        "code": "SX-0001",
        "name": "个体工商户设立登记",
        "category": "licensing",
        "department_code": "SCJG",
        "department_name": "市场监督管理局",
        "legal_basis": "《中华人民共和国市场主体登记管理条例》",
        "handling_type": "promised",
        "legal_limit_days": "20",
        "promised_limit_days": "5",
        "fee": "0",
        "materials": "居民身份证|original_and_copy|1;经营场所使用证明|copy|1",
        "decision_tiers": "county,township",
        "proxy_eligible": "是",
        "online_eligible": "否",
        "status": "",
    }
    row.update(overrides)
    return row


def write_csv(path: Path, rows: list[dict], columns: list[str] | None = None) -> Path:
    columns = columns or COLUMNS
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([row.get(column, "") for column in columns])
    return path


def write_xlsx(path: Path, rows: list[dict], columns: list[str] | None = None) -> Path:
    from openpyxl import Workbook

    columns = columns or COLUMNS
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(columns)
    for row in rows:
        sheet.append([row.get(column) for column in columns])
    workbook.save(path)
    return path
