"""The download behind an export link (``assessment.services.export_link``): thin, like every
caller of the services. The caller is the bearer token's user (the network endpoint's token) or
the logged-in session's; the link's signature, expiry and owner are the service's checks."""

from __future__ import annotations

from django.http import HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from assessment import services
from core.errors import DomainError
from graphql_api.errors import HTTP_STATUS, error_extensions
from graphql_api.views import NETWORK, authenticate_request

_STATUS = {"export_link_invalid": 404, "export_link_expired": 410}


@require_GET
def export_download(request, token: str) -> HttpResponse:
    try:
        context = authenticate_request(request, NETWORK)
        user = context.user
        if user is None and request.user.is_authenticated:
            user = request.user
        export = services.open_export_link(token, user)
    except DomainError as exc:
        status = _STATUS.get(exc.code) or HTTP_STATUS.get(exc.code, 403)
        body = {"message": exc.message_in("zh-hans"), **error_extensions(exc)}
        return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    response = HttpResponse(export.content, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
