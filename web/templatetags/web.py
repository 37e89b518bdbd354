"""Template helpers of the web app: links across sides, and small formatting."""

from __future__ import annotations

from django import template

from web import links

register = template.Library()


@register.simple_tag
def public_url(name: str, *args) -> str:
    return links.public_url(name, *args)


@register.simple_tag
def centre_url(code: str, name: str, *args) -> str:
    return links.centre_url(code, name, *args)


@register.filter
def field_error(errors, name: str):
    """``{{ errors|field_error:"reason" }}``: the message a DomainError gave for a field."""
    if not errors:
        return ""
    return errors.get(name, "")


@register.filter
def state_label(value: str) -> str:
    """A case state's name for people (``approved`` → 准予许可)."""
    from delegation.models import State

    return State(value).label if value in State.values else value
