"""The header's bell: the unread notifications of the centre the session works at."""

from __future__ import annotations

from django import template

from core.roles import DESK_ROLES

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context) -> dict | None:
    """{"count", "url"} for a desk membership, else None. The count comes annotated on the
    session's membership (``web.session.current_membership``): no query of its own."""
    from notifications.services import unread_count
    from web import links

    membership = context.get("web_membership")
    if membership is None or membership.role not in DESK_ROLES:
        return None
    centre = membership.centre
    count = getattr(membership, "unread_notifications", None)  # web.session annotates it
    return {
        "count": unread_count(centre) if count is None else count,
        "url": links.centre_url(centre.division_code, "web:notifications"),
    }
