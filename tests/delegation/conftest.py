"""Fixtures for cases and delegation: the demo network, a few items, and the actors."""

from __future__ import annotations

import pytest

from core.roles import Actor, Role
from delegation.services import Applicant
from tests import layers
from tests.support import build_demo_network

VILLAGE, TOWNSHIP, COUNTY, CITY = "420506101201", "420506101000", "420506", "420500"
OTHER_VILLAGE = "420581101201"  # under another township and county
MATERIALS = "居民身份证|original|1;申请表|original|1"


@pytest.fixture
def items(db):
    if layers.layers.provides("delegation"):
        return fresh_versions(layers.layers.value("delegation"))
    return make_items()


def fresh_versions(pks: dict[str, int]) -> dict:
    """The layer's item versions, read again (a test may change its objects)."""
    from catalog.models import ServiceItemVersion

    by_pk = ServiceItemVersion.objects.in_bulk(pks.values())
    return {key: by_pk[pk] for key, pk in pks.items()}


def make_items() -> dict:
    from catalog import services as catalog

    catalog.add_department(code="MZJ", name="民政局")
    common = dict(
        category="benefit",
        department="MZJ",
        legal_basis="《社会救助暂行办法》",
        handling_type="promised",
        fee=0,
        proxy_eligible=True,
        online_eligible=False,
        materials=MATERIALS,
    )
    return {
        "township": catalog.add_item(
            code="T-1",
            name="临时救助",
            decision_tiers=["township", "county"],
            legal_limit_days=20,
            promised_limit_days=5,
            **common,
        ),
        "county": catalog.add_item(
            code="C-1",
            name="最低生活保障审核确认",
            decision_tiers=["county"],
            legal_limit_days=30,
            promised_limit_days=10,
            **common,
        ),
        "city": catalog.add_item(
            code="S-1",
            name="社会团体成立登记",
            decision_tiers=["city"],
            legal_limit_days=60,
            promised_limit_days=20,
            **common,
        ),
        "no_proxy": catalog.add_item(
            code="N-1",
            name="结婚登记",
            decision_tiers=["county"],
            legal_limit_days=20,
            promised_limit_days=5,
            **{**common, "proxy_eligible": False},
        ),
    }


def build_network() -> dict[str, int]:
    build_demo_network()
    return {key: version.pk for key, version in make_items().items()}


layers.register("delegation", build_network, includes=("demo",))


@pytest.fixture
def _layer_delegation() -> bool:
    return layers.layers.provides("delegation")


@pytest.fixture
def network(_layer_delegation, demo_network, items):
    """The demo network and the items below, built once for the tests that use them
    (tests/layers.py)."""
    return demo_network


def actor(code: str, role: str = Role.STAFF, name: str | None = None) -> Actor:
    return Actor(name=name or f"{role}@{code}", role=role, centre=code)


AGENT = actor(VILLAGE, Role.AGENT, "王代办")
TOWN_STAFF = actor(TOWNSHIP, Role.STAFF, "李窗口")
COUNTY_STAFF = actor(COUNTY, Role.STAFF, "张审批")
CITY_STAFF = actor(CITY, Role.STAFF, "赵审批")

# A valid resident ID number (GB 11643 checksum) and credit code (GB 32100 checksum).
PERSON = Applicant(
    kind="person", name="刘桂兰", id_number="420581199001010011", phone="13907171234"
)
ENTERPRISE = Applicant(kind="enterprise", name="宜昌龙泉农业合作社", id_number="91420500MA4F0X1A0L")
