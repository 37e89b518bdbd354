"""Items change by new versions; old versions and retired items stay readable."""

from __future__ import annotations

from decimal import Decimal

import pytest

from catalog.models import ServiceItem, ServiceItemVersion
from catalog.services import (
    active_version,
    add_item,
    adjust_item,
    reinstate_item,
    retire_item,
)
from core.errors import DomainError

from .factories import DepartmentFactory, item_attrs, make_item

pytestmark = pytest.mark.django_db


def test_add_item_creates_version_one_with_its_materials(django_user_model):
    # A superuser acts as an operator; role rules are in test_dictionary_permissions.py.
    admin = django_user_model.objects.create(username="dict-admin", is_superuser=True)
    department = DepartmentFactory(code="SCJG", name="市场监督管理局")
    version = add_item(
        code="sx-0001", actor=admin, change_note="首次发布", **item_attrs(department)
    )
    assert version.version == 1
    assert version.item.code == "SX-0001"  # codes are kept upper-case
    assert version.item.current_version == version
    assert version.created_by == admin
    assert version.decision_tiers == ["township", "county"]  # canonical order, village → city
    assert [(m.position, m.name, m.form, m.count) for m in version.materials.all()] == [
        (1, "居民身份证", "original_and_copy", 1),
        (2, "经营场所使用证明", "copy", 1),
    ]


def test_adjust_creates_the_next_version_and_leaves_the_old_one_untouched():
    v1 = make_item()
    v2 = adjust_item("SX-0001", change_note="压缩承诺时限", promised_limit_days=3)
    assert (v2.version, v2.promised_limit_days) == (2, 3)
    assert v2.item.current_version == v2
    v1.refresh_from_db()
    assert (v1.version, v1.promised_limit_days) == (1, 5)
    assert ServiceItemVersion.objects.filter(item__code="SX-0001").count() == 2
    assert active_version("SX-0001") == v2


def test_adjust_copies_unchanged_attributes_and_materials():
    make_item(fee=Decimal("10.50"))
    v2 = adjust_item("SX-0001", change_note="更名", name="个体工商户登记")
    assert v2.fee == Decimal("10.50")
    assert v2.department.code == "SCJG"
    assert v2.change_note == "更名"
    assert [m.name for m in v2.materials.all()] == ["居民身份证", "经营场所使用证明"]


def test_adjust_can_replace_materials_and_the_old_version_keeps_its_own():
    v1 = make_item()
    v2 = adjust_item("SX-0001", change_note="精简材料", materials=[("居民身份证", "original", 1)])
    assert [m.name for m in v2.materials.all()] == ["居民身份证"]
    assert [m.name for m in v1.materials.all()] == ["居民身份证", "经营场所使用证明"]


def test_adjust_can_move_an_item_to_another_department():
    make_item()
    DepartmentFactory(code="ZWFW", name="政务服务和大数据管理局")
    assert adjust_item("SX-0001", change_note="划转", department="ZWFW").department.code == "ZWFW"


def test_an_adjustment_that_changes_nothing_is_refused():
    make_item()
    with pytest.raises(DomainError) as exc:
        adjust_item(
            "SX-0001", change_note="无变化", promised_limit_days=5, decision_tiers="township county"
        )
    assert exc.value.code == "no_change"
    assert ServiceItemVersion.objects.count() == 1


def test_an_adjustment_needs_a_change_note():
    make_item()
    with pytest.raises(DomainError) as exc:
        adjust_item("SX-0001", change_note=" ", promised_limit_days=3)
    assert (exc.value.code, exc.value.field) == ("required", "change_note")


def test_adjusting_an_unknown_item_is_refused():
    with pytest.raises(DomainError) as exc:
        adjust_item("SX-9999", change_note="x", promised_limit_days=3)
    assert (exc.value.code, exc.value.field) == ("unknown_item", "item")


def test_adjusting_a_retired_item_is_refused():
    make_item()
    retire_item("SX-0001")
    with pytest.raises(DomainError) as exc:
        adjust_item("SX-0001", change_note="x", promised_limit_days=3)
    assert exc.value.code == "retired_item"


def test_an_adjustment_is_checked_like_a_new_item():
    make_item()
    with pytest.raises(DomainError) as exc:
        adjust_item("SX-0001", change_note="x", promised_limit_days=30)
    assert exc.value.code == "promised_exceeds_legal"
    assert ServiceItemVersion.objects.count() == 1


def test_unknown_attributes_are_a_programming_error():
    make_item()
    with pytest.raises(TypeError):
        adjust_item("SX-0001", change_note="x", colour="red")


def test_adding_an_existing_code_is_refused():
    make_item()
    with pytest.raises(DomainError) as exc:
        make_item(code="sx-0001")
    assert (exc.value.code, exc.value.field) == ("duplicate_item", "code")


def test_retire_keeps_every_version_readable(django_user_model):
    v1 = make_item()
    v2 = adjust_item("SX-0001", change_note="调整", legal_limit_days=15)
    head = django_user_model.objects.create(username="head", is_superuser=True)
    item = retire_item("SX-0001", actor=head)
    assert item.is_retired and item.retired_by == head
    assert ServiceItemVersion.objects.get(pk=v1.pk).legal_limit_days == 20
    assert ServiceItemVersion.objects.get(pk=v2.pk).legal_limit_days == 15
    assert ServiceItem.objects.get(code="SX-0001").current_version == v2


def test_retiring_twice_is_an_error():
    make_item()
    retire_item("SX-0001")
    with pytest.raises(DomainError) as exc:
        retire_item("SX-0001")
    assert exc.value.code == "already_retired"


def test_reinstate_puts_the_item_back_with_its_version():
    v1 = make_item()
    retire_item("SX-0001")
    reinstate_item("SX-0001")
    assert active_version("SX-0001") == v1


def test_reinstating_an_item_in_use_is_an_error():
    make_item()
    with pytest.raises(DomainError) as exc:
        reinstate_item("SX-0001")
    assert exc.value.code == "not_retired"


def test_active_version_of_an_unknown_item():
    with pytest.raises(DomainError) as exc:
        active_version("SX-0404")
    assert (exc.value.code, exc.value.field) == ("unknown_item", "item")
    assert "SX-0404" in exc.value.message


def test_active_version_of_a_retired_item():
    make_item()
    retire_item("SX-0001")
    with pytest.raises(DomainError) as exc:
        active_version("SX-0001")
    assert (exc.value.code, exc.value.field) == ("retired_item", "item")
    assert "已于" in exc.value.message


def test_active_version_accepts_any_case_and_spacing():
    v1 = make_item()
    assert active_version(" sx-0001 ") == v1


def test_errors_have_chinese_and_english_messages():
    with pytest.raises(DomainError) as exc:
        active_version("SX-0404")
    payload = exc.value.as_dict()
    assert payload["code"] == "unknown_item"
    assert "事项库" in payload["message"]
