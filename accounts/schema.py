"""GraphQL for identity: who am I, login and logout (both endpoints)."""

from __future__ import annotations

import graphene

from accounts import services
from accounts.models import MemberRole, Membership
from accounts.permissions import DESK_ROLES, NETWORK_ROLES
from graphql_api.context import api, require_user
from graphql_api.enums import enum_from_choices
from graphql_api.mutations import BaseMutation
from graphql_api.scalars import DateTime
from tenants.schema import Centre, CentreById

RoleEnum = enum_from_choices("Role", MemberRole, "A role a person holds at a centre.")


class MembershipType(graphene.ObjectType):
    class Meta:
        name = "Membership"
        description = "A role the user holds at a centre (任职)."

    centre = graphene.Field(Centre, required=True)
    role = RoleEnum(required=True)

    @staticmethod
    def resolve_centre(membership, info):
        return CentreById.of(info).load(membership.centre_id)


class Me(graphene.ObjectType):
    """The logged-in user."""

    username = graphene.String(required=True)
    display_name = graphene.String(required=True)
    role = RoleEnum(description="The role they act in at this centre (centre endpoint).")
    memberships = graphene.List(
        graphene.NonNull(MembershipType),
        required=True,
        description="Centre endpoint: their roles here. Network endpoint: all their roles.",
    )
    token_expires_at = DateTime(required=True)

    @staticmethod
    def resolve_username(context, info):
        return context.user.get_username()

    @staticmethod
    def resolve_display_name(context, info):
        return services.display_name(context.user)

    @staticmethod
    def resolve_role(context, info):
        return context.actor.role if context.actor else None

    @staticmethod
    def resolve_memberships(context, info):
        memberships = Membership.objects.filter(user=context.user, is_active=True)
        if context.centre is not None:
            memberships = memberships.filter(centre=context.centre, role__in=DESK_ROLES)
        else:
            memberships = memberships.filter(role__in=DESK_ROLES | NETWORK_ROLES)
        memberships = list(memberships.order_by("centre__division_code", "role"))
        CentreById.of(info).prime(m.centre_id for m in memberships)
        return memberships

    @staticmethod
    def resolve_token_expires_at(context, info):
        return context.token.expires_at


class Query(graphene.ObjectType):
    me = graphene.Field(Me, description="The logged-in user; null when anonymous.")

    @staticmethod
    def resolve_me(root, info):
        context = api(info)
        return context if context.user is not None else None


class Login(BaseMutation):
    """Log in with username and password; returns a bearer token valid at this endpoint only
    (a centre's endpoint: that centre; the network endpoint: the network). Send it as
    `Authorization: Bearer <token>`. The token is shown once."""

    class Arguments:
        username = graphene.String(required=True)
        password = graphene.String(required=True)
        label = graphene.String(description="Which device, to tell tokens apart (e.g. 手机).")

    token = graphene.String()
    expires_at = DateTime()
    atomic = False  # the throttle's count of failures must outlive the failed login

    @classmethod
    def perform_mutation(cls, info, auth, username, password, label=""):
        issued = services.login(
            username,
            password,
            centre=api(info).centre,
            label=label or "",
            address=info.context.META.get("REMOTE_ADDR") or None,
        )
        return {"token": issued.token, "expires_at": issued.record.expires_at}


class Logout(BaseMutation):
    """Revoke the token this request was sent with."""

    revoked = graphene.Boolean()

    @classmethod
    def authorize(cls, info):
        return require_user(info)

    @classmethod
    def perform_mutation(cls, info, context):
        services.logout(context.token)
        return {"revoked": True}


class Mutation(graphene.ObjectType):
    login = Login.Field()
    logout = Logout.Field()
