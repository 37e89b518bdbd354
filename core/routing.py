"""Routing a request to a centre's schema.

Most of the ~1,700 centres (every village room) have no host name of their own, so a centre is
addressed by its division code:

* path: ``/c/<division_code>/…`` (e.g. ``/c/420506101201/graphql/``), for browsers and links;
* header: ``X-Centre: <division_code>`` on any path, for API clients that keep one base URL.

Anything else is the public (network) side: the admin, the network API, tracking by number.
The prefix is moved from ``path_info`` to the script prefix, so the centre's URLconf and
``reverse()`` work as if the centre were mounted there.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.urls import set_script_prefix
from django.utils.translation import gettext as _

from core import sql
from tenants.models import ServiceCentre

_PATH_RE = re.compile(
    "^/" + re.escape(settings.CENTRE_URL_PREFIX) + r"/(?P<code>[0-9]{6}|[0-9]{12})(?P<rest>/.*)?$"
)


def centre_for_code(code: str) -> ServiceCentre | None:
    return sql.one(ServiceCentre, "WHERE division_code = %s LIMIT 1", [code])  # every request


class CentreRoutingMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        connection.set_schema_to_public()
        request.centre = None
        match = _PATH_RE.match(request.path_info)
        code = match["code"] if match else request.META.get(settings.CENTRE_HEADER, "").strip()
        if code:
            centre = centre_for_code(code) if code.isdigit() else None
            if centre is None:
                return JsonResponse(
                    {
                        "error": {
                            "code": "centre_not_found",
                            "message": _("没有行政区划代码为“%s”的服务中心。") % code,
                        }
                    },
                    status=404,
                )
            request.centre = centre
            request.urlconf = settings.CENTRE_URLCONF
            connection.set_tenant(centre)
            if match:
                prefix = (
                    f"{request.META.get('SCRIPT_NAME', '')}/{settings.CENTRE_URL_PREFIX}/{code}"
                )
                request.path_info = match["rest"] or "/"
                set_script_prefix(prefix + "/")
        try:
            return self.get_response(request)
        finally:
            connection.set_schema_to_public()
            if match:
                # Code running after this request (or the next request on this thread before
                # Django resets it) must not build URLs under this centre's prefix.
                set_script_prefix(request.META.get("SCRIPT_NAME", "") + "/")
