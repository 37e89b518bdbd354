"""Shared by the head's, the assessor's and the dictionary admin's page tests: a few cases on
the demo network, a second city with its own assessor, counting a page's SQL queries."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.demo import DEMO_PASSWORD
from core.roles import Actor, Role
from delegation import services as s
from delegation.services import Applicant

CITY, COUNTY, TOWNSHIP = "420500", "420506", "420506101000"
VILLAGE, OTHER_VILLAGE, OTHER_COUNTY = "420506101201", "420506101202", "420581"
HEAD, CITY_STAFF = "head.420500", "staff.420500"
ASSESSOR, DICTIONARY_ADMIN = "assessor.420500", "dictadmin.420500"
PERSON = Applicant(
    kind="person", name="刘桂兰", id_number="420581199001010011", phone="13907171234"
)
#: SX-0020 最低生活保障审核确认 of the sample dictionary (decided at county tier).
ITEM = "SX-0020"
ALL_MATERIALS = [
    "最低生活保障申请书",
    "申请人及家庭成员居民身份证",
    "户口簿",
    "家庭经济状况核对授权书",
]


def log_cases(village: str, count: int, *, forward: bool = False) -> list[str]:
    """``count`` requests logged by the village's agent (item ``ITEM``)."""
    agent = Actor(name="王代办", role=Role.AGENT, centre=village)
    numbers = []
    for _ in range(count):
        case = s.log_request(
            village, agent, applicant=PERSON, item_code=ITEM, materials_received=ALL_MATERIALS
        )
        if forward:
            s.forward_case(village, agent, case.tracking_no)
        numbers.append(case.tracking_no)
    if forward:
        from messaging import relay
        from messaging.transport import LocalTransport

        relay.drain(LocalTransport())  # the township receives them
    return numbers


def other_city_user(role: str, username: str) -> str:
    """A user with ``role`` at another city (襄阳市 420600), created with its county; returns
    the username (password: the demo password)."""
    from accounts import services as accounts
    from tenants.models import ServiceCentre
    from tenants.services import create_centre

    city = ServiceCentre.objects.filter(division_code="420600").first()
    if city is None:
        city = create_centre(tier="city", division_code="420600", name="襄阳市")
    user = accounts.create_user(username, password=DEMO_PASSWORD, validate=False)
    accounts.grant_membership(user, city, role)
    return username


def count_queries(client, url: str) -> int:
    """The SQL statements a GET of ``url`` runs, without django-tenants' search_path settings."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content.decode()[:3000]
    return len([q for q in captured.captured_queries if not q["sql"].startswith("SET search_path")])
