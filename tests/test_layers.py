"""The test layers (tests/layers.py): built once, and every test starts from them unchanged."""

from __future__ import annotations

from tenants.models import ServiceCentre
from tenants.schemas import existing_schemas
from tenants.services import create_centre, set_centre_status
from tests import layers

NEW_VILLAGE = "420506101299"
seen: dict[str, object] = {}


def test_a_test_in_the_layer_changes_the_network(demo_network):
    township = demo_network["420506101000"]
    created = create_centre(
        tier="village", division_code=NEW_VILLAGE, name="试验村", parent=township
    )
    set_centre_status(demo_network["420506101201"], "suspended")
    assert created.schema_name in existing_schemas([created.schema_name])
    seen["schema"] = created.schema_name
    seen["builds"] = layers.layers.builds["demo"]


def test_the_next_test_starts_from_the_layer_unchanged(demo_network):
    assert len(demo_network) == 19 and NEW_VILLAGE not in demo_network
    assert demo_network["420506101201"].status == "active"
    if seen:  # run after the test above: its schema is gone, the layer was not rebuilt
        assert not existing_schemas([seen["schema"]])
        assert layers.layers.builds["demo"] == seen["builds"]


def test_a_test_outside_the_layer_sees_an_empty_registry(db):
    assert layers.layers.current is None
    assert not ServiceCentre.objects.exists()
