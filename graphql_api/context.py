"""Who is calling, established once per request by the view (``request.api``).

* ``endpoint``: ``"centre"`` (``/c/<division_code>/graphql/`` or ``X-Centre``) or
  ``"network"`` (``/graphql/``).
* ``user``/``token``: from ``Authorization: Bearer <token>``; None when anonymous.
* ``centre``: the centre the request was routed to (centre endpoint only).
* ``actor``: the ``Actor`` the services receive, built from the user's desk membership at
  ``centre`` (centre endpoint only).

The view refuses a token that is not valid where it is used before any field runs, so a
resolver that finds a user also finds, on the centre endpoint, their actor at that centre.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from accounts.services import AuthenticationFailed
from core.roles import Actor


@dataclass
class ApiContext:
    endpoint: str
    centre: Any = None
    user: Any = None
    token: Any = None
    actor: Actor | None = None
    loaders: dict = field(default_factory=dict)
    #: Per-request values computed once (e.g. today's date and the due-soon limit).
    memo: dict = field(default_factory=dict)


def api(info) -> ApiContext:
    return info.context.api


def require_user(info) -> ApiContext:
    context = api(info)
    if context.user is None:
        raise AuthenticationFailed(
            _("请先登录（请求头 Authorization: Bearer <令牌>）。"), code="unauthenticated"
        )
    return context


def require_actor(info) -> ApiContext:
    """The centre endpoint with a logged-in member of this centre."""
    context = require_user(info)
    if context.actor is None:  # the view already refused anyone else; belt and braces
        raise AuthenticationFailed(_("请先登录本中心。"), code="unauthenticated")
    return context


def network_actor(info, role: str) -> Actor | None:
    """The network endpoint's caller as the ``Actor`` of their ``role`` membership (assessors
    are city members), or None if they hold none: the service then says why not. Someone not
    logged in is refused here (``unauthenticated``)."""
    from accounts.permissions import actor_from_membership, network_memberships

    context = require_user(info)
    if isinstance(context.actor, Actor) and context.actor.role == role:
        return context.actor
    key = ("network_actor", role)
    if key not in context.memo:
        membership = network_memberships(context.user, role).first()
        context.memo[key] = actor_from_membership(membership) if membership else None
    return context.memo[key]
