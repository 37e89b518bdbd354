"""Relay pagination over a queryset by keyset: one COUNT and one page query, whatever the page.

A cursor names a row by the values of the queryset's ordering (and its primary key, the tie
breaker), not by its position. So paging through a worklist while cases arrive, leave it or
change state neither repeats nor skips a case: "after this cursor" means "after the row with
these values", wherever that row now stands, even if it has gone. Each page is one range query
on the ordering columns (an OFFSET would make PostgreSQL read every row before the page).

Orderings may mix directions and put NULLs first or last (``F("due_on").asc(nulls_last=True)``);
the range condition follows PostgreSQL's rules (by default NULLs sort as the largest value).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import graphene
from django.core.exceptions import FieldDoesNotExist
from django.db.models import F, Q, QuerySet
from django.db.models.expressions import OrderBy
from django.utils.translation import gettext_lazy as _
from graphene.relay import PageInfo

from core.errors import DomainError

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
CURSOR_PREFIX = "k1:"  # the cursor format's version: older cursors are refused with a clear code
_KEY = "_page_key_%d"  # annotations carrying each row's ordering values


class CountableConnection(graphene.relay.Connection):
    class Meta:
        abstract = True

    total_count = graphene.Int(required=True, description="How many nodes match, on all pages.")


@dataclass(frozen=True)
class _Key:
    name: str  # a field path, e.g. "submitted_at" or "item__code"
    descending: bool
    nulls_last: bool  # where NULLs sort in this direction
    nullable: bool

    def reversed(self) -> _Key:
        return _Key(self.name, not self.descending, not self.nulls_last, self.nullable)


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


def _nullable(model, path: str) -> bool:
    field, null = None, False
    for part in path.split("__"):
        try:
            field = (field.related_model if field is not None else model)._meta.get_field(part)
        except (FieldDoesNotExist, AttributeError):
            return True  # not a plain field path: assume the worst
        null = null or field.null
    return null


def _keys(queryset: QuerySet) -> tuple[QuerySet, list[_Key]]:
    """The queryset's ordering as keys, made total by the primary key if it is not there."""
    model = queryset.model
    pk = model._meta.pk.name
    ordering = list(queryset.query.order_by) or list(model._meta.ordering)
    keys = []
    for item in ordering:
        if isinstance(item, str):
            descending, name = item.startswith("-"), item.lstrip("-")
            nulls_last = None
        elif isinstance(item, OrderBy) and isinstance(item.expression, F):
            descending, name = item.descending, item.expression.name
            nulls_last = True if item.nulls_last else False if item.nulls_first else None
        else:
            raise TypeError(f"keyset pagination needs field orderings, not {item!r}")
        name = pk if name == "pk" else name
        if nulls_last is None:  # PostgreSQL: NULL sorts above every value
            nulls_last = not descending
        keys.append(_Key(name, descending, nulls_last, _nullable(model, name)))
    if pk not in [k.name for k in keys]:
        descending = keys[-1].descending if keys else False
        keys.append(_Key(pk, descending, not descending, False))
        queryset = queryset.order_by(*ordering, f"-{pk}" if descending else pk)
    return queryset, keys


def _beyond(key: _Key, value) -> Q:
    """Rows whose ``key`` sorts strictly after ``value``."""
    if value is None:  # after NULL: nothing if NULLs come last, every value if they come first
        return Q(pk__in=[]) if key.nulls_last else Q(**{f"{key.name}__isnull": False})
    condition = Q(**{f"{key.name}__{'lt' if key.descending else 'gt'}": value})
    if key.nullable and key.nulls_last:
        condition |= Q(**{f"{key.name}__isnull": True})
    return condition


def _after(keys: list[_Key], values: list) -> Q:
    """Rows strictly after the row with ``values`` in the order of ``keys`` (lexicographic)."""
    condition, equal = Q(pk__in=[]), Q()
    for key, value in zip(keys, values, strict=True):
        condition |= equal & _beyond(key, value)
        equal &= Q(**{f"{key.name}__isnull": True}) if value is None else Q(**{key.name: value})
    first, value = keys[0], values[0]
    if value is None:
        return condition
    # Implied by the condition, said once more as a plain range on the leading key: PostgreSQL
    # can then walk that key's index from the cursor and stop after the page, where the OR
    # alone would make it collect every row beyond the cursor first.
    bound = Q(**{f"{first.name}__{'lte' if first.descending else 'gte'}": value})
    if first.nullable and first.nulls_last:
        bound |= Q(**{f"{first.name}__isnull": True})
    return bound & condition


# --- cursors -------------------------------------------------------------------------------------


def _dump(value):
    if isinstance(value, dt.datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, dt.date):
        return {"d": value.isoformat()}
    if isinstance(value, Decimal):
        return {"n": str(value)}
    if value is not None and not isinstance(value, (str, int, float, bool)):
        return {"s": str(value)}  # UUIDs and the like: compared as their text form
    return value


def _load(value):
    if isinstance(value, dict):
        [(tag, text)] = value.items()
        return {
            "dt": dt.datetime.fromisoformat,
            "d": dt.date.fromisoformat,
            "n": Decimal,
            "s": str,
        }[tag](text)
    return value


def _encode(values: list) -> str:
    raw = json.dumps([_dump(v) for v in values], separators=(",", ":"), ensure_ascii=False)
    return CURSOR_PREFIX + base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str, keys: list[_Key], field: str) -> list:
    try:
        if not cursor.startswith(CURSOR_PREFIX):
            raise ValueError("unknown cursor format")
        body = cursor[len(CURSOR_PREFIX) :]
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        values = [_load(v) for v in json.loads(raw)]
        if len(values) != len(keys):
            raise ValueError("cursor of another list")
        return values
    except (ValueError, TypeError, KeyError, binascii.Error, UnicodeDecodeError) as exc:
        raise DomainError(
            _("%(name)s 不是本列表的有效游标，请从第一页重新翻页。"),
            code="invalid_cursor",
            field=field,
            params={"name": field},
        ) from exc


# --- the page ------------------------------------------------------------------------------------


def paginate(
    queryset: QuerySet,
    args: dict,
    connection_type: type[CountableConnection],
    *,
    on_page: Callable[[list], None] | None = None,
) -> CountableConnection:
    """The page of ``queryset`` that ``args`` (first/after/last/before) asks for, in the
    queryset's own order.

    ``on_page`` receives the page's nodes (to prime batch loaders, mark them as list items).
    """
    args = _check(args)
    first, last = args.get("first"), args.get("last")
    after, before = args.get("after"), args.get("before")
    queryset, keys = _keys(queryset)
    count = queryset.count()
    rows = queryset.annotate(**{_KEY % i: F(k.name) for i, k in enumerate(keys)})
    if after:
        rows = rows.filter(_after(keys, _decode(after, keys, "after")))
    if before:
        backwards = [k.reversed() for k in keys]
        rows = rows.filter(_after(backwards, _decode(before, keys, "before")))
    has_previous, has_next = bool(after), bool(before)
    if first is not None:
        page = list(rows[: first + 1])
        has_next = has_next or len(page) > first
        page = page[:first]
        if last is not None and len(page) > last:
            page, has_previous = page[len(page) - last :], True
    else:
        page = list(rows.reverse()[: last + 1])
        has_previous = has_previous or len(page) > last
        page = page[:last][::-1]
    edges = [
        connection_type.Edge(
            node=row, cursor=_encode([getattr(row, _KEY % i) for i in range(len(keys))])
        )
        for row in page
    ]
    connection = connection_type(
        edges=edges,
        page_info=PageInfo(
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
            has_previous_page=has_previous,
            has_next_page=has_next,
        ),
    )
    connection.total_count = count
    if on_page is not None:
        on_page(page)
    return connection
