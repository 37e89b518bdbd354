"""The registry admin creates centres through the services (schema included) and never deletes."""

from __future__ import annotations

from tenants.models import ServiceCentre
from tenants.schemas import TEMPLATE_SCHEMA, schema_fingerprint


def test_admin_creates_a_centre_with_its_schema(admin_client, demo_network):
    township = demo_network["420506101000"]
    response = admin_client.post(
        "/admin/tenants/servicecentre/add/",
        {"tier": "village", "division_code": "420506101209", "name": "龙泉镇新村便民服务室", "parent": township.pk,
         "address": "", "phone": "", "facts_checked_on": ""},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    centre = ServiceCentre.objects.get(division_code="420506101209")
    assert schema_fingerprint(centre.schema_name) == schema_fingerprint(TEMPLATE_SCHEMA)


def test_admin_refuses_a_village_under_a_county(admin_client, demo_network):
    county = demo_network["420506"]
    response = admin_client.post(
        "/admin/tenants/servicecentre/add/",
        {
            "tier": "village",
            "division_code": "420506101209",
            "name": "错挂的村",
            "parent": county.pk,
        },
    )
    assert response.status_code == 200
    assert "上级" in response.content.decode()
    assert not ServiceCentre.objects.filter(division_code="420506101209").exists()


def test_admin_suspends_through_the_service(admin_client, demo_network):
    village = demo_network["420506101201"]
    response = admin_client.post(
        "/admin/tenants/servicecentre/",
        {"action": "suspend", "_selected_action": [village.pk]},
    )
    assert response.status_code == 302
    village.refresh_from_db()
    assert village.status == "suspended" and village.status_changed_at is not None


def test_the_changelist_renders(admin_client, demo_network):
    assert admin_client.get("/admin/tenants/servicecentre/").status_code == 200
