"""The two GraphQL schemas, assembled from the apps' schema modules (no fields of its own).

* ``network_schema`` at ``/graphql/`` (public schema): the network tree, the item dictionary
  and its maintenance, tracking by number, network-wide aggregates (and the coverage
  assessment, when ``assessment/schema.py`` provides ``Query``/``Mutation``).
* ``centre_schema`` at ``/c/<division_code>/graphql/`` (that centre's schema): its cases, the
  worklist, every step of a case's life, its subtree's workload.

The contract is exported to ``graphql/network.graphql`` and ``graphql/centre.graphql``
(``manage.py export_schema_sdl``); a test fails when the code and the files differ.
"""

from __future__ import annotations

import importlib

import graphene

from accounts import schema as accounts
from catalog import schema as catalog
from delegation import schema as delegation
from notifications import schema as notifications
from ratings import schema as ratings
from supervision import schema as supervision
from tenants import schema as tenants


def _optional(module: str):
    """An app's schema module that may not exist yet (a missing module, not a broken one)."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name != module:
            raise
        return None


_assessment = _optional("assessment.schema")
_custody = _optional("custody.schema")


def _root(name: str, *parts) -> type[graphene.ObjectType]:
    bases = tuple(part for part in parts if part is not None)
    return type(name, (*bases, graphene.ObjectType), {"Meta": type("Meta", (), {"name": name})})


NetworkQuery = _root(
    "Query",
    accounts.Query,
    tenants.NetworkQuery,
    catalog.Query,
    delegation.NetworkQuery,
    getattr(_assessment, "Query", None),
    supervision.NetworkQuery,
)
NetworkMutation = _root(
    "Mutation",
    accounts.Mutation,
    catalog.Mutation,
    getattr(_assessment, "Mutation", None),
    ratings.NetworkMutation,
    supervision.NetworkMutation,
)
CentreQuery = _root(
    "Query",
    accounts.Query,
    tenants.CentreQuery,
    catalog.Query,
    delegation.CentreQuery,
    ratings.CentreQuery,
    notifications.CentreQuery,
    supervision.CentreQuery,
    getattr(_custody, "CustodyQuery", None),
)
CentreMutation = _root(
    "Mutation",
    accounts.Mutation,
    delegation.CentreMutation,
    ratings.CentreMutation,
    notifications.CentreMutation,
    supervision.CentreMutation,
    getattr(_custody, "CustodyMutations", None),
)

network_schema = graphene.Schema(query=NetworkQuery, mutation=NetworkMutation)
centre_schema = graphene.Schema(query=CentreQuery, mutation=CentreMutation)
