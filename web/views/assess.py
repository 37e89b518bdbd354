"""The city assessor's pages (/assess/…): run an assessment, read and compare stored runs,
download the XLSX and the chart, record a 六有 check.

Thin: each view finds the acting assessor (``assessment.schema.assessor_actor``: the user's
assessor membership, as the API does), calls ``assessment.services`` (which decides who may see
what: ``require_assessor``) and renders. A ``DomainError`` is shown beside the field it names;
a refusal (not an assessor, a run of another city) is a 403 page with the service's message.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.permissions import actor_from_membership
from assessment import services
from assessment.exports import SIX_LABELS, TIER_LABELS
from assessment.indicators import SIX, subtree_prefix
from assessment.models import Scope
from core.errors import DomainError, NotFound, PermissionDenied
from core.roles import Actor, Role
from tenants.divisions import Tier
from tenants.models import ServiceCentre
from web import links
from web.forms import show_error
from web.session import network_page

#: The tier one level below each tier (what a drill-down opens).
CHILD_TIER = {Tier.CITY: Tier.COUNTY, Tier.COUNTY: Tier.TOWNSHIP, Tier.TOWNSHIP: Tier.VILLAGE}
#: Counties and townships are ranked by their whole subtree (辖区), villages as centres.
SCOPE_OF_TIER = {
    Tier.CITY: Scope.SUBTREE,
    Tier.COUNTY: Scope.SUBTREE,
    Tier.TOWNSHIP: Scope.SUBTREE,
    Tier.VILLAGE: Scope.CENTRE,
}
#: (key, column header, kind) of the results table; kind: "rate" shown as %, "count", "score".
RESULT_COLUMNS = [
    ("coverage_rate", _("覆盖率"), "rate"),
    ("on_time_rate", _("按期办结率"), "rate"),
    ("satisfaction_rate", _("满意率"), "rate"),
    ("six_all_rate", _("六有达标率"), "rate"),
    ("received", _("收件数"), "count"),
    ("completed", _("办结数"), "count"),
    ("overdue", _("超期件数"), "count"),
    ("red_cards", _("红牌数"), "count"),
]
SORT_KEYS = {"rank", "score", "code", "name"} | {key for key, _label, _kind in RESULT_COLUMNS}
COMPARED = [
    ("coverage_rate", _("覆盖率")),
    ("on_time_rate", _("按期办结率")),
    ("satisfaction_rate", _("满意率")),
]
SCORE_BINS = 10  # the score distribution: 0–10, 10–20, … 90–100


def _page(request: HttpRequest, template: str, context: dict, status: int = 200) -> HttpResponse:
    return render(request, template, {**context, "nav_active": "assess"}, status=status)


def _refused(request: HttpRequest, exc: DomainError) -> HttpResponse:
    """A run of another city, a centre outside the jurisdiction, a bad request: the service's
    reason, with the status that fits."""
    if isinstance(exc, NotFound):
        return render(request, "web/not_found.html", {"error": exc}, status=404)
    if isinstance(exc, PermissionDenied):
        return render(request, "web/forbidden.html", {"error": exc}, status=403)
    return _page(request, "web/assess/problem.html", {"error": exc}, status=400)


def _actor(request: HttpRequest) -> Actor:
    """The session's assessor membership as the ``Actor`` the services take."""
    return actor_from_membership(request.membership)


assessor_page = network_page(Role.ASSESSOR)


# --- the index: run an assessment, the stored runs ----------------------------------------------


class RunForm(forms.Form):
    period_start = forms.DateField(
        label=_("考核期起"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    period_end = forms.DateField(
        label=_("考核期止"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    subtree = forms.ChoiceField(label=_("考核范围"))
    scheme = forms.ChoiceField(label=_("考核方案"))

    def __init__(self, *args, subtrees=(), schemes=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["subtree"].choices = [
            (c.division_code, f"{c.name}（{c.division_code}）") for c in subtrees
        ]
        self.fields["scheme"].choices = [
            (f"{s.name}|{s.version}", _("%(name)s 第 %(version)s 版") % vars(s)) for s in schemes
        ]


#: Where a service's ``field`` shows on the run form.
RUN_FORM_FIELDS = {"period": "period_end", "subtree": "subtree", "scheme": "scheme"}


@assessor_page
@require_http_methods(["GET", "POST"])
def index(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    try:
        centre = services.require_assessor(actor)
        runs = services.list_runs(actor)
        schemes = services.list_schemes(actor)
    except DomainError as exc:
        return _refused(request, exc)
    subtrees = ServiceCentre.objects.filter(
        division_code__startswith=subtree_prefix(centre.tier, centre.division_code)
    ).exclude(tier=Tier.VILLAGE)
    today = timezone.localdate()
    first = today.replace(day=1)
    initial = {
        "period_start": (first - dt.timedelta(days=1)).replace(day=1),
        "period_end": first - dt.timedelta(days=1),
        "subtree": centre.division_code,
    }
    form = RunForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        subtrees=subtrees,
        schemes=schemes,
    )
    if request.method == "POST" and form.is_valid():
        name, _sep, version = form.cleaned_data["scheme"].rpartition("|")
        try:
            run = services.run_assessment(
                actor,
                period_start=form.cleaned_data["period_start"],
                period_end=form.cleaned_data["period_end"],
                subtree_code=form.cleaned_data["subtree"],
                scheme_name=name,
                scheme_version=int(version),
            )
        except DomainError as exc:
            show_error(form, exc, RUN_FORM_FIELDS)
        else:
            return redirect(links.public_url("web:assess-run", run.pk))
    return _page(
        request,
        "web/assess/index.html",
        {"centre": centre, "form": form, "runs": runs, "status": 400 if form.errors else 200},
        status=400 if form.errors else 200,
    )


# --- one run -------------------------------------------------------------------------------------


def _sorted(results: list, key: str, descending: bool) -> list:
    """Rows sorted by ``key``; a unit without the figure (no cases: no rate) goes last."""

    def value(result):
        if key in ("rank", "score", "code", "name"):
            return getattr(result, key)
        return result.indicators.get(key)

    present = [r for r in results if value(r) is not None]
    missing = [r for r in results if value(r) is None]
    present.sort(key=lambda r: (value(r), r.code), reverse=descending)
    return present + missing


def _distribution(results: list) -> list[dict]:
    """How many units scored in each tenth of 0–100 (the last bin includes 100)."""
    counts = [0] * SCORE_BINS
    width = 100 / SCORE_BINS
    for result in results:
        index = min(int(max(result.score, 0) // width), SCORE_BINS - 1)
        counts[index] += 1
    return [
        {"label": f"{int(i * width)}–{int((i + 1) * width)}", "count": count}
        for i, count in enumerate(counts)
    ]


def _rate(value) -> float | None:
    return None if value is None else round(100 * value, 1)


@assessor_page
@require_GET
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    actor = _actor(request)
    try:
        run = services.get_run(actor, run_id)
    except DomainError as exc:
        return _refused(request, exc)
    summary = run.summary
    root_tier = summary["subtree"]["tier"]
    root_code = run.subtree_code
    # Which units: a tier (default one below the assessed subtree), optionally under one parent.
    tier = request.GET.get("tier") or CHILD_TIER.get(root_tier, root_tier)
    if tier not in SCOPE_OF_TIER or Tier.values.index(tier) < Tier.values.index(root_tier):
        tier = CHILD_TIER.get(root_tier, root_tier)
    parent = (request.GET.get("parent") or "").strip()
    rows = services.run_results(run, scope=SCOPE_OF_TIER[tier], tier=tier)
    # One more query gives the root and the units one level below it (the chart) whatever tier
    # the table shows.
    head = {
        r.code: r for r in services.run_results(run, scope=Scope.SUBTREE) if r.tier != Tier.VILLAGE
    }
    root = head.get(root_code)
    below_tier = CHILD_TIER.get(root_tier)
    if below_tier == Tier.VILLAGE:
        below = [r for r in rows if r.parent_code == root_code] if tier == Tier.VILLAGE else []
    else:
        below = [r for r in head.values() if r.tier == below_tier and r.parent_code == root_code]
    below.sort(key=lambda r: r.code)
    shown = [r for r in rows if r.parent_code == parent] if parent else rows
    sort = request.GET.get("sort") or "rank"
    if sort not in SORT_KEYS:
        sort = "rank"
    descending = request.GET.get("dir") == "desc"
    shown = _sorted(shown, sort, descending)
    parent_unit = head.get(parent) if parent else None
    table = [
        {
            "result": r,
            "cells": [
                (kind, _rate(r.indicators.get(key)) if kind == "rate" else r.indicators.get(key))
                for key, _label, kind in RESULT_COLUMNS
            ],
            "drill": CHILD_TIER.get(tier),
        }
        for r in shown
    ]
    chart = {
        "labels": [u.name for u in below],
        "series": [
            {
                "name": str(_("覆盖率")),
                "values": [_rate(u.indicators["coverage_rate"]) for u in below],
            },
            {
                "name": str(_("按期办结率")),
                "values": [_rate(u.indicators["on_time_rate"]) for u in below],
            },
        ],
    }
    distribution = _distribution(shown)
    return _page(
        request,
        "web/assess/run.html",
        {
            "run": run,
            "root": root,
            "tier": tier,
            "tier_label": TIER_LABELS.get(tier, tier),
            "tiers": [
                (t, TIER_LABELS[t])
                for t in (Tier.COUNTY, Tier.TOWNSHIP, Tier.VILLAGE)
                if Tier.values.index(t) > Tier.values.index(root_tier)
            ],
            "parent": parent_unit,
            "parent_code": parent,
            "columns": [(key, label) for key, label, _kind in RESULT_COLUMNS],
            "table": table,
            "sort": sort,
            "descending": descending,
            "below": [
                {
                    "unit": u,
                    "coverage": _rate(u.indicators["coverage_rate"]),
                    "on_time": _rate(u.indicators["on_time_rate"]),
                }
                for u in below
            ],
            "chart_below": chart,
            "chart_distribution": {
                "labels": [b["label"] for b in distribution],
                "values": [b["count"] for b in distribution],
                "name": str(_("单位数")),
            },
            "distribution": distribution,
            "coverage": [
                {
                    "label": TIER_LABELS[t],
                    "units": root.indicators[f"units_{t}"],
                    "covered": root.indicators[f"covered_{t}"],
                    "rate": _rate(root.indicators[f"coverage_{t}_rate"]),
                }
                for t in (Tier.COUNTY, Tier.TOWNSHIP, Tier.VILLAGE)
                if root and root.indicators[f"units_{t}"]
            ],
        },
    )


@assessor_page
@require_GET
def export(request: HttpRequest, run_id: int, fmt: str) -> HttpResponse:
    try:
        file = services.export_run(_actor(request), run_id, fmt)
    except DomainError as exc:
        return _refused(request, exc)
    response = HttpResponse(file.content, content_type=file.content_type)
    response["Content-Disposition"] = f'attachment; filename="{file.filename}"'
    return response


# --- comparing two runs --------------------------------------------------------------------------


@assessor_page
@require_GET
def compare(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    try:
        runs = services.list_runs(actor)
    except DomainError as exc:
        return _refused(request, exc)
    base_id, other_id = request.GET.get("base"), request.GET.get("other")
    tier = request.GET.get("tier") or Tier.COUNTY
    if tier not in SCOPE_OF_TIER:
        tier = Tier.COUNTY
    context = {
        "runs": runs,
        "base_id": base_id,
        "other_id": other_id,
        "tier": tier,
        "tiers": [
            (t, TIER_LABELS[t]) for t in (Tier.CITY, Tier.COUNTY, Tier.TOWNSHIP, Tier.VILLAGE)
        ],
        "compared": COMPARED,
    }
    if base_id and other_id:
        try:
            comparison = services.compare_runs(
                actor, _id(base_id), _id(other_id), scope=SCOPE_OF_TIER[tier], tier=tier
            )
        except PermissionDenied as exc:
            return _refused(request, exc)
        except DomainError as exc:
            context["error"] = exc
            return _page(request, "web/assess/compare.html", context, status=400)
        context["comparison"] = comparison
        context["units"] = []
        for unit in comparison.units:
            deltas = {d.key: d for d in unit.indicators}
            context["units"].append(
                {
                    "unit": unit,
                    "indicators": [
                        (_rate(deltas[key].base), _rate(deltas[key].other))
                        if key in deltas
                        else (None, None)
                        for key, _label in COMPARED
                    ],
                }
            )
    return _page(request, "web/assess/compare.html", context)


def _id(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise DomainError(_("编号无效。"), code="invalid_id", field="id") from None


# --- 六有 checks ---------------------------------------------------------------------------------


class CheckForm(forms.Form):
    centre_code = forms.CharField(label=_("服务点行政区划代码"), max_length=12)
    checked_on = forms.DateField(
        label=_("核查日期"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    has_premises = forms.BooleanField(label=SIX_LABELS["has_premises"], required=False)
    has_signage = forms.BooleanField(label=SIX_LABELS["has_signage"], required=False)
    has_staff = forms.BooleanField(label=SIX_LABELS["has_staff"], required=False)
    has_phone = forms.BooleanField(label=SIX_LABELS["has_phone"], required=False)
    has_register = forms.BooleanField(label=SIX_LABELS["has_register"], required=False)
    has_procedures = forms.BooleanField(label=SIX_LABELS["has_procedures"], required=False)


@assessor_page
@require_http_methods(["GET", "POST"])
def checks(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    try:
        services.require_assessor(actor)
    except DomainError as exc:
        return _refused(request, exc)
    code = (request.POST.get("centre_code") or request.GET.get("centre") or "").strip()
    form = CheckForm(
        request.POST if request.method == "POST" else None,
        initial={"centre_code": code, "checked_on": timezone.localdate()},
    )
    recorded = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.record_check(
                actor,
                data["centre_code"],
                checked_on=data["checked_on"],
                **{name: data[name] for name in SIX},
            )
        except DomainError as exc:
            show_error(form, exc, {"subtree": "centre_code"})
        else:
            url = links.public_url("web:assess-checks")
            return redirect(f"{url}?centre={data['centre_code']}&saved=1")
    centre, history, error = None, [], None
    if code:
        try:
            services.require_assessor(actor, code)
        except DomainError as exc:
            error = exc
        else:
            centre = ServiceCentre.objects.filter(division_code=code).first()
            if centre is not None:
                history = list(centre.fact_checks.order_by("-checked_on", "-id"))
                if request.method == "GET":
                    form.initial.update(centre.six_essentials)
    status = 400 if form.errors else 200
    return _page(
        request,
        "web/assess/checks.html",
        {
            "form": form,
            "code": code,
            "centre": centre,
            "error": error,
            "history": [
                {"check": c, "facts": [(SIX_LABELS[n], getattr(c, n)) for n in SIX]}
                for c in history
            ],
            "six": [SIX_LABELS[n] for n in SIX],
            "saved": request.GET.get("saved") == "1" and not recorded,
        },
        status=status,
    )
