"""Centre head pages (中心负责人): the subtree's workload, staff, 六有 facts. Owned by web2."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.roles import Role
from web.session import centre_page


@centre_page(Role.HEAD)
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "web/head/index.html", {"nav_active": "head"})
