"""GraphQL for supervision: a case's warnings (电子监察) and their levels, read in a centre."""

from __future__ import annotations

import graphene

from graphql_api.context import require_actor
from graphql_api.enums import enum_from_choices
from graphql_api.loaders import BatchLoader
from graphql_api.scalars import DateTime
from supervision import services
from supervision.models import Level, Step

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
