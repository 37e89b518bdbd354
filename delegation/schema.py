"""GraphQL for cases: the worklist, a case with its events and chain, workload, and one small
mutation per step of a case's life.

Every rule is ``delegation.services``' (writes) or ``delegation.queries``' (reads); the
acting ``Actor`` is the caller's desk membership at the centre the request was routed to.
"""

from __future__ import annotations

import graphene

from accounts.permissions import mask_id_number, mask_phone, sees_full_personal_data
from catalog.schema import HandlingTypeEnum, ItemVersionById, MaterialFormEnum, ServiceItemType
from custody.schema import PaperInput
from custody.schema import refs as paper_refs
from delegation import queries
from delegation import services as s
from delegation.dataloaders import ChainByTrackingNo, DelegationsByCase, EventsByCase, prime_cases
from delegation.models import ApplicantKind, Case, Channel, Direction, State
from delegation.states import action_label
from delegation.tracking import track_public
from graphql_api.context import require_actor, require_user
from graphql_api.enums import enum_from_choices, value_of
from graphql_api.mutations import BaseMutation
from graphql_api.pagination import CountableConnection, paginate
from graphql_api.scalars import DateTime
from supervision.schema import (
    SupervisionLevelEnum,
    SupervisionWarningType,
    case_supervision_level,
    case_warnings,
)
from tenants.schema import Centre, CentreByCode, TierEnum

CaseStateEnum = enum_from_choices("CaseState", State, "The state of a case (办件状态).")
ChannelEnum = enum_from_choices("CaseChannel", Channel, "How a case reached the centre.")
ApplicantKindEnum = enum_from_choices("ApplicantKind", ApplicantKind, "Person or enterprise.")
DirectionEnum = enum_from_choices("DelegationDirection", Direction, "Which end of a hop.")


class DeadlineWarning(graphene.Enum):
    """电子监察预警: yellow when the promised date is near, red once it has passed."""

    YELLOW = queries.YELLOW
    RED = queries.RED


class WorklistOrder(graphene.Enum):
    NEWEST = "newest"
    DUE = "due"

    @property
    def description(self):
        return {"newest": "Newest first.", "due": "Earliest promised date first."}[self.value]


def _clock(info):
    memo = info.context.api.memo
    if "clock" not in memo:
        day = queries.today()
        memo["clock"] = (day, queries.due_soon_until(day))
    return memo["clock"]


def _full_personal_data(case: Case, info) -> bool:
    in_list = getattr(case, "_api_in_list", True)  # masked unless a case's own page
    return sees_full_personal_data(info.context.api.actor, in_list=in_list)


# --- types ---------------------------------------------------------------------------------------


class CaseMaterial(graphene.ObjectType):
    """A required material and whether it is in."""

    name = graphene.String(required=True)
    form = MaterialFormEnum(required=True)
    count = graphene.Int(required=True)
    received = graphene.Boolean(required=True)


class CaseEventType(graphene.ObjectType):
    class Meta:
        name = "CaseEvent"
        description = "One transition or status report (append-only)."

    seq = graphene.Int(required=True)
    action = graphene.String(required=True, description="e.g. log, forward, accept, approve.")
    action_label = graphene.String(
        required=True, description="The action as a person reads it (登记, 受理…), never the id."
    )
    from_state = CaseStateEnum()
    to_state = CaseStateEnum(required=True)
    actor = graphene.String(required=True, description="Who acted (a name, or system).")
    role = graphene.String(required=True)
    centre_code = graphene.String(required=True, description="Where it happened.")
    at = DateTime(required=True)
    note = graphene.String(required=True)
    details = graphene.JSONString(required=True)

    @staticmethod
    def resolve_action_label(event, info):
        return action_label(event.action)

    @staticmethod
    def resolve_from_state(event, info):
        return event.from_state or None

    @staticmethod
    def resolve_centre_code(event, info):
        return event.centre

    @staticmethod
    def resolve_details(event, info):
        return event.data


class DelegationType(graphene.ObjectType):
    class Meta:
        name = "Delegation"
        description = "One hop of the chain as this centre knows it (委托记录)."

    id = graphene.UUID(required=True)
    direction = DirectionEnum(required=True)
    peer_centre_code = graphene.String(required=True)
    peer_centre = graphene.Field(Centre)
    tracking_no = graphene.String(required=True)
    created_at = DateTime(required=True)

    @staticmethod
    def resolve_peer_centre_code(delegation, info):
        return delegation.peer_centre

    @staticmethod
    def resolve_peer_centre(delegation, info):
        return CentreByCode.of(info).load(delegation.peer_centre)


class ChainHop(graphene.ObjectType):
    """The case at one centre of its chain, village first."""

    centre_code = graphene.String(required=True)
    centre_name = graphene.String(required=True)
    tier = TierEnum(required=True)
    state = CaseStateEnum(required=True)
    effective_state = CaseStateEnum(required=True)
    received_at = DateTime(required=True)
    left_at = DateTime(description="When it was escalated, decided or closed here.")
    working_days = graphene.Int(description="Working days the centre held it (once it left).")
    calendar_fallback = graphene.Boolean(required=True)

    @staticmethod
    def resolve_centre_code(hop, info):
        return hop.centre_code

    @staticmethod
    def resolve_calendar_fallback(hop, info):
        return hop.fallback


class CaseType(graphene.ObjectType):
    class Meta:
        name = "Case"
        description = (
            "A case (办件) at this centre. ID numbers and phones are masked in lists, and in "
            "full only on a case's own page for agents and staff."
        )

    tracking_no = graphene.String(required=True, description="Valid network-wide (办件编号).")
    state = CaseStateEnum(required=True)
    effective_state = CaseStateEnum(
        required=True,
        description="What the applicant is told: the upper tier's state while escalated.",
    )
    channel = ChannelEnum(required=True)
    applicant_kind = ApplicantKindEnum(required=True)
    applicant_name = graphene.String(required=True)
    applicant_id_number = graphene.String(required=True)
    applicant_phone = graphene.String(required=True)
    personal_data_masked = graphene.Boolean(
        required=True, description="Whether the ID number and phone above are masked."
    )
    item = graphene.Field(
        ServiceItemType, required=True, description="The item version the case was filed under."
    )
    item_code = graphene.String(required=True)
    item_name = graphene.String(required=True)
    handling_type = HandlingTypeEnum(required=True)
    legal_limit_days = graphene.Int(required=True)
    promised_limit_days = graphene.Int(required=True)
    materials = graphene.List(graphene.NonNull(CaseMaterial), required=True)
    missing_materials = graphene.List(
        graphene.NonNull(graphene.String),
        required=True,
        description="The one-time notice (一次性告知) while supplements are awaited.",
    )
    handler_name = graphene.String(required=True)
    note = graphene.String(required=True)
    decision_reason = graphene.String(required=True)
    submitted_at = DateTime(required=True)
    accepted_at = DateTime()
    escalated_at = DateTime()
    decided_at = DateTime()
    closed_at = DateTime()
    clock_started_on = graphene.Date()
    intake_window_ends_on = graphene.Date(
        description="While received (not yet accepted, refused or given a one-time notice): the "
        "last day to do one of the three, 5 working days after receipt or after the supplement "
        "that completed the materials. After it the case counts as accepted from then (超时默认)."
    )
    due_on = graphene.Date(description="The promised date (承诺办结日).")
    warning = graphene.Field(DeadlineWarning)
    warnings = graphene.List(
        graphene.NonNull(SupervisionWarningType),
        required=True,
        description="Supervision warnings (电子监察) recorded for this case here, oldest first.",
    )
    supervision_level = SupervisionLevelEnum(
        description="The highest supervision warning of the step the case is at now (none once "
        "it moved on)."
    )
    elapsed_working_days = graphene.Int()
    on_time = graphene.Boolean()
    early = graphene.Boolean()
    saved_vs_legal = graphene.Int()
    saved_vs_promised = graphene.Int()
    calendar_fallback = graphene.Boolean(
        required=True, description="A date beyond the known official calendar was used."
    )
    calendar_notice = graphene.String(
        description="While calendarFallback: a sentence for staff and applicant saying the date "
        "is provisional (weekends-only) and will be recomputed once the year is recorded."
    )
    rating = graphene.Int(
        description="好差评 of the centre that decided the case (1 非常不满意 … 5 非常满意)."
    )
    origin_centre = graphene.Field(Centre, required=True, description="Where the citizen applied.")
    upstream_state = CaseStateEnum(description="While escalated: the state where it is now.")
    upstream_centre = graphene.Field(Centre, description="While escalated: where it is now.")
    events = graphene.List(graphene.NonNull(CaseEventType), required=True)
    delegations = graphene.List(graphene.NonNull(DelegationType), required=True)
    chain = graphene.List(
        graphene.NonNull(ChainHop),
        required=True,
        description="The whole chain of this tracking number, village first.",
    )
    query_code = graphene.String(
        description=(
            "The query code (查询码) to print on the applicant's receipt: on the case's own page "
            "at the centre that logged it; null elsewhere and in lists."
        )
    )

    @staticmethod
    def resolve_query_code(case, info):
        if getattr(case, "_api_in_list", True):
            return None
        return case.query_code or None

    @staticmethod
    def resolve_applicant_id_number(case, info):
        number = case.applicant_id_number
        return number if _full_personal_data(case, info) else mask_id_number(number)

    @staticmethod
    def resolve_applicant_phone(case, info):
        phone = case.applicant_phone
        return phone if _full_personal_data(case, info) else mask_phone(phone)

    @staticmethod
    def resolve_personal_data_masked(case, info):
        return not _full_personal_data(case, info)

    @staticmethod
    def resolve_item(case, info):
        return ItemVersionById.of(info).load(case.item_version_id)

    @staticmethod
    def resolve_materials(case, info):
        return [CaseMaterial(**m) for m in case.materials]

    @staticmethod
    def resolve_intake_window_ends_on(case, info):
        return s.intake_window_ends(case, info.context.api.centre)

    @staticmethod
    def resolve_rating(case, info):
        from ratings.services import outcome_rating

        return outcome_rating(case)

    @staticmethod
    def resolve_calendar_notice(case, info):
        return queries.calendar_notice(case)

    @staticmethod
    def resolve_warning(case, info):
        return queries.deadline_warning(case, *_clock(info))

    @staticmethod
    def resolve_warnings(case, info):
        return case_warnings(case, info)

    @staticmethod
    def resolve_supervision_level(case, info):
        return case_supervision_level(case, info)

    @staticmethod
    def resolve_origin_centre(case, info):
        return CentreByCode.of(info).load(case.origin_centre)

    @staticmethod
    def resolve_upstream_state(case, info):
        return case.upstream_state or None

    @staticmethod
    def resolve_upstream_centre(case, info):
        return CentreByCode.of(info).load(case.upstream_centre or None)

    @staticmethod
    def resolve_events(case, info):
        return EventsByCase.of(info).load(case.pk)

    @staticmethod
    def resolve_delegations(case, info):
        return DelegationsByCase.of(info).load(case.pk)

    @staticmethod
    def resolve_chain(case, info):
        return ChainByTrackingNo.of(info).load(case.tracking_no)


class CaseConnection(CountableConnection):
    class Meta:
        node = CaseType


class CentreWorkload(graphene.ObjectType):
    """A centre's cases by what needs doing (from the network projection; no personal data)."""

    centre = graphene.Field(Centre, required=True)
    total = graphene.Int(required=True)
    open = graphene.Int(required=True)
    overdue = graphene.Int(required=True, description="Red warnings.")
    due_soon = graphene.Int(required=True, description="Yellow warnings.")
    awaiting_supplement = graphene.Int(required=True)
    escalated = graphene.Int(required=True)
    decided = graphene.Int(required=True)


# --- queries -------------------------------------------------------------------------------------


class CentreQuery(graphene.ObjectType):
    worklist = graphene.relay.ConnectionField(
        CaseConnection,
        state=CaseStateEnum(),
        item_code=graphene.String(),
        due_soon=graphene.Boolean(description="Only cases with a yellow warning."),
        overdue=graphene.Boolean(description="Only cases with a red warning."),
        calendar_fallback=graphene.Boolean(
            description="true: only cases whose dates are provisional (a year not yet recorded); "
            "false: only the others."
        ),
        applicant_id_number=graphene.String(
            description="Only the cases of this applicant (an exact ID number or credit code)."
        ),
        supervision=SupervisionLevelEnum(
            description="Only cases with a supervision warning for their current step: yellow "
            "(yellow or red) or red."
        ),
        order_by=WorklistOrder(default_value=WorklistOrder.NEWEST.value),
        description="This centre's cases (an agent: the village register), newest first.",
    )
    case = graphene.Field(
        CaseType,
        tracking_no=graphene.String(required=True),
        description="One case of this centre, with its events and chain.",
    )
    subtree_workload = graphene.List(
        graphene.NonNull(CentreWorkload),
        required=True,
        tier=TierEnum(),
        description="Centre heads: the workload of every centre of this centre's subtree.",
    )

    @staticmethod
    def resolve_worklist(root, info, state=None, item_code=None, due_soon=False, overdue=False,
                         calendar_fallback=None, order_by=WorklistOrder.NEWEST.value,
                         applicant_id_number=None, supervision=None,
                         **args):  # fmt: skip
        context = require_actor(info)
        cases = queries.worklist(
            context.centre,
            context.actor,
            state=value_of(state),
            item_code=item_code,
            due_soon=bool(due_soon),
            overdue=bool(overdue),
            calendar_fallback=calendar_fallback,
            order=value_of(order_by),
            applicant_id_number=applicant_id_number,
            supervision=value_of(supervision),
        )

        def on_page(page):
            for case in page:
                case._api_in_list = True
            prime_cases(info.context, page)

        return paginate(cases, args, CaseConnection, on_page=on_page)

    @staticmethod
    def resolve_case(root, info, tracking_no):
        context = require_actor(info)
        case = queries.case_detail(context.centre, context.actor, tracking_no)
        case._api_in_list = False
        return case

    @staticmethod
    def resolve_subtree_workload(root, info, tier=None):
        context = require_actor(info)
        return queries.subtree_workload(context.centre, context.actor, tier=value_of(tier))


class NetworkQuery(graphene.ObjectType):
    track_case = graphene.List(
        graphene.NonNull(ChainHop),
        required=True,
        tracking_no=graphene.String(required=True),
        query_code=graphene.String(
            required=True, description="The query code (查询码) printed on the receipt."
        ),
        description=(
            "Public: where a case is, by its tracking number and the query code of its receipt "
            "(no personal data). A wrong number and a wrong code both give `case_not_found`; "
            "too many misses from one address give `too_many_attempts` for a while."
        ),
    )
    network_workload = graphene.List(
        graphene.NonNull(CentreWorkload),
        required=True,
        division_code=graphene.String(required=True, description="The subtree's root centre."),
        tier=TierEnum(),
        description="Assessors: the workload of a subtree of their city.",
    )

    @staticmethod
    def resolve_track_case(root, info, tracking_no, query_code):
        client = info.context.META.get("REMOTE_ADDR") or "unknown"
        return track_public(tracking_no, query_code, client=client)

    @staticmethod
    def resolve_network_workload(root, info, division_code, tier=None):
        user = require_user(info).user
        return queries.network_workload(user, division_code.strip(), tier=value_of(tier))


# --- mutations: one per step of a case's life ---------------------------------------------------------


class CaseMutation(BaseMutation):
    class Meta:
        abstract = True

    case = graphene.Field(CaseType, description="The case after the change.")

    @classmethod
    def authorize(cls, info):
        return require_actor(info)

    @classmethod
    def perform_mutation(cls, info, context, **data):
        result = cls.act(context.centre, context.actor, **data)
        case = result if isinstance(result, Case) else Case.objects.get(pk=result.case_id)
        case._api_in_list = False
        return {"case": case}

    @classmethod
    def act(cls, centre, actor, **data):
        raise NotImplementedError


class ApplicantInput(graphene.InputObjectType):
    kind = ApplicantKindEnum(required=True)
    name = graphene.String(required=True)
    id_number = graphene.String(
        required=True, description="居民身份证号码 or 统一社会信用代码 (checksums are checked)."
    )
    phone = graphene.String()


class LogRequestInput(graphene.InputObjectType):
    applicant = ApplicantInput(required=True)
    item_code = graphene.String(required=True)
    materials_received = graphene.List(graphene.NonNull(graphene.String))
    channel = ChannelEnum(description="Default: village proxy at a village, window elsewhere.")
    idempotency_key = graphene.String(description="A retry with the same key is refused.")
    note = graphene.String()
    sms_opt_out = graphene.Boolean(
        description="The applicant declines the non-essential text messages (ready-to-collect "
        "reminder, rating invitation); changeable with setSmsPreference."
    )


class LogRequest(CaseMutation):
    """登记: register a citizen's request (at a village: an entry of the register)."""

    class Arguments:
        input = LogRequestInput(required=True)

    query_code = graphene.String(
        description="The query code (查询码) to print on the applicant's receipt with the tracking "
        "number: anonymous tracking needs both."
    )

    @classmethod
    def perform_mutation(cls, info, context, **data):
        fields = super().perform_mutation(info, context, **data)
        return {**fields, "query_code": fields["case"].query_code}

    @classmethod
    def act(cls, centre, actor, input):
        applicant = input.applicant
        return s.log_request(
            centre,
            actor,
            applicant=s.Applicant(
                kind=value_of(applicant.kind),
                name=applicant.name,
                id_number=applicant.id_number,
                phone=applicant.phone or "",
            ),
            item_code=input.item_code,
            materials_received=input.materials_received or [],
            channel=value_of(input.channel),
            idempotency_key=input.idempotency_key,
            note=input.note or "",
            sms_opt_out=bool(input.sms_opt_out),
        )


class HandUpArguments:
    tracking_no = graphene.String(required=True)
    to = graphene.String(description="The parent centre's division code (checked).")
    note = graphene.String()
    papers = graphene.List(
        graphene.NonNull(PaperInput),
        description="The applicant's papers that go up with the case (材料交接); default: "
        "everything held here; an empty list: none now (hand them over later).",
    )


class ForwardCase(CaseMutation):
    """转办/全程代办: a village agent forwards a proxy case to the township above."""

    Arguments = HandUpArguments

    @classmethod
    def act(cls, centre, actor, tracking_no, to=None, note="", papers=None):
        return s.forward_case(
            centre, actor, tracking_no, to=to, note=note or "", papers=paper_refs(papers)
        )


class EscalateCase(CaseMutation):
    """上报: hand a case this centre may not decide to the parent centre."""

    Arguments = HandUpArguments

    @classmethod
    def act(cls, centre, actor, tracking_no, to=None, note="", papers=None):
        return s.escalate_case(
            centre, actor, tracking_no, to=to, note=note or "", papers=paper_refs(papers)
        )


class NoteArguments:
    tracking_no = graphene.String(required=True)
    note = graphene.String()


class ReasonArguments:
    tracking_no = graphene.String(required=True)
    reason = graphene.String(required=True, description="Told to the applicant.")


class MaterialsArguments:
    tracking_no = graphene.String(required=True)
    materials = graphene.List(graphene.NonNull(graphene.String), required=True)
    note = graphene.String()


class AcceptCase(CaseMutation):
    """受理: take the case on (all materials in); the clock starts."""

    Arguments = NoteArguments

    @classmethod
    def act(cls, centre, actor, tracking_no, note=""):
        return s.accept_case(centre, actor, tracking_no, note=note or "")


class RefuseCase(CaseMutation):
    """不予受理, with the reason."""

    Arguments = ReasonArguments

    @classmethod
    def act(cls, centre, actor, tracking_no, reason):
        return s.refuse_case(centre, actor, tracking_no, reason=reason)


class RequestSupplement(CaseMutation):
    """一次性告知: list every missing material at once, on a received case (before acceptance,
    within 5 working days of receipt) or an accepted one; the clock stops."""

    Arguments = MaterialsArguments

    @classmethod
    def act(cls, centre, actor, tracking_no, materials, note=""):
        return s.request_supplement(
            centre, actor, tracking_no, materials=materials, note=note or ""
        )


class ReceiveSupplement(CaseMutation):
    """补正: the applicant supplied materials (passed up when a tier above asked). The case
    returns to the step the notice found it at: received, or accepted."""

    Arguments = MaterialsArguments

    @classmethod
    def act(cls, centre, actor, tracking_no, materials, note=""):
        return s.receive_supplement(
            centre, actor, tracking_no, materials=materials, note=note or ""
        )


class CompleteMaterials(CaseMutation):
    """补齐材料: materials the applicant hands in for a case logged here that has not yet left
    (a village agent before forwarding, a window clerk before accepting)."""

    Arguments = MaterialsArguments

    @classmethod
    def act(cls, centre, actor, tracking_no, materials, note=""):
        return s.complete_materials(
            centre, actor, tracking_no, materials=materials, note=note or ""
        )


class StartReview(CaseMutation):
    """承办/审核: start working on an accepted case this centre may decide."""

    Arguments = NoteArguments

    @classmethod
    def act(cls, centre, actor, tracking_no, note=""):
        return s.start_review(centre, actor, tracking_no, note=note or "")


class ApproveCase(CaseMutation):
    """办结：准予许可."""

    Arguments = NoteArguments

    @classmethod
    def act(cls, centre, actor, tracking_no, note=""):
        return s.approve_case(centre, actor, tracking_no, note=note or "")


class DenyCase(CaseMutation):
    """办结：不予许可, with the reason."""

    Arguments = ReasonArguments

    @classmethod
    def act(cls, centre, actor, tracking_no, reason):
        return s.deny_case(centre, actor, tracking_no, reason=reason)


class DeliverCase(CaseMutation):
    """送达/回复: the result reached the applicant (at the village: the reply to the citizen)."""

    Arguments = NoteArguments

    @classmethod
    def act(cls, centre, actor, tracking_no, note=""):
        return s.deliver_case(centre, actor, tracking_no, note=note or "")


class WithdrawCase(CaseMutation):
    """撤回 on the applicant's request (withdrawn up the chain too)."""

    Arguments = ReasonArguments

    @classmethod
    def act(cls, centre, actor, tracking_no, reason):
        return s.withdraw_case(centre, actor, tracking_no, reason=reason)


class RateCase(CaseMutation):
    """好差评: record the rating the applicant gave a finished case (1 very poor … 5 very good),
    marked as entered at the desk. It rates the centre that decided the case unless ``hop``
    names another centre of the chain; the deciding centre's rating counts in the assessment."""

    class Arguments:
        tracking_no = graphene.String(required=True)
        rating = graphene.Int(required=True, description="1 非常不满意 … 5 非常满意")
        comment = graphene.String(description="The applicant's words (at most 500 characters).")
        hop = graphene.String(description="The rated centre's division code (default: decider).")

    @classmethod
    def act(cls, centre, actor, tracking_no, rating, comment="", hop=None):
        return s.rate_case(
            centre, tracking_no, rating=rating, recorded_by=actor, comment=comment or "", hop=hop
        )


class CentreMutation(graphene.ObjectType):
    log_request = LogRequest.Field()
    complete_materials = CompleteMaterials.Field()
    forward_case = ForwardCase.Field()
    accept_case = AcceptCase.Field()
    refuse_case = RefuseCase.Field()
    request_supplement = RequestSupplement.Field()
    receive_supplement = ReceiveSupplement.Field()
    start_review = StartReview.Field()
    approve_case = ApproveCase.Field()
    deny_case = DenyCase.Field()
    escalate_case = EscalateCase.Field()
    deliver_case = DeliverCase.Field()
    withdraw_case = WithdrawCase.Field()
    rate_case = RateCase.Field()
