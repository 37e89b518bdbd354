"""GraphQL for custody (材料交接): a case's papers at this centre, the receipts waiting here,
the discrepancies found here, the township's village agents, and one mutation per step.

Every rule is ``custody.services``' (writes) or ``custody.queries``' (reads); the acting
``Actor`` is the caller's desk membership at the centre the request was routed to.
"""

from __future__ import annotations

import graphene

from custody import queries, services
from custody.models import PaperForm, Route
from delegation import queries as case_queries
from graphql_api.context import require_actor
from graphql_api.enums import enum_from_choices, value_of
from graphql_api.mutations import BaseMutation
from graphql_api.scalars import DateTime
from tenants.schema import Centre

PaperFormEnum = enum_from_choices(
    "PaperForm",
    PaperForm,
    "A paper's form: an original, a copy, or a result (licence, certificate).",
)
HandoverRouteEnum = enum_from_choices(
    "HandoverRoute",
    Route,
    "How papers moved: from or to the applicant, up or down a hop, a result.",
)


class CustodyPaper(graphene.ObjectType):
    class Meta:
        description = "Papers of one kind held at this centre."

    name = graphene.String(required=True)
    form = PaperFormEnum(required=True)
    count = graphene.Int(required=True)


class CustodyHandoverLine(graphene.ObjectType):
    class Meta:
        description = "One paper of a hand-over."

    name = graphene.String(required=True)
    form = PaperFormEnum(required=True)
    count = graphene.Int(required=True)
    listed = graphene.Boolean(
        required=True, description="On the sender's list (false: found on arrival, extra)."
    )
    arrived = graphene.Boolean(
        description="Ticked by the receiver: true arrived, false missing; null until signed for."
    )


class CustodyHandover(graphene.ObjectType):
    class Meta:
        description = (
            "One movement of papers into or out of this centre (移交/签收). The two ends of a hop "
            "keep one record each under the same id."
        )

    id = graphene.UUID(required=True)
    route = HandoverRouteEnum(required=True)
    incoming = graphene.Boolean(required=True, description="The papers came to this centre.")
    peer_centre_code = graphene.String(description="The other centre of a hop.")
    sent_by = graphene.String(required=True)
    sent_at = DateTime(required=True)
    received_by = graphene.String(description="Who signed for the papers (null: not yet).")
    received_at = DateTime()
    note = graphene.String(required=True)
    discrepancy = graphene.Boolean(
        required=True, description="A listed paper did not arrive, or one came unlisted."
    )
    tracking_no = graphene.String(required=True)
    lines = graphene.List(graphene.NonNull(CustodyHandoverLine), required=True)

    @staticmethod
    def resolve_peer_centre_code(handover, info):
        return handover.peer_centre or None

    @staticmethod
    def resolve_received_by(handover, info):
        return handover.received_by or None

    @staticmethod
    def resolve_tracking_no(handover, info):
        return handover.case.tracking_no

    @staticmethod
    def resolve_lines(handover, info):
        return handover.lines.all()


class ProxyAuthorization(graphene.ObjectType):
    class Meta:
        description = "委托代办: the applicant authorised the village agent to carry the case."

    agent_name = graphene.String(required=True)
    recorded_by = graphene.String(required=True)
    authorised_at = DateTime(required=True)
    note = graphene.String(required=True)


class CaseCustody(graphene.ObjectType):
    class Meta:
        description = "The applicant's papers for one case, as this centre knows them."

    tracking_no = graphene.String(required=True)
    originals_away = graphene.List(
        graphene.NonNull(CustodyPaper),
        required=True,
        description="Where the case was logged, once it is closed: originals the applicant "
        "handed over that have not come back (the case cannot be delivered until they do or "
        "their loss is explained).",
    )
    authorization = graphene.Field(ProxyAuthorization)
    held = graphene.List(
        graphene.NonNull(CustodyPaper), required=True, description="Held at this centre now."
    )
    handovers = graphene.List(graphene.NonNull(CustodyHandover), required=True)


class VillageAgentWorkload(graphene.ObjectType):
    class Meta:
        description = "A village of the township: its agents, open cases and papers held."

    centre = graphene.Field(Centre, required=True)
    agents = graphene.List(graphene.NonNull(graphene.String), required=True)
    open_cases = graphene.Int(required=True)
    cases_with_papers = graphene.Int(required=True)
    papers_held = graphene.Int(required=True, description="Sheets held by the agent.")
    pending = graphene.Int(required=True, description="Hand-overs not yet signed for.")
    discrepancies = graphene.Int(required=True, description="Hand-overs flagged at the village.")


def _custody(centre, actor, tracking_no: str) -> CaseCustody:
    case = case_queries.case_detail(centre, actor, tracking_no)
    found = queries.case_custody(centre, actor, case)
    for handover in found.handovers:
        handover.case = case
    return CaseCustody(
        tracking_no=case.tracking_no,
        authorization=found.authorization,
        held=found.held,
        handovers=found.handovers,
        originals_away=found.away,
    )


class CustodyQuery(graphene.ObjectType):
    case_custody = graphene.Field(
        CaseCustody,
        tracking_no=graphene.String(required=True),
        description="材料交接: the papers of one case of this centre.",
    )
    custody_pending_receipts = graphene.List(
        graphene.NonNull(CustodyHandover),
        required=True,
        description="Papers sent to this centre and not yet signed for, oldest first.",
    )
    custody_discrepancies = graphene.List(
        graphene.NonNull(CustodyHandover),
        required=True,
        description="Hand-overs of this centre with a missing or extra paper, newest first.",
    )
    village_agent_workload = graphene.List(
        graphene.NonNull(VillageAgentWorkload),
        required=True,
        description="Township staff and heads: each village's agents, open cases, papers held.",
    )

    @staticmethod
    def resolve_case_custody(root, info, tracking_no):
        context = require_actor(info)
        return _custody(context.centre, context.actor, tracking_no)

    @staticmethod
    def resolve_custody_pending_receipts(root, info):
        require_actor(info)
        return queries.pending_receipts()

    @staticmethod
    def resolve_custody_discrepancies(root, info):
        require_actor(info)
        return queries.discrepancies()

    @staticmethod
    def resolve_village_agent_workload(root, info):
        context = require_actor(info)
        return queries.village_workload(context.centre, context.actor)


# --- mutations ---------------------------------------------------------------------------------------


class PaperInput(graphene.InputObjectType):
    name = graphene.String(required=True)
    form = PaperFormEnum(required=True)


class ExtraPaperInput(graphene.InputObjectType):
    name = graphene.String(required=True)
    form = PaperFormEnum(required=True)
    count = graphene.Int(default_value=1)


def refs(papers) -> list[services.PaperRef] | None:
    """Papers given to the API as (name, form); None when not given (the service's default)."""
    if papers is None:
        return None
    return [(p.name.strip(), value_of(p.form)) for p in papers]


class CustodyMutation(BaseMutation):
    class Meta:
        abstract = True

    custody = graphene.Field(CaseCustody, description="The case's papers after the change.")

    @classmethod
    def authorize(cls, info):
        return require_actor(info)

    @classmethod
    def perform_mutation(cls, info, context, tracking_no, **data):
        cls.act(context.centre, context.actor, tracking_no, **data)
        return {"custody": _custody(context.centre, context.actor, tracking_no)}

    @classmethod
    def act(cls, centre, actor, tracking_no, **data):
        raise NotImplementedError


class AuthorizeProxy(CustodyMutation):
    """委托代办: the applicant authorises the agent and hands over the listed papers."""

    class Arguments:
        tracking_no = graphene.String(required=True)
        papers = graphene.List(graphene.NonNull(PaperInput), required=True)
        agent_name = graphene.String(description="Default: the caller.")
        note = graphene.String()

    @classmethod
    def act(cls, centre, actor, tracking_no, papers, agent_name="", note=""):
        services.authorize_proxy(
            centre, actor, tracking_no, papers=refs(papers), agent_name=agent_name or "",
            note=note or "",
        )  # fmt: skip


class HandOverPapers(CustodyMutation):
    """移交材料: up while the case is handed up, down once it is decided or closed here."""

    class Arguments:
        tracking_no = graphene.String(required=True)
        papers = graphene.List(
            graphene.NonNull(PaperInput), description="Default: everything held here."
        )
        note = graphene.String()

    @classmethod
    def act(cls, centre, actor, tracking_no, papers=None, note=""):
        services.hand_over(centre, actor, tracking_no, papers=refs(papers), note=note or "")


class ConfirmPapersReceipt(CustodyMutation):
    """签收: tick what arrived of an incoming hand-over; a missing or extra paper flags it."""

    class Arguments:
        tracking_no = graphene.String(required=True)
        handover_id = graphene.UUID(required=True)
        arrived = graphene.List(graphene.NonNull(PaperInput), required=True)
        extra = graphene.List(graphene.NonNull(ExtraPaperInput))
        note = graphene.String()

    @classmethod
    def act(cls, centre, actor, tracking_no, handover_id, arrived, extra=None, note=""):
        services.confirm_receipt(
            centre,
            actor,
            tracking_no,
            handover_id,
            arrived=refs(arrived),
            extra=[(p.name, value_of(p.form), p.count) for p in extra or []],
            note=note or "",
        )


class RecordResultPaper(CustodyMutation):
    """办理结果入卷: the licence or certificate issued here joins the papers going back down."""

    class Arguments:
        tracking_no = graphene.String(required=True)
        name = graphene.String(required=True)
        count = graphene.Int(default_value=1)
        note = graphene.String()

    @classmethod
    def act(cls, centre, actor, tracking_no, name, count=1, note=""):
        services.record_result(centre, actor, tracking_no, name=name, count=count, note=note or "")


class ReturnPapersToApplicant(CustodyMutation):
    """交还申请人: the result and the originals, against the signature of ``receivedBy``."""

    class Arguments:
        tracking_no = graphene.String(required=True)
        received_by = graphene.String(required=True, description="The name signed.")
        papers = graphene.List(
            graphene.NonNull(PaperInput), description="Default: everything held here."
        )
        note = graphene.String()

    @classmethod
    def act(cls, centre, actor, tracking_no, received_by, papers=None, note=""):
        services.return_to_applicant(
            centre, actor, tracking_no, received_by=received_by, papers=refs(papers),
            note=note or "",
        )  # fmt: skip


class SettleLostOriginals(CustodyMutation):
    """遗失说明: an original lost on the way is explained, and the applicant signs for it."""

    class Arguments:
        tracking_no = graphene.String(required=True)
        papers = graphene.List(graphene.NonNull(PaperInput), required=True)
        received_by = graphene.String(required=True, description="The name signed.")
        note = graphene.String(required=True, description="How the original was lost.")

    @classmethod
    def act(cls, centre, actor, tracking_no, papers, received_by, note):
        services.settle_lost_originals(
            centre, actor, tracking_no, papers=refs(papers), received_by=received_by, note=note
        )


class CustodyMutations(graphene.ObjectType):
    authorize_proxy = AuthorizeProxy.Field()
    hand_over_papers = HandOverPapers.Field()
    confirm_papers_receipt = ConfirmPapersReceipt.Field()
    record_result_paper = RecordResultPaper.Field()
    return_papers_to_applicant = ReturnPapersToApplicant.Field()
    settle_lost_originals = SettleLostOriginals.Field()
