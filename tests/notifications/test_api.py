"""Notifications through GraphQL alone, with the documented operations (graphql/operations/
staff.graphql): the list with its unread count, mark-read, the SMS list (phones masked) and the
applicant's SMS choices; refused for another centre's notifications."""

from __future__ import annotations

import pytest

from accounts.demo import seed_demo_users
from tests.api.conftest import TOWNSHIP, VILLAGE, api, drain, person_input  # noqa: F401
from tests.api.test_flow import add_items, login

#: The documented operations this scenario runs (tests/api/test_flow.py counts them in).
NOTIFICATION_FLOW = {
    ("staff", "StaffLogin"),
    ("staff", "StaffNotifications"),
    ("staff", "MarkNotificationsRead"),
    ("staff", "SmsMessages"),
    ("staff", "SetSmsPreference"),
    ("agent", "AgentLogin"),
    ("agent", "LogRequest"),
    ("agent", "ForwardCase"),
    ("staff", "AcceptCase"),
}


def codes(response, field: str) -> list[str]:
    return [e["code"].lower() for e in response.payload(field)["errors"]]


@pytest.fixture
def demo_users(demo_network):
    seed_demo_users()


def test_notifications_through_the_api(api, demo_users):  # noqa: F811
    add_items(api)
    agent = login(api, "agent", "AgentLogin", "agent.420506101201", centre=VILLAGE)
    numbers = []
    for _ in range(2):
        logged = api.op(
            "agent", "LogRequest", {"input": person_input(item="C-1")}, centre=VILLAGE, token=agent
        ).ok("logRequest")
        numbers.append(logged["case"]["trackingNo"])
        api.op("agent", "ForwardCase", {"trackingNo": numbers[-1]}, centre=VILLAGE, token=agent).ok(
            "forwardCase"
        )
    drain()
    town = login(api, "staff", "StaffLogin", "staff.420506101000", centre=TOWNSHIP)
    listed = api.op("staff", "StaffNotifications", {}, centre=TOWNSHIP, token=town)
    assert listed.data["unreadNotificationCount"] == 2
    nodes = [e["node"] for e in listed.data["staffNotifications"]["edges"]]
    assert [n["kind"] for n in nodes] == ["INCOMING", "INCOMING"]
    assert {n["trackingNo"] for n in nodes} == set(numbers)
    assert "新收办件" in nodes[0]["text"] and "由 龙泉镇龙泉村便民服务室 转报" in nodes[0]["text"]
    english = api.post(
        "{ staffNotifications(first: 1) { edges { node { text } } } }",
        centre=TOWNSHIP,
        token=town,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "New incoming case" in english.data["staffNotifications"]["edges"][0]["node"]["text"]
    marked = api.op(
        "staff", "MarkNotificationsRead", {"ids": [nodes[0]["id"]]}, centre=TOWNSHIP, token=town
    ).ok("markNotificationsRead")
    assert (marked["count"], marked["unread"]) == (1, 1)
    assert api.op("staff", "MarkNotificationsRead", {}, centre=TOWNSHIP, token=town).ok(
        "markNotificationsRead"
    ) == {"count": 1, "unread": 0, "errors": []}

    # The acceptance reaches the village, whose SMS list shows it with the phone masked.
    api.op("staff", "AcceptCase", {"trackingNo": numbers[0]}, centre=TOWNSHIP, token=town).ok(
        "acceptCase"
    )
    drain()
    sent = api.op("staff", "SmsMessages", {}, centre=VILLAGE, token=agent).data["smsMessages"]
    (message,) = [e["node"] for e in sent["edges"]]
    assert (message["kind"], message["status"], message["trackingNo"]) == (
        "ACCEPTED",
        "PENDING",
        numbers[0],
    )
    assert message["phone"] == "139****1234"
    chosen = api.op(
        "staff",
        "SetSmsPreference",
        {"trackingNo": numbers[0], "optOut": True, "language": "en"},
        centre=VILLAGE,
        token=agent,
    ).ok("setSmsPreference")
    assert chosen["preference"] == {
        "trackingNo": numbers[0],
        "optOut": True,
        "language": "en",
        "updatedBy": chosen["preference"]["updatedBy"],
    }
    refused = api.op(
        "staff",
        "SetSmsPreference",
        {"trackingNo": numbers[0], "optOut": True},
        centre=TOWNSHIP,
        token=town,
    )
    assert codes(refused, "setSmsPreference") == ["sms_preference_not_origin"]
    bad = api.op("staff", "MarkNotificationsRead", {"ids": ["x"]}, centre=TOWNSHIP, token=town)
    assert codes(bad, "markNotificationsRead") == ["invalid_notification_id"]
    assert api.operations_run >= NOTIFICATION_FLOW
