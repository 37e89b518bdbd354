"""Relay pagination over a queryset: one COUNT and one page query, whatever the page size."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import graphene
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from graphene.relay.connection import connection_adapter, page_info_adapter
from graphql_relay import connection_from_array_slice

from core.errors import DomainError

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


class CountableConnection(graphene.relay.Connection):
    class Meta:
        abstract = True

    total_count = graphene.Int(required=True, description="How many nodes match, on all pages.")


def _check(args: dict) -> dict:
    for name in ("first", "last"):
        value = args.get(name)
        if value is not None and not 0 <= value <= MAX_PAGE_SIZE:
            raise DomainError(
                _("%(name)s 应在 0 到 %(max)d 之间。"),
                code="invalid_pagination",
                field=name,
                params={"name": name, "max": MAX_PAGE_SIZE},
            )
    if args.get("first") is None and args.get("last") is None:
        args = {**args, "first": DEFAULT_PAGE_SIZE}
    return args


def paginate(
    queryset: QuerySet,
    args: dict,
    connection_type: type[CountableConnection],
    *,
    on_page: Callable[[list], None] | None = None,
) -> CountableConnection:
    """The page of ``queryset`` that ``args`` (first/after/last/before) asks for.

    ``on_page`` receives the page's nodes (to prime batch loaders, mark them as list items).
    """
    args = _check(args)
    count = queryset.count()
    connection = connection_from_array_slice(
        queryset,
        args,
        slice_start=0,
        array_length=count,
        array_slice_length=count,
        connection_type=partial(connection_adapter, connection_type),
        edge_type=connection_type.Edge,
        page_info_type=page_info_adapter,
    )
    connection.total_count = count
    if on_page is not None:
        on_page([edge.node for edge in connection.edges])
    return connection
