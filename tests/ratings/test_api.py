# ruff: noqa: F811  (the API tests' fixtures are imported below and taken as arguments)
"""The API: the public ``rateCase`` (link or tracking), the desk's entry, and the centre's
rectification queries and mutations, through the documented operations."""

from __future__ import annotations

from ratings import links
from ratings.models import Rating, Rectification
from tests.api.conftest import (  # noqa: F401 (fixtures)
    COUNTY,
    TOWNSHIP,
    VILLAGE,
    _layer_api,
    _layer_api_full,
    api,
    api_network,
    items,
    network,
    people,
    person_input,
)
from tests.api.conftest import drain as api_drain

#: The documented operations these tests run (tests/api/test_flow.py checks every one is run).
RATINGS_FLOW = {
    ("public", "RateService"),
    ("staff", "Rectifications"),
    ("staff", "RecordCallback"),
    ("staff", "CloseRectification"),
}


def decided_chain(api, people) -> tuple[str, str]:
    agent, town, county = (people[k].token for k in ("agent", "town_staff", "county_staff"))
    logged = api.op(
        "agent", "LogRequest", {"input": person_input(item="C-1")}, centre=VILLAGE, token=agent
    ).ok("logRequest")
    no = logged["case"]["trackingNo"]
    api.op("agent", "ForwardCase", {"trackingNo": no}, centre=VILLAGE, token=agent).ok(
        "forwardCase"
    )
    api_drain()
    from delegation import services as s
    from tests.ratings.conftest import actor

    staff = actor(TOWNSHIP, "staff", "李窗口")
    s.accept_case(TOWNSHIP, staff, no)
    s.escalate_case(TOWNSHIP, staff, no)
    api_drain()
    county_staff = actor(COUNTY, "staff", "张审批")
    for step in (s.accept_case, s.start_review, s.approve_case):
        step(COUNTY, county_staff, no)
    api_drain()
    del town, county
    return no, logged["queryCode"]


def test_the_public_rates_by_link_and_by_tracking(api, network, people):
    no, code = decided_chain(api, people)
    by_link = api.op(
        "public",
        "RateService",
        {"rating": "VERY_DISSATISFIED", "comment": "等太久", "token": links.make_token(no, COUNTY)},
    ).ok("rateCase")
    assert by_link["rating"] == {
        "centreCode": COUNTY,
        "level": 1,
        "levelLabel": "非常不满意",
        "source": "APPLICANT_LINK",
        "deciding": True,
    }
    assert by_link["rectificationOpened"] is True
    by_tracking = api.op(
        "public",
        "RateService",
        {"rating": "SATISFIED", "trackingNo": no, "queryCode": code, "centreCode": TOWNSHIP},
    ).ok("rateCase")
    assert (by_tracking["rating"]["source"], by_tracking["rectificationOpened"]) == (
        "APPLICANT_TRACKING",
        False,
    )
    errors = [
        ({"rating": "SATISFIED", "token": "nonsense"}, "rating_link_invalid"),
        ({"rating": "SATISFIED"}, "rating_proof_required"),
        ({"rating": "SATISFIED", "token": links.make_token(no, COUNTY)}, "already_rated"),
        (
            {"rating": "SATISFIED", "token": links.make_token(no, VILLAGE), "comment": "x" * 501},
            "comment_too_long",
        ),
        (
            {"rating": "SATISFIED", "trackingNo": no, "queryCode": "BAD", "centreCode": VILLAGE},
            "case_not_found",
        ),
    ]
    for variables, code_ in errors:
        payload = api.op("public", "RateService", variables).payload("rateCase")
        assert [e["code"] for e in payload["errors"]] == [code_], variables
        assert payload["errors"][0]["messageEn"] != payload["errors"][0]["message"]
    assert Rating.objects.count() == 2


def test_the_desk_records_a_comment_for_another_hop(api, network, people):
    no, _code = decided_chain(api, people)
    rated = api.op(
        "agent",
        "AgentRecordRating",
        {"trackingNo": no, "rating": 2, "comment": "电话反映", "hop": TOWNSHIP},
        centre=VILLAGE,
        token=people["agent"].token,
    ).ok("rateCase")
    assert rated["case"]["rating"] is None  # the deciding centre (county) is not rated yet
    rating = Rating.objects.get()
    assert (rating.centre_code, rating.source, rating.recorded_by, rating.comment) == (
        TOWNSHIP,
        "desk",
        "王代办",
        "电话反映",
    )
    assert Rectification.objects.get().centre_code == TOWNSHIP


def test_the_centre_works_its_rectifications_through_the_api(api, network, people):
    no, _code = decided_chain(api, people)
    api.op(
        "public", "RateService", {"rating": "DISSATISFIED", "token": links.make_token(no, COUNTY)}
    ).ok("rateCase")
    staff, head = people["county_staff"].token, people["county_head"].token
    listed = api.op("staff", "Rectifications", {}, centre=COUNTY, token=staff).payload(
        "rectifications"
    )
    assert [(r["trackingNo"], r["state"], r["rating"]["level"]) for r in listed] == [
        (no, "OPEN", 2)
    ]
    rid = listed[0]["id"]
    refused = api.op(
        "staff", "CloseRectification", {"id": rid, "note": "已整改"}, centre=COUNTY, token=head
    ).payload("closeRectification")
    assert [e["code"] for e in refused["errors"]] == ["callback_required"]
    called = api.op(
        "staff", "RecordCallback", {"id": rid, "result": "已致歉"}, centre=COUNTY, token=staff
    ).ok("recordCallback")
    assert [c["calledBy"] for c in called["rectification"]["callbacks"]] == ["张审批"]
    closed = api.op(
        "staff", "CloseRectification", {"id": rid, "note": "已培训"}, centre=COUNTY, token=head
    ).ok("closeRectification")
    assert (closed["rectification"]["state"], closed["rectification"]["closedBy"]) == (
        "CLOSED",
        "冯主任",
    )
    # Another centre sees none of it and cannot act on it.
    other = people["town_staff"].token
    assert (
        api.op("staff", "Rectifications", {}, centre=TOWNSHIP, token=other).payload(
            "rectifications"
        )
        == []
    )
    payload = api.op(
        "staff", "RecordCallback", {"id": rid, "result": "x"}, centre=TOWNSHIP, token=other
    ).payload("recordCallback")
    assert [e["code"] for e in payload["errors"]] == ["rectification_not_found"]
