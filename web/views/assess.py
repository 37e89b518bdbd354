"""City assessor pages (考核人员): runs, results, comparisons, exports. Owned by web2."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.roles import Role
from web.session import network_page


@network_page(Role.ASSESSOR)
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "web/assess/index.html", {"nav_active": "assess"})
