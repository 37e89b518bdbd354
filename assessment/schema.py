"""GraphQL for network assessors: schemes, runs, results, comparisons and exports.

``Query`` and ``Mutation`` are assembled into the network endpoint by the root schema. Every
resolver calls ``assessment.services`` with the acting ``core.roles.Actor``, which the endpoint
finds on the request (``actor_from_context``: an explicit ``actor``, or the assessor membership
of the authenticated user); the services decide who may do what (``require_assessor``). Mutations return domain
errors as values in the payload (``errors { code field message }``); queries raise them as
GraphQL errors with ``extensions.code``.
"""

from __future__ import annotations

import base64

import graphene
from django.utils.translation import gettext_lazy as _
from graphene_django import DjangoObjectType

from assessment import services
from assessment.models import AssessmentResult, AssessmentRun, ScoringScheme
from core.errors import DomainError, ValidationFailed
from core.roles import Actor, Role
from graphql import GraphQLError


def actor_from_context(context) -> Actor | None:
    """The acting assessor: ``context.actor``, or the API context's actor, or the assessor
    membership of the API context's user (network endpoint: assessors are city members)."""
    actor = getattr(context, "actor", None)
    if isinstance(actor, Actor):
        return actor
    api = getattr(context, "api", None)
    if api is None:
        return None
    if isinstance(getattr(api, "actor", None), Actor) and api.actor.role == Role.ASSESSOR:
        return api.actor
    user = getattr(api, "user", None)
    return assessor_actor(user) if user is not None else None


def assessor_actor(user) -> Actor | None:
    """``user``'s assessor membership as the ``Actor`` the services take, if they hold one."""
    try:
        from accounts.permissions import actor_from_membership, network_memberships
    except ImportError:  # identity not installed: only an explicit context.actor acts
        return None
    membership = network_memberships(user, Role.ASSESSOR).first()
    return actor_from_membership(membership) if membership else None


def _raise(exc: DomainError):
    raise GraphQLError(exc.message, extensions={"code": exc.code, "field": exc.field}) from exc


class AssessmentError(graphene.ObjectType):
    code = graphene.String(required=True)
    field = graphene.String()
    message = graphene.String(required=True)


def errors_from(exc: DomainError) -> list[AssessmentError]:
    if isinstance(exc, ValidationFailed) and exc.problems:
        return [
            AssessmentError(code=p.code, field=p.column, message=p.message) for p in exc.problems
        ]
    return [AssessmentError(code=exc.code, field=exc.field, message=exc.message)]


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
        offset = offset or 0  # an explicit null: from the start
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
    filename = graphene.String(required=True)
    content_type = graphene.String(required=True)
    base64 = graphene.String(required=True, description="The file, base64-encoded.")


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
        try:
            return services.list_schemes(actor_from_context(info.context), name=name)
        except DomainError as exc:
            _raise(exc)

    @staticmethod
    def resolve_assessment_runs(root, info, subtree_code=None, limit=50):
        try:
            return services.list_runs(
                actor_from_context(info.context), subtree_code=subtree_code, limit=limit
            )
        except DomainError as exc:
            _raise(exc)

    @staticmethod
    def resolve_assessment_run(root, info, id):
        try:
            return services.get_run(actor_from_context(info.context), _id(id))
        except DomainError as exc:
            _raise(exc)

    @staticmethod
    def resolve_assessment_comparison(root, info, base_run_id, other_run_id, scope=None, tier=None):
        try:
            comparison = services.compare_runs(
                actor_from_context(info.context),
                _id(base_run_id),
                _id(other_run_id),
                scope=scope,
                tier=tier,
            )
        except DomainError as exc:
            _raise(exc)
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
        try:
            export = services.export_run(actor_from_context(info.context), _id(run_id), fmt)
        except DomainError as exc:
            _raise(exc)
        return ExportFileType(
            filename=export.filename,
            content_type=export.content_type,
            base64=base64.b64encode(export.content).decode("ascii"),
        )


def _id(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise DomainError(_("编号无效。"), code="invalid_id", field="id") from exc


class RunAssessment(graphene.Mutation):
    """Run an assessment of a subtree for a period by a scheme version, and store it."""

    class Arguments:
        period_start = graphene.Date(required=True)
        period_end = graphene.Date(required=True)
        subtree_code = graphene.String(required=True)
        scheme_name = graphene.String()
        scheme_version = graphene.Int()

    run = graphene.Field(AssessmentRunType)
    errors = graphene.List(graphene.NonNull(AssessmentError), required=True)

    @classmethod
    def mutate(cls, root, info, **arguments):
        try:
            run = services.run_assessment(actor_from_context(info.context), **arguments)
        except DomainError as exc:
            return cls(run=None, errors=errors_from(exc))
        return cls(run=run, errors=[])


class ReviseScoringScheme(graphene.Mutation):
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
    errors = graphene.List(graphene.NonNull(AssessmentError), required=True)

    @classmethod
    def mutate(cls, root, info, **arguments):
        try:
            scheme = services.revise_scheme(actor_from_context(info.context), **arguments)
        except DomainError as exc:
            return cls(scheme=None, errors=errors_from(exc))
        return cls(scheme=scheme, errors=[])


class RecordServicePointCheck(graphene.Mutation):
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
    errors = graphene.List(graphene.NonNull(AssessmentError), required=True)

    @classmethod
    def mutate(cls, root, info, centre_code, checked_on, **essentials):
        try:
            centre = services.record_check(
                actor_from_context(info.context), centre_code, checked_on=checked_on, **essentials
            )
        except DomainError as exc:
            return cls(centre=None, errors=errors_from(exc))
        return cls(centre=centre, errors=[])


class Mutation(graphene.ObjectType):
    run_assessment = RunAssessment.Field()
    revise_scoring_scheme = ReviseScoringScheme.Field()
    record_service_point_check = RecordServicePointCheck.Field()
