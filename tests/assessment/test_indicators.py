"""Every indicator of a small network, against figures computed by hand (see scenario.py)."""

from __future__ import annotations

import pytest

from assessment import services
from assessment.models import Scope
from tests.assessment.scenario import K2, OV, T2, T3, V2, V3, C, T, V

MAY = {"period_start": "2026-05-01", "period_end": "2026-05-31", "subtree_code": "420500"}


def results(run, scope=Scope.CENTRE):
    return {r.code: r for r in run.results.filter(scope=scope)}


def subset(indicators: dict, expected: dict) -> dict:
    return {key: indicators[key] for key in expected}


@pytest.fixture(scope="module")
def may_run(may_module, django_db_blocker):
    from core.roles import Actor, Role

    assessor = Actor(name="考核员甲", role=Role.ASSESSOR, centre="420500")
    with django_db_blocker.unblock():
        return services.run_assessment(assessor, **MAY)


@pytest.fixture(autouse=True)
def _db(db):
    """Every test reads the database (the module's May network in a savepoint)."""


def test_the_village_that_forwards(may_run):
    v = results(may_run)[V].indicators
    assert subset(
        v,
        {
            "received": 2,
            "accepted": 0,
            "completed": 0,
            "forwarded": 2,
            "escalated": 0,
            "departed": 2,
            "turnaround_days": 0.0,
            # A rated 5 and B rated 2 at the village's desk: each rates the centre that decided
            # (docs/ratings.md), the county (A) and the township (B), and counts there.
            "rated": 0,
            "satisfied": 0,
            "satisfaction_rate": None,
            "on_time_rate": None,  # decisions mirrored from above are not the village's
            "open_cases": 0,
            "idle_centres": 0,
            "coverage_rate": 1.0,
            "six_all_rate": 1.0,
        },
    ) == {
        "received": 2,
        "accepted": 0,
        "completed": 0,
        "forwarded": 2,
        "escalated": 0,
        "departed": 2,
        "turnaround_days": 0.0,
        "rated": 0,
        "satisfied": 0,
        "satisfaction_rate": None,
        "on_time_rate": None,
        "open_cases": 0,
        "idle_centres": 0,
        "coverage_rate": 1.0,
        "six_all_rate": 1.0,
    }


def test_the_township_that_decides_after_a_pause(may_run):
    t = results(may_run)[T].indicators
    expected = {
        "received": 4,  # A, B (from V), C, G (window)
        "accepted": 3,  # A, B, C
        "refused": 1,  # G
        "completed": 2,  # B after the pause, C on the spot
        "completed_immediate": 1,
        "immediate_ratio": 0.5,
        "on_time_rate": 1.0,
        "early_rate": 0.5,  # B early; an immediate item done at once is on time, not early
        "overdue": 0,
        "saved_vs_legal": 18,  # B 17 + C 1
        "saved_vs_promised": 2,  # B 2 + C 0
        "avg_saved_vs_promised": 1.0,
        "escalated": 1,  # A
        "forwarded": 0,
        "departed": 4,
        "held_days": 5,  # A 1 + B 4 (pause excluded) + C 0 + G 0
        "turnaround_days": 1.25,
        "rated": 2,  # C rated 4 here; B rated 2 at the village, decided here
        "satisfaction_rate": 0.5,
        "rated_4": 1,
        "rated_2": 1,
        "bad_ratings": 1,  # B's 2 opened a rectification here
        "rectification_overdue": 0,  # due 10 June: not yet due at the end of May
        "rectified_on_time_rate": None,
        "open_cases": 0,
        "stuck_chains": 0,
        "six_all_rate": None,  # 六有 is for village points
    }
    assert subset(t, expected) == expected


def test_the_county_decides_on_a_make_up_working_day(may_run):
    c = results(may_run)[C].indicators
    expected = {
        "received": 2,  # A (7 May), F; D arrived in April
        "accepted": 2,  # A, F
        "completed": 2,  # A on Saturday 9 May (调休), D late
        "completed_on_time": 1,
        "completed_early": 1,
        "on_time_rate": 0.5,
        "early_rate": 0.5,
        "immediate_ratio": 0.0,
        "overdue_completed": 1,
        "overdue_open": 0,
        "overdue": 1,
        "saved_vs_legal": 44,  # A 29 + D 15
        "saved_vs_promised": 4,  # A 9 + D −5
        "departed": 2,
        "held_days": 17,  # A 2 (8 May, make-up 9 May) + D 15
        "turnaround_days": 8.5,
        "open_cases": 1,  # F
        "stuck_chains": 0,
        "rated": 1,  # A rated 5 at the village's desk: the county decided it
        "satisfaction_rate": 1.0,
        "rated_5": 1,
        "bad_ratings": 0,
        "rectified_on_time_rate": None,
    }
    assert subset(c, expected) == expected


def test_open_cases_overdue_and_stuck(may_run):
    r = results(may_run)
    assert subset(r[T2].indicators, {"open_cases": 1, "overdue_open": 1, "stuck_chains": 1}) == {
        "open_cases": 1,
        "overdue_open": 1,
        "stuck_chains": 1,
    }
    assert subset(
        r[V3].indicators, {"received": 1, "open_cases": 1, "overdue_open": 1, "stuck_chains": 1}
    ) == {"received": 1, "open_cases": 1, "overdue_open": 1, "stuck_chains": 1}


def test_escalation_without_acceptance_and_withdrawal(may_run):
    r = results(may_run)
    assert subset(r[OV].indicators, {"forwarded": 1, "departed": 1, "held_days": 0}) == {
        "forwarded": 1,
        "departed": 1,
        "held_days": 0,
    }
    assert subset(
        r[T3].indicators, {"received": 1, "accepted": 0, "escalated": 1, "held_days": 1}
    ) == {"received": 1, "accepted": 0, "escalated": 1, "held_days": 1}
    assert subset(
        r[K2].indicators,
        {"received": 1, "completed": 0, "refused": 0, "departed": 1, "held_days": 1},
    ) == {"received": 1, "completed": 0, "refused": 0, "departed": 1, "held_days": 1}


def test_a_centre_suspended_mid_period(may_run):
    v3 = results(may_run)[V3].indicators
    assert v3["active_at_end"] is False
    assert v3["active_share"] == 0.5  # 1 May 00:00 – 16 May 12:00 of 31 days
    assert v3["coverage_rate"] == 0.0
    assert v3["suspended_in_period"] == 1
    assert v3["idle_centres"] == 0  # not counted idle: it is not working at the end
    assert v3["village_points"] == 0  # not a working point: no 六有 figures
    assert v3["six_essentials_rate"] is None


def test_a_village_with_five_of_six_essentials(may_run):
    v2 = results(may_run)[V2].indicators
    assert v2["six_all_rate"] == 0.0
    assert v2["six_essentials_rate"] == pytest.approx(5 / 6)
    assert v2["six_has_procedures"] == 0
    assert v2["idle_centres"] == 1  # J came in June


def test_the_whole_network(may_run):
    city = results(may_run, Scope.SUBTREE)["420500"].indicators
    expected = {
        "received": 13,
        "accepted": 6,
        "refused": 1,
        "completed": 4,
        "completed_immediate": 1,
        "immediate_ratio": 0.25,
        "on_time_rate": 0.75,
        "early_rate": 0.5,
        "overdue_completed": 1,
        "overdue_open": 2,  # E, K
        "overdue": 3,
        "saved_vs_legal": 62,
        "saved_vs_promised": 6,
        "avg_saved_vs_promised": 1.5,
        "rated": 3,
        "satisfied": 2,
        "forwarded": 3,  # A, B at V; H at OV
        "escalated": 2,  # A at T, H at T3
        "departed": 11,
        "held_days": 24,
        "turnaround_village": 0.0,
        "turnaround_township": 1.2,  # (5 + 1) / (4 + 1)
        "turnaround_county": 6.0,  # (17 + 1) / (2 + 1)
        "turnaround_city": None,
        "open_cases": 3,  # E, F, K
        "stuck_chains": 2,  # E, K
        "centres": 19,
        "idle_centres": 10,
        "suspended_in_period": 2,  # 420506102203 all along, V3 from 16 May
        "units_county": 2,
        "covered_county": 2,
        "coverage_county_rate": 1.0,
        "units_township": 4,
        "covered_township": 4,
        "coverage_township_rate": 1.0,
        "units_village": 12,
        "covered_village": 10,
        "units": 18,
        "covered": 16,
        "village_points": 10,
        "six_has_premises": 10,
        "six_has_signage": 10,
        "six_has_staff": 10,
        "six_has_phone": 9,
        "six_has_register": 10,
        "six_has_procedures": 9,
        "six_all": 8,
        "six_all_rate": 0.8,
    }
    assert subset(city, expected) == expected
    assert city["satisfaction_rate"] == pytest.approx(2 / 3, abs=1e-6)
    assert city["turnaround_days"] == pytest.approx(24 / 11, abs=1e-6)
    assert city["coverage_village_rate"] == pytest.approx(10 / 12, abs=1e-6)
    assert city["coverage_rate"] == pytest.approx(16 / 18, abs=1e-6)
    assert city["six_essentials_rate"] == pytest.approx(58 / 60, abs=1e-6)


def test_subtrees_roll_up_their_centres(may_run):
    subtrees = results(may_run, Scope.SUBTREE)
    assert set(subtrees) == {
        "420500",
        "420506",
        "420581",
        "420506101000",
        "420506102000",
        "420581101000",
        "420581102000",
    }
    county = subtrees["420506"].indicators
    assert subset(county, {"received": 10, "completed": 4, "forwarded": 2, "escalated": 1}) == {
        "received": 10,  # V 2, T 4, C 2, T2 1, V3 1
        "completed": 4,
        "forwarded": 2,
        "escalated": 1,
    }
    town = subtrees[T].indicators
    assert subset(town, {"received": 7, "units_village": 3, "covered_village": 2}) == {
        "received": 7,  # T 4, V 2, V3 1
        "units_village": 3,
        "covered_village": 2,
    }


def test_a_period_with_no_cases(may_module, assessor):
    run = services.run_assessment(
        assessor, period_start="2026-03-01", period_end="2026-03-31", subtree_code="420500"
    )
    city = results(run, Scope.SUBTREE)["420500"].indicators
    assert subset(city, {"received": 0, "completed": 0, "overdue": 0, "stuck_chains": 0}) == {
        "received": 0,
        "completed": 0,
        "overdue": 0,
        "stuck_chains": 0,
    }
    for rate in ("on_time_rate", "early_rate", "immediate_ratio", "satisfaction_rate"):
        assert city[rate] is None
    assert city["turnaround_days"] is None
    # V3 was still active in March; only 420506102203 is suspended.
    assert (city["covered_village"], city["idle_centres"]) == (11, 18)
    # An idle unit: coverage and 六有 earn 20 × 60% (11/12 is below 95%) + 15 × 62/66, and the
    # 65 points of case indicators earn nothing (the scheme's default ``without_data``): of 100.
    city_result = results(run, Scope.SUBTREE)["420500"]
    assert city_result.idle
    assert city_result.base_score == pytest.approx(round(20 * 0.6 + 15 * 62 / 66, 2))


def test_partial_months_use_day_buckets(may_module, assessor):
    run = services.run_assessment(
        assessor, period_start="2026-05-09", period_end="2026-05-20", subtree_code="420500"
    )
    city = results(run, Scope.SUBTREE)["420500"].indicators
    # Decided 9 May (A), 14 May (C), 20 May (B, D); arrived 11 May (B at V and T), 12 May (K),
    # 14 May (C).
    assert (city["completed"], city["received"]) == (4, 4)
    run = services.run_assessment(
        assessor, period_start="2026-04-27", period_end="2026-05-10", subtree_code="420500"
    )
    city = results(run, Scope.SUBTREE)["420500"].indicators
    # D (27 April), A at V, T (6 May) and C (7 May), E (6 May).
    assert (city["received"], city["completed"]) == (5, 1)


def test_a_centre_suspended_and_reactivated_within_the_period(may_module, assessor):
    from tenants.models import ServiceCentre
    from tenants.services import set_centre_status

    clock, code = may_module["clock"], "420581102203"
    centre = ServiceCentre.objects.get(division_code=code)
    clock.set("2026-05-10 00:00")
    set_centre_status(centre, "suspended")
    clock.set("2026-05-20 00:00")
    set_centre_status(centre, "active")
    clock.set("2026-06-01 00:00")  # the first instant after May: counts for June
    set_centre_status(centre, "suspended")
    clock.set("2026-06-15 09:00")

    run = services.run_assessment(assessor, **MAY)
    village = results(run)[code].indicators
    assert village["active_at_end"] is True  # covered: working at the end of May
    assert village["active_share"] == round(21 / 31, 4)
    assert village["suspended_in_period"] == 1
    assert village["coverage_rate"] == 1.0
    june = services.run_assessment(
        assessor, period_start="2026-06-01", period_end="2026-06-10", subtree_code="420500"
    )
    assert results(june)[code].indicators["active_at_end"] is False
