"""Forms of the web app, and the one rule of showing a service's error.

A view parses input with a Django form, calls the service, and on a ``DomainError`` calls
``show_error(form, error)``: the message goes beside the field the error names (``field``,
mapped to the form's own field name where they differ), or on top of the form if the form has
no such field. Nothing else decides what a user is told.
"""

from __future__ import annotations

from collections.abc import Mapping

from django import forms
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError


def show_error(
    form: forms.Form, error: DomainError, fields: Mapping[str, str] | None = None
) -> forms.Form:
    """Attach ``error``'s message to the form field it names (``fields`` maps a service's field
    name to the form's), else to the form as a whole. Returns the form."""
    name = (fields or {}).get(error.field or "", error.field)
    if name not in form.fields:
        name = None
    form.add_error(name, error.message)
    return form


def errors_of(error: DomainError) -> dict[str, str]:
    """For pages without a Django form: ``{field or "__all__": message}``."""
    return {error.field or "__all__": error.message}


class LoginForm(forms.Form):
    username = forms.CharField(
        label=_("用户名"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class TrackForm(forms.Form):
    tracking_no = forms.CharField(
        label=_("办件编号"),
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )
    query_code = forms.CharField(
        label=_("查询码"),
        max_length=12,
        help_text=_("印在回执上的查询码。"),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
