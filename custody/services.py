"""Custody of the applicant's papers (全程代办): every rule about who holds which paper.

Each public function is one transaction in one centre's schema, takes the acting ``Actor``
explicitly and either does all it says or raises a ``DomainError`` having done nothing. What
must reach the centre at the other end of a hop travels as a message on the hop's delegation
stream (``custody.messages``), written to the outbox in the same transaction.

The flow of a proxy case's papers:

1. ``authorize_proxy``: at the village, the applicant authorises the agent (委托代办) and hands
   over originals (and copies) from the item's list of materials;
2. ``papers_follow_case`` (called by ``delegation.services`` when a case is forwarded or
   escalated) or ``hand_over``: the sender lists the papers; they leave the centre;
3. ``confirm_receipt``: the receiver ticks what arrived; a missing or extra paper is flagged
   there (a discrepancy) and the receipt goes back to the sender;
4. ``record_result``: where the case was decided, the licence or certificate joins the papers;
5. ``hand_over`` again, down each hop, once the case is decided (or closed) there;
6. ``return_to_applicant``: at the village, the result and the originals are handed to the
   applicant against a signature;
7. ``check_papers_accounted`` (called by ``delegation.services.deliver_case``): the case is
   not closed while papers are held, a hand-over is unconfirmed or an original is still away.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError, NotFound, PermissionDenied
from core.roles import DESK_ROLES, Actor
from custody.models import Authorization, Handover, HandoverLine, PaperForm, Route
from delegation.models import DECIDED_STATES, OPEN_STATES, Case, Channel, State
from tenants.models import ServiceCentre
from tenants.tenancy import in_centre

#: A paper as the services name it: (name, form).
PaperRef = tuple[str, str]

HANDED_UP = "custody.handed_up"  # up: papers sent to the parent centre
HANDED_DOWN = "custody.handed_down"  # down: papers sent back to the lower centre
RECEIVED_UP = "custody.received_up"  # up: the lower centre's receipt of papers sent down
RECEIVED_DOWN = "custody.received_down"  # down: the parent's receipt of papers sent up


@dataclass(frozen=True)
class Paper:
    name: str
    form: str
    count: int

    @property
    def ref(self) -> PaperRef:
        return (self.name, self.form)

    @property
    def key(self) -> str:
        """How a form names it: ``name|form`` (material names hold no ``|``)."""
        return f"{self.name}|{self.form}"

    def form_label(self) -> str:
        return str(PaperForm(self.form).label)


def parse_ref(value: str) -> PaperRef:
    """A paper from a form's ``name|form``."""
    name, _sep, form = (value or "").rpartition("|")
    if not name.strip() or form not in PaperForm.values:
        raise DomainError(
            _("材料“%(value)s”的写法不对，应为“材料名称|形式”。"),
            code="paper_malformed",
            field="papers",
            params={"value": value},
        )
    return (name.strip(), form)


# --- helpers -----------------------------------------------------------------------------------


def _prologue(centre, actor: Actor):
    from delegation.services import _centre, _check_actor

    centre = _centre(centre)
    _check_actor(centre, actor)
    if actor.role not in DESK_ROLES:
        raise PermissionDenied(
            _("只有代办员、窗口人员或中心负责人可以办理材料交接。"), code="role_not_allowed"
        )
    return centre


def _case(case_ref) -> Case:
    from delegation.services import _get_case

    return _get_case(case_ref)


def _forms_of(material_form: str) -> list[str]:
    """The papers a required material stands for (原件及复印件: both)."""
    if material_form == "original_and_copy":
        return [PaperForm.ORIGINAL, PaperForm.COPY]
    return [PaperForm.COPY if material_form == "copy" else PaperForm.ORIGINAL]


def _case_papers(case: Case) -> dict[PaperRef, int]:
    """The papers this case can have: its required materials, and any result recorded or
    received here."""
    results = HandoverLine.objects.filter(handover__case=case, form=PaperForm.RESULT)
    return case_papers(case, results.values_list("name", "count"))


def case_papers(case: Case, results: Iterable[tuple[str, int]]) -> dict[PaperRef, int]:
    """The case's required materials as papers (in the item's order), and the ``results``
    (name, count) known here."""
    papers = {}
    for material in case.materials:
        for form in _forms_of(material.get("form", "original")):
            papers[(material["name"], form)] = int(material.get("count") or 1)
    for name, count in results:
        papers[(name, PaperForm.RESULT)] = count
    return papers


#: Per paper of one case, what this centre holds: what came in and arrived, minus what went out.
_BALANCE_SQL = (
    "SELECT l.name, l.form, "
    " SUM(CASE WHEN h.incoming THEN l.count ELSE -l.count END) AS n "
    "FROM custody_handoverline l JOIN custody_handover h ON h.id = l.handover_id "
    "WHERE h.case_id = %s AND h.route <> 'lost' "
    " AND (NOT h.incoming OR (h.received_at IS NOT NULL AND l.arrived)) "
    "GROUP BY l.name, l.form"
)


def holds_any(case: Case) -> bool:
    """Whether this centre holds any paper of ``case`` (one query; ``held`` also orders them)."""
    with connection.cursor() as cur:
        cur.execute(f"SELECT EXISTS (SELECT 1 FROM ({_BALANCE_SQL}) b WHERE b.n > 0)", [case.pk])
        return cur.fetchone()[0]


def held(case: Case, known: dict[PaperRef, int] | None = None) -> list[Paper]:
    """What this centre holds for ``case``: what came in and arrived, minus what went out; in
    the order of ``known`` (the case's papers, read if not given)."""
    balance: Counter[PaperRef] = Counter()
    with connection.cursor() as cur:
        cur.execute(_BALANCE_SQL, [case.pk])
        for name, form, count in cur.fetchall():
            balance[(name, form)] = count
    order = list(_case_papers(case) if known is None else known)
    papers = [Paper(name, form, count) for (name, form), count in balance.items() if count > 0]
    return sorted(
        papers, key=lambda p: (order.index(p.ref) if p.ref in order else len(order), p.ref)
    )


def _originals_away(case: Case) -> list[Paper]:
    """Originals the applicant handed over here and has not had back."""
    balance: Counter[str] = Counter()
    for name, count, route in HandoverLine.objects.filter(
        handover__case=case,
        form=PaperForm.ORIGINAL,
        handover__route__in=[Route.FROM_APPLICANT, Route.TO_APPLICANT, Route.LOST],
    ).values_list("name", "count", "handover__route"):
        balance[name] += count if route == Route.FROM_APPLICANT else -count
    return [Paper(name, PaperForm.ORIGINAL, n) for name, n in balance.items() if n > 0]


def _choose(case: Case, papers: Iterable[PaperRef] | None) -> list[Paper]:
    """The papers to send: those listed (each must be one of the case's and held here), or
    everything held. Raises the coded errors; nothing is written."""
    holding = {paper.ref: paper for paper in held(case)}
    if papers is None:
        return list(holding.values())
    chosen, known = [], _case_papers(case)
    for ref in dict.fromkeys(papers):  # a paper listed twice is sent once
        if ref not in known:
            raise DomainError(
                _("“%(name)s（%(form)s）”不是本办件的材料。"),
                code="paper_unknown",
                field="papers",
                params={"name": ref[0], "form": _form_label(ref[1])},
            )
        if ref not in holding:
            raise DomainError(
                _("“%(name)s（%(form)s）”不在本中心，不能移交。"),
                code="paper_not_held",
                field="papers",
                params={"name": ref[0], "form": _form_label(ref[1])},
            )
        chosen.append(holding[ref])
    return chosen


def _form_label(form: str) -> str:
    return str(PaperForm(form).label) if form in PaperForm.values else form


def _lines(handover: Handover, papers: Iterable[Paper], **extra) -> None:
    HandoverLine.objects.bulk_create(
        [
            HandoverLine(handover=handover, name=p.name, form=p.form, count=p.count, **extra)
            for p in papers
        ]
    )


def _project(centre: ServiceCentre, case: Case) -> None:
    from custody.records.projection import record_papers

    pending = Handover.objects.filter(case=case, received_at__isnull=True).count()
    record_papers(centre, case, sum(p.count for p in held(case)), pending)


def _send(centre: ServiceCentre, delegation_id, kind: str, payload: dict) -> None:
    # The delegation protocol's own numbering: custody messages share the hop's stream, so
    # they arrive in order with the case's messages (never before the case they belong to).
    from delegation.services import _hop
    from delegation.services import _send as send_on_hop

    send_on_hop(_hop(delegation_id), kind, payload, centre)


def _papers_payload(papers: Iterable[Paper]) -> list[dict]:
    return [{"name": p.name, "form": p.form, "count": p.count} for p in papers]


# --- 1. the applicant's authorization ------------------------------------------------------------


def _require_closed_at_origin(case: Case) -> None:
    """Papers go back to the applicant only where the case was logged, once it is over."""
    if case.received_from_id is not None:
        raise DomainError(_("材料只能在申请人办理登记的中心交还申请人。"), code="not_origin_centre")
    if case.state in OPEN_STATES:
        raise DomainError(_("办件尚未办结，不能交还材料。"), code="case_still_open")


def _on_the_spot(
    centre: ServiceCentre,
    case: Case,
    route: str,
    *,
    incoming: bool,
    sent_by: str,
    received_by: str,
    at,
    note: str,
    papers,
    arrived: bool = True,
) -> Handover:
    """A hand-over given and signed for at the desk in one go (from or to the applicant, a
    result, a loss explained): no hop, no message; the projection follows."""
    handover = Handover.objects.create(
        case=case,
        route=route,
        incoming=incoming,
        sent_by=sent_by,
        sent_at=at,
        received_by=received_by,
        received_at=at,
        note=note,
    )
    _lines(handover, papers, arrived=arrived)
    _project(centre, case)
    return handover


def authorize_proxy(
    centre: ServiceCentre | str,
    actor: Actor,
    case_ref,
    *,
    papers: Iterable[PaperRef],
    agent_name: str = "",
    note: str = "",
) -> Authorization:
    """委托代办: the applicant authorises the agent to carry ``case_ref`` and hands over the
    listed papers (from the item's required materials). Recorded where the case was logged,
    before it leaves."""
    centre = _prologue(centre, actor)
    with in_centre(centre), transaction.atomic():
        case = _case(case_ref)
        if case.received_from_id is not None or case.channel != Channel.VILLAGE_PROXY:
            raise DomainError(
                _("只有在村代办点登记的代办件才能登记委托代办。"), code="not_proxy_case"
            )
        if Authorization.objects.filter(case=case).exists():
            raise DomainError(_("该办件已登记委托代办。"), code="authorization_exists")
        if case.forwarded_to_id is not None or case.state not in OPEN_STATES:
            raise DomainError(
                _("办件已上报或已办结，不能再登记委托代办。"), code="authorization_too_late"
            )
        known = _case_papers(case)
        chosen = []
        for ref in dict.fromkeys(papers):
            if ref not in known:
                raise DomainError(
                    _("“%(name)s（%(form)s）”不是该事项要求的材料。"),
                    code="paper_unknown",
                    field="papers",
                    params={"name": ref[0], "form": _form_label(ref[1])},
                )
            chosen.append(Paper(ref[0], ref[1], known[ref]))
        if not chosen:
            raise DomainError(
                _("请勾选申请人交给代办员的材料。"), code="papers_empty", field="papers"
            )
        agent_name = (agent_name or "").strip() or actor.name
        now = timezone.now()
        authorization = Authorization.objects.create(
            case=case, agent_name=agent_name, recorded_by=actor.name, authorised_at=now, note=note
        )
        _on_the_spot(
            centre,
            case,
            Route.FROM_APPLICANT,
            incoming=True,
            sent_by=case.applicant_name,
            received_by=agent_name,
            at=now,
            note=note,
            papers=chosen,
        )
        return authorization


def authorize_on_logging(
    centre: ServiceCentre | str, actor: Actor, case: Case, materials: Iterable[str]
) -> Authorization:
    """委托代办 as the request is logged (the new-request form): the materials received, each
    as the papers it stands for, go into the agent's custody. Call it in the logging's
    transaction, so that the request and its authorization are recorded together."""
    names = set(materials)
    papers = [
        (m["name"], form)
        for m in case.materials
        if m["name"] in names
        for form in _forms_of(m.get("form", "original"))
    ]
    return authorize_proxy(centre, actor, case.tracking_no, papers=papers)


# --- 2. hand-overs between centres ---------------------------------------------------------------


def _route_of(case: Case) -> str:
    """Which way papers of ``case`` may leave this centre now: up while it is handed up, down
    once it is decided or closed here and came from below."""
    if case.state == State.ESCALATED and case.forwarded_to_id is not None:
        return Route.UP
    if case.received_from_id is not None and case.state not in OPEN_STATES:
        return Route.DOWN
    raise DomainError(
        _("办件当前状态下没有可移交的上级或下级中心：上报后才能向上移交，办结后才能向下移交。"),
        code="no_handover_route",
    )


def _hand_over(
    centre: ServiceCentre,
    actor: Actor,
    case: Case,
    route: str,
    papers: Iterable[PaperRef] | None,
    note: str,
) -> Handover:
    from delegation.services import _peer

    chosen = _choose(case, papers)
    if not chosen:
        raise DomainError(_("本中心没有该办件的材料可移交。"), code="papers_empty", field="papers")
    delegation_id = case.forwarded_to_id if route == Route.UP else case.received_from_id
    handover = Handover.objects.create(
        case=case,
        route=route,
        incoming=False,
        peer_centre=_peer(delegation_id),
        sent_by=actor.name,
        sent_at=timezone.now(),
        note=note,
    )
    _lines(handover, chosen)
    _send(
        centre,
        delegation_id,
        HANDED_UP if route == Route.UP else HANDED_DOWN,
        {
            "handover": str(handover.pk),
            "papers": _papers_payload(chosen),
            "sent_by": actor.name,
            "at": handover.sent_at.isoformat(),
            "note": note,
        },
    )
    _project(centre, case)
    return handover


def papers_follow_case(
    centre: ServiceCentre, actor: Actor, case: Case, papers: Iterable[PaperRef] | None = None
) -> Handover | None:
    """Called by ``delegation.services`` as a case is forwarded or escalated, in its
    transaction: the papers listed (by default everything held here) go up with it. A case
    with no papers here (no authorization: the applicant kept them) sends nothing."""
    if papers is not None:
        papers = list(papers)
        if not papers:
            return None  # the sender chose to send none now
    elif not holds_any(case):
        return None
    return _hand_over(centre, actor, case, Route.UP, papers, "")


def hand_over(
    centre: ServiceCentre | str,
    actor: Actor,
    case_ref,
    *,
    papers: Iterable[PaperRef] | None = None,
    note: str = "",
) -> Handover:
    """移交材料: send papers of ``case_ref`` to the next centre (up while the case is handed up,
    down once it is decided or closed here). ``papers``: by default everything held here."""
    centre = _prologue(centre, actor)
    with in_centre(centre), transaction.atomic():
        case = _case(case_ref)
        return _hand_over(centre, actor, case, _route_of(case), papers, note)


def confirm_receipt(
    centre: ServiceCentre | str,
    actor: Actor,
    case_ref,
    handover_id,
    *,
    arrived: Iterable[PaperRef],
    extra: Iterable[tuple[str, str, int]] = (),
    note: str = "",
) -> Handover:
    """签收: tick the papers of an incoming hand-over that arrived; list papers that came
    though not on the sender's list (``extra``: name, form, count). A listed paper not ticked
    is missing; a missing or extra paper flags the hand-over here, and the receipt (with what
    arrived) goes back to the sender."""
    centre = _prologue(centre, actor)
    with in_centre(centre), transaction.atomic():
        case = _case(case_ref)
        handover = _incoming(case, handover_id)
        lines = {(line.name, line.form): line for line in handover.lines.all()}
        ticked = set()
        for ref in arrived:
            if ref not in lines:
                raise DomainError(
                    _("“%(name)s（%(form)s）”不在移交清单上；清单外收到的材料请作为多出材料登记。"),
                    code="paper_not_listed",
                    field="arrived",
                    params={"name": ref[0], "form": _form_label(ref[1])},
                )
            ticked.add(ref)
        known = _case_papers(case)
        extras = []
        for name, form, count in extra:
            name = (name or "").strip()
            if not name:
                continue
            ref = (name, form)
            if form not in PaperForm.values or (ref not in known and form != PaperForm.RESULT):
                raise DomainError(
                    _("“%(name)s（%(form)s）”不是本办件的材料。"),
                    code="paper_unknown",
                    field="extra",
                    params={"name": name, "form": _form_label(form)},
                )
            if ref in lines:
                raise DomainError(
                    _("“%(name)s（%(form)s）”已在移交清单上，收到请直接勾选。"),
                    code="paper_listed",
                    field="extra",
                    params={"name": name, "form": _form_label(form)},
                )
            if not isinstance(count, int) or count < 1:
                raise DomainError(_("份数须为正整数。"), code="paper_count_invalid", field="extra")
            extras.append(Paper(name, form, count))
        for ref, line in lines.items():
            line.arrived = ref in ticked
        HandoverLine.objects.bulk_update(lines.values(), ["arrived"])
        _lines(handover, extras, listed=False, arrived=True)
        missing = [line for line in lines.values() if not line.arrived]
        handover.received_by = actor.name
        handover.received_at = timezone.now()
        handover.discrepancy = bool(missing or extras)
        if note:
            handover.note = f"{handover.note}\n{note}".strip()
        handover.save(update_fields=["received_by", "received_at", "discrepancy", "note"])
        delegation_id = (
            case.received_from_id if handover.route == Route.UP else case.forwarded_to_id
        )
        _send(
            centre,
            delegation_id,
            RECEIVED_DOWN if handover.route == Route.UP else RECEIVED_UP,
            {
                "handover": str(handover.pk),
                "received_by": actor.name,
                "at": handover.received_at.isoformat(),
                "arrived": _papers_payload(
                    Paper(line.name, line.form, line.count)
                    for line in lines.values()
                    if line.arrived
                ),
                "extra": _papers_payload(extras),
                "note": note,
            },
        )
        _project(centre, case)
        if handover.discrepancy:
            from custody.records.projection import record_discrepancy

            record_discrepancy(
                centre, case, handover, missing=sum(m.count for m in missing), extra=len(extras)
            )
        return handover


def _incoming(case: Case, handover_id) -> Handover:
    try:
        key = uuid.UUID(str(handover_id))
    except ValueError:
        key = None
    handover = (
        Handover.objects.select_for_update()
        .filter(pk=key, case=case, incoming=True, route__in=[Route.UP, Route.DOWN])
        .first()
        if key
        else None
    )
    if handover is None:
        raise NotFound(
            _("本中心没有该办件的这次移交记录。"), code="handover_not_found", field="handover"
        )
    if handover.received_at is not None:
        raise DomainError(
            _("这次移交已于 %(at)s 由 %(by)s 签收，不能重复签收。"),
            code="handover_already_received",
            params={
                "at": timezone.localtime(handover.received_at).strftime("%Y-%m-%d %H:%M"),
                "by": handover.received_by,
            },
        )
    return handover


# --- 3. the result, the return to the applicant, closing -------------------------------------------


def record_result(
    centre: ServiceCentre | str,
    actor: Actor,
    case_ref,
    *,
    name: str,
    count: int = 1,
    note: str = "",
) -> Handover:
    """办理结果入卷: the licence, certificate or decision issued here joins the case's papers, to
    travel back down with the originals."""
    centre = _prologue(centre, actor)
    name = (name or "").strip()
    if not name or len(name) > 200 or any(c in name for c in "|;<>"):
        raise DomainError(
            _("请填写办理结果的名称（如营业执照、证明）。"),
            code="result_name_required",
            field="name",
        )
    if not isinstance(count, int) or count < 1:
        raise DomainError(_("份数须为正整数。"), code="paper_count_invalid", field="count")
    with in_centre(centre), transaction.atomic():
        case = _case(case_ref)
        if case.state not in DECIDED_STATES or case.forwarded_to_id is not None:
            raise DomainError(
                _("办件在本中心办结（准予或不予许可）后才能登记办理结果。"),
                code="result_not_decided_here",
            )
        if HandoverLine.objects.filter(
            handover__case=case, form=PaperForm.RESULT, name=name
        ).exists():
            raise DomainError(
                _("办理结果“%(name)s”已登记。"),
                code="result_exists",
                field="name",
                params={"name": name},
            )
        now = timezone.now()
        handover = _on_the_spot(
            centre,
            case,
            Route.RESULT,
            incoming=True,
            sent_by=actor.name,
            received_by=actor.name,
            at=now,
            note=note,
            papers=[Paper(name, PaperForm.RESULT, count)],
        )
        return handover


def return_to_applicant(
    centre: ServiceCentre | str,
    actor: Actor,
    case_ref,
    *,
    received_by: str,
    papers: Iterable[PaperRef] | None = None,
    note: str = "",
) -> Handover:
    """交还申请人: the result and the originals are handed to the applicant (or the person they
    send), who signs for them; ``received_by`` is the name signed. At the centre where the
    case was logged, once it is decided or closed."""
    centre = _prologue(centre, actor)
    signer = (received_by or "").strip()
    with in_centre(centre), transaction.atomic():
        case = _case(case_ref)
        _require_closed_at_origin(case)
        if not signer:
            raise DomainError(
                _("请填写签收人姓名。"), code="signatory_required", field="received_by"
            )
        chosen = _choose(case, papers)
        if not chosen:
            raise DomainError(
                _("本中心没有该办件的材料可交还。"), code="papers_empty", field="papers"
            )
        now = timezone.now()
        handover = _on_the_spot(
            centre,
            case,
            Route.TO_APPLICANT,
            incoming=False,
            sent_by=actor.name,
            received_by=signer,
            at=now,
            note=note,
            papers=chosen,
        )
        return handover


def settle_lost_originals(
    centre: ServiceCentre | str,
    actor: Actor,
    case_ref,
    *,
    papers: Iterable[PaperRef],
    received_by: str,
    note: str,
) -> Handover:
    """遗失说明: an original the applicant handed over here did not come back (a hand-over
    flagged it missing on the way). The loss is explained in ``note`` and the applicant (or
    the person they send) signs for the statement (``received_by``); the original then counts
    as accounted for. Only for originals still away, at the centre where the case was logged,
    once it is decided or closed."""
    centre = _prologue(centre, actor)
    signer, note = (received_by or "").strip(), (note or "").strip()
    with in_centre(centre), transaction.atomic():
        case = _case(case_ref)
        _require_closed_at_origin(case)
        if not note:
            raise DomainError(
                _("请写明原件遗失的经过。"), code="loss_explanation_required", field="note"
            )
        if not signer:
            raise DomainError(
                _("请填写签收人姓名。"), code="signatory_required", field="received_by"
            )
        away = {p.ref: p for p in _originals_away(case)}
        chosen = []
        for ref in dict.fromkeys(papers):
            if ref not in away:
                raise DomainError(
                    _("“%(name)s（%(form)s）”不是尚未退回的原件。"),
                    code="paper_not_away",
                    field="papers",
                    params={"name": ref[0], "form": _form_label(ref[1])},
                )
            chosen.append(away[ref])
        if not chosen:
            raise DomainError(_("请勾选遗失的原件。"), code="papers_empty", field="papers")
        now = timezone.now()
        handover = _on_the_spot(
            centre,
            case,
            Route.LOST,
            incoming=False,
            sent_by=actor.name,
            received_by=signer,
            at=now,
            note=note,
            papers=chosen,
            arrived=False,
        )
        return handover


def originals_away(case: Case) -> list[Paper]:
    """Originals handed over at this centre that neither came back to the applicant nor were
    explained as lost (read in the centre's schema)."""
    return _originals_away(case)


def check_papers_accounted(case: Case) -> None:
    """Called by ``delegation.services.deliver_case`` (in its transaction, in the centre's
    schema): the case may not close while this centre holds any of its papers, a hand-over of
    it is unconfirmed, or an original the applicant handed over here has not gone back."""
    if not Handover.objects.filter(case=case).exists():
        return  # no custody here: the applicant kept their papers
    papers = held(case)
    if papers:
        raise DomainError(
            _("本中心仍保管该办件的材料（%(papers)s），请先交还申请人再送达。"),
            code="papers_held",
            field="papers",
            params={"papers": _names(papers)},
        )
    if Handover.objects.filter(case=case, received_at__isnull=True).exists():
        raise DomainError(
            _("该办件还有未签收的材料移交，请确认接收后再送达。"), code="handover_pending"
        )
    away = _originals_away(case)
    if away:
        raise DomainError(
            _("申请人的原件（%(papers)s）尚未退回，不能送达。"),
            code="originals_not_returned",
            field="papers",
            params={"papers": _names(away)},
        )


def _names(papers: Iterable[Paper]) -> str:
    return "、".join(f"{p.name}（{p.form_label()}）×{p.count}" for p in papers)


# --- applying custody messages from the other end of a hop (called by delegation.inbox) ------------


def _case_of(delegation) -> Case:
    from delegation.services import _get_case

    return _get_case(delegation.case_id)


def apply_handed(centre: ServiceCentre, delegation, message: dict) -> Handover:
    """Papers are on their way here: an incoming hand-over waiting for receipt."""
    p = message["payload"]
    case = _case_of(delegation)
    handover = Handover.objects.create(
        id=p["handover"],
        case=case,
        route=Route.UP if message["kind"] == HANDED_UP else Route.DOWN,
        incoming=True,
        peer_centre=message["sender"],
        sent_by=p["sent_by"],
        sent_at=p["at"],
        note=p.get("note", ""),
    )
    _lines(handover, [Paper(x["name"], x["form"], x["count"]) for x in p["papers"]])
    _project(centre, case)
    return handover


def apply_received(centre: ServiceCentre, delegation, message: dict) -> Handover | None:
    """The other end signed for papers this centre sent: who, when, what arrived."""
    p = message["payload"]
    case = _case_of(delegation)
    handover = (
        Handover.objects.select_for_update()
        .filter(pk=p["handover"], case=case, incoming=False)
        .first()
    )
    if handover is None or handover.received_at is not None:
        return handover  # not ours, or already recorded: nothing to change
    lines = {(line.name, line.form): line for line in handover.lines.all()}
    came = {(x["name"], x["form"]) for x in p["arrived"]}
    for ref, line in lines.items():
        line.arrived = ref in came
    HandoverLine.objects.bulk_update(lines.values(), ["arrived"])
    extras = [
        Paper(x["name"], x["form"], x["count"])
        for x in p["extra"]
        if (x["name"], x["form"]) not in lines
    ]
    _lines(handover, extras, listed=False, arrived=True)
    handover.received_by = p["received_by"]
    handover.received_at = p["at"]
    handover.discrepancy = bool(extras) or any(not line.arrived for line in lines.values())
    handover.save(update_fields=["received_by", "received_at", "discrepancy"])
    _project(centre, case)
    return handover
