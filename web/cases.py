"""How the web app shows cases: what needs the user, days left, the actions a page offers.

Nothing here decides a rule: the actions offered are read from the state table
(``delegation.states.TRANSITIONS``) and the item's deciding tiers, the same facts the services
check; a service still refuses anything this offers by mistake, and the page shows why.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.roles import Role
from delegation import queries
from delegation.models import DECIDED_STATES, OPEN_STATES, Case, Channel, State
from delegation.states import TRANSITIONS
from tenants.divisions import TIER_RANK, Tier
from workdays.calendar import working_days_between

PAGE_SIZE = 20

#: The agent's register filters ("what needs me").
NEEDS = {
    "supplement": (
        _("待补正材料"),
        Q(state=State.SUPPLEMENT_NEEDED)
        | Q(state=State.ESCALATED, upstream_state=State.SUPPLEMENT_NEEDED),
    ),
    "handover": (_("待送达群众"), Q(state__in=DECIDED_STATES)),
    "forward": (_("待上报"), Q(state=State.SUBMITTED)),
}

#: The window's worklist tabs: (key, label, the states it lists; None: every state).
TAB_STATES: list[tuple[str, str, list[str] | None]] = [
    ("incoming", _("待受理"), [State.SUBMITTED]),
    ("review", _("办理中"), [State.ACCEPTED, State.IN_REVIEW]),
    ("supplement", _("待补正"), [State.SUPPLEMENT_NEEDED]),
    ("escalated", _("已上报"), [State.ESCALATED]),
    ("decided", _("待送达"), list(DECIDED_STATES)),
    ("all", _("全部"), None),
]
#: The same tabs as (key, label, filter).
TABS = [
    (key, label, Q(state__in=states) if states is not None else Q())
    for key, label, states in TAB_STATES
]
TAB_FILTERS = {key: q for key, _label, q in TABS}


def tab_counts_from_states(by_state: dict[str, int]) -> dict[str, int]:
    """The tabs' counts from a centre's counts by state (``network.state_counts``)."""
    return {
        key: sum(by_state.values())
        if states is None
        else sum(by_state.get(state, 0) for state in states)
        for key, _label, states in TAB_STATES
    }


@dataclass
class Clock:
    today: dt.date
    soon: dt.date

    @classmethod
    def now(cls) -> Clock:
        today = queries.today()
        return cls(today, queries.due_soon_until(today))

    def warning(self, case: Case) -> str | None:
        return queries.deadline_warning(case, self.today, self.soon)

    def days_left(self, case: Case) -> int | None:
        """Working days left to the promised date (negative: overdue), while the clock runs."""
        if case.due_on is None or case.state not in queries.CLOCK_RUNNING:
            return None
        if case.due_on >= self.today:
            return working_days_between(self.today, case.due_on).days
        return -working_days_between(case.due_on, self.today).days


def needs_me(case: Case, tier: str) -> list[str]:
    """What a desk must do next on a case of its register, in words (badges in lists)."""
    todo = []
    if case.effective_state == State.SUPPLEMENT_NEEDED:
        todo.append(str(_("待补正材料")))
    if case.state in DECIDED_STATES:
        todo.append(str(_("待送达群众")))
    if case.state == State.SUBMITTED and tier == Tier.VILLAGE:
        todo.append(str(_("待上报")))
    if case.state == State.SUBMITTED and tier != Tier.VILLAGE:
        todo.append(str(_("待受理")))
    return todo


def decorate(cases: list[Case], tier: str, clock: Clock) -> list[Case]:
    for case in cases:
        case.web_warning = clock.warning(case)
        case.web_days_left = clock.days_left(case)
        case.web_overdue = -case.web_days_left if (case.web_days_left or 0) < 0 else None
        case.web_needs = needs_me(case, tier)
    return cases


def supervise(cases: list[Case], centre) -> list[Case]:
    """Attach the supervision warnings (电子监察) recorded for these cases at ``centre``: all of
    them (``web_warnings``, oldest first) and the level of the step each is at now
    (``web_supervision``: yellow, red or None once the case moved on). One query."""
    from supervision.models import Step
    from supervision.services import case_warnings, current_level

    found = case_warnings(centre, [case.pk for case in cases])
    for case in cases:
        case.web_warnings = found.get(case.pk, [])
        case.web_supervision = current_level(case, centre.tier, case.web_warnings)
        case.web_supervision_step = next(
            (
                Step(w.step).label
                for w in reversed(case.web_warnings)
                if w.level == case.web_supervision
            ),
            "",
        )
    return cases


def _allowed(action: str, state: str, role: str) -> bool:
    roles, moves = TRANSITIONS[action]
    return role in roles and state in moves


def _unrated(case: Case) -> bool:
    """The desk's 评价 form rates the deciding centre: offered until that one is rated."""
    from ratings.services import outcome_rating

    return outcome_rating(case) is None


def actions_for(case: Case, centre, role: str) -> set[str]:
    """The actions a case's page offers this role at this centre in the case's state."""
    state, tier = case.state, centre.tier
    tiers = case.item_version.decision_tiers
    may_decide = tier in tiers
    higher = any(TIER_RANK[t] > TIER_RANK[tier] for t in tiers)
    offered = set()
    if tier == Tier.VILLAGE:
        if _allowed("forward", state, role) and case.item_version.proxy_eligible:
            offered.add("forward")
    else:
        for action in ("accept", "refuse", "request_supplement"):
            if _allowed(action, state, role):
                offered.add(action)
        if may_decide:
            offered |= {a for a in ("start_review", "approve", "deny") if _allowed(a, state, role)}
        elif higher and _allowed("escalate", state, role):
            offered.add("escalate")
    if (
        "complete_materials" in TRANSITIONS
        and _allowed("complete_materials", state, role)
        and case.channel != Channel.DELEGATED
        and any(not m["received"] for m in case.materials)
    ):
        offered.add("complete_materials")
    if case.state == State.SUPPLEMENT_NEEDED or (
        state == State.ESCALATED and case.upstream_state == State.SUPPLEMENT_NEEDED
    ):
        offered.add("supply")
    if _allowed("withdraw", state, role) and state in OPEN_STATES:
        offered.add("withdraw")
    if _allowed("deliver", state, role):
        offered.add("deliver")
    if (state == State.DELIVERED or state in DECIDED_STATES) and _unrated(case):
        offered.add("rate")
    if role == Role.SYSTEM:
        return set()
    return offered
