"""Bad input: the right HTTP status, a clear GraphQL error with a code, and nothing changed."""

from __future__ import annotations

import json

from catalog.models import ServiceItem, ServiceItemVersion
from delegation import services as s
from delegation.models import Case, CaseEvent
from tenants.tenancy import in_centre
from tests.api.conftest import ALL_MATERIALS, PERSON, TOWNSHIP, VILLAGE, person_input

WORKLIST = "{ worklist(first: 5) { totalCount } }"


def case_state(centre, tracking_no):
    with in_centre(centre):
        case = Case.objects.get(tracking_no=tracking_no)
        return case.state, CaseEvent.objects.filter(case=case).count()


def logged_case(network, people, item="T-1"):
    agent = people["agent"]
    case = s.log_request(
        network[VILLAGE],
        s.Actor(name="王代办", role="agent", centre=VILLAGE),
        applicant=PERSON,
        item_code=item,
        materials_received=ALL_MATERIALS,
    )
    return agent, case.tracking_no


def test_malformed_query(api, people):
    response = api.post(
        "{ worklist(first: 5) { totalCount ", centre=VILLAGE, token=people["agent"].token
    )
    assert response.status == 400
    assert "Syntax Error" in response.errors[0]["message"]
    assert "data" not in response.body


def test_unknown_field(api, people):
    response = api.post("{ worklist { secretField } }", centre=VILLAGE, token=people["agent"].token)
    assert response.status == 400
    assert "Cannot query field 'secretField'" in response.errors[0]["message"]


def test_wrong_argument_type(api, people):
    response = api.post(
        '{ worklist(first: "ten") { totalCount } }', centre=VILLAGE, token=people["agent"].token
    )
    assert response.status == 400


def test_missing_required_variable(api, people):
    query = "query($no: String!) { case(trackingNo: $no) { state } }"
    response = api.post(query, {}, centre=VILLAGE, token=people["agent"].token)
    assert response.status == 400
    assert "was not provided" in response.errors[0]["message"]


def test_over_deep_queries_are_refused_before_running(api, people):
    deep = "{ networkTree { children { children { children { children { children { children { children { children { children { name } } } } } } } } } } }"
    response = api.post(deep)
    assert (response.status, response.codes) == (400, ["query_too_deep"])
    assert response.errors[0]["extensions"]["messageEn"].startswith("The query is 11 levels deep")
    # Fragments are followed, and cannot hide depth.
    fragment = (
        "fragment C on Centre { children { children { children { children { children { name } } } } } }"
        " { networkTree { children { children { children { children { ...C } } } } } }"
    )
    assert api.post(fragment).codes == ["query_too_deep"]
    # Ten levels are fine.
    fine = "{ networkTree { children { children { children { children { children { children { children { children { name } } } } } } } } } }"
    assert api.post(fine).status == 200


def test_over_complex_queries_are_refused_before_running(api, people):
    aliases = " ".join(
        f"a{i}: worklist(first: 100) {{ edges {{ node {{ trackingNo events {{ action }} }} }} }}"
        for i in range(20)
    )
    response = api.post(f"{{ {aliases} }}", centre=VILLAGE, token=people["agent"].token)
    assert (response.status, response.codes) == (400, ["query_too_complex"])


def test_page_size_is_bounded(api, people):
    response = api.post(
        "{ worklist(first: 1000) { totalCount } }", centre=VILLAGE, token=people["agent"].token
    )
    assert (response.status, response.codes) == (400, ["invalid_pagination"])
    response = api.post(
        "{ worklist(last: -1) { totalCount } }", centre=VILLAGE, token=people["agent"].token
    )
    assert (response.status, response.codes) == (400, ["invalid_pagination"])


def test_body_that_is_not_json(api, client, people):
    raw = client.post("/graphql/", data="{nope", content_type="application/json")
    assert raw.status_code == 400
    assert json.loads(raw.content)["errors"][0]["message"] == "POST body sent invalid JSON."
    raw = client.post("/graphql/", data="{}", content_type="application/json")
    assert raw.status_code == 400  # no query


def test_mutations_only_over_post(api, client, people):
    raw = client.get(
        f"/c/{VILLAGE}/graphql/",
        {"query": 'mutation { withdrawCase(trackingNo: "x", reason: "y") { errors { code } } }'},
        HTTP_AUTHORIZATION=f"Bearer {people['agent'].token}",
        HTTP_ACCEPT="application/json",
    )
    assert raw.status_code == 405


def test_unknown_centre(api, people):
    response = api.post(WORKLIST, centre="420599999999", token=people["agent"].token)
    assert (response.status, response.body["error"]["code"]) == (404, "centre_not_found")


def test_an_agent_cannot_decide_a_case(api, network, people):
    town = network[TOWNSHIP]
    agent, no = logged_case(network, people, item="V-1")  # an item a village may decide
    # The agent's own village: the state machine refuses the role.
    for mutation in ("acceptCase", "startReview", "approveCase"):
        response = api.post(
            f'mutation {{ {mutation}(trackingNo: "{no}") {{ case {{ state }} errors {{ field code message messageEn }} }} }}',
            centre=VILLAGE,
            token=agent.token,
        )
        payload = response.payload(mutation)
        assert response.status == 200
        assert payload["case"] is None
        assert [e["code"] for e in payload["errors"]] == ["role_not_allowed"], mutation
    refusal = api.post(
        f'mutation {{ denyCase(trackingNo: "{no}", reason: "x") {{ errors {{ code }} }} }}',
        centre=VILLAGE,
        token=agent.token,
    ).payload("denyCase")
    assert [e["code"] for e in refusal["errors"]] == ["role_not_allowed"]
    assert case_state(network[VILLAGE], no) == ("submitted", 1)
    # The township where it will be decided: the agent's token is not valid there.
    response = api.post(
        f'mutation {{ acceptCase(trackingNo: "{no}") {{ errors {{ code }} }} }}',
        centre=TOWNSHIP,
        token=agent.token,
    )
    assert (response.status, response.codes) == (403, ["wrong_centre"])
    assert town.division_code == TOWNSHIP


def test_staff_cannot_edit_the_dictionary(api, network, people):
    before = (ServiceItem.objects.count(), ServiceItemVersion.objects.count())
    # Staff of a centre hold no network login at all…
    mutation = (
        'mutation { retireItem(code: "T-1") { item { code } errors { code message messageEn } } }'
    )
    response = api.post(mutation, token=people["town_staff"].token)
    assert (response.status, response.codes) == (403, ["wrong_endpoint"])
    # …and the dictionary is not on a centre's endpoint.
    response = api.post(mutation, centre=TOWNSHIP, token=people["town_staff"].token)
    assert response.status == 400
    # With a network login, a role that is not dictionary admin gets a coded error.
    response = api.post(mutation, token=people["assessor"].token)
    payload = response.payload("retireItem")
    assert (response.status, payload["item"]) == (200, None)
    assert [e["code"] for e in payload["errors"]] == ["permission_denied"]
    assert payload["errors"][0]["message"] == "只有事项管理员可以维护事项库。"
    assert payload["errors"][0]["messageEn"].startswith("Only an item dictionary administrator")
    # Anonymous: 401.
    response = api.post(mutation)
    assert (response.status, response.codes) == (401, ["unauthenticated"])
    assert (ServiceItem.objects.count(), ServiceItemVersion.objects.count()) == before
    assert not ServiceItem.objects.filter(retired_at__isnull=False).exists()


def test_rule_errors_are_payload_values_and_change_nothing(api, network, people):
    agent = people["agent"]
    bad_id = person_input()
    bad_id["applicant"]["idNumber"] = "420581199001010012"  # wrong checksum
    query = "mutation($input: LogRequestInput!) { logRequest(input: $input) { case { trackingNo } errors { field code message messageEn } } }"
    payload = api.post(query, {"input": bad_id}, centre=VILLAGE, token=agent.token).payload(
        "logRequest"
    )
    assert payload["case"] is None
    [error] = payload["errors"]
    assert (error["field"], error["code"]) == ("applicant_id_number", "invalid_id_number")
    assert error["message"] and error["messageEn"]
    unknown_item = person_input(item="NOPE-1")
    payload = api.post(query, {"input": unknown_item}, centre=VILLAGE, token=agent.token).payload(
        "logRequest"
    )
    assert [(e["field"], e["code"]) for e in payload["errors"]] == [("item", "unknown_item")]
    with in_centre(network[VILLAGE]):
        assert not Case.objects.exists()
    # A case that is not there.
    response = api.post(
        'mutation { forwardCase(trackingNo: "420506101201-20260101-00001") { errors { code } } }',
        centre=VILLAGE,
        token=agent.token,
    )
    assert [e["code"] for e in response.payload("forwardCase")["errors"]] == ["case_not_found"]


def test_forbidden_transition_leaves_the_case_as_it_was(api, network, people):
    agent, no = logged_case(network, people)
    response = api.post(
        f'mutation {{ deliverCase(trackingNo: "{no}") {{ errors {{ code field }} }} }}',
        centre=VILLAGE,
        token=agent.token,
    )
    assert response.payload("deliverCase")["errors"] == [
        {"code": "forbidden_transition", "field": "state"}
    ]
    assert case_state(network[VILLAGE], no) == ("submitted", 1)


def test_internal_errors_do_not_leak(api, people, monkeypatch, settings):
    from delegation import queries

    def broken(*args, **kwargs):
        raise ValueError("secret internals: password=hunter2")

    settings.DEBUG = False
    monkeypatch.setattr(queries, "worklist", broken)
    response = api.post(WORKLIST, centre=VILLAGE, token=people["agent"].token)
    assert response.codes == ["internal_error"]
    assert "hunter2" not in response.text
