"""What every page's header and nav need: the centre, the session's role, the links by role."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.roles import DESK_ROLES, Role
from web import links
from web.session import current_membership


def _nav(membership) -> list[tuple[str, str, str]]:
    """(key, label, url) of the nav links the session's role works with."""
    if membership is None:
        return [
            ("home", _("首页"), links.public_url("web:home")),
            ("track", _("办件查询"), links.public_url("web:track")),
        ]
    code = membership.centre.division_code
    role = membership.role
    items: list[tuple[str, str, str]] = []
    if role == Role.AGENT:
        items += [
            ("register", _("登记簿"), links.centre_url(code, "web:register")),
            ("new", _("新登记"), links.centre_url(code, "web:new-case")),
        ]
    elif role in (Role.STAFF, Role.HEAD):
        items += [
            ("worklist", _("待办"), links.centre_url(code, "web:worklist")),
            ("new", _("窗口登记"), links.centre_url(code, "web:new-case")),
        ]
        if role == Role.HEAD:
            items.append(("head", _("中心工作量"), links.centre_url(code, "web:head")))
        if membership.centre.tier == "township":
            items.append(
                ("custody-agents", _("代办员"), links.centre_url(code, "web:custody-agents"))
            )
    if role in DESK_ROLES:
        items.append(("ratings", _("差评整改"), links.centre_url(code, "web:rectifications")))
        items.append(("custody", _("材料交接"), links.centre_url(code, "web:custody")))
    if role == Role.ASSESSOR:
        items.append(("assess", _("考核"), links.public_url("web:assess")))
    elif role == Role.DICTIONARY_ADMIN:
        items.append(("dictionary", _("事项库"), links.public_url("web:dictionary")))
    elif role == Role.SUPERVISOR:
        items.append(("supervise", _("督办"), links.public_url("web:supervise")))
    if role == Role.ASSESSOR:
        items.append(("supervise", _("督办"), links.public_url("web:supervise")))
    items.append(("track", _("办件查询"), links.public_url("web:track")))
    return items


def web(request) -> dict:
    membership = current_membership(request)
    return {
        "web_membership": membership,
        "web_centre": getattr(request, "centre", None)
        or (membership.centre if membership else None),
        "web_nav": _nav(membership),
    }
