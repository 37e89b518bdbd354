"""GraphQL for the network registry: centres and the tree (public information)."""

from __future__ import annotations

import graphene

from core import sql
from graphql_api.enums import enum_from_choices
from graphql_api.loaders import BatchLoader, group_by
from graphql_api.scalars import DateTime
from tenants.divisions import Tier
from tenants.models import CentreStatus, ServiceCentre, ServicePointCheck

TierEnum = enum_from_choices("Tier", Tier, "The tier of a centre (层级).")
CentreStatusEnum = enum_from_choices("CentreStatus", CentreStatus, "Whether a centre serves.")


# --- loaders -------------------------------------------------------------------------------------


class CentreByCode(BatchLoader):
    def batch_load(self, keys):
        found = sql.rows(ServiceCentre, "WHERE division_code = ANY(%s)", [list(keys)])
        return {c.division_code: c for c in found}


class CentreById(BatchLoader):
    def batch_load(self, keys):
        return {c.id: c for c in sql.rows(ServiceCentre, "WHERE id = ANY(%s)", [list(keys)])}


class ChildrenByParent(BatchLoader):
    default = []

    def batch_load(self, keys):
        children = group_by(
            ServiceCentre.objects.filter(parent_id__in=keys).order_by("division_code"),
            "parent_id",
        )
        # The next level of the tree will be asked for next: fetch it in one go too.
        self.prime(c.id for level in children.values() for c in level)
        return children


class ChecksByCentre(BatchLoader):
    default = []

    def batch_load(self, keys):
        return group_by(
            ServicePointCheck.objects.filter(centre_id__in=keys).order_by(
                "centre_id", "-checked_on", "-id"
            ),
            "centre_id",
        )


# --- types ---------------------------------------------------------------------------------------


class _SixFacts:
    """The six fields both 六有 types share (graphene collects fields from plain base classes)."""

    has_premises = graphene.Boolean(required=True, description="有场所")
    has_signage = graphene.Boolean(required=True, description="有标识")
    has_staff = graphene.Boolean(required=True, description="有固定值守人员")
    has_phone = graphene.Boolean(required=True, description="有公开电话")
    has_register = graphene.Boolean(required=True, description="有服务台账")
    has_procedures = graphene.Boolean(required=True, description="有公开办事指南")


class SixEssentials(_SixFacts, graphene.ObjectType):
    """The six essentials (六有) of a service point, as last checked."""

    all = graphene.Boolean(required=True, description="All six are present.")
    checked_on = graphene.Date(description="When the facts were checked (六有核查日期).")


class SixEssentialsCheck(_SixFacts, graphene.ObjectType):
    """One 六有 check of a service point: the facts as found on a day, and who recorded them."""

    all = graphene.Boolean(required=True, description="All six were present.")
    checked_on = graphene.Date(required=True, description="核查日期")
    recorded_at = DateTime(required=True)
    recorded_by = graphene.String(required=True)

    @staticmethod
    def resolve_all(check: ServicePointCheck, info):
        return all(check.six_essentials.values())


class Centre(graphene.ObjectType):
    """A service centre (政务服务中心 / 便民服务中心 / 便民服务室): one node of the network."""

    division_code = graphene.String(required=True, description="行政区划代码 (GB/T 2260).")
    name = graphene.String(required=True)
    tier = TierEnum(required=True)
    status = CentreStatusEnum(required=True)
    address = graphene.String(required=True)
    phone = graphene.String(required=True, description="The centre's public phone.")
    parent = graphene.Field(lambda: Centre)
    children = graphene.List(graphene.NonNull(lambda: Centre), required=True)
    six_essentials = graphene.Field(SixEssentials, required=True)
    six_essentials_checks = graphene.List(
        graphene.NonNull(SixEssentialsCheck),
        required=True,
        description="Every 六有 check of this centre, the latest first.",
    )

    @staticmethod
    def resolve_parent(centre: ServiceCentre, info):
        return CentreById.of(info).load(centre.parent_id)

    @staticmethod
    def resolve_children(centre: ServiceCentre, info):
        return ChildrenByParent.of(info).load(centre.id)

    @staticmethod
    def resolve_six_essentials_checks(centre: ServiceCentre, info):
        return ChecksByCentre.of(info).load(centre.id)

    @staticmethod
    def resolve_six_essentials(centre: ServiceCentre, info):
        return SixEssentials(
            **centre.six_essentials, all=centre.has_all_six, checked_on=centre.facts_checked_on
        )


# --- queries -------------------------------------------------------------------------------------


class NetworkQuery(graphene.ObjectType):
    network_tree = graphene.List(
        graphene.NonNull(Centre),
        required=True,
        root_code=graphene.String(
            description="Start at this centre (division code); default: every city (the roots)."
        ),
        description="The network as a tree: select `children` as deep as you need.",
    )
    centre = graphene.Field(Centre, division_code=graphene.String(required=True))

    @staticmethod
    def resolve_network_tree(root, info, root_code=None):
        centres = ServiceCentre.objects.order_by("division_code")
        centres = list(
            centres.filter(division_code=root_code)
            if root_code
            else centres.filter(parent__isnull=True)
        )
        ChildrenByParent.of(info).prime(c.id for c in centres)
        return centres

    @staticmethod
    def resolve_centre(root, info, division_code):
        return CentreByCode.of(info).load(division_code)


class CentreQuery(graphene.ObjectType):
    current_centre = graphene.Field(
        Centre, required=True, description="The centre this endpoint belongs to."
    )

    @staticmethod
    def resolve_current_centre(root, info):
        return info.context.api.centre
