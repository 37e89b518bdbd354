"""材料交接: the applicant's papers on the case page's forms, the authorization to print, the
centre's receipts and discrepancies, and the township's view of its village agents.

Thin callers of ``custody.services`` and ``custody.queries``. A ``DomainError`` shows the case
page again with the message beside the form (and field) it concerns; nothing was done.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.permissions import mask_id_number
from core.errors import DomainError
from core.roles import Role
from custody import queries, services
from delegation import queries as case_queries
from delegation import services as case_services
from web.session import centre_page


def _refs(request: HttpRequest, name: str) -> list[services.PaperRef]:
    return [services.parse_ref(value) for value in request.POST.getlist(name) if value.strip()]


def _note(request: HttpRequest) -> str:
    return (request.POST.get("note") or "").strip()


def _count(request: HttpRequest, name: str) -> int:
    try:
        return int(request.POST.get(name) or "1")
    except ValueError:
        return 0


def _extra(request: HttpRequest) -> list[tuple[str, str, int]]:
    value = (request.POST.get("extra") or "").strip()
    if not value:
        return []
    name, form = services.parse_ref(value)
    return [(name, form, _count(request, "extra_count"))]


def _hand_up(centre, actor, no, request):
    """Forward (a village) or escalate (a centre) with the papers ticked."""
    papers = _refs(request, "papers")
    if centre.tier == "village":
        return case_services.forward_case(centre, actor, no, note=_note(request), papers=papers)
    return case_services.escalate_case(centre, actor, no, note=_note(request), papers=papers)


#: step → (service call, success message)
STEPS = {
    "authorize": (
        lambda c, a, n, r: services.authorize_proxy(
            c,
            a,
            n,
            papers=_refs(r, "papers"),
            agent_name=(r.POST.get("agent_name") or "").strip(),
            note=_note(r),
        ),
        gettext_lazy("委托代办已登记，请打印委托书请申请人签字。"),
    ),
    "hand-up": (_hand_up, gettext_lazy("已上报，材料随件移交。")),
    "hand-over": (
        lambda c, a, n, r: services.hand_over(c, a, n, papers=_refs(r, "papers"), note=_note(r)),
        gettext_lazy("材料已移交，等待对方签收。"),
    ),
    "receive": (
        lambda c, a, n, r: services.confirm_receipt(
            c,
            a,
            n,
            r.POST.get("handover") or "",
            arrived=_refs(r, "arrived"),
            extra=_extra(r),
            note=_note(r),
        ),
        gettext_lazy("已签收。"),
    ),
    "result": (
        lambda c, a, n, r: services.record_result(
            c, a, n, name=r.POST.get("name") or "", count=_count(r, "count"), note=_note(r)
        ),
        gettext_lazy("办理结果已登记。"),
    ),
    "return": (
        lambda c, a, n, r: services.return_to_applicant(
            c,
            a,
            n,
            received_by=r.POST.get("received_by") or "",
            papers=_refs(r, "papers"),
            note=_note(r),
        ),
        gettext_lazy("材料已交还申请人。"),
    ),
    "lost": (
        lambda c, a, n, r: services.settle_lost_originals(
            c,
            a,
            n,
            papers=_refs(r, "papers"),
            received_by=r.POST.get("received_by") or "",
            note=_note(r),
        ),
        gettext_lazy("遗失说明已登记。"),
    ),
}


@require_POST
@centre_page()
def act(request: HttpRequest, tracking_no: str, step: str) -> HttpResponse:
    if step not in STEPS:
        raise Http404
    call, done = STEPS[step]
    try:
        call(request.centre, request.actor, tracking_no, request)
    except DomainError as error:
        from web.views.desk import _case_context

        context = _case_context(request, tracking_no)
        context["errors"] = {}
        context["custody_error"] = {
            "step": step,
            "field": error.field or "",
            "message": error.message,
            "handover": request.POST.get("handover") or "",
        }
        return render(request, "web/desk/case.html", context, status=422)
    messages.success(request, str(done))
    return redirect("web:case", tracking_no)


@centre_page()
def authorization(request: HttpRequest, tracking_no: str) -> HttpResponse:
    """委托代办书: printed for the applicant and the agent to sign."""
    try:
        case = case_queries.case_detail(request.centre, request.actor, tracking_no)
    except DomainError as error:
        raise Http404(error.message) from error
    custody = queries.case_custody(request.centre, request.actor, case)
    if custody.authorization is None:
        raise Http404
    handed = next(
        (h for h in custody.handovers if h.route == "from_applicant"),
        None,
    )
    return render(
        request,
        "web/custody/authorization.html",
        {
            "case": case,
            "centre": request.centre,
            "authorization": custody.authorization,
            "handed": handed,
            "id_number": mask_id_number(case.applicant_id_number),
            "nav_active": "register" if request.actor.role == Role.AGENT else "worklist",
        },
    )


@centre_page()
def overview(request: HttpRequest) -> HttpResponse:
    """材料交接: papers waiting to be signed for here, and the hand-overs flagged here."""
    return render(
        request,
        "web/custody/overview.html",
        {
            "pending": queries.pending_receipts(),
            "discrepancies": queries.discrepancies(),
            "nav_active": "custody",
        },
    )


@centre_page(Role.STAFF, Role.HEAD)
def agents(request: HttpRequest) -> HttpResponse:
    """代办员工作量: the township's villages, their agents, open cases and papers held."""
    try:
        rows = queries.village_workload(request.centre, request.actor)
    except DomainError as error:
        raise Http404(error.message) from error
    totals = {
        "open_cases": sum(r.open_cases for r in rows),
        "papers_held": sum(r.papers_held for r in rows),
        "pending": sum(r.pending for r in rows),
        "discrepancies": sum(r.discrepancies for r in rows),
    }
    return render(
        request,
        "web/custody/agents.html",
        {"rows": rows, "totals": totals, "nav_active": "custody-agents"},
    )
