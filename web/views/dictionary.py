"""The dictionary admin's pages (/dictionary/…): browse and search the common item dictionary,
an item's versions, adjust or retire one, import a CSV or XLSX file (every problem shown by
row, column and reason; nothing imported on any), export.

Thin: the views call ``catalog.services`` with the logged-in user as the actor (the services
allow only dictionary admins to change anything); reading is for dictionary admins too
(``accounts.permissions.require_dictionary_admin``). A ``DomainError`` is shown beside the field
it names.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.permissions import require_dictionary_admin
from catalog import dictionary_files as files
from catalog import services
from catalog.models import (
    Category,
    Department,
    HandlingType,
    Material,
    ServiceItem,
    ServiceItemVersion,
)
from core.errors import DomainError, NotFound, ValidationFailed
from core.roles import Role
from tenants.divisions import TIER_ORDER, Tier
from web import links
from web.session import network_page

PAGE_SIZE = 50
EXPORT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
#: The fields of the adjust form, in the service's names (what ``adjust_item`` takes).
ITEM_FIELDS = [
    "name",
    "category",
    "department",
    "legal_basis",
    "handling_type",
    "legal_limit_days",
    "promised_limit_days",
    "fee",
    "decision_tiers",
    "proxy_eligible",
    "online_eligible",
    "materials",
]


def _page(request: HttpRequest, template: str, context: dict, status: int = 200) -> HttpResponse:
    return render(request, template, {**context, "nav_active": "dictionary"}, status=status)


def _refused(request: HttpRequest, exc: DomainError) -> HttpResponse:
    if isinstance(exc, NotFound):
        return render(request, "web/not_found.html", {"error": exc}, status=404)
    return render(request, "web/forbidden.html", {"error": exc}, status=403)


def _admin_or_refusal(request: HttpRequest) -> HttpResponse | None:
    """The session works as a dictionary admin (``network_page``); the user must still be one
    (a membership may have ended since)."""
    try:
        require_dictionary_admin(request.user)
    except DomainError as exc:
        return _refused(request, exc)
    return None


admin_page = network_page(Role.DICTIONARY_ADMIN)


# --- browse and search ---------------------------------------------------------------------------


@admin_page
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    if refusal := _admin_or_refusal(request):
        return refusal
    q = (request.GET.get("q") or "").strip()
    department = (request.GET.get("department") or "").strip()
    include_retired = request.GET.get("retired") == "1"
    versions = services.search_items(q, department or None, include_retired=include_retired)
    page = Paginator(versions, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return _page(
        request,
        "web/dictionary/index.html",
        {
            "q": q,
            "department": department,
            "include_retired": include_retired,
            "page": page,
            "query": query.urlencode(),
            "departments": Department.objects.order_by("code"),
        },
    )


# --- one item ------------------------------------------------------------------------------------


def _versions():
    return (
        ServiceItemVersion.objects.select_related("department", "created_by")
        .prefetch_related(Prefetch("materials", queryset=Material.objects.order_by("position")))
        .order_by("-version")
    )


def _item_with_versions(code: str) -> ServiceItem:
    """An item with every version (newest first) and their materials: three queries."""
    item = (
        ServiceItem.objects.select_related("retired_by")
        .prefetch_related(Prefetch("versions", queryset=_versions()))
        .filter(code=files.text(code).upper())
        .first()
    )
    if item is None:
        raise NotFound(
            _("事项“%(code)s”不在事项库中。"),
            code="unknown_item",
            field="item",
            params={"code": code},
        )
    return item


@admin_page
@require_GET
def item(request: HttpRequest, code: str) -> HttpResponse:
    if refusal := _admin_or_refusal(request):
        return refusal
    try:
        found = _item_with_versions(code)
    except DomainError as exc:
        return _refused(request, exc)
    versions = list(found.versions.all())
    wanted = request.GET.get("version")
    shown = next((v for v in versions if str(v.version) == wanted), None)
    shown = shown or next(v for v in versions if v.pk == found.current_version_id)
    return _page(
        request,
        "web/dictionary/item.html",
        {
            "item": found,
            "shown": shown,
            "versions": versions,
            "tiers": _tier_labels(shown.decision_tiers),
            "message": request.GET.get("done"),
        },
    )


def _tier_labels(tiers) -> list[str]:
    return [str(Tier(t).label) for t in TIER_ORDER if t in tiers]


def _form_values(version) -> dict:
    """The adjust form's initial values: the version's attributes as the form shows them."""
    return {
        "name": version.name,
        "category": version.category,
        "department": version.department.code,
        "legal_basis": version.legal_basis,
        "handling_type": version.handling_type,
        "legal_limit_days": version.legal_limit_days,
        "promised_limit_days": version.promised_limit_days,
        "fee": version.fee,
        "decision_tiers": list(version.decision_tiers),
        "proxy_eligible": "1" if version.proxy_eligible else "0",
        "online_eligible": "1" if version.online_eligible else "0",
        "materials": "\n".join(
            f"{m.name}|{m.form}|{m.count}" for m in version.materials.order_by("position")
        ),
        "change_note": "",
    }


def _posted_values(post) -> dict:
    values = {name: (post.get(name) or "").strip() for name in ITEM_FIELDS}
    values["decision_tiers"] = post.getlist("decision_tiers")
    # One material a line in the form; the service reads "name|form|count;…".
    values["materials"] = ";".join(
        line.strip() for line in (post.get("materials") or "").splitlines() if line.strip()
    )
    values["change_note"] = (post.get("change_note") or "").strip()
    return values


@admin_page
@require_http_methods(["GET", "POST"])
def adjust(request: HttpRequest, code: str) -> HttpResponse:
    if refusal := _admin_or_refusal(request):
        return refusal
    try:
        found = services.active_version(code)
    except DomainError as exc:
        return _refused(request, exc)
    errors: dict[str, list[str]] = {}
    values = _form_values(found)
    if request.method == "POST":
        values = _posted_values(request.POST)
        changes = {name: values[name] for name in ITEM_FIELDS}
        # Every problem at once (the service's own check), then the change itself.
        _attrs, problems = services.clean_item_attrs(changes)
        for problem in problems:
            errors.setdefault(problem.field or "item", []).append(problem.message)
        if not problems:
            try:
                services.adjust_item(
                    found.item.code,
                    actor=request.user,
                    change_note=values["change_note"],
                    **changes,
                )
            except DomainError as exc:
                errors.setdefault(exc.field or "item", []).append(exc.message)
            else:
                return redirect(
                    links.public_url("web:dictionary-item", found.item.code) + "?done=adjusted"
                )
        values["materials"] = values["materials"].replace(";", "\n")
    return _page(
        request,
        "web/dictionary/adjust.html",
        {
            "item": found.item,
            "version": found,
            "values": values,
            "errors": errors,
            **_choices(),
        },
        status=400 if errors else 200,
    )


def _choices() -> dict:
    return {
        "categories": Category.choices,
        "handling_types": HandlingType.choices,
        "tiers": [(t, Tier(t).label) for t in TIER_ORDER],
        "departments": Department.objects.order_by("code"),
    }


@admin_page
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    """新增事项: a new item, saved as its version 1 (``catalog.services.add_item``)."""
    if refusal := _admin_or_refusal(request):
        return refusal
    errors: dict[str, list[str]] = {}
    values: dict = {
        "code": "",
        "category": Category.choices[0][0],
        "handling_type": HandlingType.PROMISED,
        "decision_tiers": [],
        "proxy_eligible": "1",
        "online_eligible": "0",
        "fee": "0",
    }
    if request.method == "POST":
        values = _posted_values(request.POST)
        values["code"] = (request.POST.get("code") or "").strip()
        attrs = {name: values[name] for name in ITEM_FIELDS}
        # Every problem at once: the code, then the service's own check of the attributes.
        problems = []
        try:
            services.clean_item_code(values["code"])
        except DomainError as exc:
            problems.append(exc)
        problems += services.clean_item_attrs(attrs)[1]
        for problem in problems:
            errors.setdefault(problem.field or "item", []).append(problem.message)
        if not problems:
            try:
                version = services.add_item(
                    code=values["code"],
                    actor=request.user,
                    change_note=values["change_note"],
                    **attrs,
                )
            except DomainError as exc:
                if exc.code == "permission_denied":
                    return _refused(request, exc)
                errors.setdefault(exc.field or "item", []).append(exc.message)
            else:
                return redirect(
                    links.public_url("web:dictionary-item", version.item.code) + "?done=added"
                )
        values["materials"] = values["materials"].replace(";", "\n")
    return _page(
        request,
        "web/dictionary/adjust.html",
        {"creating": True, "values": values, "errors": errors, **_choices()},
        status=400 if errors else 200,
    )


@admin_page
@require_POST
def retire(request: HttpRequest, code: str) -> HttpResponse:
    return _status_change(request, code, services.retire_item, "retired")


@admin_page
@require_POST
def reinstate(request: HttpRequest, code: str) -> HttpResponse:
    return _status_change(request, code, services.reinstate_item, "reinstated")


def _status_change(request: HttpRequest, code: str, change, done: str) -> HttpResponse:
    try:
        item = change(code, actor=request.user)
    except NotFound as exc:
        return _refused(request, exc)
    except DomainError as exc:
        if exc.code == "permission_denied":
            return _refused(request, exc)
        found = _item_with_versions(code)
        versions = list(found.versions.all())
        shown = next(v for v in versions if v.pk == found.current_version_id)
        return _page(
            request,
            "web/dictionary/item.html",
            {
                "item": found,
                "shown": shown,
                "versions": versions,
                "tiers": _tier_labels(shown.decision_tiers),
                "error": exc,
            },
            status=400,
        )
    return redirect(links.public_url("web:dictionary-item", item.code) + f"?done={done}")


# --- import and export ---------------------------------------------------------------------------


@admin_page
@require_http_methods(["GET", "POST"])
def import_file(request: HttpRequest) -> HttpResponse:
    if refusal := _admin_or_refusal(request):
        return refusal
    context: dict = {"columns": [(c, files.COLUMN_HELP[c]) for c in files.COLUMNS]}
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            context["error"] = _("请选择要导入的 CSV 或 XLSX 文件。")
            return _page(request, "web/dictionary/import.html", context, status=400)
        suffix = Path(upload.name).suffix.lower()
        with tempfile.TemporaryDirectory() as folder:
            # The reader goes by the file's suffix; the name itself is never used as a path.
            path = Path(folder) / f"upload{suffix if suffix in files.SUFFIXES else '.bin'}"
            with path.open("wb") as out:
                for chunk in upload.chunks():
                    out.write(chunk)
            try:
                report = services.import_dictionary(path, actor=request.user)
            except ValidationFailed as exc:
                context["error"] = exc.message
                context["problems"] = exc.problems
                context["filename"] = upload.name
                return _page(request, "web/dictionary/import.html", context, status=400)
            except DomainError as exc:
                if exc.code == "permission_denied":
                    return _refused(request, exc)
                context["error"] = exc.message
                return _page(request, "web/dictionary/import.html", context, status=400)
        context["report"] = report
        context["filename"] = upload.name
    return _page(request, "web/dictionary/import.html", context)


@admin_page
@require_GET
def export(request: HttpRequest, fmt: str) -> HttpResponse:
    if refusal := _admin_or_refusal(request):
        return refusal
    include_retired = request.GET.get("retired", "1") == "1"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"dictionary.{fmt}"
        services.export_dictionary(path, include_retired=include_retired)
        content = path.read_bytes()
    response = HttpResponse(content, content_type=EXPORT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="dictionary.{fmt}"'
    return response
