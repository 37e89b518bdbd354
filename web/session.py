"""Who is using the web app: a session login bound to one membership at a time.

The session holds the user (Django's auth session) and the membership they work under now
(``SESSION_MEMBERSHIP``). A centre's pages build the ``Actor`` from that membership only if it
is a desk role at the very centre the request was routed to (``core.routing``): a session at
one centre gives nothing at another, exactly as a token at the API; a user with several
memberships changes centre on purpose ("switch centre", ``/switch/``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps

from django.contrib.auth import SESSION_KEY
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership
from accounts.permissions import DESK_ROLES, actor_from_membership
from core.errors import PermissionDenied
from core.roles import Actor, Role
from web import links

SESSION_MEMBERSHIP = "web_membership"
_UNSET = object()


def user_memberships(user) -> list[Membership]:
    """The active memberships a user may work under, centre by centre."""
    return list(
        Membership.objects.filter(user=user, is_active=True)
        .select_related("centre")
        .order_by("centre__division_code", "role")
    )


def start_session(request: HttpRequest, user, membership: Membership | None) -> None:
    auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    choose_membership(request, membership)


def choose_membership(request: HttpRequest, membership: Membership | None) -> None:
    if membership is None:
        request.session.pop(SESSION_MEMBERSHIP, None)
    else:
        request.session[SESSION_MEMBERSHIP] = membership.pk
    request._web_membership = membership


def end_session(request: HttpRequest) -> None:
    auth_logout(request)
    request._web_membership = None


def session_user_id(request: HttpRequest) -> int | None:
    value = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
    return int(value) if value is not None else None


def current_membership(request: HttpRequest) -> Membership | None:
    """The membership this session works under (one query, once per request), or None when
    nobody is logged in, none is chosen yet, or it has ended since."""
    cached = getattr(request, "_web_membership", _UNSET)
    if cached is not _UNSET:
        return cached
    membership = None
    user_id = session_user_id(request)
    pk = request.session.get(SESSION_MEMBERSHIP) if user_id is not None else None
    if pk is not None:
        from notifications.services import unread_annotation

        membership = (
            Membership.objects.select_related("user", "centre")
            .filter(pk=pk, user_id=user_id, is_active=True, user__is_active=True)
            # The header's unread count comes with the membership: no query of its own.
            .annotate(**unread_annotation())
            .first()
        )
    request._web_membership = membership
    return membership


def not_member(centre) -> PermissionDenied:
    return PermissionDenied(
        _("您在%(centre)s没有任职，不能访问该中心的数据。"),
        code="not_member",
        params={"centre": centre.name},
    )


def desk_actor(request: HttpRequest, roles: Iterable[str] = DESK_ROLES) -> Actor:
    """The ``Actor`` of this session at the centre the request was routed to.

    ``not_member`` unless the session's membership is a desk role at this very centre;
    ``role_not_allowed`` if it is, but not one of ``roles``."""
    centre = request.centre
    membership = current_membership(request)
    if centre is None or membership is None or membership.centre_id != centre.pk:
        raise not_member(centre)
    if membership.role not in DESK_ROLES:
        raise not_member(centre)
    if membership.role not in set(roles):
        raise PermissionDenied(
            _("您的角色（%(role)s）不能使用本页面。"),
            code="role_not_allowed",
            params={"role": Role(membership.role).label},
        )
    return actor_from_membership(membership)


def network_membership(request: HttpRequest, role: str) -> Membership:
    """The session's membership if it works in ``role`` (assessor, dictionary admin)."""
    membership = current_membership(request)
    if membership is None or membership.role != role:
        raise PermissionDenied(
            _("本页面仅供%(role)s使用，请用相应的账号登录或切换任职。"),
            code="role_not_allowed",
            params={"role": Role(role).label},
        )
    return membership


def forbidden(request: HttpRequest, error: PermissionDenied) -> HttpResponse:
    return render(request, "web/forbidden.html", {"error": error}, status=403)


def _login_or_forbidden(request: HttpRequest, error: PermissionDenied) -> HttpResponse:
    if session_user_id(request) is None:
        return redirect_to_login(request.get_full_path(), links.public_url("web:login"))
    return forbidden(request, error)


def centre_page(*roles: str) -> Callable:
    """A view of a centre's pages for a session working there in one of ``roles`` (any desk
    role if none are named): sets ``request.actor``; anonymous users are sent to log in,
    anyone else gets a 403 page saying why."""
    allowed = frozenset(roles) or DESK_ROLES

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            try:
                request.actor = desk_actor(request, allowed)
            except PermissionDenied as error:
                return _login_or_forbidden(request, error)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def network_page(role: str) -> Callable:
    """A view of the public side for a session working in ``role`` (sets ``request.membership``)."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            try:
                request.membership = network_membership(request, role)
            except PermissionDenied as error:
                return _login_or_forbidden(request, error)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def home_url(membership: Membership | None) -> str:
    """Where a membership starts: its centre's pages, or the assessor's / dictionary pages."""
    if membership is None:
        return links.public_url("web:switch")
    if membership.role == Role.ASSESSOR:
        return links.public_url("web:assess")
    if membership.role == Role.DICTIONARY_ADMIN:
        return links.public_url("web:dictionary")
    if membership.role == Role.SUPERVISOR:
        return links.public_url("web:supervise")
    return links.centre_url(membership.centre.division_code, "web:centre-home")
