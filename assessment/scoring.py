"""Scoring a unit's indicators by a scheme (考核办法 as data).

A scheme has **scored indicators** and **adjustments**:

* A scored indicator ``{"key", "weight", "better", "bands"}`` earns ``weight × share``. With
  bands (``[[threshold, share], …]``) the share is that of the first band the value reaches:
  for ``better = "higher"`` the value must be ≥ the threshold (bands checked from the highest
  threshold down), for ``"lower"`` ≤ it (from the lowest up); a value that reaches no band earns
  0. Without bands the share is the value itself, clipped to [0, 1] (pro rata, for rates).
* An indicator that does not apply to a unit (no completed case, no rating, a township's 六有…)
  is left out, and the **base score** is normalised: 100 × points earned ÷ the weights of the
  indicators that apply. So a village room that forwards everything is judged on coverage, 六有,
  turnaround and satisfaction, a county centre on its decisions too, on the same 100 scale.
* But a rate with no cases behind it is not a good rate. A unit with **no case activity at all**
  in the period (nothing received, accepted, refused, completed, forwarded, escalated or
  departed) is **idle**, and each case indicator it lacks (``CASE_INDICATORS``) scores by its
  ``without_data`` entry: ``"no_points"`` (the default: it counts with its full weight and earns
  nothing) or ``"left_out"`` (as if it did not apply). So an idle centre is judged on coverage
  and 六有 with every case indicator at zero, and never outranks one that handled cases.
* An adjustment ``{"key", "kind": "bonus"|"penalty", "points", "cap"}`` adds or deducts
  ``points × value`` of the indicator (an absent value counts 0), at most ``cap`` and never
  below 0. **Score** = max(0, base + bonuses − penalties), two decimals.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from assessment.indicators import ACTIVITY, INDICATOR_KEYS
from core.errors import Problem, ValidationFailed, lazy_percent

#: Indicators a scheme may score with a weight (rates and averages).
SCORABLE = [
    "coverage_rate",
    "coverage_county_rate",
    "coverage_township_rate",
    "coverage_village_rate",
    "six_essentials_rate",
    "six_all_rate",
    "on_time_rate",
    "early_rate",
    "immediate_ratio",
    "satisfaction_rate",
    "turnaround_days",
    "avg_saved_vs_legal",
    "avg_saved_vs_promised",
]
#: Indicators an adjustment may use: any numeric indicator.
ADJUSTABLE = INDICATOR_KEYS
#: Scorable indicators computed from cases: without data only where the unit had none.
CASE_INDICATORS = frozenset(
    {
        "on_time_rate",
        "early_rate",
        "immediate_ratio",
        "satisfaction_rate",
        "turnaround_days",
        "avg_saved_vs_legal",
        "avg_saved_vs_promised",
    }
)
#: How a case indicator an idle unit lacks scores (an indicator's ``without_data``).
NO_POINTS, LEFT_OUT = "no_points", "left_out"
WITHOUT_DATA = (NO_POINTS, LEFT_OUT)


@dataclass(frozen=True)
class ScoreCard:
    base: float
    bonus: float
    penalty: float
    score: float
    points: dict[str, float | None]
    #: No case activity in the period (see the module docstring).
    idle: bool = False


def is_idle(indicators: dict) -> bool:
    """Whether a unit had no case activity at all in the period."""
    return not any(indicators.get(name) for name in ACTIVITY)


def band_share(value: float, better: str, bands: list) -> float:
    if not bands:
        return min(max(float(value), 0.0), 1.0)
    if better == "lower":
        for threshold, share in sorted(bands, key=lambda b: b[0]):
            if value <= threshold:
                return float(share)
        return 0.0
    for threshold, share in sorted(bands, key=lambda b: b[0], reverse=True):
        if value >= threshold:
            return float(share)
    return 0.0


def score(indicators: dict, scheme) -> ScoreCard:
    """Score one unit's indicators by ``scheme`` (a ``ScoringScheme`` or anything alike)."""
    earned = applicable = 0.0
    points: dict[str, float | None] = {}
    idle = is_idle(indicators)
    for item in scheme.indicators:
        value = indicators.get(item["key"])
        if value is None:
            no_points = (
                idle
                and item["key"] in CASE_INDICATORS
                and item.get("without_data", NO_POINTS) == NO_POINTS
            )
            points[item["key"]] = 0.0 if no_points else None
            if no_points:
                applicable += item["weight"]
            continue
        got = item["weight"] * band_share(value, item.get("better", "higher"), item.get("bands"))
        points[item["key"]] = round(got, 4)
        earned += got
        applicable += item["weight"]
    base = 100.0 * earned / applicable if applicable else 0.0
    bonus = penalty = 0.0
    for item in scheme.adjustments:
        value = indicators.get(item["key"]) or 0
        amount = max(0.0, min(item["points"] * value, item["cap"]))
        if item["kind"] == "bonus":
            bonus += amount
        else:
            penalty += amount
    total = max(0.0, base + bonus - penalty)
    return ScoreCard(
        round(base, 2), round(bonus, 2), round(penalty, 2), round(total, 2), points, idle
    )


def rank(scores: list[float]) -> list[int]:
    """Competition ranking (1, 2, 2, 4), best score first, in the order given."""
    ordered = sorted(scores, reverse=True)
    first = {}
    for position, value in enumerate(ordered, start=1):
        first.setdefault(value, position)
    return [first[value] for value in scores]


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def check_definition(
    indicators, adjustments, stuck_after_working_days, satisfied_min_rating
) -> list[Problem]:
    """Every problem of a scheme definition (an empty list if it is sound)."""
    problems: list[Problem] = []

    def fail(code: str, message, column: str) -> None:
        problems.append(Problem(code=code, message=message, column=column))

    if not isinstance(indicators, list) or not indicators:
        fail("scheme_empty", _("考核方案至少要有一个计分指标。"), "indicators")
        indicators = []
    seen = set()
    for index, item in enumerate(indicators):
        where = f"indicators[{index}]"
        if not isinstance(item, dict):
            fail("invalid_indicator", _("计分指标须为对象。"), where)
            continue
        key = item.get("key")
        if key not in SCORABLE:
            fail(
                "unknown_indicator", lazy_percent(_("“%s”不是可计分的指标。"), key), f"{where}.key"
            )
        elif key in seen:
            fail("duplicate_indicator", lazy_percent(_("指标“%s”重复。"), key), f"{where}.key")
        seen.add(key)
        weight = item.get("weight")
        if not _number(weight) or weight <= 0 or weight > 100:
            fail("invalid_weight", _("权重须为 0 到 100 之间的正数。"), f"{where}.weight")
        better = item.get("better", "higher")
        if better not in ("higher", "lower"):
            fail(
                "invalid_direction",
                _("比较方向（better）须为“越高越好”（higher）或“越低越好”（lower）。"),
                f"{where}.better",
            )
        bands = item.get("bands") or []
        if not isinstance(bands, list) or not all(
            isinstance(b, list | tuple)
            and len(b) == 2
            and _number(b[0])
            and _number(b[1])
            and 0 <= b[1] <= 1
            for b in bands
        ):
            fail(
                "invalid_bands",
                _("分档须为 [阈值, 得分比例] 的列表，比例在 0 到 1 之间。"),
                f"{where}.bands",
            )
        elif len({b[0] for b in bands}) != len(bands):
            fail("invalid_bands", _("分档阈值不能重复。"), f"{where}.bands")
        elif better == "lower" and not bands:
            fail("bands_required", _("“越低越好”的指标须设分档。"), f"{where}.bands")
        if item.get("without_data", NO_POINTS) not in WITHOUT_DATA:
            fail(
                "invalid_without_data",
                _("无办件时的计分方式须为 no_points（不得分）或 left_out（不参与计分）。"),
                f"{where}.without_data",
            )
    if not isinstance(adjustments, list):
        fail("invalid_adjustments", _("加减分项须为列表。"), "adjustments")
        adjustments = []
    for index, item in enumerate(adjustments):
        where = f"adjustments[{index}]"
        if not isinstance(item, dict):
            fail("invalid_adjustment", _("加减分项须为对象。"), where)
            continue
        if item.get("key") not in ADJUSTABLE:
            fail(
                "unknown_indicator",
                lazy_percent(_("“%s”不是指标。"), item.get("key")),
                f"{where}.key",
            )
        if item.get("kind") not in ("bonus", "penalty"):
            fail(
                "invalid_kind",
                _("加减分类型（kind）须为加分（bonus）或减分（penalty）。"),
                f"{where}.kind",
            )
        if not _number(item.get("points")) or item["points"] <= 0:
            fail("invalid_points", _("每单位分值须为正数。"), f"{where}.points")
        if not _number(item.get("cap")) or item["cap"] <= 0:
            fail("invalid_cap", _("上限须为正数。"), f"{where}.cap")
    if not isinstance(stuck_after_working_days, int) or not 1 <= stuck_after_working_days <= 250:
        fail(
            "invalid_threshold",
            _("滞留阈值须为 1 到 250 个工作日。"),
            "stuck_after_working_days",
        )
    if not isinstance(satisfied_min_rating, int) or not 1 <= satisfied_min_rating <= 5:
        fail("invalid_rating", _("满意的最低评价须为 1 到 5。"), "satisfied_min_rating")
    return problems


def validate_definition(**definition) -> None:
    problems = check_definition(**definition)
    if problems:
        raise ValidationFailed(problems, _("考核方案有 %(count)d 处错误，未保存。"))
