"""Reads of custody: a case's papers at this centre, the centre's pending receipts and
discrepancies, and the agents' workload of a township's villages.

Every function reads the current centre's schema (the caller is ``in_centre``), except
``village_workload``, which reads the public projections only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, Sum
from django.utils.translation import gettext_lazy as _

from core.errors import PermissionDenied
from core.roles import Actor, Role
from custody import services
from custody.models import Authorization, Handover, HandoverLine, PaperForm, Route
from delegation.models import DECIDED_STATES, OPEN_STATES, Case, Channel, State
from tenants.divisions import Tier, subtree_prefix
from tenants.models import ServiceCentre


@dataclass
class CaseCustody:
    """What the case page's 材料交接 section shows, and which of its forms apply."""

    authorization: Authorization | None
    held: list[services.Paper]
    handovers: list[Handover]
    #: The case's papers, in the order of the item's list (for the forms).
    papers: list[services.Paper] = field(default_factory=list)
    can_authorize: bool = False
    hand_route: str = ""  # "up" or "down" when papers may leave now, else ""
    can_hand_up_with_case: bool = False  # forward/escalate with a choice of papers
    can_record_result: bool = False
    can_return: bool = False
    #: Originals handed over here that have not come back (nor been explained as lost).
    away: list[services.Paper] = field(default_factory=list)

    @property
    def pending_incoming(self) -> list[Handover]:
        return [h for h in self.handovers if h.incoming and h.pending and h.route in HOPS]

    @property
    def discrepancies(self) -> list[Handover]:
        return [h for h in self.handovers if h.discrepancy]

    @property
    def active(self) -> bool:
        return bool(self.authorization or self.handovers or self.can_authorize)


HOPS = (Route.UP, Route.DOWN)


def _with_lines():
    return Prefetch("lines", queryset=HandoverLine.objects.order_by("id"))


def case_custody(centre: ServiceCentre, actor: Actor, case: Case) -> CaseCustody:
    """The custody of ``case`` at ``centre`` (the caller is in its schema): one query for a
    case without papers here, four with (hand-overs, their lines, the authorization, what is
    held), five once it is closed (the originals still away)."""
    handovers = list(
        Handover.objects.filter(case=case).prefetch_related(_with_lines()).order_by("sent_at")
    )
    # The authorization is recorded with the applicant's hand-over: none without hand-overs.
    authorization = Authorization.objects.filter(case=case).first() if handovers else None
    results = [
        (line.name, line.count)
        for handover in handovers
        for line in handover.lines.all()
        if line.form == PaperForm.RESULT
    ]
    known = services.case_papers(case, results)
    held = services.held(case, known) if handovers else []
    papers = [services.Paper(name, form, count) for (name, form), count in known.items()]
    desk = actor.role in (Role.AGENT, Role.STAFF, Role.HEAD)
    origin = case.received_from_id is None
    custody = CaseCustody(authorization, held, handovers, papers)
    custody.can_authorize = (
        desk
        and authorization is None
        and origin
        and case.channel == Channel.VILLAGE_PROXY
        and case.forwarded_to_id is None
        and case.state in OPEN_STATES
    )
    if held:
        if case.state == State.ESCALATED and case.forwarded_to_id is not None:
            custody.hand_route = Route.UP
        elif not origin and case.state not in OPEN_STATES:
            custody.hand_route = Route.DOWN
    custody.can_hand_up_with_case = bool(
        held and case.forwarded_to_id is None and case.state in OPEN_STATES and centre.parent_id
    )
    custody.can_record_result = (
        desk
        and case.state in DECIDED_STATES
        and case.forwarded_to_id is None
        and centre.tier in case.item_version.decision_tiers
    )
    custody.can_return = bool(held and origin and case.state not in OPEN_STATES)
    if origin and authorization is not None and case.state not in OPEN_STATES:
        custody.away = services.originals_away(case)
    return custody


def pending_receipts(limit: int = 100) -> list[Handover]:
    """Papers sent to this centre and not yet signed for, oldest first."""
    return list(
        Handover.objects.filter(incoming=True, received_at__isnull=True, route__in=HOPS)
        .select_related("case")
        .prefetch_related(_with_lines())
        .order_by("sent_at")[:limit]
    )


def discrepancies(limit: int = 100) -> list[Handover]:
    """Hand-overs of this centre where a paper was missing or extra, newest first."""
    return list(
        Handover.objects.filter(discrepancy=True)
        .select_related("case")
        .prefetch_related(_with_lines())
        .order_by("-received_at")[:limit]
    )


@dataclass
class VillageWorkload:
    centre: ServiceCentre
    agents: list[str]
    open_cases: int = 0
    cases_with_papers: int = 0
    papers_held: int = 0
    pending: int = 0
    discrepancies: int = 0


def village_workload(township: ServiceCentre, actor: Actor) -> list[VillageWorkload]:
    """The agents of ``township``'s villages with their open cases, the papers they hold and
    the hand-overs flagged there. Five queries whatever the number of villages: the villages,
    their agents, and three grouped reads of the public projections (``network.CaseRecord``
    and ``custody.records``); no village schema is read."""
    from accounts.models import Membership
    from custody.records.models import DiscrepancyRecord, PaperRecord
    from network.models import CaseRecord

    if actor.centre != township.division_code or actor.role not in (Role.STAFF, Role.HEAD):
        raise PermissionDenied(
            _("只有本乡镇中心的窗口人员或负责人可以查看代办员工作量。"),
            code="not_township_desk",
        )
    if township.tier != Tier.TOWNSHIP:
        raise PermissionDenied(_("代办员工作量只在乡镇中心查看。"), code="not_township_desk")
    villages = list(
        ServiceCentre.objects.filter(parent=township, tier=Tier.VILLAGE).order_by("division_code")
    )
    rows = {v.pk: VillageWorkload(v, []) for v in villages}
    for membership in (
        Membership.objects.filter(centre__in=villages, role=Role.AGENT, is_active=True)
        .select_related("user")
        .order_by("user__username")
    ):
        user = membership.user
        rows[membership.centre_id].agents.append(user.get_full_name() or user.username)
    prefix = subtree_prefix(Tier.TOWNSHIP, township.division_code)
    for centre_id, n in (
        CaseRecord.objects.filter(
            centre_code__startswith=prefix, tier=Tier.VILLAGE, state__in=OPEN_STATES
        )
        .values("centre_id")
        .annotate(n=Count("id"))
        .values_list("centre_id", "n")
    ):
        if centre_id in rows:
            rows[centre_id].open_cases = n
    for centre_id, cases, papers, pending in (
        PaperRecord.objects.filter(centre_code__startswith=prefix, tier=Tier.VILLAGE)
        .values("centre_id")
        .annotate(
            cases=Count("id", filter=Q(papers_held__gt=0)),
            papers=Sum("papers_held"),
            pending=Sum("pending"),
        )
        .values_list("centre_id", "cases", "papers", "pending")
    ):
        if centre_id in rows:
            row = rows[centre_id]
            row.cases_with_papers, row.papers_held, row.pending = cases, papers or 0, pending or 0
    for centre_id, n in (
        DiscrepancyRecord.objects.filter(centre_code__startswith=prefix, tier=Tier.VILLAGE)
        .values("centre_id")
        .annotate(n=Count("id"))
        .values_list("centre_id", "n")
    ):
        if centre_id in rows:
            rows[centre_id].discrepancies = n
    return list(rows.values())


def form_label(form: str) -> str:
    return str(PaperForm(form).label) if form in PaperForm.values else form
