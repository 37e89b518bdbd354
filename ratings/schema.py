"""GraphQL for 好差评 and 差评整改.

* Network endpoint (``/graphql/``, public): ``rateCase``, the applicant's rating of one hop,
  proved by a rating invitation link's token or by the tracking number and the receipt's query
  code. (The centre endpoint's ``rateCase`` is the desk's entry on the applicant's behalf.)
* Centre endpoint (``/c/<code>/graphql/``, the centre's desk roles): ``rectifications``,
  ``rectification``, and the mutations ``recordCallback`` and ``closeRectification``; a centre
  sees and works only its own.

Mutations are ``BaseMutation``s (errors as values, nothing of a failed one kept); queries raise
domain errors as top-level errors with ``extensions.code``.
"""

from __future__ import annotations

import graphene
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from graphql_api import scalars
from graphql_api.context import require_actor
from graphql_api.enums import enum_from_choices, value_of
from graphql_api.mutations import BaseMutation
from ratings import services
from ratings.models import Level, RectificationState, Source


class RatingLevel(graphene.Enum):
    """The five levels of 好差评 (the number is the 1 … 5 scale)."""

    VERY_SATISFIED = Level.VERY_SATISFIED.value
    SATISFIED = Level.SATISFIED.value
    FAIRLY_SATISFIED = Level.FAIRLY_SATISFIED.value
    DISSATISFIED = Level.DISSATISFIED.value
    VERY_DISSATISFIED = Level.VERY_DISSATISFIED.value


RatingSourceEnum = enum_from_choices(
    "RatingSource", Source, "Who gave the rating: the applicant (link, tracking) or the desk."
)
RectificationStateEnum = enum_from_choices("RectificationState", RectificationState, "差评整改")
WarningLevelEnum = graphene.Enum("RectificationWarning", [("YELLOW", "yellow"), ("RED", "red")])


class RatingType(graphene.ObjectType):
    class Meta:
        name = "Rating"

    tracking_no = graphene.String(required=True)
    centre_code = graphene.String(required=True, description="The rated centre.")
    level = graphene.Int(required=True, description="1 非常不满意 … 5 非常满意")
    level_label = graphene.String(required=True)
    comment = graphene.String(required=True)
    source = RatingSourceEnum(required=True)
    recorded_by = graphene.String(required=True, description="Desk entries: who entered it.")
    deciding = graphene.Boolean(
        required=True, description="The rated centre decided the case: counted in satisfaction."
    )
    created_at = scalars.DateTime(required=True)

    @staticmethod
    def resolve_level_label(rating, info):
        return str(Level(rating.level).label)


class CallbackType(graphene.ObjectType):
    class Meta:
        name = "RectificationCallback"

    called_by = graphene.String(required=True)
    called_at = scalars.DateTime(required=True)
    result = graphene.String(required=True)


class RectificationType(graphene.ObjectType):
    class Meta:
        name = "Rectification"
        description = "差评整改: a bad rating's follow-up by the rated centre."

    id = graphene.ID(required=True)
    tracking_no = graphene.String(required=True)
    rating = graphene.Field(RatingType, required=True)
    opened_on = graphene.Date(required=True)
    due_on = graphene.Date(required=True, description="15 working days after the rating.")
    calendar_fallback = graphene.Boolean(required=True)
    state = RectificationStateEnum(required=True)
    warning = WarningLevelEnum(description="Open: yellow near the due date, red past it.")
    working_days_left = graphene.Int(description="Open: negative once overdue.")
    callbacks = graphene.List(graphene.NonNull(CallbackType), required=True)
    closing_note = graphene.String(required=True)
    closed_by = graphene.String(required=True)
    closed_at = scalars.DateTime()

    @staticmethod
    def resolve_callbacks(rectification, info):
        return list(rectification.callbacks.all())

    @staticmethod
    def resolve_warning(rectification, info):
        return _warning(rectification, info).level

    @staticmethod
    def resolve_working_days_left(rectification, info):
        return _warning(rectification, info).days_left if rectification.is_open else None


def _warning(rectification, info):
    memo = info.context.api.memo
    if "rectification_scheme" not in memo:
        from supervision.services import current_scheme

        memo["rectification_scheme"] = current_scheme()
    return services.warning(rectification, scheme=memo["rectification_scheme"])


class CentreQuery(graphene.ObjectType):
    rectifications = graphene.List(
        graphene.NonNull(RectificationType),
        required=True,
        state=RectificationStateEnum(),
        description="This centre's 差评整改, open first by due date (at most 200).",
    )
    rectification = graphene.Field(RectificationType, required=True, id=graphene.ID(required=True))

    @staticmethod
    def resolve_rectifications(root, info, state=None):
        context = require_actor(info)
        qs = services.list_rectifications(context.centre, context.actor, state=value_of(state))
        return list(qs.prefetch_related("callbacks")[:200])

    @staticmethod
    def resolve_rectification(root, info, id):
        context = require_actor(info)
        return services.get_rectification(context.centre, context.actor, id)


class RectificationMutation(BaseMutation):
    class Meta:
        abstract = True

    rectification = graphene.Field(RectificationType)

    @classmethod
    def authorize(cls, info):
        return require_actor(info)


class RecordCallback(RectificationMutation):
    """回访: the centre called the applicant back about the bad rating."""

    class Arguments:
        id = graphene.ID(required=True)
        result = graphene.String(required=True)
        called_at = scalars.DateTime(description="When the call was made; default now.")

    @classmethod
    def perform_mutation(cls, info, context, id, result, called_at=None):
        services.record_callback(
            context.centre, context.actor, id, result=result, called_at=called_at
        )
        return {"rectification": services.get_rectification(context.centre, context.actor, id)}


class CloseRectification(RectificationMutation):
    """办结整改 with its note; refused (`callback_required`) before any callback."""

    class Arguments:
        id = graphene.ID(required=True)
        note = graphene.String(required=True)

    @classmethod
    def perform_mutation(cls, info, context, id, note):
        return {
            "rectification": services.close_rectification(
                context.centre, context.actor, id, note=note
            )
        }


class CentreMutation(graphene.ObjectType):
    record_callback = RecordCallback.Field()
    close_rectification = CloseRectification.Field()


class RateCasePublic(BaseMutation):
    """好差评 by the applicant (no login): one hop of a decided case, once. Give either the
    rating link's ``token``, or ``trackingNo``, ``queryCode`` and the rated ``centreCode``."""

    class Meta:
        name = "RateCase"

    atomic = False  # a wrong query code is counted (the tracking throttle) before the error

    class Arguments:
        rating = RatingLevel(required=True)
        comment = graphene.String(description="At most 500 characters.")
        token = graphene.String(description="From the rating invitation link /rate/<token>/.")
        tracking_no = graphene.String()
        query_code = graphene.String()
        centre_code = graphene.String(description="The rated centre (a hop of the chain).")

    rating = graphene.Field(RatingType)
    rectification_opened = graphene.Boolean(
        description="A bad rating opened a rectification at the rated centre."
    )

    @classmethod
    def perform_mutation(
        cls,
        info,
        auth,
        rating,
        comment=None,
        token=None,
        tracking_no=None,
        query_code=None,
        centre_code=None,
    ):
        level = rating.value if hasattr(rating, "value") else rating
        if token:
            done = services.rate_from_link(token, level=level, comment=comment or "")
        elif tracking_no and query_code and centre_code:
            done = services.rate_from_tracking(
                tracking_no,
                query_code,
                centre_code,
                level=level,
                comment=comment or "",
                client=info.context.META.get("REMOTE_ADDR") or "unknown",
            )
        else:
            raise DomainError(
                _("请提供评价链接，或办件编号、查询码和被评价的中心。"),
                code="rating_proof_required",
            )
        return {"rating": done, "rectification_opened": done.is_bad}


class NetworkMutation(graphene.ObjectType):
    rate_case = RateCasePublic.Field()
