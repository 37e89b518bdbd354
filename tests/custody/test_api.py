"""Custody through GraphQL, with the documented operations of graphql/operations/custody.graphql:
authorize, hand up with the case, sign for what arrived (a discrepancy), result, back down,
return to the applicant, deliver; the coded errors as payload values."""

from __future__ import annotations

import pytest

from core.roles import Actor, Role
from delegation import services as s
from tests.api.conftest import Api
from tests.api.test_flow import login
from tests.web.conftest import COUNTY, ITEM, ITEM_MATERIALS, TOWNSHIP, VILLAGE, drain

#: The documented custody operations (tests/api/test_flow.py checks every documented operation
#: is run by some scenario).
CUSTODY_FLOW = {
    ("custody", "AuthorizeProxy"),
    ("custody", "CaseCustody"),
    ("custody", "CustodyPendingReceipts"),
    ("custody", "ConfirmPapersReceipt"),
    ("custody", "HandOverPapers"),
    ("custody", "RecordResultPaper"),
    ("custody", "ReturnPapersToApplicant"),
    ("custody", "CustodyDiscrepancies"),
    ("custody", "VillageAgentWorkload"),
    ("custody", "SettleLostOriginals"),
}

APPLICATION = {"name": "最低生活保障申请书", "form": "ORIGINAL"}
ID_COPY = {"name": "申请人及家庭成员居民身份证", "form": "COPY"}
BOOKLET = {"name": "户口簿", "form": "COPY"}
CONSENT = {"name": "家庭经济状况核对授权书", "form": "ORIGINAL"}
LICENCE = {"name": "最低生活保障证", "form": "RESULT"}


@pytest.fixture
def api(client):
    return Api(client)


def codes(response, field: str) -> list[str]:
    return [error["code"] for error in response.payload(field)["errors"]]


def pending_id(api, token, centre) -> str:
    rows = api.op("custody", "CustodyPendingReceipts", token=token, centre=centre).data[
        "custodyPendingReceipts"
    ]
    assert len(rows) == 1, rows
    return rows[0]["id"]


def logged_at_village() -> str:
    """A request logged by the village agent (all materials in); its tracking number."""
    from delegation.services import Applicant

    return s.log_request(
        VILLAGE,
        Actor("王代办", Role.AGENT, VILLAGE),
        applicant=Applicant("person", "刘桂兰", "420581199001010011", "13907171234"),
        item_code=ITEM,
        materials_received=ITEM_MATERIALS,
    ).tracking_no


def test_papers_round_trip_through_graphql(api, demo_users):
    agent = login(api, "agent", "AgentLogin", "agent.420506101201", centre=VILLAGE)
    town = login(api, "staff", "StaffLogin", "staff.420506101000", centre=TOWNSHIP)
    county = login(api, "staff", "StaffLogin", "staff.420506", centre=COUNTY)
    no = logged_at_village()
    papers = [APPLICATION, ID_COPY, BOOKLET, CONSENT]
    done = api.op(
        "custody",
        "AuthorizeProxy",
        {"trackingNo": no, "papers": papers},
        token=agent,
        centre=VILLAGE,
    ).ok("authorizeProxy")
    assert done["custody"]["authorization"]["agentName"] == "王代办"
    again = api.op(
        "custody",
        "AuthorizeProxy",
        {"trackingNo": no, "papers": papers},
        token=agent,
        centre=VILLAGE,
    )
    assert codes(again, "authorizeProxy") == ["authorization_exists"]
    api.op("agent", "ForwardCase", {"trackingNo": no}, token=agent, centre=VILLAGE).ok(
        "forwardCase"
    )
    drain()

    handover = pending_id(api, town, TOWNSHIP)
    bad = api.op(
        "custody",
        "ConfirmPapersReceipt",
        {"trackingNo": no, "handoverId": handover, "arrived": [LICENCE]},
        token=town,
        centre=TOWNSHIP,
    )
    assert codes(bad, "confirmPapersReceipt") == ["paper_not_listed"]
    signed = api.op(
        "custody",
        "ConfirmPapersReceipt",
        {"trackingNo": no, "handoverId": handover, "arrived": [APPLICATION, BOOKLET, CONSENT]},
        token=town,
        centre=TOWNSHIP,
    ).ok("confirmPapersReceipt")
    incoming = next(h for h in signed["custody"]["handovers"] if h["incoming"])
    assert incoming["discrepancy"] and incoming["receivedBy"] == "李窗口"
    flagged = api.op("custody", "CustodyDiscrepancies", token=town, centre=TOWNSHIP).data
    assert [row["trackingNo"] for row in flagged["custodyDiscrepancies"]] == [no]
    workload = api.op("custody", "VillageAgentWorkload", token=town, centre=TOWNSHIP).data
    village = next(
        row for row in workload["villageAgentWorkload"] if row["centre"]["divisionCode"] == VILLAGE
    )
    assert village["agents"] == ["王代办"] and village["papersHeld"] == 0
    assert api.op("custody", "VillageAgentWorkload", token=agent, centre=VILLAGE).errors

    town_actor = Actor("李窗口", Role.STAFF, TOWNSHIP)
    county_actor = Actor("张审批", Role.STAFF, COUNTY)
    s.accept_case(TOWNSHIP, town_actor, no)
    s.escalate_case(TOWNSHIP, town_actor, no)
    drain()
    api.op(
        "custody",
        "ConfirmPapersReceipt",
        {
            "trackingNo": no,
            "handoverId": pending_id(api, county, COUNTY),
            "arrived": [APPLICATION, BOOKLET, CONSENT],
        },
        token=county,
        centre=COUNTY,
    ).ok("confirmPapersReceipt")
    s.accept_case(COUNTY, county_actor, no)
    s.start_review(COUNTY, county_actor, no)
    s.approve_case(COUNTY, county_actor, no)
    api.op(
        "custody", "RecordResultPaper", {"trackingNo": no, "name": LICENCE["name"]},
        token=county, centre=COUNTY,
    ).ok("recordResultPaper")  # fmt: skip
    api.op("custody", "HandOverPapers", {"trackingNo": no}, token=county, centre=COUNTY).ok(
        "handOverPapers"
    )
    drain()
    # The copy of the ID card never reached the township: a copy, not an original, so the
    # case can still close once the rest is back with the applicant.
    everything = [APPLICATION, BOOKLET, CONSENT, LICENCE]
    api.op(
        "custody",
        "ConfirmPapersReceipt",
        {"trackingNo": no, "handoverId": pending_id(api, town, TOWNSHIP), "arrived": everything},
        token=town,
        centre=TOWNSHIP,
    ).ok("confirmPapersReceipt")
    api.op("custody", "HandOverPapers", {"trackingNo": no}, token=town, centre=TOWNSHIP).ok(
        "handOverPapers"
    )
    drain()
    api.op(
        "custody",
        "ConfirmPapersReceipt",
        {"trackingNo": no, "handoverId": pending_id(api, agent, VILLAGE), "arrived": everything},
        token=agent,
        centre=VILLAGE,
    ).ok("confirmPapersReceipt")
    refused = api.op("agent", "AgentDeliver", {"trackingNo": no}, token=agent, centre=VILLAGE)
    assert codes(refused, "deliverCase") == ["papers_held"]
    returned = api.op(
        "custody",
        "ReturnPapersToApplicant",
        {"trackingNo": no, "receivedBy": "刘桂兰"},
        token=agent,
        centre=VILLAGE,
    ).ok("returnPapersToApplicant")
    assert returned["custody"]["held"] == []
    api.op("agent", "AgentDeliver", {"trackingNo": no}, token=agent, centre=VILLAGE).ok(
        "deliverCase"
    )
    seen = api.op("custody", "CaseCustody", {"trackingNo": no}, token=agent, centre=VILLAGE).data
    routes = [h["route"] for h in seen["caseCustody"]["handovers"]]
    assert routes == ["FROM_APPLICANT", "UP", "DOWN", "TO_APPLICANT"]
    assert api.operations_run >= CUSTODY_FLOW - {("custody", "SettleLostOriginals")}


def test_a_lost_original_is_explained_and_signed_for(api, demo_users):
    from delegation.services import Applicant

    agent_actor = Actor("王代办", Role.AGENT, VILLAGE)
    town_actor = Actor("李窗口", Role.STAFF, TOWNSHIP)
    agent = login(api, "agent", "AgentLogin", "agent.420506101201", centre=VILLAGE)
    no = s.log_request(
        VILLAGE,
        agent_actor,
        applicant=Applicant("person", "刘桂兰", "420581199001010011", "13907171234"),
        item_code=ITEM,
        materials_received=ITEM_MATERIALS,
    ).tracking_no
    from custody import services as custody

    custody.authorize_proxy(VILLAGE, agent_actor, no, papers=[(APPLICATION["name"], "original")])
    s.forward_case(VILLAGE, agent_actor, no)
    drain()
    from custody.models import Handover
    from tests.custody.helpers import at

    with at(TOWNSHIP):
        handover = Handover.objects.get(case__tracking_no=no, incoming=True)
    custody.confirm_receipt(TOWNSHIP, town_actor, no, handover.pk, arrived=[])
    s.withdraw_case(VILLAGE, agent_actor, no, reason="申请人撤回")
    drain()
    seen = api.op("custody", "CaseCustody", {"trackingNo": no}, token=agent, centre=VILLAGE).data
    assert seen["caseCustody"]["originalsAway"] == [{"name": APPLICATION["name"], "count": 1}]
    settled = api.op(
        "custody",
        "SettleLostOriginals",
        {"trackingNo": no, "papers": [APPLICATION], "receivedBy": "刘桂兰", "note": "途中遗失"},
        token=agent,
        centre=VILLAGE,
    ).ok("settleLostOriginals")
    assert settled["custody"]["originalsAway"] == []
    assert settled["custody"]["handovers"][-1]["route"] == "LOST"


def test_forwarding_through_the_api_sends_only_the_papers_named(api, demo_users):
    """``forwardCase(papers:)`` sends what is named, as the web form's ticks do; the rest stays
    held at the village (without the argument all go: the round trip above)."""
    agent = login(api, "agent", "AgentLogin", "agent.420506101201", centre=VILLAGE)
    town = login(api, "staff", "StaffLogin", "staff.420506101000", centre=TOWNSHIP)
    no = logged_at_village()
    api.op(
        "custody",
        "AuthorizeProxy",
        {"trackingNo": no, "papers": [APPLICATION, ID_COPY, BOOKLET, CONSENT]},
        token=agent,
        centre=VILLAGE,
    ).ok("authorizeProxy")
    api.op(
        "agent",
        "ForwardCase",
        {"trackingNo": no, "papers": [APPLICATION, CONSENT]},
        token=agent,
        centre=VILLAGE,
    ).ok("forwardCase")
    drain()
    rows = api.op("custody", "CustodyPendingReceipts", token=town, centre=TOWNSHIP).data[
        "custodyPendingReceipts"
    ]
    assert [(line["name"], line["form"]) for line in rows[0]["lines"]] == [
        (APPLICATION["name"], "ORIGINAL"),
        (CONSENT["name"], "ORIGINAL"),
    ]
    held = api.op("custody", "CaseCustody", {"trackingNo": no}, token=agent, centre=VILLAGE).data[
        "caseCustody"
    ]["held"]
    assert sorted(p["name"] for p in held) == sorted([ID_COPY["name"], BOOKLET["name"]])
