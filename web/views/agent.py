"""Village agent pages (村代办员), phone first: the village register and logging a request."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from catalog.services import active_version, search_items
from core.errors import DomainError
from core.roles import Role
from custody.services import authorize_on_logging
from delegation import queries, services
from delegation.models import State
from delegation.schema import CaseConnection
from graphql_api.pagination import paginate
from tenants.divisions import Tier
from web.cases import NEEDS, PAGE_SIZE, Clock, decorate, supervise
from web.forms import NewCaseForm, show_error
from web.session import centre_page


def _page(request: HttpRequest, cases):
    """One keyset page of ``cases`` (the API's cursors: ``?after=``/``?before=``)."""
    args = {"first": PAGE_SIZE}
    if request.GET.get("after"):
        args["after"] = request.GET["after"]
    elif request.GET.get("before"):
        args = {"last": PAGE_SIZE, "before": request.GET["before"]}
    return paginate(cases, args, CaseConnection)


@centre_page(Role.AGENT)
def register(request: HttpRequest) -> HttpResponse:
    """登记簿: the village's cases, newest first; filters by state, by what needs me and by
    supervision warning (the link of a digest of warnings lands here)."""
    state = request.GET.get("state") or None
    if state not in State.values:
        state = None
    needs = request.GET.get("needs") or ""
    supervision = request.GET.get("supervision") or ""
    if supervision not in ("yellow", "red"):
        supervision = ""
    cases = queries.worklist(
        request.centre, request.actor, state=state, supervision=supervision or None
    )
    if needs in NEEDS:
        cases = cases.filter(NEEDS[needs][1])
    try:
        page = _page(request, cases)
    except DomainError as error:
        messages.error(request, error.message)
        page = paginate(cases, {"first": PAGE_SIZE}, CaseConnection)
    rows = supervise(
        decorate([edge.node for edge in page.edges], request.centre.tier, Clock.now()),
        request.centre,
    )
    context = {
        "nav_active": "register",
        "cases": rows,
        "page": page,
        "state": state or "",
        "needs": needs,
        "supervision": supervision,
        "states": State.choices,
        "needs_choices": [(k, v[0]) for k, v in NEEDS.items()],
    }
    template = "web/agent/_register_list.html" if request.htmx else "web/agent/register.html"
    return render(request, template, context)


@centre_page(Role.AGENT, Role.STAFF, Role.HEAD)
def new_case(request: HttpRequest) -> HttpResponse:
    """新登记, a short wizard: 1. find the item; 2. applicant, materials, note; log (and forward)."""
    proxy_only = request.actor.role == Role.AGENT
    code = (request.POST.get("item_code") or request.GET.get("item") or "").strip()
    if not code:
        return _choose_item(request, proxy_only)
    try:
        version = active_version(code)
        if proxy_only and not version.proxy_eligible:
            raise DomainError(
                _("事项“%(item)s”不可代办。") % {"item": version.name}, code="not_proxy_eligible"
            )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("web:new-case")
    materials = list(version.materials.order_by("position"))
    may_forward = request.centre.tier == Tier.VILLAGE or request.centre.parent_id is not None
    form = NewCaseForm(
        request.POST or None,
        materials=materials,
        initial={"item_code": version.item.code, "idempotency_key": uuid.uuid4().hex},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        forward = request.POST.get("submit") == "forward" and request.centre.tier == Tier.VILLAGE
        try:
            with transaction.atomic():  # log and forward: both or neither
                case = services.log_request(
                    request.centre,
                    request.actor,
                    applicant=form.applicant(),
                    item_code=version.item.code,
                    materials_received=data["materials"],
                    idempotency_key=data["idempotency_key"],
                    note=data["note"],
                    sms_opt_out=data["sms_opt_out"],
                )
                if request.centre.tier == Tier.VILLAGE and request.POST.get("authorize"):
                    # 委托代办: the papers received go into the agent's custody (docs/custody.md)
                    authorize_on_logging(request.centre, request.actor, case, data["materials"])
                if forward:
                    services.forward_case(request.centre, request.actor, case.tracking_no)
        except DomainError as error:
            if error.code == "duplicate_submission" and error.params.get("tracking_no"):
                messages.info(request, error.message)
                return redirect("web:case", error.params["tracking_no"])
            show_error(form, error, NewCaseForm.SERVICE_FIELDS)
        else:
            if forward:
                messages.success(
                    request,
                    _("已登记并上报：%(no)s。请把回执交给申请人。") % {"no": case.tracking_no},
                )
            else:
                messages.success(
                    request, _("已登记：%(no)s。材料齐全后请上报。") % {"no": case.tracking_no}
                )
            response = redirect("web:case", case.tracking_no)
            response["Location"] += f"?logged={data['idempotency_key']}"
            return response
    return render(
        request,
        "web/agent/new_case.html",
        {
            "nav_active": "new",
            "form": form,
            "version": version,
            "materials": materials,
            "village": request.centre.tier == Tier.VILLAGE,
            "may_forward": may_forward,
        },
    )


def _choose_item(request: HttpRequest, proxy_only: bool) -> HttpResponse:
    text = (request.GET.get("q") or "").strip()
    department = (request.GET.get("department") or "").strip()
    items = []
    if text or department:
        found = search_items(text or None, department or None)
        if proxy_only:
            found = found.filter(proxy_eligible=True)
        items = list(found[:30])
    context = {"nav_active": "new", "items": items, "q": text, "department": department,
               "searched": bool(text or department), "proxy_only": proxy_only}  # fmt: skip
    if request.htmx:
        return render(request, "web/agent/_items.html", context)
    return render(request, "web/agent/choose_item.html", context)
