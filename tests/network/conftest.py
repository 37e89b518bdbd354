"""The assessment's May network, shared with the projection tests."""

from tests.assessment.conftest import Clock, assessor, clock, may, may_module, network  # noqa: F401
