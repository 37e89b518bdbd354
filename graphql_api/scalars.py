"""Scalars with the network's conventions.

``DateTime``: every time the API returns is in the network's time zone (``TIME_ZONE``,
Asia/Shanghai), ISO 8601 with its offset (``2026-12-01T09:30:00+08:00``), so that it reads like
the local dates of tracking numbers and of the clock (``dueOn``). The database keeps UTC; the
SDL name stays ``DateTime``. Inputs may carry any offset.
"""

from __future__ import annotations

import datetime as dt

import graphene
from django.db import models
from django.utils import timezone
from graphene_django.converter import convert_django_field

from graphql import GraphQLError


class DateTime(graphene.DateTime):
    """An instant, in the network's time zone: ISO 8601 with offset (e.g. `+08:00`)."""

    class Meta:
        name = "DateTime"

    @staticmethod
    def serialize(value):
        if isinstance(value, dt.datetime):
            zone = timezone.get_default_timezone()  # TIME_ZONE; no request activates another
            if value.tzinfo is None:
                value = value.replace(tzinfo=zone)
            return value.astimezone(zone).isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
        raise GraphQLError(f"DateTime cannot represent value: {value!r}")


@convert_django_field.register(models.DateTimeField)
def _convert_datetime(field, registry=None):
    """Model fields of ``DjangoObjectType``s use the same scalar."""
    return DateTime(description=getattr(field, "help_text", "") or None, required=not field.null)
