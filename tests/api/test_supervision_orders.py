"""督办 over the API: a supervisor issues an order on the network endpoint, the township answers
it on its own endpoint, the issuer reads the outcome and the red cards; refusals are payload
errors with codes, and nothing is written."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from core.roles import Role
from messaging.models import OutboxMessage
from network.models import CaseRecord
from supervision import orders
from supervision import services as sup
from supervision.models import SupervisionOrder
from tests.api.conftest import COUNTY, OTHER_COUNTY, TOWNSHIP, drain
from tests.api.test_worklist import window_case

#: The documented operations the scenarios below run (tests/api/test_flow.py checks that every
#: documented operation is run by some scenario).
SUPERVISION_FLOW = {
    ("supervisor", "SupervisorLogin"),
    ("supervisor", "IssueSupervisionOrder"),
    ("supervisor", "SupervisionOrders"),
    ("supervisor", "RedCards"),
    ("staff", "ReceivedSupervisionOrders"),
    ("staff", "AnswerSupervisionOrder"),
}

pytestmark = pytest.mark.usefixtures("calendar_kept")


def supervisor(network, code: str, name: str = "郑督办", api=None) -> str:
    """A supervisor at ``code``; their token (through the documented login when ``api``)."""
    from accounts import services
    from accounts.demo import DEMO_PASSWORD

    username = f"supervisor.{code}"
    user = services.create_user(username, password=DEMO_PASSWORD, display_name=name, validate=False)
    services.grant_membership(user, network[code], Role.SUPERVISOR)
    if api is None:
        return services.issue_token(user, centre=None).token
    login = api.op(
        "supervisor", "SupervisorLogin", {"username": username, "password": DEMO_PASSWORD}
    )
    return login.ok("login")["token"]


def red_case(network) -> str:
    no = window_case(network, accept=False).tracking_no
    CaseRecord.objects.filter(tracking_no=no).update(
        intake_on=dt.date(2026, 9, 29),
        submitted_at=timezone.make_aware(dt.datetime(2026, 9, 29, 9)),
    )
    sup.evaluate(today=dt.date(2026, 10, 20))
    return no


def issue(api, token, no, **variables):
    variables = {"centreCode": TOWNSHIP, "trackingNo": no, "note": "请即受理", **variables}
    return api.op("supervisor", "IssueSupervisionOrder", variables, token=token)


def test_issue_answer_and_read_back(api, network, people):
    token = supervisor(network, COUNTY, api=api)
    no = red_case(network)
    order = issue(api, token, no).ok("issueSupervisionOrder")["order"]
    assert (order["trackingNo"], order["step"], order["outcome"], order["redCard"]) == (
        no,
        "INTAKE",
        None,
        False,
    )
    assert order["centre"]["divisionCode"] == TOWNSHIP and order["issuedBy"] == "郑督办"
    drain()

    staff = people["town_staff"].token
    received = api.op(
        "staff", "ReceivedSupervisionOrders", {"openOnly": True}, centre=TOWNSHIP, token=staff
    ).payload("supervisionOrders")
    assert [(o["id"], o["trackingNo"], o["overdue"]) for o in received] == [
        (order["id"], no, False)
    ]
    answer = api.op(
        "staff",
        "AnswerSupervisionOrder",
        {"id": order["id"], "note": "申请人补交原件后即受理"},
        centre=TOWNSHIP,
        token=staff,
    ).ok("answerSupervisionOrder")["order"]
    assert answer["outcome"] == "EXPLAINED"
    drain()

    listed = api.op("supervisor", "SupervisionOrders", {"countyCode": COUNTY}, token=token)
    (edge,) = listed.payload("supervisionOrders")["edges"]
    assert (edge["node"]["outcome"], edge["node"]["outcomeNote"], edge["node"]["answeredBy"]) == (
        "EXPLAINED",
        "申请人补交原件后即受理",
        "李窗口",
    )
    # The city's assessor reads the same list.
    listed = api.op("supervisor", "SupervisionOrders", {}, token=people["assessor"].token)
    assert listed.payload("supervisionOrders")["totalCount"] == 1
    cards = api.op("supervisor", "RedCards", {}, token=token)
    assert cards.payload("redCards")["totalCount"] == 0  # answered in time
    assert api.operations_run >= SUPERVISION_FLOW


def test_red_cards_are_listed_for_the_city(api, network, people):
    token = supervisor(network, COUNTY)
    no = red_case(network)
    order = issue(api, token, no).ok("issueSupervisionOrder")["order"]
    orders.issue_red_cards(today=dt.date.fromisoformat(order["deadline"]) + dt.timedelta(days=1))
    cards = api.op("supervisor", "RedCards", {"countyCode": COUNTY}, token=people["assessor"].token)
    (edge,) = cards.payload("redCards")["edges"]
    assert (edge["node"]["trackingNo"], edge["node"]["centre"]["divisionCode"]) == (no, TOWNSHIP)
    assert edge["node"]["order"]["note"] == "请即受理"
    other = api.op("supervisor", "RedCards", {}, token=supervisor(network, OTHER_COUNTY, "冯督办"))
    assert other.payload("redCards")["totalCount"] == 0


@pytest.mark.parametrize(
    ("who", "variables", "code"),
    [
        ("assessor", {}, "not_supervisor"),
        ("other_county", {}, "out_of_jurisdiction"),
        ("county", {"deadline": "2020-01-06"}, "supervision_deadline_past"),
        ("county", {"note": ""}, "supervision_note_required"),
        ("county", {"trackingNo": "NO-SUCH"}, "case_not_found"),
        ("county", {"second": True}, "supervision_order_open"),
    ],
)
def test_refusals_are_coded_and_write_nothing(api, network, people, who, variables, code):
    tokens = {
        "assessor": lambda: people["assessor"].token,
        "other_county": lambda: supervisor(network, OTHER_COUNTY, "冯督办"),
        "county": lambda: supervisor(network, COUNTY),
    }
    token = tokens[who]()
    no = red_case(network)
    if variables.pop("second", False):
        issue(api, token, no).ok("issueSupervisionOrder")
    before = (SupervisionOrder.objects.count(), OutboxMessage.objects.count())
    payload = issue(api, token, no, **variables).payload("issueSupervisionOrder")
    assert payload["order"] is None
    (error,) = payload["errors"]
    assert error["code"] == code and error["message"] and error["messageEn"]
    assert (SupervisionOrder.objects.count(), OutboxMessage.objects.count()) == before


def test_another_centre_cannot_answer(api, network, people):
    token = supervisor(network, COUNTY)
    order = issue(api, token, red_case(network)).ok("issueSupervisionOrder")["order"]
    drain()
    payload = api.op(
        "staff",
        "AnswerSupervisionOrder",
        {"id": order["id"], "note": "代答"},
        centre=COUNTY,
        token=people["county_staff"].token,
    ).payload("answerSupervisionOrder")
    assert [e["code"] for e in payload["errors"]] == ["supervision_order_not_found"]
    received = api.op(
        "staff", "ReceivedSupervisionOrders", {}, centre=COUNTY, token=people["county_staff"].token
    ).payload("supervisionOrders")
    assert received == []


def test_the_lists_cost_the_same_queries_for_2_or_6_orders(api, network, people):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    token = supervisor(network, COUNTY)

    def count(operation: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            api.op("supervisor", operation, {}, token=token).payload(
                "supervisionOrders" if operation == "SupervisionOrders" else "redCards"
            )
        return len(queries)

    def add(n: int) -> None:
        for _ in range(n):
            order = issue(api, token, red_case(network)).ok("issueSupervisionOrder")["order"]
        orders.issue_red_cards(
            today=dt.date.fromisoformat(order["deadline"]) + dt.timedelta(days=1)
        )

    add(2)
    few = count("SupervisionOrders"), count("RedCards")
    add(4)
    many = count("SupervisionOrders"), count("RedCards")
    assert few == many, (few, many)
