"""Dictionary admin pages (事项管理员): browse, versions, adjust, retire, import, export.
Owned by web2."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.roles import Role
from web.session import network_page


@network_page(Role.DICTIONARY_ADMIN)
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "web/dictionary/index.html", {"nav_active": "dictionary"})
