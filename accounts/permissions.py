"""Who may do what, where: the jurisdiction rules every entry point applies.

* A centre's data is reached only through that centre, by a user holding a desk role there
  (agent, staff, head): ``actor_for`` turns that membership into the ``Actor`` the services
  take, and ``delegation.services`` checks the actor's centre and role on every write.
* An agent works on its village's register only (a village's schema holds nothing else);
  staff see their centre's cases, which include the cases delegated to it.
* A centre head also sees the workload of its subtree (aggregates, no personal data).
* Assessors read network-wide aggregates within their city's subtree.
* Supervisors (督办员, city or county) issue supervision orders on red cases of their subtree
  and read its orders and red cards (``supervision.orders``).
* Only dictionary admins change the item dictionary.
* ID numbers and phones are masked in lists, and in full only for the roles that deal with the
  applicant (agents and staff), on a case's own page.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core import sql
from core.errors import PermissionDenied
from core.roles import DESK_ROLES, Actor, Role
from tenants import divisions
from tenants.models import ServiceCentre

#: Roles that work a centre's desk, strongest first (a user holding several acts as the first).
DESK_PRECEDENCE = (Role.HEAD, Role.STAFF, Role.AGENT)
assert frozenset(DESK_PRECEDENCE) == DESK_ROLES  # one order over the one set (core.roles)
#: Roles that work on the network (network endpoint, the web app's public side): assessors and
#: dictionary admins at the city, supervisors (督办员) at a city or county over its subtree.
NETWORK_ROLES = frozenset({Role.ASSESSOR, Role.DICTIONARY_ADMIN, Role.SUPERVISOR})
#: Roles that see applicants' ID numbers and phones in full on a case's page.
FULL_PERSONAL_DATA_ROLES = frozenset({Role.AGENT, Role.STAFF})


def actor_from_membership(membership) -> Actor:
    user = membership.user
    return Actor(
        name=user.get_full_name() or user.get_username(),
        role=membership.role,
        centre=membership.centre.division_code,
        user_id=user.pk,
    )


def desk_membership(user, centre: ServiceCentre):
    """The strongest active desk membership of ``user`` at ``centre``, or None."""
    from accounts.models import Membership

    if user is None or not getattr(user, "is_active", False):
        return None
    found = {
        m.role: m
        for m in sql.rows(  # every API request asks this (core.sql)
            Membership,
            "WHERE user_id = %s AND centre_id = %s AND is_active AND role = ANY(%s)",
            [user.pk, centre.pk, [role.value for role in DESK_PRECEDENCE]],
        )
    }
    for role in DESK_PRECEDENCE:
        if role in found:
            membership = found[role]
            membership.user, membership.centre = user, centre  # spare two queries
            return membership
    return None


def actor_for(user, centre: ServiceCentre) -> Actor:
    """The ``Actor`` ``user`` is at ``centre``; ``not_member`` if they hold no desk role there."""
    membership = desk_membership(user, centre)
    if membership is None:
        raise PermissionDenied(
            _("您在%(centre)s没有任职，不能访问该中心的数据。"),
            code="not_member",
            params={"centre": centre.name},
        )
    return actor_from_membership(membership)


def require_desk_actor(actor: Actor | None, centre: ServiceCentre) -> Actor:
    """Reads of a centre's cases: a desk role at that very centre."""
    if actor is None or actor.role not in DESK_ROLES or actor.centre != centre.division_code:
        raise PermissionDenied(
            _("您在%(centre)s没有任职，不能访问该中心的数据。"),
            code="not_member",
            params={"centre": centre.name},
        )
    return actor


def require_head(actor: Actor | None, centre: ServiceCentre) -> Actor:
    require_desk_actor(actor, centre)
    if actor.role != Role.HEAD:
        raise PermissionDenied(_("只有中心负责人可以查看辖区工作量。"), code="permission_denied")
    return actor


def subtree_prefix(centre: ServiceCentre) -> str:
    """The division-code prefix every centre of ``centre``'s subtree starts with."""
    return divisions.subtree_prefix(centre.tier, centre.division_code)


def in_subtree(root: ServiceCentre, division_code: str) -> bool:
    return divisions.in_subtree(root.tier, root.division_code, division_code)


def require_in_jurisdiction(root: ServiceCentre, division_code: str, *, field: str) -> None:
    """The one jurisdiction check: ``division_code`` must be ``root`` or under it."""
    if not in_subtree(root, division_code or ""):
        raise out_of_jurisdiction(division_code, root, field=field)


def out_of_jurisdiction(division_code: str, root: ServiceCentre, *, field: str):
    """The one error for a code outside the caller's jurisdiction (or unknown: saying which
    codes exist outside it would tell more than the caller may know)."""
    return PermissionDenied(
        _("“%(code)s”不在%(centre)s的管辖范围内。"),
        code="out_of_jurisdiction",
        field=field,
        params={"code": division_code, "centre": root.name},
    )


def network_memberships(user, role: str):
    from accounts.models import Membership

    if user is None or not getattr(user, "is_active", False):
        return Membership.objects.none()
    return Membership.objects.filter(user=user, role=role, is_active=True).select_related("centre")


def require_dictionary_admin(user) -> None:
    """Only a dictionary admin (事项管理员, a city membership) changes the item dictionary."""
    if not network_memberships(user, Role.DICTIONARY_ADMIN).exists():
        raise PermissionDenied(_("只有事项管理员可以维护事项库。"), code="permission_denied")


def require_assessor_scope(user, division_code: str) -> ServiceCentre:
    """Assessors read aggregates of a subtree inside their own city's. Returns its root centre."""
    cities = [m.centre for m in network_memberships(user, Role.ASSESSOR)]
    if not cities:
        raise PermissionDenied(_("只有考核人员可以查看全网统计。"), code="permission_denied")
    root = ServiceCentre.objects.filter(division_code=division_code).first()
    if root is None or not any(in_subtree(city, division_code) for city in cities):
        raise out_of_jurisdiction(division_code, cities[0], field="division_code")
    return root


# --- personal data -------------------------------------------------------------------------------


def sees_full_personal_data(actor: Actor | None, *, in_list: bool) -> bool:
    return actor is not None and not in_list and actor.role in FULL_PERSONAL_DATA_ROLES


def mask_id_number(value: str) -> str:
    """``420581199001010011`` → ``4205**********0011`` (a credit code likewise)."""
    value = value or ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str) -> str:
    """``13907171234`` → ``139****1234``; ``0717-7711201`` → ``071*****1201``."""
    value = value or ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]
