"""Custody tests share the delegation tests' layer (the demo network and its items)."""

from tests.delegation.conftest import (  # noqa: F401 (fixtures)
    _layer_delegation,
    items,
    network,
)
from tests.web.conftest import (  # noqa: F401 (fixtures of the web pages' tests)
    _layer_web,
    agent_client,
    county_client,
    demo_users,
    township_client,
)
