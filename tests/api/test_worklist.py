"""The worklist (filters, pagination), a case's page, masking of personal data, workload."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from core.roles import Actor
from delegation import queries
from delegation import services as s
from delegation.models import Case
from delegation.tracking import track
from tenants.tenancy import in_centre
from tests.api.conftest import (
    ALL_MATERIALS,
    CITY,
    COUNTY,
    OTHER_COUNTY,
    OTHER_VILLAGE,
    PERSON,
    SIBLING_VILLAGE,
    TOWNSHIP,
    VILLAGE,
    drain,
)

TOWN_STAFF = Actor(name="李窗口", role="staff", centre=TOWNSHIP)
AGENT = Actor(name="王代办", role="agent", centre=VILLAGE)
PAGE = """
query($state: CaseState, $itemCode: String, $dueSoon: Boolean, $overdue: Boolean,
      $orderBy: WorklistOrder, $first: Int, $after: String, $last: Int, $before: String) {
  worklist(state: $state, itemCode: $itemCode, dueSoon: $dueSoon, overdue: $overdue,
           orderBy: $orderBy, first: $first, after: $after, last: $last, before: $before) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { trackingNo state warning dueOn itemCode applicantIdNumber applicantPhone personalDataMasked } }
  }
}"""
DETAIL = """
query($no: String!) {
  case(trackingNo: $no) {
    trackingNo applicantIdNumber applicantPhone personalDataMasked
    events { seq action toState actor role centreCode }
    delegations { direction peerCentreCode peerCentre { divisionCode tier } }
    chain { centreCode centreName tier state effectiveState receivedAt leftAt workingDays calendarFallback }
  }
}"""


def window_case(network, item="T-1", accept=True) -> Case:
    case = s.log_request(
        network[TOWNSHIP],
        TOWN_STAFF,
        applicant=PERSON,
        item_code=item,
        materials_received=ALL_MATERIALS,
    )
    if accept:
        case = s.accept_case(network[TOWNSHIP], TOWN_STAFF, case.tracking_no)
    return case


def set_due(network, tracking_no, due: dt.date) -> None:
    with in_centre(network[TOWNSHIP]):
        Case.objects.filter(tracking_no=tracking_no).update(due_on=due)


def nodes(response):
    return [edge["node"] for edge in response.payload("worklist")["edges"]]


def test_worklist_filters_and_warnings(api, network, people):
    token = people["town_staff"].token
    today = timezone.localdate()
    overdue = window_case(network).tracking_no
    set_due(network, overdue, today - dt.timedelta(days=1))
    soon = window_case(network).tracking_no
    set_due(network, soon, today)
    later = window_case(network, item="C-1").tracking_no
    set_due(network, later, today + dt.timedelta(days=60))
    submitted = window_case(network, accept=False).tracking_no

    everything = nodes(api.post(PAGE, {}, centre=TOWNSHIP, token=token))
    assert [n["trackingNo"] for n in everything] == [
        submitted,
        later,
        soon,
        overdue,
    ]  # newest first
    warnings = {n["trackingNo"]: n["warning"] for n in everything}
    assert warnings == {overdue: "RED", soon: "YELLOW", later: None, submitted: None}

    def numbers(**variables):
        return [
            n["trackingNo"] for n in nodes(api.post(PAGE, variables, centre=TOWNSHIP, token=token))
        ]

    assert numbers(overdue=True) == [overdue]
    assert numbers(dueSoon=True) == [soon]
    assert numbers(state="SUBMITTED") == [submitted]
    assert numbers(state="ACCEPTED", itemCode="c-1") == [later]
    assert numbers(orderBy="DUE") == [overdue, soon, later, submitted]
    # The filters and warnings agree with the read-side rules.
    with in_centre(network[TOWNSHIP]):
        assert list(
            queries.worklist(network[TOWNSHIP], TOWN_STAFF, overdue=True).values_list(
                "tracking_no", flat=True
            )
        ) == [overdue]
    # A clock stopped for a supplement is neither due soon nor overdue.
    s.request_supplement(network[TOWNSHIP], TOWN_STAFF, overdue, materials=["户口簿"])
    assert numbers(overdue=True) == []


def test_relay_pagination(api, network, people):
    token = people["town_staff"].token
    made = [window_case(network, accept=False).tracking_no for _ in range(5)]
    newest_first = list(reversed(made))
    first = api.post(PAGE, {"first": 2}, centre=TOWNSHIP, token=token).payload("worklist")
    assert first["totalCount"] == 5
    assert [e["node"]["trackingNo"] for e in first["edges"]] == newest_first[:2]
    assert first["pageInfo"]["hasNextPage"] is True
    second = api.post(
        PAGE, {"first": 2, "after": first["pageInfo"]["endCursor"]}, centre=TOWNSHIP, token=token
    ).payload("worklist")
    assert [e["node"]["trackingNo"] for e in second["edges"]] == newest_first[2:4]
    last = api.post(PAGE, {"last": 2}, centre=TOWNSHIP, token=token).payload("worklist")
    assert [e["node"]["trackingNo"] for e in last["edges"]] == newest_first[3:]
    assert last["pageInfo"]["hasPreviousPage"] is True
    default = api.post(PAGE, {}, centre=TOWNSHIP, token=token).payload("worklist")
    assert len(default["edges"]) == 5  # default page size 20


def _walk(api, token, variables, *, backwards=False):
    """Every tracking number of a list, one page of 1 at a time, forwards or backwards."""
    seen, cursor = [], None
    while True:
        args = {**variables, "last": 1, "before": cursor} if backwards else {**variables, "first": 1, "after": cursor}  # fmt: skip
        page = api.post(PAGE, args, centre=TOWNSHIP, token=token).payload("worklist")
        seen += [e["node"]["trackingNo"] for e in page["edges"]]
        more = page["pageInfo"]["hasPreviousPage" if backwards else "hasNextPage"]
        if not more:
            return seen[::-1] if backwards else seen
        cursor = page["pageInfo"]["startCursor" if backwards else "endCursor"]


def test_pages_neither_repeat_nor_skip_while_the_list_changes(api, network, people):
    """Cursors name rows, not positions: new cases arriving on top, or a case leaving the
    filtered list, do not shift the next page."""
    token = people["town_staff"].token
    made = [window_case(network, accept=False).tracking_no for _ in range(6)]
    newest_first = made[::-1]
    first = api.post(PAGE, {"first": 2, "state": "SUBMITTED"}, centre=TOWNSHIP, token=token)
    first = first.payload("worklist")
    assert [e["node"]["trackingNo"] for e in first["edges"]] == newest_first[:2]
    # Three newer cases arrive, and a case on the first page is accepted (leaves the filter).
    arrived = [window_case(network, accept=False).tracking_no for _ in range(3)]
    s.accept_case(network[TOWNSHIP], TOWN_STAFF, newest_first[0])
    after = first["pageInfo"]["endCursor"]
    second = api.post(
        PAGE, {"first": 2, "after": after, "state": "SUBMITTED"}, centre=TOWNSHIP, token=token
    ).payload("worklist")
    assert [e["node"]["trackingNo"] for e in second["edges"]] == newest_first[2:4]
    assert second["totalCount"] == 6 - 1 + 3
    # Backwards from the second page: the rows before it now, the arrivals included.
    back = api.post(
        PAGE,
        {"last": 10, "before": second["pageInfo"]["startCursor"], "state": "SUBMITTED"},
        centre=TOWNSHIP,
        token=token,
    ).payload("worklist")
    assert [e["node"]["trackingNo"] for e in back["edges"]] == [*arrived[::-1], newest_first[1]]
    assert back["pageInfo"]["hasPreviousPage"] is False and back["pageInfo"]["hasNextPage"] is True


def test_paging_by_due_date_crosses_the_cases_without_one(api, network, people):
    """The DUE order puts cases with no due date (clock not started) last; walking it a row at
    a time, forwards or backwards, gives the same list as one page."""
    token = people["town_staff"].token
    today = timezone.localdate()
    for days in (5, -1, 5, 30):  # two cases due the same day: the id breaks the tie
        set_due(network, window_case(network).tracking_no, today + dt.timedelta(days=days))
    for _ in range(3):
        window_case(network, accept=False)  # no due date
    whole = [
        n["trackingNo"]
        for n in nodes(api.post(PAGE, {"orderBy": "DUE"}, centre=TOWNSHIP, token=token))
    ]
    assert len(whole) == 7 and len(set(whole)) == 7
    assert _walk(api, token, {"orderBy": "DUE"}) == whole
    assert _walk(api, token, {"orderBy": "DUE"}, backwards=True) == whole
    assert _walk(api, token, {}) == _walk(api, token, {}, backwards=True)


def test_a_cursor_that_is_not_ours_is_a_coded_error(api, network, people):
    import base64

    token = people["town_staff"].token
    window_case(network, accept=False)
    old_style = base64.b64encode(b"arrayconnection:0").decode()  # the positional cursors
    for cursor in (old_style, "k1:!!!", "k1:" + base64.urlsafe_b64encode(b"[1]").decode(), "x"):
        response = api.post(PAGE, {"first": 2, "after": cursor}, centre=TOWNSHIP, token=token)
        assert (response.status, response.codes) == (400, ["invalid_cursor"]), cursor
    response = api.post(PAGE, {"last": 2, "before": "nope"}, centre=TOWNSHIP, token=token)
    assert (response.status, response.codes) == (400, ["invalid_cursor"])


def test_personal_data_is_masked_in_lists_and_for_heads(api, network, people):
    no = window_case(network, accept=False).tracking_no
    staff, head = people["town_staff"].token, people["town_head"].token
    [listed] = nodes(api.post(PAGE, {}, centre=TOWNSHIP, token=staff))
    assert (listed["applicantIdNumber"], listed["applicantPhone"]) == (
        "4205**********0011",
        "139****1234",
    )
    assert listed["personalDataMasked"] is True
    detail = api.post(DETAIL, {"no": no}, centre=TOWNSHIP, token=staff).payload("case")
    assert (detail["applicantIdNumber"], detail["applicantPhone"]) == (
        PERSON.id_number,
        PERSON.phone,
    )
    assert detail["personalDataMasked"] is False
    for_head = api.post(DETAIL, {"no": no}, centre=TOWNSHIP, token=head).payload("case")
    assert (for_head["applicantIdNumber"], for_head["personalDataMasked"]) == (
        "4205**********0011",
        True,
    )


def test_case_page_with_events_delegations_and_chain(api, network, people):
    case = s.log_request(
        network[VILLAGE], AGENT, applicant=PERSON, item_code="C-1", materials_received=ALL_MATERIALS
    )
    no = case.tracking_no
    s.forward_case(network[VILLAGE], AGENT, no)
    drain()
    s.accept_case(network[TOWNSHIP], TOWN_STAFF, no)
    s.escalate_case(network[TOWNSHIP], TOWN_STAFF, no)
    drain()
    page = api.post(DETAIL, {"no": no}, centre=TOWNSHIP, token=people["town_staff"].token).payload(
        "case"
    )
    assert [(e["action"], e["toState"]) for e in page["events"]] == [
        ("receive", "SUBMITTED"),
        ("accept", "ACCEPTED"),
        ("escalate", "ESCALATED"),
    ]
    assert page["events"][1]["actor"] == "李窗口" and page["events"][1]["role"] == "staff"
    assert {
        (d["direction"], d["peerCentreCode"], d["peerCentre"]["tier"]) for d in page["delegations"]
    } == {
        ("DOWN", VILLAGE, "VILLAGE"),
        ("UP", COUNTY, "COUNTY"),
    }
    assert [(h["centreCode"], h["tier"]) for h in page["chain"]] == [
        (VILLAGE, "VILLAGE"),
        (TOWNSHIP, "TOWNSHIP"),
        (COUNTY, "COUNTY"),
    ]
    # The batched chain is what services.track gives, hop for hop.
    assert queries.chains([no])[no] == track(no)
    # Unknown here: a clear error, nothing else.
    missing = api.post(DETAIL, {"no": "nope"}, centre=TOWNSHIP, token=people["town_staff"].token)
    assert missing.data == {"case": None}
    assert missing.codes == ["case_not_found"]


def test_the_worklist_is_this_centres_only(api, network, people):
    mine = window_case(network, accept=False).tracking_no
    elsewhere = s.log_request(
        network[VILLAGE], AGENT, applicant=PERSON, item_code="C-1", materials_received=ALL_MATERIALS
    ).tracking_no
    town = [
        n["trackingNo"]
        for n in nodes(api.post(PAGE, {}, centre=TOWNSHIP, token=people["town_staff"].token))
    ]
    village = [
        n["trackingNo"]
        for n in nodes(api.post(PAGE, {}, centre=VILLAGE, token=people["agent"].token))
    ]
    assert (town, village) == ([mine], [elsewhere])
    sibling = nodes(api.post(PAGE, {}, centre=SIBLING_VILLAGE, token=people["sibling_agent"].token))
    assert sibling == []


WORKLOAD = "query($tier: Tier) { subtreeWorkload(tier: $tier) { centre { divisionCode } total open overdue dueSoon decided } }"
NETWORK_WORKLOAD = "query($code: String!) { networkWorkload(divisionCode: $code) { centre { divisionCode } total open } }"


def test_heads_see_their_subtree_workload_only(api, network, people):
    window_case(network)
    s.log_request(
        network[VILLAGE], AGENT, applicant=PERSON, item_code="C-1", materials_received=ALL_MATERIALS
    )
    rows = api.post(WORKLOAD, {}, centre=TOWNSHIP, token=people["town_head"].token).payload(
        "subtreeWorkload"
    )
    counts = {row["centre"]["divisionCode"]: row["total"] for row in rows}
    assert counts == {TOWNSHIP: 1, VILLAGE: 1, SIBLING_VILLAGE: 0}
    villages = api.post(
        WORKLOAD, {"tier": "VILLAGE"}, centre=TOWNSHIP, token=people["town_head"].token
    )
    assert {r["centre"]["divisionCode"] for r in villages.payload("subtreeWorkload")} == {
        VILLAGE,
        SIBLING_VILLAGE,
    }
    county = api.post(WORKLOAD, {}, centre=COUNTY, token=people["county_head"].token).payload(
        "subtreeWorkload"
    )
    assert OTHER_COUNTY not in {r["centre"]["divisionCode"] for r in county}
    assert {r["centre"]["divisionCode"] for r in county} >= {COUNTY, TOWNSHIP, VILLAGE}
    # Staff are not heads.
    response = api.post(WORKLOAD, {}, centre=TOWNSHIP, token=people["town_staff"].token)
    assert (response.status, response.codes) == (403, ["permission_denied"])


def test_assessors_read_aggregates_within_their_city(api, network, people):
    window_case(network)
    response = api.post(NETWORK_WORKLOAD, {"code": COUNTY}, token=people["assessor"].token)
    rows = {r["centre"]["divisionCode"]: r["total"] for r in response.payload("networkWorkload")}
    assert rows[TOWNSHIP] == 1 and OTHER_VILLAGE not in rows and CITY not in rows
    everything = api.post(NETWORK_WORKLOAD, {"code": CITY}, token=people["assessor"].token)
    assert len(everything.payload("networkWorkload")) == len(network)
    outside = api.post(NETWORK_WORKLOAD, {"code": "420600"}, token=people["assessor"].token)
    assert (outside.status, outside.codes) == (403, ["out_of_jurisdiction"])
    not_assessor = api.post(NETWORK_WORKLOAD, {"code": CITY}, token=people["dictadmin"].token)
    assert (not_assessor.status, not_assessor.codes) == (403, ["permission_denied"])
    anonymous = api.post(NETWORK_WORKLOAD, {"code": CITY})
    assert (anonymous.status, anonymous.codes) == (401, ["unauthenticated"])


def test_provisional_dates_carry_a_notice_and_have_a_filter(api, network, people):
    token = people["town_staff"].token
    known = window_case(network).tracking_no
    provisional = window_case(network).tracking_no
    with in_centre(network[TOWNSHIP]):  # as if its window ran into a year not yet recorded
        Case.objects.filter(tracking_no=provisional).update(calendar_fallback=True)
    query = """
    query($calendarFallback: Boolean) {
      worklist(calendarFallback: $calendarFallback) {
        edges { node { trackingNo calendarFallback calendarNotice dueOn } }
      }
    }"""
    flagged = nodes(api.post(query, {"calendarFallback": True}, centre=TOWNSHIP, token=token))
    assert [n["trackingNo"] for n in flagged] == [provisional]
    assert flagged[0]["dueOn"] in flagged[0]["calendarNotice"]
    others = nodes(api.post(query, {"calendarFallback": False}, centre=TOWNSHIP, token=token))
    assert [(n["trackingNo"], n["calendarNotice"]) for n in others] == [(known, None)]
