"""The default scoring scheme, modelled on a county-level 目标管理考核办法 for the network.

Seeded as version 1 of "政务服务体系建设年度考核" by migration 0003. Do not edit it to change
scoring: assessors revise a scheme through ``assessment.services.revise_scheme`` (a new
version), so past runs keep the rules they were scored by.

100 points of indicators (normalised over the indicators that apply to a unit, see
``assessment.scoring``), bands as in the source documents' tiered scoring (达到 … 得满分,
每低 … 按比例), then bonus and penalty items, each capped. A case indicator an idle unit lacks
earns no points (``without_data``: ``"no_points"``, also what an indicator without the entry
gets, so the stored version 1 scores the same).
"""

DEFAULT_SCHEME_NAME = "政务服务体系建设年度考核"

#: The deduction per red card (红牌) and its cap, in the default scheme's adjustments.
RED_CARD_POINTS = 1
RED_CARD_CAP = 10

DEFAULT_SCHEME = {
    "description": (
        "覆盖率20分、六有15分、按期办结率20分、提前办结率10分、即办件比例10分、满意率15分、"
        "流转时效10分；超期件、滞留件、无办件中心、红牌扣分，节约工作日加分，各项均设上限。"
    ),
    "indicators": [
        # 服务网点覆盖率: 100% full marks, ≥95% 80%, ≥90% 60%, below nothing.
        {
            "key": "coverage_rate",
            "weight": 20,
            "better": "higher",
            "bands": [[1.0, 1.0], [0.95, 0.8], [0.9, 0.6]],
        },
        # 六有 of the village points: the share of essentials present, pro rata.
        {"key": "six_essentials_rate", "weight": 15, "better": "higher", "bands": []},
        {
            "key": "on_time_rate",
            "weight": 20,
            "without_data": "no_points",
            "better": "higher",
            "bands": [[0.99, 1.0], [0.95, 0.8], [0.9, 0.6], [0.8, 0.4]],
        },
        {
            "key": "early_rate",
            "weight": 10,
            "without_data": "no_points",
            "better": "higher",
            "bands": [[0.6, 1.0], [0.4, 0.8], [0.2, 0.5], [0.0, 0.2]],
        },
        {
            "key": "immediate_ratio",
            "weight": 10,
            "without_data": "no_points",
            "better": "higher",
            "bands": [[0.5, 1.0], [0.3, 0.8], [0.1, 0.5]],
        },
        {
            "key": "satisfaction_rate",
            "weight": 15,
            "without_data": "no_points",
            "better": "higher",
            "bands": [[0.99, 1.0], [0.95, 0.8], [0.9, 0.6]],
        },
        # Average working days a case stays at a centre before it leaves: lower is better.
        {
            "key": "turnaround_days",
            "weight": 10,
            "without_data": "no_points",
            "better": "lower",
            "bands": [[1, 1.0], [3, 0.8], [5, 0.5], [10, 0.2]],
        },
    ],
    "adjustments": [
        {"key": "overdue", "kind": "penalty", "points": 0.5, "cap": 10},
        {"key": "stuck_chains", "kind": "penalty", "points": 0.5, "cap": 5},
        {"key": "idle_centres", "kind": "penalty", "points": 1, "cap": 5},
        # 红牌: a supervision order (督办) left unanswered past its deadline.
        {"key": "red_cards", "kind": "penalty", "points": RED_CARD_POINTS, "cap": RED_CARD_CAP},
        {"key": "avg_saved_vs_promised", "kind": "bonus", "points": 1, "cap": 3},
    ],
    "stuck_after_working_days": 10,
    "satisfied_min_rating": 3,
}
