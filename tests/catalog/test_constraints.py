"""The database itself refuses what the rules refuse, even when the services are bypassed."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from catalog.models import Material, ServiceItem, ServiceItemVersion
from catalog.services import adjust_item

from .factories import DepartmentFactory, make_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def item():
    return ServiceItem.objects.create(code="SX-0100")


def _version(item, **overrides) -> ServiceItemVersion:
    values = dict(
        item=item,
        version=1,
        name="食品经营许可",
        category="licensing",
        department=DepartmentFactory(code="SCJG", name="市场监督管理局"),
        handling_type="promised",
        legal_limit_days=10,
        promised_limit_days=5,
        fee=Decimal("0"),
        decision_tiers=["county"],
        proxy_eligible=True,
        online_eligible=True,
    )
    values.update(overrides)
    return ServiceItemVersion(**values)


def _insert(*objects):
    with transaction.atomic():
        type(objects[0]).objects.bulk_create(objects)


def test_a_valid_raw_version_is_accepted(item):
    _insert(_version(item))


@pytest.mark.parametrize(
    "overrides",
    [
        {"promised_limit_days": 11},  # promised > legal
        {"handling_type": "immediate", "promised_limit_days": 1},  # immediate ⇒ promised = 0
        {"handling_type": "promised", "promised_limit_days": 0},  # promised ⇒ promised ≥ 1
        {"decision_tiers": []},
        {"decision_tiers": ["county", "province"]},
        {"fee": Decimal("-0.01")},
        {"legal_limit_days": -1},
        {"category": "tax"},
        {"handling_type": "later"},
        {"name": "   "},
        {"version": 0},
    ],
)
def test_the_database_refuses_bad_versions(item, overrides):
    with pytest.raises(IntegrityError):
        _insert(_version(item, **overrides))


def test_the_database_refuses_a_second_version_with_the_same_number(item):
    _insert(_version(item))
    with pytest.raises(IntegrityError):
        _insert(_version(item))


@pytest.mark.parametrize("code", ["sx-0001", "SX 1", "-SX", ""])
def test_the_database_refuses_malformed_item_codes(code):
    with pytest.raises(IntegrityError):
        _insert(ServiceItem(code=code))


@pytest.mark.parametrize(
    "overrides",
    [{"count": 0}, {"form": "scan"}, {"position": 0}, {"name": "身份证;户口簿"}, {"name": " "}],
)
def test_the_database_refuses_bad_materials(overrides):
    version = make_item()
    values = dict(version=version, position=9, name="其他材料", form="copy", count=1)
    values.update(overrides)
    with pytest.raises(IntegrityError):
        _insert(Material(**values))


def test_versions_are_immutable():
    version = make_item()
    version.name = "改名"
    with pytest.raises(IntegrityError), transaction.atomic():
        version.save()
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceItemVersion.objects.filter(pk=version.pk).update(promised_limit_days=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Material.objects.filter(version=version).update(count=2)
    assert ServiceItemVersion.objects.get(pk=version.pk).name == "个体工商户设立登记"


def test_an_items_current_version_must_be_its_own():
    mine = make_item(code="SX-0001")
    others_first = make_item(code="SX-0002", department=mine.department)
    adjust_item("SX-0002", change_note="调整", legal_limit_days=30)  # v1 is current of no item
    with pytest.raises(IntegrityError), transaction.atomic():
        ServiceItem.objects.filter(pk=mine.item_id).update(current_version=others_first)


def test_departments_in_use_cannot_be_deleted():
    from django.db.models import ProtectedError

    version = make_item()
    with pytest.raises(ProtectedError):
        version.department.delete()
