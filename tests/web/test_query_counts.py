"""Every page runs a constant number of SQL queries, whatever the number of cases."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.roles import Role
from delegation import services
from delegation.services import Applicant
from tests.web.conftest import ID_NUMBER, ITEM, ITEM_MATERIALS, TOWNSHIP, VILLAGE, drain

AGENT = services.Actor(name="王代办", role=Role.AGENT, centre=VILLAGE)


def add_cases(count: int, *, forward: bool) -> str:
    number = ""
    for i in range(count):
        case = services.log_request(
            VILLAGE,
            AGENT,
            applicant=Applicant(kind="person", name=f"申请人{i}", id_number=ID_NUMBER),
            item_code=ITEM,
            materials_received=ITEM_MATERIALS,
        )
        if forward:
            services.forward_case(VILLAGE, AGENT, case.tracking_no)
        number = case.tracking_no
    if forward:
        drain()
    return number


@pytest.fixture(autouse=True)
def _calendar_kept(settings):
    """The working-day calendar re-reads its overrides now and then (one query); not during
    these tests, so that what is counted is the page's own queries."""
    settings.WORKDAYS_REFRESH_SECONDS = 3600


def queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, response.content.decode()[:2000]
    return len(captured)


def test_register_and_case_page(agent_client):
    add_cases(5, forward=False)
    number = add_cases(1, forward=False)
    few = queries(agent_client, f"/c/{VILLAGE}/register/")
    few_case = queries(agent_client, f"/c/{VILLAGE}/cases/{number}/")
    add_cases(45, forward=False)
    many = queries(agent_client, f"/c/{VILLAGE}/register/")
    many_case = queries(agent_client, f"/c/{VILLAGE}/cases/{number}/")
    filtered = queries(agent_client, f"/c/{VILLAGE}/register/?needs=forward&state=submitted")
    assert few == many == filtered, (few, many, filtered)
    assert few_case == many_case
    # One of them reads the page's supervision warnings (电子监察), one on the case page the
    # 督办 received on the case (web/views/supervision.py), one the 材料交接 section's
    # hand-overs (none here).
    assert many <= 8 and many_case <= 15, (many, many_case)


def test_worklist_and_case_page(township_client):
    add_cases(5, forward=True)
    number = add_cases(1, forward=True)
    few = queries(township_client, f"/c/{TOWNSHIP}/worklist/")
    few_case = queries(township_client, f"/c/{TOWNSHIP}/cases/{number}/")
    add_cases(44, forward=True)
    many = queries(township_client, f"/c/{TOWNSHIP}/worklist/")
    many_case = queries(township_client, f"/c/{TOWNSHIP}/cases/{number}/")
    tab = queries(township_client, f"/c/{TOWNSHIP}/worklist/?tab=all&order=due")
    assert few == many == tab, (few, many, tab)
    assert few_case == many_case
    # One of them reads the page's supervision warnings (电子监察), one on each page the 督办
    # received (the worklist's open orders, the case's orders: web/views/supervision.py), one
    # the case page's 材料交接 section's hand-overs (none here).
    assert many <= 10 and many_case <= 15, (many, many_case)
    # The next page costs the same as the first.
    page = township_client.get(f"/c/{TOWNSHIP}/worklist/?tab=all").content.decode()
    assert "after=" in page
