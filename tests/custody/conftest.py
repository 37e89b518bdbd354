"""Custody tests share the delegation tests' layer (the demo network and its items)."""

from tests.delegation.conftest import (  # noqa: F401 (fixtures)
    _layer_delegation,
    items,
    network,
)
