"""The case page's 材料交接 section gets its data here, so the page's own view stays as it was:
``{% custody_of case as custody %}`` in ``web/custody/_case.html``."""

from __future__ import annotations

from django import template

from custody.queries import case_custody, form_label

register = template.Library()


@register.simple_tag(takes_context=True)
def custody_of(context, case):
    request = context["request"]
    return case_custody(request.centre, request.actor, case)


@register.filter
def paper_form(form: str) -> str:
    """``{{ line.form|paper_form }}``: 原件, 复印件 or 办理结果."""
    return form_label(form)
