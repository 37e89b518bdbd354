"""Searching the dictionary: code prefix, Chinese name substring, department."""

from __future__ import annotations

import pytest
from django.db import connection

from catalog.models import ServiceItemVersion
from catalog.services import adjust_item, retire_item, search_items

from .factories import DepartmentFactory, make_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def dictionary():
    market = DepartmentFactory(code="SCJG", name="市场监督管理局")
    civil = DepartmentFactory(code="MZ", name="民政局")
    make_item("SX-0001", market, name="个体工商户设立登记")
    make_item("SX-0002", market, name="食品经营许可")
    make_item("SX-0101", civil, name="最低生活保障审核确认")
    make_item("SX-0102", civil, name="临时救助")
    return {"market": market, "civil": civil}


def _codes(versions):
    return [v.item.code for v in versions]


def test_by_code_prefix(dictionary):
    assert _codes(search_items("sx-01")) == ["SX-0101", "SX-0102"]


def test_by_chinese_name_substring(dictionary):
    assert _codes(search_items("经营")) == ["SX-0002"]
    assert _codes(search_items("生活保障")) == ["SX-0101"]


def test_by_department_code_name_or_instance(dictionary):
    assert _codes(search_items(department="mz")) == ["SX-0101", "SX-0102"]
    assert _codes(search_items(department="市场监督")) == ["SX-0001", "SX-0002"]
    assert _codes(search_items("登记", department=dictionary["market"])) == ["SX-0001"]


def test_only_current_versions_are_found(dictionary):
    adjust_item("SX-0102", change_note="更名", name="临时救助审批")
    found = list(search_items("临时救助"))
    assert [(v.item.code, v.version) for v in found] == [("SX-0102", 2)]


def test_retired_items_only_on_request(dictionary):
    retire_item("SX-0002")
    assert _codes(search_items("食品")) == []
    assert _codes(search_items("食品", include_retired=True)) == ["SX-0002"]


def test_search_indexes_exist():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename LIKE 'catalog_%%'"
        )
        indexes = dict(cursor.fetchall())
    assert "gin_trgm_ops" in indexes["version_name_trgm_idx"]
    assert "varchar_pattern_ops" in indexes["item_code_prefix_idx"]
    assert "version_department_idx" in indexes


def test_name_search_can_use_the_trigram_index(dictionary):
    # The index is on UPPER(name): the expression Django's icontains compares.
    versions = ServiceItemVersion.objects.filter(name__icontains="生活保障审核").order_by()
    sql, params = versions.values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "version_name_trgm_idx" in plan
