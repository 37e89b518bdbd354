"""The assessment through the network GraphQL endpoint, authenticated as an assessor."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher

from core.roles import Role

RUN = """mutation($start: Date!, $end: Date!) {
  runAssessment(periodStart: $start, periodEnd: $end, subtreeCode: "420500") {
    run { id result(code: "420500") { score indicators } }
    errors { code message }
  }
}"""


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost, memory_cost, parallelism = 1, 1024, 1


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["tests.assessment.test_api_endpoint.FastArgon2PasswordHasher"]


@pytest.fixture
def token(db, may_module):
    from django.contrib.auth import get_user_model

    from accounts import services

    def issue(username: str, centre: str, role: str) -> str:
        user = get_user_model().objects.create(username=username)
        services.grant_membership(user, may_module["network"][centre], role)
        network_role = role in (Role.ASSESSOR, Role.DICTIONARY_ADMIN)
        centre_for_token = None if network_role else may_module["network"][centre]
        return services.issue_token(user, centre=centre_for_token).token

    return issue


def post(client, query: str, token: str, **variables):
    response = client.post(
        "/graphql/",
        data=json.dumps({"query": query, "variables": variables}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    return response.status_code, json.loads(response.content)


def test_an_assessor_runs_and_exports_through_the_endpoint(client, token):
    assessor = token("sun", "420500", Role.ASSESSOR)
    status, body = post(client, RUN, assessor, start="2026-05-01", end="2026-05-31")
    assert status == 200, body
    payload = body["data"]["runAssessment"]
    assert payload["errors"] == []
    assert json.loads(payload["run"]["result"]["indicators"])["received"] == 13

    status, body = post(
        client,
        "query($id: ID!) { assessmentExport(runId: $id, format: XLSX) { filename contentType } }",
        assessor,
        id=payload["run"]["id"],
    )
    assert status == 200 and body["data"]["assessmentExport"]["filename"].endswith(".xlsx")


def test_a_dictionary_admin_may_not_assess(client, token):
    admin = token("zhou", "420500", Role.DICTIONARY_ADMIN)
    status, body = post(client, RUN, admin, start="2026-05-01", end="2026-05-31")
    assert status == 200
    assert body["data"]["runAssessment"]["errors"][0]["code"] == "not_assessor"
