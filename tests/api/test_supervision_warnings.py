"""Supervision warnings in the API: a case's ``warnings``, the level of its current step, and the
worklist filter on it (a case that moved on drops out of the filter, its history stays)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from network.models import CaseRecord
from supervision import services as sup
from tests.api.conftest import TOWNSHIP
from tests.api.test_worklist import TOWN_STAFF, window_case

LIST = """
query($supervision: SupervisionLevel) {
  worklist(supervision: $supervision) { edges { node { trackingNo supervisionLevel } } }
}"""
DETAIL = """
query($no: String!) {
  case(trackingNo: $no) {
    supervisionLevel
    warnings { step level centreCode deadline raisedOn workingDaysLeft limitDays schemeVersion }
  }
}"""


def numbers(api, token, **variables):
    edges = api.post(LIST, variables, centre=TOWNSHIP, token=token).payload("worklist")["edges"]
    return {e["node"]["trackingNo"]: e["node"]["supervisionLevel"] for e in edges}


def test_warnings_on_the_case_and_the_worklist_filter(api, network, people):
    from delegation import services as s

    token = people["town_staff"].token
    received = dt.date(2026, 9, 29)
    late = window_case(network, accept=False).tracking_no
    soon = window_case(network).tracking_no
    calm = window_case(network).tracking_no
    CaseRecord.objects.filter(tracking_no=late).update(
        intake_on=received, submitted_at=timezone.make_aware(dt.datetime(2026, 9, 29, 9))
    )
    today = dt.date(2026, 10, 14)
    CaseRecord.objects.filter(tracking_no=soon).update(due_on=dt.date(2026, 10, 15))
    CaseRecord.objects.filter(tracking_no=calm).update(due_on=dt.date(2026, 12, 15))
    assert sup.evaluate(today=today).recorded == {("intake", "red"): 1, ("decide", "yellow"): 1}

    assert numbers(api, token, supervision="RED") == {late: "RED"}
    assert numbers(api, token, supervision="YELLOW") == {late: "RED", soon: "YELLOW"}
    assert numbers(api, token)[calm] is None

    case = api.post(DETAIL, {"no": late}, centre=TOWNSHIP, token=token).payload("case")
    assert case["supervisionLevel"] == "RED"
    assert case["warnings"] == [
        {
            "step": "INTAKE",
            "level": "RED",
            "centreCode": TOWNSHIP,
            "deadline": "2026-10-12",
            "raisedOn": "2026-10-14",
            "workingDaysLeft": -2,
            "limitDays": 5,
            "schemeVersion": 1,
        }
    ]

    # Accepted: the intake step is over, the case leaves the filter; the record stays.
    s.accept_case(network[TOWNSHIP], TOWN_STAFF, late)
    assert late not in numbers(api, token, supervision="YELLOW")
    case = api.post(DETAIL, {"no": late}, centre=TOWNSHIP, token=token).payload("case")
    assert (case["supervisionLevel"], len(case["warnings"])) == (None, 1)


def test_an_unknown_level_is_refused(api, network, people):
    response = api.post(
        LIST, {"supervision": "GREEN"}, centre=TOWNSHIP, token=people["town_staff"].token
    )
    assert response.errors
