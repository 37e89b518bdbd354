"""GraphQL for the common item dictionary: search (public) and maintenance (dictionary admins).

The rules are ``catalog.services``'; who may change the dictionary is
``accounts.permissions.require_dictionary_admin``.
"""

from __future__ import annotations

import graphene

from accounts.permissions import require_dictionary_admin
from catalog import services
from catalog.models import (
    Category,
    Department,
    HandlingType,
    Material,
    MaterialForm,
    ServiceItem,
    ServiceItemVersion,
)
from graphql_api.context import require_user
from graphql_api.enums import enum_from_choices, value_of
from graphql_api.loaders import BatchLoader, group_by
from graphql_api.mutations import BaseMutation
from graphql_api.pagination import CountableConnection, paginate
from graphql_api.scalars import DateTime
from tenants.schema import TierEnum

CategoryEnum = enum_from_choices("ItemCategory", Category, "The category of an item (事项类别).")
HandlingTypeEnum = enum_from_choices(
    "HandlingType", HandlingType, "Immediate (即办件) or promised (承诺件)."
)
MaterialFormEnum = enum_from_choices(
    "MaterialForm", MaterialForm, "In which form a material is handed in."
)


# --- loaders -------------------------------------------------------------------------------------


class ItemVersionById(BatchLoader):
    def batch_load(self, keys):
        found = {v.pk: v for v in services.versions_with_item(keys)}
        MaterialsByVersion.of(self.context).prime(found)
        return found


class MaterialsByVersion(BatchLoader):
    default = []

    def batch_load(self, keys):
        return group_by(
            Material.objects.filter(version_id__in=keys).order_by("version_id", "position"),
            "version_id",
        )


# --- types ---------------------------------------------------------------------------------------


class DepartmentType(graphene.ObjectType):
    class Meta:
        name = "Department"
        description = "A department responsible for items (责任部门)."

    code = graphene.String(required=True)
    name = graphene.String(required=True)


class MaterialType(graphene.ObjectType):
    class Meta:
        name = "Material"
        description = "A material an applicant hands in (申请材料)."

    position = graphene.Int(required=True)
    name = graphene.String(required=True)
    form = MaterialFormEnum(required=True)
    count = graphene.Int(required=True)


class ServiceItemType(graphene.ObjectType):
    class Meta:
        name = "ServiceItem"
        description = (
            "An item of the common dictionary (事项), as one immutable version describes it. "
            "A case keeps the version it was filed under."
        )

    code = graphene.String(required=True)
    version = graphene.Int(required=True)
    is_current = graphene.Boolean(required=True, description="This is the item's current version.")
    is_retired = graphene.Boolean(required=True, description="The item is retired (已取消).")
    retired_at = DateTime()
    name = graphene.String(required=True)
    category = CategoryEnum(required=True)
    department = graphene.Field(DepartmentType, required=True)
    legal_basis = graphene.String(required=True)
    handling_type = HandlingTypeEnum(required=True)
    legal_limit_days = graphene.Int(required=True, description="法定时限, working days.")
    promised_limit_days = graphene.Int(required=True, description="承诺时限, working days.")
    fee = graphene.Decimal(required=True, description="收费标准, yuan.")
    decision_tiers = graphene.List(
        graphene.NonNull(TierEnum), required=True, description="The tiers that may decide it."
    )
    proxy_eligible = graphene.Boolean(required=True, description="An agent may handle it (代办).")
    online_eligible = graphene.Boolean(required=True)
    materials = graphene.List(graphene.NonNull(MaterialType), required=True)
    change_note = graphene.String(required=True)
    created_at = DateTime(required=True)

    @staticmethod
    def resolve_code(version: ServiceItemVersion, info):
        return version.item.code

    @staticmethod
    def resolve_is_current(version: ServiceItemVersion, info):
        return version.item.current_version_id == version.pk

    @staticmethod
    def resolve_is_retired(version: ServiceItemVersion, info):
        return version.item.is_retired

    @staticmethod
    def resolve_retired_at(version: ServiceItemVersion, info):
        return version.item.retired_at

    @staticmethod
    def resolve_materials(version: ServiceItemVersion, info):
        return MaterialsByVersion.of(info).load(version.pk)


class ServiceItemConnection(CountableConnection):
    class Meta:
        node = ServiceItemType


# --- queries -------------------------------------------------------------------------------------


class Query(graphene.ObjectType):
    items = graphene.relay.ConnectionField(
        ServiceItemConnection,
        search=graphene.String(description="A code prefix or part of the (Chinese) name."),
        department=graphene.String(description="A department code or part of its name."),
        include_retired=graphene.Boolean(default_value=False),
        description="Search the dictionary (current versions, by code).",
    )
    item = graphene.Field(
        ServiceItemType,
        code=graphene.String(required=True),
        version=graphene.Int(description="Default: the current version."),
    )
    departments = graphene.List(graphene.NonNull(DepartmentType), required=True)

    @staticmethod
    def resolve_items(root, info, search=None, department=None, include_retired=False, **args):
        versions = services.search_items(search, department, include_retired=include_retired)
        return paginate(
            versions,
            args,
            ServiceItemConnection,
            on_page=lambda page: MaterialsByVersion.of(info).prime(v.pk for v in page),
        )

    @staticmethod
    def resolve_item(root, info, code, version=None):
        item = ServiceItem.objects.filter(code=code.strip().upper()).first()
        if item is None:
            return None
        versions = item.versions.select_related("department")
        found = versions.filter(version=version).first() if version else item.current_version
        if found is not None:
            found.item = item
        return found

    @staticmethod
    def resolve_departments(root, info):
        return Department.objects.order_by("code")


# --- mutations (network endpoint, dictionary admins) ---------------------------------------------


class MaterialInput(graphene.InputObjectType):
    name = graphene.String(required=True)
    form = MaterialFormEnum(required=True)
    count = graphene.Int(default_value=1)


def _attrs(data) -> dict:
    """Service keyword arguments from an item input (only what was given)."""
    attrs = {}
    for key, value in data.items():
        if value is None:
            continue
        if key == "department_code":
            attrs["department"] = value
        elif key == "decision_tiers":
            attrs[key] = [value_of(tier) for tier in value]
        elif key == "materials":
            attrs[key] = [
                {"name": m.name, "form": value_of(m.form), "count": m.count} for m in value
            ]
        else:
            attrs[key] = value_of(value)
    return attrs


class ItemInput(graphene.InputObjectType):
    name = graphene.String(required=True)
    category = CategoryEnum(required=True)
    department_code = graphene.String(required=True)
    legal_basis = graphene.String()
    handling_type = HandlingTypeEnum(required=True)
    legal_limit_days = graphene.Int(required=True)
    promised_limit_days = graphene.Int(description="Leave out for an immediate item.")
    fee = graphene.Decimal()
    decision_tiers = graphene.List(graphene.NonNull(TierEnum), required=True)
    proxy_eligible = graphene.Boolean(required=True)
    online_eligible = graphene.Boolean(required=True)
    materials = graphene.List(graphene.NonNull(MaterialInput))


class ItemChangesInput(graphene.InputObjectType):
    name = graphene.String()
    category = CategoryEnum()
    department_code = graphene.String()
    legal_basis = graphene.String()
    handling_type = HandlingTypeEnum()
    legal_limit_days = graphene.Int()
    promised_limit_days = graphene.Int()
    fee = graphene.Decimal()
    decision_tiers = graphene.List(graphene.NonNull(TierEnum))
    proxy_eligible = graphene.Boolean()
    online_eligible = graphene.Boolean()
    materials = graphene.List(graphene.NonNull(MaterialInput), description="Replaces them all.")


class DictionaryMutation(BaseMutation):
    class Meta:
        abstract = True

    @classmethod
    def authorize(cls, info):
        return require_user(info).user

    @classmethod
    def perform_mutation(cls, info, user, **data):
        require_dictionary_admin(user)
        return cls.change(user, **data)

    @classmethod
    def change(cls, user, **data) -> dict:
        raise NotImplementedError


def _version_payload(version: ServiceItemVersion) -> dict:
    return {"item": version}


def _item_payload(item: ServiceItem) -> dict:
    version = item.current_version
    version.item = item
    return {"item": version}


class AddDepartment(DictionaryMutation):
    """Register a responsible department (责任部门)."""

    class Arguments:
        code = graphene.String(required=True)
        name = graphene.String(required=True)

    department = graphene.Field(DepartmentType)

    @classmethod
    def change(cls, user, code, name):
        return {"department": services.add_department(code=code, name=name, actor=user)}


class RenameDepartment(DictionaryMutation):
    """Give a department its new name."""

    class Arguments:
        code = graphene.String(required=True)
        name = graphene.String(required=True)

    department = graphene.Field(DepartmentType)

    @classmethod
    def change(cls, user, code, name):
        return {"department": services.rename_department(code, name=name, actor=user)}


class AddItem(DictionaryMutation):
    """Add an item to the dictionary (its version 1)."""

    class Arguments:
        code = graphene.String(required=True)
        input = ItemInput(required=True)
        change_note = graphene.String()

    item = graphene.Field(ServiceItemType)

    @classmethod
    def change(cls, user, code, input, change_note=""):
        version = services.add_item(
            code=code, actor=user, change_note=change_note or "", **_attrs(input)
        )
        return _version_payload(version)


class AdjustItem(DictionaryMutation):
    """Adjust an item (调整): a new version with the changes; cases keep their version."""

    class Arguments:
        code = graphene.String(required=True)
        changes = ItemChangesInput(required=True)
        change_note = graphene.String(required=True, description="Why (变更说明).")

    item = graphene.Field(ServiceItemType)

    @classmethod
    def change(cls, user, code, changes, change_note):
        version = services.adjust_item(code, actor=user, change_note=change_note, **_attrs(changes))
        return _version_payload(version)


class RetireItem(DictionaryMutation):
    """Retire an item (取消): no new cases; old cases keep reading it."""

    class Arguments:
        code = graphene.String(required=True)

    item = graphene.Field(ServiceItemType)

    @classmethod
    def change(cls, user, code):
        return _item_payload(services.retire_item(code, actor=user))


class ReinstateItem(DictionaryMutation):
    """Put a retired item back in use."""

    class Arguments:
        code = graphene.String(required=True)

    item = graphene.Field(ServiceItemType)

    @classmethod
    def change(cls, user, code):
        return _item_payload(services.reinstate_item(code, actor=user))


class Mutation(graphene.ObjectType):
    add_department = AddDepartment.Field()
    rename_department = RenameDepartment.Field()
    add_item = AddItem.Field()
    adjust_item = AdjustItem.Field()
    retire_item = RetireItem.Field()
    reinstate_item = ReinstateItem.Field()
