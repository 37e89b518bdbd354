"""The assessor's GraphQL: run, store, compare and export, with errors as payload values."""

from __future__ import annotations

import base64
import io
import json
from types import SimpleNamespace

import graphene
import pytest
from openpyxl import load_workbook

from assessment.schema import Mutation, Query
from core.roles import Actor, Role

schema = graphene.Schema(query=Query, mutation=Mutation)

RUN = """
mutation Run($start: Date!, $end: Date!, $subtree: String!, $version: Int) {
  runAssessment(periodStart: $start, periodEnd: $end, subtreeCode: $subtree, schemeVersion: $version) {
    run { id subtreeCode periodStart periodEnd scheme { name version }
          result(code: "420500") { score indicator(key: "onTimeRate") indicators }
          results(scope: "centre", tier: "county") { code name rank score indicator(key: "on_time_rate") } }
    errors { code field message }
  }
}
"""


@pytest.fixture(autouse=True)
def _db(db):
    pass


def context(actor: Actor | None):
    """What the network endpoint's view gives the schema: the caller's user (here with one
    membership, the actor's role at the actor's centre), or nobody."""
    from django.contrib.auth import get_user_model

    from accounts.services import grant_membership
    from graphql_api.context import ApiContext
    from tenants.models import ServiceCentre

    user = None
    if actor is not None:
        user, created = get_user_model().objects.get_or_create(
            username=f"{actor.role}.{actor.centre}", defaults={"first_name": actor.name}
        )
        if created:
            grant_membership(
                user, ServiceCentre.objects.get(division_code=actor.centre), actor.role
            )
    return SimpleNamespace(api=ApiContext(endpoint="network", user=user), META={})


def execute(query: str, actor: Actor | None, **variables):
    result = schema.execute(query, variable_values=variables, context_value=context(actor))
    return result


def run_may(assessor, **extra):
    result = execute(RUN, assessor, start="2026-05-01", end="2026-05-31", subtree="420500", **extra)
    assert result.errors is None, result.errors
    payload = result.data["runAssessment"]
    assert payload["errors"] == []
    return payload["run"]


def test_run_and_read_back(may_module, assessor):
    run = run_may(assessor)
    assert run["scheme"] == {"name": "政务服务体系建设年度考核", "version": 1}
    assert run["result"]["indicator"] is None  # keys are the indicators' own names, not camelCase
    indicators = json.loads(run["result"]["indicators"])
    assert indicators["on_time_rate"] == 0.75
    assert [(r["code"], r["rank"], r["indicator"]) for r in run["results"]] == [
        ("420581", 1, None),  # decided nothing: judged on coverage and turnaround alone
        ("420506", 2, 0.5),
    ]

    listed = execute('{ assessmentRuns(subtreeCode: "420500") { id periodStart } }', assessor)
    assert listed.data["assessmentRuns"][0]["id"] == run["id"]
    one = execute(
        "query($id: ID!) { assessmentRun(id: $id) { id createdBy summary } }",
        assessor,
        id=run["id"],
    )
    assert one.data["assessmentRun"]["createdBy"] == "考核员甲"


def test_compare_and_export(may_module, assessor):
    first = run_may(assessor)
    revised = execute(
        """mutation { reviseScoringScheme(name: "政务服务体系建设年度考核",
             adjustments: "[{\\"key\\": \\"overdue\\", \\"kind\\": \\"penalty\\", \\"points\\": 2, \\"cap\\": 4}]")
           { scheme { version } errors { code } } }""",
        assessor,
    )
    assert revised.data["reviseScoringScheme"] == {"scheme": {"version": 2}, "errors": []}
    second = run_may(assessor)
    assert second["scheme"]["version"] == 2

    compared = execute(
        """query($a: ID!, $b: ID!) { assessmentComparison(baseRunId: $a, otherRunId: $b, scope: "centre", tier: "county") {
             base { id } other { id }
             units { code baseScore otherScore scoreDelta indicators { key base other delta } } } }""",
        assessor,
        a=first["id"],
        b=second["id"],
    )
    assert compared.errors is None, compared.errors
    county = next(
        u for u in compared.data["assessmentComparison"]["units"] if u["code"] == "420506"
    )
    assert county["scoreDelta"] == pytest.approx(county["otherScore"] - county["baseScore"])
    # The late completion costs 2 instead of 0.5, and the revision dropped the bonus for the
    # 2 working days saved per case: −1.5 − 2.
    assert county["scoreDelta"] == -3.5
    received = next(i for i in county["indicators"] if i["key"] == "received")
    assert received == {"key": "received", "base": 2.0, "other": 2.0, "delta": 0.0}

    exported = execute(
        "query($id: ID!) { assessmentExport(runId: $id, format: XLSX) { filename contentType base64 } }",
        assessor,
        id=second["id"],
    )
    book = load_workbook(io.BytesIO(base64.b64decode(exported.data["assessmentExport"]["base64"])))
    assert "汇总" in book.sheetnames
    chart = execute(
        "query($id: ID!) { assessmentExport(runId: $id, format: PNG) { contentType base64 } }",
        assessor,
        id=second["id"],
    )
    assert base64.b64decode(chart.data["assessmentExport"]["base64"]).startswith(b"\x89PNG")


def test_errors_are_payload_values_for_mutations_and_coded_errors_for_queries(may_module):
    staff = Actor(name="窗口", role=Role.STAFF, centre="420500")
    result = execute(RUN, staff, start="2026-05-01", end="2026-05-31", subtree="420500")
    assert result.data["runAssessment"] == {
        "run": None,
        "errors": [
            {"code": "not_assessor", "field": None, "message": "只有考核人员可以进行覆盖考核。"}
        ],
    }
    result = execute(RUN, None, start="2026-05-31", end="2026-05-01", subtree="420500")
    assert result.errors[0].original_error.code == "unauthenticated"  # before any service

    bad = execute(
        'mutation { reviseScoringScheme(name: "x", indicators: "[{\\"key\\": \\"nope\\", \\"weight\\": 5}]") { scheme { id } errors { code field } } }',
        Actor(name="考核员", role=Role.ASSESSOR, centre="420500"),
    )
    assert bad.data["reviseScoringScheme"] == {
        "scheme": None,
        "errors": [{"code": "unknown_indicator", "field": "indicators[0].key"}],
    }
    denied = execute("{ assessmentSchemes { name } }", staff)
    assert denied.errors[0].original_error.code == "not_assessor"
