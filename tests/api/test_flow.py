"""The delegation chain village → township → county → village through GraphQL alone, with the
right user at each step, using the documented operations of graphql/operations/.

Only the relay (the messaging worker) runs outside GraphQL: ``drain()`` delivers the
cross-centre messages as the relay process would.
"""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from accounts.demo import DEMO_PASSWORD, seed_demo_users
from tests.api.conftest import (
    CITY,
    COUNTY,
    OPERATIONS,
    TOWNSHIP,
    VILLAGE,
    drain,
    person_input,
)
from workdays.calendar import add_working_days

ITEM_INPUT = {
    "category": "BENEFIT",
    "departmentCode": "MZJ",
    "legalBasis": "《社会救助暂行办法》",
    "handlingType": "PROMISED",
    "fee": "0",
    "proxyEligible": True,
    "onlineEligible": False,
    "materials": [
        {"name": "居民身份证", "form": "ORIGINAL"},
        {"name": "申请表", "form": "ORIGINAL"},
    ],
}
COUNTY_ITEM = {**ITEM_INPUT, "name": "最低生活保障审核确认", "legalLimitDays": 30,
               "promisedLimitDays": 10, "decisionTiers": ["COUNTY"]}  # fmt: skip
TOWNSHIP_ITEM = {**ITEM_INPUT, "name": "临时救助", "legalLimitDays": 20,
                 "promisedLimitDays": 5, "decisionTiers": ["TOWNSHIP", "COUNTY"]}  # fmt: skip

#: The operations each scenario below runs; together they must be every documented operation.
MAIN_FLOW = {
    ("dictionary_admin", "AdminLogin"),
    ("dictionary_admin", "AddDepartment"),
    ("dictionary_admin", "AddItem"),
    ("agent", "AgentLogin"),
    ("agent", "LogRequest"),
    ("agent", "ForwardCase"),
    ("agent", "Register"),
    ("agent", "AgentCase"),
    ("agent", "AgentReceiveSupplement"),
    ("agent", "AgentDeliver"),
    ("agent", "AgentRecordRating"),
    ("agent", "AgentLogout"),
    ("staff", "StaffLogin"),
    ("staff", "Worklist"),
    ("staff", "CaseDetail"),
    ("staff", "AcceptCase"),
    ("staff", "EscalateCase"),
    ("staff", "RequestSupplement"),
    ("staff", "StartReview"),
    ("staff", "ApproveCase"),
    ("public", "TrackCase"),
    ("assessor", "AssessorLogin"),
    ("assessor", "NetworkWorkload"),
    ("assessor", "RunAssessment"),
    ("assessor", "CompareAssessments"),
    ("assessor", "ExportAssessment"),
    ("head", "HeadLogin"),
    ("head", "SubtreeWorkload"),
}
OTHER_FLOWS = {
    ("dictionary_admin", "AdminLogin"),
    ("dictionary_admin", "AddDepartment"),
    ("dictionary_admin", "AddItem"),
    ("dictionary_admin", "AdjustItem"),
    ("dictionary_admin", "RetireItem"),
    ("dictionary_admin", "ReinstateItem"),
    ("public", "SearchItems"),
    ("public", "Item"),
    ("public", "CentreWithChildren"),
    ("assessor", "NetworkTree"),
    ("assessor", "AssessorLogin"),
    ("assessor", "RecordServicePointCheck"),
    ("agent", "AgentLogin"),
    ("agent", "LogRequest"),
    ("agent", "ForwardCase"),
    ("agent", "AgentWithdraw"),
    ("staff", "StaffLogin"),
    ("staff", "AcceptCase"),
    ("staff", "RefuseCase"),
    ("staff", "RequestSupplement"),
    ("staff", "ReceiveSupplement"),
    ("staff", "StartReview"),
    ("staff", "DenyCase"),
    ("staff", "DeliverCase"),
    ("staff", "Worklist"),
}

INTAKE_FLOW = {
    ("staff", "CaseDetail"),
    ("agent", "AgentLogin"),
    ("agent", "LogRequest"),
    ("agent", "AgentCompleteMaterials"),
    ("agent", "ForwardCase"),
    ("agent", "AgentReceiveSupplement"),
    ("staff", "StaffLogin"),
    ("staff", "RequestSupplement"),
    ("staff", "AcceptCase"),
}


def login(api, document, operation, username, centre=None) -> str:
    response = api.op(
        document, operation, {"username": username, "password": DEMO_PASSWORD}, centre=centre
    )
    return response.ok("login")["token"]


@pytest.fixture
def demo_users(demo_network):
    seed_demo_users()


def add_items(api):
    admin = login(api, "dictionary_admin", "AdminLogin", "dictadmin.420500")
    api.op("dictionary_admin", "AddDepartment", {"code": "MZJ", "name": "民政局"}, token=admin).ok(
        "addDepartment"
    )
    for code, item in (("C-1", COUNTY_ITEM), ("T-1", TOWNSHIP_ITEM)):
        added = api.op(
            "dictionary_admin", "AddItem", {"code": code, "input": item}, token=admin
        ).ok("addItem")
        assert added["item"]["version"] == 1
    return admin


def test_village_to_county_and_back_through_graphql_alone(api, demo_users):
    add_items(api)

    # The village agent registers the request and forwards it (全程代办).
    agent = login(api, "agent", "AgentLogin", "agent.420506101201", centre=VILLAGE)
    logged = api.op(
        "agent", "LogRequest", {"input": person_input(item="C-1")}, centre=VILLAGE, token=agent
    ).ok("logRequest")
    no, query_code = logged["case"]["trackingNo"], logged["queryCode"]
    assert re.fullmatch(rf"{VILLAGE}-\d{{8}}-\d{{5}}", no)
    assert re.fullmatch(r"[2-9A-HJKMNP-Z]{8}", query_code)  # for the receipt
    forwarded = api.op("agent", "ForwardCase", {"trackingNo": no}, centre=VILLAGE, token=agent)
    assert forwarded.ok("forwardCase")["case"]["state"] == "ESCALATED"
    drain()

    # The township accepts it and escalates: the item is decided at the county.
    town = login(api, "staff", "StaffLogin", "staff.420506101000", centre=TOWNSHIP)
    worklist = api.op("staff", "Worklist", {"state": "SUBMITTED"}, centre=TOWNSHIP, token=town)
    nodes = [edge["node"] for edge in worklist.payload("worklist")["edges"]]
    assert [(n["trackingNo"], n["channel"], n["originCentre"]["divisionCode"]) for n in nodes] == [
        (no, "DELEGATED", VILLAGE)
    ]
    assert nodes[0]["applicantIdNumber"] == "4205**********0011"  # masked in lists
    api.op("staff", "AcceptCase", {"trackingNo": no}, centre=TOWNSHIP, token=town).ok("acceptCase")
    escalated = api.op(
        "staff",
        "EscalateCase",
        {"trackingNo": no, "note": "县级审批事项"},
        centre=TOWNSHIP,
        token=town,
    ).ok("escalateCase")
    assert escalated["case"]["state"] == "ESCALATED"
    drain()

    # The county accepts and asks once for a missing material (一次性告知).
    county = login(api, "staff", "StaffLogin", "staff.420506", centre=COUNTY)
    api.op("staff", "AcceptCase", {"trackingNo": no}, centre=COUNTY, token=county).ok("acceptCase")
    asked = api.op(
        "staff",
        "RequestSupplement",
        {"trackingNo": no, "materials": ["收入证明"], "note": "一次性告知"},
        centre=COUNTY,
        token=county,
    ).ok("requestSupplement")
    assert asked["case"]["missingMaterials"] == ["收入证明"]
    drain()

    # The notice reached the village; the agent collects the material there.
    village = api.op("agent", "AgentCase", {"trackingNo": no}, centre=VILLAGE, token=agent)
    case = village.payload("case")
    assert (case["effectiveState"], case["missingMaterials"]) == ("SUPPLEMENT_NEEDED", ["收入证明"])
    assert case["applicantIdNumber"] == "420581199001010011"  # in full on the case's own page
    api.op(
        "agent", "AgentReceiveSupplement", {"trackingNo": no, "materials": ["收入证明"]},
        centre=VILLAGE, token=agent,
    ).ok("receiveSupplement")  # fmt: skip
    drain()

    # The county reviews and approves.
    detail = api.op("staff", "CaseDetail", {"trackingNo": no}, centre=COUNTY, token=county)
    assert detail.payload("case")["state"] == "ACCEPTED"
    api.op("staff", "StartReview", {"trackingNo": no}, centre=COUNTY, token=county).ok(
        "startReview"
    )
    approved = api.op(
        "staff", "ApproveCase", {"trackingNo": no, "note": "符合条件"}, centre=COUNTY, token=county
    ).ok("approveCase")
    assert approved["case"]["state"] == "APPROVED"
    drain()

    # The decision travelled down; the agent tells the citizen and closes the chain.
    case = api.op("agent", "AgentCase", {"trackingNo": no}, centre=VILLAGE, token=agent).payload(
        "case"
    )
    assert (case["state"], case["decisionReason"]) == ("APPROVED", "符合条件")
    assert [hop["centreCode"] for hop in case["chain"]] == [VILLAGE, TOWNSHIP, COUNTY]
    actions = [event["action"] for event in case["events"]]
    assert actions[:2] == ["log", "forward"] and actions[-1] == "upstream_approved"
    labels = [event["actionLabel"] for event in case["events"]]
    assert labels[:2] == ["登记", "转办上报"] and labels[-1] == "上级准予许可"
    delivered = api.op(
        "agent", "AgentDeliver", {"trackingNo": no, "note": "已电话告知并送达"},
        centre=VILLAGE, token=agent,
    ).ok("deliverCase")  # fmt: skip
    assert delivered["case"]["state"] == "DELIVERED"
    out_of_range = api.op(
        "agent", "AgentRecordRating", {"trackingNo": no, "rating": 6}, centre=VILLAGE, token=agent
    ).payload("rateCase")
    assert [e["code"] for e in out_of_range["errors"]] == ["invalid_rating"]
    rated = api.op(
        "agent", "AgentRecordRating", {"trackingNo": no, "rating": 5}, centre=VILLAGE, token=agent
    ).ok("rateCase")
    assert rated["case"]["rating"] == 5
    again = api.op(
        "agent", "AgentRecordRating", {"trackingNo": no, "rating": 1}, centre=VILLAGE, token=agent
    ).payload("rateCase")
    assert [e["code"] for e in again["errors"]] == ["already_rated"]
    drain()

    for code, token in ((TOWNSHIP, town), (COUNTY, county)):
        detail = api.op("staff", "CaseDetail", {"trackingNo": no}, centre=code, token=token)
        assert detail.payload("case")["state"] == "DELIVERED", code

    # The receipt's query code is on the case at the village, and nowhere up the chain.
    village = api.op("agent", "AgentCase", {"trackingNo": no}, centre=VILLAGE, token=agent)
    assert village.payload("case")["queryCode"] == query_code
    county_case = api.op("staff", "CaseDetail", {"trackingNo": no}, centre=COUNTY, token=county)
    assert county_case.payload("case")["queryCode"] is None

    # The citizen tracks it by number and query code; no personal data on the way.
    wrong = api.op("public", "TrackCase", {"trackingNo": no, "queryCode": "AAAAAAAA"})
    assert wrong.codes == ["case_not_found"]
    tracked = api.op("public", "TrackCase", {"trackingNo": no, "queryCode": query_code})
    hops = tracked.payload("trackCase")
    assert [(h["centreCode"], h["effectiveState"]) for h in hops] == [
        (VILLAGE, "DELIVERED"),
        (TOWNSHIP, "DELIVERED"),
        (COUNTY, "DELIVERED"),
    ]
    assert "刘桂兰" not in tracked.text and "0011" not in tracked.text

    # The assessor reads aggregates; the city head its subtree's workload.
    assessor = login(api, "assessor", "AssessorLogin", "assessor.420500")
    rows = api.op("assessor", "NetworkWorkload", {"divisionCode": CITY}, token=assessor).payload(
        "networkWorkload"
    )
    by_code = {row["centre"]["divisionCode"]: row for row in rows}
    assert by_code[COUNTY]["decided"] == 1 and by_code[VILLAGE]["decided"] == 1

    # … runs the assessment of this month twice, compares the runs and exports one.
    today = timezone.localdate()
    period = {"periodStart": f"{today:%Y-%m}-01", "periodEnd": str(today), "subtreeCode": CITY}
    runs = [
        api.op("assessor", "RunAssessment", period, token=assessor).ok("runAssessment")["run"]
        for _ in range(2)
    ]
    townships = {r["code"]: r for r in runs[0]["results"]}
    assert not townships[TOWNSHIP]["idle"]  # it handled the case
    assert all(r["idle"] for code, r in townships.items() if code != TOWNSHIP)
    assert townships[TOWNSHIP]["rank"] == 1
    compared = api.op(
        "assessor", "CompareAssessments",
        {"baseRunId": runs[0]["id"], "otherRunId": runs[1]["id"], "scope": "subtree"},
        token=assessor,
    ).payload("assessmentComparison")  # fmt: skip
    assert {u["code"] for u in compared["units"]} >= {CITY, COUNTY, TOWNSHIP}
    assert all(u["scoreDelta"] == 0 for u in compared["units"])
    export = api.op(
        "assessor", "ExportAssessment", {"runId": runs[1]["id"], "format": "XLSX"}, token=assessor
    ).payload("assessmentExport")
    assert export["expiresAt"].endswith("+08:00") and export["filename"].endswith(".xlsx")
    download = api.client.get(export["url"], HTTP_AUTHORIZATION=f"Bearer {assessor}")
    assert download.status_code == 200 and download.content.startswith(b"PK")  # a zip: XLSX
    assert api.client.get(export["url"]).status_code == 403  # not without the caller's token
    head = login(api, "head", "HeadLogin", "head.420500", centre=CITY)
    workload = api.op("head", "SubtreeWorkload", {}, centre=CITY, token=head)
    assert {row["centre"]["divisionCode"] for row in workload.payload("subtreeWorkload")} >= {
        CITY,
        COUNTY,
        TOWNSHIP,
        VILLAGE,
    }

    # The register shows the case closed; after logout the token is dead.
    register = api.op("agent", "Register", {}, centre=VILLAGE, token=agent).payload("worklist")
    assert [(e["node"]["trackingNo"], e["node"]["state"]) for e in register["edges"]] == [
        (no, "DELIVERED")
    ]
    assert api.op("agent", "AgentLogout", centre=VILLAGE, token=agent).ok("logout")["revoked"]
    after = api.op("agent", "Register", {}, centre=VILLAGE, token=agent)
    assert (after.status, after.codes) == (401, ["token_revoked"])

    assert api.operations_run >= MAIN_FLOW


def test_refusal_decision_at_the_township_withdrawal_and_the_dictionary(api, demo_users):
    admin = add_items(api)
    adjusted = api.op(
        "dictionary_admin",
        "AdjustItem",
        {"code": "T-1", "changes": {"promisedLimitDays": 3}, "changeNote": "压缩承诺时限"},
        token=admin,
    ).ok("adjustItem")
    assert (adjusted["item"]["version"], adjusted["item"]["promisedLimitDays"]) == (2, 3)
    agent = login(api, "agent", "AgentLogin", "agent.420506101201", centre=VILLAGE)
    town = login(api, "staff", "StaffLogin", "staff.420506101000", centre=TOWNSHIP)

    def forwarded_case(item: str) -> str:
        logged = api.op(
            "agent", "LogRequest", {"input": person_input(item=item)}, centre=VILLAGE, token=agent
        ).ok("logRequest")
        no = logged["case"]["trackingNo"]
        api.op("agent", "ForwardCase", {"trackingNo": no}, centre=VILLAGE, token=agent).ok(
            "forwardCase"
        )
        return no

    refused, denied, withdrawn = forwarded_case("T-1"), forwarded_case("T-1"), forwarded_case("C-1")
    drain()

    # Refused at the door, with a reason.
    api.op(
        "staff", "RefuseCase", {"trackingNo": refused, "reason": "不属于救助对象"},
        centre=TOWNSHIP, token=town,
    ).ok("refuseCase")  # fmt: skip
    # Decided at the township (within its authority), after a supplement at the window.
    api.op("staff", "AcceptCase", {"trackingNo": denied}, centre=TOWNSHIP, token=town).ok(
        "acceptCase"
    )
    api.op(
        "staff", "RequestSupplement", {"trackingNo": denied, "materials": ["户口簿"]},
        centre=TOWNSHIP, token=town,
    ).ok("requestSupplement")  # fmt: skip
    api.op(
        "staff", "ReceiveSupplement", {"trackingNo": denied, "materials": ["户口簿"]},
        centre=TOWNSHIP, token=town,
    ).ok("receiveSupplement")  # fmt: skip
    api.op("staff", "StartReview", {"trackingNo": denied}, centre=TOWNSHIP, token=town).ok(
        "startReview"
    )
    api.op(
        "staff", "DenyCase", {"trackingNo": denied, "reason": "家庭收入超过标准"},
        centre=TOWNSHIP, token=town,
    ).ok("denyCase")  # fmt: skip
    api.op("staff", "DeliverCase", {"trackingNo": denied}, centre=TOWNSHIP, token=town).ok(
        "deliverCase"
    )
    # Withdrawn by the citizen, up the chain.
    api.op(
        "agent", "AgentWithdraw", {"trackingNo": withdrawn, "reason": "申请人撤回"},
        centre=VILLAGE, token=agent,
    ).ok("withdrawCase")  # fmt: skip
    drain()
    states = {
        edge["node"]["trackingNo"]: edge["node"]["state"]
        for edge in api.op("staff", "Worklist", {}, centre=TOWNSHIP, token=town).payload(
            "worklist"
        )["edges"]
    }
    assert states == {refused: "REFUSED", denied: "DELIVERED", withdrawn: "WITHDRAWN"}

    # The dictionary: search, a version an old case keeps, retire and reinstate.
    found = api.op("public", "SearchItems", {"search": "救助"}).payload("items")
    assert [n["node"]["code"] for n in found["edges"]] == ["T-1"]
    by_department = api.op("public", "SearchItems", {"department": "民政"}).payload("items")
    assert by_department["totalCount"] == 2
    old = api.op("public", "Item", {"code": "T-1", "version": 1}).payload("item")
    assert (old["version"], old["isCurrent"]) == (1, False)
    retired = api.op("dictionary_admin", "RetireItem", {"code": "T-1"}, token=admin)
    assert retired.ok("retireItem")["item"]["isRetired"] is True
    refused_again = api.op(
        "agent", "LogRequest", {"input": person_input(item="T-1")}, centre=VILLAGE, token=agent
    ).payload("logRequest")
    assert [e["code"] for e in refused_again["errors"]] == ["retired_item"]
    api.op("dictionary_admin", "ReinstateItem", {"code": "T-1"}, token=admin).ok("reinstateItem")

    # The registry.
    township = api.op("public", "CentreWithChildren", {"divisionCode": TOWNSHIP}).payload("centre")
    assert township["parent"]["divisionCode"] == COUNTY
    assert next(c["divisionCode"] for c in township["children"]) == VILLAGE
    tree = api.op("assessor", "NetworkTree").payload("networkTree")
    assert [c["divisionCode"] for c in tree] == [CITY]
    villages = [
        v for county in tree[0]["children"] for t in county["children"] for v in t["children"]
    ]
    assert len(villages) == 12
    # A 六有 check of a village room: the registry shows it, and the history keeps the old one.
    assessor = login(api, "assessor", "AssessorLogin", "assessor.420500")
    checked = api.op(
        "assessor", "RecordServicePointCheck",
        {"centreCode": VILLAGE, "checkedOn": timezone.localdate().isoformat(), "hasPremises": True,
         "hasSignage": True, "hasStaff": True, "hasPhone": False, "hasRegister": True,
         "hasProcedures": True},
        token=assessor,
    ).ok("recordServicePointCheck")  # fmt: skip
    assert checked["centre"]["sixEssentials"]["all"] is False
    assert len(checked["centre"]["sixEssentialsChecks"]) == 2  # provisioning's, then this one

    assert api.operations_run >= OTHER_FLOWS


def test_the_scenarios_cover_every_documented_operation():
    documented = {
        (path.stem, name)
        for path in OPERATIONS.glob("*.graphql")
        for name in re.findall(r"^(?:query|mutation)\s+(\w+)", path.read_text(), re.M)
    }
    from tests.api.test_supervision_orders import SUPERVISION_FLOW
    from tests.custody.test_api import CUSTODY_FLOW  # run by tests/custody/test_api.py
    from tests.notifications.test_api import NOTIFICATION_FLOW
    from tests.ratings.test_api import RATINGS_FLOW  # run by tests/ratings/test_api.py

    assert documented == (
        MAIN_FLOW
        | OTHER_FLOWS
        | INTAKE_FLOW
        | RATINGS_FLOW
        | NOTIFICATION_FLOW
        | SUPERVISION_FLOW
        | CUSTODY_FLOW
    )


def test_the_agent_completes_materials_and_the_township_notifies_before_accepting(api, demo_users):
    add_items(api)
    agent = login(api, "agent", "AgentLogin", "agent.420506101201", centre=VILLAGE)
    logged = api.op(
        "agent", "LogRequest", {"input": person_input(item="T-1", materials=["居民身份证"])},
        centre=VILLAGE, token=agent,
    ).ok("logRequest")  # fmt: skip
    no = logged["case"]["trackingNo"]
    refused = api.op("agent", "ForwardCase", {"trackingNo": no}, centre=VILLAGE, token=agent)
    assert [e["code"] for e in refused.payload("forwardCase")["errors"]] == ["materials_missing"]
    completed = api.op(
        "agent", "AgentCompleteMaterials", {"trackingNo": no, "materials": ["申请表"]},
        centre=VILLAGE, token=agent,
    ).ok("completeMaterials")  # fmt: skip
    assert all(m["received"] for m in completed["case"]["materials"])
    api.op("agent", "ForwardCase", {"trackingNo": no}, centre=VILLAGE, token=agent).ok(
        "forwardCase"
    )
    drain()

    # The township finds the form defective: one notice before accepting, listing everything,
    # within 5 working days of receipt.
    town = login(api, "staff", "StaffLogin", "staff.420506101000", centre=TOWNSHIP)
    received = api.op("staff", "CaseDetail", {"trackingNo": no}, centre=TOWNSHIP, token=town)
    window_ends = add_working_days(timezone.localdate(), 5).due.isoformat()
    assert received.payload("case")["intakeWindowEndsOn"] == window_ends
    notified = api.op(
        "staff", "RequestSupplement", {"trackingNo": no, "materials": ["申请表", "户口簿"]},
        centre=TOWNSHIP, token=town,
    ).ok("requestSupplement")  # fmt: skip
    assert notified["case"]["state"] == "SUPPLEMENT_NEEDED"
    drain()
    supplied = api.op(
        "agent", "AgentReceiveSupplement", {"trackingNo": no, "materials": ["申请表", "户口簿"]},
        centre=VILLAGE, token=agent,
    ).ok("receiveSupplement")  # fmt: skip
    assert supplied["case"]["effectiveState"] == "SUPPLEMENT_NEEDED"  # until the township has it
    drain()
    accepted = api.op("staff", "AcceptCase", {"trackingNo": no}, centre=TOWNSHIP, token=town)
    assert accepted.ok("acceptCase")["case"]["state"] == "ACCEPTED"
    detail = api.op("staff", "CaseDetail", {"trackingNo": no}, centre=TOWNSHIP, token=town)
    assert detail.payload("case")["intakeWindowEndsOn"] is None
    assert api.operations_run >= INTAKE_FLOW
