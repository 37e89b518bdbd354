"""Hostile documents and inputs: each is refused quickly with a coded 400, never a 500, never
an internal message, never Django's debug page (even with DEBUG on)."""

from __future__ import annotations

import json
import time

import pytest

from accounts.models import LoginFailure
from tests.api.conftest import VILLAGE

LOGIN = 'login(username: "wang", password: "wrong") { token errors { code } }'


@pytest.fixture(autouse=True)
def _debug_on(settings):
    """The worst case: a development server (DEBUG shows tracebacks for unhandled errors)."""
    settings.DEBUG = True


def post_raw(client, body: str, path: str = "/graphql/", **headers):
    raw = client.post(path, data=body, content_type="application/json", **headers)
    return raw, raw.content.decode()


def assert_coded_400(response, code: str) -> None:
    assert response.status == 400, response
    assert code in response.codes, response


def test_fragment_fan_out_is_linear(api, people):
    """22 fragments each spreading the next twice: 2²² paths for a walker that re-follows every
    spread (27 s seen); measured once per fragment it is instant, and the cost is too high."""
    fragments = ["fragment F0 on Query { __typename }"] + [
        f"fragment F{n} on Query {{ ...F{n - 1} ...F{n - 1} }}" for n in range(1, 23)
    ]
    document = "query { ...F22 } " + " ".join(fragments)
    assert len(document) < 1200
    started = time.monotonic()
    response = api.post(document)
    assert time.monotonic() - started < 3
    assert_coded_400(response, "query_too_complex")


def test_a_fragment_used_in_many_places_costs_once_per_use(api, people):
    from core.schema import network_schema
    from graphql import parse
    from graphql_api.validation import query_cost

    one = parse("query { ...F } fragment F on Query { networkTree { name } }")
    two = parse(
        "query { ...F a: networkTree { ...G } } fragment F on Query { networkTree { ...G } } fragment G on Centre { name code }"
    )
    assert query_cost(network_schema.graphql_schema, one) == 2
    assert query_cost(network_schema.graphql_schema, two) == 6


def test_many_aliased_logins_run_none(api, people):
    aliases = " ".join(f"a{n}: {LOGIN}" for n in range(200))
    started = time.monotonic()
    response = api.post(f"mutation {{ {aliases} }}", centre=VILLAGE)
    assert time.monotonic() - started < 3
    assert_coded_400(response, "too_many_aliases")
    assert not LoginFailure.objects.exists()  # not one password was checked


def test_two_logins_in_one_request_are_refused(api, people):
    for document in (
        f"mutation {{ a: {LOGIN} b: {LOGIN} }}",
        f"mutation {{ ...A ...B }} fragment A on Mutation {{ a: {LOGIN} }} "
        f"fragment B on Mutation {{ b: {LOGIN} }}",
    ):
        response = api.post(document, centre=VILLAGE)
        assert_coded_400(response, "too_many_logins")
    assert not LoginFailure.objects.exists()
    assert api.post(f"mutation {{ {LOGIN} }}", centre=VILLAGE).status == 200  # one is fine


def test_introspection_is_limited_too(api, people):
    response = api.post("{ " + " ".join(f"t{n}: __typename" for n in range(20_000)) + " }")
    assert_coded_400(response, "query_too_large")  # the parser's token budget
    response = api.post("{ " + " ".join(f"t{n}: __typename" for n in range(200)) + " }")
    assert_coded_400(response, "too_many_aliases")
    response = api.post("{ " + " ".join("__typename" for _ in range(5000)) + " }")
    assert_coded_400(response, "query_too_large")  # fields, aliased or not
    schema = "__schema { types { name fields { name args { name type { name } } } } }"
    response = api.post("{ " + " ".join(f"s{n}: {schema}" for n in range(200)) + " }")
    assert response.status == 400 and response.codes[0] in {"too_many_aliases", "query_too_large"}
    response = api.post(
        "{ " + " ".join(f"s{n}: __schema {{ types {{ name }} }}" for n in range(6)) + " }"
    )
    assert_coded_400(response, "query_too_complex")  # each __schema weighs the whole schema
    # GraphiQL's own introspection still works.
    from graphql import get_introspection_query

    assert api.post(get_introspection_query()).status == 200


def test_too_many_tokens_are_refused(api, people, settings):
    settings.GRAPHQL_MAX_TOKENS = 100
    response = api.post("{ " + " ".join("__typename" for _ in range(200)) + " }")
    assert_coded_400(response, "query_too_large")


def test_an_oversized_query_is_refused(api, people, settings):
    settings.GRAPHQL_MAX_QUERY_BYTES = 1000
    response = api.post("{ __typename " + "#" * 2000 + " }")
    assert_coded_400(response, "query_too_large")


@pytest.mark.parametrize("depth", [50, 20_000])
def test_deeply_nested_variables_give_a_coded_400(client, depth):
    variables = "[" * depth + "]" * depth
    query = 'query($n: String!) { trackCase(trackingNo: $n, queryCode: \\"X\\") { centreName } }'
    body = f'{{"query": "{query}", "variables": {{"n": {variables}}}}}'
    raw, text = post_raw(client, body)
    assert raw.status_code == 400, text[:300]
    assert raw["Content-Type"].startswith("application/json")
    assert json.loads(text)["errors"][0]["extensions"]["code"] == "input_too_deep"
    assert "Traceback" not in text


@pytest.mark.parametrize("character", ["\x00", "\x07", "\x1b", "\x7f"])
def test_control_characters_are_refused_in_every_string(api, people, character):
    agent = people["agent"]
    # in a literal of the document
    literal = json.dumps(f"AB{character}C")
    response = api.post(f'{{ trackCase(trackingNo: {literal}, queryCode: "X") {{ centreName }} }}')
    assert_coded_400(response, "invalid_characters")
    # in a variable, however deep in an input object
    response = api.post(
        "mutation($input: LogRequestInput!) { logRequest(input: $input) { errors { code } } }",
        {
            "input": {
                "applicant": {"kind": "PERSON", "name": f"刘{character}", "idNumber": "1"},
                "itemCode": "C-1",
            }
        },
        centre=VILLAGE,
        token=agent.token,
    )
    assert_coded_400(response, "invalid_characters")
    assert response.errors[0]["extensions"]["field"] == "input.applicant.name"


def test_tabs_and_newlines_are_text(api, people):
    response = api.post('{ trackCase(trackingNo: "A\\tB\\nC", queryCode: "X") { centreName } }')
    assert response.status == 200, response


def test_an_internal_error_never_shows_its_text(api, people, monkeypatch):
    from delegation import queries

    def broken(*args, **kwargs):
        raise RuntimeError('relation "secret_table" does not exist')

    monkeypatch.setattr(queries, "worklist", broken)
    response = api.post(
        "{ worklist(first: 5) { totalCount } }", centre=VILLAGE, token=people["agent"].token
    )
    assert response.codes == ["internal_error"]
    assert "secret_table" not in response.text
    assert response.errors[0]["message"] == "服务器内部错误。"


def test_an_unexpected_failure_outside_resolvers_is_a_coded_500(client, monkeypatch):
    from graphql_api import views

    def broken(*args, **kwargs):
        raise RuntimeError("password=hunter2 at db.internal")

    monkeypatch.setattr(views, "authenticate_request", broken)
    raw, text = post_raw(client, '{"query": "{ __typename }"}')
    assert raw.status_code == 500
    assert raw["Content-Type"].startswith("application/json")
    assert json.loads(text)["errors"][0]["extensions"]["code"] == "internal_error"
    assert "hunter2" not in text and "Traceback" not in text
