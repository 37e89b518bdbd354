"""The centre head's pages: workload of the centre and its subtree, staff, 六有 — and nobody
else's."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from tests.web.conftest import login
from tests.web.office_support import (
    CITY,
    CITY_STAFF,
    COUNTY,
    HEAD,
    OTHER_COUNTY,
    OTHER_VILLAGE,
    TOWNSHIP,
    VILLAGE,
    count_queries,
    log_cases,
    other_city_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def network(demo_users):
    return demo_users


@pytest.fixture
def head(network) -> Client:
    return login(Client(), HEAD)


def test_the_head_sees_the_subtree_workload_per_child_centre(network, head):
    log_cases(VILLAGE, 2)
    log_cases(OTHER_VILLAGE, 1, forward=True)  # one at the village (escalated), one at the township

    response = head.get(f"/c/{CITY}/head/")
    assert response.status_code == 200
    page = response.content.decode()
    rows = response.context["per_child"]
    assert [r["centre"].division_code for r in rows] == ["420506", "420581"]
    county = rows[0]
    # The county's subtree holds 2 + 1 village cases and the forwarded one at the township.
    assert dict(zip(["total", "open"], county["values"][:2], strict=True)) == {
        "total": 4,
        "open": 4,
    }
    assert rows[1]["values"][0] == 0
    assert response.context["subtree"]["total"] == 4
    assert response.context["own"].total == 0
    assert "黄冈" not in page and "办件总数" in page


def test_drilling_down_to_a_township_lists_its_villages(network, head):
    log_cases(VILLAGE, 1)
    response = head.get(f"/c/{CITY}/head/?under={TOWNSHIP}")
    assert response.status_code == 200
    codes = [r["centre"].division_code for r in response.context["per_child"]]
    assert VILLAGE in codes and all(c.startswith(TOWNSHIP[:9]) for c in codes)
    by_code = {r["centre"].division_code: r["values"][0] for r in response.context["per_child"]}
    assert by_code[VILLAGE] == 1
    assert [c.division_code for c in response.context["trail"]] == [CITY, COUNTY, TOWNSHIP]


def test_the_open_cases_at_the_centre_by_state(network):
    from accounts import services as accounts
    from tenants.models import ServiceCentre

    user = accounts.create_user("head.village", password="zw-demo-2026", validate=False)
    accounts.grant_membership(user, ServiceCentre.objects.get(division_code=VILLAGE), "head")
    log_cases(VILLAGE, 2)
    log_cases(VILLAGE, 1, forward=True)
    client = login(Client(), "head.village")
    response = client.get(f"/c/{VILLAGE}/head/")
    assert response.status_code == 200
    states = dict(response.context["open_by_state"])
    assert states["已登记"] == 2 and states["已上报"] == 1


def test_staff_and_their_memberships(network, head):
    response = head.get(f"/c/{CITY}/head/staff/")
    assert response.status_code == 200
    page = response.content.decode()
    names = {m.user.username for m in response.context["active"]}
    assert {HEAD, CITY_STAFF, "assessor.420500", "dictadmin.420500"} <= names
    assert "钱主任" in page and "考核人员" in page


def test_six_essentials_and_their_history(network, head):
    from tenants.models import ServiceCentre
    from tenants.services import record_service_point_facts

    city = ServiceCentre.objects.get(division_code=CITY)
    today = timezone.localdate()
    record_service_point_facts(city, checked_on=today, recorded_by="孙考核", has_phone=False)
    response = head.get(f"/c/{CITY}/head/facts/")
    assert response.status_code == 200
    history = response.context["history"]
    assert history[0]["check"].checked_on == today
    assert not history[0]["check"].has_phone and history[1]["check"].has_phone
    assert history[0]["check"].recorded_by == "孙考核"
    assert len(history) == 2  # as provisioned, then the check
    assert [c["centre"].division_code for c in response.context["children"]] == [
        COUNTY,
        OTHER_COUNTY,
    ]
    assert "孙考核" in response.content.decode()


@pytest.mark.parametrize("path", ["", "staff/", "facts/"])
def test_staff_of_the_centre_get_nothing(network, path):
    client = login(Client(), CITY_STAFF)
    response = client.get(f"/c/{CITY}/head/{path}")
    assert response.status_code == 403
    assert b"per_child" not in response.content


@pytest.mark.parametrize("path", ["", "staff/", "facts/"])
def test_a_head_gets_nothing_at_another_centre(network, head, path):
    response = head.get(f"/c/{COUNTY}/head/{path}")
    assert response.status_code == 403


def test_a_head_of_another_city_gets_nothing(network):
    username = other_city_user("head", "head.420600")
    client = login(Client(), username)
    assert client.get(f"/c/{CITY}/head/").status_code == 403


def test_anonymous_is_sent_to_log_in(network):
    response = Client().get(f"/c/{CITY}/head/")
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize("path", ["", "staff/", "facts/"])
def test_each_page_runs_a_constant_number_of_queries(network, head, path):
    url = f"/c/{CITY}/head/{path}"
    head.get(url)  # warm the calendar's cache
    few = count_queries(head, url)
    log_cases(VILLAGE, 3)
    log_cases(OTHER_VILLAGE, 2, forward=True)
    from tenants.models import ServiceCentre
    from tenants.services import record_service_point_facts

    city = ServiceCentre.objects.get(division_code=CITY)
    for days_ago in (3, 2, 1):
        day = timezone.localdate() - dt.timedelta(days=days_ago)
        record_service_point_facts(city, checked_on=day, has_phone=bool(days_ago % 2))
    assert count_queries(head, url) == few
    assert few == {"": 6, "staff/": 5, "facts/": 5}[path]
