"""An assessment of a past period takes the 六有 facts in force at its end, not today's."""

from __future__ import annotations

import datetime as dt

import pytest

from assessment import services
from assessment.models import Scope
from tenants.services import record_service_point_facts

V = "420506101201"  # all six essentials in the demo spec
MAY = {"period_start": "2026-05-01", "period_end": "2026-05-31", "subtree_code": "420500"}
JUNE = {"period_start": "2026-06-01", "period_end": "2026-06-30", "subtree_code": "420500"}


@pytest.fixture(autouse=True)
def _db(db):
    pass


def _six(run) -> dict:
    ind = run.results.get(scope=Scope.CENTRE, code=V).indicators
    return {k: v for k, v in ind.items() if k.startswith("six_")}


def test_facts_as_of_the_period_end(may_module, assessor):
    village = may_module["network"][V]
    before = _six(services.run_assessment(assessor, **MAY))
    assert before["six_all_rate"] == 1.0
    # Checks on 1 May (all six) and 10 June (the premises gone), recorded after both periods.
    record_service_point_facts(village, checked_on=dt.date(2026, 5, 1), has_premises=True)
    record_service_point_facts(village, checked_on=dt.date(2026, 6, 10), has_premises=False)
    may, june = (services.run_assessment(assessor, **p) for p in (MAY, JUNE))
    assert _six(may) == before  # May ended before the premises were lost
    assert _six(june)["six_has_premises"] == 0 and _six(june)["six_all_rate"] == 0.0
    city = june.results.get(scope=Scope.SUBTREE, code="420500").indicators
    city_may = may.results.get(scope=Scope.SUBTREE, code="420500").indicators
    assert city["six_has_premises"] == city_may["six_has_premises"] - 1
