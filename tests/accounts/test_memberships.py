"""Memberships: a role exists only at the tiers where it makes sense, in the database too."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction

from accounts import services
from accounts.demo import DEMO_USERS
from accounts.models import Membership
from accounts.permissions import actor_for, mask_id_number, mask_phone, subtree_prefix
from core.errors import DomainError, PermissionDenied
from core.roles import Role


@pytest.fixture
def user(db):
    return get_user_model().objects.create(username="someone", first_name="某人")


@pytest.mark.parametrize(
    ("role", "code"),
    [
        (Role.AGENT, "420506101000"),  # agents work at villages
        (Role.STAFF, "420506101201"),  # village rooms have agents, not staff
        (Role.ASSESSOR, "420506"),  # assessors and dictionary admins are city roles
        (Role.DICTIONARY_ADMIN, "420506101000"),
    ],
)
def test_roles_fit_tiers(demo_network, user, role, code):
    with pytest.raises(DomainError) as exc:
        services.grant_membership(user, demo_network[code], role)
    assert exc.value.code == "role_not_at_tier"
    # The database refuses it too…
    centre = demo_network[code]
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=user, centre=centre, centre_tier=centre.tier, role=role)


def test_the_tier_copy_cannot_lie(demo_network, user):
    """…even with a copy of the tier that fits the role: (centre, tier) must be the centre's."""
    county = demo_network["420506"]
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(user=user, centre=county, centre_tier="city", role=Role.ASSESSOR)
        with transaction.get_connection().cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_grant_is_idempotent_and_reactivates(demo_network, user):
    village = demo_network["420506101201"]
    first = services.grant_membership(user, village, Role.AGENT)
    assert services.grant_membership(user, village, Role.AGENT).pk == first.pk
    services.end_membership(first)
    with pytest.raises(PermissionDenied):
        actor_for(user, village)
    again = services.grant_membership(user, village, Role.AGENT)
    assert again.pk == first.pk and again.is_active and again.ended_at is None


def test_the_strongest_desk_role_acts(demo_network, user):
    township = demo_network["420506101000"]
    services.grant_membership(user, township, Role.STAFF)
    assert actor_for(user, township).role == Role.STAFF
    services.grant_membership(user, township, Role.HEAD)
    actor = actor_for(user, township)
    assert (actor.role, actor.centre, actor.name, actor.user_id) == (
        Role.HEAD,
        "420506101000",
        "某人",
        user.pk,
    )


def test_network_roles_give_no_desk(demo_network, user):
    city = demo_network["420500"]
    services.grant_membership(user, city, Role.ASSESSOR)
    with pytest.raises(PermissionDenied) as exc:
        actor_for(user, city)
    assert exc.value.code == "not_member"


def test_subtree_prefixes(demo_network):
    assert [
        subtree_prefix(demo_network[c])
        for c in ("420500", "420506", "420506101000", "420506101201")
    ] == [
        "4205",
        "420506",
        "420506101",
        "420506101201",
    ]


def test_masks():
    assert mask_id_number("420581199001010011") == "4205**********0011"
    assert mask_id_number("91420500MA4F0X1A0L") == "9142**********1A0L"
    assert mask_phone("13907171234") == "139****1234"
    assert mask_phone("0717-7711201") == "071*****1201"
    assert mask_phone("") == "" and mask_id_number("123") == "***"


def test_weak_passwords_are_refused(db):
    with pytest.raises(DomainError) as exc:
        services.create_user("weak", password="123")
    assert exc.value.code == "weak_password"


def test_seed_demo_users(demo_network, settings, capsys):
    settings.PASSWORD_HASHERS = ["tests.api.conftest.FastArgon2PasswordHasher"]
    call_command("seed_demo_users")
    call_command("seed_demo_users")  # idempotent
    users = get_user_model().objects.filter(username__in=[d.username for d in DEMO_USERS])
    assert users.count() == len(DEMO_USERS)
    assert Membership.objects.count() == len(DEMO_USERS)
    assert "zw-demo-2026" in capsys.readouterr().out
    agent = users.get(username="agent.420506101201")
    assert agent.check_password("zw-demo-2026") and agent.password.startswith("argon2")


def test_seed_demo_users_needs_the_demo_network(db, settings):
    with pytest.raises(CommandError):
        call_command("seed_demo_users")


def test_seed_demo_users_refuses_production(db, settings):
    settings.DEBUG, settings.EMBEDDED_DATABASE = False, False
    with pytest.raises(CommandError, match="--force"):
        call_command("seed_demo_users")
