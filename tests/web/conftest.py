"""Fixtures of the web app's tests: the demo network with its demo users, logged-in clients."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.demo import DEMO_PASSWORD, seed_demo_users

AGENT = "agent.420506101201"
TOWNSHIP_STAFF = "staff.420506101000"
COUNTY_STAFF = "staff.420506"
VILLAGE = "420506101201"
OTHER_VILLAGE = "420506101202"
TOWNSHIP = "420506101000"
COUNTY = "420506"


@pytest.fixture
def demo_users(demo_network):
    seed_demo_users()
    return demo_network


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
