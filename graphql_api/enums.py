"""GraphQL enums from the models' ``TextChoices``: NAME = "value", described by the label."""

from __future__ import annotations

import graphene
from django.db import models
from django.utils import translation


def enum_from_choices(name: str, choices: type[models.TextChoices], description: str) -> type:
    """A graphene Enum with the members of ``choices``; each value is described by its label
    (Chinese, fixed here so the exported contract does not depend on the active language)."""
    with translation.override("zh-hans"):
        labels = {member.value: str(member.label) for member in choices}

    def describe(value):
        return description if value is None else labels.get(value.value)

    # Built on the choices class itself, so a member the services set (State.ESCALATED) and a
    # value read from the database ("escalated") both serialize.
    return graphene.Enum.from_enum(choices, name=name, description=describe)


def value_of(member) -> str | None:
    """The stored value of an enum argument (graphene passes the member)."""
    if member is None:
        return None
    return getattr(member, "value", member)
