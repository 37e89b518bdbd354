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
    """For pages without a Django form: ``{field or "general": message}``."""
    return {error.field or "general": error.message}


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


class NewCaseForm(forms.Form):
    """A request at the desk: the applicant, the materials received, a note."""

    #: A service's field name → this form's (web.forms.show_error).
    SERVICE_FIELDS = {
        "applicant_name": "applicant_name",
        "applicant_id_number": "applicant_id_number",
        "applicant_kind": "applicant_kind",
        "applicant_phone": "applicant_phone",
        "materials_received": "materials",
        "materials": "materials",
        "idempotency_key": None,
    }

    item_code = forms.CharField(widget=forms.HiddenInput)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=80)
    applicant_kind = forms.ChoiceField(
        label=_("申请人类型"),
        choices=[("person", _("自然人")), ("enterprise", _("法人/企业"))],
        initial="person",
        widget=forms.RadioSelect,
    )
    applicant_name = forms.CharField(label=_("申请人姓名（名称）"), max_length=100)
    applicant_id_number = forms.CharField(
        label=_("证件号码"),
        max_length=18,
        help_text=_("自然人填居民身份证号码，企业填统一社会信用代码（18位）。"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    applicant_phone = forms.CharField(
        label=_("联系电话"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "off"}),
    )
    sms_opt_out = forms.BooleanField(
        label=_("申请人不接收非必要短信（领取提醒、评价邀请）"), required=False
    )
    materials = forms.MultipleChoiceField(
        label=_("已收材料"), required=False, widget=forms.CheckboxSelectMultiple
    )
    note = forms.CharField(
        label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=500
    )

    def __init__(self, *args, materials=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.required_materials = list(materials)
        self.fields["materials"].choices = [(m.name, m.name) for m in self.required_materials]

    def applicant(self):
        from delegation.services import Applicant

        data = self.cleaned_data
        return Applicant(
            kind=data["applicant_kind"],
            name=data["applicant_name"],
            id_number=data["applicant_id_number"].strip().upper(),
            phone=data["applicant_phone"],
        )
