"""The demo network and the delegation items (tests/delegation/conftest.py), for supervision."""

from tests.delegation.conftest import _layer_delegation, items, network  # noqa: F401
