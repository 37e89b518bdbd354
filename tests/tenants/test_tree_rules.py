"""The strict tree: tiers, division codes, parents, and the database refusing what the rules refuse."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from core.errors import DomainError
from tenants.divisions import schema_name_for, tier_of_code, validate_division_code, validate_parent
from tenants.models import ServiceCentre


@pytest.mark.parametrize(
    ("tier", "code"),
    [
        ("city", "420500"),
        ("county", "420506"),
        ("township", "420506101000"),
        ("village", "420506101201"),
    ],
)
def test_well_formed_codes_pass(tier, code):
    assert validate_division_code(tier, code) == code
    assert tier_of_code(code) == tier


@pytest.mark.parametrize(
    ("tier", "code"),
    [
        ("city", "420506"),  # a county's shape
        ("city", "420000"),  # a province
        ("county", "420500"),
        ("county", "42050"),
        ("township", "420506000000"),
        ("township", "420506101201"),
        ("village", "420506101000"),
        ("village", "4205061012011"),
        ("village", "42050610120a"),
        ("village", "420506101201; DROP SCHEMA public CASCADE"),
    ],
)
def test_malformed_codes_are_refused(tier, code):
    with pytest.raises(DomainError) as exc:
        validate_division_code(tier, code)
    assert exc.value.code == "invalid_division_code"
    assert exc.value.field == "division_code"


def test_unknown_tier_is_refused():
    with pytest.raises(DomainError) as exc:
        validate_division_code("province", "420000")
    assert exc.value.code == "invalid_tier"


@pytest.mark.parametrize(
    ("tier", "code", "parent_tier", "parent_code", "error"),
    [
        ("county", "420506", None, None, "parent_required"),
        ("city", "420500", "city", "420600", "city_has_parent"),
        ("village", "420506101201", "county", "420506", "wrong_parent_tier"),
        ("township", "420506101000", "township", "420506102000", "wrong_parent_tier"),
        ("county", "420602", "city", "420500", "division_code_outside_parent"),
        ("village", "420506102201", "township", "420506101000", "division_code_outside_parent"),
    ],
)
def test_parent_rules(tier, code, parent_tier, parent_code, error):
    with pytest.raises(DomainError) as exc:
        validate_parent(tier, code, parent_tier, parent_code)
    assert exc.value.code == error


def test_schema_names_come_from_tier_and_code_only():
    assert schema_name_for("village", "420506101201") == "vill_420506101201"
    assert schema_name_for("city", "420500") == "city_420500"
    with pytest.raises(DomainError):
        schema_name_for("village", 'x"; DROP SCHEMA public; --')


def test_error_messages_are_chinese_with_english_available():
    with pytest.raises(DomainError) as exc:
        validate_division_code("county", "420500")
    assert "行政区划代码" in exc.value.message
    assert exc.value.as_dict()["message"] == exc.value.message_in("zh-hans")


def _raw_insert(**overrides):
    values = dict(
        schema_name="county_420599",
        tier="county",
        division_code="420599",
        name="x",
        parent=None,
        parent_tier=None,
    )
    values.update(overrides)
    with transaction.atomic():
        ServiceCentre.objects.bulk_create([ServiceCentre(**values)])
        # The composite foreign key is deferred: check it now, inside the savepoint.
        from django.db import connection

        with connection.cursor() as cur:
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_database_refuses_a_county_without_a_city(demo_network):
    with pytest.raises(IntegrityError):
        _raw_insert()


def test_database_refuses_a_village_under_a_county(demo_network):
    county = demo_network["420506"]
    with pytest.raises(IntegrityError):
        _raw_insert(
            schema_name="vill_420506101299",
            tier="village",
            division_code="420506101299",
            parent=county,
            parent_tier="township",  # a lie about the parent's tier: the composite FK catches it
        )


def test_database_refuses_free_text_schema_names(demo_network):
    city = demo_network["420500"]
    with pytest.raises(IntegrityError):
        _raw_insert(schema_name="public; drop", parent=city, parent_tier="city")
