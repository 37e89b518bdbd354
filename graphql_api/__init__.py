"""The machinery shared by the GraphQL API: the view (authentication, limits, offline
GraphiQL), payload errors, the mutation base class, Relay pagination and request-scoped batch
loaders. The types, queries and mutations live with their domain (``tenants/schema.py``,
``catalog/schema.py``, ``delegation/schema.py``, ``accounts/schema.py``); ``core/schema.py``
assembles the two endpoints' schemas.

Not named ``graphql``: that name belongs to graphql-core (and the ``graphql/`` folder at the
root holds the API contract, no Python).
"""
