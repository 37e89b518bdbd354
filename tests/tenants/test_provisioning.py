"""Provisioning centres from a spec: idempotent, resumable, and all-or-nothing on bad input."""

from __future__ import annotations

import textwrap

import pytest
from django.db import connection

from core.errors import DomainError, ValidationFailed
from tenants.models import ServiceCentre
from tenants.schemas import TEMPLATE_SCHEMA, existing_schemas, schema_fingerprint
from tenants.services import centres_behind_template, create_centre, provision_network
from tenants.spec import load_spec


def _spec(tmp_path, text, name="spec.csv"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def _schemas_like(prefix="vill_"):
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_namespace WHERE nspname LIKE %s", [prefix + "%"])
        return cur.fetchone()[0]


def test_demo_network_has_the_promised_shape(demo_network):
    tiers = [c.tier for c in demo_network.values()]
    assert (
        tiers.count("city"),
        tiers.count("county"),
        tiers.count("township"),
        tiers.count("village"),
    ) == (
        1,
        2,
        4,
        12,
    )
    village = demo_network["420506101201"]
    assert village.parent.division_code == "420506101000"
    assert village.parent.parent.parent == demo_network["420500"]
    assert existing_schemas([c.schema_name for c in demo_network.values()]) == {
        c.schema_name for c in demo_network.values()
    }


def test_a_cloned_schema_matches_the_migrated_template(demo_network):
    expected = schema_fingerprint(TEMPLATE_SCHEMA)
    assert expected
    for centre in demo_network.values():
        assert schema_fingerprint(centre.schema_name) == expected, centre.schema_name
    assert centres_behind_template([c.schema_name for c in demo_network.values()]) == []


def test_rerunning_skips_what_exists(demo_network):
    report = provision_network(load_spec("demo"))
    assert report.created == []
    assert len(report.skipped) == 19


def test_an_interrupted_run_resumes(db, tmp_path):
    specs = load_spec("demo")
    # Simulate a crash after the first seven centres: their transactions committed, the rest never ran.
    provision_network(specs[:7])
    assert ServiceCentre.objects.count() == 7
    report = provision_network(specs)
    assert len(report.created) == 12 and len(report.skipped) == 7
    assert ServiceCentre.objects.count() == 19


def test_a_missing_schema_is_rebuilt(demo_network):
    village = demo_network["420581102203"]
    with connection.cursor() as cur:
        cur.execute(f'DROP SCHEMA "{village.schema_name}" CASCADE')
    report = provision_network(load_spec("demo"))
    assert report.repaired == ["420581102203"]
    assert schema_fingerprint(village.schema_name) == schema_fingerprint(TEMPLATE_SCHEMA)


def test_an_orphan_schema_stops_the_run_with_a_clear_error(db):
    with connection.cursor() as cur:
        cur.execute('CREATE SCHEMA "city_420500"')
    with pytest.raises(DomainError) as exc:
        provision_network(load_spec("demo"))
    assert exc.value.code == "orphan_schema"


@pytest.mark.parametrize(
    ("rows", "code", "row", "column"),
    [
        ("420500,市,city,\n420506,县,county,420599\n", "parent_not_found", 3, "parent_code"),
        ("420500,市,city,\n420506101000,镇,township,420500\n", "wrong_parent_tier", 3, "parent"),
        (
            "420500,市,city,\n420506,县,county,420500\n420506,县二,county,420500\n",
            "duplicate_division_code",
            4,
            "division_code",
        ),
        ("420500,市,city,\n4205x6,县,county,420500\n", "invalid_division_code", 3, "division_code"),
        ("420500,市,city,\n420506,,county,420500\n", "name_required", 3, "name"),
        ("420500,市,city,\n420506,县,province,420500\n", "invalid_tier", 3, "tier"),
        ("420500,市,city,420600\n", "city_has_parent", 2, "parent"),
        # A cycle: each county claims the other as parent. Tiers make it a wrong-tier error.
        ("420506,甲,county,420581\n420581,乙,county,420506\n", "wrong_parent_tier", 2, "parent"),
        (
            "420500,市,city,\n420506';DROP SCHEMA public;--,县,county,420500\n",
            "invalid_division_code",
            3,
            "division_code",
        ),
        (
            "420500,市,city,\n420602,县,county,420500\n",
            "division_code_outside_parent",
            3,
            "division_code",
        ),
    ],
)
def test_bad_specs_create_nothing(db, tmp_path, rows, code, row, column):
    path = _spec(tmp_path, "division_code,name,tier,parent_code\n" + rows)
    before = _schemas_like("c")
    with pytest.raises(ValidationFailed) as exc:
        provision_network(load_spec(path))
    problem = next(p for p in exc.value.problems if p.code == code)
    assert (problem.row, problem.column) == (row, column)
    assert ServiceCentre.objects.count() == 0
    assert _schemas_like("c") == before


def test_malformed_files_are_refused(db, tmp_path):
    with pytest.raises(ValidationFailed) as exc:
        load_spec(_spec(tmp_path, "code,name\n1,2\n"))
    assert {p.code for p in exc.value.problems} >= {"missing_column", "unknown_column"}
    with pytest.raises(ValidationFailed) as exc:
        load_spec(_spec(tmp_path, "centres: [1, 2\n", name="bad.yaml"))
    assert exc.value.problems[0].code == "malformed_spec"
    with pytest.raises(DomainError) as exc:
        load_spec(tmp_path / "nope.csv")
    assert exc.value.code == "spec_not_found"


def test_yaml_specs_work(db, tmp_path):
    path = _spec(
        tmp_path,
        """
        centres:
          - {division_code: "420500", name: 宜昌市政务服务中心, tier: city}
          - {division_code: "420506", name: 夷陵区政务服务中心, tier: county, parent_code: "420500",
             has_premises: true, facts_checked_on: 2026-10-01}
        """,
        name="net.yaml",
    )
    report = provision_network(load_spec(path))
    assert report.created == ["420500", "420506"]
    county = ServiceCentre.objects.get(division_code="420506")
    assert county.has_premises and not county.has_signage
    assert str(county.facts_checked_on) == "2026-10-01"


def test_extending_a_network_conflicting_with_the_registry_is_refused(demo_network, tmp_path):
    path = _spec(
        tmp_path, "division_code,name,tier,parent_code\n420506101000,龙泉镇,township,420581\n"
    )
    with pytest.raises(ValidationFailed) as exc:
        provision_network(load_spec(path))
    assert exc.value.problems[0].code in {"conflicts_with_existing", "division_code_outside_parent"}


def test_create_single_centre(demo_network):
    township = demo_network["420506101000"]
    village = create_centre(
        tier="village", division_code="420506101204", name="新村", parent=township
    )
    assert village.schema_name == "vill_420506101204"
    assert schema_fingerprint(village.schema_name) == schema_fingerprint(TEMPLATE_SCHEMA)
    with pytest.raises(DomainError) as exc:
        create_centre(tier="village", division_code="420506101204", name="重复", parent=township)
    assert exc.value.code == "duplicate_division_code"
