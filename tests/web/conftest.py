"""Fixtures of the web app's tests: the demo network with its demo users, logged-in clients."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.demo import DEMO_PASSWORD, seed_demo_users
from tests import layers

AGENT = "agent.420506101201"
TOWNSHIP_STAFF = "staff.420506101000"
COUNTY_STAFF = "staff.420506"
VILLAGE = "420506101201"
OTHER_VILLAGE = "420506101202"
TOWNSHIP = "420506101000"
COUNTY = "420506"


ITEM = "SX-0020"  # 最低生活保障审核确认: proxy-eligible, decided at the county, 4 materials
ITEM_MATERIALS = [
    "最低生活保障申请书",
    "申请人及家庭成员居民身份证",
    "户口簿",
    "家庭经济状况核对授权书",
]
ID_NUMBER = "420581199001010011"


def build_web() -> None:
    from tests.conftest import build_sample_dictionary
    from tests.support import build_demo_network

    build_demo_network()
    build_sample_dictionary()
    seed_demo_users()


layers.register("web", build_web, includes=("demo", "sample"))


@pytest.fixture(autouse=True)
def _calendar_kept(calendar_kept):
    """Every page test here may count queries (tests/conftest.py, ``calendar_kept``)."""


@pytest.fixture
def _layer_web() -> bool:
    return layers.layers.provides("web")


@pytest.fixture
def demo_users(_layer_web, db):
    """The demo network, the sample dictionary and the demo users, built once for consecutive
    tests (a shared layer, tests/layers.py)."""
    from tenants.models import ServiceCentre

    if not layers.layers.provides("web"):
        build_web()
    return {c.division_code: c for c in ServiceCentre.objects.all()}


def counters_committed() -> None:
    """What a commit does to the worklist's state counters (their trigger is deferred to the
    commit, and a test's changes are never committed): fire the pending trigger events now."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SET CONSTRAINTS network_state_count IMMEDIATE")
        cur.execute("SET CONSTRAINTS network_state_count DEFERRED")


def drain() -> int:
    """Carry every pending message to its centre (the in-process transport)."""
    from messaging import relay
    from messaging.transport import LocalTransport

    return relay.drain(LocalTransport())


def login(client: Client, username: str, next_url: str = "") -> Client:
    response = client.post(
        "/login/", {"username": username, "password": DEMO_PASSWORD, "next": next_url}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return client


@pytest.fixture
def agent_client(demo_users) -> Client:
    return login(Client(), AGENT)


@pytest.fixture
def township_client(demo_users) -> Client:
    return login(Client(), TOWNSHIP_STAFF)


@pytest.fixture
def county_client(demo_users) -> Client:
    return login(Client(), COUNTY_STAFF)
