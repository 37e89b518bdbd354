"""Assessors record 六有 checks over the API, within their jurisdiction only; a refused check
records nothing."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tenants.models import ServicePointCheck
from tests.api.conftest import VILLAGE

ALL_SIX = {
    "hasPremises": True,
    "hasSignage": True,
    "hasStaff": True,
    "hasPhone": True,
    "hasRegister": True,
    "hasProcedures": True,
}


def check(api, token, code, day, **facts):
    variables = {"centreCode": code, "checkedOn": day.isoformat(), **ALL_SIX, **facts}
    response = api.op("assessor", "RecordServicePointCheck", variables, token=token)
    assert response.status == 200
    return response.payload("recordServicePointCheck")


def test_an_assessor_records_checks_and_reads_the_history(api, api_network, people):
    token = people["assessor"].token  # at the city: every centre below it
    today = timezone.localdate()
    done = check(api, token, VILLAGE, today, hasRegister=False)
    assert done["errors"] == []
    centre = done["centre"]
    assert centre["sixEssentials"] == {"all": False, "checkedOn": today.isoformat()}
    latest = centre["sixEssentialsChecks"][0]
    assert latest == {"checkedOn": today.isoformat(), "all": False, "hasPremises": True,
                      "recordedBy": "孙考核"}  # fmt: skip
    # A back-dated check enters the history, not the current facts.
    earlier = today - dt.timedelta(days=400)
    done = check(api, token, VILLAGE, earlier)
    assert done["centre"]["sixEssentials"]["checkedOn"] == today.isoformat()
    assert done["centre"]["sixEssentialsChecks"][-1]["checkedOn"] == earlier.isoformat()


def test_refused_checks_record_nothing(api, api_network, people):
    before = ServicePointCheck.objects.count()
    today = timezone.localdate()
    cases = [
        (people["dictadmin"].token, VILLAGE, today, "not_assessor"),  # a network role, not this one
        (people["assessor"].token, "420602101201", today, "out_of_jurisdiction"),  # 十堰
        (people["assessor"].token, "420506101299", today, "centre_not_found"),
        (people["assessor"].token, VILLAGE, today + dt.timedelta(days=1), "date_in_future"),
    ]
    for token, code, day, expected in cases:  # (centre tokens are refused by the endpoint)
        payload = check(api, token, code, day)
        assert payload["centre"] is None
        assert [e["code"] for e in payload["errors"]] == [expected], (code, expected)
    assert ServicePointCheck.objects.count() == before
