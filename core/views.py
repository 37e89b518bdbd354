"""Small views of the public side and of a centre's root."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import reverse

from tenants.models import ServiceCentre


def health(request: HttpRequest) -> JsonResponse:
    """The network's health: the web app answers, and messaging flows (a live relay, no
    backlog past its threshold; parked and dead-letter counts). 503 when messaging is down, so
    a monitor or load balancer sees what ``{"status": "ok"}`` used to hide."""
    from messaging.health import messaging_health

    report, healthy = messaging_health()
    return JsonResponse(
        {"status": "ok" if healthy else "failing", "messaging": report},
        status=200 if healthy else 503,
    )


def centre_health(request: HttpRequest) -> JsonResponse:
    """A centre's side answers (routing works); the network's state is at ``/health/``."""
    return JsonResponse({"status": "ok"})


def network_index(request: HttpRequest) -> JsonResponse:
    roots = ServiceCentre.objects.filter(parent__isnull=True).values("division_code", "name")
    return JsonResponse(
        {
            "name": "政务服务网络",
            "admin": request.build_absolute_uri(reverse("admin:index")),
            "centres": ServiceCentre.objects.count(),
            "roots": list(roots),
            "centre_url": request.build_absolute_uri("/c/<division_code>/"),
        },
        json_dumps_params={"ensure_ascii": False},
    )


def centre_index(request: HttpRequest) -> JsonResponse:
    centre = request.centre
    return JsonResponse(
        {
            "division_code": centre.division_code,
            "name": centre.name,
            "tier": centre.tier,
            "tier_label": str(centre.get_tier_display()),
            "status": centre.status,
            "parent": centre.parent.division_code if centre.parent_id else None,
            "schema": centre.schema_name,
        },
        json_dumps_params={"ensure_ascii": False},
    )
