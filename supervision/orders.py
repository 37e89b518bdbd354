"""督办: supervision orders on red cases, their outcome, and the red cards of missed deadlines.

The loop, always through the outbox (never a write into another centre's schema):

1. ``issue_order``: a supervisor (督办员, a city or county centre) orders the centre holding a
   red case in their jurisdiction to act by a deadline. The order is recorded at the issuing
   side (``SupervisionOrder``, public) and a ``supervision.order`` message is written to the
   outbox in the same transaction.
2. ``apply_order`` (the inbox, ``supervision.inbox``): the handling centre stores it
   (``ReceivedOrder``, its own schema) with the state the case was in when it arrived.
3. The outcome: ``case_moved`` (called by ``delegation.services`` after every transition of a
   case) answers the open orders of a case that left that state; ``answer_order`` records an
   explanation written by the centre's staff. Either sends a ``supervision.outcome`` message.
4. ``apply_outcome`` (the issuer's inbox) records the outcome on the issuing side.
5. ``issue_red_cards``: an order past its deadline without an outcome becomes a red card (红牌):
   one statement, idempotent.

Both messages of an order use the order's id as their stream: the order is number 1, its
outcome number 2, so even a city supervising its own centre never has two messages with one
number.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.permissions import out_of_jurisdiction, require_in_jurisdiction
from core import sql
from core.errors import DomainError, NotFound, PermissionDenied
from core.roles import DESK_ROLES, Actor, Role
from messaging.outbox import enqueue
from supervision.models import Level, Outcome, RedCard, SupervisionOrder, Warning
from tenants.divisions import Tier, subtree_prefix
from tenants.models import ServiceCentre
from tenants.tenancy import in_centre

ORDER = "supervision.order"  # issuer → handling centre: act on this case by the deadline
OUTCOME = "supervision.outcome"  # handling centre → issuer: the case moved, or why not
ORDER_SEQ, OUTCOME_SEQ = 1, 2

#: The deadline when none is given: this many working days after the day of issue.
DEFAULT_DEADLINE_WORKING_DAYS = 3
#: Who issues orders, and at which tiers (a membership can only be held there anyway).
SUPERVISOR_TIERS = frozenset({Tier.CITY, Tier.COUNTY})
#: Who reads the network-wide lists: supervisors in their jurisdiction, the city's assessors.
READER_ROLES = frozenset({Role.SUPERVISOR, Role.ASSESSOR})
NOTE_MAX_LENGTH = 1000


# --- issuing -------------------------------------------------------------------------------------


def _centre(code: str) -> ServiceCentre | None:
    return ServiceCentre.objects.filter(division_code=code).first()


def supervisor_centre(actor: Actor | None) -> ServiceCentre:
    """The city or county centre ``actor`` supervises from; ``not_supervisor`` otherwise."""
    if actor is None or actor.role != Role.SUPERVISOR:
        raise PermissionDenied(_("只有督办员可以督办。"), code="not_supervisor")
    centre = _centre(actor.centre)
    if centre is None or centre.tier not in SUPERVISOR_TIERS:
        raise PermissionDenied(_("只有督办员可以督办。"), code="not_supervisor")
    return centre


def county_of(centre: ServiceCentre) -> str:
    """The county a centre is in (itself for a county; "" for the city centre)."""
    return "" if centre.tier == Tier.CITY else centre.division_code[:6]


def default_deadline(today: dt.date) -> dt.date:
    from workdays.calendar import add_working_days

    return add_working_days(today, DEFAULT_DEADLINE_WORKING_DAYS).due


def check_deadline(deadline: dt.date | None, today: dt.date) -> dt.date:
    """The order's deadline: the given day if it is a working day after today, else a coded
    error; when none is given, ``DEFAULT_DEADLINE_WORKING_DAYS`` working days after today."""
    from workdays.calendar import is_working_day

    if deadline is None:
        return default_deadline(today)
    if not isinstance(deadline, dt.date) or isinstance(deadline, dt.datetime):
        raise DomainError(
            _("督办期限应为日期（YYYY-MM-DD）。"),
            code="supervision_deadline_invalid",
            field="deadline",
        )
    if deadline <= today:
        raise DomainError(
            _("督办期限（%(deadline)s）须晚于今天（%(today)s）。"),
            code="supervision_deadline_past",
            field="deadline",
            params={"deadline": deadline.isoformat(), "today": today.isoformat()},
        )
    if deadline > today + dt.timedelta(days=366):
        raise DomainError(
            _("督办期限不能超过一年。"), code="supervision_deadline_too_far", field="deadline"
        )
    if not is_working_day(deadline):
        raise DomainError(
            _("督办期限（%(deadline)s）不是工作日。"),
            code="supervision_deadline_not_working_day",
            field="deadline",
            params={"deadline": deadline.isoformat()},
        )
    return deadline


def _clean_note(note: str, *, code: str, message) -> str:
    note = (note or "").strip()
    if not note:
        raise DomainError(message, code=code, field="note")
    if len(note) > NOTE_MAX_LENGTH:
        raise DomainError(
            _("内容不能超过 %(max)d 字。"),
            code="supervision_note_too_long",
            field="note",
            params={"max": NOTE_MAX_LENGTH},
        )
    return note


def red_warning(centre: ServiceCentre, tracking_no: str) -> tuple[object, Warning]:
    """The projection row of ``tracking_no`` at ``centre`` and the red warning of the step it
    is at now; ``case_not_found`` or ``case_not_red`` otherwise."""
    from network.models import CaseRecord
    from supervision.services import step_of

    record = CaseRecord.objects.filter(centre_id=centre.pk, tracking_no=tracking_no).first()
    if record is None:
        raise NotFound(
            _("%(centre)s没有办件“%(no)s”。"),
            code="case_not_found",
            field="tracking_no",
            params={"centre": centre.name, "no": tracking_no},
        )
    step = step_of(record.state, centre.tier, at_origin=not record.received_from_centre)
    warning = (
        Warning.objects.filter(
            centre_id=centre.pk, case_id=record.case_id, step=step, level=Level.RED
        ).first()
        if step
        else None
    )
    if warning is None:
        raise DomainError(
            _("办件“%(no)s”当前环节没有红色预警，不能督办。"),
            code="case_not_red",
            field="tracking_no",
            params={"no": tracking_no},
        )
    return record, warning


def issue_order(
    actor: Actor,
    centre_code: str,
    tracking_no: str,
    *,
    deadline: dt.date | None = None,
    note: str = "",
    today: dt.date | None = None,
) -> SupervisionOrder:
    """督办: order ``centre_code`` to act on its red case ``tracking_no`` by ``deadline``.

    Coded errors, nothing written (no order, no message): ``not_supervisor``,
    ``out_of_jurisdiction``, ``case_not_found``, ``case_not_red``, ``supervision_note_required``,
    ``supervision_note_too_long``, ``supervision_deadline_past`` (and ``…_invalid``,
    ``…_too_far``, ``…_not_working_day``), ``supervision_order_open`` (an order on this case is
    still unanswered)."""
    root = supervisor_centre(actor)
    centre_code = (centre_code or "").strip()
    tracking_no = (tracking_no or "").strip()
    require_in_jurisdiction(root, centre_code, field="centre_code")
    centre = _centre(centre_code)
    if centre is None:
        raise out_of_jurisdiction(centre_code, root, field="centre_code")
    note = _clean_note(
        note, code="supervision_note_required", message=_("请填写督办意见（要求和理由）。")
    )
    today = today or timezone.localdate()
    deadline = check_deadline(deadline, today)
    with transaction.atomic():
        record, warning = red_warning(centre, tracking_no)
        if SupervisionOrder.objects.filter(
            centre=centre, case_id=record.case_id, outcome=""
        ).exists():
            raise _already_open(tracking_no)
        order = SupervisionOrder(
            id=uuid.uuid4(),
            issuer_centre=root,
            issuer_code=root.division_code,
            issued_by_id=actor.user_id,
            issued_by_name=actor.name,
            centre=centre,
            centre_code=centre.division_code,
            county_code=county_of(centre),
            case_id=record.case_id,
            tracking_no=record.tracking_no,
            step=warning.step,
            deadline=deadline,
            note=note,
            issued_at=timezone.now(),
        )
        try:
            with transaction.atomic():
                order.save(force_insert=True)
        except IntegrityError as exc:  # a concurrent order on the same case won
            raise _already_open(tracking_no) from exc
        enqueue(
            kind=ORDER,
            sender=root.division_code,
            recipient=centre.division_code,
            stream=order.id,
            seq=ORDER_SEQ,
            payload={
                "case_id": order.case_id,
                "tracking_no": order.tracking_no,
                "issuer_name": root.name,
                "issued_by": actor.name,
                "step": order.step,
                "deadline": deadline.isoformat(),
                "note": note,
                "issued_at": order.issued_at.isoformat(),
            },
        )
    return order


def _already_open(tracking_no: str) -> DomainError:
    return DomainError(
        _("办件“%(no)s”已有未答复的督办。"),
        code="supervision_order_open",
        field="tracking_no",
        params={"no": tracking_no},
    )


# --- at the handling centre ----------------------------------------------------------------------


def apply_order(centre: ServiceCentre, message: dict) -> None:
    """The inbox's handler of ``supervision.order`` at the handling centre (its schema, the
    inbox's transaction): keep the order with the state the case is in now. Raises
    ``Rejected`` (nothing written) if the sender may not supervise this centre or the case is
    not here."""
    from delegation.models import Case
    from messaging.deadletters import Rejected
    from messaging.models import DeadLetterReason
    from supervision.centre.models import ReceivedOrder

    sender = _centre(message["sender"])
    if (
        sender is None
        or sender.tier not in SUPERVISOR_TIERS
        or not centre.division_code.startswith(subtree_prefix(sender.tier, sender.division_code))
    ):
        raise Rejected(
            DeadLetterReason.WRONG_SENDER,
            f"{message['sender']} does not supervise {centre.division_code}",
        )
    p = message["payload"]
    case = sql.one(Case, "WHERE id = %s FOR UPDATE", [p["case_id"]])
    if case is None or case.tracking_no != p["tracking_no"]:
        raise Rejected(DeadLetterReason.INVALID_PAYLOAD, f"no case {p['tracking_no']} here")
    if ReceivedOrder.objects.filter(pk=message["stream"]).exists():
        return  # applied before (its inbox row purged since)
    from supervision.services import step_of

    # The case left the ordered step between the issue and the arrival: it moved already.
    moved = step_of(case.state, centre.tier, at_origin=case.received_from_id is None) != p["step"]
    now = timezone.now()
    order = ReceivedOrder.objects.create(
        id=message["stream"],
        case=case,
        tracking_no=case.tracking_no,
        issuer_code=message["sender"],
        issuer_name=p["issuer_name"],
        issued_by=p["issued_by"],
        step=p["step"],
        deadline=dt.date.fromisoformat(p["deadline"]),
        note=p["note"],
        issued_at=dt.datetime.fromisoformat(p["issued_at"]),
        state_at_arrival=case.state,
        outcome=Outcome.MOVED if moved else "",
        moved_to=case.state if moved else "",
        answered_at=now if moved else None,
        answered_by="system" if moved else "",
    )
    if not moved:
        # The centre's desk is told in the same transaction (docs/notifications.md).
        from notifications.services import notify_staff

        notify_staff(
            centre,
            "duban",
            case.tracking_no,
            {"tracking_no": case.tracking_no, "note": order.note},
            key=str(order.pk),
        )
    if moved:
        _send_outcome(
            centre,
            order.pk,
            order.issuer_code,
            {
                "outcome": Outcome.MOVED,
                "state": case.state,
                "note": "",
                "answered_by": "system",
                "at": now.isoformat(),
            },
        )


def _send_outcome(centre: ServiceCentre, order_id, issuer_code: str, payload: dict) -> None:
    enqueue(
        kind=OUTCOME,
        sender=centre.division_code,
        recipient=issuer_code,
        stream=order_id,
        seq=OUTCOME_SEQ,
        payload=payload,
    )


#: One statement after every transition of a case (``delegation.services._apply``): the open
#: orders of the case whose state it has just left are answered "moved".
_MOVED_SQL = (
    "UPDATE supervision_centre_receivedorder SET outcome = %s, moved_to = %s, answered_at = %s, "
    "answered_by = %s WHERE case_id = %s AND outcome = '' AND state_at_arrival <> %s "
    "RETURNING id, issuer_code"
)


def case_moved(centre: ServiceCentre, case, actor: Actor) -> None:
    """The hook after a case's state transition (inside its transaction, in its centre's
    schema): open orders on the case are answered — it moved — and the issuer is told."""
    now = timezone.now()
    with connection.cursor() as cur:
        cur.execute(_MOVED_SQL, [Outcome.MOVED, case.state, now, actor.name, case.pk, case.state])
        answered = cur.fetchall()
    for order_id, issuer_code in answered:
        _send_outcome(
            centre,
            order_id,
            issuer_code,
            {
                "outcome": Outcome.MOVED,
                "state": case.state,
                "note": "",
                "answered_by": actor.name,
                "at": now.isoformat(),
            },
        )


def parse_order_id(order_id) -> uuid.UUID | None:
    """An order's id from what a client sent (None if it is not one)."""
    try:
        return order_id if isinstance(order_id, uuid.UUID) else uuid.UUID(str(order_id))
    except ValueError:
        return None


def answer_order(centre: ServiceCentre | str, actor: Actor, order_id, *, note: str):
    """The handling centre explains (情况说明) why the case has not moved yet; the explanation
    goes back to the issuer. Coded errors: ``wrong_centre``, ``role_not_allowed``,
    ``supervision_order_not_found`` (also another centre's order: it is not in this schema),
    ``supervision_order_answered``, ``supervision_explanation_required``."""
    from supervision.centre.models import ReceivedOrder

    centre = centre if isinstance(centre, ServiceCentre) else _centre(centre)
    if centre is None:
        raise NotFound(_("没有这个服务中心。"), code="centre_not_found")
    if actor.centre != centre.division_code:
        raise PermissionDenied(
            _("%(actor)s 不在本中心（%(centre)s）任职，不能办理本中心的办件。"),
            code="wrong_centre",
            params={"actor": actor.name, "centre": centre.name},
        )
    if actor.role not in DESK_ROLES:
        raise PermissionDenied(
            _("您的角色（%(role)s）不能答复督办。"),
            code="role_not_allowed",
            params={"role": Role(actor.role).label},
        )
    note = _clean_note(
        note,
        code="supervision_explanation_required",
        message=_("请填写情况说明：办件为何尚未推进、何时办结。"),
    )
    pk = parse_order_id(order_id)
    with in_centre(centre), transaction.atomic():
        order = ReceivedOrder.objects.select_for_update().filter(pk=pk).first() if pk else None
        if order is None:
            raise NotFound(
                _("本中心没有这条督办。"), code="supervision_order_not_found", field="order"
            )
        if order.outcome:
            raise DomainError(
                _("这条督办已经答复（%(outcome)s）。"),
                code="supervision_order_answered",
                field="order",
                params={"outcome": Outcome(order.outcome).label},
            )
        order.outcome, order.outcome_note = Outcome.EXPLAINED, note
        order.answered_at, order.answered_by = timezone.now(), actor.name
        order.save(update_fields=["outcome", "outcome_note", "answered_at", "answered_by"])
        _send_outcome(
            centre,
            order.pk,
            order.issuer_code,
            {
                "outcome": Outcome.EXPLAINED,
                "state": "",
                "note": note,
                "answered_by": actor.name,
                "at": order.answered_at.isoformat(),
            },
        )
    return order


# --- back at the issuer --------------------------------------------------------------------------


def apply_outcome(centre: ServiceCentre, message: dict) -> None:
    """The inbox's handler of ``supervision.outcome`` at the issuing centre: record the answer
    on the order (the first one; a later copy changes nothing). Raises ``Rejected`` if the
    order is not this centre's or the sender is not the centre it was sent to."""
    from messaging.deadletters import Rejected
    from messaging.models import DeadLetterReason

    order = SupervisionOrder.objects.select_for_update().filter(pk=message["stream"]).first()
    if (
        order is None
        or order.issuer_code != centre.division_code
        or order.centre_code != message["sender"]
    ):
        raise Rejected(
            DeadLetterReason.WRONG_SENDER,
            f"order {message['stream']} was not sent by {centre.division_code} "
            f"to {message['sender']}",
        )
    if order.outcome:
        return
    p = message["payload"]
    order.outcome, order.outcome_note = p["outcome"], p["note"]
    order.moved_to = p["state"]
    order.answered_at = dt.datetime.fromisoformat(p["at"])
    order.answered_by = p["answered_by"]
    order.outcome_received_at = timezone.now()
    order.save(
        update_fields=[
            "outcome",
            "outcome_note",
            "moved_to",
            "answered_at",
            "answered_by",
            "outcome_received_at",
        ]
    )


# --- red cards -----------------------------------------------------------------------------------

#: Every order past its deadline without an outcome, recorded once (the card's key is the
#: order): running it twice, or twice at once, records nothing twice.
_RED_CARDS_SQL = """
INSERT INTO supervision_redcard
       (order_id, centre_id, centre_code, county_code, issuer_code, tracking_no, deadline,
        raised_on, created_at)
SELECT o.id, o.centre_id, o.centre_code, o.county_code, o.issuer_code, o.tracking_no,
       o.deadline, %s, now()
  FROM supervision_supervisionorder o
 WHERE o.outcome = '' AND o.deadline < %s
   AND NOT EXISTS (SELECT 1 FROM supervision_redcard r WHERE r.order_id = o.id)
ON CONFLICT (order_id) DO NOTHING
"""


def issue_red_cards(*, today: dt.date | None = None) -> int:
    """红牌: every order whose deadline (the last day to answer) is before ``today`` and that
    has no outcome gets its red card. Returns how many were recorded by this run."""
    today = today or timezone.localdate()
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(_RED_CARDS_SQL, [today, today])
        return cur.rowcount


# --- reading -------------------------------------------------------------------------------------


def reader_root(actor: Actor | None) -> ServiceCentre:
    """The subtree ``actor`` may read orders and red cards of: a supervisor's centre, or an
    assessor's city; ``not_supervisor`` for anyone else."""
    if actor is None or actor.role not in READER_ROLES:
        raise PermissionDenied(_("只有督办员或考核人员可以查看督办和红牌。"), code="not_supervisor")
    root = _centre(actor.centre)
    if root is None:
        raise PermissionDenied(_("只有督办员或考核人员可以查看督办和红牌。"), code="not_supervisor")
    return root


def _scoped(queryset, actor: Actor | None, county: str | None):
    root = reader_root(actor)
    queryset = queryset.filter(
        centre_code__startswith=subtree_prefix(root.tier, root.division_code)
    )
    county = (county or "").strip()
    if county:
        require_in_jurisdiction(root, county, field="county")
        queryset = queryset.filter(county_code=county)
    return queryset


def network_orders(actor: Actor | None, *, county: str | None = None, open_only: bool = False):
    """The orders issued on centres of ``actor``'s jurisdiction (of one county), newest first."""
    orders = _scoped(SupervisionOrder.objects.all(), actor, county)
    if open_only:
        orders = orders.filter(outcome="")
    return orders.order_by("-issued_at")


def network_red_cards(actor: Actor | None, *, county: str | None = None):
    """The red cards of centres in ``actor``'s jurisdiction (of one county), newest first."""
    return _scoped(RedCard.objects.select_related("order"), actor, county).order_by(
        "-raised_on", "centre_code"
    )


def open_orders_here(limit: int = 50) -> list:
    """The open orders of the centre whose schema is selected, earliest deadline first."""
    from supervision.centre.models import ReceivedOrder

    return list(ReceivedOrder.objects.filter(outcome="").order_by("deadline", "issued_at")[:limit])


def case_orders(case_ids: Iterable[int]) -> dict[int, list]:
    """The orders received for these cases of the selected centre, newest first, by case."""
    from supervision.centre.models import ReceivedOrder

    found: dict[int, list] = {}
    for order in ReceivedOrder.objects.filter(case_id__in=list(case_ids)).order_by("-issued_at"):
        found.setdefault(order.case_id, []).append(order)
    return found


def received_orders(*, open_only: bool = False, tracking_no: str | None = None) -> list:
    """The orders the selected centre received: open ones by deadline, then answered ones."""
    from supervision.centre.models import ReceivedOrder

    found = ReceivedOrder.objects.all()
    if open_only:
        found = found.filter(outcome="")
    if tracking_no:
        found = found.filter(tracking_no=tracking_no.strip())
    return sorted(found[:200], key=lambda o: (bool(o.outcome), o.deadline, o.issued_at))


#: Red cases of a subtree: a red warning for the step the case is at now (the step follows from
#: the projection's state, as in the evaluation), with no open order yet. Oldest deadline first.
_RED_CASES_SQL = """
SELECT w.centre_code, c.name, w.tracking_no, w.step, w.deadline, r.item_code
  FROM supervision_warning w
  JOIN network_caserecord r ON r.centre_id = w.centre_id AND r.case_id = w.case_id
  JOIN tenants_servicecentre c ON c.id = w.centre_id
 WHERE w.level = 'red' AND w.centre_code LIKE %s
   AND w.step = CASE WHEN r.state = 'submitted' AND r.tier = 'village' THEN 'forward'
                     WHEN r.state = 'submitted' THEN 'intake'
                     WHEN r.state IN ('accepted', 'in_review') THEN 'decide'
                     WHEN r.state IN ('approved', 'denied') AND r.received_from_centre = ''
                          THEN 'deliver' END
   AND NOT EXISTS (SELECT 1 FROM supervision_supervisionorder o
                    WHERE o.centre_id = w.centre_id AND o.case_id = w.case_id AND o.outcome = '')
 ORDER BY w.deadline, w.centre_code, w.tracking_no
 LIMIT %s
"""


def red_cases(actor: Actor | None, *, county: str | None = None, limit: int = 100) -> list[dict]:
    """The cases a supervisor may order now: red for their current step, in the jurisdiction
    (of one county), no open order on them."""
    root = supervisor_centre(actor)
    prefix = subtree_prefix(root.tier, root.division_code)
    county = (county or "").strip()
    if county:
        require_in_jurisdiction(root, county, field="county")
        prefix = county
    with connection.cursor() as cur:
        cur.execute(_RED_CASES_SQL, [prefix + "%", limit])
        names = ("centre_code", "centre_name", "tracking_no", "step", "deadline", "item_code")
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
