"""No N+1: a worklist page costs the same number of SQL queries for 10 cases as for 50, with
each case's item (and its materials), events, delegations and chain selected."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.roles import Actor
from delegation import services as s
from tests.api.conftest import ALL_MATERIALS, PERSON, VILLAGE

WORKLIST = """
query Page($first: Int!) {
  worklist(first: $first) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges {
      node {
        trackingNo state effectiveState warning dueOn applicantName applicantIdNumber
        item { code version name department { name } materials { name form count } }
        originCentre { divisionCode name }
        upstreamCentre { divisionCode name tier }
        events { seq action fromState toState actor at }
        delegations { direction peerCentreCode peerCentre { name tier } }
        chain { centreCode centreName state workingDays }
      }
    }
  }
}"""
AGENT = Actor(name="王代办", role="agent", centre=VILLAGE)


def add_forwarded_cases(network, count: int) -> None:
    for _ in range(count):
        case = s.log_request(
            network[VILLAGE],
            AGENT,
            applicant=PERSON,
            item_code="C-1",
            materials_received=ALL_MATERIALS,
        )
        s.forward_case(network[VILLAGE], AGENT, case.tracking_no)


def page_queries(api, token) -> tuple[int, dict]:
    api.post(WORKLIST, {"first": 50}, centre=VILLAGE, token=token)  # warm caches (calendar)
    with CaptureQueriesContext(connection) as captured:
        response = api.post(WORKLIST, {"first": 50}, centre=VILLAGE, token=token)
    # django-tenants sets the search path before each statement (TENANT_LIMIT_SET_CALLS is
    # off): those are not queries of the API's making.
    statements = [q["sql"] for q in captured.captured_queries]
    queries = [sql for sql in statements if not sql.startswith("SET search_path")]
    return len(queries), len(statements), response.payload("worklist")


def test_a_worklist_page_costs_the_same_for_10_and_50_cases(api, network, people, settings):
    from workdays.calendar import reset_cache

    # The calendar re-checks its fingerprint every WORKDAYS_REFRESH_SECONDS (one query, once per
    # interval, not per case); falling inside a measured page made this test flaky.
    settings.WORKDAYS_REFRESH_SECONDS = 3600
    reset_cache()
    token = people["agent"].token
    add_forwarded_cases(network, 10)
    queries_10, statements_10, page_10 = page_queries(api, token)
    add_forwarded_cases(network, 40)
    queries_50, statements_50, page_50 = page_queries(api, token)

    assert len(page_10["edges"]) == 10 and len(page_50["edges"]) == 50
    node = page_50["edges"][0]["node"]
    assert len(node["events"]) == 2 and len(node["delegations"]) == 1
    assert node["item"]["materials"] and node["chain"]
    print(
        f"\nworklist page: 10 cases → {queries_10} queries ({statements_10} statements), "
        f"50 cases → {queries_50} queries ({statements_50} statements)"
    )
    assert (queries_10, statements_10) == (queries_50, statements_50)
    # The centre (routing), the token, the membership, the count, the page, then one query per
    # relation (item versions, materials, centres, events, delegations, chains): none per case.
    assert queries_50 == 11
