"""An export is a download link: signed, short-lived, and for the caller only."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from core.roles import Role
from tests.assessment.test_api_endpoint import _fast_hashing, post, token  # noqa: F401

RUN = """mutation($start: Date!, $end: Date!) {
  runAssessment(periodStart: $start, periodEnd: $end, subtreeCode: "420500") {
    run { id } errors { code }
  }
}"""
EXPORT = """query($id: ID!, $format: AssessmentExportFormat!) {
  assessmentExport(runId: $id, format: $format) { filename contentType url expiresAt }
}"""


@pytest.fixture
def export(client, token):  # noqa: F811 (the fixture imported above)
    assessor = token("assessor.link", "420500", Role.ASSESSOR)
    _status, run = post(client, RUN, assessor, start="2026-05-01", end="2026-05-31")
    run_id = run["data"]["runAssessment"]["run"]["id"]
    _status, body = post(client, EXPORT, assessor, id=run_id, format="XLSX")
    return assessor, body["data"]["assessmentExport"]


def get(client, url, bearer=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {bearer}"} if bearer else {}
    return client.get(url, **headers)


def test_the_caller_downloads_the_file(client, export):
    assessor, link = export
    response = get(client, link["url"], assessor)
    assert response.status_code == 200
    assert response["Content-Type"] == link["contentType"]
    assert link["filename"] in response["Content-Disposition"]
    assert "汇总" in load_workbook(io.BytesIO(response.content)).sheetnames


def test_nobody_else_may_use_it(client, token, export):  # noqa: F811
    _assessor, link = export
    other = token("assessor.other", "420500", Role.ASSESSOR)
    for bearer, status in ((None, 403), (other, 403)):
        response = get(client, link["url"], bearer)
        assert response.status_code == status
        assert response.json()["code"] == "export_link_not_yours"


def test_an_altered_or_expired_link_is_refused(client, settings, export):
    assessor, link = export
    altered = link["url"].rstrip("/")[:-3] + "abc"
    assert get(client, altered, assessor).json()["code"] == "export_link_invalid"
    settings.ASSESSMENT_EXPORT_LINK_SECONDS = -1
    response = get(client, link["url"], assessor)
    assert (response.status_code, response.json()["code"]) == (410, "export_link_expired")
