"""Demo users on the bundled demo network (``provision_network demo``), one per role.

Their password is ``DEMO_PASSWORD`` (documented in graphql/README.md): for trying the API on a
laptop, never for a server that faces anyone.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts import services
from core.errors import DomainError
from core.roles import Role
from tenants.models import ServiceCentre

DEMO_PASSWORD = "zw-demo-2026"


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    role: str
    centre: str  # division code


DEMO_USERS = [
    DemoUser("agent.420506101201", "王代办", Role.AGENT, "420506101201"),
    DemoUser("staff.420506101000", "李窗口", Role.STAFF, "420506101000"),
    DemoUser("staff.420506", "张审批", Role.STAFF, "420506"),
    DemoUser("staff.420500", "赵审批", Role.STAFF, "420500"),
    DemoUser("head.420500", "钱主任", Role.HEAD, "420500"),
    DemoUser("assessor.420500", "孙考核", Role.ASSESSOR, "420500"),
    DemoUser("dictadmin.420500", "周事项", Role.DICTIONARY_ADMIN, "420500"),
    DemoUser("supervisor.420500", "吴督办", Role.SUPERVISOR, "420500"),
    DemoUser("supervisor.420506", "郑督办", Role.SUPERVISOR, "420506"),
]


@transaction.atomic
def seed_demo_users(password: str = DEMO_PASSWORD) -> list[tuple[DemoUser, bool]]:
    """Create (or refresh) the demo users and their memberships. Returns (user, created) pairs."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    codes = {d.centre for d in DEMO_USERS}
    centres = {c.division_code: c for c in ServiceCentre.objects.filter(division_code__in=codes)}
    missing = sorted(codes - centres.keys())
    if missing:
        raise DomainError(
            _("演示网络尚未建立（缺少 %(codes)s），请先运行 provision_network demo。"),
            code="demo_network_missing",
            params={"codes": "、".join(missing)},
        )
    result = []
    for demo in DEMO_USERS:
        user = User.objects.filter(username=demo.username).first()
        created = user is None
        if created:
            user = services.create_user(
                demo.username, password=password, display_name=demo.display_name, validate=False
            )
        else:
            user.first_name, user.is_active = demo.display_name, True
            user.set_password(password)
            user.save(update_fields=["first_name", "is_active", "password"])
        services.grant_membership(user, centres[demo.centre], demo.role)
        result.append((demo, created))
    return result
