"""Only dictionary admins change the dictionary, whatever the entry point (service-layer rule)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from catalog import services
from core.errors import PermissionDenied
from tests.delegation.conftest import make_items


@pytest.fixture
def users(demo_network):
    from accounts.demo import seed_demo_users

    seed_demo_users()
    User = get_user_model()
    return {u.username: u for u in User.objects.all()}


def test_staff_cannot_change_the_dictionary(users):
    make_items()
    staff = users["staff.420500"]
    with pytest.raises(PermissionDenied):
        services.retire_item("T-1", actor=staff)
    with pytest.raises(PermissionDenied):
        services.add_department(code="XX", name="某局", actor=staff)
    with pytest.raises(PermissionDenied):
        services.adjust_item(
            "T-1", actor=users["assessor.420500"], change_note="x", promised_limit_days=4
        )
    assert services.active_version("T-1").version == 1


def test_dictionary_admins_and_operators_can(users):
    make_items()
    services.adjust_item(
        "T-1", actor=users["dictadmin.420500"], change_note="压缩时限", promised_limit_days=4
    )
    assert services.active_version("T-1").version == 2
    services.retire_item("T-1")  # no actor: a management command acting as the system
    with pytest.raises(services.DomainError):
        services.active_version("T-1")
