"""The header's bell: the unread notifications of the centre the session works at."""

from __future__ import annotations

from django import template

from core.roles import DESK_ROLES

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context) -> dict | None:
    """{"count", "url"} for a desk membership (one COUNT on the partial index), else None."""
    from notifications.services import unread_count
    from web import links

    membership = context.get("web_membership")
    if membership is None or membership.role not in DESK_ROLES:
        return None
    centre = membership.centre
    return {
        "count": unread_count(centre),
        "url": links.centre_url(centre.division_code, "web:notifications"),
    }
