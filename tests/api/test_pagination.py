"""Keyset pagination (graphql_api.pagination) on its own: mixed directions, NULLs first and
last, ties broken by the primary key, forwards and backwards, first and last together."""

from __future__ import annotations

import datetime as dt

import graphene
import pytest
from django.contrib.auth.models import User
from django.db.models import F
from django.utils import timezone

from core.errors import DomainError
from graphql_api.pagination import CountableConnection, paginate

pytestmark = pytest.mark.django_db


class UserNode(graphene.ObjectType):
    username = graphene.String()


class UserConnection(CountableConnection):
    class Meta:
        node = UserNode


@pytest.fixture
def users():
    moment = timezone.now().replace(microsecond=0)
    logins = [None, moment, None, moment - dt.timedelta(days=1), moment, None, moment, None]
    for i, login in enumerate(logins):
        User.objects.create(username=f"u{i}", last_login=login, first_name="ab"[i % 2])
    return User.objects.all()


ORDERINGS = [
    [F("last_login").desc(nulls_last=True), "first_name"],
    [F("last_login").asc(nulls_first=True), "-first_name"],
    ["-last_login"],  # PostgreSQL's default: NULLs first when descending
    ["last_login", "-username"],  # ... and last when ascending
    ["first_name"],  # the primary key breaks the ties
]


def _names(connection) -> list[str]:
    return [edge.node.username for edge in connection.edges]


def _walk(queryset, size: int, *, backwards: bool = False) -> list[str]:
    seen, cursor = [], None
    while True:
        if backwards:
            page = paginate(queryset, {"last": size, "before": cursor}, UserConnection)
            seen = _names(page) + seen
            if not page.page_info.has_previous_page:
                return seen
            cursor = page.page_info.start_cursor
        else:
            page = paginate(queryset, {"first": size, "after": cursor}, UserConnection)
            seen += _names(page)
            if not page.page_info.has_next_page:
                return seen
            cursor = page.page_info.end_cursor


@pytest.mark.parametrize("ordering", ORDERINGS, ids=str)
@pytest.mark.parametrize("size", [1, 3])
def test_walking_gives_the_whole_list_in_order(users, ordering, size):
    queryset = users.order_by(*ordering)
    last = ordering[-1]
    descending = last.startswith("-") if isinstance(last, str) else last.descending
    # Ties are broken by the primary key, in the direction of the last key.
    whole = list(
        queryset.order_by(*ordering, "-id" if descending else "id").values_list(
            "username", flat=True
        )
    )
    assert len(whole) == 8
    assert _walk(queryset, size) == whole
    assert _walk(queryset, size, backwards=True) == whole
    assert paginate(queryset, {"first": 100}, UserConnection).total_count == 8


def test_between_two_cursors_and_first_with_last(users):
    queryset = users.order_by(F("last_login").desc(nulls_last=True))
    whole = _names(paginate(queryset, {"first": 8}, UserConnection))
    edges = paginate(queryset, {"first": 8}, UserConnection).edges
    between = paginate(
        queryset, {"after": edges[1].cursor, "before": edges[6].cursor, "first": 10}, UserConnection
    )
    assert _names(between) == whole[2:6]
    assert between.page_info.has_previous_page and between.page_info.has_next_page
    trimmed = paginate(queryset, {"first": 5, "last": 2}, UserConnection)
    assert _names(trimmed) == whole[3:5] and trimmed.page_info.has_previous_page


def test_a_cursor_of_another_list_is_refused(users):
    by_name = paginate(users.order_by("username"), {"first": 1}, UserConnection)
    cursor = by_name.page_info.end_cursor
    with pytest.raises(DomainError) as exc:  # two keys here, one (the id) in the other list
        paginate(users.order_by("-last_login", "first_name"), {"after": cursor}, UserConnection)
    assert (exc.value.code, exc.value.field) == ("invalid_cursor", "after")
