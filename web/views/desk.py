"""Window staff pages (窗口工作人员) and a case's page for every desk role."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from core.roles import Role
from web.session import centre_page


@centre_page()
def centre_home(request: HttpRequest) -> HttpResponse:
    """A centre's root: the agent's register, or the window's worklist."""
    if request.actor.role == Role.AGENT:
        return redirect("web:register")
    return redirect("web:worklist")


@centre_page(Role.STAFF, Role.HEAD)
def worklist(request: HttpRequest) -> HttpResponse:
    return render(request, "web/head/index.html", {"nav_active": "worklist"})


@centre_page()
def case(request: HttpRequest, tracking_no: str) -> HttpResponse:
    return render(request, "web/head/index.html")


@centre_page()
def receipt(request: HttpRequest, tracking_no: str) -> HttpResponse:
    return render(request, "web/head/index.html")


@centre_page()
def notice(request: HttpRequest, tracking_no: str) -> HttpResponse:
    return render(request, "web/head/index.html")


@centre_page()
def decision(request: HttpRequest, tracking_no: str) -> HttpResponse:
    return render(request, "web/head/index.html")


@centre_page()
def act(request: HttpRequest, tracking_no: str, action: str) -> HttpResponse:
    return redirect("web:case", tracking_no)
