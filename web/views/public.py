"""The public side: what the network is, its centres, tracking a case; logging in and out."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import services as accounts
from accounts.permissions import DESK_PRECEDENCE, DESK_ROLES, NETWORK_ROLES
from core.errors import DomainError, PermissionDenied
from delegation.tracking import track_public
from tenants.divisions import TIER_RANK
from tenants.models import ServiceCentre
from web import session
from web.forms import LoginForm, TrackForm, show_error

#: How many centres the tree shows for a search (a prefecture has ~1,700).
SEARCH_LIMIT = 50


def home(request: HttpRequest) -> HttpResponse:
    """The network's home: what it is, the centres as a tree (searchable), tracking a case."""
    query = (request.GET.get("q") or "").strip()
    centres = ServiceCentre.objects.only(
        "division_code", "name", "tier", "parent_id", "phone", "status"
    )
    if query:
        found = list(
            centres.filter(Q(name__icontains=query) | Q(division_code__startswith=query)).order_by(
                "division_code"
            )[:SEARCH_LIMIT]
        )
        tree = [(c, TIER_RANK[c.tier]) for c in found]
    else:
        tree = _tree(list(centres.exclude(tier="village").order_by("division_code")))
    context = {"tree": tree, "q": query, "form": TrackForm(), "searched": bool(query)}
    if request.htmx:
        return render(request, "web/public/_tree.html", context)
    return render(request, "web/public/home.html", context)


def _tree(centres: list[ServiceCentre]) -> list[tuple[ServiceCentre, int]]:
    """Centres in tree order (each after its parent), with their depth."""
    children: dict[int | None, list[ServiceCentre]] = {}
    for centre in centres:
        children.setdefault(centre.parent_id, []).append(centre)
    known = {c.pk for c in centres}
    roots = [c for c in centres if c.parent_id is None or c.parent_id not in known]
    ordered: list[tuple[ServiceCentre, int]] = []

    def walk(centre: ServiceCentre, depth: int) -> None:
        ordered.append((centre, depth))
        for child in children.get(centre.pk, []):
            walk(child, depth + 1)

    for root in roots:
        walk(root, 0)
    return ordered


def centre_children(request: HttpRequest, code: str) -> HttpResponse:
    """One centre and the centres directly under it (the villages of a township)."""
    centre = ServiceCentre.objects.filter(division_code=code).first()
    if centre is None:
        return render(request, "web/not_found.html", status=404)
    children = list(centre.children.order_by("division_code"))
    return render(request, "web/public/centre.html", {"centre": centre, "children": children})


def track(
    request: HttpRequest, rating_form=None, rating_centre: str = "", status: int = 200
) -> HttpResponse:
    """办件查询: a citizen finds their case's chain by its number and the receipt's query code;
    once decided, a rating form per hop that served them (web.views.ratings)."""
    from web.views.ratings import tracking_context

    form = TrackForm(request.GET or None)
    hops = None
    if form.is_bound and form.is_valid():
        try:
            hops = track_public(
                form.cleaned_data["tracking_no"],
                form.cleaned_data["query_code"],
                client=_client_address(request) or "unknown",
            )
        except DomainError as error:
            show_error(form, error)
    return render(
        request,
        "web/public/track.html",
        {
            "form": form,
            "hops": hops,
            "now": hops[-1] if hops else None,
            "facts": _facts(hops, form),
            **tracking_context(hops, form, rating_form, rating_centre),
        },
        status=status,
    )


def _facts(hops, form) -> dict | None:
    """The item, promised date and result of a tracked chain, from the projection row where the
    citizen applied (no personal data there): two more queries, only after the code matched."""
    if not hops:
        return None
    from catalog.models import ServiceItemVersion
    from network.models import CaseRecord

    origin = hops[0]
    record = (
        CaseRecord.objects.filter(
            centre_code=origin.centre_code, tracking_no=form.cleaned_data["tracking_no"].strip()
        )
        .values("item_version_id", "due_on", "decided_at", "effective_state")
        .first()
    )
    if record is None:
        return None
    version = ServiceItemVersion.objects.filter(pk=record["item_version_id"]).only("name").first()
    return {**record, "item_name": version.name if version else ""}


def _client_address(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def login(request: HttpRequest) -> HttpResponse:
    """登录 with a username and password (argon2, under the login throttle)."""
    form = LoginForm(request.POST or None)
    next_url = _safe_next(request)
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        try:
            user = accounts.check_password(
                username, form.cleaned_data["password"], address=_client_address(request)
            )
            memberships = [
                m for m in session.user_memberships(user) if m.role in DESK_ROLES | NETWORK_ROLES
            ]
            if not memberships:
                raise PermissionDenied(
                    _("该账号没有任何有效任职，不能登录。"), code="not_member", field="username"
                )
        except DomainError as error:
            show_error(form, error)
        else:
            accounts.clear_failures(username, address=_client_address(request))
            chosen = _membership_for_next(memberships, next_url)
            if chosen is None and len(memberships) == 1:
                chosen = memberships[0]
            session.start_session(request, user, chosen)
            if chosen is None:
                return redirect(_switch_url(next_url))
            return redirect(next_url or session.home_url(chosen))
    return render(request, "web/public/login.html", {"form": form, "next": next_url})


def _membership_for_next(memberships, next_url: str):
    """The membership at the centre ``next_url`` points at, if the user holds one there."""
    from django.conf import settings

    marker = f"/{settings.CENTRE_URL_PREFIX}/"
    if marker not in next_url:
        return None
    code = next_url.split(marker, 1)[1].split("/", 1)[0]
    desk = [m for m in memberships if m.centre.division_code == code and m.role in DESK_ROLES]
    for role in DESK_PRECEDENCE:
        for m in desk:
            if m.role == role:
                return m
    return desk[0] if desk else None


def _switch_url(next_url: str) -> str:
    from urllib.parse import urlencode

    from web.links import public_url

    url = public_url("web:switch")
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    session.end_session(request)
    messages.info(request, _("您已退出登录。"))
    from web.links import public_url

    return redirect(public_url("web:home"))


def switch(request: HttpRequest) -> HttpResponse:
    """切换任职: a user with several memberships chooses the one to work under."""
    from web.links import public_url

    user_id = session.session_user_id(request)
    if user_id is None:
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path(), public_url("web:login"))
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    memberships = [
        m
        for m in (session.user_memberships(user) if user else [])
        if m.role in DESK_ROLES | NETWORK_ROLES
    ]
    next_url = _safe_next(request)
    if request.method == "POST":
        wanted = request.POST.get("membership", "")
        chosen = next((m for m in memberships if str(m.pk) == wanted), None)
        if chosen is None:
            messages.error(request, _("请选择一项有效的任职。"))
        else:
            session.choose_membership(request, chosen)
            messages.success(
                request,
                _("已切换到%(centre)s（%(role)s）。")
                % {"centre": chosen.centre.name, "role": chosen.get_role_display()},
            )
            return redirect(next_url or session.home_url(chosen))
    current = session.current_membership(request)
    return render(
        request,
        "web/public/switch.html",
        {"memberships": memberships, "current": current, "next": next_url},
    )
