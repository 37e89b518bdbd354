"""Custody counts in the assessment: papers held per centre and hand-over discrepancies flagged
per centre, in the stored results and in the XLSX export."""

from __future__ import annotations

import io

from django.utils import timezone
from openpyxl import load_workbook

from assessment import exports
from assessment import services as assessment
from assessment.models import Scope
from core.roles import Role
from custody import services as custody
from delegation import services as s
from tests.custody.helpers import ID_CARD, drain, logged, pending_in
from tests.delegation.conftest import AGENT, COUNTY, TOWN_STAFF, TOWNSHIP, VILLAGE, actor

ASSESSOR = actor("420500", Role.ASSESSOR, "孙考核")


def test_papers_held_and_discrepancies_per_centre(network):
    logged()  # both papers held at the village
    second = logged()
    s.forward_case(VILLAGE, AGENT, second)
    drain()
    # Only the ID card arrived at the township: one discrepancy there, one paper held.
    custody.confirm_receipt(
        TOWNSHIP, TOWN_STAFF, second, pending_in(TOWNSHIP, second).pk, arrived=[ID_CARD]
    )
    today = timezone.localdate().isoformat()
    run = assessment.run_assessment(
        ASSESSOR, period_start=today, period_end=today, subtree_code="420500"
    )
    by_code = {r.code: r.indicators for r in run.results.filter(scope=Scope.CENTRE)}
    assert (by_code[VILLAGE]["papers_held"], by_code[VILLAGE]["handover_discrepancies"]) == (2, 0)
    assert (by_code[TOWNSHIP]["papers_held"], by_code[TOWNSHIP]["handover_discrepancies"]) == (
        1,
        1,
    )
    assert by_code[COUNTY]["papers_held"] == 0
    county = run.results.get(scope=Scope.SUBTREE, code=COUNTY).indicators
    assert (county["papers_held"], county["handover_discrepancies"]) == (3, 1)

    sheet = load_workbook(io.BytesIO(exports.workbook(run))).worksheets[0]
    labels = {row[0].value: row[1].value for row in sheet.iter_rows() if row and row[0].value}
    assert labels["保管申请人材料（份）"] == 3  # the city's subtree: every centre's papers
    assert labels["材料交接差异"] == 1
