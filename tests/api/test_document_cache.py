"""Repeated GraphQL documents are parsed and validated once (graphql_api.documents), and every
limit still refuses a hostile document on every request."""

from __future__ import annotations

import pytest

from accounts.models import LoginFailure
from graphql import GraphQLError
from graphql_api import documents
from tests.api.conftest import VILLAGE

TREE = "{ networkTree { name } }"
DEEP = "{ networkTree { children { children { children { children { children { children { children { children { children { name } } } } } } } } } } }"
LOGIN = 'login(username: "wang", password: "wrong") { token errors { code } }'


@pytest.fixture(autouse=True)
def _empty_cache():
    documents.cache.clear()
    yield
    documents.cache.clear()


def test_a_repeated_document_is_parsed_once(api, people):
    first = api.post(TREE)
    assert first.status == 200, first
    assert documents.cache.parses == 1
    for _ in range(3):
        again = api.post(TREE)
        assert (again.status, again.body) == (200, first.body)
    assert (documents.cache.parses, documents.cache.hits) == (1, 3)


def test_hostile_documents_are_refused_every_time(api, people):
    fan_out = "query { ...F22 } " + " ".join(
        ["fragment F0 on Query { __typename }"]
        + [f"fragment F{n} on Query {{ ...F{n - 1} ...F{n - 1} }}" for n in range(1, 23)]
    )
    aliases = "query { " + " ".join(f"a{n}: __typename" for n in range(60)) + " }"
    hostile = {
        DEEP: "query_too_deep",  # validation
        fan_out: "query_too_complex",  # validation, memoized fragments
        aliases: "too_many_aliases",  # before validation
        "query { networkTree { name ": "GRAPHQL_PARSE_FAILED",  # does not parse
        "query { a: networkTree { name } b: networkTree { nope } }": "GRAPHQL_VALIDATION_FAILED",
    }
    for _round in range(3):
        for document, code in hostile.items():
            response = api.post(document)
            assert response.status == 400, response
            assert code in response.codes or (code.startswith("GRAPHQL_") and response.errors), (
                response
            )
            assert "data" not in response.body or response.data is None
    assert documents.cache.parses == len(hostile)  # each verdict kept, none re-parsed
    assert documents.cache.hits == 2 * len(hostile)


def test_two_logins_stay_refused_and_no_password_is_checked(api, people):
    document = f"mutation {{ a: {LOGIN} b: {LOGIN} }}"
    for _ in range(3):
        response = api.post(document, centre=VILLAGE)
        assert (response.status, response.codes) == (400, ["too_many_logins"])
    assert documents.cache.parses == 1
    assert not LoginFailure.objects.exists()


def test_the_limits_in_force_are_part_of_the_key(api, people, settings):
    assert api.post(TREE).status == 200
    settings.GRAPHQL_MAX_DEPTH = 1
    response = api.post(TREE)
    assert (response.status, response.codes) == (400, ["query_too_deep"])
    settings.GRAPHQL_MAX_DEPTH = 10
    assert api.post(TREE).status == 200
    assert documents.cache.parses == 2


def test_the_endpoint_is_part_of_the_key(api, people):
    assert api.post(TREE).status == 200
    centre = api.post(TREE, centre=VILLAGE)  # the centre schema has no networkTree
    assert centre.status == 400, centre
    assert documents.cache.parses == 2


def test_the_cache_is_bounded(api, people, settings):
    settings.GRAPHQL_DOCUMENT_CACHE_SIZE = 3
    texts = [f"{{ a{n}: networkTree {{ name }} }}" for n in range(5)]
    for text in texts:
        assert api.post(text).status == 200
    assert len(documents.cache) == 3
    parses = documents.cache.parses
    api.post(texts[-1])  # recent: kept
    assert documents.cache.parses == parses
    api.post(texts[0])  # least recently used: dropped, parsed again
    assert documents.cache.parses == parses + 1
    assert len(documents.cache) == 3


def test_large_documents_are_not_kept(api, people, settings):
    settings.GRAPHQL_DOCUMENT_CACHE_MAX_BYTES = 10
    for _ in range(2):
        assert api.post(TREE).status == 200
    assert (documents.cache.parses, len(documents.cache)) == (2, 0)


def test_a_verdict_that_depends_on_the_clock_is_not_kept():
    cache = documents.DocumentCache(size=10)
    timed_out = GraphQLError("too slow")
    timed_out.transient = True
    built = []

    def build():
        built.append(1)
        return documents.Verdict(errors=(timed_out,))

    for _ in range(2):
        assert cache.verdict(("k", "doc"), "doc", build).errors == (timed_out,)
    assert (len(built), len(cache)) == (2, 0)


def test_a_kept_refusal_is_raised_afresh_each_time():
    from graphql_api.validation import query_too_large

    verdict = documents.Verdict(rejection=query_too_large(10))
    raised = []
    for _ in range(2):
        with pytest.raises(Exception) as info:
            verdict.raise_rejection()
        raised.append(info.value)
    assert raised[0] is not raised[1]
    assert raised[1].code == "query_too_large" and raised[1].params == {"limit": 10}
