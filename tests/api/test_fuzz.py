"""A fuzz run over both endpoints: documents generated from the published SDL
(hypothesis-graphql), sent with real tokens; the pass mark is 0 internal errors.

Every root field of each endpoint but ``logout`` (it would revoke the token the run uses) is
generated, with any string (NUL and other control characters included, and a NUL forced into a
third of the documents), any number, nulls where allowed. Whatever comes back must be a JSON answer with a status other than 500 and no
``internal_error`` anywhere: a refused input is a coded 4xx or a payload error, never a crash.
Bounded: ``FUZZ_EXAMPLES`` per endpoint (default 120: 360 documents in all), no example database, no shrinking
deadline.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis_graphql import from_schema

import graphql
from tests.api.conftest import TOWNSHIP, VILLAGE

SDL = Path(settings.BASE_DIR) / "graphql"
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "120"))


def _string(strategy):
    return strategy.map(lambda value: graphql.StringValueNode(value=str(value)))


SCALARS = {
    "Date": _string(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2040, 12, 31))),
    "DateTime": _string(
        st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2040, 1, 1)).map(
            lambda d: d.isoformat() + "+08:00"
        )
    ),
    "Decimal": _string(st.decimals(min_value=-(10**6), max_value=10**6, places=2)),
    "JSONString": _string(st.sampled_from(["{}", "[]", '{"a": 1}', "null", "not json"])),
    "UUID": _string(st.uuids()) | _string(st.text(max_size=40)),
}


def _schema(name: str) -> graphql.GraphQLSchema:
    return graphql.build_schema((SDL / f"{name}.graphql").read_text(encoding="utf-8"))


def _fields(schema: graphql.GraphQLSchema) -> list[str]:
    names = list(schema.query_type.fields)
    if schema.mutation_type is not None:
        names += [n for n in schema.mutation_type.fields if n != "logout"]
    return names


def _with_nul(document: str) -> str:
    return document.replace('"', '"\\u0000', 1)


def _check(raw, document: str) -> None:
    text = raw.content.decode()
    assert raw.status_code != 500, (document, text[:500])
    assert raw["Content-Type"].startswith("application/json"), (document, text[:300])
    body = json.loads(text)
    codes = [(e.get("extensions") or {}).get("code") for e in body.get("errors") or []]
    assert "internal_error" not in codes, (document, text[:500])
    assert "internal_error" not in text, (document, text[:500])


def _run(client, path: str, schema_name: str, tokens: list[str]) -> None:
    schema = _schema(schema_name)
    documents = from_schema(schema, fields=_fields(schema), custom_scalars=SCALARS)
    # A third of the documents get a NUL at the start of their first string literal: the
    # class of input that once reached PostgreSQL and came back as its own error message.
    strategy = st.one_of(documents, documents, documents.map(_with_nul))

    @hypothesis_settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,  # the same documents every run: a failure reproduces
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(document=strategy, token=st.sampled_from(tokens))
    def one(document: str, token: str) -> None:
        raw = client.post(
            path,
            data=json.dumps({"query": document}),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
            REMOTE_ADDR=f"10.9.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}",
        )
        _check(raw, document)

    one()


@pytest.mark.django_db
def test_fuzz_the_network_endpoint(client, network, people):
    _run(client, "/graphql/", "network", [people["assessor"].token, people["dictadmin"].token])


@pytest.mark.django_db
def test_fuzz_a_centre_endpoint(client, network, people):
    from django.urls import set_script_prefix

    try:
        _run(
            client,
            f"/c/{TOWNSHIP}/graphql/",
            "centre",
            [people["town_staff"].token, people["town_head"].token],
        )
        _run(client, f"/c/{VILLAGE}/graphql/", "centre", [people["agent"].token])
    finally:
        set_script_prefix("/")
