"""Fixtures for the API tests: the demo network, a few items, people in every role with their
tokens, and a small client that posts GraphQL (or a documented operation) to an endpoint."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.urls import set_script_prefix

from core.roles import Role
from delegation.services import Applicant
from tests import layers

VILLAGE, TOWNSHIP, COUNTY, CITY = "420506101201", "420506101000", "420506", "420500"
SIBLING_VILLAGE = "420506101202"  # same township
OTHER_VILLAGE, OTHER_TOWNSHIP, OTHER_COUNTY = "420581101201", "420581101000", "420581"
OPERATIONS = Path(settings.BASE_DIR) / "graphql" / "operations"
MATERIALS = [("居民身份证", "original", 1), ("申请表", "original", 1)]
ALL_MATERIALS = ["居民身份证", "申请表"]

PERSON = Applicant(
    kind="person", name="刘桂兰", id_number="420581199001010011", phone="13907171234"
)


def person_input(applicant: Applicant = PERSON, item: str = "C-1", materials=ALL_MATERIALS):
    return {
        "applicant": {
            "kind": applicant.kind.upper(),
            "name": applicant.name,
            "idNumber": applicant.id_number,
            "phone": applicant.phone,
        },
        "itemCode": item,
        "materialsReceived": list(materials),
    }


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2 still, with test-sized costs (production uses Django's defaults)."""

    time_cost = 1
    memory_cost = 1024
    parallelism = 1


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["tests.api.conftest.FastArgon2PasswordHasher"]


@pytest.fixture(autouse=True)
def _reset_script_prefix():
    """A request to /c/<code>/ leaves that script prefix on the thread (core.routing); reset it,
    or reverse() in later tests would build centre URLs."""
    yield
    set_script_prefix("/")


class Response:
    def __init__(self, raw):
        self.status = raw.status_code
        self.raw = raw
        self.text = raw.content.decode()
        self.body = (
            json.loads(self.text) if raw["Content-Type"].startswith("application/json") else None
        )

    @property
    def data(self):
        return self.body.get("data")

    @property
    def errors(self):
        return self.body.get("errors") or []

    @property
    def codes(self) -> list[str]:
        return [(e.get("extensions") or {}).get("code") for e in self.errors]

    def payload(self, field: str) -> dict:
        assert not self.errors, self.errors
        return self.data[field]

    def ok(self, field: str) -> dict:
        """The payload of mutation ``field``, asserting it succeeded."""
        assert self.status == 200, (self.status, self.text)
        payload = self.payload(field)
        assert payload["errors"] == [], payload["errors"]
        return payload

    def __repr__(self) -> str:
        return f"<Response {self.status} {self.text[:300]}>"


class Api:
    """Posts to ``/graphql/`` (network) or ``/c/<centre>/graphql/``."""

    def __init__(self, client) -> None:
        self.client = client
        self.operations_run: set[tuple[str, str]] = set()

    def post(self, query, variables=None, *, centre=None, token=None, operation=None, **headers):
        path = f"/c/{centre}/graphql/" if centre else "/graphql/"
        body = {"query": query, "variables": variables or {}}
        if operation:
            body["operationName"] = operation
        if token:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        raw = self.client.post(
            path, data=json.dumps(body), content_type="application/json", **headers
        )
        return Response(raw)

    def op(self, document: str, operation: str, variables=None, **kwargs) -> Response:
        """Run a documented operation from graphql/operations/<document>.graphql (sent alone,
        with the fragments it uses, as a client would)."""
        self.operations_run.add((document, operation))
        return self.post(operation_text(document, operation), variables, **kwargs)


@functools.cache
def operation_text(document: str, operation: str) -> str:
    from graphql import (
        FragmentSpreadNode,
        OperationDefinitionNode,
        Visitor,
        parse,
        print_ast,
        visit,
    )

    definitions = parse(
        (OPERATIONS / f"{document}.graphql").read_text(encoding="utf-8")
    ).definitions
    fragments = {d.name.value: d for d in definitions if not isinstance(d, OperationDefinitionNode)}
    chosen = [
        d
        for d in definitions
        if isinstance(d, OperationDefinitionNode) and d.name.value == operation
    ]
    assert chosen, f"no operation {operation} in {document}.graphql"
    needed: dict = {}

    class Spreads(Visitor):
        def enter_fragment_spread(self, node: FragmentSpreadNode, *_args):
            name = node.name.value
            if name not in needed:
                needed[name] = fragments[name]
                visit(fragments[name], Spreads())

    visit(chosen[0], Spreads())
    return "\n\n".join(print_ast(d) for d in [chosen[0], *needed.values()])


@pytest.fixture
def api(client):
    return Api(client)


#: The part of the demo network the API tests need: two branches from the city down to villages.
API_NETWORK = {
    CITY,
    COUNTY,
    OTHER_COUNTY,
    TOWNSHIP,
    OTHER_TOWNSHIP,
    VILLAGE,
    SIBLING_VILLAGE,
    OTHER_VILLAGE,
}


def build_api_network() -> None:
    from tenants.services import provision_network
    from tenants.spec import load_spec

    provision_network([spec for spec in load_spec("demo") if spec.division_code in API_NETWORK])


def build_full_network() -> dict:
    """api_network, items and people, as the ``network`` fixture gives them."""
    from tenants.models import ServiceCentre

    build_api_network()
    centres = {c.division_code: c for c in ServiceCentre.objects.all()}
    return {
        "items": {key: version.pk for key, version in make_items().items()},
        "people": {key: make_person(key, *spec, centres) for key, spec in PEOPLE.items()},
    }


layers.register("api", build_api_network)
layers.register("api_full", build_full_network, includes=("api",))


@pytest.fixture
def _layer_api() -> bool:
    return layers.layers.provides("api")


@pytest.fixture
def _layer_api_full() -> bool:
    return layers.layers.provides("api_full")


@pytest.fixture
def api_network(_layer_api, db):
    """Eight centres of the demo network (provisioning all 19 costs twice as long), built once
    for the tests that use them (tests/layers.py)."""
    from tenants.models import ServiceCentre

    if not layers.layers.provides("api"):
        build_api_network()
    return {c.division_code: c for c in ServiceCentre.objects.all()}


@pytest.fixture
def items(db):
    if layers.layers.provides("api_full"):
        from tests.delegation.conftest import fresh_versions

        return fresh_versions(layers.layers.value("api_full")["items"])
    return make_items()


def make_items() -> dict:
    from catalog import services as catalog

    catalog.add_department(code="MZJ", name="民政局")
    common = dict(
        category="benefit",
        department="MZJ",
        legal_basis="《社会救助暂行办法》",
        handling_type="promised",
        fee=0,
        proxy_eligible=True,
        online_eligible=False,
        materials=MATERIALS,
    )
    return {
        "township": catalog.add_item(
            code="T-1", name="临时救助", decision_tiers=["township", "county"],
            legal_limit_days=20, promised_limit_days=5, **common,
        ),
        "county": catalog.add_item(
            code="C-1", name="最低生活保障审核确认", decision_tiers=["county"],
            legal_limit_days=30, promised_limit_days=10, **common,
        ),
        "village": catalog.add_item(
            code="V-1", name="村级证明", decision_tiers=["village", "township"],
            legal_limit_days=5, promised_limit_days=1, **common,
        ),
        "city": catalog.add_item(
            code="S-1", name="社会团体成立登记", decision_tiers=["city"],
            legal_limit_days=60, promised_limit_days=20, **common,
        ),
    }  # fmt: skip


@dataclass
class Person:
    key: str
    user: object
    centre: str  # division code where they work
    role: str
    token: str  # issued at their centre (network roles: on the network endpoint)

    @property
    def endpoint(self) -> str | None:
        return None if self.role in (Role.ASSESSOR, Role.DICTIONARY_ADMIN) else self.centre


#: key → (division code, role, display name)
PEOPLE = {
    "agent": (VILLAGE, Role.AGENT, "王代办"),
    "sibling_agent": (SIBLING_VILLAGE, Role.AGENT, "陈代办"),
    "other_agent": (OTHER_VILLAGE, Role.AGENT, "何代办"),
    "town_staff": (TOWNSHIP, Role.STAFF, "李窗口"),
    "town_head": (TOWNSHIP, Role.HEAD, "吴镇长"),
    "other_town_staff": (OTHER_TOWNSHIP, Role.STAFF, "郑窗口"),
    "county_staff": (COUNTY, Role.STAFF, "张审批"),
    "county_head": (COUNTY, Role.HEAD, "冯主任"),
    "other_county_staff": (OTHER_COUNTY, Role.STAFF, "卫审批"),
    "city_staff": (CITY, Role.STAFF, "赵审批"),
    "city_head": (CITY, Role.HEAD, "钱主任"),
    "assessor": (CITY, Role.ASSESSOR, "孙考核"),
    "dictadmin": (CITY, Role.DICTIONARY_ADMIN, "周事项"),
}


def make_person(key, code, role, name, centres) -> Person:
    from django.contrib.auth import get_user_model

    from accounts import services

    user = get_user_model().objects.create(username=key, first_name=name)
    services.grant_membership(user, centres[code], role)
    network_role = role in (Role.ASSESSOR, Role.DICTIONARY_ADMIN)
    issued = services.issue_token(user, centre=None if network_role else centres[code])
    return Person(key, user, code, role, issued.token)


@pytest.fixture
def people(api_network) -> dict[str, Person]:
    """One person per key of PEOPLE (no usable password: tokens are issued directly; the
    login tests use real passwords)."""
    if layers.layers.provides("api_full"):
        from django.contrib.auth import get_user_model

        built = layers.layers.value("api_full")["people"]
        users = get_user_model().objects.in_bulk([p.user.pk for p in built.values()])
        return {
            key: Person(p.key, users[p.user.pk], p.centre, p.role, p.token)
            for key, p in built.items()
        }
    return {key: make_person(key, *spec, api_network) for key, spec in PEOPLE.items()}


@pytest.fixture
def network(_layer_api_full, api_network, items, people):
    """Centres, items and people, built once for the tests that use them (tests/layers.py)."""
    return api_network


def drain() -> int:
    from messaging import relay
    from messaging.transport import LocalTransport

    return relay.drain(LocalTransport())
