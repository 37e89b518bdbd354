"""Doing nothing is not rewarded: a rate with no cases behind it earns no points.

In the demo network, townships without a single case scored 99 and ranked first, while the
township that handled the cases ranked fourth. The scheme now says (as data, each indicator's
``without_data``) how a case indicator scores for a unit with no case activity: by default no
points, and the unit is marked idle.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from assessment import services
from assessment.defaults import DEFAULT_SCHEME
from assessment.models import Scope
from assessment.scoring import check_definition, score
from tests.assessment.scenario import T

MAY = {"period_start": "2026-05-01", "period_end": "2026-05-31", "subtree_code": "420500"}

IDLE = {"coverage_rate": 1.0, "six_essentials_rate": 0.98, "received": 0}
BUSY = {
    "coverage_rate": 1.0,
    "six_essentials_rate": 0.98,
    "received": 12,
    "completed": 10,
    "on_time_rate": 0.9,
    "early_rate": 0.3,
    "immediate_ratio": 0.2,
    "satisfaction_rate": 0.92,
    "turnaround_days": 4,
}


def default_scheme(**changes):
    indicators = [{**item, **changes.get(item["key"], {})} for item in DEFAULT_SCHEME["indicators"]]
    return SimpleNamespace(indicators=indicators, adjustments=DEFAULT_SCHEME["adjustments"])


def test_an_idle_centre_earns_nothing_for_case_indicators_and_is_marked():
    idle, busy = score(IDLE, default_scheme()), score(BUSY, default_scheme())
    assert idle.idle and not busy.idle
    assert idle.points["on_time_rate"] == 0.0 and idle.points["satisfaction_rate"] == 0.0
    # Coverage 20 + 六有 14.7 of all 100 points: not 99.
    assert idle.base == pytest.approx(34.7)
    assert busy.score > idle.score


def test_the_scheme_may_leave_an_indicator_out_instead():
    lenient = default_scheme(satisfaction_rate={"without_data": "left_out"})
    card = score(IDLE, lenient)
    assert card.points["satisfaction_rate"] is None
    assert card.base == round(100 * 34.7 / 85, 2)


def test_a_busy_centre_without_ratings_is_not_punished_for_them():
    busy = {**BUSY, "satisfaction_rate": None}
    card = score(busy, default_scheme())
    assert card.points["satisfaction_rate"] is None and not card.idle


def test_without_data_is_checked():
    indicators = [{"key": "on_time_rate", "weight": 10, "bands": [], "without_data": "full"}]
    problems = check_definition(indicators, [], 10, 3)
    assert [p.code for p in problems] == ["invalid_without_data"]


def test_idle_townships_do_not_outrank_the_busy_one(may_module, assessor):
    run = services.run_assessment(assessor, **MAY)
    townships = {r.code: r for r in run.results.filter(scope=Scope.CENTRE, tier="township")}
    idle = [r for r in townships.values() if r.indicators["received"] == 0]
    assert idle, "the demo has townships without cases"
    busy = townships[T]
    assert not busy.idle and all(r.idle for r in idle)
    assert all(busy.rank < r.rank and busy.score > r.score for r in idle)
