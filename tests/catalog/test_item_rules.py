"""The rules every version obeys, one error code each (checked by add_item and adjust_item)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from catalog.models import ServiceItem
from catalog.services import add_department, add_item, rename_department
from core.errors import DomainError

from .factories import DepartmentFactory, item_attrs, make_item

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"name": "  "}, "required", "name"),
        ({"name": "长" * 201}, "too_long", "name"),
        ({"category": "tax"}, "invalid_category", "category"),
        ({"handling_type": "soon"}, "invalid_handling_type", "handling_type"),
        ({"legal_limit_days": "twenty"}, "invalid_number", "legal_limit_days"),
        ({"legal_limit_days": 2.5}, "invalid_number", "legal_limit_days"),
        ({"legal_limit_days": -1}, "out_of_range", "legal_limit_days"),
        ({"legal_limit_days": 1000}, "out_of_range", "legal_limit_days"),
        (
            {"legal_limit_days": 10, "promised_limit_days": 11},
            "promised_exceeds_legal",
            "promised_limit_days",
        ),
        (
            {"handling_type": "immediate", "promised_limit_days": 2},
            "immediate_with_promised_days",
            "promised_limit_days",
        ),
        ({"promised_limit_days": 0}, "promised_days_required", "promised_limit_days"),
        ({"promised_limit_days": None}, "required", "promised_limit_days"),
        ({"fee": "-1"}, "out_of_range", "fee"),
        ({"fee": "1.005"}, "invalid_number", "fee"),
        ({"fee": "ten"}, "invalid_number", "fee"),
        ({"decision_tiers": []}, "required", "decision_tiers"),
        ({"decision_tiers": ["county", "province"]}, "invalid_tier", "decision_tiers"),
        ({"proxy_eligible": None}, "required", "proxy_eligible"),
        ({"online_eligible": "maybe"}, "invalid_boolean", "online_eligible"),
        ({"materials": [("身份证", "scan", 1)]}, "invalid_material_form", "materials"),
        ({"materials": [("身份证", "copy", 0)]}, "invalid_material_count", "materials"),
        ({"materials": [("身份证;户口簿", "copy", 1)]}, "malformed_materials", "materials"),
        ({"materials": "身份证"}, "malformed_materials", "materials"),
        (
            {"materials": [("身份证", "copy", 1), ("身份证", "original", 1)]},
            "duplicate_material",
            "materials",
        ),
        ({"department": "NOPE"}, "unknown_department", "department"),
        ({"department": "bad code!"}, "invalid_department_code", "department"),
    ],
)
def test_invalid_attributes_are_refused(overrides, code, field):
    department = DepartmentFactory(code="SCJG", name="市场监督管理局")
    with pytest.raises(DomainError) as exc:
        add_item(code="SX-0001", **item_attrs(department, **overrides))
    assert (exc.value.code, exc.value.field) == (code, field)
    assert exc.value.message  # a sentence for people, in Chinese by default
    assert not ServiceItem.objects.exists()


@pytest.mark.parametrize("code", ["", "SX 0001", "-SX", "SX-", "事项1", "X" * 41])
def test_item_codes_have_a_stable_shape(code):
    department = DepartmentFactory()
    with pytest.raises(DomainError) as exc:
        add_item(code=code, **item_attrs(department))
    assert exc.value.code in {"invalid_code", "required"}
    assert exc.value.field == "code"


def test_an_immediate_item_may_leave_out_its_promised_limit():
    department = DepartmentFactory()
    attrs = item_attrs(department, handling_type="immediate", legal_limit_days=0)
    del attrs["promised_limit_days"]
    version = add_item(code="SX-0002", **attrs)
    assert (version.handling_type, version.promised_limit_days) == ("immediate", 0)


def test_cells_and_chinese_labels_are_understood():
    department = DepartmentFactory()
    version = add_item(
        code="SX-0003",
        **item_attrs(
            department,
            category="行政给付",
            handling_type="承诺件",
            legal_limit_days="30",
            promised_limit_days=20.0,
            fee="免费",
            decision_tiers="county，township",
            proxy_eligible="是",
            online_eligible="0",
            materials="申请书|原件|1；户口簿|复印件",
        ),
    )
    assert version.category == "benefit"
    assert version.handling_type == "promised"
    assert (version.legal_limit_days, version.promised_limit_days, version.fee) == (
        30,
        20,
        Decimal("0"),
    )
    assert version.decision_tiers == ["township", "county"]
    assert (version.proxy_eligible, version.online_eligible) == (True, False)
    assert [(m.name, m.form, m.count) for m in version.materials.all()] == [
        ("申请书", "original", 1),
        ("户口簿", "copy", 1),
    ]


def test_decidable_at_reads_the_tiers():
    version = make_item(decision_tiers=["township"])
    assert version.decidable_at("township")
    assert not version.decidable_at("village")


def test_departments_have_unique_codes_and_names():
    add_department(code="mz", name="民政局")
    with pytest.raises(DomainError) as exc:
        add_department(code="MZ", name="民政局二")
    assert exc.value.code == "duplicate_department"
    with pytest.raises(DomainError) as exc:
        add_department(code="MZJ", name="民政局")
    assert exc.value.code == "department_name_taken"


def test_renaming_a_department_keeps_names_unique():
    add_department(code="MZ", name="民政局")
    add_department(code="CL", name="残疾人联合会")
    assert rename_department("mz", name="民政和社会事务局").name == "民政和社会事务局"
    with pytest.raises(DomainError) as exc:
        rename_department("CL", name="民政和社会事务局")
    assert exc.value.code == "department_name_taken"
