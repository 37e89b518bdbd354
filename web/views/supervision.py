"""督办 in the web app: the handling centre's open orders (top of the worklist, the case page)
and their answer; the supervisor's page (/supervise/): red cases to order, open orders, red
cards, by county; the city's assessors read the same lists.

Thin: every rule is ``supervision.orders``'. A ``DomainError`` is shown beside the field it
names; a refusal (not a supervisor, outside the jurisdiction) is a 403 page with its reason.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from accounts.permissions import actor_from_membership
from core.errors import DomainError, NotFound, PermissionDenied
from core.roles import Role
from supervision import orders
from supervision.models import Step
from tenants.models import ServiceCentre
from web import links
from web.forms import show_error
from web.session import _login_or_forbidden, centre_page, current_membership, forbidden

# --- the handling centre ---------------------------------------------------------------------


def worklist_orders(request: HttpRequest) -> dict:
    """The worklist's context for ``web/supervision/_orders.html``: the centre's open orders
    (none for the htmx partial, which does not show them)."""
    if getattr(request, "htmx", False):
        return {}
    return {"supervision_orders": orders.open_orders_here(), "supervision_today": _today()}


def case_orders(case) -> dict:
    """The case page's context for ``web/supervision/_case_orders.html``."""
    return {
        "case_supervision_orders": orders.case_orders([case.pk]).get(case.pk, []),
        "supervision_today": _today(),
    }


def _today() -> dt.date:
    return timezone.localdate()


class AnswerForm(forms.Form):
    note = forms.CharField(
        label=_("情况说明"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("办件为何尚未推进、何时办结。办件一旦推进，督办自动答复。"),
    )


def _received(order_id: str):
    from supervision.centre.models import ReceivedOrder

    pk = orders.parse_order_id(order_id)
    order = ReceivedOrder.objects.filter(pk=pk).first() if pk else None
    if order is None:
        raise Http404
    return order


@require_http_methods(["GET", "POST"])
@centre_page()
def answer(request: HttpRequest, order_id: str) -> HttpResponse:
    """One order received here: what was asked, by when; the explanation form while open."""
    order = _received(order_id)
    form = AnswerForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            orders.answer_order(
                request.centre, request.actor, order.pk, note=form.cleaned_data["note"]
            )
        except DomainError as error:
            show_error(form, error)
            status = 422
        else:
            messages.success(request, str(_("情况说明已报送督办单位。")))
            return redirect("web:worklist" if request.actor.role != Role.AGENT else "web:register")
    return render(
        request,
        "web/supervision/answer.html",
        {
            "order": order,
            "form": form,
            "supervision_today": _today(),
            "nav_active": "worklist",
        },
        status=status,
    )


# --- the supervisor's pages (public side) --------------------------------------------------------

READER_ROLES = (Role.SUPERVISOR, Role.ASSESSOR)


def _reader(request: HttpRequest):
    """The session's supervisor or assessor membership as the ``Actor`` the services take."""
    membership = current_membership(request)
    if membership is None or membership.role not in READER_ROLES:
        raise PermissionDenied(
            _("本页面仅供督办员和考核人员使用，请用相应的账号登录或切换任职。"),
            code="role_not_allowed",
        )
    return membership, actor_from_membership(membership)


def _counties(root: ServiceCentre) -> list[ServiceCentre]:
    if root.tier == "county":
        return [root]
    return list(ServiceCentre.objects.filter(tier="county", parent=root).order_by("division_code"))


def _refused(request: HttpRequest, error: DomainError) -> HttpResponse:
    if isinstance(error, PermissionDenied):
        return forbidden(request, error)
    if isinstance(error, NotFound):
        return render(request, "web/not_found.html", {"error": error}, status=404)
    raise error


@require_http_methods(["GET"])
def index(request: HttpRequest) -> HttpResponse:
    """督办: red cases without an open order (supervisors), open orders, recent answers and red
    cards of the jurisdiction, optionally of one county."""
    try:
        membership, actor = _reader(request)
    except PermissionDenied as error:
        return _login_or_forbidden(request, error)
    root = membership.centre
    county = (request.GET.get("county") or "").strip()
    try:
        open_orders = list(orders.network_orders(actor, county=county, open_only=True)[:100])
        answered = list(orders.network_orders(actor, county=county).exclude(outcome="")[:20])
        cards = list(orders.network_red_cards(actor, county=county)[:100])
        red = orders.red_cases(actor, county=county) if actor.role == Role.SUPERVISOR else []
    except DomainError as error:
        return _refused(request, error)
    for row in red:
        row["step_label"] = Step(row["step"]).label
    names = dict(
        ServiceCentre.objects.filter(
            division_code__in={o.centre_code for o in open_orders + answered}
            | {c.centre_code for c in cards}
        ).values_list("division_code", "name")
    )
    for row in open_orders + answered + cards:
        row.web_centre = names.get(row.centre_code, row.centre_code)
    return render(
        request,
        "web/supervision/index.html",
        {
            "nav_active": "supervise",
            "root": root,
            "counties": _counties(root),
            "county": county,
            "red_cases": red,
            "open_orders": open_orders,
            "answered": answered,
            "red_cards": cards,
            "supervision_today": _today(),
            "is_supervisor": actor.role == Role.SUPERVISOR,
        },
    )


class IssueForm(forms.Form):
    centre_code = forms.CharField(widget=forms.HiddenInput)
    tracking_no = forms.CharField(widget=forms.HiddenInput)
    deadline = forms.DateField(
        label=_("督办期限"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("不填：今天起 3 个工作日。须为今天以后的工作日。"),
    )
    note = forms.CharField(
        label=_("督办意见"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("要求和理由，将随督办送达承办中心。"),
    )


@require_http_methods(["GET", "POST"])
def issue(request: HttpRequest) -> HttpResponse:
    """Issue a 督办 on one red case (``?centre=…&no=…``)."""
    try:
        _membership, actor = _reader(request)
        if actor.role != Role.SUPERVISOR:
            raise PermissionDenied(_("只有督办员可以督办。"), code="not_supervisor")
    except PermissionDenied as error:
        return _login_or_forbidden(request, error)
    initial = {
        "centre_code": request.GET.get("centre", ""),
        "tracking_no": request.GET.get("no", ""),
    }
    form = IssueForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            orders.issue_order(
                actor,
                data["centre_code"],
                data["tracking_no"],
                deadline=data["deadline"],
                note=data["note"],
            )
        except PermissionDenied as error:
            return forbidden(request, error)
        except DomainError as error:
            # The case and centre are fixed by the page: their errors go on top of the form.
            show_error(form, error, {"tracking_no": "", "centre_code": ""})
            status = 422
        else:
            messages.success(request, str(_("督办已发出。")))
            return redirect(links.public_url("web:supervise"))
    elif request.method == "POST":
        status = 422
    values = form.data if form.is_bound else initial
    return render(
        request,
        "web/supervision/issue.html",
        {
            "nav_active": "supervise",
            "form": form,
            "centre_code": values.get("centre_code", ""),
            "tracking_no": values.get("tracking_no", ""),
            "centre_name": ServiceCentre.objects.filter(division_code=values.get("centre_code", ""))
            .values_list("name", flat=True)
            .first(),
        },
        status=status,
    )
