"""Village agent pages (村代办员), phone first: the village register and logging a request."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.roles import Role
from web.session import centre_page


@centre_page(Role.AGENT)
def register(request: HttpRequest) -> HttpResponse:
    return render(request, "web/head/index.html", {"nav_active": "register"})


@centre_page()
def new_case(request: HttpRequest) -> HttpResponse:
    return render(request, "web/head/index.html", {"nav_active": "new"})
