"""The assessment's May network, shared with the projection tests."""

from tests.assessment.conftest import (  # noqa: F401
    Clock,
    _layer_assessment,
    assessor,
    clock,
    may,
    may_module,
    network,
)
