"""The delegation fixtures (demo network, items, and the layer they share) serve the messaging
tests too."""

from tests.delegation.conftest import _layer_delegation, items, network  # noqa: F401
