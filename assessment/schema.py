"""GraphQL for network assessors: schemes, runs, results, comparisons and exports.

``Query`` and ``Mutation`` are assembled into the network endpoint by the root schema, in the
API's one style: every resolver calls ``assessment.services`` with the acting
``core.roles.Actor``, which is the caller's assessor membership
(``graphql_api.context.network_actor``); the services decide who may do what
(``require_assessor``). Mutations are ``BaseMutation``s (a savepoint, the loaders reset,
errors as ``ApiError`` values with ``messageEn``); queries raise domain errors as top-level
errors with ``extensions.code``. An export is a short-lived download link for the caller only
(``assessment.services.export_link``, served by ``assessment.views``).
"""

from __future__ import annotations

import base64

import graphene
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from graphene_django import DjangoObjectType

from assessment import services
from assessment.models import AssessmentResult, AssessmentRun, ScoringScheme
from core.errors import DomainError
from core.roles import Role
from graphql_api import scalars
from graphql_api.context import network_actor
from graphql_api.mutations import BaseMutation


def _assessor(info):
    return network_actor(info, Role.ASSESSOR)


class AssessmentExportFormat(graphene.Enum):
    XLSX = services.XLSX
    PNG = services.PNG


class ScoringSchemeType(DjangoObjectType):
    indicators = graphene.JSONString(required=True)
    adjustments = graphene.JSONString(required=True)

    class Meta:
        model = ScoringScheme
        name = "ScoringScheme"
        fields = (
            "id",
            "name",
            "version",
            "description",
            "stuck_after_working_days",
            "satisfied_min_rating",
            "created_by",
            "created_at",
        )
        convert_choices_to_enum = False


class AssessmentResultType(DjangoObjectType):
    indicators = graphene.JSONString(required=True)
    points = graphene.JSONString(required=True)
    indicator = graphene.Float(
        key=graphene.String(required=True), description="One numeric indicator (null if n/a)."
    )

    class Meta:
        model = AssessmentResult
        name = "AssessmentResult"
        fields = (
            "scope",
            "code",
            "tier",
            "name",
            "parent_code",
            "base_score",
            "bonus",
            "penalty",
            "score",
            "rank",
            "peers",
            "idle",
        )
        convert_choices_to_enum = False

    @staticmethod
    def resolve_indicator(result: AssessmentResult, info, key: str):
        value = result.indicators.get(key)
        return float(value) if isinstance(value, int | float) else None


class AssessmentRunType(DjangoObjectType):
    summary = graphene.JSONString(required=True)
    scheme = graphene.Field(ScoringSchemeType, required=True)
    results = graphene.List(
        graphene.NonNull(AssessmentResultType),
        required=True,
        scope=graphene.String(description="centre or subtree"),
        tier=graphene.String(),
        limit=graphene.Int(),
        offset=graphene.Int(default_value=0),
    )
    result = graphene.Field(
        AssessmentResultType,
        code=graphene.String(required=True),
        scope=graphene.String(default_value="subtree"),
    )

    class Meta:
        model = AssessmentRun
        name = "AssessmentRun"
        fields = (
            "id",
            "created_by",
            "created_at",
            "period_start",
            "period_end",
            "as_of",
            "subtree_code",
            "duration_ms",
        )

    @staticmethod
    def resolve_results(run, info, scope=None, tier=None, limit=None, offset=0):
        results = services.run_results(run, scope=scope, tier=tier)
        return results[offset : offset + limit] if limit is not None else results[offset:]

    @staticmethod
    def resolve_result(run, info, code, scope="subtree"):
        return run.results.filter(code=code, scope=scope).first()


class IndicatorDeltaType(graphene.ObjectType):
    key = graphene.String(required=True)
    base = graphene.Float()
    other = graphene.Float()
    delta = graphene.Float()


class UnitDeltaType(graphene.ObjectType):
    scope = graphene.String(required=True)
    code = graphene.String(required=True)
    tier = graphene.String(required=True)
    name = graphene.String(required=True)
    base_score = graphene.Float(required=True)
    other_score = graphene.Float(required=True)
    score_delta = graphene.Float(required=True)
    base_rank = graphene.Int(required=True)
    other_rank = graphene.Int(required=True)
    indicators = graphene.List(graphene.NonNull(IndicatorDeltaType), required=True)


class RunComparisonType(graphene.ObjectType):
    base = graphene.Field(AssessmentRunType, required=True)
    other = graphene.Field(AssessmentRunType, required=True)
    units = graphene.List(graphene.NonNull(UnitDeltaType), required=True)


class ExportFileType(graphene.ObjectType):
    """An export of a run: a download link for the caller, valid for a few minutes."""

    filename = graphene.String(required=True)
    content_type = graphene.String(required=True)
    url = graphene.String(
        required=True,
        description="GET it with the same bearer token (or session) before `expiresAt`: the link "
        "is signed and works for the caller only.",
    )
    expires_at = scalars.DateTime(required=True)
    base64 = graphene.String(
        required=True, description="The file itself, base64-encoded (made only if asked for)."
    )

    @staticmethod
    def resolve_base64(export, info):
        content = services.export_run(export.actor, export.run_id, export.format).content
        return base64.b64encode(content).decode("ascii")


_CONTENT_TYPES = {
    services.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    services.PNG: "image/png",
}


class Query(graphene.ObjectType):
    assessment_schemes = graphene.List(
        graphene.NonNull(ScoringSchemeType), required=True, name=graphene.String()
    )
    assessment_runs = graphene.List(
        graphene.NonNull(AssessmentRunType),
        required=True,
        subtree_code=graphene.String(),
        limit=graphene.Int(default_value=50),
    )
    assessment_run = graphene.Field(AssessmentRunType, id=graphene.ID(required=True))
    assessment_comparison = graphene.Field(
        RunComparisonType,
        base_run_id=graphene.ID(required=True),
        other_run_id=graphene.ID(required=True),
        scope=graphene.String(),
        tier=graphene.String(),
    )
    assessment_export = graphene.Field(
        ExportFileType,
        run_id=graphene.ID(required=True),
        format=AssessmentExportFormat(required=True),
    )

    @staticmethod
    def resolve_assessment_schemes(root, info, name=None):
        return services.list_schemes(_assessor(info), name=name)

    @staticmethod
    def resolve_assessment_runs(root, info, subtree_code=None, limit=50):
        return services.list_runs(_assessor(info), subtree_code=subtree_code, limit=limit)

    @staticmethod
    def resolve_assessment_run(root, info, id):
        return services.get_run(_assessor(info), _id(id))

    @staticmethod
    def resolve_assessment_comparison(root, info, base_run_id, other_run_id, scope=None, tier=None):
        comparison = services.compare_runs(
            _assessor(info), _id(base_run_id), _id(other_run_id), scope=scope, tier=tier
        )
        return RunComparisonType(
            base=comparison.base,
            other=comparison.other,
            units=[
                UnitDeltaType(
                    **{k: v for k, v in vars(u).items() if k != "indicators"},
                    indicators=[IndicatorDeltaType(**vars(d)) for d in u.indicators],
                )
                for u in comparison.units
            ],
        )

    @staticmethod
    def resolve_assessment_export(root, info, run_id, format):
        fmt = format.value if hasattr(format, "value") else format
        actor = _assessor(info)
        link = services.export_link(actor, _id(run_id), fmt)
        export = ExportFileType(
            filename=link.filename,
            content_type=_CONTENT_TYPES[fmt],
            url=reverse("assessment-export", kwargs={"token": link.token}),
            expires_at=link.expires_at,
        )
        export.actor, export.run_id, export.format = actor, _id(run_id), fmt
        return export


def _id(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise DomainError(_("编号无效。"), code="invalid_id", field="id") from exc


class AssessorMutation(BaseMutation):
    class Meta:
        abstract = True

    @classmethod
    def authorize(cls, info):
        return _assessor(info)  # None: the service refuses with not_assessor, as a value


class RunAssessment(AssessorMutation):
    """Run an assessment of a subtree for a period by a scheme version, and store it."""

    class Arguments:
        period_start = graphene.Date(required=True)
        period_end = graphene.Date(required=True)
        subtree_code = graphene.String(required=True)
        scheme_name = graphene.String()
        scheme_version = graphene.Int()

    run = graphene.Field(AssessmentRunType)

    @classmethod
    def perform_mutation(cls, info, actor, **arguments):
        return {"run": services.run_assessment(actor, **arguments)}


class ReviseScoringScheme(AssessorMutation):
    """Save a new version of a scoring scheme (version 1 of a new name); omitted parts are
    taken from the latest version."""

    class Arguments:
        name = graphene.String(required=True)
        description = graphene.String()
        indicators = graphene.JSONString()
        adjustments = graphene.JSONString()
        stuck_after_working_days = graphene.Int()
        satisfied_min_rating = graphene.Int()

    scheme = graphene.Field(ScoringSchemeType)

    @classmethod
    def perform_mutation(cls, info, actor, **arguments):
        return {"scheme": services.revise_scheme(actor, **arguments)}


class RecordServicePointCheck(AssessorMutation):
    """Record a 六有 check of a service point in the assessor's jurisdiction: the six facts as
    found on ``checkedOn`` (a check dated before the latest one only enters the history)."""

    class Arguments:
        centre_code = graphene.String(required=True)
        checked_on = graphene.Date(required=True)
        has_premises = graphene.Boolean(required=True)
        has_signage = graphene.Boolean(required=True)
        has_staff = graphene.Boolean(required=True)
        has_phone = graphene.Boolean(required=True)
        has_register = graphene.Boolean(required=True)
        has_procedures = graphene.Boolean(required=True)

    centre = graphene.Field("tenants.schema.Centre")

    @classmethod
    def perform_mutation(cls, info, actor, centre_code, checked_on, **essentials):
        centre = services.record_check(actor, centre_code, checked_on=checked_on, **essentials)
        return {"centre": centre}


class Mutation(graphene.ObjectType):
    run_assessment = RunAssessment.Field()
    revise_scoring_scheme = ReviseScoringScheme.Field()
    record_service_point_check = RecordServicePointCheck.Field()
