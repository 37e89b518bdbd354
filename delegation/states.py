"""The case state machine (docs/domain.md): one table of allowed moves, one function to apply it.

A move is (from state, action) → to state. Actions a person takes carry the roles allowed to
take them; the ``upstream_*`` actions are applied by the system when a status report arrives
from the tier that holds an escalated case.

Intake (行政许可法 art. 32): a received case is accepted, refused, or given the one-time notice
(一次性告知) at once, before or after acceptance; the supplement returns the case to the step it
was at (``receive_supplement_at_intake`` to received, ``receive_supplement`` to accepted). A
received case left without any of the three for 5 working days is accepted by the system
(``deemed_accept``, 超时默认). ``complete_materials`` records materials handed in at the desk
before the case leaves the centre where it was logged; it changes no state.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from core.roles import DESK_ROLES, Role
from delegation.models import OPEN_STATES, State

S = State
DECIDING_ROLES = frozenset({Role.STAFF, Role.HEAD})

#: action → (roles that may take it, {from state: to state})
TRANSITIONS: dict[str, tuple[frozenset[str], dict[str, str]]] = {
    "forward": (
        frozenset({Role.AGENT, Role.STAFF, Role.HEAD}),
        {s: S.ESCALATED for s in OPEN_STATES - {S.ESCALATED}},
    ),
    "complete_materials": (DESK_ROLES, {S.SUBMITTED: S.SUBMITTED}),
    "accept": (DECIDING_ROLES, {S.SUBMITTED: S.ACCEPTED}),
    "deemed_accept": (frozenset({Role.SYSTEM}), {S.SUBMITTED: S.ACCEPTED}),
    "refuse": (DECIDING_ROLES, {S.SUBMITTED: S.REFUSED}),
    "request_supplement": (
        DECIDING_ROLES,
        {S.SUBMITTED: S.SUPPLEMENT_NEEDED, S.ACCEPTED: S.SUPPLEMENT_NEEDED},
    ),
    # The supplement returns the case to the step the notice found it at.
    "receive_supplement_at_intake": (
        DESK_ROLES | {Role.SYSTEM},
        {S.SUPPLEMENT_NEEDED: S.SUBMITTED},
    ),
    "receive_supplement": (DESK_ROLES | {Role.SYSTEM}, {S.SUPPLEMENT_NEEDED: S.ACCEPTED}),
    "start_review": (DECIDING_ROLES, {S.ACCEPTED: S.IN_REVIEW}),
    "approve": (DECIDING_ROLES, {S.IN_REVIEW: S.APPROVED}),
    "deny": (DECIDING_ROLES, {S.IN_REVIEW: S.DENIED}),
    "escalate": (DECIDING_ROLES, {s: S.ESCALATED for s in OPEN_STATES - {S.ESCALATED}}),
    "withdraw": (DESK_ROLES | {Role.SYSTEM}, {s: S.WITHDRAWN for s in OPEN_STATES}),
    "deliver": (DESK_ROLES | {Role.SYSTEM}, {S.APPROVED: S.DELIVERED, S.DENIED: S.DELIVERED}),
    # Reported by the tier that holds an escalated case.
    "upstream_approved": (frozenset({Role.SYSTEM}), {S.ESCALATED: S.APPROVED}),
    "upstream_denied": (frozenset({Role.SYSTEM}), {S.ESCALATED: S.DENIED}),
    "upstream_refused": (frozenset({Role.SYSTEM}), {S.ESCALATED: S.REFUSED}),
    "upstream_withdrawn": (frozenset({Role.SYSTEM}), {S.ESCALATED: S.WITHDRAWN}),
}


#: What each action is called where a person reads it (errors, a case's history): the
#: identifiers above are the code's, never the user's. Every action of the table, and the
#: events that are not moves of it (``log``, ``receive``), has one.
ACTION_LABELS: dict[str, object] = {
    "log": _("登记"),
    "receive": _("接收转办"),
    "forward": _("转办上报"),
    "accept": _("受理"),
    "refuse": _("作出不予受理决定"),
    "request_supplement": _("一次性告知"),
    "receive_supplement": _("接收补正材料"),
    # The intake branch's actions (labels added when apistyle's table and intake's met).
    "complete_materials": _("补齐材料"),
    "deemed_accept": _("视为受理"),
    "receive_supplement_at_intake": _("受理前接收补正材料"),
    "start_review": _("开始审核"),
    "approve": _("作出准予许可决定"),
    "deny": _("作出不予许可决定"),
    "escalate": _("上报"),
    "withdraw": _("撤回"),
    "deliver": _("送达"),
    "upstream_approved": _("上级准予许可"),
    "upstream_denied": _("上级不予许可"),
    "upstream_refused": _("上级不予受理"),
    "upstream_withdrawn": _("上级撤回"),
}


def action_label(action: str):
    """The action's name for people (a generic word for one without a label yet)."""
    return ACTION_LABELS.get(action, _("该操作"))


def next_state(action: str, state: str, role: str) -> str:
    """The state ``action`` leads to from ``state``; a coded error if the move is forbidden."""
    try:
        roles, moves = TRANSITIONS[action]
    except KeyError as exc:
        raise DomainError(_("没有这项操作。"), code="unknown_action") from exc
    if role not in roles:
        raise DomainError(
            _("角色“%(role)s”不能执行“%(action)s”。"),
            code="role_not_allowed",
            params={
                "role": Role(role).label if role in Role.values else role,
                "action": action_label(action),
            },
        )
    if state not in moves:
        raise DomainError(
            _("办件当前状态为“%(state)s”，不能执行“%(action)s”。"),
            code="forbidden_transition",
            field="state",
            params={"state": State(state).label, "action": action_label(action)},
        )
    return moves[state]
