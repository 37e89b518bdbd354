"""The custody pages run a constant number of SQL queries, whatever the number of cases and
hand-overs."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.roles import Role
from custody import services as custody
from delegation import services
from delegation.services import Applicant
from tests.web.conftest import ID_NUMBER, ITEM, ITEM_MATERIALS, TOWNSHIP, VILLAGE, drain

AGENT = services.Actor(name="王代办", role=Role.AGENT, centre=VILLAGE)
PAPERS = [
    ("最低生活保障申请书", "original"),
    ("申请人及家庭成员居民身份证", "copy"),
    ("户口簿", "copy"),
    ("家庭经济状况核对授权书", "original"),
]


@pytest.fixture(autouse=True)
def _calendar_kept(settings):
    settings.WORKDAYS_REFRESH_SECONDS = 3600


def add_cases(count: int) -> str:
    number = ""
    for i in range(count):
        case = services.log_request(
            VILLAGE,
            AGENT,
            applicant=Applicant(kind="person", name=f"申请人{i}", id_number=ID_NUMBER),
            item_code=ITEM,
            materials_received=ITEM_MATERIALS,
        )
        custody.authorize_proxy(VILLAGE, AGENT, case.tracking_no, papers=PAPERS)
        services.forward_case(VILLAGE, AGENT, case.tracking_no, papers=PAPERS[:2])
        number = case.tracking_no
    drain()
    return number


def queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, response.content.decode()[:2000]
    return len(captured)


def test_custody_pages(agent_client, township_client):
    number = add_cases(2)
    pages = [
        (township_client, f"/c/{TOWNSHIP}/custody/agents/"),
        (township_client, f"/c/{TOWNSHIP}/custody/"),
        (township_client, f"/c/{TOWNSHIP}/cases/{number}/"),
        (agent_client, f"/c/{VILLAGE}/cases/{number}/"),
        (agent_client, f"/c/{VILLAGE}/cases/{number}/authorization/"),
    ]
    few = [queries(client, path) for client, path in pages]
    add_cases(10)
    many = [queries(client, path) for client, path in pages]
    assert few == many, (few, many)
    # The case pages: 14 of their own (tests/web/test_query_counts.py: with the 督办 received),
    # and the 材料交接 section's four (hand-overs, their lines, the authorization, what is held).
    assert all(n <= limit for n, limit in zip(many, [10, 8, 18, 18, 10], strict=True)), many
