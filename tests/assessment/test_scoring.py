"""Tiered scoring, normalisation over the indicators that apply, capped bonuses and penalties."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from assessment.defaults import DEFAULT_SCHEME
from assessment.scoring import band_share, check_definition, rank, score


def scheme(indicators, adjustments=()):
    return SimpleNamespace(indicators=indicators, adjustments=list(adjustments))


ON_TIME_BANDS = [[0.99, 1.0], [0.95, 0.8], [0.9, 0.6]]


@pytest.mark.parametrize(
    ("value", "share"),
    [(1.0, 1.0), (0.99, 1.0), (0.98, 0.8), (0.95, 0.8), (0.9, 0.6), (0.899, 0.0)],
)
def test_higher_is_better_bands(value, share):
    assert band_share(value, "higher", ON_TIME_BANDS) == share


@pytest.mark.parametrize(("value", "share"), [(0.5, 1.0), (1, 1.0), (2.5, 0.8), (7, 0.2), (11, 0)])
def test_lower_is_better_bands(value, share):
    assert band_share(value, "lower", [[1, 1.0], [3, 0.8], [5, 0.5], [10, 0.2]]) == share


def test_without_bands_the_rate_is_the_share():
    assert band_share(0.75, "higher", []) == 0.75
    assert band_share(1.3, "higher", []) == 1.0


def test_indicators_that_do_not_apply_are_left_out():
    s = scheme(
        [
            {"key": "coverage_rate", "weight": 20, "bands": []},
            {"key": "on_time_rate", "weight": 20, "bands": ON_TIME_BANDS},
            {"key": "satisfaction_rate", "weight": 60, "bands": []},
        ]
    )
    indicators = {"received": 3, "coverage_rate": 1.0, "on_time_rate": 0.96}
    card = score({**indicators, "satisfaction_rate": None}, s)  # nothing rated
    assert card.points == {"coverage_rate": 20.0, "on_time_rate": 16.0, "satisfaction_rate": None}
    assert card.base == 90.0  # 36 of the 40 points that apply


def test_bonus_and_penalty_are_capped_and_the_score_never_negative():
    s = scheme(
        [{"key": "coverage_rate", "weight": 10, "bands": []}],
        [
            {"key": "overdue", "kind": "penalty", "points": 0.5, "cap": 10},
            {"key": "avg_saved_vs_promised", "kind": "bonus", "points": 1, "cap": 3},
        ],
    )
    card = score({"coverage_rate": 0.05, "overdue": 7, "avg_saved_vs_promised": 4.5}, s)
    assert (card.base, card.bonus, card.penalty, card.score) == (5.0, 3.0, 3.5, 4.5)
    card = score({"coverage_rate": 0.05, "overdue": 100, "avg_saved_vs_promised": -2}, s)
    assert (card.bonus, card.penalty, card.score) == (0.0, 10.0, 0.0)


def test_competition_ranking():
    assert rank([80.0, 95.5, 80.0, 60.0]) == [2, 1, 2, 4]


def test_the_default_scheme_is_sound_and_weighs_100():
    assert (
        check_definition(
            indicators=DEFAULT_SCHEME["indicators"],
            adjustments=DEFAULT_SCHEME["adjustments"],
            stuck_after_working_days=DEFAULT_SCHEME["stuck_after_working_days"],
            satisfied_min_rating=DEFAULT_SCHEME["satisfied_min_rating"],
        )
        == []
    )
    assert sum(item["weight"] for item in DEFAULT_SCHEME["indicators"]) == 100
