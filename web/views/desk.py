"""Window staff pages (窗口工作人员), and a case's page and actions for every desk role."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from accounts.permissions import mask_id_number, mask_phone, sees_full_personal_data
from catalog.models import Material
from core.errors import DomainError
from core.roles import Role
from delegation import queries, services
from delegation.models import CaseEvent, State
from delegation.schema import CaseConnection
from graphql_api.pagination import paginate
from network.state_counts import state_counts
from tenants.models import ServiceCentre
from web.cases import (
    PAGE_SIZE,
    TAB_FILTERS,
    TABS,
    Clock,
    actions_for,
    decorate,
    supervise,
    tab_counts_from_states,
)
from web.forms import errors_of
from web.session import centre_page
from web.views.supervision import case_orders, worklist_orders


@centre_page()
def centre_home(request: HttpRequest) -> HttpResponse:
    """A centre's root: the agent's register, or the window's worklist."""
    if request.actor.role == Role.AGENT:
        return redirect("web:register")
    return redirect("web:worklist")


def _page_args(request: HttpRequest) -> dict:
    if request.GET.get("after"):
        return {"first": PAGE_SIZE, "after": request.GET["after"]}
    if request.GET.get("before"):
        return {"last": PAGE_SIZE, "before": request.GET["before"]}
    return {"first": PAGE_SIZE}


@centre_page(Role.STAFF, Role.HEAD)
def worklist(request: HttpRequest) -> HttpResponse:
    """待办: tabs by what needs doing (with counts), due dates in working days, filters, keyset
    pages (the API's cursors)."""
    tab = request.GET.get("tab") or "incoming"
    if tab not in TAB_FILTERS:
        tab = "incoming"
    item_code = (request.GET.get("item") or "").strip() or None
    warning = request.GET.get("warning") or ""
    supervision = request.GET.get("supervision") or ""
    if supervision not in ("yellow", "red"):
        supervision = ""
    order = "due" if request.GET.get("order") == "due" else "newest"
    clock = Clock.now()
    base = queries.worklist(
        request.centre,
        request.actor,
        item_code=item_code,
        due_soon=warning == "yellow",
        overdue=warning == "red",
        order=order,
        day=clock.today,
        supervision=supervision or None,
    )
    if item_code or warning or supervision:
        # A filtered view counts what the filter leaves (the filters are indexed).
        counts = base.order_by().aggregate(
            **{key: Count("id", filter=q) if q else Count("id") for key, _label, q in TABS}
        )
    else:
        # Unfiltered: the counters kept with the projection, not a pass over every case.
        counts = tab_counts_from_states(state_counts(request.centre.id))
    cases = base.filter(TAB_FILTERS[tab])
    try:
        page = paginate(cases, _page_args(request), CaseConnection)
    except DomainError as error:
        messages.error(request, error.message)
        page = paginate(cases, {"first": PAGE_SIZE}, CaseConnection)
    rows = decorate([edge.node for edge in page.edges], request.centre.tier, clock)
    supervise(rows, request.centre)
    for case in rows:
        case.web_id = mask_id_number(case.applicant_id_number)
    context = {
        "nav_active": "worklist",
        "tabs": [(key, label, counts[key]) for key, label, _q in TABS],
        "tab": tab,
        "cases": rows,
        "page": page,
        "item": item_code or "",
        "warning": warning,
        "supervision": supervision,
        "order": order,
    }
    context.update(worklist_orders(request))  # 督办 at the top of the page
    template = "web/desk/_worklist.html" if request.htmx else "web/desk/worklist.html"
    return render(request, template, context)


def _case_context(request: HttpRequest, tracking_no: str) -> dict:
    centre, actor = request.centre, request.actor
    try:
        case = queries.case_detail(centre, actor, tracking_no)
    except DomainError as error:
        raise Http404(error.message) from error
    full = sees_full_personal_data(actor, in_list=False)
    version = case.item_version  # one query; versions are immutable
    events = list(CaseEvent.objects.filter(case=case).order_by("seq"))
    codes = (
        {e.centre for e in events}
        | {case.upstream_centre}
        | {e.data.get("acted_at_centre") for e in events if e.data.get("acted_at_centre")}
    )
    hops = queries.chains([case.tracking_no]).get(case.tracking_no, [])
    names = dict(
        ServiceCentre.objects.filter(division_code__in=codes).values_list("division_code", "name")
    )
    for event in events:
        where = event.data.get("acted_at_centre") or event.centre
        event.web_centre = names.get(where, where)
        event.web_action = _event_label(event)
    clock = Clock.now()
    decorate([case], centre.tier, clock)
    supervise([case], centre)
    required = list(Material.objects.filter(version_id=version.pk).order_by("position"))
    offered = actions_for(case, centre, actor.role)
    return {
        "case": case,
        "version": version,
        "required": required,
        "events": events,
        "hops": hops,
        "full_personal_data": full,
        "id_number": case.applicant_id_number if full else mask_id_number(case.applicant_id_number),
        "phone": case.applicant_phone if full else mask_phone(case.applicant_phone),
        "offered": offered,
        "upstream_name": names.get(case.upstream_centre, ""),
        "centre": centre,
        "has_notice": bool(case.missing_materials)
        and case.effective_state == State.SUPPLEMENT_NEEDED,
        "nav_active": "register" if actor.role == Role.AGENT else "worklist",
        **case_orders(case),  # 督办 received for this case
    }


#: What an event's action is called on the timeline.
EVENT_LABELS = {
    "log": pgettext_lazy("event", "登记"),
    "forward": pgettext_lazy("event", "上报"),
    "receive": pgettext_lazy("event", "收件"),
    "accept": pgettext_lazy("event", "受理"),
    "refuse": pgettext_lazy("event", "不予受理"),
    "request_supplement": pgettext_lazy("event", "一次性告知"),
    "receive_supplement": pgettext_lazy("event", "补正材料已收齐"),
    "receive_supplement_at_intake": pgettext_lazy("event", "补正材料已收齐"),
    "complete_materials": pgettext_lazy("event", "补齐材料"),
    "deemed_accept": pgettext_lazy("event", "逾期未告知，视为受理"),
    "partial_supplement": pgettext_lazy("event", "收到部分补正材料"),
    "supplement_passed_up": pgettext_lazy("event", "补正材料已报上级"),
    "start_review": pgettext_lazy("event", "开始审核"),
    "approve": pgettext_lazy("event", "准予许可"),
    "deny": pgettext_lazy("event", "不予许可"),
    "escalate": pgettext_lazy("event", "上报"),
    "withdraw": pgettext_lazy("event", "撤回"),
    "deliver": pgettext_lazy("event", "送达"),
    "rate": pgettext_lazy("event", "评价"),
    "upstream_status": pgettext_lazy("event", "上级进展"),
    "upstream_approved": pgettext_lazy("event", "上级准予许可"),
    "upstream_denied": pgettext_lazy("event", "上级不予许可"),
    "upstream_refused": pgettext_lazy("event", "上级不予受理"),
    "upstream_withdrawn": pgettext_lazy("event", "上级已撤回"),
}


def _event_label(event) -> str:
    label = EVENT_LABELS.get(event.action)
    if event.action == "upstream_status" and event.data.get("upstream_action"):
        label = EVENT_LABELS.get(event.data["upstream_action"], label)
    return str(label) if label else event.action


@centre_page()
def case(request: HttpRequest, tracking_no: str) -> HttpResponse:
    """A case: applicant, materials, dictionary version, timeline across the chain, and exactly
    the actions its state and the user's role allow."""
    context = _case_context(request, tracking_no)
    context["errors"] = {}
    return render(request, "web/desk/case.html", context)


@centre_page()
def receipt(request: HttpRequest, tracking_no: str) -> HttpResponse:
    """回执: printed for the applicant at the desk, with the tracking number and query code."""
    return render(request, "web/desk/receipt.html", _case_context(request, tracking_no))


@centre_page()
def notice(request: HttpRequest, tracking_no: str) -> HttpResponse:
    """一次性告知书: every missing material at once."""
    context = _case_context(request, tracking_no)
    notice_event = next(
        (e for e in reversed(context["events"]) if e.action == "request_supplement"), None
    )
    context["notice_event"] = notice_event
    return render(request, "web/desk/notice.html", context)


@centre_page()
def decision(request: HttpRequest, tracking_no: str) -> HttpResponse:
    """准予 / 不予许可决定书 (or 不予受理通知书)."""
    context = _case_context(request, tracking_no)
    return render(request, "web/desk/decision.html", context)


def _materials(request: HttpRequest) -> list[str]:
    return [m for m in request.POST.getlist("materials") if m.strip()]


def _note(request: HttpRequest) -> str:
    return (request.POST.get("note") or "").strip()


def _reason(request: HttpRequest) -> str:
    return (request.POST.get("reason") or "").strip()


def _rating(request: HttpRequest) -> int:
    try:
        return int(request.POST.get("rating") or "")
    except ValueError:
        return 0


#: action → (service call, success message)
ACTIONS = {
    "forward": (
        lambda c, a, n, r: services.forward_case(c, a, n, note=_note(r)),
        gettext_lazy("已上报。"),
    ),
    "accept": (
        lambda c, a, n, r: services.accept_case(c, a, n, note=_note(r)),
        gettext_lazy("已受理。"),
    ),
    "refuse": (
        lambda c, a, n, r: services.refuse_case(c, a, n, reason=_reason(r)),
        gettext_lazy("已不予受理。"),
    ),
    "request_supplement": (
        lambda c, a, n, r: services.request_supplement(
            c, a, n, materials=_materials(r), note=_note(r)
        ),
        gettext_lazy("已发出一次性告知。"),
    ),
    "complete_materials": (
        lambda c, a, n, r: services.complete_materials(
            c, a, n, materials=_materials(r), note=_note(r)
        ),
        gettext_lazy("已补齐材料。"),
    ),
    "supply": (
        lambda c, a, n, r: services.receive_supplement(
            c, a, n, materials=_materials(r), note=_note(r)
        ),
        gettext_lazy("补正材料已登记。"),
    ),
    "start_review": (
        lambda c, a, n, r: services.start_review(c, a, n, note=_note(r)),
        gettext_lazy("已开始审核。"),
    ),
    "approve": (
        lambda c, a, n, r: services.approve_case(c, a, n, note=_note(r)),
        gettext_lazy("已准予许可。"),
    ),
    "deny": (
        lambda c, a, n, r: services.deny_case(c, a, n, reason=_reason(r)),
        gettext_lazy("已不予许可。"),
    ),
    "escalate": (
        lambda c, a, n, r: services.escalate_case(c, a, n, note=_note(r)),
        gettext_lazy("已上报。"),
    ),
    "withdraw": (
        lambda c, a, n, r: services.withdraw_case(c, a, n, reason=_reason(r)),
        gettext_lazy("已撤回。"),
    ),
    "deliver": (
        lambda c, a, n, r: services.deliver_case(c, a, n, note=_note(r)),
        gettext_lazy("已送达。"),
    ),
    "rate": (
        lambda c, a, n, r: services.rate_case(
            c,
            n,
            rating=_rating(r),
            recorded_by=a,
            comment=(r.POST.get("comment") or "").strip(),
            hop=(r.POST.get("hop") or "").strip() or None,  # default: the deciding centre
        ),
        gettext_lazy("评价已记录。"),
    ),
}


#: The fields each action's form shows an error beside (any other error goes on top).
ACTION_FIELDS = {
    "forward": {"materials"},
    "accept": {"materials"},
    "request_supplement": {"materials"},
    "supply": {"materials"},
    "complete_materials": {"materials"},
    "deny": {"reason"},
    "refuse": {"reason"},
    "withdraw": {"reason"},
    "rate": {"rating", "comment", "centre"},
}


@require_POST
@centre_page()
def act(request: HttpRequest, tracking_no: str, action: str) -> HttpResponse:
    """One action on a case (a form of the case page). On a DomainError the page is shown
    again with the message beside the field it names, and nothing was done."""
    if action not in ACTIONS:
        raise Http404
    call, done = ACTIONS[action]
    try:
        call(request.centre, request.actor, tracking_no, request)
    except DomainError as error:
        context = _case_context(request, tracking_no)
        shown = ACTION_FIELDS.get(action, set())
        context["errors"] = errors_of(error) if error.field in shown else {"general": error.message}
        context["failed_action"] = action
        return render(request, "web/desk/case.html", context, status=422)
    messages.success(request, str(done))
    return redirect("web:case", tracking_no)
