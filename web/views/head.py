"""The centre head's pages (/c/<code>/head/…): the workload of the centre and its subtree, the
centre's staff and their memberships, the centre's service-point facts (六有) and their history.

Thin: the head is the user's desk membership at the centre the request was routed to
(``accounts.permissions.actor_for``); ``delegation.queries`` and ``accounts.permissions``
decide what a head may read (``require_head``): a head of one centre gets nothing at another,
and staff of the centre get nothing here.
"""

from __future__ import annotations

from django.db.models import Count, Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import services as accounts
from accounts.models import ROLE_TIERS, MemberRole, Membership
from accounts.permissions import in_subtree, require_head, subtree_prefix
from accounts.services import HEAD_APPOINTS
from assessment.exports import SIX_LABELS
from assessment.indicators import SIX
from core.errors import DomainError, NotFound
from core.roles import Role
from delegation import queries
from delegation.models import OPEN_STATES, State
from delegation.queries import WorkloadRow
from web import links
from web.session import centre_page

COUNTS = ["total", "open", "overdue", "due_soon", "awaiting_supplement", "escalated", "decided"]
COUNT_LABELS = {
    "total": _("办件总数"),
    "open": _("在办"),
    "overdue": _("超期"),
    "due_soon": _("临近到期"),
    "awaiting_supplement": _("待补正"),
    "escalated": _("已上报"),
    "decided": _("已办结"),
}
#: Open states in the order a case passes through them.
OPEN_ORDER = [s for s in State if s in OPEN_STATES]


def _refused(request: HttpRequest, exc: DomainError) -> HttpResponse:
    if isinstance(exc, NotFound):
        return render(request, "web/not_found.html", {"error": exc}, status=404)
    return render(request, "web/forbidden.html", {"error": exc}, status=403)


def _head(request: HttpRequest):
    """The head acting at the request's centre (``PermissionDenied`` for anyone else)."""
    return require_head(request.actor, request.centre)


#: The session must work at this centre as its head (``web.session``: anyone else gets a 403).
head_page = centre_page(Role.HEAD)


def _sum(rows: list[WorkloadRow]) -> dict[str, int]:
    return {name: sum(getattr(r, name) for r in rows) for name in COUNTS}


@head_page
@require_GET
def workload(request: HttpRequest) -> HttpResponse:
    centre = request.centre
    try:
        actor = _head(request)
        rows = queries.subtree_workload(centre, actor)
        open_by_state = dict(
            queries.visible_cases(centre, actor)
            .filter(state__in=OPEN_STATES)
            .values_list("state")
            .annotate(n=Count("id"))
            .order_by()
        )
    except DomainError as exc:
        return _refused(request, exc)
    by_code = {r.centre.division_code: r for r in rows}
    # The node whose children the table lists: the centre, or a centre of its subtree.
    under_code = (request.GET.get("under") or centre.division_code).strip()
    under = by_code.get(under_code)
    if under is None or not in_subtree(centre, under_code):
        under = by_code[centre.division_code]
    children = sorted(
        (r for r in rows if r.centre.parent_id == under.centre.pk),
        key=lambda r: r.centre.division_code,
    )
    per_child = []
    for child in children:
        prefix = subtree_prefix(child.centre)
        subtree = [r for r in rows if r.centre.division_code.startswith(prefix)]
        counts = _sum(subtree)
        per_child.append(
            {
                "centre": child.centre,
                "values": [counts[name] for name in COUNTS],
                "centres": len(subtree),
                "has_children": len(subtree) > 1,
            }
        )
    # The path from the centre down to ``under`` (breadcrumbs of the drill-down).
    trail = []
    node = under.centre
    while node is not None and in_subtree(centre, node.division_code):
        trail.append(node)
        parent = next((r.centre for r in rows if r.centre.pk == node.parent_id), None)
        node = parent
    trail.reverse()
    return render(
        request,
        "web/head/workload.html",
        {
            "centre": centre,
            "own": by_code[centre.division_code],
            "subtree": _sum(rows),
            "centres": len(rows),
            "under": under.centre,
            "trail": trail,
            "per_child": per_child,
            "columns": [(name, COUNT_LABELS[name]) for name in COUNTS],
            "open_by_state": [(s.label, open_by_state.get(s.value, 0)) for s in OPEN_ORDER],
            "section": "workload",
            "nav_active": "head",
        },
    )


def _staff_page(request: HttpRequest, *, values: dict, errors: dict, status: int = 200):
    centre = request.centre
    members = list(
        Membership.objects.filter(centre=centre)
        .select_related("user")
        .prefetch_related(
            Prefetch(
                "user__memberships",
                queryset=Membership.objects.select_related("centre").order_by(
                    "-is_active", "centre__division_code", "role"
                ),
                to_attr="all_memberships",
            )
        )
        .order_by("-is_active", "role", "user__username")
    )
    roles = [(r, MemberRole(r).label) for r in MemberRole.values if r in HEAD_APPOINTS]
    return render(
        request,
        "web/head/staff.html",
        {
            "centre": centre,
            "active": [m for m in members if m.is_active],
            "ended": [m for m in members if not m.is_active],
            "appointable": HEAD_APPOINTS,
            "roles": [(r, label) for r, label in roles if centre.tier in ROLE_TIERS[r]],
            "values": values,
            "errors": errors,
            "done": request.GET.get("done", ""),
            "section": "staff",
            "nav_active": "head",
        },
        status=status,
    )


@head_page
@require_http_methods(["GET", "POST"])
def staff(request: HttpRequest) -> HttpResponse:
    """The centre's staff and their memberships; the head appoints (a user, new or existing,
    as window staff or village agent) here (``accounts.services.appoint``)."""
    try:
        actor = _head(request)
    except DomainError as exc:
        return _refused(request, exc)
    values = {"username": "", "display_name": "", "role": ""}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = {name: (request.POST.get(name) or "").strip() for name in values}
        try:
            accounts.appoint(
                actor,
                request.centre,
                username=values["username"],
                role=values["role"],
                display_name=values["display_name"],
                password=request.POST.get("password") or "",
            )
        except DomainError as exc:
            errors.setdefault(exc.field or "form", []).append(exc.message)
            return _staff_page(request, values=values, errors=errors, status=400)
        return redirect(
            links.centre_url(request.centre.division_code, "web:head-staff") + "?done=appointed"
        )
    return _staff_page(request, values=values, errors=errors)


@head_page
@require_POST
def end_membership(request: HttpRequest, membership_id: int) -> HttpResponse:
    try:
        actor = _head(request)
        accounts.dismiss(actor, request.centre, membership_id)
    except NotFound as exc:
        return _refused(request, exc)
    except DomainError as exc:
        if exc.code in ("permission_denied", "not_member"):
            return _refused(request, exc)
        return _staff_page(request, values={}, errors={"form": [exc.message]}, status=400)
    return redirect(
        links.centre_url(request.centre.division_code, "web:head-staff") + "?done=ended"
    )


@head_page
@require_GET
def facts(request: HttpRequest) -> HttpResponse:
    centre = request.centre
    try:
        _head(request)
    except DomainError as exc:
        return _refused(request, exc)
    history = list(centre.fact_checks.order_by("-checked_on", "-id"))
    children = list(centre.children.order_by("division_code"))
    return render(
        request,
        "web/head/facts.html",
        {
            "centre": centre,
            "six": [(SIX_LABELS[n], getattr(centre, n)) for n in SIX],
            "labels": [SIX_LABELS[n] for n in SIX],
            "history": [
                {
                    "check": c,
                    "facts": [getattr(c, n) for n in SIX],
                    "all": all(getattr(c, n) for n in SIX),
                }
                for c in history
            ],
            "children": [
                {"centre": c, "facts": [getattr(c, n) for n in SIX], "all": c.has_all_six}
                for c in children
            ],
            "section": "facts",
            "nav_active": "head",
        },
    )
