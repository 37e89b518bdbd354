"""The delegation fixtures (demo network, items) serve the messaging tests too."""

from tests.delegation.conftest import items, network  # noqa: F401
