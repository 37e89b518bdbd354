"""GraphQL for supervision: a case's warnings (电子监察) and their levels, read in a centre;
督办 (supervision orders) and red cards: issued and listed on the network endpoint, received
and answered on the centre endpoint. Rules are ``supervision.orders``'."""

from __future__ import annotations

import graphene
from django.utils import timezone

from core.roles import Role
from graphql_api.context import network_actor, require_actor
from graphql_api.enums import enum_from_choices
from graphql_api.loaders import BatchLoader
from graphql_api.mutations import BaseMutation
from graphql_api.pagination import CountableConnection, paginate
from graphql_api.scalars import DateTime
from supervision import orders, services
from supervision.models import Level, Outcome, RedCard, Step
from tenants.schema import Centre, CentreByCode

SupervisionLevelEnum = enum_from_choices(
    "SupervisionLevel",
    Level,
    "A supervision warning's level: yellow (time running short), red (over).",
)
SupervisionStepEnum = enum_from_choices(
    "SupervisionStep", Step, "The supervised step: forwarding, acceptance, decision, hand-over."
)


class SupervisionWarningType(graphene.ObjectType):
    class Meta:
        name = "SupervisionWarning"
        description = (
            "A step of the case ran short of time or over it (电子监察), recorded once, at the "
            "centre that held the case at that step."
        )

    step = SupervisionStepEnum(required=True)
    level = SupervisionLevelEnum(required=True)
    centre_code = graphene.String(required=True, description="The centre that held the case.")
    deadline = graphene.Date(required=True, description="The last day the step was in time.")
    raised_on = graphene.Date(required=True)
    working_days_left = graphene.Int(
        required=True, description="When raised; negative: working days over."
    )
    limit_days = graphene.Int(required=True, description="The step's limit in working days.")
    scheme_version = graphene.Int(required=True)
    created_at = DateTime(required=True)

    @staticmethod
    def resolve_scheme_version(warning, info):
        return warning.scheme.version


class WarningsByCase(BatchLoader):
    """The warnings of this centre's cases (the public table, read from the centre's schema)."""

    default = []

    def batch_load(self, keys):
        return services.case_warnings(self.context.api.centre, keys)


def case_warnings(case, info) -> list:
    return WarningsByCase.of(info).load(case.pk)


def case_supervision_level(case, info) -> str | None:
    centre = require_actor(info).centre
    return services.current_level(case, centre.tier, case_warnings(case, info))


# --- 督办: supervision orders and red cards ------------------------------------------------------

SupervisionOutcomeEnum = enum_from_choices(
    "SupervisionOutcome",
    Outcome,
    "How the handling centre answered a supervision order: the case moved on, or an explanation.",
)


def _supervision_reader(info):
    """The network caller as a supervisor, else as an assessor (None: the service refuses)."""
    return network_actor(info, Role.SUPERVISOR) or network_actor(info, Role.ASSESSOR)


class SupervisionOrderType(graphene.ObjectType):
    class Meta:
        name = "SupervisionOrder"
        description = (
            "督办 as the issuing side records it: a supervisor's order to act on a red case by "
            "a deadline, and the outcome the handling centre sent back."
        )

    id = graphene.ID(required=True, description="Also the id the handling centre knows it by.")
    issuer_code = graphene.String(required=True, description="The supervising centre.")
    issued_by = graphene.String(required=True)
    centre = graphene.Field(Centre, required=True, description="The centre holding the case.")
    county_code = graphene.String(
        required=True, description="The county of that centre (empty for the city centre)."
    )
    tracking_no = graphene.String(required=True)
    step = SupervisionStepEnum(required=True, description="The step that was red.")
    deadline = graphene.Date(required=True, description="The last day to answer.")
    note = graphene.String(required=True)
    issued_at = DateTime(required=True)
    outcome = SupervisionOutcomeEnum(description="Null while no answer has arrived.")
    outcome_note = graphene.String(required=True, description="The explanation, if any.")
    moved_to = graphene.String(required=True, description="The state the case moved to.")
    answered_at = DateTime()
    answered_by = graphene.String(required=True)
    red_card = graphene.Boolean(
        required=True, description="The deadline passed without an outcome (红牌)."
    )

    @staticmethod
    def resolve_issued_by(order, info):
        return order.issued_by_name

    @staticmethod
    def resolve_centre(order, info):
        return CentreByCode.of(info).load(order.centre_code)

    @staticmethod
    def resolve_outcome(order, info):
        return order.outcome or None

    @staticmethod
    def resolve_red_card(order, info):
        return RedCardsByOrder.of(info).load(order.pk)


class RedCardsByOrder(BatchLoader):
    default = False

    def batch_load(self, keys):
        return {
            pk: True
            for pk in RedCard.objects.filter(order_id__in=keys).values_list("pk", flat=True)
        }


class RedCardType(graphene.ObjectType):
    class Meta:
        name = "RedCard"
        description = "红牌: a supervision order whose deadline passed without an outcome."

    order = graphene.Field(SupervisionOrderType, required=True)
    centre = graphene.Field(Centre, required=True)
    county_code = graphene.String(required=True)
    tracking_no = graphene.String(required=True)
    deadline = graphene.Date(required=True)
    raised_on = graphene.Date(required=True, description="The day the card was recorded.")

    @staticmethod
    def resolve_centre(card, info):
        return CentreByCode.of(info).load(card.centre_code)


class ReceivedSupervisionOrderType(graphene.ObjectType):
    class Meta:
        name = "ReceivedSupervisionOrder"
        description = "督办 as this centre received it: what to do by when, and its answer."

    id = graphene.ID(required=True)
    tracking_no = graphene.String(required=True)
    issuer_code = graphene.String(required=True)
    issuer_name = graphene.String(required=True)
    issued_by = graphene.String(required=True)
    step = SupervisionStepEnum(required=True)
    deadline = graphene.Date(required=True)
    note = graphene.String(required=True)
    issued_at = DateTime(required=True)
    received_at = DateTime(required=True)
    outcome = SupervisionOutcomeEnum(description="Null while unanswered.")
    outcome_note = graphene.String(required=True)
    moved_to = graphene.String(required=True)
    answered_at = DateTime()
    answered_by = graphene.String(required=True)
    overdue = graphene.Boolean(required=True, description="Unanswered after its deadline.")

    @staticmethod
    def resolve_outcome(order, info):
        return order.outcome or None

    @staticmethod
    def resolve_overdue(order, info):
        return not order.outcome and order.deadline < timezone.localdate()


class SupervisionOrderConnection(CountableConnection):
    class Meta:
        node = SupervisionOrderType


class RedCardConnection(CountableConnection):
    class Meta:
        node = RedCardType


def _prime(info):
    """Prime the loaders a page of orders or red cards uses (one query each per page)."""

    def on_page(rows):
        CentreByCode.of(info).prime(row.centre_code for row in rows)
        RedCardsByOrder.of(info).prime(getattr(row, "order_id", row.pk) for row in rows)

    return on_page


class NetworkQuery(graphene.ObjectType):
    supervision_orders = graphene.relay.ConnectionField(
        SupervisionOrderConnection,
        county_code=graphene.String(description="Only the centres of this county."),
        open_only=graphene.Boolean(description="Only orders without an outcome yet."),
        description=(
            "督办 issued on centres of the caller's jurisdiction (a supervisor's centre, an "
            "assessor's city), newest first."
        ),
    )
    red_cards = graphene.relay.ConnectionField(
        RedCardConnection,
        county_code=graphene.String(description="Only the centres of this county."),
        description="红牌 of centres in the caller's jurisdiction, newest first.",
    )

    @staticmethod
    def resolve_supervision_orders(root, info, county_code=None, open_only=False, **args):
        found = orders.network_orders(
            _supervision_reader(info), county=county_code, open_only=bool(open_only)
        )
        return paginate(found, args, SupervisionOrderConnection, on_page=_prime(info))

    @staticmethod
    def resolve_red_cards(root, info, county_code=None, **args):
        found = orders.network_red_cards(_supervision_reader(info), county=county_code)
        return paginate(found, args, RedCardConnection, on_page=_prime(info))


class CentreQuery(graphene.ObjectType):
    supervision_orders = graphene.List(
        graphene.NonNull(ReceivedSupervisionOrderType),
        required=True,
        open_only=graphene.Boolean(description="Only orders not answered yet."),
        tracking_no=graphene.String(description="Only the orders on this case."),
        description="督办 this centre received: open ones by deadline, then the answered ones.",
    )

    @staticmethod
    def resolve_supervision_orders(root, info, open_only=False, tracking_no=None):
        require_actor(info)
        return orders.received_orders(open_only=bool(open_only), tracking_no=tracking_no)


class IssueSupervisionOrder(BaseMutation):
    """督办: a supervisor orders the centre holding a red case in their jurisdiction to act by
    a deadline (default: 3 working days). The order travels to that centre as a message."""

    class Arguments:
        centre_code = graphene.String(required=True, description="The centre holding the case.")
        tracking_no = graphene.String(required=True)
        note = graphene.String(required=True, description="What is required, and why.")
        deadline = graphene.Date(description="A working day after today.")

    order = graphene.Field(SupervisionOrderType)

    @classmethod
    def authorize(cls, info):
        return network_actor(info, Role.SUPERVISOR)  # None: refused as a value (not_supervisor)

    @classmethod
    def perform_mutation(cls, info, actor, centre_code, tracking_no, note, deadline=None):
        order = orders.issue_order(actor, centre_code, tracking_no, deadline=deadline, note=note)
        return {"order": order}


class AnswerSupervisionOrder(BaseMutation):
    """情况说明: the handling centre explains why the case has not moved yet; the explanation
    goes back to the issuer. (A case that moves answers its orders by itself.)"""

    class Arguments:
        id = graphene.ID(required=True)
        note = graphene.String(required=True)

    order = graphene.Field(ReceivedSupervisionOrderType)

    @classmethod
    def authorize(cls, info):
        return require_actor(info)

    @classmethod
    def perform_mutation(cls, info, context, id, note):
        return {"order": orders.answer_order(context.centre, context.actor, id, note=note)}


class NetworkMutation(graphene.ObjectType):
    issue_supervision_order = IssueSupervisionOrder.Field()


class CentreMutation(graphene.ObjectType):
    answer_supervision_order = AnswerSupervisionOrder.Field()
